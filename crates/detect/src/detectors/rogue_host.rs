//! `rogue_host` (ip): machines in the operator's internal networks that the asset
//! inventory does not approve, or that do what their listed role does not do — the seed
//! story's server, set up by the network manager himself, that took the verification
//! SMS of millions of numbers.
//!
//! Candidates of two kinds:
//! - unlisted: internal addresses (private ranges, the networks — IPv4 /16 — the
//!   inventory has hosts in, or a declared range of it) seen in `flows` that no host row
//!   of `assets` approves (an address inside a range row is an unlisted host of that
//!   network, contract 1.1). An unknown host alone is a lead; what it does makes it a
//!   finding: an SMPP bind (ports 2775 and 3550), other traffic with SMS and signalling
//!   nodes (an inventoried SMSC, SMS gateway, HLR/STP; weaker: a standby node being
//!   commissioned replicates with its peer before anyone lists it), databases (the
//!   number pool), foreign addresses (per `geoip`), and how long it stays active;
//! - listed, but behaving against its role: the inventory is maintained by people, and
//!   the insider may be one of them (he registers his server as `oss`, owned by himself).
//!   A listing never clears a host that binds to an SMSC over SMPP when its role is not
//!   one that does (`[inventory] smpp_role_parts`: SMS nodes, VAS platforms, the test lab), takes
//!   delivery of subscribers' verification codes when it is no signalling element, or
//!   holds a connection abroad for `long_hours` when it is no gateway. The mismatch is
//!   the evidence, and the alert names the role and owner the listing claims.
//!
//! Cross-check: a candidate that is also the `delivery_node` of OTPs in `sms` is taking
//! the codes itself — severity high, and the explanation says so. A listed host doing
//! what its role does (the SMS test lab binding to the SMSC) is never a candidate.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::sql::InventorySettings;
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[rogue_host]` section of `duanka.toml` is about.
pub const ABOUT: &str = "rogue_host (ip): internal hosts the inventory does not approve, or that do what their listed role does not";

crate::settings! {
    /// Settings of `rogue_host`. Weights are in [0, 1] and combine as independent
    /// evidence: 1 − Π(1 − weight).
    Settings {
        /// Weight of an SMPP bind to an SMSC (the SMPP ports): how a machine takes
        /// subscribers' messages.
        smpp_weight: f64 = 0.6,
        /// Weight of other traffic with SMS or signalling nodes (replication, management,
        /// monitoring): what a node being commissioned before its inventory row does;
        /// below one half, so that alone, with its uptime, it is a lead.
        node_weight: f64 = 0.25,
        /// Weight of an SMPP bind from a listed host whose role does not bind to an
        /// SMSC: below one half, since role names are each inventory's own (a lab listed
        /// as `qa`); with a tunnel abroad it is medium, taking the codes makes it high.
        listed_smpp_weight: f64 = 0.45,
        /// Fewest listed hosts of a role before what most of them do counts as what
        /// the role does (an SMPP bind, a connection abroad).
        role_peers: i64 = 3,
        /// Share of a role's hosts doing a thing from which it is what the role does.
        role_norm_share: f64 = 0.5,
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
    inventory: InventorySettings,
}

/// What one candidate did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Activity {
    /// Flows to SMS or signalling nodes, or to the SMPP port.
    signalling: i64,
    /// Flows to the SMPP port (an SMPP bind).
    smpp: i64,
    db: i64,
    foreign: i64,
    /// The longest single connection to a foreign address, hours.
    foreign_hours: f64,
    span_hours: f64,
    otp_delivered: i64,
    /// Unlisted, inside a range row of the inventory.
    in_range: bool,
    /// `Some(mismatch)` for a host the inventory lists: which of its behaviours its
    /// listed role does not do.
    listed: Option<Mismatch>,
}

/// What a listed host does that its listed role does not (the plan returns a listed host
/// only when one of these holds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Mismatch {
    smpp: bool,
    delivery: bool,
    tunnel: bool,
}

impl RogueHost {
    pub fn new(settings: Settings, inventory: InventorySettings) -> Self {
        RogueHost {
            settings,
            inventory,
        }
    }

    /// Reads `flow_pairs` and `flow_hosts` (see `sql::ensure_flow_tables`).
    fn plan(&self, present: &[String]) -> String {
        let home = self.settings.home_country.replace('\'', "").to_uppercase();
        let foreign = format!("h.country NOT IN ('{home}', 'PRIVATE', 'UNKNOWN')");
        let mut ctes = vec![
            // Internal: private, or in a network the inventory has hosts in or declares.
            "cand AS (SELECT ip, listed, role, owner, network, in_range FROM flow_hosts WHERE private OR own_net)"
                .to_string(),
            format!(
                "o AS (SELECT c.ip, sum(p.flows) AS flows_out, sum(p.bytes) AS bytes_out, min(p.t0) AS t0, max(p.t1) AS t1, \
                 sum(CASE WHEN {roles} THEN p.flows ELSE p.smpp END) AS signalling, sum(p.smpp) AS smpp, \
                 sum(CASE WHEN h.role = 'db' THEN p.flows ELSE 0 END) AS db, \
                 sum(CASE WHEN {foreign} THEN p.flows ELSE 0 END) AS foreign_flows, \
                 sum(CASE WHEN {foreign} THEN 1 ELSE 0 END) AS foreign_peers, \
                 max(CASE WHEN {foreign} THEN p.longest ELSE 0 END) AS foreign_longest \
                 FROM cand c JOIN flow_pairs p ON p.src = c.ip LEFT JOIN flow_hosts h ON h.ip = p.dst GROUP BY c.ip)",
                roles = self.inventory.signalling("h.role")
            ),
            "i AS (SELECT c.ip, sum(p.flows) AS flows_in, min(p.t0) AS t0, max(p.t1) AS t1, sum(p.ssh) AS ssh_in \
             FROM cand c JOIN flow_pairs p ON p.dst = c.ip GROUP BY c.ip)"
                .into(),
        ];
        let (otp_col, otp_join) = if has(present, "sms") {
            ctes.push(format!(
                "dn AS (SELECT node AS ip, count(*) AS otp_delivered FROM {} WHERE node IS NOT NULL GROUP BY node)",
                crate::sql::OTP_TABLE
            ));
            (
                "coalesce(dn.otp_delivered, 0)",
                "LEFT JOIN dn ON dn.ip = c.ip",
            )
        } else {
            ("0", "")
        };
        let long_secs = (self.settings.long_hours.max(0.0) * 3600.0) as i64;
        // What most listed hosts of a role do (three hosts or more) is what that role
        // does in this inventory, whatever its name: a host is judged against its peers.
        ctes.push(format!(
            "rs AS (SELECT c.role, count(*) AS hosts, sum(CASE WHEN o.smpp > 0 THEN 1 ELSE 0 END) AS smpp_hosts, \
             sum(CASE WHEN o.foreign_longest >= {long_secs} THEN 1 ELSE 0 END) AS tunnel_hosts \
             FROM cand c LEFT JOIN o ON o.ip = c.ip WHERE c.listed = 1 GROUP BY c.role)"
        ));
        let norm = |col: &str| {
            format!(
                "coalesce(rs.hosts >= {} AND rs.{col} >= {} * rs.hosts, false)",
                self.settings.role_peers, self.settings.role_norm_share
            )
        };
        // A listed host is a candidate only for what its role does not do.
        let mismatch_smpp = format!(
            "(c.listed = 1 AND coalesce(o.smpp, 0) > 0 AND NOT {} AND NOT {})",
            self.inventory.smpp("c.role"),
            norm("smpp_hosts")
        );
        let mismatch_delivery = format!(
            "(c.listed = 1 AND {otp_col} > 0 AND NOT {})",
            self.inventory.signalling("c.role")
        );
        let mismatch_tunnel = format!(
            "(c.listed = 1 AND coalesce(o.foreign_longest, 0) >= {long_secs} AND NOT {} AND NOT {})",
            self.inventory.gateway("c.role"),
            norm("tunnel_hosts")
        );
        format!(
            "WITH {} SELECT * FROM (SELECT c.ip, c.listed, c.role, c.owner, c.network, c.in_range, \
             coalesce(o.flows_out, 0) AS flows_out, coalesce(i.flows_in, 0) AS flows_in, \
             coalesce(o.bytes_out, 0) AS bytes_out, coalesce(o.signalling, 0) AS signalling, coalesce(o.smpp, 0) AS smpp, \
             coalesce(o.db, 0) AS db, coalesce(o.foreign_flows, 0) AS foreign_flows, coalesce(i.ssh_in, 0) AS ssh_in, \
             coalesce(o.foreign_peers, 0) AS foreign_peers, coalesce(o.foreign_longest, 0) AS foreign_longest, \
             least(coalesce(o.t0, i.t0), coalesce(i.t0, o.t0)) AS first_seen, \
             greatest(coalesce(o.t1, i.t1), coalesce(i.t1, o.t1)) AS last_seen, {otp_col} AS otp_delivered, \
             {mismatch_smpp} AS mismatch_smpp, {mismatch_delivery} AS mismatch_delivery, {mismatch_tunnel} AS mismatch_tunnel \
             FROM cand c LEFT JOIN o ON o.ip = c.ip LEFT JOIN i ON i.ip = c.ip {otp_join} \
             LEFT JOIN rs ON coalesce(rs.role, '') = coalesce(c.role, '') AND c.listed = 1) x \
             WHERE x.listed = 0 OR x.mismatch_smpp OR x.mismatch_delivery OR x.mismatch_tunnel \
             ORDER BY x.ip",
            ctes.join(", ")
        )
    }

    fn score(&self, a: &Activity) -> f64 {
        let s = &self.settings;
        let mut score = match a.listed {
            // Unknown to the inventory: what it talks to makes it a finding.
            // An address inside a declared range that no host row names is how many a
            // desktop of an office range is listed: what it does, not its absence from
            // the host rows, makes it a lead.
            None => {
                let does = a.signalling > 0 || a.db > 0 || a.foreign > 0;
                super::noisy_or(&[
                    (!a.in_range, s.unknown_weight),
                    (a.smpp > 0, s.smpp_weight),
                    (a.signalling > a.smpp, s.node_weight),
                    (a.db > 0, s.db_weight),
                    (a.foreign > 0, s.foreign_weight),
                    (
                        a.span_hours >= s.long_hours && (does || !a.in_range),
                        s.long_weight,
                    ),
                ])
            }
            // Listed: only what its role does not do counts; its databases and its
            // uptime are what a listed server has.
            Some(m) => {
                super::noisy_or(&[(m.smpp, s.listed_smpp_weight), (m.tunnel, s.foreign_weight)])
            }
        };
        let delivers = match a.listed {
            None => a.otp_delivered > 0,
            Some(m) => m.delivery,
        };
        if delivers {
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
            if has(present, "sms") {
                crate::sql::ensure_otp_table(ctx).await?;
            }
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
                    let flag = |name: &str| -> Result<bool, DataFusionError> {
                        Ok(c.int(name, row)? == Some(1))
                    };
                    let listed = c.int("listed", row)? == Some(1);
                    let act = Activity {
                        signalling: c.int("signalling", row)?.unwrap_or(0),
                        smpp: c.int("smpp", row)?.unwrap_or(0),
                        db: c.int("db", row)?.unwrap_or(0),
                        foreign: c.int("foreign_flows", row)?.unwrap_or(0),
                        foreign_hours: c.int("foreign_longest", row)?.unwrap_or(0).max(0) as f64
                            / 3600.0,
                        span_hours,
                        otp_delivered: c.int("otp_delivered", row)?.unwrap_or(0),
                        in_range: !listed && flag("in_range")?,
                        listed: if listed {
                            Some(Mismatch {
                                smpp: flag("mismatch_smpp")?,
                                delivery: flag("mismatch_delivery")?,
                                tunnel: flag("mismatch_tunnel")?,
                            })
                        } else {
                            None
                        },
                    };
                    let score = self.score(&act);
                    if score < self.settings.report_from {
                        continue;
                    }
                    let foreign_peers = c.int("foreign_peers", row)?.unwrap_or(0);
                    let ssh_in = c.int("ssh_in", row)?.unwrap_or(0);
                    let role = c.text("role", row)?;
                    let owner = c.text("owner", row)?;
                    let network = c.text("network", row)?;
                    let in_range = act.in_range;
                    let why = match act.listed {
                        None => {
                            let mut talks = Vec::new();
                            if act.signalling > 0 {
                                talks.push(format!(
                                    "SMS/signalling nodes ({} flows)",
                                    act.signalling
                                ));
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
                            let mut why = if in_range {
                                format!(
                                    "internal host {ip} lies in a declared range of the {} network, but no host row of the inventory approves it; active for {span_hours:.1} h",
                                    network.as_deref().unwrap_or("operator's")
                                )
                            } else {
                                format!(
                                    "internal host {ip} is not in the asset inventory, active for {span_hours:.1} h"
                                )
                            };
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
                            why
                        }
                        Some(m) => {
                            let mut does = Vec::new();
                            if m.smpp {
                                does.push(format!(
                                    "binds to an SMSC over SMPP ({} flows)",
                                    act.smpp
                                ));
                            }
                            if m.delivery {
                                does.push(format!(
                                    "takes delivery of {} subscribers' verification SMS",
                                    act.otp_delivered
                                ));
                            }
                            if m.tunnel {
                                does.push(format!(
                                    "holds a connection abroad for {:.1} h",
                                    act.foreign_hours
                                ));
                            }
                            let mut why = format!(
                                "host {ip} is listed as {}{}, but it {}: its role does not do that",
                                role.as_deref().unwrap_or("a host without a role"),
                                owner
                                    .as_deref()
                                    .map(|o| format!(" owned by {o}"))
                                    .unwrap_or_default(),
                                does.join(", ")
                            );
                            if ssh_in > 0 {
                                why.push_str(&format!("; reached by {ssh_in} SSH sessions"));
                            }
                            why
                        }
                    };
                    let mut evidence = vec![
                        ("listed", Figure::Bool(listed)),
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
                        ("smpp_flows", Figure::Int(act.smpp)),
                        ("db_flows", Figure::Int(act.db)),
                        ("foreign_flows", Figure::Int(act.foreign)),
                        ("foreign_peers", Figure::Int(foreign_peers)),
                        ("longest_foreign_hours", Figure::Float(act.foreign_hours)),
                        ("ssh_in", Figure::Int(ssh_in)),
                        ("active_hours", Figure::Float(span_hours)),
                        ("otp_delivered", Figure::Int(act.otp_delivered)),
                        ("in_declared_range", Figure::Bool(in_range)),
                    ];
                    if let Some(r) = &role {
                        evidence.push(("listed_role", Figure::Text(r.clone())));
                    }
                    if let Some(o) = &owner {
                        evidence.push(("listed_owner", Figure::Text(o.clone())));
                    }
                    if let Some(n) = &network {
                        evidence.push(("network", Figure::Text(n.clone())));
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
    fn unknown_alone_is_a_lead_and_delivering_codes_is_high() {
        let d = RogueHost::new(Settings::default(), InventorySettings::default());
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

    #[test]
    fn a_listing_clears_only_what_the_role_does() {
        let d = RogueHost::new(Settings::default(), InventorySettings::default());
        // Self-registered as `oss`: its SMPP bind is a lead, with its tunnel abroad a
        // finding, and the codes it takes make it high.
        let binds = Activity {
            smpp: 24,
            signalling: 24,
            listed: Some(Mismatch {
                smpp: true,
                ..Mismatch::default()
            }),
            ..Activity::default()
        };
        assert!((0.2..0.5).contains(&d.score(&binds)));
        let tunnels = Activity {
            listed: Some(Mismatch {
                smpp: true,
                tunnel: true,
                ..Mismatch::default()
            }),
            ..binds
        };
        assert!(d.score(&tunnels) >= 0.5);
        let takes = Activity {
            otp_delivered: 500,
            listed: Some(Mismatch {
                smpp: true,
                delivery: true,
                tunnel: true,
            }),
            ..binds
        };
        assert!(d.score(&takes) >= 0.8);
        // A connection abroad alone, from a listed server, stays a lead (telemetry,
        // vendor support); what a listed server usually does counts for nothing.
        let abroad = Activity {
            foreign: 3,
            foreign_hours: 20.0,
            listed: Some(Mismatch {
                tunnel: true,
                ..Mismatch::default()
            }),
            ..Activity::default()
        };
        assert!((0.2..0.5).contains(&d.score(&abroad)));
        let busy = Activity {
            db: 40,
            span_hours: 24.0,
            listed: Some(Mismatch::default()),
            ..Activity::default()
        };
        assert_eq!(d.score(&busy), 0.0);
        // An unlisted desktop of a declared office range doing nothing notable.
        let desktop = Activity {
            span_hours: 9.0,
            in_range: true,
            ..Activity::default()
        };
        assert_eq!(d.score(&desktop), 0.0);
    }
}
