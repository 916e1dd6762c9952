//! Cancel requests. pgwire races a cancel only against planning; meshgate keeps its own
//! registry, keyed by (pid, secret key), whose token the row stream observes between
//! batches, so a cancel stops a query while it streams.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use async_trait::async_trait;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use tokio_util::sync::CancellationToken;

type Key = (i32, Vec<u8>);

/// The cancel state of one connection: the token of the statement it runs now.
#[derive(Debug, Default)]
pub struct QueryCancel {
    current: Mutex<CancellationToken>,
}

impl QueryCancel {
    /// A fresh token for the next statement (a cancel that arrived between statements is
    /// forgotten, as in PostgreSQL).
    pub fn start(&self) -> CancellationToken {
        let token = CancellationToken::new();
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = token.clone();
        token
    }

    fn cancel(&self) {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cancel();
    }
}

/// Every live connection's cancel state, by (pid, secret key).
#[derive(Debug, Default)]
pub struct CancelRegistry {
    connections: Mutex<HashMap<Key, Weak<QueryCancel>>>,
}

/// Removes a connection from the registry when dropped (with its session).
#[derive(Debug)]
pub struct Registration {
    key: Key,
    registry: Arc<CancelRegistry>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl CancelRegistry {
    /// Registers a connection; keep the [`Registration`] as long as the connection lives.
    pub fn register(
        self: &Arc<Self>,
        pid: i32,
        secret: &SecretKey,
        cancel: &Arc<QueryCancel>,
    ) -> Registration {
        let key = (pid, secret.to_bytes().to_vec());
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), Arc::downgrade(cancel));
        Registration {
            key,
            registry: Arc::clone(self),
        }
    }

    /// Trips the current statement of the connection with this key; unknown keys are
    /// ignored silently, as PostgreSQL does.
    pub fn cancel(&self, pid: i32, secret: &SecretKey) -> bool {
        let key = (pid, secret.to_bytes().to_vec());
        let found = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .and_then(Weak::upgrade);
        match found {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}

/// pgwire's cancel hook over the registry.
#[derive(Debug)]
pub struct MeshCancelHandler(pub Arc<CancelRegistry>);

#[async_trait]
impl CancelHandler for MeshCancelHandler {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let found = self.0.cancel(request.pid, &request.secret_key);
        tracing::info!(pid = request.pid, found, "cancel request");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_trips_only_the_running_statement_of_that_connection() {
        let registry = Arc::new(CancelRegistry::default());
        let one = Arc::new(QueryCancel::default());
        let two = Arc::new(QueryCancel::default());
        let _r1 = registry.register(1, &SecretKey::I32(11), &one);
        let _r2 = registry.register(2, &SecretKey::I32(22), &two);
        let (t1, t2) = (one.start(), two.start());
        assert!(!registry.cancel(1, &SecretKey::I32(99)), "wrong secret");
        assert!(registry.cancel(1, &SecretKey::I32(11)));
        assert!(t1.is_cancelled() && !t2.is_cancelled());
        assert!(!one.start().is_cancelled(), "next statement starts clean");
        drop(_r2);
        assert!(
            !registry.cancel(2, &SecretKey::I32(22)),
            "unregistered on drop"
        );
    }
}
