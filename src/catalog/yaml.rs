//! Reads one YAML file into a typed manifest, collecting unknown keys as warnings and naming
//! the field of any error. Files are bounded in size and nesting first ([`crate::catalog::bounds`]).

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::catalog::bounds::{check_nesting, read_bounded};
use crate::error::{Error, Result};

/// A parsed manifest and the keys in it that meshgate does not know.
#[derive(Debug)]
pub struct Parsed<T> {
    /// The typed manifest.
    pub value: T,
    /// Dotted paths of keys that were ignored (`schema.0.properties.1.logicalTyp`).
    pub unknown_keys: Vec<String>,
}

/// Reads and parses `file`.
pub fn read_manifest<T: DeserializeOwned>(file: &Path) -> Result<Parsed<T>> {
    let text = read_bounded(file)?;
    parse_manifest(file, &text)
}

/// Parses `text` (the contents of `file`), refusing text nested deeper than
/// [`crate::catalog::MAX_NESTING`] before serde sees it.
pub fn parse_manifest<T: DeserializeOwned>(file: &Path, text: &str) -> Result<Parsed<T>> {
    check_nesting(file, text)?;
    let mut unknown_keys = Vec::new();
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    let mut record = |path: serde_ignored::Path<'_>| unknown_keys.push(path.to_string());
    let tracked = serde_ignored::Deserializer::new(deserializer, &mut record);
    let value = serde_path_to_error::deserialize(tracked).map_err(|error| {
        let field = match error.path().to_string() {
            path if path == "." => "-".to_string(),
            path => path,
        };
        Error::Manifest {
            file: file.to_path_buf(),
            field,
            message: explain(&error.inner().to_string()),
        }
    })?;
    Ok(Parsed {
        value,
        unknown_keys,
    })
}

/// Turns serde's wording into advice on what to write.
fn explain(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("{message}; add `{field}: ...` to this entry");
    }
    if message.starts_with("invalid type") {
        return format!("{message}; see the worked example in README.md (\"Adding a product\")");
    }
    message.to_string()
}
