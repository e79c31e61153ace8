//! `signup_sink` (msisdn): the numbers that verified the accounts `bulk_account` flagged.
//! A bulk-registered account's code went to the gang, so its number is a code-receiving
//! number, whichever operator holds it: the operator's own numbers that the number-side
//! detectors missed (a live subscriber whose codes were stolen), and other operators'
//! numbers, which appear in sign-ups only and are worth handing to their operator.
//! Numbers already flagged at medium or above by `otp_sink`, `leaked_block` or
//! `core_interception` are left to those.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[signup_sink]` section of `duanka.toml` is about.
pub const ABOUT: &str = "signup_sink (msisdn): numbers that verified accounts bulk_account flagged, whichever operator's";

crate::settings! {
    /// Settings of `signup_sink`.
    Settings {
        /// Factor on the best score of the flagged accounts the number verified; an
        /// account at medium or above makes its number medium at least.
        factor: f64 = 0.95,
        /// Lowest account score that counts.
        min_account: f64 = 0.5,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct SignupSink {
    settings: Settings,
}

impl SignupSink {
    pub fn new(settings: Settings) -> Self {
        SignupSink { settings }
    }

    fn score(&self, best: f64) -> f64 {
        super::derived_score(best, self.settings.factor)
    }
}

impl Detector for SignupSink {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "signup_sink",
            entity_types: &["msisdn"],
            needs: &["registrations"],
            uses: &[FINDINGS, "subscribers"],
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
            let (ours_cte, ours_col, ours_join) = if has(present, "subscribers") {
                (
                    ", ours AS (SELECT DISTINCT msisdn FROM subscribers)",
                    "o.msisdn IS NOT NULL",
                    "LEFT JOIN ours o ON o.msisdn = n.msisdn",
                )
            } else {
                ("", "CAST(NULL AS BOOLEAN)", "")
            };
            let sql = format!(
                "WITH acc AS (SELECT entity_id, score FROM findings WHERE entity_type = 'account' \
                 AND detector = 'bulk_account' AND score >= {min}), \
                 done AS (SELECT DISTINCT CAST(entity_id AS BIGINT) AS msisdn FROM findings WHERE entity_type = 'msisdn' \
                 AND detector IN {number_side} AND score >= {medium}), \
                 n AS (SELECT r.msisdn, count(*) AS accounts, max(acc.score) AS best, \
                 min(CAST(r.account_id AS VARCHAR)) AS example, CAST(min(r.ts) AS BIGINT) AS first_seen, \
                 CAST(max(r.ts) AS BIGINT) AS last_seen FROM registrations r \
                 JOIN acc ON acc.entity_id = CAST(r.account_id AS VARCHAR) WHERE r.msisdn IS NOT NULL GROUP BY r.msisdn){ours_cte} \
                 SELECT n.*, {ours_col} AS ours FROM n {ours_join} \
                 WHERE n.msisdn NOT IN (SELECT msisdn FROM done) ORDER BY n.msisdn",
                min = s.min_account,
                number_side = crate::sql::NUMBER_SIDE,
                medium = Severity::MEDIUM_FROM,
            );
            let batches = ctx.sql(&sql).await?.collect().await?;
            let mut alerts = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(msisdn) = c.int("msisdn", row)? else {
                        continue;
                    };
                    let best = c.float("best", row)?.unwrap_or(0.0);
                    let score = self.score(best);
                    if score < s.report_from {
                        continue;
                    }
                    let accounts = c.int("accounts", row)?.unwrap_or(0);
                    let example = c.text("example", row)?.unwrap_or_default();
                    let ours = c.int("ours", row)?.map(|v| v != 0);
                    let mut evidence = vec![
                        ("bulk_accounts", Figure::Int(accounts)),
                        ("example_account", Figure::Text(example.clone())),
                        ("account_score", Figure::Float(best)),
                    ];
                    if let Some(o) = ours {
                        evidence.push(("operators_own", Figure::Bool(o)));
                    }
                    let whose = match ours {
                        Some(false) => " (another operator's number)",
                        _ => "",
                    };
                    alerts.push(Alert {
                        detector: "signup_sink",
                        entity_type: "msisdn",
                        entity_id: msisdn.to_string(),
                        score,
                        severity: Severity::from_score(score),
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                        explanation: format!(
                            "{msisdn}{whose} verified {accounts} account(s) flagged as bulk registrations, such as {example} ({best:.2}): its codes went to the gang"
                        ),
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
    fn a_medium_account_makes_its_number_medium() {
        let d = SignupSink::new(Settings::default());
        assert_eq!(d.score(0.5), 0.5);
        assert!((d.score(0.9) - 0.855).abs() < 1e-9);
        assert!(d.score(0.3) < 0.5);
    }
}
