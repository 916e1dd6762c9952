#!/usr/bin/env python3
"""Drives psycopg 3 against a running meshgate (MESHGATE_HOST/MESHGATE_PORT, default
127.0.0.1:5433): simple and server-side prepared queries with int, text, numeric and date
parameters, results checked against the same answer computed another way, governance
(analyst may not read supply.supplier: 42501), cancel and statement_timeout of a streaming
query (57014, the connection goes on) and a refused wrong password.

    cargo run -- serve &   python3 tests/clients/psycopg_client.py
"""

import datetime
import os
import sys
import threading
import time
from decimal import Decimal

import psycopg

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = int(os.environ.get("MESHGATE_PORT", "5433"))


def connect(user, password=None, **kwargs):
    return psycopg.connect(
        host=HOST, port=PORT, dbname="mesh", user=user, password=password or user, **kwargs
    )


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {message}")


def one(cur, sql, params=None, prepare=None):
    cur.execute(sql, params, prepare=prepare)
    return cur.fetchone()


def main():
    with connect("analyst", autocommit=True) as conn, conn.cursor() as cur:
        # simple query (no parameters: psycopg sends it as a simple query)
        orders = one(cur, "SELECT count(*) FROM sales.orders")[0]
        check(orders == 15000, f"simple query: sales.orders has {orders} rows (TPC-H SF 0.01)")

        # a count must agree with the sum of its parts, computed by a second query
        by_status = dict(
            cur.execute(
                "SELECT o_orderstatus, count(*) FROM sales.orders GROUP BY o_orderstatus"
            ).fetchall()
        )
        check(
            sum(by_status.values()) == orders and set(by_status) == {"F", "O", "P"},
            f"counts per o_orderstatus {by_status} add up to {orders}",
        )

        # server-side prepared statements (prepare=True: Parse/Bind/Execute), several types
        cur.execute("SELECT 1", prepare=True)  # warm up: the statement is prepared once
        for status, expected in by_status.items():
            got = one(
                cur,
                "SELECT count(*) FROM sales.orders WHERE o_orderstatus = %s",
                (status,),
                prepare=True,
            )[0]
            check(got == expected, f"prepared text parameter {status!r}: {got} rows")

        key = one(cur, "SELECT min(o_orderkey) FROM sales.orders")[0]
        row = one(
            cur,
            "SELECT o_orderkey, o_totalprice, o_orderdate FROM sales.orders WHERE o_orderkey = %s",
            (key,),
            prepare=True,
        )
        check(
            row[0] == key
            and isinstance(row[1], Decimal)
            and isinstance(row[2], datetime.date),
            f"prepared int parameter: order {key} -> numeric {row[1]}, date {row[2]}",
        )
        same = one(
            cur,
            "SELECT count(*) FROM sales.orders WHERE o_totalprice = %s AND o_orderdate = %s",
            (row[1], row[2]),
            prepare=True,
        )[0]
        check(same >= 1, f"prepared numeric {row[1]!r} and date {row[2]} parameters find the order")

        cutoff = datetime.date(1995, 1, 1)
        before = one(
            cur,
            "SELECT count(*) FROM sales.orders WHERE o_orderdate < %s",
            (cutoff,),
            prepare=True,
        )[0]
        after = one(
            cur, "SELECT count(*) FROM sales.orders WHERE o_orderdate >= '1995-01-01'"
        )[0]
        check(
            before + after == orders and before > 0,
            f"prepared date parameter splits orders {before} + {after} = {orders}",
        )

        big = one(
            cur,
            "SELECT count(*) FROM sales.orders WHERE o_totalprice > %s",
            (Decimal("300000.00"),),
            prepare=True,
        )[0]
        small = one(
            cur,
            "SELECT count(*) FROM sales.orders WHERE o_totalprice <= 300000.00",
        )[0]
        check(big + small == orders, f"prepared numeric parameter: {big} + {small} = {orders}")

        # a three-domain join (sales x customers x supply) checked against its parts
        join_sql = """
            SELECT n.n_name, count(*) AS lines
            FROM sales.lineitem l
            JOIN sales.orders o ON o.o_orderkey = l.l_orderkey
            JOIN customers.customer c ON c.c_custkey = o.o_custkey
            JOIN customers.nation n ON n.n_nationkey = c.c_nationkey
            JOIN supply.part p ON p.p_partkey = l.l_partkey
            WHERE n.n_name = %s
            GROUP BY n.n_name"""
        nation, lines = one(cur, join_sql, ("GERMANY",), prepare=True)
        lineitems = one(
            cur,
            """SELECT count(*) FROM sales.lineitem WHERE l_orderkey IN (
                 SELECT o_orderkey FROM sales.orders WHERE o_custkey IN (
                   SELECT c_custkey FROM customers.customer WHERE c_nationkey =
                     (SELECT n_nationkey FROM customers.nation WHERE n_name = 'GERMANY')))""",
        )[0]
        check(
            nation == "GERMANY" and lines == lineitems and lines > 0,
            f"three-domain join: {lines} order lines of German customers, as the subqueries say",
        )

        # governance: analyst may not read supply.supplier
        try:
            cur.execute("SELECT count(*) FROM supply.supplier")
            check(False, "analyst read supply.supplier")
        except psycopg.errors.InsufficientPrivilege as e:
            check(e.sqlstate == "42501", f"analyst is denied supply.supplier: {e.sqlstate}")
        try:
            cur.execute(
                "SELECT count(*) FROM supply.supplier WHERE s_suppkey = %s", (1,), prepare=True
            )
            check(False, "analyst read supply.supplier through a prepared statement")
        except psycopg.errors.InsufficientPrivilege as e:
            check(e.sqlstate == "42501", "... also through a prepared statement")
        check(
            one(cur, "SELECT 1")[0] == 1, "the connection stays usable after the denial"
        )

    with connect("admin", autocommit=True) as conn, conn.cursor() as cur:
        suppliers = one(cur, "SELECT count(*) FROM supply.supplier")[0]
        check(suppliers == 100, f"admin reads supply.supplier: {suppliers} rows")

    # TimeZone: psycopg learns the zone from ParameterStatus and reads timestamptz text in
    # it; a timestamptz parameter without an offset is local time, as in PostgreSQL
    with connect("analyst", autocommit=True) as conn:
        conn.execute("SET TimeZone = 'Europe/Berlin'")
        check(conn.info.timezone.key == "Europe/Berlin", "SET TimeZone is reported to psycopg")
        t = conn.execute("SELECT '2024-07-01 10:00:00+00'::timestamptz").fetchone()[0]
        check(
            t == datetime.datetime(2024, 7, 1, 10, tzinfo=datetime.timezone.utc)
            and t.utcoffset() == datetime.timedelta(hours=2),
            f"timestamptz reads as the same instant in Berlin time: {t.isoformat()}",
        )
        local, utc = conn.execute(
            "SELECT %s > '2024-07-01 09:30:00+00'::timestamptz, "
            "%s > '2024-07-01 09:30:00+00'::timestamptz",
            ["2024-07-01 11:00:00", "2024-07-01 11:00:00+00"],
        ).fetchone()
        check(
            (local, utc) == (False, True),
            "a timestamptz parameter without an offset is Berlin time, with one it is as written",
        )

    # cancel (psql's Ctrl-C, psycopg's conn.cancel()) and statement_timeout stop a query whose
    # rows are streaming: an endless cross join, stopped one second in
    endless = "SELECT a.o_orderkey, b.o_comment FROM sales.orders a CROSS JOIN sales.orders b"
    with connect("analyst", autocommit=True) as conn:
        for how in ("cancel", "statement_timeout"):
            if how == "cancel":
                timer = threading.Timer(1.0, conn.cancel)
                timer.start()
            else:
                conn.execute("SET statement_timeout = '1s'")
            started = time.monotonic()
            try:
                with conn.cursor() as cur:
                    for _ in cur.stream(endless):
                        pass
                check(False, f"{how}: the endless query ended by itself")
            except psycopg.errors.QueryCanceled as e:
                seconds = time.monotonic() - started
                check(
                    e.sqlstate == "57014" and seconds < 60,
                    f"{how} stops a streaming query: 57014 after {seconds:.2f} s",
                )
            conn.execute("RESET statement_timeout")
            check(one(conn.cursor(), "SELECT 1")[0] == 1, f"... and the connection goes on after {how}")

    try:
        connect("analyst", password="wrong").close()
        check(False, "a wrong password logged in")
    except psycopg.OperationalError as e:
        check("password authentication failed" in str(e), "a wrong password is refused")

    print("psycopg: all checks passed")


if __name__ == "__main__":
    main()
