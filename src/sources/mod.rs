//! Storage formats. Each file serves one format and returns an `Arc<dyn TableProvider>` over
//! the storage as it is; [`contract`] then narrows it to the columns the contract declares.

pub mod contract;
mod csv;
mod delta;
mod json;
mod listing;
mod parquet;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::SessionState;

use crate::catalog::Format;
use crate::error::Result;

/// One storage format.
#[async_trait]
pub trait Source: Send + Sync {
    /// Opens the data at `location` (absolute local path or URL) with the object-store
    /// `options`, exposing every column storage has.
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>>;
}

/// The source for each format, registered by name.
pub struct Sources {
    by_name: HashMap<&'static str, Arc<dyn Source>>,
}

impl Sources {
    /// Every built-in source.
    pub fn builtin() -> Self {
        let mut by_name: HashMap<&'static str, Arc<dyn Source>> = HashMap::new();
        by_name.insert(
            Format::Parquet.as_str(),
            Arc::new(parquet::parquet_source()),
        );
        by_name.insert(Format::Csv.as_str(), Arc::new(csv::csv_source()));
        by_name.insert(Format::Json.as_str(), Arc::new(json::json_source()));
        by_name.insert(Format::Delta.as_str(), Arc::new(delta::DeltaSource::new()));
        Sources { by_name }
    }

    /// The source registered for `format`.
    pub fn get(&self, format: Format) -> Option<&Arc<dyn Source>> {
        self.by_name.get(format.as_str())
    }
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.by_name.keys().collect();
        names.sort();
        f.debug_struct("Sources").field("formats", &names).finish()
    }
}
