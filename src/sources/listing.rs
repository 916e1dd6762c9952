//! File formats read through DataFusion listing tables (Parquet, CSV, JSON).

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::SessionState;

use crate::error::Result;

/// Opens a listing table at `location`, inferring the storage schema. A folder location
/// (ending in `/`) reads the files with `extension`; a file or glob reads what it names.
pub async fn open_listing(
    state: &SessionState,
    location: &str,
    options: ListingOptions,
    extension: &str,
) -> Result<Arc<dyn TableProvider>> {
    let url = ListingTableUrl::parse(location)?;
    let is_folder = location.ends_with('/');
    let options = options.with_file_extension(if is_folder { extension } else { "" });
    let schema = options.infer_schema(state, &url).await?;
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}
