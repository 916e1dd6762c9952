//! Raw PostgreSQL wire messages over TCP, for tests that send what no client library would:
//! message builders, a SCRAM-SHA-256 client, and a reader of the server's replies.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::{digest, hmac, pbkdf2};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for the server's answer.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A startup packet (protocol 3.0) with `params`.
pub fn startup(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = 196_608i32.to_be_bytes().to_vec();
    for (k, v) in params {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    untyped(&body)
}

/// A message without a type byte (startup packet, SSLRequest, CancelRequest): length, body.
pub fn untyped(body: &[u8]) -> Vec<u8> {
    let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend_from_slice(body);
    packet
}

/// A typed message with its correct length.
pub fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    with_length(kind, (body.len() + 4) as i32, body)
}

/// A typed message with any length word.
pub fn with_length(kind: u8, len: i32, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&len.to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// What the server did after a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// An ErrorResponse with this SQLSTATE and message.
    Error(String, String),
    /// ReadyForQuery: the server waits for the next message.
    Ready,
    /// It closed the connection without an error.
    Closed,
    /// Nothing within [`PATIENCE`].
    Silent,
}

/// One backend message: type and body.
pub async fn read_message(socket: &mut (impl AsyncRead + Unpin)) -> Option<(u8, Vec<u8>)> {
    let kind = socket.read_u8().await.ok()?;
    let len = socket.read_i32().await.ok()?;
    let mut body = vec![0u8; (len as usize).saturating_sub(4)];
    socket.read_exact(&mut body).await.ok()?;
    Some((kind, body))
}

/// Reads until an ErrorResponse, a ReadyForQuery or the end of the connection.
pub async fn reply(socket: &mut (impl AsyncRead + Unpin)) -> Reply {
    let read = async {
        loop {
            match read_message(socket).await {
                None => return Reply::Closed,
                Some((b'E', body)) => return error_fields(&body),
                Some((b'Z', _)) => return Reply::Ready,
                Some(_) => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .unwrap_or(Reply::Silent)
}

fn error_fields(body: &[u8]) -> Reply {
    let (mut code, mut text) = (String::new(), String::new());
    for field in body.split(|b| *b == 0) {
        match field.split_first() {
            Some((b'C', value)) => code = String::from_utf8_lossy(value).into(),
            Some((b'M', value)) => text = String::from_utf8_lossy(value).into(),
            _ => {}
        }
    }
    Reply::Error(code, text)
}

/// Whether the server closes the connection (after anything it still sends) within
/// [`PATIENCE`].
pub async fn closes(socket: &mut (impl AsyncRead + Unpin)) -> bool {
    let drain = async { while read_message(socket).await.is_some() {} };
    tokio::time::timeout(PATIENCE, drain).await.is_ok()
}

/// A connection that sent its startup packet for `user` and read the SASL offer.
pub async fn started(port: u16, user: &str) -> TcpStream {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    start(&mut socket, user).await;
    socket
}

/// Sends the startup packet for `user` and reads the SASL offer.
pub async fn start(socket: &mut (impl AsyncRead + AsyncWrite + Unpin), user: &str) {
    socket
        .write_all(&startup(&[("user", user), ("database", "mesh")]))
        .await
        .unwrap();
    let (kind, body) = read_message(socket).await.unwrap();
    assert_eq!((kind, &body[..4]), (b'R', &10i32.to_be_bytes()[..]), "SASL");
}

/// SASLInitialResponse for SCRAM-SHA-256 with `client_first`.
pub fn sasl_initial(client_first: &str) -> Vec<u8> {
    let mut body = b"SCRAM-SHA-256\0".to_vec();
    body.extend_from_slice(&(client_first.len() as i32).to_be_bytes());
    body.extend_from_slice(client_first.as_bytes());
    message(b'p', &body)
}

/// The server-first message of a SCRAM exchange started on `socket`: `(nonce, salt,
/// iterations)`.
pub async fn server_first(
    socket: &mut (impl AsyncRead + AsyncWrite + Unpin),
    client_first: &str,
) -> (String, String, u32) {
    socket.write_all(&sasl_initial(client_first)).await.unwrap();
    let (kind, body) = read_message(socket).await.unwrap();
    assert_eq!((kind, &body[..4]), (b'R', &11i32.to_be_bytes()[..]), "SASL");
    let text = String::from_utf8(body[4..].to_vec()).unwrap();
    let field = |name: &str| {
        text.split(',')
            .find_map(|f| f.strip_prefix(name))
            .unwrap()
            .to_string()
    };
    (field("r="), field("s="), field("i=").parse().unwrap())
}

/// A connection logged in as `user` with `password` (SCRAM-SHA-256), ready for queries.
pub async fn logged_in(port: u16, user: &str, password: &str) -> TcpStream {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    log_in(&mut socket, user, password).await;
    socket
}

/// Logs in on `socket` as `user` with `password` (SCRAM-SHA-256) up to ReadyForQuery.
pub async fn log_in(
    socket: &mut (impl AsyncRead + AsyncWrite + Unpin),
    user: &str,
    password: &str,
) {
    start(socket, user).await;
    let bare = "n=,r=meshgatetestnonce";
    let (nonce, salt, iterations) = server_first(socket, &format!("n,,{bare}")).await;
    let mut salted = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).unwrap(),
        &BASE64.decode(&salt).unwrap(),
        password.as_bytes(),
        &mut salted,
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
    let client_key = hmac::sign(&key, b"Client Key");
    let stored = digest::digest(&digest::SHA256, client_key.as_ref());
    let without_proof = format!("c=biws,r={nonce}");
    let auth = format!("{bare},r={nonce},s={salt},i={iterations},{without_proof}");
    let signature = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, stored.as_ref()),
        auth.as_bytes(),
    );
    let proof: Vec<u8> = client_key
        .as_ref()
        .iter()
        .zip(signature.as_ref())
        .map(|(a, b)| a ^ b)
        .collect();
    let last = format!("{without_proof},p={}", BASE64.encode(proof));
    socket
        .write_all(&message(b'p', last.as_bytes()))
        .await
        .unwrap();
    assert_eq!(reply(socket).await, Reply::Ready, "login as {user}");
}
