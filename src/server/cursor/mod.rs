//! Forward-only cursors (`DECLARE`/`FETCH`/`MOVE`/`CLOSE`), per session. A cursor holds its
//! query's live DataFusion stream, not a materialised result: a FETCH pulls only the
//! batches it needs, and at most one partly fetched batch (and the current row, for
//! `RELATIVE 0`) waits between FETCHes, so memory stays bounded however large the result.
//! `RELATIVE n`, `ABSOLUTE n` and `FIRST` skip forward to their row; moving back is 0A000.
//! The query is planned and governed at DECLARE through the engine's one path; its audit
//! record is finished when the cursor ends: exhausted or closed early (CLOSE, the end of
//! its transaction, DISCARD ALL, the end of the connection) it is a success with the rows
//! FETCH returned, as PostgreSQL does not count closing a cursor as an error. As in PostgreSQL, a cursor without `WITH HOLD`
//! needs a transaction block and ends with it; `WITH HOLD` cursors outlive their
//! transaction's COMMIT (a ROLLBACK removes those it declared); `DISCARD ALL` closes all.

pub mod parse;
pub mod portal;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::Result as DfResult;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::RecordBatchStream;
use futures::{Stream, StreamExt};
use pgwire::api::portal::Format;
use pgwire::api::results::FieldFormat;
use pgwire::messages::response::TransactionStatus;

use crate::engine::{CursorAudit, execute_cursor_plan};
use crate::error::{Error, Result};
use crate::server::cursor::parse::{Count, CursorCommand, DeclareSpec, Direction, forward_only};
use crate::server::encode::columns;
use crate::server::execute::{Guard, Outcome, RowSource};
use crate::server::handler::format_of;
use crate::server::session::Session;

/// One open cursor.
struct Cursor {
    stream: SendableRecordBatchStream,
    /// Rows read from the stream but not fetched yet.
    pending: Option<RecordBatch>,
    /// The row the cursor is on (the last one fetched or moved over), as a one-row batch;
    /// `None` before the first row and after the last.
    current: Option<RecordBatch>,
    /// Rows passed so far: the number of the current row, counted from 1 (0: before the first).
    position: u64,
    binary: bool,
    hold: bool,
    /// Declared in a transaction that has committed (survives a later ROLLBACK).
    committed: bool,
    /// Rows FETCH has returned, for the audit record.
    fetched: u64,
    /// The query's audit record, until the cursor ends.
    audit: Option<CursorAudit>,
}

impl Cursor {
    /// Finishes the audit record as a success (exhausted or closed); the query is done.
    fn finish(&mut self) {
        if let Some(audit) = self.audit.take() {
            audit.finish(self.fetched);
        }
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The open cursors of one session, by name.
#[derive(Default)]
pub struct Cursors {
    open: Mutex<HashMap<String, Cursor>>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.lock().keys().cloned().collect();
        f.debug_struct("Cursors").field("open", &names).finish()
    }
}

impl Cursors {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Cursor>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self, name: &str) -> Result<Cursor> {
        self.lock()
            .remove(name)
            .ok_or_else(|| Error::UnknownCursor(name.to_string()))
    }

    /// Takes cursor `name` for a FETCH or MOVE towards `direction`, if it can go there.
    fn take_for(&self, name: &str, direction: Direction) -> Result<(Cursor, Step)> {
        let mut open = self.lock();
        let cursor = open
            .get(name)
            .ok_or_else(|| Error::UnknownCursor(name.to_string()))?;
        let step = Step::towards(cursor, direction)?;
        let cursor = open
            .remove(name)
            .ok_or_else(|| Error::UnknownCursor(name.to_string()))?;
        Ok((cursor, step))
    }

    /// The result schema of cursor `name`, if it is open.
    pub fn schema(&self, name: &str) -> Option<SchemaRef> {
        self.lock().get(name).map(|c| c.stream.schema())
    }

    /// Ends the transaction block: a COMMIT keeps (and marks committed) the `WITH HOLD`
    /// cursors; a ROLLBACK also drops those declared in the transaction.
    pub fn end_transaction(&self, commit: bool) {
        self.lock().retain(|_, cursor| {
            if commit && cursor.hold {
                cursor.committed = true;
            }
            cursor.hold && (commit || cursor.committed)
        });
    }

    /// Closes every cursor (`CLOSE ALL`, `DISCARD ALL`).
    pub fn close_all(&self) {
        self.lock().clear();
    }
}

/// Declares cursor `spec` over `plan` (already planned through the governed path).
pub async fn declare(
    session: &Session,
    status: TransactionStatus,
    spec: &DeclareSpec,
    plan: LogicalPlan,
    sql: &str,
    guard: Guard,
) -> Result<Outcome> {
    let in_block = matches!(status, TransactionStatus::Transaction);
    if !in_block && !spec.hold {
        return Err(Error::NoTransaction("DECLARE CURSOR".into()));
    }
    if session.cursors.schema(&spec.name).is_some() {
        return Err(Error::DuplicateCursor(spec.name.clone()));
    }
    let peer = Some(session.peer.clone());
    let (stream, audit) = guard
        .run(execute_cursor_plan(&session.ctx, plan, sql, peer))
        .await?;
    let cursor = Cursor {
        stream,
        pending: None,
        current: None,
        position: 0,
        binary: spec.binary,
        hold: spec.hold,
        committed: !in_block,
        fetched: 0,
        audit: Some(audit),
    };
    let mut open = session.cursors.lock();
    if open.contains_key(&spec.name) {
        return Err(Error::DuplicateCursor(spec.name.clone()));
    }
    open.insert(spec.name.clone(), cursor);
    Ok(Outcome::Done("DECLARE CURSOR".into()))
}

/// Runs FETCH, MOVE or CLOSE. `format` is the extended protocol's result format (Bind
/// decides there); on the simple protocol (`None`) the cursor's `BINARY` option does.
pub async fn run(
    session: &Arc<Session>,
    command: &CursorCommand,
    format: Option<&Format>,
    guard: Guard,
) -> Result<Outcome> {
    let (name, direction, moved) = match command {
        CursorCommand::Close(None) => {
            session.cursors.close_all();
            return Ok(Outcome::Done("CLOSE CURSOR ALL".into()));
        }
        CursorCommand::Close(Some(name)) => {
            session.cursors.take(name)?;
            return Ok(Outcome::Done("CLOSE CURSOR".into()));
        }
        CursorCommand::Fetch {
            name,
            direction,
            moved,
        } => (name, *direction, *moved),
    };
    let (cursor, step) = session.cursors.take_for(name, direction)?;
    let binary = cursor.binary;
    let schema = cursor.stream.schema();
    let mut fetch = Fetch {
        cursor: Some(cursor),
        name: name.clone(),
        session: Arc::clone(session),
        step,
        returns: !moved,
        schema: Arc::clone(&schema),
    };
    if moved {
        let mut skipped = 0;
        while let Some(batch) = guard.run(async { Ok(fetch.next().await) }).await? {
            skipped += batch?.num_rows();
        }
        return Ok(Outcome::Done(format!("MOVE {skipped}")));
    }
    let style = session.text_style()?;
    let columns = match format {
        Some(format) => columns(&schema, |i| format_of(format, i), &style),
        None if binary => columns(&schema, |_| FieldFormat::Binary, &style),
        None => columns(&schema, |_| FieldFormat::Text, &style),
    };
    Ok(Outcome::Rows(RowSource::new(
        Box::pin(fetch),
        columns,
        guard,
        "FETCH",
    )))
}

/// What one FETCH or MOVE does: re-read the current row, or skip rows and take some.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Return the current row again (`RELATIVE 0`), and nothing else.
    replay: bool,
    /// Rows to pass over before taking any.
    skip: u64,
    /// Rows still to take (`None`: all).
    left: Option<u64>,
}

impl Step {
    /// The step that moves `cursor` towards `direction`; 0A000 when that is backward.
    fn towards(cursor: &Cursor, direction: Direction) -> Result<Step> {
        let take = |skip, left| Step {
            replay: false,
            skip,
            left,
        };
        let position = cursor.position;
        Ok(match direction {
            Direction::Forward { skip, count } => match count {
                Count::Rows(n) => take(skip, Some(n)),
                Count::All => take(skip, None),
            },
            Direction::Current => Step {
                replay: true,
                skip: 0,
                left: Some(0),
            },
            Direction::Absolute(row) if row > position => take(row - position - 1, Some(1)),
            Direction::Absolute(0) if position == 0 => take(0, Some(0)),
            Direction::Absolute(row) if row == position && cursor.current.is_some() => Step {
                replay: true,
                skip: 0,
                left: Some(0),
            },
            Direction::Absolute(row) => {
                return Err(forward_only(&format!(
                    "FETCH ABSOLUTE {row} (back from row {position}, where the cursor is)"
                )));
            }
        })
    }
}

/// The rows one FETCH takes from a cursor; gives the cursor back to the session when
/// dropped (a cursor whose query failed is closed instead).
struct Fetch {
    cursor: Option<Cursor>,
    name: String,
    session: Arc<Session>,
    step: Step,
    /// FETCH (rows go to the client and count as fetched), not MOVE.
    returns: bool,
    schema: SchemaRef,
}

impl Stream for Fetch {
    type Item = DfResult<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(cursor) = this.cursor.as_mut() else {
            return Poll::Ready(None);
        };
        let step = &mut this.step;
        if std::mem::take(&mut step.replay) {
            let current = cursor.current.clone();
            if this.returns && current.is_some() {
                cursor.fetched += 1;
            }
            return Poll::Ready(current.map(Ok));
        }
        loop {
            if step.skip == 0 && step.left == Some(0) {
                return Poll::Ready(None);
            }
            let batch = match cursor.pending.take() {
                Some(batch) => batch,
                None => match cursor.stream.poll_next_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => {
                        cursor.current = None;
                        cursor.finish();
                        return Poll::Ready(None);
                    }
                    Poll::Ready(Some(Err(error))) => {
                        if let Some(audit) = cursor.audit.take() {
                            audit.fail(&error);
                        }
                        this.cursor = None;
                        return Poll::Ready(Some(Err(error)));
                    }
                    Poll::Ready(Some(Ok(batch))) => batch,
                },
            };
            let rows = batch.num_rows();
            if rows == 0 {
                continue;
            }
            let wanted = match step.skip {
                0 => step.left.unwrap_or(u64::MAX),
                skip => skip,
            };
            let take = usize::try_from(wanted).map_or(rows, |wanted| rows.min(wanted));
            if take < rows {
                cursor.pending = Some(batch.slice(take, rows - take));
            }
            cursor.position += take as u64;
            cursor.current = Some(batch.slice(take - 1, 1));
            if step.skip > 0 {
                step.skip -= take as u64;
                // let the statement's cancel and timeout in between skipped batches
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(left) = step.left.as_mut() {
                *left -= take as u64;
            }
            if this.returns {
                cursor.fetched += take as u64;
            }
            return Poll::Ready(Some(Ok(batch.slice(0, take))));
        }
    }
}

impl RecordBatchStream for Fetch {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

impl Drop for Fetch {
    fn drop(&mut self) {
        if let Some(cursor) = self.cursor.take() {
            self.session
                .cursors
                .lock()
                .insert(std::mem::take(&mut self.name), cursor);
        }
    }
}
