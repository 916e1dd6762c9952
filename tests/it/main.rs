//! Integration tests, compiled into one binary to keep link time down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod barrier;
mod cli;
mod common;
mod confinement;
mod copy;
mod cursor;
mod float_text;
mod governance;
mod hostile_wire;
mod json_source;
mod loader;
mod log_escape;
mod object_store;
mod pg_types;
mod schema_contract;
mod scram_mock;
mod server;
mod server_catalog;
mod streaming;
mod time_zone;
mod tls_wire;
mod wire;
