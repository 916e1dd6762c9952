//! TLS through rustls (ring provider): certificate chain and key from PEM files (PKCS#8,
//! PKCS#1 RSA or SEC1 EC keys), ALPN `postgresql` so PostgreSQL 17 direct TLS works. A
//! configured TLS that cannot load stops the server; there is no plaintext fallback.

use std::path::Path;
use std::sync::Arc;

use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::tokio_rustls::rustls::ServerConfig;
use pgwire::tokio::tokio_rustls::rustls::crypto::ring;
use pgwire::tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// Loads the acceptor for `cert` (PEM chain) and `key` (PEM private key).
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let problem = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        Error::Config(format!(
            "TLS {what} {}: {e}; tls_cert must be a PEM certificate chain and tls_key a PEM \
             private key (PKCS#8, RSA or EC)",
            path.display()
        ))
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| problem("certificate", cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem("certificate", cert, &e))?;
    if certs.is_empty() {
        return Err(problem("certificate", cert, &"no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| problem("key", key, &e))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| problem("setup for", cert, &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| problem("key does not fit the certificate", key, &e))?;
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
