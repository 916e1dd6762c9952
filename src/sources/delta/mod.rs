//! Delta Lake products. The latest version is loaded when the product is first opened, and
//! refused if its log names files outside the table's folder ([`files`]).
//!
//! A plain table (reader protocol 1: no column mapping, no deletion vectors, no reader
//! features; not partitioned) is exactly its data files, so it is read as a Parquet listing
//! table over the files of that version: the same scan as Parquet products, with row-group
//! and page pruning from the files' statistics, the shared metadata cache, and no per-batch
//! Delta transforms. Every other table is read through deltalake's own DataFusion provider,
//! which applies what the protocol requires.

use std::collections::HashMap;
use std::sync::{Arc, Once};

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::SessionState;
use url::Url;

mod files;

use crate::error::{Error, Result};
use crate::sources::Source;
use crate::sources::delta::files::check_files_inside;

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
        check_files_inside(&table)?;
        table.update_datafusion_session(state)?;
        if let Some(files) = plain_data_files(&table)? {
            return parquet_files(state, files).await;
        }
        Ok(table.table_provider().await?)
    }
}

/// The data files of `table`'s loaded version if it is plain Parquet (see the module docs),
/// `None` if it needs deltalake's reader (or has no files, whose schema only the log has).
fn plain_data_files(table: &deltalake::DeltaTable) -> Result<Option<Vec<String>>> {
    let snapshot = table.snapshot()?;
    let plain = snapshot.protocol().min_reader_version() == 1
        && snapshot.metadata().partition_columns().is_empty();
    if !plain {
        return Ok(None);
    }
    let files: Vec<String> = table.get_file_uris()?.collect();
    Ok((!files.is_empty()).then_some(files))
}

/// A Parquet listing table over exactly `files`.
async fn parquet_files(state: &SessionState, files: Vec<String>) -> Result<Arc<dyn TableProvider>> {
    let urls = files
        .iter()
        .map(ListingTableUrl::parse)
        .collect::<datafusion::error::Result<Vec<_>>>()?;
    let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
    let options = ListingOptions::new(Arc::new(format)).with_file_extension("");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .infer_schema(state)
        .await?;
    Ok(Arc::new(ListingTable::try_new(config)?))
}
