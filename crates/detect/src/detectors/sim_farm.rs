//! `sim_farm` (imei): handsets that host many SIMs — the modem pools (猫池) that keep
//! code-receiving numbers alive on the network.
//!
//! The count of distinct IMSIs seen on one IMEI carries the score, above what a family
//! sharing a phone does (up to `family_sims` SIMs give nothing). It is then weighted by
//! how much corroborates a farm rather than, say, a shop's test phone: the share of its
//! numbers that receive codes from several services, the spread of holders behind its
//! SIMs (a family is one holder's identity; a farm's SIMs were bought under many), the
//! token calls its SIMs place to each other (keep-alive calls between SIMs of one
//! device), a forged identity (bad Luhn check digit, or a TAC absent from the `tac`
//! table — weak: the public list is sparse), and staying in one cell all along.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity, format_imei};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[sim_farm]` section of `duanka.toml` is about.
pub const ABOUT: &str = "sim_farm (imei): handsets hosting many SIMs, corroborated by codes, many holders, keep-alive calls, forged identities";

crate::settings! {
    /// Settings of `sim_farm`.
    Settings {
        /// Most SIMs a family handset plausibly hosts over the window: up to this, no signal.
        family_sims: i64 = 4,
        /// SIMs at which the count signal is full.
        strong_sims: i64 = 10,
        /// Share of the score the SIM count gives on its own; corroboration adds the rest.
        count_share: f64 = 0.55,
        /// Distinct OTP services from which a number counts as a code receiver.
        receiver_services: i64 = 2,
        /// Factor for a test rig: no SIM of the handset receives codes or calls another,
        /// its identity is sound, and its SIMs are one holder's or hardly used (at most
        /// one sent SMS or call per SIM) — an operator's or a vendor's test equipment
        /// cycling SIMs, not a pool keeping numbers alive for a code platform.
        rig_factor: f64 = 0.45,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct SimFarm {
    settings: Settings,
}

/// What corroborates a farm, each in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Corroboration {
    receivers: f64,
    holders: f64,
    keepalive: f64,
    identity: f64,
    stationary: f64,
}

impl Corroboration {
    fn strongest(&self) -> f64 {
        [
            self.receivers,
            self.holders,
            self.keepalive,
            self.identity,
            self.stationary,
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }
}

/// The session tables the run computes once and drops after.
const DEVICES: &str = "sim_farm_devices";
const NUMBERS: &str = "sim_farm_numbers";

impl SimFarm {
    pub fn new(settings: Settings) -> Self {
        SimFarm { settings }
    }

    /// The devices seen with more SIMs than a family's: a few among millions of attach
    /// rows, and read by every later part of the plan.
    fn devices(&self) -> String {
        format!(
            "SELECT imei, count(*) AS sims FROM (SELECT DISTINCT imei, imsi FROM attach) GROUP BY imei HAVING count(*) > {}",
            self.settings.family_sims
        )
    }

    /// The numbers seen on those devices.
    fn numbers() -> String {
        format!(
            "SELECT DISTINCT a.imei, a.msisdn FROM attach a JOIN {DEVICES} h ON h.imei = a.imei WHERE a.msisdn IS NOT NULL"
        )
    }

    fn plan(&self, present: &[String]) -> String {
        let mut ctes = vec![
            format!("h AS (SELECT imei, sims FROM {DEVICES})"),
            "ev AS (SELECT a.imei, count(*) AS attach_events, CAST(min(a.ts) AS BIGINT) AS first_seen, \
             CAST(max(a.ts) AS BIGINT) AS last_seen FROM attach a JOIN h ON h.imei = a.imei GROUP BY a.imei)"
                .to_string(),
            "cells AS (SELECT imei, count(*) AS cells FROM (SELECT DISTINCT a.imei, a.cell_id FROM attach a \
             JOIN h ON h.imei = a.imei WHERE a.cell_id IS NOT NULL) GROUP BY imei)"
                .into(),
            format!("nums AS (SELECT imei, msisdn FROM {NUMBERS})"),
            "nn AS (SELECT imei, count(*) AS numbers FROM nums GROUP BY imei)".into(),
        ];
        let mut cols = vec![
            "h.imei".to_string(),
            "h.sims".into(),
            "ev.attach_events".into(),
            "ev.first_seen".into(),
            "ev.last_seen".into(),
            "coalesce(cells.cells, 0) AS cells".into(),
            "coalesce(nn.numbers, 0) AS numbers".into(),
            "imei_luhn_ok(h.imei) AS luhn_ok".into(),
        ];
        let mut joins = vec![
            "JOIN ev ON ev.imei = h.imei".to_string(),
            "LEFT JOIN cells ON cells.imei = h.imei".into(),
            "LEFT JOIN nn ON nn.imei = h.imei".into(),
        ];
        if has(present, "sms") {
            ctes.extend(crate::sql::otp_ctes_cached());
            ctes.push(format!(
                "rx AS (SELECT n.imei, count(*) AS receivers FROM nums n JOIN svc ON svc.msisdn = n.msisdn \
                 WHERE svc.services >= {} GROUP BY n.imei)",
                self.settings.receiver_services
            ));
            cols.push("coalesce(rx.receivers, 0) AS receivers".into());
            joins.push("LEFT JOIN rx ON rx.imei = h.imei".into());
        } else {
            cols.push("CAST(NULL AS BIGINT) AS receivers".into());
        }
        if has(present, "subscribers") {
            ctes.push(
                "hold AS (SELECT imei, count(*) AS holders FROM (SELECT DISTINCT n.imei, s.id_hash FROM nums n \
                 JOIN subscribers s ON s.msisdn = n.msisdn WHERE s.id_hash IS NOT NULL) GROUP BY imei)"
                    .into(),
            );
            cols.push("coalesce(hold.holders, 0) AS holders".into());
            joins.push("LEFT JOIN hold ON hold.imei = h.imei".into());
        } else {
            cols.push("CAST(NULL AS BIGINT) AS holders".into());
        }
        if has(present, "calls") {
            // Calls from one SIM of the device to another SIM of the same device.
            ctes.push(
                "ka AS (SELECT n1.imei, count(*) AS keepalive_calls FROM calls c JOIN nums n1 ON n1.msisdn = c.msisdn \
                 JOIN nums n2 ON n2.msisdn = c.peer_key AND n2.imei = n1.imei \
                 WHERE c.direction = 'MO' GROUP BY n1.imei)"
                    .into(),
            );
            cols.push("coalesce(ka.keepalive_calls, 0) AS keepalive_calls".into());
            joins.push("LEFT JOIN ka ON ka.imei = h.imei".into());
        } else {
            cols.push("CAST(NULL AS BIGINT) AS keepalive_calls".into());
        }
        let own: Vec<&str> = [
            ("sms", "SELECT msisdn FROM sms WHERE direction = 'MO'"),
            ("calls", "SELECT msisdn FROM calls WHERE direction = 'MO'"),
        ]
        .into_iter()
        .filter(|(t, _)| has(present, t))
        .map(|(_, q)| q)
        .collect();
        if own.is_empty() {
            cols.push("CAST(NULL AS BIGINT) AS own_traffic".into());
        } else {
            // What the handset's numbers sent or called themselves.
            ctes.push(format!(
                "own AS (SELECT n.imei, count(*) AS own_traffic FROM nums n JOIN ({}) t ON t.msisdn = n.msisdn GROUP BY n.imei)",
                own.join(" UNION ALL ")
            ));
            cols.push("coalesce(own.own_traffic, 0) AS own_traffic".into());
            joins.push("LEFT JOIN own ON own.imei = h.imei".into());
        }
        if has(present, "tac") {
            ctes.push("tacs AS (SELECT DISTINCT tac FROM tac)".into());
            cols.push("tacs.tac IS NOT NULL AS tac_known".into());
            joins.push("LEFT JOIN tacs ON tacs.tac = imei_tac(h.imei)".into());
        } else {
            cols.push("CAST(NULL AS BOOLEAN) AS tac_known".into());
        }
        format!(
            "WITH {} SELECT {} FROM h {} ORDER BY h.imei",
            ctes.join(", "),
            cols.join(", "),
            joins.join(" ")
        )
    }

    fn score(&self, sims: i64, c: &Corroboration) -> f64 {
        let s = &self.settings;
        let span = (s.strong_sims - s.family_sims).max(1) as f64;
        let count = ((sims - s.family_sims) as f64 / span).clamp(0.0, 1.0);
        let base = s.count_share.clamp(0.0, 1.0);
        (count * (base + (1.0 - base) * c.strongest())).clamp(0.0, 1.0)
    }
}

impl Detector for SimFarm {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "sim_farm",
            entity_types: &["imei"],
            needs: &["attach"],
            uses: &["sms", "subscribers", "calls", "tac"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            if has(present, "sms") {
                crate::sql::ensure_otp_table(ctx).await?;
            }
            // A plan's common parts are planned again wherever they are named: the two
            // read by every other part are computed once, as tables, instead of ten times.
            crate::sql::materialise(ctx, DEVICES, &self.devices()).await?;
            crate::sql::materialise(ctx, NUMBERS, &Self::numbers()).await?;
            let batches =
                crate::sql::collect_then_drop(ctx, &self.plan(present), &[DEVICES, NUMBERS])
                    .await?;
            let mut alerts = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(imei) = c.int("imei", row)? else {
                        continue;
                    };
                    let sims = c.int("sims", row)?.unwrap_or(0);
                    let numbers = c.int("numbers", row)?.unwrap_or(0);
                    let events = c.int("attach_events", row)?.unwrap_or(0);
                    let cells = c.int("cells", row)?.unwrap_or(0);
                    let receivers = c.int("receivers", row)?;
                    let holders = c.int("holders", row)?;
                    let keepalive = c.int("keepalive_calls", row)?;
                    let luhn_ok = c.int("luhn_ok", row)? != Some(0);
                    let tac_known = c.int("tac_known", row)?.map(|v| v != 0);
                    let per_sim = |n: i64| (n as f64 / sims.max(1) as f64).clamp(0.0, 1.0);
                    let corr = Corroboration {
                        receivers: receivers.map_or(0.0, per_sim),
                        // One holder is a family; each further holder spreads it.
                        holders: holders.map_or(0.0, |h| {
                            ((h - 1) as f64 / (numbers.max(2) - 1) as f64).clamp(0.0, 1.0)
                        }),
                        keepalive: keepalive.map_or(0.0, per_sim),
                        identity: if !luhn_ok {
                            1.0
                        } else if tac_known == Some(false) {
                            0.5
                        } else {
                            0.0
                        },
                        stationary: if cells == 1 && events >= 2 * sims {
                            0.5
                        } else {
                            0.0
                        },
                    };
                    // Known facts against a farm, not merely missing support.
                    let own_traffic = c.int("own_traffic", row)?;
                    let one_holder = holders == Some(1) && numbers > self.settings.family_sims;
                    let hardly_used = own_traffic.is_some_and(|t| t <= sims);
                    let rig = receivers == Some(0)
                        && keepalive.unwrap_or(0) == 0
                        && luhn_ok
                        && (one_holder || hardly_used);
                    let mut score = self.score(sims, &corr);
                    if rig {
                        score *= self.settings.rig_factor.clamp(0.0, 1.0);
                    }
                    if score < self.settings.report_from {
                        continue;
                    }
                    let mut evidence = vec![
                        ("sims", Figure::Int(sims)),
                        ("numbers", Figure::Int(numbers)),
                        ("attach_events", Figure::Int(events)),
                        ("cells", Figure::Int(cells)),
                        ("luhn_ok", Figure::Bool(luhn_ok)),
                    ];
                    let mut why = format!("one handset identity hosted {sims} SIMs");
                    if let Some(r) = receivers {
                        evidence.push(("otp_receivers", Figure::Int(r)));
                        if r > 0 {
                            why.push_str(&format!(
                                ", {r} of its numbers receive codes from several services"
                            ));
                        }
                    }
                    if let Some(h) = holders {
                        evidence.push(("holders", Figure::Int(h)));
                        if h > 1 {
                            why.push_str(&format!(", registered to {h} different holders"));
                        }
                    }
                    if let Some(k) = keepalive {
                        evidence.push(("keepalive_calls", Figure::Int(k)));
                        if k > 0 {
                            why.push_str(&format!(", {k} calls between its own SIMs"));
                        }
                    }
                    if let Some(t) = tac_known {
                        evidence.push(("tac_known", Figure::Bool(t)));
                    }
                    if !luhn_ok {
                        why.push_str(", its check digit is wrong");
                    } else if tac_known == Some(false) {
                        why.push_str(", its TAC is not in the TAC table");
                    }
                    if corr.stationary > 0.0 {
                        why.push_str(", never leaving one cell");
                    }
                    if let Some(t) = own_traffic {
                        evidence.push(("own_traffic", Figure::Int(t)));
                    }
                    if rig {
                        evidence.push(("test_rig", Figure::Bool(true)));
                        why.push_str(if one_holder {
                            ", but every SIM is one holder's and none receives codes (a test rig?)"
                        } else {
                            ", but its SIMs receive no codes and hardly send or call (a test rig?)"
                        });
                    }
                    alerts.push(Alert {
                        detector: "sim_farm",
                        entity_type: "imei",
                        entity_id: format_imei(imei),
                        score,
                        severity: Severity::from_score(score),
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                        explanation: why,
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
    fn families_are_below_the_count_and_farms_need_corroboration_for_high() {
        let d = SimFarm::new(Settings::default());
        let none = Corroboration::default();
        let codes = Corroboration {
            receivers: 0.9,
            ..Corroboration::default()
        };
        assert_eq!(d.score(4, &codes), 0.0);
        assert_eq!(d.score(3, &none), 0.0);
        let bare = d.score(32, &none);
        assert!((0.5..0.8).contains(&bare), "{bare}");
        assert!(d.score(32, &codes) >= 0.8);
        assert!(d.score(6, &codes) < 0.5);
    }
}
