//! The wire engine: the same files through `meshgate serve` (in-process on 127.0.0.1:0,
//! the users of the committed meshgate.toml, whose passwords are their names), driven by
//! tokio-postgres with the simple query protocol, as psql sends them.

use async_trait::async_trait;
use meshgate::config::Config;
use meshgate::engine::Engine;
use meshgate::server::{ServeOptions, Server};
use sqllogictest::DefaultColumnType;
use tokio::sync::oneshot;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::output::{Backend, Cells, SqlError};

/// The server, until dropped.
pub struct WireServer {
    pub port: u16,
    _stop: oneshot::Sender<()>,
}

impl WireServer {
    /// Serves `engine` with the users of `config`.
    pub async fn start(engine: Engine, config: &Config) -> WireServer {
        let options = ServeOptions {
            listen: "127.0.0.1:0".into(),
            ..ServeOptions::default()
        };
        let server = Server::bind(engine, config, options).await.expect("bind");
        let port = server.local_addr().expect("address").port();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        WireServer { port, _stop: stop }
    }
}

/// One connection, logged in as one user.
pub struct OverWire(Client);

impl OverWire {
    /// Logs in as `user` (password: the user's name).
    pub async fn connect(port: u16, user: &str) -> Result<OverWire, SqlError> {
        let (client, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user={user} password={user} dbname=mesh"),
            NoTls,
        )
        .await
        .map_err(sql_error)?;
        tokio::spawn(connection);
        Ok(OverWire(client))
    }
}

fn sql_error(error: tokio_postgres::Error) -> SqlError {
    match error.as_db_error() {
        Some(db) => SqlError {
            sqlstate: db.code().code().to_string(),
            message: db.message().to_string(),
        },
        None => SqlError {
            sqlstate: String::new(),
            message: error.to_string(),
        },
    }
}

#[async_trait]
impl Backend for OverWire {
    async fn query(&mut self, sql: &str) -> Result<Option<Cells>, SqlError> {
        let messages = self.0.simple_query(sql).await.map_err(sql_error)?;
        let mut columns = 0;
        let mut cells = Vec::new();
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(description) => columns = description.len(),
                SimpleQueryMessage::Row(row) => cells.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => {}
            }
        }
        // the simple protocol does not say the types; the files are not checked for them
        Ok((columns > 0).then(|| (vec![DefaultColumnType::Any; columns], cells)))
    }
}
