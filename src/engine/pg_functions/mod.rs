//! PostgreSQL's functions and query shapes, for every front end: functions DataFusion lacks
//! or answers differently (`to_char`, `to_number`, `age`, `width_bucket`, `every`,
//! `variance`, `percentile_disc`), and analyzer rules and statement rewrites for query shapes
//! (`INTERSECT ALL`/`EXCEPT ALL` multiplicities, ranking function types, `FETCH FIRST`,
//! `generate_series(...) g`). None of these functions is leakproof: they can fail on input.

mod aggregates;
mod set_ops;
mod shapes;
mod window_types;

use std::sync::Arc;

use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::SessionContext;

pub use shapes::rewrite_statement;

/// Registers the functions in `ctx`, replacing DataFusion's of the same names.
pub fn register(ctx: &SessionContext) {
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
