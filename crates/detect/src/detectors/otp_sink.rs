//! `otp_sink` (msisdn): numbers that receive verification codes from many distinct
//! services while hardly being used as a phone — the code-receiving numbers (接码号) of
//! the seed story.
//!
//! The two signals multiply, so neither alone flags a number: many services (a shop owner
//! or reseller also has them) and a traffic made almost only of OTPs (an IoT SIM also has
//! little ordinary use, but receives no codes). A number never seen on the radio network
//! (no attach record) while the attach table is present strengthens the finding.
//! OTPs are the `category = 'otp'` rows, or, where `category` is empty, the rows whose
//! content the OTP classifier (`sms_is_otp`) recognises. Services are distinct senders
//! (`peer_key`), counted with `distinct_count` (integer keys; see ARCHITECTURE.md).
//! Facts that say a number is no person's — stock, a handset that is a modem pool, a
//! sign-up it verified from a made-up device — lower the number of services needed.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::Columns;
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[otp_sink]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "otp_sink (msisdn): numbers receiving codes from many services with almost no ordinary use";

crate::settings! {
    /// Settings of `otp_sink`.
    Settings {
        /// Fewest distinct OTP senders over the data's window for a number to be considered.
        min_services: i64 = 3,
        /// Distinct OTP senders at which the service signal is full.
        strong_services: i64 = 8,
        /// How many OTPs one call or one sent SMS outweighs: a call is far stronger
        /// evidence of a person than one more code is of a sink.
        ordinary_weight: f64 = 4.0,
        /// SIMs seen on one handset from which it counts as a modem pool rather than a
        /// family phone.
        pool_sims: i64 = 5,
        /// Factor for a number attached from an ordinary handset: code platforms keep
        /// their numbers off the network or in modem pools, people keep theirs in phones.
        /// Below 0.5, so that a shop owner who happened to make no call that day stays a
        /// lead.
        attached_factor: f64 = 0.45,
        /// Fewest distinct OTP senders for a number whose context already says it is
        /// no person's: a stock (never sold) number, a SIM in a modem pool, or a number
        /// that verified a sign-up with a forged device.
        context_services: i64 = 2,
        /// Score of such a number with no ordinary use, for each such fact (they combine
        /// as independent evidence); times the share of its traffic that is OTPs.
        context_score: f64 = 0.7,
        /// SIMs on a number's handset from which the handset is a modem pool for this
        /// context (eight-port pools are the smallest sold; no family shares one phone
        /// among eight SIMs).
        context_pool_sims: i64 = 8,
        /// Seconds either side of a sign-up that make its burst (as in `bulk_account`).
        signup_window_s: i64 = 1800,
        /// Off-network sign-ups from one address within the window that make a burst.
        signup_burst: i64 = 5,
        /// Lowest score reported (below it, nothing is written).
        report_from: f64 = 0.2,
    }
}

pub struct OtpSink {
    settings: Settings,
}

impl OtpSink {
    pub fn new(settings: Settings) -> Self {
        OtpSink { settings }
    }

    fn plan(&self, present: &[String]) -> String {
        let has = |t: &str| present.iter().any(|p| p == t);
        let mut ctes: Vec<String> = crate::sql::otp_ctes_cached().into();
        ctes.push(
            "mo AS (SELECT msisdn, count(*) AS mo_sms FROM sms WHERE direction = 'MO' GROUP BY msisdn)".into(),
        );
        let mut cols = vec!["coalesce(mo.mo_sms, 0) AS mo_sms".to_string()];
        let mut joins = vec!["LEFT JOIN mo ON mo.msisdn = r.msisdn".to_string()];
        if has("calls") {
            ctes.push("cl AS (SELECT msisdn, count(*) AS calls FROM calls GROUP BY msisdn)".into());
            cols.push("coalesce(cl.calls, 0) AS calls".into());
            joins.push("LEFT JOIN cl ON cl.msisdn = r.msisdn".into());
        }
        if has("attach") {
            ctes.push("att AS (SELECT msisdn, count(*) AS attach_events FROM attach WHERE msisdn IS NOT NULL GROUP BY msisdn)".into());
            cols.push("coalesce(att.attach_events, 0) AS attach_events".into());
            joins.push("LEFT JOIN att ON att.msisdn = r.msisdn".into());
            // The most SIMs seen on any handset this number used.
            ctes.push(
                "hs AS (SELECT imei, distinct_count(imsi) AS sims FROM attach GROUP BY imei)"
                    .into(),
            );
            ctes.push(
                "mh AS (SELECT a.msisdn, max(hs.sims) AS handset_sims FROM (SELECT DISTINCT msisdn, imei FROM attach WHERE msisdn IS NOT NULL) a \
                 JOIN hs ON hs.imei = a.imei GROUP BY a.msisdn)"
                    .into(),
            );
            cols.push("coalesce(mh.handset_sims, 0) AS handset_sims".into());
            joins.push("LEFT JOIN mh ON mh.msisdn = r.msisdn".into());
        }
        if has("subscribers") {
            ctes.push("sub AS (SELECT msisdn, max(CAST(status AS VARCHAR)) AS status FROM subscribers GROUP BY msisdn)".into());
            cols.push("sub.status AS status".into());
            joins.push("LEFT JOIN sub ON sub.msisdn = r.msisdn".into());
        }
        if has("registrations") {
            // Sign-ups this number verified with a device that IMEI-changing software
            // made: a wrong check digit, or off the network inside a burst of such.
            ctes.extend(crate::sql::signup_ctes(
                has("attach"),
                has("subscribers"),
                self.settings.signup_window_s,
            ));
            ctes.push(format!(
                "sg AS (SELECT msisdn, count(*) AS forged_signups FROM reg \
                 WHERE (dev_offnet = 1 AND burst_offnet >= {}) OR (dev IS NOT NULL AND NOT imei_luhn_ok(dev)) \
                 GROUP BY msisdn)",
                self.settings.signup_burst
            ));
            cols.push("coalesce(sg.forged_signups, 0) AS forged_signups".into());
            joins.push("LEFT JOIN sg ON sg.msisdn = r.msisdn".into());
        }
        format!(
            "WITH {} SELECT r.msisdn, r.otp_sms, r.services, CAST(r.first_seen AS BIGINT) AS first_seen, \
             CAST(r.last_seen AS BIGINT) AS last_seen, {} FROM recv r {} \
             WHERE r.services >= {} ORDER BY r.msisdn",
            ctes.join(", "),
            cols.join(", "),
            joins.join(" "),
            self.settings
                .min_services
                .min(self.settings.context_services)
        )
    }

    /// Score from the figures: the service signal times the share of the number's
    /// traffic that is OTPs (calls and sent SMS weighted up, and the share squared, so
    /// that a phone's ordinary life pulls it down hard), times where the number lives:
    /// off the network or in a modem pool (`handset_sims` ≥ `pool_sims`) counts fully, an
    /// ordinary handset by `attached_factor`. `handset_sims` is `None` without attach data.
    ///
    /// `facts`: how many facts besides the handset say the number is no person's (it is
    /// stock; it verified a sign-up from a made-up device). A handset of
    /// `context_pool_sims` SIMs or more is one more. From `context_services` services,
    /// each fact gives `context_score` (combined as independent evidence), scaled from
    /// one half (a busy life) to one (nothing but codes) by the plain share of OTPs in
    /// its traffic. With such facts a few calls or texts are the token traffic that keeps
    /// a SIM alive; and a live number that verified a made-up device had its codes
    /// taken, as the seed's nine million verified numbers did, whatever its owner's life.
    fn score(
        &self,
        services: i64,
        otp_sms: i64,
        ordinary: i64,
        handset_sims: Option<i64>,
        facts: u32,
    ) -> f64 {
        let s = &self.settings;
        let floor = (s.min_services - 1) as f64;
        let span = (s.strong_services as f64 - floor).max(1.0);
        let service_signal = ((services as f64 - floor) / span).clamp(0.0, 1.0);
        // In a modem pool, calls are the token calls that keep SIMs looking alive: they
        // count as what they are, not as a person's life.
        let in_pool = handset_sims.is_some_and(|n| n >= s.pool_sims);
        let weight = if in_pool { 1.0 } else { s.ordinary_weight };
        let weighted = otp_sms as f64 + weight * ordinary as f64;
        let share = if weighted > 0.0 {
            otp_sms as f64 / weighted
        } else {
            0.0
        };
        let presence = match handset_sims {
            Some(n) if n > 0 && n < s.pool_sims => s.attached_factor,
            _ => 1.0,
        };
        let base = service_signal * share * share * presence;
        let facts = facts + u32::from(handset_sims.is_some_and(|n| n >= s.context_pool_sims));
        let context = if facts > 0 && services >= s.context_services {
            let strength = 1.0 - (1.0 - s.context_score.clamp(0.0, 1.0)).powi(facts as i32);
            let plain_share = otp_sms as f64 / (otp_sms + ordinary).max(1) as f64;
            strength * (0.5 + 0.5 * plain_share)
        } else {
            0.0
        };
        base.max(context).clamp(0.0, 1.0)
    }
}

impl Detector for OtpSink {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "otp_sink",
            entity_types: &["msisdn"],
            needs: &["sms"],
            uses: &["calls", "attach", "subscribers", "registrations"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let has_attach = present.iter().any(|p| p == "attach");
            let has_calls = present.iter().any(|p| p == "calls");
            crate::sql::ensure_otp_table(ctx).await?;
            let batches = ctx.sql(&self.plan(present)).await?.collect().await?;
            let mut alerts = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(msisdn) = c.int("msisdn", row)? else {
                        continue;
                    };
                    let services = c.int("services", row)?.unwrap_or(0);
                    let otp_sms = c.int("otp_sms", row)?.unwrap_or(0);
                    let mo_sms = c.int("mo_sms", row)?.unwrap_or(0);
                    let calls = if has_calls {
                        c.int("calls", row)?.unwrap_or(0)
                    } else {
                        0
                    };
                    let attach_events = if has_attach {
                        c.int("attach_events", row)?
                    } else {
                        None
                    };
                    let status = if present.iter().any(|p| p == "subscribers") {
                        c.text("status", row)?
                    } else {
                        None
                    };
                    let attached = has_attach.then(|| attach_events.unwrap_or(0) > 0);
                    let handset_sims = if has_attach {
                        Some(c.int("handset_sims", row)?.unwrap_or(0))
                    } else {
                        None
                    };
                    let forged_signups = if present.iter().any(|p| p == "registrations") {
                        Some(c.int("forged_signups", row)?.unwrap_or(0))
                    } else {
                        None
                    };
                    let stock = status.as_deref() == Some("stock");
                    let facts = u32::from(stock) + u32::from(forged_signups.unwrap_or(0) > 0);
                    let score = self.score(services, otp_sms, calls + mo_sms, handset_sims, facts);
                    if score < self.settings.report_from {
                        continue;
                    }
                    let mut evidence = vec![
                        ("otp_services", Figure::Int(services)),
                        ("otp_sms", Figure::Int(otp_sms)),
                        ("mo_sms", Figure::Int(mo_sms)),
                    ];
                    if has_calls {
                        evidence.push(("calls", Figure::Int(calls)));
                    }
                    if let Some(n) = attach_events {
                        evidence.push(("attach_events", Figure::Int(n)));
                    } else if has_attach {
                        evidence.push(("attach_events", Figure::Int(0)));
                    }
                    if let Some(n) = handset_sims.filter(|n| *n > 0) {
                        evidence.push(("handset_sims", Figure::Int(n)));
                    }
                    if let Some(st) = &status {
                        evidence.push(("status", Figure::Text(st.clone())));
                    }
                    let mut why = format!(
                        "received verification codes from {services} services ({otp_sms} messages) with {} calls and {mo_sms} sent SMS",
                        if has_calls {
                            calls.to_string()
                        } else {
                            "unknown".into()
                        }
                    );
                    if attached == Some(false) {
                        why.push_str(", never attached to the radio network");
                    }
                    if let Some(n) = handset_sims.filter(|n| *n >= self.settings.pool_sims) {
                        why.push_str(&format!(", on a handset hosting {n} SIMs"));
                    }
                    if stock {
                        why.push_str(", a stock (never sold) number");
                    }
                    if let Some(n) = forged_signups.filter(|n| *n > 0) {
                        evidence.push(("forged_signups", Figure::Int(n)));
                        why.push_str(&format!(", verified {n} sign-up(s) from a made-up device"));
                    }
                    alerts.push(Alert {
                        detector: "otp_sink",
                        entity_type: "msisdn",
                        entity_id: msisdn.to_string(),
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
    fn both_signals_are_needed() {
        let d = OtpSink::new(Settings::default());
        // A sink: 12 services, nothing else, never attached.
        assert!(d.score(12, 30, 0, Some(0), 0) >= 0.8);
        // A shop owner: as many services, a few calls and texts, in a phone of its own;
        // or, on a quiet day, none at all: still a lead only.
        assert!(d.score(9, 14, 0, Some(1), 0) < 0.5);
        assert!(d.score(16, 35, 4, Some(1), 0) < 0.5);
        assert!(d.score(12, 30, 40, Some(1), 0) < 0.2);
        // An ordinary user: two services.
        assert_eq!(d.score(2, 3, 0, Some(0), 0), 0.0);
        // A modem-pool SIM with a token call still scores high; with a few, medium.
        assert!(d.score(25, 41, 1, Some(16), 0) >= 0.8);
        assert!(d.score(15, 22, 5, Some(20), 0) >= 0.5);
        // A modem-pool SIM, a stock number or one behind a forged sign-up: two services
        // and nothing else are enough for medium; a person's life still pulls it down.
        assert!(d.score(2, 2, 0, Some(24), 0) >= 0.5);
        assert!(d.score(3, 4, 0, Some(0), 1) >= 0.5);
        assert!(d.score(3, 4, 20, Some(1), 1) < 0.5);
        assert!(d.score(12, 14, 7, Some(1), 1) >= 0.5);
        assert_eq!(d.score(1, 4, 0, Some(0), 1), 0.0);
        // A farm SIM that verified a forged sign-up, with a token text: medium or more.
        assert!(d.score(4, 4, 1, Some(24), 1) >= 0.7);
        // A quiet member of a family sharing one phone among five SIMs stays a lead.
        assert!(d.score(3, 3, 1, Some(5), 0) < 0.5);
        // Without attach data, presence is unknown and not held against the number.
        assert!(d.score(12, 30, 0, None, 0) >= 0.8);
    }
}
