//! `case_reported` (msisdn, account): the numbers and platform accounts fraudsters used,
//! as police case reports name them (`cases.fraud_msisdn`, `cases.fraud_account`). Being
//! named in a report is the strongest evidence there is; the detector turns the reports
//! into findings on the entities, so that operators can cut the numbers (断卡) and link
//! them with everything else. More cases and more loss raise the score.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::Columns;
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[case_reported]` section of `duanka.toml` is about.
pub const ABOUT: &str = "case_reported (msisdn, account): numbers and accounts named as the fraudster's in case reports";

crate::settings! {
    /// Settings of `case_reported`.
    Settings {
        /// Score of an entity named in one case; each further case adds towards 1.
        one_case_score: f64 = 0.85,
        /// Cases at which the score reaches 1.
        full_cases: i64 = 5,
    }
}

pub struct CaseReported {
    settings: Settings,
}

impl CaseReported {
    pub fn new(settings: Settings) -> Self {
        CaseReported { settings }
    }

    fn score(&self, cases: i64) -> f64 {
        let s = &self.settings;
        let base = s.one_case_score.clamp(0.0, 1.0);
        let span = (s.full_cases - 1).max(1) as f64;
        (base + (1.0 - base) * ((cases - 1) as f64 / span).clamp(0.0, 1.0)).clamp(0.0, 1.0)
    }
}

impl Detector for CaseReported {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "case_reported",
            entity_types: &["msisdn", "account"],
            needs: &["cases"],
            uses: &[],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        _present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let rows = ctx
                .sql(
                    "SELECT 'msisdn' AS kind, CAST(fraud_msisdn AS VARCHAR) AS id, count(*) AS cases, coalesce(sum(loss), 0) AS loss, \
                     min(CAST(channel AS VARCHAR)) AS channel, CAST(min(reported_at) AS BIGINT) AS first_seen, CAST(max(reported_at) AS BIGINT) AS last_seen \
                     FROM cases WHERE fraud_msisdn IS NOT NULL GROUP BY fraud_msisdn \
                     UNION ALL \
                     SELECT 'account' AS kind, CAST(fraud_account AS VARCHAR) AS id, count(*) AS cases, coalesce(sum(loss), 0) AS loss, \
                     min(CAST(channel AS VARCHAR)) AS channel, CAST(min(reported_at) AS BIGINT) AS first_seen, CAST(max(reported_at) AS BIGINT) AS last_seen \
                     FROM cases WHERE fraud_account IS NOT NULL GROUP BY CAST(fraud_account AS VARCHAR) \
                     ORDER BY kind, id",
                )
                .await?
                .collect()
                .await?;
            let mut alerts = Vec::new();
            for b in &rows {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let (Some(kind), Some(id)) = (c.text("kind", row)?, c.text("id", row)?) else {
                        continue;
                    };
                    let entity_type = if kind == "msisdn" {
                        "msisdn"
                    } else {
                        "account"
                    };
                    let cases = c.int("cases", row)?.unwrap_or(0);
                    let loss = c.int("loss", row)?.unwrap_or(0);
                    let channel = c.text("channel", row)?;
                    let score = self.score(cases);
                    let mut evidence = vec![
                        ("cases", Figure::Int(cases)),
                        ("loss_fen", Figure::Int(loss)),
                    ];
                    if let Some(ch) = &channel {
                        evidence.push(("channel", Figure::Text(ch.clone())));
                    }
                    alerts.push(Alert {
                        detector: "case_reported",
                        entity_type,
                        explanation: format!(
                            "{} {id} was named as the fraudster's in {cases} case report(s), ¥{:.2} lost",
                            if entity_type == "msisdn" { "number" } else { "account" },
                            loss as f64 / 100.0
                        ),
                        entity_id: id,
                        score,
                        severity: Severity::from_score(score),
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                        evidence,
                    });
                }
            }
            Ok(alerts)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_cases_score_higher() {
        let d = CaseReported::new(Settings::default());
        assert!(d.score(1) >= 0.8);
        assert!(d.score(3) > d.score(1));
        assert_eq!(d.score(50), 1.0);
    }
}
