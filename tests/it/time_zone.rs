//! The session's TimeZone over the wire: `timestamptz` is typed as such, its text follows the
//! zone the client sets (or asks for at login), binary values stay instants, and a bad zone
//! is refused without harming the session or the server.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::server::{
    TestServer, client_config, code, connect, connect_with, message, server, text_rows,
};

const SUMMER: &str = "SELECT '2024-07-01 10:00:00+00'::timestamptz AS t";

async fn text(client: &Client, sql: &str) -> String {
    text_rows(client, sql).await[0][0].clone().unwrap()
}

async fn connect_with_options(
    server: &TestServer,
    options: &str,
) -> Result<Client, tokio_postgres::Error> {
    let mut config = client_config(server, "analyst", "analyst", "mesh");
    connect_with(config.options(options)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamptz_is_typed_and_shown_in_utc_by_default() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    assert_eq!(text(&client, "SHOW TimeZone").await, "UTC");
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 10:00:00+00");
    let statement = client
        .prepare("SELECT now() AS n, '2024-07-01 12:00:00+02'::timestamptz AS t")
        .await
        .unwrap();
    let types: Vec<&Type> = statement.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(types, [&Type::TIMESTAMPTZ, &Type::TIMESTAMPTZ]);
    let row = client.query_one(&statement, &[]).await.unwrap();
    let t: DateTime<Utc> = row.get(1);
    assert_eq!(t.to_rfc3339(), "2024-07-01T10:00:00+00:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_time_zone_changes_text_not_instants() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let other = connect(&server, "analyst").await;
    client
        .batch_execute("SET TimeZone = 'Europe/Berlin'")
        .await
        .unwrap();
    assert_eq!(text(&client, "SHOW timezone").await, "Europe/Berlin");
    assert_eq!(
        text(&client, "SELECT current_setting('TimeZone')").await,
        "Europe/Berlin"
    );
    // daylight saving time in summer, standard time in winter
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 12:00:00+02");
    assert_eq!(
        text(&client, "SELECT '2024-01-15 10:00:00+00'::timestamptz").await,
        "2024-01-15 11:00:00+01"
    );
    // a timestamptz without an offset is local time in the session's zone
    assert_eq!(
        text(&client, "SELECT '2024-07-01 12:00:00'::timestamptz").await,
        "2024-07-01 12:00:00+02"
    );
    // timestamptz → timestamp is the wall-clock time in the session's zone, as in PostgreSQL
    let to_wall = "SELECT '2024-07-01 10:00:00+00'::timestamptz::timestamp";
    assert_eq!(text(&client, to_wall).await, "2024-07-01 12:00:00");
    assert_eq!(text(&other, to_wall).await, "2024-07-01 10:00:00");
    let berlin_name = client.prepare(to_wall).await.unwrap().columns()[0]
        .name()
        .to_string();
    let utc_name = other.prepare(to_wall).await.unwrap().columns()[0]
        .name()
        .to_string();
    assert_eq!(
        berlin_name, utc_name,
        "the conversion keeps the column's name"
    );
    // binary results are instants, whatever the zone
    let row = client
        .query_one("SELECT '2024-07-01 12:00:00'::timestamptz", &[])
        .await
        .unwrap();
    let t: DateTime<Utc> = row.get(0);
    assert_eq!(t.to_rfc3339(), "2024-07-01T10:00:00+00:00");
    // another session is untouched
    assert_eq!(text(&other, SUMMER).await, "2024-07-01 10:00:00+00");
    // a zone with a half-hour offset
    client
        .batch_execute("SET TIME ZONE 'Asia/Kolkata'")
        .await
        .unwrap();
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 15:30:00+05:30");
    // a POSIX-style zone, as pgjdbc sends a JVM zone of GMT+02:00: the sign is inverted
    client
        .batch_execute("SET TimeZone = 'GMT-02:00'")
        .await
        .unwrap();
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 12:00:00+02");
    client.batch_execute("RESET TimeZone").await.unwrap();
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 10:00:00+00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_zones_are_refused_clearly() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    for (zone, says) in [
        (
            "'Mars/Olympus_Mons'",
            "invalid value for parameter \"TimeZone\": \"Mars/Olympus_Mons\"; use UTC or an IANA zone name",
        ),
        ("'+02'", "TimeZone +02: numeric offsets are not accepted"),
    ] {
        let error = client
            .batch_execute(&format!("SET TimeZone = {zone}"))
            .await
            .unwrap_err();
        assert_eq!(code(&error), SqlState::INVALID_PARAMETER_VALUE, "{zone}");
        assert!(message(&error).starts_with(says), "{}", message(&error));
    }
    assert_eq!(text(&client, "SHOW TimeZone").await, "UTC");
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 10:00:00+00");
    // DataFusion's own time zone setting is checked too, so no later query breaks on it
    let error = client
        .batch_execute("SET datafusion.execution.time_zone = 'Nowhere/Land'")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::INVALID_PARAMETER_VALUE);
    assert_eq!(
        message(&error),
        "invalid value for datafusion.execution.time_zone: \"Nowhere/Land\"; use an IANA zone \
         name (Europe/Berlin) or an offset (+02:00)"
    );
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 10:00:00+00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_options_set_the_session() {
    let server = server().await;
    let client = connect_with_options(&server, "-c TimeZone=Asia/Kolkata -c statement_timeout=5s")
        .await
        .unwrap();
    assert_eq!(text(&client, "SHOW TimeZone").await, "Asia/Kolkata");
    assert_eq!(text(&client, "SHOW statement_timeout").await, "5000ms");
    assert_eq!(text(&client, SUMMER).await, "2024-07-01 15:30:00+05:30");
    let Err(error) = connect_with_options(&server, "-c TimeZone=Nowhere/Land").await else {
        panic!("a bad TimeZone must refuse the login");
    };
    assert_eq!(code(&error), SqlState::INVALID_PARAMETER_VALUE);
    assert!(
        message(&error).starts_with("invalid value for parameter \"TimeZone\": \"Nowhere/Land\""),
        "{}",
        message(&error)
    );
    let Err(error) = connect_with_options(&server, "statement_timeout=5s").await else {
        panic!("unreadable options must refuse the login");
    };
    assert_eq!(code(&error), SqlState::INVALID_PARAMETER_VALUE);
    assert!(
        message(&error).starts_with("startup options: cannot read \"statement_timeout=5s\""),
        "{}",
        message(&error)
    );
    // engine settings cannot be slipped in at login: only client settings apply there
    let sneaky = connect_with_options(&server, "-c datafusion.execution.batch_size=17")
        .await
        .unwrap();
    let batch_size = text_rows(&sneaky, "SHOW datafusion.execution.batch_size").await;
    assert_eq!(
        batch_size[0][1].as_deref(),
        Some("8192"),
        "the default stays"
    );
    // the server goes on serving
    let again = connect(&server, "analyst").await;
    assert_eq!(text(&again, "SHOW TimeZone").await, "UTC");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_setting_answers_what_show_answers() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    client
        .batch_execute("SET statement_timeout = '2s'")
        .await
        .unwrap();
    let rows = text_rows(
        &client,
        "SELECT current_setting('statement_timeout'), current_setting('server_version_num'), \
         current_setting('no_such_setting', true) IS NULL",
    )
    .await;
    assert_eq!(
        rows[0],
        [
            Some("2000ms".into()),
            Some("170000".into()),
            Some("t".into())
        ]
    );
    let error = client
        .simple_query("SELECT current_setting('no_such_setting')")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::UNDEFINED_OBJECT);
    assert_eq!(
        message(&error),
        "unrecognized configuration parameter \"no_such_setting\""
    );
}
