//! Integer constants typed as PostgreSQL types them: `integer` when the value fits in 32
//! bits, else `bigint` (DataFusion makes every integer constant a `bigint`). Decimal
//! constants (`1.5`, `1e3`) are `numeric`, not `double precision`: the session option
//! `sql_parser.parse_float_as_decimal` (see `session_config`); one with an exponent gets
//! scale 0 rather than DataFusion's negative scale (which Arrow casts to float inexactly:
//! `CAST(1e15 AS DOUBLE)` would be 999999999999999.9).

use datafusion::arrow::datatypes::DECIMAL128_MAX_PRECISION;
use datafusion::common::ScalarValue;

/// The PostgreSQL-typed form of a constant, when it differs: the `integer` form of a
/// `bigint` constant that fits in 32 bits, the scale-0 form of a decimal of negative scale.
pub fn narrow(value: &ScalarValue) -> Option<ScalarValue> {
    match value {
        ScalarValue::Int64(Some(v)) => i32::try_from(*v).ok().map(|v| ScalarValue::Int32(Some(v))),
        ScalarValue::Decimal128(Some(v), p, s) if *s < 0 => {
            let shift = s.unsigned_abs();
            let precision = p.checked_add(shift)?;
            let value = v.checked_mul(10i128.checked_pow(u32::from(shift))?)?;
            (precision <= DECIMAL128_MAX_PRECISION).then_some(ScalarValue::Decimal128(
                Some(value),
                precision,
                0,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_that_fit_in_32_bits_are_integer() {
        assert_eq!(
            narrow(&ScalarValue::Int64(Some(1))),
            Some(ScalarValue::Int32(Some(1)))
        );
        assert_eq!(
            narrow(&ScalarValue::Int64(Some(-2_147_483_648))),
            Some(ScalarValue::Int32(Some(i32::MIN)))
        );
        assert_eq!(narrow(&ScalarValue::Int64(Some(2_147_483_648))), None);
        assert_eq!(narrow(&ScalarValue::Int64(None)), None);
    }

    #[test]
    fn decimals_of_negative_scale_get_scale_zero() {
        assert_eq!(
            narrow(&ScalarValue::Decimal128(Some(15), 2, -2)),
            Some(ScalarValue::Decimal128(Some(1500), 4, 0))
        );
        assert_eq!(narrow(&ScalarValue::Decimal128(Some(15), 2, 1)), None);
    }
}
