//! `rogue_host` (ip): machines active in the operator's internal networks that the asset
//! inventory does not know — the seed story's server, set up by the network manager
//! himself, that took the verification SMS of millions of numbers.
//!
//! Candidates are internal addresses (private ranges, or the networks — IPv4 /16 — the
//! inventory has hosts in) seen in `flows` and absent from `assets`. An unknown host alone is a lead; what
//! it talks to makes it a finding: SMS and signalling nodes (an inventoried SMSC, SMS
//! gateway, HLR/STP, or the SMPP port 2775), databases (the number pool), foreign
//! addresses (per `geoip`), and how long it stays active. Cross-check: a candidate that
//! is also the `delivery_node` of OTPs in `sms` is taking the codes itself — severity
//! high, and the explanation says so. A listed host with the same traffic (an SMS test
//! lab) is never a candidate.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[rogue_host]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "rogue_host (ip): internal hosts absent from the inventory, by what they talk to and how long";

crate::settings! {
    /// Settings of `rogue_host`. Weights are in [0, 1] and combine as independent
    /// evidence: 1 − Π(1 − weight).
    Settings {
        /// Weight of talking to SMS or signalling nodes (or the SMPP port).
        signalling_weight: f64 = 0.6,
        /// Weight of talking to databases (`assets.role = 'db'`).
        db_weight: f64 = 0.35,
        /// Weight of talking to foreign addresses.
        foreign_weight: f64 = 0.4,
        /// Hours between first and last flow from which a host counts as long-lived.
        long_hours: f64 = 12.0,
        /// Weight of being long-lived.
        long_weight: f64 = 0.2,
        /// Weight of an unknown host on its own (a lead, not a finding).
        unknown_weight: f64 = 0.15,
        /// Score at least, for a candidate that is also the delivery node of OTPs.
        delivery_score: f64 = 0.9,
        /// The operator's own country (ISO alpha-2): addresses elsewhere are foreign.
        home_country: String = "CN".to_string(),
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct RogueHost {
    settings: Settings,
}

/// What one unknown host did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Activity {
    signalling: i64,
    db: i64,
    foreign: i64,
    span_hours: f64,
    otp_delivered: i64,
}

impl RogueHost {
    pub fn new(settings: Settings) -> Self {
        RogueHost { settings }
    }

    /// Reads `flow_pairs` and `flow_hosts` (see `sql::ensure_flow_tables`).
    fn plan(&self, present: &[String]) -> String {
        let home = self.settings.home_country.replace('\'', "").to_uppercase();
        let foreign = format!("h.country NOT IN ('{home}', 'PRIVATE', 'UNKNOWN')");
        let mut ctes = vec![
            // Internal: private, or in a network the inventory has hosts in.
            "cand AS (SELECT ip FROM flow_hosts WHERE listed = 0 AND (private OR own_net))".to_string(),
            format!(
                "o AS (SELECT c.ip, sum(p.flows) AS flows_out, sum(p.bytes) AS bytes_out, min(p.t0) AS t0, max(p.t1) AS t1, \
                 sum(CASE WHEN h.role IN {roles} THEN p.flows ELSE p.smpp END) AS signalling, \
                 sum(CASE WHEN h.role = 'db' THEN p.flows ELSE 0 END) AS db, \
                 sum(CASE WHEN {foreign} THEN p.flows ELSE 0 END) AS foreign_flows, \
                 sum(CASE WHEN {foreign} THEN 1 ELSE 0 END) AS foreign_peers \
                 FROM cand c JOIN flow_pairs p ON p.src = c.ip LEFT JOIN flow_hosts h ON h.ip = p.dst GROUP BY c.ip)",
                roles = crate::sql::SIGNALLING_ROLES
            ),
            "i AS (SELECT c.ip, sum(p.flows) AS flows_in, min(p.t0) AS t0, max(p.t1) AS t1, sum(p.ssh) AS ssh_in \
             FROM cand c JOIN flow_pairs p ON p.dst = c.ip GROUP BY c.ip)"
                .into(),
        ];
        let (otp_col, otp_join) = if has(present, "sms") {
            ctes.push(format!(
                "dn AS (SELECT CAST(delivery_node AS VARCHAR) AS ip, count(*) AS otp_delivered FROM sms \
                 WHERE direction = 'MT' AND delivery_node IS NOT NULL AND {} GROUP BY CAST(delivery_node AS VARCHAR))",
                crate::sql::OTP_PREDICATE
            ));
            (
                "coalesce(dn.otp_delivered, 0) AS otp_delivered",
                "LEFT JOIN dn ON dn.ip = c.ip",
            )
        } else {
            ("0 AS otp_delivered", "")
        };
        format!(
            "WITH {} SELECT c.ip, coalesce(o.flows_out, 0) AS flows_out, coalesce(i.flows_in, 0) AS flows_in, \
             coalesce(o.bytes_out, 0) AS bytes_out, coalesce(o.signalling, 0) AS signalling, coalesce(o.db, 0) AS db, \
             coalesce(o.foreign_flows, 0) AS foreign_flows, coalesce(i.ssh_in, 0) AS ssh_in, \
             coalesce(o.foreign_peers, 0) AS foreign_peers, \
             least(coalesce(o.t0, i.t0), coalesce(i.t0, o.t0)) AS first_seen, \
             greatest(coalesce(o.t1, i.t1), coalesce(i.t1, o.t1)) AS last_seen, {otp_col} \
             FROM cand c LEFT JOIN o ON o.ip = c.ip LEFT JOIN i ON i.ip = c.ip {otp_join} \
             ORDER BY c.ip",
            ctes.join(", ")
        )
    }

    fn score(&self, a: &Activity) -> f64 {
        let s = &self.settings;
        let mut score = super::noisy_or(&[
            (true, s.unknown_weight),
            (a.signalling > 0, s.signalling_weight),
            (a.db > 0, s.db_weight),
            (a.foreign > 0, s.foreign_weight),
            (a.span_hours >= s.long_hours, s.long_weight),
        ]);
        if a.otp_delivered > 0 {
            score = score.max(s.delivery_score);
        }
        score.clamp(0.0, 1.0)
    }
}

impl Detector for RogueHost {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "rogue_host",
            entity_types: &["ip"],
            needs: &["flows", "assets"],
            uses: &["sms", "geoip"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            crate::sql::ensure_flow_tables(ctx, true).await?;
            let batches = ctx.sql(&self.plan(present)).await?.collect().await?;
            let mut alerts = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(ip) = c.text("ip", row)? else {
                        continue;
                    };
                    let first = c.int("first_seen", row)?;
                    let last = c.int("last_seen", row)?;
                    let span_hours = match (first, last) {
                        (Some(a), Some(b)) => (b - a).max(0) as f64 / 3600.0,
                        _ => 0.0,
                    };
                    let act = Activity {
                        signalling: c.int("signalling", row)?.unwrap_or(0),
                        db: c.int("db", row)?.unwrap_or(0),
                        foreign: c.int("foreign_flows", row)?.unwrap_or(0),
                        span_hours,
                        otp_delivered: c.int("otp_delivered", row)?.unwrap_or(0),
                    };
                    let score = self.score(&act);
                    if score < self.settings.report_from {
                        continue;
                    }
                    let foreign_peers = c.int("foreign_peers", row)?.unwrap_or(0);
                    let ssh_in = c.int("ssh_in", row)?.unwrap_or(0);
                    let mut talks = Vec::new();
                    if act.signalling > 0 {
                        talks.push(format!("SMS/signalling nodes ({} flows)", act.signalling));
                    }
                    if act.db > 0 {
                        talks.push(format!("databases ({} flows)", act.db));
                    }
                    if act.foreign > 0 {
                        talks.push(format!(
                            "{foreign_peers} foreign address(es) ({} flows)",
                            act.foreign
                        ));
                    }
                    let mut why = format!(
                        "internal host {ip} is not in the asset inventory, active for {span_hours:.1} h"
                    );
                    if !talks.is_empty() {
                        why.push_str(&format!(", talking to {}", talks.join(", ")));
                    }
                    if ssh_in > 0 {
                        why.push_str(&format!(", reached by {ssh_in} SSH sessions"));
                    }
                    if act.otp_delivered > 0 {
                        why.push_str(&format!(
                            "; it is also the delivery node of {} verification SMS: it takes the codes itself",
                            act.otp_delivered
                        ));
                    }
                    alerts.push(Alert {
                        detector: "rogue_host",
                        entity_type: "ip",
                        entity_id: ip,
                        score,
                        severity: Severity::from_score(score),
                        first_seen: first,
                        last_seen: last,
                        explanation: why,
                        evidence: vec![
                            ("listed", Figure::Bool(false)),
                            (
                                "flows_out",
                                Figure::Int(c.int("flows_out", row)?.unwrap_or(0)),
                            ),
                            (
                                "flows_in",
                                Figure::Int(c.int("flows_in", row)?.unwrap_or(0)),
                            ),
                            (
                                "bytes_out",
                                Figure::Int(c.int("bytes_out", row)?.unwrap_or(0)),
                            ),
                            ("signalling_flows", Figure::Int(act.signalling)),
                            ("db_flows", Figure::Int(act.db)),
                            ("foreign_flows", Figure::Int(act.foreign)),
                            ("foreign_peers", Figure::Int(foreign_peers)),
                            ("ssh_in", Figure::Int(ssh_in)),
                            ("active_hours", Figure::Float(span_hours)),
                            ("otp_delivered", Figure::Int(act.otp_delivered)),
                        ],
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
    fn unknown_alone_is_a_lead_and_delivering_codes_is_high() {
        let d = RogueHost::new(Settings::default());
        let idle = Activity::default();
        assert!(d.score(&idle) < 0.5);
        let smpp = Activity {
            signalling: 24,
            db: 3,
            foreign: 1,
            span_hours: 23.0,
            ..Activity::default()
        };
        assert!(d.score(&smpp) >= 0.8);
        let delivering = Activity {
            otp_delivered: 10,
            ..Activity::default()
        };
        assert!(d.score(&delivering) >= 0.8);
        let db_only = Activity {
            db: 2,
            ..Activity::default()
        };
        assert!(d.score(&db_only) < 0.5);
    }
}
