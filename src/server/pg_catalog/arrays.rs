//! The array columns of `pg_catalog` (`pg_proc.proallargtypes`, `pg_index.indkey`,
//! `pg_constraint.conkey`, ...) as the arrays they are in PostgreSQL. `datafusion-pg-catalog`
//! keeps them as the text of its dump (`[2276]`, `['i', 'o']`); here they become `List`
//! columns so `conkey[1]`, `cardinality(proallargtypes)` and casts work as on PostgreSQL.
//! The `int2vector`/`oidvector` columns (`proargtypes`, `indkey`, ...) stay text: PostgreSQL
//! prints them space separated (`1 2`), as the crate holds them, and drivers split that text;
//! [`to_list`] reads them where an array is needed (`_pg_expandarray(indkey)`).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, Int16Builder, Int32Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::error::{DataFusionError, Result as DfResult};

/// The element type of an array column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// `int2` (`int2vector`, attribute numbers).
    Int16,
    /// `oid` (`oidvector`, type oids).
    Oid,
    /// `text` (names, `"char"` modes).
    Text,
}

impl Element {
    /// The Arrow type of the element.
    pub fn data_type(self) -> DataType {
        match self {
            Element::Int16 => DataType::Int16,
            Element::Oid => DataType::Int32,
            Element::Text => DataType::Utf8,
        }
    }

    /// The Arrow type of an array of this element.
    pub fn list_type(self) -> DataType {
        DataType::List(Arc::new(Field::new("item", self.data_type(), true)))
    }
}

/// The array columns of the catalog tables whose text this module turns into arrays.
pub fn array_columns(table: &str) -> &'static [(&'static str, Element)] {
    match table {
        "pg_proc" => &[
            ("proallargtypes", Element::Oid),
            ("proargmodes", Element::Text),
            ("proargnames", Element::Text),
            ("protrftypes", Element::Oid),
            ("proconfig", Element::Text),
            ("proacl", Element::Text),
        ],
        "pg_constraint" => &[
            ("conkey", Element::Int16),
            ("confkey", Element::Int16),
            ("conpfeqop", Element::Oid),
            ("conppeqop", Element::Oid),
            ("conffeqop", Element::Oid),
            ("confdelsetcols", Element::Int16),
            ("conexclop", Element::Oid),
        ],
        "pg_attribute" => &[
            ("attacl", Element::Text),
            ("attoptions", Element::Text),
            ("attfdwoptions", Element::Text),
        ],
        _ => &[],
    }
}

/// `column` (the dump's text of an array, or already an array) as an array of `element`.
pub fn to_list(column: &ArrayRef, element: Element) -> DfResult<ArrayRef> {
    if column.data_type() == &element.list_type() {
        return Ok(Arc::clone(column));
    }
    let text = cast(column, &DataType::Utf8)?;
    let text = text.as_string::<i32>();
    let items: Vec<Option<Vec<Option<String>>>> = text
        .iter()
        .map(|value| value.and_then(parse_items))
        .collect();
    build(&items, element)
}

/// The items of a dumped array: `[1, 2]`, `['a', 'b']`, `{1,2}` or `1 2`; `None` for an
/// empty text (no array).
fn parse_items(text: &str) -> Option<Vec<Option<String>>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .or_else(|| text.strip_prefix('{').and_then(|t| t.strip_suffix('}')));
    let Some(inner) = inner else {
        // a vector type: space separated
        return Some(
            text.split_whitespace()
                .map(|s| Some(s.to_string()))
                .collect(),
        );
    };
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    Some(
        split_items(inner)
            .into_iter()
            .map(|item| {
                let item = item.trim();
                match item {
                    "None" | "NULL" => None,
                    _ => Some(
                        item.trim_matches(|c| c == '\'' || c == '"')
                            .replace("\\'", "'"),
                    ),
                }
            })
            .collect(),
    )
}

/// Splits at commas outside quotes.
fn split_items(inner: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ',') => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
}

/// The list array of `items`, each parsed as `element`.
pub fn build(items: &[Option<Vec<Option<String>>>], element: Element) -> DfResult<ArrayRef> {
    let field = Arc::new(Field::new("item", element.data_type(), true));
    fn number<T: std::str::FromStr>(item: Option<&str>) -> DfResult<Option<T>> {
        item.map(|i| {
            i.parse::<T>().map_err(|_| {
                DataFusionError::Internal(format!("catalog array item '{i}' is not a number"))
            })
        })
        .transpose()
    }
    match element {
        Element::Text => lists(items, StringBuilder::new(), field, |b, item| {
            b.append_option(item);
            Ok(())
        }),
        Element::Int16 => lists(items, Int16Builder::new(), field, |b, item| {
            b.append_option(number::<i16>(item)?);
            Ok(())
        }),
        Element::Oid => lists(items, Int32Builder::new(), field, |b, item| {
            b.append_option(number::<i32>(item)?);
            Ok(())
        }),
    }
}

/// A list array of `items`, appending each item to `values` with `push`.
fn lists<B: ArrayBuilder>(
    items: &[Option<Vec<Option<String>>>],
    values: B,
    field: Arc<Field>,
    push: impl Fn(&mut B, Option<&str>) -> DfResult<()>,
) -> DfResult<ArrayRef> {
    let mut builder = ListBuilder::new(values).with_field(field);
    for list in items {
        match list {
            Some(list) => {
                for item in list {
                    push(builder.values(), item.as_deref())?;
                }
                builder.append(true);
            }
            None => builder.append(false),
        }
    }
    Ok(Arc::new(builder.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    fn parsed(text: &str) -> Option<Vec<Option<String>>> {
        parse_items(text)
    }

    #[test]
    fn dumped_arrays_and_vectors_parse() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(parsed("[2276]"), Some(vec![s("2276")]));
        assert_eq!(parsed("['i', 'o']"), Some(vec![s("i"), s("o")]));
        assert_eq!(parsed("1 2"), Some(vec![s("1"), s("2")]));
        assert_eq!(parsed("{a,\"b,c\"}"), Some(vec![s("a"), s("b,c")]));
        assert_eq!(parsed("[]"), Some(vec![]));
        assert_eq!(parsed(""), None);
    }

    #[test]
    fn columns_become_lists() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("1 2"), None, Some("[3]")]));
        let list = to_list(&text, Element::Int16).unwrap();
        assert_eq!(list.data_type(), &Element::Int16.list_type());
        let list = list.as_list::<i32>();
        assert_eq!(list.value(0).len(), 2);
        assert!(list.is_null(1));
        assert_eq!(
            list.value(2)
                .as_primitive::<datafusion::arrow::datatypes::Int16Type>()
                .value(0),
            3
        );
        let bad: ArrayRef = Arc::new(StringArray::from(vec![Some("x")]));
        assert!(to_list(&bad, Element::Oid).is_err());
    }
}
