//! `linked_case` (case): case reports whose fraud account, fraud number or payee was
//! flagged by a supply-chain detector — the fraudster used a bulk-registered account, a
//! code-sink number, a leaked block. Such cases belong to the chain's investigation, not
//! to a desk of their own. Findings derived from the cases themselves (`case_reported`,
//! `mule`) do not count, or every case would link itself.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[linked_case]` section of `duanka.toml` is about.
pub const ABOUT: &str = "linked_case (case): cases whose fraud account, number or payee a supply-chain detector flagged";

crate::settings! {
    /// Settings of `linked_case`.
    Settings {
        /// Factor on the best score of the flagged entities of the case.
        factor: f64 = 0.95,
        /// Lowest finding score that links a case.
        min_finding: f64 = 0.5,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct LinkedCase {
    settings: Settings,
}

impl LinkedCase {
    pub fn new(settings: Settings) -> Self {
        LinkedCase { settings }
    }
}

impl Detector for LinkedCase {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "linked_case",
            entity_types: &["case"],
            needs: &["cases"],
            uses: &[FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            if !has(present, FINDINGS) {
                return Ok(Vec::new());
            }
            let s = &self.settings;
            let batches = ctx
                .sql(&format!(
                    "WITH fi AS (SELECT entity_type, entity_id, detector, score FROM findings \
                     WHERE detector NOT IN ('case_reported', 'mule', 'linked_case') AND score >= {min}), \
                     c AS (SELECT CAST(case_id AS VARCHAR) AS case_id, CAST(reported_at AS BIGINT) AS t, \
                     CAST(fraud_account AS VARCHAR) AS account, CAST(fraud_msisdn AS VARCHAR) AS msisdn, \
                     CAST(payee_account AS VARCHAR) AS payee FROM cases), \
                     hits AS (SELECT c.case_id, c.t, 'cases.fraud_account' AS via, fi.entity_id, fi.detector, fi.score \
                     FROM c JOIN fi ON fi.entity_type = 'account' AND fi.entity_id = c.account \
                     UNION ALL SELECT c.case_id, c.t, 'cases.fraud_msisdn', fi.entity_id, fi.detector, fi.score \
                     FROM c JOIN fi ON fi.entity_type = 'msisdn' AND fi.entity_id = c.msisdn \
                     UNION ALL SELECT c.case_id, c.t, 'cases.payee_account', fi.entity_id, fi.detector, fi.score \
                     FROM c JOIN fi ON fi.entity_type = 'account' AND fi.entity_id = c.payee) \
                     SELECT case_id, t, via, entity_id, detector, score FROM hits \
                     ORDER BY case_id, score DESC, via, entity_id, detector",
                    min = s.min_finding
                ))
                .await?
                .collect()
                .await?;
            let mut alerts: Vec<Alert> = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(case_id) = c.text("case_id", row)? else {
                        continue;
                    };
                    // Rows come best first per case: keep the first, count the others.
                    if let Some(last) = alerts.last_mut().filter(|a| a.entity_id == case_id) {
                        if let Some((_, Figure::Int(n))) =
                            last.evidence.iter_mut().find(|(k, _)| *k == "findings")
                        {
                            *n += 1;
                        }
                        continue;
                    }
                    let best = c.float("score", row)?.unwrap_or(0.0);
                    let score = (best * s.factor).clamp(0.0, 1.0);
                    if score < s.report_from {
                        continue;
                    }
                    let via = c.text("via", row)?.unwrap_or_default();
                    let entity = c.text("entity_id", row)?.unwrap_or_default();
                    let detector = c.text("detector", row)?.unwrap_or_default();
                    let t = c.int("t", row)?;
                    alerts.push(Alert {
                        detector: "linked_case",
                        entity_type: "case",
                        explanation: format!(
                            "case {case_id} is linked to the supply chain: its {via} {entity} was flagged by {detector} ({best:.2})"
                        ),
                        entity_id: case_id,
                        score,
                        severity: Severity::from_score(score),
                        first_seen: t,
                        last_seen: t,
                        evidence: vec![
                            ("via", Figure::Text(via)),
                            ("entity_id", Figure::Text(entity)),
                            ("detector", Figure::Text(detector)),
                            ("finding_score", Figure::Float(best)),
                            ("findings", Figure::Int(1)),
                        ],
                    });
                }
            }
            Ok(alerts)
        })
    }
}
