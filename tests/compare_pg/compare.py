#!/usr/bin/env python3
"""Runs everyday analyst queries on meshgate and on a real PostgreSQL loaded with the same
demo mesh, and diffs the text answers: row counts, column names, column type OIDs and every
cell. A difference must be listed in known_differences.yaml (with why, and who fixes it);
an unlisted one fails, and so does a listed one that has disappeared, so the list only
shrinks as fixes land.

usage: compare.py --meshgate postgresql://admin:admin@127.0.0.1:54329/mesh
                  --postgres postgresql://postgres@/postgres?host=/tmp/pg&port=55443
                  [--no-load] [--only NAME ...] [--show NAME ...]

The loader reads every product from meshgate as admin (COPY ... TO STDOUT) and writes it into
PostgreSQL schemas of the same names (COPY ... FROM STDIN), typed as the contracts'
physicalType say (catalog/*/*.odcs.yaml). Queries are run as admin, in text format; rows
are sorted before comparing unless the query has a top-level ORDER BY.
"""

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import yaml
from psycopg.adapt import Loader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
KINDS = ("meshgate_error", "postgres_error", "sqlstate", "columns", "types", "row_count", "cells")
TYPES = {"BIGINT": "bigint", "INTEGER": "integer", "DATE": "date", "VARCHAR": "varchar"}
TEXT_OIDS = {25: "text", 1043: "varchar"}


class TextLoader(Loader):
    """Keeps every value as the text the server sent."""

    def load(self, data):
        return bytes(data).decode()


def connect(url):
    conn = psycopg.connect(url, autocommit=True)
    for info in psycopg.postgres.types:
        conn.adapters.register_loader(info.oid, TextLoader)
        if info.array_oid:
            conn.adapters.register_loader(info.array_oid, TextLoader)
    return conn


def physical_type(text):
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", text.upper())
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    return TYPES[text.upper()]


def load(meshgate, postgres):
    """Creates and fills one PostgreSQL table per product table of the demo catalog."""
    for manifest in sorted((ROOT / "catalog").glob("*/*.odcs.yaml")):
        contract = yaml.safe_load(manifest.read_text())
        domain = contract["domain"]
        postgres.execute(f"DROP SCHEMA IF EXISTS {domain} CASCADE")
        postgres.execute(f"CREATE SCHEMA IF NOT EXISTS {domain}")
    for manifest in sorted((ROOT / "catalog").glob("*/*.odcs.yaml")):
        contract = yaml.safe_load(manifest.read_text())
        for table in contract["schema"]:
            name = f"{contract['domain']}.{table['name']}"
            columns = [
                f"{p['name']} {physical_type(p['physicalType'])}"
                + (" NOT NULL" if p.get("required") else "")
                for p in table["properties"]
            ]
            postgres.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
            names = ", ".join(p["name"] for p in table["properties"])
            with meshgate.cursor().copy(f"COPY (SELECT {names} FROM {name}) TO STDOUT") as out:
                with postgres.cursor().copy(f"COPY {name} ({names}) FROM STDIN") as into:
                    for chunk in out:
                        into.write(chunk)
            rows = postgres.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            postgres.execute(f"ANALYZE {name}")
            print(f"loaded {name}: {rows} rows")


def read_queries():
    """The queries of queries/*.sql, each headed by a `-- name: <name>` line."""
    queries = {}
    for path in sorted((HERE / "queries").glob("*.sql")):
        name = None
        for line in path.read_text().splitlines():
            header = re.fullmatch(r"--\s*name:\s*(\S+)\s*", line)
            if header:
                name = header[1]
                if name in queries:
                    sys.exit(f"{path.name}: query {name} is named twice")
                queries[name] = ""
            elif name is not None:
                queries[name] += line + "\n"
    return {name: sql.strip().rstrip(";") for name, sql in queries.items()}


def has_top_level_order_by(sql):
    text = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\([^()]*\)", "()", text)
    return re.search(r"\border\s+by\b", text, re.IGNORECASE) is not None


@dataclass
class Answer:
    """What one server answered: an error's SQLSTATE and message, or columns and rows."""

    sqlstate: str | None = None
    message: str = ""
    columns: list = field(default_factory=list)
    types: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def run(conn, sql, ordered):
    try:
        cur = conn.execute(sql)
        columns = [d.name for d in cur.description or []]
        types = [d.type_code for d in cur.description or []]
        rows = [tuple(row) for row in cur.fetchall()] if cur.description else []
    except psycopg.Error as error:
        return Answer(sqlstate=error.sqlstate or "?", message=str(error).strip().splitlines()[0])
    if not ordered:
        rows.sort(key=lambda row: [(v is None, v or "") for v in row])
    return Answer(columns=columns, types=types, rows=rows)


def differences(mine, theirs, text_types):
    """The kinds of difference between meshgate's answer and PostgreSQL's."""
    if mine.sqlstate or theirs.sqlstate:
        if mine.sqlstate and theirs.sqlstate:
            return {"sqlstate"} if mine.sqlstate != theirs.sqlstate else set()
        return {"meshgate_error"} if mine.sqlstate else {"postgres_error"}
    kinds = set()
    if mine.columns != theirs.columns:
        kinds.add("columns")
    theirs_types = [
        25 if text_types and t == 1043 and m == 25 else t for m, t in zip(mine.types, theirs.types)
    ]
    if mine.types != theirs_types:
        kinds.add("types")
    if len(mine.rows) != len(theirs.rows):
        kinds.add("row_count")
    elif mine.rows != theirs.rows:
        kinds.add("cells")
    return kinds


def describe(sql, mine, theirs):
    lines = [f"   {sql.splitlines()[0][:100]}{' ...' if len(sql.splitlines()) > 1 else ''}"]
    for label, answer in (("meshgate", mine), ("postgres", theirs)):
        if answer.sqlstate:
            lines.append(f"   {label}: ERROR {answer.sqlstate} {answer.message[:160]}")
        else:
            described = ", ".join(f"{c}:{t}" for c, t in zip(answer.columns, answer.types))
            lines.append(f"   {label}: {len(answer.rows)} rows [{described}]")
    if not mine.sqlstate and not theirs.sqlstate:
        for index, (a, b) in enumerate(zip(mine.rows, theirs.rows)):
            if a != b:
                lines.append(f"   first differing row {index}: meshgate {a} postgres {b}")
                break
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meshgate", required=True, help="URL of meshgate, as admin")
    parser.add_argument("--postgres", required=True, help="URL of the throwaway PostgreSQL")
    parser.add_argument("--no-load", action="store_true", help="keep the loaded tables")
    parser.add_argument("--only", nargs="*", help="run only these queries")
    parser.add_argument("--show", nargs="*", default=[], help="print both answers in full")
    args = parser.parse_args()

    known = yaml.safe_load((HERE / "known_differences.yaml").read_text()) or {}
    known_queries = known.get("queries") or {}
    text_types = "varchar_columns" in (known.get("global") or {})
    queries = read_queries()
    for name in known_queries:
        if name not in queries:
            sys.exit(f"known_differences.yaml names {name}, which is no query of queries/")
    meshgate, postgres = connect(args.meshgate), connect(args.postgres)
    postgres.execute("SET TimeZone = 'UTC'")
    postgres.execute("SET statement_timeout = '60s'")
    if not args.no_load:
        load(meshgate, postgres)

    failures, listed, agreed, varchar_seen = [], 0, 0, False
    selected = {n: q for n, q in queries.items() if not args.only or n in args.only}
    for name, sql in selected.items():
        ordered = has_top_level_order_by(sql)
        mine, theirs = run(meshgate, sql, ordered), run(postgres, sql, ordered)
        if theirs.sqlstate:
            failures.append(f"{name}: PostgreSQL refuses it ({theirs.message}); fix the query")
            continue
        varchar_seen |= any(t == 1043 and m == 25 for m, t in zip(mine.types, theirs.types))
        kinds = differences(mine, theirs, text_types)
        entry = known_queries.get(name)
        expected = set()
        if entry:
            differs = entry.get("differs")
            expected = set(differs if isinstance(differs, list) else [differs])
            unknown = expected - set(KINDS)
            if unknown or not entry.get("why") or not entry.get("fix"):
                sys.exit(f"known_differences.yaml: {name} needs differs (one of {KINDS}), why, fix")
        if name in args.show:
            print(f"== {name}\n{describe(sql, mine, theirs)}")
            for label, answer in (("meshgate", mine), ("postgres", theirs)):
                for row in answer.rows:
                    print(f"   {label}: {row}")
        if kinds == expected:
            if kinds:
                listed += 1
            else:
                agreed += 1
            continue
        if not kinds:
            failures.append(f"{name}: listed as {sorted(expected)} but now agrees; remove it")
        elif not expected:
            failures.append(f"{name}: new difference {sorted(kinds)}\n{describe(sql, mine, theirs)}")
        else:
            failures.append(
                f"{name}: listed as {sorted(expected)} but differs by {sorted(kinds)}\n"
                + describe(sql, mine, theirs)
            )
    if text_types and not varchar_seen and not args.only:
        failures.append("global varchar_columns is listed but no varchar column reads as text; remove it")
    print(f"{len(selected)} queries: {agreed} agree, {listed} differ as listed")
    for failure in failures:
        print(f"FAIL {failure}")
    if failures:
        sys.exit(f"{len(failures)} queries differ from PostgreSQL other than known_differences.yaml says")


if __name__ == "__main__":
    main()
