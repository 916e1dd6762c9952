//! Parameters of the extended protocol: their types (inferred by DataFusion from `$n`
//! placeholders, or given by the client in Parse) and their decoding from Bind.

use bytes::Bytes;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::scalar::ScalarValue;
use pgwire::api::Type;

use crate::engine::pg_types::datetime_text;
use crate::error::{Error, Result};
use crate::server::encode::Kind;
use crate::server::numeric;

/// The Arrow types of `$1..$n` in `plan`; `None` where DataFusion could not infer one. A
/// parameter DataFusion leaves untyped but that is cast (`$1::BIGINT`) takes the cast's type,
/// as in PostgreSQL.
pub fn parameter_types(plan: &LogicalPlan) -> Result<Vec<Option<DataType>>> {
    let mut types = plan.get_parameter_types()?;
    let mut casts = Vec::new();
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                if let Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field }) = e
                    && let Expr::Placeholder(placeholder) = expr.as_ref()
                {
                    casts.push((placeholder.id.clone(), field.data_type().clone()));
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    })?;
    for (id, data_type) in casts {
        if let Some(slot @ None) = types.get_mut(&id) {
            *slot = Some(data_type);
        }
    }
    let mut ordered = Vec::new();
    for (id, data_type) in types {
        let index: usize = id
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "parameter {id}: only positional parameters $1, $2, ... are supported"
                ))
            })?;
        if ordered.len() < index {
            ordered.resize(index, None);
        }
        ordered[index - 1] = data_type;
    }
    Ok(ordered)
}

/// The PostgreSQL type advertised for a parameter.
pub fn pg_type(data_type: Option<&DataType>) -> Type {
    match data_type {
        Some(DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8) => Type::TEXT,
        Some(t) => Kind::of(t).pg_type(),
        None => Type::UNKNOWN,
    }
}

/// Decodes one parameter value sent as `pg_type` in text or binary into a value of
/// `target` (the inferred type, when there is one). A `timestamptz` in text without an
/// offset is local time in `zone` (the session's), as PostgreSQL reads it.
pub fn decode(
    value: Option<&Bytes>,
    pg_type: &Type,
    binary: bool,
    target: Option<&DataType>,
    zone: Option<&str>,
) -> Result<ScalarValue> {
    let target = target.cloned().unwrap_or_else(|| arrow_type(pg_type));
    let Some(bytes) = value else {
        return Ok(ScalarValue::try_from(&target)?);
    };
    let scalar = if binary {
        decode_binary(bytes, pg_type)?
    } else {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::InvalidValue("parameter is not valid UTF-8".into()))?;
        let text = ScalarValue::Utf8(Some(datetime_text(text, &target).to_string()));
        match (&target, zone) {
            (DataType::Timestamp(unit, Some(_)), Some(zone)) => {
                let local = DataType::Timestamp(*unit, Some(zone.into()));
                text.cast_to(&local).map_err(|e| {
                    Error::InvalidValue(format!(
                        "parameter value {text} cannot be read as a timestamp with time zone: {}",
                        e.find_root()
                    ))
                })?
            }
            _ => text,
        }
    };
    if scalar.data_type() == target {
        return Ok(scalar);
    }
    scalar.cast_to(&target).map_err(|e| {
        Error::InvalidValue(format!(
            "parameter value {scalar} cannot be read as {target}: {}",
            e.find_root()
        ))
    })
}

/// The Arrow type for a parameter the client typed and DataFusion did not.
fn arrow_type(pg_type: &Type) -> DataType {
    match *pg_type {
        Type::BOOL => DataType::Boolean,
        Type::INT2 => DataType::Int16,
        Type::INT4 => DataType::Int32,
        Type::INT8 => DataType::Int64,
        Type::FLOAT4 => DataType::Float32,
        Type::FLOAT8 => DataType::Float64,
        Type::DATE => DataType::Date32,
        Type::TIMESTAMP => DataType::Timestamp(TimeUnit::Microsecond, None),
        Type::TIMESTAMPTZ => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Type::BYTEA => DataType::Binary,
        _ => DataType::Utf8,
    }
}

fn decode_binary(bytes: &[u8], pg_type: &Type) -> Result<ScalarValue> {
    let bad = || {
        Error::InvalidValue(format!(
            "binary parameter of type {} has {} bytes",
            pg_type.name(),
            bytes.len()
        ))
    };
    let fixed = |n: usize| -> Result<&[u8]> { (bytes.len() == n).then_some(bytes).ok_or_else(bad) };
    Ok(match *pg_type {
        Type::BOOL => ScalarValue::Boolean(Some(fixed(1)?[0] != 0)),
        Type::INT2 => ScalarValue::Int16(Some(i16::from_be_bytes(arr(fixed(2)?)?))),
        Type::INT4 => ScalarValue::Int32(Some(i32::from_be_bytes(arr(fixed(4)?)?))),
        Type::INT8 => ScalarValue::Int64(Some(i64::from_be_bytes(arr(fixed(8)?)?))),
        Type::FLOAT4 => ScalarValue::Float32(Some(f32::from_be_bytes(arr(fixed(4)?)?))),
        Type::FLOAT8 => ScalarValue::Float64(Some(f64::from_be_bytes(arr(fixed(8)?)?))),
        Type::DATE => {
            let days = i32::from_be_bytes(arr(fixed(4)?)?);
            ScalarValue::Date32(Some(days + 10_957))
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let micros = i64::from_be_bytes(arr(fixed(8)?)?) + 946_684_800_000_000;
            let zone = (*pg_type == Type::TIMESTAMPTZ).then(|| "UTC".into());
            ScalarValue::TimestampMicrosecond(Some(micros), zone)
        }
        Type::NUMERIC => ScalarValue::Utf8(Some(numeric::read_binary(bytes).ok_or_else(bad)?)),
        Type::BYTEA => ScalarValue::Binary(Some(bytes.to_vec())),
        _ => {
            ScalarValue::Utf8(Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                Error::InvalidValue("parameter is not valid UTF-8".into())
            })?))
        }
    })
}

fn arr<const N: usize>(bytes: &[u8]) -> Result<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| Error::InvalidValue("parameter has the wrong length".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_timestamptz_without_offset_is_local_time() {
        let target = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let decode_in = |text: &'static str, zone| {
            let bytes = Bytes::from_static(text.as_bytes());
            decode(Some(&bytes), &Type::TIMESTAMPTZ, false, Some(&target), zone).unwrap()
        };
        // 2024-07-01 10:00:00 UTC
        let instant =
            ScalarValue::TimestampMicrosecond(Some(1_719_828_000_000_000), Some("UTC".into()));
        assert_eq!(
            decode_in("2024-07-01 12:00:00", Some("Europe/Berlin")),
            instant
        );
        assert_eq!(
            decode_in("2024-07-01 10:00:00+00", Some("Europe/Berlin")),
            instant
        );
        assert_eq!(decode_in("2024-07-01 10:00:00", Some("UTC")), instant);
        let bytes = Bytes::from_static(b"soon");
        let error = decode(
            Some(&bytes),
            &Type::TIMESTAMPTZ,
            false,
            Some(&target),
            Some("Europe/Berlin"),
        )
        .unwrap_err();
        assert_eq!(error.sqlstate(), "22023");
        assert!(
            error
                .to_string()
                .starts_with("parameter value soon cannot be read as a timestamp with time zone"),
            "{error}"
        );
    }
}
