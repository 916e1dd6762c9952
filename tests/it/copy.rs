//! `COPY ... TO STDOUT` through tokio-postgres (extended protocol): each format byte for
//! byte as PostgreSQL writes it, governance, refusals, cancel and timeout. psql drives the
//! simple protocol in tests/clients/psql_copy.sh.

use chrono::{NaiveDate, NaiveDateTime};
use futures::{StreamExt, pin_mut};
use rust_decimal::Decimal;
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::server::{ENDLESS, code, connect, drain, message, server, text_rows};

/// NULLs, quotes, delimiters, a tab and a backslash, numeric, date, timestamp, bool.
const KNOWN: &str = "SELECT * FROM (VALUES \
    (1, 'plain', CAST(1.50 AS DECIMAL(10,2)), DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.5', TRUE), \
    (2, 'a,b \"q\"' || chr(9) || 'tab\\back', NULL, NULL, NULL, FALSE), \
    (3, '', CAST(-0.01 AS DECIMAL(10,2)), DATE '1999-12-31', TIMESTAMP '1999-12-31 23:59:59', NULL)) \
    AS t(id, s, n, d, ts, b) ORDER BY id";

async fn copy(client: &Client, sql: &str) -> Result<Vec<u8>, tokio_postgres::Error> {
    let stream = client.copy_out(sql).await?;
    pin_mut!(stream);
    let mut data = Vec::new();
    while let Some(chunk) = stream.next().await {
        data.extend_from_slice(&chunk?);
    }
    Ok(data)
}

pub(crate) async fn copy_text(client: &Client, sql: &str) -> String {
    String::from_utf8(copy(client, sql).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_csv_are_byte_exact() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let text = copy_text(&client, &format!("COPY ({KNOWN}) TO STDOUT")).await;
    assert_eq!(
        text,
        "1\tplain\t1.50\t2024-02-29\t2024-01-02 03:04:05.5\tt\n\
         2\ta,b \"q\"\\ttab\\\\back\t\\N\t\\N\t\\N\tf\n\
         3\t\t-0.01\t1999-12-31\t1999-12-31 23:59:59\t\\N\n"
    );
    let piped = copy_text(
        &client,
        &format!("COPY ({KNOWN}) TO STDOUT DELIMITER '|' NULL ''"),
    )
    .await;
    assert_eq!(
        piped,
        "1|plain|1.50|2024-02-29|2024-01-02 03:04:05.5|t\n\
         2|a,b \"q\"\\ttab\\\\back||||f\n\
         3||-0.01|1999-12-31|1999-12-31 23:59:59|\n"
    );
    let csv = "id,s,n,d,ts,b\n\
        1,plain,1.50,2024-02-29,2024-01-02 03:04:05.5,t\n\
        2,\"a,b \"\"q\"\"\ttab\\back\",,,,f\n\
        3,\"\",-0.01,1999-12-31,1999-12-31 23:59:59,\n";
    let new_syntax = format!("COPY ({KNOWN}) TO STDOUT WITH (FORMAT csv, HEADER)");
    assert_eq!(copy_text(&client, &new_syntax).await, csv);
    let old_syntax = format!("COPY ({KNOWN}) TO STDOUT WITH CSV HEADER");
    assert_eq!(copy_text(&client, &old_syntax).await, csv);
    let options = format!(
        "COPY ({KNOWN}) TO STDOUT (FORMAT csv, DELIMITER ';', NULL 'NULL', QUOTE '''', FORCE_QUOTE (s))"
    );
    assert_eq!(
        copy_text(&client, &options).await,
        "1;'plain';1.50;2024-02-29;2024-01-02 03:04:05.5;t\n\
         2;'a,b \"q\"\ttab\\back';NULL;NULL;NULL;f\n\
         3;'';-0.01;1999-12-31;1999-12-31 23:59:59;NULL\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_is_byte_exact_and_decodes() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let sql = "COPY (SELECT CAST(1 AS INT) AS i, 'x' AS s, CAST(NULL AS TEXT) AS n, \
        DATE '2000-01-02' AS d, TIMESTAMP '2000-01-01 00:00:01' AS ts, TRUE AS b) \
        TO STDOUT (FORMAT binary)";
    let mut expected = b"PGCOPY\n\xff\r\n\0".to_vec();
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // flags, header extension
    expected.extend_from_slice(&[0, 6]); // fields in the tuple
    expected.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 1]);
    expected.extend_from_slice(&[0, 0, 0, 1, b'x']);
    expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    expected.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 1]);
    expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
    expected.extend_from_slice(&[0, 0, 0, 1, 1]);
    expected.extend_from_slice(&[0xff, 0xff]); // trailer
    assert_eq!(copy(&client, sql).await.unwrap(), expected);

    // the known rows through tokio-postgres' own binary COPY reader
    let stream = client
        .copy_out(&format!("COPY ({KNOWN}) TO STDOUT WITH (FORMAT binary)"))
        .await
        .unwrap();
    let types = [
        Type::INT4,
        Type::TEXT,
        Type::NUMERIC,
        Type::DATE,
        Type::TIMESTAMP,
        Type::BOOL,
    ];
    let rows = BinaryCopyOutStream::new(stream, &types);
    pin_mut!(rows);
    let mut seen = Vec::new();
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        seen.push((
            row.get::<i32>(0),
            row.get::<String>(1),
            row.get::<Option<Decimal>>(2).map(|d| d.to_string()),
            row.get::<Option<NaiveDate>>(3),
            row.get::<Option<NaiveDateTime>>(4),
            row.get::<Option<bool>>(5),
        ));
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].2.as_deref(), Some("1.50"));
    assert_eq!(seen[0].3, NaiveDate::from_ymd_opt(2024, 2, 29));
    let ts = NaiveDateTime::parse_from_str("2024-01-02 03:04:05.5", "%Y-%m-%d %H:%M:%S%.f");
    assert_eq!(seen[0].4, Some(ts.unwrap()));
    assert_eq!(seen[1].1, "a,b \"q\"\ttab\\back");
    assert_eq!(
        (seen[1].2.clone(), seen[1].3, seen[1].5),
        (None, None, Some(false))
    );
    assert_eq!((seen[2].1.as_str(), seen[2].5), ("", None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_is_governed_like_a_query() {
    let server = server().await;
    let analyst = connect(&server, "analyst").await;
    for sql in [
        "COPY supply.supplier TO STDOUT",
        "COPY (SELECT s_name FROM supply.supplier) TO STDOUT (FORMAT csv)",
        "COPY (SELECT * FROM customers.nation JOIN supply.supplier ON s_nationkey = n_nationkey) TO STDOUT (FORMAT binary)",
    ] {
        let error = copy(&analyst, sql).await.unwrap_err();
        assert_eq!(code(&error), SqlState::INSUFFICIENT_PRIVILEGE, "{sql}");
    }
    // the whole governed table: emea sees European customers only, phones masked
    let emea = connect(&server, "emea").await;
    let table = copy_text(
        &emea,
        "COPY customers.customer (c_custkey, c_phone) TO STDOUT",
    )
    .await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 272);
    assert!(lines.iter().all(|l| l.ends_with("\t\\N")), "{}", lines[0]);
    let plain = text_rows(&emea, "SELECT count(*) FROM customers.customer").await;
    assert_eq!(plain[0][0].as_deref(), Some("272"));
    // the statement is audited
    let admin = connect(&server, "admin").await;
    let log = text_rows(
        &admin,
        "SELECT user_name, outcome, rows FROM mesh.query_log WHERE sql LIKE 'COPY customers.customer%'",
    )
    .await;
    assert_eq!(
        log,
        [[Some("emea".into()), Some("ok".into()), Some("272".into())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_files_programs_and_bad_options_are_refused() {
    let server = server().await;
    let client = connect(&server, "admin").await;
    for sql in [
        "COPY customers.nation FROM STDIN",
        "COPY customers.nation TO '/tmp/nation.csv'",
        "COPY (SELECT 1) TO PROGRAM 'cat'",
    ] {
        let error = copy(&client, sql).await.unwrap_err();
        assert_eq!(code(&error), SqlState::INSUFFICIENT_PRIVILEGE, "{sql}");
    }
    let cases = [
        ("(FORMAT xml)", SqlState::INVALID_PARAMETER_VALUE),
        ("(FORMAT binary, HEADER)", SqlState::SYNTAX_ERROR),
        (
            "(FORMAT csv, FORCE_QUOTE (nope))",
            SqlState::INVALID_COLUMN_REFERENCE,
        ),
        ("(QUOTE '\"')", SqlState::FEATURE_NOT_SUPPORTED),
        ("(FORMAT csv, FORMAT text)", SqlState::SYNTAX_ERROR),
    ];
    for (options, expected) in cases {
        let sql = format!("COPY customers.region TO STDOUT {options}");
        let error = copy(&client, &sql).await.unwrap_err();
        assert_eq!(code(&error), expected, "{sql}: {}", message(&error));
    }
    assert_eq!(text_rows(&client, "SELECT 1").await, [[Some("1".into())]]);
}

/// Reads a COPY of the endless query until it fails; returns the chunks read and the error.
async fn drain_copy(client: &Client, cancel: bool) -> (usize, tokio_postgres::Error) {
    match client
        .copy_out(&format!("COPY ({ENDLESS}) TO STDOUT"))
        .await
    {
        Ok(stream) => drain(client, stream, cancel).await,
        Err(error) => (0, error),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_statement_timeout_stop_a_copy() {
    let server = server().await;
    let client = connect(&server, "admin").await;
    let (chunks, error) = drain_copy(&client, true).await;
    assert!(chunks > 0);
    assert_eq!(code(&error), SqlState::QUERY_CANCELED);
    assert!(message(&error).contains("user request"), "{error:?}");
    client
        .batch_execute("SET statement_timeout = '300ms'")
        .await
        .unwrap();
    let (_, error) = drain_copy(&client, false).await;
    assert_eq!(code(&error), SqlState::QUERY_CANCELED);
    assert!(message(&error).contains("statement timeout"), "{error:?}");
    client
        .batch_execute("RESET statement_timeout")
        .await
        .unwrap();
    assert_eq!(text_rows(&client, "SELECT 9").await, [[Some("9".into())]]);
}
