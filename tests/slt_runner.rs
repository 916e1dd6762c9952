//! Runs `tests/slt/**/*.slt` against the in-process engine over the committed demo mesh.
//!
//! `cargo test --test slt` runs every file; `cargo test --test slt -- FILTER` runs the files
//! whose path contains FILTER; `-- --complete` rewrites the expected output in place.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use meshgate::catalog::load_catalog;
use meshgate::config::Config;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;
use sqllogictest::{DBOutput, DefaultColumnType, Runner};

/// An error with its SQLSTATE, as a PostgreSQL client would see it.
#[derive(Debug)]
struct SqlError {
    sqlstate: String,
    message: String,
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

/// One session of the engine, as one user.
struct MeshDb {
    ctx: SessionContext,
    catalog_root: String,
    engine_name: &'static str,
}

#[async_trait]
impl sqllogictest::AsyncDB for MeshDb {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let frame = plan_sql(&self.ctx, sql).await?;
        let schema = frame.schema().as_arrow().clone();
        let batches = frame.collect().await.map_err(meshgate::Error::from)?;
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let mut rows = Vec::new();
        for batch in &batches {
            rows.extend(format_rows(batch, &self.catalog_root)?);
        }
        Ok(DBOutput::Rows { types, rows })
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

fn column_type(data_type: &DataType) -> DefaultColumnType {
    if data_type.is_integer() {
        DefaultColumnType::Integer
    } else if data_type.is_floating() || matches!(data_type, DataType::Decimal128(_, _)) {
        DefaultColumnType::FloatingPoint
    } else if matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        DefaultColumnType::Text
    } else {
        DefaultColumnType::Any
    }
}

/// Cells as text: `NULL` for null, `(empty)` for the empty string, the catalog folder as
/// `$CATALOG` so expected output does not depend on where the repository is.
fn format_rows(batch: &RecordBatch, catalog_root: &str) -> Result<Vec<Vec<String>>, SqlError> {
    let options = FormatOptions::default();
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(meshgate::Error::from)?;
    let mut rows = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let cells: Vec<String> = batch
            .columns()
            .iter()
            .zip(&formatters)
            .map(|(column, formatter)| {
                if column.is_null(row) {
                    return "NULL".to_string();
                }
                match formatter.value(row).to_string() {
                    text if text.is_empty() => "(empty)".to_string(),
                    // Plans print object-store paths, without the leading slash.
                    text => number_lines(
                        &text
                            .replace(catalog_root, "$CATALOG")
                            .replace(catalog_root.trim_start_matches('/'), "$CATALOG"),
                    ),
                }
            })
            .collect();
        rows.extend(split_lines(cells));
    }
    Ok(rows)
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

fn slt_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/slt is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            slt_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "slt") {
            files.push(path);
        }
    }
}

/// The demo users every file under `tests/slt/security/` runs as, once each.
const SECURITY_USERS: [&str; 3] = ["admin", "analyst", "emea"];

/// Who runs `file`: the security files run as each demo user of `meshgate.toml`, the others
/// as the local operator (`meshgate`).
fn principals_for(file: &str, config: &Config) -> Vec<(&'static str, Principal)> {
    if !file.contains("/security/") {
        return vec![("meshgate", Principal::local_operator())];
    }
    SECURITY_USERS
        .iter()
        .map(|user| {
            (
                *user,
                config.principal(user).expect("demo user in meshgate.toml"),
            )
        })
        .collect()
}

async fn run_file(
    engine: &Arc<Engine>,
    catalog_root: &str,
    file: &Path,
    engine_name: &'static str,
    principal: Principal,
    complete: bool,
) -> Result<(), String> {
    let engine = Arc::clone(engine);
    let catalog_root = catalog_root.to_string();
    let principal = Arc::new(principal);
    let mut runner = Runner::new(move || {
        let ctx = engine.session(Arc::clone(&principal)).expect("session");
        let catalog_root = catalog_root.clone();
        async move {
            Ok(MeshDb {
                ctx,
                catalog_root,
                engine_name,
            })
        }
    });
    if complete {
        runner
            .update_test_file(
                file,
                " ",
                sqllogictest::default_validator,
                sqllogictest::default_normalizer,
                sqllogictest::default_column_validator,
            )
            .await
            .map_err(|e| e.to_string())
    } else {
        runner
            .run_file_async(file)
            .await
            .map_err(|e| e.display(true).to_string())
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let complete = args.iter().any(|a| a == "--complete");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = load_catalog(&root.join("catalog")).expect("the demo catalog loads");
    let catalog_root = catalog.root.display().to_string();
    let engine = Arc::new(Engine::new(catalog, StorageOptions::default()).expect("engine"));

    let mut files = Vec::new();
    slt_files(&root.join("tests/slt"), &mut files);
    files.retain(|f| {
        filters.is_empty()
            || filters
                .iter()
                .any(|x| f.to_string_lossy().contains(x.as_str()))
    });

    let config = Config::load(&root.join("meshgate.toml"), true).expect("meshgate.toml loads");
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        for (engine_name, principal) in principals_for(&name, &config) {
            let label = format!("{name} as {engine_name}");
            match run_file(
                &engine,
                &catalog_root,
                file,
                engine_name,
                principal,
                complete,
            )
            .await
            {
                Ok(()) => {
                    passed += 1;
                    println!("ok      {label}");
                }
                Err(error) => {
                    failed += 1;
                    println!("FAILED  {label}\n{error}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 || files.is_empty() {
        std::process::exit(1);
    }
}
