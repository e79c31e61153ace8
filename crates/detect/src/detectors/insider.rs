//! `insider` (user): privileged accounts that read or export the number pool and
//! subscriber data far beyond their peers, at night, or from hosts outside the inventory,
//! or that are tied to a host found taking codes — the seed story's network-management
//! chief, who sold 9 million numbers.
//!
//! Per account in `audit`: records of sensitive objects (`sensitive_objects`) queried or
//! exported, against the median of the accounts that read any (bulk) and against the
//! median of the accounts reading the same object (above its peers, a lower bar: a
//! careful insider reads from his own listed workstation, in office hours, at a few
//! times his colleagues' volume), and against the account's own busiest and usual days;
//! the share of those records read in the night hours (local time, `utc_offset_hours`);
//! actions from source addresses no host row of the inventory approves; and its ties to
//! hosts `rogue_host` or `core_interception` flagged: hosts it created (`create_host`, by
//! address or inventory name), hosts the inventory names it owner of, hosts it acted
//! from or opened SSH sessions into from a host only it acts from — in the evidence.
//! Signals combine as independent evidence (noisy-or): a service account exporting
//! billing data every night from its own database host, or the resource team's daytime
//! number-pool extract from the office, stay leads; so does reading above one's peers
//! without a tie.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[insider]` section of `duanka.toml` is about.
pub const ABOUT: &str = "insider (user): privileged accounts reading the number pool far above peers, at night, from unknown hosts";

crate::settings! {
    /// Settings of `insider`. Weights are in [0, 1] and combine as independent evidence.
    Settings {
        /// Objects whose reads and exports count as subscriber data (matched as parts of
        /// the object name, any case: `number_pool`, `SubscriberInfo`, ...). Call
        /// records are left out by default: billing extracts them every night by design.
        sensitive_objects: Vec<String> = ["number", "pool", "msisdn", "subscriber", "customer", "imsi"]
            .map(String::from)
            .to_vec(),
        /// Actions that read data out (matched as parts of the action name, any case).
        read_actions: Vec<String> = ["query", "export", "read", "select", "download", "dump", "extract"]
            .map(String::from)
            .to_vec(),
        /// Fewest sensitive records before volume counts at all.
        min_records: i64 = 10000,
        /// Times the peers' median from which an account's volume is bulk.
        peer_multiple: f64 = 20.0,
        /// Weight of bulk volume.
        bulk_weight: f64 = 0.4,
        /// Times the account's usual (median) day from which its busiest day is a spike
        /// (needs two days or more).
        spike_multiple: f64 = 10.0,
        /// Weight of a spike against its own history.
        spike_weight: f64 = 0.3,
        /// Local night: hours from midnight (0 to this) count as off-hours.
        night_until_hour: i64 = 6,
        /// Share of sensitive records read at night from which the night signal holds.
        night_share: f64 = 0.5,
        /// Weight of reading at night: weak, since scheduled jobs run at night too; bulk
        /// volume at night alone stays a lead, and needs a spike, a host off the
        /// inventory or a rogue host created to reach medium.
        night_weight: f64 = 0.15,
        /// Factor on the bulk and night weights of a routine: an account that read
        /// subscriber data on every day of the data, no day above `routine_spread` times
        /// its usual one, only from listed hosts — a scheduled job (billing, backup), not
        /// a theft, which goes through hosts of its own or comes in bursts.
        routine_factor: f64 = 0.5,
        /// Most times its usual day an account's busiest day may be for a routine.
        routine_spread: f64 = 3.0,
        /// Weight of acting from a host the inventory does not list.
        unknown_host_weight: f64 = 0.5,
        /// Weight of having created a host that rogue_host flagged.
        created_rogue_weight: f64 = 0.6,
        /// Times the median of the accounts reading the same object from which an
        /// account reads above its peers: a careful insider stays within a few times
        /// his colleagues' volume, far below `peer_multiple`.
        peer_lead_multiple: f64 = 2.5,
        /// Fewest sensitive records before reading above one's peers counts.
        peer_min_records: i64 = 100,
        /// Weight of reading above the peers of the same objects: alone a lead; with a
        /// tie to a flagged host it carries the account to medium or high.
        above_peers_weight: f64 = 0.25,
        /// Weight of owning (`assets.owner`) a host flagged as rogue.
        owns_flagged_weight: f64 = 0.45,
        /// Weight of having acted from a host flagged as rogue, or of SSH sessions into
        /// one from a host only this account acts from (its own desk).
        acted_from_flagged_weight: f64 = 0.5,
        /// Local time's offset from UTC in hours (China: 8).
        utc_offset_hours: i64 = 8,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

/// The session table holding the audit trail while the plan runs.
const AUDIT_ROWS: &str = "insider_audit";

pub struct Insider {
    settings: Settings,
}

/// One account's figures.
#[derive(Debug, Clone, Default, PartialEq)]
struct Account {
    actions: i64,
    sensitive: i64,
    sensitive_night: i64,
    days: i64,
    max_day: i64,
    median_day: i64,
    unknown_host_actions: i64,
    unknown_hosts: Vec<String>,
    created_rogue: Vec<String>,
    /// Flagged hosts the inventory says this account owns.
    owns_flagged: Vec<String>,
    /// Flagged hosts this account acted from.
    acted_from_flagged: Vec<String>,
    /// The account's highest ratio of records to the median of the accounts reading the
    /// same object, and that object.
    peer_ratio: f64,
    peer_object: Option<String>,
    first: Option<i64>,
    last: Option<i64>,
}

/// Which signals hold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Signals {
    bulk: bool,
    spike: bool,
    night: bool,
    unknown_host: bool,
    created_rogue: bool,
    above_peers: bool,
    owns_flagged: bool,
    acted_from_flagged: bool,
    routine: bool,
}

impl Insider {
    pub fn new(settings: Settings) -> Self {
        Insider { settings }
    }

    /// `column` contains one of `parts` (any case), as SQL.
    fn any_part(column: &str, parts: &[String]) -> String {
        let items: Vec<String> = parts
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                format!(
                    "strpos(lower({column}), '{}') > 0",
                    p.to_lowercase().replace('\'', "''")
                )
            })
            .collect();
        if items.is_empty() {
            "FALSE".into()
        } else {
            format!("({})", items.join(" OR "))
        }
    }

    /// The audit trail as the plan reads it, held once: the plan reads it a dozen times.
    /// Whether a row reads subscriber data is decided here, once per row.
    fn audit_rows(&self) -> String {
        let s = &self.settings;
        let offset = s.utc_offset_hours * 3600;
        format!(
            "SELECT CAST(\"user\" AS VARCHAR) AS who, CAST(action AS VARCHAR) AS action, CAST(object AS VARCHAR) AS object, \
             coalesce(record_count, 0) AS n, CAST(ts AS BIGINT) AS t, CAST(src_ip AS VARCHAR) AS src, \
             CAST(ts AS BIGINT) + {offset} AS lt, \
             coalesce(object IS NOT NULL AND {} AND {}, false) AS sensitive FROM audit",
            Self::any_part("CAST(action AS VARCHAR)", &s.read_actions),
            Self::any_part("CAST(object AS VARCHAR)", &s.sensitive_objects)
        )
    }

    fn plan(&self, present: &[String]) -> String {
        let s = &self.settings;
        let mut ctes = vec![
            format!("au AS (SELECT * FROM {AUDIT_ROWS})"),
            "sens AS (SELECT who, object, n, lt FROM au WHERE sensitive)".to_string(),
            format!(
                "per AS (SELECT who, sum(n) AS sensitive, sum(CASE WHEN (lt % 86400) < {} THEN n ELSE 0 END) AS night FROM sens GROUP BY who)",
                s.night_until_hour * 3600
            ),
            "daily AS (SELECT who, lt / 86400 AS day, sum(n) AS n FROM sens GROUP BY who, lt / 86400)".into(),
            "dd AS (SELECT who, count(*) AS days, max(n) AS max_day, median(n) AS median_day FROM daily GROUP BY who)".into(),
            "acts AS (SELECT who, count(*) AS actions, min(t) AS t0, max(t) AS t1 FROM au GROUP BY who)".into(),
            // Peers are the accounts reading the same object: the ratio of an account's
            // records to their median, at its highest object.
            "byobj AS (SELECT who, lower(object) AS object, sum(n) AS n FROM sens GROUP BY who, lower(object))".into(),
            "objmed AS (SELECT object, median(n) AS med, count(*) AS readers FROM byobj GROUP BY object)".into(),
            "ratio AS (SELECT b.who, first_value(b.object ORDER BY CAST(b.n AS DOUBLE) / greatest(m.med, 1) DESC) AS peer_object, \
             max(CAST(b.n AS DOUBLE) / greatest(m.med, 1)) AS peer_ratio FROM byobj b JOIN objmed m ON m.object = b.object \
             WHERE m.readers >= 3 GROUP BY b.who)".into(),
        ];
        if has(present, "assets") {
            ctes.push("srcs AS (SELECT DISTINCT src AS ip FROM au WHERE src IS NOT NULL)".into());
            ctes.extend(crate::sql::inventory_match("srcs"));
            ctes.push(
                "unk AS (SELECT au.who, au.src, count(*) AS actions FROM au JOIN inv_match m ON m.ip = au.src \
                 WHERE NOT m.listed GROUP BY au.who, au.src)"
                    .into(),
            );
        } else {
            ctes.push(
                "unk AS (SELECT who, src, CAST(0 AS BIGINT) AS actions FROM au WHERE FALSE)".into(),
            );
        }
        if has(present, FINDINGS) {
            // Hosts found taking codes or acting against their role.
            ctes.push(
                "flagged AS (SELECT DISTINCT entity_id AS ip FROM findings WHERE entity_type = 'ip' \
                 AND detector IN ('rogue_host', 'core_interception') AND score >= 0.5)"
                    .into(),
            );
            // A host is created under its address or under the name the inventory gives it.
            let names = if has(present, "assets") {
                ctes.push(crate::sql::HOST_NAMES.into());
                "UNION SELECT n.ip, n.name FROM host_names n JOIN flagged f ON f.ip = n.ip"
            } else {
                ""
            };
            ctes.push(format!(
                "fnames AS (SELECT ip, lower(ip) AS name FROM flagged {names})"
            ));
            ctes.push(
                "created AS (SELECT DISTINCT au.who, n.ip AS host FROM au JOIN fnames n ON n.name = lower(au.object) \
                 WHERE au.action = 'create_host')"
                    .into(),
            );
            let ssh = if has(present, "flows") {
                // SSH into a flagged host from a host that only this account acts from.
                "UNION SELECT DISTINCT d.who, p.dst AS host FROM flow_pairs p JOIN flagged f ON f.ip = p.dst \
                 JOIN (SELECT src, min(who) AS who FROM au WHERE src IS NOT NULL GROUP BY src HAVING count(DISTINCT who) = 1) d \
                 ON d.src = p.src WHERE p.ssh > 0"
            } else {
                ""
            };
            ctes.push(format!(
                "fromf AS (SELECT DISTINCT au.who, au.src AS host FROM au JOIN flagged f ON f.ip = au.src {ssh})"
            ));
            if has(present, "assets") {
                // The owner is the one linkage links: that of the host's own row.
                ctes.extend(crate::sql::inventory_match_into("flagged", "flagged_inv"));
                ctes.push(
                    "owned AS (SELECT lower(trim(owner)) AS owner, ip AS host FROM flagged_inv \
                     WHERE listed AND owner IS NOT NULL)"
                        .into(),
                );
            } else {
                ctes.push(
                    "owned AS (SELECT who AS owner, object AS host FROM au WHERE FALSE)".into(),
                );
            }
        } else {
            ctes.push("created AS (SELECT who, object AS host FROM au WHERE FALSE)".into());
            ctes.push("fromf AS (SELECT who, src AS host FROM au WHERE FALSE)".into());
            ctes.push("owned AS (SELECT who AS owner, object AS host FROM au WHERE FALSE)".into());
        }
        format!(
            "WITH {}, \
             unk_agg AS (SELECT who, sum(actions) AS unknown_actions, string_agg(src, ',' ORDER BY src) AS unknown_hosts FROM unk GROUP BY who), \
             cr_agg AS (SELECT who, string_agg(host, ',' ORDER BY host) AS created_rogue FROM created GROUP BY who), \
             ff_agg AS (SELECT who, string_agg(host, ',' ORDER BY host) AS acted_from FROM fromf GROUP BY who), \
             ow_agg AS (SELECT a.who, string_agg(o.host, ',' ORDER BY o.host) AS owns FROM acts a JOIN owned o ON o.owner = lower(a.who) GROUP BY a.who) \
             SELECT a.who, a.actions, a.t0, a.t1, coalesce(per.sensitive, 0) AS sensitive, coalesce(per.night, 0) AS night, \
             coalesce(dd.days, 0) AS days, coalesce(dd.max_day, 0) AS max_day, CAST(coalesce(dd.median_day, 0) AS BIGINT) AS median_day, \
             coalesce(unk_agg.unknown_actions, 0) AS unknown_actions, unk_agg.unknown_hosts, cr_agg.created_rogue, \
             ff_agg.acted_from, ow_agg.owns, ratio.peer_ratio, ratio.peer_object \
             FROM acts a LEFT JOIN per ON per.who = a.who LEFT JOIN dd ON dd.who = a.who \
             LEFT JOIN unk_agg ON unk_agg.who = a.who LEFT JOIN cr_agg ON cr_agg.who = a.who \
             LEFT JOIN ff_agg ON ff_agg.who = a.who LEFT JOIN ow_agg ON ow_agg.who = a.who \
             LEFT JOIN ratio ON ratio.who = a.who ORDER BY a.who",
            ctes.join(", ")
        )
    }

    /// `window_days`: the most days any account read subscriber data on.
    fn signals(&self, a: &Account, peers_median: f64, window_days: i64) -> Signals {
        let s = &self.settings;
        let enough = a.sensitive >= s.min_records;
        let unknown_host = a.unknown_host_actions > 0;
        let created_rogue = !a.created_rogue.is_empty();
        let owns_flagged = !a.owns_flagged.is_empty();
        let acted_from_flagged = !a.acted_from_flagged.is_empty();
        Signals {
            routine: a.days >= 2
                && a.days >= window_days
                && a.max_day as f64 <= s.routine_spread * a.median_day.max(1) as f64
                && !unknown_host
                && !created_rogue
                && !owns_flagged
                && !acted_from_flagged,
            bulk: enough && a.sensitive as f64 >= s.peer_multiple * peers_median.max(1.0),
            spike: enough
                && a.days >= 2
                && a.max_day as f64 >= s.spike_multiple * (a.median_day.max(1)) as f64,
            night: a.sensitive_night >= s.min_records
                && a.sensitive_night as f64 >= s.night_share * a.sensitive.max(1) as f64,
            unknown_host,
            created_rogue,
            above_peers: enough_lead(a, s) && a.peer_ratio >= s.peer_lead_multiple,
            owns_flagged,
            acted_from_flagged,
        }
    }

    fn score(&self, sig: &Signals) -> f64 {
        let s = &self.settings;
        let routine = if sig.routine {
            s.routine_factor.clamp(0.0, 1.0)
        } else {
            1.0
        };
        super::noisy_or(&[
            (sig.bulk, s.bulk_weight * routine),
            (sig.spike, s.spike_weight),
            (sig.night, s.night_weight * routine),
            (sig.unknown_host, s.unknown_host_weight),
            (sig.created_rogue, s.created_rogue_weight),
            // Reading above the peers of the same objects is what bulk volume is, at a
            // lower bar: one or the other counts.
            (sig.above_peers && !sig.bulk, s.above_peers_weight * routine),
            (sig.owns_flagged, s.owns_flagged_weight),
            (sig.acted_from_flagged, s.acted_from_flagged_weight),
        ])
    }
}

/// Enough sensitive records for the peer comparison to mean anything (a careful
/// insider's thousand a day count; a clerk's dozen above a colleague's few do not).
fn enough_lead(a: &Account, s: &Settings) -> bool {
    a.sensitive >= s.peer_min_records
}

/// The median of positive values (0 when there are none).
fn median(mut v: Vec<i64>) -> f64 {
    v.retain(|x| *x > 0);
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m] as f64
    } else {
        (v[m - 1] + v[m]) as f64 / 2.0
    }
}

impl Detector for Insider {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "insider",
            entity_types: &["user"],
            needs: &["audit"],
            uses: &["assets", "flows", FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            if has(present, "flows") {
                crate::sql::ensure_flow_tables(ctx, has(present, "assets")).await?;
            }
            crate::sql::materialise(ctx, AUDIT_ROWS, &self.audit_rows()).await?;
            let batches = ctx.sql(&self.plan(present)).await;
            ctx.deregister_table(AUDIT_ROWS)?;
            let batches = batches?.collect().await?;
            let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
            let list = |v: Option<String>| -> Vec<String> {
                v.map(|s| s.split(',').map(str::to_string).collect())
                    .unwrap_or_default()
            };
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(who) = c.text("who", row)? else {
                        continue;
                    };
                    accounts.insert(
                        who,
                        Account {
                            actions: c.int("actions", row)?.unwrap_or(0),
                            sensitive: c.int("sensitive", row)?.unwrap_or(0),
                            sensitive_night: c.int("night", row)?.unwrap_or(0),
                            days: c.int("days", row)?.unwrap_or(0),
                            max_day: c.int("max_day", row)?.unwrap_or(0),
                            median_day: c.int("median_day", row)?.unwrap_or(0),
                            unknown_host_actions: c.int("unknown_actions", row)?.unwrap_or(0),
                            unknown_hosts: list(c.text("unknown_hosts", row)?),
                            created_rogue: list(c.text("created_rogue", row)?),
                            owns_flagged: list(c.text("owns", row)?),
                            acted_from_flagged: list(c.text("acted_from", row)?),
                            peer_ratio: c.float("peer_ratio", row)?.unwrap_or(0.0),
                            peer_object: c.text("peer_object", row)?,
                            first: c.int("t0", row)?,
                            last: c.int("t1", row)?,
                        },
                    );
                }
            }
            let peers = median(accounts.values().map(|a| a.sensitive).collect());
            let window_days = accounts.values().map(|a| a.days).max().unwrap_or(0);
            let mut alerts = Vec::new();
            for (who, a) in &accounts {
                let sig = self.signals(a, peers, window_days);
                let score = self.score(&sig);
                if score < self.settings.report_from {
                    continue;
                }
                let mut reasons = Vec::new();
                if sig.bulk {
                    reasons.push(format!(
                        "read {} records of subscriber data, {:.0}× the peers' median of {:.0}",
                        a.sensitive,
                        a.sensitive as f64 / peers.max(1.0),
                        peers
                    ));
                }
                if sig.spike {
                    reasons.push(format!(
                        "its busiest day ({}) is {:.0}× its usual day",
                        a.max_day,
                        a.max_day as f64 / a.median_day.max(1) as f64
                    ));
                }
                if sig.night {
                    reasons.push(format!("{} of those records at night", a.sensitive_night));
                }
                if sig.unknown_host {
                    reasons.push(format!(
                        "{} action(s) from host(s) missing from the inventory ({})",
                        a.unknown_host_actions,
                        a.unknown_hosts.join(", ")
                    ));
                }
                if sig.created_rogue {
                    reasons.push(format!(
                        "it created host {} that is now flagged as rogue",
                        a.created_rogue.join(", ")
                    ));
                }
                if sig.above_peers && !sig.bulk {
                    reasons.push(format!(
                        "read {:.1}× the median of the accounts reading {}",
                        a.peer_ratio,
                        a.peer_object.as_deref().unwrap_or("the same objects")
                    ));
                }
                if sig.owns_flagged {
                    reasons.push(format!(
                        "the inventory names it owner of flagged host {}",
                        a.owns_flagged.join(", ")
                    ));
                }
                if sig.acted_from_flagged {
                    reasons.push(format!(
                        "it acted from, or from its own desk opened SSH sessions into, flagged host {}",
                        a.acted_from_flagged.join(", ")
                    ));
                }
                if sig.routine && (sig.bulk || sig.night) {
                    reasons.push(format!(
                        "but at a steady volume on each of its {} days from listed hosts, like a scheduled job",
                        a.days
                    ));
                }
                let mut evidence = vec![
                    ("actions", Figure::Int(a.actions)),
                    ("sensitive_records", Figure::Int(a.sensitive)),
                    ("peers_median", Figure::Float(peers)),
                    ("night_records", Figure::Int(a.sensitive_night)),
                    ("days", Figure::Int(a.days)),
                    ("max_day_records", Figure::Int(a.max_day)),
                    ("median_day_records", Figure::Int(a.median_day)),
                    ("unknown_host_actions", Figure::Int(a.unknown_host_actions)),
                ];
                if !a.unknown_hosts.is_empty() {
                    evidence.push(("unknown_hosts", Figure::Text(a.unknown_hosts.join(","))));
                }
                evidence.push(("peer_ratio", Figure::Float(a.peer_ratio)));
                if !a.owns_flagged.is_empty() {
                    evidence.push(("owns_flagged_host", Figure::Text(a.owns_flagged.join(","))));
                }
                if !a.acted_from_flagged.is_empty() {
                    evidence.push((
                        "acted_from_flagged_host",
                        Figure::Text(a.acted_from_flagged.join(",")),
                    ));
                }
                if !a.created_rogue.is_empty() {
                    evidence.push((
                        "created_rogue_host",
                        Figure::Text(a.created_rogue.join(",")),
                    ));
                }
                alerts.push(Alert {
                    detector: "insider",
                    entity_type: "user",
                    entity_id: who.clone(),
                    score,
                    severity: Severity::from_score(score),
                    first_seen: a.first,
                    last_seen: a.last,
                    explanation: format!("account {who}: {}", reasons.join("; ")),
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

    #[test]
    fn exports_alone_stay_leads_and_the_insider_pattern_is_high() {
        let d = Insider::new(Settings::default());
        let legit = Account {
            sensitive: 50_000,
            ..Account::default()
        };
        let sig = d.signals(&legit, 300.0, 1);
        assert!(sig.bulk && !sig.night && !sig.unknown_host);
        assert!(d.score(&sig) < 0.5);
        let insider = Account {
            sensitive: 9_000_000,
            sensitive_night: 9_000_000,
            unknown_host_actions: 12,
            created_rogue: vec!["10.1.2.150".into()],
            ..Account::default()
        };
        assert!(d.score(&d.signals(&insider, 300.0, 1)) >= 0.8);
        assert_eq!(median(vec![0, 5, 1, 9]), 5.0);
    }

    #[test]
    fn a_nightly_job_at_a_steady_volume_is_a_lead_and_a_theft_through_a_rogue_host_is_not() {
        let d = Insider::new(Settings::default());
        let job = Account {
            sensitive: 6_000_000,
            sensitive_night: 6_000_000,
            days: 2,
            max_day: 3_100_000,
            median_day: 2_900_000,
            ..Account::default()
        };
        let sig = d.signals(&job, 1_200.0, 2);
        assert!(sig.bulk && sig.night && sig.routine);
        assert!(d.score(&sig) < 0.5, "{}", d.score(&sig));
        // The same reads on one day of two are no routine, but bulk at night alone is
        // still only a lead (a weekly job runs once in a week of data).
        let once = Account {
            days: 1,
            ..job.clone()
        };
        let sig = d.signals(&once, 1_200.0, 2);
        let routine = d.score(&d.signals(&job, 1_200.0, 2));
        assert!(!sig.routine && d.score(&sig) < 0.5 && d.score(&sig) > routine);
        // Nor are steady reads through a host the inventory does not list.
        let thief = Account {
            unknown_host_actions: 3,
            ..job
        };
        let sig = d.signals(&thief, 1_200.0, 2);
        assert!(!sig.routine && d.score(&sig) >= 0.7);
    }
}
