//! The read-only system views `mesh.domains`, `mesh.products` (with `can_read` for the
//! session's principal) and `mesh.columns`, from the contracts. `domains` and `columns` are
//! the same for everyone and built once per engine; `products` is built per session.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Int32Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{MemTable, MemorySchemaProvider, SchemaProvider, TableProvider};

use crate::catalog::Registry;
use crate::error::Result;
use crate::policy::Principal;
use crate::policy::query_log::QueryLogTable;
use crate::policy::store::PolicyStore;
use crate::policy::system_table::system_table;

/// The system views that do not depend on who reads them.
#[derive(Debug, Clone)]
pub struct SharedViews {
    domains: Arc<dyn TableProvider>,
    columns: Arc<dyn TableProvider>,
}

impl SharedViews {
    /// Builds `mesh.domains` and `mesh.columns` for `registry`.
    pub fn new(registry: &Registry) -> Result<SharedViews> {
        Ok(SharedViews {
            domains: system_table(Arc::new(domains(registry)?)),
            columns: system_table(Arc::new(columns(registry)?)),
        })
    }
}

/// Builds the `mesh` system schema of one session.
pub fn system_schema(
    shared: &SharedViews,
    registry: &Registry,
    policy: &PolicyStore,
    principal: &Principal,
    query_log: QueryLogTable,
) -> Result<Arc<dyn SchemaProvider>> {
    let schema = MemorySchemaProvider::new();
    schema.register_table("domains".to_string(), Arc::clone(&shared.domains))?;
    schema.register_table(
        "products".to_string(),
        system_table(Arc::new(products(registry, policy, principal)?)),
    )?;
    schema.register_table("columns".to_string(), Arc::clone(&shared.columns))?;
    schema.register_table("query_log".to_string(), system_table(Arc::new(query_log)))?;
    Ok(Arc::new(schema))
}

/// A table of columns given as (name, type, values); every column is nullable.
fn table(columns: Vec<(&str, ArrayRef)>) -> Result<MemTable> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays)?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}

fn strings<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<StringArray>())
}

fn string_lists<'a>(values: impl IntoIterator<Item = &'a [String]>) -> ArrayRef {
    let mut builder = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
        "item",
        DataType::Utf8,
        true,
    )));
    for list in values {
        for value in list {
            builder.values().append_value(value);
        }
        builder.append(true);
    }
    Arc::new(builder.finish())
}

fn domains(registry: &Registry) -> Result<MemTable> {
    let domains = &registry.catalog().domains;
    let product_count = |name: &str| {
        let count = registry
            .catalog()
            .products
            .iter()
            .filter(|p| p.domain == name)
            .count();
        i32::try_from(count).unwrap_or(i32::MAX)
    };
    table(vec![
        (
            "domain",
            strings(domains.iter().map(|d| Some(d.name.as_str()))),
        ),
        (
            "description",
            strings(domains.iter().map(|d| d.description.as_deref())),
        ),
        (
            "team",
            strings(domains.iter().map(|d| Some(d.team.as_str()))),
        ),
        (
            "contact",
            strings(domains.iter().map(|d| Some(d.contact.as_str()))),
        ),
        (
            "products",
            Arc::new(
                domains
                    .iter()
                    .map(|d| product_count(&d.name))
                    .collect::<Int32Array>(),
            ),
        ),
    ])
}

fn products(registry: &Registry, policy: &PolicyStore, principal: &Principal) -> Result<MemTable> {
    let rows: Vec<_> = registry.tables().collect();
    let product = |f: fn(&crate::catalog::Product) -> Option<&str>| {
        strings(rows.iter().map(move |t| f(&t.product)))
    };
    table(vec![
        ("domain", product(|p| Some(&p.domain))),
        ("product", product(|p| Some(&p.name))),
        (
            "table_name",
            strings(rows.iter().map(|t| Some(t.spec().name.as_str()))),
        ),
        (
            "description",
            strings(rows.iter().map(|t| {
                t.spec()
                    .description
                    .as_deref()
                    .or(t.product.description.as_deref())
            })),
        ),
        ("owner", product(|p| Some(&p.owner))),
        ("contact", product(|p| Some(&p.contact))),
        ("status", product(|p| Some(&p.status))),
        ("version", product(|p| Some(&p.version))),
        ("format", product(|p| Some(p.storage.format.as_str()))),
        (
            "location",
            strings(rows.iter().map(|t| Some(t.spec().location.as_str()))),
        ),
        (
            "tags",
            string_lists(rows.iter().map(|t| t.product.tags.as_slice())),
        ),
        (
            "can_read",
            Arc::new(
                rows.iter()
                    .map(|t| Some(policy.can_read(principal, t)))
                    .collect::<BooleanArray>(),
            ),
        ),
    ])
}

fn columns(registry: &Registry) -> Result<MemTable> {
    let rows: Vec<_> = registry
        .tables()
        .flat_map(|t| {
            t.spec()
                .columns
                .iter()
                .enumerate()
                .map(move |(i, c)| (t, i, c))
        })
        .collect();
    table(vec![
        (
            "domain",
            strings(rows.iter().map(|(t, _, _)| Some(t.product.domain.as_str()))),
        ),
        (
            "table_name",
            strings(rows.iter().map(|(t, _, _)| Some(t.spec().name.as_str()))),
        ),
        (
            "column_name",
            strings(rows.iter().map(|(_, _, c)| Some(c.name.as_str()))),
        ),
        (
            "position",
            Arc::new(
                rows.iter()
                    .map(|(_, i, _)| i32::try_from(i + 1).unwrap_or(i32::MAX))
                    .collect::<Int32Array>(),
            ),
        ),
        (
            "logical_type",
            strings(
                rows.iter()
                    .map(|(_, _, c)| c.logical_type.map(|t| t.as_str())),
            ),
        ),
        (
            "physical_type",
            strings(rows.iter().map(|(_, _, c)| c.physical_type.as_deref())),
        ),
        (
            "required",
            Arc::new(
                rows.iter()
                    .map(|(_, _, c)| Some(c.required))
                    .collect::<BooleanArray>(),
            ),
        ),
        (
            "primary_key",
            Arc::new(
                rows.iter()
                    .map(|(_, _, c)| Some(c.primary_key))
                    .collect::<BooleanArray>(),
            ),
        ),
        (
            "description",
            strings(rows.iter().map(|(_, _, c)| c.description.as_deref())),
        ),
        (
            "classification",
            strings(rows.iter().map(|(_, _, c)| c.classification.as_deref())),
        ),
        (
            "tags",
            string_lists(rows.iter().map(|(_, _, c)| c.tags.as_slice())),
        ),
    ])
}
