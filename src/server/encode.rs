//! Arrow → PostgreSQL wire encoding, column at a time: each column's type is resolved once
//! per result ([`PgColumn`]), then each batch is written column by column into the row
//! buffers, in text or binary format per column.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, OffsetSizeTrait, RecordBatch,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Field, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, IntervalMonthDayNanoType, IntervalUnit, Schema, Time64MicrosecondType, TimeUnit,
    TimestampMicrosecondType,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use pgwire::api::Type;
use pgwire::api::results::{FieldFormat, FieldInfo};
use pgwire::messages::data::DataRow;

use crate::engine::pg_types::{column_name, interval_parts, interval_text};
use crate::error::{Error, Result};
use crate::server::numeric;
use crate::server::text::{
    FloatDigits, NULL_CELL, Text, array_element_text, date_text, decimal_text, float4_text,
    float8_text, int_text, time_text, timestamp_text, timestamptz_text,
};
use crate::server::time_zone::ShownZone;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// How one Arrow type goes over the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// `int2` (Arrow Int8, Int16, UInt8).
    Int2,
    /// `int4` (Int32, UInt16).
    Int4,
    /// `int8` (Int64, UInt32, UInt64 that fits).
    Int8,
    /// `float4`.
    Float4,
    /// `float8` (Float16, Float64).
    Float8,
    /// `numeric` (Decimal32/64/128/256).
    Numeric,
    /// `text` (Utf8, LargeUtf8, Utf8View).
    Text,
    /// `bytea`.
    Bytea,
    /// `date` (Date32, Date64).
    Date,
    /// `timestamp` or, with a time zone, `timestamptz` (text in the session's `TimeZone`).
    Timestamp(bool),
    /// `time`.
    Time,
    /// `interval` (text in IntervalStyle postgres).
    Interval,
    /// A one-dimensional array of an element kind.
    Array(Box<Kind>),
    /// Anything else: Arrow's display form, as `text`.
    Display,
}

impl Kind {
    /// The kind for an Arrow type.
    pub fn of(data_type: &DataType) -> Kind {
        use DataType::*;
        match data_type {
            Boolean => Kind::Bool,
            Int8 | Int16 | UInt8 => Kind::Int2,
            Int32 | UInt16 => Kind::Int4,
            Int64 | UInt32 => Kind::Int8,
            UInt64 => Kind::Numeric,
            Float32 => Kind::Float4,
            Float16 | Float64 => Kind::Float8,
            Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => Kind::Numeric,
            Utf8 | LargeUtf8 | Utf8View | Null => Kind::Text,
            Binary | LargeBinary | BinaryView => Kind::Bytea,
            Date32 | Date64 => Kind::Date,
            Timestamp(_, tz) => Kind::Timestamp(tz.is_some()),
            Time32(_) | Time64(_) => Kind::Time,
            Interval(_) => Kind::Interval,
            List(f) | LargeList(f) | FixedSizeList(f, _) => match Kind::of(f.data_type()) {
                Kind::Array(_) | Kind::Display => Kind::Display,
                element => Kind::Array(Box::new(element)),
            },
            Dictionary(_, value) => Kind::of(value),
            _ => Kind::Display,
        }
    }

    /// The PostgreSQL type.
    pub fn pg_type(&self) -> Type {
        match self {
            Kind::Bool => Type::BOOL,
            Kind::Int2 => Type::INT2,
            Kind::Int4 => Type::INT4,
            Kind::Int8 => Type::INT8,
            Kind::Float4 => Type::FLOAT4,
            Kind::Float8 => Type::FLOAT8,
            Kind::Numeric => Type::NUMERIC,
            Kind::Text | Kind::Display => Type::TEXT,
            Kind::Bytea => Type::BYTEA,
            Kind::Date => Type::DATE,
            Kind::Timestamp(false) => Type::TIMESTAMP,
            Kind::Timestamp(true) => Type::TIMESTAMPTZ,
            Kind::Time => Type::TIME,
            Kind::Interval => Type::INTERVAL,
            Kind::Array(element) => match element.pg_type() {
                Type::BOOL => Type::BOOL_ARRAY,
                Type::INT2 => Type::INT2_ARRAY,
                Type::INT4 => Type::INT4_ARRAY,
                Type::INT8 => Type::INT8_ARRAY,
                Type::FLOAT4 => Type::FLOAT4_ARRAY,
                Type::FLOAT8 => Type::FLOAT8_ARRAY,
                Type::NUMERIC => Type::NUMERIC_ARRAY,
                Type::BYTEA => Type::BYTEA_ARRAY,
                Type::DATE => Type::DATE_ARRAY,
                Type::TIMESTAMP => Type::TIMESTAMP_ARRAY,
                Type::TIMESTAMPTZ => Type::TIMESTAMPTZ_ARRAY,
                Type::TIME => Type::TIME_ARRAY,
                _ => Type::TEXT_ARRAY,
            },
        }
    }

    /// The Arrow type a column is cast to before encoding (`None`: used as it is).
    fn canonical(&self, data_type: &DataType) -> Option<DataType> {
        let target = match self {
            Kind::Int2 => DataType::Int16,
            Kind::Int4 => DataType::Int32,
            Kind::Int8 => DataType::Int64,
            Kind::Float8 => DataType::Float64,
            Kind::Text if !matches!(data_type, DataType::Utf8 | DataType::Utf8View) => {
                DataType::Utf8
            }
            Kind::Bytea => DataType::BinaryView,
            Kind::Date => DataType::Date32,
            // values stay UTC instants; only the unit (and zone label) changes
            Kind::Timestamp(false) => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Timestamp(true) => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::Interval => DataType::Interval(IntervalUnit::MonthDayNano),
            Kind::Array(element) => {
                let field = match data_type {
                    DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => f,
                    _ => return None,
                };
                let inner = element
                    .canonical(field.data_type())
                    .unwrap_or_else(|| field.data_type().clone());
                let list = DataType::List(Arc::new(Field::new("item", inner, true)));
                return (&list != data_type).then_some(list);
            }
            _ => return None,
        };
        (&target != data_type).then_some(target)
    }
}

/// How a session wants values written as text, resolved once per result (not per value):
/// float digits (`extra_float_digits`) and the zone `timestamptz` is shown in (`TimeZone`).
#[derive(Debug, Clone, Default)]
pub struct TextStyle {
    /// float4/float8 digits.
    pub floats: FloatDigits,
    /// The zone of `timestamptz` text.
    pub zone: ShownZone,
}

/// One result column: name, kind, wire format, and its session's text style.
#[derive(Debug, Clone)]
pub struct PgColumn {
    name: String,
    kind: Kind,
    format: FieldFormat,
    style: TextStyle,
}

impl PgColumn {
    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The columns of a result, in order, written in text as `style` says.
pub fn columns(
    schema: &Schema,
    format: impl Fn(usize) -> FieldFormat,
    style: &TextStyle,
) -> Vec<PgColumn> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| PgColumn {
            name: column_name(field).to_string(),
            kind: Kind::of(field.data_type()),
            format: format(i),
            style: style.clone(),
        })
        .collect()
}

/// pgwire's row description for `columns`.
pub fn field_infos(columns: &[PgColumn]) -> Vec<FieldInfo> {
    columns
        .iter()
        .map(|c| FieldInfo::new(c.name.clone(), None, None, c.kind.pg_type(), c.format))
        .collect()
}

/// Encodes one batch into data rows.
pub fn encode_batch(batch: &RecordBatch, columns: &[PgColumn]) -> Result<Vec<DataRow>> {
    let mut rows: Vec<BytesMut> = (0..batch.num_rows())
        .map(|_| BytesMut::with_capacity(16 * columns.len()))
        .collect();
    for (array, column) in batch.columns().iter().zip(columns) {
        let array = match column.kind.canonical(array.data_type()) {
            Some(target) => cast(array, &target)?,
            None => Arc::clone(array),
        };
        let binary = column.format == FieldFormat::Binary;
        encode_column(&array, &column.kind, binary, &column.style, &mut rows)?;
    }
    let field_count = i16::try_from(columns.len())
        .map_err(|_| Error::Unsupported("more than 32767 result columns".into()))?;
    Ok(rows
        .into_iter()
        .map(|data| DataRow::new(data, field_count))
        .collect())
}

/// Writes one value with its length prefix.
fn cell(buf: &mut BytesMut, write: impl FnOnce(&mut BytesMut)) {
    let at = buf.len();
    buf.put_i32(0);
    write(buf);
    let len = (buf.len() - at - 4) as i32;
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

macro_rules! each {
    ($array:expr, $rows:expr, |$buf:ident, $i:ident| $body:expr) => {{
        let array = $array;
        for ($i, $buf) in $rows.iter_mut().enumerate() {
            if array.is_null($i) {
                $buf.put_i32(-1);
            } else {
                cell($buf, |$buf| $body);
            }
        }
    }};
}

/// Encodes `array` (already cast to its kind's canonical type) into `rows[i]`, one cell each.
fn encode_column(
    array: &ArrayRef,
    kind: &Kind,
    binary: bool,
    style: &TextStyle,
    rows: &mut [BytesMut],
) -> Result<()> {
    match (kind, binary) {
        (Kind::Bool, _) => {
            let a: &BooleanArray = array.as_boolean();
            each!(a, rows, |b, i| match binary {
                true => b.put_u8(u8::from(a.value(i))),
                false => b.put_slice(if a.value(i) { b"t" } else { b"f" }),
            })
        }
        (Kind::Int2, _) => {
            let a = array.as_primitive::<Int16Type>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i16(a.value(i)),
                false => int_text(b, a.value(i)),
            })
        }
        (Kind::Int4, _) => {
            let a = array.as_primitive::<Int32Type>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i32(a.value(i)),
                false => int_text(b, a.value(i)),
            })
        }
        (Kind::Int8, _) => {
            let a = array.as_primitive::<Int64Type>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i64(a.value(i)),
                false => int_text(b, a.value(i)),
            })
        }
        (Kind::Float4, true) => {
            let a = array.as_primitive::<Float32Type>();
            each!(a, rows, |b, i| b.put_f32(a.value(i)))
        }
        (Kind::Float8, true) => {
            let a = array.as_primitive::<Float64Type>();
            each!(a, rows, |b, i| b.put_f64(a.value(i)))
        }
        (Kind::Float4, false) => {
            let a = array.as_primitive::<Float32Type>();
            each!(a, rows, |b, i| float4_text(b, a.value(i), style.floats))
        }
        (Kind::Float8, false) => {
            let a = array.as_primitive::<Float64Type>();
            each!(a, rows, |b, i| float8_text(b, a.value(i), style.floats))
        }
        (Kind::Numeric, _) if matches!(array.data_type(), DataType::Decimal128(..)) => {
            let a = array.as_primitive::<Decimal128Type>();
            let scale = a.scale();
            let mut text = BytesMut::new();
            each!(a, rows, |b, i| match binary {
                true => {
                    text.clear();
                    decimal_text(&mut text, a.value(i), scale);
                    numeric::write_binary(b, &text);
                }
                false => decimal_text(b, a.value(i), scale),
            })
        }
        (Kind::Display, _) | (Kind::Numeric, false) => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
            each!(array, rows, |b, i| {
                let _ = write!(Text(b), "{}", formatter.value(i));
            })
        }
        (Kind::Numeric, true) => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
            let mut text = String::new();
            each!(array, rows, |b, i| {
                text.clear();
                let _ = write!(text, "{}", formatter.value(i));
                numeric::write_binary(b, text.as_bytes());
            })
        }
        (Kind::Text, _) => match array.data_type() {
            DataType::Utf8View => {
                let a = array.as_string_view();
                each!(a, rows, |b, i| b.put_slice(a.value(i).as_bytes()))
            }
            _ => {
                let a = array.as_string::<i32>();
                each!(a, rows, |b, i| b.put_slice(a.value(i).as_bytes()))
            }
        },
        (Kind::Bytea, _) => {
            let a = array.as_binary_view();
            each!(a, rows, |b, i| match binary {
                true => b.put_slice(a.value(i)),
                false => {
                    b.put_slice(b"\\x");
                    for byte in a.value(i) {
                        let _ = write!(Text(b), "{byte:02x}");
                    }
                }
            })
        }
        (Kind::Date, _) => {
            let a = array.as_primitive::<Date32Type>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i32(a.value(i) - PG_EPOCH_DAYS),
                false => date_text(b, a.value(i)),
            })
        }
        (Kind::Timestamp(false), _) => {
            let a = array.as_primitive::<TimestampMicrosecondType>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i64(a.value(i) - PG_EPOCH_MICROS),
                false => timestamp_text(b, a.value(i)),
            })
        }
        (Kind::Timestamp(true), _) => {
            let a = array.as_primitive::<TimestampMicrosecondType>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i64(a.value(i) - PG_EPOCH_MICROS),
                false => timestamptz_text(b, a.value(i), style.zone.offset_seconds(a.value(i))),
            })
        }
        (Kind::Time, _) => {
            let a = array.as_primitive::<Time64MicrosecondType>();
            each!(a, rows, |b, i| match binary {
                true => b.put_i64(a.value(i)),
                false => time_text(b, a.value(i)),
            })
        }
        (Kind::Interval, _) => {
            let a = array.as_primitive::<IntervalMonthDayNanoType>();
            each!(a, rows, |b, i| {
                let (months, days, micros) = interval_parts(a.value(i));
                match binary {
                    true => {
                        b.put_i64(micros);
                        b.put_i32(days);
                        b.put_i32(months);
                    }
                    false => b.put_slice(interval_text(months, days, micros).as_bytes()),
                }
            })
        }
        (Kind::Array(element), _) => match array.data_type() {
            DataType::LargeList(_) => list(array.as_list::<i64>(), element, binary, style, rows)?,
            _ => list(array.as_list::<i32>(), element, binary, style, rows)?,
        },
    }
    Ok(())
}

/// Arrays: the elements are encoded column-at-a-time too, then framed per row.
fn list<O: OffsetSizeTrait>(
    array: &GenericListArray<O>,
    element: &Kind,
    binary: bool,
    style: &TextStyle,
    rows: &mut [BytesMut],
) -> Result<()> {
    let values = array.values();
    let mut cells: Vec<BytesMut> = (0..values.len()).map(|_| BytesMut::new()).collect();
    encode_column(values, element, binary, style, &mut cells)?;
    let element_oid = element.pg_type().oid();
    let offsets = array.value_offsets();
    each!(array, rows, |b, i| {
        let range = offsets[i].as_usize()..offsets[i + 1].as_usize();
        let items = &cells[range.clone()];
        if binary {
            let has_null = items.iter().any(|c| c.starts_with(&NULL_CELL));
            b.put_i32(i32::from(!items.is_empty()));
            b.put_i32(i32::from(has_null));
            b.put_u32(element_oid);
            if !items.is_empty() {
                b.put_i32(items.len() as i32);
                b.put_i32(1);
            }
            for item in items {
                b.put_slice(item);
            }
        } else {
            b.put_u8(b'{');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    b.put_u8(b',');
                }
                array_element_text(b, item);
            }
            b.put_u8(b'}');
        }
    });
    Ok(())
}
