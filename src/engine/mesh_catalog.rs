//! The SQL catalog `mesh`: one read-only schema per domain, plus the system schema `mesh`
//! and an empty default schema `public`.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};

use crate::catalog::Registry;
use crate::engine::opener::TableOpener;
use crate::policy::Principal;
use crate::policy::store::PolicyStore;

/// Name of the SQL catalog (the PostgreSQL database).
pub const CATALOG_NAME: &str = "mesh";
/// Name of the system schema.
pub const SYSTEM_SCHEMA: &str = "mesh";
/// Name of the default (empty) schema.
pub const DEFAULT_SCHEMA: &str = "public";

/// The catalog of one session over the registry.
#[derive(Debug)]
pub struct MeshCatalog {
    registry: Arc<Registry>,
    opener: Arc<TableOpener>,
    system: Arc<dyn SchemaProvider>,
    public: Arc<dyn SchemaProvider>,
    policy: Arc<PolicyStore>,
    principal: Arc<Principal>,
}

impl MeshCatalog {
    /// A catalog serving `registry`'s domains and the `system` schema to `principal`.
    pub fn new(
        registry: Arc<Registry>,
        opener: Arc<TableOpener>,
        system: Arc<dyn SchemaProvider>,
        policy: Arc<PolicyStore>,
        principal: Arc<Principal>,
    ) -> Self {
        MeshCatalog {
            registry,
            opener,
            system,
            public: Arc::new(MemorySchemaProvider::new()),
            policy,
            principal,
        }
    }
}

impl CatalogProvider for MeshCatalog {
    fn schema_names(&self) -> Vec<String> {
        let mut names = self.registry.domain_names();
        names.push(SYSTEM_SCHEMA.to_string());
        names.push(DEFAULT_SCHEMA.to_string());
        names
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        match name {
            SYSTEM_SCHEMA => Some(Arc::clone(&self.system)),
            DEFAULT_SCHEMA => Some(Arc::clone(&self.public)),
            domain if self.registry.has_domain(domain) => Some(Arc::new(DomainSchema {
                domain: domain.to_string(),
                registry: Arc::clone(&self.registry),
                opener: Arc::clone(&self.opener),
                policy: Arc::clone(&self.policy),
                principal: Arc::clone(&self.principal),
            })),
            _ => None,
        }
    }
}

/// The tables of one domain, opened on first use. Listings show only the tables the
/// principal may read; a scan of any other is planned and then refused by the policy with
/// a message naming whom to ask.
#[derive(Debug)]
struct DomainSchema {
    domain: String,
    registry: Arc<Registry>,
    opener: Arc<TableOpener>,
    policy: Arc<PolicyStore>,
    principal: Arc<Principal>,
}

#[async_trait]
impl SchemaProvider for DomainSchema {
    fn table_names(&self) -> Vec<String> {
        self.registry
            .table_names(&self.domain)
            .into_iter()
            .filter(|name| {
                self.registry
                    .table(&self.domain, name)
                    .is_some_and(|table| self.policy.can_read(&self.principal, &table))
            })
            .collect()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let Some(table) = self.registry.table(&self.domain, name) else {
            return Ok(None);
        };
        let provider = table
            .provider(|| async {
                let opened = self.opener.open(&table).await?;
                Ok(opened.provider)
            })
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        Ok(Some(provider))
    }

    async fn table_type(&self, name: &str) -> DfResult<Option<TableType>> {
        Ok(self.table_exist(name).then_some(TableType::Base))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.registry.table(&self.domain, name).is_some()
    }
}
