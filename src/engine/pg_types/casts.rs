//! Casts whose values differ between Arrow and PostgreSQL, rewritten after type coercion:
//! - numeric → integer rounds half away from zero (`2.5::int` = 3; Arrow truncates);
//! - float → integer rounds half to even, as PostgreSQL's `rint` (`2.5::float8::int` = 2,
//!   `3.5::float8::int` = 4; Arrow truncates);
//! - text → date / timestamp reads what PostgreSQL reads ([`datetime_text`]);
//! - text → numeric accepts an exponent ([`numeric_text`]).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DECIMAL128_MAX_PRECISION, DataType, Float64Type};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result as DfResult, ScalarValue};
use datafusion::logical_expr::expr::{Cast, ScalarFunction, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

use crate::engine::pg_types::text_input::{datetime_text, numeric_text};

/// The analyzer rule (see the module docs).
#[derive(Debug, Default)]
pub struct PgCasts;

impl AnalyzerRule for PgCasts {
    fn name(&self) -> &str {
        "meshgate_pg_casts"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let schema = merge_schema(&node.inputs());
            let names = NamePreserver::new(&node);
            node.map_expressions(|expr| {
                let name = names.save(&expr);
                let rewritten = expr.transform_up(|e| rewrite_cast(e, &schema))?;
                Ok(if rewritten.transformed {
                    rewritten.update_data(|e| name.restore(e))
                } else {
                    rewritten
                })
            })
        })
        .map(|t| t.data)
    }
}

/// What a cast's operand needs first.
enum Prepare {
    /// Rounded to scale 0 (numeric → integer), at this precision.
    RoundNumeric(u8),
    /// Rounded half to even (float → integer).
    RoundFloat,
    /// Through PostgreSQL's text input rules for the target type.
    Text,
}

fn rewrite_cast(expr: Expr, schema: &DFSchema) -> DfResult<Transformed<Expr>> {
    let (inner, target) = match &expr {
        Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field }) => {
            (expr, field.data_type())
        }
        _ => return Ok(Transformed::no(expr)),
    };
    // inputs of leaf nodes have no schema to type against; a rewritten cast is not redone
    let Ok(source) = inner.get_type(schema) else {
        return Ok(Transformed::no(expr));
    };
    if is_prepared(inner) {
        return Ok(Transformed::no(expr));
    }
    let prepare = match (&source, target) {
        (DataType::Decimal128(p, s), t) if t.is_integer() && *s > 0 => {
            let digits = i16::from(*p) - i16::from(*s) + 1;
            Prepare::RoundNumeric(digits.clamp(1, i16::from(DECIMAL128_MAX_PRECISION)) as u8)
        }
        (DataType::Float16 | DataType::Float32 | DataType::Float64, t) if t.is_integer() => {
            Prepare::RoundFloat
        }
        (
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8,
            DataType::Date32 | DataType::Timestamp(_, None) | DataType::Decimal128(..),
        ) => Prepare::Text,
        _ => return Ok(Transformed::no(expr)),
    };
    let prepared = match prepare {
        Prepare::RoundNumeric(precision) => {
            Expr::Cast(Cast::new(inner.clone(), DataType::Decimal128(precision, 0)))
        }
        Prepare::RoundFloat => {
            udf(RoundHalfEven::new()).call(vec![as_type(inner, &source, DataType::Float64)])
        }
        Prepare::Text => {
            udf(TextInput::new(target.clone())).call(vec![as_type(inner, &source, DataType::Utf8)])
        }
    };
    Ok(Transformed::yes(match expr {
        Expr::Cast(Cast { field, .. }) => {
            Expr::Cast(Cast::new_from_field(Box::new(prepared), field))
        }
        Expr::TryCast(TryCast { field, .. }) => Expr::TryCast(TryCast {
            expr: Box::new(prepared),
            field,
        }),
        other => other,
    }))
}

/// `expr` (of type `source`) cast to `target` unless it has that type: these functions run
/// after type coercion, so their arguments must already have the types they take.
fn as_type(expr: &Expr, source: &DataType, target: DataType) -> Expr {
    if *source == target {
        expr.clone()
    } else {
        Expr::Cast(Cast::new(Box::new(expr.clone()), target))
    }
}

fn udf(implementation: impl ScalarUDFImpl + 'static) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(implementation))
}

/// Whether a cast's operand is already one this rule put there.
fn is_prepared(inner: &Expr) -> bool {
    match inner {
        Expr::ScalarFunction(ScalarFunction { func, .. }) => {
            func.inner().is::<RoundHalfEven>() || func.inner().is::<TextInput>()
        }
        _ => false,
    }
}

/// `rint`: a float rounded half to even.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RoundHalfEven {
    signature: Signature,
}

impl RoundHalfEven {
    fn new() -> Self {
        RoundHalfEven {
            signature: Signature::exact(vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for RoundHalfEven {
    fn name(&self) -> &str {
        "rint"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        map_single(&args, |array| {
            let rounded: Float64Array = array
                .as_primitive::<Float64Type>()
                .unary(f64::round_ties_even);
            Ok(Arc::new(rounded))
        })
    }
}

/// Text rewritten into what Arrow's cast to the target type reads as PostgreSQL would.
#[derive(Debug, PartialEq, Eq, Hash)]
struct TextInput {
    target: DataType,
    signature: Signature,
}

impl TextInput {
    fn new(target: DataType) -> Self {
        TextInput {
            target,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }

    fn rewrite(&self, text: &str) -> String {
        match self.target {
            DataType::Decimal128(..) => numeric_text(text).unwrap_or_else(|| text.to_string()),
            _ => datetime_text(text, &self.target).to_string(),
        }
    }
}

impl ScalarUDFImpl for TextInput {
    fn name(&self) -> &str {
        "pg_input_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        map_single(&args, |array| {
            let text: StringArray = array
                .as_string::<i32>()
                .iter()
                .map(|t| t.map(|t| self.rewrite(t)))
                .collect();
            Ok(Arc::new(text))
        })
    }
}

/// Applies `f` to the one argument, as an array, keeping a scalar a scalar.
fn map_single(
    args: &ScalarFunctionArgs,
    f: impl Fn(&ArrayRef) -> DfResult<ArrayRef>,
) -> DfResult<ColumnarValue> {
    let [arg] = args.args.as_slice() else {
        return Err(crate::error::Error::Internal("one argument expected".into()).into());
    };
    match arg {
        ColumnarValue::Array(array) => Ok(ColumnarValue::Array(f(array)?)),
        ColumnarValue::Scalar(scalar) => {
            let array = cast(&scalar.to_array()?, &args.arg_fields[0].data_type().clone())?;
            let result = f(&array)?;
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        }
    }
}
