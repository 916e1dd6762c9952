//! `has_table_privilege`, `has_any_column_privilege`, `has_column_privilege`,
//! `has_schema_privilege` and `has_database_privilege`, answered from the policy for the
//! session's principal: `SELECT` on a product table iff the contract grants it, never a
//! privilege that changes data (meshgate is read-only).

use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use crate::engine::{CATALOG_NAME, DEFAULT_SCHEMA, SYSTEM_SCHEMA};
use crate::error::Error;
use crate::policy::Principal;
use crate::policy::store::PolicyStore;

/// What a privilege function is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Object {
    Table,
    AnyColumn,
    Column,
    Schema,
    Database,
}

impl Object {
    /// Arguments before the privilege, without the optional leading user.
    fn arity(self) -> usize {
        match self {
            Object::Column => 2,
            _ => 1,
        }
    }
}

/// Schemas every session may use and read.
const SYSTEM_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", SYSTEM_SCHEMA];

/// One `has_*_privilege` function of a session.
#[derive(Debug)]
pub struct HasPrivilege {
    name: &'static str,
    object: Object,
    principal: Arc<Principal>,
    policy: Arc<PolicyStore>,
    signature: Signature,
}

impl PartialEq for HasPrivilege {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.principal, &other.principal)
    }
}

impl Eq for HasPrivilege {}

impl std::hash::Hash for HasPrivilege {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        Arc::as_ptr(&self.principal).hash(state);
    }
}

/// The privilege functions for `principal`.
pub fn functions(principal: &Arc<Principal>, policy: &Arc<PolicyStore>) -> Vec<ScalarUDF> {
    [
        ("has_table_privilege", Object::Table),
        ("has_any_column_privilege", Object::AnyColumn),
        ("has_column_privilege", Object::Column),
        ("has_schema_privilege", Object::Schema),
        ("has_database_privilege", Object::Database),
    ]
    .into_iter()
    .map(|(name, object)| {
        let arity = object.arity();
        let signature = Signature::one_of(
            vec![TypeSignature::Any(arity + 1), TypeSignature::Any(arity + 2)],
            Volatility::Stable,
        );
        ScalarUDF::new_from_impl(HasPrivilege {
            name,
            object,
            principal: Arc::clone(principal),
            policy: Arc::clone(policy),
            signature,
        })
    })
    .collect()
}

impl ScalarUDFImpl for HasPrivilege {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let default_schema = args.config_options.catalog.default_schema.clone();
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts = arrays
            .iter()
            .map(|a| {
                let text = cast(a, &DataType::Utf8)?;
                Ok(text.as_any().downcast_ref::<StringArray>().cloned())
            })
            .collect::<DfResult<Vec<_>>>()?
            .into_iter()
            .collect::<Option<Vec<StringArray>>>()
            .ok_or_else(|| DataFusionError::Internal("cast to text failed".into()))?;
        let with_user = texts.len() > self.object.arity() + 1;
        let mut result = BooleanArray::builder(args.number_rows);
        for row in 0..args.number_rows {
            let value = |i: usize| {
                texts
                    .get(i)
                    .filter(|a| a.is_valid(row))
                    .map(|a| a.value(row))
            };
            let values: Option<Vec<&str>> = (0..texts.len()).map(value).collect();
            let Some(mut values) = values else {
                result.append_null();
                continue;
            };
            if with_user {
                let user = values.remove(0);
                if !self.is_session_user(user) {
                    result.append_null(); // meshgate answers for the session's own user
                    continue;
                }
            }
            let (privileges, object) = values.split_last().unwrap_or((&"", &[]));
            let answer = self.answer(object, privileges, &default_schema)?;
            result.append_value(answer);
        }
        Ok(ColumnarValue::Array(Arc::new(result.finish())))
    }
}

impl HasPrivilege {
    fn is_session_user(&self, user: &str) -> bool {
        user == self.principal.name || user == "public"
    }

    fn answer(&self, object: &[&str], privileges: &str, default_schema: &str) -> DfResult<bool> {
        let wanted = parse_privileges(privileges)?;
        let name = object.first().copied().unwrap_or_default();
        let held = |privilege: &str| -> DfResult<bool> {
            match self.object {
                Object::Table | Object::AnyColumn | Object::Column => {
                    Ok(privilege == "SELECT" && self.can_read_table(name, default_schema)?)
                }
                Object::Schema => Ok(privilege == "USAGE" && self.can_use_schema(name)?),
                Object::Database => Ok(matches!(privilege, "CONNECT") && is_mesh(name)?),
            }
        };
        for privilege in wanted {
            if held(&privilege)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn can_read_table(&self, name: &str, default_schema: &str) -> DfResult<bool> {
        if name.parse::<i64>().is_ok() {
            // an oid: pg_class lists only the relations the session may read
            return Ok(true);
        }
        let parts = identifier_parts(name);
        let (schema, table) = match parts.as_slice() {
            [table] if is_pg_catalog_table(table) => ("pg_catalog", table.as_str()),
            [table] => (default_schema, table.as_str()),
            [schema, table] => (schema.as_str(), table.as_str()),
            [catalog, schema, table] if catalog == CATALOG_NAME => {
                (schema.as_str(), table.as_str())
            }
            _ => return Err(unknown_relation(name)),
        };
        if SYSTEM_SCHEMAS.contains(&schema) {
            return Ok(true);
        }
        let registry = self.policy.registry();
        match registry.table(schema, table) {
            Some(registered) => Ok(self.policy.can_read(&self.principal, &registered)),
            None => Err(unknown_relation(name)),
        }
    }

    fn can_use_schema(&self, name: &str) -> DfResult<bool> {
        let schema = identifier_parts(name).join(".");
        if SYSTEM_SCHEMAS.contains(&schema.as_str()) || schema == DEFAULT_SCHEMA {
            return Ok(true);
        }
        let registry = self.policy.registry();
        if !registry.has_domain(&schema) {
            return Err(Error::UnknownSchema(schema).into());
        }
        Ok(registry.table_names(&schema).iter().any(|table| {
            registry
                .table(&schema, table)
                .is_some_and(|t| self.policy.can_read(&self.principal, &t))
        }))
    }
}

/// Whether `database` (a name or an oid) is the one database a session may connect to.
fn is_mesh(database: &str) -> DfResult<bool> {
    Ok(database == CATALOG_NAME || database.parse::<i64>().is_ok())
}

fn is_pg_catalog_table(name: &str) -> bool {
    datafusion_pg_catalog::pg_catalog::PG_CATALOG_TABLES.contains(&name) || name == "pg_user"
}

fn unknown_relation(name: &str) -> DataFusionError {
    Error::UnknownRelation(name.to_string()).into()
}

/// `'SELECT, INSERT WITH GRANT OPTION'` as upper-cased privilege names; a privilege asked
/// `WITH GRANT OPTION` is never held (nobody may grant in meshgate).
fn parse_privileges(text: &str) -> DfResult<Vec<String>> {
    const KNOWN: &[&str] = &[
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "MAINTAIN",
        "USAGE",
        "CREATE",
        "CONNECT",
        "TEMPORARY",
        "TEMP",
        "EXECUTE",
    ];
    text.split(',')
        .map(|p| {
            let p = p.trim().to_ascii_uppercase();
            let (name, grant_option) = match p.strip_suffix("WITH GRANT OPTION") {
                Some(name) => (name.trim().to_string(), true),
                None => (p, false),
            };
            if !KNOWN.contains(&name.as_str()) {
                return Err(Error::InvalidValue(format!(
                    "unrecognized privilege type: \"{name}\""
                ))
                .into());
            }
            Ok(if grant_option { String::new() } else { name })
        })
        .collect()
}

/// The parts of a possibly qualified, possibly quoted SQL name, unquoted parts lower-cased.
fn identifier_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = name.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_privileges_parse_as_postgresql_does() {
        assert_eq!(identifier_parts("Sales.Orders"), ["sales", "orders"]);
        assert_eq!(identifier_parts("\"My.Schema\".t"), ["My.Schema", "t"]);
        assert_eq!(
            parse_privileges("select, insert WITH GRANT OPTION").unwrap(),
            ["SELECT", ""]
        );
        assert!(parse_privileges("fly").is_err());
    }
}
