//! Splitting a query string into statements and recognising the session commands that
//! clients send (`BEGIN`, `SET`, `SHOW`, `RESET`, `DISCARD ALL`, `DEALLOCATE`), `COPY ... TO
//! STDOUT` and the cursor statements; everything else is parsed for DataFusion and planned by the
//! engine (as are the queries inside COPY and DECLARE).

use datafusion::error::DataFusionError;
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::ParserError;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use crate::error::{Error, Result};
use crate::server::copy::options::CopyOptions;
use crate::server::cursor::parse::{CursorCommand, CursorStatement, DeclareSpec};
use crate::server::{copy, cursor, pg_catalog, settings};

/// A session command meshgate answers itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
    /// `SET name = value` (`None`: `DEFAULT`).
    Set(String, Option<String>),
    /// `SET TRANSACTION ...` and similar, accepted and ignored (everything is read-only).
    SetIgnored,
    /// `SHOW name` / `SHOW ALL`.
    Show(String),
    /// `RESET name` / `RESET ALL`.
    Reset(String),
    /// `DISCARD ALL`.
    DiscardAll,
    /// `SAVEPOINT`, `RELEASE` or `ROLLBACK TO` a savepoint: nothing to undo in a read-only
    /// session, but drivers (psycopg's nested transactions) send them.
    Savepoint(Savepoint),
}

/// A savepoint command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Savepoint {
    /// `SAVEPOINT name`.
    Define,
    /// `RELEASE [SAVEPOINT] name`.
    Release,
    /// `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`: leaves a failed state.
    RollbackTo,
}

/// One statement of a query string.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A session command.
    Command(Command),
    /// A statement for the engine, with its source text.
    Query(Box<DFStatement>, String),
    /// `COPY ... TO STDOUT`: its query for the engine, options and source text.
    Copy(Box<DFStatement>, CopyOptions, String),
    /// `DECLARE name CURSOR FOR query`, with its source text.
    Declare(DeclareSpec, Box<DFStatement>, String),
    /// `FETCH`, `MOVE`, `CLOSE`.
    Cursor(CursorCommand),
    /// `DEALLOCATE [PREPARE] name`, or `ALL` (`None`).
    Deallocate(Option<String>),
}

fn syntax(message: String) -> Error {
    Error::DataFusion(DataFusionError::SQL(
        Box::new(ParserError::ParserError(message)),
        None,
    ))
}

/// Splits `sql` at top-level semicolons and classifies each statement; empty statements
/// are dropped.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| syntax(e.to_string()))?;
    let offsets = LineOffsets::new(sql);
    let mut statements = Vec::new();
    let mut start = 0;
    let mut chunk: Vec<&TokenWithSpan> = Vec::new();
    for token in &tokens {
        if token.token == Token::SemiColon {
            let end = offsets.offset(sql, token.span.start);
            push(&mut statements, &sql[start..end], &chunk)?;
            start = end + 1;
            chunk.clear();
        } else if !matches!(token.token, Token::Whitespace(_) | Token::EOF) {
            chunk.push(token);
        }
    }
    push(&mut statements, &sql[start.min(sql.len())..], &chunk)?;
    Ok(statements)
}

fn push(statements: &mut Vec<Parsed>, text: &str, tokens: &[&TokenWithSpan]) -> Result<()> {
    if tokens.is_empty() {
        return Ok(());
    }
    let words: Vec<&Token> = tokens.iter().map(|t| &t.token).collect();
    match word(words.first()).as_deref() {
        Some("COPY") => {
            let copy = copy::parse::parse(text)?;
            statements.push(Parsed::Copy(
                engine_query(copy.query),
                copy.options,
                copy.text,
            ));
            return Ok(());
        }
        Some("DECLARE" | "FETCH" | "MOVE" | "CLOSE") => {
            statements.push(match cursor::parse::parse(text)? {
                CursorStatement::Declare(spec, query) => {
                    Parsed::Declare(spec, engine_query(query), text.trim().to_string())
                }
                CursorStatement::Command(command) => Parsed::Cursor(command),
            });
            return Ok(());
        }
        _ => {}
    }
    if word(words.first()).as_deref() == Some("DEALLOCATE") {
        statements.push(Parsed::Deallocate(deallocate_target(&words[1..])?));
        return Ok(());
    }
    if let Some(command) = classify(&words) {
        statements.push(Parsed::Command(command));
        return Ok(());
    }
    let mut parsed = DFParser::parse_sql_with_dialect(text, &PostgreSqlDialect {})?;
    match (parsed.pop_front(), parsed.is_empty()) {
        (Some(DFStatement::Statement(standard)), true) => {
            // client catalog queries get the rewrites that make them plannable
            let statement = if pg_catalog::reads_pg_catalog(&standard) {
                let mut statement = pg_catalog::compatible(text).unwrap_or(*standard);
                pg_catalog::regproc_zero(&mut statement);
                pg_catalog::domain_bases(&mut statement);
                statement
            } else {
                let mut statement = *standard;
                pg_catalog::name_registers(&mut statement);
                statement
            };
            statements.push(Parsed::Query(
                Box::new(DFStatement::Statement(Box::new(statement))),
                text.trim().to_string(),
            ));
        }
        (Some(statement), true) => {
            statements.push(Parsed::Query(Box::new(statement), text.trim().to_string()))
        }
        (None, _) => {}
        (Some(_), false) => return Err(syntax(format!("cannot split statement: {text}"))),
    }
    Ok(())
}

/// A query embedded in COPY or DECLARE, as a statement for the engine.
fn engine_query(query: Box<ast::Query>) -> Box<DFStatement> {
    Box::new(DFStatement::Statement(Box::new(ast::Statement::Query(
        query,
    ))))
}

/// What `DEALLOCATE [PREPARE] name | ALL` names (`None`: all); an unquoted name is
/// lower-cased, as PostgreSQL folds identifiers.
fn deallocate_target(tokens: &[&Token]) -> Result<Option<String>> {
    let rest = match word(tokens.first()).as_deref() {
        Some("PREPARE") => &tokens[1..],
        _ => tokens,
    };
    match rest {
        [Token::Word(w)] if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("all") => {
            Ok(None)
        }
        [Token::Word(w)] if w.quote_style.is_none() => Ok(Some(w.value.to_lowercase())),
        [Token::Word(w)] => Ok(Some(w.value.clone())),
        _ => Err(syntax(
            "DEALLOCATE takes one statement name or ALL: DEALLOCATE [PREPARE] name | ALL".into(),
        )),
    }
}

/// The upper-cased word of a token, if it is a word.
fn word(token: Option<&&Token>) -> Option<String> {
    match token {
        Some(Token::Word(w)) => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn classify(tokens: &[&Token]) -> Option<Command> {
    let first = word(tokens.first())?;
    let second = word(tokens.get(1));
    match (first.as_str(), second.as_deref()) {
        ("BEGIN", _) | ("START", Some("TRANSACTION")) => Some(Command::Begin),
        ("COMMIT" | "END", _) => Some(Command::Commit),
        ("SAVEPOINT", _) => Some(Command::Savepoint(Savepoint::Define)),
        ("RELEASE", _) => Some(Command::Savepoint(Savepoint::Release)),
        ("ROLLBACK", _)
            if tokens
                .iter()
                .skip(1)
                .take(2)
                .any(|t| word(Some(t)).as_deref() == Some("TO")) =>
        {
            Some(Command::Savepoint(Savepoint::RollbackTo))
        }
        ("ROLLBACK" | "ABORT", _) => Some(Command::Rollback),
        ("DISCARD", Some("ALL")) => Some(Command::DiscardAll),
        ("SET", _) => classify_set(&tokens[1..]),
        ("SHOW", _) => {
            let name = setting_name(&tokens[1..]);
            let name = match name.to_ascii_lowercase().as_str() {
                "transaction isolation level" => "transaction_isolation".to_string(),
                _ => name,
            };
            (name.eq_ignore_ascii_case("all") || settings::known(&name).is_some())
                .then_some(Command::Show(name))
        }
        ("RESET", _) => Some(Command::Reset(setting_name(&tokens[1..]))),
        _ => None,
    }
}

fn classify_set(tokens: &[&Token]) -> Option<Command> {
    let mut rest = tokens;
    if matches!(word(rest.first()).as_deref(), Some("SESSION" | "LOCAL")) {
        rest = &rest[1..];
    }
    match (word(rest.first()).as_deref(), word(rest.get(1)).as_deref()) {
        (Some("TRANSACTION" | "CHARACTERISTICS"), _) => return Some(Command::SetIgnored),
        (Some("TIME"), Some("ZONE")) => {
            return Some(Command::Set(
                "timezone".into(),
                set_value(&rest[2..], false),
            ));
        }
        _ => {}
    }
    let split = rest
        .iter()
        .position(|t| matches!(t, Token::Eq) || word(Some(t)).as_deref() == Some("TO"))?;
    let name = setting_name(&rest[..split]);
    if name.contains('.') {
        return None; // `datafusion.*` options: the engine's own SET
    }
    // a list of names keeps its quoted names quoted, as PostgreSQL shows them
    let quoted = name.eq_ignore_ascii_case("search_path");
    Some(Command::Set(name, set_value(&rest[split + 1..], quoted)))
}

/// A setting name: its words joined by spaces, dotted parts by dots.
fn setting_name(tokens: &[&Token]) -> String {
    let mut name = String::new();
    for token in tokens {
        match token {
            Token::Word(w) => {
                if !name.is_empty() && !name.ends_with('.') {
                    name.push(' ');
                }
                name.push_str(&w.value);
            }
            Token::Period => name.push('.'),
            other => name.push_str(&other.to_string()),
        }
    }
    name
}

/// A setting value: quoted strings unquoted, lists joined by ", "; `DEFAULT` is `None`.
/// With `quoted`, double-quoted names keep their quotes (`"$user", public`).
fn set_value(tokens: &[&Token], quoted: bool) -> Option<String> {
    if tokens.len() == 1 && word(tokens.first()).as_deref() == Some("DEFAULT") {
        return None;
    }
    let mut value = String::new();
    for token in tokens {
        match token {
            Token::SingleQuotedString(s) => value.push_str(s),
            Token::Word(w) if quoted && w.quote_style == Some('"') => {
                value.push_str(&format!("\"{}\"", w.value.replace('"', "\"\"")));
            }
            Token::Word(w) => value.push_str(&w.value),
            Token::Comma => value.push_str(", "),
            other => value.push_str(&other.to_string()),
        }
    }
    Some(value)
}

/// Byte offsets of line starts, to turn tokenizer locations (line, column in characters)
/// into byte offsets.
struct LineOffsets(Vec<usize>);

impl LineOffsets {
    fn new(sql: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets(starts)
    }

    fn offset(&self, sql: &str, location: Location) -> usize {
        let line = (location.line as usize).saturating_sub(1);
        let start = self.0.get(line).copied().unwrap_or(sql.len());
        let column = (location.column as usize).saturating_sub(1);
        sql[start..]
            .char_indices()
            .nth(column)
            .map_or(sql.len(), |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(sql: &str) -> Vec<String> {
        parse(sql)
            .unwrap()
            .into_iter()
            .map(|p| match p {
                Parsed::Command(c) => format!("{c:?}"),
                Parsed::Query(_, text) => text,
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        assert_eq!(
            commands("SELECT 'a;b''c' AS x; ; begin;SELECT 2 -- c;\n"),
            ["SELECT 'a;b''c' AS x", "Begin", "SELECT 2 -- c;"]
        );
        assert_eq!(
            commands("SELECT 'é'; SELECT 'ü'"),
            ["SELECT 'é'", "SELECT 'ü'"]
        );
    }

    #[test]
    fn recognises_session_commands() {
        assert_eq!(
            commands("SET search_path TO sales, \"$user\"; SET TIME ZONE 'UTC'; SET x = DEFAULT"),
            [
                "Set(\"search_path\", Some(\"sales, \\\"$user\\\"\"))",
                "Set(\"timezone\", Some(\"UTC\"))",
                "Set(\"x\", None)"
            ]
        );
        assert_eq!(
            commands("SHOW TimeZone; SHOW ALL; RESET ALL; COMMIT"),
            [
                "Show(\"TimeZone\")",
                "Show(\"ALL\")",
                "Reset(\"ALL\")",
                "Commit"
            ]
        );
        assert_eq!(
            commands(
                "SAVEPOINT a; RELEASE SAVEPOINT a; ROLLBACK TO a; ROLLBACK WORK TO SAVEPOINT a; ROLLBACK"
            ),
            [
                "Savepoint(Define)",
                "Savepoint(Release)",
                "Savepoint(RollbackTo)",
                "Savepoint(RollbackTo)",
                "Rollback"
            ]
        );
        assert_eq!(
            commands("SET datafusion.execution.batch_size = 10").len(),
            1
        );
        assert!(matches!(
            parse("SET datafusion.execution.batch_size = 10").unwrap()[0],
            Parsed::Query(..)
        ));
        assert!(matches!(
            parse("SHOW TABLES").unwrap()[0],
            Parsed::Query(..)
        ));
    }

    #[test]
    fn deallocate_forms() {
        assert_eq!(
            commands(
                "DEALLOCATE ALL; deallocate prepare all; DEALLOCATE Stmt1; DEALLOCATE PREPARE \"S2\""
            ),
            [
                "Deallocate(None)",
                "Deallocate(None)",
                "Deallocate(Some(\"stmt1\"))",
                "Deallocate(Some(\"S2\"))"
            ]
        );
        assert_eq!(parse("DEALLOCATE").unwrap_err().sqlstate(), "42601");
        assert_eq!(parse("DEALLOCATE a b").unwrap_err().sqlstate(), "42601");
    }

    #[test]
    fn regproc_zero_compares_with_the_dash_pg_catalog_shows() {
        let sql = "SELECT oid FROM pg_catalog.pg_type t WHERE typreceive != 0 OR t.typsend = 0 OR typlen = 0";
        let Parsed::Query(statement, _) = &parse(sql).unwrap()[0] else {
            panic!("not a query")
        };
        let rewritten = statement.to_string();
        for part in ["typreceive <> '-'", "t.typsend = '-'", "typlen = 0"] {
            assert!(rewritten.contains(part), "{rewritten}");
        }
    }
}
