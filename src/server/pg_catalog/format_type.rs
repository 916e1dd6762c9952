//! `format_type(oid, typmod)` as PostgreSQL prints a type: SQL-standard names (`integer`,
//! `character varying(25)`, `numeric(15,2)`, `timestamp without time zone`), `typname` from
//! `pg_type` for the others (`cstring`, `regclass`), `elem[]` for arrays and `-` for oid 0.
//! It is also the text of a `regtype` ([`super::regcast`]). The type modifier of a column
//! comes from its Arrow type ([`typmod`]).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, Int32Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::expr_fn::SimpleScalarUDF;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};
use datafusion_pg_catalog::pg_catalog::ArrowTable;

/// PostgreSQL's `VARHDRSZ`, added to every type modifier.
const VARHDRSZ: i32 = 4;

/// `pg_attribute.atttypmod` of a column of `data_type`: `((p << 16) | s) + 4` for a
/// decimal, -1 (none) for the other types, whose Arrow types carry no modifier.
pub fn typmod(data_type: &DataType) -> i32 {
    match data_type {
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => {
            ((i32::from(*p) << 16) | (i32::from(*s) & 0x7ff)) + VARHDRSZ
        }
        _ => -1,
    }
}

/// Type names by oid, with the element of each array type.
#[derive(Debug, Default)]
pub struct TypeNames {
    names: HashMap<i32, (String, i32)>,
}

impl TypeNames {
    /// From the static `pg_type`.
    pub fn new(types: &ArrowTable) -> DfResult<TypeNames> {
        let mut names = HashMap::new();
        for batch in types.data() {
            let column = |name: &str, to: &DataType| {
                batch
                    .column_by_name(name)
                    .map(|c| cast(c, to))
                    .transpose()?
                    .ok_or_else(|| DataFusionError::Internal(format!("pg_type has no {name}")))
            };
            let (oids, typnames, elems) = (
                column("oid", &DataType::Int32)?,
                column("typname", &DataType::Utf8)?,
                column("typelem", &DataType::Int32)?,
            );
            let (Some(oids), Some(typnames), Some(elems)) = (
                oids.as_any().downcast_ref::<Int32Array>(),
                typnames.as_any().downcast_ref::<StringArray>(),
                elems.as_any().downcast_ref::<Int32Array>(),
            ) else {
                return Err(DataFusionError::Internal("pg_type has other types".into()));
            };
            for i in 0..oids.len() {
                if oids.is_valid(i) && typnames.is_valid(i) {
                    let elem = if elems.is_valid(i) { elems.value(i) } else { 0 };
                    names.insert(oids.value(i), (typnames.value(i).to_string(), elem));
                }
            }
        }
        Ok(TypeNames { names })
    }

    /// The type's name as `format_type(oid, typmod)` prints it; `None` for an unknown oid
    /// (PostgreSQL prints `???`).
    pub fn format(&self, oid: i32, typmod: i32) -> Option<String> {
        if oid == 0 {
            return Some("-".into());
        }
        let (name, elem) = self.names.get(&oid)?;
        if name.starts_with('_') && *elem != 0 {
            return Some(format!("{}[]", self.format(*elem, typmod)?));
        }
        let modified = typmod >= VARHDRSZ;
        let with = |base: &str, arg: String| match modified {
            true => format!("{base}({arg})"),
            false => base.to_string(),
        };
        Some(match name.as_str() {
            "bool" => "boolean".into(),
            "int2" => "smallint".into(),
            "int4" => "integer".into(),
            "int8" => "bigint".into(),
            "float4" => "real".into(),
            "float8" => "double precision".into(),
            "char" => "\"char\"".into(),
            "varchar" => with("character varying", (typmod - VARHDRSZ).to_string()),
            "bpchar" => with("character", (typmod - VARHDRSZ).to_string()),
            "numeric" => {
                let (p, s) = ((typmod - VARHDRSZ) >> 16, (typmod - VARHDRSZ) & 0xffff);
                with("numeric", format!("{p},{s}"))
            }
            "timestamp" => time_type("timestamp", typmod, " without time zone"),
            "timestamptz" => time_type("timestamp", typmod, " with time zone"),
            "time" => time_type("time", typmod, " without time zone"),
            "timetz" => time_type("time", typmod, " with time zone"),
            "bit" => with("bit", typmod.to_string()),
            "varbit" => with("bit varying", typmod.to_string()),
            other => other.to_string(),
        })
    }
}

/// `timestamp(3) with time zone`: the precision is the modifier itself.
fn time_type(base: &str, typmod: i32, zone: &str) -> String {
    match typmod >= 0 {
        true => format!("{base}({typmod}){zone}"),
        false => format!("{base}{zone}"),
    }
}

/// `format_type(oid, typmod)`; NULL for a NULL oid, `???` for an unknown one.
pub fn format_type_udf(names: Arc<TypeNames>) -> ScalarUDF {
    ScalarUDF::new_from_impl(SimpleScalarUDF::new_with_signature(
        "format_type",
        Signature::any(2, Volatility::Stable),
        DataType::Utf8,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let int = |i: usize| -> DfResult<Int32Array> {
                let array = arrays.get(i).ok_or_else(|| {
                    DataFusionError::Plan("format_type takes two arguments".into())
                })?;
                let array = cast(array, &DataType::Int32)?;
                array
                    .as_any()
                    .downcast_ref::<Int32Array>()
                    .cloned()
                    .ok_or_else(|| DataFusionError::Internal("cast to integer failed".into()))
            };
            let (oids, typmods) = (int(0)?, int(1)?);
            let formatted: StringArray = (0..oids.len())
                .map(|i| {
                    let typmod = if typmods.is_valid(i) {
                        typmods.value(i)
                    } else {
                        -1
                    };
                    oids.is_valid(i).then(|| {
                        names
                            .format(oids.value(i), typmod)
                            .unwrap_or_else(|| "???".into())
                    })
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(formatted)))
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> TypeNames {
        let mut names = HashMap::new();
        for (oid, name, elem) in [
            (16, "bool", 0),
            (23, "int4", 0),
            (1007, "_int4", 23),
            (1043, "varchar", 0),
            (1700, "numeric", 0),
            (1114, "timestamp", 0),
            (2275, "cstring", 0),
        ] {
            names.insert(oid, (name.to_string(), elem));
        }
        TypeNames { names }
    }

    #[test]
    fn types_print_as_postgresql_prints_them() {
        let names = names();
        let numeric = typmod(&DataType::Decimal128(15, 2));
        assert_eq!(numeric, 983_046);
        assert_eq!(
            names.format(1700, numeric).as_deref(),
            Some("numeric(15,2)")
        );
        assert_eq!(names.format(1700, -1).as_deref(), Some("numeric"));
        assert_eq!(
            names.format(1043, 29).as_deref(),
            Some("character varying(25)")
        );
        assert_eq!(names.format(16, -1).as_deref(), Some("boolean"));
        assert_eq!(names.format(1007, -1).as_deref(), Some("integer[]"));
        assert_eq!(names.format(2275, -1).as_deref(), Some("cstring"));
        assert_eq!(
            names.format(1114, -1).as_deref(),
            Some("timestamp without time zone")
        );
        assert_eq!(names.format(0, -1).as_deref(), Some("-"));
        assert_eq!(names.format(99999, -1), None);
        assert_eq!(typmod(&DataType::Utf8), -1);
    }
}
