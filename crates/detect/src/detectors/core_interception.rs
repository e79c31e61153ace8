//! `core_interception` (ip and msisdn): verification codes taken inside the operator's
//! core network instead of reaching a handset — the seed story's exact hole. In the
//! `sms` table, `delivery_node` says who took delivery of an MT message: `radio` for
//! normal delivery to a handset, otherwise the SMSC interface peer that received it.
//!
//! A node is suspicious when it takes delivery of OTPs from several services for several
//! numbers, is absent from the asset inventory (when `assets` is present: an approved
//! test lab or SMS gateway is listed there), and the numbers it serves are seldom seen on
//! the radio network (no attach records). The node gets its own alert (entity `ip`, or
//! the node's name when it is not an address); every number whose OTPs it took gets one
//! too, weighted by whether the number was ever attached.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity, parse_ip};

use super::Columns;
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
}

fn otp_rows() -> String {
    format!(
        "SELECT msisdn, peer_key, ts, node FROM {} WHERE node IS NOT NULL AND lower(node) <> 'radio'",
        crate::sql::OTP_TABLE
    )
}

impl CoreInterception {
    pub fn new(settings: Settings) -> Self {
        CoreInterception { settings }
    }

    fn node_plan(&self, has_attach: bool, has_assets: bool) -> String {
        let attached = if has_attach {
            "att AS (SELECT DISTINCT msisdn FROM attach WHERE msisdn IS NOT NULL), \
             nums AS (SELECT o.node, count(*) AS numbers, sum(CASE WHEN att.msisdn IS NULL THEN 1 ELSE 0 END) AS never_attached \
             FROM (SELECT DISTINCT node, msisdn FROM otp) o LEFT JOIN att ON att.msisdn = o.msisdn GROUP BY o.node)"
        } else {
            "nums AS (SELECT node, count(*) AS numbers, CAST(NULL AS BIGINT) AS never_attached FROM (SELECT DISTINCT node, msisdn FROM otp) GROUP BY node)"
        };
        // Nodes are few and the inventory small: a cross join with the block test is cheap.
        let (inv_cte, inv_col, inv_join) = if has_assets {
            (
                ", inv AS (SELECT d.node, max(CASE WHEN ip_in_cidr(d.node, a.ip) THEN 1 ELSE 0 END) AS listed \
                 FROM (SELECT DISTINCT node FROM otp) d CROSS JOIN assets a GROUP BY d.node)",
                "coalesce(inv.listed, 0) = 1",
                "LEFT JOIN inv ON inv.node = n.node",
            )
        } else {
            ("", "CAST(NULL AS BOOLEAN)", "")
        };
        format!(
            "WITH otp AS ({}), {attached}, \
             agg AS (SELECT node, count(*) AS otp_sms, distinct_count(peer_key) AS services, CAST(min(ts) AS BIGINT) AS first_seen, CAST(max(ts) AS BIGINT) AS last_seen FROM otp GROUP BY node){inv_cte} \
             SELECT n.node, a.otp_sms, a.services, n.numbers, n.never_attached, a.first_seen, a.last_seen, {inv_col} AS inventoried \
             FROM nums n JOIN agg a ON a.node = n.node {inv_join} \
             WHERE n.numbers >= {} AND a.services >= {} ORDER BY n.node",
            otp_rows(),
            self.settings.min_numbers,
            self.settings.min_services
        )
    }

    /// Node score: how far the node's traffic looks like a code pipe. The share of its
    /// numbers never attached (or 0.5 when unknown) and being off the inventory carry it.
    fn node_score(
        &self,
        numbers: i64,
        services: i64,
        never_attached: Option<i64>,
        inventoried: Option<bool>,
    ) -> f64 {
        let breadth = 1.0 - (-((numbers.min(services * 10)) as f64) / 10.0).exp();
        let absent = never_attached.map_or(0.5, |n| n as f64 / numbers.max(1) as f64);
        let inventory = match inventoried {
            Some(true) => 0.15,
            Some(false) => 1.0,
            None => 0.7,
        };
        (breadth * (0.4 + 0.6 * absent) * inventory).clamp(0.0, 1.0)
    }
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
                    let inventoried = c.text("inventoried", row)?.map(|t| t == "true");
                    let score = self.node_score(numbers, services, never, inventoried);
                    if score < self.settings.report_from {
                        continue;
                    }
                    suspicious.insert(node.clone(), score);
                    let mut evidence = vec![
                        ("otp_sms", Figure::Int(otp_sms)),
                        ("otp_services", Figure::Int(services)),
                        ("numbers", Figure::Int(numbers)),
                    ];
                    if let Some(n) = never {
                        evidence.push(("numbers_never_attached", Figure::Int(n)));
                    }
                    if let Some(i) = inventoried {
                        evidence.push(("in_asset_inventory", Figure::Bool(i)));
                    }
                    let mut why = format!(
                        "took delivery of {otp_sms} verification codes from {services} services for {numbers} numbers instead of the radio network"
                    );
                    if let Some(n) = never {
                        why.push_str(&format!("; {n} of those numbers never attached"));
                    }
                    match inventoried {
                        Some(false) => why.push_str("; not in the asset inventory"),
                        Some(true) => why.push_str("; listed in the asset inventory"),
                        None => {}
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
                "WITH otp AS ({}) SELECT o.msisdn, o.node, count(*) AS otp_sms, distinct_count(o.peer_key) AS services, \
                 CAST(min(o.ts) AS BIGINT) AS first_seen, CAST(max(o.ts) AS BIGINT) AS last_seen, max({attach_col}) AS attached \
                 FROM otp o {attach_join} GROUP BY o.msisdn, o.node ORDER BY o.msisdn, o.node",
                otp_rows()
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
                    let score = node_score * if attached == Some(1) { 0.7 } else { 1.0 };
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
                                if attached == Some(0) { "; the number never attached to the radio network" } else { "" }
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
        let d = CoreInterception::new(Settings::default());
        // A rogue host: many numbers, none attached, not inventoried.
        assert!(d.node_score(200, 15, Some(200), Some(false)) >= 0.9);
        // The approved test lab: listed, its SIMs attached.
        assert!(d.node_score(20, 5, Some(0), Some(true)) < 0.2);
        // Unknown inventory, numbers attached: at most a lead.
        assert!(d.node_score(50, 8, Some(0), None) < 0.5);
    }
}
