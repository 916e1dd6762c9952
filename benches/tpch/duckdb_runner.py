#!/usr/bin/env python3
"""DuckDB side of the TPC-H bench (benches/tpch/main.rs starts it and talks to it).

usage: duckdb_runner.py CATALOG_DIR
Creates one schema per domain with a view per demo table over the very same files meshgate
serves (Delta tables as their current Parquet files, the CSV product with read_csv), then reads
one JSON request per line on stdin, {"sql": "..."}, runs it, and answers one JSON line:
{"ms": elapsed milliseconds including fetching every row, "rows": [[text, ...], ...]} or
{"error": "..."}. NULL is sent as null."""

import datetime
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb

TABLES = {
    "sales.orders": "read_parquet('{dir}/sales/data/orders/*.parquet')",
    "sales.lineitem": "read_parquet('{dir}/sales/data/lineitem/*.parquet')",
    "customers.customer": "read_parquet('{dir}/customers/data/customer/*.parquet')",
    "customers.nation": "read_parquet('{dir}/customers/data/nation/*.parquet')",
    "customers.region": "read_parquet('{dir}/customers/data/region/*.parquet')",
    "supply.part": "read_parquet('{dir}/supply/data/part/*.parquet')",
    "supply.partsupp": "read_parquet('{dir}/supply/data/partsupp/*.parquet')",
    "supply.supplier": "read_csv('{dir}/supply/data/supplier/*.csv', header = true)",
}


def text(value):
    """The value as PostgreSQL's text output would spell it, near enough to compare."""
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def main():
    catalog = Path(sys.argv[1]).resolve()
    con = duckdb.connect()
    for name, reader in TABLES.items():
        schema = name.split(".")[0]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader.format(dir=catalog)}")
    print(json.dumps({"ready": duckdb.__version__}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            start = time.perf_counter()
            rows = con.execute(request["sql"]).fetchall()
            ms = (time.perf_counter() - start) * 1000.0
            answer = {"ms": ms, "rows": [[text(v) for v in row] for row in rows]}
        except duckdb.Error as error:
            answer = {"error": str(error)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
