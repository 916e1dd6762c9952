//! Confinement: a domain reads only its own storage. A local path resolves inside the
//! domain's folder (relative, no `..`, no URL, no symbolic link that leaves the folder); an
//! object-store location lies under a prefix that `mesh.yaml` assigns to the domain. Each
//! refusal names the location and the rule, and says what to write instead.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::catalog::Domain;
use crate::catalog::location::StoreLocation;

/// The rule for local paths, as messages state it.
pub const LOCAL_RULE: &str = "a domain reads only files inside its own folder";

/// The rule for object storage, as messages state it.
pub const STORE_RULE: &str = "a domain reads only object storage that mesh.yaml assigns to it";

/// Resolves the local `path` of a product of `domain` to an absolute location (canonical
/// where it exists; a folder ends in `/`), or says why it is refused.
pub fn resolve_local(domain: &Domain, path: &str) -> Result<String, String> {
    let refuse = |why: String, instead: &str| Err(format!("{why}; {LOCAL_RULE}: {instead}"));
    if path.contains("://") {
        return refuse(
            format!("'{path}' is a URL"),
            "write a path relative to this file, e.g. data/my_table (object storage takes \
             type: s3, gcs or azure)",
        );
    }
    let (fixed, glob) = split_glob(path);
    let relative = Path::new(fixed);
    if relative.has_root() || relative.is_absolute() {
        return refuse(
            format!("'{path}' is an absolute path"),
            "write a path relative to this file, e.g. data/my_table, and keep the data in the \
             domain's folder",
        );
    }
    if relative.components().any(|c| c == Component::ParentDir) {
        return refuse(
            format!("'{path}' contains '..'"),
            "write a path below this file's folder, e.g. data/my_table; data of another \
             domain is read through its own product",
        );
    }
    let relative: PathBuf = relative
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let joined = domain.folder.join(relative);
    let resolved = resolve_existing(&joined).map_err(|why| format!("{why}; {LOCAL_RULE}"))?;
    if !resolved.starts_with(&domain.folder) {
        return refuse(
            format!(
                "'{path}' resolves to {} through a symbolic link, outside the domain folder {}",
                resolved.display(),
                domain.folder.display()
            ),
            "move the data into the domain's folder",
        );
    }
    check_links(&resolved, &domain.folder).map_err(|why| {
        format!("'{path}' {why}; {LOCAL_RULE}: move the data into the domain's folder")
    })?;
    let mut location = resolved.to_string_lossy().to_string();
    if let Some(glob) = glob {
        location = format!("{}/{glob}", location.trim_end_matches('/'));
    } else if (path.ends_with('/') || resolved.is_dir()) && !location.ends_with('/') {
        location.push('/');
    }
    Ok(location)
}

/// Refuses an object-store `location` of `domain` unless it lies under one of the domain's
/// assigned prefixes.
pub fn check_store(domain: &Domain, location: &str) -> Result<(), String> {
    let parsed = StoreLocation::parse(location).map_err(|why| format!("{why}; {STORE_RULE}"))?;
    if domain.storage.iter().any(|prefix| prefix.contains(&parsed)) {
        return Ok(());
    }
    let assigned = if domain.storage.is_empty() {
        "none".to_string()
    } else {
        let all: Vec<String> = domain.storage.iter().map(|p| p.to_string()).collect();
        all.join(", ")
    };
    Err(format!(
        "'{location}' is not under a storage prefix of domain {name} (assigned: {assigned}); \
         {STORE_RULE}: use a location under an assigned prefix, or ask the mesh's governance to \
         add one under domains.{name}.storage in mesh.yaml",
        name = domain.name
    ))
}

/// Splits `path` at the first segment with a glob character: the fixed folder, and the rest.
fn split_glob(path: &str) -> (&str, Option<&str>) {
    let Some(at) = path.find(['*', '?', '[']) else {
        return (path, None);
    };
    match path[..at].rfind('/') {
        Some(slash) => (&path[..slash], Some(&path[slash + 1..])),
        None => ("", Some(path)),
    }
}

/// `path` with its longest existing ancestor canonicalized (symbolic links resolved) and the
/// missing rest appended; a dangling link is refused, since its target could appear later.
fn resolve_existing(path: &Path) -> Result<PathBuf, String> {
    let mut missing = Vec::new();
    let mut current = path;
    loop {
        match std::fs::canonicalize(current) {
            Ok(real) => return Ok(missing.iter().rev().fold(real, |p, c| p.join(c))),
            Err(_) if std::fs::symlink_metadata(current).is_ok() => {
                return Err(format!(
                    "{} is a symbolic link that points nowhere",
                    current.display()
                ));
            }
            Err(_) => {
                let (Some(parent), Some(name)) = (current.parent(), current.file_name()) else {
                    return Err(format!("{} cannot be resolved", path.display()));
                };
                missing.push(name.to_os_string());
                current = parent;
            }
        }
    }
}

/// Walks the folder `start` (if it is one) without following links, and refuses any
/// symbolic link under it whose target is outside `folder`; links to folders inside
/// `folder` are walked too, since listing follows them.
fn check_links(start: &Path, folder: &Path) -> Result<(), String> {
    let mut pending = vec![start.to_path_buf()];
    let mut seen = BTreeSet::new();
    while let Some(dir) = pending.pop() {
        if !dir.is_dir() || !seen.insert(dir.clone()) {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot be listed ({e})"))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot be listed ({e})"))?;
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot be listed ({e})"))?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_symlink() {
                let target = std::fs::canonicalize(entry.path()).map_err(|_| {
                    format!(
                        "holds {}, a symbolic link that points nowhere",
                        entry.path().display()
                    )
                })?;
                if !target.starts_with(folder) {
                    return Err(format!(
                        "holds {}, a symbolic link to {}, outside the domain folder {}",
                        entry.path().display(),
                        target.display(),
                        folder.display()
                    ));
                }
                pending.push(target);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(folder: &Path, storage: &[&str]) -> Domain {
        Domain {
            name: "lab".to_string(),
            description: None,
            team: "team-lab".to_string(),
            contact: String::new(),
            folder: std::fs::canonicalize(folder).unwrap(),
            storage: storage
                .iter()
                .map(|s| StoreLocation::parse(s).unwrap())
                .collect(),
        }
    }

    #[test]
    fn relative_paths_resolve_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lab/data/t")).unwrap();
        let lab = domain(&dir.path().join("lab"), &[]);
        let folder = lab.folder.display().to_string();
        assert_eq!(
            resolve_local(&lab, "data/t").unwrap(),
            format!("{folder}/data/t/")
        );
        assert_eq!(
            resolve_local(&lab, "./data/missing/").unwrap(),
            format!("{folder}/data/missing/")
        );
        assert_eq!(
            resolve_local(&lab, "data/t/*.parquet").unwrap(),
            format!("{folder}/data/t/*.parquet")
        );
        assert_eq!(
            resolve_local(&lab, "data/x.csv").unwrap(),
            format!("{folder}/data/x.csv")
        );
    }

    #[test]
    fn absolute_parent_and_url_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lab")).unwrap();
        let lab = domain(&dir.path().join("lab"), &[]);
        let refused = |p: &str| resolve_local(&lab, p).unwrap_err();
        assert!(refused("/etc/passwd").contains("'/etc/passwd' is an absolute path"));
        assert!(refused("../sales/data").contains("contains '..'"));
        assert!(refused("data/../../sales").contains("contains '..'"));
        assert!(refused("file:///etc/passwd").contains("is a URL"));
        assert!(refused("/etc/*.conf").contains("absolute path"));
        assert!(refused("../*/data").contains("contains '..'"));
        assert!(refused("data/../../x").contains(LOCAL_RULE));
    }

    #[test]
    fn symbolic_links_out_of_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lab_dir = dir.path().join("lab");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(lab_dir.join("data/t")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, lab_dir.join("data/away")).unwrap();
        std::os::unix::fs::symlink(&outside, lab_dir.join("data/t/inner")).unwrap();
        std::os::unix::fs::symlink(lab_dir.join("nowhere"), lab_dir.join("dangling")).unwrap();
        std::fs::create_dir_all(lab_dir.join("data/ok")).unwrap();
        std::os::unix::fs::symlink(lab_dir.join("data/ok"), lab_dir.join("data/alias")).unwrap();
        let lab = domain(&lab_dir, &[]);
        let away = resolve_local(&lab, "data/away/x.parquet").unwrap_err();
        assert!(
            away.contains("through a symbolic link, outside the domain folder"),
            "{away}"
        );
        let inner = resolve_local(&lab, "data/t").unwrap_err();
        assert!(inner.contains("a symbolic link to"), "{inner}");
        let dangling = resolve_local(&lab, "dangling/x").unwrap_err();
        assert!(dangling.contains("points nowhere"), "{dangling}");
        let alias = resolve_local(&lab, "data/alias").unwrap();
        assert!(alias.ends_with("/data/ok/"), "{alias}");
    }

    #[test]
    fn object_storage_must_be_assigned() {
        let dir = tempfile::tempdir().unwrap();
        let none = domain(dir.path(), &[]);
        let message = check_store(&none, "s3://lake/lab/t/").unwrap_err();
        assert!(message.contains("(assigned: none)"), "{message}");
        assert!(
            message.contains("domains.lab.storage in mesh.yaml"),
            "{message}"
        );
        let lab = domain(dir.path(), &["s3://lake/lab/"]);
        assert_eq!(check_store(&lab, "s3://lake/lab/t/"), Ok(()));
        assert_eq!(check_store(&lab, "s3://lake/lab/t/*.parquet"), Ok(()));
        let message = check_store(&lab, "s3://lake/labs/t/").unwrap_err();
        assert!(message.contains("assigned: s3://lake/lab/"), "{message}");
        let message = check_store(&lab, "s3://lake/lab/../sales/").unwrap_err();
        assert!(
            message.contains("'..'") && message.contains(STORE_RULE),
            "{message}"
        );
    }
}
