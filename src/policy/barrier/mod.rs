//! The security barrier (PostgreSQL's `security_barrier` views with `LEAKPROOF` functions):
//! a product table read through a row filter or masks is replaced by a [`BarrierTable`],
//! which applies the filter and the masks *inside its own scan*. The user's query only ever
//! sees rows the filter admits, with masked values; of the user's predicates only the
//! [leakproof](crate::policy::leakproof) ones that touch no masked column are handed to the
//! storage scan beneath the filter (so Parquet and Delta still prune), and the filter itself
//! reaches the scan as a pruning predicate too. Everything else the user wrote is evaluated
//! above, on visible rows only.

mod exec;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionState;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Column as ColumnExpr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;

use exec::Restriction;
pub use exec::SecurityBarrierExec;

use crate::policy::compile::CompiledGrant;
use crate::policy::leakproof::is_leakproof;

/// A product table read through its reader's row filter and masks.
#[derive(Debug)]
pub struct BarrierTable {
    product_table: String,
    inner: Arc<dyn TableProvider>,
    grant: Arc<CompiledGrant>,
    schema: SchemaRef,
}

impl BarrierTable {
    /// `inner` (the product table `product_table`) as `grant` lets its reader see it.
    pub fn new(
        product_table: String,
        inner: Arc<dyn TableProvider>,
        grant: Arc<CompiledGrant>,
    ) -> Self {
        let storage = inner.schema();
        let fields: Vec<Field> = storage
            .fields()
            .iter()
            .map(|field| {
                let masked = grant.mask(field.name()).is_some();
                field
                    .as_ref()
                    .clone()
                    .with_nullable(field.is_nullable() || masked)
            })
            .collect();
        let schema = Arc::new(Schema::new_with_metadata(
            fields,
            storage.metadata().clone(),
        ));
        BarrierTable {
            product_table,
            inner,
            grant,
            schema,
        }
    }

    /// Whether a user predicate may be evaluated beneath the barrier.
    fn may_push(&self, filter: &Expr) -> bool {
        let touches_mask = filter
            .column_refs()
            .iter()
            .any(|column| self.grant.mask(&column.name).is_some());
        !touches_mask && is_leakproof(filter, &self.inner.schema())
    }

    /// The rule expression `expr`, simplified for this query (`now()` is the query's start).
    fn for_query(&self, state: &dyn Session, expr: &Expr, schema: &DFSchema) -> DfResult<Expr> {
        let mut context = SimplifyContext::builder()
            .with_schema(Arc::new(schema.clone()))
            .with_config_options(Arc::new(state.config_options().clone()));
        if let Some(start) = state.execution_props().query_execution_start_time {
            context = context.with_query_execution_start_time(Some(start));
        }
        ExprSimplifier::new(context.build()).simplify(expr.clone())
    }

    /// The storage columns the scan of `wanted` columns needs: those, and those the row
    /// filter and the masks of the wanted ones read.
    fn needed_columns(&self, wanted: &[usize]) -> DfResult<Vec<usize>> {
        let storage = self.inner.schema();
        let mut needed: BTreeSet<usize> = wanted.iter().copied().collect();
        let mut add = |expr: &Expr| -> DfResult<()> {
            for column in expr.column_refs() {
                needed.insert(storage.index_of(&column.name)?);
            }
            Ok(())
        };
        if let Some(filter) = &self.grant.filter {
            add(filter)?;
        }
        for index in wanted {
            if let Some(mask) = self.grant.mask(storage.field(*index).name()) {
                add(mask)?;
            }
        }
        Ok(needed.into_iter().collect())
    }

    fn restriction(&self, wanted: &[usize]) -> Restriction {
        Restriction {
            product_table: self.product_table.clone(),
            row_filter: self.grant.filter.as_ref().map(ToString::to_string),
            masked: wanted
                .iter()
                .map(|i| self.schema.field(*i).name().clone())
                .filter(|name| self.grant.mask(name).is_some())
                .collect(),
        }
    }
}

#[async_trait]
impl TableProvider for BarrierTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let inner = self.inner.supports_filters_pushdown(filters)?;
        Ok(filters
            .iter()
            .zip(inner)
            .map(|(filter, support)| {
                if support != TableProviderFilterPushDown::Unsupported && self.may_push(filter) {
                    // still evaluated above: beneath, it only prunes
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let wanted: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let needed = self.needed_columns(&wanted)?;
        // beneath the barrier: the user's leakproof predicates (the optimizer passes only those
        // we accepted, but check again) and the row filter, where storage can use them
        let mut candidates: Vec<Expr> = filters
            .iter()
            .filter(|f| self.may_push(f))
            .cloned()
            .collect();
        candidates.extend(self.grant.filter.iter().cloned());
        let support = self
            .inner
            .supports_filters_pushdown(&candidates.iter().collect::<Vec<_>>())?;
        let pushed: Vec<Expr> = candidates
            .into_iter()
            .zip(support)
            .filter(|(_, s)| *s != TableProviderFilterPushDown::Unsupported)
            .map(|(f, _)| f)
            .collect();
        // a limit counts rows before the filter
        let limit = if self.grant.filter.is_none() {
            limit
        } else {
            None
        };
        let mut plan = self
            .inner
            .scan(state, Some(&needed), &pushed, limit)
            .await?;
        let scanned = DFSchema::try_from(plan.schema().as_ref().clone())?;
        // the row filter and the leakproof predicates, in one filter the physical optimizer
        // pushes into the storage scan for pruning
        let mut conjuncts = Vec::new();
        if let Some(filter) = &self.grant.filter {
            conjuncts.push(self.for_query(state, filter, &scanned)?);
        }
        for filter in pushed
            .iter()
            .filter(|f| Some(*f) != self.grant.filter.as_ref())
        {
            conjuncts.push(unqualified(filter.clone())?);
        }
        if let Some(predicate) = conjunction(conjuncts) {
            let predicate = state.create_physical_expr(predicate, &scanned)?;
            plan = Arc::new(FilterExec::try_new(predicate, plan)?);
        }
        let mut outputs: Vec<(Arc<dyn PhysicalExpr>, String)> = Vec::new();
        for index in &wanted {
            let name = self.schema.field(*index).name();
            let value: Arc<dyn PhysicalExpr> = match self.grant.mask(name) {
                Some(mask) => {
                    let mask = self.for_query(state, mask, &scanned)?;
                    state.create_physical_expr(mask, &scanned)?
                }
                None => Arc::new(ColumnExpr::new(
                    name,
                    scanned.index_of_column_by_name(None, name).ok_or_else(|| {
                        DataFusionError::Internal(format!("{name} is not scanned"))
                    })?,
                )),
            };
            outputs.push((value, name.clone()));
        }
        plan = Arc::new(ProjectionExec::try_new(outputs, plan)?);
        let plan = optimize(plan, state)?;
        Ok(Arc::new(SecurityBarrierExec::new(
            self.restriction(&wanted),
            plan,
        )))
    }
}

/// `expr` with its columns unqualified (the storage scan's schema has no qualifiers).
fn unqualified(expr: Expr) -> DfResult<Expr> {
    expr.transform_up(|e| match e {
        Expr::Column(column) if column.relation.is_some() => Ok(Transformed::yes(Expr::Column(
            Column::new_unqualified(column.name),
        ))),
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// Runs the session's physical optimizer rules over the governed scan, which holds only the
/// storage scan, the policy's own expressions and leakproof predicates; the barrier keeps
/// every rule away from it afterwards.
fn optimize(
    mut plan: Arc<dyn ExecutionPlan>,
    state: &dyn Session,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let Some(state) = state.as_any().downcast_ref::<SessionState>() else {
        return Ok(plan);
    };
    for rule in state.physical_optimizers() {
        plan = rule.optimize(plan, state.config_options())?;
    }
    Ok(plan)
}
