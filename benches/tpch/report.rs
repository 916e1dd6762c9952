//! Per-query measurements, their medians, and the Markdown table with the ratios
//! meshgate/DuckDB and meshgate/DataFusion and their geometric means.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Rows;
use crate::compare::{Agreement, compare};

/// What one run of one engine produced.
pub enum Outcome {
    /// Rows and the time to the last row.
    Ok(Rows, Duration),
    /// The engine's error.
    Failed(String),
}

/// The runs of one query on every engine.
pub struct Measured {
    number: usize,
    times: BTreeMap<&'static str, Vec<Duration>>,
    reference: Option<(&'static str, Rows)>,
    problems: Vec<String>,
    reordered: bool,
}

impl Measured {
    /// No runs yet of query `number`.
    pub fn new(number: usize) -> Measured {
        Measured {
            number,
            times: BTreeMap::new(),
            reference: None,
            problems: Vec::new(),
            reordered: false,
        }
    }

    /// Records one run of `engine`; `timed` is false for the warm-up.
    pub fn record(&mut self, engine: &'static str, outcome: Outcome, timed: bool) {
        let problem = match outcome {
            Outcome::Failed(error) => Some(format!("{engine} failed: {error}")),
            Outcome::Ok(rows, elapsed) => {
                if timed {
                    self.times.entry(engine).or_default().push(elapsed);
                }
                match &self.reference {
                    None => {
                        self.reference = Some((engine, rows));
                        None
                    }
                    Some((first, expected)) => match compare(expected, &rows) {
                        Agreement::Same => None,
                        Agreement::Reordered => {
                            self.reordered = true;
                            None
                        }
                        Agreement::Differs(how) => Some(format!("{engine} ≠ {first}: {how}")),
                    },
                }
            }
        };
        if let Some(problem) = problem
            && !self.problems.contains(&problem)
        {
            self.problems.push(problem);
        }
    }

    /// The median time of `engine` in milliseconds.
    fn median_ms(&self, engine: &str) -> Option<f64> {
        let mut times = self.times.get(engine)?.clone();
        times.sort();
        let middle = times.get(times.len() / 2)?;
        Some(middle.as_secs_f64() * 1000.0)
    }

    fn rows(&self) -> usize {
        self.reference.as_ref().map_or(0, |(_, rows)| rows.len())
    }

    fn check(&self) -> String {
        match (self.problems.is_empty(), self.reordered) {
            (true, false) => "same rows".into(),
            (true, true) => "same rows (ties reordered)".into(),
            (false, _) => self.problems.join("; "),
        }
    }

    fn ratio(&self, other: &str) -> Option<f64> {
        Some(self.median_ms("meshgate")? / self.median_ms(other)?)
    }

    /// A progress line.
    pub fn line(&self) -> String {
        let ms = |engine| {
            self.median_ms(engine)
                .map_or("-".into(), |t| format!("{t:.1} ms"))
        };
        format!(
            "Q{:02}: meshgate {}, DataFusion {}, DuckDB {}, {} rows, {}",
            self.number,
            ms("meshgate"),
            ms("DataFusion"),
            ms("DuckDB"),
            self.rows(),
            self.check()
        )
    }
}

fn cell(value: Option<f64>, digits: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.digits$}"))
}

fn geomean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let logs: Vec<f64> = values.map(|v| v.map(f64::ln)).collect::<Option<_>>()?;
    (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp())
}

/// The results as a Markdown table.
pub fn markdown(measured: &[Measured], scale: f64, runs: usize, duckdb: bool) -> String {
    let mut out = format!(
        "TPC-H scale {scale}, median of {runs} runs after a warm-up, milliseconds{}\n\n",
        if duckdb { "" } else { " (DuckDB skipped)" }
    );
    out.push_str("| query | meshgate | DataFusion | DuckDB | meshgate/DuckDB | meshgate/DataFusion | rows | check |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for m in measured {
        out.push_str(&format!(
            "| Q{:02} | {} | {} | {} | {} | {} | {} | {} |\n",
            m.number,
            cell(m.median_ms("meshgate"), 1),
            cell(m.median_ms("DataFusion"), 1),
            cell(m.median_ms("DuckDB"), 1),
            cell(m.ratio("DuckDB"), 2),
            cell(m.ratio("DataFusion"), 2),
            m.rows(),
            m.check()
        ));
    }
    let ms = |engine: &'static str| geomean(measured.iter().map(|m| m.median_ms(engine)));
    out.push_str(&format!(
        "| geomean | {} | {} | {} | {} | {} | | |\n",
        cell(ms("meshgate"), 1),
        cell(ms("DataFusion"), 1),
        cell(ms("DuckDB"), 1),
        cell(geomean(measured.iter().map(|m| m.ratio("DuckDB"))), 2),
        cell(geomean(measured.iter().map(|m| m.ratio("DataFusion"))), 2),
    ));
    out
}
