//! Writes generated record batches as Parquet files, CSV files or a Delta table.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use deltalake::protocol::SaveMode;
use url::Url;

use crate::demo::tables::Batches;
use crate::error::{Error, Result};

/// Parquet settings: zstd, and row groups small enough that range filters prune some.
pub fn writer_properties(rows_per_group: usize) -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(rows_per_group))
        .build())
}

/// String views become plain strings, which every reader (Delta, CSV, DuckDB) accepts.
fn normalize(batch: RecordBatch) -> Result<RecordBatch> {
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    let columns = batch
        .columns()
        .iter()
        .zip(&fields)
        .map(|(column, field)| cast(column, field.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Writes `batches` to one Parquet file at `file`.
pub fn write_parquet(file: &Path, batches: Batches, properties: WriterProperties) -> Result<()> {
    let mut writer: Option<ArrowWriter<File>> = None;
    for batch in batches {
        let batch = normalize(batch?)?;
        let writer = match &mut writer {
            Some(writer) => writer,
            None => {
                let out = File::create(file).map_err(|e| Error::io(file, e))?;
                writer.insert(ArrowWriter::try_new(
                    out,
                    batch.schema(),
                    Some(properties.clone()),
                )?)
            }
        };
        writer.write(&batch)?;
    }
    if let Some(writer) = writer {
        writer.close()?;
    }
    Ok(())
}

/// Writes `batches` to one CSV file with a header row at `file`.
pub fn write_csv(file: &Path, batches: Batches) -> Result<()> {
    let out = File::create(file).map_err(|e| Error::io(file, e))?;
    let mut writer = WriterBuilder::new().with_header(true).build(out);
    for batch in batches {
        writer.write(&normalize(batch?)?)?;
    }
    Ok(())
}

/// Creates a Delta table at `dir` holding `batches`.
pub async fn write_delta(dir: &Path, batches: Batches, properties: WriterProperties) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let url = Url::from_directory_path(dir)
        .map_err(|()| Error::Config(format!("{} is not an absolute path", dir.display())))?;
    let batches = batches
        .map(|batch| normalize(batch?))
        .collect::<Result<Vec<_>>>()?;
    let table = deltalake::DeltaTableBuilder::from_url(url)?.build()?;
    table
        .write(batches)
        .with_save_mode(SaveMode::ErrorIfExists)
        .with_writer_properties(properties)
        .await?;
    Ok(())
}
