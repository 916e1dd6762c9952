//! The session's `pg_catalog` schema: `datafusion-pg-catalog`'s provider with the tables it
//! leaves empty or incomplete replaced: `pg_description` with the contracts' comments,
//! `pg_class` and `pg_namespace` with the columns psql reads, `pg_roles` and `pg_user` with the session's
//! roles, `pg_database` with the one database meshgate serves.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int32Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{MemTable, SchemaProvider, Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionState;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion_pg_catalog::pg_catalog::PgCatalogStaticTables;

use crate::engine::CATALOG_NAME;
use crate::server::pg_catalog::pg_settings::pg_settings;
use crate::server::pg_catalog::retyped::Retyped;
use crate::server::pg_catalog::roles::{OWNER_NAME, OWNER_OID, SessionRoles};

/// Comments of domains (schemas), product tables and their columns, from the contracts as
/// the `mesh` system views show them, keyed by the oids the session's catalog assigns.
const DESCRIPTIONS_SQL: &str = "\
SELECT n.oid AS objoid, 2615 AS classoid, 0 AS objsubid, d.description
  FROM pg_catalog.pg_namespace n JOIN mesh.domains d ON d.domain = n.nspname
 WHERE d.description IS NOT NULL
UNION ALL
SELECT c.oid, 1259, 0, p.description
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN mesh.products p ON p.domain = n.nspname AND p.table_name = c.relname
 WHERE p.description IS NOT NULL
UNION ALL
SELECT a.attrelid, 1259, a.attnum, col.description
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN mesh.columns col
    ON col.domain = n.nspname AND col.table_name = c.relname AND col.column_name = a.attname
 WHERE col.description IS NOT NULL";

/// `pg_catalog` for one session.
#[derive(Debug)]
pub struct PgCatalog {
    inner: Arc<dyn SchemaProvider>,
    static_tables: Arc<PgCatalogStaticTables>,
    roles: Arc<SessionRoles>,
}

impl PgCatalog {
    /// Wraps the crate's provider `inner`.
    pub fn new(
        inner: Arc<dyn SchemaProvider>,
        static_tables: Arc<PgCatalogStaticTables>,
        roles: Arc<SessionRoles>,
    ) -> Self {
        PgCatalog {
            inner,
            static_tables,
            roles,
        }
    }
}

#[async_trait]
impl SchemaProvider for PgCatalog {
    fn table_names(&self) -> Vec<String> {
        let mut names = self.inner.table_names();
        names.push("pg_user".into());
        names
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        match name.to_ascii_lowercase().as_str() {
            "pg_roles" => self.roles.pg_roles().map(Some),
            "pg_user" => self.roles.pg_user().map(Some),
            "pg_description" => Ok(Some(Arc::new(Computed(Descriptions {
                static_rows: self.static_tables.pg_description.data().to_vec(),
                schema: self.static_tables.pg_description.schema(),
            })))),
            "pg_class" => Ok(self.inner.table(name).await?.map(|inner| {
                Arc::new(Computed(Patched::pg_class(inner, &self.roles.user_name()))) as _
            })),
            "pg_settings" => pg_settings().map(Some),
            "pg_proc" | "pg_index" | "pg_constraint" | "pg_attribute" => {
                let table = name.to_ascii_lowercase();
                match self.inner.table(&table).await? {
                    Some(inner) => Ok(Some(Arc::new(Computed(Retyped::new(
                        &table,
                        inner,
                        Arc::clone(&self.inner),
                        acl(&self.roles.user_name()),
                    )?)))),
                    None => Ok(None),
                }
            }
            "pg_namespace" => Ok(self
                .inner
                .table(name)
                .await?
                .map(|inner| Arc::new(Computed(Patched::pg_namespace(inner))) as _)),
            "pg_database" => Ok(self
                .inner
                .table(name)
                .await?
                .map(|inner| Arc::new(Computed(OneDatabase(inner))) as _)),
            _ => self.inner.table(name).await,
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case("pg_user") || self.inner.table_exist(name)
    }
}

/// A catalog table whose rows are computed when it is scanned.
#[async_trait]
pub(super) trait Compute: std::fmt::Debug + Send + Sync {
    /// The table's columns.
    fn schema(&self) -> SchemaRef;
    /// The table's rows for the session `state`.
    async fn rows(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>>;
}

/// A [`Compute`] as a table.
#[derive(Debug)]
pub(super) struct Computed<T>(pub(super) T);

#[async_trait]
impl<T: Compute + 'static> TableProvider for Computed<T> {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let rows = self.0.rows(state).await?;
        let table = MemTable::try_new(self.0.schema(), vec![rows])?;
        table.scan(state, projection, filters, limit).await
    }
}

/// `pg_description`: PostgreSQL's own comments (from the crate) and the contracts'.
#[derive(Debug)]
struct Descriptions {
    static_rows: Vec<RecordBatch>,
    schema: SchemaRef,
}

#[async_trait]
impl Compute for Descriptions {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    async fn rows(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        let state = state
            .as_any()
            .downcast_ref::<SessionState>()
            .ok_or_else(|| DataFusionError::Internal("pg_description needs a session".into()))?;
        let plan = state.create_logical_plan(DESCRIPTIONS_SQL).await?;
        let plan = state.create_physical_plan(&plan).await?;
        let mut rows = self.static_rows.clone();
        for batch in collect(plan, state.task_ctx()).await? {
            let columns = batch
                .columns()
                .iter()
                .zip(self.schema.fields())
                .map(|(column, field)| cast(column, field.data_type()))
                .collect::<Result<Vec<ArrayRef>, _>>()?;
            rows.push(RecordBatch::try_new(Arc::clone(&self.schema), columns)?);
        }
        Ok(rows)
    }
}

/// `pg_database` with only `mesh`: the crate adds a `postgres` row for tools that expect one,
/// but meshgate serves one database and connecting to any other is 3D000, so `\l` and
/// database pickers must not offer it.
#[derive(Debug)]
struct OneDatabase(Arc<dyn TableProvider>);

#[async_trait]
impl Compute for OneDatabase {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    async fn rows(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        let plan = self.0.scan(state, None, &[], None).await?;
        let datname = self.0.schema().index_of("datname")?;
        let mut rows = Vec::new();
        for batch in collect(plan, state.task_ctx()).await? {
            let names = cast(batch.column(datname), &DataType::Utf8)?;
            let served: BooleanArray = names
                .as_string::<i32>()
                .iter()
                .map(|name| Some(name == Some(CATALOG_NAME)))
                .collect();
            rows.push(filter_record_batch(&batch, &served)?);
        }
        Ok(rows)
    }
}

/// A crate table with columns replaced or added, each with one value on every row.
#[derive(Debug)]
struct Patched {
    inner: Arc<dyn TableProvider>,
    patches: Vec<(&'static str, ScalarValue)>,
    schema: SchemaRef,
    /// Give the system catalogs their PostgreSQL oids (`pg_class` only).
    system_oids: bool,
}

impl Patched {
    fn new(inner: Arc<dyn TableProvider>, patches: Vec<(&'static str, ScalarValue)>) -> Self {
        let mut fields: Vec<Field> = inner
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        for (name, value) in &patches {
            let field = Field::new(*name, value.data_type(), true);
            match fields.iter().position(|f| f.name() == name) {
                Some(i) => fields[i] = field,
                None => fields.push(field),
            }
        }
        Patched {
            inner,
            patches,
            schema: Arc::new(Schema::new(fields)),
            system_oids: false,
        }
    }

    /// `pg_class` with `reloptions` (psql's `\d+` reads it), every relation owned by the
    /// `meshgate` role instead of the crate's oid 0, the system catalogs under their
    /// PostgreSQL oids, which the crate's static rows (`pg_description.classoid`) and clients
    /// (`'pg_class'::regclass`, `classoid = 1259`) use, and `relacl` saying what is true of
    /// every relation the session sees: its owner and `user` may read it (`SELECT`, `r`),
    /// nobody may change it.
    fn pg_class(inner: Arc<dyn TableProvider>, user: &str) -> Self {
        let owner = ScalarValue::Int32(Some(OWNER_OID));
        Patched {
            system_oids: true,
            ..Patched::new(
                inner,
                vec![
                    ("relowner", owner),
                    ("reloptions", null_text_array()),
                    ("relacl", acl(user)),
                ],
            )
        }
    }

    /// `pg_namespace` with `nspacl` as the array it is in PostgreSQL.
    fn pg_namespace(inner: Arc<dyn TableProvider>) -> Self {
        Patched::new(inner, vec![("nspacl", null_text_array())])
    }
}

/// The privileges on every relation and column the session sees (`aclitem[]`): its owner
/// and `user` may read it, nobody may change it.
fn acl(user: &str) -> ScalarValue {
    ScalarValue::List(ScalarValue::new_list_nullable(
        &[
            ScalarValue::Utf8(Some(format!("{OWNER_NAME}=r/{OWNER_NAME}"))),
            ScalarValue::Utf8(Some(format!("{}=r/{OWNER_NAME}", acl_name(user)))),
        ],
        &DataType::Utf8,
    ))
}

/// A role name as an `aclitem` writes it: double-quoted unless it is plain.
fn acl_name(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    match plain {
        true => name.to_string(),
        false => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// A NULL `text[]`.
fn null_text_array() -> ScalarValue {
    ScalarValue::new_null_list(DataType::Utf8, true, 1)
}

#[async_trait]
impl Compute for Patched {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    async fn rows(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        let plan = self.inner.scan(state, None, &[], None).await?;
        let mut rows = Vec::new();
        for batch in collect(plan, state.task_ctx()).await? {
            let mut columns = batch.columns().to_vec();
            for (name, value) in &self.patches {
                let array = value.to_array_of_size(batch.num_rows())?;
                match self.inner.schema().index_of(name) {
                    Ok(i) => columns[i] = array,
                    Err(_) => columns.push(array),
                }
            }
            if self.system_oids {
                system_oids(&self.schema, &mut columns)?;
            }
            rows.push(RecordBatch::try_new(Arc::clone(&self.schema), columns)?);
        }
        Ok(rows)
    }
}

/// PostgreSQL's oids of the system catalogs clients refer to by oid.
const SYSTEM_OIDS: &[(&str, i32)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_class", 1259),
    ("pg_authid", 1260),
    ("pg_database", 1262),
    ("pg_tablespace", 1213),
    ("pg_shdescription", 2396),
    ("pg_am", 2601),
    ("pg_attrdef", 2604),
    ("pg_constraint", 2606),
    ("pg_description", 2609),
    ("pg_index", 2610),
    ("pg_inherits", 2611),
    ("pg_namespace", 2615),
    ("pg_rewrite", 2618),
    ("pg_trigger", 2620),
];

/// PostgreSQL's oid of the system catalog `name`, if clients may refer to it by oid.
pub fn system_oid(name: &str) -> Option<i32> {
    SYSTEM_OIDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, oid)| *oid)
}

/// Replaces the `oid` of `pg_catalog`'s catalogs in `pg_class` columns by [`SYSTEM_OIDS`].
fn system_oids(schema: &Schema, columns: &mut [ArrayRef]) -> DfResult<()> {
    let column = |name: &str| -> DfResult<ArrayRef> {
        Ok(cast(&columns[schema.index_of(name)?], &DataType::Utf8)?)
    };
    let (names, namespaces) = (column("relname")?, column("relnamespace")?);
    let oid = schema.index_of("oid")?;
    let (Some(names), Some(namespaces), Some(oids)) = (
        names.as_any().downcast_ref::<StringArray>(),
        namespaces.as_any().downcast_ref::<StringArray>(),
        columns[oid].as_any().downcast_ref::<Int32Array>(),
    ) else {
        return Err(DataFusionError::Internal(
            "pg_class columns have other types".into(),
        ));
    };
    let remapped: Int32Array = (0..oids.len())
        .map(|i| {
            let system = namespaces.value(i) == "11";
            match (system, system_oid(names.value(i))) {
                (true, Some(fixed)) => Some(fixed),
                _ => oids.is_valid(i).then(|| oids.value(i)),
            }
        })
        .collect();
    columns[oid] = Arc::new(remapped);
    Ok(())
}
