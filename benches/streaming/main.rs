//! Streaming whole tables to a client: `SELECT * FROM sales.orders` and `sales.lineitem`
//! through `meshgate serve` (the release binary, a child process) read by tokio-postgres
//! with the simple query protocol, as psql reads them. Reports rows per second and the
//! server's peak resident memory while streaming; beside it, the same rows from a
//! PostgreSQL server when `--postgres` names one (loaded once through meshgate's
//! `COPY ... TO STDOUT`).
//!
//! `cargo bench --bench streaming -- --scale 1 [--postgres "host=... user=..."]`
//! (see benches/README.md for starting a throwaway PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

#[path = "../fixtures/demo_mesh.rs"]
mod demo_mesh;
mod memory;
mod postgres;
mod server;

use std::time::{Duration, Instant};

use clap::Parser;
use futures::{StreamExt, pin_mut};
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::memory::PeakRss;

#[derive(Debug, Parser)]
#[command(about = "SELECT * streamed to a client: meshgate vs PostgreSQL")]
struct Args {
    #[command(flatten)]
    mesh: demo_mesh::MeshArgs,
    /// A PostgreSQL server on this machine to compare with (libpq-style connection string).
    #[arg(long)]
    postgres: Option<String>,
}

/// The tables streamed.
const TABLES: [&str; 2] = ["sales.orders", "sales.lineitem"];

/// One timed read of a whole table.
struct Streamed {
    rows: u64,
    bytes: u64,
    elapsed: Duration,
    peak_rss: u64,
}

/// Reads every row of `table` through `client`, sampling `server_pid`'s memory meanwhile.
async fn stream_table(client: &Client, table: &str, server_pid: Option<u32>) -> Streamed {
    let peak = server_pid.map(PeakRss::sample);
    let start = Instant::now();
    let stream = client
        .simple_query_raw(&format!("SELECT * FROM {table}"))
        .await
        .expect("query");
    pin_mut!(stream);
    let (mut rows, mut bytes) = (0u64, 0u64);
    while let Some(message) = stream.next().await {
        if let SimpleQueryMessage::Row(row) = message.expect("row") {
            rows += 1;
            bytes += (0..row.len())
                .map(|i| row.get(i).map_or(0, str::len) as u64)
                .sum::<u64>();
        }
    }
    let elapsed = start.elapsed();
    Streamed {
        rows,
        bytes,
        elapsed,
        peak_rss: peak.map_or(0, PeakRss::stop),
    }
}

fn median(mut runs: Vec<Streamed>) -> Streamed {
    runs.sort_by_key(|run| run.elapsed);
    let peak_rss = runs.iter().map(|run| run.peak_rss).max().unwrap_or(0);
    let middle = runs.swap_remove(runs.len() / 2);
    Streamed { peak_rss, ..middle }
}

async fn measure(name: &str, client: &Client, pid: Option<u32>, runs: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for table in TABLES {
        let mut timed = Vec::new();
        for _ in 0..runs {
            timed.push(stream_table(client, table, pid).await);
        }
        let run = median(timed);
        let seconds = run.elapsed.as_secs_f64();
        let line = format!(
            "| {name} | {table} | {} | {:.2} | {:.0} | {:.1} | {} |",
            run.rows,
            seconds,
            run.rows as f64 / seconds,
            run.bytes as f64 / seconds / 1e6,
            if run.peak_rss == 0 {
                "-".to_string()
            } else {
                format!("{:.0}", run.peak_rss as f64 / 1048576.0)
            }
        );
        eprintln!("{line}");
        lines.push(line);
    }
    lines
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let catalog = args.mesh.mesh().await;
    let meshgate = server::MeshgateProcess::start(&catalog);
    let client = meshgate.connect().await;

    let mut lines = measure("meshgate", &client, Some(meshgate.pid()), args.mesh.runs).await;
    if let Some(connection) = &args.postgres {
        let postgres = postgres::connect(connection).await;
        postgres::load(&client, &postgres, &TABLES).await;
        let pid = postgres::backend_pid(&postgres).await;
        lines.extend(measure("PostgreSQL", &postgres, pid, args.mesh.runs).await);
    }
    println!(
        "SELECT * to a tokio-postgres client (simple query protocol, text), scale {}, median of {} runs\n",
        args.mesh.scale, args.mesh.runs
    );
    println!("| server | table | rows | seconds | rows/s | MB/s of text | peak server RSS MiB |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for line in lines {
        println!("{line}");
    }
}
