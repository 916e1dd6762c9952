//! The contract's declared schema is the table's schema: storage columns it does not declare
//! are hidden, declared columns missing from storage or of an incompatible type are errors.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

use crate::catalog::{ColumnSpec, LogicalType, TableSpec};

/// The outcome of matching a contract against storage.
#[derive(Debug)]
pub struct SchemaMatch {
    /// The schema SQL sees.
    pub exposed: SchemaRef,
    /// Index in the storage schema of each exposed column.
    pub storage_indices: Vec<usize>,
    /// Things worth knowing that do not stop the table from serving.
    pub warnings: Vec<String>,
}

/// Matches `table`'s declared columns against the `storage` schema. Errors list every
/// problem, one per line.
pub fn match_schema(table: &TableSpec, storage: &Schema) -> Result<SchemaMatch, Vec<String>> {
    if table.columns.is_empty() {
        return Ok(SchemaMatch {
            exposed: Arc::new(storage.clone()),
            storage_indices: (0..storage.fields().len()).collect(),
            warnings: vec![
                "the contract declares no columns, so every storage column is exposed; \
                 declare them under schema[].properties"
                    .to_string(),
            ],
        });
    }
    let mut problems = Vec::new();
    let mut fields = Vec::new();
    let mut storage_indices = Vec::new();
    for column in &table.columns {
        let Some((index, field)) = storage.column_with_name(&column.name) else {
            problems.push(format!(
                "column '{}' is declared but storage has no such column (storage has: {})",
                column.name,
                storage_column_list(storage)
            ));
            continue;
        };
        if let Some(logical) = column.logical_type
            && !is_compatible(logical, field.data_type())
        {
            problems.push(incompatible(column, logical, field.data_type()));
            continue;
        }
        fields.push(field.clone());
        storage_indices.push(index);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let hidden: Vec<&str> = storage
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .filter(|name| !table.columns.iter().any(|c| c.name == *name))
        .collect();
    let mut warnings = Vec::new();
    if !hidden.is_empty() {
        warnings.push(format!(
            "storage columns not in the contract are not exposed: {}",
            hidden.join(", ")
        ));
    }
    Ok(SchemaMatch {
        exposed: Arc::new(Schema::new(fields)),
        storage_indices,
        warnings,
    })
}

fn incompatible(column: &ColumnSpec, logical: LogicalType, actual: &DataType) -> String {
    format!(
        "column '{}' is declared logicalType: {logical} but storage holds {actual}; fix \
         logicalType or the data",
        column.name
    )
}

fn storage_column_list(storage: &Schema) -> String {
    let names: Vec<&str> = storage.fields().iter().map(|f| f.name().as_str()).collect();
    names.join(", ")
}

/// Whether storage type `actual` can carry ODCS `logical` values.
pub fn is_compatible(logical: LogicalType, actual: &DataType) -> bool {
    let actual = match actual {
        DataType::Dictionary(_, value) => value.as_ref(),
        other => other,
    };
    match logical {
        LogicalType::String => matches!(
            actual,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ),
        LogicalType::Integer => actual.is_integer(),
        LogicalType::Number => actual.is_numeric(),
        LogicalType::Boolean => matches!(actual, DataType::Boolean),
        LogicalType::Date => matches!(actual, DataType::Date32 | DataType::Date64),
        LogicalType::Timestamp => matches!(actual, DataType::Timestamp(_, _)),
        LogicalType::Time => matches!(actual, DataType::Time32(_) | DataType::Time64(_)),
        LogicalType::Object => matches!(actual, DataType::Struct(_) | DataType::Map(_, _)),
        LogicalType::Array => matches!(
            actual,
            DataType::List(_)
                | DataType::LargeList(_)
                | DataType::FixedSizeList(_, _)
                | DataType::ListView(_)
                | DataType::LargeListView(_)
        ),
    }
}

/// Narrows `storage` to the exposed columns, read-only, labelled with the product table it
/// serves (`domain.table`) so that the policy can recognise its scans.
pub fn expose(
    product_table: String,
    storage: Arc<dyn TableProvider>,
    matched: SchemaMatch,
) -> Arc<dyn TableProvider> {
    Arc::new(ContractTable {
        product_table,
        inner: storage,
        schema: matched.exposed,
        storage_indices: matched.storage_indices,
    })
}

/// The product table (`domain.table`) that `provider` serves, if it is one.
pub fn product_table_of(provider: &dyn TableProvider) -> Option<&str> {
    let table = (provider as &dyn std::any::Any).downcast_ref::<ContractTable>()?;
    Some(table.product_table.as_str())
}

/// A storage table seen through its contract: a subset of its columns, in contract order.
/// It implements no write path, so SQL can never change a domain's storage through it.
#[derive(Debug)]
struct ContractTable {
    product_table: String,
    inner: Arc<dyn TableProvider>,
    schema: SchemaRef,
    storage_indices: Vec<usize>,
}

#[async_trait]
impl TableProvider for ContractTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mapped: Vec<usize> = match projection {
            Some(columns) => columns.iter().map(|c| self.storage_indices[*c]).collect(),
            None => self.storage_indices.clone(),
        };
        self.inner.scan(state, Some(&mapped), filters, limit).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;

    fn column(name: &str, logical: Option<LogicalType>) -> ColumnSpec {
        ColumnSpec {
            name: name.to_string(),
            logical_type: logical,
            physical_type: None,
            required: false,
            primary_key: false,
            description: None,
            classification: None,
            tags: vec![],
        }
    }

    fn table(columns: Vec<ColumnSpec>) -> TableSpec {
        TableSpec {
            name: "t".to_string(),
            description: None,
            tags: vec![],
            location: "/tmp/t/".to_string(),
            columns,
            keys: Default::default(),
        }
    }

    fn storage() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("secret", DataType::Utf8, true),
        ])
    }

    #[test]
    fn exposes_declared_columns_in_contract_order() {
        let spec = table(vec![
            column("name", Some(LogicalType::String)),
            column("id", Some(LogicalType::Integer)),
        ]);
        let matched = match_schema(&spec, &storage()).unwrap();
        let names: Vec<_> = matched
            .exposed
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["name", "id"]);
        assert_eq!(matched.storage_indices, [1, 0]);
        assert!(matched.warnings[0].contains("secret"));
    }

    #[test]
    fn missing_and_mistyped_columns_are_all_reported() {
        let spec = table(vec![
            column("id", Some(LogicalType::Date)),
            column("nickname", Some(LogicalType::String)),
        ]);
        let problems = match_schema(&spec, &storage()).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert!(problems[0].contains("'id' is declared logicalType: date but storage holds Int64"));
        assert!(problems[1].contains("'nickname' is declared but storage has no such column"));
    }

    #[test]
    fn undeclared_schema_exposes_storage_with_a_warning() {
        let matched = match_schema(&table(vec![]), &storage()).unwrap();
        assert_eq!(matched.exposed.fields().len(), 3);
        assert_eq!(matched.warnings.len(), 1);
    }
}
