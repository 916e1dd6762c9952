//! Federated computational governance: who is asking ([`identity`]), what each product's
//! contract and `mesh.yaml` allow them ([`rules`], [`decision`]), compiled into expressions
//! ([`compile`]) and enforced by one plan rewrite ([`rewrite`]) on every statement.

pub mod audit;
pub mod barrier;
pub mod compile;
pub mod decision;
pub mod functions;
pub mod identity;
pub mod leakproof;
pub mod query_log;
pub mod rewrite;
pub mod rules;
pub mod store;
pub mod subquery_literals;
pub mod system_table;

use std::sync::Arc;

use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;

pub use identity::{ADMIN_ROLE, Principal};

use crate::error::{Error, Result};
use crate::policy::compile::{CompiledAccess, compile};
use crate::policy::store::PolicyStore;

/// Makes sure every product table `plan` reads has a compiled decision for `principal`, and
/// fails with 42501 if any is denied. Runs before the plan executes; the analyzer rule then
/// applies the decisions (and fails closed on any table that skipped this step).
pub async fn prepare(
    ctx: &SessionContext,
    store: &PolicyStore,
    principal: &Principal,
    plan: &LogicalPlan,
) -> Result<()> {
    for product_table in &rewrite::product_tables(plan)? {
        let compiled = match store.compiled(&principal.name, product_table)? {
            Some(compiled) => compiled,
            None => {
                let (domain, table) = product_table.split_once('.').unwrap_or_default();
                let registered = store.registry().table(domain, table).ok_or_else(|| {
                    Error::Internal(format!("{product_table} is scanned but not registered"))
                })?;
                let access = store.decide(principal, &registered);
                let compiled = Arc::new(compile(ctx, product_table, access).await?);
                store.remember(&principal.name, product_table, Arc::clone(&compiled))?;
                compiled
            }
        };
        if let CompiledAccess::Denied(message) = compiled.as_ref() {
            return Err(Error::AccessDenied(message.clone()));
        }
    }
    Ok(())
}
