#!/usr/bin/env python3
"""Drives ODBC (pyodbc over unixODBC with Debian's psqlODBC Unicode driver) against a
running meshgate (MESHGATE_HOST/MESHGATE_PORT, default 127.0.0.1:5433) as analyst: a query,
a parameterized query checked against the first, column metadata from cursor.description
and cursor.columns(), and the governance denial (42501).

    cargo run -- serve &   python3 tests/clients/odbc.py
"""

import datetime
import os
import sys
from decimal import Decimal

import pyodbc

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = os.environ.get("MESHGATE_PORT", "5433")
# the driver as registered by odbc-postgresql in /etc/odbcinst.ini, or a path to psqlodbcw.so
DRIVER = os.environ.get("MESHGATE_ODBC_DRIVER", "PostgreSQL Unicode")


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {message}")


def main():
    conn = pyodbc.connect(
        f"DRIVER={{{DRIVER}}};SERVER={HOST};PORT={PORT};DATABASE=mesh;"
        "UID=analyst;PWD=analyst;SSLMODE=disable",
        autocommit=True,
    )
    cur = conn.cursor()

    by_nation = dict(
        cur.execute(
            """SELECT n.n_name, count(*) FROM customers.customer c
               JOIN customers.nation n ON n.n_nationkey = c.c_nationkey GROUP BY n.n_name"""
        ).fetchall()
    )
    check(
        len(by_nation) == 25 and sum(by_nation.values()) == 1500,
        f"query: 1500 customers in {len(by_nation)} nations",
    )

    for nation in ["GERMANY", "JAPAN"]:
        count = cur.execute(
            """SELECT count(*) FROM customers.customer c
               JOIN customers.nation n ON n.n_nationkey = c.c_nationkey WHERE n.n_name = ?""",
            nation,
        ).fetchone()[0]
        check(count == by_nation[nation], f"parameterized query: {nation} has {count} customers")

    row = cur.execute(
        "SELECT o_orderkey, o_totalprice, o_orderdate, o_orderstatus FROM sales.orders "
        "WHERE o_orderkey = ? AND o_orderdate >= ?",
        1,
        datetime.date(1990, 1, 1),
    ).fetchone()
    check(
        row is not None
        and row.o_orderkey == 1
        and isinstance(row.o_totalprice, Decimal)
        and isinstance(row.o_orderdate, datetime.date),
        f"int and date parameters: order 1 -> {row.o_totalprice}, {row.o_orderdate}",
    )
    described = {d[0]: d[1] for d in cur.description}
    check(
        described["o_orderkey"] is int
        and described["o_totalprice"] is Decimal
        and described["o_orderdate"] is datetime.date
        and described["o_orderstatus"] is str,
        "cursor.description types: "
        + ", ".join(f"{k} {v.__name__}" for k, v in described.items()),
    )

    columns = cur.columns(table="orders", schema="sales").fetchall()
    names = [c.column_name for c in columns]
    types = {c.column_name: c.type_name for c in columns}
    check(
        names[:3] == ["o_orderkey", "o_custkey", "o_orderstatus"] and len(names) == 9,
        f"cursor.columns(sales.orders): {len(names)} columns",
    )
    check(
        types["o_orderkey"] == "int8" and types["o_orderdate"] == "date",
        f"cursor.columns types: o_orderkey {types['o_orderkey']}, o_orderdate {types['o_orderdate']}",
    )
    # (psqlODBC's SQLColumns does not read comments: REMARKS stays empty)

    try:
        cur.execute("SELECT count(*) FROM supply.supplier").fetchall()
        check(False, "analyst read supply.supplier")
    except pyodbc.Error as e:
        check("42501" in str(e.args[0]), f"supply.supplier is denied: {e.args[0]}")

    conn.close()
    print("odbc: all checks passed")


if __name__ == "__main__":
    main()
