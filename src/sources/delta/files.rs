//! A Delta table reads only inside its own folder. Its log names each data file (and
//! deletion vector) by a path that may be an absolute URL or climb out with `..`; both the
//! plain Parquet listing and deltalake's own scan would follow it, so a table naming any file
//! outside its location is refused before it is served.

use deltalake::DeltaTable;
use deltalake::kernel::StorageType;
use url::Url;

use crate::catalog::location::url_within;
use crate::error::{Error, Result};

/// Refuses `table` if its current version names a data file or deletion vector outside the
/// table's folder.
pub fn check_files_inside(table: &DeltaTable) -> Result<()> {
    let mut root = table.table_url().clone();
    if !root.path().ends_with('/') {
        root.set_path(&format!("{}/", root.path()));
    }
    for file in table.snapshot()?.snapshot().try_log_data()? {
        check_path(&root, &file.path(), "data file")?;
        let Some(vector) = file.deletion_vector_descriptor() else {
            continue;
        };
        match vector.storage_type {
            StorageType::AbsolutePath => {
                check_path(&root, &vector.path_or_inline_dv, "deletion vector")?
            }
            StorageType::UuidRelativePath => {
                // `<random prefix><20 characters of base85 UUID>`: the prefix is a folder
                let text = &vector.path_or_inline_dv;
                let prefix = text.get(..text.len().saturating_sub(20));
                if !prefix.is_some_and(|p| p.chars().all(|c| c.is_ascii_alphanumeric())) {
                    return Err(outside(&root, text, "deletion vector"));
                }
            }
            StorageType::Inline => {}
        }
    }
    Ok(())
}

/// Resolves `path` as deltalake does (an absolute URL, or relative to `root`) and refuses it
/// unless it lies under `root`.
fn check_path(root: &Url, path: &str, what: &str) -> Result<()> {
    let resolved = Url::parse(path).or_else(|_| root.join(path));
    match resolved {
        Ok(url) if !path.contains('\\') && url_within(root, &url) => Ok(()),
        _ => Err(outside(root, path, what)),
    }
}

fn outside(root: &Url, path: &str, what: &str) -> Error {
    Error::Config(format!(
        "the Delta log names the {what} '{path}', outside the table folder {root}; a domain \
         reads only its own storage: rewrite the table so that every file lies inside its folder"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_as_deltalake_resolves_them() {
        let root = Url::parse("file:///cat/sales/data/orders/").unwrap();
        assert!(check_path(&root, "part-0.parquet", "data file").is_ok());
        assert!(check_path(&root, "year=2024/part-0.parquet", "data file").is_ok());
        assert!(
            check_path(
                &root,
                "file:///cat/sales/data/orders/p.parquet",
                "data file"
            )
            .is_ok()
        );
        for path in [
            "../customers/part-0.parquet",
            "/etc/passwd",
            "//host/x.parquet",
            "file:///etc/passwd",
            "s3://lake/other/x.parquet",
            "a/../../x.parquet",
            "..\\x.parquet",
        ] {
            let error = check_path(&root, path, "data file")
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("outside the table folder"),
                "{path}: {error}"
            );
        }
    }
}
