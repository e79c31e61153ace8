//! `mule` (account): bank accounts the victims' money went through. A payee named in a
//! police case (`cases.payee_account`) is a first-level mule; an account that received a
//! large share of such a payee's incoming money from it (`transfers`) is a second-level
//! mule — layering splits the loot over a few accounts within hours — and so on, layer by
//! layer, up to `max_levels` (the collectors that cash out). Accounts a payee
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
        /// Layers of accounts followed from the payees (1: the payees only). Loot is
        /// split and passed on a few times before it is cashed out.
        max_levels: i64 = 4,
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

/// Registers `accounts` as the one-column table `name(account)`.
fn register_accounts(
    ctx: &SessionContext,
    name: &str,
    accounts: &[String],
) -> Result<(), DataFusionError> {
    let column = arrow::array::StringArray::from_iter_values(accounts);
    crate::sql::register_columns(ctx, name, vec![("account", std::sync::Arc::new(column))])
}

impl Mule {
    /// The accounts that took a large share of what the `sources` passed on, other than
    /// the `known` ones, as mules of `level`. A source's share is of its recorded inflow,
    /// or of its outflow when the money reached it outside `transfers` (a victim's bank).
    async fn onward(
        &self,
        ctx: &SessionContext,
        sources: &[String],
        known: &[String],
        level: i64,
    ) -> Result<Vec<Alert>, DataFusionError> {
        register_accounts(ctx, "mule_sources", sources)?;
        register_accounts(ctx, "mule_known", known)?;
        let batches = ctx
            .sql(
                "WITH tr AS (SELECT CAST(from_account AS VARCHAR) AS src, CAST(to_account AS VARCHAR) AS dst, amount, ts FROM transfers), \
                 inflow AS (SELECT t.dst AS account, sum(t.amount) AS inflow FROM tr t JOIN mule_sources m ON m.account = t.dst GROUP BY t.dst), \
                 outflow AS (SELECT t.src AS account, sum(t.amount) AS outflow FROM tr t JOIN mule_sources m ON m.account = t.src GROUP BY t.src), \
                 per AS (SELECT t.dst AS account, t.src AS source, sum(t.amount) AS amount, min(t.ts) AS first_ts, max(t.ts) AS last_ts \
                 FROM tr t JOIN mule_sources m ON m.account = t.src GROUP BY t.dst, t.src) \
                 SELECT per.account, count(*) AS sources, sum(per.amount) AS received, \
                 max(CAST(per.amount AS DOUBLE) / CAST(greatest(coalesce(i.inflow, 0), o.outflow, 1) AS DOUBLE)) AS best_share, \
                 CAST(min(per.first_ts) AS BIGINT) AS first_seen, CAST(max(per.last_ts) AS BIGINT) AS last_seen \
                 FROM per JOIN outflow o ON o.account = per.source LEFT JOIN inflow i ON i.account = per.source \
                 WHERE per.account NOT IN (SELECT account FROM mule_known) \
                 GROUP BY per.account ORDER BY per.account",
            )
            .await?
            .collect()
            .await;
        ctx.deregister_table("mule_sources")?;
        ctx.deregister_table("mule_known")?;
        let batches = batches?;
        // Each layer further from the case is a little less certain.
        let decay = 0.95f64.powi((level - 2).max(0) as i32);
        let mut out = Vec::new();
        for b in &batches {
            let c = Columns::new(b);
            for row in 0..b.num_rows() {
                let Some(account) = c.text("account", row)? else {
                    continue;
                };
                let sources = c.int("sources", row)?.unwrap_or(0);
                let received = c.int("received", row)?.unwrap_or(0);
                let share = c.float("best_share", row)?.unwrap_or(0.0);
                let score = self.onward_score(share, sources) * decay;
                if score < self.settings.report_from {
                    continue;
                }
                let from = if level == 2 {
                    format!("{sources} case payee(s)")
                } else {
                    format!("{sources} mule account(s) of level {}", level - 1)
                };
                out.push(Alert {
                    detector: "mule",
                    entity_type: "account",
                    explanation: format!(
                        "account {account} received ¥{:.2} from {from}, up to {:.0} % of what one of them passed on",
                        received as f64 / 100.0,
                        share * 100.0
                    ),
                    entity_id: account,
                    score,
                    severity: Severity::from_score(score),
                    first_seen: c.int("first_seen", row)?,
                    last_seen: c.int("last_seen", row)?,
                    evidence: vec![
                        ("level", Figure::Int(level)),
                        ("from_payees", Figure::Int(sources)),
                        ("received_fen", Figure::Int(received)),
                        ("share_of_payee_inflow", Figure::Float(share)),
                    ],
                });
            }
        }
        Ok(out)
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
                // Layer by layer: each round follows the money out of the accounts the
                // last round flagged at medium or above.
                let mut frontier: Vec<String> = alerts
                    .iter()
                    .filter(|(_, a)| a.severity >= Severity::Medium)
                    .map(|(k, _)| k.clone())
                    .collect();
                for level in 2..=self.settings.max_levels.max(1) {
                    if frontier.is_empty() {
                        break;
                    }
                    let known: Vec<String> = alerts.keys().cloned().collect();
                    let found = self.onward(ctx, &frontier, &known, level).await?;
                    frontier = found
                        .iter()
                        .filter(|a| a.severity >= Severity::Medium)
                        .map(|a| a.entity_id.clone())
                        .collect();
                    for a in found {
                        alerts.insert(a.entity_id.clone(), a);
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
