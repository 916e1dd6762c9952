//! The access rules of one product, gathered from its contract (`roles[]`, meshgate's
//! `customProperties`) and the mesh-wide masks of `mesh.yaml`.
//!
//! Contract syntax:
//!
//! ```yaml
//! customProperties:
//!   - property: meshgateRowFilters      # rows a role may read: a SQL predicate
//!     value:
//!       - role: customer_analyst
//!         filter: "c_nationkey IN (SELECT ...) OR mesh_user_attr('region') IS NULL"
//!   - property: meshgateMasks           # stricter masks than mesh.yaml's, per column
//!     value:
//!       - column: c_phone
//!         mask: "'***'"
//!         unlessRoles: [pii_reader]
//! ```

use serde::Deserialize;

use crate::catalog::Product;
use crate::catalog::manifest::MaskRule;
use crate::error::{Error, Result};

/// `customProperties` key of row filters.
pub const ROW_FILTERS_PROPERTY: &str = "meshgateRowFilters";
/// `customProperties` key of product masks.
pub const MASKS_PROPERTY: &str = "meshgateMasks";

/// One row filter of a contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFilterRule {
    /// The role whose reads it restricts.
    pub role: String,
    /// SQL predicate over the product's columns.
    pub filter: String,
}

/// One product-level column mask.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ColumnMaskRule {
    /// The column masked.
    pub column: String,
    /// SQL expression replacing the value (`NULL` when absent); may use the column.
    pub mask: Option<String>,
    /// Roles that see the original value.
    #[serde(default)]
    pub unless_roles: Vec<String>,
}

/// The rules of one product, parsed once per catalog load.
#[derive(Debug, Clone, Default)]
pub struct ProductRules {
    /// Roles granted read access.
    pub readers: Vec<String>,
    /// Row filters by role.
    pub row_filters: Vec<RowFilterRule>,
    /// Product-level masks.
    pub masks: Vec<ColumnMaskRule>,
}

impl ProductRules {
    /// Reads the rules of `product`; a malformed rule is an error naming the manifest.
    pub fn of(product: &Product) -> Result<ProductRules> {
        let readers = product
            .roles
            .iter()
            .filter(|r| r.access.as_deref() == Some("read"))
            .map(|r| r.role.clone())
            .collect();
        let mut rules = ProductRules {
            readers,
            ..ProductRules::default()
        };
        for property in &product.custom_properties {
            let field = format!("customProperties[{}].value", property.property);
            let parse_error = |e: serde_yaml_ng::Error| Error::Manifest {
                file: product.manifest.clone(),
                field: field.clone(),
                message: format!("{e}; see README.md \"Governance\" for the rule syntax"),
            };
            match property.property.as_str() {
                ROW_FILTERS_PROPERTY => {
                    rules.row_filters =
                        serde_yaml_ng::from_value(property.value.clone()).map_err(parse_error)?;
                }
                MASKS_PROPERTY => {
                    rules.masks =
                        serde_yaml_ng::from_value(property.value.clone()).map_err(parse_error)?;
                }
                _ => {}
            }
        }
        Ok(rules)
    }
}

/// Whether mesh rule `rule` covers a column with `tags` and `classification`.
pub fn mesh_mask_covers(rule: &MaskRule, tags: &[String], classification: Option<&str>) -> bool {
    let by_tag = rule.tag.as_ref().is_some_and(|tag| tags.contains(tag));
    let by_class = rule
        .classification
        .as_deref()
        .is_some_and(|c| classification == Some(c));
    by_tag || by_class
}
