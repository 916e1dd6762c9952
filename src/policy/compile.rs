//! Compiles a decision's SQL (row filter, masks) into expressions, by planning it against the
//! product table in the reader's own session (so `current_user` and `mesh_user_attr` are the
//! reader's). Tables that a filter's subqueries read are read with the product owner's
//! authority: they only decide which rows pass and are marked as already governed.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, TableReference};
use datafusion::logical_expr::{Expr, LogicalPlan, TableScan};
use datafusion::prelude::SessionContext;

use crate::error::{Error, Result};
use crate::policy::decision::{Access, Grant};
use crate::policy::rewrite::mark_governed;

/// A decision ready for the plan rewrite.
#[derive(Debug)]
pub enum CompiledAccess {
    /// Reads fail with this message (SQLSTATE 42501).
    Denied(String),
    /// Reads go through this filter and these masks.
    Allowed(Box<CompiledGrant>),
}

/// Compiled filter and masks, with columns qualified by [`CompiledGrant::qualifier`].
#[derive(Debug)]
pub struct CompiledGrant {
    /// How the expressions' columns are qualified.
    pub qualifier: TableReference,
    /// The row filter.
    pub filter: Option<Expr>,
    /// Masked column name → replacement expression.
    pub masks: Vec<(String, Expr)>,
    /// The decision as text, for the audit log.
    pub grant: Grant,
}

/// Compiles `access` for `product_table` (`domain.table`) in the reader's session `ctx`.
pub async fn compile(
    ctx: &SessionContext,
    product_table: &str,
    access: Access,
) -> Result<CompiledAccess> {
    let grant = match access {
        Access::Denied(message) => return Ok(CompiledAccess::Denied(message)),
        Access::Allowed(grant) => grant,
    };
    let (domain, table) = product_table
        .split_once('.')
        .ok_or_else(|| Error::Internal(format!("'{product_table}' is not domain.table")))?;
    let qualifier = TableReference::partial(domain, table);
    let from = format!("\"{domain}\".\"{table}\"");
    let filter = match &grant.filter {
        None => None,
        Some(sql) => {
            let plan = plan(
                ctx,
                product_table,
                &format!("SELECT * FROM {from} WHERE {sql}"),
            )
            .await?;
            Some(filter_predicate(&plan).ok_or_else(|| {
                Error::Internal(format!(
                    "no filter planned for the row filter of {product_table}"
                ))
            })?)
        }
    };
    let mut masks = Vec::new();
    for (column, sql) in &grant.masks {
        let plan = plan(ctx, product_table, &format!("SELECT {sql} FROM {from}")).await?;
        let expr = match &plan {
            LogicalPlan::Projection(projection) if projection.expr.len() == 1 => {
                projection.expr[0].clone().unalias()
            }
            _ => {
                return Err(policy_error(
                    product_table,
                    &format!("mask of {column} is not one expression"),
                ));
            }
        };
        masks.push((column.clone(), expr));
    }
    Ok(CompiledAccess::Allowed(Box::new(CompiledGrant {
        qualifier,
        filter,
        masks,
        grant,
    })))
}

/// Plans policy SQL, with every table it reads marked as governed.
async fn plan(ctx: &SessionContext, product_table: &str, sql: &str) -> Result<LogicalPlan> {
    let plan = ctx
        .state()
        .create_logical_plan(sql)
        .await
        .map_err(|e| policy_error(product_table, &format!("{e} (in: {sql})")))?;
    let marked = plan
        .transform_up_with_subqueries(|node| match node {
            LogicalPlan::TableScan(scan) => {
                Ok(Transformed::yes(LogicalPlan::TableScan(TableScan {
                    source: mark_governed(&scan.source)?,
                    ..scan
                })))
            }
            other => Ok(Transformed::no(other)),
        })
        .map_err(Error::from)?;
    Ok(marked.data)
}

/// The predicate of the first `Filter` in `plan`.
fn filter_predicate(plan: &LogicalPlan) -> Option<Expr> {
    match plan {
        LogicalPlan::Filter(filter) => Some(filter.predicate.clone()),
        other => other.inputs().into_iter().find_map(filter_predicate),
    }
}

fn policy_error(product_table: &str, message: &str) -> Error {
    Error::Internal(format!(
        "the access rules of {product_table} do not compile: {message}; fix customProperties in \
         its contract (meshgate check reports this too)"
    ))
}

/// `expr` with columns qualified by `from` re-qualified by `to` (the reader's table reference).
pub fn requalify(expr: Expr, from: &TableReference, to: &TableReference) -> Result<Expr> {
    let rewritten = expr
        .transform_up(|e| match e {
            Expr::Column(Column {
                relation: Some(relation),
                name,
                spans,
            }) if &relation == from => Ok(Transformed::yes(Expr::Column(Column {
                relation: Some(to.clone()),
                name,
                spans,
            }))),
            other => Ok(Transformed::no(other)),
        })
        .map_err(Error::from)?;
    Ok(rewritten.data)
}
