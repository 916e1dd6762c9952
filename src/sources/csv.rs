//! CSV products: a header row, comma-separated, types inferred from the data.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::execution::SessionState;

use crate::error::Result;
use crate::sources::Source;
use crate::sources::listing::open_listing;

/// Reads `.csv` files with a header row.
#[derive(Debug)]
pub struct CsvSource;

#[async_trait]
impl Source for CsvSource {
    async fn open(
        &self,
        state: &SessionState,
        location: &str,
        _options: &HashMap<String, String>,
    ) -> Result<Arc<dyn TableProvider>> {
        let format = CsvFormat::default().with_has_header(true);
        let options = ListingOptions::new(Arc::new(format));
        open_listing(state, location, options, ".csv").await
    }
}
