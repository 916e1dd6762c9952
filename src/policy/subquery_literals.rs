//! Principal-only subqueries of a row filter or mask, evaluated once into literals.
//!
//! A subquery in a rule may depend on the reader (`mesh_user_attr`, `current_user`, folded
//! to constants by then) but not on the product's rows: `c_nationkey IN (SELECT ... WHERE
//! r_name = mesh_user_attr('region'))` becomes `c_nationkey IN (6, 7, 19, 22, 23)`, so each
//! query pays nothing for it and the set reaches the scan as a prunable predicate. The result
//! is cached with the compiled decision, for the life of the catalog that the decision
//! belongs to.

use std::collections::HashSet;

use datafusion::arrow::array::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::expr::{Exists, InList, InSubquery};
use datafusion::logical_expr::{Expr, Subquery, lit};
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use crate::error::{Error, Result};

/// Most distinct values an `IN (subquery)` of a rule may produce.
pub const MAX_SUBQUERY_VALUES: usize = 100_000;

/// `expr` with every subquery replaced by its result, evaluated in `ctx`.
pub async fn evaluate_subqueries(ctx: &SessionContext, mut expr: Expr) -> Result<Expr> {
    while let Some(subquery) = first_subquery(&expr)? {
        let value = evaluate(ctx, &subquery).await?;
        expr = expr
            .transform_down(|e| {
                if e == subquery {
                    Ok(Transformed::new(
                        value.clone(),
                        true,
                        TreeNodeRecursion::Jump,
                    ))
                } else {
                    Ok(Transformed::no(e))
                }
            })?
            .data;
    }
    Ok(expr)
}

/// The outermost subquery expression of `expr`, if any.
fn first_subquery(expr: &Expr) -> Result<Option<Expr>> {
    let mut found = None;
    expr.apply(|e| match e {
        Expr::InSubquery(_)
        | Expr::Exists(_)
        | Expr::ScalarSubquery(_)
        | Expr::SetComparison(_) => {
            found = Some(e.clone());
            Ok(TreeNodeRecursion::Stop)
        }
        _ => Ok(TreeNodeRecursion::Continue),
    })?;
    Ok(found)
}

async fn evaluate(ctx: &SessionContext, expr: &Expr) -> Result<Expr> {
    match expr {
        Expr::InSubquery(InSubquery {
            expr,
            subquery,
            negated,
        }) => {
            let values = distinct_values(stream(ctx, subquery).await?).await?;
            Ok(Expr::InList(InList::new(expr.clone(), values, *negated)))
        }
        Expr::Exists(Exists { subquery, negated }) => {
            let rows: usize = run(ctx, subquery).await?.iter().map(|b| b.num_rows()).sum();
            Ok(lit((rows > 0) != *negated))
        }
        Expr::ScalarSubquery(subquery) => {
            let batches = run(ctx, subquery).await?;
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            if rows > 1 {
                return Err(Error::InvalidValue(
                    "a scalar subquery of the rule returned more than one row".to_string(),
                ));
            }
            let value = match batches.iter().find(|b| b.num_rows() == 1) {
                Some(batch) => ScalarValue::try_from_array(batch.column(0), 0)?,
                None => ScalarValue::try_from(subquery.subquery.schema().field(0).data_type())?,
            };
            Ok(lit(value))
        }
        _ => Err(Error::Unsupported(
            "ANY/ALL subqueries are not supported in row filters and masks; write \
             column IN (SELECT ...) instead"
                .to_string(),
        )),
    }
}

/// Runs a subquery that depends on the reader only.
async fn run(ctx: &SessionContext, subquery: &Subquery) -> Result<Vec<RecordBatch>> {
    let mut batches = Vec::new();
    let mut rows = stream(ctx, subquery).await?;
    while let Some(batch) = rows.next().await {
        let batch = batch?;
        // EXISTS needs one row, a scalar subquery at most two
        let enough =
            batches.iter().map(RecordBatch::num_rows).sum::<usize>() + batch.num_rows() > 1;
        batches.push(batch);
        if enough {
            break;
        }
    }
    Ok(batches)
}

/// Starts a subquery that depends on the reader only.
async fn stream(ctx: &SessionContext, subquery: &Subquery) -> Result<SendableRecordBatchStream> {
    if !subquery.outer_ref_columns.is_empty() {
        return Err(Error::Unsupported(
            "a subquery of a row filter or mask may not refer to the product's own columns: it \
             is evaluated once per reader; write column IN (SELECT ...) with a subquery that \
             depends only on the reader (mesh_user_attr, current_user)"
                .to_string(),
        ));
    }
    let plan = subquery.subquery.as_ref().clone();
    Ok(ctx
        .execute_logical_plan(plan)
        .await?
        .execute_stream()
        .await?)
}

/// The distinct values of the first column of `batches`, in order of first appearance; at
/// most [`MAX_SUBQUERY_VALUES`], or an error.
async fn distinct_values(mut batches: SendableRecordBatchStream) -> Result<Vec<Expr>> {
    let mut seen = HashSet::new();
    let mut values = Vec::new();
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        for row in 0..batch.num_rows() {
            let value = ScalarValue::try_from_array(batch.column(0), row)?;
            if seen.insert(value.clone()) {
                if values.len() == MAX_SUBQUERY_VALUES {
                    return Err(Error::InvalidValue(format!(
                        "an IN (subquery) of the rule returned more than {MAX_SUBQUERY_VALUES} \
                         distinct values; narrow the subquery"
                    )));
                }
                values.push(lit(value));
            }
        }
    }
    Ok(values)
}
