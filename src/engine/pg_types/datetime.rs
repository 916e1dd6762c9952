//! Date arithmetic typed as PostgreSQL types it: `date ± interval` (and `interval + date`)
//! is a `timestamp` (DataFusion keeps a `date`, dropping the interval's time of day), and
//! `date - date` is an `integer` number of days (DataFusion: `bigint`).

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::logical_expr::{BinaryExpr, Cast, Expr, Operator};

/// The PostgreSQL form of `left op right` for date operands (`None`: not a date operator).
pub fn retype(
    left: &Expr,
    op: Operator,
    right: &Expr,
    types: (&DataType, &DataType),
) -> Option<Expr> {
    let date = |t: &DataType| matches!(t, DataType::Date32 | DataType::Date64);
    let interval = |t: &DataType| matches!(t, DataType::Interval(_));
    let timestamp = |e: &Expr| {
        Box::new(Expr::Cast(Cast::new(
            Box::new(e.clone()),
            DataType::Timestamp(TimeUnit::Microsecond, None),
        )))
    };
    let binary = |l, r| Expr::BinaryExpr(BinaryExpr::new(l, op, r));
    match (op, types) {
        (Operator::Plus | Operator::Minus, (l, r)) if date(l) && interval(r) => {
            Some(binary(timestamp(left), Box::new(right.clone())))
        }
        (Operator::Plus, (l, r)) if interval(l) && date(r) => {
            Some(binary(Box::new(left.clone()), timestamp(right)))
        }
        (Operator::Minus, (l, r)) if date(l) && date(r) => Some(Expr::Cast(Cast::new(
            Box::new(binary(Box::new(left.clone()), Box::new(right.clone()))),
            DataType::Int32,
        ))),
        _ => None,
    }
}
