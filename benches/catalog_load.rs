//! Startup cost of a large mesh: loading 1,000 product manifests and building the engine
//! (storage is opened lazily, so this is what `meshgate serve` pays before accepting
//! connections), and the first query of one product in that mesh.
//!
//! `cargo bench --bench catalog_load`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use meshgate::catalog::load_catalog;
use meshgate::engine::Engine;
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;

const PRODUCTS: usize = 1_000;
const DOMAINS: usize = 20;

/// Writes `PRODUCTS` contracts over the demo `nation` data, spread over `DOMAINS` domains.
fn write_mesh(root: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/customers/data/nation/");
    for d in 0..DOMAINS {
        let domain = format!("domain_{d:02}");
        let dir = root.join(&domain);
        std::fs::create_dir_all(&dir).expect("create domain folder");
        std::fs::write(
            dir.join("domain.yaml"),
            format!("name: {domain}\nteam: team-{d}\ncontact: team-{d}@example.com\n"),
        )
        .expect("write domain.yaml");
        for p in 0..PRODUCTS / DOMAINS {
            let contract = format!(
                "apiVersion: v3.1.0
kind: DataContract
id: {domain}-product-{p}
name: product_{p}
version: 1.0.0
status: active
domain: {domain}
description:
  purpose: Benchmark product {p}.
schema:
  - name: product_{p}
    description: Nations, again.
    properties:
      - name: n_nationkey
        logicalType: integer
        description: Key.
      - name: n_name
        logicalType: string
        description: Name.
        tags: [public]
      - name: n_regionkey
        logicalType: integer
        description: Region.
roles:
  - role: analyst
    access: read
servers:
  - server: local
    type: local
    format: parquet
    path: {}
",
                data.display()
            );
            std::fs::write(dir.join(format!("product_{p}.odcs.yaml")), contract)
                .expect("write contract");
        }
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_mesh(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    c.bench_function("load 1000 products and build the engine", |b| {
        b.iter(|| {
            let catalog = load_catalog(dir.path()).expect("catalog loads");
            assert_eq!(catalog.products.len(), PRODUCTS);
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
            ctx.sql(sql)
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
