//! A cursor over the tokens of one statement, for the statements meshgate parses itself
//! (`COPY ... TO STDOUT`, `DECLARE`/`FETCH`/`MOVE`/`CLOSE`). Embedded queries are parsed by
//! sqlparser; keywords are matched as PostgreSQL does (case-insensitively, unquoted only).

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::ast::{Ident, ObjectName, Query};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::error::{Error, Result};

static DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

/// A parse error of sqlparser, classified like the engine's own (42601, or 54001 when
/// nested too deeply).
pub(crate) fn parser_error(error: ParserError) -> Error {
    Error::DataFusion(DataFusionError::SQL(Box::new(error), None))
}

/// The tokens of one statement, consumed front to back.
pub(crate) struct Words<'a> {
    parser: Parser<'a>,
}

impl Words<'static> {
    /// Tokenizes `sql`.
    pub(crate) fn new(sql: &str) -> Result<Self> {
        let parser = Parser::new(&DIALECT)
            .try_with_sql(sql)
            .map_err(parser_error)?;
        Ok(Words { parser })
    }
}

impl Words<'_> {
    /// The next token (`Token::EOF` at the end), not consumed.
    pub(crate) fn peek(&self) -> Token {
        self.parser.peek_token().token
    }

    /// Consumes and returns the next token.
    pub(crate) fn next(&mut self) -> Token {
        self.parser.next_token().token
    }

    /// Consumes the unquoted word `word` if it comes next.
    pub(crate) fn accept(&mut self, word: &str) -> bool {
        let matches = matches!(
            &self.parser.peek_token_ref().token,
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word)
        );
        if matches {
            self.parser.next_token();
        }
        matches
    }

    /// Consumes `token` if it comes next.
    pub(crate) fn accept_token(&mut self, token: &Token) -> bool {
        self.parser.consume_token(token)
    }

    /// Consumes the word `word`, or fails with a syntax error.
    pub(crate) fn expect(&mut self, word: &str) -> Result<()> {
        match self.accept(word) {
            true => Ok(()),
            false => Err(self.unexpected()),
        }
    }

    /// Consumes `token`, or fails with a syntax error.
    pub(crate) fn expect_token(&mut self, token: &Token) -> Result<()> {
        match self.accept_token(token) {
            true => Ok(()),
            false => Err(self.unexpected()),
        }
    }

    /// A syntax error at the next token.
    pub(crate) fn unexpected(&self) -> Error {
        match self.peek() {
            Token::EOF => Error::Syntax("syntax error at end of input".into()),
            token => Error::Syntax(format!("syntax error at or near \"{token}\"")),
        }
    }

    /// An identifier, folded to lower case unless quoted (as PostgreSQL does).
    pub(crate) fn ident(&mut self) -> Result<String> {
        let ident = self.parser.parse_identifier().map_err(parser_error)?;
        Ok(fold(&ident))
    }

    /// A string literal (`'x'`, `E'\t'`).
    pub(crate) fn string(&mut self) -> Result<String> {
        match self.next() {
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => Ok(s),
            Token::UnicodeStringLiteral(s) => Ok(s),
            _ => {
                self.parser.prev_token();
                Err(self.unexpected())
            }
        }
    }

    /// A query (`SELECT`, `VALUES`, `WITH ...`, `TABLE t`).
    pub(crate) fn query(&mut self) -> Result<Box<Query>> {
        self.parser.parse_query().map_err(parser_error)
    }

    /// A (possibly qualified) table name.
    pub(crate) fn object_name(&mut self) -> Result<ObjectName> {
        self.parser.parse_object_name(false).map_err(parser_error)
    }

    /// A parenthesized list of identifiers, folded; the `(` is already consumed.
    pub(crate) fn ident_list(&mut self) -> Result<Vec<String>> {
        let mut names = vec![self.ident()?];
        while self.accept_token(&Token::Comma) {
            names.push(self.ident()?);
        }
        self.expect_token(&Token::RParen)?;
        Ok(names)
    }

    /// Fails unless every token was consumed.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            Token::EOF => Ok(()),
            _ => Err(self.unexpected()),
        }
    }
}

/// An identifier as PostgreSQL names it: lower case unless quoted.
pub(crate) fn fold(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}
