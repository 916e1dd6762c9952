//! Opens a product table's storage and fits it to its contract. Shared by every session.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::execution::SessionState;

use crate::catalog::registry::RegisteredTable;
use crate::error::{Error, Result};
use crate::sources::Sources;
use crate::sources::contract::{expose, match_schema};
use crate::storage::{StorageOptions, register_object_store};

/// A product table opened against its storage.
#[derive(Debug)]
pub struct OpenedTable {
    /// What SQL reads.
    pub provider: Arc<dyn TableProvider>,
    /// Things `meshgate check` reports as warnings.
    pub warnings: Vec<String>,
}

/// Opens product tables with the shared runtime (object stores, caches).
#[derive(Debug)]
pub struct TableOpener {
    state: SessionState,
    sources: Sources,
    storage: StorageOptions,
}

impl TableOpener {
    /// An opener using `state`'s runtime for object stores and schema inference.
    pub fn new(state: SessionState, storage: StorageOptions) -> Self {
        TableOpener {
            state,
            sources: Sources::builtin(),
            storage,
        }
    }

    /// Opens `table`, checking its storage schema against the contract.
    pub async fn open(&self, table: &RegisteredTable) -> Result<OpenedTable> {
        let product = &table.product;
        let spec = table.spec();
        let fail = |message: String| Error::Product {
            product: table.qualified_name(),
            message,
        };
        let storage = &product.storage;
        register_object_store(
            self.state.runtime_env(),
            &product.domain,
            storage,
            &spec.location,
            &self.storage,
        )
        .map_err(|e| fail(format!("cannot reach {}: {e}", spec.location)))?;
        let source = self.sources.get(storage.format).ok_or_else(|| {
            fail(format!(
                "no source is registered for format {}",
                storage.format
            ))
        })?;
        let options = self.storage.for_storage(&product.domain, storage);
        let provider = source
            .open(&self.state, &spec.location, &options)
            .await
            .map_err(|e| {
                fail(format!(
                    "cannot open {} data at {}: {}; check servers[0] in {}",
                    storage.format,
                    spec.location,
                    root_message(&e),
                    product.manifest.display()
                ))
            })?;
        let matched = match_schema(spec, &provider.schema()).map_err(|problems| {
            fail(format!(
                "storage does not match the contract {}: {}",
                product.manifest.display(),
                problems.join("; ")
            ))
        })?;
        let warnings = matched.warnings.clone();
        Ok(OpenedTable {
            provider: expose(table.qualified_name(), provider, matched),
            warnings,
        })
    }
}

/// The innermost message of an error, without DataFusion's context prefixes.
fn root_message(error: &Error) -> String {
    match error {
        Error::DataFusion(e) => e.find_root().message().to_string(),
        other => other.to_string(),
    }
}
