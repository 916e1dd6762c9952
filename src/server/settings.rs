//! Client session settings (`SET`/`SHOW`/`RESET` of the PostgreSQL parameters that drivers
//! send). They live in the connection; what one session sets never reaches another.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::server::text::FloatDigits;
use crate::server::time_zone;

/// Settings with their defaults, by canonical (lower-case) name. Names a client spells in any
/// case map here; the display name is what `SHOW` reports as the column name.
const KNOWN: &[(&str, &str, &str)] = &[
    ("application_name", "application_name", ""),
    ("block_size", "block_size", "8192"),
    ("bytea_output", "bytea_output", "hex"),
    ("client_encoding", "client_encoding", "UTF8"),
    ("client_min_messages", "client_min_messages", "notice"),
    ("datestyle", "DateStyle", "ISO, MDY"),
    (
        "default_transaction_isolation",
        "default_transaction_isolation",
        "read committed",
    ),
    (
        "default_transaction_read_only",
        "default_transaction_read_only",
        "on",
    ),
    ("extra_float_digits", "extra_float_digits", "1"),
    (
        "idle_in_transaction_session_timeout",
        "idle_in_transaction_session_timeout",
        "0",
    ),
    ("integer_datetimes", "integer_datetimes", "on"),
    ("intervalstyle", "IntervalStyle", "postgres"),
    ("lock_timeout", "lock_timeout", "0"),
    ("max_identifier_length", "max_identifier_length", "63"),
    ("max_index_keys", "max_index_keys", "32"),
    ("search_path", "search_path", "public"),
    ("server_encoding", "server_encoding", "UTF8"),
    ("server_version", "server_version", "17.0"),
    ("server_version_num", "server_version_num", "170000"),
    (
        "standard_conforming_strings",
        "standard_conforming_strings",
        "on",
    ),
    ("statement_timeout", "statement_timeout", "0"),
    ("timezone", "TimeZone", "UTC"),
    (
        "transaction_isolation",
        "transaction_isolation",
        "read committed",
    ),
    ("transaction_read_only", "transaction_read_only", "on"),
];

/// Settings that clients may read but not change.
const READ_ONLY: &[&str] = &[
    "block_size",
    "integer_datetimes",
    "max_identifier_length",
    "max_index_keys",
    "server_encoding",
    "server_version",
    "server_version_num",
    "standard_conforming_strings",
];

/// The settings no session can change, with their values (what `pg_settings` lists).
pub fn read_only() -> impl Iterator<Item = (&'static str, &'static str)> {
    KNOWN
        .iter()
        .filter(|(key, _, _)| READ_ONLY.contains(key))
        .map(|(key, _, value)| (*key, *value))
}

/// Settings PostgreSQL reports to the client (ParameterStatus) when they change.
pub const REPORTED: &[&str] = &[
    "application_name",
    "client_encoding",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
];

/// Startup packet parameters that are not settings.
const NOT_SETTINGS: &[&str] = &["user", "database", "options", "replication"];

/// One session's client settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: BTreeMap<&'static str, String>,
}

/// The canonical entry for `name`, if meshgate knows it.
pub fn known(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let lower = name.to_ascii_lowercase();
    let lower = if lower == "time zone" {
        "timezone".into()
    } else {
        lower
    };
    KNOWN.iter().copied().find(|(key, _, _)| *key == lower)
}

impl Settings {
    /// Sets `name` to `value` after checking it; returns the display name for a
    /// `ParameterStatus` report.
    pub fn set(&mut self, name: &str, value: &str) -> Result<&'static str> {
        let (key, display, _) = known(name).ok_or_else(|| Error::UnknownSetting(name.into()))?;
        if READ_ONLY.contains(&key) {
            return Err(Error::InvalidValue(format!(
                "parameter \"{display}\" cannot be changed"
            )));
        }
        let value = validate(key, value)?;
        self.values.insert(key, value);
        Ok(display)
    }

    /// The settings a client asks for at login: startup packet parameters that name a
    /// setting (pgjdbc sends `TimeZone`, `DateStyle`, `extra_float_digits`), and `-c
    /// name=value` / `--name=value` in `options` (libpq's `PGOPTIONS`). A bad value refuses
    /// the login (22023), as in PostgreSQL; parameters meshgate does not know are ignored
    /// with a log line, so a driver's extras do not lock it out.
    pub fn from_startup<'a>(
        parameters: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Result<Settings> {
        let mut settings = Settings::default();
        let mut requested: Vec<(String, String)> = Vec::new();
        let mut options = Vec::new();
        for (name, value) in parameters {
            if name == "options" {
                options = command_line_options(value)?;
            } else if !NOT_SETTINGS.contains(&name.as_str()) && !name.starts_with("_pq_.") {
                requested.push((name.clone(), value.clone()));
            }
        }
        // `-c` options win over plain parameters, as in PostgreSQL
        requested.extend(options);
        for (name, value) in requested {
            match known(&name) {
                Some((key, _, _)) if !READ_ONLY.contains(&key) => {
                    settings.set(&name, &value)?;
                }
                _ => tracing::info!(parameter = name, "startup parameter ignored"),
            }
        }
        Ok(settings)
    }

    /// Resets `name` to its default.
    pub fn reset(&mut self, name: &str) -> Result<&'static str> {
        let (key, display, _) = known(name).ok_or_else(|| Error::UnknownSetting(name.into()))?;
        self.values.remove(key);
        Ok(display)
    }

    /// Resets everything (`RESET ALL`, `DISCARD ALL`).
    pub fn reset_all(&mut self) {
        self.values.clear();
    }

    /// The current value of `name`.
    pub fn get(&self, name: &str) -> Result<(&'static str, String)> {
        let (key, display, default) =
            known(name).ok_or_else(|| Error::UnknownSetting(name.into()))?;
        let value = self.values.get(key).cloned();
        Ok((display, value.unwrap_or_else(|| default.to_string())))
    }

    /// Every setting, by display name (`SHOW ALL`).
    pub fn all(&self) -> Vec<(&'static str, String)> {
        KNOWN
            .iter()
            .map(|(key, display, default)| {
                let value = self.values.get(key).cloned();
                (*display, value.unwrap_or_else(|| default.to_string()))
            })
            .collect()
    }

    /// How floats print in text, from `extra_float_digits` (stored validated, -15 to 3).
    pub fn float_digits(&self) -> FloatDigits {
        let extra = self.values.get("extra_float_digits");
        let extra = extra.and_then(|text| text.parse().ok()).unwrap_or(1);
        FloatDigits::from_extra(extra)
    }

    /// `statement_timeout`, if one is set.
    pub fn statement_timeout(&self) -> Option<Duration> {
        let text = self.values.get("statement_timeout")?;
        parse_duration(text).ok().filter(|d| !d.is_zero())
    }
}

/// Checks a value and returns it in the form `SHOW` reports.
fn validate(key: &str, value: &str) -> Result<String> {
    match key {
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            let duration = parse_duration(value)?;
            Ok(format!("{}ms", duration.as_millis()))
        }
        "client_encoding" => match encoding_key(value).as_str() {
            "utf8" | "unicode" => Ok("UTF8".into()),
            _ => Err(Error::Unsupported(format!(
                "client_encoding \"{value}\" is not supported; meshgate speaks UTF8 only \
                 (set client_encoding to UTF8)"
            ))),
        },
        "datestyle" if !value.to_ascii_uppercase().contains("ISO") => Err(Error::Unsupported(
            format!("DateStyle {value} is not supported; meshgate writes ISO dates"),
        )),
        "datestyle" => Ok("ISO, MDY".into()),
        "extra_float_digits" => match value.parse::<i32>() {
            Ok(digits) if (-15..=3).contains(&digits) => Ok(digits.to_string()),
            _ => Err(Error::InvalidValue(format!(
                "extra_float_digits must be an integer from -15 to 3, not {value}"
            ))),
        },
        "timezone" => time_zone::canonical(value),
        _ => Ok(value.to_string()),
    }
}

/// An encoding name as PostgreSQL compares them: without the characters that are not
/// letters or digits, in lower case (`'utf-8'` with its quotes, `UTF8`, `Utf_8` are one name).
fn encoding_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `name=value` pairs of a startup `options` string: `-c name=value`, `-cname=value` or
/// `--name=value`, separated by spaces (`\ ` is a space inside a value).
fn command_line_options(options: &str) -> Result<Vec<(String, String)>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                words.extend((!word.is_empty()).then(|| std::mem::take(&mut word)))
            }
            c => word.push(c),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    let bad = |word: &str| {
        Error::InvalidValue(format!(
            "startup options: cannot read \"{word}\"; write -c name=value (PGOPTIONS=\"-c statement_timeout=5s\")"
        ))
    };
    let mut pairs = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let assignment = match word.as_str() {
            "-c" => words.next().ok_or_else(|| bad(&word))?,
            _ => match word.strip_prefix("--").or_else(|| word.strip_prefix("-c")) {
                Some(rest) => rest.to_string(),
                None => return Err(bad(&word)),
            },
        };
        let (name, value) = assignment.split_once('=').ok_or_else(|| bad(&assignment))?;
        pairs.push((name.replace('-', "_"), value.to_string()));
    }
    Ok(pairs)
}

/// A PostgreSQL duration: a number of milliseconds, or a number with a unit (`us`, `ms`,
/// `s`, `min`, `h`, `d`).
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || {
        Error::InvalidValue(format!(
            "invalid duration \"{text}\"; write milliseconds or a number with a unit: 500ms, 5s, 1min"
        ))
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    let millis = match unit.trim() {
        "" | "ms" => number,
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "min" => number * 60_000.0,
        "h" => number * 3_600_000.0,
        "d" => number * 86_400_000.0,
        _ => return Err(bad()),
    };
    if !millis.is_finite() || millis < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_micros((millis * 1000.0) as u64))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1500").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1min").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn startup_parameters_and_options() {
        let parameters: HashMap<String, String> = [
            ("user", "analyst"),
            ("database", "mesh"),
            ("TimeZone", "Europe/Berlin"),
            ("extra_float_digits", "3"),
            ("geqo", "on"),
            (
                "options",
                "-c statement_timeout=5s --application-name=my\\ app",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let settings = Settings::from_startup(&parameters).unwrap();
        assert_eq!(settings.get("TimeZone").unwrap().1, "Europe/Berlin");
        assert_eq!(settings.get("extra_float_digits").unwrap().1, "3");
        assert_eq!(settings.statement_timeout(), Some(Duration::from_secs(5)));
        assert_eq!(settings.get("application_name").unwrap().1, "my app");
        let bad_zone: HashMap<String, String> =
            [("TimeZone".to_string(), "Nowhere/Land".to_string())].into();
        assert!(Settings::from_startup(&bad_zone).is_err());
        let bad_options: HashMap<String, String> =
            [("options".to_string(), "statement_timeout=5s".to_string())].into();
        assert!(Settings::from_startup(&bad_options).is_err());
    }

    #[test]
    fn set_show_reset() {
        let mut settings = Settings::default();
        assert_eq!(
            settings.set("Statement_Timeout", "2s").unwrap(),
            "statement_timeout"
        );
        assert_eq!(settings.statement_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(settings.get("statement_timeout").unwrap().1, "2000ms");
        settings.reset("statement_timeout").unwrap();
        assert_eq!(settings.statement_timeout(), None);
        assert!(settings.set("no_such_thing", "1").is_err());
        assert!(settings.set("server_version", "9").is_err());
        assert!(settings.set("DateStyle", "German").is_err());
        assert_eq!(settings.float_digits(), FloatDigits::Shortest);
        settings.set("extra_float_digits", "0").unwrap();
        assert_eq!(settings.float_digits(), FloatDigits::Rounded(0));
        settings.set("extra_float_digits", "3").unwrap();
        assert_eq!(settings.float_digits(), FloatDigits::Shortest);
        assert!(settings.set("extra_float_digits", "-16").is_err());
    }

    #[test]
    fn client_encoding_names_compare_as_in_postgresql() {
        let mut settings = Settings::default();
        // asyncpg sends the quotes; PostgreSQL ignores them, case and punctuation
        for name in ["'utf-8'", "UTF8", "utf_8", "Unicode"] {
            settings.set("client_encoding", name).unwrap();
            assert_eq!(settings.get("client_encoding").unwrap().1, "UTF8", "{name}");
        }
        for name in ["LATIN1", "'win-1252'", "SQL_ASCII", "utf-16"] {
            let error = settings.set("client_encoding", name).unwrap_err();
            assert_eq!(error.sqlstate(), "0A000", "{name}");
            assert!(error.to_string().contains("UTF8"), "{error}");
        }
        let startup: HashMap<String, String> =
            [("client_encoding".to_string(), "'utf-8'".to_string())].into();
        let settings = Settings::from_startup(&startup).unwrap();
        assert_eq!(settings.get("client_encoding").unwrap().1, "UTF8");
    }
}
