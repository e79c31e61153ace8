//! `bulk_account` (account): platform accounts registered in bulk with numbers the
//! registrant does not hold — the seed story's WeChat accounts, sold for ¥40 each.
//!
//! Signals of one sign-up, combined as independent evidence (noisy-or), so that one alone
//! stays a lead — a campus behind one NAT address signs many people up in an evening, a
//! university sells SIMs of one block to its students, but their phones are on the
//! network and their numbers live ordinary lives:
//! - the device id is a made-up IMEI (wrong check digit), or is never seen on the network
//!   although the number is the operator's own, or signed up several numbers;
//! - the sign-up came in a burst from one address whose devices are off the network, or
//!   in a burst of numbers of one block from one address (consecutive leaked numbers);
//! - the number was already flagged by a number-side detector that ran before
//!   (`findings`: `otp_sink`, `leaked_block`, `core_interception`), weighted by its score
//!   — half weight on the number's own handset; and when the number's only flag is
//!   `core_interception`'s (a live subscriber whose codes were diverted: a victim, not a
//!   sink), a sign-up by its holder (on the handset that attached with the number, or
//!   away from the gang's addresses, with a code the network delivered to that handset)
//!   is association only: the flag is what was done to him. A modem pool's SIM also
//!   gets its codes over the radio, but its number is flagged as a sink;
//! - the address is the gang's (most of its sign-ups flagged on their own): association
//!   only, a lead alone — the same residential proxy carries a household's own sign-ups;
//!   with it, another operator's number that no call or message of our network touched
//!   (a code-receiving number has no social life; a person's number talks to people).

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[bulk_account]` section of `duanka.toml` is about.
pub const ABOUT: &str = "bulk_account (account): sign-ups in bursts with made-up devices, leaked blocks or flagged numbers";

crate::settings! {
    /// Settings of `bulk_account`. Weights are in [0, 1] and combine as independent
    /// evidence: 1 − Π(1 − weight).
    Settings {
        /// Seconds either side of a sign-up that make its burst.
        burst_window_s: i64 = 1800,
        /// Off-network sign-ups from one address within the window that make a burst.
        burst_signups: i64 = 5,
        /// Weight of a sign-up inside such a burst.
        burst_weight: f64 = 0.45,
        /// Sign-ups of one number block from one address within the window that make a
        /// block burst.
        block_signups: i64 = 4,
        /// Weight of a sign-up inside a block burst.
        block_weight: f64 = 0.45,
        /// Weight of a device id with a wrong check digit.
        luhn_weight: f64 = 0.4,
        /// Weight of a device never seen on the network (the number being the operator's).
        offnet_weight: f64 = 0.3,
        /// Weight of a device id that signed up several numbers.
        shared_weight: f64 = 0.4,
        /// Weight of a number already flagged, multiplied by that finding's score.
        flagged_weight: f64 = 0.7,
        /// Factor on it when the sign-up came from the number's own handset (the device
        /// attached with that number): a live subscriber whose codes were stolen signing
        /// up on his own phone is the victim, not the gang; alone a lead.
        own_handset_factor: f64 = 0.5,
        /// Sign-ups from one address flagged on their own signals (medium or above) from
        /// which, if they are also at least `gang_share` of the address's sign-ups, the
        /// address is the gang's: its other sign-ups get `gang_weight`.
        gang_signups: i64 = 3,
        /// Share of an address's sign-ups flagged on their own that makes it the gang's
        /// (a rented residential proxy also carries its ordinary users; a campus NAT's
        /// stray bulk sign-ups are a few per cent).
        gang_share: f64 = 0.35,
        /// Weight of a sign-up from a gang's address: below one half, since sharing an
        /// address is association, not evidence — a rented residential proxy is somebody's
        /// home connection, and the household's own sign-ups come from it too. Alone a
        /// lead; with a signal of its own (a made-up or off-network device, a burst, a
        /// flagged number) it reaches medium.
        gang_weight: f64 = 0.3,
        /// Weight of another operator's number that nobody in our network heard from
        /// (counted at a gang's address only): with the address, medium.
        silent_weight: f64 = 0.3,
        /// Seconds either side of a sign-up in which its verification code arrives.
        code_window_s: i64 = 600,
        /// Highest score of a sign-up whose only signals are association (a gang's
        /// address; a flagged number signed up by its own holder): a lead, whatever
        /// they add up to.
        lead_cap: f64 = 0.45,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct BulkAccount {
    settings: Settings,
}

/// The signals of one sign-up.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Signals {
    burst: bool,
    block: bool,
    luhn_bad: bool,
    offnet: bool,
    shared: bool,
    /// The best score of a finding on the number (0 when none).
    flagged: f64,
    /// The device attached with this very number.
    own_handset: bool,
    /// A verification code to the number around the sign-up reached its handset over
    /// the radio network, and none went elsewhere.
    code_home: bool,
    /// The number's only findings are `core_interception`'s: its holder is a victim.
    victim: bool,
    /// From an address most of whose sign-ups are flagged on their own.
    gang: bool,
    /// Another operator's number nobody in our network heard from, at a gang's address.
    silent: bool,
}

impl BulkAccount {
    pub fn new(settings: Settings) -> Self {
        BulkAccount { settings }
    }

    fn plan(&self, present: &[String]) -> String {
        let s = &self.settings;
        let mut ctes = crate::sql::signup_ctes(
            has(present, "attach"),
            has(present, "subscribers"),
            s.burst_window_s,
        );
        let (flag_col, flag_join) = if has(present, FINDINGS) {
            ctes.push(
                "flagged AS (SELECT CAST(entity_id AS BIGINT) AS msisdn, max(score) AS number_score, \
                 min(detector) AS by_detector, \
                 min(CASE WHEN detector = 'core_interception' THEN 1 ELSE 0 END) AS victim_only \
                 FROM findings WHERE entity_type = 'msisdn' GROUP BY entity_id)"
                    .into(),
            );
            (
                "f.number_score, f.by_detector, f.victim_only",
                "LEFT JOIN flagged f ON f.msisdn = reg.msisdn",
            )
        } else {
            (
                "CAST(NULL AS DOUBLE) AS number_score, CAST(NULL AS VARCHAR) AS by_detector, \
                 CAST(NULL AS BIGINT) AS victim_only",
                "",
            )
        };
        // Sign-ups with a signal of their own.
        let candidate = format!(
            "(reg.dev IS NOT NULL AND NOT imei_luhn_ok(reg.dev)) OR reg.dev_offnet = 1 OR reg.device_numbers >= 2 \
             OR reg.burst_offnet >= {} OR reg.burst_block >= {} {}",
            s.burst_signups,
            s.block_signups,
            if flag_join.is_empty() {
                ""
            } else {
                "OR f.number_score IS NOT NULL"
            }
        );
        // Every sign-up from an address with enough candidates, for the gang's-address
        // signal, and each address's total.
        ctes.push(format!(
            "gip AS (SELECT reg.ip FROM reg {flag_join} WHERE reg.ip IS NOT NULL AND ({candidate}) \
             GROUP BY reg.ip HAVING count(*) >= {})",
            s.gang_signups.max(1)
        ));
        ctes.push(
            "ipn AS (SELECT ip, count(*) AS ip_signups FROM reg WHERE ip IS NOT NULL GROUP BY ip)"
                .into(),
        );
        format!(
            "WITH {} SELECT reg.account_id, reg.platform, reg.msisdn, reg.device_id, reg.ip, reg.t, \
             reg.dev IS NOT NULL AND NOT imei_luhn_ok(reg.dev) AS luhn_bad, reg.dev_offnet, reg.own_handset, reg.device_numbers, \
             reg.burst_offnet, reg.burst_block, coalesce(ipn.ip_signups, 0) AS ip_signups, {flag_col} \
             FROM reg {flag_join} LEFT JOIN ipn ON ipn.ip = reg.ip LEFT JOIN gip ON gip.ip = reg.ip \
             WHERE ({candidate}) OR gip.ip IS NOT NULL \
             ORDER BY reg.account_id, reg.t",
            ctes.join(", "),
        )
    }

    /// Of the numbers signing up at the gang's addresses, those of other operators that
    /// nobody in our network heard from: no call, no message to or from our
    /// subscribers. What a code-receiving number is, and what "its device never
    /// attaches" says of our own numbers; a person's number talks to people. Asked
    /// only for those few numbers, after the gang's addresses are known.
    async fn silent_numbers(
        &self,
        ctx: &SessionContext,
        present: &[String],
        batches: &[arrow::array::RecordBatch],
        gang_ips: &BTreeMap<String, (i64, i64)>,
    ) -> Result<std::collections::BTreeSet<i64>, DataFusionError> {
        let mut out = std::collections::BTreeSet::new();
        let talk: Vec<&str> = ["calls", "sms"]
            .into_iter()
            .filter(|t| has(present, t))
            .collect();
        if gang_ips.is_empty() || !has(present, "subscribers") || talk.is_empty() {
            return Ok(out);
        }
        let mut numbers = std::collections::BTreeSet::new();
        for b in batches {
            let c = Columns::new(b);
            for row in 0..b.num_rows() {
                if let (Some(ip), Some(m)) = (c.text("ip", row)?, c.int("msisdn", row)?)
                    && gang_ips.contains_key(&ip)
                {
                    numbers.insert(m);
                }
            }
        }
        let column: arrow::array::Int64Array = numbers.into_iter().map(Some).collect();
        crate::sql::register_columns(
            ctx,
            "gang_numbers",
            vec![("msisdn", std::sync::Arc::new(column))],
        )?;
        let heard: Vec<String> = talk
            .iter()
            .map(|t| {
                format!(
                    "SELECT DISTINCT peer_key AS msisdn FROM {t} WHERE peer_key IN (SELECT msisdn FROM gang_numbers)"
                )
            })
            .collect();
        let sql = format!(
            "SELECT msisdn FROM gang_numbers WHERE msisdn NOT IN (SELECT msisdn FROM subscribers) \
             EXCEPT ({})",
            heard.join(" UNION ")
        );
        for b in ctx.sql(&sql).await?.collect().await? {
            let c = Columns::new(&b);
            for row in 0..b.num_rows() {
                if let Some(m) = c.int("msisdn", row)? {
                    out.insert(m);
                }
            }
        }
        ctx.deregister_table("gang_numbers")?;
        Ok(out)
    }

    fn score(&self, sig: &Signals) -> f64 {
        let s = &self.settings;
        // A victim's own sign-up: his number's flag says what was done to him. On his
        // handset wherever he is; with the code his handset received only away from the
        // gang's addresses, since some of the codes of the gang's own sign-ups with his
        // number slip through to him when the diversion misses one.
        let holders = sig.victim && (sig.own_handset || (sig.code_home && !sig.gang));
        let flag = s.flagged_weight
            * sig.flagged
            * if sig.own_handset || holders {
                s.own_handset_factor
            } else {
                1.0
            };
        let own = super::noisy_or(&[
            (sig.burst, s.burst_weight),
            (sig.block, s.block_weight),
            (sig.luhn_bad, s.luhn_weight),
            (sig.offnet, s.offnet_weight),
            (sig.shared, s.shared_weight),
            (!holders, flag),
            (sig.gang && sig.silent, s.silent_weight),
        ]);
        let association = super::noisy_or(&[(holders, flag), (sig.gang, s.gang_weight)]);
        if own > 0.0 {
            super::noisy_or(&[(true, own), (true, association)])
        } else {
            association.min(s.lead_cap)
        }
    }

    /// Of the sign-ups with a victim's number (flagged by `core_interception` alone) not
    /// made on its own handset (a platform's device id is no IMEI), those whose
    /// verification code the network delivered to the number's handset, and none
    /// elsewhere, within `code_window_s`: the holder signed up himself. Asked only for
    /// those few sign-ups.
    async fn codes_home(
        &self,
        ctx: &SessionContext,
        present: &[String],
        batches: &[arrow::array::RecordBatch],
    ) -> Result<std::collections::BTreeSet<(i64, i64)>, DataFusionError> {
        let mut out = std::collections::BTreeSet::new();
        if !has(present, "sms") {
            return Ok(out);
        }
        let (mut numbers, mut times) = (Vec::new(), Vec::new());
        for b in batches {
            let c = Columns::new(b);
            for row in 0..b.num_rows() {
                if c.float("number_score", row)?.unwrap_or(0.0) > 0.0
                    && c.int("victim_only", row)? == Some(1)
                    && c.int("own_handset", row)? != Some(1)
                    && let (Some(m), Some(t)) = (c.int("msisdn", row)?, c.int("t", row)?)
                {
                    numbers.push(m);
                    times.push(t);
                }
            }
        }
        if numbers.is_empty() {
            return Ok(out);
        }
        crate::sql::ensure_otp_table(ctx).await?;
        crate::sql::register_columns(
            ctx,
            "flagged_signups",
            vec![
                (
                    "msisdn",
                    std::sync::Arc::new(arrow::array::Int64Array::from(numbers)),
                ),
                (
                    "t",
                    std::sync::Arc::new(arrow::array::Int64Array::from(times)),
                ),
            ],
        )?;
        let w = self.settings.code_window_s.max(0);
        let sql = format!(
            "SELECT f.msisdn, f.t FROM flagged_signups f JOIN {otp} o ON o.msisdn = f.msisdn \
             AND CAST(o.ts AS BIGINT) BETWEEN f.t - {w} AND f.t + {w} GROUP BY f.msisdn, f.t \
             HAVING sum(CASE WHEN lower(o.node) = 'radio' THEN 1 ELSE 0 END) > 0 \
             AND sum(CASE WHEN o.node IS NULL OR lower(o.node) <> 'radio' THEN 1 ELSE 0 END) = 0",
            otp = crate::sql::OTP_TABLE
        );
        for b in crate::sql::collect_then_drop(ctx, &sql, &["flagged_signups"]).await? {
            let c = Columns::new(&b);
            for row in 0..b.num_rows() {
                if let (Some(m), Some(t)) = (c.int("msisdn", row)?, c.int("t", row)?) {
                    out.insert((m, t));
                }
            }
        }
        Ok(out)
    }
}

impl Detector for BulkAccount {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "bulk_account",
            entity_types: &["account"],
            needs: &["registrations"],
            uses: &["attach", "subscribers", "sms", FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            let s = &self.settings;
            let batches = ctx.sql(&self.plan(present)).await?.collect().await?;
            let home = self.codes_home(ctx, present, &batches).await?;
            let signals = |c: &Columns, row: usize| -> Result<Signals, DataFusionError> {
                Ok(Signals {
                    // Inside a burst of off-network devices, unless its own device is
                    // one the network knows: a household's phone signing up from its
                    // own connection while the gang's burst runs through it.
                    burst: c.int("burst_offnet", row)?.unwrap_or(0) >= s.burst_signups
                        && c.int("dev_offnet", row)? != Some(0),
                    // The same for a block burst: numbers of one block are neighbours by
                    // density too, and a known phone's sign-up is its holder's.
                    block: c.int("burst_block", row)?.unwrap_or(0) >= s.block_signups
                        && c.int("dev_offnet", row)? != Some(0),
                    luhn_bad: c.int("luhn_bad", row)? == Some(1),
                    offnet: c.int("dev_offnet", row)? == Some(1),
                    shared: c.int("device_numbers", row)?.unwrap_or(0) >= 2,
                    flagged: c.float("number_score", row)?.unwrap_or(0.0),
                    own_handset: c.int("own_handset", row)? == Some(1),
                    code_home: match (c.int("msisdn", row)?, c.int("t", row)?) {
                        (Some(m), Some(t)) => home.contains(&(m, t)),
                        _ => false,
                    },
                    victim: c.int("victim_only", row)? == Some(1),
                    gang: false,
                    silent: false,
                })
            };
            // First pass: the addresses most of whose sign-ups are flagged on their own.
            let mut per_ip: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    if let Some(ip) = c.text("ip", row)? {
                        let own = self.score(&signals(&c, row)?);
                        let e = per_ip.entry(ip).or_default();
                        e.0 = c.int("ip_signups", row)?.unwrap_or(0);
                        e.1 += i64::from(own >= Severity::MEDIUM_FROM);
                    }
                }
            }
            per_ip.retain(|_, (n, f)| {
                *f >= s.gang_signups && *f as f64 >= s.gang_share * (*n).max(1) as f64
            });
            let silent = self.silent_numbers(ctx, present, &batches, &per_ip).await?;
            let mut best: BTreeMap<String, Alert> = BTreeMap::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(account) = c.text("account_id", row)? else {
                        continue;
                    };
                    let platform = c.text("platform", row)?.unwrap_or_default();
                    let msisdn = c.int("msisdn", row)?.unwrap_or(0);
                    let burst = c.int("burst_offnet", row)?.unwrap_or(0);
                    let block = c.int("burst_block", row)?.unwrap_or(0);
                    let device_numbers = c.int("device_numbers", row)?.unwrap_or(0);
                    let flagged_by = c.text("by_detector", row)?;
                    let number_score = c.float("number_score", row)?.unwrap_or(0.0);
                    let ip = c.text("ip", row)?;
                    let gang = ip.as_ref().and_then(|i| per_ip.get(i)).copied();
                    let sig = Signals {
                        gang: gang.is_some(),
                        silent: silent.contains(&msisdn),
                        ..signals(&c, row)?
                    };
                    let score = self.score(&sig);
                    if score < s.report_from {
                        continue;
                    }
                    let mut reasons = Vec::new();
                    if sig.burst {
                        reasons.push(format!(
                            "{burst} sign-ups from the same address within {} min had devices never seen on the network",
                            s.burst_window_s / 60
                        ));
                    }
                    if sig.block {
                        reasons.push(format!(
                            "{block} sign-ups from that address within {} min used numbers of block {}xxxx",
                            s.burst_window_s / 60,
                            msisdn / 10_000
                        ));
                    }
                    if sig.luhn_bad {
                        reasons.push("its device id has a wrong check digit".into());
                    } else if sig.offnet {
                        reasons.push("its device never appeared on the network".into());
                    }
                    if sig.shared {
                        reasons.push(format!("its device signed up {device_numbers} numbers"));
                    }
                    if let Some(d) = flagged_by.as_deref().filter(|_| number_score > 0.0) {
                        reasons.push(format!(
                            "its number {msisdn} was flagged by {d} (score {number_score:.2}){}",
                            if sig.own_handset {
                                ", but it signed up on the number's own handset"
                            } else if sig.code_home {
                                ", but its verification code reached the number's own handset"
                            } else {
                                ""
                            }
                        ));
                    }
                    if let Some((n, f)) = gang {
                        reasons.push(format!(
                            "{f} of the {n} sign-ups from its address are flagged bulk sign-ups"
                        ));
                    }
                    if sig.gang && sig.silent {
                        reasons.push(format!(
                            "{msisdn} is another operator's number that no call or message of our network ever touched"
                        ));
                    }
                    let mut evidence = vec![
                        ("platform", Figure::Text(platform.clone())),
                        ("msisdn", Figure::Text(msisdn.to_string())),
                        ("burst_offnet_signups", Figure::Int(burst)),
                        ("block_signups", Figure::Int(block)),
                        ("device_luhn_bad", Figure::Bool(sig.luhn_bad)),
                        ("device_is_numbers_handset", Figure::Bool(sig.own_handset)),
                        ("code_reached_numbers_handset", Figure::Bool(sig.code_home)),
                        ("silent_other_operators_number", Figure::Bool(sig.silent)),
                        ("device_offnet", Figure::Bool(sig.offnet)),
                        ("device_numbers", Figure::Int(device_numbers)),
                        ("number_score", Figure::Float(number_score)),
                    ];
                    if let Some((_, f)) = gang {
                        evidence.push(("flagged_signups_from_ip", Figure::Int(f)));
                    }
                    if let Some(ip) = ip {
                        evidence.push(("ip", Figure::Text(ip)));
                    }
                    if let Some(dev) = c.text("device_id", row)? {
                        evidence.push(("device_id", Figure::Text(dev)));
                    }
                    let t = c.int("t", row)?;
                    let alert = Alert {
                        detector: "bulk_account",
                        entity_type: "account",
                        explanation: format!(
                            "{platform} account {account} signed up with {msisdn}: {}",
                            reasons.join("; ")
                        ),
                        entity_id: account.clone(),
                        score,
                        severity: Severity::from_score(score),
                        first_seen: t,
                        last_seen: t,
                        evidence,
                    };
                    match best.get(&account) {
                        Some(a) if a.score >= alert.score => {}
                        _ => {
                            best.insert(account, alert);
                        }
                    }
                }
            }
            Ok(best.into_values().collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campus_burst_alone_stays_a_lead() {
        let d = BulkAccount::new(Settings::default());
        let campus = Signals {
            block: true,
            ..Signals::default()
        };
        assert!(d.score(&campus) < 0.5);
        // Made-up devices in a burst are medium on their own; with the number already
        // flagged as a code sink they are high.
        let bulk = Signals {
            burst: true,
            block: true,
            offnet: true,
            ..Signals::default()
        };
        assert!((0.5..0.8).contains(&d.score(&bulk)));
        let flagged = Signals {
            flagged: 0.9,
            ..bulk
        };
        assert!(d.score(&flagged) >= 0.8);
        let flagged_only = Signals {
            flagged: 0.95,
            ..Signals::default()
        };
        assert!((0.5..0.8).contains(&d.score(&flagged_only)));
        assert_eq!(d.score(&Signals::default()), 0.0);
    }

    #[test]
    fn a_gangs_address_alone_is_a_lead_and_needs_evidence_of_its_own() {
        let d = BulkAccount::new(Settings::default());
        let household = Signals {
            gang: true,
            ..Signals::default()
        };
        // A live victim's own sign-up on his own phone: his number is flagged, the
        // account is his.
        let victim = Signals {
            flagged: 0.97,
            own_handset: true,
            victim: true,
            ..Signals::default()
        };
        assert!((0.2..0.5).contains(&d.score(&victim)));
        assert!((0.2..0.5).contains(&d.score(&household)));
        // The victim at home, where the gang rents his connection as a proxy: two
        // associations are still no evidence of his own.
        let victim_at_home = Signals {
            gang: true,
            ..victim
        };
        assert!((0.2..0.5).contains(&d.score(&victim_at_home)));
        // On a tablet whose platform id is no IMEI, with the code his phone received,
        // behind the mobile network's NAT.
        let tablet = Signals {
            own_handset: false,
            code_home: true,
            ..victim
        };
        assert!((0.2..0.5).contains(&d.score(&tablet)));
        // The same at the gang's address: a code of the gang's sign-up with his number
        // that slipped through to his handset.
        let slipped = Signals {
            gang: true,
            ..tablet
        };
        assert!(d.score(&slipped) >= 0.5);
        // The gang with his number: the code went elsewhere, the device is theirs.
        let gang_with_his_number = Signals {
            flagged: 0.97,
            gang: true,
            victim: true,
            ..Signals::default()
        };
        assert!(d.score(&gang_with_his_number) >= 0.5);
        // A modem pool's SIM gets its codes over the radio too, in the pool's modem:
        // its number is flagged as a sink, and the sign-up stays the gang's.
        let pool_sim = Signals {
            flagged: 0.87,
            code_home: true,
            own_handset: true,
            gang: true,
            ..Signals::default()
        };
        assert!(d.score(&pool_sim) >= 0.5);
        let offnet = Signals {
            offnet: true,
            ..household
        };
        assert!(d.score(&offnet) >= 0.5);
        // Another operator's number no one in our network ever heard from, at the
        // gang's address: the code platform's, not a person's.
        let silent = Signals {
            silent: true,
            ..household
        };
        assert!(d.score(&silent) >= 0.5);
        assert_eq!(
            d.score(&Signals {
                silent: true,
                ..Signals::default()
            }),
            0.0
        );
    }
}
