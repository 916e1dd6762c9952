//! `meshgate serve` as a child process (the binary built with the bench, so its memory is
//! its own), configured with one admin user over the generated mesh, on a free port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use meshgate::server::auth::ScramVerifier;
use tokio_postgres::{Client, NoTls};

const USER: &str = "bench_admin";
const PASSWORD: &str = "bench";

/// The running server; killed when dropped.
pub struct MeshgateProcess {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl MeshgateProcess {
    /// Starts `meshgate serve` over `catalog` and waits until it listens.
    pub fn start(catalog: &Path) -> MeshgateProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let verifier = ScramVerifier::generate(PASSWORD, 4096).expect("verifier");
        let config = format!(
            "catalog = {catalog:?}\naudit_dir = \"audit\"\n\n[users.{USER}]\nscram = \"{verifier}\"\nroles = [\"meshgate_admin\"]\n",
            catalog = catalog.display().to_string(),
        );
        let config_file = dir.path().join("meshgate.toml");
        std::fs::write(&config_file, config).expect("write the config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshgate"))
            .arg("serve")
            .arg("--config")
            .arg(&config_file)
            .args(["--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start meshgate serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("meshgate serve exited before listening")
                .expect("read stderr");
            if let Some(rest) = line.split("serving database mesh on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        // keep draining the log so the server never blocks on a full pipe
        std::thread::spawn(move || lines.for_each(drop));
        MeshgateProcess {
            child,
            address,
            _dir: dir,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A client logged in as the admin.
    pub async fn connect(&self) -> Client {
        let (host, port) = self.address.rsplit_once(':').expect("host:port");
        let (client, connection) = tokio_postgres::connect(
            &format!("host={host} port={port} user={USER} password={PASSWORD} dbname=mesh"),
            NoTls,
        )
        .await
        .expect("connect to meshgate");
        tokio::spawn(connection);
        client
    }
}

impl Drop for MeshgateProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
