//! `jump_host` (ip): external addresses that internal hosts keep a tunnel or a beacon to —
//! the seed story's rented foreign server through which the rogue host was reached.
//!
//! Per pair (source, external destination) in `flows`: how long one connection stays up
//! (the longest flow, full at `long_hours`; summed time is evidence only, since many short
//! connections add up without being a tunnel), how regular they are (start-to-start gaps
//! with a coefficient of variation under `beacon_cv` over at least `beacon_flows` flows),
//! and how steady their bytes are (evidence). The tunnel signal is weighted by where the
//! address is (`geoip`: foreign full, unknown partly, home country little — domestic
//! cloud services stay quiet) and by who holds it: an internal host missing from the
//! inventory or flagged by `rogue_host` fully, an approved VPN or jump gateway of the
//! inventory little (a vendor's support tunnel), another inventoried host in between.
//! One hop further: when the first external address is a domestic relay that itself
//! holds a tunnel to a foreign address (flows seen at the border), the foreign end is
//! the jump host and the relay is reported too.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::sql::InventorySettings;
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[jump_host]` section of `duanka.toml` is about.
pub const ABOUT: &str = "jump_host (ip): external addresses internal hosts hold tunnels or beacons to, weighted by country and holder";

crate::settings! {
    /// Settings of `jump_host`.
    Settings {
        /// Hours of the longest single connection at which the tunnel signal is full (summed
        /// time would make any busy pair a tunnel).
        long_hours: f64 = 6.0,
        /// Fewest flows of a pair before its regularity counts as a beacon.
        beacon_flows: i64 = 6,
        /// Largest coefficient of variation of the start-to-start gaps for a beacon.
        beacon_cv: f64 = 0.25,
        /// Factor for a destination in the home country (domestic services).
        domestic_factor: f64 = 0.3,
        /// Factor for a destination whose country `geoip` does not know.
        unknown_factor: f64 = 0.6,
        /// Factor for a tunnel held by an approved gateway (`[inventory] gateway_roles`).
        gateway_factor: f64 = 0.35,
        /// Factor for a tunnel held by another inventoried host: below one half, since
        /// listed servers keep regular connections abroad for telemetry, updates and
        /// vendor support; a listed holder alone makes a lead.
        listed_factor: f64 = 0.45,
        /// Factor for the relay between an internal host and a foreign jump host.
        relay_factor: f64 = 0.9,
        /// The operator's own country (ISO alpha-2).
        home_country: String = "CN".to_string(),
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct JumpHost {
    settings: Settings,
    inventory: InventorySettings,
}

/// One (source, destination) pair's figures.
#[derive(Debug, Clone, Default)]
struct Pair {
    src: String,
    dst: String,
    flows: i64,
    /// The longest single connection, hours: a tunnel is held, not redialled.
    hours: f64,
    /// All connections together, hours (evidence: many short ones add up without being
    /// a tunnel).
    total_hours: f64,
    gap_cv: Option<f64>,
    bytes: i64,
    bytes_cv: Option<f64>,
    country: String,
    /// 0 internal unlisted, 1 gateway, 2 listed other, 3 external.
    holder: u8,
    holder_flagged: bool,
    first: Option<i64>,
    last: Option<i64>,
}

impl JumpHost {
    pub fn new(settings: Settings, inventory: InventorySettings) -> Self {
        JumpHost {
            settings,
            inventory,
        }
    }

    /// Reads `flow_pairs` and `flow_hosts` (see `sql::ensure_flow_tables`); the gaps of
    /// the pairs with enough flows for a beacon come from `flows` itself.
    fn plan(&self, present: &[String]) -> String {
        let mut ctes = vec![
            "ext AS (SELECT ip, country FROM flow_hosts WHERE listed = 0 AND NOT private)".to_string(),
            "p0 AS (SELECT p.*, ext.country FROM flow_pairs p JOIN ext ON ext.ip = p.dst)".into(),
            format!(
                "bp AS (SELECT src, dst FROM p0 WHERE flows >= {})",
                self.settings.beacon_flows
            ),
            "g AS (SELECT r.src, r.dst, r.t0 - lag(r.t0) OVER (PARTITION BY r.src, r.dst ORDER BY r.t0) AS gap, r.bytes \
             FROM (SELECT CAST(f.src_ip AS VARCHAR) AS src, CAST(f.dst_ip AS VARCHAR) AS dst, CAST(f.ts_start AS BIGINT) AS t0, f.bytes \
             FROM flows f) r JOIN bp ON bp.src = r.src AND bp.dst = r.dst)"
                .into(),
            "gs AS (SELECT src, dst, avg(CAST(gap AS DOUBLE)) AS gap_mean, stddev(CAST(gap AS DOUBLE)) AS gap_sd, \
             avg(CAST(bytes AS DOUBLE)) AS bytes_mean, stddev(CAST(bytes AS DOUBLE)) AS bytes_sd FROM g GROUP BY src, dst)"
                .into(),
            "p AS (SELECT p0.*, gs.gap_mean, gs.gap_sd, gs.bytes_mean, gs.bytes_sd FROM p0 \
             LEFT JOIN gs ON gs.src = p0.src AND gs.dst = p0.dst)"
                .into(),
        ];
        let (flag_col, flag_join) = if has(present, FINDINGS) {
            ctes.push(
                "rogue AS (SELECT entity_id AS ip, max(score) AS score FROM findings \
                 WHERE detector = 'rogue_host' AND entity_type = 'ip' GROUP BY entity_id)"
                    .into(),
            );
            (
                "coalesce(rogue.score, 0) AS src_flag",
                "LEFT JOIN rogue ON rogue.ip = p.src",
            )
        } else {
            ("CAST(0 AS DOUBLE) AS src_flag", "")
        };
        format!(
            "WITH {} SELECT p.*, hs.listed AS src_listed, hs.role AS src_role, hs.private AS src_private, {flag_col} \
             FROM p JOIN flow_hosts hs ON hs.ip = p.src {flag_join} ORDER BY p.src, p.dst",
            ctes.join(", ")
        )
    }

    /// How far a pair looks like a tunnel or a beacon, in [0, 1].
    fn tunnel(&self, p: &Pair) -> f64 {
        let s = &self.settings;
        let long = (p.hours / s.long_hours.max(0.01)).clamp(0.0, 1.0);
        let beacon = match p.gap_cv {
            Some(cv) if p.flows >= s.beacon_flows => {
                (1.0 - cv / s.beacon_cv.max(1e-6)).clamp(0.0, 1.0).sqrt()
            }
            _ => 0.0,
        };
        long.max(beacon)
    }

    fn place(&self, country: &str) -> f64 {
        let home = self.settings.home_country.to_uppercase();
        match country {
            "UNKNOWN" => self.settings.unknown_factor,
            c if c == home => self.settings.domestic_factor,
            _ => 1.0,
        }
    }

    fn holder(&self, p: &Pair) -> f64 {
        if p.holder_flagged {
            return 1.0;
        }
        match p.holder {
            0 => 1.0,
            1 => self.settings.gateway_factor,
            2 => self.settings.listed_factor,
            _ => 1.0,
        }
    }
}

impl Detector for JumpHost {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "jump_host",
            entity_types: &["ip"],
            needs: &["flows"],
            uses: &["assets", "geoip", FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            crate::sql::ensure_flow_tables(ctx, has(present, "assets")).await?;
            let batches = ctx.sql(&self.plan(present)).await?.collect().await?;
            let mut pairs = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let (Some(src), Some(dst)) = (c.text("src", row)?, c.text("dst", row)?) else {
                        continue;
                    };
                    let cv = |m: Option<f64>, sd: Option<f64>| match (m, sd) {
                        (Some(m), Some(sd)) if m > 0.0 => Some(sd / m),
                        _ => None,
                    };
                    let role = c.text("src_role", row)?.unwrap_or_default();
                    let holder = if c.int("src_private", row)? != Some(1)
                        && c.int("src_listed", row)? != Some(1)
                    {
                        3
                    } else if c.int("src_listed", row)? != Some(1) {
                        0
                    } else if self.inventory.is_gateway(&role) {
                        1
                    } else {
                        2
                    };
                    pairs.push(Pair {
                        src,
                        dst,
                        flows: c.int("flows", row)?.unwrap_or(0),
                        hours: c.int("longest", row)?.unwrap_or(0).max(0) as f64 / 3600.0,
                        total_hours: c.int("secs", row)?.unwrap_or(0).max(0) as f64 / 3600.0,
                        gap_cv: cv(c.float("gap_mean", row)?, c.float("gap_sd", row)?),
                        bytes: c.int("bytes", row)?.unwrap_or(0),
                        bytes_cv: cv(c.float("bytes_mean", row)?, c.float("bytes_sd", row)?),
                        country: c.text("country", row)?.unwrap_or_else(|| "UNKNOWN".into()),
                        holder,
                        holder_flagged: c.float("src_flag", row)?.unwrap_or(0.0) >= 0.5,
                        first: c.int("t0", row)?,
                        last: c.int("t1", row)?,
                    });
                }
            }
            // Best alert per destination.
            let mut best: BTreeMap<String, Alert> = BTreeMap::new();
            let mut keep = |a: Alert| match best.get(&a.entity_id) {
                Some(b) if b.score >= a.score => {}
                _ => {
                    best.insert(a.entity_id.clone(), a);
                }
            };
            let home = self.settings.home_country.to_uppercase();
            // Onward tunnels abroad held by external addresses, by holder, for the relay hop.
            let mut onward: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
            for q in pairs.iter().filter(|q| q.holder == 3 && q.country != home) {
                onward.entry(q.src.as_str()).or_default().push(q);
            }
            for p in pairs.iter().filter(|p| p.holder != 3) {
                let tunnel = self.tunnel(p);
                let score = (tunnel * self.place(&p.country) * self.holder(p)).clamp(0.0, 1.0);
                if score >= self.settings.report_from {
                    keep(self.alert(p, None, score));
                }
                // One hop on: a domestic relay that itself holds a tunnel abroad.
                if p.country == home && tunnel > 0.0 {
                    for q in onward.get(p.dst.as_str()).into_iter().flatten() {
                        let onward = self.tunnel(q) * self.place(&q.country);
                        let score = (tunnel * onward * self.holder(p)).clamp(0.0, 1.0);
                        if score >= self.settings.report_from {
                            keep(self.alert(q, Some(p), score));
                            let relay = (score * self.settings.relay_factor).clamp(0.0, 1.0);
                            if relay >= self.settings.report_from {
                                let mut a = self.alert(p, None, relay);
                                a.explanation = format!(
                                    "{} relays the tunnel from {} on to {} ({})",
                                    p.dst, p.src, q.dst, q.country
                                );
                                keep(a);
                            }
                        }
                    }
                }
            }
            Ok(best.into_values().collect())
        })
    }
}

impl JumpHost {
    fn alert(&self, p: &Pair, via: Option<&Pair>, score: f64) -> Alert {
        let holder = match (p.holder_flagged, p.holder) {
            (true, _) => "a host flagged as rogue",
            (_, 0) => "an internal host missing from the inventory",
            (_, 1) => "an approved gateway",
            (_, 2) => "an inventoried host",
            _ => "an external relay",
        };
        let shape = match p.gap_cv {
            Some(cv) if p.flows >= self.settings.beacon_flows && cv <= self.settings.beacon_cv => {
                format!(
                    "a beacon of {} regular connections (gap variation {:.2})",
                    p.flows, cv
                )
            }
            _ => format!("a tunnel up {:.1} h in {} connection(s)", p.hours, p.flows),
        };
        let mut explanation = format!(
            "{} ({}) holds {shape} from {} ({holder})",
            p.dst, p.country, p.src
        );
        let mut evidence = vec![
            ("source", Figure::Text(p.src.clone())),
            ("country", Figure::Text(p.country.clone())),
            ("flows", Figure::Int(p.flows)),
            ("longest_hours", Figure::Float(p.hours)),
            ("total_hours", Figure::Float(p.total_hours)),
            ("bytes", Figure::Int(p.bytes)),
        ];
        if let Some(cv) = p.gap_cv {
            evidence.push(("gap_cv", Figure::Float(cv)));
        }
        if let Some(cv) = p.bytes_cv {
            evidence.push(("bytes_cv", Figure::Float(cv)));
        }
        if let Some(first) = via {
            explanation = format!(
                "{} ({}) is reached through the domestic relay {}, which {} holds a tunnel to ({:.1} h); onward: {shape}",
                p.dst, p.country, first.dst, first.src, first.hours
            );
            evidence.push(("relay", Figure::Text(first.dst.clone())));
            evidence.push(("inner_source", Figure::Text(first.src.clone())));
        }
        Alert {
            detector: "jump_host",
            entity_type: "ip",
            entity_id: p.dst.clone(),
            score,
            severity: Severity::from_score(score),
            first_seen: p.first,
            last_seen: p.last,
            explanation,
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(hours: f64, flows: i64, cv: Option<f64>, country: &str, holder: u8) -> Pair {
        Pair {
            src: "10.0.0.9".into(),
            dst: "203.0.113.5".into(),
            flows,
            hours,
            gap_cv: cv,
            country: country.into(),
            holder,
            ..Pair::default()
        }
    }

    #[test]
    fn tunnels_and_beacons_abroad_from_unknown_hosts_score_high() {
        let d = JumpHost::new(Settings::default(), InventorySettings::default());
        let score = |p: &Pair| d.tunnel(p) * d.place(&p.country) * d.holder(p);
        // A day-long tunnel abroad from an unlisted host.
        assert!(score(&pair(23.9, 1, None, "KH", 0)) >= 0.8);
        // A beacon: 48 short connections, very regular.
        assert!(score(&pair(0.4, 48, Some(0.03), "PH", 0)) >= 0.8);
        // The vendor's tunnel from an approved VPN gateway.
        assert!(score(&pair(23.9, 1, None, "SG", 1)) < 0.5);
        // Domestic cloud backups from an inventoried host.
        assert!(score(&pair(5.0, 3, Some(0.5), "CN", 2)) < 0.5);
        // Short, irregular browsing abroad.
        assert!(score(&pair(0.2, 12, Some(1.4), "JP", 0)) < 0.5);
    }
}
