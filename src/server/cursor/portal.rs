//! `FETCH`, `MOVE` and `CLOSE` of protocol portals. In PostgreSQL a portal bound by the
//! extended protocol's Bind and a cursor declared in SQL share one namespace, so SQL can move
//! a portal on: asyncpg's `Cursor.forward()` sends `MOVE FORWARD n "<portal>"` for a portal
//! it bound and then reads it with Execute. A name that is no declared cursor is looked up
//! among the connection's portals. The portal's query runs as its Execute would run it
//! (planned and governed at Parse, audited while it streams); only forward directions work,
//! and FETCH sends rows in text, so a portal bound with binary result columns is refused
//! (0A000) rather than answered in a format the client did not ask for.

use std::fmt::Debug;
use std::sync::Arc;

use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::results::Tag;
use pgwire::api::store::{Entry, MemPortalStore, PortalStore};
use pgwire::api::{ClientPortalStore, DEFAULT_NAME};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::RowDescription;

use crate::error::{Error, Result};
use crate::server::cursor::parse::{Count, Direction, forward_only};
use crate::server::execute::Guard;
use crate::server::handler::err;
use crate::server::prepare::Prepared;

/// The connection's portal store, as the one type of store pgwire gives a connection.
pub fn store<C: ClientPortalStore>(client: &C) -> Option<&MemPortalStore<Prepared>>
where
    C::PortalStore: PortalStore,
{
    client
        .portal_store()
        .as_any()
        .downcast_ref::<MemPortalStore<Prepared>>()
}

/// Closes every portal (`CLOSE ALL`, the end of a transaction, `DISCARD ALL`).
pub fn close_all<C: ClientPortalStore>(client: &C)
where
    C::PortalStore: PortalStore,
{
    if let Some(store) = store(client) {
        store.clear_portals();
    }
}

/// The named portal `name`, if Bind made one (the unnamed portal is not reachable by name).
pub fn find<C: ClientPortalStore>(client: &C, name: &str) -> Option<Arc<Portal<Prepared>>>
where
    C::PortalStore: PortalStore,
{
    if name == DEFAULT_NAME {
        return None;
    }
    match store(client)?.get_portal(name) {
        Some(Entry::Value(portal)) => Some(portal),
        _ => None,
    }
}

/// Checks that `portal` can be read by FETCH (`moved` false) or MOVE before it is started:
/// it is a query's, and FETCH gets text.
pub fn check(portal: &Portal<Prepared>, moved: bool) -> Result<()> {
    if !matches!(portal.statement.statement, Prepared::Query(_)) {
        return Err(Error::Unsupported(format!(
            "portal \"{}\" is not a query's; FETCH and MOVE read the portals of queries",
            portal.name
        )));
    }
    let binary = match &portal.result_column_format {
        Format::UnifiedText => false,
        Format::UnifiedBinary => true,
        Format::Individual(codes) => codes.iter().any(|code| *code != 0),
    };
    if binary && !moved {
        return Err(Error::Unsupported(format!(
            "FETCH from portal \"{}\": it was bound with binary result columns and FETCH \
             answers in text; read it with Execute, or bind it with text results",
            portal.name
        )));
    }
    Ok(())
}

/// Rows to pass over and to take for `direction`; only forward directions.
fn steps(direction: Direction) -> Result<(u64, Option<u64>)> {
    match direction {
        Direction::Forward { skip, count } => Ok((
            skip,
            match count {
                Count::Rows(n) => Some(n),
                Count::All => None,
            },
        )),
        Direction::Current | Direction::Absolute(_) => Err(forward_only(
            "FETCH RELATIVE 0, ABSOLUTE or FIRST on a protocol portal",
        )),
    }
}

/// Runs FETCH (sends the rows, after a RowDescription when `describe`) or MOVE (counts
/// them) on a started portal, under the statement's `guard`; feeds the CommandComplete.
pub async fn fetch<C>(
    client: &mut C,
    portal: &Portal<Prepared>,
    direction: Direction,
    moved: bool,
    describe: bool,
    guard: &Guard,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let (mut skip, mut left) = steps(direction).map_err(err)?;
    let state = portal.state();
    let mut state = state.lock().await;
    let mut count = 0usize;
    if let PortalExecutionState::Suspended(response) = &mut *state {
        if describe && !moved {
            let fields = response.row_schema().iter().map(Into::into).collect();
            client
                .feed(PgWireBackendMessage::RowDescription(RowDescription::new(
                    fields,
                )))
                .await?;
        }
        let rows = response.data_rows();
        let mut ended = false;
        while skip > 0 || left != Some(0) {
            let next = guard.run(async { Ok(rows.next().await) }).await;
            let Some(row) = next.map_err(err)? else {
                ended = true;
                break;
            };
            let row = row?;
            if skip > 0 {
                skip -= 1;
                if moved {
                    count += 1;
                }
                continue;
            }
            left = left.map(|n| n - 1);
            count += 1;
            if !moved {
                client.feed(PgWireBackendMessage::DataRow(row)).await?;
            }
        }
        if ended {
            *state = PortalExecutionState::Finished;
        }
    }
    let tag = if moved { "MOVE" } else { "FETCH" };
    client
        .feed(PgWireBackendMessage::CommandComplete(
            Tag::new(tag).with_rows(count).into(),
        ))
        .await?;
    Ok(())
}
