//! End-to-end tests of `meshgate serve`: the real server on 127.0.0.1:0 over the committed
//! demo catalog, driven by tokio-postgres.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::{NaiveDate, NaiveDateTime};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use futures::{StreamExt, pin_mut};
use meshgate::config::{Config, UserConfig};
use meshgate::server::auth::ScramVerifier;
use meshgate::server::{ServeOptions, Server};
use rust_decimal::Decimal;
use tokio::sync::oneshot;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::common;

/// A server running in the test's runtime; stops when dropped.
pub(crate) struct TestServer {
    port: u16,
    _stop: oneshot::Sender<()>,
}

/// Verifiers are slow to derive in debug builds; make them once.
fn config() -> Config {
    static USERS: OnceLock<BTreeMap<String, UserConfig>> = OnceLock::new();
    let users = USERS.get_or_init(|| {
        let user = |password: &str, roles: &[&str], attributes: &[(&str, &str)]| UserConfig {
            scram: Some(ScramVerifier::generate(password, 4096).unwrap().to_string()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        BTreeMap::from([
            ("admin".into(), user("admin", &["meshgate_admin"], &[])),
            (
                "analyst".into(),
                user(
                    "analyst",
                    &["sales_analyst", "supply_analyst", "customer_analyst"],
                    &[],
                ),
            ),
            (
                "emea".into(),
                user("emea", &["customer_analyst"], &[("region", "EUROPE")]),
            ),
        ])
    });
    Config {
        users: users.clone(),
        ..Config::default()
    }
}

pub(crate) async fn start(options: ServeOptions) -> TestServer {
    let engine = common::engine(&common::demo_catalog());
    let options = ServeOptions {
        listen: "127.0.0.1:0".into(),
        ..options
    };
    let server = Server::bind(engine, &config(), options).await.unwrap();
    let port = server.local_addr().unwrap().port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    TestServer { port, _stop: stop }
}

impl TestServer {
    /// The port the server listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

pub(crate) async fn server() -> TestServer {
    start(ServeOptions::default()).await
}

/// Connection settings for `user` on the test server.
pub(crate) fn client_config(
    server: &TestServer,
    user: &str,
    password: &str,
    database: &str,
) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(server.port)
        .user(user)
        .password(password)
        .dbname(database);
    config
}

/// Connects with `config`, driving the connection in the background.
pub(crate) async fn connect_with(
    config: &tokio_postgres::Config,
) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn connect_as(
    server: &TestServer,
    user: &str,
    password: &str,
    database: &str,
) -> Result<Client, tokio_postgres::Error> {
    connect_with(&client_config(server, user, password, database)).await
}

pub(crate) async fn connect(server: &TestServer, user: &str) -> Client {
    connect_as(server, user, user, "mesh").await.unwrap()
}

pub(crate) fn code(error: &tokio_postgres::Error) -> SqlState {
    error
        .code()
        .cloned()
        .unwrap_or_else(|| panic!("no SQLSTATE: {error:?}"))
}

/// The server's message for an error.
pub(crate) fn message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => error.to_string(),
    }
}

/// The text values of a simple query's rows.
pub(crate) async fn text_rows(client: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let messages = client.simple_query(sql).await.unwrap();
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_login_and_simple_query() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    assert_eq!(
        text_rows(&client, "SELECT 1 + 1 AS two").await,
        [[Some("2".to_string())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_fail_alike_with_28p01() {
    let server = server().await;
    let wrong = connect_as(&server, "analyst", "nope", "mesh")
        .await
        .unwrap_err();
    let unknown = connect_as(&server, "nobody", "nope", "mesh")
        .await
        .unwrap_err();
    assert_eq!(code(&wrong), SqlState::INVALID_PASSWORD);
    assert_eq!(code(&unknown), SqlState::INVALID_PASSWORD);
    let message = |e: &tokio_postgres::Error, user: &str| {
        let db = e.as_db_error().unwrap();
        assert_eq!(db.severity(), "FATAL");
        db.message().replace(user, "USER")
    };
    assert_eq!(message(&wrong, "analyst"), message(&unknown, "nobody"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_databases_are_3d000() {
    let server = server().await;
    let error = connect_as(&server, "analyst", "analyst", "postgres")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::INVALID_CATALOG_NAME);
    assert!(message(&error).contains("mesh"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_infer_parameter_types() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let statement = client
        .prepare("SELECT c_custkey, c_mktsegment FROM customers.customer WHERE c_custkey < $1 AND c_mktsegment = $2 ORDER BY c_custkey")
        .await
        .unwrap();
    assert_eq!(
        statement.params(),
        [
            tokio_postgres::types::Type::INT8,
            tokio_postgres::types::Type::TEXT
        ]
    );
    let rows = client
        .query(&statement, &[&20i64, &"BUILDING"])
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row.get::<_, i64>(0) < 20);
        assert_eq!(row.get::<_, String>(1), "BUILDING");
    }
    // the same statement again, with other values
    let rows = client
        .query(&statement, &[&3i64, &"BUILDING"])
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.get::<_, i64>(0) < 3));
}

const TYPES_SQL: &str = "SELECT CAST(7 AS SMALLINT) AS i2, CAST(1 AS INT) AS i4, \
    CAST(2 AS BIGINT) AS i8, CAST(2.5 AS REAL) AS f4, CAST(1.5 AS DOUBLE) AS f8, \
    CAST(-12.34 AS DECIMAL(15,2)) AS n, CAST('123456789012.000001' AS DECIMAL(38,6)) AS wide, \
    'x' AS t, arrow_cast('v', 'Utf8View') AS tv, DATE '2024-02-29' AS d, TRUE AS b, \
    TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, make_array('a', 'b c') AS l, \
    CAST(NULL AS INT) AS nul";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_in_text() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let rows = text_rows(&client, TYPES_SQL).await;
    let expected = [
        "7",
        "1",
        "2",
        "2.5",
        "1.5",
        "-12.34",
        "123456789012.000001",
        "x",
        "v",
        "2024-02-29",
        "t",
        "2024-01-02 03:04:05.123456",
        "{a,\"b c\"}",
    ];
    let mut expected: Vec<Option<String>> = expected.iter().map(|s| Some(s.to_string())).collect();
    expected.push(None);
    assert_eq!(rows, [expected]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_in_binary() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let row = client.query_one(TYPES_SQL, &[]).await.unwrap();
    assert_eq!(row.get::<_, i16>("i2"), 7);
    assert_eq!(row.get::<_, i32>("i4"), 1);
    assert_eq!(row.get::<_, i64>("i8"), 2);
    assert_eq!(row.get::<_, f32>("f4"), 2.5);
    assert_eq!(row.get::<_, f64>("f8"), 1.5);
    assert_eq!(row.get::<_, Decimal>("n").to_string(), "-12.34");
    assert_eq!(
        row.get::<_, Decimal>("wide").to_string(),
        "123456789012.000001"
    );
    assert_eq!(row.get::<_, String>("t"), "x");
    assert_eq!(row.get::<_, String>("tv"), "v");
    assert_eq!(
        row.get::<_, NaiveDate>("d"),
        NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
    );
    assert!(row.get::<_, bool>("b"));
    let ts = NaiveDateTime::parse_from_str("2024-01-02 03:04:05.123456", "%Y-%m-%d %H:%M:%S%.f");
    assert_eq!(row.get::<_, NaiveDateTime>("ts"), ts.unwrap());
    assert_eq!(row.get::<_, Vec<String>>("l"), ["a", "b c"]);
    assert_eq!(row.get::<_, Option<i32>>("nul"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mesh_types_round_trip_in_both_formats() {
    let server = server().await;
    let client = connect(&server, "admin").await;
    // Delta decimals and dates, Parquet strings, the system view's List<Utf8>
    let sql = "SELECT o_totalprice, o_orderdate FROM sales.orders ORDER BY o_orderkey LIMIT 3";
    let text = text_rows(&client, sql).await;
    let binary = client.query(sql, &[]).await.unwrap();
    assert_eq!(text.len(), 3);
    for (text, row) in text.iter().zip(&binary) {
        let price: Decimal = row.get(0);
        let date: NaiveDate = row.get(1);
        assert_eq!(text[0].as_deref(), Some(price.to_string().as_str()));
        assert_eq!(text[1].as_deref(), Some(date.to_string().as_str()));
    }
    let sql = "SELECT tags FROM mesh.columns WHERE array_has(tags, 'pii') ORDER BY table_name, column_name LIMIT 1";
    let text = text_rows(&client, sql).await;
    let binary: Vec<Option<String>> = client.query_one(sql, &[]).await.unwrap().get(0);
    let joined = format!(
        "{{{}}}",
        binary
            .iter()
            .map(|t| t.clone().unwrap())
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(binary.contains(&Some("pii".to_string())));
    assert_eq!(text[0][0].as_deref(), Some(joined.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_domain_join_equals_the_engine() {
    let sql = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/tpch/queries/q05.sql"),
    )
    .unwrap();
    let engine = common::engine(&common::demo_catalog());
    let batches = common::query(&engine, &sql).await.unwrap();
    let mut expected = Vec::new();
    for batch in &batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default()).unwrap())
            .collect();
        for i in 0..batch.num_rows() {
            expected.push(
                formatters
                    .iter()
                    .map(|f| Some(f.value(i).to_string()))
                    .collect::<Vec<_>>(),
            );
        }
    }
    assert!(!expected.is_empty());
    let server = server().await;
    let client = connect(&server, "admin").await;
    assert_eq!(text_rows(&client, &sql).await, expected);
}

pub(crate) const ENDLESS: &str =
    "SELECT a.l_orderkey, b.l_orderkey FROM sales.lineitem a CROSS JOIN sales.lineitem b";

/// Reads rows of a running query until it fails; returns the error.
async fn drain_until_error(client: &Client) -> (usize, tokio_postgres::Error) {
    let rows = client
        .query_raw(ENDLESS, std::iter::empty::<i32>())
        .await
        .unwrap();
    drain(client, rows, true).await
}

/// Reads items of an endless `stream` until it fails, after sending a cancel request when
/// the first arrives if `cancel`; returns how many items came and the error.
pub(crate) async fn drain<T>(
    client: &Client,
    stream: impl futures::Stream<Item = Result<T, tokio_postgres::Error>>,
    cancel: bool,
) -> (usize, tokio_postgres::Error) {
    pin_mut!(stream);
    let mut count = 0;
    loop {
        match stream.next().await {
            Some(Ok(_)) => {
                count += 1;
                if count == 1 && cancel {
                    let token = client.cancel_token();
                    tokio::spawn(async move { token.cancel_query(NoTls).await.unwrap() });
                }
            }
            Some(Err(e)) => return (count, e),
            None => panic!("the endless query ended by itself after {count} items"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_streaming_query_and_the_connection_goes_on() {
    let server = server().await;
    let client = connect(&server, "admin").await;
    let (rows, error) = drain_until_error(&client).await;
    assert!(rows > 0, "rows streamed before the cancel");
    assert_eq!(code(&error), SqlState::QUERY_CANCELED);
    assert!(message(&error).contains("user request"), "{error:?}");
    assert_eq!(text_rows(&client, "SELECT 1").await, [[Some("1".into())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_simple_protocol_query() {
    let server = server().await;
    let client = Arc::new(connect(&server, "admin").await);
    let token = client.cancel_token();
    let running = {
        let client = Arc::clone(&client);
        tokio::spawn(async move { client.simple_query(ENDLESS).await })
    };
    // the cancel may arrive before the query started: then it is forgotten, so repeat
    let error = loop {
        token.cancel_query(NoTls).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if running.is_finished() {
            break running.await.unwrap().unwrap_err();
        }
    };
    assert_eq!(code(&error), SqlState::QUERY_CANCELED);
    assert_eq!(text_rows(&client, "SELECT 2").await, [[Some("2".into())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_stops_a_streaming_query() {
    let server = server().await;
    let client = connect(&server, "admin").await;
    client
        .batch_execute("SET statement_timeout = '300ms'")
        .await
        .unwrap();
    let rows = client.query_raw(ENDLESS, std::iter::empty::<i32>()).await;
    let error = match rows {
        Err(e) => e,
        Ok(rows) => {
            pin_mut!(rows);
            loop {
                match rows.next().await {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break e,
                    None => panic!("the endless query ended"),
                }
            }
        }
    };
    assert_eq!(code(&error), SqlState::QUERY_CANCELED);
    assert!(message(&error).contains("statement timeout"), "{error:?}");
    client
        .batch_execute("RESET statement_timeout")
        .await
        .unwrap();
    assert_eq!(text_rows(&client, "SELECT 3").await, [[Some("3".into())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_isolated() {
    let server = server().await;
    // Admins: engine settings (datafusion.*) are theirs alone to change.
    let one = connect(&server, "admin").await;
    let two = connect(&server, "admin").await;
    one.batch_execute("SET application_name = 'one'; SET statement_timeout = '5s'")
        .await
        .unwrap();
    assert_eq!(
        text_rows(&one, "SHOW statement_timeout").await,
        [[Some("5000ms".into())]]
    );
    assert_eq!(
        text_rows(&two, "SHOW statement_timeout").await,
        [[Some("0".into())]]
    );
    assert_eq!(
        text_rows(&two, "SHOW application_name").await,
        [[Some("".into())]]
    );
    one.batch_execute("SET datafusion.execution.batch_size = 17")
        .await
        .unwrap();
    let batch_size = |rows: Vec<Vec<Option<String>>>| rows[0][1].clone();
    let sql = "SELECT name, value FROM information_schema.df_settings WHERE name = 'datafusion.execution.batch_size'";
    assert_eq!(batch_size(text_rows(&one, sql).await), Some("17".into()));
    assert_ne!(batch_size(text_rows(&two, sql).await), Some("17".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_statements_transactions_and_errors() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let rows = text_rows(
        &client,
        "SET search_path = sales; SHOW search_path; SELECT 4; SELECT 5",
    )
    .await;
    assert_eq!(
        rows,
        [
            [Some("sales".into())],
            [Some("4".into())],
            [Some("5".into())]
        ]
    );
    // a failed transaction refuses statements until it ends
    client.batch_execute("BEGIN").await.unwrap();
    let error = client
        .simple_query("SELECT * FROM nowhere.nothing")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::UNDEFINED_TABLE);
    let error = client.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(code(&error), SqlState::IN_FAILED_SQL_TRANSACTION);
    client.batch_execute("ROLLBACK").await.unwrap();
    // an error while rows stream ends the statement, not the connection
    let error = client
        .query("SELECT CAST(c_name AS INT) FROM customers.customer", &[])
        .await
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    assert_eq!(text_rows(&client, "SELECT 6").await, [[Some("6".into())]]);
    // the read-only surface
    let error = client
        .simple_query("CREATE TABLE t (a INT)")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::INSUFFICIENT_PRIVILEGE);
    // a real transaction round trip through the extended protocol
    let transaction = {
        let mut client = client;
        let tx = client.transaction().await.unwrap();
        let row = tx
            .query_one("SELECT $1::BIGINT + 1", &[&41i64])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0), 42);
        tx.commit().await.unwrap();
        client
    };
    assert_eq!(
        text_rows(&transaction, "SELECT 7").await,
        [[Some("7".into())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_answers_53300() {
    let server = start(ServeOptions {
        max_connections: 1,
        ..ServeOptions::default()
    })
    .await;
    let first = connect(&server, "analyst").await;
    let error = connect_as(&server, "analyst", "analyst", "mesh")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::TOO_MANY_CONNECTIONS);
    assert_eq!(text_rows(&first, "SELECT 8").await, [[Some("8".into())]]);
}

pub(crate) fn tls_files() -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_tls_refuses_plaintext_logins() {
    let server = start(ServeOptions {
        tls: Some(tls_files()),
        require_tls: true,
        ..ServeOptions::default()
    })
    .await;
    let error = connect_as(&server, "analyst", "analyst", "mesh")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
    assert!(message(&error).contains("TLS"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unloadable_tls_stops_the_server_from_starting() {
    let engine = common::engine(&common::demo_catalog());
    let (cert, _) = tls_files();
    let options = ServeOptions {
        listen: "127.0.0.1:0".into(),
        tls: Some((cert.clone(), cert)),
        ..ServeOptions::default()
    };
    let error = Server::bind(engine, &config(), options).await.unwrap_err();
    assert!(error.to_string().contains("tls_key"), "{error}");
}

/// The query psql 17 sends for `\dt sales.*` (from `psql -E`).
const PSQL_DT: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','t','s','')
  AND n.nspname OPERATOR(pg_catalog.~) '^(sales)$' COLLATE pg_catalog.default
ORDER BY 1,2;"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_catalog_queries_and_current_user() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let rows: Vec<Vec<Option<String>>> = text_rows(&client, PSQL_DT)
        .await
        .into_iter()
        .map(|r| r[..3].to_vec())
        .collect();
    let row = |name: &str| {
        vec![
            Some("sales".into()),
            Some(name.into()),
            Some("table".into()),
        ]
    };
    assert_eq!(rows, [row("lineitem"), row("orders")]);
    assert_eq!(
        text_rows(&client, "SELECT current_user").await,
        [[Some("analyst".into())]]
    );
    // the crate's Arc<T> provider recursion would overflow the stack here
    let roles = text_rows(&client, "SELECT count(*) FROM pg_catalog.pg_roles").await;
    assert_eq!(roles.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portals_fetch_in_pieces() {
    let server = server().await;
    let mut client = connect(&server, "analyst").await;
    let tx = client.transaction().await.unwrap();
    let statement = tx
        .prepare("SELECT n_nationkey FROM customers.nation WHERE n_nationkey < $1 ORDER BY 1")
        .await
        .unwrap();
    let portal = tx.bind(&statement, &[&12i64]).await.unwrap();
    let mut keys = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 5).await.unwrap();
        if rows.is_empty() {
            break;
        }
        assert!(rows.len() <= 5);
        keys.extend(rows.iter().map(|r| r.get::<_, i64>(0)));
    }
    assert_eq!(keys, (0..12).collect::<Vec<i64>>());
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_holds_over_the_wire_and_is_audited() {
    let server = server().await;
    let analyst = connect(&server, "analyst").await;
    let denied = analyst
        .simple_query("SELECT count(*) FROM supply.supplier")
        .await
        .unwrap_err();
    assert_eq!(denied.code().unwrap().code(), "42501");
    let prepared = analyst
        .prepare("SELECT s_name FROM supply.supplier WHERE s_suppkey = $1")
        .await;
    assert_eq!(prepared.unwrap_err().code().unwrap().code(), "42501");
    let masked = analyst
        .query_one(
            "SELECT count(c_phone) FROM customers.customer WHERE c_custkey > $1",
            &[&0i64],
        )
        .await
        .unwrap();
    assert_eq!(masked.get::<_, i64>(0), 0);

    let emea = connect(&server, "emea").await;
    let europe = emea
        .query_one("SELECT count(*) FROM customers.customer", &[])
        .await
        .unwrap();
    assert_eq!(europe.get::<_, i64>(0), 272);
    let tables = text_rows(
        &emea,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sales'",
    )
    .await;
    assert!(tables.is_empty(), "{tables:?}");

    let admin = connect(&server, "admin").await;
    let log = text_rows(
        &admin,
        "SELECT user_name, outcome, coalesce(sqlstate, '-'), client IS NOT NULL FROM mesh.query_log \
         WHERE sql LIKE '%supply.supplier%' ORDER BY time",
    )
    .await;
    let expected = |user: &str| {
        vec![
            Some(user.to_string()),
            Some("error".into()),
            Some("42501".into()),
            Some("t".into()),
        ]
    };
    assert!(log.contains(&expected("analyst")), "{log:?}");
}
