//! The one allow-list of *leakproof* expressions (PostgreSQL's `LEAKPROOF`): predicates that
//! cannot fail and reveal nothing but their boolean result, so they may be evaluated beneath
//! a row filter (where Parquet and Delta use them to prune) without leaking the rows the
//! filter hides. Everything else stays above the barrier.
//!
//! Leakproof: `AND`, `OR`, `NOT`, `IS [NOT] TRUE/FALSE/UNKNOWN` of leakproof predicates;
//! `IS [NOT] NULL` of a column; comparisons (`=`, `<>`, `<`, `<=`, `>`, `>=`,
//! `IS [NOT] DISTINCT FROM`) of a column with a literal or a parameter;
//! `column [NOT] IN (literals)` and `column [NOT] BETWEEN literal AND literal`. The column
//! must be of a scalar type (comparisons of nested types can fail) and may be widened by a
//! cast that cannot fail (a larger integer, a float that holds it exactly, another text type).

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{Between, BinaryExpr, Cast, Expr, Operator};

/// Whether `expr`, over a table of `schema`, may be evaluated on rows the reader's row
/// filter hides. Columns are looked up by name.
pub fn is_leakproof(expr: &Expr, schema: &Schema) -> bool {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And | Operator::Or => {
                is_leakproof(left, schema) && is_leakproof(right, schema)
            }
            op if is_comparison(*op) => {
                (is_column(left, schema) && is_constant(right))
                    || (is_constant(left) && is_column(right, schema))
            }
            _ => false,
        },
        Expr::Not(inner)
        | Expr::IsTrue(inner)
        | Expr::IsFalse(inner)
        | Expr::IsUnknown(inner)
        | Expr::IsNotTrue(inner)
        | Expr::IsNotFalse(inner)
        | Expr::IsNotUnknown(inner) => is_leakproof(inner, schema),
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            matches!(inner.as_ref(), Expr::Column(_))
                || is_column(inner, schema)
                || is_leakproof(inner, schema)
        }
        Expr::InList(InList { expr, list, .. }) => {
            is_column(expr, schema) && list.iter().all(is_constant)
        }
        Expr::Between(Between {
            expr, low, high, ..
        }) => is_column(expr, schema) && is_constant(low) && is_constant(high),
        _ => false,
    }
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// A column of a scalar type, possibly widened by a cast that cannot fail.
fn is_column(expr: &Expr, schema: &Schema) -> bool {
    match expr {
        Expr::Column(column) => column_type(&column.name, schema).is_some_and(is_scalar),
        Expr::Cast(Cast { expr, field }) => match expr.as_ref() {
            Expr::Column(column) => column_type(&column.name, schema)
                .is_some_and(|from| is_scalar(from) && widens(from, field.data_type())),
            _ => false,
        },
        _ => false,
    }
}

fn column_type<'a>(name: &str, schema: &'a Schema) -> Option<&'a DataType> {
    schema.field_with_name(name).ok().map(|f| f.data_type())
}

/// Types whose comparisons with a literal of the same type cannot fail.
fn is_scalar(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, value) => is_scalar(value),
        other => {
            other.is_primitive()
                || matches!(
                    other,
                    DataType::Boolean
                        | DataType::Utf8
                        | DataType::LargeUtf8
                        | DataType::Utf8View
                        | DataType::Binary
                        | DataType::LargeBinary
                        | DataType::BinaryView
                        | DataType::FixedSizeBinary(_)
                )
        }
    }
}

/// Whether every value of `from` casts to `to` without error or loss.
fn widens(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    if from == to {
        return true;
    }
    match (from, to) {
        (Dictionary(_, value), to) => widens(value, to),
        (Int8, Int16 | Int32 | Int64 | Float32 | Float64)
        | (Int16, Int32 | Int64 | Float32 | Float64)
        | (Int32, Int64 | Float64)
        | (UInt8, Int16 | Int32 | Int64 | UInt16 | UInt32 | UInt64 | Float32 | Float64)
        | (UInt16, Int32 | Int64 | UInt32 | UInt64 | Float32 | Float64)
        | (UInt32, Int64 | UInt64 | Float64)
        | (Float16, Float32 | Float64)
        | (Float32, Float64)
        | (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8 | Utf8View)
        | (Binary | LargeBinary | BinaryView, Binary | LargeBinary | BinaryView) => true,
        (Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64, Decimal128(p, s))
        | (Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64, Decimal256(p, s)) => {
            i16::from(*p) - i16::from(*s) >= integer_digits(from)
        }
        (Decimal128(p1, s1), Decimal128(p2, s2) | Decimal256(p2, s2))
        | (Decimal256(p1, s1), Decimal256(p2, s2)) => {
            s2 >= s1 && i16::from(*p2) - i16::from(*s2) >= i16::from(*p1) - i16::from(*s1)
        }
        _ => false,
    }
}

/// Decimal digits the largest value of an integer type needs.
fn integer_digits(data_type: &DataType) -> i16 {
    match data_type {
        DataType::Int8 | DataType::UInt8 => 3,
        DataType::Int16 | DataType::UInt16 => 5,
        DataType::Int32 | DataType::UInt32 => 10,
        DataType::Int64 => 19,
        _ => 20,
    }
}

/// A literal or a parameter placeholder (never a cast of a literal: a cast that fails is
/// left for execution by the simplifier).
fn is_constant(expr: &Expr) -> bool {
    matches!(expr, Expr::Literal(..) | Expr::Placeholder(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;
    use datafusion::logical_expr::{cast, col, lit, try_cast};
    use datafusion::prelude::{abs, regexp_like};

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int32, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("amount", DataType::Decimal128(15, 2), true),
            Field::new(
                "tags",
                DataType::List(Field::new("item", DataType::Utf8, true).into()),
                true,
            ),
        ])
    }

    fn leakproof(expr: Expr) -> bool {
        is_leakproof(&expr, &schema())
    }

    #[test]
    fn comparisons_of_columns_with_constants_are_leakproof() {
        assert!(leakproof(col("id").gt(lit(5))));
        assert!(leakproof(lit(5).lt_eq(col("id"))));
        assert!(leakproof(col("name").eq(lit("x"))));
        assert!(leakproof(col("amount").not_eq(lit(1))));
        assert!(leakproof(
            col("id")
                .gt(lit(1))
                .and(col("name").is_null().or(col("name").eq(lit("y"))))
        ));
        assert!(leakproof(col("id").in_list(vec![lit(1), lit(2)], false)));
        assert!(leakproof(col("id").between(lit(1), lit(9))));
        assert!(leakproof(col("name").is_not_null()));
        assert!(leakproof(!col("id").gt(lit(5))));
        assert!(leakproof(col("id").gt(lit(5)).is_true()));
        assert!(leakproof(col("id").eq(Expr::Placeholder(
            datafusion::logical_expr::expr::Placeholder::new_with_field("$1".into(), None)
        ))));
    }

    #[test]
    fn widening_casts_of_columns_are_leakproof() {
        assert!(leakproof(cast(col("id"), DataType::Int64).eq(lit(5i64))));
        assert!(leakproof(cast(col("id"), DataType::Float64).gt(lit(1.5))));
        assert!(leakproof(
            cast(col("id"), DataType::Decimal128(12, 2)).gt(lit(1))
        ));
        assert!(leakproof(
            cast(col("name"), DataType::Utf8View).eq(lit("x"))
        ));
    }

    #[test]
    fn anything_that_can_fail_or_compute_is_not() {
        // arithmetic can fail (division by zero, overflow)
        assert!(!leakproof((lit(1) / (col("id") - lit(42))).gt(lit(0))));
        assert!(!leakproof((col("id") + lit(1)).gt(lit(0))));
        // narrowing or parsing casts can fail
        assert!(!leakproof(cast(col("id"), DataType::Int8).eq(lit(1i8))));
        assert!(!leakproof(cast(col("name"), DataType::Int32).eq(lit(1))));
        assert!(!leakproof(
            cast(col("amount"), DataType::Decimal128(5, 2)).gt(lit(1))
        ));
        assert!(!leakproof(cast(lit("x"), DataType::Int32).eq(col("id"))));
        assert!(!leakproof(
            try_cast(col("name"), DataType::Int32).eq(lit(1))
        ));
        // functions (a bad regex fails), LIKE, CASE, subqueries
        assert!(!leakproof(regexp_like(col("name"), lit("("), None)));
        assert!(!leakproof(abs(col("id")).gt(lit(1))));
        assert!(!leakproof(col("name").like(lit("a%"))));
        // column against column, nested types, bare columns
        assert!(!leakproof(col("id").eq(col("amount"))));
        assert!(!leakproof(
            col("tags").is_null().and(col("tags").eq(lit(1)))
        ));
        assert!(!leakproof(col("id")));
        assert!(!leakproof(
            col("id").in_list(vec![col("id") + lit(1)], false)
        ));
        // unknown columns
        assert!(!leakproof(col("nope").eq(lit(1))));
    }
}
