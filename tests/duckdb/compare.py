#!/usr/bin/env python3
"""Runs a SQL file through meshgate and through DuckDB over the very same files of the demo
mesh, and fails unless both return the same rows. meshgate is either the binary (`meshgate
query --format csv`) or a running server reached with psql (`psql --csv` on a
postgresql:// URL).

usage: compare.py MESHGATE_BINARY|postgresql://USER:PASSWORD@HOST:PORT/mesh CATALOG_DIR SQL_FILE
Delta tables are read by DuckDB as their current Parquet files (the demo tables have a single
version), the CSV product with read_csv."""

import csv
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

TABLES = {
    "sales.orders": ("parquet", "sales/data/orders/*.parquet"),
    "sales.lineitem": ("parquet", "sales/data/lineitem/*.parquet"),
    "customers.customer": ("parquet", "customers/data/customer/*.parquet"),
    "customers.nation": ("parquet", "customers/data/nation/*.parquet"),
    "customers.region": ("parquet", "customers/data/region/*.parquet"),
    "supply.part": ("parquet", "supply/data/part/*.parquet"),
    "supply.partsupp": ("parquet", "supply/data/partsupp/*.parquet"),
    "supply.supplier": ("csv", "supply/data/supplier/*.csv"),
}


def normalize(value):
    """Numbers compare exactly, whatever their scale (1.50 == 1.5); everything else as text."""
    try:
        return str(Decimal(value).normalize())
    except Exception:
        return value


def main():
    binary, catalog, sql_file = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3]
    sql = Path(sql_file).read_text()
    if binary.startswith("postgresql://"):
        command = ["psql", binary, "--csv", "-v", "ON_ERROR_STOP=1", "-c", sql]
    else:
        command = [binary, "query", "--catalog", str(catalog), "--format", "csv", "--", sql]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    meshgate_rows = [[normalize(v) for v in row] for row in csv.reader(io.StringIO(out))][1:]

    con = duckdb.connect()
    for name, (kind, pattern) in TABLES.items():
        schema, table = name.split(".")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        reader = "read_parquet" if kind == "parquet" else "read_csv"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader}('{catalog / pattern}')")
    duck_rows = [[normalize(str(v)) for v in row] for row in con.execute(sql).fetchall()]

    print(f"{sql_file}: meshgate {len(meshgate_rows)} rows, duckdb {len(duck_rows)} rows")
    for row in meshgate_rows:
        print("  " + " | ".join(row))
    if not meshgate_rows:
        sys.exit("no rows: the comparison would prove nothing")
    if meshgate_rows != duck_rows:
        print("DuckDB returned:")
        for row in duck_rows:
            print("  " + " | ".join(row))
        sys.exit("meshgate and DuckDB disagree")
    print("meshgate and DuckDB agree")


if __name__ == "__main__":
    main()
