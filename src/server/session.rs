//! One connection's session: the principal's DataFusion `SessionContext`, client settings
//! and cancel state, kept in pgwire's per-connection session extensions.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use datafusion::execution::FunctionRegistry;
use datafusion::prelude::SessionContext;
use pgwire::api::ClientInfo;
use pgwire::error::{ErrorInfo, PgWireError};

use crate::error::Error;
use crate::policy::Principal;
use crate::server::cancel::{QueryCancel, Registration};
use crate::server::cursor::Cursors;
use crate::server::deallocate::PreparedNames;
use crate::server::encode::TextStyle;
use crate::server::settings::Settings;
use crate::server::time_zone::{self, ShownZone};

/// The state of one authenticated connection.
pub struct Session {
    /// The principal's own DataFusion session.
    pub ctx: SessionContext,
    /// Who is logged in.
    pub principal: Arc<Principal>,
    /// The cancel state that CancelRequests trip.
    pub cancel: Arc<QueryCancel>,
    /// The client's address, for the audit log.
    pub peer: String,
    /// The open cursors.
    pub cursors: Cursors,
    /// The names of the prepared statements, for `DEALLOCATE`.
    pub prepared: PreparedNames,
    settings: Arc<Mutex<Settings>>,
    /// The `TimeZone` setting last made DataFusion's time zone.
    applied_zone: Mutex<String>,
    _registration: Registration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("principal", &self.principal.name)
            .field("session_id", &self.ctx.session_id())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session over `ctx`, registered for cancel requests by `registration`.
    pub fn new(
        ctx: SessionContext,
        principal: Arc<Principal>,
        cancel: Arc<QueryCancel>,
        registration: Registration,
        peer: String,
        settings: Settings,
    ) -> Session {
        Session {
            ctx,
            principal,
            cancel,
            peer,
            cursors: Cursors::default(),
            prepared: PreparedNames::default(),
            settings: Arc::new(Mutex::new(settings)),
            applied_zone: Mutex::default(),
            _registration: registration,
        }
    }

    /// The client settings.
    pub fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The client settings, shared with `current_setting()`.
    pub fn shared_settings(&self) -> Arc<Mutex<Settings>> {
        Arc::clone(&self.settings)
    }

    /// Makes `zone` (a checked `TimeZone` name) DataFusion's time zone for this session, so
    /// `now()` and `timestamptz` without an offset use it, as `SET datafusion.execution.time_zone`
    /// does.
    pub fn use_time_zone(&self, zone: &str) -> Result<(), Error> {
        *self
            .applied_zone
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = zone.to_string();
        let engine_zone = time_zone::engine_zone(zone);
        let state = self.ctx.state_ref();
        let mut state = state.write();
        let current = &state.config().options().execution.time_zone;
        if current.as_deref() == Some(engine_zone.as_str()) {
            return Ok(());
        }
        state.config_mut().options_mut().execution.time_zone = Some(engine_zone);
        let options = Arc::clone(state.config().options());
        let updated: Vec<_> = state
            .scalar_functions()
            .values()
            .filter_map(|udf| udf.inner().with_updated_config(&options))
            .collect();
        for udf in updated {
            state.register_udf(Arc::new(udf))?;
        }
        Ok(())
    }

    /// Applies the settings the engine must know of (`TimeZone`) after a statement that
    /// may have changed them in SQL (`set_config`).
    /// Applies the `TimeZone` setting if it changed since it was last applied, so a
    /// `SET datafusion.execution.time_zone` stays until the next change of `TimeZone`.
    pub fn apply_settings(&self) -> Result<(), Error> {
        let zone = self.settings().get("TimeZone")?.1;
        let applied = self
            .applied_zone
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if zone == applied {
            return Ok(());
        }
        self.use_time_zone(&zone)
    }

    /// DataFusion's time zone for the session (what `SET TimeZone` set).
    pub fn time_zone(&self) -> Option<String> {
        let state = self.ctx.state_ref();
        state.read().config().options().execution.time_zone.clone()
    }

    /// How this session writes values as text: its `extra_float_digits`, and DataFusion's
    /// time zone for the session as the zone of `timestamptz`.
    pub fn text_style(&self) -> Result<TextStyle, Error> {
        let zone = ShownZone::named(self.time_zone().as_deref())?;
        Ok(TextStyle {
            floats: self.settings().float_digits(),
            zone,
        })
    }

    /// The session of an authenticated connection.
    pub fn of<C: ClientInfo + ?Sized>(client: &C) -> Result<Arc<Session>, PgWireError> {
        client.session_extensions().get::<Session>().ok_or_else(|| {
            to_pg(
                Error::Protocol("the connection has no session; log in first".into()),
                true,
            )
        })
    }
}

/// A meshgate error as a wire error, with its SQLSTATE from [`Error::sqlstate`].
pub fn to_pg(error: Error, fatal: bool) -> PgWireError {
    let severity = if fatal { "FATAL" } else { "ERROR" };
    PgWireError::UserError(Box::new(ErrorInfo::new(
        severity.to_owned(),
        error.sqlstate().to_owned(),
        error.to_string(),
    )))
}
