//! Cost of governance on a 1,000-product mesh with 10 access rules per product: the plan
//! rewrite alone, and planning a query with and without it (an admin's plan skips filters
//! and masks, a reader's goes through both).
//!
//! `cargo bench --bench policy_rewrite`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

#[path = "fixtures/mesh.rs"]
mod mesh;

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::common::config::ConfigOptions;
use datafusion::optimizer::AnalyzerRule;
use meshgate::catalog::load_catalog;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;
use meshgate::policy::rewrite::GovernanceRule;
use meshgate::policy::store::PolicyStore;
use meshgate::storage::StorageOptions;

const SQL: &str = "SELECT n_name, count(*) FROM domain_07.product_3 \
                   WHERE n_nationkey > 3 GROUP BY n_name";

fn reader() -> Principal {
    let mut principal = Principal::new("reader", ["reader_1", "reader_3"]);
    principal.attributes = BTreeMap::from([("nation".to_string(), "FRANCE".to_string())]);
    principal
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    mesh::write_mesh(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let engine = Engine::new(
        load_catalog(dir.path()).expect("catalog"),
        StorageOptions::default(),
    )
    .expect("engine");
    let reader = Arc::new(reader());
    let admin = Arc::new(Principal::local_operator());
    let reader_ctx = engine.session(Arc::clone(&reader)).expect("session");
    let admin_ctx = engine.session(Arc::clone(&admin)).expect("session");

    // Decisions are compiled on first use and cached per (user, product).
    let plan = runtime.block_on(async {
        plan_sql(&reader_ctx, SQL).await.expect("plan");
        reader_ctx
            .state()
            .create_logical_plan(SQL)
            .await
            .expect("plan")
    });
    let store = Arc::new(PolicyStore::new(Arc::clone(engine.registry())).expect("rules"));
    runtime.block_on(async {
        meshgate::policy::prepare(&reader_ctx, &store, &reader, &plan)
            .await
            .expect("prepare")
    });
    let rule = GovernanceRule::new(Arc::clone(&reader), Arc::clone(&store));
    let options = ConfigOptions::default();
    c.bench_function(
        "rewrite one scan (5 filters OR-ed, masks), 1000 products",
        |b| b.iter(|| rule.analyze(plan.clone(), &options).expect("rewrite")),
    );

    for (name, ctx) in [
        ("admin (no rules apply)", &admin_ctx),
        ("reader (filters and masks)", &reader_ctx),
    ] {
        c.bench_function(&format!("plan and optimize as {name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let frame = plan_sql(ctx, SQL).await.expect("plan");
                frame.into_optimized_plan().expect("optimize")
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
