//! Detectors: each one module under `detectors/` holding its settings, its DataFusion
//! plan (SQL over the contract tables and duanka's registered functions only, so that the
//! same plan runs embedded or on a cluster), its scoring and its evidence. All are listed
//! in one registry ([`registry`]); [`scan`] runs those whose tables are present and says
//! why the others were skipped.
//!
//! Must not: print, write files, read the truth, or depend on the simulator or on eval.

pub mod detectors;
pub mod sql;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::Alert;

/// A boxed future, so that detectors can be held as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a detector is and what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectorInfo {
    pub name: &'static str,
    /// The truth table's entity types of its alerts (a node that is not an address is
    /// `node`).
    pub entity_types: &'static [&'static str],
    /// Tables it cannot run without.
    pub needs: &'static [&'static str],
    /// Tables it uses when present (their absence weakens, not stops, it).
    pub uses: &'static [&'static str],
}

/// One detector.
pub trait Detector: Send + Sync {
    fn info(&self) -> DetectorInfo;

    /// Runs the detector's plan over `ctx`, where every table of `needs` is registered,
    /// and those of `uses` that the dataset holds (`present` lists them all).
    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>>;
}

/// Settings of every detector; each detector's section documents its own fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub otp_sink: detectors::otp_sink::Settings,
    pub core_interception: detectors::core_interception::Settings,
}

/// Every detector, in report order.
pub fn registry(config: &Config) -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(detectors::otp_sink::OtpSink::new(config.otp_sink.clone())),
        Box::new(detectors::core_interception::CoreInterception::new(
            config.core_interception.clone(),
        )),
    ]
}

/// What happened to one detector in a scan.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ran { alerts: usize, millis: u128 },
    Skipped { reason: String },
}

/// A scan's findings (sorted: detector, score descending, entity id) and what each
/// detector did.
#[derive(Debug, Clone, Default)]
pub struct ScanOutput {
    pub alerts: Vec<Alert>,
    pub outcomes: Vec<(&'static str, Outcome)>,
}

/// Runs every detector whose tables are in `present`.
pub async fn scan(
    ctx: &SessionContext,
    present: &[String],
    detectors: &[Box<dyn Detector>],
) -> Result<ScanOutput, DataFusionError> {
    let mut out = ScanOutput::default();
    for d in detectors {
        let info = d.info();
        let missing: Vec<&str> = info
            .needs
            .iter()
            .copied()
            .filter(|t| !present.iter().any(|p| p == t))
            .collect();
        if !missing.is_empty() {
            let reason = format!(
                "needs table{} {} (absent)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            );
            out.outcomes.push((info.name, Outcome::Skipped { reason }));
            continue;
        }
        let started = Instant::now();
        let mut alerts = d.run(ctx, present).await?;
        alerts.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        out.outcomes.push((
            info.name,
            Outcome::Ran {
                alerts: alerts.len(),
                millis: started.elapsed().as_millis(),
            },
        ));
        out.alerts.extend(alerts);
    }
    Ok(out)
}
