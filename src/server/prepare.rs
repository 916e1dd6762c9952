//! The extended protocol's Parse and Bind: statements are planned once at Parse (parameter
//! types inferred from `$n`), and a portal's parameters are decoded and bound into a copy of
//! the plan.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DFStatement;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::results::{FieldFormat, FieldInfo};
use pgwire::api::stmt::QueryParser;
use pgwire::api::{ClientInfo, Type};
use pgwire::error::PgWireResult;

use crate::engine::plan_statement;
use crate::error::{Error, Result};
use crate::server::copy::options::CopyOptions;
use crate::server::cursor::parse::{CursorCommand, DeclareSpec};
use crate::server::declared_params::declared_types;
use crate::server::encode::{TextStyle, columns, field_infos};
use crate::server::handler::{err, format_of};
use crate::server::session::Session;
use crate::server::statement::{Command, Parsed, parse};
use crate::server::{params, search_path};

/// A statement prepared by Parse.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// A session command.
    Command(Command),
    /// A planned query with its inferred parameter types.
    Query(Arc<PreparedQuery>),
    /// `COPY (query) TO STDOUT`, its query planned.
    Copy(Arc<PreparedQuery>, CopyOptions),
    /// `DECLARE ... CURSOR FOR query`, its query planned.
    Declare(DeclareSpec, Arc<PreparedQuery>),
    /// `FETCH`/`MOVE`/`CLOSE`, with the cursor's result schema when it was open at Parse
    /// (for Describe).
    Cursor(CursorCommand, Option<SchemaRef>),
    /// `DEALLOCATE name` or `ALL` (`None`).
    Deallocate(Option<String>),
}

/// A query planned at Parse time.
#[derive(Debug)]
pub struct PreparedQuery {
    plan: LogicalPlan,
    params: Vec<Option<DataType>>,
    /// Parameter types the SQL declares beyond what the plan shows (`$1::oid[]`), by index.
    declared: BTreeMap<usize, Type>,
    text: String,
}

impl PreparedQuery {
    /// Plans `statement` (source `text`) through the governed path and infers its
    /// parameter types.
    async fn plan(
        session: &Session,
        statement: DFStatement,
        text: String,
    ) -> PgWireResult<Arc<Self>> {
        let mut statement = statement;
        search_path::apply(session, &mut statement);
        let declared = declared_types(&statement);
        let peer = Some(session.peer.clone());
        let plan = plan_statement(&session.ctx, statement, &text, peer)
            .await
            .map_err(err)?;
        let params = params::parameter_types(&plan).map_err(err)?;
        Ok(Arc::new(PreparedQuery {
            plan,
            params,
            declared,
            text,
        }))
    }

    /// The statement's source text, for the audit log.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The PostgreSQL type of parameter `i` (from 0) as meshgate describes it.
    fn pg_type(&self, i: usize) -> Type {
        match self.declared.get(&(i + 1)) {
            Some(declared) => declared.clone(),
            None => params::pg_type(self.params.get(i).and_then(Option::as_ref)),
        }
    }
}

/// Plans statements for the extended protocol.
#[derive(Debug, Default)]
pub struct Parser;

/// Binds a portal's parameters into the prepared plan; `zone` is the session's time zone,
/// in which a `timestamptz` parameter written without an offset is local time.
pub(crate) fn bind(
    query: &PreparedQuery,
    portal: &Portal<Prepared>,
    zone: Option<&str>,
) -> Result<LogicalPlan> {
    let client_types = &portal.statement.parameter_types;
    let count = query.params.len().max(client_types.len());
    if portal.parameters.len() != count {
        return Err(Error::Protocol(format!(
            "bind message supplies {} parameters, but the prepared statement requires {count}",
            portal.parameters.len()
        )));
    }
    let mut values = Vec::with_capacity(count);
    for (i, value) in portal.parameters.iter().enumerate() {
        let inferred = query.params.get(i).and_then(Option::as_ref);
        let pg_type = client_types
            .get(i)
            .cloned()
            .flatten()
            .filter(|t| *t != Type::UNKNOWN)
            .unwrap_or_else(|| query.pg_type(i));
        let binary = portal.parameter_format.is_binary(i);
        values.push(params::decode(
            value.as_ref(),
            &pg_type,
            binary,
            inferred,
            zone,
        )?);
    }
    if values.is_empty() {
        return Ok(query.plan.clone());
    }
    Ok(query.plan.clone().with_param_values(values)?)
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let session = Session::of(client)?;
        let mut statements = parse(sql).map_err(err)?;
        if statements.len() > 1 {
            return Err(err(Error::Protocol(
                "cannot insert multiple commands into a prepared statement".into(),
            )));
        }
        let plan = |statement, text| PreparedQuery::plan(&session, statement, text);
        Ok(Some(match statements.pop() {
            None => return Ok(None),
            Some(Parsed::Command(command)) => Prepared::Command(command),
            Some(Parsed::Query(statement, text)) => Prepared::Query(plan(*statement, text).await?),
            Some(Parsed::Copy(statement, options, text)) => {
                Prepared::Copy(plan(*statement, text).await?, options)
            }
            Some(Parsed::Declare(spec, statement, text)) => {
                Prepared::Declare(spec, plan(*statement, text).await?)
            }
            Some(Parsed::Deallocate(name)) => Prepared::Deallocate(name),
            Some(Parsed::Cursor(command)) => {
                let schema = match &command {
                    CursorCommand::Fetch {
                        name, moved: false, ..
                    } => session.cursors.schema(name),
                    _ => None,
                };
                Prepared::Cursor(command, schema)
            }
        }))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        Ok(match stmt {
            Prepared::Command(_) | Prepared::Cursor(..) | Prepared::Deallocate(_) => vec![],
            Prepared::Query(query) | Prepared::Copy(query, _) | Prepared::Declare(_, query) => {
                (0..query.params.len()).map(|i| query.pg_type(i)).collect()
            }
        })
    }

    fn get_result_schema(
        &self,
        stmt: &Prepared,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        let format = |i| format.map_or(FieldFormat::Text, |f| format_of(f, i));
        Ok(match stmt {
            Prepared::Command(Command::Show(name)) if name.eq_ignore_ascii_case("all") => {
                field_infos(&show_columns(&["name", "setting"]))
            }
            Prepared::Command(Command::Show(name)) => {
                let name = crate::server::settings::known(name)
                    .map_or(name.to_ascii_lowercase(), |(_, d, _)| {
                        d.to_ascii_lowercase()
                    });
                field_infos(&show_columns(&[&name]))
            }
            Prepared::Command(_)
            | Prepared::Copy(..)
            | Prepared::Declare(..)
            | Prepared::Deallocate(_) => vec![],
            Prepared::Cursor(_, None) => vec![],
            Prepared::Cursor(_, Some(schema)) => {
                field_infos(&columns(schema, format, &TextStyle::default()))
            }
            Prepared::Query(query) => {
                let schema = query.plan.schema().as_arrow().clone();
                field_infos(&columns(&schema, format, &TextStyle::default()))
            }
        })
    }
}

fn show_columns(names: &[&str]) -> Vec<crate::server::encode::PgColumn> {
    use datafusion::arrow::datatypes::{Field, Schema};
    let fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, false))
        .collect();
    columns(
        &Schema::new(fields),
        |_| FieldFormat::Text,
        &TextStyle::default(),
    )
}
