//! A physical optimizer rule that drops repeated conjuncts from Parquet scan predicates.
//!
//! deltalake's provider puts the query's filters into its Parquet scan and reports them
//! inexact; DataFusion's filter pushdown then pushes the same filters into that scan again
//! and `ParquetSource` conjoins them with what it has, so every row filter and pruning
//! check of a Delta product read by deltalake ran twice (`a < 100 AND a < 100`). Parquet
//! products and plain Delta tables (read as Parquet listings), which
//! receive filters only through the pushdown, are unchanged by this rule.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::datasource::physical_plan::{FileScanConfig, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_expr::utils::{conjunction, split_conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};

/// Keeps one copy of each conjunct of every Parquet scan predicate.
#[derive(Debug, Default)]
pub struct DedupScanPredicates;

impl PhysicalOptimizerRule for DedupScanPredicates {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            Ok(match deduplicated(node.as_ref()) {
                Some(scan) => Transformed::yes(scan),
                None => Transformed::no(node),
            })
        })
        .map(|transformed| transformed.data)
    }

    fn name(&self) -> &str {
        "dedup_scan_predicates"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The scan with its predicate's repeated conjuncts removed, if `node` is a Parquet scan
/// that has any.
fn deduplicated(node: &dyn ExecutionPlan) -> Option<Arc<dyn ExecutionPlan>> {
    let exec = node.downcast_ref::<DataSourceExec>()?;
    let config = exec.data_source().downcast_ref::<FileScanConfig>()?;
    let parquet = config.file_source.downcast_ref::<ParquetSource>()?;
    let predicate = parquet.filter()?;
    let conjuncts = split_conjunction(&predicate);
    let mut kept: Vec<Arc<dyn PhysicalExpr>> = Vec::with_capacity(conjuncts.len());
    for conjunct in &conjuncts {
        if !kept.iter().any(|k| k.as_ref() == conjunct.as_ref()) {
            kept.push(Arc::clone(conjunct));
        }
    }
    if kept.len() == conjuncts.len() {
        return None;
    }
    let mut config = config.clone();
    config.file_source = Arc::new(parquet.with_predicate(conjunction(kept)));
    Some(DataSourceExec::from_data_source(config))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::physical_plan::FileScanConfigBuilder;
    use datafusion::execution::object_store::ObjectStoreUrl;
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{binary, col, lit};
    use datafusion::physical_plan::displayable;

    use super::*;

    fn scan(predicate: Arc<dyn PhysicalExpr>, schema: Arc<Schema>) -> Arc<dyn ExecutionPlan> {
        let source = ParquetSource::new(schema).with_predicate(predicate);
        let config =
            FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
                .build();
        DataSourceExec::from_data_source(config)
    }

    fn optimized_plan(plan: Arc<dyn ExecutionPlan>) -> String {
        let plan = DedupScanPredicates
            .optimize(plan, &ConfigOptions::default())
            .unwrap();
        displayable(plan.as_ref()).one_line().to_string()
    }

    #[test]
    fn repeated_conjuncts_are_kept_once_and_others_stay() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Int64, true),
        ]));
        let a = binary(
            col("a", &schema).unwrap(),
            Operator::Lt,
            lit(100i64),
            &schema,
        )
        .unwrap();
        let b = binary(col("b", &schema).unwrap(), Operator::Gt, lit(5i64), &schema).unwrap();
        let twice = conjunction([Arc::clone(&a), Arc::clone(&b), Arc::clone(&a), b]);
        let plan = optimized_plan(scan(twice, Arc::clone(&schema)));
        assert!(plan.contains("predicate=a@0 < 100 AND b@1 > 5,"), "{plan}");
        let once = optimized_plan(scan(a, schema));
        assert!(once.contains("predicate=a@0 < 100,"), "{once}");
    }
}
