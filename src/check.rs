//! `meshgate check`: loads every manifest, opens every product's storage, compares declared
//! and actual schemas, and reports per product.

use std::fmt;

use crate::catalog::{Severity, relative_to};
use crate::engine::Engine;

/// The verdict for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Serves as declared.
    Ok,
    /// Serves, with something to look at.
    Warning,
    /// Does not serve.
    Error,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Error => "error",
        })
    }
}

/// One line of the report: a table (`domain.table`) or a manifest file.
#[derive(Debug, Clone)]
pub struct CheckEntry {
    /// Verdict.
    pub status: Status,
    /// `domain.table`, or the manifest path relative to the catalog.
    pub subject: String,
    /// Why, when not ok.
    pub messages: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Entries: manifest problems first, then tables in catalog order.
    pub entries: Vec<CheckEntry>,
}

impl CheckReport {
    /// Whether anything failed.
    pub fn has_errors(&self) -> bool {
        self.entries.iter().any(|e| e.status == Status::Error)
    }

    fn count(&self, status: Status) -> usize {
        self.entries.iter().filter(|e| e.status == status).count()
    }
}

/// Checks every manifest and product table served by `engine`.
pub async fn check(engine: &Engine) -> CheckReport {
    let catalog = engine.registry().catalog();
    let mut entries: Vec<CheckEntry> = catalog
        .diagnostics
        .iter()
        .map(|d| CheckEntry {
            status: match d.severity {
                Severity::Warning => Status::Warning,
                Severity::Error => Status::Error,
            },
            subject: relative_to(&catalog.root, &d.file),
            messages: vec![d.message.clone()],
        })
        .collect();
    let tables: Vec<_> = engine.registry().tables().cloned().collect();
    for (table, (name, result)) in tables.iter().zip(engine.open_all().await) {
        let result = match result {
            Ok(opened) => engine.check_rules(table).await.map(|()| opened),
            Err(error) => Err(error),
        };
        entries.push(match result {
            Ok(opened) if opened.warnings.is_empty() => CheckEntry {
                status: Status::Ok,
                subject: name,
                messages: vec![],
            },
            Ok(opened) => CheckEntry {
                status: Status::Warning,
                subject: name,
                messages: opened.warnings,
            },
            Err(error) => CheckEntry {
                status: Status::Error,
                subject: name,
                messages: vec![error.to_string()],
            },
        });
    }
    CheckReport { entries }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .entries
            .iter()
            .map(|e| e.subject.len())
            .max()
            .unwrap_or(0);
        for entry in &self.entries {
            let mut messages = entry.messages.iter();
            let first = messages.next().map(String::as_str).unwrap_or("");
            let line = format!(
                "{:<7}  {:<width$}  {first}",
                entry.status.to_string(),
                entry.subject
            );
            writeln!(f, "{}", line.trim_end())?;
            for message in messages {
                writeln!(f, "{:<7}  {:<width$}  {message}", "", "")?;
            }
        }
        write!(
            f,
            "{} ok, {} warning(s), {} error(s)",
            self.count(Status::Ok),
            self.count(Status::Warning),
            self.count(Status::Error)
        )
    }
}
