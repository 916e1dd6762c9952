//! The query engine: one DataFusion `SessionContext` per session over the shared catalog
//! registry, object stores and memory pool.

mod mesh_catalog;
pub mod opener;
mod system_views;

use std::sync::Arc;

use datafusion::catalog::SchemaProvider;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DFStatement;

pub use mesh_catalog::{CATALOG_NAME, DEFAULT_SCHEMA, SYSTEM_SCHEMA};

use crate::catalog::{Catalog, Registry};
use crate::engine::mesh_catalog::MeshCatalog;
use crate::engine::opener::{OpenedTable, TableOpener};
use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::storage::StorageOptions;

/// The engine shared by every session of one process.
#[derive(Debug)]
pub struct Engine {
    registry: Arc<Registry>,
    runtime: Arc<RuntimeEnv>,
    opener: Arc<TableOpener>,
    system: Arc<dyn SchemaProvider>,
}

impl Engine {
    /// Builds the engine over a loaded `catalog`. Storage is opened lazily, on first use.
    pub fn new(catalog: Catalog, storage: StorageOptions) -> Result<Engine> {
        let registry = Arc::new(Registry::new(catalog));
        let runtime = RuntimeEnvBuilder::new().build_arc()?;
        let opener_state = SessionStateBuilder::new()
            .with_config(session_config())
            .with_runtime_env(Arc::clone(&runtime))
            .with_default_features()
            .build();
        let opener = Arc::new(TableOpener::new(opener_state, storage));
        let system = system_views::system_schema(&registry)?;
        Ok(Engine {
            registry,
            runtime,
            opener,
            system,
        })
    }

    /// The catalog registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// A new session for `principal`, with its own settings and state. The principal is
    /// stored in the session's config extensions for the policy to read.
    pub fn session(&self, principal: Arc<Principal>) -> SessionContext {
        let state = SessionStateBuilder::new()
            .with_config(session_config().with_extension(principal))
            .with_runtime_env(Arc::clone(&self.runtime))
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        let catalog = MeshCatalog::new(
            Arc::clone(&self.registry),
            Arc::clone(&self.opener),
            Arc::clone(&self.system),
        );
        ctx.register_catalog(CATALOG_NAME, Arc::new(catalog));
        ctx
    }

    /// Opens every table (what `meshgate check` does), in catalog order.
    pub async fn open_all(&self) -> Vec<(String, Result<OpenedTable>)> {
        let mut results = Vec::new();
        for table in self.registry.tables() {
            results.push((table.qualified_name(), self.opener.open(table).await));
        }
        results
    }
}

/// Plans one SQL statement in `ctx`. Statements that would change data or the catalog (DML,
/// DDL, `COPY ... TO`, `CREATE EXTERNAL TABLE`) are refused with SQLSTATE 42501.
pub async fn plan_sql(ctx: &SessionContext, sql: &str) -> Result<DataFrame> {
    let plan = ctx.state().create_logical_plan(sql).await?;
    verify_read_only(&plan)?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// Plans one parsed statement in `ctx` into a logical plan that may still hold parameter
/// placeholders (`$1`), refusing writes like [`plan_sql`]. The wire server plans through here
/// and runs the plan with [`execute_plan`].
pub async fn plan_statement(ctx: &SessionContext, statement: DFStatement) -> Result<LogicalPlan> {
    let plan = ctx.state().statement_to_plan(statement).await?;
    verify_read_only(&plan)?;
    Ok(plan)
}

/// Runs a plan made by [`plan_statement`] (parameters already bound) in `ctx`.
pub async fn execute_plan(ctx: &SessionContext, plan: LogicalPlan) -> Result<DataFrame> {
    verify_read_only(&plan)?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// The read-only surface: DDL and DML are refused with SQLSTATE 42501.
fn verify_read_only(plan: &LogicalPlan) -> Result<()> {
    let read_only = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(true);
    if let Err(refused) = read_only.verify_plan(plan) {
        let what = refused.find_root().message().to_string();
        return Err(Error::ReadOnly(what));
    }
    Ok(())
}

/// The principal a session runs as.
pub fn session_principal(ctx: &SessionContext) -> Option<Arc<Principal>> {
    ctx.state().config().get_extension::<Principal>()
}

/// Settings every session starts from.
fn session_config() -> SessionConfig {
    let mut config = SessionConfig::new()
        .with_default_catalog_and_schema(CATALOG_NAME, DEFAULT_SCHEMA)
        .with_create_default_catalog_and_schema(false)
        .with_information_schema(true);
    let options = config.options_mut();
    options.execution.parquet.pushdown_filters = true;
    options.execution.parquet.reorder_filters = true;
    options.execution.collect_statistics = true;
    config
}
