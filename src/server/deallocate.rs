//! `DEALLOCATE [PREPARE] name | ALL`, as in PostgreSQL, where statements prepared by the
//! extended protocol's Parse and by SQL `PREPARE` share one namespace: `DEALLOCATE ALL`
//! (psycopg sends it after a ROLLBACK of a connection that prepared statements, and
//! `DISCARD ALL` does it too) drops both kinds, `DEALLOCATE name` either kind, and an
//! unknown name is 26000.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use datafusion::logical_expr::{Deallocate, LogicalPlan, Statement};
use pgwire::api::store::PortalStore;

use crate::error::{Error, Result};
use crate::server::session::Session;

/// The names of a session's prepared statements, of both kinds.
#[derive(Debug, Default)]
pub struct PreparedNames {
    /// Named statements Parse stored (pgwire's portal store holds them).
    protocol: Mutex<BTreeSet<String>>,
    /// Statements SQL `PREPARE` stored (DataFusion's session holds them).
    sql: Mutex<BTreeSet<String>>,
}

fn lock(names: &Mutex<BTreeSet<String>>) -> MutexGuard<'_, BTreeSet<String>> {
    names.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PreparedNames {
    /// Parse stored statement `name` (the unnamed statement is not kept here).
    pub fn parsed(&self, name: &str) {
        if !name.is_empty() {
            lock(&self.protocol).insert(name.to_string());
        }
    }

    /// A Close message removed statement `name`.
    pub fn closed(&self, name: &str) {
        lock(&self.protocol).remove(name);
    }

    /// SQL `PREPARE name` succeeded.
    pub fn prepared(&self, name: &str) {
        lock(&self.sql).insert(name.to_string());
    }
}

/// Deallocates statement `name`, or all of them (`None`), from `store` (the protocol's
/// statements) and the session's SQL-prepared ones; returns the command tag.
pub async fn deallocate<S: PortalStore + ?Sized>(
    session: &Session,
    store: Option<&S>,
    name: Option<&str>,
) -> Result<&'static str> {
    let names = &session.prepared;
    let (protocol, sql): (Vec<String>, Vec<String>) = match name {
        None => (
            std::mem::take(&mut *lock(&names.protocol))
                .into_iter()
                .collect(),
            std::mem::take(&mut *lock(&names.sql)).into_iter().collect(),
        ),
        Some(name) if lock(&names.protocol).remove(name) => (vec![name.to_string()], vec![]),
        Some(name) if lock(&names.sql).remove(name) => (vec![], vec![name.to_string()]),
        Some(name) => return Err(Error::UnknownStatement(name.to_string())),
    };
    if let Some(store) = store {
        for name in &protocol {
            store.rm_statement(name);
        }
    }
    for name in sql {
        let plan = LogicalPlan::Statement(Statement::Deallocate(Deallocate { name }));
        session.ctx.execute_logical_plan(plan).await?;
    }
    Ok(if name.is_some() {
        "DEALLOCATE"
    } else {
        "DEALLOCATE ALL"
    })
}
