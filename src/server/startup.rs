//! The startup phase of one connection: connection limit, TLS requirement and database
//! checks, then SCRAM-SHA-256 through pgwire, then the connection's session. A fresh handler
//! is built for every connection.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::Sink;
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::sasl::scram::ScramAuth;
use pgwire::api::auth::{DefaultServerParameterProvider, ServerParameterProvider, StartupHandler};
use pgwire::api::{
    ClientInfo, ErrorHandler, METADATA_USER, PgWireConnectionState, PidSecretKeyGenerator,
};
use pgwire::error::PgWireError;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::engine::Engine;
use crate::error::Error;
use crate::policy::Principal;
use crate::server::auth::UserVerifiers;
use crate::server::cancel::{CancelRegistry, QueryCancel};
use crate::server::current_setting;
use crate::server::session::{Session, to_pg};
use crate::server::settings::{REPORTED, Settings};

/// The one database meshgate serves.
pub const DATABASE: &str = "mesh";

/// What every connection's startup shares.
pub struct StartupShared {
    /// The engine sessions are made from.
    pub engine: Arc<Engine>,
    /// Principals by user name.
    pub principals: BTreeMap<String, Arc<Principal>>,
    /// SCRAM verifiers by user name.
    pub verifiers: Arc<UserVerifiers>,
    /// Refuse logins that did not negotiate TLS.
    pub require_tls: bool,
    /// Cancel registry.
    pub cancels: Arc<CancelRegistry>,
    /// Process ids and secret keys for BackendKeyData, shared so pids are unique.
    pub pids: Arc<dyn PidSecretKeyGenerator>,
    /// Parameters reported at login.
    pub parameters: Arc<LoginParameters>,
}

impl Debug for StartupShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartupShared")
            .field("users", &self.principals.keys())
            .field("require_tls", &self.require_tls)
            .finish_non_exhaustive()
    }
}

/// The parameters meshgate reports at login: the server's, and the client's own settings
/// from its startup packet (`TimeZone`, `application_name`, ...) where it asked for them.
#[derive(Debug)]
pub struct LoginParameters(DefaultServerParameterProvider);

impl LoginParameters {
    /// meshgate's server parameters.
    pub fn new() -> LoginParameters {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = format!("17.0 (meshgate {})", env!("CARGO_PKG_VERSION"));
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        parameters.time_zone = "UTC".into();
        parameters.date_style = "ISO, MDY".into();
        LoginParameters(parameters)
    }
}

impl Default for LoginParameters {
    fn default() -> LoginParameters {
        LoginParameters::new()
    }
}

impl ServerParameterProvider for LoginParameters {
    fn server_parameters<C: ClientInfo>(&self, client: &C) -> Option<HashMap<String, String>> {
        let mut parameters = self.0.server_parameters(client)?;
        // checked before authentication, so this succeeds
        if let Ok(settings) = Settings::from_startup(client.metadata()) {
            for name in REPORTED {
                if let Ok((display, value)) = settings.get(name) {
                    parameters.insert(display.to_string(), value);
                }
            }
        }
        Some(parameters)
    }
}

/// The startup handler of one connection.
pub struct MeshStartup {
    shared: Arc<StartupShared>,
    sasl: SASLAuthStartupHandler<LoginParameters>,
    over_limit: Option<usize>,
}

impl MeshStartup {
    /// A fresh handler; `over_limit` (the limit) makes it refuse the login with 53300.
    pub fn new(shared: Arc<StartupShared>, over_limit: Option<usize>) -> MeshStartup {
        let verifiers: Arc<UserVerifiers> = Arc::clone(&shared.verifiers);
        let sasl = SASLAuthStartupHandler::new(Arc::clone(&shared.parameters))
            .with_scram(ScramAuth::new(verifiers))
            .with_pid_secret_key_generator(Arc::clone(&shared.pids));
        MeshStartup {
            shared,
            sasl,
            over_limit,
        }
    }

    fn check_startup<C: ClientInfo>(
        &self,
        client: &C,
        message: &PgWireFrontendMessage,
    ) -> Result<(), Error> {
        let PgWireFrontendMessage::Startup(startup) = message else {
            return Ok(());
        };
        if let Some(limit) = self.over_limit {
            return Err(Error::TooManyConnections(limit));
        }
        if self.shared.require_tls && !client.is_secure() {
            return Err(Error::TlsRequired);
        }
        let user = startup.parameters.get("user").cloned().unwrap_or_default();
        let database = startup.parameters.get("database").cloned().unwrap_or(user);
        if database != DATABASE {
            return Err(Error::UnknownDatabase(database));
        }
        Settings::from_startup(&startup.parameters)?;
        Ok(())
    }

    fn open_session<C: ClientInfo>(&self, client: &C) -> Result<(), Error> {
        let user = client
            .metadata()
            .get(METADATA_USER)
            .cloned()
            .unwrap_or_default();
        let principal = self
            .shared
            .principals
            .get(&user)
            .cloned()
            .ok_or_else(|| Error::AuthFailed(user.clone()))?;
        let settings = Settings::from_startup(client.metadata())?;
        let ctx = self.shared.engine.session(Arc::clone(&principal))?;
        crate::server::pg_catalog::install(&ctx, &principal)?;
        let cancel = Arc::new(QueryCancel::default());
        let (pid, secret) = client.pid_and_secret_key();
        let registration = self.shared.cancels.register(pid, &secret, &cancel);
        let session = Session::new(
            ctx,
            principal,
            cancel,
            registration,
            client.socket_addr().to_string(),
            settings,
        );
        session.use_time_zone(&session.settings().get("TimeZone")?.1)?;
        current_setting::register(&session.ctx, session.shared_settings());
        client.session_extensions().insert(session);
        tracing::info!(user, pid, peer = %client.socket_addr(), tls = client.is_secure(), "login");
        Ok(())
    }
}

#[async_trait]
impl StartupHandler for MeshStartup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> Result<(), PgWireError>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Err(refused) = self.check_startup(client, &message) {
            tracing::warn!(peer = %client.socket_addr(), "connection refused: {refused}");
            return Err(to_pg(refused, true));
        }
        self.sasl.on_startup(client, message).await?;
        let ready = matches!(client.state(), PgWireConnectionState::ReadyForQuery);
        if ready && client.session_extensions().get::<Session>().is_none() {
            self.open_session(client).map_err(|e| to_pg(e, true))?;
        }
        Ok(())
    }
}

/// Rewrites pgwire's own login failures into meshgate's 28P01 (the same message whether the
/// user is unknown or the password wrong) and logs them.
#[derive(Debug)]
pub struct MeshErrors;

impl ErrorHandler for MeshErrors {
    fn on_error<C: ClientInfo>(&self, client: &C, error: &mut PgWireError) {
        let user = client
            .metadata()
            .get(METADATA_USER)
            .cloned()
            .unwrap_or_default();
        let auth_failed = matches!(
            error,
            PgWireError::InvalidPassword(_)
                | PgWireError::InvalidScramMessage(_)
                | PgWireError::UnsupportedSASLAuthMethod(_)
        );
        if auth_failed {
            tracing::warn!(user, peer = %client.socket_addr(), reason = %error, "login failed");
            *error = to_pg(Error::AuthFailed(user), true);
        } else {
            tracing::debug!(user, "error: {error}");
        }
    }
}
