//! Parsing `COPY`: `COPY (query) | table [(columns)] TO STDOUT [[WITH] (option [, ...])]`
//! and the older `[WITH] [BINARY] [DELIMITER [AS] 'c'] [NULL [AS] 's'] [CSV [HEADER] ...]`
//! form psql's `\copy` sends. `COPY ... FROM`, `TO 'file'` and `TO PROGRAM` are refused
//! (42501): meshgate is read-only and files are not its to write.

use datafusion::sql::sqlparser::ast::Query;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::error::{Error, Result};
use crate::server::copy::options::{CopyOptions, OptionArg};
use crate::server::words::Words;

/// A parsed `COPY ... TO STDOUT`.
#[derive(Debug, Clone)]
pub struct CopyStatement {
    /// The query whose rows are copied (`COPY t` is `SELECT * FROM t`).
    pub query: Box<Query>,
    /// The checked options.
    pub options: CopyOptions,
    /// The statement's text, for the audit log.
    pub text: String,
}

/// Parses one `COPY` statement.
pub fn parse(sql: &str) -> Result<CopyStatement> {
    let mut words = Words::new(sql)?;
    words.expect("COPY")?;
    let query = if words.accept_token(&Token::LParen) {
        let query = words.query()?;
        words.expect_token(&Token::RParen)?;
        query
    } else {
        table_query(&mut words)?
    };
    if words.accept("FROM") {
        return Err(Error::ReadOnly("COPY ... FROM".into()));
    }
    words.expect("TO")?;
    if words.accept("PROGRAM") {
        return Err(Error::ReadOnly("COPY ... TO PROGRAM".into()));
    }
    if matches!(words.peek(), Token::SingleQuotedString(_)) {
        return Err(Error::ReadOnly("COPY ... TO a file".into()));
    }
    words.expect("STDOUT")?;
    words.accept("WITH");
    let options = if words.accept_token(&Token::LParen) {
        generic_options(&mut words)?
    } else {
        legacy_options(&mut words)?
    };
    words.end()?;
    Ok(CopyStatement {
        query,
        options: CopyOptions::new(options)?,
        text: sql.trim().to_string(),
    })
}

/// `table [(columns)]` as the query `SELECT columns FROM table`.
fn table_query(words: &mut Words) -> Result<Box<Query>> {
    let table = words.object_name()?;
    let columns = match words.accept_token(&Token::LParen) {
        true => {
            let names = words.ident_list()?;
            let quoted: Vec<String> = names
                .iter()
                .map(|n| format!("\"{}\"", n.replace('"', "\"\"")))
                .collect();
            quoted.join(", ")
        }
        false => "*".to_string(),
    };
    Words::new(&format!("SELECT {columns} FROM {table}"))?.query()
}

/// `name [value], ...)` (the `(` is consumed).
fn generic_options(words: &mut Words) -> Result<Vec<(String, OptionArg)>> {
    let mut options = Vec::new();
    loop {
        let name = match words.next() {
            Token::Word(w) => w.value.to_ascii_lowercase(),
            _ => return Err(words.unexpected()),
        };
        let arg = match words.peek() {
            Token::Comma | Token::RParen => OptionArg::None,
            Token::Mul => {
                words.next();
                OptionArg::Star
            }
            Token::LParen => {
                words.next();
                OptionArg::List(words.ident_list()?)
            }
            Token::Word(w) => {
                words.next();
                OptionArg::Text(w.value)
            }
            Token::Number(n, _) => {
                words.next();
                OptionArg::Text(n)
            }
            _ => OptionArg::Text(words.string()?),
        };
        options.push((name, arg));
        if !words.accept_token(&Token::Comma) {
            words.expect_token(&Token::RParen)?;
            return Ok(options);
        }
    }
}

/// The pre-9.0 option list, to the end of the statement.
fn legacy_options(words: &mut Words) -> Result<Vec<(String, OptionArg)>> {
    let text = |value: &str| OptionArg::Text(value.to_string());
    let mut options = Vec::new();
    while words.peek() != Token::EOF {
        let option = if words.accept("BINARY") {
            ("format", text("binary"))
        } else if words.accept("CSV") {
            ("format", text("csv"))
        } else if words.accept("HEADER") {
            ("header", OptionArg::None)
        } else if words.accept("FREEZE") {
            ("freeze", OptionArg::None)
        } else if words.accept("FORCE") {
            forced(words)?
        } else {
            let name = ["DELIMITER", "NULL", "QUOTE", "ESCAPE", "ENCODING"]
                .into_iter()
                .find(|name| words.accept(name))
                .ok_or_else(|| words.unexpected())?;
            words.accept("AS");
            let name = match name {
                "DELIMITER" => "delimiter",
                "NULL" => "null",
                "QUOTE" => "quote",
                "ESCAPE" => "escape",
                _ => "encoding",
            };
            (name, OptionArg::Text(words.string()?))
        };
        options.push((option.0.to_string(), option.1));
    }
    Ok(options)
}

/// `FORCE QUOTE cols|*`, `FORCE NOT NULL cols|*`, `FORCE NULL cols|*` (FORCE consumed).
fn forced(words: &mut Words) -> Result<(&'static str, OptionArg)> {
    let name = if words.accept("QUOTE") {
        "force_quote"
    } else if words.accept("NOT") {
        words.expect("NULL")?;
        "force_not_null"
    } else {
        words.expect("NULL")?;
        "force_null"
    };
    if words.accept_token(&Token::Mul) {
        return Ok((name, OptionArg::Star));
    }
    let mut columns = vec![words.ident()?];
    while words.accept_token(&Token::Comma) {
        columns.push(words.ident()?);
    }
    Ok((name, OptionArg::List(columns)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::copy::options::{CopyFormat, ForceQuote};

    #[test]
    fn new_and_old_option_syntax() {
        let copy = parse("COPY (SELECT 1 AS a) TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';', NULL 'n', FORCE_QUOTE *)").unwrap();
        assert_eq!(copy.options.format, CopyFormat::Csv);
        assert!(copy.options.header);
        assert_eq!(
            (copy.options.delimiter, copy.options.null.as_str()),
            (b';', "n")
        );
        assert_eq!(copy.options.force_quote, ForceQuote::All);
        let old =
            parse("copy ( SELECT 1 AS a ) TO STDOUT with csv header quote as '''' force quote a")
                .unwrap();
        assert_eq!(old.options.format, CopyFormat::Csv);
        assert!(old.options.header);
        assert_eq!(old.options.quote, b'\'');
        assert_eq!(
            old.options.force_quote,
            ForceQuote::Columns(vec!["a".into()])
        );
        let binary =
            parse("COPY sales.orders (o_orderkey, \"O\") TO STDOUT (FORMAT binary)").unwrap();
        assert_eq!(binary.options.format, CopyFormat::Binary);
        assert_eq!(
            binary.query.to_string(),
            "SELECT \"o_orderkey\", \"O\" FROM sales.orders"
        );
        let text = parse("COPY t TO STDOUT DELIMITER '|' NULL AS ''").unwrap();
        assert_eq!(
            (text.options.delimiter, text.options.null.as_str()),
            (b'|', "")
        );
    }

    #[test]
    fn writes_and_files_are_read_only_refusals() {
        for sql in [
            "COPY t FROM STDIN",
            "COPY t FROM '/etc/passwd'",
            "COPY t TO '/tmp/x'",
            "COPY (SELECT 1) TO PROGRAM 'rm -rf /'",
        ] {
            assert_eq!(parse(sql).unwrap_err().sqlstate(), "42501", "{sql}");
        }
        assert_eq!(
            parse("COPY t TO STDOUT WITH BOGUS").unwrap_err().sqlstate(),
            "42601"
        );
        assert_eq!(parse("COPY t TO STDIN").unwrap_err().sqlstate(), "42601");
    }
}
