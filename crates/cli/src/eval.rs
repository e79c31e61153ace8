//! `duanka eval`: scores a scan folder against a simulated world's truth and prints the
//! report as a table or JSON. The scoring itself is `duanka-eval`.

use std::path::Path;

use duanka_eval::EvalError;

use crate::Failure;
use crate::args::{ReportFormat, Severity};

pub fn run(
    outdir: &Path,
    truth: &Path,
    negatives: Option<&Path>,
    min_severity: Severity,
    format: ReportFormat,
) -> Result<(), Failure> {
    let min_severity = match min_severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    };
    let beside = truth.with_file_name("hard_negatives.csv");
    let negatives = negatives.or_else(|| beside.exists().then_some(beside.as_path()));
    let report =
        duanka_eval::evaluate(truth, negatives, outdir, min_severity).map_err(|e| match e {
            EvalError::Io { .. } | EvalError::Bad { .. } | EvalError::Folder(_) => {
                Failure::input(e)
            }
        })?;
    match format {
        ReportFormat::Table => print!("{}", duanka_eval::render_table(&report)),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(Failure::internal)?
        ),
    }
    Ok(())
}
