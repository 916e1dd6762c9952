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
    CastKind, DataType, Expr, Query, SelectItem, SetExpr, Statement, Value, VisitMut, VisitorMut,
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

/// Rewrites the oid alias casts of `statement`; whether anything changed.
pub fn rewrite(statement: &mut Statement) -> bool {
    let mut visitor = RegCasts(false);
    let _ = statement.visit(&mut visitor);
    visitor.0
}

struct RegCasts(bool);

impl VisitorMut for RegCasts {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = query.body.as_mut() {
            for item in &mut select.projection {
                if let SelectItem::UnnamedExpr(expr) = item {
                    // keep PostgreSQL's column name: the type's name (`regtype`)
                    if let Some((named, alias)) = shown_name(expr) {
                        *item = SelectItem::ExprWithAlias {
                            expr: named,
                            alias: datafusion::sql::sqlparser::ast::Ident::with_quote('"', alias),
                        };
                        self.0 = true;
                    }
                } else if let SelectItem::ExprWithAlias { expr, .. } = item
                    && let Some((named, _)) = shown_name(expr)
                {
                    *expr = named;
                    self.0 = true;
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
                && let Some(named) = name_of_cast(operand)
            {
                **operand = named;
                self.0 = true;
            } else if let (Some((Alias::Proc, false)), Some(name)) =
                (Alias::of(data_type), string_literal(operand))
                && !name.chars().all(|c| c.is_ascii_digit())
            {
                let unqualified = name.rsplit('.').next().unwrap_or(&name);
                let unqualified = unqualified.split('(').next().unwrap_or(unqualified);
                *expr = Expr::Value(Value::SingleQuotedString(unqualified.trim().into()).into());
                self.0 = true;
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
    let sql = match array {
        true => format!(
            "array_transform({}(({operand})), mesh_elem__ -> {})",
            super::expandarray::OIDS,
            alias.name_sql("mesh_elem__")
        ),
        false => alias.name_sql(&operand),
    };
    parse_expr(&sql)
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
        rewrite(&mut statement);
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
