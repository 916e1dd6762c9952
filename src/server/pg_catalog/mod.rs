//! `pg_catalog` for the clients' catalog queries (psql `\dt`, drivers' metadata calls),
//! from `datafusion-pg-catalog`, built over the session's own catalog list so it lists what
//! the session sees. The crate's own pgwire 0.41 dependency stays off the connection path:
//! only its schema provider, functions and SQL rewrites are used. Where the crate answers
//! with placeholders, this module answers for the session: comments from the contracts
//! ([`schema`]), roles ([`roles`]), privileges from the policy ([`privilege`]), and the
//! rewrites and functions psql's meta-commands need ([`rewrite`], [`functions`]).

mod arrays;
mod domain_base;
mod expandarray;
mod format_type;
mod functions;
mod json;
mod pg_settings;
mod privilege;
mod regcast;
mod retyped;
mod rewrite;
mod roles;
mod schema;

pub use format_type::typmod;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    Expr, ObjectName, ObjectNamePart, Statement, visit_expressions, visit_relations,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::generate_series_arg_coercion::CoerceIntArgsToBigInt;
use datafusion_pg_catalog::pg_catalog::oid_type_planner::PgOidTypePlanner;
use datafusion_pg_catalog::pg_catalog::{
    self as pg, PgCatalogSchemaProvider, PgCatalogStaticTables, array_bounds_udf, pg_get_expr_udf,
    quote_ident_udf,
};
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::engine::CATALOG_NAME;
use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::policy::store::PolicyStore;
use crate::policy::system_table::{system_schema, system_table_function};
use crate::server::pg_catalog::roles::{GetUserById, SessionRoles};
use crate::server::pg_catalog::schema::PgCatalog;

pub use domain_base::domain_bases;

/// The rewrites of client catalog queries into forms DataFusion plans; built once.
static COMPAT: LazyLock<PostgresCompatibilityParser> =
    LazyLock::new(PostgresCompatibilityParser::new);

/// Whether `statement` is a client catalog query, the kind the compatibility rewrites are
/// made for: it reads a `pg_catalog` relation (`pg_class`, `pg_catalog.pg_type`, ...), calls a
/// `pg_catalog`-qualified or `pg_*` function, or casts to a `reg*` type. Only those get the
/// rewrites; they change what other queries mean (a scalar subquery in a projection becomes
/// NULL, `current_user` becomes `session_user`).
pub fn reads_pg_catalog(statement: &Statement) -> bool {
    let catalog_name = |name: &ObjectName| {
        name.0.iter().any(|part: &ObjectNamePart| {
            part.as_ident().is_some_and(|ident| {
                let name = ident.value.to_ascii_lowercase();
                name == "pg_catalog" || name.starts_with("pg_")
            })
        })
    };
    let found = |hit: bool| {
        if hit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    visit_relations(statement, |relation| found(catalog_name(relation))).is_break()
        || visit_expressions(statement, |expr| {
            found(match expr {
                Expr::Function(function) => catalog_name(&function.name),
                Expr::Cast { data_type, .. } => data_type
                    .to_string()
                    .to_ascii_lowercase()
                    .starts_with("reg"),
                _ => false,
            })
        })
        .is_break()
}

/// Gives unaliased special registers (`current_user`, `session_user`, ...) in select lists
/// their PostgreSQL column names; every query gets this, catalog query or not.
pub fn name_registers(statement: &mut Statement) {
    rewrite::before_compat(statement);
}

/// Re-parses `sql` with the compatibility rewrites and ours ([`rewrite`]); `None` if that
/// does not give exactly one statement (the caller keeps its own parse then).
pub fn compatible(sql: &str) -> Option<Statement> {
    let named = Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .ok()
        .and_then(|mut statements| {
            let statement = statements.first_mut()?;
            let named = rewrite::before_compat(statement);
            let expanded = expandarray::rewrite(statement);
            (regcast::before_compat(statement) | named | expanded).then(|| statement.to_string())
        });
    let mut statements = COMPAT.parse(named.as_deref().unwrap_or(sql)).ok()?;
    if statements.len() != 1 {
        return None;
    }
    let mut statement = statements.remove(0);
    regcast::after_compat(&mut statement);
    rewrite::inline_functions(&mut statement);
    Some(statement)
}

/// The mesh catalog plus schemas registered on top of it (`pg_catalog`).
#[derive(Debug)]
struct WithSystemSchemas {
    inner: Arc<dyn CatalogProvider>,
    extra: RwLock<BTreeMap<String, Arc<dyn SchemaProvider>>>,
}

impl CatalogProvider for WithSystemSchemas {
    fn schema_names(&self) -> Vec<String> {
        let mut names = self.inner.schema_names();
        let extra = self.extra.read().unwrap_or_else(PoisonError::into_inner);
        names.extend(extra.keys().cloned());
        names
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let extra = self.extra.read().unwrap_or_else(PoisonError::into_inner);
        extra.get(name).cloned().or_else(|| self.inner.schema(name))
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> DfResult<Option<Arc<dyn SchemaProvider>>> {
        let mut extra = self.extra.write().unwrap_or_else(PoisonError::into_inner);
        Ok(extra.insert(name.to_string(), schema))
    }
}

/// The PostgreSQL 17 catalog tables the crate embeds as Arrow IPC: decoded once per
/// process, shared by every session.
static STATIC_TABLES: LazyLock<std::result::Result<Arc<PgCatalogStaticTables>, String>> =
    LazyLock::new(|| {
        PgCatalogStaticTables::try_new()
            .map(Arc::new)
            .map_err(|e| e.to_string())
    });

/// Adds `pg_catalog`, the functions clients call (`pg_table_is_visible`, `format_type`, ...)
/// and a `session_user`/`current_user` that name the logged-in principal. This is the crate's
/// `setup_pg_catalog` with the static tables shared instead of decoded per session.
pub fn install(ctx: &SessionContext, principal: &Arc<Principal>) -> Result<()> {
    let static_tables = STATIC_TABLES
        .as_ref()
        .map_err(|e| Error::Config(format!("pg_catalog tables: {e}")))?;
    let inner = ctx
        .catalog(CATALOG_NAME)
        .ok_or_else(|| Error::Config("the session has no mesh catalog".into()))?;
    let wrapped = WithSystemSchemas {
        inner,
        extra: RwLock::default(),
    };
    // pg_roles comes from `SessionRoles`, so the crate gets no context provider (its
    // `impl PgCatalogContextProvider for Arc<T>` calls itself and overflows the stack)
    let crate_catalog = PgCatalogSchemaProvider::try_new(
        Arc::clone(ctx.state().catalog_list()),
        Arc::clone(static_tables),
        EmptyContextProvider,
    )?;
    let roles = Arc::new(SessionRoles::new(principal));
    let pg_catalog = PgCatalog::new(
        Arc::new(crate_catalog),
        Arc::clone(static_tables),
        Arc::clone(&roles),
    );
    wrapped.register_schema("pg_catalog", system_schema(Arc::new(pg_catalog)))?;
    let policy = ctx
        .state()
        .config()
        .get_extension::<PolicyStore>()
        .ok_or_else(|| Error::Config("the session has no policy".into()))?;
    ctx.register_catalog(CATALOG_NAME, Arc::new(wrapped));
    for udf in [
        pg::create_current_database_udf(CATALOG_NAME),
        pg::create_current_schema_udf(),
        pg::create_current_schemas_udf(),
        GetUserById::udf(roles),
        pg::create_pg_table_is_visible(),
        format_type::format_type_udf(Arc::new(format_type::TypeNames::new(
            &static_tables.pg_type,
        )?)),
        pg_get_expr_udf::create_pg_get_expr_udf(),
        pg::create_pg_get_partkeydef_udf(),
        pg::create_pg_relation_is_publishable_udf(),
        pg::create_pg_get_statisticsobjdef_columns_udf(),
        pg::create_pg_encoding_to_char_udf(),
        pg::create_pg_backend_pid_udf(),
        pg::create_pg_relation_size_udf(),
        pg::create_pg_total_relation_size_udf(),
        pg::create_pg_stat_get_numscans(),
        pg::create_pg_get_constraintdef(),
        pg::create_pg_get_partition_ancestors_udf(),
        quote_ident_udf::create_quote_ident_udf(),
        quote_ident_udf::create_parse_ident_udf(),
        array_bounds_udf::create_array_upper_udf(),
        array_bounds_udf::create_array_lower_udf(),
    ]
    .into_iter()
    .chain(privilege::functions(principal, &policy))
    .chain(expandarray::functions())
    .chain(functions::functions(&static_tables.pg_type)?)
    {
        ctx.register_udf(udf);
    }
    ctx.register_udtf(
        "pg_get_keywords",
        system_table_function(Arc::clone(&static_tables.pg_get_keywords) as _),
    );
    {
        // `regclass` and the other oid aliases as type names
        let state = ctx.state_ref();
        let existing = state.read().clone();
        let planned = SessionStateBuilder::new_from_existing(existing)
            .with_type_planner(Arc::new(PgOidTypePlanner))
            .build();
        *state.write() = planned;
    }
    CoerceIntArgsToBigInt::widen(ctx);
    for name in ["session_user", "current_user", "user"] {
        let user = principal.name.clone();
        let udf = create_udf(
            name,
            vec![],
            DataType::Utf8,
            Volatility::Stable,
            Arc::new(move |_: &[ColumnarValue]| {
                Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(user.clone()))))
            }),
        );
        ctx.register_udf(udf);
    }
    Ok(())
}

/// `pg_type`'s regproc columns (`typreceive`, `typsend`, ...) are text here, `-` where
/// PostgreSQL has OID 0, so `typreceive != 0` (the ADBC driver's startup type query) fails
/// to cast; such comparisons with 0 are rewritten to compare with `'-'`.
pub fn regproc_zero(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Value, visit_expressions_mut};
    const REGPROC: [&str; 7] = [
        "typinput",
        "typoutput",
        "typreceive",
        "typsend",
        "typmodin",
        "typmodout",
        "typanalyze",
    ];
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq | BinaryOperator::NotEq,
            right,
        } = expr
        {
            let column = match left.as_ref() {
                Expr::Identifier(ident) => Some(ident),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            let regproc = column.is_some_and(|c| REGPROC.contains(&c.value.as_str()));
            let zero = matches!(right.as_ref(), Expr::Value(v) if v.value == Value::Number("0".into(), false));
            if regproc && zero {
                **right = Expr::Value(Value::SingleQuotedString("-".into()).with_empty_span());
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}
