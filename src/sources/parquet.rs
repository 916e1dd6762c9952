//! Apache Parquet products: projections and filters push down into the scan, with row-group
//! and page pruning from the files' statistics.

use std::sync::Arc;

use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;

use crate::sources::listing::ListingSource;

/// Reads `.parquet` files with the session's Parquet options.
pub fn parquet_source() -> ListingSource {
    ListingSource::new(".parquet", |state| {
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        ListingOptions::new(Arc::new(format))
    })
}
