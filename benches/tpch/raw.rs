//! Raw DataFusion: the same engine over the same files, without the gateway: no wire, no
//! catalog of contracts, no policy. DataFusion's default settings; Delta tables are read as
//! their current Parquet files (the demo writes each in one commit).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use meshgate::catalog::Format;
use meshgate::demo::DEMO_TABLES;

use crate::Rows;

/// A DataFusion session with one schema per domain.
pub struct RawDataFusion {
    ctx: SessionContext,
}

impl RawDataFusion {
    /// Registers every demo table of `catalog`.
    pub async fn new(catalog: &Path) -> RawDataFusion {
        let ctx = SessionContext::new();
        let default_catalog = ctx.catalog("datafusion").expect("default catalog");
        for table in DEMO_TABLES {
            if default_catalog.schema(table.domain).is_none() {
                default_catalog
                    .register_schema(table.domain, Arc::new(MemorySchemaProvider::new()))
                    .expect("schema");
            }
            let dir = catalog.join(table.domain).join("data").join(table.name);
            let dir = format!("{}/", dir.display());
            let name = format!("{}.{}", table.domain, table.name);
            match table.format {
                Format::Csv => ctx
                    .register_csv(&name, &dir, CsvReadOptions::new().has_header(true))
                    .await
                    .expect("register CSV"),
                _ => ctx
                    .register_parquet(&name, &dir, ParquetReadOptions::default())
                    .await
                    .expect("register Parquet"),
            }
        }
        RawDataFusion { ctx }
    }

    /// Plans and runs `sql`, collecting every batch.
    pub async fn run(&mut self, sql: &str) -> Result<(Rows, Duration), String> {
        let start = Instant::now();
        let batches = async { self.ctx.sql(sql).await?.collect().await }
            .await
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        let options = FormatOptions::default();
        let mut rows = Vec::new();
        for batch in &batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|column| ArrayFormatter::try_new(column.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            for i in 0..batch.num_rows() {
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .zip(&formatters)
                        .map(|(column, f)| (!column.is_null(i)).then(|| f.value(i).to_string()))
                        .collect(),
                );
            }
        }
        Ok((rows, elapsed))
    }
}
