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
    /// The masked columns.
    pub masks: Vec<Mask>,
}

/// How one column is masked for one reader: by the mesh rule, by the product's, or by both
/// (the product's expression then sees the mesh-masked values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    /// The masked column.
    pub column: String,
    /// SQL of the mesh rule that applies, if one does.
    pub mesh: Option<String>,
    /// SQL of the product rule that applies, if one does.
    pub product: Option<String>,
}

impl Mask {
    fn new(column: &str, mesh: Option<&str>, product: Option<&str>) -> Self {
        Mask {
            column: column.to_string(),
            mesh: mesh.map(str::to_string),
            product: product.map(str::to_string),
        }
    }
}

/// Decides what `principal` may read of `table` of `product`.
///
/// Row filters combine like PostgreSQL's permissive policies: each granting role adds the
/// rows its filter admits (OR); a granting role without a filter admits every row. A column
/// is masked when a mesh rule or a product rule applies and the principal holds none of that
/// rule's exempt roles. Mesh rules win: where a mesh mask applies, the value is the mesh
/// mask's, and a product mask can only mask further on top of it (its expression sees every
/// column mesh-masked), so a product can add masking but never lift or narrow a mesh rule.
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
) -> Vec<Mask> {
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
        let sql = |mask: &Option<String>| mask.as_deref().unwrap_or(NULL_MASK).to_string();
        let mesh = mesh.map(|rule| sql(&rule.mask));
        let own = own.map(|rule| sql(&rule.mask));
        if mesh.is_some() || own.is_some() {
            masks.push(Mask::new(name, mesh.as_deref(), own.as_deref()));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::manifest::Role;
    use crate::catalog::{ColumnSpec, Format, ServerKind, StorageSpec};
    use crate::policy::rules::{ColumnMaskRule, RowFilterRule};

    fn product() -> Product {
        Product {
            domain: "customers".into(),
            name: "customer".into(),
            id: "c".into(),
            version: "1".into(),
            status: "active".into(),
            description: None,
            owner: "team-customers".into(),
            contact: "team-customers@example.com".into(),
            tags: vec![],
            manifest: "customer.odcs.yaml".into(),
            storage: StorageSpec {
                kind: ServerKind::Local,
                format: Format::Parquet,
                endpoint: None,
            },
            tables: vec![],
            roles: Vec::<Role>::new(),
            custom_properties: vec![],
        }
    }

    fn table() -> TableSpec {
        let column = |name: &str, tags: &[&str]| ColumnSpec {
            name: name.into(),
            logical_type: None,
            physical_type: None,
            required: false,
            primary_key: false,
            description: None,
            classification: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        TableSpec {
            name: "customer".into(),
            description: None,
            tags: vec![],
            location: "/data/".into(),
            columns: vec![column("c_custkey", &[]), column("c_phone", &["pii"])],
            keys: Default::default(),
        }
    }

    fn rules() -> ProductRules {
        ProductRules {
            readers: vec!["a".into(), "b".into(), "c".into()],
            row_filters: vec![
                RowFilterRule {
                    role: "a".into(),
                    filter: "x = 1".into(),
                },
                RowFilterRule {
                    role: "b".into(),
                    filter: "x = 2".into(),
                },
            ],
            masks: vec![ColumnMaskRule {
                column: "c_phone".into(),
                mask: Some("'***'".into()),
                unless_roles: vec!["phone_reader".into()],
            }],
        }
    }

    fn mesh_masks() -> Vec<MaskRule> {
        vec![MaskRule {
            tag: Some("pii".into()),
            classification: None,
            mask: None,
            unless_roles: vec!["pii_reader".into()],
            description: None,
        }]
    }

    fn grant(roles: &[&str]) -> Access {
        let principal = Principal::new("u", roles.iter().copied());
        decide(&principal, &product(), &table(), &rules(), &mesh_masks())
    }

    #[test]
    fn default_deny_names_the_owner() {
        let Access::Denied(message) = grant(&["other"]) else {
            panic!("expected a denial");
        };
        assert!(
            message.contains("grants read to roles a, b, c"),
            "{message}"
        );
        assert!(message.contains("team-customers@example.com"), "{message}");
    }

    #[test]
    fn filters_of_granting_roles_are_ored_and_an_unfiltered_role_lifts_them() {
        let Access::Allowed(one) = grant(&["a"]) else {
            panic!()
        };
        assert_eq!(one.filter.as_deref(), Some("(x = 1)"));
        let Access::Allowed(two) = grant(&["a", "b"]) else {
            panic!()
        };
        assert_eq!(two.filter.as_deref(), Some("(x = 1) OR (x = 2)"));
        let Access::Allowed(free) = grant(&["a", "c"]) else {
            panic!()
        };
        assert_eq!(free.filter, None);
    }

    #[test]
    fn product_masks_are_stricter_never_looser() {
        let Access::Allowed(plain) = grant(&["c"]) else {
            panic!()
        };
        // Both apply: the mesh mask's value, the product's on top of it.
        assert_eq!(
            plain.masks,
            [Mask::new("c_phone", Some("NULL"), Some("'***'"))]
        );
        // Exempt from the product mask only: the mesh-wide NULL mask still applies.
        let Access::Allowed(phone) = grant(&["c", "phone_reader"]) else {
            panic!()
        };
        assert_eq!(phone.masks, [Mask::new("c_phone", Some("NULL"), None)]);
        // Exempt from the mesh mask only: the product mask still applies.
        let Access::Allowed(pii) = grant(&["c", "pii_reader"]) else {
            panic!()
        };
        assert_eq!(pii.masks, [Mask::new("c_phone", None, Some("'***'"))]);
        let Access::Allowed(both) = grant(&["c", "pii_reader", "phone_reader"]) else {
            panic!()
        };
        assert!(both.masks.is_empty());
    }

    #[test]
    fn admins_read_everything_unmasked() {
        let Access::Allowed(admin) = grant(&[crate::policy::ADMIN_ROLE]) else {
            panic!()
        };
        assert_eq!(admin, Grant::default());
    }
}
