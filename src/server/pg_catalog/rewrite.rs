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
//! - `ARRAY(SELECT e FROM ...)` becomes `(SELECT array_agg(e) FROM ...)` (NULL instead of an
//!   empty array when there are no rows).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident,
    LambdaFunction, LambdaFunctionParameter, LambdaSyntax, ObjectName, ObjectNamePart,
    OneOrManyWithParens, Query, Select, SelectItem, SetExpr, Statement, TableAliasColumnDef,
    TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// The special registers that PostgreSQL names after themselves in a select list.
const REGISTERS: &[&str] = &[
    "current_user",
    "session_user",
    "user",
    "current_catalog",
    "current_schema",
];

/// Gives unaliased special registers in select lists their PostgreSQL column names. Returns
/// whether anything changed.
pub fn name_registers(statement: &mut Statement) -> bool {
    let mut visitor = NameRegisters(false);
    let _ = statement.visit(&mut visitor);
    visitor.0
}

struct NameRegisters(bool);

impl VisitorMut for NameRegisters {
    type Break = ();

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
    let oid = match name.trim_start_matches("pg_catalog.") {
        "pg_class" => 1259,
        "pg_namespace" => 2615,
        "pg_proc" => 1255,
        "pg_type" => 1247,
        "pg_constraint" => 2606,
        "pg_am" => 2601,
        "pg_database" => 1262,
        "pg_authid" => 1260,
        "pg_tablespace" => 1213,
        _ => -1,
    };
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
        && matches!(&select.group_by, datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty());
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
        name_registers(&mut statement);
        inline_functions(&mut statement);
        statement.to_string()
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
