//! Sending what a statement produced, for both protocols: a command tag, rows streamed
//! batch by batch, or COPY data; and ParameterStatus reports of changed settings.

use std::fmt::Debug;

use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::results::{FieldInfo, Tag};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{DataRow, RowDescription};
use pgwire::messages::startup::ParameterStatus;

use crate::server::copy;
use crate::server::encode::field_infos;
use crate::server::execute::{Outcome, RowSource};
use crate::server::handler::err;

/// Sends `outcome`: CommandComplete, rows (after a RowDescription when `describe`, as the
/// simple protocol wants) or COPY data. Messages are fed; the caller flushes.
pub async fn send_outcome<C>(client: &mut C, outcome: Outcome, describe: bool) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let tag = match outcome {
        Outcome::Done(tag) => Tag::new(&tag),
        Outcome::Sent => return Ok(()),
        Outcome::Copy(source, options) => return copy::send(client, source, options).await,
        Outcome::Rows(mut source) => {
            if describe {
                let description = row_description(&field_infos(source.columns()));
                client
                    .feed(PgWireBackendMessage::RowDescription(description))
                    .await?;
            }
            let count = stream_rows(client, &mut source).await?;
            Tag::new(source.tag).with_rows(count)
        }
    };
    client
        .feed(PgWireBackendMessage::CommandComplete(tag.into()))
        .await?;
    Ok(())
}

/// Sends a result's rows as they are produced; returns how many.
async fn stream_rows<C>(client: &mut C, source: &mut RowSource) -> PgWireResult<usize>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let mut count = 0;
    while let Some(rows) = source.next_rows().await.map_err(err)? {
        count += rows.len();
        for row in rows {
            client.feed(PgWireBackendMessage::DataRow(row)).await?;
        }
        client.flush().await?;
    }
    Ok(count)
}

/// Sends ParameterStatus for each (name, value).
pub async fn send_reports<C>(client: &mut C, reports: Vec<(String, String)>) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for (name, value) in reports {
        let status = ParameterStatus::new(name, value);
        client
            .feed(PgWireBackendMessage::ParameterStatus(status))
            .await?;
    }
    Ok(())
}

fn row_description(fields: &[FieldInfo]) -> RowDescription {
    RowDescription::new(fields.iter().map(Into::into).collect())
}

/// A row source as pgwire's row stream, for portals fetched in pieces.
pub fn into_row_stream(
    source: RowSource,
) -> impl futures::Stream<Item = PgWireResult<DataRow>> + Send {
    futures::stream::unfold(Some(source), |state| async move {
        let mut source = state?;
        match source.next_rows().await {
            Ok(Some(rows)) => Some((Ok(rows), Some(source))),
            Ok(None) => None,
            Err(e) => Some((Err(err(e)), None)),
        }
    })
    .flat_map(|batch| match batch {
        Ok(rows) => futures::stream::iter(rows.into_iter().map(Ok)).left_stream(),
        Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
    })
}
