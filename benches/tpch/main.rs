//! Cross-domain TPC-H, side by side: the 22 queries through meshgate's PostgreSQL endpoint
//! (in-process, a real tokio-postgres client, as the admin user), through raw DataFusion
//! over the same files (same engine, no wire, no policy), and through DuckDB over the same
//! files (a Python `duckdb` process). Every engine must return the same rows; the table
//! shows medians after a warm-up and the ratios meshgate/DuckDB and meshgate/DataFusion.
//!
//! `cargo bench --bench tpch -- --scale 1 [--runs 3] [--query 5] [--markdown FILE]`
//! (see benches/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

mod compare;
#[path = "../fixtures/demo_mesh.rs"]
mod demo_mesh;
mod duckdb;
mod mesh;
mod raw;
mod report;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::report::{Measured, Outcome};

/// One answer: rows as text (NULL as None).
pub type Rows = Vec<Vec<Option<String>>>;

#[derive(Debug, Parser)]
#[command(about = "TPC-H across domains: meshgate vs raw DataFusion vs DuckDB")]
struct Args {
    #[command(flatten)]
    mesh: demo_mesh::MeshArgs,
    /// Run only these queries (1-22); repeat the flag for several.
    #[arg(long)]
    query: Vec<usize>,
    /// Also write the table as Markdown to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// A DataFusion setting (`datafusion.execution.parquet.pushdown_filters=false`) for both
    /// meshgate's session and raw DataFusion, to compare settings; repeat for several.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Skip DuckDB (when the Python `duckdb` package is missing).
    #[arg(long)]
    no_duckdb: bool,
}

const QUERIES: [&str; 22] = [
    include_str!("queries/q01.sql"),
    include_str!("queries/q02.sql"),
    include_str!("queries/q03.sql"),
    include_str!("queries/q04.sql"),
    include_str!("queries/q05.sql"),
    include_str!("queries/q06.sql"),
    include_str!("queries/q07.sql"),
    include_str!("queries/q08.sql"),
    include_str!("queries/q09.sql"),
    include_str!("queries/q10.sql"),
    include_str!("queries/q11.sql"),
    include_str!("queries/q12.sql"),
    include_str!("queries/q13.sql"),
    include_str!("queries/q14.sql"),
    include_str!("queries/q15.sql"),
    include_str!("queries/q16.sql"),
    include_str!("queries/q17.sql"),
    include_str!("queries/q18.sql"),
    include_str!("queries/q19.sql"),
    include_str!("queries/q20.sql"),
    include_str!("queries/q21.sql"),
    include_str!("queries/q22.sql"),
];

/// An engine under comparison.
pub enum Contender {
    Meshgate(mesh::Meshgate),
    DataFusion(raw::RawDataFusion),
    DuckDb(duckdb::DuckDb),
}

impl Contender {
    /// Its column header.
    fn name(&self) -> &'static str {
        match self {
            Contender::Meshgate(_) => "meshgate",
            Contender::DataFusion(_) => "DataFusion",
            Contender::DuckDb(_) => "DuckDB",
        }
    }

    /// Runs `sql` to the last row: the rows and the time it took.
    async fn run(&mut self, sql: &str) -> Result<(Rows, Duration), String> {
        match self {
            Contender::Meshgate(engine) => engine.run(sql).await,
            Contender::DataFusion(engine) => engine.run(sql).await,
            Contender::DuckDb(engine) => engine.run(sql),
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let catalog = args.mesh.mesh().await;
    eprintln!(
        "demo mesh at scale {} in {} ({:.1} s)",
        args.mesh.scale,
        catalog.display(),
        started.elapsed().as_secs_f64()
    );

    let mut contenders = vec![
        Contender::Meshgate(mesh::Meshgate::start(&catalog).await),
        Contender::DataFusion(raw::RawDataFusion::new(&catalog).await),
    ];
    for setting in &args.settings {
        let Some((key, value)) = setting.split_once('=') else {
            panic!("--set {setting}: write KEY=VALUE");
        };
        let sql = format!("SET {key} = {value}");
        for contender in contenders.iter_mut() {
            if let Err(error) = contender.run(&sql).await {
                panic!("{}: {sql}: {error}", contender.name());
            }
        }
    }
    if !args.no_duckdb {
        contenders.push(Contender::DuckDb(duckdb::DuckDb::start(&catalog)));
    }

    let selected: Vec<usize> = if args.query.is_empty() {
        (1..=QUERIES.len()).collect()
    } else {
        args.query.clone()
    };
    let mut measured = Vec::new();
    for number in selected {
        let Some(sql) = QUERIES.get(number.wrapping_sub(1)) else {
            panic!("--query {number}: TPC-H has queries 1 to 22");
        };
        let mut row = Measured::new(number);
        for run in 0..=args.mesh.runs {
            for contender in contenders.iter_mut() {
                let outcome = match contender.run(sql).await {
                    Ok((rows, elapsed)) => Outcome::Ok(rows, elapsed),
                    Err(error) => Outcome::Failed(error),
                };
                // run 0 is the warm-up: its rows are checked, its time is not counted
                row.record(contender.name(), outcome, run > 0);
            }
        }
        eprintln!("{}", row.line());
        measured.push(row);
    }

    let mut table = report::markdown(&measured, args.mesh.scale, args.mesh.runs, !args.no_duckdb);
    if !args.settings.is_empty() {
        table.push_str(&format!("\nSettings: {}\n", args.settings.join(", ")));
    }
    println!("{table}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &table).expect("write the Markdown table");
    }
}
