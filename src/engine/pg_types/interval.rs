//! Interval text as PostgreSQL writes it in `IntervalStyle` postgres (`1 day 02:00:00`,
//! `3 mons`, `-1 days +02:00:00`, `00:00:01.5`; Arrow writes `1 days 2 hours`).

use std::fmt::Write as _;

use datafusion::arrow::datatypes::IntervalMonthDayNano;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;

/// PostgreSQL's text of an interval of `months`, `days` and `micros` (IntervalStyle postgres).
pub fn interval_text(months: i32, days: i32, micros: i64) -> String {
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |out: &mut String, value: i64, unit: &str| {
        if value == 0 {
            return;
        }
        let space = if is_zero { "" } else { " " };
        let plus = if is_before && value > 0 { "+" } else { "" };
        let plural = if value != 1 { "s" } else { "" };
        let _ = write!(out, "{space}{plus}{value} {unit}{plural}");
        is_before = value < 0;
        is_zero = false;
    };
    part(&mut out, i64::from(months / 12), "year");
    part(&mut out, i64::from(months % 12), "mon");
    part(&mut out, i64::from(days), "day");
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let abs = micros.unsigned_abs();
        let hours = abs / MICROS_PER_HOUR as u64;
        let minutes = abs / MICROS_PER_MINUTE as u64 % 60;
        let seconds = abs / MICROS_PER_SECOND as u64 % 60;
        let fraction = abs % MICROS_PER_SECOND as u64;
        let space = if is_zero { "" } else { " " };
        let sign = if minus {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        let _ = write!(out, "{space}{sign}{hours:02}:{minutes:02}:{seconds:02}");
        if fraction != 0 {
            let digits = format!("{fraction:06}");
            let _ = write!(out, ".{}", digits.trim_end_matches('0'));
        }
    }
    out
}

/// The months, days and microseconds of an Arrow interval value in canonical form.
pub fn interval_parts(value: IntervalMonthDayNano) -> (i32, i32, i64) {
    (value.months, value.days, value.nanoseconds / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_postgresql_style() {
        let hour = MICROS_PER_HOUR;
        assert_eq!(interval_text(0, 1, 2 * hour), "1 day 02:00:00");
        assert_eq!(interval_text(3, 0, 0), "3 mons");
        assert_eq!(interval_text(0, -1, 2 * hour), "-1 days +02:00:00");
        assert_eq!(interval_text(0, 0, 1_500_000), "00:00:01.5");
        assert_eq!(interval_text(0, 0, 0), "00:00:00");
        assert_eq!(interval_text(14, 0, 0), "1 year 2 mons");
        assert_eq!(
            interval_text(-14, -3, -hour),
            "-1 years -2 mons -3 days -01:00:00"
        );
        assert_eq!(
            interval_text(0, 0, 25 * hour + 61 * MICROS_PER_SECOND),
            "25:01:01"
        );
    }
}
