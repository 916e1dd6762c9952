//! Startup cost of a large mesh: loading 1,000 product manifests and building the engine
//! (storage is opened lazily, so this is what `meshgate serve` pays before accepting
//! connections), and the first query of one product in that mesh.
//!
//! `cargo bench --bench catalog_load`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

#[path = "fixtures/mesh.rs"]
mod mesh;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use meshgate::catalog::load_catalog;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    mesh::write_mesh(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    c.bench_function("load 1000 products and build the engine", |b| {
        b.iter(|| {
            let catalog = load_catalog(dir.path()).expect("catalog loads");
            assert_eq!(catalog.products.len(), mesh::PRODUCTS);
            Engine::new(catalog, StorageOptions::default()).expect("engine")
        })
    });

    let engine = Engine::new(
        load_catalog(dir.path()).expect("catalog"),
        StorageOptions::default(),
    )
    .expect("engine");
    let operator = Arc::new(Principal::local_operator());
    c.bench_function("new session over 1000 products", |b| {
        b.iter(|| engine.session(Arc::clone(&operator)).expect("session"))
    });
    c.bench_function("query one product of 1000 (opened once)", |b| {
        b.to_async(&runtime).iter(|| async {
            let ctx = engine.session(Arc::clone(&operator)).expect("session");
            let sql = "SELECT count(*) FROM domain_07.product_3";
            plan_sql(&ctx, sql)
                .await
                .expect("plan")
                .collect()
                .await
                .expect("run")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
