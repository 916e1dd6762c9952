//! DuckDB over the same files, driven through benches/tpch/duckdb_runner.py (the Python
//! `duckdb` package of tests/requirements.txt): one JSON request and answer per line.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::Rows;

/// The DuckDB process.
pub struct DuckDb {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl DuckDb {
    /// Starts the runner over `catalog` and waits until its views exist.
    pub fn start(catalog: &Path) -> DuckDb {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/tpch/duckdb_runner.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(catalog)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3 benches/tpch/duckdb_runner.py");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        let mut duckdb = DuckDb {
            child,
            input,
            output,
        };
        let ready = duckdb
            .answer()
            .expect("the DuckDB runner starts (pip install duckdb)");
        eprintln!("DuckDB {}", ready["ready"]);
        duckdb
    }

    fn answer(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&line).map_err(|e| format!("DuckDB runner said {line:?}: {e}"))
    }

    /// Runs `sql`; the time is DuckDB's own, measured in the runner, fetching every row.
    pub fn run(&mut self, sql: &str) -> Result<(Rows, Duration), String> {
        let request = serde_json::json!({ "sql": sql });
        writeln!(self.input, "{request}").map_err(|e| e.to_string())?;
        self.input.flush().map_err(|e| e.to_string())?;
        let answer = self.answer()?;
        if let Some(error) = answer.get("error") {
            return Err(error.to_string());
        }
        let ms = answer["ms"].as_f64().ok_or("no time in the answer")?;
        let rows = answer["rows"]
            .as_array()
            .ok_or("no rows in the answer")?
            .iter()
            .map(|row| {
                row.as_array()
                    .map(|cells| {
                        cells
                            .iter()
                            .map(|c| c.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Ok((rows, Duration::from_secs_f64(ms / 1000.0)))
    }
}

impl Drop for DuckDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
