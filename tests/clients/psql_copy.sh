#!/usr/bin/env bash
# Drives COPY and cursors through psql (simple query protocol) against a running meshgate
# (default 127.0.0.1:5433) and asserts the bytes and command tags PostgreSQL would send.
#   cargo run -- serve &   tests/clients/psql_copy.sh
set -euo pipefail
HOST="${MESHGATE_HOST:-127.0.0.1}"
PORT="${MESHGATE_PORT:-5433}"
psql_as() { PGPASSWORD="$1" psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "$1" mesh "${@:2}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

KNOWN="SELECT * FROM (VALUES (1, 'plain', CAST(1.50 AS DECIMAL(10,2)), DATE '2024-02-29', NULL), (2, 'a,b \"q\"', NULL, NULL, TRUE)) AS t(id, s, n, d, b) ORDER BY id"

csv=$(psql_as analyst -c "\\copy ($KNOWN) TO STDOUT WITH CSV HEADER")
expected=$'id,s,n,d,b\n1,plain,1.50,2024-02-29,\n2,"a,b ""q""",,,t'
[[ "$csv" == "$expected" ]] || fail "\\copy ... WITH CSV HEADER gave: $csv"
echo "ok  \\copy (query) TO STDOUT WITH CSV HEADER"

tag=$(PGPASSWORD=analyst psql -X -h "$HOST" -p "$PORT" -U analyst mesh -c "\\copy ($KNOWN) TO '/tmp/meshgate-copy.txt'")
[[ "$tag" == "COPY 2" ]] || fail "\\copy to a client file said: $tag"
expected=$'1\tplain\t1.50\t2024-02-29\t\\N\n2\ta,b "q"\t\\N\t\\N\tt'
[[ "$(cat /tmp/meshgate-copy.txt)" == "$expected" ]] || fail "COPY text gave: $(cat /tmp/meshgate-copy.txt)"
echo "ok  COPY (query) TO STDOUT in text (psql writes the client's file), tag COPY 2"

psql_as analyst -c "COPY (SELECT CAST(7 AS INT) AS i, CAST(NULL AS TEXT) AS n) TO STDOUT (FORMAT binary)" > /tmp/meshgate-copy.bin
printf 'PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\002\000\000\000\004\000\000\000\007\377\377\377\377\377\377' \
  | cmp - /tmp/meshgate-copy.bin || fail "binary COPY differs: $(od -c /tmp/meshgate-copy.bin)"
echo "ok  COPY ... (FORMAT binary): signature, tuple, NULL, trailer"

phones=$(psql_as emea -c "\\copy (SELECT c_phone FROM customers.customer) TO STDOUT")
[[ $(wc -l <<<"$phones") -eq 272 ]] || fail "emea read $(wc -l <<<"$phones") customers"
[[ -z $(grep -v '^\\N$' <<<"$phones") ]] || fail "emea read a phone number"
echo "ok  COPY is governed: emea reads 272 customers, c_phone masked"

if psql_as analyst -c "COPY supply.supplier TO STDOUT" 2>/tmp/psql-copy.log; then fail "supplier copied"; fi
grep -q 'permission denied for table supply.supplier' /tmp/psql-copy.log || fail "$(cat /tmp/psql-copy.log)"
if echo "1|x" | psql_as admin -c "\\copy customers.region FROM STDIN" 2>/tmp/psql-copy.log; then fail "COPY FROM ran"; fi
grep -q 'is not allowed' /tmp/psql-copy.log || fail "$(cat /tmp/psql-copy.log)"
echo "ok  COPY of a denied product and COPY FROM are refused"

tags=$(PGPASSWORD=analyst psql -X -A -t -h "$HOST" -p "$PORT" -U analyst mesh <<'SQL'
BEGIN;
DECLARE n CURSOR FOR SELECT n_name FROM customers.nation ORDER BY n_nationkey;
FETCH 2 FROM n;
MOVE FORWARD 3 IN n;
FETCH NEXT FROM n;
CLOSE n;
COMMIT;
SQL
)
expected=$'BEGIN\nDECLARE CURSOR\nALGERIA\nARGENTINA\nMOVE 3\nETHIOPIA\nCLOSE CURSOR\nCOMMIT'
[[ "$tags" == "$expected" ]] || fail "cursor session gave: $tags"
echo "ok  DECLARE / FETCH / MOVE / CLOSE with PostgreSQL's tags"
echo "psql_copy: all checks passed"
