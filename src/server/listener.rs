//! The accept loop: one task per connection in a `JoinSet` (dropped tasks are cancelled),
//! a connection limit answered with SQLSTATE 53300, and graceful shutdown (stop accepting,
//! give running connections a bounded time, then drop them).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use pgwire::api::RandomPidSecretKeyGenerator;
use pgwire::tokio::TlsAcceptor;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::server::ServeOptions;
use crate::server::auth::UserVerifiers;
use crate::server::cancel::{CancelRegistry, MeshCancelHandler};
use crate::server::connection::{self, Handlers};
use crate::server::handler::QueryHandler;
use crate::server::startup::{LoginParameters, MeshStartup, StartupShared};
use crate::server::{mock_secret, tls};

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<StartupShared>,
    query: Arc<QueryHandler>,
    cancel: Arc<MeshCancelHandler>,
    options: ServeOptions,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listener", &self.listener)
            .field("tls", &self.tls.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Loads TLS and users and binds the listen address; any problem stops here, before a
    /// single client is served.
    pub async fn bind(engine: Engine, config: &Config, options: ServeOptions) -> Result<Server> {
        let tls = match &options.tls {
            Some((cert, key)) => Some(tls::acceptor(cert, key)?),
            None if options.require_tls => {
                return Err(Error::Config(
                    "require_tls = true needs tls_cert and tls_key".into(),
                ));
            }
            None => None,
        };
        let secret = match &config.scram_mock_secret_file {
            Some(path) => mock_secret::load_or_create(path).await?,
            None => mock_secret::random()?,
        };
        let verifiers = Arc::new(UserVerifiers::from_config(config, &secret)?);
        let principals = config
            .users
            .keys()
            .filter_map(|name| Some((name.clone(), Arc::new(config.principal(name)?))))
            .collect();
        let cancels = Arc::new(CancelRegistry::default());
        let shared = Arc::new(StartupShared {
            engine: Arc::new(engine),
            principals,
            verifiers,
            require_tls: options.require_tls,
            cancels: Arc::clone(&cancels),
            pids: Arc::new(RandomPidSecretKeyGenerator::default()),
            parameters: Arc::new(LoginParameters::new()),
        });
        let listener = TcpListener::bind(&options.listen)
            .await
            .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", options.listen)))?;
        Ok(Server {
            listener,
            tls,
            shared,
            query: Arc::new(QueryHandler::default()),
            cancel: Arc::new(MeshCancelHandler(cancels)),
            options,
        })
    }

    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::io(&self.options.listen, e))
    }

    /// Serves until `shutdown` completes, then stops accepting and waits up to the grace
    /// period for running connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let limit = self.options.max_connections;
        let slots = Arc::new(Semaphore::new(limit));
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = self.listener.accept() => {
                    let (socket, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            tracing::warn!("accept failed: {e}");
                            continue;
                        }
                    };
                    let slot = Arc::clone(&slots).try_acquire_owned().ok();
                    let over_limit = slot.is_none().then_some(limit);
                    let handlers = Handlers {
                        startup: Arc::new(MeshStartup::new(Arc::clone(&self.shared), over_limit)),
                        query: Arc::clone(&self.query),
                        cancel: Arc::clone(&self.cancel),
                    };
                    let tls = self.tls.clone();
                    connections.spawn(async move {
                        if let Err(e) = connection::serve(socket, tls, handlers).await {
                            tracing::debug!(%peer, "connection ended: {e}");
                        }
                        drop(slot);
                    });
                }
            }
        }
        drop(self.listener);
        let running = connections.len();
        if running > 0 {
            tracing::info!(running, "shutting down; waiting for running connections");
        }
        let drained = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(self.options.shutdown_grace, drained)
            .await
            .is_err()
        {
            tracing::warn!("grace period over; closing the remaining connections");
        }
        Ok(())
    }
}
