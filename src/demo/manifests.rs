//! The demo mesh's manifests: the files committed under `catalog/`, embedded in the binary so
//! that `meshgate demo` writes the same mesh at any scale.

/// (path relative to the catalog folder, contents).
pub const DEMO_MANIFESTS: [(&str, &str); 12] = [
    ("mesh.yaml", include_str!("../../catalog/mesh.yaml")),
    (
        "sales/domain.yaml",
        include_str!("../../catalog/sales/domain.yaml"),
    ),
    (
        "sales/orders.odcs.yaml",
        include_str!("../../catalog/sales/orders.odcs.yaml"),
    ),
    (
        "sales/lineitem.odcs.yaml",
        include_str!("../../catalog/sales/lineitem.odcs.yaml"),
    ),
    (
        "customers/domain.yaml",
        include_str!("../../catalog/customers/domain.yaml"),
    ),
    (
        "customers/customer.odcs.yaml",
        include_str!("../../catalog/customers/customer.odcs.yaml"),
    ),
    (
        "customers/nation.odcs.yaml",
        include_str!("../../catalog/customers/nation.odcs.yaml"),
    ),
    (
        "customers/region.odcs.yaml",
        include_str!("../../catalog/customers/region.odcs.yaml"),
    ),
    (
        "supply/domain.yaml",
        include_str!("../../catalog/supply/domain.yaml"),
    ),
    (
        "supply/part.odcs.yaml",
        include_str!("../../catalog/supply/part.odcs.yaml"),
    ),
    (
        "supply/partsupp.odcs.yaml",
        include_str!("../../catalog/supply/partsupp.odcs.yaml"),
    ),
    (
        "supply/supplier.odcs.yaml",
        include_str!("../../catalog/supply/supplier.odcs.yaml"),
    ),
];
