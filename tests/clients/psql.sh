#!/usr/bin/env bash
# Drives psql against a running meshgate (default 127.0.0.1:5433, demo user analyst) and
# asserts what the meta-commands and a three-domain join return.
#   cargo run -- serve &   tests/clients/psql.sh
set -euo pipefail
HOST="${MESHGATE_HOST:-127.0.0.1}"
PORT="${MESHGATE_PORT:-5433}"
export PGPASSWORD="${PGPASSWORD:-analyst}"
psql_mesh() { psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "${PGUSER:-analyst}" mesh "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

tables=$(psql_mesh -A -t -c '\dt *.*')
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
grep -q '^o_totalprice|numeric|' <<<"$columns" || fail "\\d sales.orders: $columns"
echo "ok  \\d sales.orders describes the columns"

join=$(psql_mesh -A -t -c "SELECT count(*) FROM sales.orders o JOIN customers.customer c ON c.c_custkey = o.o_custkey JOIN customers.nation n ON n.n_nationkey = c.c_nationkey WHERE n.n_name = 'GERMANY'")
[[ "$join" =~ ^[0-9]+$ && "$join" -gt 0 ]] || fail "three-domain join returned '$join'"
echo "ok  a join across domains returns $join orders"

if PGPASSWORD=wrong psql_mesh -c 'SELECT 1' 2>/tmp/psql-wrong.log; then fail "a wrong password logged in"; fi
grep -q 'password authentication failed' /tmp/psql-wrong.log || fail "$(cat /tmp/psql-wrong.log)"
echo "ok  a wrong password is refused"
echo "psql: all checks passed"
