#!/usr/bin/env python3
"""Drives psycopg2 against a running meshgate (MESHGATE_HOST/MESHGATE_PORT, default
127.0.0.1:5433): named server-side cursors (DECLARE/FETCH under the hood) iterated in
`itersize` pieces, `copy_expert` of a query to CSV checked against the same query, client-side
parameters, governance errors as psycopg2.errors classes, and a rollback after an error
followed by DEALLOCATE ALL, as psycopg sends it.

    cargo run -- serve &   python3 tests/clients/psycopg2_client.py
"""

import csv
import datetime
import io
import os
import sys
from decimal import Decimal

import psycopg2
import psycopg2.errors

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = int(os.environ.get("MESHGATE_PORT", "5433"))


def connect(user):
    return psycopg2.connect(host=HOST, port=PORT, dbname="mesh", user=user, password=user)


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {message}")


def main():
    conn = connect("analyst")
    cur = conn.cursor()

    # client-side parameters of several types
    cur.execute("SELECT count(*) FROM sales.orders")
    orders = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM sales.orders WHERE o_orderdate < %s", (datetime.date(1995, 1, 1),))
    before = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM sales.orders WHERE NOT (o_orderdate < '1995-01-01')")
    after = cur.fetchone()[0]
    check(before + after == orders and before > 0, f"date parameter splits {orders} orders: {before} + {after}")
    cur.execute(
        "SELECT count(*) FROM sales.orders WHERE o_totalprice > %s AND o_orderstatus = %s",
        (Decimal("100000.50"), "F"),
    )
    big_f = cur.fetchone()[0]
    cur.execute(
        "SELECT sum(CASE WHEN o_totalprice > 100000.50 THEN 1 ELSE 0 END) FROM sales.orders "
        "WHERE o_orderstatus = 'F'"
    )
    check(big_f == cur.fetchone()[0], f"numeric and text parameters: {big_f} orders")
    conn.commit()

    # a named (server-side) cursor, read in pieces of itersize rows
    cur.execute("SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey")
    expected = [row[0] for row in cur.fetchall()]
    conn.commit()
    named = conn.cursor(name="all_orders")
    named.itersize = 1000
    named.execute("SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey")
    got = [row[0] for row in named]
    named.close()
    conn.commit()
    check(got == expected, f"named cursor iterates all {len(got)} orders in order, 1000 at a time")

    named = conn.cursor(name="some_orders")
    named.execute("SELECT o_orderkey, o_totalprice FROM sales.orders ORDER BY o_orderkey")
    first = named.fetchmany(5)
    named.scroll(10)  # MOVE FORWARD 10
    later = named.fetchone()
    named.close()
    conn.commit()
    check(
        [r[0] for r in first] == expected[:5] and later[0] == expected[15],
        f"fetchmany(5), scroll(10), fetchone() reads order {later[0]} (the 16th)",
    )
    check(isinstance(later[1], Decimal), f"numeric arrives as Decimal: {later[1]!r}")

    # COPY (query) TO STDOUT, checked against the same query
    query = (
        "SELECT n_nationkey, n_name, n_regionkey FROM customers.nation ORDER BY n_nationkey"
    )
    out = io.StringIO()
    cur.copy_expert(f"COPY ({query}) TO STDOUT WITH CSV HEADER", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    cur.execute(query)
    direct = [[str(v) for v in row] for row in cur.fetchall()]
    check(
        rows[0] == ["n_nationkey", "n_name", "n_regionkey"] and rows[1:] == direct,
        f"copy_expert CSV HEADER gives the {len(direct)} rows of the same query",
    )
    conn.commit()

    # governance: analyst may not read supply.supplier
    try:
        cur.execute("SELECT count(*) FROM supply.supplier")
        check(False, "analyst read supply.supplier")
    except psycopg2.errors.InsufficientPrivilege as e:
        check(e.pgcode == "42501", f"analyst is denied supply.supplier: {e.pgcode}")
    try:
        cur.execute("SELECT 1")
        check(False, "a statement ran in an aborted transaction")
    except psycopg2.errors.InFailedSqlTransaction as e:
        check(e.pgcode == "25P02", "the failed transaction refuses statements (25P02)")
    conn.rollback()
    cur.execute("DEALLOCATE ALL")
    check(cur.statusmessage == "DEALLOCATE ALL", "rollback, then DEALLOCATE ALL")
    try:
        cur.execute("SELECT * FROM sales.no_such_table")
        check(False, "an unknown table was read")
    except psycopg2.errors.UndefinedTable as e:
        check(e.pgcode == "42P01", "an unknown table is UndefinedTable (42P01)")
    conn.rollback()
    cur.execute("SELECT count(*) FROM sales.orders")
    check(cur.fetchone()[0] == orders, "the connection goes on after the errors")
    conn.close()

    # row filters: emea sees only customers of nations in region EUROPE
    conn = connect("emea")
    cur = conn.cursor()
    cur.execute(
        "SELECT DISTINCT r.r_name FROM customers.customer c "
        "JOIN customers.nation n ON n.n_nationkey = c.c_nationkey "
        "JOIN customers.region r ON r.r_regionkey = n.n_regionkey"
    )
    regions = [row[0] for row in cur.fetchall()]
    check(regions == ["EUROPE"], f"emea reads only EUROPE customers: {regions}")
    conn.close()

    print("psycopg2: all checks passed")


if __name__ == "__main__":
    main()
