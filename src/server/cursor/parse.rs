//! Parsing the cursor statements: `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE]
//! [NO SCROLL] CURSOR [WITH HOLD | WITHOUT HOLD] FOR query`, `FETCH`/`MOVE [direction]
//! [FROM | IN] name`, `CLOSE name | ALL`. Cursors are forward-only: `SCROLL` and every
//! direction that moves backward are refused (0A000); `ABSOLUTE n` and `FIRST` are resolved
//! against the cursor's position when they run.

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

/// Where a FETCH or MOVE goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Skip `skip` rows, then take `count`: `NEXT`, `n`, `FORWARD n`, `ALL`, `FORWARD ALL`
    /// (nothing skipped) and `RELATIVE n` with n ≥ 1 (n - 1 skipped, then one row).
    Forward {
        /// Rows passed over first.
        skip: u64,
        /// Rows taken after them.
        count: Count,
    },
    /// `ABSOLUTE n` (n ≥ 0) and `FIRST` (1): row n counted from the first (0: before it).
    Absolute(u64),
    /// `RELATIVE 0`, `FORWARD 0`, `0`: the current row again.
    Current,
}

/// A cursor statement other than DECLARE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorCommand {
    /// `FETCH` (rows sent) or `MOVE` (rows skipped, `moved` is true).
    Fetch {
        /// The cursor.
        name: String,
        /// Where to.
        direction: Direction,
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

/// The 0A000 refusal of `what`, saying which directions work instead.
pub(crate) fn forward_only(what: &str) -> Error {
    Error::Unsupported(format!(
        "{what} is not supported: meshgate cursors are forward-only; use FETCH NEXT, n, \
         FORWARD n, ALL, RELATIVE n (n >= 0) or ABSOLUTE n ahead of the current row, or \
         run the query again to start over"
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
        let direction = direction(&mut words)?;
        if !words.accept("FROM") {
            words.accept("IN");
        }
        let name = words.ident()?;
        CursorStatement::Command(CursorCommand::Fetch {
            name,
            direction,
            moved,
        })
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
fn direction(words: &mut Words) -> Result<Direction> {
    let rows = |n| Direction::Forward {
        skip: 0,
        count: Count::Rows(n),
    };
    let all = Direction::Forward {
        skip: 0,
        count: Count::All,
    };
    for backward in ["PRIOR", "LAST", "BACKWARD"] {
        if words.accept(backward) {
            return Err(forward_only(&format!("FETCH {backward}")));
        }
    }
    if words.accept("FIRST") {
        return Ok(Direction::Absolute(1));
    }
    if words.accept("ABSOLUTE") {
        return match required_count(words)? {
            n if n >= 0 => Ok(Direction::Absolute(n.unsigned_abs())),
            _ => Err(forward_only(
                "FETCH ABSOLUTE with a negative position (from the end)",
            )),
        };
    }
    if words.accept("RELATIVE") {
        return match required_count(words)? {
            0 => Ok(Direction::Current),
            n if n > 0 => Ok(Direction::Forward {
                skip: n.unsigned_abs() - 1,
                count: Count::Rows(1),
            }),
            _ => Err(forward_only("FETCH RELATIVE with a negative count")),
        };
    }
    if words.accept("NEXT") {
        return Ok(rows(1));
    }
    if words.accept("ALL") {
        return Ok(all);
    }
    let forward = words.accept("FORWARD");
    if forward && words.accept("ALL") {
        return Ok(all);
    }
    match signed_count(words)? {
        Some(0) => Ok(Direction::Current),
        Some(n) if n > 0 => Ok(rows(n.unsigned_abs())),
        Some(_) => Err(forward_only("FETCH with a negative count")),
        None => Ok(rows(1)),
    }
}

/// The count that ABSOLUTE and RELATIVE must have.
fn required_count(words: &mut Words) -> Result<i64> {
    signed_count(words)?.ok_or_else(|| words.unexpected())
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

    fn fetch(name: &str, direction: Direction, moved: bool) -> CursorCommand {
        CursorCommand::Fetch {
            name: name.into(),
            direction,
            moved,
        }
    }

    fn rows(n: u64) -> Direction {
        Direction::Forward {
            skip: 0,
            count: Count::Rows(n),
        }
    }

    const ALL: Direction = Direction::Forward {
        skip: 0,
        count: Count::All,
    };

    #[test]
    fn fetch_forms() {
        assert_eq!(command("FETCH c"), fetch("c", rows(1), false));
        assert_eq!(command("fetch next from C"), fetch("c", rows(1), false));
        assert_eq!(command("FETCH 10 IN c"), fetch("c", rows(10), false));
        assert_eq!(command("FETCH FORWARD 3 \"C\""), fetch("C", rows(3), false));
        assert_eq!(command("FETCH FORWARD ALL FROM c"), fetch("c", ALL, false));
        assert_eq!(command("FETCH ALL c"), fetch("c", ALL, false));
        assert_eq!(command("MOVE FORWARD 5 IN c"), fetch("c", rows(5), true));
        assert_eq!(command("CLOSE ALL"), CursorCommand::Close(None));
        assert_eq!(command("CLOSE c"), CursorCommand::Close(Some("c".into())));
    }

    #[test]
    fn relative_absolute_first_and_current() {
        let relative = Direction::Forward {
            skip: 4,
            count: Count::Rows(1),
        };
        assert_eq!(
            command("FETCH RELATIVE 5 FROM c"),
            fetch("c", relative, false)
        );
        assert_eq!(command("MOVE RELATIVE 1 c"), fetch("c", rows(1), true));
        assert_eq!(
            command("FETCH RELATIVE 0 FROM c"),
            fetch("c", Direction::Current, false)
        );
        assert_eq!(
            command("FETCH FORWARD 0 c"),
            fetch("c", Direction::Current, false)
        );
        assert_eq!(command("FETCH 0 c"), fetch("c", Direction::Current, false));
        assert_eq!(
            command("FETCH ABSOLUTE 7 IN c"),
            fetch("c", Direction::Absolute(7), false)
        );
        assert_eq!(
            command("MOVE ABSOLUTE 0 c"),
            fetch("c", Direction::Absolute(0), true)
        );
        assert_eq!(
            command("FETCH FIRST FROM c"),
            fetch("c", Direction::Absolute(1), false)
        );
        assert_eq!(
            parse("FETCH RELATIVE FROM c").unwrap_err().sqlstate(),
            "42601"
        );
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
            "FETCH RELATIVE -2 FROM c",
            "FETCH ABSOLUTE -1 FROM c",
            "MOVE LAST IN c",
        ] {
            assert_eq!(parse(sql).unwrap_err().sqlstate(), "0A000", "{sql}");
        }
        assert_eq!(parse("FETCH 1 FROM").unwrap_err().sqlstate(), "42601");
    }
}
