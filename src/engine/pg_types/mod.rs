//! PostgreSQL's semantics for types, literals, operators and casts, in the engine so that
//! every front end (the wire protocol, HTTP, `meshgate query`) answers as PostgreSQL 15.
//!
//! Two stages:
//! - [`retype`] runs on every statement right after SQL planning, before a result's columns
//!   are described to a client, because it changes result types: integer constants that fit
//!   in 32 bits are `integer`, integer `+ - *` fail on overflow, numeric division keeps
//!   PostgreSQL's scale, `date ± interval` is a `timestamp`, `date - date` an `integer`.
//! - [`PgCasts`] is an analyzer rule (after type coercion, so the casts coercion adds are
//!   covered too) for casts whose result type stays but whose values differ: numeric and
//!   float to integer round, text to date or timestamp ignores what PostgreSQL ignores.

mod arithmetic;
mod casts;
mod column_names;
mod datetime;
mod interval;
mod literals;
mod numeric_division;
mod text_input;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result as DfResult};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder};

pub use casts::PgCasts;
pub use column_names::{COLUMN_NAME_KEY, StandIns, column_name, name_columns, restore};
pub use interval::{interval_parts, interval_text};
pub use text_input::datetime_text;

use crate::engine::pg_types::arithmetic::CheckedInteger;
use crate::engine::pg_types::numeric_division::NumericDivide;

/// Gives a freshly planned statement PostgreSQL's result types and operators (see the
/// module docs). Output column names are kept.
pub fn retype(plan: LogicalPlan) -> DfResult<LogicalPlan> {
    // a recursive query's work table keeps the types it was planned with: its constants
    // stay as DataFusion typed them
    let constants = !plan.exists(|node| Ok(matches!(node, LogicalPlan::RecursiveQuery(_))))?;
    plan.transform_up_with_subqueries(|node| {
        // LIMIT and OFFSET take bigint constants
        if matches!(node, LogicalPlan::Limit(_)) {
            return Ok(Transformed::no(node));
        }
        let schema = merge_schema(&node.inputs());
        let names = NamePreserver::new(&node);
        let rewritten = node.map_expressions(|expr| {
            let name = names.save(&expr);
            let rewritten = expr.transform_up(|e| retype_expr(e, &schema, constants))?;
            Ok(if rewritten.transformed {
                rewritten.update_data(|e| name.restore(e))
            } else {
                rewritten
            })
        })?;
        if rewritten.transformed {
            rewritten.map_data(recompute_schema)
        } else {
            Ok(rewritten)
        }
    })
    .map(|t| t.data)
}

/// The node's schema for its rewritten expressions (`VALUES` types its columns from them).
fn recompute_schema(plan: LogicalPlan) -> DfResult<LogicalPlan> {
    match plan {
        LogicalPlan::Values(values) => LogicalPlanBuilder::values(values.values)?.build(),
        other => other.recompute_schema(),
    }
}

/// One expression, its operands already rewritten.
fn retype_expr(expr: Expr, schema: &DFSchema, constants: bool) -> DfResult<Transformed<Expr>> {
    match expr {
        Expr::Literal(value, metadata) if constants => Ok(match literals::narrow(&value) {
            Some(narrow) => Transformed::yes(Expr::Literal(narrow, metadata)),
            None => Transformed::no(Expr::Literal(value, metadata)),
        }),
        Expr::BinaryExpr(binary) => Ok(retype_operator(binary, schema)),
        other => Ok(Transformed::no(other)),
    }
}

/// An operator PostgreSQL evaluates differently from DataFusion, by its operands' types
/// (operands whose type cannot be told, such as untyped parameters, are left alone).
fn retype_operator(binary: BinaryExpr, schema: &DFSchema) -> Transformed<Expr> {
    let (Ok(left), Ok(right)) = (binary.left.get_type(schema), binary.right.get_type(schema))
    else {
        return Transformed::no(Expr::BinaryExpr(binary));
    };
    let BinaryExpr {
        left: l,
        op,
        right: r,
    } = binary;
    let types = (&left, &right);
    let rewritten = match op {
        datafusion::logical_expr::Operator::Divide => {
            NumericDivide::call((*l).clone(), (*r).clone(), types)
        }
        _ => CheckedInteger::call((*l).clone(), op, (*r).clone(), types)
            .or_else(|| datetime::retype(&l, op, &r, types)),
    };
    match rewritten {
        Some(expr) => Transformed::yes(expr),
        None => Transformed::no(Expr::BinaryExpr(BinaryExpr::new(l, op, r))),
    }
}
