//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use meshgate::catalog::{Catalog, load_catalog};
use meshgate::config::StorageConfig;
use meshgate::engine::{Engine, plan_sql};
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;

/// The committed demo catalog.
pub fn demo_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog")
}

/// Copies `src` into `dst` recursively.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let target = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary copy of the demo catalog that a test may break.
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&demo_catalog(), dir.path());
    dir
}

/// Writes `text` to `path`, creating folders.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An engine over the catalog at `dir`.
pub fn engine(dir: &Path) -> Engine {
    engine_with(load_catalog(dir).unwrap(), StorageConfig::default())
}

/// An engine over `catalog` with object-store settings.
pub fn engine_with(catalog: Catalog, storage: StorageConfig) -> Engine {
    Engine::new(catalog, StorageOptions::new(storage)).unwrap()
}

/// Runs `sql` in a new session.
pub async fn query(engine: &Engine, sql: &str) -> meshgate::Result<Vec<RecordBatch>> {
    let session = engine.session(Arc::new(Principal::local_operator()))?;
    Ok(plan_sql(&session, sql).await?.collect().await?)
}

/// Runs `sql` and returns the single value it yields, as text.
pub async fn scalar(engine: &Engine, sql: &str) -> String {
    let batches = query(engine, sql).await.unwrap();
    let text = pretty_format_batches(&batches).unwrap().to_string();
    let line = text.lines().nth(3).unwrap();
    line.trim_matches(|c| c == '|' || c == ' ').to_string()
}

/// A contract for table `name` in the test domain `lab`, over `path` (relative to the
/// contract), with the given YAML `properties` lines.
pub fn lab_contract(name: &str, format: &str, path: &str, properties: &str) -> String {
    format!(
        "apiVersion: v3.1.0
kind: DataContract
id: lab-{name}
name: {name}
version: 1.0.0
status: active
domain: lab
schema:
  - name: {name}
    properties:
{properties}
servers:
  - server: local
    type: local
    format: {format}
    path: {path}
"
    )
}

/// Adds the domain `lab` to the catalog at `dir`, with a copy of the demo `region` data in
/// `lab/data/region` (a domain reads only its own folder).
pub fn lab_domain(dir: &Path) {
    write(
        &dir.join("lab/domain.yaml"),
        "name: lab\ndescription: tests\nteam: team-lab\ncontact: lab@example.com\n",
    );
    copy_dir(
        &demo_catalog().join("customers/data/region"),
        &dir.join("lab/data/region"),
    );
}

/// Appends a `domains:` section to the catalog's `mesh.yaml` assigning object-store
/// prefixes to domains.
pub fn assign_storage(dir: &Path, domains: &[(&str, &[&str])]) {
    let file = dir.join("mesh.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("domains:\n");
    for (domain, prefixes) in domains {
        text.push_str(&format!(
            "  {domain}:\n    storage: [{}]\n",
            prefixes.join(", ")
        ));
    }
    std::fs::write(&file, text).unwrap();
}

/// The `meshgate check` verdict and messages for `subject` in the catalog at `dir`.
pub async fn check_entry(dir: &Path, subject: &str) -> (String, String) {
    let report = meshgate::check::check(&engine(dir)).await;
    let entry = report
        .entries
        .iter()
        .find(|e| e.subject == subject)
        .unwrap();
    (entry.status.to_string(), entry.messages.join("\n"))
}
