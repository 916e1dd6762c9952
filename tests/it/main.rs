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
mod json_source;
mod loader;
mod object_store;
mod schema_contract;
mod server;
mod server_catalog;
mod streaming;
mod time_zone;
