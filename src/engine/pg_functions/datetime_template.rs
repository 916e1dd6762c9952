//! PostgreSQL's date/time template patterns for `to_char` (formatting.c's DCH keywords):
//! every keyword PostgreSQL knows is formatted as PostgreSQL does, with the FM and TM
//! prefixes and the TH/th and SP suffixes; text that is no keyword is copied, `"quoted"`
//! text verbatim.

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::error::Error;

/// A moment to format: its local date and time, and its zone when it has one.
pub struct Moment {
    /// Local date and time.
    pub local: NaiveDateTime,
    /// Offset from UTC in seconds, and the zone's abbreviation, for `timestamptz`.
    pub zone: Option<(i32, String)>,
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    Field {
        keyword: &'static str,
        fill: bool,
        ordinal: Option<bool>,
    },
}

/// PostgreSQL's keywords, longest first among those sharing a prefix (first match wins).
const KEYWORDS: &[&str] = &[
    "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D",
    "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "FX", "HH24", "HH12", "HH", "IDDD", "ID", "IW",
    "IYYY", "IYY", "IY", "I", "J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF", "P.M.",
    "PM", "Q", "RM", "SSSSS", "SSSS", "SS", "TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY",
    "YYY", "YY", "Y", "a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy",
    "d", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "fx", "hh24", "hh12", "hh", "iddd", "id", "iw",
    "iyyy", "iyy", "iy", "i", "j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm", "q", "rm",
    "sssss", "ssss", "ss", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

fn parse(template: &str) -> Result<Vec<Piece>, Error> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut literal = String::new();
    while !rest.is_empty() {
        let mut fill = false;
        let mut prefixed = rest;
        loop {
            if let Some(r) = prefixed
                .strip_prefix("FM")
                .or_else(|| prefixed.strip_prefix("fm"))
            {
                fill = true;
                prefixed = r;
            } else if let Some(r) = prefixed
                .strip_prefix("TM")
                .or_else(|| prefixed.strip_prefix("tm"))
            {
                prefixed = r;
            } else {
                break;
            }
        }
        if let Some(keyword) = KEYWORDS.iter().find(|k| prefixed.starts_with(**k)) {
            let mut after = &prefixed[keyword.len()..];
            let mut ordinal = None;
            if let Some(r) = after.strip_prefix("TH") {
                ordinal = Some(true);
                after = r;
            } else if let Some(r) = after.strip_prefix("th") {
                ordinal = Some(false);
                after = r;
            }
            // PostgreSQL accepts the SP (spell mode) suffix and ignores it
            if let Some(r) = after
                .strip_prefix("SP")
                .or_else(|| after.strip_prefix("sp"))
            {
                after = r;
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Field {
                keyword,
                fill,
                ordinal,
            });
            rest = after;
            continue;
        }
        if prefixed.len() != rest.len() {
            // a lone FM or TM: PostgreSQL drops it
            rest = prefixed;
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        match c {
            '"' => {
                let mut escaped = false;
                for q in chars.by_ref() {
                    match (escaped, q) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        (_, q) => {
                            literal.push(q);
                            escaped = false;
                        }
                    }
                }
            }
            '\\' if chars.as_str().starts_with('"') => {
                literal.push('"');
                chars.next();
            }
            c => literal.push(c),
        }
        rest = chars.as_str();
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// `to_char(moment, template)`.
pub fn format_moment(moment: &Moment, template: &str) -> Result<String, Error> {
    let mut out = String::new();
    for piece in parse(template)? {
        match piece {
            Piece::Literal(text) => out.push_str(&text),
            Piece::Field {
                keyword,
                fill,
                ordinal,
            } => {
                let (text, number) = field(moment, keyword, fill);
                out.push_str(&text);
                if let (Some(upper), Some(n)) = (ordinal, number) {
                    out.push_str(&suffix(n, upper));
                }
            }
        }
    }
    Ok(out)
}

fn suffix(n: i64, upper: bool) -> String {
    let s = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    if upper {
        s.to_uppercase()
    } else {
        s.to_string()
    }
}

/// A zero-padded number (unpadded in fill mode), and the number for a TH suffix.
fn padded(n: i64, width: usize, fill: bool) -> (String, Option<i64>) {
    let text = if fill {
        n.to_string()
    } else if n < 0 {
        format!("-{:0width$}", -n, width = width.saturating_sub(1))
    } else {
        format!("{n:0width$}")
    };
    (text, Some(n))
}

/// A name in the keyword's case, blank-padded to `width` unless in fill mode.
fn name(name: &str, keyword: &str, width: usize, fill: bool) -> (String, Option<i64>) {
    let mut chars = keyword.chars();
    let first_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let second_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let text = match (first_upper, second_upper) {
        (true, true) => name.to_uppercase(),
        (true, false) => name.to_string(),
        _ => name.to_lowercase(),
    };
    if fill {
        (text, None)
    } else {
        (format!("{text:width$}"), None)
    }
}

fn marker(keyword: &str, first: &str, second: &str, use_second: bool) -> (String, Option<i64>) {
    let chosen = if use_second { second } else { first };
    let dotted = keyword.contains('.');
    let text = if dotted {
        let mut s = String::new();
        for c in chosen.chars() {
            s.push(c);
            s.push('.');
        }
        s
    } else {
        chosen.to_string()
    };
    let lower = keyword
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    (if lower { text.to_lowercase() } else { text }, None)
}

fn field(moment: &Moment, keyword: &'static str, fill: bool) -> (String, Option<i64>) {
    let t = &moment.local;
    let year = i64::from(t.year());
    // PostgreSQL numbers the years before 1 AD as 1 BC, 2 BC, ...
    let shown_year = if year <= 0 { 1 - year } else { year };
    let iso = t.iso_week();
    let iso_year = i64::from(iso.year());
    let hour = i64::from(t.hour());
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let micros = i64::from(t.nanosecond() / 1000);
    let (offset, abbreviation) = match &moment.zone {
        Some((offset, abbreviation)) => (*offset, abbreviation.as_str()),
        None => (0, ""),
    };
    match keyword {
        "YYYY" | "yyyy" => padded(shown_year, 4, fill),
        "Y,YYY" | "y,yyy" => (
            format!("{},{:03}", shown_year / 1000, shown_year % 1000),
            Some(shown_year),
        ),
        "YYY" | "yyy" => padded(shown_year % 1000, 3, fill),
        "YY" | "yy" => padded(shown_year % 100, 2, fill),
        "Y" | "y" => padded(shown_year % 10, 1, fill),
        "IYYY" | "iyyy" => padded(iso_year, 4, fill),
        "IYY" | "iyy" => padded(iso_year % 1000, 3, fill),
        "IY" | "iy" => padded(iso_year % 100, 2, fill),
        "I" | "i" => padded(iso_year % 10, 1, fill),
        "CC" | "cc" => {
            let century = if year > 0 {
                (year + 99) / 100
            } else {
                -((99 - year) / 100)
            };
            padded(century, 2, fill)
        }
        "Q" | "q" => padded(i64::from(t.month0() / 3 + 1), 1, true),
        "MM" | "mm" => padded(i64::from(t.month()), 2, fill),
        "MONTH" | "Month" | "month" => name(MONTHS[t.month0() as usize], keyword, 9, fill),
        "MON" | "Mon" | "mon" => name(&MONTHS[t.month0() as usize][..3], keyword, 3, true),
        "RM" | "rm" => {
            let roman = ROMAN[t.month0() as usize];
            let roman = if keyword == "rm" {
                roman.to_lowercase()
            } else {
                roman.to_string()
            };
            if fill {
                (roman, None)
            } else {
                (format!("{roman:4}"), None)
            }
        }
        "DAY" | "Day" | "day" => name(
            DAYS[t.weekday().num_days_from_sunday() as usize],
            keyword,
            9,
            fill,
        ),
        "DY" | "Dy" | "dy" => name(
            &DAYS[t.weekday().num_days_from_sunday() as usize][..3],
            keyword,
            3,
            true,
        ),
        "DDD" | "ddd" => padded(i64::from(t.ordinal()), 3, fill),
        "DD" | "dd" => padded(i64::from(t.day()), 2, fill),
        "D" | "d" => padded(i64::from(t.weekday().num_days_from_sunday() + 1), 1, true),
        "ID" | "id" => padded(i64::from(t.weekday().number_from_monday()), 1, true),
        "IDDD" | "iddd" => padded(
            i64::from((iso.week() - 1) * 7 + t.weekday().number_from_monday()),
            3,
            fill,
        ),
        "W" | "w" => padded(i64::from((t.day() - 1) / 7 + 1), 1, true),
        "WW" | "ww" => padded(i64::from((t.ordinal() - 1) / 7 + 1), 2, fill),
        "IW" | "iw" => padded(i64::from(iso.week()), 2, fill),
        "J" | "j" => padded(i64::from(t.date().num_days_from_ce()) + 1_721_425, 1, true),
        "HH" | "hh" | "HH12" | "hh12" => padded(hour12, 2, fill),
        "HH24" | "hh24" => padded(hour, 2, fill),
        "MI" | "mi" => padded(i64::from(t.minute()), 2, fill),
        "SS" | "ss" => padded(i64::from(t.second()), 2, fill),
        "MS" | "ms" => padded(micros / 1000, 3, fill),
        "US" | "us" => padded(micros, 6, fill),
        "FF1" | "ff1" => padded(micros / 100_000, 1, fill),
        "FF2" | "ff2" => padded(micros / 10_000, 2, fill),
        "FF3" | "ff3" => padded(micros / 1000, 3, fill),
        "FF4" | "ff4" => padded(micros / 100, 4, fill),
        "FF5" | "ff5" => padded(micros / 10, 5, fill),
        "FF6" | "ff6" => padded(micros, 6, fill),
        "SSSS" | "ssss" | "SSSSS" | "sssss" => {
            padded(i64::from(t.num_seconds_from_midnight()), 1, true)
        }
        "AM" | "am" | "PM" | "pm" | "A.M." | "a.m." | "P.M." | "p.m." => {
            marker(keyword, "AM", "PM", hour >= 12)
        }
        "AD" | "ad" | "BC" | "bc" | "A.D." | "a.d." | "B.C." | "b.c." => {
            marker(keyword, "AD", "BC", year <= 0)
        }
        "TZ" => (abbreviation.to_uppercase(), None),
        "tz" => (abbreviation.to_lowercase(), None),
        "TZH" => (format!("{}{:02}", sign(offset), offset.abs() / 3600), None),
        "TZM" => (format!("{:02}", offset.abs() / 60 % 60), None),
        "OF" | "of" => {
            let minutes = offset.abs() / 60 % 60;
            let hours = format!("{}{:02}", sign(offset), offset.abs() / 3600);
            if minutes == 0 {
                (hours, None)
            } else {
                (format!("{hours}:{minutes:02}"), None)
            }
        }
        // FX only matters when parsing
        _ => (String::new(), None),
    }
}

fn sign(offset: i32) -> char {
    if offset < 0 { '-' } else { '+' }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Moment {
        Moment {
            local: NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .unwrap_or_else(|e| panic!("{text}: {e}")),
            zone: None,
        }
    }

    fn formatted(text: &str, template: &str) -> String {
        format_moment(&at(text), template).unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    // every expectation below is what PostgreSQL 15 answers
    #[test]
    fn dates_as_postgresql_formats_them() {
        let d = "1995-03-05 14:07:09.5";
        assert_eq!(formatted(d, "YYYY-MM"), "1995-03");
        assert_eq!(formatted(d, "DD/MM/YYYY"), "05/03/1995");
        assert_eq!(formatted(d, "Mon DD, YYYY"), "Mar 05, 1995");
        assert_eq!(formatted(d, "FMMonth"), "March");
        assert_eq!(formatted(d, "Month|"), "March    |");
        assert_eq!(formatted(d, "Dy DAY day"), "Sun SUNDAY    sunday   ");
        assert_eq!(formatted(d, "YYYY\"Q\"Q"), "1995Q1");
        assert_eq!(formatted(d, "IYYY-IW"), "1995-09");
        assert_eq!(formatted(d, "HH12:MI AM"), "02:07 PM");
        assert_eq!(formatted(d, "DDD \"day\" J"), "064 day 2449782");
        assert_eq!(formatted(d, "FMDDth FMMMth"), "5th 3rd");
        assert_eq!(
            formatted(d, "YYYY-MM-DD HH24:MI:SS.MS US"),
            "1995-03-05 14:07:09.500 500000"
        );
        assert_eq!(formatted(d, "RM rm"), "III  iii ");
        assert_eq!(formatted(d, "\"YYYY\\\"\" YYYY"), "YYYY\" 1995");
    }

    #[test]
    fn spell_mode_is_ignored() {
        assert_eq!(formatted("1995-03-05 00:00:00", "DDSP"), "05");
    }
}
