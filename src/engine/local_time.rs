//! `timestamptz` → `timestamp` casts as PostgreSQL does them: the wall-clock time in the
//! session's time zone. Arrow's cast keeps the UTC wall time instead, which would shift every
//! converted value by the session's offset without a word.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{ExprSchema, Result as DfResult};
use datafusion::functions::datetime::to_local_time;
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

/// Rewrites `CAST(tz_value AS timestamp)` into `CAST(to_local_time(CAST(tz_value AS
/// timestamptz in the session zone)) AS timestamp)`; runs after type coercion, so the casts
/// coercion adds are converted too.
#[derive(Debug, Default)]
pub struct LocalTimeCasts;

impl AnalyzerRule for LocalTimeCasts {
    fn name(&self) -> &str {
        "meshgate_local_time_casts"
    }

    fn analyze(&self, plan: LogicalPlan, config: &ConfigOptions) -> DfResult<LogicalPlan> {
        let Some(zone) = config.execution.time_zone.clone() else {
            return Ok(plan);
        };
        plan.transform_up_with_subqueries(|node| {
            let mut candidates = false;
            node.apply_expressions(|expr| {
                candidates |= expr.exists(|e| Ok(drops_zone(e)))?;
                Ok(TreeNodeRecursion::Continue)
            })?;
            if !candidates {
                return Ok(Transformed::no(node));
            }
            let inputs: Vec<&LogicalPlan> = node.inputs();
            let schema = merge_schema(&inputs);
            // output columns keep their names
            let names = NamePreserver::new(&node);
            node.map_expressions(|expr| {
                let name = names.save(&expr);
                let rewritten = expr.transform_up(|e| to_local(e, &schema, &zone))?;
                Ok(rewritten.update_data(|e| name.restore(e)))
            })
        })
        .map(|transformed| transformed.data)
    }
}

/// Whether `expr` is a cast to a timestamp without time zone (the source's type is checked
/// only for these, against the node's input schema).
fn drops_zone(expr: &Expr) -> bool {
    match expr {
        Expr::Cast(Cast { field, .. }) | Expr::TryCast(TryCast { field, .. }) => {
            matches!(field.data_type(), DataType::Timestamp(_, None))
        }
        _ => false,
    }
}

/// One cast, rewritten when it drops a time zone.
fn to_local(expr: Expr, schema: &dyn ExprSchema, zone: &str) -> DfResult<Transformed<Expr>> {
    let (inner, target, try_cast) = match &expr {
        Expr::Cast(Cast { expr, field }) => (expr, field, false),
        Expr::TryCast(TryCast { expr, field }) => (expr, field, true),
        _ => return Ok(Transformed::no(expr)),
    };
    if !drops_zone(&expr) {
        return Ok(Transformed::no(expr));
    }
    // inputs of leaf nodes have no schema to type against: leave those casts alone
    let Ok(DataType::Timestamp(unit, Some(_))) = inner.get_type(schema) else {
        return Ok(Transformed::no(expr));
    };
    let in_zone = Expr::Cast(Cast::new(
        inner.clone(),
        DataType::Timestamp(unit, Some(zone.into())),
    ));
    let local = Box::new(to_local_time().call(vec![in_zone]));
    let field = std::sync::Arc::clone(target);
    Ok(Transformed::yes(if try_cast {
        Expr::TryCast(TryCast { expr: local, field })
    } else {
        Expr::Cast(Cast::new_from_field(local, field))
    }))
}
