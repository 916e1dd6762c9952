//! The meshgate side: the demo mesh generated at the bench's scale (cached), served
//! in-process on 127.0.0.1:0 exactly as `meshgate serve` serves it (durable audit log
//! included), and queried by tokio-postgres over TCP as the admin user.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use meshgate::catalog::load_catalog;
use meshgate::config::{Config, UserConfig};
use meshgate::engine::Engine;
use meshgate::policy::audit::AuditLog;
use meshgate::server::auth::ScramVerifier;
use meshgate::server::{ServeOptions, Server};
use meshgate::storage::StorageOptions;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::Rows;

const USER: &str = "bench_admin";
const PASSWORD: &str = "bench";

/// meshgate serving the mesh, and one connected client.
pub struct Meshgate {
    client: Client,
    _audit: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Meshgate {
    /// Serves `catalog` and connects.
    pub async fn start(catalog: &Path) -> Meshgate {
        let audit = tempfile::tempdir().expect("audit dir");
        let engine = Engine::new(
            load_catalog(catalog).expect("catalog"),
            StorageOptions::default(),
        )
        .expect("engine")
        .with_audit_log(AuditLog::open(audit.path()).expect("audit log"));
        let admin = UserConfig {
            scram: Some(
                ScramVerifier::generate(PASSWORD, 4096)
                    .expect("verifier")
                    .to_string(),
            ),
            roles: vec!["meshgate_admin".into()],
            attributes: BTreeMap::new(),
        };
        let config = Config {
            users: BTreeMap::from([(USER.to_string(), admin)]),
            ..Config::default()
        };
        let options = ServeOptions {
            listen: "127.0.0.1:0".into(),
            ..ServeOptions::default()
        };
        let server = Server::bind(engine, &config, options).await.expect("bind");
        let port = server.local_addr().expect("address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        let (client, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user={USER} password={PASSWORD} dbname=mesh"),
            NoTls,
        )
        .await
        .expect("connect to meshgate");
        tokio::spawn(connection);
        Meshgate {
            client,
            _audit: audit,
            _stop: stop,
        }
    }

    /// Runs `sql` with the simple query protocol (text results, as psql reads them).
    pub async fn run(&mut self, sql: &str) -> Result<(Rows, Duration), String> {
        let start = Instant::now();
        let messages = self
            .client
            .simple_query(sql)
            .await
            .map_err(|e| format!("{e}: {}", e.as_db_error().map_or("", |d| d.message())))?;
        let elapsed = start.elapsed();
        let rows = messages
            .into_iter()
            .filter_map(|message| match message {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        Ok((rows, elapsed))
    }
}
