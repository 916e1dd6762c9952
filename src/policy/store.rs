//! The policy shared by every session of an engine: each product's rules, parsed once per
//! catalog load, and the compiled decisions, cached per (user, product table).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::catalog::Registry;
use crate::catalog::manifest::MaskRule;
use crate::catalog::registry::RegisteredTable;
use crate::error::{Error, Result};
use crate::policy::Principal;
use crate::policy::compile::CompiledAccess;
use crate::policy::decision::{Access, decide};
use crate::policy::rules::ProductRules;

/// Rules and compiled decisions for one loaded catalog.
#[derive(Debug)]
pub struct PolicyStore {
    registry: Arc<Registry>,
    rules: HashMap<String, std::result::Result<ProductRules, String>>,
    mesh_masks: Vec<MaskRule>,
    compiled: RwLock<HashMap<(String, String), Arc<CompiledAccess>>>,
}

impl PolicyStore {
    /// Reads the rules of every product of `registry`. A product whose rules are malformed
    /// is closed to everyone but admins (it would otherwise be served without them), and
    /// `meshgate check` reports it; the other products are unaffected.
    pub fn new(registry: Arc<Registry>) -> Result<Self> {
        let mut rules = HashMap::new();
        for product in &registry.catalog().products {
            let parsed = ProductRules::of(product).map_err(|e| e.to_string());
            rules.insert(product.qualified_name(), parsed);
        }
        let mesh_masks = registry.catalog().mesh.governance.masks.clone();
        Ok(PolicyStore {
            registry,
            rules,
            mesh_masks,
            compiled: RwLock::new(HashMap::new()),
        })
    }

    /// The registry the rules are about.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The decision, as SQL text, for `principal` reading `table`.
    pub fn decide(&self, principal: &Principal, table: &RegisteredTable) -> Access {
        let product = &table.product;
        match self.rules.get(&product.qualified_name()) {
            Some(Ok(rules)) => decide(principal, product, table.spec(), rules, &self.mesh_masks),
            Some(Err(_)) if principal.is_admin() => decide(
                principal,
                product,
                table.spec(),
                &ProductRules::default(),
                &[],
            ),
            Some(Err(problem)) => Access::Denied(format!(
                "permission denied for table {}: its access rules are malformed ({problem});                  ask its owner {} ({}) to fix them",
                table.qualified_name(),
                product.owner,
                product.contact
            )),
            None => Access::Denied(format!(
                "permission denied for table {}: its product has no rules loaded",
                table.qualified_name()
            )),
        }
    }

    /// The rules of `product_table`'s product, or why they do not parse.
    pub fn rules_of(&self, product: &str) -> Option<&std::result::Result<ProductRules, String>> {
        self.rules.get(product)
    }

    /// Whether `principal` may read `table` at all (for discovery views).
    pub fn can_read(&self, principal: &Principal, table: &RegisteredTable) -> bool {
        matches!(self.decide(principal, table), Access::Allowed(_))
    }

    /// The compiled decision for (`user`, `product_table`), if prepared.
    pub fn compiled(&self, user: &str, product_table: &str) -> Result<Option<Arc<CompiledAccess>>> {
        let cache = self.compiled.read().map_err(|_| poisoned())?;
        Ok(cache
            .get(&(user.to_string(), product_table.to_string()))
            .map(Arc::clone))
    }

    /// Caches a compiled decision.
    pub fn remember(
        &self,
        user: &str,
        product_table: &str,
        access: Arc<CompiledAccess>,
    ) -> Result<()> {
        let mut cache = self.compiled.write().map_err(|_| poisoned())?;
        cache.insert((user.to_string(), product_table.to_string()), access);
        Ok(())
    }
}

fn poisoned() -> Error {
    Error::Internal("the policy cache lock was poisoned by a panic".to_string())
}
