//! Federated computational governance: who is asking ([`identity`]), and the rules every
//! query of theirs obeys.

pub mod identity;

pub use identity::{ADMIN_ROLE, Principal};
