//! Runs `tests/slt/**/*.slt` against the demo mesh twice: in-process (one engine session
//! per file and user) and through `meshgate serve` over the PostgreSQL protocol (one
//! tokio-postgres connection per file and user). Both render cells in PostgreSQL's text
//! form, so one expected output serves both.
//!
//! Records marked `onlyif wire` run only over the wire (session commands of the wire front
//! end), `onlyif in_process` only in process.
//!
//! `cargo test --test slt` runs every file; `cargo test --test slt -- FILTER` runs the files
//! whose path contains FILTER; `-- --complete` rewrites the expected output in place (from
//! the in-process run; it also turns `statement error (SQLSTATE)` checks into message
//! checks, so put those back before committing).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod engine;
mod output;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use meshgate::catalog::load_catalog;
use meshgate::config::Config;
use meshgate::engine::Engine;
use meshgate::policy::Principal;
use meshgate::storage::StorageOptions;
use sqllogictest::{AsyncDB, MakeConnection, Runner};

use crate::engine::InProcess;
use crate::output::SltDb;
use crate::wire::{OverWire, WireServer};

fn slt_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/slt is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            slt_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "slt") {
            files.push(path);
        }
    }
}

/// The demo users every file under `tests/slt/security/` runs as, once each.
const SECURITY_USERS: [&str; 3] = ["admin", "analyst", "emea"];

/// Who runs `file`: the security files run as each demo user of `meshgate.toml`, the others
/// as the local operator (`meshgate`).
fn principals_for(file: &str, config: &Config) -> Vec<(&'static str, Principal)> {
    if !file.contains("/security/") {
        return vec![("meshgate", Principal::local_operator())];
    }
    SECURITY_USERS
        .iter()
        .map(|user| {
            (
                *user,
                config.principal(user).expect("demo user in meshgate.toml"),
            )
        })
        .collect()
}

/// Runs (or with `complete`, rewrites) `file` with connections made by `connect`. `path` is
/// `in_process` or `wire`, a label for `onlyif wire` records: session commands (`SET
/// search_path`, `DEALLOCATE`, `set_config`) belong to the wire front end's session.
async fn run_file<D, M>(file: &Path, connect: M, complete: bool, path: &str) -> Result<(), String>
where
    D: AsyncDB<ColumnType = sqllogictest::DefaultColumnType> + 'static,
    M: MakeConnection<Conn = D>,
{
    let mut runner = Runner::new(connect);
    runner.add_label(path);
    if complete {
        runner
            .update_test_file(
                file,
                " ",
                sqllogictest::default_validator,
                sqllogictest::default_normalizer,
                sqllogictest::default_column_validator,
            )
            .await
            .map_err(|e| e.to_string())
    } else {
        runner
            .run_file_async(file)
            .await
            .map_err(|e| e.display(true).to_string())
    }
}

/// The user a file's connections log in as over the wire: the local operator of the
/// in-process run is an admin, so `admin`.
fn wire_user(engine_name: &'static str) -> &'static str {
    if engine_name == "meshgate" {
        "admin"
    } else {
        engine_name
    }
}

fn report(label: String, result: Result<(), String>, passed: &mut usize, failed: &mut usize) {
    match result {
        Ok(()) => {
            *passed += 1;
            println!("ok      {label}");
        }
        Err(error) => {
            *failed += 1;
            println!("FAILED  {label}\n{error}");
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let complete = args.iter().any(|a| a == "--complete");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let new_engine = || {
        let catalog = load_catalog(&root.join("catalog")).expect("the demo catalog loads");
        Engine::new(catalog, StorageOptions::default()).expect("engine")
    };
    let engine = Arc::new(new_engine());
    let catalog_root = engine.registry().catalog().root.display().to_string();
    let config = Config::load(&root.join("meshgate.toml"), true).expect("meshgate.toml loads");
    let server = WireServer::start(new_engine(), &config).await;

    let mut files = Vec::new();
    slt_files(&root.join("tests/slt"), &mut files);
    files.retain(|f| {
        filters.is_empty()
            || filters
                .iter()
                .any(|x| f.to_string_lossy().contains(x.as_str()))
    });

    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        for (engine_name, principal) in principals_for(&name, &config) {
            let (engine, root, principal) = (
                Arc::clone(&engine),
                catalog_root.clone(),
                Arc::new(principal),
            );
            let in_process = move || {
                let ctx = engine.session(Arc::clone(&principal)).expect("session");
                let catalog_root = root.clone();
                async move {
                    Ok(SltDb {
                        backend: InProcess(ctx),
                        catalog_root,
                        engine_name,
                    })
                }
            };
            let result = run_file(file, in_process, complete, "in_process").await;
            report(
                format!("{name} as {engine_name}"),
                result,
                &mut passed,
                &mut failed,
            );
            if complete {
                continue;
            }
            let (port, root) = (server.port, catalog_root.clone());
            let over_wire = move || {
                let catalog_root = root.clone();
                async move {
                    Ok(SltDb {
                        backend: OverWire::connect(port, wire_user(engine_name)).await?,
                        catalog_root,
                        engine_name,
                    })
                }
            };
            let result = run_file(file, over_wire, false, "wire").await;
            let label = format!("{name} as {} over pgwire", wire_user(engine_name));
            report(label, result, &mut passed, &mut failed);
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 || files.is_empty() {
        std::process::exit(1);
    }
}
