//! `current_setting(name [, missing_ok])`: a session setting's value in SQL, as PostgreSQL
//! has it (pgjdbc, DBeaver and ORMs ask for `TimeZone`, `server_version_num`, ...). It reads
//! the connection's own settings, so it answers what `SHOW` answers.

use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;

use crate::server::settings::Settings;

/// Registers `current_setting` in `ctx`, reading `settings`.
pub fn register(ctx: &SessionContext, settings: Arc<Mutex<Settings>>) {
    ctx.register_udf(ScalarUDF::new_from_impl(CurrentSetting {
        settings,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
            ],
            Volatility::Stable,
        ),
    }));
}

#[derive(Debug)]
struct CurrentSetting {
    settings: Arc<Mutex<Settings>>,
    signature: Signature,
}

impl PartialEq for CurrentSetting {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.settings, &other.settings)
    }
}

impl Eq for CurrentSetting {}

impl std::hash::Hash for CurrentSetting {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.settings).hash(state);
    }
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        "current_setting"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let names = cast(&arrays[0], &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let missing_ok = arrays.get(1).map(|a| a.as_boolean().clone());
        let settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut values = Vec::with_capacity(names.len());
        for row in 0..names.len() {
            if names.is_null(row) {
                values.push(None);
                continue;
            }
            match settings.get(names.value(row)) {
                Ok((_, value)) => values.push(Some(value)),
                Err(_) if missing_ok.as_ref().is_some_and(|m| m.value(row)) => values.push(None),
                Err(error) => return Err(error.into()),
            }
        }
        let result = StringArray::from(values);
        let scalar_args = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        Ok(if scalar_args {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
        } else {
            ColumnarValue::Array(Arc::new(result))
        })
    }
}
