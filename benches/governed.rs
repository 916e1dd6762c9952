//! The price of governance: the same customer queries run in process (plan, policy, execute)
//! as the demo's three users — `admin` (nothing applied), `analyst` (pii masks) and `emea`
//! (masks and the EUROPE row filter behind the security barrier) — over the demo mesh at
//! `--scale`, medians side by side with each governed reader's ratio to admin.
//!
//! `cargo bench --bench governed -- --scale 1 --runs 5`

#![allow(clippy::expect_used, missing_docs)] // a bench, not an API

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use meshgate::catalog::load_catalog;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;

#[path = "fixtures/demo_mesh.rs"]
mod demo_mesh;

/// Customer queries every demo user may run: a scan, a selective filter, a join to the
/// geography, an aggregation, a top-N.
const QUERIES: [(&str, &str); 5] = [
    ("count", "SELECT count(*) FROM customers.customer"),
    (
        "filter",
        "SELECT c_custkey, c_name FROM customers.customer WHERE c_acctbal > 9900",
    ),
    (
        "join",
        "SELECT n_name, count(*), sum(c_acctbal) FROM customers.customer \
         JOIN customers.nation ON c_nationkey = n_nationkey GROUP BY n_name",
    ),
    (
        "segment",
        "SELECT c_mktsegment, avg(c_acctbal) FROM customers.customer \
         WHERE c_acctbal > 0 GROUP BY c_mktsegment",
    ),
    (
        "top",
        "SELECT c_custkey, c_acctbal FROM customers.customer ORDER BY c_acctbal DESC LIMIT 10",
    ),
];

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    mesh: demo_mesh::MeshArgs,
}

fn users() -> Vec<Principal> {
    let mut emea = Principal::new("emea", ["customer_analyst"]);
    emea.attributes.insert("region".into(), "EUROPE".into());
    vec![
        Principal::new("admin", ["meshgate_admin"]),
        Principal::new(
            "analyst",
            ["sales_analyst", "supply_analyst", "customer_analyst"],
        ),
        emea,
    ]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let catalog = args.mesh.mesh().await;
    let engine = Engine::new(
        load_catalog(&catalog).expect("catalog"),
        StorageOptions::default(),
    )
    .expect("engine");
    let users = users();
    println!(
        "| query | {} | analyst/admin | emea/admin |",
        users
            .iter()
            .map(|u| format!("{} ms", u.name))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|---|---|---|---|---|");
    for (name, sql) in QUERIES {
        let mut medians = Vec::new();
        for user in &users {
            medians.push(median(&engine, user, sql, args.mesh.runs).await);
        }
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
            ms(&medians[0]),
            ms(&medians[1]),
            ms(&medians[2]),
            ms(&medians[1]) / ms(&medians[0]),
            ms(&medians[2]) / ms(&medians[0]),
        );
    }
}

/// Median over `runs` timed runs (after a warm-up) of `sql` in a new session of `user`.
async fn median(engine: &Engine, user: &Principal, sql: &str, runs: usize) -> Duration {
    let mut times = Vec::new();
    for run in 0..=runs {
        let session = engine.session(Arc::new(user.clone())).expect("session");
        let start = Instant::now();
        let frame = plan_sql(&session, sql).await.expect("plan");
        frame.collect().await.expect("run");
        if run > 0 {
            times.push(start.elapsed());
        }
    }
    times.sort();
    times[times.len() / 2]
}
