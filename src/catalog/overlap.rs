//! No two domains serve overlapping locations: a product whose table location contains, or
//! lies under, a location of another domain's product that loaded before it (domains in name
//! order, contracts in file order) is an error naming both, and is not served.

use std::collections::BTreeMap;
use std::path::{Component, Path};
use std::sync::Arc;

use crate::catalog::location::StoreLocation;
use crate::catalog::{Diagnostic, Product, Severity, relative_to};

/// The rule, as messages state it.
pub const OVERLAP_RULE: &str = "two domains may not serve overlapping locations";

/// Who serves a location first.
struct Owner<'a> {
    product: &'a Product,
    location: &'a str,
}

/// Keeps the products whose locations overlap no earlier product of another domain; reports
/// the others (manifest paths in messages relative to `root`).
pub fn refuse_shared_locations(
    products: Vec<Arc<Product>>,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Arc<Product>> {
    let mut refused = Vec::new();
    {
        let mut owners: BTreeMap<Vec<String>, Owner<'_>> = BTreeMap::new();
        for (index, product) in products.iter().enumerate() {
            let keys: Vec<(Vec<String>, &str)> = product
                .tables
                .iter()
                .map(|t| (overlap_key(&t.location), t.location.as_str()))
                .collect();
            let clash = keys
                .iter()
                .find_map(|(key, location)| clash(&owners, key, product).map(|o| (location, o)));
            if let Some((location, owner)) = clash {
                diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    file: product.manifest.clone(),
                    message: format!(
                        "product skipped: servers[0]: location {location} overlaps {} of {} \
                         ({}); {OVERLAP_RULE}: publish the data from one domain only, or give \
                         each product its own prefix",
                        owner.location,
                        owner.product.qualified_name(),
                        relative_to(root, &owner.product.manifest),
                    ),
                });
                refused.push(index);
                continue;
            }
            for (key, location) in keys {
                owners.entry(key).or_insert(Owner { product, location });
            }
        }
    }
    products
        .into_iter()
        .enumerate()
        .filter(|(index, _)| !refused.contains(index))
        .map(|(_, product)| product)
        .collect()
}

/// The owner from another domain of a location that contains, equals or lies under `key`.
fn clash<'a, 'm>(
    owners: &'m BTreeMap<Vec<String>, Owner<'a>>,
    key: &[String],
    product: &Product,
) -> Option<&'m Owner<'a>> {
    let foreign = |owner: &&Owner<'_>| owner.product.domain != product.domain;
    let ancestor = (1..=key.len()).find_map(|n| owners.get(&key[..n]).filter(foreign));
    ancestor.or_else(|| {
        owners
            .range(key.to_vec()..)
            .take_while(|(k, _)| k.starts_with(key))
            .map(|(_, owner)| owner)
            .find(foreign)
    })
}

/// A key under which a location's descendants sort after it: the store, then the segments
/// before any glob. Local paths are already absolute and resolved by the loader.
fn overlap_key(location: &str) -> Vec<String> {
    if location.contains("://")
        && let Ok(parsed) = StoreLocation::parse(location)
    {
        return parsed.overlap_key();
    }
    let mut key = vec!["file://".to_string()];
    key.extend(
        Path::new(location)
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_string_lossy().to_string()),
                _ => None,
            })
            .take_while(|part| !part.contains(['*', '?', '['])),
    );
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_by_segments() {
        assert_eq!(
            overlap_key("/cat/sales/data/orders/"),
            ["file://", "cat", "sales", "data", "orders"]
        );
        assert_eq!(
            overlap_key("/cat/sales/data/*.parquet"),
            ["file://", "cat", "sales", "data"]
        );
        assert_eq!(
            overlap_key("s3://Lake/sales//orders/"),
            ["s3://lake", "sales", "orders"]
        );
    }
}
