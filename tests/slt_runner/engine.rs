//! The in-process backend: one session of the engine as one user, no wire.

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use meshgate::engine::plan_sql;
use sqllogictest::DefaultColumnType;

use crate::output::{Backend, Cells, SqlError, text_cells};

/// One session of the engine.
pub struct InProcess(pub SessionContext);

#[async_trait]
impl Backend for InProcess {
    async fn query(&mut self, sql: &str) -> Result<Option<Cells>, SqlError> {
        let frame = plan_sql(&self.0, sql).await?;
        let schema = frame.schema().as_arrow().clone();
        let batches = frame.collect().await.map_err(meshgate::Error::from)?;
        if schema.fields().is_empty() {
            return Ok(None);
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let mut cells = Vec::new();
        for batch in &batches {
            cells.extend(text_cells(batch)?);
        }
        Ok(Some((types, cells)))
    }
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    if data_type.is_integer() {
        DefaultColumnType::Integer
    } else if data_type.is_floating() || matches!(data_type, DataType::Decimal128(_, _)) {
        DefaultColumnType::FloatingPoint
    } else if matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        DefaultColumnType::Text
    } else {
        DefaultColumnType::Any
    }
}
