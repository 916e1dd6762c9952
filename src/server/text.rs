//! PostgreSQL's text output forms: dates, times, timestamps (ISO, UTC), floats and array
//! elements, written straight into a row buffer.

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

/// A NULL cell: length -1.
pub(crate) const NULL_CELL: [u8; 4] = (-1i32).to_be_bytes();

/// Appends text through `fmt::Write`.
pub(crate) struct Text<'a>(pub(crate) &'a mut BytesMut);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.put_slice(s.as_bytes());
        Ok(())
    }
}

/// One element of a text array, quoted when PostgreSQL would quote it.
pub(crate) fn array_element_text(buf: &mut BytesMut, cell: &[u8]) {
    if cell.starts_with(&NULL_CELL) {
        buf.put_slice(b"NULL");
        return;
    }
    let value = &cell[4..];
    let quote = value.is_empty()
        || value.eq_ignore_ascii_case(b"null")
        || value
            .iter()
            .any(|c| matches!(c, b'{' | b'}' | b',' | b'"' | b'\\') || c.is_ascii_whitespace());
    if !quote {
        buf.put_slice(value);
        return;
    }
    buf.put_u8(b'"');
    for &c in value {
        if c == b'"' || c == b'\\' {
            buf.put_u8(b'\\');
        }
        buf.put_u8(c);
    }
    buf.put_u8(b'"');
}

/// How `float4`/`float8` values print in text: PostgreSQL 12+'s `extra_float_digits`,
/// resolved once per result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FloatDigits {
    /// `extra_float_digits` > 0 (the default, 1): the shortest text that reads back as the
    /// same value.
    #[default]
    Shortest,
    /// `extra_float_digits` ≤ 0 (the value held here): rounded to `FLT_DIG` (6) or `DBL_DIG`
    /// (15) plus this many significant digits, at least one, as C's `%.*g` writes it.
    Rounded(i8),
}

impl FloatDigits {
    /// The style for an `extra_float_digits` value (-15 to 3).
    pub fn from_extra(extra: i32) -> FloatDigits {
        match i8::try_from(extra) {
            _ if extra > 0 => FloatDigits::Shortest,
            Ok(extra) => FloatDigits::Rounded(extra),
            Err(_) => FloatDigits::Rounded(i8::MIN),
        }
    }

    /// Significant digits in `Rounded` style for a type with `dig` (FLT_DIG or DBL_DIG).
    fn precision(extra: i8, dig: i32) -> usize {
        usize::try_from(dig + i32::from(extra)).unwrap_or(1).max(1)
    }
}

/// A `float8` as PostgreSQL writes it.
pub(crate) fn float8_text(buf: &mut BytesMut, value: f64, digits: FloatDigits) {
    float_text(buf, value, value, 15, digits);
}

/// A `float4` as PostgreSQL writes it.
pub(crate) fn float4_text(buf: &mut BytesMut, value: f32, digits: FloatDigits) {
    float_text(buf, value, f64::from(value), 6, digits);
}

/// A float given in its own type (`own`, whose shortest digits `Shortest` prints) and as
/// the same `f64` (`exact`, which `Rounded` rounds); `dig` is FLT_DIG or DBL_DIG.
fn float_text(
    buf: &mut BytesMut,
    own: impl std::fmt::LowerExp,
    exact: f64,
    dig: i32,
    digits: FloatDigits,
) {
    if special_float(buf, exact) {
        return;
    }
    let mut sci = Stack::default();
    let fixed_below = match digits {
        FloatDigits::Shortest => {
            let _ = write!(sci, "{own:e}");
            dig
        }
        FloatDigits::Rounded(extra) => {
            let precision = FloatDigits::precision(extra, dig);
            let _ = write!(sci, "{exact:.*e}", precision - 1);
            precision as i32
        }
    };
    layout(buf, sci.as_str(), fixed_below);
}

/// `NaN`, `Infinity`, `-Infinity`; false for a finite value.
fn special_float(buf: &mut BytesMut, value: f64) -> bool {
    if value.is_nan() {
        buf.put_slice(b"NaN");
    } else if value.is_infinite() {
        buf.put_slice(if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        });
    } else {
        return false;
    }
    true
}

/// Lays out a finite float from Rust's scientific form (`-1.2500e-7`): trailing zeros of the
/// mantissa dropped, in fixed notation when the exponent is in `-4..fixed_below`, else as
/// `1.25e-07` (at least two exponent digits), as PostgreSQL and `%g` do.
fn layout(buf: &mut BytesMut, sci: &str, fixed_below: i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = match mantissa.strip_prefix('-') {
        Some(rest) => {
            buf.put_u8(b'-');
            rest
        }
        None => mantissa,
    };
    let (lead, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let fraction = fraction.trim_end_matches('0').as_bytes();
    let lead = lead.as_bytes();
    if (-4..fixed_below).contains(&exp) {
        if exp < 0 {
            buf.put_slice(b"0.");
            buf.put_bytes(b'0', exp.unsigned_abs() as usize - 1);
            buf.put_slice(lead);
            buf.put_slice(fraction);
            return;
        }
        let whole = exp as usize;
        buf.put_slice(lead);
        buf.put_slice(&fraction[..whole.min(fraction.len())]);
        buf.put_bytes(b'0', whole.saturating_sub(fraction.len()));
        if fraction.len() > whole {
            buf.put_u8(b'.');
            buf.put_slice(&fraction[whole..]);
        }
        return;
    }
    buf.put_slice(lead);
    if !fraction.is_empty() {
        buf.put_u8(b'.');
        buf.put_slice(fraction);
    }
    buf.put_slice(if exp < 0 { b"e-" } else { b"e+" });
    if exp.unsigned_abs() < 10 {
        buf.put_u8(b'0');
    }
    int_text(buf, exp.unsigned_abs());
}

/// A small text buffer on the stack, for formatting a number without allocating.
struct Stack {
    bytes: [u8; 48],
    len: usize,
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl Stack {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for Stack {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Appends `value` zero-padded to `width` digits (`value` has at most `width` digits).
fn padded(buf: &mut BytesMut, value: u32, width: usize) {
    let mut digits = [b'0'; 4];
    let mut rest = value;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    buf.put_slice(&digits[..width]);
}

/// An integer in decimal.
pub(crate) fn int_text(buf: &mut BytesMut, value: impl itoa::Integer) {
    buf.put_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// A decimal of `scale` (digits after the point; negative: zeros before it), as numeric
/// prints it: `-0.50`, `12`, `1200`.
pub(crate) fn decimal_text(buf: &mut BytesMut, value: i128, scale: i8) {
    if value < 0 {
        buf.put_u8(b'-');
    }
    let magnitude = value.unsigned_abs();
    let Ok(scale) = u32::try_from(scale) else {
        int_text(buf, magnitude);
        if magnitude != 0 {
            buf.put_bytes(b'0', usize::from(scale.unsigned_abs()));
        }
        return;
    };
    let unit = 10u128.pow(scale);
    int_text(buf, magnitude / unit);
    if scale > 0 {
        buf.put_u8(b'.');
        let mut itoa = itoa::Buffer::new();
        let fraction = itoa.format(magnitude % unit);
        buf.put_bytes(b'0', scale as usize - fraction.len());
        buf.put_slice(fraction.as_bytes());
    }
}

pub(crate) fn date_text(buf: &mut BytesMut, days: i32) {
    let (year, month, day) = civil(i64::from(days));
    if (1..=9999).contains(&year) {
        padded(buf, year as u32, 4);
        buf.put_u8(b'-');
        padded(buf, month, 2);
        buf.put_u8(b'-');
        padded(buf, day, 2);
    } else if year <= 0 {
        let _ = write!(Text(buf), "{:04}-{month:02}-{day:02} BC", 1 - year);
    } else {
        let _ = write!(Text(buf), "{year:04}-{month:02}-{day:02}");
    }
}

pub(crate) fn time_text(buf: &mut BytesMut, micros: i64) {
    let (secs, frac) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let _ = write!(
        Text(buf),
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac != 0 {
        let digits = format!("{frac:06}");
        let _ = write!(Text(buf), ".{}", digits.trim_end_matches('0'));
    }
}

/// A `timestamp` (without time zone) as PostgreSQL writes it.
pub(crate) fn timestamp_text(buf: &mut BytesMut, micros: i64) {
    let day = micros.div_euclid(86_400_000_000);
    date_text(buf, day as i32);
    buf.put_u8(b' ');
    time_text(buf, micros.rem_euclid(86_400_000_000));
}

/// A `timestamptz` shown at `offset` seconds from UTC: the local time, then the offset as
/// `+HH`, `+HH:MM` or `+HH:MM:SS`.
pub(crate) fn timestamptz_text(buf: &mut BytesMut, utc_micros: i64, offset: i32) {
    timestamp_text(
        buf,
        utc_micros.saturating_add(i64::from(offset) * 1_000_000),
    );
    buf.put_u8(if offset < 0 { b'-' } else { b'+' });
    let seconds = offset.unsigned_abs();
    padded(buf, seconds / 3600, 2);
    if !seconds.is_multiple_of(3600) {
        buf.put_u8(b':');
        padded(buf, seconds / 60 % 60, 2);
        if !seconds.is_multiple_of(60) {
            buf.put_u8(b':');
            padded(buf, seconds % 60, 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut BytesMut)) -> String {
        let mut buf = BytesMut::new();
        f(&mut buf);
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn dates_and_times_as_postgresql_writes_them() {
        assert_eq!(text(|b| date_text(b, 0)), "1970-01-01");
        assert_eq!(text(|b| date_text(b, 10_957 + 59)), "2000-02-29");
        assert_eq!(text(|b| date_text(b, -719_163)), "0001-12-31 BC");
        assert_eq!(
            text(|b| timestamptz_text(b, 1_500_000, 0)),
            "1970-01-01 00:00:01.5+00"
        );
        assert_eq!(
            text(|b| timestamp_text(b, -1)),
            "1969-12-31 23:59:59.999999"
        );
        assert_eq!(
            text(|b| timestamptz_text(b, 0, 19_800)),
            "1970-01-01 05:30:00+05:30"
        );
        assert_eq!(
            text(|b| timestamptz_text(b, 0, -3600)),
            "1969-12-31 23:00:00-01"
        );
        assert_eq!(text(|b| time_text(b, 3_723_000_001)), "01:02:03.000001");
        assert_eq!(text(|b| date_text(b, 2_932_896)), "9999-12-31");
        assert_eq!(text(|b| date_text(b, 2_932_897)), "10000-01-01");
    }

    #[test]
    fn decimals_as_numeric_prints_them() {
        assert_eq!(text(|b| decimal_text(b, -50, 2)), "-0.50");
        assert_eq!(text(|b| decimal_text(b, 123_456, 2)), "1234.56");
        assert_eq!(text(|b| decimal_text(b, 7, 3)), "0.007");
        assert_eq!(text(|b| decimal_text(b, 12, 0)), "12");
        assert_eq!(text(|b| decimal_text(b, 12, -2)), "1200");
        assert_eq!(text(|b| decimal_text(b, 0, -2)), "0");
        assert_eq!(
            text(|b| decimal_text(b, i128::MIN, 38)),
            "-1.70141183460469231731687303715884105728"
        );
        assert_eq!(text(|b| int_text(b, -42i64)), "-42");
    }

    #[test]
    fn floats_follow_extra_float_digits() {
        let f8 = |v: f64, extra: i32| text(|b| float8_text(b, v, FloatDigits::from_extra(extra)));
        let f4 = |v: f32, extra: i32| text(|b| float4_text(b, v, FloatDigits::from_extra(extra)));
        let sum = 0.1 + 0.2;
        assert_eq!(f8(sum, 1), "0.30000000000000004");
        assert_eq!(f8(sum, 3), "0.30000000000000004");
        assert_eq!(f8(sum, 0), "0.3");
        assert_eq!(f8(1.0 / 3.0, 0), "0.333333333333333");
        assert_eq!(f8(1.0 / 3.0, -5), "0.3333333333");
        assert_eq!(f8(2.0 / 3.0, -14), "0.7");
        assert_eq!(f8(2.0 / 3.0, -15), "0.7");
        assert_eq!(f8(123.456, -13), "1.2e+02");
        assert_eq!(f8(1e15, 1), "1e+15");
        assert_eq!(f8(123_456_789_012_345.0, 1), "123456789012345");
        assert_eq!(f8(1e15, 0), "1e+15");
        assert_eq!(f8(1.5e-7, 1), "1.5e-07");
        assert_eq!(f8(0.0001, 0), "0.0001");
        assert_eq!(f8(1.0e100, 0), "1e+100");
        assert_eq!(f8(-2.5, 0), "-2.5");
        assert_eq!(f8(-0.0, 1), "-0");
        assert_eq!(f8(0.0, 0), "0");
        assert_eq!(f8(100.0, 1), "100");
        assert_eq!(f8(f64::NAN, 0), "NaN");
        assert_eq!(f8(f64::NEG_INFINITY, -3), "-Infinity");
        assert_eq!(f8(f64::INFINITY, 1), "Infinity");
        assert_eq!(f4(0.1, 1), "0.1");
        assert_eq!(f4(0.1, 3), "0.1");
        assert_eq!(f4(1.0 / 3.0, 1), "0.33333334");
        assert_eq!(f4(1.0 / 3.0, 0), "0.333333");
        assert_eq!(f4(1.0 / 3.0, -4), "0.33");
        assert_eq!(f4(1e6, 1), "1e+06");
        assert_eq!(f4(123_456.0, 1), "123456");
        assert_eq!(f4(1_234_567.0, 0), "1.23457e+06");
        assert_eq!(f4(f32::INFINITY, 0), "Infinity");
    }

    #[test]
    fn array_elements_are_quoted_when_needed() {
        let mut cell = BytesMut::new();
        cell.put_i32(5);
        cell.put_slice(b"a \"b");
        assert_eq!(text(|b| array_element_text(b, &cell)), "\"a \\\"b\"");
    }
}
