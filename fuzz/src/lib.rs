//! The harness of meshgate's fuzz targets. A client's bytes go through meshgate's own checks
//! (`src/server/frames.rs` and `src/server/checked_stream.rs`, compiled here on their own,
//! so no DataFusion is built) into pgwire's decoders, as `src/server/connection.rs` runs
//! them; each decoded SASL message goes on into pgwire's SCRAM-SHA-256 server and each Bind
//! into a portal whose parameter formats are read as meshgate's `bind` reads them.
//!
//! Properties checked: nothing panics; pgwire decodes every message the checks accept (a
//! decode error that is not the checks' own violation is a bug); and pgwire consumes exactly
//! the accepted message, never a byte of the next one.

#[path = "../../src/server/checked_stream.rs"]
mod checked_stream;
#[path = "../../src/server/frames.rs"]
mod frames;

use std::io::{self, Cursor};
use std::sync::Arc;

use futures::StreamExt;
use pgwire::api::auth::sasl::scram::{
    ScramSecret, ScramServerAuth, ScramServerAuthWaitingForClientFinal,
};
use pgwire::api::portal::Portal;
use pgwire::api::stmt::StoredStatement;
use pgwire::api::{DefaultClient, PgWireConnectionState};
use pgwire::error::PgWireError;
use pgwire::messages::startup::PasswordMessageFamily;
use pgwire::messages::{PgWireFrontendMessage, ProtocolVersion};
use pgwire::tokio::server::PgWireMessageServerCodec;
use tokio::io::{Join, Sink};
use tokio_util::codec::Framed;

use checked_stream::CheckedStream;

type Socket = Framed<CheckedStream<Join<Cursor<Vec<u8>>, Sink>>, PgWireMessageServerCodec<()>>;

/// Where a target's bytes start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// As the first bytes of a connection: startup packet, CancelRequest, SASL login.
    Connect,
    /// After a startup packet and a SASL exchange that the checks accept (its proof is not
    /// verified), so the bytes are the query protocol's.
    LoggedIn,
}

/// Serves `data` as a client's bytes from `start` on; panics on a broken property.
pub fn run(start: Start, data: &[u8]) {
    let mut bytes = match start {
        Start::Connect => Vec::new(),
        Start::LoggedIn => login(),
    };
    bytes.extend_from_slice(data);
    let io = tokio::io::join(Cursor::new(bytes), tokio::io::sink());
    let client = DefaultClient::new(([127, 0, 0, 1], 5433).into(), false);
    let mut socket = Framed::new(
        CheckedStream::new(io, &[]),
        PgWireMessageServerCodec::new(client),
    );
    socket.codec_mut().client_info.state = PgWireConnectionState::AwaitingStartup;
    futures::executor::block_on(serve(&mut socket, start == Start::Connect));
}

/// The SASL exchange so far.
enum Sasl {
    Initial,
    Final(Option<Box<ScramServerAuthWaitingForClientFinal>>),
}

async fn serve(socket: &mut Socket, verify_scram: bool) {
    let mut sasl = Sasl::Initial;
    while let Some(next) = socket.next().await {
        let message = match next {
            Ok(message) => message,
            Err(PgWireError::IoError(e)) if e.kind() == io::ErrorKind::InvalidData => return,
            Err(other) => panic!("pgwire refused a message the checks accepted: {other}"),
        };
        assert!(
            socket.read_buffer().is_empty(),
            "pgwire left part of a checked message undecoded"
        );
        let client = &mut socket.codec_mut().client_info;
        match message {
            PgWireFrontendMessage::Startup(startup) => {
                client.protocol_version = ProtocolVersion::from_version_number(
                    startup.protocol_number_major,
                    startup.protocol_number_minor,
                )
                .unwrap_or_default();
                client.state = PgWireConnectionState::AuthenticationInProgress;
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                let Some(next) = sasl_step(sasl, message, verify_scram) else {
                    return; // the login failed: the server closes the connection
                };
                sasl = next;
                if matches!(sasl, Sasl::Initial) {
                    client.state = PgWireConnectionState::ReadyForQuery;
                }
            }
            PgWireFrontendMessage::Bind(bind) => {
                let statement = Arc::new(StoredStatement::new("s".to_owned(), (), vec![]));
                if let Ok(portal) = Portal::try_new(&bind, statement) {
                    for i in 0..portal.parameters.len() {
                        let _ = portal.parameter_format.is_binary(i);
                    }
                }
            }
            PgWireFrontendMessage::CancelRequest(_) | PgWireFrontendMessage::Terminate(_) => {
                return;
            }
            _ => {}
        }
    }
}

/// One SASL message through pgwire's SCRAM server; `None` when the login fails, `Initial`
/// again when it is complete.
fn sasl_step(sasl: Sasl, message: PasswordMessageFamily, verify: bool) -> Option<Sasl> {
    match sasl {
        Sasl::Initial => {
            let initial = message
                .into_sasl_initial_response()
                .unwrap_or_else(|e| panic!("a checked SASLInitialResponse did not decode: {e}"));
            if !verify {
                return Some(Sasl::Final(None));
            }
            let secret = ScramSecret::Verifier {
                salt: vec![7; 16],
                iterations: 4096,
                stored_key: vec![1; 32],
                server_key: vec![2; 32],
            };
            let server = ScramServerAuth::new();
            let (_, waiting) = server
                .on_client_first_message_with_secret(&initial.data?, secret)
                .ok()?;
            Some(Sasl::Final(Some(Box::new(waiting))))
        }
        Sasl::Final(waiting) => {
            let response = message
                .into_sasl_response()
                .unwrap_or_else(|e| panic!("a checked SASLResponse did not decode: {e}"));
            if let Some(waiting) = waiting {
                waiting.on_client_final_message(&response.data).ok()?;
            }
            Some(Sasl::Initial)
        }
    }
}

/// A startup packet for user `fuzz`, a SASLInitialResponse and a SASLResponse.
fn login() -> Vec<u8> {
    let mut startup = 196_608i32.to_be_bytes().to_vec();
    startup.extend_from_slice(b"user\0fuzz\0database\0mesh\0\0");
    let mut bytes = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
    bytes.extend_from_slice(&startup);
    let first = b"n,,n=,r=fuzznonce";
    let mut initial = b"SCRAM-SHA-256\0".to_vec();
    initial.extend_from_slice(&(first.len() as i32).to_be_bytes());
    initial.extend_from_slice(first);
    for body in [&initial[..], b"c=biws,r=fuzznonce,p=AAAA"] {
        bytes.push(b'p');
        bytes.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        bytes.extend_from_slice(body);
    }
    bytes
}
