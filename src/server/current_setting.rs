//! `current_setting(name [, missing_ok])` and `set_config(name, value, is_local)`: a session
//! setting's value in SQL, as PostgreSQL has them (pgjdbc, DBeaver and ORMs ask for
//! `TimeZone`, `server_version_num`, ...; asyncpg calls `set_config('jit', ...)` before it
//! introspects a type). They read and change the connection's own settings, so they answer
//! what `SHOW` answers and `set_config` checks a value as `SET` does. `is_local = true`
//! (`SET LOCAL`, undone at the end of the transaction) is refused with 0A000.

use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;

use crate::error::Error;
use crate::server::settings::Settings;

/// Registers `current_setting` and `set_config` in `ctx`, over `settings`.
pub fn register(ctx: &SessionContext, settings: Arc<Mutex<Settings>>) {
    ctx.register_udf(ScalarUDF::new_from_impl(CurrentSetting {
        settings: Arc::clone(&settings),
        function: Function::Current,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
            ],
            Volatility::Stable,
        ),
    }));
    ctx.register_udf(ScalarUDF::new_from_impl(CurrentSetting {
        settings,
        function: Function::Set,
        signature: Signature::exact(
            vec![DataType::Utf8, DataType::Utf8, DataType::Boolean],
            Volatility::Volatile,
        ),
    }));
}

/// Which of the two functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Function {
    /// `current_setting(name [, missing_ok])`.
    Current,
    /// `set_config(name, value, is_local)`.
    Set,
}

#[derive(Debug)]
struct CurrentSetting {
    settings: Arc<Mutex<Settings>>,
    function: Function,
    signature: Signature,
}

impl PartialEq for CurrentSetting {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.settings, &other.settings) && self.function == other.function
    }
}

impl Eq for CurrentSetting {}

impl std::hash::Hash for CurrentSetting {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.settings).hash(state);
        self.function.hash(state);
    }
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        match self.function {
            Function::Current => "current_setting",
            Function::Set => "set_config",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let result = match self.function {
            Function::Current => self.current(&arrays)?,
            Function::Set => self.set(&arrays)?,
        };
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

impl CurrentSetting {
    /// `current_setting(name [, missing_ok])` of each row.
    fn current(&self, arrays: &[ArrayRef]) -> DfResult<StringArray> {
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
        Ok(StringArray::from(values))
    }

    /// `set_config(name, value, is_local)` of each row, in order: sets (a NULL value
    /// resets) and returns the new value as `SHOW` shows it.
    fn set(&self, arrays: &[ArrayRef]) -> DfResult<StringArray> {
        let names = cast(&arrays[0], &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let values = cast(&arrays[1], &DataType::Utf8)?;
        let values = values.as_string::<i32>();
        let local = arrays[2].as_boolean();
        let mut settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut shown = Vec::with_capacity(names.len());
        for row in 0..names.len() {
            if names.is_null(row) {
                return Err(Error::InvalidValue(
                    "set_config: the setting name must not be NULL".into(),
                )
                .into());
            }
            if local.is_valid(row) && local.value(row) {
                return Err(Error::Unsupported(
                    "set_config(..., is_local => true) (SET LOCAL) is not supported; \
                     meshgate settings last for the session: pass false"
                        .into(),
                )
                .into());
            }
            let name = names.value(row);
            let display = match values.is_null(row) {
                true => settings.reset(name)?,
                false => settings.set(name, values.value(row))?,
            };
            shown.push(Some(settings.get(display)?.1));
        }
        Ok(StringArray::from(shown))
    }
}
