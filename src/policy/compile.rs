//! Compiles a decision's SQL (row filter, masks) into expressions over the product table's
//! own columns, by planning it against the table in the reader's own session (so
//! `current_user` and `mesh_user_attr` are the reader's, folded to constants). Subqueries are
//! evaluated once, here, with the product owner's authority (they only decide which rows
//! pass) and replaced by their result ([`crate::policy::subquery_literals`]), so that the
//! filter is a plain predicate the barrier evaluates inside the scan.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::compute::can_cast_types;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{Cast, Expr, ExprSchemable, LogicalPlan, TableScan, lit};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::prelude::SessionContext;

use crate::error::{Error, Result};
use crate::policy::decision::{Access, Grant};
use crate::policy::rewrite::mark_governed;
use crate::policy::subquery_literals::evaluate_subqueries;

/// A decision ready for the plan rewrite.
#[derive(Debug)]
pub enum CompiledAccess {
    /// Reads fail with this message (SQLSTATE 42501).
    Denied(String),
    /// Reads go through this filter and these masks.
    Allowed(Arc<CompiledGrant>),
}

/// Compiled filter and masks, over the product table's unqualified column names.
#[derive(Debug)]
pub struct CompiledGrant {
    /// The row filter, free of subqueries.
    pub filter: Option<Expr>,
    /// Masked column name → the value the reader sees, of the column's type.
    pub masks: Vec<(String, Expr)>,
    /// The decision as text, for the audit log.
    pub grant: Grant,
}

impl CompiledGrant {
    /// Whether reads go through a filter or a mask (else they read the table as it is).
    pub fn restricts(&self) -> bool {
        self.filter.is_some() || !self.masks.is_empty()
    }

    /// The mask of `column`, if it is masked.
    pub fn mask(&self, column: &str) -> Option<&Expr> {
        self.masks
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, mask)| mask)
    }
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
    let from = format!("\"{domain}\".\"{table}\"");
    let rules = Rules {
        ctx,
        product_table,
        from: &from,
    };
    let filter = match &grant.filter {
        None => None,
        // a filter that admits every row of this reader is none
        Some(sql) => Some(rules.filter(sql).await?).filter(|f| *f != lit(true)),
    };
    let table_schema = rules.table_schema().await?;
    let mut mesh = HashMap::new();
    for mask in &grant.masks {
        if let Some(sql) = &mask.mesh {
            let value = rules.typed(&mask.column, rules.value(sql).await?, &table_schema)?;
            mesh.insert(mask.column.clone(), value);
        }
    }
    let mut masks = Vec::new();
    for mask in &grant.masks {
        let value = match (&mask.product, mesh.get(&mask.column)) {
            // a product's mask sees every column as the mesh masks it
            (Some(sql), _) => {
                let value = substitute(rules.value(sql).await?, &mesh)?;
                rules.typed(&mask.column, value, &table_schema)?
            }
            (None, Some(mesh_value)) => mesh_value.clone(),
            (None, None) => continue,
        };
        masks.push((mask.column.clone(), value));
    }
    Ok(CompiledAccess::Allowed(Arc::new(CompiledGrant {
        filter,
        masks,
        grant,
    })))
}

/// Compiles the policy SQL of one product table.
struct Rules<'a> {
    ctx: &'a SessionContext,
    product_table: &'a str,
    from: &'a str,
}

impl Rules<'_> {
    /// The row filter `sql` as a predicate without subqueries.
    async fn filter(&self, sql: &str) -> Result<Expr> {
        let plan = self
            .analyzed(&format!("SELECT * FROM {} WHERE {sql}", self.from))
            .await?;
        let predicate = filter_predicate(&plan).ok_or_else(|| {
            Error::Internal(format!(
                "no filter planned for the row filter of {}",
                self.product_table
            ))
        })?;
        self.finish(predicate, &plan).await
    }

    /// The mask expression `sql`, without subqueries.
    async fn value(&self, sql: &str) -> Result<Expr> {
        let plan = self
            .analyzed(&format!("SELECT {sql} FROM {}", self.from))
            .await?;
        match &plan {
            LogicalPlan::Projection(projection) if projection.expr.len() == 1 => {
                let expr = projection.expr[0].clone().unalias();
                self.finish(expr, &plan).await
            }
            _ => Err(policy_error(
                self.product_table,
                &format!("the mask {sql} is not one expression"),
            )),
        }
    }

    /// The schema of the product table, as the rules see it.
    async fn table_schema(&self) -> Result<SchemaRef> {
        let plan = self
            .analyzed(&format!("SELECT * FROM {}", self.from))
            .await?;
        Ok(Arc::clone(plan.schema().inner()))
    }

    /// `value` cast to the type of `column`, refusing casts Arrow cannot make.
    fn typed(&self, column: &str, value: Expr, table: &SchemaRef) -> Result<Expr> {
        let field = table.field_with_name(column).map_err(|_| {
            policy_error(
                self.product_table,
                &format!("a mask names column {column}, which the table does not have"),
            )
        })?;
        let schema = DFSchema::try_from(table.as_ref().clone())?;
        let from = value.get_type(&schema)?;
        if !can_cast_types(&from, field.data_type()) {
            return Err(policy_error(
                self.product_table,
                &format!(
                    "the mask of {column} gives {from}, which cannot become the column's type {}",
                    field.data_type()
                ),
            ));
        }
        Ok(Expr::Cast(Cast::new(
            Box::new(value),
            field.data_type().clone(),
        )))
    }

    /// Plans and analyzes (type coercion) policy SQL, every table it reads marked as read
    /// with the owner's authority.
    async fn analyzed(&self, sql: &str) -> Result<LogicalPlan> {
        let state = self.ctx.state();
        let fail = |e: &dyn std::fmt::Display| {
            policy_error(self.product_table, &format!("{e} (in: {sql})"))
        };
        let plan = state.create_logical_plan(sql).await.map_err(|e| fail(&e))?;
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
        state
            .analyzer()
            .execute_and_check(marked.data, state.config_options(), |_, _| {})
            .map_err(|e| fail(&e))
    }

    /// `expr` (planned in `plan`) with its subqueries evaluated, constants folded and columns
    /// unqualified.
    async fn finish(&self, expr: Expr, plan: &LogicalPlan) -> Result<Expr> {
        let expr = evaluate_subqueries(self.ctx, expr)
            .await
            .map_err(|e| policy_error(self.product_table, &e.to_string()))?;
        let context = SimplifyContext::builder()
            .with_schema(Arc::clone(plan.schema()))
            .with_config_options(Arc::clone(self.ctx.state().config_options()))
            .build();
        let simplified = ExprSimplifier::new(context)
            .simplify(expr)
            .map_err(|e| policy_error(self.product_table, &e.to_string()))?;
        unqualify(simplified)
    }
}

/// The predicate of the first `Filter` in `plan`.
fn filter_predicate(plan: &LogicalPlan) -> Option<Expr> {
    match plan {
        LogicalPlan::Filter(filter) => Some(filter.predicate.clone()),
        other => other.inputs().into_iter().find_map(filter_predicate),
    }
}

/// A rule that does not compile closes the product to the readers it applies to (42501):
/// serving it without the rule would fail open.
fn policy_error(product_table: &str, message: &str) -> Error {
    Error::AccessDenied(format!(
        "permission denied for table {product_table}: its access rules do not compile: \
         {message}; its owner must fix customProperties in its contract (meshgate check \
         reports this too)"
    ))
}

/// `expr` with every column reference unqualified: compiled rules are evaluated against the
/// product table's own schema.
fn unqualify(expr: Expr) -> Result<Expr> {
    let rewritten = expr
        .transform_up(|e| match e {
            Expr::Column(Column {
                relation: Some(_),
                name,
                spans,
            }) => Ok(Transformed::yes(Expr::Column(Column {
                relation: None,
                name,
                spans,
            }))),
            other => Ok(Transformed::no(other)),
        })
        .map_err(Error::from)?;
    Ok(rewritten.data)
}

/// `expr` with each column that has a value in `values` replaced by that value.
fn substitute(expr: Expr, values: &HashMap<String, Expr>) -> Result<Expr> {
    let rewritten = expr
        .transform_up(|e| match e {
            Expr::Column(column) => match values.get(&column.name) {
                Some(value) => Ok(Transformed::yes(value.clone())),
                None => Ok(Transformed::no(Expr::Column(column))),
            },
            other => Ok(Transformed::no(other)),
        })
        .map_err(Error::from)?;
    Ok(rewritten.data)
}
