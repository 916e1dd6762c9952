//! Products on an S3-compatible server (s3s-fs, in process on 127.0.0.1:0): a Parquet product
//! and a Delta product joined with a local product.

use std::net::SocketAddr;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use meshgate::catalog::load_catalog;
use meshgate::config::StorageConfig;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

use crate::common::{
    assign_storage, copy_dir, demo_catalog, demo_copy, engine, engine_with, scalar, write,
};

pub const ACCESS_KEY: &str = "meshgate-test";
pub const SECRET_KEY: &str = "meshgate-test-secret";

/// Serves the folders under `root` as buckets until the test's runtime stops.
async fn start_s3(root: &std::path::Path) -> SocketAddr {
    start_s3_with_keys(root, &[(ACCESS_KEY, SECRET_KEY)]).await
}

/// Serves the folders under `root` as buckets to the given (access key, secret) pairs.
pub async fn start_s3_with_keys(root: &std::path::Path, keys: &[(&str, &str)]) -> SocketAddr {
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = S3ServiceBuilder::new(fs);
    let mut auth = SimpleAuth::new();
    for (access, secret) in keys {
        auth.register(access.to_string(), secret.to_string().into());
    }
    builder.set_auth(auth);
    let service = builder.build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let http = ConnBuilder::new(TokioExecutor::new());
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let connection = http
                .serve_connection(TokioIo::new(socket), service.clone())
                .into_owned();
            tokio::spawn(connection);
        }
    });
    addr
}

/// A contract for table `name` of domain `remote` on S3.
fn s3_contract(
    name: &str,
    format: &str,
    location: &str,
    endpoint: &str,
    properties: &str,
) -> String {
    format!(
        "apiVersion: v3.1.0
kind: DataContract
id: remote-{name}
version: 1.0.0
status: active
domain: remote
schema:
  - name: {name}
    properties:
{properties}
servers:
  - server: minio
    type: s3
    format: {format}
    location: {location}
    endpointUrl: {endpoint}
"
    )
}

/// Shared S3 settings with the test access key and `secret`.
pub fn credentials(secret: &str) -> StorageConfig {
    let mut config = StorageConfig::default();
    config
        .s3
        .insert("aws_access_key_id".into(), ACCESS_KEY.into());
    config
        .s3
        .insert("aws_secret_access_key".into(), secret.into());
    config.s3.insert("aws_region".into(), "us-east-1".into());
    config
}

/// A demo copy with `remote.orders` (Delta) and `remote.customer` (Parquet) on S3.
async fn remote_mesh() -> (tempfile::TempDir, tempfile::TempDir) {
    let buckets = tempfile::tempdir().unwrap();
    let demo = demo_catalog();
    copy_dir(
        &demo.join("sales/data/orders"),
        &buckets.path().join("lake/sales/orders"),
    );
    copy_dir(
        &demo.join("customers/data/customer"),
        &buckets.path().join("lake/customers/customer"),
    );
    let addr = start_s3(buckets.path()).await;
    let endpoint = format!("http://{addr}");
    let catalog = demo_copy();
    assign_storage(catalog.path(), &[("remote", &["s3://lake/"])]);
    write(
        &catalog.path().join("remote/domain.yaml"),
        "name: remote\nteam: team-remote\ncontact: remote@example.com\n",
    );
    write(
        &catalog.path().join("remote/orders.odcs.yaml"),
        &s3_contract(
            "orders",
            "delta",
            "s3://lake/sales/orders",
            &endpoint,
            "      - name: o_orderkey\n        logicalType: integer\n      - name: o_custkey\n        logicalType: integer\n      - name: o_totalprice\n        logicalType: number",
        ),
    );
    write(
        &catalog.path().join("remote/customer.odcs.yaml"),
        &s3_contract(
            "customer",
            "parquet",
            "s3://lake/customers/customer/",
            &endpoint,
            "      - name: c_custkey\n        logicalType: integer\n      - name: c_nationkey\n        logicalType: integer",
        ),
    );
    (buckets, catalog)
}

/// Orders and revenue of German customers, as one `count total` value.
const JOIN: &str = "SELECT count(*) || ' ' || sum(o.o_totalprice)
FROM {orders} o JOIN {customer} c ON o.o_custkey = c.c_custkey
JOIN customers.nation n ON c.c_nationkey = n.n_nationkey
WHERE n.n_name = 'GERMANY'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_parquet_and_delta_join_a_local_product() {
    let (_buckets, catalog) = remote_mesh().await;
    let loaded = load_catalog(catalog.path()).unwrap();
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let remote = engine_with(loaded, credentials(SECRET_KEY));
    let report = meshgate::check::check(&remote).await;
    assert!(!report.has_errors(), "{report}");

    let remote_sql = JOIN
        .replace("{orders}", "remote.orders")
        .replace("{customer}", "remote.customer");
    let local_sql = JOIN
        .replace("{orders}", "sales.orders")
        .replace("{customer}", "customers.customer");
    let from_s3 = scalar(&remote, &remote_sql).await;
    let from_disk = scalar(&engine(&demo_catalog()), &local_sql).await;
    assert_eq!(from_s3, from_disk);
    assert!(
        from_s3.split(' ').next().unwrap().parse::<u64>().unwrap() > 0,
        "{from_s3}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_key_is_a_clear_error() {
    let (_buckets, catalog) = remote_mesh().await;
    let remote = engine_with(
        load_catalog(catalog.path()).unwrap(),
        credentials("wrong-secret"),
    );
    let report = meshgate::check::check(&remote).await;
    let entry = report
        .entries
        .iter()
        .find(|e| e.subject == "remote.customer")
        .unwrap();
    let message = entry.messages.join(" ");
    assert!(
        message
            .contains("remote.customer: cannot open parquet data at s3://lake/customers/customer/"),
        "{message}"
    );
    assert!(
        message.contains("403") || message.contains("SignatureDoesNotMatch"),
        "{message}"
    );
    let local_still_serves = scalar(&remote, "SELECT count(*) FROM customers.region").await;
    assert_eq!(local_still_serves, "5");
}
