//! Governance through the CLI: `query --user`, denials with their SQLSTATE, and the durable
//! audit log read back as `mesh.query_log` by separate processes.

use std::path::Path;
use std::process::Command;

use crate::common::{demo_catalog, write};

fn meshgate(config: &Path, user: &str, sql: &str) -> (i32, String, String) {
    let catalog = demo_catalog();
    let output = Command::new(env!("CARGO_BIN_EXE_meshgate"))
        .args(["query", "--format", "csv", "--config"])
        .arg(config)
        .arg("--catalog")
        .arg(&catalog)
        .args(["--user", user, sql])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("meshgate.toml");
    write(
        &path,
        r#"audit_dir = "audit"

[users.admin]
roles = ["meshgate_admin"]

[users.analyst]
roles = ["sales_analyst", "supply_analyst", "customer_analyst"]

[users.emea]
roles = ["customer_analyst"]
attributes = { region = "EUROPE" }

[users.supply_owner]
roles = ["team-supply"]
"#,
    );
    path
}

#[test]
fn denied_reads_name_the_owner_and_everything_lands_in_the_query_log() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());

    let (code, _, stderr) = meshgate(&config, "analyst", "SELECT count(*) FROM supply.supplier");
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error [42501]: permission denied for table supply.supplier"),
        "{stderr}"
    );
    assert!(stderr.contains("team-supply@example.com"), "{stderr}");

    let (code, stdout, _) = meshgate(
        &config,
        "emea",
        "SELECT count(*) AS n FROM customers.customer",
    );
    assert_eq!(code, 0);
    assert_eq!(stdout, "n\r\n272\r\n");
    let (code, stdout, _) = meshgate(
        &config,
        "analyst",
        "SELECT count(c_phone) AS n FROM customers.customer",
    );
    assert_eq!(code, 0);
    assert_eq!(stdout, "n\r\n0\r\n");

    // Each run above was its own process: the records were read back from disk.
    let sql = "SELECT user_name, outcome, coalesce(sqlstate, ''), coalesce(CAST(rows AS VARCHAR), '') \
               FROM mesh.query_log WHERE sql NOT LIKE '%query_log%' ORDER BY time";
    let (code, stdout, stderr) = meshgate(&config, "admin", sql);
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(
        rows,
        ["analyst,error,42501,", "emea,ok,,1", "analyst,ok,,1"]
    );

    // Filters, masks, products and columns are recorded.
    let sql = "SELECT array_to_string(filters, ';') LIKE '%customers.customer: (mesh_user_attr%', \
               array_to_string(masks, ';'), array_to_string(products, ';'), array_to_string(columns, ';') \
               FROM mesh.query_log WHERE sql LIKE '%count(c_phone)%'";
    let (_, stdout, _) = meshgate(&config, "admin", sql);
    let row = stdout.lines().nth(1).unwrap();
    assert_eq!(
        row,
        "true,customers.customer.c_address;customers.customer.c_phone,customers.customer,customers.customer.c_phone"
    );

    // analyst sees its own statements only; emea too.
    let own = "SELECT DISTINCT user_name FROM mesh.query_log ORDER BY user_name";
    let (_, stdout, _) = meshgate(&config, "analyst", own);
    assert_eq!(stdout, "user_name\r\nanalyst\r\n");
    let (_, stdout, _) = meshgate(&config, "emea", own);
    assert_eq!(stdout, "user_name\r\nemea\r\n");

    // The supply domain's owners see the reads of supply products, whoever made them.
    let owner = "SELECT user_name, array_to_string(products, ';') AS products FROM mesh.query_log \
                 WHERE user_name <> 'supply_owner'";
    let (_, stdout, _) = meshgate(&config, "supply_owner", owner);
    assert_eq!(stdout, "user_name,products\r\nanalyst,supply.supplier\r\n");
}

#[test]
fn unknown_users_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let (code, _, stderr) = meshgate(&config, "mallory", "SELECT 1");
    assert_eq!(code, 1);
    assert!(stderr.contains("no user 'mallory'"), "{stderr}");
}

fn lab_with_rules(rules: &str) -> tempfile::TempDir {
    let dir = crate::common::demo_copy();
    crate::common::lab_domain(dir.path());
    let contract = crate::common::lab_contract(
        "regions",
        "parquet",
        "data/region",
        "      - name: r_regionkey\n        logicalType: integer\n      - name: r_name\n        logicalType: string",
    );
    let contract = format!(
        "{contract}roles:\n  - role: lab_reader\n    access: read\ncustomProperties:\n{rules}"
    );
    write(&dir.path().join("lab/regions.odcs.yaml"), &contract);
    dir
}

#[tokio::test]
async fn check_reports_a_row_filter_that_does_not_plan() {
    let dir = lab_with_rules(
        "  - property: meshgateRowFilters\n    value:\n      - role: lab_reader\n        filter: \"r_nope = 1\"\n",
    );
    let (status, message) = crate::common::check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "error");
    assert!(message.contains("access rules do not compile"), "{message}");
    assert!(message.contains("r_nope"), "{message}");
    let (status, _) = crate::common::check_entry(dir.path(), "customers.region").await;
    assert_eq!(status, "ok");
}

#[tokio::test]
async fn malformed_rules_close_the_product_to_all_but_admins() {
    let dir = lab_with_rules(
        "  - property: meshgateRowFilters\n    value:\n      - role: lab_reader\n        filtr: \"true\"\n",
    );
    let (status, message) = crate::common::check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "error");
    assert!(
        message.contains("customProperties[meshgateRowFilters].value"),
        "{message}"
    );

    let engine = crate::common::engine(dir.path());
    let reader = std::sync::Arc::new(meshgate::policy::Principal::new("r", ["lab_reader"]));
    let session = engine.session(reader).unwrap();
    let error = meshgate::engine::plan_sql(&session, "SELECT * FROM lab.regions")
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate(), "42501");
    assert!(
        error.to_string().contains("access rules are malformed"),
        "{error}"
    );
    assert_eq!(
        crate::common::scalar(&engine, "SELECT count(*) FROM lab.regions").await,
        "5"
    );
}
