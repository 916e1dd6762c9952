//! `INTERSECT ALL` and `EXCEPT ALL` keep multiplicities, as in PostgreSQL: a row that appears
//! m times on the left and n times on the right appears min(m, n) times in the intersection
//! and max(m - n, 0) times in the difference. DataFusion plans both as a plain semi (anti)
//! join on every column, which keeps all m copies (or none); this rule numbers the copies of
//! each row on both sides (`row_number() OVER (PARTITION BY every column)`) and joins on the
//! number too.

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, NullEquality, Result as DfResult};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    ExprFunctionExt, Join, JoinType, LogicalPlan, LogicalPlanBuilder, col,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::Expr;

/// Name of the copy number on the left side.
const LEFT_COPY: &str = "__meshgate_left_copy";
/// Name of the copy number on the right side.
const RIGHT_COPY: &str = "__meshgate_right_copy";

/// Rewrites the joins that `INTERSECT ALL` and `EXCEPT ALL` plan to (only they produce
/// semi and anti joins before optimization).
#[derive(Debug, Default)]
pub struct SetOperationsAll;

impl AnalyzerRule for SetOperationsAll {
    fn name(&self) -> &str {
        "meshgate_set_operations_all"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| match node {
            LogicalPlan::Join(join) if is_set_operation_all(&join) => {
                Ok(Transformed::yes(count_copies(join)?))
            }
            other => Ok(Transformed::no(other)),
        })
        .map(|transformed| transformed.data)
    }
}

fn is_set_operation_all(join: &Join) -> bool {
    matches!(join.join_type, JoinType::LeftSemi | JoinType::LeftAnti)
        && join.null_equality == NullEquality::NullEqualsNull
        && join.filter.is_none()
        && join.on.len() == join.left.schema().fields().len()
        && !matches!(join.left.as_ref(), LogicalPlan::Distinct(_))
        && !join.on.is_empty()
}

fn count_copies(join: Join) -> DfResult<LogicalPlan> {
    let columns: Vec<Column> = join.left.schema().columns();
    let left = numbered(join.left.as_ref().clone(), LEFT_COPY)?;
    let right = numbered(join.right.as_ref().clone(), RIGHT_COPY)?;
    let mut left_keys = Vec::with_capacity(join.on.len() + 1);
    let mut right_keys = Vec::with_capacity(join.on.len() + 1);
    for (l, r) in &join.on {
        let (Expr::Column(l), Expr::Column(r)) = (l, r) else {
            return datafusion::common::plan_err!("set operation keys must be columns");
        };
        left_keys.push(l.clone());
        right_keys.push(r.clone());
    }
    left_keys.push(Column::from_name(LEFT_COPY));
    right_keys.push(Column::from_name(RIGHT_COPY));
    LogicalPlanBuilder::from(left)
        .join_detailed(
            right,
            join.join_type,
            (left_keys, right_keys),
            None,
            NullEquality::NullEqualsNull,
        )?
        .project(columns.into_iter().map(Expr::Column))?
        .build()
}

/// `plan` with a column `name` numbering the copies of each row.
fn numbered(plan: LogicalPlan, name: &str) -> DfResult<LogicalPlan> {
    let partition: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    let copy = row_number().partition_by(partition).build()?.alias(name);
    let keep: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .chain(std::iter::once(col(name)))
        .collect();
    LogicalPlanBuilder::from(plan)
        .window(vec![copy])?
        .project(keep)?
        .build()
}
