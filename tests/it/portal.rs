//! Protocol portals and SQL cursors share one namespace, as in PostgreSQL: a portal bound by
//! Bind is moved on by SQL `MOVE` (asyncpg's `Cursor.forward()`), read by `FETCH` and
//! Execute, and closed by `CLOSE`. Driven message by message over raw TCP.

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::server::server;
use crate::wire::{PATIENCE, logged_in, message, read_message};

const KEYS: &str = "SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey";

/// What the server answered up to ReadyForQuery: the first column of each DataRow, the
/// command tags, and the SQLSTATE of an error.
#[derive(Debug, Default)]
struct Answer {
    rows: Vec<String>,
    tags: Vec<String>,
    error: Option<String>,
}

async fn answer(socket: &mut TcpStream) -> Answer {
    let mut answer = Answer::default();
    let read = async {
        loop {
            let (kind, body) = read_message(socket).await.expect("the server answers");
            match kind {
                b'D' => {
                    let len = i32::from_be_bytes(body[2..6].try_into().unwrap()) as usize;
                    answer
                        .rows
                        .push(String::from_utf8_lossy(&body[6..6 + len]).into());
                }
                b'C' => answer
                    .tags
                    .push(String::from_utf8_lossy(&body[..body.len() - 1]).into()),
                b's' => answer.tags.push("suspended".into()),
                b'E' => {
                    let code = body.split(|b| *b == 0).find_map(|f| f.strip_prefix(b"C"));
                    answer.error = code.map(|c| String::from_utf8_lossy(c).into());
                }
                b'Z' => return,
                _ => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("an answer in time");
    answer
}

fn parse(statement: &str, sql: &str) -> Vec<u8> {
    message(b'P', format!("{statement}\0{sql}\0\0\0").as_bytes())
}

/// Bind of `portal` to `statement`, no parameters, results in text (`binary`: in binary).
fn bind(portal: &str, statement: &str, binary: bool) -> Vec<u8> {
    let formats: &[u8] = if binary { b"\0\x01\0\x01" } else { b"\0\0" };
    let mut body = format!("{portal}\0{statement}\0").into_bytes();
    body.extend_from_slice(b"\0\0\0\0");
    body.extend_from_slice(formats);
    message(b'B', &body)
}

fn execute(portal: &str, max_rows: i32) -> Vec<u8> {
    let mut body = format!("{portal}\0").into_bytes();
    body.extend_from_slice(&max_rows.to_be_bytes());
    message(b'E', &body)
}

fn sync() -> Vec<u8> {
    message(b'S', b"")
}

fn query(sql: &str) -> Vec<u8> {
    message(b'Q', format!("{sql}\0").as_bytes())
}

async fn send(socket: &mut TcpStream, messages: &[Vec<u8>]) -> Answer {
    socket.write_all(&messages.concat()).await.unwrap();
    answer(socket).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_moves_fetches_and_closes_a_bound_portal() {
    let server = server().await;
    let mut socket = logged_in(server.port(), "analyst", "analyst").await;
    let all = send(&mut socket, &[query(KEYS)]).await.rows;
    assert_eq!(all.len(), 15000);

    assert!(send(&mut socket, &[query("BEGIN")]).await.error.is_none());
    let bound = send(
        &mut socket,
        &[parse("s1", KEYS), bind("p1", "s1", false), sync()],
    )
    .await;
    assert!(bound.error.is_none(), "{bound:?}");

    // asyncpg's forward(): MOVE on the portal before any Execute, then Execute reads on
    let moved = send(&mut socket, &[query("MOVE FORWARD 10 p1")]).await;
    assert_eq!(moved.tags, ["MOVE 10"]);
    let read = send(&mut socket, &[execute("p1", 3), sync()]).await;
    assert_eq!(read.rows, all[10..13]);
    assert_eq!(read.tags, ["suspended"]);

    // SQL FETCH (quoted name, as asyncpg writes it) and MOVE go on from there
    let fetched = send(&mut socket, &[query("FETCH 2 \"p1\"")]).await;
    assert_eq!(
        (fetched.rows.as_slice(), fetched.tags.as_slice()),
        (&all[13..15], &["FETCH 2".to_string()][..])
    );
    let moved = send(&mut socket, &[query("MOVE RELATIVE 5 IN p1")]).await;
    assert_eq!(moved.tags, ["MOVE 5"]);
    let read = send(&mut socket, &[execute("p1", 1), sync()]).await;
    assert_eq!(read.rows, all[20..21]);

    // past the end: MOVE counts what there was, Execute completes the portal
    let rest = send(&mut socket, &[query("MOVE FORWARD ALL p1")]).await;
    assert_eq!(rest.tags, [format!("MOVE {}", all.len() - 21)]);
    let done = send(&mut socket, &[execute("p1", 5), sync()]).await;
    assert!(done.rows.is_empty() && done.error.is_none(), "{done:?}");

    // CLOSE closes the portal: Execute no longer finds it, and its name is free for DECLARE
    assert_eq!(
        send(&mut socket, &[query("CLOSE p1")]).await.tags,
        ["CLOSE CURSOR"]
    );
    let gone = send(&mut socket, &[execute("p1", 1), sync()]).await;
    assert!(gone.error.is_some(), "{gone:?}");
    assert!(
        send(&mut socket, &[query("ROLLBACK")])
            .await
            .error
            .is_none()
    );

    // a name bound by Bind is taken for DECLARE; a portal bound with binary results is
    // moved but not fetched in text
    assert!(send(&mut socket, &[query("BEGIN")]).await.error.is_none());
    send(&mut socket, &[bind("p2", "s1", true), sync()]).await;
    let declared = send(
        &mut socket,
        &[query(&format!("DECLARE p2 CURSOR FOR {KEYS}"))],
    )
    .await;
    assert_eq!(declared.error.as_deref(), Some("42P03"));
    assert!(
        send(&mut socket, &[query("ROLLBACK")])
            .await
            .error
            .is_none()
    );
    assert!(send(&mut socket, &[query("BEGIN")]).await.error.is_none());
    send(&mut socket, &[bind("p3", "s1", true), sync()]).await;
    assert_eq!(
        send(&mut socket, &[query("MOVE 2 p3")]).await.tags,
        ["MOVE 2"]
    );
    let text = send(&mut socket, &[query("FETCH 1 p3")]).await;
    assert_eq!(text.error.as_deref(), Some("0A000"));
    assert!(
        send(&mut socket, &[query("ROLLBACK")])
            .await
            .error
            .is_none()
    );

    // the transaction's end closed its portals
    let after = send(&mut socket, &[query("MOVE 1 p3")]).await;
    assert_eq!(after.error.as_deref(), Some("34000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_is_governed_like_its_statement() {
    let server = server().await;
    let mut socket = logged_in(server.port(), "analyst", "analyst").await;
    let refused = send(
        &mut socket,
        &[parse("s", "SELECT s_suppkey FROM supply.supplier"), sync()],
    )
    .await;
    assert_eq!(refused.error.as_deref(), Some("42501"));
    let moved = send(&mut socket, &[query("MOVE 1 s")]).await;
    assert_eq!(
        moved.error.as_deref(),
        Some("34000"),
        "no portal came of it"
    );
}
