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
use meshgate::server::auth::{ScramVerifier, user_entry};
use meshgate::server::{ServeOptions, Server};
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
    /// Serve the mesh over the PostgreSQL wire protocol (database `mesh`).
    Serve(ServeArgs),
    /// Print a `[users.NAME]` entry with a SCRAM-SHA-256 verifier for meshgate.toml; the
    /// password is read from the terminal, or from stdin when it is not a terminal.
    Passwd(PasswdArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    catalog: CatalogArgs,
    /// Address to listen on [default: `listen` in the settings file, else 127.0.0.1:5433].
    #[arg(long, env = "MESHGATE_LISTEN")]
    listen: Option<String>,
    /// Connections served at once; more are refused with SQLSTATE 53300 [default: 100].
    #[arg(long, env = "MESHGATE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
}

#[derive(Debug, Args)]
struct PasswdArgs {
    /// The user name.
    #[arg(default_value = "user")]
    user: String,
    /// PBKDF2 iterations.
    #[arg(long, default_value_t = meshgate::server::auth::DEFAULT_ITERATIONS)]
    iterations: u32,
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
        .fmt_fields(meshgate::log::EscapedFields::default())
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
            let (engine, _) = load(&args)?;
            let report = meshgate::check::check(&engine).await;
            println!("{report}");
            Ok(if report.has_errors() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Query(args) => {
            let (engine, config) = load(&args.catalog)?;
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
        Command::Serve(args) => serve(args).await,
        Command::Passwd(args) => {
            let password = read_password()?;
            let verifier = ScramVerifier::generate(&password, args.iterations)?;
            print!("{}", user_entry(&args.user, &verifier));
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

/// The settings file and an engine over the catalog it (or the flag) names, with the
/// durable audit log when `audit_dir` is set.
fn load(args: &CatalogArgs) -> Result<(Engine, Config)> {
    let mut config = match &args.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(Path::new("meshgate.toml"), false)?,
    };
    let catalog_dir = args
        .catalog
        .clone()
        .or(config.catalog.clone())
        .unwrap_or_else(|| Path::new("catalog").to_path_buf());
    let catalog = load_catalog(&catalog_dir)?;
    let storage = std::mem::take(&mut config.storage);
    let mut engine = Engine::new(catalog, StorageOptions::new(storage))?;
    if let Some(dir) = &config.audit_dir {
        engine = engine.with_audit_log(AuditLog::open(dir)?);
    }
    Ok((engine, config))
}

async fn serve(args: ServeArgs) -> Result<ExitCode> {
    let (engine, config) = load(&args.catalog)?;
    for error in engine.registry().catalog().diagnostics.iter() {
        if error.severity == Severity::Error {
            eprintln!("{error} (see meshgate check)");
        }
    }
    let defaults = ServeOptions::default();
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        (None, None) => None,
        _ => {
            return Err(Error::Config(
                "set both tls_cert and tls_key, or neither".into(),
            ));
        }
    };
    let options = ServeOptions {
        listen: args
            .listen
            .or(config.listen.clone())
            .unwrap_or(defaults.listen),
        tls,
        require_tls: config.require_tls,
        max_connections: args
            .max_connections
            .or(config.max_connections)
            .unwrap_or(defaults.max_connections),
        shutdown_grace: defaults.shutdown_grace,
    };
    let server = Server::bind(engine, &config, options).await?;
    let addr = server.local_addr()?;
    eprintln!("meshgate serving database mesh on {addr} (Ctrl-C to stop)");
    server.run(shutdown_signal()).await?;
    eprintln!("meshgate stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// A password from the terminal (asked twice, not echoed) or the first line of stdin.
fn read_password() -> Result<String> {
    use std::io::IsTerminal;
    let io = |e| Error::io("<stdin>", e);
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(io)?;
        let again = rpassword::prompt_password("Again: ").map_err(io)?;
        if first != again {
            return Err(Error::Config("the passwords differ".into()));
        }
        return non_empty(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(io)?;
    non_empty(line.trim_end_matches(['\n', '\r']).to_string())
}

fn non_empty(password: String) -> Result<String> {
    if password.is_empty() {
        return Err(Error::Config("an empty password is not allowed".into()));
    }
    Ok(password)
}
