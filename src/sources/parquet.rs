//! Apache Parquet products.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::execution::SessionState;

use crate::error::Result;
use crate::sources::Source;
use crate::sources::listing::open_listing;

/// Reads `.parquet` files; filters and projections push down into the scan.
#[derive(Debug)]
pub struct ParquetSource;

#[async_trait]
impl Source for ParquetSource {
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        _options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>> {
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        let options = ListingOptions::new(Arc::new(format));
        open_listing(state, location, options, ".parquet").await
    }
}
