//! One client connection from accept to close, in place of pgwire's `process_socket`, so that
//! every byte a client sends is checked before pgwire decodes it:
//!
//! 1. encryption: direct TLS (PostgreSQL 17, ALPN `postgresql`), or at most one SSLRequest
//!    and one GSSENCRequest read here exactly (8 bytes each), so plaintext pipelined after an
//!    SSLRequest is never taken for encrypted data (PostgreSQL's CVE-2021-23214);
//! 2. the message loop over a [`CheckedStream`]: pgwire decodes only messages whose framing
//!    and layout [`frames`](crate::server::frames) accepted; a malformed message is answered
//!    with a FATAL 08P01 ErrorResponse and closes this connection only.
//!
//! Everything until the login completes must happen within 60 seconds.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pgwire::api::{ClientInfo, DefaultClient, ErrorHandler, NoopHandler, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::server::{MaybeTls, PgWireMessageServerCodec, process_error, process_message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::codec::Framed;

use crate::error::Error;
use crate::server::cancel::MeshCancelHandler;
use crate::server::checked_stream::CheckedStream;
use crate::server::frames::{GSSENC_REQUEST_CODE, SSL_REQUEST_CODE};
use crate::server::handler::QueryHandler;
use crate::server::prepare::Prepared;
use crate::server::session::to_pg;
use crate::server::startup::{MeshErrors, MeshStartup};

/// How long a client has from connecting to being logged in (PostgreSQL's default
/// `authentication_timeout`).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the error that closes a connection may take to reach a client that does not read.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(5);

/// The first byte of a TLS handshake record: a client starting TLS directly.
const TLS_HANDSHAKE: u8 = 0x16;

type Socket = Framed<CheckedStream<MaybeTls>, PgWireMessageServerCodec<Prepared>>;

/// The handlers of one connection: a fresh startup handler, shared query handlers.
pub struct Handlers {
    /// This connection's own login.
    pub startup: Arc<MeshStartup>,
    /// Simple and extended queries.
    pub query: Arc<QueryHandler>,
    /// Cancel requests.
    pub cancel: Arc<MeshCancelHandler>,
}

/// Serves one accepted connection until the client leaves, breaks the protocol or its login
/// times out. I/O errors are the caller's to log.
pub async fn serve(tcp: TcpStream, tls: Option<TlsAcceptor>, handlers: Handlers) -> io::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let Ok(negotiated) = timeout_at(deadline, negotiate(tcp, tls)).await else {
        return Ok(());
    };
    let Some(mut socket) = negotiated? else {
        return Ok(());
    };
    run(&mut socket, &handlers, deadline).await
}

/// Answers the encryption requests and returns the connection ready for its startup packet,
/// or `None` when it cannot go on (direct TLS without TLS configured or without ALPN).
async fn negotiate(mut tcp: TcpStream, tls: Option<TlsAcceptor>) -> io::Result<Option<Socket>> {
    let peer = tcp.peer_addr()?;
    tcp.set_nodelay(true)?;
    let mut first = [0u8; 1];
    if tcp.peek(&mut first).await? == 0 {
        return Ok(None);
    }
    if first[0] == TLS_HANDSHAKE {
        let Some(tls) = tls else {
            return Ok(None);
        };
        return encrypted(tcp, &tls, peer, true).await;
    }
    let (mut ssl_done, mut gss_done) = (false, false);
    loop {
        let mut head = [0u8; 8];
        tcp.read_exact(&mut head[..4]).await?;
        if head[..4] != 8i32.to_be_bytes() {
            return Ok(Some(framed(
                MaybeTls::Plain(tcp),
                peer,
                false,
                None,
                &head[..4],
            )));
        }
        tcp.read_exact(&mut head[4..]).await?;
        let code = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        match (code, &tls) {
            (SSL_REQUEST_CODE, Some(tls)) if !ssl_done => {
                tcp.write_all(b"S").await?;
                return encrypted(tcp, tls, peer, false).await;
            }
            (SSL_REQUEST_CODE, None) if !ssl_done => ssl_done = true,
            (GSSENC_REQUEST_CODE, _) if !gss_done => gss_done = true,
            // a repeated request or a startup packet: the checker judges it
            _ => return Ok(Some(framed(MaybeTls::Plain(tcp), peer, false, None, &head))),
        }
        tcp.write_all(b"N").await?;
    }
}

/// Completes the TLS handshake; a direct TLS connection must have negotiated ALPN
/// `postgresql`.
async fn encrypted(
    tcp: TcpStream,
    tls: &TlsAcceptor,
    peer: SocketAddr,
    direct: bool,
) -> io::Result<Option<Socket>> {
    let stream = tls.accept(tcp).await?;
    let (_, session) = stream.get_ref();
    if direct && session.alpn_protocol() != Some(b"postgresql".as_slice()) {
        return Ok(None);
    }
    let sni = session.server_name().map(str::to_owned);
    let io = MaybeTls::Tls(Box::new(stream));
    Ok(Some(framed(io, peer, true, sni, &[])))
}

fn framed(
    io: MaybeTls,
    peer: SocketAddr,
    secure: bool,
    sni: Option<String>,
    already_read: &[u8],
) -> Socket {
    let mut client = DefaultClient::new(peer, secure);
    client.sni_server_name = sni;
    let stream = CheckedStream::new(io, already_read);
    let mut socket = Framed::new(stream, PgWireMessageServerCodec::new(client));
    socket.set_state(PgWireConnectionState::AwaitingStartup);
    socket
}

/// pgwire's message loop (`process_socket_messages`), ending the connection on a protocol
/// violation with a FATAL 08P01.
async fn run(socket: &mut Socket, handlers: &Handlers, deadline: Instant) -> io::Result<()> {
    let copy = Arc::new(NoopHandler);
    loop {
        let logging_in = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        let next = if logging_in {
            match timeout_at(deadline, socket.next()).await {
                Ok(next) => next,
                Err(_) => {
                    tracing::debug!(peer = %socket.socket_addr(), "login timed out");
                    return Ok(());
                }
            }
        } else {
            socket.next().await
        };
        let message = match next {
            None => return Ok(()),
            Some(Ok(message)) => message,
            Some(Err(error)) => return refuse(socket, error).await,
        };
        if matches!(message, PgWireFrontendMessage::Terminate(_)) {
            return Ok(());
        }
        let extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => message.is_extended_query(),
        };
        let cancel = matches!(message, PgWireFrontendMessage::CancelRequest(_));
        let result = process_message(
            message,
            socket,
            Arc::clone(&handlers.startup),
            Arc::clone(&handlers.query),
            Arc::clone(&handlers.query),
            Arc::clone(&copy),
            Arc::clone(&handlers.cancel),
        )
        .await;
        if let Err(mut error) = result {
            MeshErrors.on_error(socket, &mut error);
            let fatal = error.is_fatal();
            process_error(socket, error, extended).await?;
            if fatal {
                return Ok(());
            }
        }
        if cancel {
            return Ok(());
        }
    }
}

/// Answers a message that could not be read with a FATAL 08P01 and closes the connection;
/// a broken connection is just dropped.
async fn refuse(socket: &mut Socket, error: PgWireError) -> io::Result<()> {
    let message = match error {
        PgWireError::IoError(e) if e.kind() == io::ErrorKind::InvalidData => e.to_string(),
        PgWireError::IoError(_) => return Ok(()),
        other => other.to_string(),
    };
    tracing::warn!(peer = %socket.socket_addr(), "protocol violation: {message}");
    let info = ErrorInfo::from(to_pg(Error::ProtocolViolation(message), true));
    let goodbye = async {
        socket
            .send(PgWireBackendMessage::ErrorResponse(info.into()))
            .await?;
        socket.close().await
    };
    // a client that does not read cannot hold the connection open
    let _ = timeout(GOODBYE_TIMEOUT, goodbye).await;
    Ok(())
}
