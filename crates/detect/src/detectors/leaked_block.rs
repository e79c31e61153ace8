//! `leaked_block` (msisdn, one alert per number in the block): number blocks (the number
//! without its last four digits, 10 000 numbers: a 号段 for Chinese mobiles) where far
//! more numbers receive verification codes while living no life of their own than the
//! operator's baseline says — the traces of a leaked number range, as in the seed story
//! where 9 million numbers of one operator fed a code platform.
//!
//! A number is a *silent receiver* when it receives OTPs and has no ordinary use: no call,
//! no sent SMS, and (when `attach` is present) no attach record; or when the register
//! says it is `stock` (never sold) and it still receives OTPs. The baseline is the share
//! of silent receivers among all numbers receiving OTPs, pooled over the blocks that are
//! not themselves anomalous (two passes, so that the leaked blocks do not raise their own
//! baseline). A block is anomalous when its count of silent receivers is many standard
//! deviations above what the baseline expects (a Poisson z-score) and at least
//! `min_numbers`. Inside an anomalous block, every number receiving OTPs is scored by how
//! far its own traffic is codes only; numbers with an ordinary life (a subscriber who
//! happens to live in the block) and numbers receiving nothing (the unrelated stock around
//! a leaked run) get no alert.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[leaked_block]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "leaked_block (msisdn): number blocks with far more silent OTP receivers than the baseline";

crate::settings! {
    /// Settings of `leaked_block`.
    Settings {
        /// Fewest silent receivers (OTPs and no ordinary use, or stock numbers receiving
        /// OTPs) a block must hold.
        min_numbers: i64 = 5,
        /// Poisson z-score of the block's silent receivers over the baseline at which the
        /// block signal starts.
        min_z: f64 = 4.0,
        /// z-score at which the block signal is full.
        strong_z: f64 = 10.0,
        /// How many OTPs one call or one sent SMS of a number outweighs (as in otp_sink).
        ordinary_weight: f64 = 4.0,
        /// Lowest baseline share of silent receivers, so that a very clean operator does
        /// not make every pair of silent numbers look anomalous.
        min_baseline_share: f64 = 0.002,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct LeakedBlock {
    settings: Settings,
}

/// One block's figures.
#[derive(Debug, Clone, Default)]
struct Block {
    receivers: i64,
    silent: i64,
    stock: i64,
    otp_sms: i64,
}

impl LeakedBlock {
    pub fn new(settings: Settings) -> Self {
        LeakedBlock { settings }
    }

    /// Per number receiving OTPs: its figures and whether it is a silent receiver.
    fn number_plan(present: &[String]) -> String {
        let mut ctes: Vec<String> = crate::sql::otp_ctes().into();
        ctes.push(
            "mo AS (SELECT msisdn, count(*) AS mo_sms FROM sms WHERE direction = 'MO' GROUP BY msisdn)"
                .into(),
        );
        let mut cols = vec![
            "r.msisdn".to_string(),
            "msisdn_block(r.msisdn) AS block".into(),
            "r.otp_sms".into(),
            "r.services".into(),
            "CAST(r.first_seen AS BIGINT) AS first_seen".into(),
            "CAST(r.last_seen AS BIGINT) AS last_seen".into(),
            "coalesce(mo.mo_sms, 0) AS mo_sms".into(),
        ];
        let mut joins = vec!["LEFT JOIN mo ON mo.msisdn = r.msisdn".to_string()];
        if has(present, "calls") {
            ctes.push("cl AS (SELECT msisdn, count(*) AS calls FROM calls GROUP BY msisdn)".into());
            cols.push("coalesce(cl.calls, 0) AS calls".into());
            joins.push("LEFT JOIN cl ON cl.msisdn = r.msisdn".into());
        } else {
            cols.push("0 AS calls".into());
        }
        if has(present, "attach") {
            ctes.push(
                "att AS (SELECT msisdn, count(*) AS attach_events FROM attach WHERE msisdn IS NOT NULL GROUP BY msisdn)"
                    .into(),
            );
            cols.push("coalesce(att.attach_events, 0) AS attach_events".into());
            joins.push("LEFT JOIN att ON att.msisdn = r.msisdn".into());
        } else {
            cols.push("CAST(NULL AS BIGINT) AS attach_events".into());
        }
        if has(present, "subscribers") {
            ctes.push(
                "sub AS (SELECT msisdn, max(CAST(status AS VARCHAR)) AS status FROM subscribers GROUP BY msisdn)"
                    .into(),
            );
            cols.push("sub.status AS status".into());
            joins.push("LEFT JOIN sub ON sub.msisdn = r.msisdn".into());
        } else {
            cols.push("CAST(NULL AS VARCHAR) AS status".into());
        }
        format!(
            "WITH {} SELECT {} FROM recv r {} ORDER BY r.msisdn",
            ctes.join(", "),
            cols.join(", "),
            joins.join(" ")
        )
    }

    /// Poisson z-score of `k` silent receivers where `expected` were due.
    fn z(k: i64, expected: f64) -> f64 {
        (k as f64 - expected) / (expected + 1.0).sqrt()
    }

    fn block_signal(&self, b: &Block, share: f64) -> (f64, f64) {
        let s = &self.settings;
        let k = b.silent;
        let expected = b.receivers as f64 * share;
        let z = Self::z(k, expected);
        if k < s.min_numbers {
            return (0.0, z);
        }
        let span = (s.strong_z - s.min_z).max(0.1);
        (((z - s.min_z) / span).clamp(0.0, 1.0), z)
    }

    /// The baseline share of silent receivers among receivers, pooled over the blocks
    /// that a first pass with the all-block baseline did not find anomalous.
    fn baseline(&self, blocks: &BTreeMap<i64, Block>) -> f64 {
        let pooled = |skip: &dyn Fn(&Block) -> bool| {
            let (mut k, mut n) = (0i64, 0i64);
            for b in blocks.values().filter(|b| !skip(b)) {
                k += b.silent;
                n += b.receivers;
            }
            if n == 0 { 0.0 } else { k as f64 / n as f64 }
        };
        let first = pooled(&|_| false).max(self.settings.min_baseline_share);
        pooled(&|b| self.block_signal(b, first).0 > 0.0).max(self.settings.min_baseline_share)
    }

    /// How far one number's own traffic is codes only: 1 for a silent receiver, else the
    /// squared weighted OTP share (as in otp_sink).
    fn number_signal(&self, otp_sms: i64, ordinary: i64, silent: bool) -> f64 {
        if silent {
            return 1.0;
        }
        let weighted = otp_sms as f64 + self.settings.ordinary_weight * ordinary as f64;
        if weighted <= 0.0 {
            return 0.0;
        }
        let share = otp_sms as f64 / weighted;
        share * share
    }
}

/// One number receiving OTPs, as read from the plan.
struct Number {
    msisdn: i64,
    block: i64,
    otp_sms: i64,
    services: i64,
    ordinary: i64,
    attach_events: Option<i64>,
    status: Option<String>,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

impl Number {
    fn silent(&self) -> bool {
        let stock = self.status.as_deref() == Some("stock");
        stock || (self.ordinary == 0 && self.attach_events.unwrap_or(0) == 0)
    }
}

impl Detector for LeakedBlock {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "leaked_block",
            entity_types: &["msisdn"],
            needs: &["sms"],
            uses: &["calls", "attach", "subscribers"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let batches = ctx
                .sql(&Self::number_plan(present))
                .await?
                .collect()
                .await?;
            let mut numbers = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let (Some(msisdn), Some(block)) = (c.int("msisdn", row)?, c.int("block", row)?)
                    else {
                        continue;
                    };
                    numbers.push(Number {
                        msisdn,
                        block,
                        otp_sms: c.int("otp_sms", row)?.unwrap_or(0),
                        services: c.int("services", row)?.unwrap_or(0),
                        ordinary: c.int("mo_sms", row)?.unwrap_or(0)
                            + c.int("calls", row)?.unwrap_or(0),
                        attach_events: c.int("attach_events", row)?,
                        status: c.text("status", row)?,
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                    });
                }
            }
            let mut blocks: BTreeMap<i64, Block> = BTreeMap::new();
            for n in &numbers {
                let b = blocks.entry(n.block).or_default();
                b.receivers += 1;
                b.otp_sms += n.otp_sms;
                if n.silent() {
                    b.silent += 1;
                }
                if n.status.as_deref() == Some("stock") {
                    b.stock += 1;
                }
            }
            let share = self.baseline(&blocks);
            let has_attach = has(present, "attach");
            let mut alerts = Vec::new();
            for n in &numbers {
                let Some(b) = blocks.get(&n.block) else {
                    continue;
                };
                let (block_signal, z) = self.block_signal(b, share);
                if block_signal <= 0.0 {
                    continue;
                }
                let silent = n.silent();
                let score = (block_signal * self.number_signal(n.otp_sms, n.ordinary, silent))
                    .clamp(0.0, 1.0);
                if score < self.settings.report_from {
                    continue;
                }
                let expected = b.receivers as f64 * share;
                let mut evidence = vec![
                    ("block", Figure::Text(n.block.to_string())),
                    ("block_otp_receivers", Figure::Int(b.receivers)),
                    ("block_silent_receivers", Figure::Int(b.silent)),
                    ("block_stock_receivers", Figure::Int(b.stock)),
                    ("block_expected_silent", Figure::Float(expected)),
                    ("block_z", Figure::Float(z)),
                    ("block_otp_sms", Figure::Int(b.otp_sms)),
                    ("otp_services", Figure::Int(n.services)),
                    ("otp_sms", Figure::Int(n.otp_sms)),
                    ("ordinary_use", Figure::Int(n.ordinary)),
                ];
                if let Some(a) = n.attach_events {
                    evidence.push(("attach_events", Figure::Int(a)));
                }
                if let Some(st) = &n.status {
                    evidence.push(("status", Figure::Text(st.clone())));
                }
                let mut why = format!(
                    "in block {}xxxx, {} of {} numbers receiving codes live no life of their own (about {:.1} expected); this one received {} codes from {} services",
                    n.block, b.silent, b.receivers, expected, n.otp_sms, n.services
                );
                if n.status.as_deref() == Some("stock") {
                    why.push_str(" although it was never sold");
                } else if silent && has_attach {
                    why.push_str(" with no call, no sent SMS and no attach");
                } else if silent {
                    why.push_str(" with no call and no sent SMS");
                } else {
                    why.push_str(&format!(" against {} calls and sent SMS", n.ordinary));
                }
                alerts.push(Alert {
                    detector: "leaked_block",
                    entity_type: "msisdn",
                    entity_id: n.msisdn.to_string(),
                    score,
                    severity: Severity::from_score(score),
                    first_seen: n.first_seen,
                    last_seen: n.last_seen,
                    explanation: why,
                    evidence,
                });
            }
            Ok(alerts)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(receivers: i64, silent: i64) -> Block {
        Block {
            receivers,
            silent,
            ..Block::default()
        }
    }

    #[test]
    fn a_block_needs_many_silent_receivers_over_the_baseline() {
        let d = LeakedBlock::new(Settings::default());
        // A leaked run: 30 silent receivers of 31.
        assert!(d.block_signal(&block(31, 30), 0.01).0 >= 1.0);
        // An ordinary block: 3 silent of 400 at a 1 % baseline.
        assert_eq!(d.block_signal(&block(400, 3), 0.01).0, 0.0);
        // Fewer than min_numbers never flag, however unusual.
        assert_eq!(d.block_signal(&block(4, 4), 0.001).0, 0.0);
    }

    #[test]
    fn the_baseline_ignores_the_anomalous_blocks() {
        let d = LeakedBlock::new(Settings::default());
        let mut blocks = BTreeMap::new();
        for k in 0..50 {
            blocks.insert(k, block(200, 1));
        }
        blocks.insert(99, block(3000, 3000));
        let share = d.baseline(&blocks);
        assert!((share - 0.005).abs() < 1e-9, "{share}");
    }

    #[test]
    fn a_subscriber_with_a_life_in_a_leaked_block_is_not_flagged() {
        let d = LeakedBlock::new(Settings::default());
        assert!(d.number_signal(3, 20, false) < 0.01);
        assert_eq!(d.number_signal(3, 0, true), 1.0);
    }
}
