//! The session's `TimeZone`: which names it accepts, and the UTC offset that `timestamptz`
//! text is shown in. DataFusion gets the same zone (`datafusion.execution.time_zone`), so
//! `now()` and `'...'::timestamptz` without an offset mean local time in it.

use std::str::FromStr;

use chrono::{DateTime, Offset, TimeZone};
use datafusion::arrow::array::timezone::Tz;

use crate::error::{Error, Result};

/// Spellings of UTC that PostgreSQL accepts; all are reported as `UTC`.
const UTC_NAMES: &[&str] = &[
    "UTC",
    "ETC/UTC",
    "GMT",
    "ETC/GMT",
    "Z",
    "ZULU",
    "UCT",
    "UNIVERSAL",
];

/// The canonical name of a `TimeZone` value: `UTC` for its spellings (and `LOCAL`/`DEFAULT`,
/// the server's zone), else an IANA zone name such as `Europe/Berlin`. Numeric offsets are
/// refused: PostgreSQL reads `'+02'` as a POSIX zone two hours *west* of UTC, which would
/// silently shift every timestamp the other way.
pub fn canonical(value: &str) -> Result<String> {
    let value = value.trim();
    let upper = value.to_ascii_uppercase();
    if UTC_NAMES.contains(&upper.as_str()) || upper == "LOCAL" || upper == "DEFAULT" {
        return Ok("UTC".into());
    }
    if posix_offset(value).is_some() {
        return Ok(upper);
    }
    if value.starts_with(['+', '-']) || value.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::InvalidValue(format!(
            "TimeZone {value}: numeric offsets are not accepted (PostgreSQL reads them as POSIX \
             zones, west of UTC); use a zone name such as 'Europe/Berlin', or 'Etc/GMT-2' for \
             a fixed UTC+2"
        )));
    }
    Tz::from_str(value).map(|_| value.to_string()).map_err(|_| {
        Error::InvalidValue(format!(
            "invalid value for parameter \"TimeZone\": \"{value}\"; use UTC or an IANA zone \
             name, spelled with its capitals (Europe/Berlin, America/New_York)"
        ))
    })
}

/// The zone DataFusion is given for a [`canonical`] name: the name itself, or the fixed
/// offset of a POSIX-style `GMT-02:00` (`+02:00`).
pub fn engine_zone(name: &str) -> String {
    match posix_offset(name) {
        Some(seconds) => {
            let sign = if seconds < 0 { '-' } else { '+' };
            let minutes = seconds.unsigned_abs() / 60;
            format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        }
        None => name.to_string(),
    }
}

/// The UTC offset (seconds, east positive) of a POSIX-style zone `UTC±h[:mm]` / `GMT±h[:mm]`,
/// whose sign is inverted (`GMT-02:00` is two hours east of UTC); pgjdbc sends a JVM zone of
/// `GMT+02:00` this way.
fn posix_offset(value: &str) -> Option<i32> {
    let upper = value.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("GMT")
        .or_else(|| upper.strip_prefix("UTC"))?;
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (-1, &rest[1..]),
        b'-' => (1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 15 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// The zone `timestamptz` values are shown in, resolved once per result.
#[derive(Debug, Clone, Default)]
pub struct ShownZone(Option<Tz>);

impl ShownZone {
    /// The zone named `name` (a [`canonical`] name or DataFusion's time zone setting); UTC
    /// when it is UTC or absent.
    pub fn named(name: Option<&str>) -> Result<ShownZone> {
        match name {
            None => Ok(ShownZone(None)),
            Some(name) if canonical(name).is_ok_and(|n| n == "UTC") || name == "+00:00" => {
                Ok(ShownZone(None))
            }
            Some(name) => Tz::from_str(name)
                .map(|zone| ShownZone(Some(zone)))
                .map_err(|e| Error::InvalidValue(format!("time zone {name}: {e}"))),
        }
    }

    /// The zone's offset from UTC, in seconds, at the instant `utc_micros`.
    pub fn offset_seconds(&self, utc_micros: i64) -> i32 {
        let Some(zone) = &self.0 else {
            return 0;
        };
        DateTime::from_timestamp_micros(utc_micros)
            .map(|instant| {
                zone.offset_from_utc_datetime(&instant.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
            // beyond chrono's range (±262,000 years) there are no zone rules: UTC
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_canonical() {
        assert_eq!(canonical("utc").unwrap(), "UTC");
        assert_eq!(canonical("Etc/UTC").unwrap(), "UTC");
        assert_eq!(canonical("Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(canonical("Mars/Olympus").is_err());
        assert!(canonical("+02:00").is_err());
        // POSIX style, as pgjdbc sends a JVM zone of GMT+02:00: the sign is inverted
        assert_eq!(canonical("GMT-02:00").unwrap(), "GMT-02:00");
        assert_eq!(engine_zone("GMT-02:00"), "+02:00");
        assert_eq!(engine_zone("UTC+5:30"), "-05:30");
        assert_eq!(engine_zone("Europe/Berlin"), "Europe/Berlin");
        assert!(canonical("GMT+99").is_err());
    }

    #[test]
    fn offsets_follow_daylight_saving() {
        let berlin = ShownZone::named(Some("Europe/Berlin")).unwrap();
        // 2024-01-15 and 2024-07-15, 12:00 UTC
        assert_eq!(berlin.offset_seconds(1_705_320_000_000_000), 3600);
        assert_eq!(berlin.offset_seconds(1_721_044_800_000_000), 7200);
        let kolkata = ShownZone::named(Some("Asia/Kolkata")).unwrap();
        assert_eq!(kolkata.offset_seconds(0), 19_800);
        assert_eq!(ShownZone::named(None).unwrap().offset_seconds(0), 0);
    }
}
