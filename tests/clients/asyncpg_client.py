#!/usr/bin/env python3
"""Drives asyncpg against a running meshgate (MESHGATE_HOST/MESHGATE_PORT, default
127.0.0.1:5433). asyncpg speaks only the extended protocol with binary values: typed
parameters (int, numeric, text, date, timestamp, timestamptz, bool), prepared statement
reuse, a cursor in a transaction moved with forward() (SQL MOVE on the protocol portal it
bound) and read with fetch(), text arrays in results and as parameters, errors as asyncpg's
exception classes, cancellation by statement_timeout and by asyncpg's own timeout= with the
connection usable afterwards, and governance (analyst may not read supply.supplier, emea sees
only EUROPE customers). Every answer is checked against the same answer computed another way.

    cargo run -- serve &   python3 tests/clients/asyncpg_client.py
"""

import asyncio
import datetime
import os
import sys
import time
from decimal import Decimal

import asyncpg

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = int(os.environ.get("MESHGATE_PORT", "5433"))

# rows that stream for minutes: a cancel or a timeout stops them between batches
ENDLESS = "SELECT a.o_orderkey, b.o_comment FROM sales.orders a CROSS JOIN sales.orders b"


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {message}")


async def connect(user):
    return await asyncpg.connect(host=HOST, port=PORT, user=user, password=user, database="mesh")


async def parameters(conn):
    orders = await conn.fetchval("SELECT count(*) FROM sales.orders")
    check(orders == 15000, f"asyncpg connects and counts {orders} orders")

    key = await conn.fetchval("SELECT min(o_orderkey) FROM sales.orders")
    row = await conn.fetchrow(
        "SELECT o_orderkey, o_totalprice, o_orderdate, o_orderstatus FROM sales.orders "
        "WHERE o_orderkey = $1",
        key,
    )
    check(
        row["o_orderkey"] == key
        and isinstance(row["o_totalprice"], Decimal)
        and isinstance(row["o_orderdate"], datetime.date),
        f"int parameter: order {key} -> numeric {row['o_totalprice']!r}, date {row['o_orderdate']}",
    )
    same = await conn.fetchval(
        "SELECT count(*) FROM sales.orders WHERE o_totalprice = $1 AND o_orderdate = $2 "
        "AND o_orderstatus = $3",
        row["o_totalprice"],
        row["o_orderdate"],
        row["o_orderstatus"],
    )
    check(same >= 1, "numeric, date and text parameters find the same order again")

    cutoff = datetime.date(1995, 1, 1)
    before = await conn.fetchval("SELECT count(*) FROM sales.orders WHERE o_orderdate < $1", cutoff)
    after = await conn.fetchval("SELECT count(*) FROM sales.orders WHERE o_orderdate >= '1995-01-01'")
    check(before + after == orders, f"date parameter splits the orders: {before} + {after}")

    moment = datetime.datetime(1995, 1, 1, 0, 0, 0)
    by_ts = await conn.fetchval(
        "SELECT count(*) FROM sales.orders WHERE CAST(o_orderdate AS timestamp) < $1", moment
    )
    check(by_ts == before, f"timestamp parameter agrees with the date: {by_ts}")
    instant = datetime.datetime(1995, 1, 1, tzinfo=datetime.timezone.utc)
    echoed = await conn.fetchval("SELECT $1::timestamptz", instant)
    check(echoed == instant, f"timestamptz parameter comes back as the same instant: {echoed}")
    ts = await conn.fetchval("SELECT $1::timestamp", moment)
    check(ts == moment and ts.tzinfo is None, f"timestamp comes back naive: {ts}")

    flag = await conn.fetchval("SELECT NOT $1::bool", True)
    check(flag is False, "bool parameter")
    big = await conn.fetchval(
        "SELECT count(*) FROM sales.orders WHERE o_totalprice > $1", Decimal("300000.00")
    )
    small = await conn.fetchval("SELECT count(*) FROM sales.orders WHERE o_totalprice <= 300000.00")
    check(big + small == orders, f"numeric parameter: {big} + {small} = {orders}")
    half = await conn.fetchval("SELECT $1::numeric / 2", Decimal("5.50"))
    check(half == Decimal("2.75"), f"numeric arithmetic on a parameter: {half!r}")
    return orders


async def prepared(conn, orders):
    statement = await conn.prepare(
        "SELECT count(*) FROM sales.orders WHERE o_orderstatus = $1"
    )
    by_status = {}
    for status in ("F", "O", "P"):
        by_status[status] = await statement.fetchval(status)
    check(
        sum(by_status.values()) == orders,
        f"one prepared statement reused for each status: {by_status} adds up to {orders}",
    )
    grouped = dict(
        await conn.fetch("SELECT o_orderstatus, count(*) FROM sales.orders GROUP BY o_orderstatus")
    )
    check(grouped == by_status, "... the same counts as GROUP BY")


async def cursors(conn):
    keys = [r[0] for r in await conn.fetch("SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey")]
    async with conn.transaction():
        cursor = await conn.cursor("SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey")
        first = [r[0] for r in await cursor.fetch(5)]
        moved = await cursor.forward(100)
        next_rows = [r[0] for r in await cursor.fetch(3)]
        one = await cursor.fetchrow()
    check(first == keys[:5], f"cursor fetch(5) reads the first orders {first}")
    check(moved == 100, "cursor forward(100) moves over 100 rows (MOVE on the bound portal)")
    check(
        next_rows == keys[105:108] and one[0] == keys[108],
        f"after forward(), fetch(3) and fetchrow() read rows 106 to 109: {next_rows + [one[0]]}",
    )
    async with conn.transaction():
        cursor = await conn.cursor("SELECT o_orderkey FROM sales.orders WHERE o_orderkey <= $1", keys[9])
        moved = await cursor.forward(50)
    check(moved == 10, f"forward() past the end moves over the {moved} rows there are")

    iterated = []
    async with conn.transaction():
        async for record in conn.cursor(
            "SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey", prefetch=500
        ):
            iterated.append(record[0])
    check(iterated == keys, f"iterating a cursor, 500 rows at a time, reads all {len(keys)} orders")


async def arrays(conn):
    names = await conn.fetchval(
        "SELECT array_agg(n_name ORDER BY n_nationkey) FROM customers.nation WHERE n_regionkey = 3"
    )
    expected = [
        r[0]
        for r in await conn.fetch(
            "SELECT n_name FROM customers.nation WHERE n_regionkey = 3 ORDER BY n_nationkey"
        )
    ]
    check(names == expected, f"a text[] result: {names}")
    found = await conn.fetch(
        "SELECT n_name FROM customers.nation WHERE n_name = ANY($1::text[]) ORDER BY n_name",
        ["FRANCE", "GERMANY", "ATLANTIS"],
    )
    check([r[0] for r in found] == ["FRANCE", "GERMANY"], "a text[] parameter with = ANY")
    echoed = await conn.fetchval("SELECT $1::text[]", ["a", "b,c", None])
    check(echoed == ["a", "b,c", None], f"a text[] parameter comes back whole: {echoed}")


async def errors(conn):
    try:
        await conn.fetch("SELECT * FROM sales.no_such_table")
        check(False, "an unknown table was read")
    except asyncpg.UndefinedTableError as e:
        check(e.sqlstate == "42P01", "an unknown table raises UndefinedTableError (42P01)")
    try:
        await conn.fetch("SELEKT 1")
        check(False, "a syntax error ran")
    except asyncpg.PostgresSyntaxError as e:
        check(e.sqlstate == "42601", "a syntax error raises PostgresSyntaxError (42601)")
    try:
        await conn.fetch("SELECT count(*) FROM supply.supplier")
        check(False, "analyst read supply.supplier")
    except asyncpg.InsufficientPrivilegeError as e:
        check(e.sqlstate == "42501", "analyst is denied supply.supplier: InsufficientPrivilegeError")
    check(await conn.fetchval("SELECT 1") == 1, "the connection goes on after the errors")


async def cancellation(conn):
    await conn.execute("SET statement_timeout = '1s'")
    started = time.monotonic()
    try:
        async with conn.transaction():
            async for _ in conn.cursor(ENDLESS, prefetch=10000):
                pass
        check(False, "the endless query ended by itself")
    except asyncpg.QueryCanceledError as e:
        seconds = time.monotonic() - started
        check(e.sqlstate == "57014" and seconds < 60, f"statement_timeout: 57014 after {seconds:.2f} s")
    await conn.execute("RESET statement_timeout")
    check(await conn.fetchval("SELECT 2") == 2, "... and the connection goes on")

    started = time.monotonic()
    try:
        await conn.fetch(ENDLESS, timeout=1.0)
        check(False, "the endless query ended by itself")
    except asyncio.TimeoutError:
        seconds = time.monotonic() - started
        check(seconds < 60, f"asyncpg's timeout= cancels the query after {seconds:.2f} s")
    check(await conn.fetchval("SELECT 3") == 3, "... and the connection goes on")


async def governance():
    conn = await connect("emea")
    regions = [
        r[0]
        for r in await conn.fetch(
            "SELECT DISTINCT r.r_name FROM customers.customer c "
            "JOIN customers.nation n ON n.n_nationkey = c.c_nationkey "
            "JOIN customers.region r ON r.r_regionkey = n.n_regionkey"
        )
    ]
    check(regions == ["EUROPE"], f"emea reads only EUROPE customers: {regions}")
    total = await conn.fetchval("SELECT count(*) FROM customers.customer")
    europe = await conn.fetchval(
        "SELECT count(*) FROM customers.customer WHERE c_nationkey IN "
        "(SELECT n_nationkey FROM customers.nation WHERE n_regionkey = "
        "(SELECT r_regionkey FROM customers.region WHERE r_name = $1))",
        "EUROPE",
    )
    check(total == europe and total > 0, f"... all {total} of them, also with a parameter")
    await conn.close()


async def main():
    conn = await connect("analyst")
    orders = await parameters(conn)
    await prepared(conn, orders)
    await cursors(conn)
    await arrays(conn)
    await errors(conn)
    await cancellation(conn)
    await conn.close()
    await governance()
    print("asyncpg: all checks passed")


if __name__ == "__main__":
    asyncio.run(main())
