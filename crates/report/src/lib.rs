//! The report: its wire types (`ReportData`, versioned, what `report.json` holds) and the
//! self-contained `report.html` page drawn from them.
//!
//! The page needs no network: every chart is inline SVG drawn here, the style sheet and
//! the few lines of script that sort the alerts table are inlined, and the data section
//! is embedded as `<script type="application/json" id="duanka-data">` so that tools (and
//! the golden test) read the very numbers the charts show. Each chart has a stable id
//! (`chart-detectors`, `chart-otp-services`, `chart-blocks`, `chart-rogue-traffic`,
//! `graph-cluster`, `chain`, `chart-warnings`, `alerts-table`).
//!
//! This crate is pure and decides nothing: it does no I/O and computes no figure; the
//! command line fills `ReportData` from a scan's outputs and SQL over the dataset. Every
//! string from the data is escaped (entity ids and explanations are user data).

mod data;
mod svg;

use std::fmt::Write as _;

pub use data::*;
pub use svg::esc;

use svg::num;

/// The data section as embedded in the page: JSON with `<`, `>` and `&` written as
/// escapes, so that no value can close the script element.
pub fn embedded_json(data: &ReportData) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(data)?;
    Ok(json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1140px; padding: 16px 24px 64px; color: #222; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 19px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead, p.note { color: #555; max-width: 900px; }
p.missing { color: #8a6d3b; background: #fcf8e3; padding: 8px 12px; border-radius: 4px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 140px; }
.tile b { display: block; font-size: 22px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; }
#alerts-table th { cursor: pointer; user-select: none; }
#alerts-table th.sorted-asc::after { content: " ▲"; } #alerts-table th.sorted-desc::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-high { color: #c0392b; font-weight: 600; } .sev-medium { color: #d35400; } .sev-low { color: #9a7d0a; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid #eee; }
svg.chart { max-width: 100%; height: auto; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
"#;

/// Sorts the alerts table by the clicked column (numbers by value, text by order), then
/// marks the page as scripted, which the browser test checks.
const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('alerts-table');
  if (table) {
    var heads = table.querySelectorAll('th');
    heads.forEach(function (th, col) {
      th.addEventListener('click', function () {
        var desc = !th.classList.contains('sorted-desc');
        heads.forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.dataset.kind === 'num';
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.v || a.cells[col].textContent;
          var y = b.cells[col].dataset.v || b.cells[col].textContent;
          var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return desc ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  var data = JSON.parse(document.getElementById('duanka-data').textContent);
  document.body.dataset.ready = 'v' + data.version;
})();
"#;

fn missing(s: &mut String, id: &str, why: &str) {
    let _ = write!(
        s,
        r#"<p class="missing" id="{id}">Not shown: {}</p>"#,
        esc(why)
    );
}

fn yuan(fen: i64) -> String {
    let y = fen / 100;
    if y < 0 {
        format!("-¥{}", num(y.unsigned_abs()))
    } else {
        format!("¥{}", num(y as u64))
    }
}

fn type_legend(s: &mut String, types: &[&str]) {
    s.push_str(r#"<div class="legend">"#);
    for t in types {
        let _ = write!(
            s,
            r#"<span><i style="background:{}"></i>{}</span>"#,
            svg::type_colour(t),
            esc(t)
        );
    }
    s.push_str("</div>");
}

/// The whole page.
pub fn render_html(d: &ReportData) -> Result<String, serde_json::Error> {
    let mut s = String::with_capacity(256 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(&d.title)
    );
    let _ = write!(s, "<h1>{}</h1>", esc(&d.title));
    s.push_str(r#"<p class="lead">What duanka found in this dataset: the detectors' alerts, the figures behind the OTP-sink and leaked-block findings, the rogue host, the top cluster with its chain from a fraud case to the supplier, and who to warn.</p>"#);

    // Overview.
    let o = &d.overview;
    s.push_str(r#"<h2>Overview</h2><div class="tiles" id="overview">"#);
    // The dataset's own tables; a reference snapshot is context, not data read.
    let own: Vec<&TableCount> = o.tables.iter().filter(|t| t.source.is_none()).collect();
    let rows: u64 = own.iter().map(|t| t.read).sum();
    let mut tile = |label: &str, value: String| {
        let _ = write!(
            s,
            r#"<div class="tile"><b>{}</b>{}</div>"#,
            esc(&value),
            esc(label)
        );
    };
    tile("rows read", num(rows));
    tile("tables", num(own.len() as u64));
    tile("alerts", num(o.alerts));
    tile("medium or above", num(o.alerts_medium_or_above));
    if let Some(c) = o.clusters {
        tile("clusters", num(c));
    }
    if let Some(c) = o.cases_linked {
        tile("cases linked", num(c));
    }
    if let Some(l) = o.loss_linked_fen {
        tile("loss in clusters", yuan(l));
    }
    if let Some(w) = o.warnings {
        tile("to warn", num(w));
    }
    s.push_str("</div>");
    if !o.tables.is_empty() {
        s.push_str(r#"<table id="tables"><thead><tr><th>table</th><th>read</th><th>accepted</th><th>rejected</th><th>from</th></tr></thead><tbody>"#);
        for t in &o.tables {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                esc(&t.table),
                num(t.read),
                num(t.accepted),
                num(t.rejected),
                esc(t.source.as_deref().unwrap_or("dataset"))
            );
        }
        s.push_str("</tbody></table>");
    }
    if !o.reference.is_empty() {
        let _ = write!(
            s,
            r#"<p class="note" id="reference">Reference data: {}.</p>"#,
            esc(&o.reference.join("; "))
        );
    }

    s.push_str("<h2>Alerts per detector</h2>");
    if d.detectors.is_empty() {
        missing(
            &mut s,
            "chart-detectors",
            "no detector outcomes (summary.json absent)",
        );
    } else {
        s.push_str(&svg::detectors(&d.detectors));
    }

    s.push_str(r#"<h2>Distinct OTP services per number</h2><p class="note">A person receives codes from a handful of services a day; a number whose codes are read off by a fraud chain receives them from dozens. Numbers flagged by a detector against the rest.</p>"#);
    match &d.otp_services {
        Figure::Shown(f) => s.push_str(&svg::otp_services(f)),
        Figure::Missing(why) => missing(&mut s, "chart-otp-services", why),
    }

    s.push_str("<h2>Number blocks by share of silent OTP receivers</h2>");
    match &d.blocks {
        Figure::Shown(f) => {
            let _ = write!(
                s,
                r#"<p class="note">One cell per block of 10,000 numbers (the number without its last four digits) that holds OTP receivers; colour: share of them that are silent ({}). {} of {} blocks shown, busiest first then in block order; hover a cell for its figures.</p>"#,
                esc(&f.silent_rule),
                num(f.blocks.len() as u64),
                num(f.total_blocks)
            );
            s.push_str(&svg::blocks(f));
        }
        Figure::Missing(why) => missing(&mut s, "chart-blocks", why),
    }

    s.push_str("<h2>The rogue host: traffic against OTP deliveries</h2>");
    match &d.rogue_traffic {
        Figure::Shown(f) => s.push_str(&svg::rogue_traffic(f)),
        Figure::Missing(why) => missing(&mut s, "chart-rogue-traffic", why),
    }

    s.push_str("<h2>The top cluster</h2>");
    match &d.cluster {
        Figure::Shown(g) => {
            let _ = write!(
                s,
                r#"<p class="note">Cluster {} — {} case(s), loss {}, {} members; {} drawn (the chain, the marked entities by score, then the rest by id). Rings: severity of the detectors' word; red links: the chain.</p>"#,
                esc(&g.cluster_id),
                num(g.case_ids as u64),
                yuan(g.total_loss_fen),
                num(g.members),
                num(g.nodes.len() as u64)
            );
            let mut types: Vec<&str> = g.nodes.iter().map(|n| n.entity_type.as_str()).collect();
            types.sort_unstable();
            types.dedup();
            type_legend(&mut s, &types);
            s.push_str(&svg::cluster_graph(g, d.chain.shown()));
        }
        Figure::Missing(why) => missing(&mut s, "graph-cluster", why),
    }

    s.push_str("<h2>The chain, from case to supplier</h2>");
    match &d.chain {
        Figure::Shown(c) => s.push_str(&svg::chain(c)),
        Figure::Missing(why) => missing(&mut s, "chain", why),
    }

    s.push_str("<h2>Early warning</h2>");
    match &d.warnings {
        Figure::Shown(w) => {
            let _ = write!(
                s,
                r#"<p class="note">Subscribers in contact with a cluster's numbers and accounts that paid into it, by tier; {} of them already named as victims.</p>"#,
                num(w.known_victims)
            );
            s.push_str(&svg::warnings(w));
            if !w.top.is_empty() {
                s.push_str(r#"<table id="warnings-table"><thead><tr><th>tier</th><th>type</th><th>id</th><th>cluster</th><th>reason</th></tr></thead><tbody>"#);
                for r in &w.top {
                    let _ = write!(
                        s,
                        r#"<tr><td class="sev-{0}">{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td></tr>"#,
                        esc(&r.tier),
                        esc(&r.entity_type),
                        esc(&r.entity_id),
                        esc(&r.cluster_id),
                        esc(&r.reason)
                    );
                }
                s.push_str("</tbody></table>");
            }
        }
        Figure::Missing(why) => missing(&mut s, "chart-warnings", why),
    }

    s.push_str("<h2>Alerts</h2>");
    let a = &d.alerts;
    let _ = write!(
        s,
        r#"<p class="note">{} alerts; {} shown, highest score first. Click a column to sort.</p><div class="scroll"><table id="alerts-table"><thead><tr><th data-kind="num">score</th><th>severity</th><th>detector</th><th>type</th><th>entity</th><th>explanation</th></tr></thead><tbody>"#,
        num(a.total),
        num(a.rows.len() as u64)
    );
    for r in &a.rows {
        let _ = write!(
            s,
            r#"<tr><td class="num" data-v="{score:.4}">{score:.2}</td><td class="sev-{sev}">{sev}</td><td>{det}</td><td>{typ}</td><td>{id}</td><td>{why}</td></tr>"#,
            score = r.score,
            sev = esc(&r.severity),
            det = esc(&r.detector),
            typ = esc(&r.entity_type),
            id = esc(&r.entity_id),
            why = esc(&r.explanation),
        );
    }
    s.push_str("</tbody></table></div>");

    let _ = writeln!(
        s,
        "<script type=\"application/json\" id=\"duanka-data\">{}</script><script>{SCRIPT}</script></body></html>",
        embedded_json(d)?
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EVIL: &str = "</script><script>alert(1)</script>&\"'";

    fn sample() -> ReportData {
        ReportData {
            version: VERSION,
            title: "duanka report".into(),
            overview: Overview {
                tables: vec![TableCount {
                    table: "sms".into(),
                    read: 10,
                    accepted: 9,
                    rejected: 1,
                    source: None,
                }],
                alerts: 2,
                alerts_medium_or_above: 1,
                clusters: Some(1),
                cases_linked: Some(1),
                loss_linked_fen: Some(15_000_000),
                warnings: Some(1),
                stages_millis: vec![("read".into(), 5)],
                reference: vec![
                    "segments, tac, geoip from the built-in snapshot 2026-12-01".into(),
                ],
            },
            detectors: vec![
                DetectorCount {
                    detector: "otp_sink".into(),
                    high: 1,
                    medium: 0,
                    low: 1,
                    skipped: None,
                },
                DetectorCount {
                    detector: "mule".into(),
                    high: 0,
                    medium: 0,
                    low: 0,
                    skipped: Some("needs cases".into()),
                },
            ],
            otp_services: Figure::Shown(OtpServices {
                bins: vec!["1".into(), "2".into()],
                flagged: vec![0, 3],
                not_flagged: vec![100, 4],
            }),
            blocks: Figure::Shown(Blocks {
                blocks: vec![Block {
                    block: EVIL.into(),
                    otp_receivers: 4,
                    silent: 2,
                    flagged: 1,
                }],
                total_blocks: 1,
                silent_rule: "no calls".into(),
            }),
            rogue_traffic: Figure::Shown(RogueTraffic {
                host: "10.0.0.9".into(),
                detector: "rogue_host".into(),
                score: 0.9,
                hours: vec![HourPoint {
                    hour_ts: 3600,
                    flows: 2,
                    bytes: 3_000_000,
                    otp_delivered: 5,
                }],
            }),
            cluster: Figure::Shown(ClusterGraph {
                cluster_id: "c0001".into(),
                case_ids: 1,
                total_loss_fen: 15_000_000,
                members: 2,
                nodes: vec![
                    Node {
                        entity_type: "case".into(),
                        entity_id: "JJ1".into(),
                        score: None,
                        severity: None,
                        in_chain: true,
                    },
                    Node {
                        entity_type: "account".into(),
                        entity_id: EVIL.into(),
                        score: Some(0.9),
                        severity: Some("high".into()),
                        in_chain: true,
                    },
                ],
                edges: vec![Edge {
                    source: 0,
                    target: 1,
                    via: "cases.fraud_account".into(),
                }],
            }),
            chain: Figure::Shown(Chain {
                cluster_id: "c0001".into(),
                hops: vec![
                    ChainHop {
                        entity_type: "case".into(),
                        entity_id: "JJ1".into(),
                        via: None,
                    },
                    ChainHop {
                        entity_type: "account".into(),
                        entity_id: EVIL.into(),
                        via: Some("cases.fraud_account".into()),
                    },
                ],
                stop: Some("no record".into()),
            }),
            warnings: Figure::Missing("no warnings.csv".into()),
            alerts: AlertTable {
                total: 2,
                rows: vec![AlertRow {
                    detector: "otp_sink".into(),
                    entity_type: "msisdn".into(),
                    entity_id: "8613300000001".into(),
                    score: 0.97,
                    severity: "high".into(),
                    explanation: EVIL.into(),
                }],
            },
        }
    }

    #[test]
    fn user_data_cannot_open_markup() {
        let html = render_html(&sample()).unwrap();
        assert!(
            !html.contains("<script>alert(1)"),
            "raw data reached the page"
        );
        assert_eq!(
            html.matches("<script").count(),
            2,
            "only the data and the sorter"
        );
        assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    }

    #[test]
    fn embedded_data_reads_back_whole() {
        let d = sample();
        let html = render_html(&d).unwrap();
        let start = html.find(r#"id="duanka-data">"#).unwrap() + r#"id="duanka-data">"#.len();
        let end = start + html[start..].find("</script>").unwrap();
        let back: ReportData = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn every_chart_has_its_id_and_missing_ones_say_why() {
        let html = render_html(&sample()).unwrap();
        for id in [
            "chart-detectors",
            "chart-otp-services",
            "chart-blocks",
            "chart-rogue-traffic",
            "graph-cluster",
            "chain",
            "alerts-table",
        ] {
            assert!(
                html.contains(&format!("<svg id=\"{id}\""))
                    || html.contains(&format!("<table id=\"{id}\"")),
                "{id}"
            );
        }
        assert!(
            html.contains(
                r#"<p class="missing" id="chart-warnings">Not shown: no warnings.csv</p>"#
            )
        );
        assert!(html.contains("skipped: needs cases"));
        assert!(html.contains("¥150,000"));
    }
}
