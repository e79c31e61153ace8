//! One module per detector. A new detector adds its module here and its entry in
//! [`crate::registry`]; the compliance test then covers it.

pub mod bulk_account;
pub mod case_reported;
pub mod core_interception;
pub mod insider;
pub mod jump_host;
pub mod leaked_block;
pub mod linked_case;
pub mod mule;
pub mod otp_sink;
pub mod proxy_ip;
pub mod rogue_host;
pub mod signup_sink;
pub mod sim_farm;
pub mod tampered_imei;

use std::cell::RefCell;
use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::DataFusionError;
use duanka_model::Severity;

/// Signals combined as independent evidence: `1 − Π(1 − wᵢ)` over the signals that
/// hold, each weight clamped to [0, 1]. One weak signal stays weak; several add up.
pub(crate) fn noisy_or(signals: &[(bool, f64)]) -> f64 {
    let keep: f64 = signals
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| 1.0 - w.clamp(0.0, 1.0))
        .product();
    (1.0 - keep).clamp(0.0, 1.0)
}

/// A score derived from another finding's `best` score, `best × factor`, kept at
/// medium when `best` is medium or above: a finding one step removed from a medium one
/// is still worth a look.
pub(crate) fn derived_score(best: f64, factor: f64) -> f64 {
    let score = best * factor.clamp(0.0, 1.0);
    let floor = if best >= Severity::MEDIUM_FROM {
        Severity::MEDIUM_FROM
    } else {
        0.0
    };
    score.max(floor).clamp(0.0, 1.0)
}

/// Whether the dataset holds table `t`.
pub(crate) fn has(present: &[String], t: &str) -> bool {
    present.iter().any(|p| p == t)
}

/// Typed access to a result column by name, so that detectors read figures without
/// positional guesses. Integers come back as i64, anything else as text. A column is
/// cast once, on first use, not per cell.
pub struct Columns<'a> {
    batch: &'a RecordBatch,
    cast: RefCell<HashMap<(String, u8), ArrayRef>>,
}

impl<'a> Columns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Self {
        Columns {
            batch,
            cast: RefCell::new(HashMap::new()),
        }
    }

    /// The column `name` as `to` (0 Int64, 1 Float64, 2 Utf8).
    fn col(&self, name: &str, to: u8) -> Result<ArrayRef, DataFusionError> {
        let key = (name.to_string(), to);
        if let Some(a) = self.cast.borrow().get(&key) {
            return Ok(a.clone());
        }
        let a = self.batch.column_by_name(name).ok_or_else(|| {
            DataFusionError::Internal(format!("detector plan has no column {name}"))
        })?;
        let ty = match to {
            0 => DataType::Int64,
            1 => DataType::Float64,
            _ => DataType::Utf8,
        };
        let c = if a.data_type() == &ty {
            a.clone()
        } else {
            arrow::compute::cast(a, &ty)?
        };
        self.cast.borrow_mut().insert(key, c.clone());
        Ok(c)
    }

    pub fn int(&self, name: &str, row: usize) -> Result<Option<i64>, DataFusionError> {
        let a = self.col(name, 0)?;
        Ok((!a.is_null(row)).then(|| a.as_primitive::<Int64Type>().value(row)))
    }

    pub fn float(&self, name: &str, row: usize) -> Result<Option<f64>, DataFusionError> {
        let a = self.col(name, 1)?;
        Ok((!a.is_null(row)).then(|| a.as_primitive::<Float64Type>().value(row)))
    }

    pub fn text(&self, name: &str, row: usize) -> Result<Option<String>, DataFusionError> {
        let a = self.col(name, 2)?;
        Ok((!a.is_null(row)).then(|| a.as_string::<i32>().value(row).to_string()))
    }
}
