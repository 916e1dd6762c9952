//! TLS as clients negotiate it with the server's own connection code: an SSLRequest
//! answered `S` and a login over TLS, PostgreSQL 17's direct TLS (ALPN `postgresql`), and
//! plaintext pipelined after an SSLRequest never taken as encrypted (CVE-2021-23214).

use std::sync::Arc;
use std::time::Duration;

use meshgate::server::ServeOptions;
use pgwire::tokio::tokio_rustls::TlsConnector;
use pgwire::tokio::tokio_rustls::client::TlsStream;
use pgwire::tokio::tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use pgwire::tokio::tokio_rustls::rustls::crypto::{
    CryptoProvider, ring, verify_tls12_signature, verify_tls13_signature,
};
use pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use pgwire::tokio::tokio_rustls::rustls::{
    ClientConfig, DigitallySignedStruct, Error, SignatureScheme,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{TestServer, start, tls_files};
use crate::wire::{Reply, closes, log_in, message, read_message, reply, startup, untyped};

/// Accepts the test certificate (self-signed, so no root store would).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn tls_server() -> TestServer {
    start(ServeOptions {
        tls: Some(tls_files()),
        ..ServeOptions::default()
    })
    .await
}

/// Starts TLS on `tcp`, offering ALPN `postgresql` when `alpn`.
async fn handshake(tcp: TcpStream, alpn: bool) -> std::io::Result<TlsStream<TcpStream>> {
    let provider = Arc::new(ring::default_provider());
    let verifier = Arc::new(AnyCertificate(Arc::clone(&provider)));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    if alpn {
        config.alpn_protocols = vec![b"postgresql".to_vec()];
    }
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

fn ssl_request() -> Vec<u8> {
    untyped(&80_877_103i32.to_be_bytes())
}

async fn query_works(socket: &mut TlsStream<TcpStream>) {
    socket
        .write_all(&message(b'Q', b"select 1\0"))
        .await
        .unwrap();
    assert_eq!(reply(socket).await, Reply::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_after_an_ssl_request_and_direct_tls_log_in() {
    let server = tls_server().await;
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    tcp.write_all(&ssl_request()).await.unwrap();
    assert_eq!(tcp.read_u8().await.unwrap(), b'S');
    let mut socket = handshake(tcp, false).await.unwrap();
    log_in(&mut socket, "admin", "admin").await;
    query_works(&mut socket).await;

    let tcp = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    let mut socket = handshake(tcp, true).await.unwrap();
    log_in(&mut socket, "admin", "admin").await;
    query_works(&mut socket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_direct_without_alpn_is_closed() {
    let server = tls_server().await;
    let tcp = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    if let Ok(mut socket) = handshake(tcp, false).await {
        assert!(closes(&mut socket).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_plaintext_after_an_ssl_request_is_never_taken_as_encrypted() {
    let server = tls_server().await;
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    let injected = [
        ssl_request(),
        startup(&[("user", "admin"), ("database", "mesh")]),
    ]
    .concat();
    tcp.write_all(&injected).await.unwrap();
    assert_eq!(tcp.read_u8().await.unwrap(), b'S');
    let Ok(mut socket) = handshake(tcp, false).await else {
        return; // the injected bytes broke the handshake: nothing was taken as encrypted
    };
    let answer = tokio::time::timeout(Duration::from_secs(2), read_message(&mut socket)).await;
    assert!(
        !matches!(answer, Ok(Some((b'R', _)))),
        "the plaintext startup packet was answered over TLS"
    );
}
