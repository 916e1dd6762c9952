//! Small catalog functions that psql's `\l+`, `\dt+` and `\df` call and that
//! `datafusion-pg-catalog` does not provide, plus a PostgreSQL-looking `version()`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

/// `version()`: what clients parse to learn the server's PostgreSQL version.
pub fn version_string() -> String {
    format!(
        "PostgreSQL 17.0 (meshgate {}) on {}-{}, a federated query gateway over Apache DataFusion",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    let version = version_string();
    vec![
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
            DataType::Int64,
            ScalarValue::Boolean(Some(true)),
        ),
        // unknown without opening the storage (psql prints an empty cell)
        constant("pg_table_size", DataType::Int64, ScalarValue::Int64(None)),
        constant("pg_database_size", DataType::Utf8, ScalarValue::Int64(None)),
        // pg_proc holds only pg_catalog's built-ins, which `\df` does not list
        constant(
            "pg_get_function_result",
            DataType::Int64,
            ScalarValue::Utf8(None),
        ),
        constant(
            "pg_get_function_arguments",
            DataType::Int64,
            ScalarValue::Utf8(None),
        ),
    ]
}

/// A one-argument function with a constant result.
fn constant(name: &str, argument: DataType, value: ScalarValue) -> ScalarUDF {
    let data_type = value.data_type();
    create_udf(
        name,
        vec![argument],
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
}
