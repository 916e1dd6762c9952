// node-postgres against meshgate: run by ../node_pg.sh (TZ=Asia/Tokyo). Every expected value is
// computed another way (a literal instead of a parameter, BigInt arithmetic, the text form) so
// that nothing is hard-coded.
'use strict';
const assert = require('node:assert/strict');
const { Client } = require('pg');
const Cursor = require('pg-cursor');

const host = process.env.MESHGATE_HOST || '127.0.0.1';
const port = Number(process.env.MESHGATE_PORT || 5433);
const INT4 = 23;
const INT8 = 20;
const NUMERIC = 1700;

async function connect(user) {
  const client = new Client({ host, port, user, password: user, database: 'mesh' });
  await client.connect();
  return client;
}

function ok(what) {
  console.log(`ok  ${what}`);
}

async function one(client, sql, params) {
  const result = await client.query(sql, params);
  return { row: result.rows[0], fields: result.fields };
}

async function integers(admin) {
  for (const params of [undefined, []]) {
    const { row, fields } = await one(admin, 'SELECT 1 AS one, 3000000000 AS big', params);
    assert.equal(fields[0].dataTypeID, INT4, 'SELECT 1 is integer');
    assert.equal(row.one, 1, 'an integer constant is a JS number');
    assert.equal(fields[1].dataTypeID, INT8, '3000000000 is bigint');
    assert.equal(row.big, (3n * 10n ** 9n).toString(), 'a bigint is a string');
  }
  const { row } = await one(admin, 'SELECT count(*) AS n FROM customers.nation');
  assert.equal(typeof row.n, 'string', 'count(*) is bigint');
  ok('integer constants are int4 (JS numbers), bigints and count(*) int8 (strings)');
  await assert.rejects(admin.query('SELECT 2147483647 + $1::int AS x', [1]), (e) => e.code === '22003');
  ok('integer overflow is 22003');
}

// a positive decimal text divided by a positive integer, rounded half up to 16 decimals, in BigInt
function quotient(text, divisor) {
  const [whole, fraction = ''] = text.split('.');
  const scaled = BigInt(whole + fraction) * 10n ** BigInt(16 - fraction.length);
  const digits = ((2n * scaled + divisor) / (2n * divisor)).toString().padStart(17, '0');
  return `${digits.slice(0, -16)}.${digits.slice(-16)}`;
}

async function numerics(admin) {
  const { row, fields } = await one(
    admin,
    'SELECT sum(l_quantity) AS s, count(*) AS n, sum(l_quantity) / count(*) AS q FROM sales.lineitem'
  );
  assert.equal(fields[2].dataTypeID, NUMERIC);
  assert.match(row.s, /^\d+\.\d\d$/, 'numeric(15,2) keeps its scale');
  assert.equal(row.q, quotient(row.s, BigInt(row.n)), 'numeric division keeps 16 decimals, rounded');
  const rounded = await one(admin, 'SELECT round(1.005, 2) AS r, 2.5::int AS i, $1::numeric / 3 AS p', ['25']);
  assert.equal(rounded.row.r, (1.01).toFixed(2));
  assert.equal(rounded.row.i, Math.round(2.5));
  assert.equal(rounded.row.p, quotient('25', 3n));
  ok('numerics are strings with the right scale, division and casts round');
}

async function dates(admin) {
  const day = new Date(1994, 11, 13); // local midnight in Asia/Tokyo: 1994-12-12T15:00Z
  assert.notEqual(day.getUTCDate(), day.getDate(), 'the test runs east of UTC');
  const literal = await one(admin, "SELECT count(*) AS n FROM sales.orders WHERE o_orderdate = DATE '1994-12-13'");
  const param = await one(admin, 'SELECT count(*) AS n FROM sales.orders WHERE o_orderdate = $1', [day]);
  assert.ok(Number(literal.row.n) > 0);
  assert.equal(param.row.n, literal.row.n, 'a JS Date parameter filters the same rows as the literal date');
  const typed = await one(admin, 'SELECT count(*) AS n FROM sales.orders WHERE o_orderdate = $1::date', [day]);
  assert.equal(typed.row.n, literal.row.n, 'a JS Date parameter typed date');
  const end = new Date(1995, 0, 1);
  const range = await one(
    admin,
    'SELECT count(*) AS n FROM sales.orders WHERE o_orderdate >= $1 AND o_orderdate < $2',
    [day, end]
  );
  const rangeLiteral = await one(
    admin,
    "SELECT count(*) AS n FROM sales.orders WHERE o_orderdate >= DATE '1994-12-13' AND o_orderdate < DATE '1995-01-01'"
  );
  assert.equal(range.row.n, rangeLiteral.row.n);
  ok('JS Date parameters under TZ=Asia/Tokyo give the same rows as literal dates');
  const { row } = await one(
    admin,
    'SELECT o_orderdate AS d, CAST(o_orderdate AS VARCHAR) AS t FROM sales.orders WHERE o_orderkey = $1',
    [1]
  );
  assert.ok(row.d instanceof Date);
  const [y, m, dd] = row.t.split('-').map(Number);
  assert.deepEqual([row.d.getFullYear(), row.d.getMonth() + 1, row.d.getDate()], [y, m, dd]);
  ok('a date column reads as the same local calendar day');
}

async function errors() {
  const analyst = await connect('analyst');
  await assert.rejects(analyst.query('SELECT * FROM supply.supplier'), (e) => e.code === '42501');
  await assert.rejects(analyst.query('SELECT * FROM sales.nope'), (e) => e.code === '42P01');
  await assert.rejects(analyst.query('SELECT * FROM sales.nope WHERE 1 = $1', [1]), (e) => e.code === '42P01');
  const { row } = await one(analyst, 'SELECT 1 AS alive');
  assert.equal(row.alive, 1, 'the connection survives errors');
  await analyst.end();
  ok('errors carry their SQLSTATE (42501, 42P01)');
}

async function cursor(admin) {
  const { row } = await one(admin, 'SELECT count(*) AS n FROM sales.lineitem');
  const total = Number(row.n);
  const c = admin.query(new Cursor('SELECT l_orderkey, l_linenumber FROM sales.lineitem ORDER BY 1, 2'));
  let seen = 0;
  let batches = 0;
  let last = [-1, -1];
  for (;;) {
    const rows = await c.read(5000);
    if (rows.length === 0) break;
    batches += 1;
    for (const r of rows) {
      const key = [Number(r.l_orderkey), r.l_linenumber];
      assert.ok(key[0] > last[0] || (key[0] === last[0] && key[1] > last[1]), 'rows arrive in order');
      last = key;
    }
    seen += rows.length;
  }
  await c.close();
  assert.equal(seen, total);
  assert.ok(batches >= Math.ceil(total / 5000), `${batches} batches`);
  ok(`pg-cursor reads ${seen} rows in ${batches} batches`);
}

async function governance(admin) {
  const emea = await connect('emea');
  const sql =
    'SELECT DISTINCT r.r_name AS region FROM customers.customer c ' +
    'JOIN customers.nation n ON c.c_nationkey = n.n_nationkey ' +
    'JOIN customers.region r ON n.n_regionkey = r.r_regionkey';
  const seen = (await emea.query(sql)).rows.map((r) => r.region);
  assert.deepEqual(seen, ['EUROPE']);
  const all = (await admin.query(sql)).rows.map((r) => r.region);
  assert.ok(all.length > 1 && all.includes('EUROPE'));
  const phones = await emea.query('SELECT count(c_phone) AS n FROM customers.customer WHERE c_custkey > $1', [0]);
  assert.equal(phones.rows[0].n, '0', 'pii columns read as NULL');
  await assert.rejects(emea.query('SELECT * FROM sales.orders'), (e) => e.code === '42501');
  await emea.end();
  ok('emea sees only EUROPE customers, masked phones, no sales');
}

async function main() {
  const admin = await connect('admin');
  try {
    await integers(admin);
    await numerics(admin);
    await dates(admin);
    await errors();
    await cursor(admin);
    await governance(admin);
  } finally {
    await admin.end();
  }
}

main().catch((error) => {
  console.error('FAIL:', error);
  process.exit(1);
});
