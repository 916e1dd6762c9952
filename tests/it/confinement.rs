//! Domains are confined to their own storage. Each attack is a manifest that reads outside
//! its domain (absolute path, `..`, `file://`, a symbolic link, a `{model}` that climbs out, a
//! Delta log naming foreign files, another domain's bucket prefix, an overlapping location),
//! and a manifest too deep to parse: `meshgate check` reports each with the manifest, the
//! location and the rule and exits 1, the product is not served, and the rest serves.

use std::path::Path;

use meshgate::config::{DomainStorageConfig, StorageConfig};

use crate::cli::meshgate;
use crate::common::{
    assign_storage, copy_dir, demo_catalog, demo_copy, engine, engine_with, lab_contract,
    lab_domain, query, scalar, write,
};
use crate::object_store::{ACCESS_KEY, SECRET_KEY, credentials, start_s3_with_keys};

const REGION_PROPERTIES: &str = "      - name: r_regionkey
        logicalType: integer
      - name: r_name
        logicalType: string";

const LOCAL_RULE: &str = "a domain reads only files inside its own folder";
const STORE_RULE: &str = "a domain reads only object storage that mesh.yaml assigns to it";

/// `meshgate check` over `dir` (with `config` if given): the exit code and the report.
fn check(dir: &Path, config: Option<&Path>) -> (i32, String) {
    let mut args = vec!["check", "--catalog", dir.to_str().unwrap()];
    if let Some(config) = config {
        args.extend(["--config", config.to_str().unwrap()]);
    }
    let (code, stdout, stderr) = meshgate(&args);
    (code, format!("{stdout}{stderr}"))
}

/// Asserts that `text` contains each of `needles`.
fn assert_contains(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "no {needle:?} in: {text}");
    }
}

/// Asserts that `table` is not a table of the mesh (42P01).
async fn assert_not_served(engine: &meshgate::engine::Engine, table: &str) {
    let error = query(engine, &format!("SELECT * FROM {table}"))
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate(), "42P01", "{table}: {error}");
}

/// Asserts that `subject` serves (ok, or a warning about unexposed columns).
fn serves(report: &str, subject: &str) {
    let serving = report.lines().any(|l| {
        let mut words = l.split_whitespace();
        matches!(words.next(), Some("ok" | "warning")) && words.next() == Some(subject)
    });
    assert!(serving, "{subject} does not serve:\n{report}");
}

/// The report line about `subject`, which must have the given status.
fn report_line<'a>(report: &'a str, status: &str, subject: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(status) && l.contains(&format!(" {subject} ")))
        .unwrap_or_else(|| panic!("no {status} line for {subject} in\n{report}"))
}

fn region_contract(name: &str, path: &str) -> String {
    lab_contract(name, "parquet", path, REGION_PROPERTIES)
}

#[tokio::test]
async fn local_paths_that_leave_the_domain_folder_are_refused_and_the_rest_serves() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let lab = dir.path().join("lab");
    let foreign = dir.path().join("customers/data/region");
    let foreign_file = foreign.join("part-0.parquet");
    write(
        &lab.join("regions.odcs.yaml"),
        &region_contract("regions", "data/region"),
    );
    let attacks = [
        (
            "absolute",
            foreign.display().to_string(),
            "is an absolute path",
        ),
        (
            "parent",
            "../customers/data/region".to_string(),
            "contains '..'",
        ),
        ("url", format!("file://{}", foreign.display()), "is a URL"),
        (
            "linked",
            "data/linked".to_string(),
            "through a symbolic link, outside the domain folder",
        ),
        ("mixed", "data/mixed".to_string(), "a symbolic link to"),
        (
            "glob",
            "../customers/data/*/part-0.parquet".to_string(),
            "contains '..'",
        ),
    ];
    for (name, path, _) in &attacks {
        write(
            &lab.join(format!("{name}.odcs.yaml")),
            &region_contract(name, path),
        );
    }
    std::os::unix::fs::symlink(&foreign, lab.join("data/linked")).unwrap();
    copy_dir(&lab.join("data/region"), &lab.join("data/mixed"));
    std::os::unix::fs::symlink(&foreign_file, lab.join("data/mixed/stolen.parquet")).unwrap();

    let (code, report) = check(dir.path(), None);
    assert_eq!(code, 1, "{report}");
    for (name, path, why) in &attacks {
        let line = report_line(&report, "error", &format!("lab/{name}.odcs.yaml"));
        assert_contains(
            line,
            &[
                "product skipped: servers[0].path: ",
                &format!("'{path}'"),
                why,
                LOCAL_RULE,
            ],
        );
        assert!(line.contains("data/"), "says what to write instead: {line}");
    }
    serves(&report, "lab.regions");
    serves(&report, "customers.region");

    let engine = engine(dir.path());
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM lab.regions").await,
        "5"
    );
    for (name, _, _) in &attacks {
        assert_not_served(&engine, &format!("lab.{name}")).await;
    }
}

#[tokio::test]
async fn each_model_location_is_confined() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let contract = lab_contract("regions", "parquet", "data/{model}", REGION_PROPERTIES).replace(
        "schema:\n",
        &format!(
            "schema:\n  - name: stolen\n    physicalName: ../../customers/data/region\n    \
                 properties:\n{REGION_PROPERTIES}\n"
        ),
    );
    write(&dir.path().join("lab/tables.odcs.yaml"), &contract);
    let (code, report) = check(dir.path(), None);
    assert_eq!(code, 1, "{report}");
    let line = report_line(&report, "error", "lab/tables.odcs.yaml");
    assert_contains(
        line,
        &["servers[0].path: table stolen: 'data/../../customers/data/region' contains '..'"],
    );
    assert_not_served(&engine(dir.path()), "lab.regions").await;
}

#[tokio::test]
async fn a_delta_log_naming_files_outside_the_table_is_refused() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let table = dir.path().join("lab/data/orders");
    copy_dir(&demo_catalog().join("sales/data/orders"), &table);
    let log = table.join("_delta_log/00000000000000000000.json");
    let text = std::fs::read_to_string(&log).unwrap();
    let stolen = dir.path().join("customers/data/customer/part-0.parquet");
    let start = text.find("\"add\":{\"path\":\"").unwrap() + "\"add\":{\"path\":\"".len();
    let end = start + text[start..].find('"').unwrap();
    let forged = format!(
        "{}file://{}{}",
        &text[..start],
        stolen.display(),
        &text[end..]
    );
    std::fs::write(&log, forged).unwrap();
    write(
        &dir.path().join("lab/orders.odcs.yaml"),
        &lab_contract(
            "orders",
            "delta",
            "data/orders",
            "      - name: o_orderkey\n        logicalType: integer",
        ),
    );
    let (code, report) = check(dir.path(), None);
    assert_eq!(code, 1, "{report}");
    let line = report_line(&report, "error", "lab.orders");
    assert_contains(
        line,
        &[
            "the Delta log names the data file 'file://",
            "outside the table folder",
        ],
    );
    serves(&report, "sales.orders");
    let engine = engine(dir.path());
    let error = query(&engine, "SELECT count(*) FROM lab.orders")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("outside the table folder"),
        "{error}"
    );
}

#[tokio::test]
async fn deep_or_huge_catalog_files_are_rejected_fast_and_the_rest_loads() {
    let dir = demo_copy();
    lab_domain(dir.path());
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "data/region"),
    );
    let deep = format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: deep\ncustomProperties: {}1{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    write(&dir.path().join("lab/deep.odcs.yaml"), &deep);
    let compact = format!("name: block\nteam:\n{}x\n", "- ".repeat(50_000));
    write(&dir.path().join("block/domain.yaml"), &compact);
    let padding = format!("# {}\n", "x".repeat(100)).repeat(11_000);
    write(&dir.path().join("lab/huge.odcs.yaml"), &padding);

    let (code, report) = check(dir.path(), None);
    assert_eq!(code, 1, "{report}");
    let deep_line = report_line(&report, "error", "lab/deep.odcs.yaml");
    assert_contains(deep_line, &["nested deeper than 64 levels (at line 4)"]);
    let block_line = report_line(&report, "error", "block/domain.yaml");
    assert_contains(block_line, &["nested deeper than 64 levels"]);
    let huge_line = report_line(&report, "error", "lab/huge.odcs.yaml");
    assert_contains(huge_line, &["larger than 1048576 bytes (1 MiB)"]);
    serves(&report, "lab.regions");
    serves(&report, "sales.orders");
}

#[tokio::test]
async fn an_oversized_mesh_yaml_names_the_file() {
    let dir = demo_copy();
    let mesh = dir.path().join("mesh.yaml");
    let text = std::fs::read_to_string(&mesh).unwrap();
    let nested = format!("{text}extra: {}1{}\n", "{a: ".repeat(100), "}".repeat(100));
    write(&mesh, &nested);
    let (code, report) = check(dir.path(), None);
    assert_eq!(code, 1, "{report}");
    assert_contains(&report, &["mesh.yaml: -: nested deeper than 64 levels"]);
}

/// A contract of `domain` for a Parquet `customer` table at `location` on S3 at `endpoint`.
fn s3_customer(domain: &str, name: &str, location: &str, endpoint: &str) -> String {
    format!(
        "apiVersion: v3.1.0
kind: DataContract
id: {domain}-{name}
version: 1.0.0
status: active
domain: {domain}
schema:
  - name: {name}
    properties:
      - name: c_custkey
        logicalType: integer
servers:
  - server: lake
    type: s3
    format: parquet
    location: {location}
    endpointUrl: {endpoint}
"
    )
}

fn add_domain(dir: &Path, domain: &str) {
    write(
        &dir.join(domain).join("domain.yaml"),
        &format!("name: {domain}\nteam: team-{domain}\ncontact: {domain}@example.com\n"),
    );
}

/// Buckets with the demo `customer` data at each of `prefixes` of bucket `lake`.
fn buckets(prefixes: &[&str]) -> tempfile::TempDir {
    let buckets = tempfile::tempdir().unwrap();
    for prefix in prefixes {
        copy_dir(
            &demo_catalog().join("customers/data/customer"),
            &buckets.path().join("lake").join(prefix),
        );
    }
    buckets
}

/// Writes the S3 `customer` contracts `(domain, table, location)` into the catalog at `dir`
/// and runs `meshgate check` with the shared test credentials in a `meshgate.toml`.
fn check_s3_contracts(
    dir: &Path,
    endpoint: &str,
    contracts: &[(&str, &str, &str)],
) -> (i32, String) {
    for (domain, name, location) in contracts {
        let contract = s3_customer(domain, name, location, endpoint);
        write(
            &dir.join(domain).join(format!("{name}.odcs.yaml")),
            &contract,
        );
    }
    let config = dir.join("meshgate.toml");
    let text = format!(
        "[storage.s3]\naws_access_key_id = \"{ACCESS_KEY}\"\n\
         aws_secret_access_key = \"{SECRET_KEY}\"\naws_region = \"us-east-1\"\n"
    );
    std::fs::write(&config, text).unwrap();
    check(dir, Some(&config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_storage_outside_the_assigned_prefixes_is_refused() {
    let buckets = buckets(&["remote/customer", "sales/customer"]);
    let addr = start_s3_with_keys(buckets.path(), &[(ACCESS_KEY, SECRET_KEY)]).await;
    let endpoint = format!("http://{addr}");
    let dir = demo_copy();
    assign_storage(
        dir.path(),
        &[
            ("remote", &["s3://lake/remote/"]),
            ("ghost", &["s3://lake/ghost/"]),
        ],
    );
    add_domain(dir.path(), "remote");
    add_domain(dir.path(), "other");
    let attacks = [
        (
            "remote",
            "foreign",
            "s3://lake/sales/customer/",
            "(assigned: s3://lake/remote/)",
        ),
        (
            "remote",
            "sibling",
            "s3://lake/remoteish/customer/",
            "(assigned: s3://lake/remote/)",
        ),
        (
            "remote",
            "climb",
            "s3://lake/remote/../sales/customer/",
            "'.' or '..' segment",
        ),
        (
            "remote",
            "encoded",
            "s3://lake/remote/%2e%2e/sales/customer/",
            "percent-encodes",
        ),
        (
            "other",
            "unassigned",
            "s3://lake/remote/customer/",
            "(assigned: none)",
        ),
    ];
    let good = s3_customer(
        "remote",
        "customer",
        "s3://lake/remote/customer/",
        &endpoint,
    );
    write(&dir.path().join("remote/customer.odcs.yaml"), &good);
    let contracts: Vec<_> = attacks.iter().map(|(d, n, l, _)| (*d, *n, *l)).collect();
    let (code, report) = check_s3_contracts(dir.path(), &endpoint, &contracts);
    assert_eq!(code, 1, "{report}");
    for (domain, name, location, why) in &attacks {
        let line = report_line(&report, "error", &format!("{domain}/{name}.odcs.yaml"));
        assert_contains(
            line,
            &[
                "product skipped: servers[0].location: ",
                &format!("'{location}'"),
                why,
                STORE_RULE,
            ],
        );
    }
    let unassigned = report_line(&report, "error", "other/unassigned.odcs.yaml");
    assert_contains(unassigned, &["under domains.other.storage in mesh.yaml"]);
    let ghost = report_line(&report, "warning", "mesh.yaml");
    assert_contains(ghost, &["domains.ghost: no domain 'ghost' loaded"]);
    serves(&report, "remote.customer");

    let catalog = meshgate::catalog::load_catalog(dir.path()).unwrap();
    let remote = engine_with(catalog, credentials(SECRET_KEY));
    assert_eq!(
        scalar(&remote, "SELECT count(*) FROM remote.customer").await,
        "1500"
    );
    assert_not_served(&remote, "remote.foreign").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_domains_may_not_serve_overlapping_locations() {
    let buckets = buckets(&["shared/customer"]);
    let addr = start_s3_with_keys(buckets.path(), &[(ACCESS_KEY, SECRET_KEY)]).await;
    let endpoint = format!("http://{addr}");
    let dir = demo_copy();
    let shared: &[&str] = &["s3://lake/shared/"];
    assign_storage(dir.path(), &[("alpha", shared), ("beta", shared)]);
    for domain in ["alpha", "beta"] {
        add_domain(dir.path(), domain);
    }
    let contracts = [
        ("alpha", "customer", "s3://lake/shared/customer/"),
        ("beta", "everything", "s3://lake/shared/"),
        ("beta", "same", "s3://lake/shared//customer"),
        ("beta", "inner", "s3://lake/shared/customer/*.parquet"),
    ];
    let (code, report) = check_s3_contracts(dir.path(), &endpoint, &contracts);
    assert_eq!(code, 1, "{report}");
    for (_, name, location) in &contracts[1..] {
        let line = report_line(&report, "error", &format!("beta/{name}.odcs.yaml"));
        assert!(
            line.contains(&format!(
                "location {location} overlaps s3://lake/shared/customer/ of alpha.customer \
                 (alpha/customer.odcs.yaml); two domains may not serve overlapping locations"
            )),
            "{line}"
        );
    }
    serves(&report, "alpha.customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_domain_reads_one_bucket_with_its_own_credentials() {
    let buckets = buckets(&["alpha/customer", "beta/customer"]);
    copy_dir(
        &demo_catalog().join("sales/data/orders"),
        &buckets.path().join("lake/alpha/orders"),
    );
    let keys = [("alpha-key", "alpha-secret"), ("beta-key", "beta-secret")];
    let addr = start_s3_with_keys(buckets.path(), &keys).await;
    let endpoint = format!("http://{addr}");
    let dir = demo_copy();
    assign_storage(
        dir.path(),
        &[
            ("alpha", &["s3://lake/alpha/"]),
            ("beta", &["s3://lake/beta/"]),
        ],
    );
    for domain in ["alpha", "beta"] {
        add_domain(dir.path(), domain);
        let location = format!("s3://lake/{domain}/customer/");
        let contract = s3_customer(domain, "customer", &location, &endpoint);
        write(
            &dir.path().join(domain).join("customer.odcs.yaml"),
            &contract,
        );
    }
    let orders = s3_customer("alpha", "orders", "s3://lake/alpha/orders", &endpoint)
        .replace("format: parquet", "format: delta")
        .replace("c_custkey", "o_custkey");
    write(&dir.path().join("alpha/orders.odcs.yaml"), &orders);
    let own = |key: &str, secret: &str| {
        let options = [
            ("aws_access_key_id", key),
            ("aws_secret_access_key", secret),
            ("aws_region", "us-east-1"),
        ];
        DomainStorageConfig {
            s3: Some(
                options
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..DomainStorageConfig::default()
        }
    };
    // beta's own secret is wrong: a store shared per bucket would read beta with alpha's
    let mut storage = StorageConfig::default();
    storage
        .domains
        .insert("alpha".into(), own("alpha-key", "alpha-secret"));
    storage
        .domains
        .insert("beta".into(), own("beta-key", "not-beta-secret"));
    let catalog = meshgate::catalog::load_catalog(dir.path()).unwrap();
    assert!(!catalog.has_errors(), "{:?}", catalog.diagnostics);
    let engine = engine_with(catalog, storage);
    let report = meshgate::check::check(&engine).await;
    let status = |subject: &str| {
        let entry = report
            .entries
            .iter()
            .find(|e| e.subject == subject)
            .unwrap();
        (entry.status.to_string(), entry.messages.join(" "))
    };
    assert_ne!(status("alpha.customer").0, "error", "{report}");
    assert_ne!(status("alpha.orders").0, "error", "{report}");
    let (beta, message) = status("beta.customer");
    assert_eq!(beta, "error", "{report}");
    assert!(
        message.contains("403") || message.contains("SignatureDoesNotMatch"),
        "{message}"
    );
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM alpha.customer").await,
        "1500"
    );
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM alpha.orders").await,
        "15000"
    );
    assert!(
        query(&engine, "SELECT count(*) FROM beta.customer")
            .await
            .is_err()
    );
}
