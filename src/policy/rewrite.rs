//! The enforcement point: an analyzer rule, run before any other, that turns every scan of a
//! product table into scan → row filter → masking projection, or fails the statement with
//! 42501. Joins, CTEs, subqueries, set operations, EXPLAIN and prepared statements all reach
//! their scans through it; the optimizer afterwards still pushes filters into storage.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::common::{Column, Result as DfResult};
use datafusion::datasource::{TableType, provider_as_source, source_as_provider};
use datafusion::logical_expr::{
    Cast, Expr, Filter, LogicalPlan, Projection, TableProviderFilterPushDown, TableScan,
    TableSource,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_plan::ExecutionPlan;

use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::policy::compile::{CompiledAccess, CompiledGrant, requalify};
use crate::policy::store::PolicyStore;
use crate::sources::contract::product_table_of;

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
        Ok(rewritten.data)
    }
}

impl GovernanceRule {
    fn govern(&self, scan: TableScan) -> DfResult<Transformed<LogicalPlan>> {
        let Some(product_table) = scan_product_table(&scan)? else {
            return Ok(Transformed::no(LogicalPlan::TableScan(scan)));
        };
        let compiled = self
            .store
            .compiled(&self.principal.name, &product_table)?
            .ok_or_else(|| {
                Error::Internal(format!(
                    "{product_table} reached the plan without a policy decision"
                ))
            })?;
        match compiled.as_ref() {
            CompiledAccess::Denied(message) => Err(Error::AccessDenied(message.clone()).into()),
            CompiledAccess::Allowed(grant) => Ok(Transformed::yes(governed_plan(scan, grant)?)),
        }
    }
}

/// scan → filter → masking projection, the scan marked as governed.
fn governed_plan(scan: TableScan, grant: &CompiledGrant) -> DfResult<LogicalPlan> {
    let reference = scan.table_name.clone();
    let schema = Arc::clone(&scan.projected_schema);
    let marked = TableScan {
        source: mark_governed(&scan.source)?,
        ..scan
    };
    let mut plan = LogicalPlan::TableScan(marked);
    if let Some(filter) = &grant.filter {
        let predicate = requalify(filter.clone(), &grant.qualifier, &reference)?;
        plan = LogicalPlan::Filter(Filter::try_new(predicate, Arc::new(plan))?);
    }
    if grant.masks.is_empty() {
        return Ok(plan);
    }
    let mut exprs = Vec::with_capacity(schema.fields().len());
    for (qualifier, field) in schema.iter() {
        let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
        let mask = grant.masks.iter().find(|(name, _)| name == field.name());
        exprs.push(match mask {
            None => column,
            Some((_, mask)) => {
                let value = requalify(mask.clone(), &grant.qualifier, &reference)?;
                Expr::Cast(Cast::new(Box::new(value), field.data_type().clone()))
                    .alias_qualified(qualifier.cloned(), field.name())
            }
        });
    }
    Ok(LogicalPlan::Projection(Projection::try_new(
        exprs,
        Arc::new(plan),
    )?))
}

/// The product table a scan reads, unless the scan is already governed.
fn scan_product_table(scan: &TableScan) -> DfResult<Option<String>> {
    let Ok(provider) = source_as_provider(&scan.source) else {
        return Ok(None);
    };
    if provider.downcast_ref::<GovernedTable>().is_some() {
        return Ok(None);
    }
    Ok(product_table_of(provider.as_ref()).map(str::to_string))
}

/// The product tables `plan` reads (including inside subqueries and EXPLAIN).
pub fn product_tables(plan: &LogicalPlan) -> Result<Vec<String>> {
    let mut tables = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && let Some(table) = scan_product_table(scan)?
            && !tables.contains(&table)
        {
            tables.push(table);
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(tables)
}

/// `source`, marked so the rule leaves it alone.
pub fn mark_governed(source: &Arc<dyn TableSource>) -> Result<Arc<dyn TableSource>> {
    let provider = source_as_provider(source)?;
    if provider.downcast_ref::<GovernedTable>().is_some() {
        return Ok(Arc::clone(source));
    }
    Ok(provider_as_source(Arc::new(GovernedTable {
        inner: provider,
    })))
}

/// A product table whose scan has been through the policy.
#[derive(Debug)]
struct GovernedTable {
    inner: Arc<dyn TableProvider>,
}

#[async_trait]
impl TableProvider for GovernedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.inner.scan(state, projection, filters, limit).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }
}
