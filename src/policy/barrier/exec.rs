//! `SecurityBarrierExec`: the physical side of the barrier. It runs the governed scan
//! (storage scan → row filter → masks) as a *leaf*: the scan is its private input, not a child,
//! so no optimizer rule can move a user expression into it, `EXPLAIN ANALYZE` prints no
//! metric computed over hidden rows, and statistics say nothing the reader may not know.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::Statistics;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result as DfResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, StatisticsArgs, StatisticsContext,
    displayable,
};
use futures::StreamExt;

/// What the barrier hides, for display and statistics.
#[derive(Debug, Clone)]
pub struct Restriction {
    /// `domain.table` of the product.
    pub product_table: String,
    /// The row filter, as displayed.
    pub row_filter: Option<String>,
    /// The masked columns of the output.
    pub masked: Vec<String>,
}

/// A governed scan, run as a leaf.
#[derive(Debug)]
pub struct SecurityBarrierExec {
    restriction: Restriction,
    inner: Arc<dyn ExecutionPlan>,
    metrics: ExecutionPlanMetricsSet,
}

impl SecurityBarrierExec {
    /// The barrier around `inner`, the already optimized governed scan.
    pub fn new(restriction: Restriction, inner: Arc<dyn ExecutionPlan>) -> Self {
        SecurityBarrierExec {
            restriction,
            inner,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    /// The storage scan at the bottom of the governed scan, as one line.
    fn scan_line(&self) -> String {
        let mut node = &self.inner;
        while let Some(child) = node.children().first() {
            node = child;
        }
        displayable(node.as_ref()).one_line().to_string()
    }
}

impl DisplayAs for SecurityBarrierExec {
    fn fmt_as(&self, format: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let r = &self.restriction;
        match format {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, "SecurityBarrierExec: {}", r.product_table)?;
                if let Some(filter) = &r.row_filter {
                    write!(f, ", row_filter={filter}")?;
                }
                if !r.masked.is_empty() {
                    write!(f, ", masked=[{}]", r.masked.join(", "))?;
                }
                write!(f, ", scan=[{}]", self.scan_line().trim_end())
            }
            DisplayFormatType::TreeRender => {
                writeln!(f, "product={}", r.product_table)?;
                if r.row_filter.is_some() {
                    writeln!(f, "row_filter=yes")?;
                }
                if !r.masked.is_empty() {
                    writeln!(f, "masked={}", r.masked.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

impl ExecutionPlan for SecurityBarrierExec {
    fn name(&self) -> &str {
        "SecurityBarrierExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.inner.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        let stream = self.inner.execute(partition, context)?;
        let schema: SchemaRef = stream.schema();
        let metrics = BaselineMetrics::new(&self.metrics, partition);
        let counted = stream.map(move |batch| {
            if let Ok(batch) = &batch {
                metrics.record_output(batch.num_rows());
            }
            batch
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, counted)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> DfResult<Arc<Statistics>> {
        let schema = self.schema();
        if self.restriction.row_filter.is_some() {
            // anything known about the storage counts rows the reader cannot see
            return Ok(Arc::new(Statistics::new_unknown(&schema)));
        }
        let inner = StatisticsContext::new().compute(self.inner.as_ref(), args)?;
        let mut statistics = inner.as_ref().clone();
        statistics.total_byte_size = Precision::Absent;
        for (field, column) in schema
            .fields()
            .iter()
            .zip(&mut statistics.column_statistics)
        {
            if self.restriction.masked.contains(field.name()) {
                *column = datafusion::common::ColumnStatistics::new_unknown();
            }
        }
        Ok(Arc::new(statistics))
    }
}
