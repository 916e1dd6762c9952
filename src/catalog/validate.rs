//! Turns a parsed ODCS contract into a [`Product`], or an error that names the field and
//! what to write instead.

use std::path::Path;

use crate::catalog::confine::{check_store, resolve_local};
use crate::catalog::keys::table_keys;
use crate::catalog::manifest::{Contract, Property, SchemaObject, Server, Team};
use crate::catalog::{
    ColumnSpec, Domain, Format, LogicalType, Product, ServerKind, StorageSpec, TableSpec,
};
use crate::error::{Error, Result};

/// The placeholder ODCS uses for the table name in a server location.
const MODEL_PLACEHOLDER: &str = "{model}";

/// Whether `name` can be written unquoted in SQL.
pub fn is_sql_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Validates `contract`, read from `file` in the folder of `domain`.
pub fn validate_contract(file: &Path, contract: Contract, domain: &Domain) -> Result<Product> {
    let fail = |field: &str, message: String| Error::Manifest {
        file: file.to_path_buf(),
        field: field.to_string(),
        message,
    };
    if !contract.api_version.starts_with("v3.") {
        return Err(fail(
            "apiVersion",
            format!(
                "'{}' is not supported; write apiVersion: v3.1.0",
                contract.api_version
            ),
        ));
    }
    if contract.kind != "DataContract" {
        return Err(fail(
            "kind",
            format!(
                "'{}' is not a data contract; write kind: DataContract",
                contract.kind
            ),
        ));
    }
    match contract.domain.as_deref() {
        Some(name) if name == domain.name => {}
        Some(name) => {
            return Err(fail(
                "domain",
                format!(
                    "'{name}' does not match the folder the contract is in; write domain: {}",
                    domain.name
                ),
            ));
        }
        None => {
            return Err(fail(
                "domain",
                format!("missing; add domain: {}", domain.name),
            ));
        }
    }
    if contract.schema.is_empty() {
        return Err(fail(
            "schema",
            "declares no tables; add schema: [{name: my_table, properties: [...]}]".to_string(),
        ));
    }
    let (storage, field, location) = validate_server(&contract.servers, &fail)?;
    if contract.schema.len() > 1 && !location.contains(MODEL_PLACEHOLDER) {
        return Err(fail(
            "servers[0]",
            format!(
                "the contract has {} tables but its location has no {MODEL_PLACEHOLDER} \
                 placeholder; write e.g. path: data/{MODEL_PLACEHOLDER}",
                contract.schema.len()
            ),
        ));
    }
    let tables = contract
        .schema
        .iter()
        .enumerate()
        .map(|(i, object)| {
            let model = object.physical_name.as_deref().unwrap_or(&object.name);
            let located = location.replace(MODEL_PLACEHOLDER, model);
            let located = table_location(domain, storage.kind, &located)
                .map_err(|why| fail(&field, table_message(&contract, i, why)))?;
            validate_table(file, i, object, located, &fail)
        })
        .collect::<Result<Vec<_>>>()?;
    let name = contract.name.clone().unwrap_or_else(|| file_stem(file));
    Ok(Product {
        owner: owner_of(contract.team.as_ref()).unwrap_or_else(|| domain.team.clone()),
        contact: contact_of(&contract).unwrap_or_else(|| domain.contact.clone()),
        description: contract.description.as_ref().and_then(|d| {
            let parts = [&d.purpose, &d.usage, &d.limitations];
            let text: Vec<&str> = parts.iter().filter_map(|p| p.as_deref()).collect();
            (!text.is_empty()).then(|| text.join(" "))
        }),
        domain: domain.name.clone(),
        name,
        id: contract.id,
        version: contract.version,
        status: contract.status,
        tags: contract.tags,
        manifest: file.to_path_buf(),
        storage,
        tables,
        roles: contract.roles,
        custom_properties: contract.custom_properties,
    })
}

/// The storage of the first server, the field its location was read from, and the
/// location as written (resolved per table by [`table_location`]).
fn validate_server(
    servers: &[Server],
    fail: &impl Fn(&str, String) -> Error,
) -> Result<(StorageSpec, String, String)> {
    let Some(server) = servers.first() else {
        return Err(fail(
            "servers",
            "no server: add servers: [{server: local, type: local, path: data/..., format: parquet}]"
                .to_string(),
        ));
    };
    let kind = ServerKind::parse(&server.kind).ok_or_else(|| {
        fail(
            "servers[0].type",
            format!(
                "server type '{}' is not supported; use local, s3, gcs or azure",
                server.kind
            ),
        )
    })?;
    let format_name = server.format.as_deref().ok_or_else(|| {
        fail(
            "servers[0].format",
            "missing; add format: parquet, csv, json or delta".to_string(),
        )
    })?;
    let format = Format::parse(format_name).ok_or_else(|| {
        fail(
            "servers[0].format",
            format!("'{format_name}' is not supported; use parquet, csv, json or delta"),
        )
    })?;
    if format == Format::Json && server.delimiter.as_deref().is_some_and(|d| d != "new_line") {
        return Err(fail(
            "servers[0].delimiter",
            "only newline-delimited JSON is supported; write delimiter: new_line".to_string(),
        ));
    }
    let (field, location) = match kind {
        ServerKind::Local => {
            let path = server.path.as_deref().or(server.location.as_deref());
            let path = path.ok_or_else(|| {
                fail(
                    "servers[0].path",
                    "missing; add path: data/my_table (relative to this file)".to_string(),
                )
            })?;
            let field = if server.path.is_some() {
                "path"
            } else {
                "location"
            };
            (field, path.to_string())
        }
        _ => {
            let location = server.location.clone().ok_or_else(|| {
                fail(
                    "servers[0].location",
                    format!("missing; add location: {}://bucket/path", scheme_hint(kind)),
                )
            })?;
            ("location", location)
        }
    };
    if kind != ServerKind::Local && !location.starts_with(&format!("{}://", scheme_hint(kind))) {
        let allowed = kind == ServerKind::Azure
            && ["abfs://", "abfss://", "adl://", "azure://"]
                .iter()
                .any(|s| location.starts_with(s));
        if !allowed {
            return Err(fail(
                "servers[0].location",
                format!(
                    "'{location}' does not match server type {}; write {}://bucket/path",
                    server.kind,
                    scheme_hint(kind)
                ),
            ));
        }
    }
    let storage = StorageSpec {
        kind,
        format,
        endpoint: server.endpoint_url.clone(),
    };
    Ok((storage, format!("servers[0].{field}"), location))
}

fn scheme_hint(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Local => "file",
        ServerKind::S3 => "s3",
        ServerKind::Gcs => "gs",
        ServerKind::Azure => "az",
    }
}

/// Where a table's data is, confined to `domain`'s storage: a local path resolved inside its
/// folder, or an object-store URL under one of its assigned prefixes.
fn table_location(domain: &Domain, kind: ServerKind, location: &str) -> Result<String, String> {
    match kind {
        ServerKind::Local => resolve_local(domain, location),
        _ => check_store(domain, location).map(|()| location.to_string()),
    }
}

/// `why`, naming the table when the contract has several (each resolves `{model}` apart).
fn table_message(contract: &Contract, index: usize, why: String) -> String {
    match contract.schema.get(index) {
        Some(object) if contract.schema.len() > 1 => format!("table {}: {why}", object.name),
        _ => why,
    }
}

fn validate_table(
    file: &Path,
    index: usize,
    object: &SchemaObject,
    location: String,
    fail: &impl Fn(&str, String) -> Error,
) -> Result<TableSpec> {
    if !is_sql_identifier(&object.name) {
        return Err(fail(
            &format!("schema[{index}].name"),
            format!(
                "'{}' is not a SQL table name; use lowercase letters, digits and _",
                object.name
            ),
        ));
    }
    let columns = object
        .properties
        .iter()
        .enumerate()
        .map(|(i, property)| validate_column(index, i, property, fail))
        .collect::<Result<Vec<_>>>()?;
    let keys = table_keys(file, index, object).map_err(|(field, message)| fail(&field, message))?;
    Ok(TableSpec {
        name: object.name.clone(),
        description: object.description.clone(),
        tags: object.tags.clone(),
        location,
        columns,
        keys,
    })
}

fn validate_column(
    table: usize,
    index: usize,
    property: &Property,
    fail: &impl Fn(&str, String) -> Error,
) -> Result<ColumnSpec> {
    let logical_type = match property.logical_type.as_deref() {
        None => None,
        Some(name) => Some(LogicalType::parse(name).ok_or_else(|| {
            let all: Vec<&str> = LogicalType::ALL.iter().map(|t| t.as_str()).collect();
            fail(
                &format!("schema[{table}].properties[{index}].logicalType"),
                format!(
                    "'{name}' is not an ODCS logical type; use one of {}",
                    all.join(", ")
                ),
            )
        })?),
    };
    Ok(ColumnSpec {
        name: property.name.clone(),
        logical_type,
        physical_type: property.physical_type.clone(),
        required: property.required,
        primary_key: property.primary_key,
        description: property.description.clone(),
        classification: property.classification.clone(),
        tags: property.tags.clone(),
    })
}

fn owner_of(team: Option<&Team>) -> Option<String> {
    match team? {
        Team::Object(team) => team.name.clone(),
        Team::Members(members) => members
            .iter()
            .find(|m| m.role.as_deref() == Some("owner"))
            .and_then(|m| m.name.clone().or_else(|| m.username.clone())),
    }
}

fn contact_of(contract: &Contract) -> Option<String> {
    contract.support.iter().find_map(|channel| {
        let url = channel.url.as_deref()?;
        if let Some(address) = url.strip_prefix("mailto:") {
            return Some(address.to_string());
        }
        let is_email =
            channel.tool.as_deref() == Some("email") || channel.channel.as_deref() == Some("email");
        is_email.then(|| url.to_string())
    })
}

fn file_stem(file: &Path) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().to_string());
    let name = name.unwrap_or_default();
    name.trim_end_matches(".odcs.yaml")
        .trim_end_matches(".odcs.yml")
        .to_string()
}
