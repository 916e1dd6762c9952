#!/usr/bin/env python3
"""Drives a running meshgate (default 127.0.0.1:5433) with the ADBC PostgreSQL driver, which
reads results through COPY (...) TO STDOUT (FORMAT binary) into Arrow, and asserts row
counts, column types and values of the demo mesh (TPC-H scale 0.01).
    cargo run -- serve &   python3 tests/clients/adbc.py
"""
import datetime
import os
import sys

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = os.environ.get("MESHGATE_PORT", "5433")


def connect(user):
    return adbc.connect(f"postgresql://{user}:{user}@{HOST}:{PORT}/mesh")


def read(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetch_arrow_table()


def check(condition, what):
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)


def main():
    with connect("analyst") as conn:
        # a whole product, several batches long: types as the contract says
        lineitem = read(conn, "SELECT * FROM sales.lineitem")
        check(lineitem.num_rows == 60175, f"sales.lineitem rows: {lineitem.num_rows}")
        types = {f.name: f.type for f in lineitem.schema}
        check(types["l_orderkey"] == pa.int64(), f"l_orderkey: {types['l_orderkey']}")
        check(types["l_linenumber"] == pa.int32(), f"l_linenumber: {types['l_linenumber']}")
        check(types["l_shipdate"] == pa.date32(), f"l_shipdate: {types['l_shipdate']}")
        check(types["l_comment"] == pa.string(), f"l_comment: {types['l_comment']}")
        orders = lineitem.column("l_orderkey").to_pylist()
        check(len(set(orders)) == 15000, "distinct l_orderkey")
        # numeric arrives as its decimal text; sum it exactly
        quantity = sum(int(q.replace(".", "")) for q in lineitem.column("l_quantity").to_pylist())
        check(quantity == 153612700, f"sum(l_quantity) in cents: {quantity}")
        print(f"ok  sales.lineitem: {lineitem.num_rows} rows, int8/int4/date/text/numeric as Arrow")

        # a join across three domains
        joined = read(
            conn,
            "SELECT n_name, count(*) AS orders, sum(o_totalprice) AS total, min(o_orderdate) AS first "
            "FROM sales.orders JOIN customers.customer ON c_custkey = o_custkey "
            "JOIN customers.nation ON n_nationkey = c_nationkey "
            "WHERE n_name IN ('GERMANY', 'JAPAN') GROUP BY n_name ORDER BY n_name",
        )
        check(joined.schema.field("orders").type == pa.int64(), "count(*) is int8")
        check(joined.schema.field("first").type == pa.date32(), "min(date) is a date")
        rows = joined.to_pylist()
        expected = [
            {"n_name": "GERMANY", "orders": 554, "total": "77620284.28",
             "first": datetime.date(1992, 1, 8)},
            {"n_name": "JAPAN", "orders": 667, "total": "91865987.16",
             "first": datetime.date(1992, 1, 2)},
        ]
        check(rows == expected, f"cross-domain join: {rows}")
        print("ok  a join across sales and customers equals the known answer")

        # governance holds: pii masked, a product without a grant refused
        phones = read(conn, "SELECT c_custkey, c_phone FROM customers.customer")
        check(phones.num_rows == 1500, f"customers: {phones.num_rows}")
        check(phones.column("c_phone").null_count == 1500, "c_phone is masked for analyst")
        try:
            read(conn, "SELECT s_name FROM supply.supplier")
            check(False, "supply.supplier was readable by analyst")
        except adbc.Error as error:
            check("42501" in str(error) or getattr(error, "sqlstate", None) == "42501", str(error))
        print("ok  analyst: c_phone masked, supply.supplier refused (42501)")

    with connect("emea") as conn:
        europe = read(conn, "SELECT c_custkey, c_nationkey FROM customers.customer")
        check(europe.num_rows == 272, f"emea customers: {europe.num_rows}")
        check(set(europe.column("c_nationkey").to_pylist()) <= {6, 7, 19, 22, 23},
              "emea reads only nations in EUROPE")
        print("ok  emea: 272 European customers only")
    print("adbc: all checks passed")


if __name__ == "__main__":
    main()
