//! Aggregates under PostgreSQL's names: `every` (`bool_and`), `variance` (`var_samp`), and
//! `percentile_disc(f) WITHIN GROUP (ORDER BY x)`, the first value whose position in the
//! ordering reaches the fraction f.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, ListArray, RecordBatch};
use datafusion::arrow::compute::{SortOptions, concat, filter, is_not_null, sort_to_indices};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::common::{Result as DfResult, ScalarValue, exec_err, plan_err};
use datafusion::functions_aggregate::bool_and_or::bool_and_udaf;
use datafusion::functions_aggregate::variance::var_samp_udaf;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Signature, Volatility,
};

use crate::error::Error;

/// The aggregates of this file.
pub fn aggregates() -> Vec<AggregateUDF> {
    vec![
        bool_and_udaf().as_ref().clone().with_aliases(["every"]),
        var_samp_udaf().as_ref().clone().with_aliases(["variance"]),
        AggregateUDF::new_from_impl(PercentileDisc::new()),
    ]
}

/// `percentile_disc(fraction) WITHIN GROUP (ORDER BY value)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct PercentileDisc {
    signature: Signature,
}

impl PercentileDisc {
    fn new() -> Self {
        PercentileDisc {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for PercentileDisc {
    fn name(&self) -> &str {
        "percentile_disc"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [value, fraction] if fraction.is_numeric() || fraction.is_null() => {
                Ok(vec![value.clone(), DataType::Float64])
            }
            _ => plan_err!(
                "percentile_disc takes a fraction: percentile_disc(0.5) WITHIN GROUP (ORDER BY x)"
            ),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(arg_types.first().cloned().unwrap_or(DataType::Null))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let value = args.input_fields[0].data_type().clone();
        let item = Field::new_list_field(value, true);
        Ok(vec![Arc::new(Field::new(
            format!("{}[values]", args.name),
            DataType::List(Arc::new(item)),
            true,
        ))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let constant = args.exprs.get(1).map(|expr| {
            let batch = RecordBatch::new_empty(Arc::new(Schema::empty()));
            expr.evaluate(&batch)
        });
        let fraction = match constant {
            Some(Ok(ColumnarValue::Scalar(ScalarValue::Float64(fraction)))) => fraction,
            Some(Ok(ColumnarValue::Scalar(ScalarValue::Null))) => None,
            None => return plan_err!("percentile_disc needs WITHIN GROUP (ORDER BY ...)"),
            _ => return plan_err!("percentile_disc's fraction must be a constant number"),
        };
        let descending = args
            .order_bys
            .first()
            .is_some_and(|sort| sort.options.descending);
        Ok(Box::new(PercentileDiscAccumulator {
            fraction,
            descending,
            data_type: args.expr_fields[0].data_type().clone(),
            values: vec![],
        }))
    }

    fn supports_within_group_clause(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct PercentileDiscAccumulator {
    fraction: Option<f64>,
    descending: bool,
    data_type: DataType,
    values: Vec<ArrayRef>,
}

impl PercentileDiscAccumulator {
    /// The values seen so far, without NULLs.
    fn all_values(&self) -> DfResult<ArrayRef> {
        if self.values.is_empty() {
            return Ok(datafusion::arrow::array::new_empty_array(&self.data_type));
        }
        let parts: Vec<&dyn Array> = self.values.iter().map(|a| a.as_ref()).collect();
        let all = concat(&parts)?;
        Ok(filter(&all, &is_not_null(&all)?)?)
    }
}

impl Accumulator for PercentileDiscAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        if let Some(values) = values.first() {
            self.values.push(Arc::clone(values));
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let Some(lists) = states
            .first()
            .and_then(|s| s.as_any().downcast_ref::<ListArray>())
        else {
            return exec_err!("percentile_disc: unexpected state");
        };
        for list in lists.iter().flatten() {
            self.values.push(list);
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let all = self.all_values()?;
        Ok(vec![ScalarValue::List(Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(self.data_type.clone(), true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([all.len()]),
            all,
            None,
        )))])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let Some(fraction) = self.fraction else {
            return ScalarValue::try_from(&self.data_type);
        };
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::OutOfRange(format!(
                "percentile value {fraction} is not between 0 and 1"
            ))
            .into());
        }
        let all = self.all_values()?;
        if all.is_empty() {
            return ScalarValue::try_from(&self.data_type);
        }
        let options = SortOptions {
            descending: self.descending,
            nulls_first: false,
        };
        let order = sort_to_indices(&all, Some(options), None)?;
        // PostgreSQL: the row numbered ceil(fraction * count), counting from 1
        let row = ((fraction * all.len() as f64).ceil() as usize).clamp(1, all.len());
        ScalarValue::try_from_array(&all, order.value(row - 1) as usize)
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + self
                .values
                .iter()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}
