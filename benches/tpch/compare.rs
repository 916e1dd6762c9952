//! Whether two engines returned the same rows: text equal, or numerically equal within a
//! small tolerance (DuckDB averages decimals as doubles, DataFusion as decimals with four
//! more digits), in order or, when ORDER BY leaves ties, as multisets.

use crate::Rows;

/// How two answers compare.
#[derive(Debug, PartialEq, Eq)]
pub enum Agreement {
    /// Same rows in the same order.
    Same,
    /// Same rows; tied rows came in another order.
    Reordered,
    /// Different answers: the first difference.
    Differs(String),
}

/// Compares `ours` with `theirs`.
pub fn compare(ours: &Rows, theirs: &Rows) -> Agreement {
    if ours.len() != theirs.len() {
        return Agreement::Differs(format!("{} rows vs {} rows", ours.len(), theirs.len()));
    }
    let Some(position) = ours.iter().zip(theirs).position(|(a, b)| !same_row(a, b)) else {
        return Agreement::Same;
    };
    let (mut left, mut right) = (ours.clone(), theirs.clone());
    left.sort_by_cached_key(|row| sort_key(row));
    right.sort_by_cached_key(|row| sort_key(row));
    if left.iter().zip(&right).all(|(a, b)| same_row(a, b)) {
        return Agreement::Reordered;
    }
    Agreement::Differs(format!(
        "row {position}: {:?} vs {:?}",
        ours[position], theirs[position]
    ))
}

fn same_row(a: &[Option<String>], b: &[Option<String>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
}

fn same_value(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            if a.trim_end() == b.trim_end() {
                return true;
            }
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) => (x - y).abs() <= 1e-6 + 1e-5 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        _ => false,
    }
}

/// A key that sorts rows alike whatever the engine's number formatting: numbers rounded
/// to a few significant digits (so near-equal values land together), text as is.
fn sort_key(row: &[Option<String>]) -> Vec<String> {
    row.iter()
        .map(|value| match value {
            None => String::new(),
            Some(text) => match text.parse::<f64>() {
                Ok(number) => format!("{number:+.4e}"),
                Err(_) => text.trim_end().to_string(),
            },
        })
        .collect()
}
