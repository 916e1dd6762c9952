//! Parameter types that the SQL declares and the plan cannot show: a placeholder cast to
//! `oid` or `oid[]` (`$1::oid[]` in asyncpg's type introspection) is planned as a 32-bit
//! integer (meshgate's oids are integers), but PostgreSQL describes the parameter as `oid`
//! or `oid[]`, and asyncpg can encode only those without introspecting the type first (which
//! would need the same query again).

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Expr, Value, visit_expressions};
use pgwire::api::Type;

/// The parameters `$n` (numbered from 1) that `statement` casts to `oid` or `oid[]`.
pub fn declared_types(statement: &DfStatement) -> BTreeMap<usize, Type> {
    let mut declared = BTreeMap::new();
    let DfStatement::Statement(statement) = statement else {
        return declared;
    };
    let _ = visit_expressions(statement.as_ref(), |expr| {
        if let Expr::Cast {
            expr: operand,
            data_type,
            ..
        } = expr
            && let Expr::Value(value) = operand.as_ref()
            && let Value::Placeholder(name) = &value.value
            && let Some(index) = name.strip_prefix('$').and_then(|n| n.parse::<usize>().ok())
        {
            let pg_type = match data_type.to_string().to_ascii_lowercase().as_str() {
                "oid" | "pg_catalog.oid" => Some(Type::OID),
                "oid[]" | "pg_catalog.oid[]" => Some(Type::OID_ARRAY),
                _ => None,
            };
            declared.extend(pg_type.map(|t| (index, t)));
        }
        ControlFlow::<()>::Continue(())
    });
    declared
}

#[cfg(test)]
mod tests {
    use datafusion::sql::parser::DFParser;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;

    use super::*;

    #[test]
    fn oid_casts_of_placeholders() {
        let sql = "SELECT 1 FROM t WHERE t.oid = any($2::oid[]) AND $1::oid = 3 AND $3::int = 1";
        let statement = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {})
            .unwrap()
            .pop_front()
            .unwrap();
        let declared = declared_types(&statement);
        assert_eq!(
            declared.into_iter().collect::<Vec<_>>(),
            [(1, Type::OID), (2, Type::OID_ARRAY)]
        );
    }
}
