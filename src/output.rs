//! Prints query results as a table, CSV (RFC 4180) or JSON.

use std::io::Write;
use std::sync::Arc;

use clap::ValueEnum;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::csv::writer::Terminator;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::util::pretty::pretty_format_batches;

use crate::engine::pg_types::column_name;
use crate::error::{Error, Result};

/// Output formats of `meshgate query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// A header row, then one row per line; fields quoted when needed (RFC 4180).
    Csv,
    /// One JSON array of row objects.
    Json,
}

/// `schema` with the column names a client sees (duplicates allowed, as in PostgreSQL).
fn client_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_name(column_name(f)))
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Writes `batches` (of `schema`) to `out` in `format`; an empty result still prints the
/// header (table, csv) or `[]` (json).
pub fn write_batches(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: OutputFormat,
) -> Result<()> {
    let schema = client_schema(schema);
    let batches = if batches.is_empty() {
        vec![RecordBatch::new_empty(schema)]
    } else {
        batches
            .iter()
            .map(|b| RecordBatch::try_new(Arc::clone(&schema), b.columns().to_vec()))
            .collect::<std::result::Result<_, _>>()?
    };
    let batches = &batches[..];
    let io = |e| Error::io("<stdout>", e);
    match format {
        OutputFormat::Table => {
            let table = pretty_format_batches(batches)?;
            writeln!(out, "{table}").map_err(io)?;
        }
        OutputFormat::Csv => {
            let mut writer = WriterBuilder::new()
                .with_header(true)
                .with_line_terminator(Terminator::CRLF)
                .build(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
        OutputFormat::Json => {
            let mut writer = ArrayWriter::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
            writeln!(out).map_err(io)?;
        }
    }
    Ok(())
}
