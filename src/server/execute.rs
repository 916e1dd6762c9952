//! Running one statement for either protocol: session commands answered from the session,
//! queries planned and executed by the engine and streamed batch by batch under the
//! statement's cancel token and `statement_timeout`.

use std::future::Future;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::{LogicalPlan, Statement};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use pgwire::api::results::FieldFormat;
use pgwire::messages::data::DataRow;
use pgwire::messages::response::TransactionStatus;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::engine::execute_plan;
use crate::error::{Error, Result};
use crate::server::copy::options::CopyOptions;
use crate::server::encode::{PgColumn, TextStyle, columns, encode_batch};
use crate::server::session::Session;
use crate::server::settings::REPORTED;
use crate::server::statement::{Command, Savepoint};

/// What a statement produced.
pub enum Outcome {
    /// Rows to stream, with the columns they are encoded as.
    Rows(RowSource),
    /// Rows to send as COPY data.
    Copy(RowSource, CopyOptions),
    /// A command tag (`SET`, `BEGIN`, ...) and no rows.
    Done(String),
    /// An answer already sent (a FETCH or MOVE of a protocol portal).
    Sent,
}

/// The cancel token and deadline one statement runs under.
#[derive(Debug, Clone)]
pub struct Guard {
    token: CancellationToken,
    deadline: Option<Instant>,
}

impl Guard {
    /// Starts a statement in `session`: a fresh cancel token, and the deadline from
    /// `statement_timeout`.
    pub fn start(session: &Session) -> Guard {
        let timeout = session.settings().statement_timeout();
        Guard {
            token: session.cancel.start(),
            deadline: timeout.map(|t| Instant::now() + t),
        }
    }

    /// Runs `work`, unless the statement is cancelled or times out first (57014).
    pub async fn run<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        let deadline = async {
            match self.deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = self.token.cancelled() => Err(Error::Cancelled),
            _ = deadline => Err(Error::StatementTimeout),
            result = work => result,
        }
    }
}

/// A result being streamed: record batches encoded to data rows one batch at a time.
pub struct RowSource {
    stream: SendableRecordBatchStream,
    columns: Vec<PgColumn>,
    guard: Guard,
    /// The command tag for CommandComplete (`SELECT`, `SHOW`, `EXPLAIN`).
    pub tag: &'static str,
}

impl RowSource {
    /// A result of `stream`'s batches, encoded as `columns`, under `guard`.
    pub fn new(
        stream: SendableRecordBatchStream,
        columns: Vec<PgColumn>,
        guard: Guard,
        tag: &'static str,
    ) -> RowSource {
        RowSource {
            stream,
            columns,
            guard,
            tag,
        }
    }

    /// The result columns.
    pub fn columns(&self) -> &[PgColumn] {
        &self.columns
    }

    /// The rows of the next batch; `None` at the end. Cancel and timeout are checked
    /// while waiting for every batch, so a long query stops while it streams.
    pub async fn next_rows(&mut self) -> Result<Option<Vec<DataRow>>> {
        let stream = &mut self.stream;
        let next = self.guard.run(async { Ok(stream.next().await) }).await?;
        match next {
            None => Ok(None),
            Some(batch) => Ok(Some(encode_batch(&batch?, &self.columns)?)),
        }
    }
}

/// Plans and starts `plan` (parameters bound), encoding columns as `format` says.
pub async fn run_plan(
    session: &Session,
    plan: LogicalPlan,
    sql: &str,
    format: impl Fn(usize) -> FieldFormat,
    guard: Guard,
) -> Result<Outcome> {
    let tag = match &plan {
        LogicalPlan::Statement(Statement::SetVariable(_)) => "SET",
        LogicalPlan::Statement(Statement::Prepare(_)) => "PREPARE",
        LogicalPlan::Statement(Statement::Deallocate(_)) => "DEALLOCATE",
        LogicalPlan::Explain(_) | LogicalPlan::Analyze(_) => "EXPLAIN",
        _ => "SELECT",
    };
    let prepared = match &plan {
        LogicalPlan::Statement(Statement::Prepare(prepare)) => Some(prepare.name.clone()),
        _ => None,
    };
    let ctx = &session.ctx;
    let mut stream = guard
        .run(execute_plan(ctx, plan, sql, Some(session.peer.clone())))
        .await?;
    if stream.schema().fields().is_empty() {
        while let Some(batch) = guard.run(async { Ok(stream.next().await) }).await? {
            batch?;
        }
        if let Some(name) = prepared {
            session.prepared.prepared(&name);
        }
        return Ok(Outcome::Done(tag.to_string()));
    }
    let columns = columns(&stream.schema(), format, &session.text_style()?);
    Ok(Outcome::Rows(RowSource::new(stream, columns, guard, tag)))
}

/// Runs a session command. `status` is the transaction status before it; the new one is
/// returned. Settings that clients track are pushed to `reports` for ParameterStatus.
pub fn run_command(
    session: &Session,
    command: &Command,
    status: TransactionStatus,
    guard: Guard,
    reports: &mut Vec<(String, String)>,
) -> Result<(Outcome, TransactionStatus)> {
    let failed = matches!(status, TransactionStatus::Error);
    let in_block = !matches!(status, TransactionStatus::Idle);
    match command {
        Command::Savepoint(_) if !in_block => {
            return Err(Error::NoTransaction("savepoints".into()));
        }
        Command::Savepoint(Savepoint::RollbackTo) => {
            return Ok((
                Outcome::Done("ROLLBACK".into()),
                TransactionStatus::Transaction,
            ));
        }
        Command::Commit | Command::Rollback => {}
        _ if failed => return Err(Error::TransactionAborted),
        _ => {}
    }
    let done = |tag: &str| Outcome::Done(tag.to_string());
    let reportable = |name: &str| REPORTED.contains(&name);
    let mut settings = session.settings();
    let outcome = match command {
        Command::Begin => return Ok((done("BEGIN"), TransactionStatus::Transaction)),
        Command::Commit | Command::Rollback => {
            let commit = matches!(command, Command::Commit) && !failed;
            session.cursors.end_transaction(commit);
            let tag = if commit { "COMMIT" } else { "ROLLBACK" };
            return Ok((done(tag), TransactionStatus::Idle));
        }
        Command::SetIgnored => done("SET"),
        Command::Savepoint(Savepoint::Define) => done("SAVEPOINT"),
        Command::Savepoint(_) => done("RELEASE"),
        Command::Set(name, value) => {
            let display = match value {
                Some(value) => settings.set(name, value)?,
                None => settings.reset(name)?,
            };
            if reportable(display) {
                reports.push((display.to_string(), settings.get(display)?.1));
            }
            done("SET")
        }
        Command::Reset(name) if name.eq_ignore_ascii_case("all") => {
            settings.reset_all();
            done("RESET")
        }
        Command::Reset(name) => {
            let display = settings.reset(name)?;
            if reportable(display) {
                reports.push((display.to_string(), settings.get(display)?.1));
            }
            done("RESET")
        }
        Command::DiscardAll => {
            settings.reset_all();
            session.cursors.close_all();
            done("DISCARD ALL")
        }
        Command::Show(name) if name.eq_ignore_ascii_case("all") => {
            let all = settings.all();
            let names: StringArray = all.iter().map(|(n, _)| Some(*n)).collect();
            let values: StringArray = all.iter().map(|(_, v)| Some(v.as_str())).collect();
            show(&["name", "setting"], vec![names, values], guard)?
        }
        Command::Show(name) => {
            let (display, value) = settings.get(name)?;
            let column = display.to_ascii_lowercase();
            show(&[&column], vec![StringArray::from(vec![value])], guard)?
        }
    };
    if matches!(
        command,
        Command::Set(..) | Command::Reset(_) | Command::DiscardAll
    ) {
        session.use_time_zone(&settings.get("TimeZone")?.1)?;
    }
    Ok((outcome, status))
}

/// A small text result (`SHOW`).
fn show(names: &[&str], arrays: Vec<StringArray>, guard: Guard) -> Result<Outcome> {
    let fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, false))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = arrays
        .into_iter()
        .map(|a| Arc::new(a) as Arc<dyn datafusion::arrow::array::Array>)
        .collect();
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays)?;
    let columns = columns(&schema, |_| FieldFormat::Text, &TextStyle::default());
    let stream = RecordBatchStreamAdapter::new(schema, futures::stream::iter([Ok(batch)]));
    Ok(Outcome::Rows(RowSource::new(
        Box::pin(stream),
        columns,
        guard,
        "SHOW",
    )))
}
