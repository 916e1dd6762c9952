//! `search_path` applied to name resolution, as PostgreSQL resolves an unqualified table
//! name: in `pg_catalog` first, then in each schema of the path in order, skipping schemas
//! that do not exist (`"$user"` is the schema named after the logged-in user). A name found
//! in one of them is qualified with it before planning, so the statement then takes the
//! one governed path as if the client had written `schema.table`: grants, row filters and
//! masks are those of the table it names. A name found nowhere is left alone (the planner
//! reports it unknown, 42P01); names of CTEs are never qualified.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::catalog::CatalogProvider;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectName, ObjectNamePart, Query, Statement, Visit, Visitor, visit_relations_mut,
};

use crate::engine::CATALOG_NAME;
use crate::server::session::Session;

/// The schema PostgreSQL searches before the path.
const SYSTEM_SCHEMA: &str = "pg_catalog";

/// The schemas of a `search_path` value, in order: quoted names keep their case, others are
/// lower-cased, `$user` is `user`.
pub fn schemas(path: &str, user: &str) -> Vec<String> {
    path.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let name = match entry.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => entry.to_lowercase(),
            };
            if name == "$user" {
                user.to_string()
            } else {
                name
            }
        })
        .collect()
}

/// Qualifies the unqualified table names of `statement` by the session's `search_path`.
pub fn apply(session: &Session, statement: &mut DfStatement) {
    let Ok((_, path)) = session.settings().get("search_path") else {
        return;
    };
    let Some(catalog) = session.ctx.catalog(CATALOG_NAME) else {
        return;
    };
    let path = schemas(&path, &session.principal.name);
    qualify(statement, catalog.as_ref(), &path);
}

fn qualify(statement: &mut DfStatement, catalog: &dyn CatalogProvider, path: &[String]) {
    match statement {
        DfStatement::Statement(statement) => qualify_statement(statement, catalog, path),
        DfStatement::Explain(explain) => qualify(&mut explain.statement, catalog, path),
        _ => {}
    }
}

fn qualify_statement(statement: &mut Statement, catalog: &dyn CatalogProvider, path: &[String]) {
    let mut ctes = CteNames::default();
    let _ = statement.visit(&mut ctes);
    let existing: Vec<_> = std::iter::once(SYSTEM_SCHEMA)
        .chain(path.iter().map(String::as_str))
        .filter_map(|name| Some((name, catalog.schema(name)?)))
        .collect();
    let _ = visit_relations_mut(statement, |name: &mut ObjectName| {
        if let [ObjectNamePart::Identifier(table)] = name.0.as_slice() {
            let table_name = match table.quote_style {
                Some(_) => table.value.clone(),
                None => table.value.to_lowercase(),
            };
            let found = (!ctes.0.contains(&table_name))
                .then(|| {
                    existing
                        .iter()
                        .find(|(_, schema)| schema.table_exist(&table_name))
                })
                .flatten();
            if let Some((schema, _)) = found {
                let schema = ObjectNamePart::Identifier(Ident::with_quote('"', *schema));
                name.0.insert(0, schema);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The names of the statement's CTEs (in any of its queries), which shadow tables.
#[derive(Default)]
struct CteNames(HashSet<String>);

impl Visitor for CteNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = &cte.alias.name;
                self.0.insert(match name.quote_style {
                    Some(_) => name.value.clone(),
                    None => name.value.to_lowercase(),
                });
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_entries() {
        assert_eq!(
            schemas("\"$user\", public", "analyst"),
            ["analyst", "public"]
        );
        assert_eq!(
            schemas("Sales,  \"Odd\"\"Name\" ,", "a"),
            ["sales", "Odd\"Name"]
        );
        assert!(schemas("", "a").is_empty());
    }
}
