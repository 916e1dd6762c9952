//! The principal a session runs as: a user of `meshgate.toml` with roles and attributes.

use std::collections::{BTreeMap, BTreeSet};

/// The role that may read everything, unmasked.
pub const ADMIN_ROLE: &str = "meshgate_admin";

/// An authenticated (or, for `meshgate query --user`, trusted) user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// User name (`current_user`).
    pub name: String,
    /// Roles granted in `meshgate.toml`.
    pub roles: BTreeSet<String>,
    /// Attributes (`region = "EUROPE"`), readable in row filters as `mesh_user_attr('region')`.
    pub attributes: BTreeMap<String, String>,
}

impl Principal {
    /// A principal with `roles` and no attributes.
    pub fn new(
        name: impl Into<String>,
        roles: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Principal {
            name: name.into(),
            roles: roles.into_iter().map(Into::into).collect(),
            attributes: BTreeMap::new(),
        }
    }

    /// The identity of a local command run without `--user`: the operator, who can read the
    /// storage directly anyway, as `meshgate_admin`.
    pub fn local_operator() -> Self {
        Principal::new("local", [ADMIN_ROLE])
    }

    /// Whether the principal holds `meshgate_admin`.
    pub fn is_admin(&self) -> bool {
        self.roles.contains(ADMIN_ROLE)
    }

    /// Whether the principal holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }
}
