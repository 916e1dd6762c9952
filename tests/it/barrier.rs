//! The security barrier through side channels: EXPLAIN ANALYZE metrics, plan statistics and
//! the extended protocol's parameters, in process and over the wire; and a product mask that
//! tries to lift the mesh-wide mask.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::catalog::MemTable;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;

use crate::common::{check_entry, demo_catalog, demo_copy, engine};
use crate::server::{connect, server, text_rows};

/// A principal as the demo's meshgate.toml defines it.
fn demo_user(name: &str) -> Principal {
    match name {
        "admin" => Principal::new("admin", ["meshgate_admin"]),
        "analyst" => Principal::new(
            "analyst",
            ["sales_analyst", "supply_analyst", "customer_analyst"],
        ),
        _ => {
            let mut emea = Principal::new("emea", ["customer_analyst"]);
            emea.attributes.insert("region".into(), "EUROPE".into());
            emea
        }
    }
}

/// Runs `sql` as `user` and returns its rows as text cells.
async fn rows_as(engine: &Engine, user: &str, sql: &str) -> Vec<Vec<String>> {
    let session = engine.session(Arc::new(demo_user(user))).unwrap();
    let batches = plan_sql(&session, sql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut rows = Vec::new();
    for batch in &batches {
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| array_value_to_string(c, row).unwrap())
                    .collect(),
            );
        }
    }
    rows
}

/// Runs `statements` in one session of `user`, returning the last one's result as text.
async fn run_as(engine: &Engine, user: &str, statements: &[&str]) -> meshgate::Result<String> {
    let session = engine.session(Arc::new(demo_user(user)))?;
    let mut text = String::new();
    for sql in statements {
        let batches = plan_sql(&session, sql).await?.collect().await?;
        text = pretty_format_batches(&batches)?.to_string();
    }
    Ok(text)
}

/// Metrics only the storage scan reports: counted over every row it reads.
const SCAN_METRICS: [&str; 3] = ["bytes_scanned", "row_groups_pruned", "pushdown_rows"];

#[tokio::test]
async fn explain_analyze_shows_no_metric_beneath_the_barrier() {
    let engine = engine(&demo_catalog());
    let sql = "EXPLAIN ANALYZE SELECT count(*) FROM customers.customer WHERE c_acctbal > 9000";
    // control: an admin's EXPLAIN ANALYZE shows the storage scan's metrics
    let admin = run_as(&engine, "admin", &[sql]).await.unwrap();
    assert!(
        SCAN_METRICS.iter().any(|m| admin.contains(m)),
        "the control shows scan metrics: {admin}"
    );
    for user in ["emea", "analyst"] {
        let plan = run_as(&engine, user, &[sql]).await.unwrap();
        assert!(plan.contains("SecurityBarrierExec"), "{user}: {plan}");
        for metric in SCAN_METRICS {
            assert!(!plan.contains(metric), "{user} sees {metric}: {plan}");
        }
    }
    // emea's barrier reports only rows emea may see
    let plan = run_as(&engine, "emea", &[sql]).await.unwrap();
    assert!(!plan.contains("output_rows=1500"), "{plan}");
}

#[tokio::test]
async fn statistics_reveal_nothing_hidden_or_masked() {
    let engine = engine(&demo_catalog());
    let statements = [
        "SET datafusion.explain.show_statistics = true",
        "SET datafusion.explain.physical_plan_only = true",
        "EXPLAIN SELECT * FROM customers.customer",
    ];
    // control: the admin's plan prints the storage's row count and the raw minimum phone
    let admin = run_as(&engine, "admin", &statements).await.unwrap();
    assert!(admin.contains("1500"), "{admin}");
    assert!(admin.contains("10-109-430-5638"), "{admin}");
    let emea = run_as(&engine, "emea", &statements).await.unwrap();
    assert!(
        !emea.contains("1500"),
        "emea sees the row count of all customers: {emea}"
    );
    assert!(!emea.contains("10-109-430-5638"), "{emea}");
    let analyst = run_as(&engine, "analyst", &statements).await.unwrap();
    assert!(
        !analyst.contains("10-109-430-5638"),
        "analyst sees a raw masked value: {analyst}"
    );
}

#[tokio::test]
async fn statistics_never_answer_aggregates_over_hidden_rows() {
    let engine = engine(&demo_catalog());
    let sql = "SELECT min(c_custkey), count(*), max(c_phone) FROM customers.customer";
    assert_eq!(rows_as(&engine, "emea", sql).await, [["11", "272", ""]]);
    assert_eq!(rows_as(&engine, "analyst", sql).await, [["1", "1500", ""]]);
    let admin = rows_as(&engine, "admin", sql).await;
    assert_eq!(admin[0][..2], ["1", "1500"]);
    assert!(admin[0][2].contains('-'), "{admin:?}");
}

#[tokio::test]
async fn error_oracles_over_the_extended_protocol() {
    let server = server().await;
    let sql = "SELECT count(*) FROM customers.customer WHERE 1 / (c_custkey - $1) > 0";
    // control: analyst sees customer 42, so the oracle fires
    let analyst = connect(&server, "analyst").await;
    let error = analyst.query(sql, &[&42i64]).await.unwrap_err();
    assert!(
        crate::server::message(&error).contains("division by zero"),
        "{error}"
    );
    let emea = connect(&server, "emea").await;
    let rows = emea.query(sql, &[&42i64]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 1);
    // prepared once, executed for several hidden keys
    let statement = emea.prepare(sql).await.unwrap();
    for hidden in [1i64, 2, 3, 42] {
        emea.query(&statement, &[&hidden]).await.unwrap();
    }
    // and the simple protocol
    let rows = text_rows(
        &emea,
        "SELECT count(*) FROM customers.customer WHERE CAST(CASE WHEN c_custkey = 42 THEN 'x' ELSE '1' END AS INT) = 1",
    )
    .await;
    assert_eq!(rows, [[Some("272".to_string())]]);
}

#[tokio::test]
async fn a_product_mask_cannot_lift_the_mesh_mask() {
    let dir = demo_copy();
    let manifest = dir.path().join("customers/customer.odcs.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    // the owner tries to unmask c_phone, to copy it into c_comment, and to narrow the mesh
    // rule's exemption
    let lifted = text.replace(
        "customProperties:\n",
        "customProperties:\n  - property: meshgateMasks\n    value:\n      - column: c_phone\n        mask: c_phone\n        unlessRoles: [customer_analyst]\n      - column: c_address\n        mask: c_address\n      - column: c_comment\n        mask: \"c_phone || c_address\"\n",
    );
    assert_ne!(lifted, text, "the manifest has customProperties");
    std::fs::write(&manifest, lifted).unwrap();
    let engine = engine(dir.path());
    let sql = "SELECT count(c_phone), count(c_address), count(c_comment), count(*) FROM customers.customer";
    assert_eq!(
        rows_as(&engine, "analyst", sql).await,
        [["0", "0", "0", "1500"]]
    );
    let leaked =
        "SELECT count(*) FROM customers.customer WHERE c_phone LIKE '%-%' OR c_comment LIKE '%-%'";
    assert_eq!(rows_as(&engine, "analyst", leaked).await, [["0"]]);
    // admins still read everything
    assert_eq!(
        rows_as(&engine, "admin", sql).await,
        [["1500", "1500", "1500", "1500"]]
    );
}

/// A copy of the demo catalog whose customer row filter starts with `prefix`.
fn demo_with_filter_prefix(prefix: &str) -> tempfile::TempDir {
    let dir = demo_copy();
    let manifest = dir.path().join("customers/customer.odcs.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let changed = text.replace(
        "mesh_user_attr('region') IS NULL\n",
        &format!("{prefix} mesh_user_attr('region') IS NULL\n"),
    );
    assert_ne!(changed, text, "the manifest has the demo row filter");
    std::fs::write(&manifest, changed).unwrap();
    dir
}

#[tokio::test]
async fn check_reports_rules_the_barrier_cannot_evaluate_once() {
    let dir = demo_with_filter_prefix(
        "EXISTS (SELECT 1 FROM customers.nation n WHERE n.n_nationkey = c_nationkey) AND",
    );
    let (status, messages) = check_entry(dir.path(), "customers.customer").await;
    assert_eq!(status, "error", "{messages}");
    assert!(
        messages.contains("may not refer to the product's own columns"),
        "{messages}"
    );
    // and the product is closed to its filtered readers rather than served unfiltered
    let engine = engine(dir.path());
    let session = engine.session(Arc::new(demo_user("emea"))).unwrap();
    let error = plan_sql(&session, "SELECT count(*) FROM customers.customer")
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate(), "42501", "{error}");
    assert!(error.to_string().contains("do not compile"), "{error}");
}

#[tokio::test]
async fn check_names_every_rule_that_cannot_compile() {
    for (prefix, expected) in [
        (
            "c_custkey = (SELECT n_nationkey FROM customers.nation) AND",
            "returned more than one row",
        ),
        (
            "c_nationkey = ANY (SELECT n_nationkey FROM customers.nation) AND",
            "ANY/ALL subqueries are not supported",
        ),
    ] {
        let dir = demo_with_filter_prefix(prefix);
        let (status, messages) = check_entry(dir.path(), "customers.customer").await;
        assert_eq!(status, "error", "{prefix}: {messages}");
        assert!(messages.contains(expected), "{prefix}: {messages}");
    }
    // masks: a column the table lacks, a value that cannot become the column's type
    let dir = demo_copy();
    let manifest = dir.path().join("customers/customer.odcs.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for (mask, expected) in [
        (
            "      - column: nope\n        mask: \"'x'\"\n",
            "a mask names column nope",
        ),
        (
            "      - column: c_acctbal\n        mask: make_array(1)\n",
            "cannot become the column's type",
        ),
    ] {
        let changed = text.replace(
            "customProperties:\n",
            &format!("customProperties:\n  - property: meshgateMasks\n    value:\n{mask}"),
        );
        std::fs::write(&manifest, changed).unwrap();
        let (status, messages) = check_entry(dir.path(), "customers.customer").await;
        assert_eq!(status, "error", "{mask}: {messages}");
        assert!(messages.contains(expected), "{mask}: {messages}");
    }
}

#[tokio::test]
async fn scans_of_unknown_tables_fail_closed() {
    let engine = engine(&demo_catalog());
    let session = engine.session(Arc::new(demo_user("admin"))).unwrap();
    // a table that reached the session without being a product or system metadata, as a
    // cache or a federation layer might register one
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![Arc::new(Int64Array::from(vec![1, 2]))],
    )
    .unwrap();
    let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
    session.register_table("stray", Arc::new(table)).unwrap();
    let error = match plan_sql(&session, "SELECT x FROM stray").await {
        Ok(frame) => meshgate::Error::from(frame.collect().await.unwrap_err()),
        Err(error) => error,
    };
    assert_eq!(error.sqlstate(), "42501", "{error}");
    assert!(error.to_string().contains("stray"), "{error}");
    // system metadata and DataFusion's own table functions are known
    for sql in [
        "SELECT count(*) FROM mesh.products",
        "SELECT count(*) FROM information_schema.tables",
        "SELECT count(*) FROM generate_series(1, 3)",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT count(*) FROM r",
    ] {
        plan_sql(&session, sql)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_filter_subquery_with_too_many_values_is_refused() {
    let dir =
        demo_with_filter_prefix("c_custkey IN (SELECT value FROM generate_series(1, 200000)) AND");
    let (status, messages) = check_entry(dir.path(), "customers.customer").await;
    assert_eq!(status, "error", "{messages}");
    assert!(
        messages.contains("more than 100000 distinct values"),
        "{messages}"
    );
}
