//! Walks a catalog folder: `mesh.yaml`, one folder per domain with `domain.yaml` and
//! `*.odcs.yaml` contracts. A broken domain or product is reported and skipped, and so is a
//! product that reads outside its domain's storage ([`crate::catalog::confine`]) or where
//! another domain's product already reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::assignments::{Assignments, storage_assignments, warn_unused};
use crate::catalog::manifest::{Contract, DomainManifest, MeshManifest};
use crate::catalog::overlap::refuse_shared_locations;
use crate::catalog::validate::{is_sql_identifier, validate_contract};
use crate::catalog::yaml::{Parsed, read_manifest};
use crate::catalog::{Catalog, Diagnostic, Domain, Product, RESERVED_DOMAINS, Severity};
use crate::error::{Error, Result};

/// Loads the catalog at `root`. Fails only when the folder or `mesh.yaml` cannot be read,
/// since `mesh.yaml` holds the governance rules every product is served under.
pub fn load_catalog(root: &Path) -> Result<Catalog> {
    let root = std::path::absolute(root).map_err(|e| Error::io(root, e))?;
    if !root.is_dir() {
        return Err(Error::Config(format!(
            "catalog folder {} does not exist; pass --catalog DIR or set MESHGATE_CATALOG",
            root.display()
        )));
    }
    let mut diagnostics = Vec::new();
    let mesh = load_mesh_manifest(&root, &mut diagnostics)?;
    let mesh_file = root.join("mesh.yaml");
    let assignments = storage_assignments(&mesh, &mesh_file, &mut diagnostics);
    let mut domains = Vec::new();
    let mut products = Vec::new();
    for dir in sorted_entries(&root)?.into_iter().filter(|p| p.is_dir()) {
        let Some(domain) = load_domain(&dir, &assignments, &mut diagnostics) else {
            continue;
        };
        products.extend(load_products(&dir, &domain, &mut diagnostics)?);
        domains.push(domain);
    }
    warn_unused(&assignments, &domains, &mesh_file, &mut diagnostics);
    let products = refuse_shared_locations(products, &root, &mut diagnostics);
    Ok(Catalog {
        root,
        mesh,
        domains,
        products,
        diagnostics,
    })
}

fn load_mesh_manifest(root: &Path, diagnostics: &mut Vec<Diagnostic>) -> Result<MeshManifest> {
    let file = root.join("mesh.yaml");
    if !file.exists() {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file,
            message: "no mesh.yaml: no global governance rules apply".to_string(),
        });
        return Ok(MeshManifest::default());
    }
    let parsed: Parsed<MeshManifest> = read_manifest(&file)?;
    report_unknown_keys(&file, &parsed.unknown_keys, diagnostics);
    Ok(parsed.value)
}

fn load_domain(
    dir: &Path,
    assignments: &Assignments,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Domain> {
    let folder = dir.file_name()?.to_string_lossy().to_string();
    if folder.starts_with('.') {
        return None;
    }
    let file = dir.join("domain.yaml");
    let mut error = |message: String| {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: file.clone(),
            message,
        });
        None
    };
    if RESERVED_DOMAINS.contains(&folder.as_str()) {
        return error(format!(
            "domain name '{folder}' is reserved for system schemas ({}); rename the folder",
            RESERVED_DOMAINS.join(", ")
        ));
    }
    if !is_sql_identifier(&folder) {
        return error(format!(
            "domain folder '{folder}' is not a SQL name; use lowercase letters, digits and _"
        ));
    }
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return error(format!(
            "folder '{folder}' is a symbolic link; a domain folder must be a real folder of \
             the catalog, since its products read only inside it"
        ));
    }
    let canonical = match std::fs::canonicalize(dir) {
        Ok(canonical) => canonical,
        Err(e) => return error(format!("folder '{folder}' cannot be resolved: {e}")),
    };
    if !file.exists() {
        return error(format!(
            "folder '{folder}' has no domain.yaml; add one with name: {folder}, team and contact"
        ));
    }
    let parsed: Parsed<DomainManifest> = match read_manifest(&file) {
        Ok(parsed) => parsed,
        Err(e) => return error(format!("domain skipped: {e}")),
    };
    let manifest = parsed.value;
    if manifest.name != folder {
        return error(format!(
            "name: '{}' must equal the folder name; write name: {folder}",
            manifest.name
        ));
    }
    report_unknown_keys(&file, &parsed.unknown_keys, diagnostics);
    Some(Domain {
        team: manifest
            .team
            .unwrap_or_else(|| format!("{folder} domain team")),
        contact: manifest.contact.unwrap_or_default(),
        description: manifest.description,
        folder: canonical,
        storage: assignments.get(&folder).cloned().unwrap_or_default(),
        name: folder,
    })
}

fn load_products(
    dir: &Path,
    domain: &Domain,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Arc<Product>>> {
    let mut products = Vec::new();
    let mut tables = BTreeSet::new();
    for file in sorted_entries(dir)? {
        let name = file.file_name().map(|n| n.to_string_lossy().to_string());
        if !name.is_some_and(|n| n.ends_with(".odcs.yaml") || n.ends_with(".odcs.yml")) {
            continue;
        }
        match load_product(&file, domain, diagnostics) {
            Ok(product) => {
                let clash = product.tables.iter().find(|t| tables.contains(&t.name));
                if let Some(table) = clash {
                    diagnostics.push(Diagnostic {
                        severity: Severity::Error,
                        file,
                        message: format!(
                            "table {}.{} is already published by another product of this \
                             domain; rename schema[].name",
                            domain.name, table.name
                        ),
                    });
                    continue;
                }
                tables.extend(product.tables.iter().map(|t| t.name.clone()));
                products.push(Arc::new(product));
            }
            Err(e) => diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file,
                message: format!("product skipped: {}", strip_file(&e)),
            }),
        }
    }
    Ok(products)
}

fn load_product(
    file: &Path,
    domain: &Domain,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Product> {
    let parsed: Parsed<Contract> = read_manifest(file)?;
    let product = validate_contract(file, parsed.value, domain)?;
    report_unknown_keys(file, &parsed.unknown_keys, diagnostics);
    Ok(product)
}

/// Manifest errors already name the file; the diagnostic carries it separately.
fn strip_file(error: &Error) -> String {
    match error {
        Error::Manifest { field, message, .. } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

fn report_unknown_keys(file: &Path, keys: &[String], diagnostics: &mut Vec<Diagnostic>) {
    for key in keys {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file: file.to_path_buf(),
            message: format!("unknown key '{key}' ignored; check its spelling against ODCS v3.1"),
        });
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::io(dir, e))?;
    paths.sort();
    Ok(paths)
}
