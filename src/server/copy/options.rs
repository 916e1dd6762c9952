//! COPY options, checked as PostgreSQL checks them (`ProcessCopyOptions`): the same
//! defaults, the same refusals and SQLSTATEs, for COPY TO.

use crate::error::{Error, Result};

/// The data format of a COPY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// Tab-separated text with backslash escapes (the default).
    Text,
    /// Comma-separated values with quoting.
    Csv,
    /// PostgreSQL's binary COPY format.
    Binary,
}

/// Which columns CSV output always quotes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ForceQuote {
    /// None beyond those that need it.
    #[default]
    None,
    /// Every non-NULL value (`FORCE_QUOTE *`).
    All,
    /// The named columns.
    Columns(Vec<String>),
}

/// The value given to one option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionArg {
    /// No value (`HEADER`).
    None,
    /// A string, word or number.
    Text(String),
    /// `*`.
    Star,
    /// A parenthesized list of column names.
    List(Vec<String>),
}

/// The options of a `COPY ... TO STDOUT`, defaults applied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// The format.
    pub format: CopyFormat,
    /// The field separator (text and CSV).
    pub delimiter: u8,
    /// How NULL is written (text and CSV).
    pub null: String,
    /// Whether a line of column names comes first (text and CSV).
    pub header: bool,
    /// The CSV quote character.
    pub quote: u8,
    /// The CSV character that escapes a quote or itself inside a quoted value.
    pub escape: u8,
    /// Columns quoted even when they need not be (CSV).
    pub force_quote: ForceQuote,
}

/// Options as given, before defaults.
#[derive(Default)]
struct Given {
    format: Option<CopyFormat>,
    delimiter: Option<String>,
    null: Option<String>,
    header: Option<bool>,
    quote: Option<String>,
    escape: Option<String>,
    force_quote: Option<ForceQuote>,
    freeze: Option<bool>,
    encoding: Option<String>,
}

fn set<T>(slot: &mut Option<T>, value: T) -> Result<()> {
    match slot.replace(value) {
        Some(_) => Err(Error::Syntax("conflicting or redundant options".into())),
        None => Ok(()),
    }
}

fn string(name: &str, arg: OptionArg) -> Result<String> {
    match arg {
        OptionArg::Text(text) => Ok(text),
        _ => Err(Error::Syntax(format!("{name} requires a parameter"))),
    }
}

fn boolean(name: &str, arg: OptionArg) -> Result<bool> {
    let text = match arg {
        OptionArg::None => return Ok(true),
        OptionArg::Text(text) => text.to_ascii_lowercase(),
        _ => String::new(),
    };
    match text.as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Ok(false),
        "match" if name == "header" => Err(Error::Unsupported(
            "cannot use \"match\" with HEADER in COPY TO".into(),
        )),
        _ => Err(Error::Syntax(format!("{name} requires a Boolean value"))),
    }
}

fn one_byte(value: &str, what: &str) -> Result<u8> {
    match value.as_bytes() {
        [byte] => Ok(*byte),
        _ => Err(Error::Unsupported(format!(
            "COPY {what} must be a single one-byte character"
        ))),
    }
}

impl CopyOptions {
    /// Checks `options` (lower-case names with their values, in the order given) for a
    /// COPY TO and applies PostgreSQL's defaults.
    pub fn new(options: Vec<(String, OptionArg)>) -> Result<CopyOptions> {
        let mut given = Given::default();
        for (name, arg) in options {
            match name.as_str() {
                "format" => {
                    let format = match string(&name, arg)?.to_ascii_lowercase().as_str() {
                        "text" => CopyFormat::Text,
                        "csv" => CopyFormat::Csv,
                        "binary" => CopyFormat::Binary,
                        other => {
                            return Err(Error::InvalidValue(format!(
                                "COPY format \"{other}\" not recognized"
                            )));
                        }
                    };
                    set(&mut given.format, format)?;
                }
                "delimiter" => set(&mut given.delimiter, string(&name, arg)?)?,
                "null" => set(&mut given.null, string(&name, arg)?)?,
                "header" => set(&mut given.header, boolean(&name, arg)?)?,
                "quote" => set(&mut given.quote, string(&name, arg)?)?,
                "escape" => set(&mut given.escape, string(&name, arg)?)?,
                "force_quote" => {
                    let force = match arg {
                        OptionArg::Star => ForceQuote::All,
                        OptionArg::List(columns) => ForceQuote::Columns(columns),
                        _ => {
                            return Err(Error::InvalidValue(format!(
                                "argument to option \"{name}\" must be a list of column names"
                            )));
                        }
                    };
                    set(&mut given.force_quote, force)?;
                }
                "freeze" => set(&mut given.freeze, boolean(&name, arg)?)?,
                "encoding" => set(&mut given.encoding, string(&name, arg)?)?,
                "force_not_null" | "force_null" | "default" | "on_error" | "reject_limit" => {
                    return Err(Error::Unsupported(format!(
                        "COPY {} cannot be used with COPY TO",
                        name.to_ascii_uppercase()
                    )));
                }
                _ => return Err(Error::Syntax(format!("option \"{name}\" not recognized"))),
            }
        }
        given.finish()
    }
}

impl Given {
    fn finish(self) -> Result<CopyOptions> {
        let format = self.format.unwrap_or(CopyFormat::Text);
        let csv = format == CopyFormat::Csv;
        if self.freeze == Some(true) {
            return Err(Error::Unsupported(
                "COPY FREEZE cannot be used with COPY TO".into(),
            ));
        }
        if let Some(encoding) = &self.encoding {
            let name = encoding.to_ascii_lowercase().replace(['-', '_'], "");
            if !matches!(name.as_str(), "utf8" | "unicode") {
                return Err(Error::Unsupported(format!(
                    "meshgate writes COPY data in UTF8 only, not in {encoding}"
                )));
            }
        }
        if format == CopyFormat::Binary {
            for (given, option) in [
                (self.delimiter.is_some(), "DELIMITER"),
                (self.null.is_some(), "NULL"),
                (self.header == Some(true), "HEADER"),
            ] {
                if given {
                    return Err(Error::Syntax(format!(
                        "cannot specify {option} in BINARY mode"
                    )));
                }
            }
        }
        let delimiter = self
            .delimiter
            .unwrap_or_else(|| if csv { "," } else { "\t" }.to_string());
        let null = self
            .null
            .unwrap_or_else(|| if csv { "" } else { "\\N" }.to_string());
        let delimiter = one_byte(&delimiter, "delimiter")?;
        if matches!(delimiter, b'\r' | b'\n') {
            return Err(Error::InvalidValue(
                "COPY delimiter cannot be newline or carriage return".into(),
            ));
        }
        if null.contains(['\r', '\n']) {
            return Err(Error::InvalidValue(
                "COPY null representation cannot use newline or carriage return".into(),
            ));
        }
        if !csv && b"\\.abcdefghijklmnopqrstuvwxyz0123456789".contains(&delimiter) {
            return Err(Error::InvalidValue(format!(
                "COPY delimiter cannot be \"{}\"",
                char::from(delimiter)
            )));
        }
        for (given, option) in [
            (self.quote.is_some(), "QUOTE"),
            (self.escape.is_some(), "ESCAPE"),
            (self.force_quote.is_some(), "FORCE_QUOTE"),
        ] {
            if given && !csv {
                return Err(Error::Unsupported(format!(
                    "COPY {option} requires CSV mode"
                )));
            }
        }
        let quote = one_byte(self.quote.as_deref().unwrap_or("\""), "quote")?;
        let escape = match &self.escape {
            Some(escape) => one_byte(escape, "escape")?,
            None => quote,
        };
        if csv && delimiter == quote {
            return Err(Error::InvalidValue(
                "COPY delimiter and quote must be different".into(),
            ));
        }
        if format != CopyFormat::Binary && null.as_bytes().contains(&delimiter) {
            return Err(Error::InvalidValue(
                "COPY delimiter character must not appear in the NULL specification".into(),
            ));
        }
        if csv && null.as_bytes().contains(&quote) {
            return Err(Error::InvalidValue(
                "CSV quote character must not appear in the NULL specification".into(),
            ));
        }
        Ok(CopyOptions {
            format,
            delimiter,
            null,
            header: self.header.unwrap_or(false),
            quote,
            escape,
            force_quote: self.force_quote.unwrap_or_default(),
        })
    }
}

impl CopyOptions {
    /// Which of the result's columns (by name) CSV output always quotes; a named column
    /// that is not in the result is an error (42P10).
    pub fn forced(&self, names: &[&str]) -> Result<Vec<bool>> {
        match &self.force_quote {
            ForceQuote::None => Ok(vec![false; names.len()]),
            ForceQuote::All => Ok(vec![true; names.len()]),
            ForceQuote::Columns(columns) => {
                if let Some(missing) = columns.iter().find(|c| !names.contains(&c.as_str())) {
                    return Err(Error::InvalidColumnReference(format!(
                        "FORCE_QUOTE column \"{missing}\" not referenced by COPY"
                    )));
                }
                Ok(names
                    .iter()
                    .map(|n| columns.iter().any(|c| c == n))
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(list: &[(&str, Option<&str>)]) -> Result<CopyOptions> {
        CopyOptions::new(
            list.iter()
                .map(|(n, v)| {
                    let arg = v.map_or(OptionArg::None, |v| OptionArg::Text(v.to_string()));
                    (n.to_string(), arg)
                })
                .collect(),
        )
    }

    #[test]
    fn defaults_follow_the_format() {
        let text = options(&[]).unwrap();
        assert_eq!((text.delimiter, text.null.as_str()), (b'\t', "\\N"));
        let csv = options(&[("format", Some("CSV")), ("header", None)]).unwrap();
        assert_eq!((csv.delimiter, csv.null.as_str()), (b',', ""));
        assert_eq!((csv.quote, csv.escape, csv.header), (b'"', b'"', true));
        let csv = options(&[("format", Some("csv")), ("quote", Some("'"))]).unwrap();
        assert_eq!(csv.escape, b'\'');
    }

    #[test]
    fn refusals_carry_postgresql_sqlstates() {
        let code = |list: &[(&str, Option<&str>)]| options(list).unwrap_err().sqlstate();
        assert_eq!(code(&[("format", Some("json5"))]), "22023");
        assert_eq!(code(&[("header", None), ("header", Some("off"))]), "42601");
        assert_eq!(code(&[("bogus", None)]), "42601");
        assert_eq!(
            code(&[("format", Some("binary")), ("null", Some("x"))]),
            "42601"
        );
        assert_eq!(code(&[("delimiter", Some("ab"))]), "0A000");
        assert_eq!(code(&[("delimiter", Some("a"))]), "22023");
        assert_eq!(code(&[("quote", Some("'"))]), "0A000");
        assert_eq!(
            code(&[("format", Some("csv")), ("delimiter", Some("\""))]),
            "22023"
        );
        assert_eq!(code(&[("null", Some("a\tb"))]), "22023");
        assert_eq!(code(&[("force_not_null", None)]), "0A000");
        assert_eq!(code(&[("encoding", Some("LATIN1"))]), "0A000");
        assert!(options(&[("encoding", Some("UTF-8"))]).is_ok());
    }

    #[test]
    fn force_quote_names_result_columns() {
        let mut csv = options(&[("format", Some("csv"))]).unwrap();
        csv.force_quote = ForceQuote::Columns(vec!["b".into()]);
        assert_eq!(csv.forced(&["a", "b"]).unwrap(), [false, true]);
        assert_eq!(csv.forced(&["a"]).unwrap_err().sqlstate(), "42P10");
    }
}
