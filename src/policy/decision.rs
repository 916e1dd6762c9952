//! What one principal may do with one product table: denied, or allowed with a row filter
//! and column masks (still as SQL text; [`crate::policy::compile`] turns them into plans).

use crate::catalog::manifest::MaskRule;
use crate::catalog::{Product, TableSpec};
use crate::policy::Principal;
use crate::policy::rules::{ProductRules, mesh_mask_covers};

/// The mask SQL that `NULL`-masks a value.
const NULL_MASK: &str = "NULL";

/// The decision for one (principal, product table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No read: the message names the product and whom to ask.
    Denied(String),
    /// Read, through this filter and these masks.
    Allowed(Grant),
}

/// What an allowed read goes through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    /// Predicate rows must satisfy (filters of the granting roles, OR-ed), if any.
    pub filter: Option<String>,
    /// Masked columns and the SQL replacing each.
    pub masks: Vec<(String, String)>,
}

/// Decides what `principal` may read of `table` of `product`.
///
/// Row filters combine like PostgreSQL's permissive policies: each granting role adds the
/// rows its filter admits (OR); a granting role without a filter admits every row. A column
/// is masked when a mesh rule or a product rule applies and the principal holds none of that
/// rule's exempt roles; the product's mask expression wins when both apply, so a product can
/// make a mask stricter but never lift a mesh-wide one.
pub fn decide(
    principal: &Principal,
    product: &Product,
    table: &TableSpec,
    rules: &ProductRules,
    mesh_masks: &[MaskRule],
) -> Access {
    if principal.is_admin() {
        return Access::Allowed(Grant::default());
    }
    let granting: Vec<&String> = rules
        .readers
        .iter()
        .filter(|role| principal.has_role(role))
        .collect();
    if granting.is_empty() {
        return Access::Denied(denial(product, table, rules));
    }
    let mut filters = Vec::new();
    let mut unrestricted = false;
    for role in granting {
        let own: Vec<&str> = rules
            .row_filters
            .iter()
            .filter(|f| &f.role == role)
            .map(|f| f.filter.as_str())
            .collect();
        if own.is_empty() {
            unrestricted = true;
        }
        filters.extend(own.into_iter().map(|f| format!("({f})")));
    }
    let filter = (!unrestricted && !filters.is_empty()).then(|| filters.join(" OR "));
    Access::Allowed(Grant {
        filter,
        masks: masks_for(principal, table, rules, mesh_masks),
    })
}

fn masks_for(
    principal: &Principal,
    table: &TableSpec,
    rules: &ProductRules,
    mesh_masks: &[MaskRule],
) -> Vec<(String, String)> {
    let exempt = |roles: &[String]| roles.iter().any(|r| principal.has_role(r));
    let mut masks = Vec::new();
    let mut names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    for rule in &rules.masks {
        if !names.contains(&rule.column.as_str()) {
            names.push(&rule.column);
        }
    }
    for name in names {
        let declared = table.columns.iter().find(|c| c.name == name);
        let mesh = declared.and_then(|column| {
            mesh_masks.iter().find(|rule| {
                mesh_mask_covers(rule, &column.tags, column.classification.as_deref())
                    && !exempt(&rule.unless_roles)
            })
        });
        let own = rules
            .masks
            .iter()
            .find(|m| m.column == name && !exempt(&m.unless_roles));
        let sql = match (own, mesh) {
            (Some(own), _) => own.mask.as_deref().unwrap_or(NULL_MASK),
            (None, Some(mesh)) => mesh.mask.as_deref().unwrap_or(NULL_MASK),
            (None, None) => continue,
        };
        masks.push((name.to_string(), sql.to_string()));
    }
    masks
}

fn denial(product: &Product, table: &TableSpec, rules: &ProductRules) -> String {
    let readers = if rules.readers.is_empty() {
        "no role".to_string()
    } else {
        format!("roles {}", rules.readers.join(", "))
    };
    format!(
        "permission denied for table {}.{}: product {} grants read to {readers}; ask its owner \
         {} ({}) for access",
        product.domain,
        table.name,
        product.qualified_name(),
        product.owner,
        product.contact
    )
}
