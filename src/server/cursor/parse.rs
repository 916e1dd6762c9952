//! Parsing the cursor statements: `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE]
//! [NO SCROLL] CURSOR [WITH HOLD | WITHOUT HOLD] FOR query`, `FETCH`/`MOVE [direction]
//! [FROM | IN] name`, `CLOSE name | ALL`. Cursors are forward-only: `SCROLL` and every
//! direction that moves backward or re-reads a row are refused (0A000).

use datafusion::sql::sqlparser::ast::Query;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::error::{Error, Result};
use crate::server::words::Words;

/// How a cursor is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclareSpec {
    /// The cursor's name.
    pub name: String,
    /// `BINARY`: rows in binary format (simple protocol; the extended protocol's Bind
    /// chooses for itself).
    pub binary: bool,
    /// `WITH HOLD`: the cursor outlives the transaction that declared it.
    pub hold: bool,
}

/// How many rows a FETCH or MOVE goes forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// At most this many.
    Rows(u64),
    /// All that are left.
    All,
}

/// A cursor statement other than DECLARE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorCommand {
    /// `FETCH` (rows sent) or `MOVE` (rows skipped, `moved` is true).
    Fetch {
        /// The cursor.
        name: String,
        /// How far.
        count: Count,
        /// `MOVE`: skip the rows instead of sending them.
        moved: bool,
    },
    /// `CLOSE name`, or `CLOSE ALL` (`None`).
    Close(Option<String>),
}

/// A parsed cursor statement.
#[derive(Debug, Clone)]
pub enum CursorStatement {
    /// `DECLARE ... FOR query`.
    Declare(DeclareSpec, Box<Query>),
    /// `FETCH`, `MOVE`, `CLOSE`.
    Command(CursorCommand),
}

fn forward_only(what: &str) -> Error {
    Error::Unsupported(format!(
        "{what} is not supported: meshgate cursors are forward-only (FETCH NEXT, FORWARD n, ALL)"
    ))
}

/// Parses a statement starting with DECLARE, FETCH, MOVE or CLOSE.
pub fn parse(sql: &str) -> Result<CursorStatement> {
    let mut words = Words::new(sql)?;
    let statement = if words.accept("DECLARE") {
        declare(&mut words)?
    } else if words.accept("CLOSE") {
        let name = match words.accept("ALL") {
            true => None,
            false => Some(words.ident()?),
        };
        CursorStatement::Command(CursorCommand::Close(name))
    } else {
        let moved = words.accept("MOVE");
        if !moved {
            words.expect("FETCH")?;
        }
        let count = direction(&mut words)?;
        if !words.accept("FROM") {
            words.accept("IN");
        }
        let name = words.ident()?;
        CursorStatement::Command(CursorCommand::Fetch { name, count, moved })
    };
    words.end()?;
    Ok(statement)
}

fn declare(words: &mut Words) -> Result<CursorStatement> {
    let name = words.ident()?;
    let mut binary = false;
    loop {
        if words.accept("BINARY") {
            binary = true;
        } else if words.accept("NO") {
            words.expect("SCROLL")?;
        } else if words.accept("SCROLL") {
            return Err(forward_only("DECLARE ... SCROLL CURSOR"));
        } else if !(words.accept("INSENSITIVE") || words.accept("ASENSITIVE")) {
            break;
        }
    }
    words.expect("CURSOR")?;
    let hold = if words.accept("WITH") {
        words.expect("HOLD")?;
        true
    } else {
        if words.accept("WITHOUT") {
            words.expect("HOLD")?;
        }
        false
    };
    words.expect("FOR")?;
    let query = words.query()?;
    Ok(CursorStatement::Declare(
        DeclareSpec { name, binary, hold },
        query,
    ))
}

/// A FETCH/MOVE direction; none means NEXT.
fn direction(words: &mut Words) -> Result<Count> {
    for backward in ["PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE", "BACKWARD"] {
        if words.accept(backward) {
            return Err(forward_only(&format!("FETCH {backward}")));
        }
    }
    if words.accept("NEXT") {
        return Ok(Count::Rows(1));
    }
    if words.accept("ALL") {
        return Ok(Count::All);
    }
    let forward = words.accept("FORWARD");
    if forward && words.accept("ALL") {
        return Ok(Count::All);
    }
    match signed_count(words)? {
        Some(n) if n > 0 => Ok(Count::Rows(n.unsigned_abs())),
        Some(0) => Err(forward_only("FETCH 0 (re-reading the current row)")),
        Some(_) => Err(forward_only("FETCH with a negative count")),
        None => Ok(Count::Rows(1)),
    }
}

fn signed_count(words: &mut Words) -> Result<Option<i64>> {
    let negative = words.accept_token(&Token::Minus);
    match words.peek() {
        Token::Number(n, _) => {
            words.next();
            let n: i64 = n
                .parse()
                .map_err(|_| Error::Syntax(format!("invalid row count \"{n}\"")))?;
            Ok(Some(if negative { -n } else { n }))
        }
        _ if negative => Err(words.unexpected()),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(sql: &str) -> CursorCommand {
        match parse(sql).unwrap() {
            CursorStatement::Command(command) => command,
            other => panic!("{other:?}"),
        }
    }

    fn fetch(name: &str, count: Count, moved: bool) -> CursorCommand {
        CursorCommand::Fetch {
            name: name.into(),
            count,
            moved,
        }
    }

    #[test]
    fn fetch_forms() {
        assert_eq!(command("FETCH c"), fetch("c", Count::Rows(1), false));
        assert_eq!(
            command("fetch next from C"),
            fetch("c", Count::Rows(1), false)
        );
        assert_eq!(command("FETCH 10 IN c"), fetch("c", Count::Rows(10), false));
        assert_eq!(
            command("FETCH FORWARD 3 \"C\""),
            fetch("C", Count::Rows(3), false)
        );
        assert_eq!(
            command("FETCH FORWARD ALL FROM c"),
            fetch("c", Count::All, false)
        );
        assert_eq!(command("FETCH ALL c"), fetch("c", Count::All, false));
        assert_eq!(
            command("MOVE FORWARD 5 IN c"),
            fetch("c", Count::Rows(5), true)
        );
        assert_eq!(command("CLOSE ALL"), CursorCommand::Close(None));
        assert_eq!(command("CLOSE c"), CursorCommand::Close(Some("c".into())));
    }

    #[test]
    fn declare_forms() {
        let sql = "DECLARE c BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT 1";
        let CursorStatement::Declare(spec, query) = parse(sql).unwrap() else {
            panic!("not a declare")
        };
        let expected = DeclareSpec {
            name: "c".into(),
            binary: true,
            hold: true,
        };
        assert_eq!(spec, expected);
        assert_eq!(query.to_string(), "SELECT 1");
        assert!(parse("DECLARE c CURSOR WITHOUT HOLD FOR VALUES (1)").is_ok());
    }

    #[test]
    fn backward_movement_is_0a000() {
        for sql in [
            "DECLARE c SCROLL CURSOR FOR SELECT 1",
            "FETCH PRIOR FROM c",
            "FETCH BACKWARD 2 FROM c",
            "FETCH -1 FROM c",
            "FETCH FORWARD 0 FROM c",
            "MOVE LAST IN c",
            "FETCH ABSOLUTE 3 FROM c",
        ] {
            assert_eq!(parse(sql).unwrap_err().sqlstate(), "0A000", "{sql}");
        }
        assert_eq!(parse("FETCH 1 FROM").unwrap_err().sqlstate(), "42601");
    }
}
