//! The roles a session can see: `meshgate` (oid 10, the owner of every catalog object), the
//! session user and the roles it holds. They back `pg_roles`, `pg_user` and
//! `pg_get_userbyid`.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Int32Array, RecordBatch, StringArray, new_null_array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::catalog::{MemTable, TableProvider};
use datafusion::common::cast::{as_int32_array, as_int64_array, as_uint32_array};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use crate::policy::Principal;

/// The oid of the role that owns every catalog object (PostgreSQL's bootstrap superuser).
pub const OWNER_OID: i32 = 10;
/// The name of that role.
pub const OWNER_NAME: &str = "meshgate";
/// The session user's oid; the roles it holds follow. Below the first oid the catalog hands
/// out to tables and schemas (16384).
const SESSION_USER_OID: i32 = 16000;

/// One role.
#[derive(Debug, Clone)]
struct Role {
    oid: i32,
    name: String,
    superuser: bool,
    login: bool,
}

/// The roles of one session.
#[derive(Debug)]
pub struct SessionRoles {
    roles: Vec<Role>,
}

impl SessionRoles {
    /// The roles `principal` sees: the owner, itself, and its roles.
    pub fn new(principal: &Principal) -> Self {
        let mut roles = vec![
            Role {
                oid: OWNER_OID,
                name: OWNER_NAME.into(),
                superuser: true,
                login: false,
            },
            Role {
                oid: SESSION_USER_OID,
                name: principal.name.clone(),
                superuser: principal.is_admin(),
                login: true,
            },
        ];
        for (oid, role) in (SESSION_USER_OID + 1..).zip(&principal.roles) {
            roles.push(Role {
                oid,
                name: role.clone(),
                superuser: false,
                login: false,
            });
        }
        SessionRoles { roles }
    }

    /// The session user's name.
    pub fn user_name(&self) -> String {
        self.roles
            .iter()
            .find(|r| r.oid == SESSION_USER_OID)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    /// The name of the role with `oid`, or PostgreSQL's `unknown (OID=n)`; the crate's
    /// `pg_class` reports owner 0 for every relation, which is read as the owner.
    fn name_of(&self, oid: i64) -> String {
        let oid = if oid == 0 { i64::from(OWNER_OID) } else { oid };
        self.roles
            .iter()
            .find(|r| i64::from(r.oid) == oid)
            .map_or_else(|| format!("unknown (OID={oid})"), |r| r.name.clone())
    }

    /// `pg_roles`: every role.
    pub fn pg_roles(&self) -> DfResult<Arc<dyn TableProvider>> {
        let roles: Vec<&Role> = self.roles.iter().collect();
        let n = roles.len();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("rolname", names(&roles)),
            ("rolsuper", flags(roles.iter().map(|r| r.superuser))),
            ("rolinherit", flags(roles.iter().map(|_| true))),
            ("rolcreaterole", flags(roles.iter().map(|_| false))),
            ("rolcreatedb", flags(roles.iter().map(|_| false))),
            ("rolcanlogin", flags(roles.iter().map(|r| r.login))),
            ("rolreplication", flags(roles.iter().map(|_| false))),
            ("rolconnlimit", Arc::new(Int32Array::from(vec![-1; n]))),
            (
                "rolpassword",
                Arc::new(StringArray::from(vec!["********"; n])),
            ),
            ("rolvaliduntil", new_null_array(&timestamp(), n)),
            ("rolbypassrls", flags(roles.iter().map(|r| r.superuser))),
            ("rolconfig", new_null_array(&text_array(), n)),
            ("oid", oids(&roles)),
        ];
        mem_table(columns)
    }

    /// `pg_user`: the roles that can log in.
    pub fn pg_user(&self) -> DfResult<Arc<dyn TableProvider>> {
        let users: Vec<&Role> = self.roles.iter().filter(|r| r.login).collect();
        let n = users.len();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("usename", names(&users)),
            ("usesysid", oids(&users)),
            ("usecreatedb", flags(users.iter().map(|_| false))),
            ("usesuper", flags(users.iter().map(|r| r.superuser))),
            ("userepl", flags(users.iter().map(|_| false))),
            ("usebypassrls", flags(users.iter().map(|r| r.superuser))),
            ("passwd", Arc::new(StringArray::from(vec!["********"; n]))),
            ("valuntil", new_null_array(&timestamp(), n)),
            ("useconfig", new_null_array(&text_array(), n)),
        ];
        mem_table(columns)
    }
}

fn names(roles: &[&Role]) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        roles.iter().map(|r| r.name.as_str()),
    ))
}

fn oids(roles: &[&Role]) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(roles.iter().map(|r| r.oid)))
}

fn flags(values: impl Iterator<Item = bool>) -> ArrayRef {
    Arc::new(values.map(Some).collect::<BooleanArray>())
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

fn text_array() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

pub(super) fn mem_table(columns: Vec<(&str, ArrayRef)>) -> DfResult<Arc<dyn TableProvider>> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )?;
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
}

/// `pg_get_userbyid(oid)`: the name of a role of the session.
#[derive(Debug)]
pub struct GetUserById {
    roles: Arc<SessionRoles>,
    signature: Signature,
}

impl PartialEq for GetUserById {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.roles, &other.roles)
    }
}

impl Eq for GetUserById {}

impl std::hash::Hash for GetUserById {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.roles).hash(state);
    }
}

impl GetUserById {
    /// The function over `roles`.
    pub fn udf(roles: Arc<SessionRoles>) -> ScalarUDF {
        let signature = Signature::one_of(
            [DataType::Int32, DataType::Int64, DataType::UInt32]
                .into_iter()
                .map(|t| TypeSignature::Exact(vec![t]))
                .collect(),
            Volatility::Stable,
        );
        ScalarUDF::new_from_impl(GetUserById { roles, signature })
    }
}

impl ScalarUDFImpl for GetUserById {
    fn name(&self) -> &str {
        "pg_get_userbyid"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let array = arrays
            .first()
            .ok_or_else(|| DataFusionError::Plan("pg_get_userbyid takes one oid".into()))?;
        let oids: Vec<Option<i64>> = match array.data_type() {
            DataType::Int32 => as_int32_array(array)?
                .iter()
                .map(|v| v.map(i64::from))
                .collect(),
            DataType::UInt32 => as_uint32_array(array)?
                .iter()
                .map(|v| v.map(i64::from))
                .collect(),
            _ => as_int64_array(array)?.iter().collect(),
        };
        let names: StringArray = oids
            .into_iter()
            .map(|oid| oid.map(|oid| self.roles.name_of(oid)))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(names)))
    }
}
