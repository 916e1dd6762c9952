//! `information_schema._pg_expandarray(a)`, the set-returning function pgjdbc's
//! `getPrimaryKeys`, `getIndexInfo` and `getBestRowIdentifier` call over `pg_index.indkey`:
//! one row `(x, n)` per element `x` at position `n`. DataFusion has no record-returning
//! functions, so a call becomes `unnest(mesh_expandarray(a))`, a struct per element (two
//! calls over the same array in one select list unnest side by side, as PostgreSQL runs
//! them), and the field access `(e).x`, which DataFusion does not plan on expressions,
//! becomes `get_field(e, 'x')`. `mesh_oids(v)` reads an `oidvector`/`int2vector` (text,
//! `1 2`) or an array as an array of oids.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, ListArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int32Type};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::expr_fn::SimpleScalarUDF;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast::{
    AccessExpr, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, Statement, Value, VisitMut, VisitorMut,
};

use crate::server::pg_catalog::arrays::{Element, to_list};

/// The function behind `_pg_expandarray`.
const EXPAND: &str = "mesh_expandarray";
/// The function that reads a vector as an array of oids.
pub const OIDS: &str = "mesh_oids";

/// The fields of one `_pg_expandarray` row.
fn row_fields() -> Fields {
    Fields::from(vec![
        Field::new("x", DataType::Int32, true),
        Field::new("n", DataType::Int32, true),
    ])
}

/// `mesh_expandarray` and `mesh_oids`.
pub fn functions() -> Vec<ScalarUDF> {
    let row = DataType::Struct(row_fields());
    vec![
        udf(
            EXPAND,
            DataType::List(Arc::new(Field::new("item", row, true))),
            expand,
        ),
        udf(OIDS, Element::Oid.list_type(), |array| {
            to_list(array, Element::Oid)
        }),
    ]
}

fn udf(name: &'static str, returns: DataType, f: fn(&ArrayRef) -> DfResult<ArrayRef>) -> ScalarUDF {
    ScalarUDF::new_from_impl(SimpleScalarUDF::new_with_signature(
        name,
        Signature::any(1, Volatility::Immutable),
        returns,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let array = arrays
                .first()
                .ok_or_else(|| DataFusionError::Plan(format!("{name} takes one array")))?;
            Ok(ColumnarValue::Array(f(array)?))
        }),
    ))
}

/// Each array of `array` as a list of `{x, n}`.
fn expand(array: &ArrayRef) -> DfResult<ArrayRef> {
    let lists = to_list(array, Element::Oid)?;
    let lists = lists.as_list::<i32>();
    let values = lists.values().as_primitive::<Int32Type>();
    let positions: Int32Array = lists
        .offsets()
        .windows(2)
        .flat_map(|w| 1..=(w[1] - w[0]))
        .map(Some)
        .collect();
    // the element values of the list, in order, beside their positions
    let start = lists.offsets().first().copied().unwrap_or(0);
    let end = lists.offsets().last().copied().unwrap_or(0);
    let xs = values.slice(
        usize::try_from(start).unwrap_or(0),
        usize::try_from(end - start).unwrap_or(0),
    );
    let rows = StructArray::try_new(
        row_fields(),
        vec![Arc::new(xs) as ArrayRef, Arc::new(positions)],
        None,
    )?;
    let offsets: Vec<i32> = lists.offsets().iter().map(|o| o - start).collect();
    let field = Arc::new(Field::new("item", rows.data_type().clone(), true));
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        Arc::new(rows),
        lists.nulls().cloned(),
    )?))
}

/// Rewrites `_pg_expandarray` calls and `(e).field` accesses; whether anything changed.
pub fn rewrite(statement: &mut Statement) -> bool {
    let mut visitor = Expand(false);
    let _ = statement.visit(&mut visitor);
    visitor.0
}

struct Expand(bool);

impl VisitorMut for Expand {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(function) = expr
            && is_expandarray(&function.name)
            && let FunctionArguments::List(list) = &function.args
            && let [FunctionArg::Unnamed(FunctionArgExpr::Expr(array))] = list.args.as_slice()
        {
            let expanded = call(EXPAND, vec![array.clone()]);
            *expr = call("unnest", vec![expanded]);
            self.0 = true;
        } else if let Expr::CompoundFieldAccess { root, access_chain } = expr
            && let [AccessExpr::Dot(Expr::Identifier(field))] = access_chain.as_slice()
        {
            let mut base = root.as_ref().clone();
            while let Expr::Nested(inner) = base {
                base = *inner;
            }
            let name = Expr::Value(Value::SingleQuotedString(field.value.clone()).into());
            *expr = call("get_field", vec![base, name]);
            self.0 = true;
        }
        ControlFlow::Continue(())
    }
}

fn is_expandarray(name: &ObjectName) -> bool {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.to_lowercase()))
        .collect();
    matches!(parts.as_slice(), [f] | [_, f] if f == "_pg_expandarray")
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    #[test]
    fn calls_and_field_accesses_are_rewritten() {
        let mut statement = Parser::parse_sql(
            &PostgreSqlDialect {},
            "SELECT (information_schema._pg_expandarray(i.indkey)).n, (r.keys).x FROM t",
        )
        .unwrap()
        .remove(0);
        assert!(rewrite(&mut statement));
        assert_eq!(
            statement.to_string(),
            "SELECT get_field(unnest(mesh_expandarray(i.indkey)), 'n'), get_field(r.keys, 'x') FROM t"
        );
    }

    #[test]
    fn vectors_expand_to_elements_and_positions() {
        let vectors: ArrayRef = Arc::new(StringArray::from(vec![Some("3 1"), None, Some("7")]));
        let expanded = expand(&vectors).unwrap();
        let lists = expanded.as_list::<i32>();
        assert_eq!(lists.value_length(0), 2);
        assert!(lists.is_null(1));
        let second = lists.value(2);
        let row = second.as_struct();
        assert_eq!(row.column(0).as_primitive::<Int32Type>().value(0), 7);
        assert_eq!(row.column(1).as_primitive::<Int32Type>().value(0), 1);
        let first = lists.value(0);
        let positions = first
            .as_struct()
            .column(1)
            .as_primitive::<Int32Type>()
            .values()
            .to_vec();
        assert_eq!(positions, vec![1, 2]);
    }
}
