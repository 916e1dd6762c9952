//! The one path every SQL statement takes: parse → statement allow-list → plan → read-only
//! verification → policy decisions → (analyzer rewrite and optimization when executed).

use std::sync::Arc;

use datafusion::arrow::array::timezone::Tz;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::{LogicalPlan, Statement};
use datafusion::prelude::{DataFrame, SessionContext};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast;

use crate::engine::audited::{CursorAudit, PendingAudit};
use crate::engine::pg_types;
use crate::error::{Error, Result};
use crate::policy::audit::AuditLog;
use crate::policy::rewrite::product_tables;
use crate::policy::store::PolicyStore;
use crate::policy::{Principal, prepare};

/// `datafusion.*` settings any user may change: they alter how plans print, nothing else.
const USER_SETTABLE: [&str; 2] = ["datafusion.explain.", TIME_ZONE_SETTING];

/// DataFusion's session time zone.
const TIME_ZONE_SETTING: &str = "datafusion.execution.time_zone";

/// Plans one SQL statement in `ctx` (a session of [`crate::engine::Engine`]).
///
/// Refused with SQLSTATE 42501: statements that change data or the catalog (DML, DDL,
/// `COPY ... TO`, `CREATE EXTERNAL TABLE`) for everyone; for everyone but `meshgate_admin`,
/// `SET` of engine settings other than EXPLAIN's and the time zone, `DESCRIBE` of a table
/// they may not read, and any read of a product table they may not read.
pub async fn plan_sql(ctx: &SessionContext, sql: &str) -> Result<DataFrame> {
    let session = SessionParts::of(ctx)?;
    plan_governed(ctx, &session, sql, None).await
}

/// Runs one SQL statement like [`plan_sql`] and streams its result, recording the statement
/// in the audit log (with `client`, the peer's address) whether it succeeds or not.
pub async fn execute_sql(
    ctx: &SessionContext,
    sql: &str,
    client: Option<String>,
) -> Result<SendableRecordBatchStream> {
    let session = SessionParts::of(ctx)?;
    let mut audit =
        PendingAudit::start(Arc::clone(&session.audit), &session.principal, client, sql);
    let planned = plan_governed(ctx, &session, sql, Some(&mut audit)).await;
    let (stream, audit) = start_stream(planned, audit).await?;
    Ok(audit.watch(stream))
}

/// Starts the planned statement's stream, with the `audit` record still to finish; a
/// failure at any step is audited and returned.
async fn start_stream(
    planned: Result<DataFrame>,
    audit: PendingAudit,
) -> Result<(SendableRecordBatchStream, PendingAudit)> {
    let started = match planned {
        Ok(frame) => frame.execute_stream().await.map_err(Error::from),
        Err(error) => Err(error),
    };
    match started {
        Ok(stream) => Ok((stream, audit)),
        Err(error) => {
            audit.fail(&error);
            Err(error)
        }
    }
}

/// What a session of the engine carries in its config extensions.
struct SessionParts {
    principal: Arc<Principal>,
    store: Arc<PolicyStore>,
    audit: Arc<AuditLog>,
}

impl SessionParts {
    fn of(ctx: &SessionContext) -> Result<Self> {
        let state = ctx.state();
        let config = state.config();
        let missing = |what: &str| Error::Internal(format!("session has no {what}"));
        Ok(SessionParts {
            principal: config.get_extension().ok_or_else(|| missing("principal"))?,
            store: config.get_extension().ok_or_else(|| missing("policy"))?,
            audit: config.get_extension().ok_or_else(|| missing("audit log"))?,
        })
    }
}

/// The one path: parse → allow-list → plan → read-only check → policy decisions, noting in
/// `audit` what the statement reads and under which decisions.
async fn plan_governed(
    ctx: &SessionContext,
    session: &SessionParts,
    sql: &str,
    audit: Option<&mut PendingAudit>,
) -> Result<DataFrame> {
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(sql, &dialect)?;
    let plan = plan_checked(ctx, session, statement).await?;
    let plan = decide(ctx, session, plan, audit).await?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// Statement allow-list, planning and the read-only check, for a parsed statement.
async fn plan_checked(
    ctx: &SessionContext,
    session: &SessionParts,
    mut statement: DfStatement,
) -> Result<LogicalPlan> {
    let principal = &session.principal;
    if !principal.is_admin() {
        check_describe(&statement, &session.store, principal)?;
    }
    crate::engine::pg_functions::rewrite_statement(&mut statement);
    let stand_ins = pg_types::name_columns(&mut statement);
    let plan = pg_types::retype(ctx.state().statement_to_plan(statement).await?)?;
    let plan = pg_types::restore(plan, &stand_ins)?;
    check_read_only(&plan)?;
    if !principal.is_admin() {
        check_settings(&plan)?;
    }
    check_time_zone(&plan)?;
    Ok(plan)
}

/// Policy decisions for every product `plan` reads (42501 when one is denied).
async fn decide(
    ctx: &SessionContext,
    session: &SessionParts,
    plan: LogicalPlan,
    mut audit: Option<&mut PendingAudit>,
) -> Result<LogicalPlan> {
    let store = &session.store;
    if let Some(audit) = audit.as_deref_mut() {
        audit.describe_reads(&plan, &product_tables(&plan)?, store);
    }
    prepare(ctx, store, &session.principal, &plan).await?;
    if let Some(audit) = audit {
        audit.describe_decisions(store);
    }
    Ok(plan)
}

/// Plans one parsed statement (`sql`, from `client`), which may hold parameter placeholders
/// (`$1`), through the same checks as [`plan_sql`]; for the wire protocol's Parse. A refusal
/// is audited here; run the plan with [`execute_plan`], which audits the rest.
pub async fn plan_statement(
    ctx: &SessionContext,
    statement: DfStatement,
    sql: &str,
    client: Option<String>,
) -> Result<LogicalPlan> {
    let session = SessionParts::of(ctx)?;
    let planned = match plan_checked(ctx, &session, statement).await {
        Ok(plan) => decide(ctx, &session, plan, None).await,
        Err(error) => Err(error),
    };
    if let Err(error) = &planned {
        let audit =
            PendingAudit::start(Arc::clone(&session.audit), &session.principal, client, sql);
        audit.fail(error);
    }
    planned
}

/// Runs a plan from [`plan_statement`] (parameters bound) like [`execute_sql`]: checked
/// again, decided again (decisions are cached), streamed, and audited as `sql` from `client`.
pub async fn execute_plan(
    ctx: &SessionContext,
    plan: LogicalPlan,
    sql: &str,
    client: Option<String>,
) -> Result<SendableRecordBatchStream> {
    let (stream, audit) = start_plan(ctx, plan, sql, client).await?;
    Ok(audit.watch(stream))
}

/// Runs a plan like [`execute_plan`] for a cursor, which finishes the audit record itself
/// (closing a cursor early is no error).
pub async fn execute_cursor_plan(
    ctx: &SessionContext,
    plan: LogicalPlan,
    sql: &str,
    client: Option<String>,
) -> Result<(SendableRecordBatchStream, CursorAudit)> {
    let (stream, audit) = start_plan(ctx, plan, sql, client).await?;
    Ok((stream, audit.for_cursor()))
}

/// Checks, decides and starts `plan`, returning its stream with the audit record to finish.
async fn start_plan(
    ctx: &SessionContext,
    plan: LogicalPlan,
    sql: &str,
    client: Option<String>,
) -> Result<(SendableRecordBatchStream, PendingAudit)> {
    let session = SessionParts::of(ctx)?;
    let mut audit =
        PendingAudit::start(Arc::clone(&session.audit), &session.principal, client, sql);
    let planned = match check_read_only(&plan) {
        Ok(()) => match decide(ctx, &session, plan, Some(&mut audit)).await {
            Ok(plan) => ctx.execute_logical_plan(plan).await.map_err(Error::from),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    start_stream(planned, audit).await
}

fn check_read_only(plan: &LogicalPlan) -> Result<()> {
    let read_only = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(true);
    read_only
        .verify_plan(plan)
        .map_err(|refused| Error::ReadOnly(refused.find_root().message().to_string()))
}

/// `SET datafusion.execution.time_zone` takes only a zone Arrow can apply (an IANA name or
/// `+hh:mm`): DataFusion would accept any text and fail later, in every query that shows a
/// `timestamptz`.
fn check_time_zone(plan: &LogicalPlan) -> Result<()> {
    match plan {
        LogicalPlan::Statement(Statement::SetVariable(set))
            if set.variable.eq_ignore_ascii_case(TIME_ZONE_SETTING) =>
        {
            set.value.parse::<Tz>().map(|_| ()).map_err(|_| {
                Error::InvalidValue(format!(
                    "invalid value for {TIME_ZONE_SETTING}: \"{}\"; use an IANA zone name \
                     (Europe/Berlin) or an offset (+02:00)",
                    set.value
                ))
            })
        }
        _ => Ok(()),
    }
}

fn check_settings(plan: &LogicalPlan) -> Result<()> {
    let variable = match plan {
        LogicalPlan::Statement(Statement::SetVariable(set)) => &set.variable,
        LogicalPlan::Statement(Statement::ResetVariable(reset)) => &reset.variable,
        _ => return Ok(()),
    };
    let name = variable.to_ascii_lowercase();
    let engine_setting = name.starts_with("datafusion.");
    if engine_setting && !USER_SETTABLE.iter().any(|prefix| name.starts_with(prefix)) {
        return Err(Error::AccessDenied(format!(
            "permission denied to set {variable}: engine settings are for meshgate_admin"
        )));
    }
    Ok(())
}

/// `DESCRIBE t` shows a table's columns; only to those who may read it, as
/// `information_schema` does.
fn check_describe(
    statement: &DfStatement,
    store: &PolicyStore,
    principal: &Principal,
) -> Result<()> {
    let DfStatement::Statement(statement) = statement else {
        return Ok(());
    };
    let ast::Statement::ExplainTable { table_name, .. } = statement.as_ref() else {
        return Ok(());
    };
    let parts: Vec<String> = table_name
        .0
        .iter()
        .filter_map(|part| part.as_ident())
        .map(|ident| match ident.quote_style {
            Some(_) => ident.value.clone(),
            None => ident.value.to_ascii_lowercase(),
        })
        .collect();
    let (domain, table) = match parts.as_slice() {
        [.., domain, table] => (domain.as_str(), table.as_str()),
        _ => return Ok(()),
    };
    if let Some(registered) = store.registry().table(domain, table)
        && !store.can_read(principal, &registered)
    {
        return Err(Error::AccessDenied(format!(
            "permission denied for table {domain}.{table}: ask its owner {} ({}) for access",
            registered.product.owner, registered.product.contact
        )));
    }
    Ok(())
}
