//! meshgate: a federated SQL query gateway for a data mesh.
//!
//! Data path: client → (pgwire, [`server`]) → engine ([`engine::Engine`], one DataFusion session per
//! connection) → product tables ([`sources`]) → storage, where each domain keeps its data.

pub mod catalog;
pub mod check;
pub mod config;
pub mod demo;
pub mod engine;
pub mod error;
pub mod log;
pub mod output;
pub mod policy;
pub mod server;
pub mod sources;
pub mod storage;

pub use error::{Error, Result};
