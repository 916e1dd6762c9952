//! File formats read through DataFusion listing tables (Parquet, CSV, JSON): each format's
//! file supplies its `ListingOptions` and default file extension.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::SessionState;

use crate::error::Result;
use crate::sources::Source;

/// A listing-table format: its options for a session, and the extension of its files.
#[derive(Debug)]
pub struct ListingSource {
    extension: &'static str,
    options: fn(&SessionState) -> ListingOptions,
}

impl ListingSource {
    /// A format whose folders hold `*{extension}` files read with `options`.
    pub fn new(extension: &'static str, options: fn(&SessionState) -> ListingOptions) -> Self {
        ListingSource { extension, options }
    }
}

#[async_trait]
impl Source for ListingSource {
    /// A folder location (ending in `/`) reads the files with the format's extension; a file
    /// or a glob reads what it names. The storage schema is inferred from the files.
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        _options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>> {
        let url = ListingTableUrl::parse(location)?;
        let extension = if location.ends_with('/') {
            self.extension
        } else {
            ""
        };
        let options = (self.options)(state).with_file_extension(extension);
        let schema = options.infer_schema(state, &url).await?;
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(schema);
        Ok(Arc::new(ListingTable::try_new(config)?))
    }
}
