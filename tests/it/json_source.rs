//! Newline-delimited JSON products, from a folder or a single file.

use crate::common::{demo_copy, engine, query, scalar, write};

const EVENTS: &str = r#"{"event_id": 1, "o_orderkey": 1, "kind": "shipped", "at": "2024-01-02"}
{"event_id": 2, "o_orderkey": 1, "kind": "delivered", "at": "2024-01-05"}
{"event_id": 3, "o_orderkey": 2, "kind": "shipped", "at": "2024-01-03"}
"#;

fn contract(path: &str) -> String {
    format!(
        "apiVersion: v3.1.0
kind: DataContract
id: logistics-events
version: 1.0.0
status: active
domain: logistics
schema:
  - name: events
    properties:
      - name: event_id
        logicalType: integer
      - name: o_orderkey
        logicalType: integer
      - name: kind
        logicalType: string
servers:
  - type: local
    format: json
    delimiter: new_line
    path: {path}
"
    )
}

#[tokio::test]
async fn json_folder_and_file_products_join_the_demo() {
    for path in ["data/events/", "data/events/day-1.json"] {
        let dir = demo_copy();
        let domain = dir.path().join("logistics");
        write(
            &domain.join("domain.yaml"),
            "name: logistics\nteam: t\ncontact: c\n",
        );
        write(&domain.join("data/events/day-1.json"), EVENTS);
        write(&domain.join("events.odcs.yaml"), &contract(path));
        let engine = engine(dir.path());
        let sql = "SELECT count(*) FROM logistics.events e JOIN sales.orders o \
                   ON e.o_orderkey = o.o_orderkey WHERE e.kind = 'shipped'";
        assert_eq!(scalar(&engine, sql).await, "2", "path {path}");
        let hidden = query(&engine, "SELECT at FROM logistics.events")
            .await
            .unwrap_err();
        assert_eq!(hidden.sqlstate(), "42703", "{hidden}");
    }
}
