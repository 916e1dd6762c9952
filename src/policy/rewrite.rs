//! The enforcement point: an analyzer rule, run before any other, that replaces every scan of
//! a product table by its governed form — the table as it is for an unrestricted reader, a
//! [`BarrierTable`] (row filter and masks inside the scan) for a restricted one — or fails the
//! statement with 42501. Joins, CTEs, subqueries, set operations, EXPLAIN and prepared
//! statements all reach their scans through it. It fails closed: a scan of a table that is
//! neither a product, nor already governed, nor trusted system metadata, refuses the statement.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::Result as DfResult;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::datasource::cte_worktable::CteWorkTable;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::functions_table::generate_series::GenerateSeriesTable;
use datafusion::logical_expr::{LogicalPlan, TableScan, TableScanBuilder, TableSource};
use datafusion::optimizer::AnalyzerRule;

use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::policy::barrier::BarrierTable;
use crate::policy::compile::CompiledAccess;
use crate::policy::store::PolicyStore;
use crate::policy::system_table::{Mark, is_system_table, mark_of, marked};
use crate::sources::contract::product_table_of;

/// The schema of DataFusion's own `information_schema` views.
const INFORMATION_SCHEMA: &str = "information_schema";

/// The analyzer rule of one session.
#[derive(Debug)]
pub struct GovernanceRule {
    principal: Arc<Principal>,
    store: Arc<PolicyStore>,
}

impl GovernanceRule {
    /// The rule for `principal`'s session.
    pub fn new(principal: Arc<Principal>, store: Arc<PolicyStore>) -> Self {
        GovernanceRule { principal, store }
    }
}

impl AnalyzerRule for GovernanceRule {
    fn name(&self) -> &str {
        "meshgate_governance"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        let rewritten = plan.transform_up_with_subqueries(|node| match node {
            LogicalPlan::TableScan(scan) => self.govern(scan),
            other => Ok(Transformed::no(other)),
        })?;
        if !rewritten.transformed {
            return Ok(rewritten.data);
        }
        // masked columns became nullable: every schema above a governed scan says so, or the
        // optimizer would fold `masked IS NULL` from the storage's nullability
        let recomputed = rewritten
            .data
            .transform_up_with_subqueries(|node| match node {
                LogicalPlan::TableScan(scan) => Ok(Transformed::no(LogicalPlan::TableScan(scan))),
                other => other.recompute_schema().map(Transformed::yes),
            })?;
        Ok(recomputed.data)
    }
}

impl GovernanceRule {
    fn govern(&self, scan: TableScan) -> DfResult<Transformed<LogicalPlan>> {
        let product_table = match classify(&scan)? {
            Scanned::Product(product_table) => product_table,
            Scanned::Governed | Scanned::System => {
                return Ok(Transformed::no(LogicalPlan::TableScan(scan)));
            }
            Scanned::Unknown => {
                return Err(Error::AccessDenied(format!(
                    "permission denied for table {}: meshgate does not know it as a data \
                     product or a system table, so it cannot govern its reads",
                    scan.table_name
                ))
                .into());
            }
        };
        let compiled = self
            .store
            .compiled(&self.principal.name, &product_table)?
            .ok_or_else(|| {
                Error::Internal(format!(
                    "{product_table} reached the plan without a policy decision"
                ))
            })?;
        let grant = match compiled.as_ref() {
            CompiledAccess::Denied(message) => {
                return Err(Error::AccessDenied(message.clone()).into());
            }
            CompiledAccess::Allowed(grant) => grant,
        };
        let provider = source_as_provider(&scan.source)?;
        let governed: Arc<dyn TableProvider> = if grant.restricts() {
            Arc::new(BarrierTable::new(
                product_table,
                provider,
                Arc::clone(grant),
            ))
        } else {
            marked(provider, Mark::Governed)
        };
        let governed = TableScanBuilder::new(scan.table_name, provider_as_source(governed))
            .with_projection(scan.projection)
            .with_filters(scan.filters)
            .with_fetch(scan.fetch)
            .build()?;
        Ok(Transformed::yes(LogicalPlan::TableScan(governed)))
    }
}

/// What a scan reads, as the policy sees it.
enum Scanned {
    /// A product table (`domain.table`) not yet governed.
    Product(String),
    /// A product table already governed (or read by the policy itself).
    Governed,
    /// System metadata.
    System,
    /// Anything else: refused.
    Unknown,
}

fn classify(scan: &TableScan) -> DfResult<Scanned> {
    let Ok(provider) = source_as_provider(&scan.source) else {
        return Ok(Scanned::Unknown);
    };
    if mark_of(provider.as_ref()) == Some(Mark::Governed)
        || provider.downcast_ref::<BarrierTable>().is_some()
    {
        return Ok(Scanned::Governed);
    }
    if let Some(product_table) = product_table_of(provider.as_ref()) {
        return Ok(Scanned::Product(product_table.to_string()));
    }
    let information_schema = provider.downcast_ref::<StreamingTable>().is_some()
        && scan.table_name.schema() == Some(INFORMATION_SCHEMA);
    // a recursive CTE's work table holds rows its own (governed) plan produced
    let datafusion_own = provider.downcast_ref::<CteWorkTable>().is_some()
        || provider.downcast_ref::<GenerateSeriesTable>().is_some();
    if is_system_table(provider.as_ref()) || information_schema || datafusion_own {
        return Ok(Scanned::System);
    }
    Ok(Scanned::Unknown)
}

/// The product tables `plan` reads (including inside subqueries and EXPLAIN).
pub fn product_tables(plan: &LogicalPlan) -> Result<Vec<String>> {
    let mut tables = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && let Scanned::Product(table) = classify(scan)?
            && !tables.contains(&table)
        {
            tables.push(table);
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(tables)
}

/// `source`, marked as read with the product owner's authority (the policy's own reads: a
/// row filter's subqueries), so the rule leaves it alone.
pub fn mark_governed(source: &Arc<dyn TableSource>) -> Result<Arc<dyn TableSource>> {
    let provider = source_as_provider(source)?;
    Ok(provider_as_source(marked(provider, Mark::Governed)))
}
