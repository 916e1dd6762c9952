//! SQL names (`domain.table`) → product tables, each opened at most once, on first use.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use tokio::sync::OnceCell;

use crate::catalog::{Catalog, Product, TableSpec};
use crate::error::Result;

/// One table of one product, with its storage opened lazily and cached.
#[derive(Debug)]
pub struct RegisteredTable {
    /// The product the table belongs to.
    pub product: Arc<Product>,
    table_index: usize,
    opened: OnceCell<Arc<dyn TableProvider>>,
}

impl RegisteredTable {
    /// The table's contract entry.
    pub fn spec(&self) -> &TableSpec {
        &self.product.tables[self.table_index]
    }

    /// `domain.table`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.product.domain, self.spec().name)
    }

    /// The table's provider, running `open` the first time. A failed open is not cached, so
    /// storage that comes back is picked up by the next query.
    pub async fn provider<F, Fut>(&self, open: F) -> Result<Arc<dyn TableProvider>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<dyn TableProvider>>>,
    {
        self.opened.get_or_try_init(open).await.map(Arc::clone)
    }
}

/// The catalog indexed by SQL name.
#[derive(Debug)]
pub struct Registry {
    catalog: Catalog,
    schemas: BTreeMap<String, BTreeMap<String, Arc<RegisteredTable>>>,
}

impl Registry {
    /// Indexes every table of every loaded product.
    pub fn new(catalog: Catalog) -> Self {
        let mut schemas: BTreeMap<String, BTreeMap<String, Arc<RegisteredTable>>> = catalog
            .domains
            .iter()
            .map(|d| (d.name.clone(), BTreeMap::new()))
            .collect();
        for product in &catalog.products {
            let tables = schemas.entry(product.domain.clone()).or_default();
            for (table_index, spec) in product.tables.iter().enumerate() {
                let table = RegisteredTable {
                    product: Arc::clone(product),
                    table_index,
                    opened: OnceCell::new(),
                };
                tables.insert(spec.name.clone(), Arc::new(table));
            }
        }
        Registry { catalog, schemas }
    }

    /// The loaded catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Domain names (= SQL schemas), sorted.
    pub fn domain_names(&self) -> Vec<String> {
        self.schemas.keys().cloned().collect()
    }

    /// Whether `domain` exists.
    pub fn has_domain(&self, domain: &str) -> bool {
        self.schemas.contains_key(domain)
    }

    /// Table names of `domain`, sorted.
    pub fn table_names(&self, domain: &str) -> Vec<String> {
        self.schemas
            .get(domain)
            .map(|tables| tables.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The table `domain.table`, if published.
    pub fn table(&self, domain: &str, table: &str) -> Option<Arc<RegisteredTable>> {
        self.schemas.get(domain)?.get(table).map(Arc::clone)
    }

    /// Every table, sorted by domain and name.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<RegisteredTable>> {
        self.schemas.values().flat_map(|tables| tables.values())
    }
}
