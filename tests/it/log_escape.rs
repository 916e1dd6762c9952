//! The real `meshgate serve` binary's log: a client's newlines (in its user and database
//! names and inside a SCRAM message) stay escaped on their own line and forge nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::demo_catalog;
use crate::wire::{message, read_message, reply, sasl_initial, started, startup};

/// `meshgate serve` on a free port, with its stderr lines arriving on a channel.
struct Serving {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Serving {
    fn start(dir: &std::path::Path) -> (Serving, u16) {
        let config = dir.join("meshgate.toml");
        let admin =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/meshgate.toml")).unwrap();
        let users = &admin[admin.find("[users.admin]").unwrap()..];
        let catalog = demo_catalog();
        let text = format!("catalog = {:?}\n{users}", catalog.to_str().unwrap());
        std::fs::write(&config, text).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshgate"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .env("MESHGATE_LOG", "info")
            .env("NO_COLOR", "1")
            .env_remove("MESHGATE_LISTEN")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut serving = Serving {
            child,
            lines,
            seen: Vec::new(),
        };
        let ready = serving.wait_for("serving database mesh on ");
        let port = ready.rsplit(':').next().unwrap();
        let port = port.split_whitespace().next().unwrap().parse().unwrap();
        (serving, port)
    }

    /// The first stderr line containing `text`, waiting up to a minute.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(line) = self.seen.iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no {text:?} in the log:\n{}", self.seen.join("\n")),
            }
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_newlines_cannot_forge_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serving, port) = Serving::start(dir.path());

    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let params = [
        ("user", "mallory\nERROR forged-user"),
        ("database", "mesh\nERROR forged-database"),
        ("application_name", "psql\nERROR forged-application"),
    ];
    socket.write_all(&startup(&params)).await.unwrap();
    reply(&mut socket).await;

    let mut socket = started(port, "mallory\nERROR forged-login").await;
    socket
        .write_all(&sasl_initial("n,,n=,r=abc"))
        .await
        .unwrap();
    read_message(&mut socket).await.unwrap();
    let last = message(b'p', b"junk\nERROR forged-scram");
    socket.write_all(&last).await.unwrap();
    reply(&mut socket).await;

    let refused = serving.wait_for("forged-database");
    let failed = serving.wait_for("forged-scram");
    for line in &serving.seen {
        assert!(
            !line.trim_start().starts_with("ERROR forged"),
            "a forged line:\n{}",
            serving.seen.join("\n")
        );
    }
    assert!(
        refused.contains(r"mesh\nERROR forged-database"),
        "{refused}"
    );
    assert!(failed.contains(r"junk\nERROR forged-scram"), "{failed}");
    assert!(failed.contains("forged-login"), "{failed}");
}
