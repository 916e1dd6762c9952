//! Newline-delimited JSON products.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::execution::SessionState;

use crate::error::Result;
use crate::sources::Source;
use crate::sources::listing::open_listing;

/// Reads `.json` files holding one object per line.
#[derive(Debug)]
pub struct JsonSource;

#[async_trait]
impl Source for JsonSource {
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        _options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>> {
        let options = ListingOptions::new(Arc::new(JsonFormat::default()));
        open_listing(state, location, options, ".json").await
    }
}
