//! Integration tests, compiled into one binary to keep link time down.

mod cli;
mod common;
mod loader;
mod object_store;
mod schema_contract;
