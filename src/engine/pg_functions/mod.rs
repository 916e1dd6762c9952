//! PostgreSQL's functions and query shapes, for every front end: functions DataFusion lacks
//! or answers differently (`to_char`, `to_number`, `age`, `width_bucket`, `every`,
//! `variance`, `percentile_disc`), and analyzer rules and statement rewrites for query shapes
//! (`INTERSECT ALL`/`EXCEPT ALL` multiplicities, ranking function types, `FETCH FIRST`,
//! `generate_series(...) g`). None of these functions is leakproof: they can fail on input.

mod age;
mod aggregates;
mod datetime_template;
mod number_template;
mod set_ops;
mod shapes;
mod to_char;
mod width_bucket;
mod window_types;

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::SessionContext;

pub use shapes::rewrite_statement;

/// A function's result: one value when every argument was one (a scalar call), else the
/// array.
fn as_columnar(result: ArrayRef, scalar: bool) -> DfResult<ColumnarValue> {
    Ok(if scalar {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
    } else {
        ColumnarValue::Array(result)
    })
}

/// Registers the functions in `ctx`, replacing DataFusion's of the same names.
pub fn register(ctx: &SessionContext) {
    // with its aliases (date_format), which would bring DataFusion's back on a time zone change
    ctx.deregister_udf("to_char");
    ctx.register_udf(ScalarUDF::new_from_impl(to_char::ToChar::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(age::Age::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(width_bucket::WidthBucket::new()));
    for aggregate in aggregates::aggregates() {
        ctx.register_udaf(aggregate);
    }
}

/// The analyzer rules, to run after governance and before type coercion.
pub fn analyzer_rules() -> Vec<Arc<dyn AnalyzerRule + Send + Sync>> {
    vec![
        Arc::new(set_ops::SetOperationsAll),
        Arc::new(window_types::RankingTypes),
    ]
}
