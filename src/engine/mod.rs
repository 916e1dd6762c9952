//! The query engine: one DataFusion `SessionContext` per session over the shared catalog
//! registry, object stores and memory pool.

mod audited;
mod local_time;
mod mesh_catalog;
pub mod opener;
mod pg_functions;
pub mod pg_types;
mod scan_predicates;
mod statement;
mod system_views;

use std::sync::Arc;

use datafusion::config::Dialect;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::optimizer::AnalyzerRule;
use datafusion::optimizer::analyzer::resolve_grouping_function::ResolveGroupingFunction;
use datafusion::optimizer::analyzer::type_coercion::TypeCoercion;
use datafusion::prelude::{SessionConfig, SessionContext};

pub use audited::CursorAudit;
pub use mesh_catalog::{CATALOG_NAME, DEFAULT_SCHEMA, SYSTEM_SCHEMA};
pub use statement::{execute_cursor_plan, execute_plan, execute_sql, plan_sql, plan_statement};

use crate::catalog::registry::RegisteredTable;
use crate::catalog::{Catalog, Registry};
use crate::engine::local_time::LocalTimeCasts;
use crate::engine::mesh_catalog::MeshCatalog;
use crate::engine::opener::{OpenedTable, TableOpener};
use crate::engine::pg_types::PgCasts;
use crate::engine::scan_predicates::DedupScanPredicates;
use crate::engine::system_views::SharedViews;
use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::policy::audit::AuditLog;
use crate::policy::compile::compile;
use crate::policy::decision::{Access, Grant};
use crate::policy::functions::register_principal_functions;
use crate::policy::query_log::QueryLogTable;
use crate::policy::rewrite::GovernanceRule;
use crate::policy::store::PolicyStore;
use crate::storage::StorageOptions;

/// A session's analyzer rules: governance first (the barrier sees the query as written),
/// PostgreSQL's query shapes after type coercion.
fn analyzer_rules(governance: GovernanceRule) -> Vec<Arc<dyn AnalyzerRule + Send + Sync>> {
    let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![
        Arc::new(governance),
        Arc::new(ResolveGroupingFunction::new()),
        Arc::new(TypeCoercion::new()),
    ];
    rules.extend(pg_functions::analyzer_rules());
    rules.push(Arc::new(LocalTimeCasts));
    rules.push(Arc::new(PgCasts));
    rules
}

/// The engine shared by every session of one process.
#[derive(Debug)]
pub struct Engine {
    registry: Arc<Registry>,
    runtime: Arc<RuntimeEnv>,
    opener: Arc<TableOpener>,
    policy: Arc<PolicyStore>,
    audit: Arc<AuditLog>,
    system_views: SharedViews,
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
        let policy = Arc::new(PolicyStore::new(Arc::clone(&registry))?);
        let system_views = SharedViews::new(&registry)?;
        Ok(Engine {
            registry,
            runtime,
            opener,
            policy,
            audit: Arc::new(AuditLog::in_memory()),
            system_views,
        })
    }

    /// Records statements run through [`execute_sql`] in `log` instead of in memory only.
    pub fn with_audit_log(mut self, log: AuditLog) -> Self {
        self.audit = Arc::new(log);
        self
    }

    /// The catalog registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// A new session for `principal`, with its own settings and state. Every plan of the
    /// session goes through the governance rule first; the principal and the policy are kept
    /// in the session's config extensions for [`plan_sql`].
    pub fn session(&self, principal: Arc<Principal>) -> Result<SessionContext> {
        let governance = GovernanceRule::new(Arc::clone(&principal), Arc::clone(&self.policy));
        let config = session_config()
            .with_extension(Arc::clone(&principal))
            .with_extension(Arc::clone(&self.policy))
            .with_extension(Arc::clone(&self.audit));
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(Arc::clone(&self.runtime))
            .with_default_features()
            .with_analyzer_rules(analyzer_rules(governance))
            .with_physical_optimizer_rule(Arc::new(DedupScanPredicates))
            .build();
        let ctx = SessionContext::new_with_state(state);
        register_principal_functions(&ctx, &principal);
        pg_functions::register(&ctx);
        let owned_domains = self
            .registry
            .catalog()
            .domains
            .iter()
            .filter(|d| principal.has_role(&d.team))
            .map(|d| d.name.clone())
            .collect();
        let query_log = QueryLogTable::new(
            Arc::clone(&self.audit),
            Arc::clone(&principal),
            owned_domains,
        );
        let system = system_views::system_schema(
            &self.system_views,
            &self.registry,
            &self.policy,
            &principal,
            query_log,
        )?;
        let catalog = MeshCatalog::new(
            Arc::clone(&self.registry),
            Arc::clone(&self.opener),
            system,
            Arc::clone(&self.policy),
            principal,
        );
        ctx.register_catalog(CATALOG_NAME, Arc::new(catalog));
        Ok(ctx)
    }

    /// Compiles `table`'s row filters (all of them, OR-ed) and masks as a reader holding
    /// every granted role, so that `meshgate check` reports rules that do not parse or plan.
    pub async fn check_rules(&self, table: &RegisteredTable) -> Result<()> {
        let fail = |message: String| Error::Product {
            product: table.qualified_name(),
            message,
        };
        let rules = match self.policy.rules_of(&table.product.qualified_name()) {
            Some(Ok(rules)) => rules,
            Some(Err(problem)) => return Err(fail(format!("access rules: {problem}"))),
            None => return Ok(()),
        };
        let reader = Arc::new(Principal::new(
            "meshgate-check",
            rules.readers.iter().cloned(),
        ));
        let masks = match self.policy.decide(&reader, table) {
            Access::Allowed(grant) => grant.masks,
            Access::Denied(_) => Vec::new(),
        };
        let filters: Vec<String> = rules
            .row_filters
            .iter()
            .map(|f| format!("({})", f.filter))
            .collect();
        let grant = Grant {
            filter: (!filters.is_empty()).then(|| filters.join(" OR ")),
            masks,
        };
        let ctx = self.session(reader)?;
        compile(&ctx, &table.qualified_name(), Access::Allowed(grant))
            .await
            .map(|_| ())
            .map_err(|e| fail(format!("access rules do not compile: {e}")))
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

/// Settings every session starts from.
fn session_config() -> SessionConfig {
    let mut config = SessionConfig::new()
        .with_default_catalog_and_schema(CATALOG_NAME, DEFAULT_SCHEMA)
        .with_create_default_catalog_and_schema(false)
        .with_information_schema(true);
    let options = config.options_mut();
    options.sql_parser.dialect = Dialect::PostgreSQL;
    // `1.5` is numeric, as in PostgreSQL (DataFusion's default is a float)
    options.sql_parser.parse_float_as_decimal = true;
    options.execution.collect_statistics = true;
    // as the server reports at login: `now()` and `timestamptz` are in UTC until a session
    // sets its TimeZone
    options.execution.time_zone = Some("UTC".into());
    config
}
