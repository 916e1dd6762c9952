//! Statement execution with an audit record: what was read, through which filters and
//! masks, and how it ended (rows, or the SQLSTATE), written when the result is complete.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::RecordBatchStream;
use futures::Stream;

use crate::error::{Error, datafusion_sqlstate};
use crate::policy::Principal;
use crate::policy::audit::{AuditLog, AuditRecord};
use crate::policy::compile::CompiledAccess;
use crate::policy::store::PolicyStore;

/// An audit record in the making.
#[derive(Debug)]
pub struct PendingAudit {
    log: Arc<AuditLog>,
    record: AuditRecord,
    started: Instant,
}

impl PendingAudit {
    /// Starts the record of `sql` run by `principal` from `client`.
    pub fn start(
        log: Arc<AuditLog>,
        principal: &Principal,
        client: Option<String>,
        sql: &str,
    ) -> Self {
        PendingAudit {
            log,
            started: Instant::now(),
            record: AuditRecord {
                time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                user: principal.name.clone(),
                client,
                sql: sql.to_string(),
                products: Vec::new(),
                columns: Vec::new(),
                filters: Vec::new(),
                masks: Vec::new(),
                outcome: String::new(),
                rows: None,
                sqlstate: None,
                error: None,
                duration_ms: 0.0,
            },
        }
    }

    /// Notes the products `plan` reads and the columns of theirs it refers to.
    pub fn describe_reads(&mut self, plan: &LogicalPlan, products: &[String], store: &PolicyStore) {
        let record = &mut self.record;
        record.products = products.to_vec();
        for product in products {
            let (domain, table) = product.split_once('.').unwrap_or_default();
            if let Some(registered) = store.registry().table(domain, table) {
                for column in &registered.spec().columns {
                    if plan_mentions(plan, &column.name) {
                        record.columns.push(format!("{product}.{}", column.name));
                    }
                }
            }
        }
    }

    /// Notes the row filters and masks applied to the products read.
    pub fn describe_decisions(&mut self, store: &PolicyStore) {
        let record = &mut self.record;
        for product in &record.products {
            if let Ok(Some(compiled)) = store.compiled(&record.user, product)
                && let CompiledAccess::Allowed(grant) = compiled.as_ref()
            {
                if let Some(filter) = &grant.grant.filter {
                    record.filters.push(format!("{product}: {filter}"));
                }
                for mask in &grant.grant.masks {
                    record.masks.push(format!("{product}.{}", mask.column));
                }
            }
        }
    }

    /// Records a failure.
    pub fn fail(self, error: &Error) {
        self.fail_with(error.sqlstate(), error.to_string());
    }

    fn fail_with(mut self, sqlstate: &str, message: String) {
        self.record.outcome = "error".to_string();
        self.record.sqlstate = Some(sqlstate.to_string());
        self.record.error = Some(message);
        self.finish();
    }

    /// Records success with `rows` rows.
    fn succeed(mut self, rows: u64) {
        self.record.outcome = "ok".to_string();
        self.record.rows = Some(rows);
        self.finish();
    }

    fn finish(mut self) {
        self.record.duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        if let Err(error) = self.log.append(self.record) {
            tracing::error!(%error, "could not write the audit record");
        }
    }

    /// Leaves the record to a cursor reading the result.
    pub fn for_cursor(self) -> CursorAudit {
        CursorAudit(self)
    }

    /// Wraps `stream` so the record is written when it ends, fails or is dropped.
    pub fn watch(self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        Box::pin(AuditedStream {
            schema: stream.schema(),
            inner: stream,
            rows: 0,
            audit: Some(self),
        })
    }
}

/// The audit record of a cursor's query, which the cursor finishes: a reader may stop a
/// cursor at any row, and as in PostgreSQL closing one (CLOSE, the end of its transaction,
/// DISCARD ALL, the end of the connection) is no error, so the query is recorded as
/// successful with the rows FETCH returned.
#[derive(Debug)]
pub struct CursorAudit(PendingAudit);

impl CursorAudit {
    /// Records the cursor's query as successful, with the `rows` it returned.
    pub fn finish(self, rows: u64) {
        self.0.succeed(rows);
    }

    /// Records the failure of the cursor's query.
    pub fn fail(self, error: &DataFusionError) {
        self.0
            .fail_with(datafusion_sqlstate(error), error.to_string());
    }
}

/// Whether any expression of `plan` (or its subqueries) refers to a column named `name`.
fn plan_mentions(plan: &LogicalPlan, name: &str) -> bool {
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        for expr in node.expressions() {
            if expr.column_refs().iter().any(|c| c.name == name) {
                found = true;
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// A result stream that writes its audit record at the end.
struct AuditedStream {
    schema: SchemaRef,
    inner: SendableRecordBatchStream,
    rows: u64,
    audit: Option<PendingAudit>,
}

impl Stream for AuditedStream {
    type Item = DfResult<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(batch))) => self.rows += batch.num_rows() as u64,
            Poll::Ready(Some(Err(error))) => {
                if let Some(audit) = self.audit.take() {
                    audit.fail_with(datafusion_sqlstate(error), error.to_string());
                }
            }
            Poll::Ready(None) => {
                let rows = self.rows;
                if let Some(audit) = self.audit.take() {
                    audit.succeed(rows);
                }
            }
            Poll::Pending => {}
        }
        polled
    }
}

impl RecordBatchStream for AuditedStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

impl Drop for AuditedStream {
    fn drop(&mut self) {
        if let Some(audit) = self.audit.take() {
            let message = format!("the client stopped reading after {} rows", self.rows);
            audit.fail_with(Error::Cancelled.sqlstate(), message);
        }
    }
}
