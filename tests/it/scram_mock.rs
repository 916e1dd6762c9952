//! Unknown users cannot be told from real ones by their SCRAM challenge: the salt sent for
//! an unknown name is the same at every start (it comes from the installation's secret next
//! to the config file) and differs between names, and the iteration count is the real users'.

use std::path::Path;

use meshgate::config::Config;
use meshgate::server::auth::ScramVerifier;
use meshgate::server::{ServeOptions, Server};
use tokio::sync::oneshot;

use crate::common;
use crate::wire::{server_first, started};

/// A settings file in `dir` with three users, two of them with 5000 iterations.
fn write_config(dir: &Path) -> std::path::PathBuf {
    let mut text = String::new();
    for (i, iterations) in [5000, 7000, 5000].into_iter().enumerate() {
        let verifier = ScramVerifier::derive("pw", vec![i as u8; 16], iterations);
        text.push_str(&format!("[users.user{i}]\nscram = \"{verifier}\"\n"));
    }
    let path = dir.join("meshgate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The salt and iteration count the server at `config` sends for each of `users`, then stops.
async fn challenges(config: &Path, users: &[&str]) -> Vec<(String, u32)> {
    let config = Config::load(config, true).unwrap();
    let engine = common::engine(&common::demo_catalog());
    let options = ServeOptions {
        listen: "127.0.0.1:0".into(),
        ..ServeOptions::default()
    };
    let server = Server::bind(engine, &config, options).await.unwrap();
    let port = server.local_addr().unwrap().port();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let mut seen = Vec::new();
    for user in users {
        let mut socket = started(port, user).await;
        let (_, salt, iterations) = server_first(&mut socket, "n,,n=,r=abcdef").await;
        seen.push((salt, iterations));
    }
    drop(stop);
    running.await.unwrap().unwrap();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_get_the_same_salt_after_a_restart_and_the_real_iterations() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let first = challenges(&config, &["ghost", "phantom", "user0"]).await;
    let second = challenges(&config, &["ghost"]).await;
    assert_eq!(first[0], second[0], "the salt of an unknown user changed");
    assert_ne!(first[0].0, first[1].0, "two unknown users share a salt");
    assert_eq!(first[0].1, 5000, "the real users' usual iteration count");
    assert_eq!(first[1].1, first[2].1);
    assert_eq!(
        first[0].0.len(),
        first[2].0.len(),
        "salts of the same length"
    );
    assert!(dir.path().join(".meshgate/scram_mock_secret").exists());
}
