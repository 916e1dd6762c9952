//! Delta Lake products, read through deltalake's DataFusion provider (file pruning from the
//! Delta log's statistics, filter pushdown into the Parquet scan).

use std::collections::HashMap;
use std::sync::{Arc, Once};

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::execution::SessionState;
use url::Url;

use crate::error::{Error, Result};
use crate::sources::Source;

/// Opens the latest version of a Delta table.
#[derive(Debug)]
pub struct DeltaSource;

static REGISTER_HANDLERS: Once = Once::new();

impl DeltaSource {
    /// The Delta source, with deltalake's object-store handlers registered.
    pub fn new() -> Self {
        REGISTER_HANDLERS.call_once(|| deltalake::aws::register_handlers(None));
        DeltaSource
    }
}

#[async_trait]
impl Source for DeltaSource {
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>> {
        let url = if location.contains("://") {
            Url::parse(location)
        } else {
            Url::from_directory_path(location).map_err(|()| url::ParseError::RelativeUrlWithoutBase)
        }
        .map_err(|e| Error::Config(format!("'{location}' is not a valid table location: {e}")))?;
        let table = deltalake::open_table_with_storage_options(url, options.clone()).await?;
        table.update_datafusion_session(state)?;
        Ok(table.table_provider().await?)
    }
}
