//! Marked tables. System tables are those the policy trusts without a decision: catalog metadata (the `mesh` system views,
//! `pg_catalog`, table functions of the catalog), never product data. Whoever registers such
//! a table wraps it here; the governance rule refuses any scan of a table it neither knows as
//! a product, as governed, nor as wrapped here, so a new kind of table (a cache, a federated
//! source) fails closed until it is governed.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{
    SchemaProvider, Session, TableFunctionArgs, TableFunctionImpl, TableProvider,
};
use datafusion::common::{Constraints, Statistics};
use datafusion::datasource::TableType;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

/// `table`, marked as system metadata (read-only: it implements no write path).
pub fn system_table(table: Arc<dyn TableProvider>) -> Arc<dyn TableProvider> {
    marked(table, Mark::System)
}

/// Whether `provider` was marked as system metadata.
pub fn is_system_table(provider: &dyn TableProvider) -> bool {
    mark_of(provider) == Some(Mark::System)
}

/// What a marked table is to the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// System metadata, readable without a decision.
    System,
    /// A product table read as it is: governed already (by a reader without filter or mask,
    /// or by the policy itself).
    Governed,
}

/// `table` with `mark`, forwarding everything but writes.
pub fn marked(table: Arc<dyn TableProvider>, mark: Mark) -> Arc<dyn TableProvider> {
    if mark_of(table.as_ref()) == Some(mark) {
        return table;
    }
    Arc::new(MarkedTable { mark, inner: table })
}

/// The mark of `provider`, if it has one.
pub fn mark_of(provider: &dyn TableProvider) -> Option<Mark> {
    provider.downcast_ref::<MarkedTable>().map(|t| t.mark)
}

/// A table with a mark.
#[derive(Debug)]
struct MarkedTable {
    mark: Mark,
    inner: Arc<dyn TableProvider>,
}

#[async_trait]
impl TableProvider for MarkedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
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
        self.inner.scan(state, projection, filters, limit).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}

/// `schema` with every table it serves marked as system metadata.
pub fn system_schema(schema: Arc<dyn SchemaProvider>) -> Arc<dyn SchemaProvider> {
    Arc::new(SystemSchema { inner: schema })
}

#[derive(Debug)]
struct SystemSchema {
    inner: Arc<dyn SchemaProvider>,
}

#[async_trait]
impl SchemaProvider for SystemSchema {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        Ok(self.inner.table(name).await?.map(system_table))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}

/// `function` with every table it returns marked as system metadata.
pub fn system_table_function(function: Arc<dyn TableFunctionImpl>) -> Arc<dyn TableFunctionImpl> {
    Arc::new(SystemTableFunction { inner: function })
}

#[derive(Debug)]
struct SystemTableFunction {
    inner: Arc<dyn TableFunctionImpl>,
}

impl TableFunctionImpl for SystemTableFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        Ok(system_table(self.inner.call_with_args(args)?))
    }
}
