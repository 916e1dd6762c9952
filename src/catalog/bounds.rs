//! Bounds on catalog files, checked before the YAML parser sees them. A file larger than
//! [`MAX_MANIFEST_BYTES`] or nested deeper than [`MAX_NESTING`] levels is refused at once, so a
//! hostile manifest can neither exhaust memory nor stall the loader: libyaml, under
//! serde_yaml_ng, needs time quadratic in the nesting depth before serde's own recursion limit
//! is reached.

use std::io::Read;
use std::path::Path;

use saphyr_parser::{Event, Parser};

use crate::error::{Error, Result};

/// The largest catalog file (`mesh.yaml`, `domain.yaml`, a contract) meshgate reads: 1 MiB.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The deepest nesting of mappings and sequences a catalog file may have. An ODCS contract
/// needs about six levels (`schema[].properties[].tags[]`).
pub const MAX_NESTING: usize = 64;

/// Reads `file` as text, refusing anything but a regular file of at most
/// [`MAX_MANIFEST_BYTES`] (a FIFO or `/dev/zero` behind a symbolic link would block or never end).
pub fn read_bounded(file: &Path) -> Result<String> {
    let fail = |message: String| Error::Manifest {
        file: file.to_path_buf(),
        field: "-".to_string(),
        message,
    };
    let metadata = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
    if !metadata.is_file() {
        return Err(fail(
            "is not a regular file; a manifest is a plain YAML file in its domain's folder"
                .to_string(),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_MANIFEST_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| Error::io(file, e))?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(fail(format!(
            "the file is larger than {MAX_MANIFEST_BYTES} bytes (1 MiB), the limit for catalog \
             files; split the product into several contracts or shorten its descriptions"
        )));
    }
    Ok(text)
}

/// Refuses `text` (the contents of `file`) if it nests deeper than [`MAX_NESTING`] levels or
/// is not YAML. A streaming parser walks its events and stops at the first level too deep,
/// so the work done is bounded by the limit, not by the attacker's depth.
pub fn check_nesting(file: &Path, text: &str) -> Result<()> {
    let fail = |message: String| Error::Manifest {
        file: file.to_path_buf(),
        field: "-".to_string(),
        message,
    };
    let too_deep = |line: usize| {
        fail(format!(
            "nested deeper than {MAX_NESTING} levels (at line {line}); a catalog file is a \
             shallow YAML document: flatten the structure"
        ))
    };
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            // the scanner reads ahead of the events and has a flow-depth limit of its own
            if e.info().contains("recursion limit") {
                return too_deep(e.marker().line());
            }
            fail(format!(
                "not valid YAML at line {}, column {}: {}; fix the syntax",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            ))
        })?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(span.start.line()));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nesting(text: &str) -> std::result::Result<(), String> {
        check_nesting(Path::new("x.yaml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_contract_like_document_passes() {
        let text = "schema:\n  - name: t\n    properties:\n      - name: c\n        tags: [a, b]\n";
        assert_eq!(nesting(text), Ok(()));
    }

    #[test]
    fn deep_flow_and_block_nesting_are_refused_with_the_line() {
        let flow = format!("a: {}1{}", "[".repeat(50_000), "]".repeat(50_000));
        let error = nesting(&flow).unwrap_err();
        assert!(
            error.contains("nested deeper than 64 levels (at line 1)"),
            "{error}"
        );
        let block: String = (0..70)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let error = nesting(&block).unwrap_err();
        assert!(
            error.contains("nested deeper than 64 levels (at line 65)"),
            "{error}"
        );
        let compact = format!("{}x\n", "- ".repeat(100));
        assert!(nesting(&compact).unwrap_err().contains("deeper than 64"));
    }

    #[test]
    fn exactly_the_limit_passes() {
        let text = format!("{}1{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert_eq!(nesting(&text), Ok(()));
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let text = format!("a: '{}'\nb: \"{}\"\n", "[".repeat(100), "{".repeat(100));
        assert_eq!(nesting(&text), Ok(()));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let error = nesting("a: [1, 2\nb: c\n").unwrap_err();
        assert!(error.contains("not valid YAML at line"), "{error}");
    }

    #[test]
    fn large_and_irregular_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        let line = "# padding padding padding padding padding padding padding padding\n";
        std::fs::write(&big, line.repeat(20_000)).unwrap();
        let error = read_bounded(&big).unwrap_err().to_string();
        assert!(
            error.contains("larger than 1048576 bytes (1 MiB)"),
            "{error}"
        );
        let error = read_bounded(dir.path()).unwrap_err().to_string();
        assert!(error.contains("is not a regular file"), "{error}");
        let small = dir.path().join("small.yaml");
        std::fs::write(&small, "a: 1\n").unwrap();
        assert_eq!(read_bounded(&small).unwrap(), "a: 1\n");
    }
}
