//! `pg_catalog` for the clients' catalog queries (psql `\dt`, drivers' metadata calls),
//! from `datafusion-pg-catalog`, built over the session's own catalog list so it lists what
//! the session sees. The crate's own pgwire 0.41 dependency stays off the connection path:
//! only its schema provider, functions and SQL rewrites are used.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_pg_catalog::pg_catalog::context::PgCatalogContextProvider;
use datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::engine::CATALOG_NAME;
use crate::error::{Error, Result};
use crate::policy::Principal;

/// The rewrites of client catalog queries into forms DataFusion plans; built once.
static COMPAT: LazyLock<PostgresCompatibilityParser> =
    LazyLock::new(PostgresCompatibilityParser::new);

/// Re-parses `sql` with the compatibility rewrites; `None` if that does not give exactly one
/// statement (the caller keeps its own parse then).
pub fn compatible(sql: &str) -> Option<Statement> {
    let mut statements = COMPAT.parse(sql).ok()?;
    (statements.len() == 1).then(|| statements.remove(0))
}

/// Role information for `pg_roles`. Implemented on a plain value: the crate's
/// `impl PgCatalogContextProvider for Arc<T>` calls itself and overflows the stack.
#[derive(Debug, Clone)]
struct SessionRoles;

impl PgCatalogContextProvider for SessionRoles {}

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

/// Adds `pg_catalog`, the functions clients call (`pg_table_is_visible`, `format_type`, ...)
/// and a `session_user`/`current_user` that name the logged-in principal.
pub fn install(ctx: &SessionContext, principal: &Principal) -> Result<()> {
    let inner = ctx
        .catalog(CATALOG_NAME)
        .ok_or_else(|| Error::Config("the session has no mesh catalog".into()))?;
    let wrapped = WithSystemSchemas {
        inner,
        extra: RwLock::default(),
    };
    ctx.register_catalog(CATALOG_NAME, Arc::new(wrapped));
    setup_pg_catalog(ctx, CATALOG_NAME, SessionRoles).map_err(|e| Error::DataFusion(*e))?;
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
