//! Primary keys and relationships of a contract's table: ODCS `primaryKey` /
//! `primaryKeyPosition` on properties, and ODCS v3.1 `relationships` (`type: foreignKey`,
//! `from`, `to`) on schema objects and properties. A reference is the shorthand
//! `table.column`, or the fully qualified `[file.odcs.yaml#]/schema/<table>/properties/<column>`
//! whose file (relative to the contract) names another product, also of another domain.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use crate::catalog::manifest::{Property, Relationship, SchemaObject};

/// The keys of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableKeys {
    /// Primary key columns, in key order; empty without a primary key.
    pub primary_key: Vec<String>,
    /// Foreign keys, in contract order.
    pub foreign_keys: Vec<ForeignKey>,
}

/// A foreign key: `columns` of this table reference `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table and columns.
    pub target: KeyTarget,
}

/// The table a foreign key references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTarget {
    /// The contract that holds the table, if the reference names one; otherwise the table
    /// is looked up in the same contract, then in the same domain, then in the mesh.
    pub manifest: Option<PathBuf>,
    /// Table name.
    pub table: String,
    /// Referenced columns, in the order of `columns`.
    pub columns: Vec<String>,
}

/// Reads the keys of `object`, declared in the contract at `file`; `Err((field, message))`
/// for a malformed key.
pub fn table_keys(
    file: &Path,
    index: usize,
    object: &SchemaObject,
) -> Result<TableKeys, (String, String)> {
    let primary_key = primary_key(index, &object.properties)?;
    let mut foreign_keys = Vec::new();
    for (i, relationship) in object.relationships.iter().enumerate() {
        let field = format!("schema[{index}].relationships[{i}]");
        foreign_keys.push(foreign_key(file, &field, object, relationship, None)?);
    }
    for (p, property) in object.properties.iter().enumerate() {
        for (i, relationship) in property.relationships.iter().enumerate() {
            let field = format!("schema[{index}].properties[{p}].relationships[{i}]");
            foreign_keys.push(foreign_key(
                file,
                &field,
                object,
                relationship,
                Some(&property.name),
            )?);
        }
    }
    Ok(TableKeys {
        primary_key,
        foreign_keys,
    })
}

fn primary_key(index: usize, properties: &[Property]) -> Result<Vec<String>, (String, String)> {
    let mut keyed = Vec::new();
    for (p, property) in properties.iter().enumerate() {
        let field = format!("schema[{index}].properties[{p}].primaryKeyPosition");
        let position = match &property.primary_key_position {
            None => None,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => n.as_u64(),
            Some(other) => {
                return Err((
                    field,
                    format!(
                        "{} is not a key position; write 1, 2, ...",
                        yaml_text(other)
                    ),
                ));
            }
        };
        if !property.primary_key {
            if position.is_some() {
                return Err((
                    field,
                    format!(
                        "{} has a primaryKeyPosition but is not part of the primary key; add primaryKey: true",
                        property.name
                    ),
                ));
            }
            continue;
        }
        if let Some(position) = position
            && keyed.iter().any(|(other, _)| *other == Some(position))
        {
            return Err((
                field,
                format!("two primary key columns have position {position}; number them 1, 2, ..."),
            ));
        }
        keyed.push((position, property.name.clone()));
    }
    // declared positions first, in order; columns without one after them, as declared
    keyed.sort_by_key(|(position, _)| position.unwrap_or(u64::MAX));
    Ok(keyed.into_iter().map(|(_, name)| name).collect())
}

fn foreign_key(
    file: &Path,
    field: &str,
    object: &SchemaObject,
    relationship: &Relationship,
    property: Option<&str>,
) -> Result<ForeignKey, (String, String)> {
    let fail = |key: &str, message: String| Err((format!("{field}.{key}"), message));
    if let Some(kind) = &relationship.kind
        && kind.as_str() != Some("foreignKey")
    {
        return fail(
            "type",
            format!(
                "{} is not a relationship type; write type: foreignKey",
                yaml_text(kind)
            ),
        );
    }
    let columns = match (property, &relationship.from) {
        (Some(_), Some(_)) => {
            return fail(
                "from",
                "a property's relationship starts at the property; remove from, or move the relationship to the schema object".into(),
            );
        }
        (Some(name), None) => vec![name.to_string()],
        (None, None) => {
            return fail(
                "from",
                "a schema-level relationship needs from: table.column".into(),
            );
        }
        (None, Some(from)) => {
            let references = references(file, &format!("{field}.from"), from)?;
            let mut columns = Vec::new();
            for reference in references {
                if reference.table != object.name || reference.manifest.is_some() {
                    return fail(
                        "from",
                        format!(
                            "'{}.{}' is not a column of {}; from names this table's columns",
                            reference.table, reference.column, object.name
                        ),
                    );
                }
                columns.push(reference.column);
            }
            columns
        }
    };
    if !object.properties.is_empty() {
        for column in &columns {
            if !object.properties.iter().any(|p| &p.name == column) {
                return fail(
                    "from",
                    format!("{column} is not a property of {}", object.name),
                );
            }
        }
    }
    let Some(to) = &relationship.to else {
        return fail("to", "a relationship needs to: table.column".into());
    };
    let targets = references(file, &format!("{field}.to"), to)?;
    let Some(first) = targets.first() else {
        return fail("to", "to names no column".into());
    };
    if targets
        .iter()
        .any(|t| t.table != first.table || t.manifest != first.manifest)
    {
        return fail("to", "the columns of to must be of one table".into());
    }
    if targets.len() != columns.len() {
        return fail(
            "to",
            format!(
                "from names {} column(s), to names {}; name as many on both sides",
                columns.len(),
                targets.len()
            ),
        );
    }
    Ok(ForeignKey {
        columns,
        target: KeyTarget {
            manifest: first.manifest.clone(),
            table: first.table.clone(),
            columns: targets.into_iter().map(|t| t.column).collect(),
        },
    })
}

/// One parsed reference.
struct Reference {
    manifest: Option<PathBuf>,
    table: String,
    column: String,
}

/// A reference or a list of them.
fn references(file: &Path, field: &str, value: &Value) -> Result<Vec<Reference>, (String, String)> {
    let items: Vec<&Value> = match value {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    if items.is_empty() {
        return Err((field.to_string(), "name at least one column".into()));
    }
    items
        .into_iter()
        .map(|item| {
            let text = item.as_str().ok_or_else(|| {
                (
                    field.to_string(),
                    format!(
                        "{} is not a column reference; write table.column",
                        yaml_text(item)
                    ),
                )
            })?;
            reference(file, text).ok_or_else(|| {
                (
                    field.to_string(),
                    format!(
                        "'{text}' is not a column reference; write table.column or \
                         other.odcs.yaml#/schema/<table>/properties/<column>"
                    ),
                )
            })
        })
        .collect()
}

fn reference(file: &Path, text: &str) -> Option<Reference> {
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if let Some((table, column)) = text.split_once('.')
        && !text.contains('/')
        && identifier(table)
        && identifier(column)
    {
        return Some(Reference {
            manifest: None,
            table: table.to_string(),
            column: column.to_string(),
        });
    }
    let (manifest, path) = match text.split_once('#') {
        Some((document, path)) if !document.is_empty() => {
            let folder = file.parent().unwrap_or(Path::new("."));
            let joined = folder.join(document);
            (Some(joined.canonicalize().unwrap_or(joined)), path)
        }
        Some((_, path)) => (None, path),
        None => (None, text),
    };
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["schema", table, "properties", column] if identifier(table) && identifier(column) => {
            Some(Reference {
                manifest,
                table: table.to_string(),
                column: column.to_string(),
            })
        }
        _ => None,
    }
}

fn yaml_text(value: &Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|s| format!("'{}'", s.trim()))
        .unwrap_or_else(|_| "the value".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(yaml: &str) -> SchemaObject {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn keys(yaml: &str) -> Result<TableKeys, (String, String)> {
        table_keys(Path::new("/c/sales/lineitem.odcs.yaml"), 0, &object(yaml))
    }

    #[test]
    fn primary_keys_follow_their_positions() {
        let keys = keys(
            "name: t\nproperties:\n  - {name: a, primaryKey: true, primaryKeyPosition: 2}\n  - {name: b, primaryKey: true, primaryKeyPosition: 1}\n  - {name: c}\n",
        )
        .unwrap();
        assert_eq!(keys.primary_key, vec!["b", "a"]);
    }

    #[test]
    fn relationships_of_objects_and_properties() {
        let keys = keys(
            "name: lineitem\nproperties:\n  - name: l_orderkey\n    relationships:\n      - to: orders.o_orderkey\n  - name: l_partkey\n  - name: l_suppkey\nrelationships:\n  - type: foreignKey\n    from: [lineitem.l_partkey, lineitem.l_suppkey]\n    to: ['../supply/partsupp.odcs.yaml#/schema/partsupp/properties/ps_partkey', '../supply/partsupp.odcs.yaml#/schema/partsupp/properties/ps_suppkey']\n",
        )
        .unwrap();
        assert_eq!(keys.foreign_keys.len(), 2);
        let composite = &keys.foreign_keys[0];
        assert_eq!(composite.columns, vec!["l_partkey", "l_suppkey"]);
        assert_eq!(composite.target.table, "partsupp");
        assert_eq!(
            composite.target.manifest.as_deref(),
            Some(Path::new("/c/sales/../supply/partsupp.odcs.yaml"))
        );
        let single = &keys.foreign_keys[1];
        assert_eq!(single.columns, vec!["l_orderkey"]);
        assert_eq!(single.target.manifest, None);
        assert_eq!(single.target.columns, vec!["o_orderkey"]);
    }

    #[test]
    fn malformed_keys_name_the_field() {
        for (yaml, field, says) in [
            (
                "name: t\nproperties:\n  - {name: a, primaryKey: true, primaryKeyPosition: zero}\n",
                "schema[0].properties[0].primaryKeyPosition",
                "not a key position",
            ),
            (
                "name: t\nproperties:\n  - {name: a, primaryKeyPosition: 1}\n",
                "schema[0].properties[0].primaryKeyPosition",
                "add primaryKey: true",
            ),
            (
                "name: t\nrelationships:\n  - {from: t.a, to: 5}\n",
                "schema[0].relationships[0].to",
                "not a column reference",
            ),
            (
                "name: t\nrelationships:\n  - {from: other.a, to: u.b}\n",
                "schema[0].relationships[0].from",
                "not a column of t",
            ),
            (
                "name: t\nrelationships:\n  - {type: oneToMany, from: t.a, to: u.b}\n",
                "schema[0].relationships[0].type",
                "write type: foreignKey",
            ),
            (
                "name: t\nrelationships:\n  - {from: [t.a, t.b], to: u.b}\n",
                "schema[0].relationships[0].to",
                "name as many",
            ),
            (
                "name: t\nproperties:\n  - name: a\n    relationships:\n      - {from: t.a, to: u.b}\n",
                "schema[0].properties[0].relationships[0].from",
                "remove from",
            ),
            (
                "name: t\nrelationships:\n  - {from: t.a, to: 'u.b.c'}\n",
                "schema[0].relationships[0].to",
                "not a column reference",
            ),
        ] {
            let (f, message) = keys(yaml).unwrap_err();
            assert_eq!(f, field, "{yaml}");
            assert!(message.contains(says), "{yaml}: {message}");
        }
    }
}
