//! The oid alias types (`regtype`, `regproc`, `regclass`, `regnamespace`) print as names in
//! PostgreSQL: `prorettype::regtype::text` is `boolean`, `proargtypes::regtype[]` is
//! `{cstring}`, `'sales.orders'::regclass::text` is `sales.orders`. meshgate has no such
//! types (oids are `integer`s), so where a cast's result is shown or turned into text — a
//! select list item or the operand of a cast to text — the cast of an oid becomes the name:
//! `format_type(oid, NULL)` for types, a lookup in `pg_class` / `pg_namespace` / `pg_proc`
//! for the others (the oid itself when there is no such object, as PostgreSQL prints it).
//! Elsewhere (comparisons with other oids) the cast stays an oid. An array cast
//! (`proargtypes::regtype[]`) reads an `oidvector` or an array.
//!
//! `pg_type`'s `regproc` columns (`typinput`, ...) hold function names here, so a name cast
//! to `regproc` (`typinput = 'pg_catalog.array_in'::regproc`, pgjdbc's array test) is that
//! name without its schema.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    LambdaFunction, LambdaFunctionParameter, LambdaSyntax, OneOrManyWithParens, Query, SelectItem,
    SetExpr, Statement, Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// An oid alias type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alias {
    Type,
    Proc,
    Class,
    Namespace,
}

impl Alias {
    fn of(data_type: &DataType) -> Option<(Alias, bool)> {
        let (element, array) = match data_type {
            DataType::Array(array) => (array_element(array)?, true),
            other => (other.to_string().to_lowercase(), false),
        };
        let alias = match element.trim_start_matches("pg_catalog.") {
            "regtype" => Alias::Type,
            "regproc" => Alias::Proc,
            "regclass" => Alias::Class,
            "regnamespace" => Alias::Namespace,
            _ => return None,
        };
        Some((alias, array))
    }

    /// SQL for the name of the object with oid `oid`.
    fn name_sql(self, oid: &str) -> String {
        let lookup = |select: &str, from: &str| {
            format!(
                "COALESCE((SELECT max({select}) FROM {from} WHERE mesh_reg__.oid = ({oid})), \
                 CAST(({oid}) AS TEXT))"
            )
        };
        match self {
            Alias::Type => format!("format_type(({oid}), NULL)"),
            Alias::Proc => lookup("mesh_reg__.proname", "pg_catalog.pg_proc mesh_reg__"),
            Alias::Namespace => lookup("mesh_reg__.nspname", "pg_catalog.pg_namespace mesh_reg__"),
            Alias::Class => lookup(
                "CASE WHEN mesh_regns__.nspname IN ('pg_catalog', current_schema()) \
                 THEN mesh_reg__.relname ELSE mesh_regns__.nspname || '.' || mesh_reg__.relname END",
                "pg_catalog.pg_class mesh_reg__ JOIN pg_catalog.pg_namespace mesh_regns__ \
                 ON mesh_regns__.oid = mesh_reg__.relnamespace",
            ),
        }
    }
}

fn array_element(array: &datafusion::sql::sqlparser::ast::ArrayElemTypeDef) -> Option<String> {
    use datafusion::sql::sqlparser::ast::ArrayElemTypeDef;
    match array {
        ArrayElemTypeDef::SquareBracket(inner, _) | ArrayElemTypeDef::AngleBracket(inner) => {
            Some(inner.to_string().to_lowercase())
        }
        _ => None,
    }
}

fn is_text_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_) | DataType::String(_)
    ) || data_type.to_string().eq_ignore_ascii_case("name")
}

/// Rewrites the casts of names (`'pg_catalog.array_in'::regproc`,
/// `'sales.orders'::regclass::text`), which must run before the compatibility parser turns
/// name casts into oid lookups; whether anything changed.
pub fn before_compat(statement: &mut Statement) -> bool {
    let mut visitor = RegCasts {
        changed: false,
        literals: true,
    };
    let _ = statement.visit(&mut visitor);
    visitor.changed
}

/// Rewrites the shown casts of oids (`prorettype::regtype::text`), after the compatibility
/// parser (whose replacements of known client queries match the text as the client sent it).
pub fn after_compat(statement: &mut Statement) {
    let mut visitor = RegCasts {
        changed: false,
        literals: false,
    };
    let _ = statement.visit(&mut visitor);
}

struct RegCasts {
    changed: bool,
    /// Rewrite casts of names (before the compatibility parser), else casts of oids.
    literals: bool,
}

impl VisitorMut for RegCasts {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        // DataFusion finds `ORDER BY c.oid` ambiguous beside an output column named `oid`
        let ordered = query.order_by.is_some();
        if let SetExpr::Select(select) = query.body.as_mut() {
            for item in &mut select.projection {
                let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item
                else {
                    continue;
                };
                if inner_literal(expr) != self.literals {
                    continue;
                }
                self.changed |=
                    matches!(expr, Expr::Cast { data_type, .. } if Alias::of(data_type).is_some());
                if let SelectItem::UnnamedExpr(expr) = item {
                    // keep PostgreSQL's column name: the column's or the type's (`regtype`)
                    if let Some((named, alias)) = shown_name(expr) {
                        if ordered {
                            *expr = named;
                            continue;
                        }
                        *item = SelectItem::ExprWithAlias {
                            expr: named,
                            alias: Ident::with_quote('"', alias),
                        };
                    }
                } else if let SelectItem::ExprWithAlias { expr, .. } = item
                    && let Some((named, _)) = shown_name(expr)
                {
                    *expr = named;
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast {
            expr: operand,
            data_type,
            ..
        } = expr
        {
            if is_text_type(data_type)
                && inner_literal(operand) == self.literals
                && let Some(named) = name_of_cast(operand)
            {
                **operand = named;
                self.changed = true;
            } else if self.literals
                && let (Some((Alias::Proc, false)), Some(name)) =
                    (Alias::of(data_type), string_literal(operand))
                && !name.chars().all(|c| c.is_ascii_digit())
            {
                let unqualified = name.rsplit('.').next().unwrap_or(&name);
                let unqualified = unqualified.split('(').next().unwrap_or(unqualified);
                *expr = Expr::Value(Value::SingleQuotedString(unqualified.trim().into()).into());
                self.changed = true;
            }
        }
        ControlFlow::Continue(())
    }
}

/// A select item that is an oid alias cast: the expression of its name and PostgreSQL's
/// column name for it.
fn shown_name(expr: &Expr) -> Option<(Expr, String)> {
    let Expr::Cast {
        expr: operand,
        data_type,
        ..
    } = expr
    else {
        return None;
    };
    Alias::of(data_type)?;
    let named = name_of_cast(expr)?;
    let column = match operand.as_ref() {
        Expr::Identifier(ident) => ident.value.clone(),
        Expr::CompoundIdentifier(parts) => parts.last()?.value.clone(),
        _ => {
            let name = match data_type {
                DataType::Array(array) => array_element(array)?,
                other => other.to_string().to_lowercase(),
            };
            name.trim_start_matches("pg_catalog.").to_string()
        }
    };
    Some((named, column))
}

/// The name (or array of names) an oid alias cast prints as; `None` if `expr` is no such cast.
fn name_of_cast(expr: &Expr) -> Option<Expr> {
    let Expr::Cast {
        kind: CastKind::Cast | CastKind::DoubleColon,
        expr: operand,
        data_type,
        ..
    } = expr
    else {
        return None;
    };
    let (alias, array) = Alias::of(data_type)?;
    if string_literal(operand).is_some() && !array {
        // `'sales.orders'::regclass::text`: the oid of the name, back to its name
        let oid = expr.to_string();
        return parse_expr(&alias.name_sql(&oid));
    }
    let operand = operand.to_string();
    if !array {
        return parse_expr(&alias.name_sql(&operand));
    }
    // `x -> e` parses as the JSON operator, so the lambda is built
    let oids = parse_expr(&format!("{}(({operand}))", super::expandarray::OIDS))?;
    let lambda = Expr::Lambda(LambdaFunction {
        params: OneOrManyWithParens::One(LambdaFunctionParameter {
            name: Ident::new(ELEMENT),
            data_type: None,
        }),
        body: Box::new(parse_expr(&alias.name_sql(ELEMENT))?),
        syntax: LambdaSyntax::Arrow,
    });
    parse_expr("array_transform(NULL, NULL)").map(|mut call| {
        if let Expr::Function(function) = &mut call
            && let FunctionArguments::List(list) = &mut function.args
        {
            list.args = [oids, lambda]
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect();
        }
        call
    })
}

/// The lambda parameter of an array cast.
const ELEMENT: &str = "mesh_elem__";

/// Whether `expr` is a cast of a string literal (a name).
fn inner_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::Cast { expr, .. } if string_literal(expr).is_some())
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn parse_expr(sql: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        before_compat(&mut statement);
        after_compat(&mut statement);
        statement.to_string()
    }

    #[test]
    fn shown_oid_casts_become_names() {
        assert_eq!(
            rewritten("SELECT prorettype::regtype::text FROM pg_proc"),
            "SELECT format_type((prorettype), NULL)::TEXT FROM pg_proc"
        );
        assert_eq!(
            rewritten("SELECT proargtypes::regtype[] FROM pg_proc"),
            "SELECT array_transform(mesh_oids((proargtypes)), mesh_elem__ -> format_type((mesh_elem__), NULL)) AS \"proargtypes\" FROM pg_proc"
        );
        assert!(
            rewritten("SELECT c.oid::regclass AS t FROM pg_class c")
                .contains("mesh_reg__.oid = (c.oid)")
        );
        // a comparison of oids stays one
        assert_eq!(
            rewritten("SELECT 1 WHERE a.atttypid::regtype = 23"),
            "SELECT 1 WHERE a.atttypid::regtype = 23"
        );
    }

    #[test]
    fn regproc_names_lose_their_schema() {
        assert_eq!(
            rewritten("SELECT typinput = 'pg_catalog.array_in'::regproc FROM pg_type"),
            "SELECT typinput = 'array_in' FROM pg_type"
        );
        assert_eq!(
            rewritten("SELECT 'sales.orders'::regclass::text"),
            "SELECT COALESCE((SELECT max(CASE WHEN mesh_regns__.nspname IN ('pg_catalog', current_schema()) THEN mesh_reg__.relname ELSE mesh_regns__.nspname || '.' || mesh_reg__.relname END) FROM pg_catalog.pg_class mesh_reg__ JOIN pg_catalog.pg_namespace mesh_regns__ ON mesh_regns__.oid = mesh_reg__.relnamespace WHERE mesh_reg__.oid = ('sales.orders'::REGCLASS)), CAST(('sales.orders'::REGCLASS) AS TEXT))::TEXT"
        );
    }
}
