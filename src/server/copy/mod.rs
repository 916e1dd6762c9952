//! `COPY (query) TO STDOUT` and `COPY table TO STDOUT` in text, CSV and binary format. The
//! query is planned and run through the engine's one governed, audited path like any other
//! (grants, row filters and masks apply); its batches are streamed as CopyData messages (one
//! per row, as PostgreSQL sends them), flushed batch by batch, under the statement's cancel
//! token and `statement_timeout`.
//!
//! pgwire 0.42 has the CopyOutResponse/CopyData/CopyDone messages, used here. Its
//! `send_copy_out_response` counts CopyData messages as rows and answers an error with a
//! CopyFail (a frontend message), and its `CopyEncoder` encodes per value through
//! `ToSqlText` (not our column-at-a-time encoder, whose text forms the rest of the server
//! uses) without PostgreSQL's CSV rules for NULL-like values and ESCAPE; so the framing and
//! escaping are ours ([`encode`]).

pub mod encode;
pub mod options;
pub mod parse;

use std::fmt::Debug;

use datafusion::logical_expr::LogicalPlan;
use futures::{Sink, SinkExt};
use pgwire::api::results::{FieldFormat, Tag};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};

use crate::error::Result;
use crate::server::copy::encode::CopyWriter;
use crate::server::copy::options::{CopyFormat, CopyOptions};
use crate::server::execute::{Guard, Outcome, RowSource, run_plan};
use crate::server::handler::err;
use crate::server::session::Session;

/// Starts the COPY of `plan` (the statement's query, planned through the governed path).
pub async fn start(
    session: &Session,
    plan: LogicalPlan,
    sql: &str,
    options: &CopyOptions,
    guard: Guard,
) -> Result<Outcome> {
    let format = match options.format {
        CopyFormat::Binary => FieldFormat::Binary,
        _ => FieldFormat::Text,
    };
    Ok(
        match run_plan(session, plan, sql, |_| format, guard).await? {
            Outcome::Rows(source) => Outcome::Copy(source, options.clone()),
            _ => Outcome::Done("COPY 0".into()),
        },
    )
}

/// Sends CopyOutResponse, the data (one CopyData per row, flushed after each batch),
/// CopyDone and `COPY n`.
pub async fn send<C>(
    client: &mut C,
    mut source: RowSource,
    options: CopyOptions,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let format = i16::from(options.format == CopyFormat::Binary);
    let names: Vec<String> = source
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut writer = CopyWriter::new(options, &names).map_err(err)?;
    let columns = i16::try_from(names.len()).unwrap_or(i16::MAX);
    let response = CopyOutResponse::new(format as i8, columns, vec![format; names.len()]);
    client
        .send(PgWireBackendMessage::CopyOutResponse(response))
        .await?;
    if let Some(header) = writer.header() {
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(header)))
            .await?;
    }
    let mut count = 0;
    while let Some(rows) = source.next_rows().await.map_err(err)? {
        count += rows.len();
        for data in writer.rows(&rows).map_err(err)? {
            client
                .feed(PgWireBackendMessage::CopyData(CopyData::new(data)))
                .await?;
        }
        client.flush().await?;
    }
    let rest = writer.finish();
    if !rest.is_empty() {
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(rest)))
            .await?;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    let tag = Tag::new("COPY").with_rows(count);
    client
        .send(PgWireBackendMessage::CommandComplete(tag.into()))
        .await?;
    Ok(())
}
