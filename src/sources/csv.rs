//! CSV products: a header row, comma-separated, types inferred from the data.

use std::sync::Arc;

use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::listing::ListingOptions;

use crate::sources::listing::ListingSource;

/// Reads `.csv` files with a header row.
pub fn csv_source() -> ListingSource {
    ListingSource::new(".csv", |_| {
        ListingOptions::new(Arc::new(CsvFormat::default().with_has_header(true)))
    })
}
