//! The object-store prefixes `mesh.yaml` assigns to each domain (`domains.<name>.storage`),
//! validated: a prefix that is not a plain object-store URL is an error naming it and is not
//! assigned. Two domains may be given overlapping prefixes (a shared bucket); what they may not
//! do is serve overlapping locations, which the loader checks per product. An assignment to a
//! domain that did not load is a warning: it grants nothing.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog::location::StoreLocation;
use crate::catalog::manifest::MeshManifest;
use crate::catalog::{Diagnostic, Domain, Severity};

/// Each domain's assigned prefixes, by domain name.
pub type Assignments = BTreeMap<String, Vec<StoreLocation>>;

/// Validates `mesh.domains` (read from `file`), reporting problems into `diagnostics`.
pub fn storage_assignments(
    mesh: &MeshManifest,
    file: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Assignments {
    let mut error = |message: String| {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            message,
        });
    };
    let mut assignments = Assignments::new();
    for (domain, entry) in &mesh.domains {
        let prefixes = assignments.entry(domain.clone()).or_default();
        for (i, text) in entry.storage.iter().enumerate() {
            let field = format!("domains.{domain}.storage[{i}]");
            let prefix = match StoreLocation::parse(text) {
                Ok(prefix) if prefix.has_glob() => {
                    error(format!(
                        "{field}: '{text}' has a glob; assign a plain prefix such as \
                         s3://lake/{domain}/"
                    ));
                    continue;
                }
                Ok(prefix) => prefix,
                Err(why) => {
                    error(format!("{field}: {why}; not assigned"));
                    continue;
                }
            };
            prefixes.push(prefix);
        }
    }
    assignments
}

/// Warns about assignments in `file` to domains that are not among `domains`.
pub fn warn_unused(
    assignments: &Assignments,
    domains: &[Domain],
    file: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for name in assignments.keys() {
        if !domains.iter().any(|d| &d.name == name) {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                file: file.to_path_buf(),
                message: format!(
                    "domains.{name}: no domain '{name}' loaded, so its storage is assigned to \
                     nobody; fix the name or add the folder {name}/ with a domain.yaml"
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::manifest::MeshDomain;

    fn mesh(domains: &[(&str, &[&str])]) -> MeshManifest {
        let mut mesh = MeshManifest::default();
        for (name, storage) in domains {
            let storage = storage.iter().map(|s| s.to_string()).collect();
            mesh.domains
                .insert(name.to_string(), MeshDomain { storage });
        }
        mesh
    }

    fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics.iter().map(|d| d.message.clone()).collect()
    }

    #[test]
    fn valid_prefixes_are_assigned_and_bad_ones_reported() {
        let manifest = mesh(&[
            ("customers", &["gs://lake/customers"]),
            (
                "sales",
                &["s3://lake/sales/", "s3://lake/sales/../x", "s3://lake/s*/"],
            ),
        ]);
        let mut diagnostics = Vec::new();
        let assigned = storage_assignments(&manifest, Path::new("mesh.yaml"), &mut diagnostics);
        assert_eq!(assigned["sales"].len(), 1);
        assert_eq!(assigned["customers"].len(), 1);
        let reported = messages(&diagnostics);
        assert_eq!(reported.len(), 2, "{reported:?}");
        assert!(
            reported[0].starts_with("domains.sales.storage[1]: "),
            "{reported:?}"
        );
        assert!(reported[1].contains("has a glob"), "{reported:?}");
    }

    #[test]
    fn assignments_to_unknown_domains_are_warnings() {
        let manifest = mesh(&[
            ("sales", &["s3://lake/sales/"]),
            ("sale", &["s3://lake/x/"]),
        ]);
        let mut diagnostics = Vec::new();
        let assigned = storage_assignments(&manifest, Path::new("mesh.yaml"), &mut diagnostics);
        let sales = Domain {
            name: "sales".to_string(),
            description: None,
            team: String::new(),
            contact: String::new(),
            folder: "/cat/sales".into(),
            storage: assigned["sales"].clone(),
        };
        warn_unused(
            &assigned,
            &[sales],
            Path::new("mesh.yaml"),
            &mut diagnostics,
        );
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].severity, Severity::Warning);
        assert!(
            diagnostics[0]
                .message
                .starts_with("domains.sale: no domain 'sale' loaded"),
            "{}",
            diagnostics[0].message
        );
    }
}
