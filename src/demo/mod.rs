//! `meshgate demo`: writes a complete demo mesh (manifests and TPC-H data at a chosen scale
//! factor) with the same shape as the committed `catalog/`.

mod manifests;
mod tables;
mod writers;

use std::path::{Path, PathBuf};

pub use manifests::DEMO_MANIFESTS;
pub use tables::{DEMO_TABLES, DemoTable};

use crate::catalog::Format;
use crate::error::{Error, Result};

/// Rows per generated batch.
const BATCH_SIZE: usize = 8192;

/// Writes the demo mesh at TPC-H `scale` into `out`. Existing demo data is replaced only
/// when `force` is set.
pub async fn write_demo(scale: f64, out: &Path, force: bool) -> Result<Vec<PathBuf>> {
    if !(scale > 0.0 && scale.is_finite()) {
        return Err(Error::Config(format!(
            "--scale {scale} must be a positive number"
        )));
    }
    let out = std::path::absolute(out).map_err(|e| Error::io(out, e))?;
    for (relative, contents) in DEMO_MANIFESTS {
        let file = out.join(relative);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&file, contents).map_err(|e| Error::io(&file, e))?;
    }
    let rows_per_group = ((250_000.0 * scale) as usize).clamp(1024, 1_000_000);
    let properties = writers::writer_properties(rows_per_group)?;
    let mut written = Vec::new();
    for table in DEMO_TABLES {
        let dir = out.join(table.domain).join("data").join(table.name);
        prepare_dir(&dir, force)?;
        let batches = table.generate(scale, BATCH_SIZE);
        match table.format {
            Format::Delta => writers::write_delta(&dir, batches, properties.clone()).await?,
            Format::Parquet => {
                writers::write_parquet(&dir.join("part-0.parquet"), batches, properties.clone())?
            }
            Format::Csv => writers::write_csv(&dir.join("part-0.csv"), batches)?,
            Format::Json => {
                return Err(Error::Config(format!(
                    "{}: the demo writes no JSON",
                    table.name
                )));
            }
        }
        written.push(dir);
    }
    Ok(written)
}

fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() {
        if !force {
            return Err(Error::Config(format!(
                "{} already exists; pass --force to replace the demo data",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}
