#!/usr/bin/env python3
"""Drives SQLAlchemy 2's asyncio engine over asyncpg (`postgresql+asyncpg`) against a running
meshgate (MESHGATE_HOST/MESHGATE_PORT, default 127.0.0.1:5433) as analyst: inspect() through
run_sync (schema names, the tables of each domain as the contracts list them less the one
analyst may not read, columns with their types), and ORM select() of mapped classes over
sales.orders and customers.customer with a filter and a join, checked against plain SQL.

    cargo run -- serve &   python3 tests/clients/sqlalchemy_async.py
"""

import asyncio
import datetime
import os
import sys
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import BigInteger, Date, ForeignKey, Numeric, String, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


def contract_tables():
    """{(domain, table): [column names]} from the product contracts."""
    found = {}
    for manifest in sorted(CATALOG.glob("*/*.odcs.yaml")):
        contract = yaml.safe_load(manifest.read_text())
        for model in contract.get("schema", []):
            found[(contract["domain"], model["name"])] = [
                p["name"] for p in model.get("properties", [])
            ]
    return found


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = {"schema": "customers"}
    c_custkey: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    c_name: Mapped[str] = mapped_column(String)
    c_mktsegment: Mapped[str] = mapped_column(String)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = {"schema": "sales"}
    o_orderkey: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    o_custkey: Mapped[int] = mapped_column(ForeignKey("customers.customer.c_custkey"))
    o_orderstatus: Mapped[str] = mapped_column(String)
    o_totalprice: Mapped[Decimal] = mapped_column(Numeric(15, 2))
    o_orderdate: Mapped[datetime.date] = mapped_column(Date)


def inspected(sync_conn):
    inspector = inspect(sync_conn)
    schemas = inspector.get_schema_names()
    tables = {d: set(inspector.get_table_names(schema=d)) for d in ("sales", "customers", "supply")}
    columns = inspector.get_columns("orders", schema="sales")
    return schemas, tables, columns


async def main():
    expected = contract_tables()
    engine = create_async_engine(f"postgresql+asyncpg://analyst:analyst@{HOST}:{PORT}/mesh")

    async with engine.connect() as conn:
        schemas, tables, columns = await conn.run_sync(inspected)
    check(
        {"sales", "customers", "supply", "mesh"} <= set(schemas),
        f"inspect().get_schema_names() through run_sync: {', '.join(schemas)}",
    )
    for domain, listed in tables.items():
        readable = {t for (d, t) in expected if d == domain} - {"supplier"}
        check(listed == readable, f"get_table_names({domain}): {', '.join(sorted(listed))}")
    names = [c["name"] for c in columns]
    check(names == expected[("sales", "orders")], f"get_columns(sales.orders): {len(names)} columns in contract order")
    types = {c["name"]: type(c["type"]).__name__ for c in columns}
    check(
        types["o_orderkey"] == "BIGINT"
        and types["o_orderdate"] == "DATE"
        and types["o_totalprice"] == "NUMERIC"
        and types["o_orderstatus"] in ("TEXT", "VARCHAR"),
        f"column types: {types}",
    )

    async with AsyncSession(engine) as session:
        cutoff = datetime.date(1995, 1, 1)
        statement = (
            select(Order.o_orderkey, Order.o_totalprice, Customer.c_name)
            .join(Customer, Customer.c_custkey == Order.o_custkey)
            .where(Order.o_orderdate < cutoff, Customer.c_mktsegment == "BUILDING")
            .order_by(Order.o_orderkey)
        )
        rows = (await session.execute(statement)).all()
        plain = (
            await session.execute(
                text(
                    "SELECT o.o_orderkey, o.o_totalprice, c.c_name FROM sales.orders o "
                    "JOIN customers.customer c ON c.c_custkey = o.o_custkey "
                    "WHERE o.o_orderdate < '1995-01-01' AND c.c_mktsegment = 'BUILDING' "
                    "ORDER BY o.o_orderkey"
                )
            )
        ).all()
        check(
            [tuple(r) for r in rows] == [tuple(r) for r in plain] and len(rows) > 0,
            f"ORM select() with a join and filters: {len(rows)} rows, as plain SQL says",
        )
        check(isinstance(rows[0].o_totalprice, Decimal), "numeric maps to Decimal")

        first = (await session.scalars(select(Order).where(Order.o_orderstatus == "P").order_by(Order.o_orderkey).limit(3))).all()
        keys = [
            r[0]
            for r in (
                await session.execute(
                    text("SELECT o_orderkey FROM sales.orders WHERE o_orderstatus = 'P' ORDER BY o_orderkey LIMIT 3")
                )
            ).all()
        ]
        check([o.o_orderkey for o in first] == keys, f"ORM objects of mapped class Order: {keys}")
        counted = await session.scalar(select(func.count()).select_from(Order))
        check(counted == 15000, f"select(func.count()) over the mapped class: {counted}")
    await engine.dispose()
    print("sqlalchemy_async: all checks passed")


if __name__ == "__main__":
    asyncio.run(main())
