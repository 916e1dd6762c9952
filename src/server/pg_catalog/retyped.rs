//! Catalog tables of `datafusion-pg-catalog` with their array columns as arrays
//! ([`super::arrays`]) and, in `pg_attribute`, each column's type modifier
//! (`atttypmod`, [`super::format_type::typmod`]) from its table's Arrow type, so
//! `format_type(atttypid, atttypmod)` is `numeric(15,2)` and drivers report precision and
//! scale.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionState;
use datafusion::physical_plan::collect;

use crate::engine::CATALOG_NAME;
use crate::server::pg_catalog::arrays::{Element, array_columns, to_list};
use crate::server::pg_catalog::format_type::typmod;
use crate::server::pg_catalog::schema::Compute;

/// PostgreSQL's oid of `numeric`, the one type whose modifier the Arrow type carries.
const NUMERIC_OID: i32 = 1700;

/// A crate table with its array columns retyped.
#[derive(Debug)]
pub struct Retyped {
    inner: Arc<dyn TableProvider>,
    arrays: &'static [(&'static str, Element)],
    schema: SchemaRef,
    /// The crate's own `pg_catalog`, to name `pg_attribute`'s relations, and the
    /// `attacl` of every column (`None`: not `pg_attribute`).
    relations: Option<(Arc<dyn SchemaProvider>, ScalarValue)>,
}

impl Retyped {
    /// `inner`, the crate's table `name`; `catalog` is the crate's `pg_catalog`, `acl` the
    /// privileges on every relation (`pg_class.relacl`), which columns share.
    pub fn new(
        name: &str,
        inner: Arc<dyn TableProvider>,
        catalog: Arc<dyn SchemaProvider>,
        acl: ScalarValue,
    ) -> DfResult<Retyped> {
        let arrays = array_columns(name);
        let fields: Vec<Field> = inner
            .schema()
            .fields()
            .iter()
            .map(
                |field| match arrays.iter().find(|(column, _)| column == field.name()) {
                    Some((_, element)) => Field::new(field.name(), element.list_type(), true),
                    None => field.as_ref().clone(),
                },
            )
            .collect();
        Ok(Retyped {
            inner,
            arrays,
            schema: Arc::new(Schema::new(fields)),
            relations: (name == "pg_attribute").then_some((catalog, acl)),
        })
    }
}

#[async_trait]
impl Compute for Retyped {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    async fn rows(&self, state: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        let plan = self.inner.scan(state, None, &[], None).await?;
        let mut rows = Vec::new();
        for batch in collect(plan, state.task_ctx()).await? {
            let mut columns = batch.columns().to_vec();
            for (name, element) in self.arrays {
                if let Ok(i) = self.schema.index_of(name) {
                    columns[i] = to_list(&columns[i], *element)?;
                }
            }
            if let Some((catalog, acl)) = &self.relations {
                let typmods = typmods(state, catalog.as_ref(), &self.schema, &columns).await?;
                columns[self.schema.index_of("atttypmod")?] = typmods;
                columns[self.schema.index_of("attacl")?] =
                    acl.to_array_of_size(batch.num_rows())?;
            }
            rows.push(RecordBatch::try_new(Arc::clone(&self.schema), columns)?);
        }
        Ok(rows)
    }
}

/// `atttypmod` of every `pg_attribute` row in `columns`: from the Arrow type of the column
/// for `numeric` columns, -1 for the others.
async fn typmods(
    state: &dyn Session,
    catalog: &dyn SchemaProvider,
    schema: &Schema,
    columns: &[ArrayRef],
) -> DfResult<ArrayRef> {
    let column = |name: &str| -> DfResult<ArrayRef> {
        Ok(cast(&columns[schema.index_of(name)?], &DataType::Int32)?)
    };
    let (relids, typids, attnums) = (column("attrelid")?, column("atttypid")?, column("attnum")?);
    let (relids, typids, attnums) = (
        relids.as_primitive::<Int32Type>(),
        typids.as_primitive::<Int32Type>(),
        attnums.as_primitive::<Int32Type>(),
    );
    let numeric = (0..relids.len()).any(|i| typids.is_valid(i) && typids.value(i) == NUMERIC_OID);
    let names = match numeric {
        true => relation_names(state, catalog).await?,
        false => HashMap::new(),
    };
    let mut schemas: HashMap<i32, Option<SchemaRef>> = HashMap::new();
    let mut typmods = Vec::with_capacity(relids.len());
    for i in 0..relids.len() {
        let mut value = -1;
        if typids.is_valid(i) && typids.value(i) == NUMERIC_OID && relids.is_valid(i) {
            let relid = relids.value(i);
            if let std::collections::hash_map::Entry::Vacant(entry) = schemas.entry(relid) {
                let table = match names.get(&relid) {
                    Some((schema, table)) => table_schema(state, schema, table).await?,
                    None => None,
                };
                entry.insert(table);
            }
            let field = schemas.get(&relid).and_then(|s| s.as_ref()).and_then(|s| {
                let attnum = usize::try_from(attnums.value(i)).ok()?;
                s.fields().get(attnum.checked_sub(1)?).cloned()
            });
            if let Some(field) = field {
                value = typmod(field.data_type());
            }
        }
        typmods.push(Some(value));
    }
    Ok(Arc::new(Int32Array::from(typmods)))
}

/// The crate's relations by oid: (schema, table).
async fn relation_names(
    state: &dyn Session,
    catalog: &dyn SchemaProvider,
) -> DfResult<HashMap<i32, (String, String)>> {
    let namespaces: HashMap<i32, String> = scan_pairs(state, catalog, "pg_namespace", "nspname")
        .await?
        .into_iter()
        .map(|(oid, name, _)| (oid, name))
        .collect();
    Ok(scan_pairs(state, catalog, "pg_class", "relname")
        .await?
        .into_iter()
        .filter_map(|(oid, name, namespace)| {
            Some((oid, (namespaces.get(&namespace?)?.clone(), name)))
        })
        .collect())
}

/// (oid, `name` column, `relnamespace` if any) of every row of the crate's `table`.
async fn scan_pairs(
    state: &dyn Session,
    catalog: &dyn SchemaProvider,
    table: &str,
    name: &str,
) -> DfResult<Vec<(i32, String, Option<i32>)>> {
    let Some(provider) = catalog.table(table).await? else {
        return Ok(Vec::new());
    };
    let plan = provider.scan(state, None, &[], None).await?;
    let mut pairs = Vec::new();
    for batch in collect(plan, state.task_ctx()).await? {
        let int = |column: &str| -> DfResult<Option<ArrayRef>> {
            batch
                .column_by_name(column)
                .map(|c| cast(c, &DataType::Int32).map_err(DataFusionError::from))
                .transpose()
        };
        let (Some(oids), Some(names)) = (int("oid")?, batch.column_by_name(name)) else {
            return Err(DataFusionError::Internal(format!(
                "{table} has no oid/{name}"
            )));
        };
        let names = cast(names, &DataType::Utf8)?;
        let namespaces = int("relnamespace")?;
        let (oids, names) = (oids.as_primitive::<Int32Type>(), names.as_string::<i32>());
        for i in 0..oids.len() {
            if oids.is_valid(i) && names.is_valid(i) {
                let namespace = namespaces
                    .as_ref()
                    .map(|n| n.as_primitive::<Int32Type>())
                    .filter(|n| n.is_valid(i))
                    .map(|n| n.value(i));
                pairs.push((oids.value(i), names.value(i).to_string(), namespace));
            }
        }
    }
    Ok(pairs)
}

/// The Arrow schema of the session's table `schema.table`, if it has one.
async fn table_schema(
    state: &dyn Session,
    schema: &str,
    table: &str,
) -> DfResult<Option<SchemaRef>> {
    let Some(state) = state.as_any().downcast_ref::<SessionState>() else {
        return Ok(None);
    };
    let Some(provider) = state
        .catalog_list()
        .catalog(CATALOG_NAME)
        .and_then(|catalog| catalog.schema(schema))
    else {
        return Ok(None);
    };
    Ok(provider.table(table).await?.map(|t| t.schema()))
}
