//! Integer `+`, `-` and `*` that fail on overflow as PostgreSQL's do (`integer out of range`,
//! SQLSTATE 22003). DataFusion evaluates these operators with Arrow's wrapping kernels, so
//! `2147483647 + 1` would silently become a negative number.

use datafusion::arrow::array::{ArrayRef, Datum, Scalar};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::numeric::{add, mul, sub};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::error::Error;

/// An integer operator checked for overflow.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckedInteger {
    op: CheckedOp,
    signature: Signature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CheckedOp {
    Add,
    Sub,
    Mul,
}

impl CheckedInteger {
    /// `left op right` checked for overflow, when `op` is `+`, `-` or `*` and both sides are
    /// integers (`None` otherwise: the operator is kept as it is).
    pub fn call(
        left: Expr,
        op: Operator,
        right: Expr,
        types: (&DataType, &DataType),
    ) -> Option<Expr> {
        let op = match op {
            Operator::Plus => CheckedOp::Add,
            Operator::Minus => CheckedOp::Sub,
            Operator::Multiply => CheckedOp::Mul,
            _ => return None,
        };
        (types.0.is_integer() && types.1.is_integer()).then(|| {
            let udf = ScalarUDF::new_from_impl(CheckedInteger {
                op,
                signature: Signature::user_defined(Volatility::Immutable),
            });
            udf.call(vec![left, right])
        })
    }
}

/// The integer type both operands are widened to (PostgreSQL: int2 < int4 < int8).
fn common_integer(left: &DataType, right: &DataType) -> DataType {
    let rank = |t: &DataType| match t {
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => 0,
        DataType::Int32 | DataType::UInt16 => 1,
        _ => 2,
    };
    match rank(left).max(rank(right)) {
        0 => DataType::Int16,
        1 => DataType::Int32,
        _ => DataType::Int64,
    }
}

/// PostgreSQL's name of an integer type in its overflow message.
fn type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        _ => "bigint",
    }
}

impl ScalarUDFImpl for CheckedInteger {
    fn name(&self) -> &str {
        match self.op {
            CheckedOp::Add => "int_add",
            CheckedOp::Sub => "int_sub",
            CheckedOp::Mul => "int_mul",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [left, right] => {
                let common = common_integer(left, right);
                Ok(vec![common.clone(), common])
            }
            _ => Err(Error::Internal("integer operators take two operands".into()).into()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        match arg_types {
            [left, right] => Ok(common_integer(left, right)),
            _ => Err(Error::Internal("integer operators take two operands".into()).into()),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let target = args.return_type().clone();
        let scalars = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let [left, right] = args.args.as_slice() else {
            return Err(Error::Internal("integer operators take two operands".into()).into());
        };
        let operand = |value: &ColumnarValue| -> DfResult<Box<dyn Datum>> {
            Ok(match value {
                ColumnarValue::Scalar(s) => {
                    Box::new(Scalar::new(cast(&s.to_array()?, &target)?)) as Box<dyn Datum>
                }
                ColumnarValue::Array(a) => Box::new(cast(a, &target)?),
            })
        };
        let (l, r) = (operand(left)?, operand(right)?);
        let kernel = match self.op {
            CheckedOp::Add => add,
            CheckedOp::Sub => sub,
            CheckedOp::Mul => mul,
        };
        let result: ArrayRef = kernel(l.as_ref(), r.as_ref()).map_err(|e| match e {
            ArrowError::ArithmeticOverflow(_) => {
                Error::OutOfRange(format!("{} out of range", type_name(&target))).into()
            }
            other => datafusion::error::DataFusionError::from(other),
        })?;
        Ok(if scalars {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
        } else {
            ColumnarValue::Array(result)
        })
    }
}
