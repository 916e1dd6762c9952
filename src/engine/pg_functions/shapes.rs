//! Query shapes PostgreSQL accepts that DataFusion's SQL planner does not, rewritten in the
//! parsed statement before planning:
//! - `FETCH FIRST n ROWS ONLY` (and `OFFSET n ROWS FETCH NEXT n ROWS ONLY`) is `LIMIT n`;
//!   `WITH TIES` and `PERCENT` are left for the planner to refuse (0A000).
//! - `generate_series(...) g`: a set-returning function with a table alias and no column
//!   aliases names its one column after the alias, as in PostgreSQL.
//! - `mod(a, b)` is `a % b` (same types, same division-by-zero error).

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, Fetch, FunctionArg, FunctionArgExpr, FunctionArguments, LimitClause,
    Query, TableAliasColumnDef, TableFactor, Value, VisitMut, VisitorMut,
};

/// Set-returning functions of one output column.
const SCALAR_TABLE_FUNCTIONS: [&str; 1] = ["generate_series"];

/// Rewrites the query shapes above in `statement`.
pub fn rewrite_statement(statement: &mut DfStatement) {
    let DfStatement::Statement(statement) = statement else {
        return;
    };
    let _ = statement.visit(&mut Shapes);
}

struct Shapes;

impl VisitorMut for Shapes {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        fetch_as_limit(query);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        modulo(expr);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        name_single_column(factor);
        ControlFlow::Continue(())
    }
}

fn fetch_as_limit(query: &mut Query) {
    let Some(Fetch {
        with_ties: false,
        percent: false,
        quantity,
    }) = &query.fetch
    else {
        return;
    };
    let count = quantity
        .clone()
        .unwrap_or_else(|| Expr::value(Value::Number("1".to_string(), false)));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(count),
                offset: None,
                limit_by: vec![],
            });
        }
        Some(LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => *limit = Some(count),
        // LIMIT and FETCH together: the planner refuses the FETCH
        Some(_) => return,
    }
    query.fetch = None;
}

fn modulo(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    let is_mod = function.name.0.len() == 1
        && function.name.0[0]
            .as_ident()
            .is_some_and(|ident| ident.value.eq_ignore_ascii_case("mod"));
    let FunctionArguments::List(list) = &function.args else {
        return;
    };
    let plain = function.filter.is_none()
        && function.over.is_none()
        && list.duplicate_treatment.is_none()
        && list.clauses.is_empty();
    let [
        FunctionArg::Unnamed(FunctionArgExpr::Expr(a)),
        FunctionArg::Unnamed(FunctionArgExpr::Expr(b)),
    ] = list.args.as_slice()
    else {
        return;
    };
    if is_mod && plain {
        *expr = Expr::BinaryOp {
            left: Box::new(Expr::Nested(Box::new(a.clone()))),
            op: BinaryOperator::Modulo,
            right: Box::new(Expr::Nested(Box::new(b.clone()))),
        };
    }
}

fn name_single_column(factor: &mut TableFactor) {
    let TableFactor::Table {
        name,
        args: Some(_),
        alias: Some(alias),
        ..
    } = factor
    else {
        return;
    };
    let function = name.0.last().and_then(|part| part.as_ident());
    let single = function.is_some_and(|ident| {
        SCALAR_TABLE_FUNCTIONS
            .iter()
            .any(|f| ident.value.eq_ignore_ascii_case(f))
    });
    if single && alias.columns.is_empty() {
        alias.columns = vec![TableAliasColumnDef {
            name: alias.name.clone(),
            data_type: None,
        }];
    }
}

#[cfg(test)]
mod tests {
    use datafusion::sql::parser::DFParser;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;

    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut statements = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {})
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut statement = statements.pop_front().unwrap_or_else(|| panic!("{sql}"));
        rewrite_statement(&mut statement);
        statement.to_string()
    }

    #[test]
    fn fetch_first_becomes_limit() {
        assert_eq!(
            rewritten("SELECT a FROM t ORDER BY a FETCH FIRST 3 ROWS ONLY"),
            "SELECT a FROM t ORDER BY a LIMIT 3"
        );
        assert_eq!(
            rewritten("SELECT a FROM t OFFSET 2 ROWS FETCH NEXT ROW ONLY"),
            "SELECT a FROM t LIMIT 1 OFFSET 2 ROWS"
        );
        let ties = "SELECT a FROM t ORDER BY a FETCH FIRST 3 ROWS WITH TIES";
        assert_eq!(rewritten(ties), ties);
    }

    #[test]
    fn mod_is_the_remainder_operator() {
        assert_eq!(
            rewritten("SELECT mod(p_size + 1, 7) FROM t"),
            "SELECT (p_size + 1) % (7) FROM t"
        );
        let three = "SELECT mod(1, 2, 3)";
        assert_eq!(rewritten(three), three);
    }

    #[test]
    fn series_alias_names_its_column() {
        assert_eq!(
            rewritten("SELECT g FROM generate_series(1, 3) g"),
            "SELECT g FROM generate_series(1, 3) g (g)"
        );
        let named = "SELECT x FROM generate_series(1, 3) AS t (x)";
        assert_eq!(rewritten(named), named);
        let table = "SELECT * FROM sales.orders AS o";
        assert_eq!(rewritten(table), table);
    }
}
