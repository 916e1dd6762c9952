//! What both engines of the runner return: errors with their SQLSTATE, and cells in
//! PostgreSQL's text form (what psql shows), written the way the `.slt` files spell them.

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use meshgate::server::encode::TextStyle;
use meshgate::server::encode::{columns, encode_batch};
use pgwire::api::results::FieldFormat;
use sqllogictest::{DBOutput, DefaultColumnType};

/// Column types and text cells (`None`: NULL) of a result.
pub type Cells = (Vec<DefaultColumnType>, Vec<Vec<Option<String>>>);

/// A way to run statements: in-process or over the wire.
#[async_trait]
pub trait Backend: Send {
    /// Runs `sql`: `None` for a statement without result columns.
    async fn query(&mut self, sql: &str) -> Result<Option<Cells>, SqlError>;
}

/// A backend as the runner sees it, run as one user of the files' `onlyif`/`skipif`.
pub struct SltDb<B> {
    pub backend: B,
    pub catalog_root: String,
    pub engine_name: &'static str,
}

#[async_trait]
impl<B: Backend> sqllogictest::AsyncDB for SltDb<B> {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        Ok(match self.backend.query(sql).await? {
            None => DBOutput::StatementComplete(0),
            Some((types, cells)) => DBOutput::Rows {
                types,
                rows: slt_rows(cells, &self.catalog_root),
            },
        })
    }

    async fn shutdown(&mut self) {}

    /// The user the file runs as, for `onlyif analyst` / `skipif admin` records.
    fn engine_name(&self) -> &str {
        self.engine_name
    }

    fn error_sql_state(error: &SqlError) -> Option<String> {
        Some(error.sqlstate.clone())
    }
}

/// An error with its SQLSTATE, as a PostgreSQL client would see it.
#[derive(Debug)]
pub struct SqlError {
    pub sqlstate: String,
    pub message: String,
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for SqlError {}

impl From<meshgate::Error> for SqlError {
    fn from(error: meshgate::Error) -> Self {
        SqlError {
            sqlstate: error.sqlstate().to_string(),
            message: error.to_string(),
        }
    }
}

/// The cells of `batch` in PostgreSQL text form, through the server's own encoder; `None`
/// for NULL.
pub fn text_cells(batch: &RecordBatch) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let columns = columns(
        &batch.schema(),
        |_| FieldFormat::Text,
        &TextStyle::default(),
    );
    let rows = encode_batch(batch, &columns)?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut data = &row.data[..];
            (0..row.field_count)
                .map(|_| {
                    let (length, rest) = data.split_at(4);
                    let length = i32::from_be_bytes(length.try_into().expect("4 bytes"));
                    let Ok(length) = usize::try_from(length) else {
                        data = rest;
                        return None; // -1: NULL
                    };
                    let (value, rest) = rest.split_at(length);
                    data = rest;
                    Some(String::from_utf8_lossy(value).into_owned())
                })
                .collect()
        })
        .collect())
}

/// Rows as the `.slt` files write them: `NULL` for null, `(empty)` for the empty string,
/// the catalog folder as `$CATALOG` so expected output does not depend on where the
/// repository is, and multi-line cells (plans) as numbered rows.
pub fn slt_rows(cells: Vec<Vec<Option<String>>>, catalog_root: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::with_capacity(cells.len());
    for row in cells {
        let row = row
            .into_iter()
            .map(|cell| match cell {
                None => "NULL".to_string(),
                Some(text) if text.is_empty() => "(empty)".to_string(),
                // Plans print object-store paths, without the leading slash.
                Some(text) => number_lines(
                    &text
                        .replace(catalog_root, "$CATALOG")
                        .replace(catalog_root.trim_start_matches('/'), "$CATALOG"),
                ),
            })
            .collect();
        rows.extend(split_lines(row));
    }
    rows
}

/// Multi-line cells (plans) as `01)line`, `02)--indented line`, as DataFusion's own
/// sqllogictest files write them, so indentation survives the file format.
fn number_lines(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_string();
    }
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let body = line.trim_start();
            let indent = "-".repeat(line.len() - body.len());
            format!("{:02}){indent}{}", i + 1, body.trim_end())
        })
        .collect();
    lines.join("\n")
}

/// A row whose cells span several lines becomes one row per line, so that the file shows
/// plans the way they print.
fn split_lines(cells: Vec<String>) -> Vec<Vec<String>> {
    let mut first = Vec::with_capacity(cells.len());
    let mut continuation = Vec::new();
    for cell in cells {
        let mut lines = cell.lines().map(str::to_string);
        first.push(lines.next().unwrap_or_default());
        continuation.extend(lines.map(|line| vec![line]));
    }
    std::iter::once(first).chain(continuation).collect()
}
