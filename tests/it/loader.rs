//! Malformed manifests: each gives a message naming the file, the field and what to write,
//! and every other product still loads and serves.

use meshgate::catalog::{Severity, load_catalog};

use crate::common::{demo_copy, engine, lab_contract, lab_domain, query, scalar, write};

/// A contract in domain `lab` over the demo `region` data.
fn region_contract(name: &str, format: &str, properties: &str) -> String {
    lab_contract(name, format, "data/region", properties)
}

const REGION_PROPERTIES: &str = "      - name: r_regionkey
        logicalType: integer
      - name: r_name
        logicalType: string";

fn messages_for<'a>(catalog: &'a meshgate::catalog::Catalog, file: &str) -> Vec<&'a str> {
    catalog
        .diagnostics
        .iter()
        .filter(|d| d.file.ends_with(file))
        .map(|d| d.message.as_str())
        .collect()
}

#[tokio::test]
async fn a_good_lab_contract_serves_next_to_the_demo() {
    let dir = demo_copy();
    lab_domain(dir.path());
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "parquet", REGION_PROPERTIES),
    );
    let engine = engine(dir.path());
    assert!(!engine.registry().catalog().has_errors());
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM lab.regions").await,
        "5"
    );
}

#[tokio::test]
async fn misspelled_key_is_a_warning_naming_the_key() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let properties = REGION_PROPERTIES.replace("logicalType: string", "logicalTyp: string");
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "parquet", &properties),
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("unknown key 'schema.0.properties.1.logicalTyp'"),
        "{}",
        messages[0]
    );
    assert!(!catalog.has_errors());
}

#[tokio::test]
async fn misspelled_format_is_an_error_and_the_rest_still_serves() {
    let dir = demo_copy();
    lab_domain(dir.path());
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "parqet", REGION_PROPERTIES),
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert_eq!(
        messages,
        [
            "product skipped: servers[0].format: 'parqet' is not supported; use parquet, csv, json or delta"
        ]
    );
    let engine = engine(dir.path());
    assert_eq!(
        scalar(&engine, "SELECT count(*) FROM customers.region").await,
        "5"
    );
    let error = query(&engine, "SELECT * FROM lab.regions")
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate(), "42P01");
}

#[tokio::test]
async fn bad_logical_type_names_the_field_and_the_choices() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let properties = REGION_PROPERTIES.replace("logicalType: string", "logicalType: text");
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "parquet", &properties),
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert!(
        messages[0].contains(
            "schema[0].properties[1].logicalType: 'text' is not an ODCS logical type; use one of string, date"
        ),
        "{messages:?}"
    );
}

#[tokio::test]
async fn missing_required_field_says_what_to_add() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let text =
        region_contract("regions", "parquet", REGION_PROPERTIES).replace("id: lab-regions\n", "");
    write(&dir.path().join("lab/regions.odcs.yaml"), &text);
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert!(
        messages[0].starts_with("product skipped: -: missing field `id`"),
        "{messages:?}"
    );
    assert!(messages[0].contains("add `id: ...`"), "{messages:?}");
}

#[tokio::test]
async fn wrong_value_type_names_the_nested_field() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let properties = format!("{REGION_PROPERTIES}\n        required: sometimes");
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        &region_contract("regions", "parquet", &properties),
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert!(
        messages[0].contains("schema[0].properties[1].required: invalid type"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn yaml_syntax_error_gives_the_line() {
    let dir = demo_copy();
    lab_domain(dir.path());
    write(
        &dir.path().join("lab/regions.odcs.yaml"),
        "apiVersion: v3.1.0\nkind: [DataContract\n",
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert!(messages[0].contains("line"), "{messages:?}");
}

#[tokio::test]
async fn contract_in_the_wrong_folder_is_refused() {
    let dir = demo_copy();
    lab_domain(dir.path());
    let text = region_contract("regions", "parquet", REGION_PROPERTIES)
        .replace("domain: lab", "domain: sales");
    write(&dir.path().join("lab/regions.odcs.yaml"), &text);
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/regions.odcs.yaml");
    assert_eq!(
        messages,
        [
            "product skipped: domain: 'sales' does not match the folder the contract is in; write domain: lab"
        ]
    );
}

#[tokio::test]
async fn reserved_domain_names_are_refused() {
    let dir = demo_copy();
    for reserved in ["mesh", "public", "pg_catalog", "information_schema"] {
        write(
            &dir.path().join(reserved).join("domain.yaml"),
            &format!("name: {reserved}\nteam: t\ncontact: c\n"),
        );
    }
    let catalog = load_catalog(dir.path()).unwrap();
    let errors: Vec<_> = catalog
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|m| m.contains("is reserved for system schemas")),
        "{errors:?}"
    );
    let names: Vec<_> = catalog.domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["customers", "sales", "supply"]);
}

#[tokio::test]
async fn two_products_may_not_publish_the_same_table() {
    let dir = demo_copy();
    lab_domain(dir.path());
    write(
        &dir.path().join("lab/a.odcs.yaml"),
        &region_contract("regions", "parquet", REGION_PROPERTIES),
    );
    write(
        &dir.path().join("lab/b.odcs.yaml"),
        &region_contract("regions", "parquet", REGION_PROPERTIES),
    );
    let catalog = load_catalog(dir.path()).unwrap();
    let messages = messages_for(&catalog, "lab/b.odcs.yaml");
    assert!(
        messages[0].contains("lab.regions is already published"),
        "{messages:?}"
    );
    assert_eq!(
        catalog
            .products
            .iter()
            .filter(|p| p.domain == "lab")
            .count(),
        1
    );
}

#[tokio::test]
async fn missing_catalog_folder_says_how_to_point_at_one() {
    let error = load_catalog(std::path::Path::new("/nonexistent/catalog")).unwrap_err();
    assert!(error.to_string().contains("pass --catalog DIR"), "{error}");
}
