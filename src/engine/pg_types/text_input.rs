//! Text read as a date, timestamp or numeric the way PostgreSQL's input functions read it,
//! where Arrow's casts differ: a `date` ignores a time of day and an offset
//! (`1994-12-13T00:00:00+09:00` is 1994-12-13; Arrow converts to UTC first and lands on the
//! 12th), a `timestamp` without time zone ignores the offset, and a `numeric` may have an
//! exponent (`1e3`).

use datafusion::arrow::datatypes::DataType;

/// The part of `text` Arrow should parse as a value of `target` (a date or timestamp type).
pub fn datetime_text<'a>(text: &'a str, target: &DataType) -> &'a str {
    let text = text.trim();
    let Some((date, rest)) = split_date(text) else {
        return text;
    };
    match target {
        DataType::Date32 | DataType::Date64 => date,
        DataType::Timestamp(_, None) => without_offset(text, rest),
        _ => text,
    }
}

/// `YYYY-MM-DD` at the start of `text` and what follows it, when a time or an offset follows
/// (or nothing).
fn split_date(text: &str) -> Option<(&str, &str)> {
    let date = text.get(..10)?;
    let bytes = date.as_bytes();
    let shaped = bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    let rest = &text[10..];
    let follows = rest.is_empty() || rest.starts_with(['T', 't', ' ']);
    (shaped && follows).then_some((date, rest))
}

/// `text` without a trailing UTC offset (`+09:00`, `-05`, `Z`) after its time of day.
fn without_offset<'a>(text: &'a str, rest: &str) -> &'a str {
    let date_len = text.len() - rest.len();
    let end = if rest.ends_with(['Z', 'z']) {
        text.len() - 1
    } else {
        match rest.rfind(['+', '-']) {
            Some(at) => date_len + at,
            None => text.len(),
        }
    };
    text[..end].trim_end()
}

/// `text` as a plain decimal number, its exponent applied (`1.5e3` → `1500`); `None` when it
/// has no exponent or is not a number.
pub fn numeric_text(text: &str) -> Option<String> {
    let text = text.trim();
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
        || exponent.unsigned_abs() > 1000
    {
        return None;
    }
    let all = format!("{whole}{fraction}");
    // position of the decimal point in `all`
    let point = i32::try_from(whole.len()).ok()? + exponent;
    let text = if point <= 0 {
        format!("0.{}{all}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= all.len() {
        format!("{all}{}", "0".repeat(point as usize - all.len()))
    } else {
        let (w, f) = all.split_at(point as usize);
        format!("{w}.{f}")
    };
    Some(format!("{sign}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::TimeUnit;

    #[test]
    fn dates_ignore_time_and_offset() {
        let date = DataType::Date32;
        assert_eq!(
            datetime_text("1994-12-13T00:00:00+09:00", &date),
            "1994-12-13"
        );
        assert_eq!(
            datetime_text("1994-12-13T00:00:00.000+09:00", &date),
            "1994-12-13"
        );
        assert_eq!(datetime_text("1999-01-01 +00", &date), "1999-01-01");
        assert_eq!(datetime_text(" 1994-12-13 ", &date), "1994-12-13");
        assert_eq!(datetime_text("Dec 13 1994", &date), "Dec 13 1994");
    }

    #[test]
    fn timestamps_ignore_the_offset() {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
        assert_eq!(
            datetime_text("1994-12-13T10:00:00+09:00", &ts),
            "1994-12-13T10:00:00"
        );
        assert_eq!(
            datetime_text("1994-12-13 10:00:00 -05", &ts),
            "1994-12-13 10:00:00"
        );
        assert_eq!(
            datetime_text("1994-12-13T10:00:00Z", &ts),
            "1994-12-13T10:00:00"
        );
        assert_eq!(
            datetime_text("1994-12-13 10:00:00", &ts),
            "1994-12-13 10:00:00"
        );
        assert_eq!(datetime_text("1994-12-13", &ts), "1994-12-13");
        let tz = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        assert_eq!(
            datetime_text("1994-12-13T10:00:00+09:00", &tz),
            "1994-12-13T10:00:00+09:00"
        );
    }

    #[test]
    fn exponents_are_applied() {
        assert_eq!(numeric_text("1e3").as_deref(), Some("1000"));
        assert_eq!(numeric_text("1.5E-2").as_deref(), Some("0.015"));
        assert_eq!(numeric_text("-12.5e1").as_deref(), Some("-125"));
        assert_eq!(numeric_text("+2.5e0").as_deref(), Some("2.5"));
        assert_eq!(numeric_text("1.5"), None);
        assert_eq!(numeric_text("xe3"), None);
    }
}
