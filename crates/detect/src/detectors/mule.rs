//! `mule` (account): bank accounts the victims' money went through. A payee named in a
//! police case (`cases.payee_account`) is a first-level mule; an account that received a
//! large share of such a payee's incoming money from it (`transfers`) is a second-level
//! mule — layering splits the loot over a few accounts within hours. Accounts a payee
//! paid little (a shop, a fee) stay below medium; a payroll fanning out to many staff
//! is no payee and is not looked at.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[mule]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "mule (account): payees named in cases and the accounts they passed the money on to";

crate::settings! {
    /// Settings of `mule`.
    Settings {
        /// Score of a payee named in one case; each further case adds towards 1.
        payee_score: f64 = 0.85,
        /// Share of a payee's incoming money that one onward account must receive from it
        /// for a full second-level signal.
        onward_share: f64 = 0.3,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct Mule {
    settings: Settings,
}

impl Mule {
    pub fn new(settings: Settings) -> Self {
        Mule { settings }
    }

    fn payee_score(&self, cases: i64) -> f64 {
        let s = self.settings.payee_score.clamp(0.0, 1.0);
        (s + (1.0 - s) * ((cases - 1) as f64 / 4.0).clamp(0.0, 1.0)).clamp(0.0, 1.0)
    }

    /// A second-level account: mostly by the share of a payee's inflow it received.
    fn onward_score(&self, share: f64, payees: i64) -> f64 {
        let full = self.settings.onward_share.max(1e-6);
        let signal = (share / full).clamp(0.0, 1.0);
        // Money from several payees is a collecting account, not a one-off payment.
        let spread = if payees > 1 { 0.1 } else { 0.0 };
        (0.9 * signal.sqrt() + spread).clamp(0.0, 1.0)
    }
}

const PAYEES: &str = "payees AS (SELECT CAST(payee_account AS VARCHAR) AS account, count(*) AS cases, \
     coalesce(sum(loss), 0) AS loss, CAST(min(reported_at) AS BIGINT) AS first_seen, CAST(max(reported_at) AS BIGINT) AS last_seen \
     FROM cases WHERE payee_account IS NOT NULL GROUP BY CAST(payee_account AS VARCHAR))";

impl Detector for Mule {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "mule",
            entity_types: &["account"],
            needs: &["cases"],
            uses: &["transfers"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let mut alerts: BTreeMap<String, Alert> = BTreeMap::new();
            let payees = ctx
                .sql(&format!(
                    "WITH {PAYEES} SELECT * FROM payees ORDER BY account"
                ))
                .await?
                .collect()
                .await?;
            for b in &payees {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(account) = c.text("account", row)? else {
                        continue;
                    };
                    let cases = c.int("cases", row)?.unwrap_or(0);
                    let loss = c.int("loss", row)?.unwrap_or(0);
                    let score = self.payee_score(cases);
                    alerts.insert(
                        account.clone(),
                        Alert {
                            detector: "mule",
                            entity_type: "account",
                            explanation: format!(
                                "account {account} received the victims' money in {cases} reported case(s), ¥{:.2} in all",
                                loss as f64 / 100.0
                            ),
                            entity_id: account,
                            score,
                            severity: Severity::from_score(score),
                            first_seen: c.int("first_seen", row)?,
                            last_seen: c.int("last_seen", row)?,
                            evidence: vec![
                                ("level", Figure::Int(1)),
                                ("cases", Figure::Int(cases)),
                                ("loss_fen", Figure::Int(loss)),
                            ],
                        },
                    );
                }
            }
            if has(present, "transfers") {
                let onward = ctx
                    .sql(&format!(
                        "WITH {PAYEES}, tr AS (SELECT CAST(from_account AS VARCHAR) AS src, CAST(to_account AS VARCHAR) AS dst, amount, ts FROM transfers), \
                         inflow AS (SELECT t.dst AS account, sum(t.amount) AS inflow FROM tr t JOIN payees p ON p.account = t.dst GROUP BY t.dst), \
                         per AS (SELECT t.dst AS account, t.src AS payee, sum(t.amount) AS amount, min(t.ts) AS first_ts, max(t.ts) AS last_ts \
                         FROM tr t JOIN payees p ON p.account = t.src GROUP BY t.dst, t.src) \
                         SELECT per.account, count(*) AS payees, sum(per.amount) AS received, \
                         max(CAST(per.amount AS DOUBLE) / CAST(greatest(i.inflow, 1) AS DOUBLE)) AS best_share, \
                         CAST(min(per.first_ts) AS BIGINT) AS first_seen, CAST(max(per.last_ts) AS BIGINT) AS last_seen \
                         FROM per JOIN inflow i ON i.account = per.payee \
                         WHERE per.account NOT IN (SELECT account FROM payees) \
                         GROUP BY per.account ORDER BY per.account"
                    ))
                    .await?
                    .collect()
                    .await?;
                for b in &onward {
                    let c = Columns::new(b);
                    for row in 0..b.num_rows() {
                        let Some(account) = c.text("account", row)? else {
                            continue;
                        };
                        let payees = c.int("payees", row)?.unwrap_or(0);
                        let received = c.int("received", row)?.unwrap_or(0);
                        let share = c.float("best_share", row)?.unwrap_or(0.0);
                        let score = self.onward_score(share, payees);
                        if score < self.settings.report_from {
                            continue;
                        }
                        alerts.insert(
                            account.clone(),
                            Alert {
                                detector: "mule",
                                entity_type: "account",
                                explanation: format!(
                                    "account {account} received ¥{:.2} from {payees} case payee(s), up to {:.0} % of what a payee took in",
                                    received as f64 / 100.0,
                                    share * 100.0
                                ),
                                entity_id: account,
                                score,
                                severity: Severity::from_score(score),
                                first_seen: c.int("first_seen", row)?,
                                last_seen: c.int("last_seen", row)?,
                                evidence: vec![
                                    ("level", Figure::Int(2)),
                                    ("from_payees", Figure::Int(payees)),
                                    ("received_fen", Figure::Int(received)),
                                    ("share_of_payee_inflow", Figure::Float(share)),
                                ],
                            },
                        );
                    }
                }
            }
            Ok(alerts.into_values().collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payees_are_high_and_small_onward_payments_stay_low() {
        let d = Mule::new(Settings::default());
        assert!(d.payee_score(1) >= 0.8);
        assert_eq!(d.payee_score(9), 1.0);
        assert!(d.onward_score(0.4, 1) >= 0.8);
        assert!(d.onward_score(0.15, 1) >= 0.5);
        assert!(d.onward_score(0.02, 1) < 0.3);
    }
}
