//! `mesh.query_log`: the audit log as a table, read at query time. Admins see every record,
//! a domain's owners (users holding the role named by `team` in its `domain.yaml`) see reads
//! of their domain's products, everyone else sees their own statements.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    ArrayRef, Float64Array, ListBuilder, RecordBatch, StringArray, StringBuilder, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

use crate::policy::Principal;
use crate::policy::audit::{AuditLog, AuditRecord};

/// The query log as one principal may see it.
#[derive(Debug)]
pub struct QueryLogTable {
    log: Arc<AuditLog>,
    principal: Arc<Principal>,
    owned_domains: Vec<String>,
    schema: SchemaRef,
}

impl QueryLogTable {
    /// The view of `log` for `principal`, who owns `owned_domains`.
    pub fn new(log: Arc<AuditLog>, principal: Arc<Principal>, owned_domains: Vec<String>) -> Self {
        let text = |name| Field::new(name, DataType::Utf8, true);
        let list = |name| {
            Field::new(
                name,
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            )
        };
        let schema = Arc::new(Schema::new(vec![
            text("time"),
            text("user_name"),
            text("client"),
            text("sql"),
            list("products"),
            list("columns"),
            list("filters"),
            list("masks"),
            text("outcome"),
            Field::new("rows", DataType::UInt64, true),
            text("sqlstate"),
            text("error"),
            Field::new("duration_ms", DataType::Float64, true),
        ]));
        QueryLogTable {
            log,
            principal,
            owned_domains,
            schema,
        }
    }

    fn visible(&self, record: &AuditRecord) -> bool {
        self.principal.is_admin()
            || record.user == self.principal.name
            || record.products.iter().any(|product| {
                let domain = product.split('.').next().unwrap_or_default();
                self.owned_domains.iter().any(|owned| owned == domain)
            })
    }

    fn batch(&self, records: &[Arc<AuditRecord>]) -> DfResult<RecordBatch> {
        let text = |f: fn(&AuditRecord) -> Option<&str>| -> ArrayRef {
            Arc::new(records.iter().map(|r| f(r)).collect::<StringArray>())
        };
        let list = |f: fn(&AuditRecord) -> &Vec<String>| -> ArrayRef {
            let mut builder = ListBuilder::new(StringBuilder::new())
                .with_field(Arc::new(Field::new("item", DataType::Utf8, true)));
            for record in records {
                for value in f(record) {
                    builder.values().append_value(value);
                }
                builder.append(true);
            }
            Arc::new(builder.finish())
        };
        let columns = vec![
            text(|r| Some(&r.time)),
            text(|r| Some(&r.user)),
            text(|r| r.client.as_deref()),
            text(|r| Some(&r.sql)),
            list(|r| &r.products),
            list(|r| &r.columns),
            list(|r| &r.filters),
            list(|r| &r.masks),
            text(|r| Some(&r.outcome)),
            Arc::new(records.iter().map(|r| r.rows).collect::<UInt64Array>()),
            text(|r| r.sqlstate.as_deref()),
            text(|r| r.error.as_deref()),
            Arc::new(
                records
                    .iter()
                    .map(|r| Some(r.duration_ms))
                    .collect::<Float64Array>(),
            ),
        ];
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }
}

#[async_trait]
impl TableProvider for QueryLogTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let records: Vec<_> = self
            .log
            .records()?
            .into_iter()
            .filter(|r| self.visible(r))
            .collect();
        let batch = self.batch(&records)?;
        let table = MemTable::try_new(Arc::clone(&self.schema), vec![vec![batch]])?;
        table.scan(state, projection, filters, limit).await
    }
}
