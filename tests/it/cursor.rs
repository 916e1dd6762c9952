//! Forward-only cursors over the wire: fetched in pieces they equal a plain SELECT (simple
//! and extended protocol), governance applies at DECLARE, and the transaction rules and
//! errors follow PostgreSQL.

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::server::{code, connect, message, server, text_rows};

const LINES: &str = "SELECT l_orderkey, l_linenumber, l_quantity, l_shipdate, l_comment \
    FROM sales.lineitem ORDER BY l_orderkey, l_linenumber";

/// The row counts of the command tags of a simple query.
async fn tags(client: &Client, sql: &str) -> Vec<u64> {
    let messages = client.simple_query(sql).await.unwrap();
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect()
}

async fn error(client: &Client, sql: &str) -> SqlState {
    code(&client.simple_query(sql).await.unwrap_err())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_in_pieces_a_cursor_equals_a_select() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let expected = text_rows(&client, LINES).await;
    assert!(expected.len() > 50_000, "{}", expected.len());

    client.batch_execute("BEGIN").await.unwrap();
    client
        .batch_execute(&format!("DECLARE lines NO SCROLL CURSOR FOR {LINES}"))
        .await
        .unwrap();
    let mut fetched = Vec::new();
    loop {
        let rows = text_rows(&client, "FETCH FORWARD 7000 FROM lines").await;
        if rows.is_empty() {
            break;
        }
        assert!(rows.len() <= 7000);
        fetched.extend(rows);
    }
    assert_eq!(fetched, expected);
    client.batch_execute("COMMIT").await.unwrap();

    // extended protocol: FETCH as a prepared statement, rows in binary
    let mut client = client;
    let tx = client.transaction().await.unwrap();
    tx.batch_execute(&format!("DECLARE lines CURSOR FOR {LINES}"))
        .await
        .unwrap();
    let mut keys = Vec::new();
    loop {
        let rows = tx.query("FETCH 10000 FROM lines", &[]).await.unwrap();
        if rows.is_empty() {
            break;
        }
        keys.extend(
            rows.iter()
                .map(|r| (r.get::<_, i64>(0), r.get::<_, i32>(1))),
        );
    }
    // DECLARE with a bound parameter (as psycopg's server-side cursors send it)
    tx.execute(
        "DECLARE few CURSOR FOR SELECT n_name FROM customers.nation WHERE n_nationkey < $1 ORDER BY n_nationkey",
        &[&2i64],
    )
    .await
    .unwrap();
    let names: Vec<String> = tx
        .query("FETCH ALL FROM few", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["ALGERIA", "ARGENTINA"]);
    tx.commit().await.unwrap();
    assert_eq!(keys.len(), expected.len());
    let first = (
        expected[0][0].clone().unwrap().parse::<i64>().unwrap(),
        expected[0][1].clone().unwrap().parse::<i32>().unwrap(),
    );
    assert_eq!(keys[0], first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_next_all_and_tags() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let sql = "BEGIN; DECLARE n CURSOR FOR SELECT n_nationkey FROM customers.nation ORDER BY 1; \
        FETCH n; FETCH NEXT FROM n; MOVE FORWARD 10 IN n; FETCH 2 FROM n; MOVE ALL IN n; \
        FETCH ALL FROM n; CLOSE n; COMMIT";
    // tokio-postgres keeps the row count of each tag (FETCH n, MOVE n)
    assert_eq!(tags(&client, sql).await, [0, 0, 1, 1, 10, 2, 11, 0, 0, 0]);
    client.batch_execute("BEGIN").await.unwrap();
    client
        .batch_execute("DECLARE n CURSOR FOR SELECT n_nationkey FROM customers.nation ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(
        text_rows(&client, "FETCH 2 FROM n").await,
        [[Some("0".into())], [Some("1".into())]]
    );
    client.batch_execute("MOVE 3 FROM n").await.unwrap();
    assert_eq!(text_rows(&client, "FETCH n").await, [[Some("5".into())]]);
    client.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_applies_at_declare() {
    let server = server().await;
    let analyst = connect(&server, "analyst").await;
    analyst.batch_execute("BEGIN").await.unwrap();
    let denied = error(
        &analyst,
        "DECLARE s CURSOR FOR SELECT s_name FROM supply.supplier",
    )
    .await;
    assert_eq!(denied, SqlState::INSUFFICIENT_PRIVILEGE);
    analyst.batch_execute("ROLLBACK").await.unwrap();

    let emea = connect(&server, "emea").await;
    emea.batch_execute(
        "DECLARE c CURSOR WITH HOLD FOR SELECT c_custkey, c_phone FROM customers.customer",
    )
    .await
    .unwrap();
    let rows = text_rows(&emea, "FETCH ALL FROM c").await;
    assert_eq!(rows.len(), 272);
    assert!(rows.iter().all(|r| r[1].is_none()), "c_phone is masked");
    emea.batch_execute("CLOSE c").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_rules_and_errors_follow_postgresql() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let declare = "DECLARE c CURSOR FOR SELECT r_name FROM customers.region ORDER BY 1";
    assert_eq!(
        error(&client, declare).await,
        SqlState::NO_ACTIVE_SQL_TRANSACTION
    );
    let scroll = "DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT 1";
    assert_eq!(
        error(&client, scroll).await,
        SqlState::FEATURE_NOT_SUPPORTED
    );
    assert_eq!(
        error(&client, "FETCH nope").await,
        SqlState::INVALID_CURSOR_NAME
    );

    // without HOLD: gone at COMMIT; a failed statement aborts the block until ROLLBACK
    client.batch_execute("BEGIN").await.unwrap();
    client.batch_execute(declare).await.unwrap();
    assert_eq!(error(&client, declare).await, SqlState::DUPLICATE_CURSOR);
    assert_eq!(
        error(&client, "FETCH c").await,
        SqlState::IN_FAILED_SQL_TRANSACTION
    );
    client.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(
        error(&client, "FETCH c").await,
        SqlState::INVALID_CURSOR_NAME
    );
    client
        .batch_execute(&format!("BEGIN; {declare}; COMMIT"))
        .await
        .unwrap();
    assert_eq!(
        error(&client, "FETCH c").await,
        SqlState::INVALID_CURSOR_NAME
    );

    // backward movement
    client
        .batch_execute(&format!("BEGIN; {declare}"))
        .await
        .unwrap();
    assert_eq!(
        error(&client, "FETCH PRIOR FROM c").await,
        SqlState::FEATURE_NOT_SUPPORTED
    );
    client.batch_execute("ROLLBACK").await.unwrap();

    // WITH HOLD: survives its COMMIT, not a ROLLBACK of the block that declared it
    let hold = "DECLARE h CURSOR WITH HOLD FOR SELECT r_name FROM customers.region ORDER BY 1";
    client
        .batch_execute(&format!("BEGIN; {hold}; COMMIT"))
        .await
        .unwrap();
    assert_eq!(
        text_rows(&client, "FETCH h").await,
        [[Some("AFRICA".into())]]
    );
    client.batch_execute("BEGIN; ROLLBACK").await.unwrap();
    assert_eq!(
        text_rows(&client, "FETCH h").await,
        [[Some("AMERICA".into())]]
    );
    client
        .batch_execute(&format!("BEGIN; {}; ROLLBACK", hold.replace(" h ", " g ")))
        .await
        .unwrap();
    assert_eq!(
        error(&client, "FETCH g").await,
        SqlState::INVALID_CURSOR_NAME
    );
    // DISCARD ALL closes everything
    client.batch_execute("DISCARD ALL").await.unwrap();
    assert_eq!(
        error(&client, "FETCH h").await,
        SqlState::INVALID_CURSOR_NAME
    );
    assert_eq!(text_rows(&client, "SELECT 1").await, [[Some("1".into())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_absolute_and_first_skip_forward() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let keys = |rows: Vec<Vec<Option<String>>>| -> Vec<String> {
        rows.into_iter().map(|r| r[0].clone().unwrap()).collect()
    };
    let fetch = async |sql: &str| keys(text_rows(&client, sql).await);
    client
        .batch_execute(
            "DECLARE n CURSOR WITH HOLD FOR SELECT n_nationkey FROM customers.nation ORDER BY 1",
        )
        .await
        .unwrap();
    assert_eq!(fetch("FETCH RELATIVE 0 FROM n").await, [] as [&str; 0]);
    assert_eq!(fetch("FETCH FIRST FROM n").await, ["0"]);
    assert_eq!(fetch("FETCH RELATIVE 0 FROM n").await, ["0"]);
    assert_eq!(fetch("FETCH FIRST FROM n").await, ["0"]);
    assert_eq!(fetch("FETCH RELATIVE 3 FROM n").await, ["3"]);
    assert_eq!(fetch("FETCH FORWARD 0 FROM n").await, ["3"]);
    // tags as PostgreSQL: MOVE RELATIVE/ABSOLUTE count the one row landed on
    assert_eq!(tags(&client, "MOVE RELATIVE 2 IN n").await, [1]);
    assert_eq!(fetch("FETCH n").await, ["6"]);
    assert_eq!(fetch("FETCH ABSOLUTE 10 FROM n").await, ["9"]);
    assert_eq!(fetch("FETCH ABSOLUTE 10 FROM n").await, ["9"]);
    assert_eq!(
        tags(&client, "MOVE ABSOLUTE 20 IN n; FETCH 2 FROM n").await,
        [1, 2]
    );
    assert_eq!(fetch("FETCH RELATIVE 0 IN n").await, ["21"]);

    // backward stays refused, and the cursor stays where it was
    for backward in [
        "FETCH ABSOLUTE 3 FROM n",
        "FETCH FIRST FROM n",
        "MOVE RELATIVE -1 IN n",
        "FETCH PRIOR FROM n",
        "FETCH ABSOLUTE -1 FROM n",
    ] {
        let refused = client.simple_query(backward).await.unwrap_err();
        assert_eq!(
            code(&refused),
            SqlState::FEATURE_NOT_SUPPORTED,
            "{backward}"
        );
        assert!(message(&refused).contains("forward-only"), "{backward}");
    }
    assert_eq!(fetch("FETCH NEXT FROM n").await, ["22"]);

    // past the end: nothing, and no current row to re-read
    assert_eq!(fetch("FETCH RELATIVE 5 FROM n").await, [] as [&str; 0]);
    assert_eq!(fetch("FETCH RELATIVE 0 FROM n").await, [] as [&str; 0]);
    assert_eq!(fetch("FETCH ABSOLUTE 100 FROM n").await, [] as [&str; 0]);
    assert_eq!(tags(&client, "MOVE RELATIVE 1 IN n").await, [0]);
    client.batch_execute("CLOSE n").await.unwrap();

    // skipping across many batches lands on the right row
    client.batch_execute("BEGIN").await.unwrap();
    client
        .batch_execute(&format!("DECLARE lines CURSOR FOR {LINES}"))
        .await
        .unwrap();
    let all = text_rows(&client, LINES).await;
    let row = text_rows(&client, "FETCH ABSOLUTE 50000 FROM lines").await;
    assert_eq!(row, all[49_999..50_000]);
    let row = text_rows(&client, "FETCH RELATIVE 9000 FROM lines").await;
    assert_eq!(row, all[58_999..59_000]);
    client.batch_execute("COMMIT").await.unwrap();
}

/// The query log's (outcome, rows, SQLSTATE) of the DECLARE of cursor `name`, as admin.
async fn audited(admin: &Client, name: &str) -> Vec<Vec<Option<String>>> {
    let sql = format!(
        "SELECT outcome, CAST(rows AS VARCHAR), sqlstate FROM mesh.query_log \
         WHERE sql LIKE 'DECLARE {name} %' ORDER BY time"
    );
    text_rows(admin, &sql).await
}

fn ok(rows: u64) -> Vec<Vec<Option<String>>> {
    vec![vec![Some("ok".into()), Some(rows.to_string()), None]]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_cursor_early_is_audited_as_a_success() {
    let server = server().await;
    let admin = connect(&server, "admin").await;
    let client = connect(&server, "analyst").await;
    let declare = |name: &str, hold: &str| {
        format!("DECLARE {name} CURSOR {hold} FOR SELECT n_nationkey FROM customers.nation")
    };
    let sql = format!(
        "BEGIN; {}; FETCH 3 FROM by_close; CLOSE by_close; COMMIT",
        declare("by_close", "")
    );
    client.batch_execute(&sql).await.unwrap();
    assert_eq!(audited(&admin, "by_close").await, ok(3));

    // MOVE passes rows without returning them
    let sql = format!(
        "BEGIN; {}; FETCH 2 FROM by_commit; MOVE 5 IN by_commit; COMMIT",
        declare("by_commit", "")
    );
    client.batch_execute(&sql).await.unwrap();
    assert_eq!(audited(&admin, "by_commit").await, ok(2));

    let sql = format!(
        "{}; FETCH 4 FROM by_discard; DISCARD ALL",
        declare("by_discard", "WITH HOLD")
    );
    client.batch_execute(&sql).await.unwrap();
    assert_eq!(audited(&admin, "by_discard").await, ok(4));

    let sql = format!(
        "{}; FETCH ALL FROM to_the_end",
        declare("to_the_end", "WITH HOLD")
    );
    client.batch_execute(&sql).await.unwrap();
    assert_eq!(audited(&admin, "to_the_end").await, ok(25));

    let sql = format!(
        "{}; FETCH by_disconnect",
        declare("by_disconnect", "WITH HOLD")
    );
    client.batch_execute(&sql).await.unwrap();
    drop(client);
    let mut logged = Vec::new();
    for _ in 0..100 {
        logged = audited(&admin, "by_disconnect").await;
        if !logged.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(logged, ok(1));

    // a cursor whose query fails is still an error
    let client = connect(&server, "analyst").await;
    client
        .batch_execute("DECLARE broken CURSOR WITH HOLD FOR SELECT 1 / (n_nationkey - 3) FROM customers.nation ORDER BY n_nationkey")
        .await
        .unwrap();
    client
        .simple_query("FETCH ALL FROM broken")
        .await
        .unwrap_err();
    let logged = audited(&admin, "broken").await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0][0].as_deref(), Some("error"));
}
