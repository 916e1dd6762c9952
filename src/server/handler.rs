//! The query handler for both protocols. Simple queries run statement by statement (a SET
//! in the first is seen by the second); extended queries are planned at Parse (parameter
//! types inferred) and bound at Execute. Both stream results batch by batch: `on_query` and
//! `on_execute` are overridden so nothing buffers a whole result.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler, send_ready_for_query};
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::{Execute, PortalSuspended};
use pgwire::messages::response::{EmptyQueryResponse, TransactionStatus};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;

use crate::engine::plan_statement;
use crate::error::Error;
use crate::server::encode::field_infos;
use crate::server::execute::{Guard, Outcome, RowSource, run_command, run_plan};
use crate::server::prepare::{Parser, Prepared, bind};
use crate::server::session::{Session, to_pg};
use crate::server::statement::{Parsed, parse};

/// The query handler; all per-connection state is in the [`Session`].
#[derive(Debug, Default)]
pub struct QueryHandler {
    parser: Arc<Parser>,
}

pub(crate) fn err(error: Error) -> PgWireError {
    to_pg(error, false)
}

/// The format of result column `i`; missing codes are text.
pub(crate) fn format_of(format: &Format, i: usize) -> FieldFormat {
    match format {
        Format::Individual(codes) if i >= codes.len() => FieldFormat::Text,
        _ => format.format_for(i),
    }
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

async fn send_reports<C>(client: &mut C, reports: Vec<(String, String)>) -> PgWireResult<()>
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

impl QueryHandler {
    async fn simple<C>(&self, client: &mut C, sql: &str) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = Session::of(client)?;
        let statements = parse(sql).map_err(err)?;
        if statements.is_empty() {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        }
        for statement in statements {
            let guard = Guard::start(&session);
            let status = client.transaction_status();
            let mut reports = Vec::new();
            let outcome = match statement {
                Parsed::Command(command) => {
                    let (outcome, status) =
                        run_command(&session, &command, status, guard, &mut reports)
                            .map_err(err)?;
                    client.set_transaction_status(status);
                    outcome
                }
                Parsed::Query(_, _) if matches!(status, TransactionStatus::Error) => {
                    return Err(err(Error::TransactionAborted));
                }
                Parsed::Query(statement, text) => {
                    let plan = guard
                        .run(plan_statement(
                            &session.ctx,
                            *statement,
                            &text,
                            Some(session.peer.clone()),
                        ))
                        .await
                        .map_err(err)?;
                    run_plan(&session, plan, &text, |_| FieldFormat::Text, guard)
                        .await
                        .map_err(err)?
                }
            };
            send_reports(client, reports).await?;
            match outcome {
                Outcome::Done(tag) => {
                    let tag = Tag::new(&tag);
                    client
                        .feed(PgWireBackendMessage::CommandComplete(tag.into()))
                        .await?;
                }
                Outcome::Rows(mut source) => {
                    let description = field_infos(source.columns());
                    let description = pgwire_row_description(&description);
                    client
                        .feed(PgWireBackendMessage::RowDescription(description))
                        .await?;
                    let count = stream_rows(client, &mut source).await?;
                    let tag = Tag::new(source.tag).with_rows(count);
                    client
                        .feed(PgWireBackendMessage::CommandComplete(tag.into()))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Runs a bound portal's statement up to its first row.
    async fn start_portal<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
    ) -> PgWireResult<Outcome>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = Session::of(client)?;
        let guard = Guard::start(&session);
        let status = client.transaction_status();
        match &portal.statement.statement {
            Prepared::Command(command) => {
                let mut reports = Vec::new();
                let (outcome, status) =
                    run_command(&session, command, status, guard, &mut reports).map_err(err)?;
                client.set_transaction_status(status);
                send_reports(client, reports).await?;
                Ok(outcome)
            }
            Prepared::Query(_) if matches!(status, TransactionStatus::Error) => {
                Err(err(Error::TransactionAborted))
            }
            Prepared::Query(query) => {
                let plan = bind(query, portal).map_err(err)?;
                let format = &portal.result_column_format;
                run_plan(
                    &session,
                    plan,
                    query.text(),
                    |i| format_of(format, i),
                    guard,
                )
                .await
                .map_err(err)
            }
        }
    }
}

fn pgwire_row_description(fields: &[FieldInfo]) -> pgwire::messages::data::RowDescription {
    let fields = fields.iter().map(Into::into).collect();
    pgwire::messages::data::RowDescription::new(fields)
}

#[async_trait]
impl SimpleQueryHandler for QueryHandler {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let result = self.simple(client, &query.query).await;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        result?;
        let status = client.transaction_status();
        send_ready_for_query(client, status).await
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(err(Error::Protocol(
            "simple queries run through on_query".into(),
        )))
    }
}

#[async_trait]
impl ExtendedQueryHandler for QueryHandler {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        Arc::clone(&self.parser)
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal = match client.portal_store().get_portal(name) {
            Some(Entry::Value(portal)) => portal,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                return Ok(());
            }
            None => return Err(PgWireError::PortalNotFound(name.to_owned())),
        };
        client.set_state(PgWireConnectionState::QueryInProgress);
        let result = self.execute(client, &portal, message.max_rows).await;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        result
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(err(Error::Protocol(
            "portals run through on_execute".into(),
        )))
    }
}

impl QueryHandler {
    async fn execute<C>(
        &self,
        client: &mut C,
        portal: &Arc<Portal<Prepared>>,
        max_rows: i32,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        use pgwire::api::portal::PortalExecutionState;
        let started = matches!(*portal.state().lock().await, PortalExecutionState::Initial);
        if started {
            match self.start_portal(client, portal).await? {
                Outcome::Done(tag) => {
                    let tag = Tag::new(&tag);
                    client
                        .send(PgWireBackendMessage::CommandComplete(tag.into()))
                        .await?;
                    return Ok(());
                }
                Outcome::Rows(mut source) if max_rows <= 0 => {
                    let count = stream_rows(client, &mut source).await?;
                    let tag = Tag::new(source.tag).with_rows(count);
                    client
                        .send(PgWireBackendMessage::CommandComplete(tag.into()))
                        .await?;
                    *portal.state().lock().await = PortalExecutionState::Finished;
                    return Ok(());
                }
                Outcome::Rows(source) => {
                    let fields = Arc::new(field_infos(source.columns()));
                    let tag = source.tag;
                    let mut response = QueryResponse::new(fields, into_row_stream(source));
                    response.set_command_tag(tag);
                    portal.start(response).await;
                }
            }
        }
        // a portal fetched in pieces (max_rows > 0)
        let mut fetched = portal.fetch(max_rows.max(0) as usize).await?;
        let tag = fetched.response.command_tag().to_owned();
        let mut count = 0;
        while let Some(row) = futures::StreamExt::next(fetched.response.data_rows()).await {
            client.feed(PgWireBackendMessage::DataRow(row?)).await?;
            count += 1;
        }
        let message = if fetched.suspended {
            PgWireBackendMessage::PortalSuspended(PortalSuspended::new())
        } else {
            PgWireBackendMessage::CommandComplete(Tag::new(&tag).with_rows(count).into())
        };
        client.send(message).await?;
        Ok(())
    }
}

/// A row source as pgwire's row stream, for portals fetched in pieces.
fn into_row_stream(
    source: RowSource,
) -> impl futures::Stream<Item = PgWireResult<pgwire::messages::data::DataRow>> + Send {
    use futures::StreamExt;
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
