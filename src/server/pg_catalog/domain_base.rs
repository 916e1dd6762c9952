//! The base type of a domain, as asyncpg's type introspection asks for it: a correlated
//! scalar subquery that walks `pg_type.typbasetype` with a recursive CTE and keeps the
//! deepest row (`WITH RECURSIVE typebases(oid, depth) AS (SELECT t2.typbasetype, 0 FROM
//! pg_type t2 WHERE t2.oid = t.oid UNION ALL ...) SELECT oid FROM typebases ORDER BY depth
//! DESC LIMIT 1`). DataFusion plans correlated scalar subqueries only when they aggregate,
//! so the walk is replaced by the lookup it amounts to in meshgate's catalog:
//! `(SELECT max(t2.typbasetype) FROM pg_catalog.pg_type t2 WHERE t2.oid = t.oid)`.
//! That is the same answer because meshgate's `pg_type` is PostgreSQL's built-in one (no
//! domain there is over another domain, and a read-only gateway has no `CREATE DOMAIN`), so
//! the walk never goes past its first step; a test checks the catalog for it.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, ObjectNamePart, Query, Select, SelectItem, SetExpr, SetOperator,
    SetQuantifier, Statement, TableFactor, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// Replaces every recursive `typbasetype` walk in `statement` by its one-step lookup.
pub fn domain_bases(statement: &mut Statement) {
    let _ = statement.visit(&mut DomainBases);
}

struct DomainBases;

impl VisitorMut for DomainBases {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Subquery(query) = expr
            && let Some(outer) = walked_type(query)
            && let Ok(lookup) = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(&format!(
                    "(SELECT max(t2.typbasetype) FROM pg_catalog.pg_type t2 WHERE t2.oid = {outer})"
                ))
                .and_then(|mut parser| parser.parse_expr())
        {
            *expr = lookup;
        }
        ControlFlow::Continue(())
    }
}

/// The outer type oid whose base type `query` walks to, if `query` is such a walk: a
/// `WITH RECURSIVE` of one CTE, `UNION ALL` of a start that selects `typbasetype` from
/// `pg_type` where its `oid` equals an outer value, and a step; the query reads the CTE.
fn walked_type(query: &Query) -> Option<String> {
    let with = query.with.as_ref()?;
    let [cte] = with.cte_tables.as_slice() else {
        return None;
    };
    let SetExpr::SetOperation {
        op: SetOperator::Union,
        set_quantifier: SetQuantifier::All,
        left,
        ..
    } = cte.query.body.as_ref()
    else {
        return None;
    };
    let SetExpr::Select(start) = left.as_ref() else {
        return None;
    };
    let alias = pg_type_alias(start)?;
    let selects_base = matches!(start.projection.first(),
        Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. })
            if column_of(e, &alias, "typbasetype"));
    let Some(Expr::BinaryOp {
        left: oid,
        op: BinaryOperator::Eq,
        right: outer,
    }) = &start.selection
    else {
        return None;
    };
    let reads_cte = matches!(query.body.as_ref(), SetExpr::Select(select)
        if matches!(select.from.as_slice(), [from] if matches!(&from.relation,
            TableFactor::Table { name, .. } if name.to_string() == cte.alias.name.to_string())));
    (with.recursive && selects_base && reads_cte && column_of(oid, &alias, "oid"))
        .then(|| outer.to_string())
}

/// The alias (or name) of the one `pg_type` relation `select` reads.
fn pg_type_alias(select: &Select) -> Option<String> {
    let [from] = select.from.as_slice() else {
        return None;
    };
    let TableFactor::Table { name, alias, .. } = &from.relation else {
        return None;
    };
    let table = name.0.last().and_then(ObjectNamePart::as_ident)?;
    if !from.joins.is_empty() || !table.value.eq_ignore_ascii_case("pg_type") {
        return None;
    }
    Some(
        alias
            .as_ref()
            .map_or(&table.value, |a| &a.name.value)
            .to_lowercase(),
    )
}

/// Whether `expr` is column `column` of `alias` (qualified or not).
fn column_of(expr: &Expr, alias: &str, column: &str) -> bool {
    match expr {
        Expr::Identifier(ident) => ident.value.eq_ignore_ascii_case(column),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [table, name] => {
                table.value.eq_ignore_ascii_case(alias) && name.value.eq_ignore_ascii_case(column)
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(sql: &str) -> String {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        domain_bases(&mut statement);
        statement.to_string()
    }

    /// asyncpg 0.32's `basetype` column (asyncpg/introspection.py).
    const ASYNCPG_BASETYPE: &str = "SELECT t.oid, (CASE WHEN t.typtype = 'd' THEN \
        (WITH RECURSIVE typebases(oid, depth) AS (SELECT t2.typbasetype AS oid, 0 AS depth \
        FROM pg_type t2 WHERE t2.oid = t.oid UNION ALL SELECT t2.typbasetype AS oid, \
        tb.depth + 1 AS depth FROM pg_type t2, typebases tb WHERE tb.oid = t2.oid AND \
        t2.typbasetype != 0) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1) ELSE NULL \
        END) AS basetype FROM pg_catalog.pg_type AS t";

    #[test]
    fn the_walk_becomes_a_lookup() {
        assert_eq!(
            rewrite(ASYNCPG_BASETYPE),
            "SELECT t.oid, (CASE WHEN t.typtype = 'd' THEN (SELECT max(t2.typbasetype) FROM \
             pg_catalog.pg_type t2 WHERE t2.oid = t.oid) ELSE NULL END) AS basetype FROM \
             pg_catalog.pg_type AS t"
        );
    }

    #[test]
    fn other_recursive_subqueries_stay() {
        for sql in [
            // not the base type
            "SELECT (WITH RECURSIVE r(oid, depth) AS (SELECT t2.typelem AS oid, 0 AS depth \
             FROM pg_type t2 WHERE t2.oid = t.oid UNION ALL SELECT 1, 2) SELECT oid FROM r \
             LIMIT 1) FROM pg_type t",
            // not a union all
            "SELECT (WITH RECURSIVE r(oid) AS (SELECT t2.typbasetype FROM pg_type t2 WHERE \
             t2.oid = t.oid UNION SELECT 1) SELECT oid FROM r LIMIT 1) FROM pg_type t",
            // not recursive
            "SELECT (WITH r(oid) AS (SELECT t2.typbasetype FROM pg_type t2 WHERE t2.oid = \
             t.oid UNION ALL SELECT 1) SELECT oid FROM r LIMIT 1) FROM pg_type t",
        ] {
            assert_eq!(
                rewrite(sql),
                Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap()[0].to_string()
            );
        }
    }
}
