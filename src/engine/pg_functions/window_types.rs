//! Ranking window functions typed as PostgreSQL types them: `row_number`, `rank` and
//! `dense_rank` are `bigint`, `ntile` is `integer`. DataFusion returns unsigned 64-bit
//! integers, which the wire can only send as `numeric`; this rule casts them above the window.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, Result as DfResult};
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast};
use datafusion::optimizer::AnalyzerRule;

/// Casts unsigned ranking results to the signed type PostgreSQL answers.
#[derive(Debug, Default)]
pub struct RankingTypes;

impl AnalyzerRule for RankingTypes {
    fn name(&self) -> &str {
        "meshgate_ranking_types"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let node = node.recompute_schema()?;
            match node {
                LogicalPlan::Window(ref window) if casts(window).iter().any(Option::is_some) => {
                    let targets = casts(window);
                    Ok(Transformed::yes(cast_outputs(node, &targets)?))
                }
                other => Ok(Transformed::no(other)),
            }
        })
        .map(|transformed| transformed.data)
    }
}

/// For each output column of `window`, the type to cast it to, if any.
fn casts(window: &datafusion::logical_expr::Window) -> Vec<Option<DataType>> {
    let inputs = window.input.schema().fields().len();
    let mut targets = vec![None; inputs];
    for (expr, field) in window
        .window_expr
        .iter()
        .zip(window.schema.fields().iter().skip(inputs))
    {
        let target = match (expr.clone().unalias(), field.data_type()) {
            (Expr::WindowFunction(function), DataType::UInt64) => Some(signed(&function)),
            _ => None,
        };
        targets.push(target);
    }
    targets
}

fn signed(function: &WindowFunction) -> DataType {
    if function.fun.name().eq_ignore_ascii_case("ntile") {
        DataType::Int32
    } else {
        DataType::Int64
    }
}

fn cast_outputs(window: LogicalPlan, targets: &[Option<DataType>]) -> DfResult<LogicalPlan> {
    let exprs: Vec<Expr> = window
        .schema()
        .iter()
        .zip(targets)
        .map(|((qualifier, field), target)| {
            let column = Expr::Column(Column::from((qualifier, field)));
            match target {
                Some(to) => {
                    cast(column, to.clone()).alias_qualified(qualifier.cloned(), field.name())
                }
                None => column,
            }
        })
        .collect();
    LogicalPlanBuilder::from(window).project(exprs)?.build()
}
