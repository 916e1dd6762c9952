//! One-dimensional arrays sent as binary parameters (asyncpg sends every array so, and its
//! type introspection binds an `oid[]`): PostgreSQL's array format, a header (dimensions,
//! null flag, element type, length and lower bound) and each element as its length and its
//! binary value. Elements decode as binary parameters of the element type do.

use datafusion::scalar::ScalarValue;
use pgwire::api::Type;

use crate::error::{Error, Result};
use crate::server::params;

/// The element type of array type `array`, for the arrays meshgate decodes.
pub fn element_of(array: &Type) -> Option<Type> {
    let pairs = [
        (Type::BOOL_ARRAY, Type::BOOL),
        (Type::INT2_ARRAY, Type::INT2),
        (Type::INT4_ARRAY, Type::INT4),
        (Type::INT8_ARRAY, Type::INT8),
        (Type::OID_ARRAY, Type::OID),
        (Type::FLOAT4_ARRAY, Type::FLOAT4),
        (Type::FLOAT8_ARRAY, Type::FLOAT8),
        (Type::NUMERIC_ARRAY, Type::NUMERIC),
        (Type::TEXT_ARRAY, Type::TEXT),
        (Type::VARCHAR_ARRAY, Type::VARCHAR),
        (Type::BPCHAR_ARRAY, Type::BPCHAR),
        (Type::NAME_ARRAY, Type::NAME),
        (Type::DATE_ARRAY, Type::DATE),
        (Type::TIMESTAMP_ARRAY, Type::TIMESTAMP),
        (Type::TIMESTAMPTZ_ARRAY, Type::TIMESTAMPTZ),
        (Type::BYTEA_ARRAY, Type::BYTEA),
    ];
    pairs
        .into_iter()
        .find(|(a, _)| a == array)
        .map(|(_, element)| element)
}

/// Reads the next big-endian `i32`.
fn next_i32(bytes: &mut &[u8]) -> Result<i32> {
    let (head, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| Error::InvalidValue("binary array parameter is cut short".into()))?;
    *bytes = rest;
    Ok(i32::from_be_bytes(*head))
}

/// Decodes a binary array of `element`s as a list value.
pub fn decode(mut bytes: &[u8], element: &Type) -> Result<ScalarValue> {
    let dimensions = next_i32(&mut bytes)?;
    let _has_nulls = next_i32(&mut bytes)?;
    let _element_oid = next_i32(&mut bytes)?;
    let data_type = params::arrow_type(element);
    let length = match dimensions {
        0 => 0,
        1 => {
            let length = next_i32(&mut bytes)?;
            let _lower_bound = next_i32(&mut bytes)?;
            usize::try_from(length).map_err(|_| {
                Error::InvalidValue("binary array parameter has a negative length".into())
            })?
        }
        _ => {
            return Err(Error::Unsupported(format!(
                "array parameters of {dimensions} dimensions are not supported; send a \
                 one-dimensional array"
            )));
        }
    };
    let mut values = Vec::with_capacity(length.min(bytes.len() / 4));
    for _ in 0..length {
        let size = next_i32(&mut bytes)?;
        let value = match usize::try_from(size) {
            Err(_) => ScalarValue::try_from(&data_type)?,
            Ok(size) if size <= bytes.len() => {
                let (value, rest) = bytes.split_at(size);
                bytes = rest;
                params::decode_binary(value, element)?.cast_to(&data_type)?
            }
            Ok(_) => {
                return Err(Error::InvalidValue(
                    "binary array parameter is cut short".into(),
                ));
            }
        };
        values.push(value);
    }
    if !bytes.is_empty() {
        return Err(Error::InvalidValue(
            "binary array parameter has bytes after its last element".into(),
        ));
    }
    Ok(ScalarValue::List(ScalarValue::new_list_nullable(
        &values, &data_type,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary array as PostgreSQL writes it.
    fn array(element_oid: i32, elements: &[Option<&[u8]>]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for n in [1, 1, element_oid, elements.len() as i32, 1] {
            bytes.extend(i32::to_be_bytes(n));
        }
        for element in elements {
            match element {
                Some(value) => {
                    bytes.extend(i32::to_be_bytes(value.len() as i32));
                    bytes.extend(*value);
                }
                None => bytes.extend(i32::to_be_bytes(-1)),
            }
        }
        bytes
    }

    #[test]
    fn oid_int_and_text_arrays() {
        let oids = array(
            26,
            &[Some(&1007u32.to_be_bytes()), Some(&u32::MAX.to_be_bytes())],
        );
        let decoded = decode(&oids, &Type::OID).unwrap();
        assert_eq!(decoded.to_string(), "[1007, 4294967295]");
        let ints = array(23, &[Some(&7i32.to_be_bytes()), None]);
        assert_eq!(decode(&ints, &Type::INT4).unwrap().to_string(), "[7, ]");
        let texts = array(25, &[Some(b"a"), Some("é".as_bytes())]);
        assert_eq!(decode(&texts, &Type::TEXT).unwrap().to_string(), "[a, é]");
        let empty = [0i32, 0, 23]
            .iter()
            .flat_map(|n| n.to_be_bytes())
            .collect::<Vec<_>>();
        assert_eq!(decode(&empty, &Type::INT4).unwrap().to_string(), "[]");
    }

    #[test]
    fn malformed_arrays_are_refused() {
        let ints = array(23, &[Some(&7i32.to_be_bytes())]);
        for cut in [3, 12, ints.len() - 1] {
            assert_eq!(
                decode(&ints[..cut], &Type::INT4).unwrap_err().sqlstate(),
                "22023"
            );
        }
        let mut two_dimensions = ints.clone();
        two_dimensions[3] = 2;
        assert_eq!(
            decode(&two_dimensions, &Type::INT4).unwrap_err().sqlstate(),
            "0A000"
        );
    }
}
