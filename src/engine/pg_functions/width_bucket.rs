//! `width_bucket(operand, low, high, count)`: which of `count` equal buckets between `low`
//! and `high` holds `operand` (0 below, count + 1 above; bounds may be reversed), as
//! PostgreSQL computes it: exactly for numeric, in double precision for floats.

use std::sync::Arc;

use crate::engine::pg_functions::as_columnar;
use datafusion::arrow::array::{Array, AsArray, Int32Builder};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Float64Type, Int32Type};
use datafusion::common::{Result as DfResult, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::error::Error;

/// Scale of the exact computation (numeric arguments are cast to it).
const SCALE: i8 = 8;

/// The function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct WidthBucket {
    signature: Signature,
}

impl WidthBucket {
    /// The function.
    pub fn new() -> Self {
        WidthBucket {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for WidthBucket {
    fn name(&self) -> &str {
        "width_bucket"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        let [operand, low, high, count] = arg_types else {
            return plan_err!(
                "No function matches width_bucket: it takes (operand, low, high, count)"
            );
        };
        let bounds = [operand, low, high];
        if !bounds.iter().all(|t| t.is_numeric() || t.is_null())
            || !(count.is_integer() || count.is_null())
        {
            return plan_err!(
                "No function matches width_bucket({})",
                arg_types
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let value = if bounds.iter().any(|t| t.is_floating()) {
            DataType::Float64
        } else {
            DataType::Decimal128(38, SCALE)
        };
        Ok(vec![value.clone(), value.clone(), value, DataType::Int32])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let counts = arrays[3].as_primitive::<Int32Type>();
        let mut out = Int32Builder::with_capacity(counts.len());
        let float = arrays[0].data_type() == &DataType::Float64;
        for row in 0..counts.len() {
            if arrays.iter().any(|a| a.is_null(row)) {
                out.append_null();
                continue;
            }
            let count = counts.value(row);
            let bucket = if float {
                let v = |i: usize| arrays[i].as_primitive::<Float64Type>().value(row);
                bucket_f64(v(0), v(1), v(2), count)?
            } else {
                let v = |i: usize| arrays[i].as_primitive::<Decimal128Type>().value(row);
                bucket_exact(v(0), v(1), v(2), count)?
            };
            out.append_value(bucket);
        }
        as_columnar(Arc::new(out.finish()), scalar)
    }
}

fn check(count: i32, equal: bool) -> Result<(), Error> {
    if count <= 0 {
        return Err(Error::InvalidWidthBucket(
            "count must be greater than zero".into(),
        ));
    }
    if equal {
        return Err(Error::InvalidWidthBucket(
            "lower bound cannot equal upper bound".into(),
        ));
    }
    Ok(())
}

fn overflow() -> Error {
    Error::OutOfRange("integer out of range".into())
}

fn bucket_exact(operand: i128, low: i128, high: i128, count: i32) -> Result<i32, Error> {
    check(count, low == high)?;
    let n = i128::from(count);
    let (inside, from, width) = if low < high {
        (operand >= low && operand < high, operand - low, high - low)
    } else {
        (operand <= low && operand > high, low - operand, low - high)
    };
    if !inside {
        let below = if low < high {
            operand < low
        } else {
            operand > low
        };
        return if below {
            Ok(0)
        } else {
            count.checked_add(1).ok_or_else(overflow)
        };
    }
    let product = from.checked_mul(n).ok_or_else(overflow)?;
    i32::try_from(product / width + 1).map_err(|_| overflow())
}

fn bucket_f64(operand: f64, low: f64, high: f64, count: i32) -> Result<i32, Error> {
    check(count, low == high)?;
    if operand.is_nan() || low.is_nan() || high.is_nan() {
        return Err(Error::InvalidWidthBucket(
            "operand, lower bound, and upper bound cannot be NaN".into(),
        ));
    }
    if !low.is_finite() || !high.is_finite() {
        return Err(Error::InvalidWidthBucket(
            "lower and upper bounds must be finite".into(),
        ));
    }
    let n = f64::from(count);
    let bucket = if low < high {
        if operand < low {
            return Ok(0);
        } else if operand >= high {
            return count.checked_add(1).ok_or_else(overflow);
        }
        (n * ((operand - low) / (high - low))).floor() as i32 + 1
    } else {
        if operand > low {
            return Ok(0);
        } else if operand <= high {
            return count.checked_add(1).ok_or_else(overflow);
        }
        (n * ((low - operand) / (low - high))).floor() as i32 + 1
    };
    Ok(bucket.min(count))
}
