//! The audit log: every statement, allowed or denied, appended as one JSON line to
//! `<audit_dir>/query_log.jsonl` and synced before the statement's result is final. A crash
//! mid-write can only tear the last line, which readers skip; earlier records stay intact.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// File name of the log inside the audit folder.
const LOG_FILE: &str = "query_log.jsonl";

/// One audited statement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditRecord {
    /// When the statement started (RFC 3339, UTC).
    pub time: String,
    /// Who ran it.
    pub user: String,
    /// The client's address, for network sessions.
    pub client: Option<String>,
    /// The SQL text.
    pub sql: String,
    /// Product tables read (`domain.table`).
    pub products: Vec<String>,
    /// Columns of those tables the statement refers to (`domain.table.column`).
    pub columns: Vec<String>,
    /// Row filters applied (`domain.table: predicate`).
    pub filters: Vec<String>,
    /// Masks applied (`domain.table.column`).
    pub masks: Vec<String>,
    /// `ok` or `error`.
    pub outcome: String,
    /// Rows returned, when the statement succeeded.
    pub rows: Option<u64>,
    /// SQLSTATE, when it failed.
    pub sqlstate: Option<String>,
    /// The error message, when it failed.
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
}

/// The log: records in memory for `mesh.query_log`, and a durable file when configured.
#[derive(Debug)]
pub struct AuditLog {
    file: Option<(PathBuf, Mutex<File>)>,
    records: Mutex<Vec<Arc<AuditRecord>>>,
}

impl AuditLog {
    /// A log kept in memory only (records are lost at exit).
    pub fn in_memory() -> Self {
        AuditLog {
            file: None,
            records: Mutex::new(Vec::new()),
        }
    }

    /// Opens (or creates) the log in `dir`, reading the records already there.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOG_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let records = read_records(&path, &mut file)?;
        Ok(AuditLog {
            file: Some((path, Mutex::new(file))),
            records: Mutex::new(records),
        })
    }

    /// Appends `record`, synced to disk when the log is durable.
    pub fn append(&self, record: AuditRecord) -> Result<()> {
        if let Some((path, file)) = &self.file {
            let mut line = serde_json::to_string(&record)
                .map_err(|e| Error::Internal(format!("audit record: {e}")))?;
            line.push('\n');
            let mut file = file.lock().map_err(|_| poisoned())?;
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| Error::io(path, e))?;
        }
        self.records
            .lock()
            .map_err(|_| poisoned())?
            .push(Arc::new(record));
        Ok(())
    }

    /// Every record, oldest first.
    pub fn records(&self) -> Result<Vec<Arc<AuditRecord>>> {
        Ok(self.records.lock().map_err(|_| poisoned())?.clone())
    }
}

/// Reads the complete lines of the log; a torn last line (a crash mid-write) is skipped and
/// a newline appended so the next record starts on its own line.
fn read_records(path: &Path, file: &mut File) -> Result<Vec<Arc<AuditRecord>>> {
    let io = |e| Error::io(path, e);
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut records = Vec::new();
    let mut reader = BufReader::new(&mut *file);
    let mut line = String::new();
    let mut torn = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            break;
        }
        match (
            line.ends_with('\n'),
            serde_json::from_str::<AuditRecord>(line.trim_end()),
        ) {
            (true, Ok(record)) => records.push(Arc::new(record)),
            (complete, _) => {
                torn = !complete;
                tracing::warn!(file = %path.display(), "skipped an unreadable audit line");
            }
        }
    }
    if torn {
        file.write_all(b"\n")
            .and_then(|()| file.sync_data())
            .map_err(io)?;
    }
    Ok(records)
}

fn poisoned() -> Error {
    Error::Internal("the audit log lock was poisoned by a panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(sql: &str) -> AuditRecord {
        AuditRecord {
            time: "2026-11-21T00:00:00Z".into(),
            user: "analyst".into(),
            client: None,
            sql: sql.into(),
            products: vec!["sales.orders".into()],
            columns: vec![],
            filters: vec![],
            masks: vec![],
            outcome: "ok".into(),
            rows: Some(1),
            sqlstate: None,
            error: None,
            duration_ms: 1.0,
        }
    }

    #[test]
    fn records_survive_a_restart_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(record("SELECT 1")).unwrap();
        log.append(record("SELECT 2")).unwrap();
        drop(log);
        // A crash in the middle of a third write.
        let path = dir.path().join(LOG_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"time":"2026-11-21T00:00:01Z","user":"ana"#)
            .unwrap();
        drop(file);

        let log = AuditLog::open(dir.path()).unwrap();
        let sqls: Vec<_> = log
            .records()
            .unwrap()
            .iter()
            .map(|r| r.sql.clone())
            .collect();
        assert_eq!(sqls, ["SELECT 1", "SELECT 2"]);
        log.append(record("SELECT 3")).unwrap();
        drop(log);
        let log = AuditLog::open(dir.path()).unwrap();
        let sqls: Vec<_> = log
            .records()
            .unwrap()
            .iter()
            .map(|r| r.sql.clone())
            .collect();
        assert_eq!(sqls, ["SELECT 1", "SELECT 2", "SELECT 3"]);
    }
}
