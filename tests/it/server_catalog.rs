//! The catalog as clients see it over the wire: the session's identity and roles,
//! privileges from the policy, comments from the contracts, and the catalog queries of psql,
//! psycopg, SQLAlchemy and pgjdbc.

use tokio_postgres::error::SqlState;

use crate::server::{code, connect, server, text_rows};

fn cell(rows: &[Vec<Option<String>>], row: usize, column: usize) -> Option<&str> {
    rows.get(row)?.get(column)?.as_deref()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_database_and_version() {
    let server = server().await;
    let client = connect(&server, "emea").await;
    let rows = client
        .query("SELECT current_user, session_user, current_database()", &[])
        .await
        .unwrap();
    let columns: Vec<&str> = rows[0].columns().iter().map(|c| c.name()).collect();
    assert_eq!(columns[..2], ["current_user", "session_user"]);
    assert_eq!(rows[0].get::<_, String>(0), "emea");
    assert_eq!(rows[0].get::<_, String>(1), "emea");
    assert_eq!(rows[0].get::<_, String>(2), "mesh");
    let version: String = client
        .query_one("SELECT version()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(version.starts_with("PostgreSQL 17"), "{version}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_database_lists_only_mesh() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let names = text_rows(
        &client,
        "SELECT datname, datallowconn FROM pg_catalog.pg_database ORDER BY 1",
    )
    .await;
    assert_eq!(names, [[Some("mesh".into()), Some("t".into())]]);
    // psql 15's \l
    let listed = text_rows(
        &client,
        "SELECT d.datname as \"Name\", pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\", \
         pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\", \
         pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\" \
         FROM pg_catalog.pg_database d ORDER BY 1",
    )
    .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(cell(&listed, 0, 0), Some("mesh"));
    assert_eq!(cell(&listed, 0, 1), Some("meshgate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_the_session_user_and_its_roles() {
    let server = server().await;
    let client = connect(&server, "emea").await;
    let roles = text_rows(
        &client,
        "SELECT rolname, rolcanlogin, rolsuper FROM pg_catalog.pg_roles ORDER BY rolname",
    )
    .await;
    let names: Vec<_> = roles.iter().filter_map(|r| r[0].clone()).collect();
    assert_eq!(names, ["customer_analyst", "emea", "meshgate"]);
    assert_eq!(roles[1][1..], [Some("t".into()), Some("f".into())]);
    let users = text_rows(&client, "SELECT usename, usesysid FROM pg_user").await;
    assert_eq!(users.len(), 1);
    assert_eq!(cell(&users, 0, 0), Some("emea"));
    let owner = text_rows(
        &client,
        &format!(
            "SELECT pg_get_userbyid(10), pg_get_userbyid({}), pg_get_userbyid(42)",
            cell(&users, 0, 1).unwrap()
        ),
    )
    .await;
    assert_eq!(
        owner[0],
        [
            Some("meshgate".into()),
            Some("emea".into()),
            Some("unknown (OID=42)".into())
        ]
    );
    let table_owner = text_rows(
        &client,
        "SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c \
         WHERE c.relname = 'customer'",
    )
    .await;
    assert_eq!(cell(&table_owner, 0, 0), Some("meshgate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileges_follow_the_policy() {
    let server = server().await;
    let sql = "SELECT has_table_privilege('supply.supplier', 'SELECT'), \
               has_table_privilege('sales.orders', 'SELECT'), \
               has_table_privilege('sales.orders', 'INSERT, UPDATE'), \
               has_any_column_privilege('customers.customer', 'SELECT'), \
               has_schema_privilege('supply', 'USAGE'), \
               has_schema_privilege('sales', 'CREATE'), \
               has_database_privilege('mesh', 'CONNECT'), \
               has_table_privilege('pg_class', 'SELECT')";
    let answers = |user| {
        let server = &server;
        let sql = sql.to_string();
        async move {
            let client = connect(server, user).await;
            text_rows(&client, &sql).await.remove(0)
        }
    };
    let t = || Some("t".to_string());
    let f = || Some("f".to_string());
    assert_eq!(
        answers("analyst").await,
        [f(), t(), f(), t(), t(), f(), t(), t()]
    );
    assert_eq!(
        answers("admin").await,
        [t(), t(), f(), t(), t(), f(), t(), t()]
    );
    // emea reads only customers.*: no table of supply or sales
    assert_eq!(
        answers("emea").await,
        [f(), f(), f(), t(), f(), f(), t(), t()]
    );

    let client = connect(&server, "analyst").await;
    let as_self = text_rows(
        &client,
        "SELECT has_table_privilege('analyst', 'supply.supplier', 'SELECT')",
    )
    .await;
    assert_eq!(as_self[0], [f()]);
    let error = client
        .simple_query("SELECT has_table_privilege('sales.nope', 'SELECT')")
        .await
        .unwrap_err();
    assert_eq!(code(&error), SqlState::UNDEFINED_TABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_come_from_the_contracts() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let table = text_rows(
        &client,
        "SELECT pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'sales' AND c.relname = 'orders'",
    )
    .await;
    assert_eq!(
        cell(&table, 0, 0),
        Some("One row per customer order (order header).")
    );
    // as pgjdbc's getTables asks
    let joined = text_rows(
        &client,
        "SELECT d.description FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d \
         ON (c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass) \
         WHERE c.relname = 'orders'",
    )
    .await;
    assert_eq!(table, joined);
    let columns = text_rows(
        &client,
        "SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) \
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         WHERE c.relname = 'orders' AND a.attnum > 0 ORDER BY a.attnum",
    )
    .await;
    assert_eq!(columns.len(), 9);
    assert_eq!(
        columns[0],
        [
            Some("o_orderkey".into()),
            Some("Order number. Referenced by sales.lineitem.l_orderkey.".into())
        ]
    );
    let schema = text_rows(
        &client,
        "SELECT obj_description(n.oid, 'pg_namespace') FROM pg_catalog.pg_namespace n \
         WHERE n.nspname = 'supply'",
    )
    .await;
    assert!(
        cell(&schema, 0, 0).is_some_and(|d| d.starts_with("Procurement and product catalog")),
        "{schema:?}"
    );
    // analyst cannot read supply.supplier: no oid, so no comment either
    let hidden = text_rows(
        &client,
        "SELECT count(*) FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c \
         ON c.oid = d.objoid WHERE c.relname = 'supplier'",
    )
    .await;
    assert_eq!(cell(&hidden, 0, 0), Some("0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_catalog_queries_plan() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    // psql 15 \d+: ARRAY(subquery over an outer array) and reloptions
    let options = text_rows(
        &client,
        "SELECT c.relkind, pg_catalog.array_to_string(c.reloptions || \
         array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x), ', ') \
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class tc \
         ON (c.reltoastrelid = tc.oid) WHERE c.relname = 'orders'",
    )
    .await;
    assert_eq!(cell(&options, 0, 0), Some("r"));
    // SQLAlchemy: LIKE with another escape character
    let schemas = text_rows(
        &client,
        "SELECT nspname FROM pg_catalog.pg_namespace \
         WHERE nspname NOT LIKE 'pg/_%' ESCAPE '/' ORDER BY nspname",
    )
    .await;
    let schemas: Vec<_> = schemas
        .into_iter()
        .filter_map(|mut r| r.remove(0))
        .collect();
    assert_eq!(schemas, ["customers", "mesh", "public", "sales", "supply"]);
    // psycopg: type lookup inside a savepoint
    client.batch_execute("BEGIN; SAVEPOINT a").await.unwrap();
    let oid = text_rows(
        &client,
        "SELECT to_regtype('int8'), to_regtype('hstore'), pg_size_pretty(123456789)",
    )
    .await;
    assert_eq!(oid[0], [Some("20".into()), None, Some("118 MB".into())]);
    let error = client.simple_query("SELECT nope").await.unwrap_err();
    assert_eq!(code(&error), SqlState::UNDEFINED_COLUMN);
    client
        .batch_execute("ROLLBACK TO SAVEPOINT a; RELEASE a")
        .await
        .unwrap();
    assert_eq!(cell(&text_rows(&client, "SELECT 1").await, 0, 0), Some("1"));
    client.batch_execute("COMMIT").await.unwrap();
    let error = client.simple_query("SAVEPOINT b").await.unwrap_err();
    assert_eq!(code(&error), SqlState::NO_ACTIVE_SQL_TRANSACTION);
}
