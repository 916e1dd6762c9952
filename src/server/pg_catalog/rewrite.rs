//! Rewrites of client catalog queries that `datafusion-pg-catalog`'s compatibility parser
//! does not do, as PostgreSQL itself defines them:
//!
//! - the special registers (`current_user`, `session_user`, `user`, `current_catalog`,
//!   `current_schema`) are named after themselves in a select list, so `SELECT current_user,
//!   session_user` has two distinct columns (the compatibility parser turns both into
//!   `session_user()`);
//! - `obj_description`, `col_description` and `shobj_description` are SQL functions over
//!   `pg_description` / `pg_shdescription` in PostgreSQL; they are inlined as the same
//!   subqueries, so comments come from the catalog tables;
//! - `pg_catalog.unnest(...)` in `FROM` is planned as `UNNEST(...)`, and `pg_user` is qualified like the crate's own tables;
//! - `LIKE p ESCAPE '/'` becomes `LIKE mesh_like_pattern(p, '/')` (SQLAlchemy's schema
//!   listing), as DataFusion only knows the backslash escape;
//! - `ARRAY(SELECT e FROM ...)` becomes `(SELECT array_agg(e) FROM ...)` (NULL instead of an
//!   empty array when there are no rows).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, CaseWhen, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, JoinOperator, LambdaFunction, LambdaFunctionParameter,
    LambdaSyntax, ObjectName, ObjectNamePart, OneOrManyWithParens, Query, Select, SelectItem,
    SetExpr, Statement, TableAliasColumnDef, TableFactor, Value, Visit, VisitMut, Visitor,
    VisitorMut, visit_expressions,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use crate::server::pg_catalog::schema::system_oid;

/// The function that turns a `LIKE` pattern with another escape character into one escaped
/// with backslashes, the only escape DataFusion knows ([`super::functions`]).
pub const LIKE_PATTERN: &str = "mesh_like_pattern";

/// The special registers that PostgreSQL names after themselves in a select list.
const REGISTERS: &[&str] = &[
    "current_user",
    "session_user",
    "user",
    "current_catalog",
    "current_schema",
];

/// The rewrites that must run before the compatibility parser's: gives unaliased special
/// registers in select lists their PostgreSQL column names, and resolves `'pg_class'::regclass`
/// (a literal naming a system catalog) to the catalog's fixed oid, as PostgreSQL does by
/// searching `pg_catalog` first. Returns whether anything changed.
pub fn before_compat(statement: &mut Statement) -> bool {
    let mut visitor = BeforeCompat(false);
    let _ = statement.visit(&mut visitor);
    visitor.0
}

struct BeforeCompat(bool);

impl VisitorMut for BeforeCompat {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast {
            expr: operand,
            data_type,
            ..
        } = expr
            && data_type.to_string().to_lowercase().ends_with("regclass")
            && let Expr::Value(value) = operand.as_ref()
            && let Value::SingleQuotedString(name) = &value.value
            && let Some(oid) = system_oid(name.trim_start_matches("pg_catalog."))
        {
            *expr = Expr::Value(Value::Number(oid.to_string(), false).into());
            self.0 = true;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let SetExpr::Select(select) = query.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(expr) = item
                && let Some(name) = register_name(expr)
            {
                *item = SelectItem::ExprWithAlias {
                    expr: expr.clone(),
                    alias: Ident::with_quote('"', name),
                };
                self.0 = true;
            }
        }
        ControlFlow::Continue(())
    }
}

fn register_name(expr: &Expr) -> Option<String> {
    let name = match expr {
        Expr::Function(f) if matches!(f.args, FunctionArguments::None) => single_name(&f.name)?,
        Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.to_lowercase(),
        _ => return None,
    };
    REGISTERS.contains(&name.as_str()).then_some(name)
}

/// The lower-cased name of an unqualified or `pg_catalog`-qualified function.
fn single_name(name: &ObjectName) -> Option<String> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| part.as_ident().map(|i| i.value.to_lowercase()))
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [name] => Some(name.clone()),
        [schema, name] if schema == "pg_catalog" => Some(name.clone()),
        _ => None,
    }
}

/// Inlines the comment functions and rewrites `ARRAY(subquery)`.
pub fn inline_functions(statement: &mut Statement) {
    let _ = statement.visit(&mut InlineFunctions);
}

struct InlineFunctions;

/// `pg_catalog` relations the compatibility parser does not know it should qualify.
const OWN_TABLES: &[&str] = &["pg_user"];

impl VisitorMut for InlineFunctions {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name, args, alias, ..
        } = factor
        {
            let function = single_name(name);
            if let (Some(args), Some("unnest")) = (args.as_ref(), function.as_deref())
                && let Some(array_exprs) = table_args(&args.args)
            {
                let mut alias = alias.take();
                if let Some(alias) = alias.as_mut()
                    && alias.columns.is_empty()
                    && array_exprs.len() == 1
                {
                    // PostgreSQL names a function's single column after the table alias
                    alias.columns = vec![TableAliasColumnDef::from_name(alias.name.value.clone())];
                }
                *factor = TableFactor::UNNEST {
                    alias,
                    array_exprs,
                    with_offset: false,
                    with_offset_alias: None,
                    with_ordinality: false,
                };
            } else if args.is_none()
                && name.0.len() == 1
                && function.is_some_and(|f| OWN_TABLES.contains(&f.as_str()))
            {
                name.0
                    .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(function) = expr
            && let Some(replacement) = inline(function)
        {
            *expr = replacement;
        }
        if let Expr::Subquery(query) = expr
            && reads_empty_catalog(query)
        {
            // no row, so the scalar subquery is NULL whatever it selects
            *expr = Expr::Value(Value::Null.into());
        }
        if let Expr::Subquery(query) = expr
            && aggregate_catalog_subquery(query)
            && let Some(outer) = take_outer_conditions(query)
        {
            // DataFusion cannot decorrelate a condition on the outer row alone
            let subquery = expr.clone();
            *expr = Expr::Case {
                case_token: AttachedToken::empty(),
                end_token: AttachedToken::empty(),
                operand: None,
                conditions: vec![CaseWhen {
                    condition: outer,
                    result: subquery,
                }],
                else_result: None,
            };
        }
        if let Expr::Like {
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            pattern,
            escape_char,
            ..
        } = expr
            && let Some(escape) = escape_char.take_if(|c| c.value.to_string() != "'\\'")
            && let Ok(call) = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(&format!("{LIKE_PATTERN}(({pattern}), {escape})"))
                .and_then(|mut p| p.parse_expr())
        {
            **pattern = call;
        }
        ControlFlow::Continue(())
    }
}

fn inline(function: &Function) -> Option<Expr> {
    let name = single_name(&function.name)?;
    if name == "array"
        && let FunctionArguments::Subquery(query) = &function.args
    {
        return array_subquery(query);
    }
    let args = plain_args(function)?;
    let sql = match (name.as_str(), args.as_slice()) {
        // meshgate has no sequences; inlined so the planner sees a constant (SQLAlchemy
        // correlates pg_sequence with it)
        ("pg_get_serial_sequence", [_, _]) => "CAST(NULL AS TEXT)".to_string(),
        ("obj_description", [object, catalog]) => description_sql(
            "pg_description",
            object,
            Some(&catalog_oid(catalog)?),
            Some("0"),
        ),
        ("obj_description", [object]) => description_sql("pg_description", object, None, Some("0")),
        ("col_description", [table, column]) => description_sql(
            "pg_description",
            table,
            Some("1259"),
            Some(&column.to_string()),
        ),
        ("shobj_description", [object, catalog]) => description_sql(
            "pg_shdescription",
            object,
            Some(&catalog_oid(catalog)?),
            None,
        ),
        _ => return None,
    };
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .ok()?
        .parse_expr()
        .ok()
}

/// Plain expressions of table function arguments.
fn table_args(args: &[FunctionArg]) -> Option<Vec<Expr>> {
    args.iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// The arguments of a call without named arguments, `DISTINCT` or clauses.
fn plain_args(function: &Function) -> Option<Vec<&Expr>> {
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    list.args
        .iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect()
}

/// The fixed oid of a system catalog named by a string literal (`'pg_class'`); `-1` (no
/// match) for other catalogs, as PostgreSQL finds no description for them either.
fn catalog_oid(catalog: &Expr) -> Option<String> {
    let Expr::Value(value) = catalog else {
        return None;
    };
    let Value::SingleQuotedString(name) = &value.value else {
        return None;
    };
    let oid = system_oid(name.trim_start_matches("pg_catalog.")).unwrap_or(-1);
    Some(oid.to_string())
}

/// PostgreSQL's definitions of the comment functions, as a correlated scalar subquery.
fn description_sql(
    table: &str,
    object: &Expr,
    classoid: Option<&str>,
    objsubid: Option<&str>,
) -> String {
    let alias = "mesh_comment__";
    let mut sql = format!(
        "(SELECT max({alias}.description) FROM pg_catalog.{table} {alias} \
         WHERE {alias}.objoid = ({object})"
    );
    if let Some(classoid) = classoid {
        sql.push_str(&format!(" AND {alias}.classoid = {classoid}"));
    }
    if let Some(objsubid) = objsubid {
        sql.push_str(&format!(" AND {alias}.objsubid = ({objsubid})"));
    }
    sql.push(')');
    sql
}

/// `ARRAY(SELECT e FROM ...)` as `(SELECT array_agg(e) FROM ...)`, for a plain select of one
/// column (no grouping, ordering, `DISTINCT` or limit).
fn array_subquery(query: &Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let plain = query.order_by.is_none()
        && query.limit_clause.is_none()
        && query.with.is_none()
        && select.distinct.is_none()
        && select.having.is_none()
        && matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    let [SelectItem::UnnamedExpr(element) | SelectItem::ExprWithAlias { expr: element, .. }] =
        select.projection.as_slice()
    else {
        return None;
    };
    if !plain {
        return None;
    }
    if let Some(transform) = array_transform(select, element) {
        return Some(transform);
    }
    let aggregate = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&format!("array_agg({element})"))
        .ok()?
        .parse_expr()
        .ok()?;
    let mut rewritten = query.clone();
    if let SetExpr::Select(select) = rewritten.body.as_mut() {
        select.projection = vec![SelectItem::UnnamedExpr(aggregate)];
    }
    Some(Expr::Subquery(Box::new(rewritten)))
}

/// A scalar subquery over catalog tables only, selecting one plain value: its value as
/// `max(value)`, so DataFusion can decorrelate it (it plans only aggregated correlated scalar
/// subqueries). Catalog lookups by oid find at most one row, so the result is the same.
fn aggregate_catalog_subquery(query: &mut Query) -> bool {
    let plain = query.limit_clause.is_none() && query.order_by.is_none() && query.with.is_none();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return false;
    };
    let catalog_only = !select.from.is_empty()
        && select.from.iter().all(|from| {
            std::iter::once(&from.relation)
                .chain(from.joins.iter().map(|j| &j.relation))
                .all(is_catalog_table)
        });
    let ungrouped = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
        && select.having.is_none()
        && select.distinct.is_none();
    if !(plain && catalog_only && ungrouped) {
        return false;
    }
    if let [SelectItem::UnnamedExpr(value) | SelectItem::ExprWithAlias { expr: value, .. }] =
        select.projection.as_mut_slice()
        && !is_aggregate(value)
        && let Ok(aggregate) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&format!("max({value})"))
            .and_then(|mut p| p.parse_expr())
    {
        *value = aggregate;
        return true;
    }
    false
}

/// `pg_catalog` relations that are empty in meshgate: it has no sequences and no column
/// defaults.
const EMPTY_CATALOGS: &[&str] = &["pg_sequence", "pg_attrdef"];

/// Whether `query` is a select without aggregation that reads one of the [`EMPTY_CATALOGS`]
/// as the first relation of a `FROM` item joined only in ways that cannot add rows, so it
/// returns no row. SQLAlchemy's column reflection selects from `pg_sequence` with outer
/// columns in the select list, which DataFusion cannot decorrelate.
fn reads_empty_catalog(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let ungrouped = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
        && select.having.is_none();
    let aggregates = visit_expressions(&select.projection, |expr| {
        if is_aggregate(expr) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break();
    let empty_item = select.from.iter().any(|from| {
        is_catalog_table(&from.relation)
            && matches!(&from.relation, TableFactor::Table { name, .. }
                if name.0.last().and_then(|p| p.as_ident())
                    .is_some_and(|i| EMPTY_CATALOGS.contains(&i.value.to_lowercase().as_str())))
            && from.joins.iter().all(|join| {
                !matches!(
                    join.join_operator,
                    JoinOperator::Right(_)
                        | JoinOperator::RightOuter(_)
                        | JoinOperator::FullOuter(_)
                        | JoinOperator::RightSemi(_)
                        | JoinOperator::RightAnti(_)
                )
            })
    });
    ungrouped && !aggregates && empty_item
}

/// Removes the `WHERE` conjuncts of an aggregated subquery that refer only to outer tables
/// and returns them AND-ed: `(SELECT max(x) FROM t WHERE p AND outer)` is
/// `CASE WHEN outer THEN (SELECT max(x) FROM t WHERE p) END`.
fn take_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let local: Vec<String> = select
        .from
        .iter()
        .flat_map(|from| {
            std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation))
        })
        .filter_map(|factor| match factor {
            TableFactor::Table {
                alias: Some(alias), ..
            } => Some(alias.name.value.to_lowercase()),
            TableFactor::Table { name, .. } => name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.to_lowercase()),
            _ => None,
        })
        .collect();
    let mut conjuncts = Vec::new();
    split_and(select.selection.take()?, &mut conjuncts);
    let (outer, inner): (Vec<Expr>, Vec<Expr>) = conjuncts
        .into_iter()
        .partition(|c| refers_only_outside(c, &local));
    select.selection = inner.into_iter().reduce(and);
    outer.into_iter().reduce(and)
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                *inner,
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(*inner, out)
        }
        other => out.push(other),
    }
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

/// Whether every column `expr` names is qualified by a table that is not in `local`.
fn refers_only_outside(expr: &Expr, local: &[String]) -> bool {
    struct Columns<'a> {
        local: &'a [String],
        outside: usize,
        inside: usize,
    }
    impl Visitor for Columns<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                    let table = parts[parts.len() - 2].value.to_lowercase();
                    if self.local.contains(&table) {
                        self.inside += 1;
                    } else {
                        self.outside += 1;
                    }
                }
                Expr::Identifier(_)
                | Expr::Subquery(_)
                | Expr::Exists { .. }
                | Expr::InSubquery { .. } => self.inside += 1,
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let mut columns = Columns {
        local,
        outside: 0,
        inside: 0,
    };
    let _ = expr.visit(&mut columns);
    columns.outside > 0 && columns.inside == 0
}

fn is_catalog_table(factor: &TableFactor) -> bool {
    let TableFactor::Table {
        name, args: None, ..
    } = factor
    else {
        return false;
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.to_lowercase()))
        .collect();
    match parts.as_slice() {
        [schema, _] => schema == "pg_catalog",
        [table] => table.starts_with("pg_"),
        _ => false,
    }
}

fn is_aggregate(expr: &Expr) -> bool {
    matches!(expr, Expr::Function(f) if single_name(&f.name).is_some_and(|name| {
        matches!(name.as_str(), "max" | "min" | "count" | "sum" | "avg" | "array_agg" | "string_agg" | "bool_and" | "bool_or")
    }))
}

/// `ARRAY(SELECT e FROM unnest(a) x)` as `array_transform(a, x -> e)`: DataFusion cannot
/// unnest a column of an outer query in a subquery, but maps over an array with a lambda.
fn array_transform(select: &Select, element: &Expr) -> Option<Expr> {
    let [from] = select.from.as_slice() else {
        return None;
    };
    let TableFactor::UNNEST {
        alias: Some(alias),
        array_exprs,
        with_offset: false,
        with_ordinality: false,
        ..
    } = &from.relation
    else {
        return None;
    };
    let ([array], [column], None, true) = (
        array_exprs.as_slice(),
        alias.columns.as_slice(),
        &select.selection,
        from.joins.is_empty(),
    ) else {
        return None;
    };
    let lambda = Expr::Lambda(LambdaFunction {
        params: OneOrManyWithParens::One(LambdaFunctionParameter {
            name: column.name.clone(),
            data_type: None,
        }),
        body: Box::new(element.clone()),
        syntax: LambdaSyntax::Arrow,
    });
    let arg = |e: Expr| FunctionArg::Unnamed(FunctionArgExpr::Expr(e));
    Some(Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new("array_transform")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![arg(array.clone()), arg(lambda)],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(sql: &str) -> String {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        before_compat(&mut statement);
        inline_functions(&mut statement);
        statement.to_string()
    }

    #[test]
    fn subqueries_of_empty_catalogs_are_null() {
        assert_eq!(
            rewrite(
                "SELECT CASE WHEN a.attidentity <> '' THEN (SELECT json_build_object('always', a.attidentity = 'a', 'start', s.seqstart) FROM pg_catalog.pg_sequence s WHERE s.seqrelid = a.attrelid) END FROM pg_attribute a"
            ),
            "SELECT CASE WHEN a.attidentity <> '' THEN NULL END FROM pg_attribute a"
        );
        // an aggregate over no rows is a row; a right join can add rows
        for kept in [
            "SELECT (SELECT count(*) FROM pg_catalog.pg_sequence) FROM t",
            "SELECT (SELECT c.oid FROM pg_attrdef d RIGHT JOIN pg_class c ON true) FROM t",
        ] {
            assert_ne!(rewrite(kept), "SELECT NULL FROM t", "{kept}");
        }
    }

    #[test]
    fn registers_are_named_after_themselves() {
        assert_eq!(
            rewrite("SELECT current_user, session_user, user AS u, current_schema"),
            "SELECT current_user AS \"current_user\", session_user AS \"session_user\", \
             user AS u, current_schema AS \"current_schema\""
        );
        assert_eq!(
            rewrite("SELECT current_user AS me"),
            "SELECT current_user AS me"
        );
    }

    #[test]
    fn system_catalog_regclass_literals_are_their_oids() {
        assert_eq!(
            rewrite(
                "SELECT 1 WHERE d.classoid = 'pg_class'::regclass AND x = 'pg_catalog.pg_namespace'::regclass AND y = 'sales.orders'::regclass"
            ),
            "SELECT 1 WHERE d.classoid = 1259 AND x = 2615 AND y = 'sales.orders'::REGCLASS"
        );
    }

    #[test]
    fn comment_functions_are_inlined() {
        assert_eq!(
            rewrite("SELECT pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_class c"),
            "SELECT (SELECT max(mesh_comment__.description) FROM pg_catalog.pg_description \
             mesh_comment__ WHERE mesh_comment__.objoid = (c.oid) AND mesh_comment__.classoid \
             = 1259 AND mesh_comment__.objsubid = (0)) FROM pg_class c"
        );
        assert!(
            rewrite("SELECT col_description(a.attrelid, a.attnum) FROM t a")
                .contains("objsubid = (a.attnum)")
        );
        assert!(
            rewrite("SELECT shobj_description(d.oid, 'pg_database') FROM t d")
                .contains("pg_catalog.pg_shdescription mesh_comment__")
        );
        assert_eq!(
            rewrite("SELECT obj_description(1, 2, 3)"),
            "SELECT obj_description(1, 2, 3)"
        );
    }

    #[test]
    fn catalog_scalar_subqueries_are_aggregated() {
        assert_eq!(
            rewrite(
                "SELECT CASE WHEN a.x THEN (SELECT t.typname FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid) END FROM pg_attribute a"
            ),
            "SELECT CASE WHEN a.x THEN (SELECT max(t.typname) FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid) END FROM pg_attribute a"
        );
        assert_eq!(
            rewrite(
                "SELECT (SELECT t.typname FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid AND a.attisdropped) FROM pg_attribute a"
            ),
            "SELECT CASE WHEN a.attisdropped THEN (SELECT max(t.typname) FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid) END FROM pg_attribute a"
        );
        let user = "SELECT (SELECT o_orderkey FROM sales.orders o WHERE o.k = t.k) FROM t";
        assert_eq!(rewrite(user), user);
    }

    #[test]
    fn like_escapes_become_backslashes() {
        assert_eq!(
            rewrite("SELECT 1 WHERE n NOT LIKE $1 || '%' ESCAPE '/'"),
            "SELECT 1 WHERE n NOT LIKE mesh_like_pattern(($1 || '%'), '/')"
        );
        assert_eq!(
            rewrite("SELECT 1 WHERE n LIKE 'a\\_%' ESCAPE '\\'"),
            "SELECT 1 WHERE n LIKE 'a\\_%' ESCAPE '\\'"
        );
    }

    #[test]
    fn array_of_a_subquery_aggregates() {
        assert_eq!(
            rewrite("SELECT array(select 'toast.' || x from pg_catalog.unnest(t.o) x) FROM t"),
            "SELECT array_transform(t.o, x -> 'toast.' || x) FROM t"
        );
        assert_eq!(
            rewrite("SELECT array(select oid from pg_class)"),
            "SELECT (SELECT array_agg(oid) FROM pg_class)"
        );
        assert!(rewrite("SELECT array(select x from y order by x)").contains("array(SELECT"));
        assert_eq!(
            rewrite("SELECT * FROM pg_catalog.unnest(a) x, pg_user"),
            "SELECT * FROM UNNEST(a) x (x), pg_catalog.pg_user"
        );
    }
}
