//! `tampered_imei` (imei): handset identities that were made up or changed (改串号) —
//! by IMEI-changing software at bulk sign-ups, or on the modems of a SIM farm.
//!
//! Signals, combined as independent evidence (noisy-or: `1 − Π(1 − wᵢ)`), so that one
//! weak signal stays a lead:
//! - a wrong Luhn check digit (genuine IMEIs always carry a valid one);
//! - a TAC absent from the `tac` table and carried by no more than a few other handsets
//!   on the network — weak, the public list is sparse: a model it lacks is still on
//!   thousands of handsets, where a made-up TAC is on none;
//! - IMEI churn: a SIM of this handset presented `churn_imeis` or more identities in the
//!   window (a phone switcher shows two);
//! - one identity hosting `farm_sims` or more SIMs;
//! - a device id written at a sign-up of one of the operator's numbers that never
//!   appears on the network;
//! - the same device id signing up several numbers;
//! - a sign-up inside a burst from one address whose devices are all off the network
//!   (software writing a fresh identity per account);
//! - a sign-up, from a device the network never saw, of a number that a number-side
//!   detector flagged, or of an account that `bulk_account` flagged (`findings`).

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity, format_imei};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[tampered_imei]` section of `duanka.toml` is about.
pub const ABOUT: &str = "tampered_imei (imei): made-up or changed handset identities (bad check digits, churn, sign-up-only devices)";

crate::settings! {
    /// Settings of `tampered_imei`. Weights are in [0, 1] and combine as independent
    /// evidence: 1 − Π(1 − weight).
    Settings {
        /// Weight of a wrong Luhn check digit.
        luhn_weight: f64 = 0.7,
        /// Weight of a TAC absent from the `tac` table (when the table is given).
        unknown_tac_weight: f64 = 0.25,
        /// Other handsets on the network with a TAC the table lacks from which that TAC
        /// is a real model the table misses (a list of TACs is never complete: new and
        /// regional models), not evidence of a made-up identity.
        tac_peers: i64 = 3,
        /// Identities one SIM presented in the window from which it counts as churn.
        churn_imeis: i64 = 3,
        /// Weight of IMEI churn.
        churn_weight: f64 = 0.45,
        /// SIMs on one identity from which it counts as a farm's.
        farm_sims: i64 = 10,
        /// Weight of hosting a farm's SIMs.
        farm_weight: f64 = 0.45,
        /// Weight of a sign-up device never seen on the network.
        offnet_weight: f64 = 0.35,
        /// Weight of one device id signing up several numbers.
        shared_weight: f64 = 0.45,
        /// Seconds either side of a sign-up that make its burst.
        burst_window_s: i64 = 1800,
        /// Off-network sign-ups from one address within the window that make a burst.
        burst_signups: i64 = 5,
        /// Weight of a sign-up inside such a burst.
        burst_weight: f64 = 0.5,
        /// Weight of a sign-up, with a device never seen on the network, of a number a
        /// number-side detector flagged at medium or above (a code sink's number used
        /// with IMEI-changing software).
        sink_signup_weight: f64 = 0.35,
        /// Weight of a device never seen on the network that signed up an account
        /// `bulk_account` flagged at medium or above: the gang's IMEI changer at work,
        /// whichever operator's number it used.
        bulk_signup_weight: f64 = 0.5,
        /// Lowest score reported (above the unknown-TAC weight, so that a TAC the sparse
        /// public list lacks is not a finding on its own).
        report_from: f64 = 0.3,
    }
}

pub struct TamperedImei {
    settings: Settings,
}

/// The signals of one identity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Signals {
    luhn_bad: bool,
    tac_unknown: bool,
    churn: bool,
    farm: bool,
    offnet_signup: bool,
    shared: bool,
    burst: bool,
    sink_signup: bool,
    bulk_signup: bool,
}

/// The session table of [`TamperedImei::network_side`], dropped after the run.
const NETWORK_SIDE: &str = "tampered_imei_network";
/// The session table of [`TamperedImei::tac_devices`], dropped after the run.
const TAC_DEVICES: &str = "tampered_imei_tacs";

impl TamperedImei {
    pub fn new(settings: Settings) -> Self {
        TamperedImei { settings }
    }

    /// The sign-up side's common parts: each device's sign-ups (`regd`).
    fn signup_ctes(&self, present: &[String]) -> Vec<String> {
        let s = &self.settings;
        let mut ctes = Vec::new();
        if has(present, "registrations") {
            ctes.extend(crate::sql::signup_ctes(
                true,
                has(present, "subscribers"),
                s.burst_window_s,
            ));
            ctes.push(
                "regd AS (SELECT dev AS imei, count(*) AS signups, max(device_numbers) AS device_numbers, \
                 max(burst_offnet) AS burst_offnet, max(dev_offnet) AS offnet, min(t) AS first_seen, max(t) AS last_seen \
                 FROM reg WHERE dev IS NOT NULL GROUP BY dev)"
                    .into(),
            );
        }
        ctes
    }

    /// The network side of every device that can be a finding: one whose own network
    /// figures or check digit say so, or one that signed up somewhere (its sign-ups may
    /// say so). Any other device fails every test of [`plan`](Self::plan), so the
    /// millions of ordinary handsets stop here, once, instead of in every later join.
    fn network_side(&self, present: &[String]) -> String {
        let s = &self.settings;
        let mut ctes = self.signup_ctes(present);
        ctes.push("pairs AS (SELECT DISTINCT imsi, imei FROM attach)".into());
        ctes.push("ch AS (SELECT imsi, count(*) AS imeis FROM pairs GROUP BY imsi)".into());
        ctes.push(
            "net AS (SELECT p.imei, count(*) AS sims, max(ch.imeis) AS churn FROM pairs p JOIN ch ON ch.imsi = p.imsi GROUP BY p.imei)"
                .into(),
        );
        let mut keep = vec![
            "NOT imei_luhn_ok(imei)".to_string(),
            format!("churn >= {}", s.churn_imeis),
            format!("sims >= {}", s.farm_sims),
        ];
        if has(present, "registrations") {
            keep.push("imei IN (SELECT imei FROM regd)".into());
        }
        format!(
            "WITH {} SELECT imei, sims, churn FROM net WHERE {}",
            ctes.join(", "),
            keep.join(" OR ")
        )
    }

    /// Per TAC the table lacks, the handsets on the network that carry it: one row per
    /// such TAC, a few thousand at most.
    fn tac_devices() -> String {
        "SELECT d.tac, count(*) AS devices FROM (SELECT DISTINCT imei, imei_tac(imei) AS tac FROM attach \
         WHERE imei IS NOT NULL) d LEFT JOIN (SELECT DISTINCT tac FROM tac) k ON k.tac = d.tac \
         WHERE k.tac IS NULL GROUP BY d.tac"
            .into()
    }

    fn plan(&self, present: &[String]) -> String {
        let s = &self.settings;
        let has_regs = has(present, "registrations");
        let has_tac = has(present, "tac");
        let mut ctes = self.signup_ctes(present);
        ctes.push(format!(
            "net AS (SELECT imei, sims, churn FROM {NETWORK_SIDE})"
        ));
        let mut ids = "SELECT imei FROM net".to_string();
        if has_regs {
            ids.push_str(" UNION SELECT imei FROM regd");
        }
        ctes.push(format!("ids AS ({ids})"));
        ctes.push(
            "ev AS (SELECT imei, count(*) AS attach_events, CAST(min(ts) AS BIGINT) AS first_seen, \
             CAST(max(ts) AS BIGINT) AS last_seen FROM attach WHERE imei IN (SELECT imei FROM ids) GROUP BY imei)"
                .into(),
        );
        let mut cols = vec![
            "i.imei".to_string(),
            "imei_luhn_ok(i.imei) AS luhn_ok".into(),
            "coalesce(net.sims, 0) AS sims".into(),
            "coalesce(net.churn, 0) AS churn".into(),
            "coalesce(ev.attach_events, 0) AS attach_events".into(),
        ];
        let mut joins = vec![
            "LEFT JOIN net ON net.imei = i.imei".to_string(),
            "LEFT JOIN ev ON ev.imei = i.imei".into(),
        ];
        let mut strong = vec![
            "NOT imei_luhn_ok(i.imei)".to_string(),
            format!("net.churn >= {}", s.churn_imeis),
            format!("net.sims >= {}", s.farm_sims),
        ];
        if has_regs {
            cols.extend([
                "coalesce(regd.signups, 0) AS signups".to_string(),
                "coalesce(regd.device_numbers, 0) AS device_numbers".into(),
                "coalesce(regd.burst_offnet, 0) AS burst_offnet".into(),
                "coalesce(regd.offnet, 0) AS offnet".into(),
                "coalesce(ev.first_seen, regd.first_seen) AS first_seen".into(),
                "coalesce(ev.last_seen, regd.last_seen) AS last_seen".into(),
            ]);
            joins.push("LEFT JOIN regd ON regd.imei = i.imei".into());
            if has(present, FINDINGS) {
                ctes.push(format!(
                    "sinks AS (SELECT DISTINCT entity_id FROM findings WHERE entity_type = 'msisdn' \
                     AND detector IN {} AND score >= {})",
                    crate::sql::NUMBER_SIDE,
                    Severity::MEDIUM_FROM
                ));
                ctes.push(
                    "sdev AS (SELECT r.dev AS imei, count(*) AS sink_signups FROM reg r \
                     JOIN sinks ON sinks.entity_id = CAST(r.msisdn AS VARCHAR) WHERE r.dev IS NOT NULL GROUP BY r.dev)"
                        .into(),
                );
                cols.push("coalesce(sdev.sink_signups, 0) AS sink_signups".into());
                joins.push("LEFT JOIN sdev ON sdev.imei = i.imei".into());
                ctes.push(format!(
                    "bdev AS (SELECT r.dev AS imei, count(*) AS bulk_signups FROM reg r \
                     JOIN findings f ON f.entity_type = 'account' AND f.detector = 'bulk_account' \
                     AND f.score >= {} AND f.entity_id = r.account_id WHERE r.dev IS NOT NULL GROUP BY r.dev)",
                    Severity::MEDIUM_FROM
                ));
                cols.push("coalesce(bdev.bulk_signups, 0) AS bulk_signups".into());
                joins.push("LEFT JOIN bdev ON bdev.imei = i.imei".into());
                strong.push("bdev.bulk_signups > 0".into());
            } else {
                cols.push("0 AS sink_signups".into());
                cols.push("0 AS bulk_signups".into());
            }
            strong.push("regd.offnet = 1".into());
            strong.push("regd.device_numbers >= 2".into());
        } else {
            cols.extend([
                "0 AS signups".to_string(),
                "0 AS device_numbers".into(),
                "0 AS burst_offnet".into(),
                "0 AS offnet".into(),
                "0 AS sink_signups".into(),
                "0 AS bulk_signups".into(),
                "ev.first_seen".into(),
                "ev.last_seen".into(),
            ]);
        }
        if has_tac {
            ctes.push("tacs AS (SELECT DISTINCT tac FROM tac)".into());
            cols.push("tacs.tac IS NOT NULL AS tac_known".into());
            cols.push("coalesce(td.devices, 0) AS tac_devices".into());
            joins.push("LEFT JOIN tacs ON tacs.tac = imei_tac(i.imei)".into());
            joins.push(format!(
                "LEFT JOIN {TAC_DEVICES} td ON td.tac = imei_tac(i.imei)"
            ));
        } else {
            cols.push("CAST(NULL AS BOOLEAN) AS tac_known".into());
            cols.push("0 AS tac_devices".into());
        }
        format!(
            "WITH {} SELECT {} FROM ids i {} WHERE {} ORDER BY i.imei",
            ctes.join(", "),
            cols.join(", "),
            joins.join(" "),
            strong.join(" OR ")
        )
    }

    fn score(&self, sig: &Signals) -> f64 {
        let s = &self.settings;
        super::noisy_or(&[
            (sig.luhn_bad, s.luhn_weight),
            (sig.tac_unknown, s.unknown_tac_weight),
            (sig.churn, s.churn_weight),
            (sig.farm, s.farm_weight),
            (sig.offnet_signup, s.offnet_weight),
            (sig.shared, s.shared_weight),
            (sig.burst, s.burst_weight),
            (sig.sink_signup, s.sink_signup_weight),
            (sig.bulk_signup, s.bulk_signup_weight),
        ])
    }
}

impl Detector for TamperedImei {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "tampered_imei",
            entity_types: &["imei"],
            needs: &["attach"],
            uses: &["registrations", "subscribers", "tac", FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let s = &self.settings;
            crate::sql::materialise(ctx, NETWORK_SIDE, &self.network_side(present)).await?;
            let mut scratch = vec![NETWORK_SIDE];
            if has(present, "tac") {
                crate::sql::materialise(ctx, TAC_DEVICES, &Self::tac_devices()).await?;
                scratch.push(TAC_DEVICES);
            }
            let batches = crate::sql::collect_then_drop(ctx, &self.plan(present), &scratch).await?;
            let mut alerts: BTreeMap<i64, Alert> = BTreeMap::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(imei) = c.int("imei", row)? else {
                        continue;
                    };
                    let sims = c.int("sims", row)?.unwrap_or(0);
                    let churn = c.int("churn", row)?.unwrap_or(0);
                    let events = c.int("attach_events", row)?.unwrap_or(0);
                    let signups = c.int("signups", row)?.unwrap_or(0);
                    let device_numbers = c.int("device_numbers", row)?.unwrap_or(0);
                    let burst = c.int("burst_offnet", row)?.unwrap_or(0);
                    let sink_signups = c.int("sink_signups", row)?.unwrap_or(0);
                    let bulk_signups = c.int("bulk_signups", row)?.unwrap_or(0);
                    let tac_known = c.int("tac_known", row)?.map(|v| v != 0);
                    // Handsets besides this one that carry its TAC on the network.
                    let tac_peers = c.int("tac_devices", row)?.unwrap_or(0) - i64::from(events > 0);
                    let sig = Signals {
                        luhn_bad: c.int("luhn_ok", row)? == Some(0),
                        tac_unknown: tac_known == Some(false) && tac_peers < s.tac_peers,
                        churn: churn >= s.churn_imeis,
                        farm: sims >= s.farm_sims,
                        offnet_signup: c.int("offnet", row)? == Some(1),
                        shared: device_numbers >= 2,
                        // Inside a burst of off-network devices, unless this device is
                        // one the network knows: a household's phone on its own
                        // connection while the gang's burst runs through it.
                        burst: burst >= s.burst_signups && c.int("offnet", row)? != Some(0),
                        // Only a device the network never saw: a person's own phone that
                        // signed up a number whose codes were stolen stays clean.
                        sink_signup: sink_signups > 0 && events == 0,
                        bulk_signup: bulk_signups > 0 && events == 0,
                    };
                    let score = self.score(&sig);
                    if score < s.report_from {
                        continue;
                    }
                    let mut reasons = Vec::new();
                    if sig.luhn_bad {
                        reasons.push("its check digit is wrong".to_string());
                    }
                    if sig.tac_unknown {
                        reasons.push("its TAC is not in the TAC table".into());
                    }
                    if sig.churn {
                        reasons.push(format!("a SIM that used it presented {churn} identities"));
                    }
                    if sig.farm {
                        reasons.push(format!("it hosted {sims} SIMs"));
                    }
                    if sig.offnet_signup {
                        reasons.push(format!(
                            "it signed up {signups} account(s) but never appeared on the network"
                        ));
                    }
                    if sig.shared {
                        reasons.push(format!("it signed up {device_numbers} different numbers"));
                    }
                    if sig.sink_signup {
                        reasons.push(format!(
                            "it signed up {sink_signups} number(s) flagged as code sinks"
                        ));
                    }
                    if sig.bulk_signup {
                        reasons.push(format!(
                            "it signed up {bulk_signups} account(s) flagged as bulk registrations and never appeared on the network"
                        ));
                    }
                    if sig.burst {
                        reasons.push(format!(
                            "its sign-up came in a burst of {burst} from one address with devices never seen on the network"
                        ));
                    }
                    let mut evidence = vec![
                        ("luhn_ok", Figure::Bool(!sig.luhn_bad)),
                        ("sims", Figure::Int(sims)),
                        ("max_identities_per_sim", Figure::Int(churn)),
                        ("attach_events", Figure::Int(events)),
                    ];
                    if has(present, "registrations") {
                        evidence.push(("signups", Figure::Int(signups)));
                        evidence.push(("signup_numbers", Figure::Int(device_numbers)));
                        evidence.push(("burst_offnet_signups", Figure::Int(burst)));
                        evidence.push(("sink_signups", Figure::Int(sink_signups)));
                        evidence.push(("bulk_signups", Figure::Int(bulk_signups)));
                    }
                    if let Some(t) = tac_known {
                        evidence.push(("tac_known", Figure::Bool(t)));
                        if !t {
                            evidence.push(("tac_other_handsets", Figure::Int(tac_peers)));
                        }
                    }
                    let id = format_imei(imei);
                    alerts.insert(
                        imei,
                        Alert {
                            detector: "tampered_imei",
                            entity_type: "imei",
                            explanation: format!("IMEI {id}: {}", reasons.join("; ")),
                            entity_id: id,
                            score,
                            severity: Severity::from_score(score),
                            first_seen: c.int("first_seen", row)?,
                            last_seen: c.int("last_seen", row)?,
                            evidence,
                        },
                    );
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
    fn one_weak_signal_stays_a_lead() {
        let d = TamperedImei::new(Settings::default());
        let only = |f: fn(&mut Signals)| {
            let mut s = Signals::default();
            f(&mut s);
            d.score(&s)
        };
        assert!(only(|s| s.tac_unknown = true) < d.settings.report_from);
        assert!(only(|s| s.offnet_signup = true) < 0.5);
        assert!(only(|s| s.luhn_bad = true) >= 0.5);
        // A made-up identity at a bulk sign-up: off the network, inside a burst.
        assert!(
            only(|s| {
                s.offnet_signup = true;
                s.burst = true;
            }) >= 0.5
        );
        assert_eq!(d.score(&Signals::default()), 0.0);
    }
}
