#!/usr/bin/env bash
# Drives psql against a running meshgate (default 127.0.0.1:5433, demo user analyst) and
# asserts what the meta-commands (\l, \dt, \dn, \d, \d+, \dt+, \df), psql 15's tab completion
# queries and a three-domain join return.
#   cargo run -- serve &   tests/clients/psql.sh
set -euo pipefail
HOST="${MESHGATE_HOST:-127.0.0.1}"
PORT="${MESHGATE_PORT:-5433}"
export PGPASSWORD="${PGPASSWORD:-analyst}"
psql_mesh() { psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "${PGUSER:-analyst}" mesh "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

tables=$(psql_mesh -A -t -c '\dt *.*')
grep -q '^supply|supplier|' <<<"$tables" && fail "\\dt *.* lists supply.supplier, which analyst may not read"
for table in 'sales|orders' 'sales|lineitem' 'customers|customer' 'supply|part'; do
  grep -q "^$table|table|" <<<"$tables" || fail "\\dt *.* does not list $table"
done
echo "ok  \\dt *.* lists the demo tables"

schemas=$(psql_mesh -A -t -c '\dn')
for schema in sales customers supply mesh; do
  grep -q "^$schema|" <<<"$schemas" || fail "\\dn does not list $schema"
done
echo "ok  \\dn lists the domains"

columns=$(psql_mesh -A -t -c '\d sales.orders')
grep -q '^o_totalprice|numeric(15,2)|' <<<"$columns" || fail "\\d sales.orders: $columns"
echo "ok  \\d sales.orders describes the columns"

databases=$(psql_mesh -A -t -c '\l')
grep -q '^mesh|meshgate|UTF-8|' <<<"$databases" || fail "\\l: $databases"
[[ $(grep -c . <<<"$databases") -eq 1 ]] || fail "\\l lists databases besides mesh: $databases"
echo "ok  \\l lists database mesh, owned by meshgate, and no other"

described=$(psql_mesh -A -t -c '\d+ sales.orders')
grep -q '^o_orderkey|bigint|.*|Order number. Referenced by sales.lineitem.l_orderkey.$' <<<"$described" \
  || fail "\\d+ sales.orders shows no column description: $described"
grep -q '^o_totalprice|numeric(15,2)|.*|Total amount invoiced' <<<"$described" || fail "$described"
echo "ok  \\d+ sales.orders shows the contract's column descriptions"

comments=$(psql_mesh -A -t -c '\dt+ sales.*')
grep -q '^sales|orders|table|meshgate|.*|One row per customer order (order header).$' <<<"$comments" \
  || fail "\\dt+ sales.* shows no table description: $comments"
echo "ok  \\dt+ sales.* shows the contract's table descriptions"

functions=$(psql_mesh -c '\df')
grep -q 'List of functions' <<<"$functions" || fail "\\df: $functions"
echo "ok  \\df answers (no user functions: $(grep -c '^ ' <<<"$functions" || true) lines)"

# psql 15's tab completion (tab-complete.c): a table name after FROM, then one in a schema
completion=$(psql_mesh -A -t -c "SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE 'customer%' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
UNION ALL
SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'customer%' AND n.nspname NOT LIKE E'pg\\\\_%'
LIMIT 1000")
grep -q '^customer|$' <<<"$completion" && grep -q '^|customers$' <<<"$completion" \
  || fail "tab completion of 'customer': $completion"
completion=$(psql_mesh -A -t -c "SELECT c.relname, n.nspname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE 'or%' AND n.nspname = 'sales'
LIMIT 1000")
[[ "$completion" == "orders|sales" ]] || fail "tab completion of 'sales.or': $completion"
echo "ok  tab completion queries complete customer, customers and sales.orders"

join=$(psql_mesh -A -t -c "SELECT count(*) FROM sales.orders o JOIN customers.customer c ON c.c_custkey = o.o_custkey JOIN customers.nation n ON n.n_nationkey = c.c_nationkey WHERE n.n_name = 'GERMANY'")
[[ "$join" =~ ^[0-9]+$ && "$join" -gt 0 ]] || fail "three-domain join returned '$join'"
echo "ok  a join across domains returns $join orders"

if PGPASSWORD=wrong psql_mesh -c 'SELECT 1' 2>/tmp/psql-wrong.log; then fail "a wrong password logged in"; fi
grep -q 'password authentication failed' /tmp/psql-wrong.log || fail "$(cat /tmp/psql-wrong.log)"
echo "ok  a wrong password is refused"
echo "psql: all checks passed"
