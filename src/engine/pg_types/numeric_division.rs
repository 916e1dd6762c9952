//! `numeric / numeric` as PostgreSQL divides: the quotient rounded half away from zero to at
//! least 16 significant digits. PostgreSQL picks the scale per value (`select_div_scale`:
//! 16 significant digits, at least the operands' scales); a Decimal128 column has one scale,
//! so the quotient gets `max(16, s1, s2)` decimals — the same digits as PostgreSQL for
//! quotients from 1 to 9999, more or fewer outside that range (README, "Types, literals and
//! casts"). DataFusion's decimal division keeps few decimals and truncates.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array};
use datafusion::arrow::datatypes::{DECIMAL128_MAX_PRECISION, DataType, Decimal128Type, i256};
use datafusion::arrow::error::ArrowError;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::error::Error;

/// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`.
const MIN_SIGNIFICANT_DIGITS: i8 = 16;

/// Numeric division rounded as PostgreSQL rounds it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NumericDivide {
    signature: Signature,
}

impl NumericDivide {
    /// `left / right` as numeric division when one side is a decimal and the other a decimal
    /// or an integer (`None` otherwise).
    pub fn call(left: Expr, right: Expr, types: (&DataType, &DataType)) -> Option<Expr> {
        let decimal = |t: &DataType| matches!(t, DataType::Decimal128(..));
        let operand = |t: &DataType| decimal(t) || t.is_integer();
        let applies =
            (decimal(types.0) || decimal(types.1)) && operand(types.0) && operand(types.1);
        applies.then(|| {
            ScalarUDF::new_from_impl(NumericDivide {
                signature: Signature::user_defined(Volatility::Immutable),
            })
            .call(vec![left, right])
        })
    }
}

/// The scale of a quotient of operands of `scales`.
fn division_scale(scales: &[i8]) -> i8 {
    scales.iter().copied().fold(MIN_SIGNIFICANT_DIGITS, i8::max)
}

/// An operand as a decimal type: integers keep all their digits.
fn as_decimal(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Decimal128(..) => data_type.clone(),
        _ => DataType::Decimal128(20, 0),
    }
}

fn scale(data_type: &DataType) -> i8 {
    match data_type {
        DataType::Decimal128(_, s) => *s,
        _ => 0,
    }
}

fn overflow() -> datafusion::error::DataFusionError {
    Error::OutOfRange("value overflows numeric format".into()).into()
}

/// `a / b` (raw values of scales `sa`, `sb`) at `scale`, rounded half away from zero.
fn divide(a: i128, sa: i8, b: i128, sb: i8, scale: i8) -> DfResult<i128> {
    if b == 0 {
        return Err(ArrowError::DivideByZero.into());
    }
    let shift =
        u32::try_from(i32::from(scale) - i32::from(sa) + i32::from(sb)).map_err(|_| overflow())?;
    let factor = i256::from_i128(10)
        .checked_pow(shift)
        .ok_or_else(overflow)?;
    let n = i256::from_i128(a)
        .checked_mul(factor)
        .ok_or_else(overflow)?;
    let d = i256::from_i128(b);
    let (q, r) = (n.wrapping_div(d), n.wrapping_rem(d));
    let twice = r.wrapping_abs().wrapping_mul(i256::from_i128(2));
    let q = if twice >= d.wrapping_abs() {
        let away = if (n < i256::ZERO) == (d < i256::ZERO) {
            i256::ONE
        } else {
            i256::MINUS_ONE
        };
        q.wrapping_add(away)
    } else {
        q
    };
    q.to_i128().ok_or_else(overflow)
}

impl ScalarUDFImpl for NumericDivide {
    fn name(&self) -> &str {
        "numeric_div"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        Ok(arg_types.iter().map(as_decimal).collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        let scales: Vec<i8> = arg_types.iter().map(scale).collect();
        Ok(DataType::Decimal128(
            DECIMAL128_MAX_PRECISION,
            division_scale(&scales),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scale_out = scale(args.return_type());
        let scalars = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [left, right] = arrays.as_slice() else {
            return Err(Error::Internal("numeric division takes two operands".into()).into());
        };
        let (sa, sb) = (scale(left.data_type()), scale(right.data_type()));
        let (left, right) = (
            left.as_primitive::<Decimal128Type>(),
            right.as_primitive::<Decimal128Type>(),
        );
        let quotients = left
            .iter()
            .zip(right.iter())
            .map(|pair| match pair {
                (Some(a), Some(b)) => divide(a, sa, b, sb, scale_out).map(Some),
                _ => Ok(None),
            })
            .collect::<DfResult<Decimal128Array>>()?
            .with_precision_and_scale(DECIMAL128_MAX_PRECISION, scale_out)?;
        quotients
            .validate_decimal_precision(DECIMAL128_MAX_PRECISION)
            .map_err(|_| overflow())?;
        let result: ArrayRef = Arc::new(quotients);
        Ok(if scalars {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
        } else {
            ColumnarValue::Array(result)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        // 10 / 3 at scale 16
        assert_eq!(divide(10, 0, 3, 0, 16).ok(), Some(33_333_333_333_333_333));
        // 2 / 3 rounds the last digit up
        assert_eq!(divide(2, 0, 3, 0, 16).ok(), Some(6_666_666_666_666_667));
        assert_eq!(divide(-2, 0, 3, 0, 16).ok(), Some(-6_666_666_666_666_667));
        // 1.00 / 8 = 0.125 at scale 2 rounds to 0.13
        assert_eq!(divide(100, 2, 8, 0, 2).ok(), Some(13));
        assert!(divide(1, 0, 0, 0, 16).is_err());
    }
}
