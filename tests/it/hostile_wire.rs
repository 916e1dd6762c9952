//! Malformed wire messages, sent as an attacker would: each must be answered with a FATAL
//! 08P01 ErrorResponse and the connection closed within seconds, and the server must go on
//! serving everyone else. Several of these made pgwire 0.42.1's decoders panic.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{TestServer, connect, server, text_rows};
use crate::wire::{
    Reply, closes, logged_in, message, read_message, reply, started, startup, untyped, with_length,
};

/// When a malformed message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// As the connection's first bytes.
    First,
    /// After an SSLRequest that the server (without TLS) refused.
    AfterSsl,
    /// After a GSSENCRequest, which the server always refuses.
    AfterGss,
    /// Right after the startup packet, when the server expects the SASL exchange.
    Login,
    /// After a successful login.
    Ready,
}

fn case(name: &'static str, when: When, bytes: Vec<u8>) -> (&'static str, When, Vec<u8>) {
    (name, when, bytes)
}

fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn ssl_request() -> Vec<u8> {
    untyped(&80_877_103i32.to_be_bytes())
}

fn gssenc_request() -> Vec<u8> {
    untyped(&80_877_104i32.to_be_bytes())
}

fn sasl_with_length(len: i32) -> Vec<u8> {
    let mut body = b"SCRAM-SHA-256\0".to_vec();
    body.extend_from_slice(&len.to_be_bytes());
    message(b'p', &body)
}

/// Every malformed message of the suite; the first four are the known pgwire panics.
fn cases() -> Vec<(&'static str, When, Vec<u8>)> {
    use When::*;
    let parse = |sql: &str, types: u16| {
        let mut body = format!("s\0{sql}\0").into_bytes();
        body.extend_from_slice(&types.to_be_bytes());
        for _ in 0..types {
            body.extend_from_slice(&23u32.to_be_bytes());
        }
        message(b'P', &body)
    };
    vec![
        case(
            "password message after startup",
            Login,
            message(b'p', b"secret\0"),
        ),
        case(
            "SASL data length 0x7fffffff",
            Login,
            sasl_with_length(i32::MAX),
        ),
        case(
            "Parse declaring 65535 types without them",
            Ready,
            message(b'P', b"\0select 1\0\xff\xff"),
        ),
        case(
            "Bind declaring 65535 formats without them",
            Ready,
            message(b'B', b"\0\0\xff\xff"),
        ),
        case(
            "Bind with 2 formats for 3 parameters",
            Ready,
            concat(&[
                parse("select $1::int + $2::int + $3::int", 3),
                message(
                    b'B',
                    b"\0s\0\0\x02\0\0\0\0\0\x03\0\0\0\x011\0\0\0\x011\0\0\0\x011\0\0",
                ),
                message(b'E', b"\0\0\0\0\0"),
                message(b'S', b""),
            ]),
        ),
        case(
            "Bind with parameter length -2",
            Ready,
            concat(&[
                parse("select $1::int", 1),
                message(b'B', b"\0s\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
            ]),
        ),
        case(
            "Bind with format code 7",
            Ready,
            concat(&[
                parse("select $1::int", 1),
                message(b'B', b"\0s\0\0\x01\0\x07\0\x01\0\0\0\x011\0\0"),
            ]),
        ),
        case(
            "password message of length 3",
            Login,
            with_length(b'p', 3, b""),
        ),
        case("password message after login", Ready, message(b'p', b"x\0")),
        case("CopyData of length 2", Ready, with_length(b'd', 2, b"")),
        case("Query of length 0", Ready, with_length(b'Q', 0, b"")),
        case("Query of length -1", Ready, with_length(b'Q', -1, b"")),
        case(
            "Query of 1 GiB announced",
            Ready,
            with_length(b'Q', 0x3fff_fff0, b"select"),
        ),
        case(
            "Sync of 1 MiB announced",
            Ready,
            with_length(b'S', 1 << 20, b""),
        ),
        case(
            "Query without NUL",
            Ready,
            concat(&[
                with_length(b'Q', 12, b"select 1"),
                message(b'Q', b"select 2\0"),
            ]),
        ),
        case("Describe without body", Ready, message(b'D', b"")),
        case("Describe of type X", Ready, message(b'D', b"X\0")),
        case("Close without body", Ready, message(b'C', b"")),
        case("Execute without row count", Ready, message(b'E', b"\0")),
        case("Sync with a body", Ready, message(b'S', b"junk")),
        case("unknown message type", Ready, message(b'Z', b"")),
        case("function call", Ready, message(b'F', b"")),
        case("Query during login", Login, message(b'Q', b"select 1\0")),
        case(
            "SASL mechanism without NUL",
            Login,
            with_length(b'p', 17, b"SCRAM-SHA-256"),
        ),
        case("startup packet of length 4", First, untyped(b"")),
        case(
            "startup packet of 1 MiB announced",
            First,
            (1i32 << 20).to_be_bytes().to_vec(),
        ),
        case(
            "startup packet without user",
            First,
            startup(&[("database", "mesh")]),
        ),
        case(
            "startup parameter without value",
            First,
            untyped(&[&196_608i32.to_be_bytes()[..], b"user\0"].concat()),
        ),
        case(
            "startup packet without terminator",
            First,
            untyped(&[&196_608i32.to_be_bytes()[..], b"user\0a\0"].concat()),
        ),
        case(
            "protocol 2.0",
            First,
            untyped(&[&131_072i32.to_be_bytes()[..], b"user\0a\0\0"].concat()),
        ),
        case(
            "unknown request code",
            First,
            untyped(&80_877_199i32.to_be_bytes()),
        ),
        case("SSLRequest twice", AfterSsl, ssl_request()),
        case("GSSENCRequest twice", AfterGss, gssenc_request()),
        case(
            "CancelRequest of 12 bytes",
            First,
            untyped(&[&80_877_102i32.to_be_bytes()[..], &[0, 0, 0, 1]].concat()),
        ),
        case(
            "CancelRequest with a 1000-byte key",
            First,
            untyped(&[&80_877_102i32.to_be_bytes()[..], &[7u8; 1004]].concat()),
        ),
    ]
}

/// Sends one malformed message at its moment; `Ok` if the server answered as it must.
async fn attack(port: u16, when: When, bytes: &[u8]) -> Result<(), String> {
    let mut socket = match when {
        When::First => TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        When::AfterSsl => refused(port, &ssl_request()).await,
        When::AfterGss => refused(port, &gssenc_request()).await,
        When::Login => started(port, "admin").await,
        When::Ready => logged_in(port, "admin", "admin").await,
    };
    socket.write_all(bytes).await.map_err(|e| e.to_string())?;
    let answer = loop {
        match reply(&mut socket).await {
            // answers to the valid messages in front of the malformed one
            Reply::Ready => continue,
            Reply::Error(code, _) if code != "08P01" && when == When::Ready => continue,
            other => break other,
        }
    };
    match answer {
        Reply::Error(code, _) if code == "08P01" => {}
        other => return Err(format!("answered {other:?}")),
    }
    if !closes(&mut socket).await {
        return Err("the connection stayed open".into());
    }
    Ok(())
}

/// A connection whose encryption `request` the server answered with `N`.
async fn refused(port: u16, request: &[u8]) -> TcpStream {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    socket.write_all(request).await.unwrap();
    assert_eq!(socket.read_u8().await.unwrap(), b'N');
    socket
}

async fn still_serves(server: &TestServer) {
    let client = connect(server, "analyst").await;
    assert_eq!(
        text_rows(&client, "SELECT 41 + 1").await,
        [[Some("42".into())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_messages_get_08p01_and_a_closed_connection() {
    let server = server().await;
    let bystander = connect(&server, "analyst").await;
    let mut failures = Vec::new();
    for (name, when, bytes) in cases() {
        if let Err(problem) = attack(server.port(), when, &bytes).await {
            failures.push(format!("{name}: {problem}"));
        }
        still_serves(&server).await;
    }
    assert_eq!(
        text_rows(&bystander, "SELECT 7").await,
        [[Some("7".into())]]
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_violation_messages_say_what_is_wrong() {
    let server = server().await;
    let mut socket = started(server.port(), "admin").await;
    socket.write_all(&sasl_with_length(i32::MAX)).await.unwrap();
    let Reply::Error(code, text) = reply(&mut socket).await else {
        panic!("no error");
    };
    assert_eq!(code, "08P01");
    assert!(text.contains("declares 2147483647 more bytes"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_valid_pipelines_still_work_after_the_checks() {
    let server = server().await;
    let mut socket = logged_in(server.port(), "admin", "admin").await;
    let pipeline = concat(&[
        message(b'P', b"\0select $1::int + 1\0\0\x01\0\0\0\x17"),
        message(b'B', b"\0\0\0\x01\0\0\0\x01\0\0\0\x0241\0\x01\0\0"),
        message(b'D', b"P\0"),
        message(b'E', b"\0\0\0\0\0"),
        message(b'S', b""),
        message(b'Q', b"select 'a'\0"),
    ]);
    socket.write_all(&pipeline).await.unwrap();
    let mut rows = Vec::new();
    let mut ready = 0;
    while ready < 2 {
        match read_message(&mut socket).await.unwrap() {
            (b'Z', _) => ready += 1,
            (b'D', body) => rows.push(String::from_utf8_lossy(&body[6..]).into_owned()),
            (b'E', body) => panic!("error {}", String::from_utf8_lossy(&body)),
            _ => {}
        }
    }
    assert_eq!(rows, ["42", "a"]);
}
