//! `age(timestamp, timestamp)` and `age(timestamp)`: PostgreSQL's symbolic difference in
//! years, months, days and time (not a plain count of days), computed field by field and
//! borrowing from the next field as timestamp.c's `timestamp_age` does.

use std::sync::Arc;

use crate::engine::pg_functions::as_columnar;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{Array, AsArray, IntervalMonthDayNanoBuilder};
use datafusion::arrow::datatypes::{
    DataType, IntervalMonthDayNano, TimeUnit, TimestampMicrosecondType,
};
use datafusion::arrow::temporal_conversions::as_datetime;
use datafusion::common::{Result as DfResult, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::error::Error;

const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);

/// `age(end, start)`, or `age(start)` from today's midnight.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Age {
    signature: Signature,
}

impl Age {
    /// The function.
    pub fn new() -> Self {
        Age {
            signature: Signature::user_defined(Volatility::Stable),
        }
    }
}

impl ScalarUDFImpl for Age {
    fn name(&self) -> &str {
        "age"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        let datetime = |t: &DataType| {
            matches!(
                t,
                DataType::Date32 | DataType::Timestamp(_, _) | DataType::Null
            )
        };
        match arg_types {
            [a] if datetime(a) => Ok(vec![TIMESTAMP]),
            [a, b] if datetime(a) && datetime(b) => Ok(vec![TIMESTAMP, TIMESTAMP]),
            _ => plan_err!("No function matches age: it takes one or two timestamps or dates"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Interval(
            datafusion::arrow::datatypes::IntervalUnit::MonthDayNano,
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let mut arrays = ColumnarValue::values_to_arrays(&args.args)?;
        if arrays.len() == 1 {
            let today = chrono::Local::now()
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_micros());
            let midnight =
                ScalarValue::TimestampMicrosecond(today, None).to_array_of_size(arrays[0].len())?;
            arrays.insert(0, midnight);
        }
        let (ends, starts) = (
            arrays[0].as_primitive::<TimestampMicrosecondType>(),
            arrays[1].as_primitive::<TimestampMicrosecondType>(),
        );
        let mut out = IntervalMonthDayNanoBuilder::with_capacity(ends.len());
        for row in 0..ends.len() {
            if ends.is_null(row) || starts.is_null(row) {
                out.append_null();
                continue;
            }
            let moment = |v: i64| {
                as_datetime::<TimestampMicrosecondType>(v)
                    .ok_or_else(|| Error::OutOfRange("timestamp out of range".into()))
            };
            out.append_value(age(moment(ends.value(row))?, moment(starts.value(row))?));
        }
        as_columnar(Arc::new(out.finish()), scalar)
    }
}

fn days_in_month(year: i32, month: u32) -> i64 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (next, NaiveDate::from_ymd_opt(year, month, 1)) {
        (Some(next), Some(first)) => (next - first).num_days(),
        _ => 31,
    }
}

/// timestamp.c's `timestamp_age`.
fn age(t1: NaiveDateTime, t2: NaiveDateTime) -> IntervalMonthDayNano {
    let fields = |t: &NaiveDateTime| {
        [
            i64::from(t.year()),
            i64::from(t.month()),
            i64::from(t.day()),
            i64::from(t.hour()),
            i64::from(t.minute()),
            i64::from(t.second()),
            i64::from(t.nanosecond() / 1000),
        ]
    };
    let (a, b) = (fields(&t1), fields(&t2));
    let mut d: Vec<i64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let flip = t1 < t2;
    if flip {
        d.iter_mut().for_each(|v| *v = -*v);
    }
    let [year, month, day, hour, minute, second, micros] = &mut d[..] else {
        return IntervalMonthDayNano::new(0, 0, 0);
    };
    while *micros < 0 {
        *micros += 1_000_000;
        *second -= 1;
    }
    while *second < 0 {
        *second += 60;
        *minute -= 1;
    }
    while *minute < 0 {
        *minute += 60;
        *hour -= 1;
    }
    while *hour < 0 {
        *hour += 24;
        *day -= 1;
    }
    while *day < 0 {
        let base = if flip { &t1 } else { &t2 };
        *day += days_in_month(base.year(), base.month());
        *month -= 1;
    }
    while *month < 0 {
        *month += 12;
        *year -= 1;
    }
    let sign = if flip { -1 } else { 1 };
    let months = sign * (*year * 12 + *month);
    let days = sign * *day;
    let nanos = sign * (((*hour * 60 + *minute) * 60 + *second) * 1_000_000 + *micros) * 1000;
    IntervalMonthDayNano::new(months as i32, days as i32, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    // expectations from PostgreSQL 15
    #[test]
    fn symbolic_differences() {
        // age('1999-01-01', '1996-01-02') = 2 years 11 mons 30 days
        assert_eq!(
            age(at("1999-01-01 00:00:00"), at("1996-01-02 00:00:00")),
            IntervalMonthDayNano::new(35, 30, 0)
        );
        // age('2001-04-10', '1957-06-13') = 43 years 9 mons 27 days
        assert_eq!(
            age(at("2001-04-10 00:00:00"), at("1957-06-13 00:00:00")),
            IntervalMonthDayNano::new(525, 27, 0)
        );
        // age('1957-06-13', '2001-04-10') = -43 years -9 mons -27 days
        assert_eq!(
            age(at("1957-06-13 00:00:00"), at("2001-04-10 00:00:00")),
            IntervalMonthDayNano::new(-525, -27, 0)
        );
        // age('2000-03-01 01:00', '2000-02-28 23:30') = 1 day 01:30:00
        assert_eq!(
            age(at("2000-03-01 01:00:00"), at("2000-02-28 23:30:00")),
            IntervalMonthDayNano::new(0, 1, 5_400_000_000_000)
        );
    }
}
