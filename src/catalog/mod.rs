//! The catalog of data products: manifests on disk, validated into [`Catalog`].

mod assignments;
mod bounds;
pub mod confine;
pub mod keys;
pub mod loader;
pub mod location;
pub mod manifest;
mod overlap;
pub mod product;
pub mod registry;
mod validate;
pub mod yaml;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use bounds::{MAX_MANIFEST_BYTES, MAX_NESTING};
pub use loader::load_catalog;
pub use product::{ColumnSpec, Format, LogicalType, Product, ServerKind, StorageSpec, TableSpec};
pub use registry::Registry;

use crate::catalog::location::StoreLocation;
use crate::catalog::manifest::MeshManifest;

/// `file` relative to the catalog folder `root`, for messages (as is when outside it).
pub fn relative_to(root: &std::path::Path, file: &std::path::Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// Domain names that would clash with SQL system schemas.
pub const RESERVED_DOMAINS: [&str; 4] = ["mesh", "public", "pg_catalog", "information_schema"];

/// Everything loaded from a catalog folder.
#[derive(Debug)]
pub struct Catalog {
    /// The catalog folder.
    pub root: PathBuf,
    /// `mesh.yaml`.
    pub mesh: MeshManifest,
    /// Domains that loaded, sorted by name.
    pub domains: Vec<Domain>,
    /// Products that loaded, sorted by domain and name.
    pub products: Vec<Arc<Product>>,
    /// Problems found while loading; errors mean something was skipped.
    pub diagnostics: Vec<Diagnostic>,
}

impl Catalog {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// A business domain: one folder of the catalog.
#[derive(Debug, Clone)]
pub struct Domain {
    /// Domain name (= SQL schema).
    pub name: String,
    /// What the domain covers.
    pub description: Option<String>,
    /// Owning team.
    pub team: String,
    /// How to reach the team.
    pub contact: String,
    /// The domain's folder, canonical: its local products read only below it.
    pub folder: PathBuf,
    /// Object-store prefixes `mesh.yaml` assigns to the domain: its only object storage.
    pub storage: Vec<StoreLocation>,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Loaded, but something deserves a look.
    Warning,
    /// Skipped: the thing named did not load.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in the catalog.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// The file concerned.
    pub file: PathBuf,
    /// What it is about and what to do.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.severity,
            self.file.display(),
            self.message
        )
    }
}
