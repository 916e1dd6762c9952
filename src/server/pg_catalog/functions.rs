//! Small catalog functions that psql's `\l+`, `\dt+` and `\df` call and that
//! `datafusion-pg-catalog` does not provide, `to_regtype` (psycopg's type lookup), and a
//! PostgreSQL-looking `version()`.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion_pg_catalog::pg_catalog::ArrowTable;

/// `version()`: what clients parse to learn the server's PostgreSQL version.
pub fn version_string() -> String {
    format!(
        "PostgreSQL 17.0 (meshgate {}) on {}-{}, a federated query gateway over Apache DataFusion",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

/// The functions of this module; `types` is the static `pg_type`.
pub fn functions(types: &ArrowTable) -> DfResult<Vec<ScalarUDF>> {
    let version = version_string();
    let oids = type_oids(types)?;
    Ok(vec![
        create_udf(
            "version",
            vec![],
            DataType::Utf8,
            Volatility::Immutable,
            Arc::new(move |_: &[ColumnarValue]| {
                Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
                    version.clone(),
                ))))
            }),
        ),
        create_udf(
            "pg_size_pretty",
            vec![DataType::Int64],
            DataType::Utf8,
            Volatility::Immutable,
            Arc::new(size_pretty),
        ),
        // every function in pg_proc lives in pg_catalog, which is always on the search path
        constant(
            "pg_function_is_visible",
            &[DataType::Int64],
            ScalarValue::Boolean(Some(true)),
        ),
        // unknown without opening the storage (psql prints an empty cell)
        constant(
            "pg_table_size",
            &[DataType::Int64],
            ScalarValue::Int64(None),
        ),
        constant(
            "pg_database_size",
            &[DataType::Utf8],
            ScalarValue::Int64(None),
        ),
        // pg_proc holds only pg_catalog's built-ins, which `\df` does not list
        constant(
            "pg_get_function_result",
            &[DataType::Int64],
            ScalarValue::Utf8(None),
        ),
        constant(
            "pg_get_function_arguments",
            &[DataType::Int64],
            ScalarValue::Utf8(None),
        ),
        // meshgate has no sequences (SQLAlchemy asks for each column)
        constant(
            "pg_get_serial_sequence",
            &[DataType::Utf8, DataType::Utf8],
            ScalarValue::Utf8(None),
        ),
        // pg_collation holds only pg_catalog's collations
        constant(
            "pg_collation_is_visible",
            &[DataType::Int64],
            ScalarValue::Boolean(Some(true)),
        ),
        super::json::JsonBuildObject::udf(),
        create_udf(
            super::rewrite::LIKE_PATTERN,
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Utf8,
            Volatility::Immutable,
            Arc::new(like_pattern),
        ),
        create_udf(
            "to_regtype",
            vec![DataType::Utf8],
            DataType::Int32,
            Volatility::Stable,
            Arc::new(move |args: &[ColumnarValue]| to_regtype(&oids, args)),
        ),
    ])
}

/// Type names and their oids from `pg_type`, with the SQL spellings of the common ones.
fn type_oids(types: &ArrowTable) -> DfResult<HashMap<String, i32>> {
    let mut oids = HashMap::new();
    for batch in types.data() {
        let names = batch
            .column_by_name("typname")
            .map(|c| cast(c, &DataType::Utf8));
        let ids = batch
            .column_by_name("oid")
            .map(|c| cast(c, &DataType::Int32));
        let (Some(names), Some(ids)) = (names, ids) else {
            return Err(DataFusionError::Internal(
                "pg_type has no typname/oid".into(),
            ));
        };
        let (names, ids) = (names?, ids?);
        let names = names.as_any().downcast_ref::<StringArray>();
        let ids = ids.as_any().downcast_ref::<Int32Array>();
        if let (Some(names), Some(ids)) = (names, ids) {
            for (name, id) in names.iter().zip(ids.iter()) {
                if let (Some(name), Some(id)) = (name, id) {
                    oids.insert(name.to_string(), id);
                }
            }
        }
    }
    for (alias, name) in [
        ("integer", "int4"),
        ("int", "int4"),
        ("smallint", "int2"),
        ("bigint", "int8"),
        ("real", "float4"),
        ("double precision", "float8"),
        ("boolean", "bool"),
        ("character varying", "varchar"),
        ("character", "bpchar"),
        ("decimal", "numeric"),
        ("timestamp without time zone", "timestamp"),
        ("timestamp with time zone", "timestamptz"),
    ] {
        if let Some(oid) = oids.get(name).copied() {
            oids.insert(alias.to_string(), oid);
        }
    }
    Ok(oids)
}

/// `to_regtype(name)`: the type's oid, NULL if there is no such type.
fn to_regtype(oids: &HashMap<String, i32>, args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let names = arrays
        .first()
        .and_then(|a| a.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| DataFusionError::Plan("to_regtype takes one type name".into()))?;
    let found: Int32Array = names
        .iter()
        .map(|name| {
            let name = name?
                .trim()
                .trim_start_matches("pg_catalog.")
                .to_lowercase();
            oids.get(name.trim_matches('"')).copied()
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(found)))
}

/// A `LIKE` pattern written with escape character `escape`, rewritten with backslashes.
fn like_pattern(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let text = |i: usize| {
        arrays
            .get(i)
            .and_then(|a| a.as_any().downcast_ref::<StringArray>())
            .ok_or_else(|| DataFusionError::Plan("LIKE ... ESCAPE takes text".into()))
    };
    let (patterns, escapes) = (text(0)?, text(1)?);
    let converted: StringArray = patterns
        .iter()
        .zip(escapes.iter())
        .map(|(pattern, escape)| {
            let mut escape = escape?.chars();
            Some(match (escape.next(), escape.next()) {
                (Some(escape), None) => backslash_escaped(pattern?, escape),
                _ => pattern?.to_string(), // PostgreSQL: ESCAPE '' turns escaping off
            })
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(converted)))
}

fn backslash_escaped(pattern: &str, escape: char) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(next @ ('%' | '_' | '\\')) => {
                    out.push('\\');
                    out.push(next);
                }
                Some(next) => out.push(next),
                None => {}
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// A function with a constant result.
fn constant(name: &str, arguments: &[DataType], value: ScalarValue) -> ScalarUDF {
    let data_type = value.data_type();
    create_udf(
        name,
        arguments.to_vec(),
        data_type,
        Volatility::Stable,
        Arc::new(move |_: &[ColumnarValue]| Ok(ColumnarValue::Scalar(value.clone()))),
    )
}

/// PostgreSQL's `pg_size_pretty(bigint)`: bytes, kB, MB, GB, TB, PB, rounding half away
/// from zero, switching units at 10240 of the smaller one.
fn size_pretty(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let array = arrays
        .first()
        .ok_or_else(|| DataFusionError::Plan("pg_size_pretty takes one size".into()))?;
    let sizes = cast(array, &DataType::Int64)?;
    let sizes = sizes
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| DataFusionError::Internal("cast to bigint failed".into()))?;
    let pretty: StringArray = sizes.iter().map(|size| size.map(pretty_size)).collect();
    Ok(ColumnarValue::Array(Arc::new(pretty) as ArrayRef))
}

fn pretty_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes.unsigned_abs() < 10 * 1024 {
        return format!("{bytes} bytes");
    }
    let mut size = bytes as f64;
    for unit in UNITS {
        size /= 1024.0;
        if size.abs() < 10.0 * 1024.0 - 0.5 || unit == "PB" {
            return format!("{} {unit}", size.round());
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_postgresql() {
        assert_eq!(pretty_size(10), "10 bytes");
        assert_eq!(pretty_size(10239), "10239 bytes");
        assert_eq!(pretty_size(10240), "10 kB");
        assert_eq!(pretty_size(123_456_789), "118 MB");
        assert!(version_string().starts_with("PostgreSQL 17.0"));
    }

    #[test]
    fn like_patterns_are_rewritten_to_backslash_escapes() {
        assert_eq!(backslash_escaped("pg/_%", '/'), "pg\\_%");
        assert_eq!(backslash_escaped("a\\b//c", '/'), "a\\\\b/c");
    }
}
