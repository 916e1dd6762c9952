//! Result types and column names over the wire as PostgreSQL gives them: integer constants
//! are int4, repeated column names are allowed and named as PostgreSQL names them, on the
//! simple and extended protocols, in cursors and in COPY headers.

use tokio_postgres::types::Type;

use crate::copy::copy_text;
use crate::server::{connect, server};

const CONSTANTS: &str = "SELECT 1, 3000000000, 1.5, 1, n_name, n_name, count(*) \
    FROM customers.nation WHERE n_nationkey = 1 GROUP BY n_name";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constants_are_typed_and_named_as_in_postgresql() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let names = [
        "?column?", "?column?", "?column?", "?column?", "n_name", "n_name", "count",
    ];
    let types = [
        Type::INT4,
        Type::INT8,
        Type::NUMERIC,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
    ];
    // extended protocol: Describe, then binary rows
    let statement = client.prepare(CONSTANTS).await.unwrap();
    let described: Vec<(&str, Type)> = statement
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_().clone()))
        .collect();
    let expected: Vec<(&str, Type)> = names.iter().copied().zip(types.clone()).collect();
    assert_eq!(described, expected);
    let row = client.query_one(&statement, &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
    assert_eq!(row.get::<_, i64>(1), 3_000_000_000);
    assert_eq!(row.get::<_, String>(4), row.get::<_, String>(5));
    // simple protocol
    let messages = client.simple_query(CONSTANTS).await.unwrap();
    let tokio_postgres::SimpleQueryMessage::RowDescription(columns) = &messages[0] else {
        panic!("no row description: {messages:?}");
    };
    let simple: Vec<&str> = columns.iter().map(|c| c.name()).collect();
    assert_eq!(simple, names);
    // a cursor and a COPY header
    client
        .batch_execute(&format!("BEGIN; DECLARE c CURSOR FOR {CONSTANTS}"))
        .await
        .unwrap();
    let fetched = client.prepare("FETCH 1 FROM c").await.unwrap();
    let fetched: Vec<&str> = fetched.columns().iter().map(|c| c.name()).collect();
    assert_eq!(fetched, names);
    client.batch_execute("COMMIT").await.unwrap();
    let copied = copy_text(
        &client,
        &format!("COPY ({CONSTANTS}) TO STDOUT WITH (FORMAT csv, HEADER true)"),
    )
    .await;
    assert_eq!(copied.lines().next(), Some(names.join(",").as_str()));
}
