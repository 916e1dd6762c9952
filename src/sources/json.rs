//! Newline-delimited JSON products: one object per line, types inferred from the data.

use std::sync::Arc;

use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::listing::ListingOptions;

use crate::sources::listing::ListingSource;

/// Reads `.json` files holding one object per line.
pub fn json_source() -> ListingSource {
    ListingSource::new(".json", |_| {
        ListingOptions::new(Arc::new(JsonFormat::default()))
    })
}
