//! The early-warning list (`warnings.csv`, in the manner of the 12381 dissuasion
//! platform): subscribers who were in contact with a fraud cluster's numbers, and
//! accounts that paid into a cluster holding a case, in risk tiers with the reason.
//!
//! Owns the tiers and the reasons; must not change clusters, and never warns an entity
//! that is itself a cluster member.
//!
//! Tiers (thresholds in [`Settings`](crate::Settings)):
//! - `high`: paid money into a cluster that holds a case (its payee or a mule), or
//!   talked at least `warn_high_talk_s` seconds in answered calls with its numbers;
//! - `medium`: any answered call, at least `warn_medium_contacts` calls and SMS in all,
//!   or contact with two or more of its numbers;
//! - `low`: the rest (one or two SMS, an unanswered call).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use duanka_model::format_utc;

use crate::cluster::{Linked, NONE};
use crate::entity::{EntityType, Via};
use crate::export::csv_field;
use crate::graph::{max_ts, unpack_ts};

/// How urgent a dissuasion call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    High,
    Medium,
    Low,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
        }
    }
}

/// One row of `warnings.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `msisdn` for contacts, `account` for payers.
    pub entity_type: EntityType,
    pub entity_id: String,
    pub tier: Tier,
    pub reason: String,
    /// The highest-ranked cluster involved.
    pub cluster_id: String,
    /// Distinct fraud numbers contacted, or fraud-side accounts paid.
    pub fraud_contacts: u32,
    pub calls: u64,
    pub talk_s: u64,
    pub sms: u64,
    pub paid_fen: i64,
    pub last_ts: Option<i64>,
    /// Already named as a victim in a case.
    pub known_victim: bool,
}

#[derive(Default)]
struct Acc {
    /// Per counterpart: calls, talk, sms, paid, transfers.
    with: BTreeMap<u32, With>,
    last: u32,
    cluster: u32,
}

type With = (u64, u64, u64, i64, u64);

fn touch(acc: &mut HashMap<u32, Acc>, who: u32, other: u32, cluster: u32, last: u32) -> &mut With {
    let a = acc.entry(who).or_insert_with(|| Acc {
        cluster: NONE,
        last: crate::graph::NO_TS,
        ..Acc::default()
    });
    a.cluster = a.cluster.min(cluster);
    a.last = max_ts(a.last, last);
    a.with.entry(other).or_default()
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", f / 100, f % 100)
}

impl Linked {
    /// The warning list: high tier first, then by type and id.
    pub fn warnings(&self) -> Vec<Warning> {
        let s = &self.settings;
        let mut victims: HashSet<u32> = HashSet::new();
        for e in &self.edges {
            if e.via() == Via::CaseVictim {
                victims.insert(e.b);
            }
        }
        let with_case = |c: u32| {
            self.clusters
                .get(c as usize)
                .is_some_and(|c| !c.case_ids.is_empty())
        };
        let mut acc: HashMap<u32, Acc> = HashMap::new();
        for c in &self.contacts {
            let (ca, cb) = (self.cluster_of[c.a as usize], self.cluster_of[c.b as usize]);
            let (who, other, cl) = match (ca == NONE, cb == NONE) {
                (true, false) => (c.a, c.b, cb),
                (false, true) => (c.b, c.a, ca),
                _ => continue,
            };
            let w = touch(&mut acc, who, other, cl, c.last);
            w.0 += u64::from(c.calls);
            w.1 += u64::from(c.talk_s);
            w.2 += u64::from(c.sms);
        }
        for e in &self.edges {
            if e.via() != Via::Transfer {
                continue;
            }
            let (ca, cb) = (self.cluster_of[e.a as usize], self.cluster_of[e.b as usize]);
            if ca == NONE && cb != NONE && with_case(cb) {
                let amount = self.amount(e.a, e.b).unwrap_or(0);
                let w = touch(&mut acc, e.a, e.b, cb, e.last);
                w.3 = w.3.saturating_add(amount);
                w.4 += u64::from(e.rows.max(1));
            }
        }

        let mut out: Vec<Warning> = acc
            .into_iter()
            .map(|(who, a)| self.warning(who, a, victims.contains(&who), s))
            .collect();
        out.sort_by(|x, y| {
            (x.tier, x.entity_type, &x.entity_id).cmp(&(y.tier, y.entity_type, &y.entity_id))
        });
        out
    }

    fn warning(&self, who: u32, a: Acc, known_victim: bool, s: &crate::Settings) -> Warning {
        let n = &self.nodes;
        let (mut calls, mut talk, mut sms, mut paid, mut transfers) =
            (0u64, 0u64, 0u64, 0i64, 0u64);
        let mut payees = 0u32;
        for v in a.with.values() {
            calls += v.0;
            talk += v.1;
            sms += v.2;
            paid = paid.saturating_add(v.3);
            transfers += v.4;
            if v.4 > 0 {
                payees += 1;
            }
        }
        // The counterpart named in the reason: most money, then most talk, then most
        // contacts, then the smallest key.
        let top = a
            .with
            .iter()
            .max_by(|x, y| {
                (x.1.3, x.1.1, x.1.0 + x.1.2)
                    .cmp(&(y.1.3, y.1.1, y.1.0 + y.1.2))
                    .then_with(|| n.cmp_key(*y.0, *x.0))
            })
            .map(|(&k, _)| k);
        let cluster_id = self
            .clusters
            .get(a.cluster as usize)
            .map(|c| c.cluster_id.clone())
            .unwrap_or_default();
        let top_id = top.map(|t| n.id(t)).unwrap_or("");
        let numbers = a.with.len() as u32 - payees;
        let tier = if transfers > 0 || talk >= u64::from(s.warn_high_talk_s) {
            Tier::High
        } else if talk > 0 || calls + sms >= u64::from(s.warn_medium_contacts) || numbers >= 2 {
            Tier::Medium
        } else {
            Tier::Low
        };
        let mut reason = if transfers > 0 {
            format!(
                "paid {} in {transfers} transfer(s) to {} account(s) of fraud cluster {cluster_id}, most to {top_id}",
                yuan(paid),
                payees
            )
        } else {
            format!(
                "{calls} call(s) ({talk} s answered) and {sms} SMS with {numbers} number(s) of fraud cluster {cluster_id}, most with {top_id}"
            )
        };
        if transfers > 0 && numbers > 0 {
            reason.push_str(&format!(
                "; also {calls} call(s) and {sms} SMS with {numbers} of its number(s)"
            ));
        }
        if known_victim {
            reason.push_str("; already a victim in a case");
        }
        Warning {
            entity_type: n.entity_type(who),
            entity_id: n.id(who).to_string(),
            tier,
            reason,
            cluster_id,
            fraud_contacts: a.with.len() as u32,
            calls,
            talk_s: talk,
            sms,
            paid_fen: paid,
            last_ts: unpack_ts(a.last),
            known_victim,
        }
    }

    /// `warnings.csv`: `entity_type,entity_id,tier,reason,cluster_id,fraud_contacts,
    /// calls,talk_s,sms,paid_fen,last_seen,known_victim` (last_seen in RFC 3339 UTC).
    pub fn write_warnings_csv(&self, mut w: impl Write) -> io::Result<()> {
        writeln!(
            w,
            "entity_type,entity_id,tier,reason,cluster_id,fraud_contacts,calls,talk_s,sms,paid_fen,last_seen,known_victim"
        )?;
        for x in self.warnings() {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                x.entity_type,
                csv_field(&x.entity_id),
                x.tier.as_str(),
                csv_field(&x.reason),
                csv_field(&x.cluster_id),
                x.fraud_contacts,
                x.calls,
                x.talk_s,
                x.sms,
                x.paid_fen,
                x.last_ts.map(format_utc).unwrap_or_default(),
                x.known_victim
            )?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_in_yuan() {
        assert_eq!(yuan(15_000_000), "¥150000.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(-1234), "-¥12.34");
    }
}
