//! The PostgreSQL side: the same tables loaded once into a PostgreSQL server (piped from
//! meshgate's `COPY (SELECT ...) TO STDOUT` into PostgreSQL's `COPY ... FROM STDIN`), and
//! the backend's process id for its memory.

use futures::{SinkExt, StreamExt, pin_mut};
use tokio_postgres::{Client, NoTls};

use crate::memory;

/// Column definitions of the streamed tables, as in the TPC-H specification.
fn ddl(table: &str) -> &'static str {
    match table {
        "sales.orders" => {
            "o_orderkey bigint, o_custkey bigint, o_orderstatus text, o_totalprice numeric(15,2), \
             o_orderdate date, o_orderpriority text, o_clerk text, o_shippriority integer, \
             o_comment text"
        }
        "sales.lineitem" => {
            "l_orderkey bigint, l_partkey bigint, l_suppkey bigint, l_linenumber integer, \
             l_quantity numeric(15,2), l_extendedprice numeric(15,2), l_discount numeric(15,2), \
             l_tax numeric(15,2), l_returnflag text, l_linestatus text, l_shipdate date, \
             l_commitdate date, l_receiptdate date, l_shipinstruct text, l_shipmode text, \
             l_comment text"
        }
        other => panic!("no DDL for {other}"),
    }
}

/// Connects to the PostgreSQL server named by `connection`.
pub async fn connect(connection: &str) -> Client {
    let (client, driver) = tokio_postgres::connect(connection, NoTls)
        .await
        .expect("connect to PostgreSQL (--postgres)");
    tokio::spawn(driver);
    client
}

async fn count(client: &Client, table: &str) -> Option<i64> {
    let row = client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .ok()?;
    row.try_get(0).ok()
}

/// Makes each of `tables` in PostgreSQL hold meshgate's rows, copying those that differ.
pub async fn load(meshgate: &Client, postgres: &Client, tables: &[&str]) {
    for table in tables {
        let expected = count(meshgate, table).await.expect("count in meshgate");
        if count(postgres, table).await == Some(expected) {
            continue;
        }
        eprintln!("loading {expected} rows of {table} into PostgreSQL");
        let schema = table.split('.').next().unwrap_or("public");
        postgres
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; DROP TABLE IF EXISTS {table}; \
                 CREATE TABLE {table} ({})",
                ddl(table)
            ))
            .await
            .expect("create the table in PostgreSQL");
        let source = meshgate
            .copy_out(&format!("COPY (SELECT * FROM {table}) TO STDOUT"))
            .await
            .expect("COPY out of meshgate");
        let sink = postgres
            .copy_in(&format!("COPY {table} FROM STDIN"))
            .await
            .expect("COPY into PostgreSQL");
        pin_mut!(source, sink);
        while let Some(chunk) = source.next().await {
            sink.feed(chunk.expect("COPY data"))
                .await
                .expect("send COPY data");
        }
        sink.close().await.expect("finish COPY");
        postgres
            .batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await
            .expect("vacuum");
    }
}

/// The backend process serving `client`, if its memory can be read here.
pub async fn backend_pid(client: &Client) -> Option<u32> {
    let row = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .ok()?;
    let pid: i32 = row.try_get(0).ok()?;
    let pid = u32::try_from(pid).ok()?;
    memory::rss(pid).map(|_| pid)
}
