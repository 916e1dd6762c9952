#!/usr/bin/env python3
"""Drives SQLAlchemy 2 (psycopg dialect) and pandas against a running meshgate
(MESHGATE_HOST/MESHGATE_PORT, default 127.0.0.1:5433) as analyst: inspect() lists the
domains, their tables and columns with the table and column comments of the product
contracts (catalog/*/*.odcs.yaml, or MESHGATE_CATALOG), and pandas.read_sql reads a
cross-domain join with the expected row count and dtypes.

    cargo run -- serve &   python3 tests/clients/sqlalchemy_pandas.py
"""

import datetime
import os
import sys
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import create_engine, inspect, text

HOST = os.environ.get("MESHGATE_HOST", "127.0.0.1")
PORT = os.environ.get("MESHGATE_PORT", "5433")
CATALOG = Path(
    os.environ.get("MESHGATE_CATALOG", Path(__file__).resolve().parents[2] / "catalog")
)


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {message}")


def contracts():
    """{(domain, table): (table description, {column: description})} from the manifests."""
    found = {}
    for manifest in sorted(CATALOG.glob("*/*.odcs.yaml")):
        contract = yaml.safe_load(manifest.read_text())
        for model in contract.get("schema", []):
            columns = {p["name"]: p.get("description") for p in model.get("properties", [])}
            found[(contract["domain"], model["name"])] = (model.get("description"), columns)
    return found


def main():
    expected = contracts()
    check(len(expected) == 8, f"{len(expected)} product tables in the contracts under {CATALOG}")
    engine = create_engine(f"postgresql+psycopg://analyst:analyst@{HOST}:{PORT}/mesh")
    inspector = inspect(engine)

    schemas = inspector.get_schema_names()
    check(
        {"sales", "customers", "supply", "mesh"} <= set(schemas),
        f"get_schema_names: {', '.join(schemas)}",
    )

    for domain in ["sales", "customers", "supply"]:
        tables = set(inspector.get_table_names(schema=domain))
        readable = {t for (d, t) in expected if d == domain} - {"supplier"}
        check(tables == readable, f"get_table_names({domain}): {', '.join(sorted(tables))}")
    check(
        "supplier" not in inspector.get_table_names(schema="supply"),
        "supply.supplier, which analyst may not read, is not listed",
    )

    for domain, table in [("sales", "orders"), ("customers", "customer"), ("supply", "part")]:
        description, _ = expected[(domain, table)]
        comment = inspector.get_table_comment(table, schema=domain)["text"]
        check(comment == description, f"get_table_comment({domain}.{table}): {comment!r}")

    # Column comments as SQLAlchemy's dialect reads them (pg_description by attnum).
    _, documented = expected[("sales", "orders")]
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum)
                   FROM pg_catalog.pg_attribute a
                   JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'sales' AND c.relname = 'orders' AND a.attnum > 0
                   ORDER BY a.attnum"""
            )
        ).all()
    check(
        dict(rows) == documented,
        f"col_description of sales.orders' {len(rows)} columns equal the contract's",
    )
    columns = inspector.get_columns("orders", schema="sales")
    comments = {c["name"]: c["comment"] for c in columns}
    check(comments == documented, "get_columns(sales.orders) carries the contract comments")
    types = {c["name"]: type(c["type"]).__name__ for c in columns}
    check(
        types["o_orderkey"] == "BIGINT" and types["o_orderdate"] == "DATE",
        f"get_columns types: o_orderkey {types['o_orderkey']}, o_orderdate {types['o_orderdate']}",
    )
    check(
        all(c["default"] is None and "identity" not in c for c in columns),
        "get_columns: no defaults and no identity columns, as the catalog has none",
    )

    with engine.connect() as conn:
        orders, total_price = conn.execute(
            text("SELECT count(*), sum(o_totalprice) FROM sales.orders")
        ).one()
        frame = pd.read_sql(
            text(
                """SELECT o.o_orderkey, o.o_orderdate, o.o_totalprice, c.c_name,
                          n.n_name AS nation, c.c_acctbal
                   FROM sales.orders o
                   JOIN customers.customer c ON c.c_custkey = o.o_custkey
                   JOIN customers.nation n ON n.n_nationkey = c.c_nationkey"""
            ),
            conn,
        )
        per_nation = conn.execute(
            text(
                """SELECT n.n_name, count(*) FROM sales.orders o
                   JOIN customers.customer c ON c.c_custkey = o.o_custkey
                   JOIN customers.nation n ON n.n_nationkey = c.c_nationkey
                   GROUP BY n.n_name"""
            )
        ).all()
    check(
        len(frame) == orders == 15000,
        f"read_sql of the sales x customers join: {len(frame)} rows, one per order",
    )
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    check(dtypes["o_orderkey"] == "int64", f"o_orderkey dtype {dtypes['o_orderkey']}")
    check(
        dtypes["c_name"] in ("object", "str", "string"),
        f"c_name dtype {dtypes['c_name']}",
    )
    check(
        isinstance(frame["o_orderdate"].iloc[0], datetime.date),
        f"o_orderdate holds dates ({type(frame['o_orderdate'].iloc[0]).__name__})",
    )
    price = frame["o_totalprice"]
    check(
        str(price.dtype) == "float64" and abs(price.sum() - float(total_price)) < 1.0,
        f"o_totalprice (numeric) reads as {price.dtype}, summing to the server's {total_price}",
    )
    counted = frame.groupby("nation").size().to_dict()
    check(
        counted == dict(per_nation),
        f"orders per nation in pandas equal the server's GROUP BY ({len(counted)} nations)",
    )
    print("sqlalchemy_pandas: all checks passed")


if __name__ == "__main__":
    main()
