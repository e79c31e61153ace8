//! One module per detector. A new detector adds its module here and its entry in
//! [`crate::registry`]; the compliance test then covers it.

pub mod bulk_account;
pub mod case_reported;
pub mod core_interception;
pub mod insider;
pub mod jump_host;
pub mod leaked_block;
pub mod mule;
pub mod otp_sink;
pub mod rogue_host;
pub mod sim_farm;
pub mod tampered_imei;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::DataFusionError;

/// Whether the dataset holds table `t`.
pub(crate) fn has(present: &[String], t: &str) -> bool {
    present.iter().any(|p| p == t)
}

/// Typed access to a result column by name, so that detectors read figures without
/// positional guesses. Integers come back as i64, anything else as text.
pub struct Columns<'a> {
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Self {
        Columns { batch }
    }

    fn col(&self, name: &str) -> Result<&'a dyn Array, DataFusionError> {
        self.batch
            .column_by_name(name)
            .map(|a| a.as_ref())
            .ok_or_else(|| DataFusionError::Internal(format!("detector plan has no column {name}")))
    }

    pub fn int(&self, name: &str, row: usize) -> Result<Option<i64>, DataFusionError> {
        let a = self.col(name)?;
        if a.is_null(row) {
            return Ok(None);
        }
        Ok(Some(match a.data_type() {
            DataType::Int64 => a.as_primitive::<Int64Type>().value(row),
            _ => {
                let c = arrow::compute::cast(&a.slice(row, 1), &DataType::Int64)?;
                c.as_primitive::<Int64Type>().value(0)
            }
        }))
    }

    pub fn float(&self, name: &str, row: usize) -> Result<Option<f64>, DataFusionError> {
        let a = self.col(name)?;
        if a.is_null(row) {
            return Ok(None);
        }
        let c = arrow::compute::cast(&a.slice(row, 1), &DataType::Float64)?;
        Ok(Some(c.as_primitive::<Float64Type>().value(0)))
    }

    pub fn text(&self, name: &str, row: usize) -> Result<Option<String>, DataFusionError> {
        let a = self.col(name)?;
        if a.is_null(row) {
            return Ok(None);
        }
        let c = arrow::compute::cast(&a.slice(row, 1), &DataType::Utf8)?;
        Ok(Some(c.as_string::<i32>().value(0).to_string()))
    }
}
