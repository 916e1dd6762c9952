//! `to_char(value, template)` as PostgreSQL formats dates, timestamps and numbers (the
//! templates are in datetime_template.rs and number_template.rs). DataFusion's own
//! `to_char` takes chrono's `%Y` patterns and echoes PostgreSQL's, so it is replaced.

use std::sync::Arc;

use crate::engine::pg_functions::as_columnar;
use chrono::{NaiveDate, Offset};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use datafusion::common::{Result as DfResult, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::engine::pg_functions::datetime_template::{Moment, format_moment};
use crate::engine::pg_functions::number_template::{Digits, format_number};
use crate::error::Error;

/// `to_char(date | timestamp | timestamptz | number, text)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToChar {
    signature: Signature,
}

impl ToChar {
    /// The function.
    pub fn new() -> Self {
        ToChar {
            signature: Signature::user_defined(Volatility::Stable),
        }
    }
}

impl ScalarUDFImpl for ToChar {
    fn name(&self) -> &str {
        "to_char"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [value, template]
                if formattable(value) && (template.is_null() || is_text(template)) =>
            {
                Ok(vec![value.clone(), DataType::Utf8])
            }
            _ => plan_err!(
                "No function matches to_char({}): it formats a date, timestamp or number \
                 with a text template",
                arg_types
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [values, templates] = arrays.as_slice() else {
            return plan_err!("to_char takes two arguments");
        };
        let templates = templates.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(values.len(), values.len() * 8);
        for row in 0..values.len() {
            if values.is_null(row) || templates.is_null(row) {
                out.append_null();
                continue;
            }
            out.append_value(format_row(values, row, templates.value(row))?);
        }
        as_columnar(Arc::new(out.finish()), scalar)
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn formattable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Timestamp(_, _) | DataType::Decimal128(_, _)
    ) || t.is_integer()
        || t.is_floating()
}

fn format_row(values: &ArrayRef, row: usize, template: &str) -> Result<String, Error> {
    let moment = |local: Option<chrono::NaiveDateTime>| -> Result<String, Error> {
        let local = local.ok_or_else(|| Error::OutOfRange("timestamp out of range".into()))?;
        format_moment(&Moment { local, zone: None }, template)
    };
    match values.data_type() {
        DataType::Date32 => {
            let days = values.as_primitive::<Date32Type>().value(row);
            let date = NaiveDate::from_num_days_from_ce_opt(days + 719_163);
            moment(date.and_then(|d| d.and_hms_opt(0, 0, 0)))
        }
        DataType::Timestamp(unit, zone) => {
            let v = match unit {
                TimeUnit::Second => values.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => {
                    values.as_primitive::<TimestampMillisecondType>().value(row)
                }
                TimeUnit::Microsecond => {
                    values.as_primitive::<TimestampMicrosecondType>().value(row)
                }
                TimeUnit::Nanosecond => values.as_primitive::<TimestampNanosecondType>().value(row),
            };
            match zone {
                None => moment(naive(*unit, v)),
                Some(zone) => zoned(*unit, v, zone, template),
            }
        }
        DataType::Decimal128(_, scale) => {
            let v = values.as_primitive::<Decimal128Type>().value(row);
            format_number(&decimal_digits(v, *scale), template)
        }
        DataType::Float32 => format_number(
            &float_digits(f64::from(values.as_primitive::<Float32Type>().value(row))),
            template,
        ),
        DataType::Float64 => format_number(
            &float_digits(values.as_primitive::<Float64Type>().value(row)),
            template,
        ),
        t => {
            let v: i128 = match t {
                DataType::Int8 => values.as_primitive::<Int8Type>().value(row).into(),
                DataType::Int16 => values.as_primitive::<Int16Type>().value(row).into(),
                DataType::Int32 => values.as_primitive::<Int32Type>().value(row).into(),
                DataType::Int64 => values.as_primitive::<Int64Type>().value(row).into(),
                DataType::UInt8 => values.as_primitive::<UInt8Type>().value(row).into(),
                DataType::UInt16 => values.as_primitive::<UInt16Type>().value(row).into(),
                DataType::UInt32 => values.as_primitive::<UInt32Type>().value(row).into(),
                DataType::UInt64 => values.as_primitive::<UInt64Type>().value(row).into(),
                other => {
                    return Err(Error::Unsupported(format!(
                        "to_char of {other} is not supported"
                    )));
                }
            };
            format_number(&decimal_digits(v, 0), template)
        }
    }
}

fn naive(unit: TimeUnit, v: i64) -> Option<chrono::NaiveDateTime> {
    match unit {
        TimeUnit::Second => as_datetime::<TimestampSecondType>(v),
        TimeUnit::Millisecond => as_datetime::<TimestampMillisecondType>(v),
        TimeUnit::Microsecond => as_datetime::<TimestampMicrosecondType>(v),
        TimeUnit::Nanosecond => as_datetime::<TimestampNanosecondType>(v),
    }
}

fn zoned(unit: TimeUnit, v: i64, zone: &str, template: &str) -> Result<String, Error> {
    let tz: Tz = zone
        .parse()
        .map_err(|_| Error::InvalidValue(format!("time zone \"{zone}\" not recognized")))?;
    let at = match unit {
        TimeUnit::Second => as_datetime_with_timezone::<TimestampSecondType>(v, tz),
        TimeUnit::Millisecond => as_datetime_with_timezone::<TimestampMillisecondType>(v, tz),
        TimeUnit::Microsecond => as_datetime_with_timezone::<TimestampMicrosecondType>(v, tz),
        TimeUnit::Nanosecond => as_datetime_with_timezone::<TimestampNanosecondType>(v, tz),
    }
    .ok_or_else(|| Error::OutOfRange("timestamp out of range".into()))?;
    let offset = at.offset().fix().local_minus_utc();
    let abbreviation = at.format("%Z").to_string();
    let moment = Moment {
        local: at.naive_local(),
        zone: Some((offset, abbreviation)),
    };
    format_moment(&moment, template)
}

fn decimal_digits(v: i128, scale: i8) -> Digits {
    let (digits, scale) = if scale < 0 {
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        (format!("{}{zeros}", v.unsigned_abs()), 0)
    } else {
        (
            v.unsigned_abs().to_string(),
            usize::from(scale.unsigned_abs()),
        )
    };
    let digits = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    Digits {
        negative: v < 0,
        digits,
        scale,
    }
}

fn float_digits(v: f64) -> Digits {
    if !v.is_finite() {
        // PostgreSQL fills every digit position with # for NaN and infinity
        return Digits {
            negative: v < 0.0,
            digits: format!("1{}", "0".repeat(400)),
            scale: 0,
        };
    }
    let text = format!("{}", v.abs());
    let scale = text.find('.').map_or(0, |p| text.len() - p - 1);
    Digits {
        negative: v < 0.0,
        digits: text.replace('.', ""),
        scale,
    }
}
