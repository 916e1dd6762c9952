//! The query handler for both protocols. Simple queries run statement by statement (a SET
//! in the first is seen by the second); extended queries are planned at Parse (parameter
//! types inferred) and bound at Execute. Both stream results batch by batch: `on_query` and
//! `on_execute` are overridden so nothing buffers a whole result. Queries, the queries of
//! COPY and DECLARE alike, are planned through the engine's one governed path.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DFStatement;
use futures::{Sink, SinkExt};
use pgwire::api::portal::PortalExecutionState;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler, send_ready_for_query};
use pgwire::api::results::{FieldFormat, QueryResponse, Response, Tag};
use pgwire::api::stmt::StoredStatement;
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::{
    Close, CloseComplete, Execute, Parse, ParseComplete, PortalSuspended, TARGET_TYPE_BYTE_PORTAL,
    TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{EmptyQueryResponse, TransactionStatus};
use pgwire::messages::simplequery::Query;

use crate::engine::plan_statement;
use crate::error::Error;
use crate::error::Result;
use crate::server::cursor::parse::CursorCommand;
use crate::server::cursor::portal;
use crate::server::deallocate::deallocate;
use crate::server::encode::field_infos;
use crate::server::execute::{Guard, Outcome, RowSource, run_command, run_plan};
use crate::server::prepare::{Parser, Prepared, bind};
use crate::server::respond::{into_row_stream, send_outcome, send_reports};
use crate::server::search_path;
use crate::server::session::{Session, to_pg};
use crate::server::statement::{Command, Parsed, parse};
use crate::server::{copy, cursor};

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

impl QueryHandler {
    async fn simple<C>(&self, client: &mut C, sql: &str) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
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
                    let ran = run_command(&session, &command, status, guard, &mut reports);
                    match ran {
                        Ok((outcome, status)) => {
                            client.set_transaction_status(status);
                            after_command(client, &session, &command)
                                .await
                                .map(|_| outcome)
                        }
                        Err(error) => Err(error),
                    }
                }
                _ if matches!(status, TransactionStatus::Error) => {
                    return Err(err(Error::TransactionAborted));
                }
                Parsed::Deallocate(name) => {
                    deallocate(&session, portal::store(client), name.as_deref())
                        .await
                        .map(|tag| Outcome::Done(tag.into()))
                }
                Parsed::Query(statement, text) => {
                    let plan = plan(&session, &guard, *statement, &text).await?;
                    run_plan(&session, plan, &text, |_| FieldFormat::Text, guard).await
                }
                Parsed::Copy(statement, options, text) => {
                    let plan = plan(&session, &guard, *statement, &text).await?;
                    copy::start(&session, plan, &text, &options, guard).await
                }
                Parsed::Declare(spec, statement, text) => {
                    if portal::find(client, &spec.name).is_some() {
                        return Err(err(Error::DuplicateCursor(spec.name)));
                    }
                    let plan = plan(&session, &guard, *statement, &text).await?;
                    cursor::declare(&session, status, &spec, plan, &text, guard).await
                }
                Parsed::Cursor(command) => match portal_of(client, &session, &command) {
                    Some(portal) => {
                        self.portal_command(client, &portal, &command, true, guard)
                            .await?;
                        continue;
                    }
                    None => {
                        if matches!(command, CursorCommand::Close(None)) {
                            portal::close_all(client);
                        }
                        cursor::run(&session, &command, None, guard).await
                    }
                },
            }
            .map_err(err)?;
            send_reports(client, reports).await?;
            send_outcome(client, outcome, true).await?;
            session.apply_settings().map_err(err)?;
        }
        Ok(())
    }

    /// FETCH, MOVE or CLOSE of a protocol portal (one namespace with cursors): starts the
    /// portal's query when nothing has run it yet, as Execute would, then moves it on.
    /// `simple`: the simple protocol, where FETCH sends its RowDescription.
    async fn portal_command<C>(
        &self,
        client: &mut C,
        portal: &Arc<Portal<Prepared>>,
        command: &CursorCommand,
        simple: bool,
        guard: Guard,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let CursorCommand::Fetch {
            direction, moved, ..
        } = command
        else {
            if let Some(store) = portal::store(client) {
                store.rm_portal(&portal.name);
            }
            let done = Tag::new("CLOSE CURSOR");
            return client
                .feed(PgWireBackendMessage::CommandComplete(done.into()))
                .await
                .map_err(Into::into);
        };
        portal::check(portal, *moved).map_err(err)?;
        if !simple && !*moved {
            return Err(err(Error::Unsupported(format!(
                "FETCH from portal \"{}\" in a prepared statement: send it as a simple \
                 query, or read the portal with Execute",
                portal.name
            ))));
        }
        if matches!(*portal.state().lock().await, PortalExecutionState::Initial) {
            match self.start_portal(client, portal, guard.clone()).await? {
                Outcome::Rows(source) => start_suspended(portal, source).await,
                _ => *portal.state().lock().await = PortalExecutionState::Finished,
            }
        }
        portal::fetch(client, portal, *direction, *moved, simple, &guard).await
    }

    /// Runs a bound portal's statement up to its first row.
    async fn start_portal<C>(
        &self,
        client: &mut C,
        portal: &Arc<Portal<Prepared>>,
        guard: Guard,
    ) -> PgWireResult<Outcome>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = Session::of(client)?;
        let status = client.transaction_status();
        match &portal.statement.statement {
            Prepared::Command(command) => {
                let mut reports = Vec::new();
                let (outcome, status) =
                    run_command(&session, command, status, guard, &mut reports).map_err(err)?;
                client.set_transaction_status(status);
                after_command(client, &session, command)
                    .await
                    .map_err(err)?;
                send_reports(client, reports).await?;
                Ok(outcome)
            }
            _ if matches!(status, TransactionStatus::Error) => Err(err(Error::TransactionAborted)),
            Prepared::Deallocate(name) => {
                let tag = deallocate(&session, portal::store(client), name.as_deref()).await;
                Ok(Outcome::Done(tag.map_err(err)?.into()))
            }
            Prepared::Query(query) => {
                let plan = bind(query, portal, session.time_zone().as_deref()).map_err(err)?;
                let format = &portal.result_column_format;
                let format = |i| format_of(format, i);
                let outcome = run_plan(&session, plan, query.text(), format, guard).await;
                outcome.map_err(err)
            }
            Prepared::Copy(query, options) => {
                let plan = bind(query, portal, session.time_zone().as_deref()).map_err(err)?;
                let outcome = copy::start(&session, plan, query.text(), options, guard).await;
                outcome.map_err(err)
            }
            Prepared::Declare(spec, query) => {
                if portal::find(client, &spec.name).is_some() {
                    return Err(err(Error::DuplicateCursor(spec.name.clone())));
                }
                let plan = bind(query, portal, session.time_zone().as_deref()).map_err(err)?;
                let text = query.text();
                let outcome = cursor::declare(&session, status, spec, plan, text, guard).await;
                outcome.map_err(err)
            }
            Prepared::Cursor(command, _) => {
                if let Some(target) = portal_of(client, &session, command) {
                    // boxed: this calls back into start_portal for the target portal
                    let command =
                        Box::pin(self.portal_command(client, &target, command, false, guard));
                    command.await?;
                    return Ok(Outcome::Sent);
                }
                if matches!(command, CursorCommand::Close(None)) {
                    portal::close_all(client);
                }
                let format = Some(&portal.result_column_format);
                let outcome = cursor::run(&session, command, format, guard).await;
                outcome.map_err(err)
            }
        }
    }
}

/// Starts `portal` on `source`'s rows, to be read in pieces.
async fn start_suspended(portal: &Portal<Prepared>, source: RowSource) {
    let fields = Arc::new(field_infos(source.columns()));
    let tag = source.tag;
    let mut response = QueryResponse::new(fields, into_row_stream(source));
    response.set_command_tag(tag);
    portal.start(response).await;
}

/// The protocol portal a FETCH, MOVE or CLOSE names, when no cursor has that name.
fn portal_of<C: ClientPortalStore>(
    client: &C,
    session: &Session,
    command: &CursorCommand,
) -> Option<Arc<Portal<Prepared>>>
where
    C::PortalStore: PortalStore,
{
    let name = match command {
        CursorCommand::Fetch { name, .. } | CursorCommand::Close(Some(name)) => name,
        CursorCommand::Close(None) => return None,
    };
    if session.cursors.schema(name).is_some() {
        return None;
    }
    portal::find(client, name)
}

/// What a session command does to the connection's portals and statements beyond the
/// session: a transaction's end closes its portals, `DISCARD ALL` also deallocates every
/// prepared statement, as in PostgreSQL.
async fn after_command<C: ClientPortalStore>(
    client: &C,
    session: &Session,
    command: &Command,
) -> Result<()>
where
    C::PortalStore: PortalStore,
{
    let store = portal::store(client);
    match command {
        Command::Commit | Command::Rollback => {
            portal::close_all(client);
        }
        Command::DiscardAll => {
            portal::close_all(client);
            deallocate(session, store, None).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Plans a statement through the engine's governed path, under the statement's guard.
async fn plan(
    session: &Session,
    guard: &Guard,
    statement: DFStatement,
    text: &str,
) -> PgWireResult<LogicalPlan> {
    let mut statement = statement;
    search_path::apply(session, &mut statement);
    let peer = Some(session.peer.clone());
    guard
        .run(plan_statement(&session.ctx, statement, text, peer))
        .await
        .map_err(err)
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

    /// pgwire's Parse, noting the statement's name for `DEALLOCATE`.
    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.clone().unwrap_or_default();
        match StoredStatement::parse(client, &message, self.query_parser()).await? {
            Some(statement) => client.portal_store().put_statement(Arc::new(statement)),
            None => client.portal_store().put_empty_statement(&name),
        }
        Session::of(client)?.prepared.parsed(&name);
        client
            .send(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    /// pgwire's Close, forgetting a closed statement's name.
    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                client.portal_store().rm_statement(name);
                Session::of(client)?.prepared.closed(name);
            }
            TARGET_TYPE_BYTE_PORTAL => client.portal_store().rm_portal(name),
            _ => {}
        }
        client
            .send(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
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
        let started = matches!(*portal.state().lock().await, PortalExecutionState::Initial);
        if started {
            let session = Session::of(client)?;
            let guard = Guard::start(&session);
            let outcome = self.start_portal(client, portal, guard).await;
            session.apply_settings().map_err(err)?;
            match outcome? {
                Outcome::Rows(source) if max_rows > 0 => start_suspended(portal, source).await,
                outcome => {
                    let finishes = !matches!(outcome, Outcome::Done(_));
                    send_outcome(client, outcome, false).await?;
                    client.flush().await?;
                    if finishes {
                        *portal.state().lock().await = PortalExecutionState::Finished;
                    }
                    return Ok(());
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
