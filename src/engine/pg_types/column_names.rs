//! Result column names as PostgreSQL gives them (its `FigureColname`): a column keeps its
//! name, a function call is named after the function (`count`), a cast after its operand or
//! else its type (`int4`), `CASE` is `case`, anything else `?column?`. DataFusion names
//! columns after the whole expression (`count(*)`, `Int64(1)`) and refuses two columns of
//! the same name (`SELECT 1, 1`, `SELECT n_name, n_name`), which PostgreSQL allows.
//!
//! The outermost `SELECT` list is aliased before planning: each unnamed expression by its
//! PostgreSQL name, and every repeated name by a unique stand-in. After planning,
//! [`restore`] gives the stand-ins their names back in the result's field metadata
//! ([`COLUMN_NAME_KEY`]), which front ends read through [`column_name`].

use std::collections::{HashMap, HashSet};

use datafusion::arrow::datatypes::Field;
use datafusion::common::Result as DfResult;
use datafusion::common::metadata::FieldMetadata;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    self, DataType as SqlType, Expr as SqlExpr, Ident, Query, SelectItem, SetExpr,
};

/// The field metadata key holding a result column's client-visible name, where it differs
/// from the field's own (unique) name.
pub const COLUMN_NAME_KEY: &str = "meshgate.column_name";

/// PostgreSQL's name for a column whose expression gives none.
const UNNAMED: &str = "?column?";

/// The name a client sees for a result field.
pub fn column_name(field: &Field) -> &str {
    field
        .metadata()
        .get(COLUMN_NAME_KEY)
        .map_or(field.name().as_str(), String::as_str)
}

/// The stand-in names given to repeated columns, with the names they stand for.
#[derive(Debug, Default)]
pub struct StandIns(HashMap<String, String>);

/// Aliases the outermost `SELECT` list of a query statement (see the module docs).
pub fn name_columns(statement: &mut DfStatement) -> StandIns {
    let DfStatement::Statement(statement) = statement else {
        return StandIns::default();
    };
    let ast::Statement::Query(query) = statement.as_mut() else {
        return StandIns::default();
    };
    let Some(select) = leftmost_select(&mut query.body) else {
        return StandIns::default();
    };
    let mut stand_ins = StandIns::default();
    let mut taken = HashSet::new();
    for (position, item) in select.projection.iter_mut().enumerate() {
        let (expr, name, plain_column) = match &*item {
            SelectItem::UnnamedExpr(expr) => {
                let name = pg_name(expr).unwrap_or_else(|| UNNAMED.to_string());
                let plain = matches!(
                    expr,
                    SqlExpr::Identifier(_) | SqlExpr::CompoundIdentifier(_)
                );
                (expr.clone(), name, plain)
            }
            SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), normalize(alias), false),
            _ => continue,
        };
        let alias = if taken.insert(name.clone()) {
            // a plain column already has its name in DataFusion
            if plain_column {
                continue;
            }
            name
        } else {
            let stand_in = format!("{name}#{position}");
            stand_ins.0.insert(stand_in.clone(), name);
            stand_in
        };
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: Ident::with_quote('"', alias),
        };
    }
    stand_ins
}

/// The `SELECT` whose list names a query's columns (the first of a set operation).
fn leftmost_select(body: &mut SetExpr) -> Option<&mut ast::Select> {
    match body {
        SetExpr::Select(select) => Some(select),
        SetExpr::SetOperation { left, .. } => leftmost_select(left),
        SetExpr::Query(query) => leftmost_select(&mut query.body),
        _ => None,
    }
}

/// Gives `plan`'s stand-in columns their names back, as field metadata.
pub fn restore(plan: LogicalPlan, stand_ins: &StandIns) -> DfResult<LogicalPlan> {
    let renamed = plan
        .schema()
        .fields()
        .iter()
        .any(|f| stand_ins.0.contains_key(f.name()));
    if !renamed {
        return Ok(plan);
    }
    let columns: Vec<Expr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column(datafusion::common::Column::new(
                qualifier.cloned(),
                field.name(),
            ));
            match stand_ins.0.get(field.name()) {
                Some(name) => {
                    let metadata = FieldMetadata::from(HashMap::from([(
                        COLUMN_NAME_KEY.to_string(),
                        name.clone(),
                    )]));
                    column.alias_with_metadata(field.name(), Some(metadata))
                }
                None => column,
            }
        })
        .collect();
    LogicalPlanBuilder::from(plan).project(columns)?.build()
}

/// A name as PostgreSQL folds it: unquoted identifiers in lower case.
fn normalize(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// PostgreSQL's name for a select-list expression (`None`: `?column?`).
fn pg_name(expr: &SqlExpr) -> Option<String> {
    let fixed = |name: &str| Some(name.to_string());
    match expr {
        SqlExpr::Identifier(ident) => Some(normalize(ident)),
        SqlExpr::CompoundIdentifier(parts) => parts.last().map(normalize),
        SqlExpr::Function(function) => function
            .name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .map(normalize),
        SqlExpr::Cast {
            expr, data_type, ..
        } => pg_name(expr).or_else(|| Some(type_name(data_type))),
        SqlExpr::TypedString(typed) => Some(type_name(&typed.data_type)),
        SqlExpr::Nested(inner) | SqlExpr::Collate { expr: inner, .. } => pg_name(inner),
        SqlExpr::Case { .. } => fixed("case"),
        SqlExpr::Exists { .. } => fixed("exists"),
        SqlExpr::Subquery(query) => subquery_name(query),
        SqlExpr::Array(_) => fixed("array"),
        SqlExpr::Extract { .. } => fixed("extract"),
        SqlExpr::Substring { .. } => fixed("substring"),
        SqlExpr::Trim { .. } => fixed("btrim"),
        SqlExpr::Position { .. } => fixed("position"),
        SqlExpr::Overlay { .. } => fixed("overlay"),
        SqlExpr::Ceil { .. } => fixed("ceil"),
        SqlExpr::Floor { .. } => fixed("floor"),
        SqlExpr::AtTimeZone { .. } => fixed("timezone"),
        SqlExpr::Interval(_) => fixed("interval"),
        _ => None,
    }
}

/// A scalar subquery is named after its own first column.
fn subquery_name(query: &Query) -> Option<String> {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => {
                return match select.projection.first()? {
                    SelectItem::UnnamedExpr(expr) => pg_name(expr),
                    SelectItem::ExprWithAlias { alias, .. } => Some(normalize(alias)),
                    _ => None,
                };
            }
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(inner) => body = &inner.body,
            _ => return None,
        }
    }
}

/// PostgreSQL's internal name of a type, as a cast to it names a column.
fn type_name(data_type: &SqlType) -> String {
    let name = match data_type {
        SqlType::Int(_) | SqlType::Integer(_) | SqlType::Int4(_) => "int4",
        SqlType::BigInt(_) | SqlType::Int8(_) => "int8",
        SqlType::SmallInt(_) | SqlType::Int2(_) => "int2",
        SqlType::Real | SqlType::Float4 => "float4",
        SqlType::Double(_) | SqlType::DoublePrecision | SqlType::Float8 | SqlType::Float(_) => {
            "float8"
        }
        SqlType::Numeric(_) | SqlType::Decimal(_) | SqlType::Dec(_) => "numeric",
        SqlType::Boolean | SqlType::Bool => "bool",
        SqlType::Text => "text",
        SqlType::Varchar(_) | SqlType::CharacterVarying(_) | SqlType::CharVarying(_) => "varchar",
        SqlType::Char(_) | SqlType::Character(_) => "bpchar",
        SqlType::Date => "date",
        SqlType::Timestamp(_, ast::TimezoneInfo::Tz | ast::TimezoneInfo::WithTimeZone) => {
            "timestamptz"
        }
        SqlType::Timestamp(..) => "timestamp",
        SqlType::Time(..) => "time",
        SqlType::Interval { .. } => "interval",
        SqlType::Bytea => "bytea",
        other => return other.to_string().to_lowercase(),
    };
    name.to_string()
}
