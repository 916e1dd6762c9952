//! `meshgate serve`: the PostgreSQL wire endpoint. One file per concern: the accept loop
//! ([`listener`]), one connection ([`connection`]) and the checks of what clients send
//! ([`frames`], [`checked_stream`]), logins ([`auth`], [`mock_secret`], [`startup`],
//! [`tls`]), statements ([`statement`], [`settings`], [`handler`], [`execute`],
//! [`respond`], [`deallocate`], [`search_path`]), COPY ([`copy`]), cursors ([`cursor`]), values ([`encode`], [`numeric`],
//! [`params`], [`binary_array`], [`declared_params`]) and cancel requests ([`cancel`]).

pub mod auth;
pub mod binary_array;
pub mod cancel;
pub mod checked_stream;
pub mod connection;
pub mod copy;
pub mod current_setting;
pub mod cursor;
pub mod deallocate;
pub mod declared_params;
pub mod encode;
pub mod execute;
pub mod frames;
pub mod handler;
pub mod listener;
pub mod mock_secret;
pub mod numeric;
pub mod params;
pub mod pg_catalog;
pub mod prepare;
pub mod respond;
pub mod search_path;
pub mod session;
pub mod settings;
pub mod startup;
pub mod statement;
pub mod text;
pub mod time_zone;
pub mod tls;
mod words;

use std::path::PathBuf;
use std::time::Duration;

pub use listener::Server;

/// The default listen address (5432 is usually a real PostgreSQL).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5433";

/// Default connection limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

/// How the server listens and whom it lets in.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `host:port` to listen on.
    pub listen: String,
    /// PEM certificate chain and private key; `None`: no TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Refuse logins without TLS.
    pub require_tls: bool,
    /// Connections served at once; more are refused with SQLSTATE 53300.
    pub max_connections: usize,
    /// How long running connections may go on after a shutdown signal.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: DEFAULT_LISTEN.into(),
            tls: None,
            require_tls: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
