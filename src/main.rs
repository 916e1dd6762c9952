//! The `meshgate` command line: parses arguments, builds the engine, runs one command.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use futures::TryStreamExt;
use meshgate::catalog::{Severity, load_catalog};
use meshgate::config::Config;
use meshgate::engine::{Engine, execute_sql};
use meshgate::output::{OutputFormat, write_batches};
use meshgate::policy::Principal;
use meshgate::policy::audit::AuditLog;
use meshgate::storage::StorageOptions;
use meshgate::{Error, Result};

/// Federated SQL query gateway for a data mesh.
#[derive(Debug, Parser)]
#[command(name = "meshgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load every manifest, open every product's storage, compare declared and actual
    /// schemas; exits non-zero if anything is wrong.
    Check(CatalogArgs),
    /// Run one SQL statement against the mesh and print the result.
    Query(QueryArgs),
    /// Write a complete demo mesh (manifests and TPC-H data) at a chosen scale factor.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct CatalogArgs {
    /// Settings file [default: meshgate.toml, if present].
    #[arg(long, env = "MESHGATE_CONFIG")]
    config: Option<PathBuf>,
    /// Catalog folder (overrides `catalog` in the settings file).
    #[arg(long, env = "MESHGATE_CATALOG")]
    catalog: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct QueryArgs {
    #[command(flatten)]
    catalog: CatalogArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// Run as this user of meshgate.toml, with its roles, filters and masks. Trusts the
    /// caller (no password): for local use and tests. Without it the statement runs as the
    /// local operator, with meshgate_admin.
    #[arg(long, env = "MESHGATE_USER")]
    user: Option<String>,
    /// The SQL statement.
    sql: String,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// TPC-H scale factor (1 = 6 million line items).
    #[arg(long, default_value = "0.01")]
    scale: f64,
    /// Folder to write the mesh into.
    #[arg(long)]
    out: PathBuf,
    /// Replace demo data already in the folder.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MESHGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error [{}]: {error}", error.sqlstate());
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check(args) => {
            let (_, engine) = build_engine(&args)?;
            let report = meshgate::check::check(&engine).await;
            println!("{report}");
            Ok(if report.has_errors() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Query(args) => {
            let (config, engine) = build_engine(&args.catalog)?;
            let principal = match &args.user {
                None => Principal::local_operator(),
                Some(user) => config.principal(user).ok_or_else(|| {
                    Error::Config(format!(
                        "no user '{user}' in the settings file; add [users.{user}] to meshgate.toml"
                    ))
                })?,
            };
            let diagnostics = &engine.registry().catalog().diagnostics;
            for error in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
                eprintln!("{error} (see meshgate check)");
            }
            let session = engine.session(Arc::new(principal))?;
            let stream = execute_sql(&session, &args.sql, None).await?;
            let schema = stream.schema();
            let batches: Vec<_> = stream.try_collect().await?;
            let mut stdout = std::io::stdout().lock();
            write_batches(&mut stdout, &schema, &batches, args.format)?;
            stdout.flush().map_err(|e| Error::io("<stdout>", e))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let written = meshgate::demo::write_demo(args.scale, &args.out, args.force).await?;
            for dir in written {
                println!("wrote {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn build_engine(args: &CatalogArgs) -> Result<(Config, Engine)> {
    let config = match &args.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(Path::new("meshgate.toml"), false)?,
    };
    let catalog_dir = args
        .catalog
        .clone()
        .or(config.catalog.clone())
        .unwrap_or_else(|| Path::new("catalog").to_path_buf());
    let catalog = load_catalog(&catalog_dir)?;
    let mut engine = Engine::new(catalog, StorageOptions::new(config.storage.clone()))?;
    if let Some(dir) = &config.audit_dir {
        engine = engine.with_audit_log(AuditLog::open(dir)?);
    }
    Ok((config, engine))
}
