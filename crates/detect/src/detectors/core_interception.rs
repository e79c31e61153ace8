//! `core_interception` (ip and msisdn): verification codes taken inside the operator's
//! core network instead of reaching a handset — the seed story's exact hole. In the
//! `sms` table, `delivery_node` says who took delivery of an MT message: `radio` for
//! normal delivery to a handset, otherwise the SMSC interface peer that received it.
//!
//! A node is suspicious when it takes delivery of OTPs from several services for several
//! numbers, is no signalling element by the asset inventory (when `assets` is present:
//! an approved SMS gateway is listed there with its role; a host listed with another
//! role — an `oss` server its owner registered himself — is not cleared by its
//! listing, and one inside a declared range only is unlisted), and its numbers show that
//! the codes were diverted: they never attach (stock numbers), or their other messages
//! reach the radio network while their codes do not (live subscribers, the victims the
//! seed's insider sold: his 9 million numbers were live and verified). The node gets its
//! own alert (entity `ip`, or the node's name when it is not an address); every number
//! whose OTPs it took gets one too, live or not.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity, parse_ip};

use super::Columns;
use crate::sql::InventorySettings;
use crate::{BoxFuture, Detector, DetectorInfo};

/// What the `[core_interception]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "core_interception (ip, msisdn): OTPs taken by a core-side node instead of reaching a handset";

crate::settings! {
    /// Settings of `core_interception`.
    Settings {
        /// Fewest distinct numbers whose OTPs a node took before it is considered.
        min_numbers: i64 = 3,
        /// Fewest distinct OTP services the node took codes from.
        min_services: i64 = 2,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct CoreInterception {
    settings: Settings,
    inventory: InventorySettings,
}

fn otp_rows() -> String {
    format!(
        "SELECT msisdn, peer_key, ts, node FROM {} WHERE node IS NOT NULL AND lower(node) <> 'radio'",
        crate::sql::OTP_TABLE
    )
}

impl CoreInterception {
    pub fn new(settings: Settings, inventory: InventorySettings) -> Self {
        CoreInterception {
            settings,
            inventory,
        }
    }

    fn node_plan(&self, has_attach: bool, has_assets: bool) -> String {
        let mut ctes = vec![
            format!("otp AS ({})", otp_rows()),
            "pairs AS (SELECT DISTINCT node, msisdn FROM otp)".to_string(),
            format!("radio AS (SELECT msisdn FROM {})", crate::sql::LIVE_NUMBERS),
        ];
        let (never, diverted) = if has_attach {
            ctes.push(
                "att AS (SELECT DISTINCT msisdn FROM attach WHERE msisdn IS NOT NULL)".into(),
            );
            (
                "sum(CASE WHEN att.msisdn IS NULL THEN 1 ELSE 0 END)",
                "sum(CASE WHEN att.msisdn IS NULL OR r.msisdn IS NOT NULL THEN 1 ELSE 0 END)",
            )
        } else {
            (
                "CAST(NULL AS BIGINT)",
                "sum(CASE WHEN r.msisdn IS NULL THEN 0 ELSE 1 END)",
            )
        };
        let att_join = if has_attach {
            "LEFT JOIN att ON att.msisdn = o.msisdn"
        } else {
            ""
        };
        ctes.push(format!(
            "nums AS (SELECT o.node, count(*) AS numbers, {never} AS never_attached, \
             sum(CASE WHEN r.msisdn IS NULL THEN 0 ELSE 1 END) AS radio_numbers, {diverted} AS diverted \
             FROM pairs o {att_join} LEFT JOIN radio r ON r.msisdn = o.msisdn GROUP BY o.node)"
        ));
        ctes.push(
            "agg AS (SELECT node, count(*) AS otp_sms, distinct_count(peer_key) AS services, \
             CAST(min(ts) AS BIGINT) AS first_seen, CAST(max(ts) AS BIGINT) AS last_seen FROM otp GROUP BY node)"
                .into(),
        );
        // Nodes are few and the inventory small: the containment test is cheap.
        let (inv_cols, inv_join) = if has_assets {
            ctes.push("nodes AS (SELECT DISTINCT node AS ip FROM otp)".into());
            ctes.extend(crate::sql::inventory_match("nodes"));
            (
                format!(
                    "m.listed AS listed, m.role AS role, m.owner AS owner, {} AS signalling_role",
                    self.inventory.signalling("m.role")
                ),
                "LEFT JOIN inv_match m ON m.ip = n.node",
            )
        } else {
            (
                "CAST(NULL AS BOOLEAN) AS listed, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS VARCHAR) AS owner, \
                 CAST(NULL AS BOOLEAN) AS signalling_role"
                    .to_string(),
                "",
            )
        };
        format!(
            "WITH {} SELECT n.node, a.otp_sms, a.services, n.numbers, n.never_attached, n.radio_numbers, n.diverted, \
             a.first_seen, a.last_seen, {inv_cols} \
             FROM nums n JOIN agg a ON a.node = n.node {inv_join} \
             WHERE n.numbers >= {} AND a.services >= {} ORDER BY n.node",
            ctes.join(", "),
            self.settings.min_numbers,
            self.settings.min_services
        )
    }

    /// Node score: how far the node's traffic looks like a code pipe. Its breadth, the
    /// share of its numbers whose codes were diverted (never attached, or their other
    /// messages reached the radio while these codes did not; 0.5 when unknown), and
    /// what the inventory says of it carry it.
    fn node_score(&self, numbers: i64, services: i64, diverted: Option<i64>, node: Listing) -> f64 {
        let breadth = 1.0 - (-((numbers.min(services * 10)) as f64) / 10.0).exp();
        let diverted = diverted.map_or(0.5, |n| n as f64 / numbers.max(1) as f64);
        let inventory = match node {
            Listing::Signalling => 0.15,
            Listing::Unlisted | Listing::OtherRole => 1.0,
            Listing::Unknown => 0.7,
        };
        (breadth * (0.4 + 0.6 * diverted.clamp(0.0, 1.0)) * inventory).clamp(0.0, 1.0)
    }
}

/// What the inventory says of a delivery node.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Listing {
    /// No `assets` table.
    Unknown,
    /// No host row approves it.
    Unlisted,
    /// Listed as an SMS or signalling element: taking delivery is its job.
    Signalling,
    /// Listed with a role that never takes delivery of subscribers' messages.
    OtherRole,
}

impl Detector for CoreInterception {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "core_interception",
            entity_types: &["ip", "node", "msisdn"],
            needs: &["sms"],
            uses: &["attach", "assets"],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            crate::sql::ensure_otp_table(ctx).await?;
            crate::sql::ensure_live_numbers(ctx).await?;
            let has_attach = present.iter().any(|p| p == "attach");
            let has_assets = present.iter().any(|p| p == "assets");
            let nodes = ctx
                .sql(&self.node_plan(has_attach, has_assets))
                .await?
                .collect()
                .await?;
            let mut alerts = Vec::new();
            let mut suspicious: BTreeMap<String, f64> = BTreeMap::new();
            for b in &nodes {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(node) = c.text("node", row)? else {
                        continue;
                    };
                    let numbers = c.int("numbers", row)?.unwrap_or(0);
                    let services = c.int("services", row)?.unwrap_or(0);
                    let otp_sms = c.int("otp_sms", row)?.unwrap_or(0);
                    let never = c.int("never_attached", row)?;
                    let radio = c.int("radio_numbers", row)?.unwrap_or(0);
                    let diverted = match (never, c.int("diverted", row)?) {
                        (None, Some(0)) => None,
                        (_, d) => d,
                    };
                    let role = c.text("role", row)?;
                    let owner = c.text("owner", row)?;
                    let listing = match (c.int("listed", row)?, c.int("signalling_role", row)?) {
                        (None, _) => Listing::Unknown,
                        (Some(0), _) => Listing::Unlisted,
                        (Some(_), Some(1)) => Listing::Signalling,
                        (Some(_), _) => Listing::OtherRole,
                    };
                    let score = self.node_score(numbers, services, diverted, listing);
                    if score < self.settings.report_from {
                        continue;
                    }
                    suspicious.insert(node.clone(), score);
                    let mut evidence = vec![
                        ("otp_sms", Figure::Int(otp_sms)),
                        ("otp_services", Figure::Int(services)),
                        ("numbers", Figure::Int(numbers)),
                        ("numbers_reaching_radio", Figure::Int(radio)),
                    ];
                    if let Some(n) = never {
                        evidence.push(("numbers_never_attached", Figure::Int(n)));
                    }
                    if listing != Listing::Unknown {
                        evidence.push((
                            "in_asset_inventory",
                            Figure::Bool(listing != Listing::Unlisted),
                        ));
                    }
                    if let Some(r) = &role {
                        evidence.push(("listed_role", Figure::Text(r.clone())));
                    }
                    if let Some(o) = &owner {
                        evidence.push(("listed_owner", Figure::Text(o.clone())));
                    }
                    let mut why = format!(
                        "took delivery of {otp_sms} verification codes from {services} services for {numbers} numbers instead of the radio network"
                    );
                    if let Some(n) = never {
                        why.push_str(&format!("; {n} of those numbers never attached"));
                    }
                    if radio > 0 {
                        why.push_str(&format!(
                            "; {radio} of them are live: their other messages reach the handset, their codes do not"
                        ));
                    }
                    match listing {
                        Listing::Unlisted => why.push_str("; not in the asset inventory"),
                        Listing::Signalling => why.push_str("; listed in the asset inventory as an SMS/signalling element"),
                        Listing::OtherRole => why.push_str(&format!(
                            "; listed in the asset inventory as {}{}, a role that never takes delivery of subscribers' messages",
                            role.as_deref().unwrap_or("a host without a role"),
                            owner.as_deref().map(|o| format!(" owned by {o}")).unwrap_or_default()
                        )),
                        Listing::Unknown => {}
                    }
                    alerts.push(Alert {
                        detector: "core_interception",
                        entity_type: if parse_ip(&node).is_ok() {
                            "ip"
                        } else {
                            "node"
                        },
                        entity_id: node,
                        score,
                        severity: Severity::from_score(score),
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                        explanation: why,
                        evidence,
                    });
                }
            }
            if suspicious.is_empty() {
                return Ok(alerts);
            }
            // The numbers whose codes those nodes took.
            let attach_col = if has_attach {
                "CASE WHEN att.msisdn IS NULL THEN 0 ELSE 1 END"
            } else {
                "CAST(NULL AS BIGINT)"
            };
            let attach_join = if has_attach {
                "LEFT JOIN (SELECT DISTINCT msisdn FROM attach WHERE msisdn IS NOT NULL) att ON att.msisdn = o.msisdn"
            } else {
                ""
            };
            let per_number = format!(
                "WITH otp AS ({}), radio AS (SELECT msisdn FROM {}) \
                 SELECT o.msisdn, o.node, count(*) AS otp_sms, distinct_count(o.peer_key) AS services, \
                 CAST(min(o.ts) AS BIGINT) AS first_seen, CAST(max(o.ts) AS BIGINT) AS last_seen, max({attach_col}) AS attached, \
                 max(CASE WHEN r.msisdn IS NULL THEN 0 ELSE 1 END) AS reaches_radio \
                 FROM otp o {attach_join} LEFT JOIN radio r ON r.msisdn = o.msisdn GROUP BY o.msisdn, o.node ORDER BY o.msisdn, o.node",
                otp_rows(),
                crate::sql::LIVE_NUMBERS
            );
            let rows = ctx.sql(&per_number).await?.collect().await?;
            let mut best: BTreeMap<i64, Alert> = BTreeMap::new();
            for b in &rows {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let (Some(msisdn), Some(node)) = (c.int("msisdn", row)?, c.text("node", row)?)
                    else {
                        continue;
                    };
                    let Some(&node_score) = suspicious.get(&node) else {
                        continue;
                    };
                    let attached = c.int("attached", row)?;
                    let live = c.int("reaches_radio", row)? == Some(1);
                    // A live number whose codes alone were diverted is a victim as much as
                    // a stock number; an attached number all of whose messages this node
                    // took may be served by it for a reason of its own.
                    let score = node_score
                        * if attached == Some(1) && !live {
                            0.7
                        } else {
                            1.0
                        };
                    if score < self.settings.report_from
                        || best.get(&msisdn).is_some_and(|a| a.score >= score)
                    {
                        continue;
                    }
                    let otp_sms = c.int("otp_sms", row)?.unwrap_or(0);
                    let services = c.int("services", row)?.unwrap_or(0);
                    let mut evidence = vec![
                        ("delivery_node", Figure::Text(node.clone())),
                        ("node_score", Figure::Float(node_score)),
                        ("otp_sms", Figure::Int(otp_sms)),
                        ("otp_services", Figure::Int(services)),
                    ];
                    if let Some(a) = attached {
                        evidence.push(("attached", Figure::Bool(a == 1)));
                    }
                    evidence.push(("other_messages_reach_radio", Figure::Bool(live)));
                    best.insert(
                        msisdn,
                        Alert {
                            detector: "core_interception",
                            entity_type: "msisdn",
                            entity_id: msisdn.to_string(),
                            score,
                            severity: Severity::from_score(score),
                            first_seen: c.int("first_seen", row)?,
                            last_seen: c.int("last_seen", row)?,
                            explanation: format!(
                                "{otp_sms} verification codes from {services} services were taken by {node} instead of reaching a handset{}",
                                if attached == Some(0) {
                                    "; the number never attached to the radio network"
                                } else if live {
                                    "; a live number: its other messages reach the handset, its codes do not"
                                } else {
                                    ""
                                }
                            ),
                            evidence,
                        },
                    );
                }
            }
            alerts.extend(best.into_values());
            Ok(alerts)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_and_presence_decide() {
        let d = CoreInterception::new(Settings::default(), InventorySettings::default());
        // A rogue host: many numbers, none attached, not inventoried.
        assert!(d.node_score(200, 15, Some(200), Listing::Unlisted) >= 0.9);
        // The same host registered by its owner as an OSS server: not cleared.
        assert!(d.node_score(200, 15, Some(200), Listing::OtherRole) >= 0.9);
        // Live victims count among the diverted numbers as stock numbers do (the plan
        // adds those whose other messages reach the radio), so they score alike.
        assert!(d.node_score(200, 15, Some(200), Listing::Unlisted) >= 0.9);
        // An approved SMS gateway, listed as one, serving attached numbers.
        assert!(d.node_score(20, 5, Some(0), Listing::Signalling) < 0.2);
        // Unknown inventory, numbers attached and nothing diverted: at most a lead.
        assert!(d.node_score(50, 8, Some(0), Listing::Unknown) < 0.5);
    }
}
