//! The `meshgate` binary: `check` and `query` as a user runs them.

use std::process::Command;

use crate::common::{demo_catalog, demo_copy, write};

/// Runs the `meshgate` binary with `args`: exit code, stdout, stderr.
pub fn meshgate(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meshgate"))
        .args(args)
        .env_remove("MESHGATE_CONFIG")
        .env_remove("MESHGATE_CATALOG")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn check_passes_on_the_demo_mesh() {
    let catalog = demo_catalog();
    let (code, stdout, stderr) = meshgate(&["check", "--catalog", catalog.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for table in [
        "sales.orders",
        "sales.lineitem",
        "customers.customer",
        "supply.supplier",
    ] {
        assert!(stdout.contains(&format!("ok       {table}")), "{stdout}");
    }
    assert!(
        stdout.ends_with("8 ok, 0 warning(s), 0 error(s)\n"),
        "{stdout}"
    );
}

#[test]
fn check_fails_and_names_the_broken_product() {
    let dir = demo_copy();
    let manifest = dir.path().join("supply/part.odcs.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    write(&manifest, &text.replace("format: parquet", "format: orc"));
    let (code, stdout, _) = meshgate(&["check", "--catalog", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("error    supply/part.odcs.yaml  product skipped: servers[0].format: 'orc' is not supported"), "{stdout}");
    assert!(stdout.contains("ok       sales.orders"), "{stdout}");
}

#[test]
fn query_prints_rfc4180_csv() {
    let catalog = demo_catalog();
    let sql = "SELECT r_regionkey, r_name, 'a \"quoted\", value' AS note FROM customers.region ORDER BY r_regionkey LIMIT 2";
    let (code, stdout, stderr) = meshgate(&[
        "query",
        "--catalog",
        catalog.to_str().unwrap(),
        "--format",
        "csv",
        sql,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "r_regionkey,r_name,note\r\n0,AFRICA,\"a \"\"quoted\"\", value\"\r\n1,AMERICA,\"a \"\"quoted\"\", value\"\r\n"
    );
}

#[test]
fn query_errors_carry_the_sqlstate() {
    let catalog = demo_catalog();
    let (code, _, stderr) = meshgate(&[
        "query",
        "--catalog",
        catalog.to_str().unwrap(),
        "SELECT * FROM sales.nope",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error [42P01]: "), "{stderr}");
}

#[test]
fn query_prints_json_rows() {
    let catalog = demo_catalog();
    let sql = "SELECT n_name FROM customers.nation WHERE n_nationkey = 7";
    let (code, stdout, stderr) = meshgate(&[
        "query",
        "--catalog",
        catalog.to_str().unwrap(),
        "--format",
        "json",
        sql,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), r#"[{"n_name":"GERMANY"}]"#);
}

#[test]
fn demo_writes_a_mesh_that_checks_clean() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let (code, stdout, stderr) = meshgate(&["demo", "--scale", "0.001", "--out", dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, _) = meshgate(&["check", "--catalog", dir]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.ends_with("8 ok, 0 warning(s), 0 error(s)\n"),
        "{stdout}"
    );
    let sql = "SELECT count(*) FROM sales.orders";
    let (_, stdout, _) = meshgate(&["query", "--catalog", dir, "--format", "csv", sql]);
    assert_eq!(stdout, "count\r\n1500\r\n");

    let (code, _, stderr) = meshgate(&["demo", "--scale", "0.001", "--out", dir]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already exists; pass --force"), "{stderr}");
}
