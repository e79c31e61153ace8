//! `proxy_ip` (ip): client addresses that bulk registration came from — the proxies a
//! registration gang rotates through. An address counts by the sign-ups from it that
//! `bulk_account` flagged at `medium` or above (from `findings`), and by their share of
//! all its sign-ups: a campus NAT or a carrier's shared address carries thousands of
//! ordinary sign-ups and at most a stray bulk one; a proxy carries almost only bulk ones.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::{Alert, Figure, Severity};

use super::{Columns, has};
use crate::{BoxFuture, Detector, DetectorInfo, FINDINGS};

/// What the `[proxy_ip]` section of `duanka.toml` is about.
pub const ABOUT: &str =
    "proxy_ip (ip): sign-up addresses carrying mostly flagged bulk registrations";

crate::settings! {
    /// Settings of `proxy_ip`.
    Settings {
        /// Flagged bulk sign-ups from one address at which the count signal is full.
        strong_signups: i64 = 10,
        /// Fewest flagged bulk sign-ups for an address to be considered.
        min_signups: i64 = 3,
        /// Lowest score reported.
        report_from: f64 = 0.2,
    }
}

pub struct ProxyIp {
    settings: Settings,
}

impl ProxyIp {
    pub fn new(settings: Settings) -> Self {
        ProxyIp { settings }
    }

    fn score(&self, flagged: i64, total: i64) -> f64 {
        let s = &self.settings;
        if flagged < s.min_signups || total <= 0 {
            return 0.0;
        }
        let count = (flagged as f64 / s.strong_signups.max(1) as f64).clamp(0.0, 1.0);
        let share = (flagged as f64 / total as f64).clamp(0.0, 1.0);
        (count * (0.3 + 0.7 * share)).clamp(0.0, 1.0)
    }
}

impl Detector for ProxyIp {
    fn info(&self) -> DetectorInfo {
        DetectorInfo {
            name: "proxy_ip",
            entity_types: &["ip"],
            needs: &["registrations"],
            uses: &["geoip", FINDINGS],
        }
    }

    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>> {
        Box::pin(async move {
            if !has(present, FINDINGS) {
                return Ok(Vec::new());
            }
            let batches = ctx
                .sql(
                    "WITH bulk AS (SELECT DISTINCT entity_id AS account FROM findings \
                     WHERE detector = 'bulk_account' AND score >= 0.5), \
                     r AS (SELECT CAST(ip AS VARCHAR) AS ip, CAST(account_id AS VARCHAR) AS account, CAST(ts AS BIGINT) AS t \
                     FROM registrations WHERE ip IS NOT NULL) \
                     SELECT r.ip, count(*) AS signups, sum(CASE WHEN b.account IS NULL THEN 0 ELSE 1 END) AS flagged, \
                     min(r.t) AS first_seen, max(r.t) AS last_seen, upper(ip_country(r.ip)) AS country \
                     FROM r LEFT JOIN bulk b ON b.account = r.account GROUP BY r.ip \
                     HAVING sum(CASE WHEN b.account IS NULL THEN 0 ELSE 1 END) > 0 ORDER BY r.ip",
                )
                .await?
                .collect()
                .await?;
            let mut alerts = Vec::new();
            for b in &batches {
                let c = Columns::new(b);
                for row in 0..b.num_rows() {
                    let Some(ip) = c.text("ip", row)? else {
                        continue;
                    };
                    let total = c.int("signups", row)?.unwrap_or(0);
                    let flagged = c.int("flagged", row)?.unwrap_or(0);
                    let score = self.score(flagged, total);
                    if score < self.settings.report_from {
                        continue;
                    }
                    let country = c.text("country", row)?.unwrap_or_default();
                    alerts.push(Alert {
                        detector: "proxy_ip",
                        entity_type: "ip",
                        explanation: format!(
                            "{flagged} of the {total} sign-ups from {ip} ({country}) were flagged as bulk registrations"
                        ),
                        entity_id: ip,
                        score,
                        severity: Severity::from_score(score),
                        first_seen: c.int("first_seen", row)?,
                        last_seen: c.int("last_seen", row)?,
                        evidence: vec![
                            ("signups", Figure::Int(total)),
                            ("bulk_signups", Figure::Int(flagged)),
                            ("country", Figure::Text(country)),
                        ],
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
    fn a_proxy_carries_mostly_bulk_and_a_nat_does_not() {
        let d = ProxyIp::new(Settings::default());
        assert!(d.score(40, 40) >= 0.8);
        assert!(d.score(2, 2) == 0.0);
        // A campus NAT with a stray bulk sign-up or three among thousands.
        assert!(d.score(3, 3000) < 0.2);
    }
}
