//! The contract's schema is the table's schema; storage that disagrees is reported clearly,
//! and the rest of the mesh keeps serving.

use datafusion::arrow::util::pretty::pretty_format_batches;

use crate::common::{
    check_entry, demo_copy, engine, lab_contract, lab_domain, query, scalar, write,
};

fn setup(contracts: &[(&str, String)]) -> tempfile::TempDir {
    let dir = demo_copy();
    lab_domain(dir.path());
    for (file, text) in contracts {
        write(&dir.path().join("lab").join(file), text);
    }
    dir
}

#[tokio::test]
async fn missing_files_fail_check_and_the_query_but_not_the_mesh() {
    let properties = "      - name: r_regionkey\n        logicalType: integer";
    let dir = setup(&[(
        "gone.odcs.yaml",
        lab_contract("gone", "parquet", "data/nowhere/", properties),
    )]);
    let (status, message) = check_entry(dir.path(), "lab.gone").await;
    assert_eq!(status, "error");
    assert!(
        message.contains("lab.gone: cannot open parquet data at"),
        "{message}"
    );
    assert!(message.contains("data/nowhere"), "{message}");
    assert!(message.contains("check servers[0] in"), "{message}");

    let engine = engine(dir.path());
    let error = query(&engine, "SELECT * FROM lab.gone").await.unwrap_err();
    assert!(
        error.to_string().contains("cannot open parquet data"),
        "{error}"
    );
    assert_eq!(error.sqlstate(), "58030");
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM customers.nation").await,
        "25"
    );
}

#[tokio::test]
async fn declared_column_absent_from_storage_fails_check() {
    let properties = "      - name: r_regionkey\n        logicalType: integer\n      - name: r_population\n        logicalType: integer";
    let dir = setup(&[(
        "regions.odcs.yaml",
        lab_contract("regions", "parquet", "data/region", properties),
    )]);
    let (status, message) = check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "error");
    assert!(
        message.contains("column 'r_population' is declared but storage has no such column (storage has: r_regionkey, r_name, r_comment)"),
        "{message}"
    );
    let engine = engine(dir.path());
    let error = query(&engine, "SELECT r_regionkey FROM lab.regions")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("r_population"), "{error}");
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM customers.region").await,
        "5"
    );
}

#[tokio::test]
async fn incompatible_type_fails_check() {
    let properties = "      - name: r_name\n        logicalType: date";
    let dir = setup(&[(
        "regions.odcs.yaml",
        lab_contract("regions", "parquet", "data/region", properties),
    )]);
    let (status, message) = check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "error");
    assert!(
        message.contains("column 'r_name' is declared logicalType: date but storage holds Utf8"),
        "{message}"
    );
}

#[tokio::test]
async fn undeclared_storage_columns_are_hidden() {
    let properties = "      - name: r_name\n        logicalType: string";
    let dir = setup(&[(
        "regions.odcs.yaml",
        lab_contract("regions", "parquet", "data/region", properties),
    )]);
    let (status, message) = check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "warning");
    assert!(
        message.contains("not exposed: r_regionkey, r_comment"),
        "{message}"
    );

    let engine = engine(dir.path());
    let batches = query(&engine, "SELECT * FROM lab.regions ORDER BY r_name")
        .await
        .unwrap();
    assert_eq!(batches[0].schema().fields().len(), 1);
    let text = pretty_format_batches(&batches).unwrap().to_string();
    assert!(text.contains("EUROPE"), "{text}");
    let error = query(&engine, "SELECT r_comment FROM lab.regions")
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate(), "42703", "{error}");
    let filtered = "SELECT count(*) FROM lab.regions WHERE r_name LIKE 'A%'";
    assert_eq!(scalar(&engine, filtered).await, "3");
}

#[tokio::test]
async fn a_contract_without_columns_exposes_storage_with_a_warning() {
    let dir = setup(&[(
        "regions.odcs.yaml",
        lab_contract("regions", "parquet", "data/region", "      []")
            .replace("    properties:\n      []\n", ""),
    )]);
    let (status, message) = check_entry(dir.path(), "lab.regions").await;
    assert_eq!(status, "warning", "{message}");
    assert!(message.contains("declares no columns"), "{message}");
    let engine = engine(dir.path());
    assert_eq!(
        scalar(&engine, "SELECT count(r_comment) FROM lab.regions").await,
        "5"
    );
}

#[tokio::test]
async fn unknown_names_map_to_their_sqlstates() {
    let engine = engine(&crate::common::demo_catalog());
    let table = query(&engine, "SELECT * FROM sales.nope")
        .await
        .unwrap_err();
    assert_eq!(table.sqlstate(), "42P01", "{table}");
    let schema = query(&engine, "SELECT * FROM nowhere.orders")
        .await
        .unwrap_err();
    assert_eq!(schema.sqlstate(), "42P01", "{schema}");
    let column = query(&engine, "SELECT o_nope FROM sales.orders")
        .await
        .unwrap_err();
    assert_eq!(column.sqlstate(), "42703", "{column}");
    let syntax = query(&engine, "SELEC 1").await.unwrap_err();
    assert_eq!(syntax.sqlstate(), "42601", "{syntax}");
}

#[tokio::test]
async fn range_filters_prune_row_groups_in_parquet_and_delta() {
    let engine = engine(&crate::common::demo_catalog());
    for (table, key) in [
        ("supply.partsupp", "ps_partkey"),
        ("sales.lineitem", "l_orderkey"),
    ] {
        let sql = format!("EXPLAIN ANALYZE SELECT count(*) FROM {table} WHERE {key} < 100");
        let batches = query(&engine, &sql).await.unwrap();
        let plan = pretty_format_batches(&batches).unwrap().to_string();
        let pruned = plan
            .split("row_groups_pruned_statistics=")
            .nth(1)
            .unwrap_or_else(|| panic!("no pruning metrics for {table}:\n{plan}"));
        assert!(
            !pruned.starts_with("0 ") && !pruned.starts_with("0,"),
            "no row group pruned for {table}:\n{plan}"
        );
        assert!(
            plan.contains("predicate="),
            "filter not pushed into the {table} scan:\n{plan}"
        );
    }
}
