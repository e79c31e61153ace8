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
        /// Factor on a linked case's score for a case that shares its fraud account,
        /// fraud number or payee: the same fraudster or the same mule, one hop on.
        shared_factor: f64 = 0.9,
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
                     {CASES}, \
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
                    // A finding at medium or above links its case at medium at least.
                    let score = super::derived_score(best, s.factor);
                    if score < s.report_from {
                        continue;
                    }
                    let via = c.text("via", row)?.unwrap_or_default();
                    let entity = c.text("entity_id", row)?.unwrap_or_default();
                    let detector = c.text("detector", row)?.unwrap_or_default();
                    let t = c.int("t", row)?;
                    let explanation = format!(
                        "case {case_id} is linked to the supply chain: its {via} {entity} was flagged by {detector} ({best:.2})"
                    );
                    alerts.push(case_alert(
                        case_id,
                        score,
                        t,
                        explanation,
                        vec![
                            ("via", Figure::Text(via)),
                            ("entity_id", Figure::Text(entity)),
                            ("detector", Figure::Text(detector)),
                            ("finding_score", Figure::Float(best)),
                            ("findings", Figure::Int(1)),
                        ],
                    ));
                }
            }
            // Only cases linked at medium or above lend their link; a case linked more
            // strongly through another case keeps the stronger link.
            let strong: Vec<Alert> = alerts
                .iter()
                .filter(|a| a.score >= Severity::MEDIUM_FROM)
                .cloned()
                .collect();
            for a in self.shared(ctx, &strong).await? {
                match alerts.iter_mut().find(|d| d.entity_id == a.entity_id) {
                    Some(d) if d.score >= a.score => {}
                    Some(d) => *d = a,
                    None => alerts.push(a),
                }
            }
            alerts.sort_by(|a, b| a.entity_id.cmp(&b.entity_id));
            Ok(alerts)
        })
    }
}

fn case_alert(
    case_id: String,
    score: f64,
    t: Option<i64>,
    explanation: String,
    evidence: Vec<(&'static str, Figure)>,
) -> Alert {
    Alert {
        detector: "linked_case",
        entity_type: "case",
        entity_id: case_id,
        score,
        severity: Severity::from_score(score),
        first_seen: t,
        last_seen: t,
        explanation,
        evidence,
    }
}

/// The cases as `c(case_id, t, account, msisdn, payee)`, all text.
const CASES: &str = "c AS (SELECT CAST(case_id AS VARCHAR) AS case_id, CAST(reported_at AS BIGINT) AS t, \
     CAST(fraud_account AS VARCHAR) AS account, CAST(fraud_msisdn AS VARCHAR) AS msisdn, \
     CAST(payee_account AS VARCHAR) AS payee FROM cases)";

impl LinkedCase {
    /// Cases not linked themselves that name the fraud account, fraud number or payee
    /// of a linked case: a payee-only report whose payee took a linked case's money
    /// belongs to the same chain. One hop only, so two gangs meet only through a shared
    /// identity, never through a chain of them.
    async fn shared(
        &self,
        ctx: &SessionContext,
        linked: &[Alert],
    ) -> Result<Vec<Alert>, DataFusionError> {
        use std::sync::Arc;

        use arrow::array::{Float64Array, StringArray};

        if linked.is_empty() {
            return Ok(Vec::new());
        }
        crate::sql::register_columns(
            ctx,
            "linked_direct",
            vec![
                (
                    "case_id",
                    Arc::new(StringArray::from_iter_values(
                        linked.iter().map(|a| a.entity_id.as_str()),
                    )),
                ),
                (
                    "score",
                    Arc::new(Float64Array::from_iter_values(
                        linked.iter().map(|a| a.score),
                    )),
                ),
            ],
        )?;
        let batches = ctx
            .sql(&format!(
                "WITH {CASES}, \
                 ids AS (SELECT case_id, 'cases.fraud_account' AS via, account AS id FROM c WHERE account IS NOT NULL \
                 UNION ALL SELECT case_id, 'cases.fraud_msisdn', msisdn FROM c WHERE msisdn IS NOT NULL \
                 UNION ALL SELECT case_id, 'cases.payee_account', payee FROM c WHERE payee IS NOT NULL), \
                 l AS (SELECT i.via, i.id, max(d.score) AS score, min(d.case_id) AS through FROM ids i \
                 JOIN linked_direct d ON d.case_id = i.case_id GROUP BY i.via, i.id) \
                 SELECT i.case_id, c.t, i.via, i.id AS entity_id, l.through, l.score FROM ids i \
                 JOIN l ON l.via = i.via AND l.id = i.id JOIN c ON c.case_id = i.case_id \
                 WHERE i.case_id NOT IN (SELECT case_id FROM linked_direct) \
                 ORDER BY i.case_id, l.score DESC, i.via, i.id, l.through"
            ))
            .await?
            .collect()
            .await;
        ctx.deregister_table("linked_direct")?;
        let s = &self.settings;
        let mut out: Vec<Alert> = Vec::new();
        for b in &batches? {
            let c = Columns::new(b);
            for row in 0..b.num_rows() {
                let Some(case_id) = c.text("case_id", row)? else {
                    continue;
                };
                // Best first per case.
                if out.last().is_some_and(|a| a.entity_id == case_id) {
                    continue;
                }
                let best = c.float("score", row)?.unwrap_or(0.0);
                let score = super::derived_score(best, s.shared_factor);
                if score < s.report_from {
                    continue;
                }
                let via = c.text("via", row)?.unwrap_or_default();
                let entity = c.text("entity_id", row)?.unwrap_or_default();
                let through = c.text("through", row)?.unwrap_or_default();
                let t = c.int("t", row)?;
                let explanation =
                    format!("case {case_id} shares its {via} {entity} with linked case {through}");
                out.push(case_alert(
                    case_id,
                    score,
                    t,
                    explanation,
                    vec![
                        ("via", Figure::Text(via)),
                        ("entity_id", Figure::Text(entity)),
                        ("shared_with_case", Figure::Text(through)),
                        ("finding_score", Figure::Float(best)),
                    ],
                ));
            }
        }
        Ok(out)
    }
}
