//! SQL functions that tell the truth about the session's principal: `current_user`,
//! `session_user` and `mesh_user_attr('name')` (for row filters).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

use crate::policy::Principal;

/// Name of the attribute function.
pub const USER_ATTR_FUNCTION: &str = "mesh_user_attr";

/// Registers the principal functions in `ctx`.
pub fn register_principal_functions(ctx: &SessionContext, principal: &Arc<Principal>) {
    for name in ["current_user", "session_user"] {
        ctx.register_udf(ScalarUDF::new_from_impl(UserName {
            name,
            principal: Arc::clone(principal),
            signature: Signature::nullary(Volatility::Stable),
        }));
    }
    ctx.register_udf(ScalarUDF::new_from_impl(UserAttribute {
        principal: Arc::clone(principal),
        signature: Signature::exact(vec![DataType::Utf8], Volatility::Stable),
    }));
}

/// `current_user` / `session_user`: the principal's name.
#[derive(Debug, PartialEq, Eq, Hash)]
struct UserName {
    name: &'static str,
    principal: Arc<Principal>,
    signature: Signature,
}

impl ScalarUDFImpl for UserName {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
            self.principal.name.clone(),
        ))))
    }
}

/// `mesh_user_attr('name')`: the principal's attribute, or NULL.
#[derive(Debug, PartialEq, Eq, Hash)]
struct UserAttribute {
    principal: Arc<Principal>,
    signature: Signature,
}

impl ScalarUDFImpl for UserAttribute {
    fn name(&self) -> &str {
        USER_ATTR_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let lookup = |name: Option<&str>| {
            name.and_then(|n| self.principal.attributes.get(n))
                .map(String::as_str)
        };
        match &args.args[..] {
            [ColumnarValue::Scalar(ScalarValue::Utf8(name))] => Ok(ColumnarValue::Scalar(
                ScalarValue::Utf8(lookup(name.as_deref()).map(str::to_string)),
            )),
            [ColumnarValue::Array(names)] => {
                let Some(names) = names.as_any().downcast_ref::<StringArray>() else {
                    return exec_err!("{USER_ATTR_FUNCTION} expects a text attribute name");
                };
                let values: StringArray = names.iter().map(lookup).collect();
                Ok(ColumnarValue::Array(Arc::new(values) as ArrayRef))
            }
            _ => exec_err!("{USER_ATTR_FUNCTION} takes one text argument: the attribute name"),
        }
    }
}
