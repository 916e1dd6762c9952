//! `json_build_object(key, value, ...)`, which SQLAlchemy's column reflection calls (for
//! identity columns and collations), returning the object as JSON text.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::{Map, Number, Value};

/// The `json_build_object` function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JsonBuildObject {
    signature: Signature,
}

impl JsonBuildObject {
    /// The function as a UDF.
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(JsonBuildObject {
            signature: Signature::variadic_any(Volatility::Immutable),
        })
    }
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return Err(DataFusionError::Plan(
                "json_build_object takes an even number of arguments: key, value, ...".into(),
            ));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts = arrays
            .iter()
            .map(|a| cast(a, &DataType::Utf8))
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        let texts: Vec<&StringArray> = texts
            .iter()
            .filter_map(|a| a.as_any().downcast_ref::<StringArray>())
            .collect();
        let objects: StringArray = (0..args.number_rows)
            .map(|row| {
                let mut object = Map::new();
                for (pair, kinds) in texts.chunks(2).zip(arrays.chunks(2)) {
                    if let ([key, value], [_, kind]) = (pair, kinds) {
                        let key = if key.is_valid(row) {
                            key.value(row)
                        } else {
                            ""
                        };
                        let value = json_value(value, row, kind.data_type());
                        object.insert(key.to_string(), value);
                    }
                }
                Some(Value::Object(object).to_string())
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(objects)))
    }
}

/// A value as JSON: numbers and booleans as such, everything else as a string.
fn json_value(text: &StringArray, row: usize, data_type: &DataType) -> Value {
    if text.is_null(row) {
        return Value::Null;
    }
    let text = text.value(row);
    match data_type {
        DataType::Boolean => Value::Bool(text == "true"),
        t if t.is_numeric() => text
            .parse::<Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}
