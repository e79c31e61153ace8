//! The report's figures: SQL over the scanned dataset for what only the data can show
//! (distinct OTP services per number, number blocks by silent receivers, the flagged
//! host's hourly traffic against OTP deliveries via it), and the scan's output files for
//! the rest (`summary.json`, `alerts.jsonl`, `clusters.jsonl`, `graph.graphml`,
//! `warnings.csv`). Writes `report.json` and `report.html` (drawn by `duanka-report`).
//!
//! `duanka scan` calls [`write_report`] with its session; `duanka report`
//! calls [`rerender`], which keeps the dataset figures of `report.json` and reads every
//! output file again. A figure whose table or file is absent is written as missing, with
//! the reason, never silently left out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::SessionContext;
use duanka_detect::sql::{OTP_TABLE, ensure_otp_table, otp_ctes_cached};
use duanka_report::{
    AlertRow, AlertTable, Block, Blocks, Chain, ChainHop, ClusterGraph, DetectorCount, Edge,
    Figure, HourPoint, Node, OtpServices, Overview, ReportData, RogueTraffic, TableCount,
    WarningRow, Warnings,
};
use serde::Deserialize;
use serde_json::Value;

use crate::Failure;

/// Rows of the alerts table in the page: enough to browse, small enough to stay a few MB.
pub(crate) const MAX_ALERT_ROWS: usize = 2000;
/// Blocks drawn in the heat map (the busiest by OTP receivers).
const MAX_BLOCKS: usize = 400;
/// Nodes drawn of the top cluster, and at most this many per entity type.
const MAX_NODES: usize = 150;
const MAX_NODES_PER_TYPE: usize = 30;
/// Hours drawn in the host's time series (two weeks).
const MAX_HOURS: i64 = 24 * 14;
/// Rows of the warning list shown under its chart.
const WARNING_ROWS: usize = 25;
/// The temporary table of flagged numbers the figures join with.
const FLAGGED_TABLE: &str = "report_flagged_numbers";

/// The figures only SQL over the dataset gives; kept in `report.json` so that
/// `duanka report` can draw them again without the dataset.
pub(crate) struct DatasetFigures {
    pub otp_services: Figure<OtpServices>,
    pub blocks: Figure<Blocks>,
    pub rogue_traffic: Figure<RogueTraffic>,
}

/// One line of `alerts.jsonl`, the fields the report uses.
#[derive(Debug, Clone, Deserialize)]
struct AlertIn {
    detector: String,
    entity_type: String,
    entity_id: String,
    score: f64,
    severity: String,
    #[serde(default)]
    explanation: String,
}

fn serious(severity: &str) -> bool {
    severity == "high" || severity == "medium"
}

fn read_alerts(out: &Path) -> anyhow::Result<Option<Vec<AlertIn>>> {
    let path = out.join("alerts.jsonl");
    if !path.exists() {
        return Ok(None);
    }
    let f =
        std::fs::File::open(&path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut v = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        v.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not an alert", path.display(), i + 1))?,
        );
    }
    Ok(Some(v))
}

// ---------------------------------------------------------------------------------------
// SQL over the dataset.

async fn query(ctx: &SessionContext, sql: &str) -> anyhow::Result<Vec<RecordBatch>> {
    let df = ctx
        .sql(sql)
        .await
        .with_context(|| format!("planning {sql}"))?;
    df.collect().await.with_context(|| format!("running {sql}"))
}

/// Column `name` of every batch as integers (nulls as 0).
fn ints(batches: &[RecordBatch], name: &str) -> anyhow::Result<Vec<i64>> {
    let mut v = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| anyhow!("no column {name}"))?;
        let c = cast(col, &DataType::Int64)?;
        let a = c
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| anyhow!("column {name} is not integer"))?;
        v.extend((0..a.len()).map(|i| if a.is_null(i) { 0 } else { a.value(i) }));
    }
    Ok(v)
}

fn strings(batches: &[RecordBatch], name: &str) -> anyhow::Result<Vec<String>> {
    let mut v = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| anyhow!("no column {name}"))?;
        let c = cast(col, &DataType::Utf8)?;
        let a = c
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| anyhow!("column {name} is not text"))?;
        v.extend((0..a.len()).map(|i| {
            if a.is_null(i) {
                String::new()
            } else {
                a.value(i).to_string()
            }
        }));
    }
    Ok(v)
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn exists(ctx: &SessionContext, table: &str) -> bool {
    ctx.table_exist(table).unwrap_or(false)
}

/// Bin of a count of distinct services: one per value up to ten, then wider.
const BINS: [(i64, i64, &str); 15] = [
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 3, "3"),
    (4, 4, "4"),
    (5, 5, "5"),
    (6, 6, "6"),
    (7, 7, "7"),
    (8, 8, "8"),
    (9, 9, "9"),
    (10, 10, "10"),
    (11, 15, "11-15"),
    (16, 20, "16-20"),
    (21, 30, "21-30"),
    (31, 50, "31-50"),
    (51, i64::MAX, "51+"),
];

async fn otp_services(ctx: &SessionContext) -> anyhow::Result<Figure<OtpServices>> {
    if !exists(ctx, "sms") {
        return Ok(Figure::Missing("the dataset has no sms table".into()));
    }
    // All of the detectors' OTP expressions, so that "OTP" and "service" mean here what
    // they mean to the detectors (unused ones cost nothing).
    ensure_otp_table(ctx).await?;
    let ctes = otp_ctes_cached().join(", ");
    let sql = format!(
        "WITH {ctes} SELECT s.services, CASE WHEN f.msisdn IS NULL THEN 0 ELSE 1 END AS flagged, count(*) AS n \
         FROM svc s LEFT JOIN {FLAGGED_TABLE} f ON f.msisdn = s.msisdn GROUP BY 1, 2"
    );
    let b = query(ctx, &sql).await?;
    let (services, flagged, n) = (ints(&b, "services")?, ints(&b, "flagged")?, ints(&b, "n")?);
    let mut fig = OtpServices {
        bins: BINS.iter().map(|b| b.2.to_string()).collect(),
        flagged: vec![0; BINS.len()],
        not_flagged: vec![0; BINS.len()],
    };
    for ((s, f), n) in services.into_iter().zip(flagged).zip(n) {
        if let Some(k) = BINS.iter().position(|b| s >= b.0 && s <= b.1) {
            let series = if f == 1 {
                &mut fig.flagged
            } else {
                &mut fig.not_flagged
            };
            series[k] += n.max(0) as u64;
        }
    }
    if fig.flagged.iter().chain(&fig.not_flagged).all(|&n| n == 0) {
        return Ok(Figure::Missing("no number received an OTP".into()));
    }
    Ok(Figure::Shown(fig))
}

async fn blocks(ctx: &SessionContext) -> anyhow::Result<Figure<Blocks>> {
    if !exists(ctx, "sms") {
        return Ok(Figure::Missing("the dataset has no sms table".into()));
    }
    ensure_otp_table(ctx).await?;
    let mut ctes: Vec<String> = otp_ctes_cached().into_iter().collect();
    ctes.extend([
        "rcv AS (SELECT DISTINCT msisdn FROM otp)".to_string(),
        "mo AS (SELECT DISTINCT msisdn FROM sms WHERE direction = 'MO')".to_string(),
    ]);
    let mut joins = vec!["LEFT JOIN mo ON mo.msisdn = r.msisdn".to_string()];
    let mut quiet = vec!["mo.msisdn IS NULL".to_string()];
    let mut rule = vec!["no SMS sent"];
    if exists(ctx, "calls") {
        ctes.push("cl AS (SELECT DISTINCT msisdn FROM calls)".into());
        joins.push("LEFT JOIN cl ON cl.msisdn = r.msisdn".into());
        quiet.push("cl.msisdn IS NULL".into());
        rule.push("no call");
    }
    if exists(ctx, "attach") {
        ctes.push("att AS (SELECT DISTINCT msisdn FROM attach WHERE msisdn IS NOT NULL)".into());
        joins.push("LEFT JOIN att ON att.msisdn = r.msisdn".into());
        quiet.push("att.msisdn IS NULL".into());
        rule.push("never attached");
    }
    let sql = format!(
        "WITH {} SELECT CAST(msisdn_block(r.msisdn) AS VARCHAR) AS block, count(*) AS receivers, \
         sum(CASE WHEN {} THEN 1 ELSE 0 END) AS silent, \
         sum(CASE WHEN f.msisdn IS NULL THEN 0 ELSE 1 END) AS flagged \
         FROM rcv r {} LEFT JOIN {FLAGGED_TABLE} f ON f.msisdn = r.msisdn GROUP BY 1 ORDER BY 1",
        ctes.join(", "),
        quiet.join(" AND "),
        joins.join(" ")
    );
    let b = query(ctx, &sql).await?;
    let names = strings(&b, "block")?;
    let (receivers, silent, flagged) = (
        ints(&b, "receivers")?,
        ints(&b, "silent")?,
        ints(&b, "flagged")?,
    );
    let mut all: Vec<Block> = names
        .into_iter()
        .zip(receivers)
        .zip(silent)
        .zip(flagged)
        .map(|(((block, r), s), f)| Block {
            block,
            otp_receivers: r.max(0) as u64,
            silent: s.max(0) as u64,
            flagged: f.max(0) as u64,
        })
        .collect();
    if all.is_empty() {
        return Ok(Figure::Missing("no number received an OTP".into()));
    }
    let total_blocks = all.len() as u64;
    all.sort_by(|a, b| {
        b.otp_receivers
            .cmp(&a.otp_receivers)
            .then_with(|| a.block.cmp(&b.block))
    });
    all.truncate(MAX_BLOCKS);
    all.sort_by(|a, b| a.block.cmp(&b.block));
    Ok(Figure::Shown(Blocks {
        blocks: all,
        total_blocks,
        silent_rule: rule.join(", "),
    }))
}

/// The internal host the detectors rated highest (`rogue_host`, else an address named by
/// `core_interception`), medium or above.
fn flagged_host(alerts: &[AlertIn]) -> Option<&AlertIn> {
    let rank = |d: &str| match d {
        "rogue_host" => 0,
        "core_interception" => 1,
        _ => 2,
    };
    alerts
        .iter()
        .filter(|a| a.entity_type == "ip" && serious(&a.severity) && rank(&a.detector) < 2)
        .min_by(|a, b| {
            rank(&a.detector)
                .cmp(&rank(&b.detector))
                .then_with(|| b.score.total_cmp(&a.score))
                .then_with(|| a.entity_id.cmp(&b.entity_id))
        })
}

fn point(per_hour: &mut BTreeMap<i64, HourPoint>, h: i64) -> &mut HourPoint {
    per_hour.entry(h).or_insert(HourPoint {
        hour_ts: h,
        flows: 0,
        bytes: 0,
        otp_delivered: 0,
    })
}

async fn rogue_traffic(
    ctx: &SessionContext,
    alerts: &[AlertIn],
) -> anyhow::Result<Figure<RogueTraffic>> {
    let Some(host) = flagged_host(alerts) else {
        return Ok(Figure::Missing(
            "no internal host flagged medium or above by rogue_host or core_interception".into(),
        ));
    };
    let ip = sql_text(&host.entity_id);
    let mut per_hour: BTreeMap<i64, HourPoint> = BTreeMap::new();
    if exists(ctx, "flows") {
        let b = query(
            ctx,
            &format!(
                "SELECT CAST(ts_start AS BIGINT) / 3600 * 3600 AS h, count(*) AS flows, sum(bytes) AS bytes FROM flows \
                 WHERE CAST(src_ip AS VARCHAR) = {ip} OR CAST(dst_ip AS VARCHAR) = {ip} GROUP BY 1"
            ),
        )
        .await?;
        for ((h, f), by) in ints(&b, "h")?
            .into_iter()
            .zip(ints(&b, "flows")?)
            .zip(ints(&b, "bytes")?)
        {
            let p = point(&mut per_hour, h);
            p.flows = f.max(0) as u64;
            p.bytes = by.max(0) as u64;
        }
    }
    if exists(ctx, "sms") {
        ensure_otp_table(ctx).await?;
        let b = query(
            ctx,
            &format!(
                "SELECT CAST(ts AS BIGINT) / 3600 * 3600 AS h, count(*) AS n FROM {OTP_TABLE} \
                 WHERE node = {ip} GROUP BY 1"
            ),
        )
        .await?;
        for (h, n) in ints(&b, "h")?.into_iter().zip(ints(&b, "n")?) {
            point(&mut per_hour, h).otp_delivered = n.max(0) as u64;
        }
    }
    let (Some(&first), Some(&last)) = (per_hour.keys().next(), per_hour.keys().next_back()) else {
        return Ok(Figure::Missing(format!(
            "host {} has no flows and took no OTP deliveries",
            host.entity_id
        )));
    };
    // Every hour of the span, empty ones included, so that the x axis is true time.
    let last = last.min(first + (MAX_HOURS - 1) * 3600);
    let hours = (0..)
        .map(|k| first + k * 3600)
        .take_while(|&h| h <= last)
        .map(|h| {
            per_hour.get(&h).cloned().unwrap_or(HourPoint {
                hour_ts: h,
                flows: 0,
                bytes: 0,
                otp_delivered: 0,
            })
        })
        .collect();
    Ok(Figure::Shown(RogueTraffic {
        host: host.entity_id.clone(),
        detector: host.detector.clone(),
        score: host.score,
        hours,
    }))
}

fn shown_or_reason<T>(r: anyhow::Result<Figure<T>>, what: &str) -> Figure<T> {
    r.unwrap_or_else(|e| {
        eprintln!("report: {what} not drawn: {e:#}");
        Figure::Missing(format!("{what} could not be computed: {e:#}"))
    })
}

async fn dataset_figures(
    ctx: &SessionContext,
    alerts: &[AlertIn],
) -> anyhow::Result<DatasetFigures> {
    let flagged: BTreeSet<i64> = alerts
        .iter()
        .filter(|a| a.entity_type == "msisdn" && serious(&a.severity))
        .filter_map(|a| a.entity_id.parse().ok())
        .collect();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "msisdn",
        DataType::Int64,
        false,
    )]));
    let col: ArrayRef = Arc::new(Int64Array::from_iter_values(flagged));
    ctx.register_batch(FLAGGED_TABLE, RecordBatch::try_new(schema, vec![col])?)?;
    let figs = DatasetFigures {
        otp_services: shown_or_reason(otp_services(ctx).await, "the OTP services histogram"),
        blocks: shown_or_reason(blocks(ctx).await, "the block heat map"),
        rogue_traffic: shown_or_reason(rogue_traffic(ctx, alerts).await, "the host's traffic"),
    };
    ctx.deregister_table(FLAGGED_TABLE)?;
    Ok(figs)
}

// ---------------------------------------------------------------------------------------
// The scan's output files.

/// What `summary.json` gives: tables read, detectors in run order (skipped ones with the
/// reason), and the stage times.
type SummaryParts = (
    Vec<TableCount>,
    Vec<DetectorCount>,
    Vec<(String, u64)>,
    Vec<String>,
);

fn summary_parts(out: &Path) -> anyhow::Result<SummaryParts> {
    let path = out.join("summary.json");
    if !path.exists() {
        return Ok(Default::default());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let u = |v: &Value| v.as_u64().unwrap_or(0);
    let tables = v["tables"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, t)| TableCount {
                    table: name.clone(),
                    read: u(&t["read"]),
                    accepted: u(&t["accepted"]),
                    rejected: u(&t["rejected"]),
                    source: t["source"].as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    let detectors = v["detectors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| DetectorCount {
                    detector: d["detector"].as_str().unwrap_or("").to_string(),
                    high: 0,
                    medium: 0,
                    low: 0,
                    skipped: (d["status"] == "skipped")
                        .then(|| d["reason"].as_str().unwrap_or("").to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    let stages = v["stages_millis"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), u(v))).collect())
        .unwrap_or_default();
    let reference = v["reference"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok((tables, detectors, stages, reference))
}

/// The top cluster line of `clusters.jsonl`, and the counts over all of them.
#[derive(Deserialize)]
struct ClusterIn {
    cluster_id: String,
    #[serde(default)]
    case_ids: Vec<String>,
    #[serde(default)]
    total_loss: i64,
    #[serde(default)]
    members: Vec<MemberIn>,
    #[serde(default)]
    chain: Vec<HopIn>,
    #[serde(default)]
    stop: Option<String>,
    #[serde(default)]
    alerts: Vec<ClusterAlertIn>,
}

#[derive(Deserialize)]
struct MemberIn {
    entity_type: String,
    entity_id: String,
}

#[derive(Deserialize)]
struct HopIn {
    entity_type: String,
    entity_id: String,
    via: Option<String>,
}

#[derive(Deserialize)]
struct ClusterAlertIn {
    entity_type: String,
    entity_id: String,
    score: f64,
    severity: String,
}

struct Clusters {
    top: Option<ClusterIn>,
    count: u64,
    cases: u64,
    loss: i64,
}

fn read_clusters(out: &Path) -> anyhow::Result<Option<Clusters>> {
    let path = out.join("clusters.jsonl");
    if !path.exists() {
        return Ok(None);
    }
    let f =
        std::fs::File::open(&path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut c = Clusters {
        top: None,
        count: 0,
        cases: 0,
        loss: 0,
    };
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let k: ClusterIn = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a cluster", path.display(), i + 1))?;
        c.count += 1;
        c.cases += k.case_ids.len() as u64;
        c.loss += k.total_loss;
        // The file is ranked: the first line is the top cluster.
        if c.top.is_none() {
            c.top = Some(k);
        }
    }
    Ok(Some(c))
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = line.find(&key)? + key.len();
    let end = start + line[start..].find('"')?;
    Some(&line[start..end])
}

/// The links between `keys` (`type:id`) in the GraphML `duanka scan` writes (one element
/// per line, as `duanka_link::Linked::write_graphml` lays it out): `(a, b, via)`.
fn graphml_edges(
    path: &Path,
    keys: &HashSet<String>,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut edges = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in std::io::BufReader::new(f).lines() {
        let line = line.with_context(|| format!("{}: cannot read", path.display()))?;
        let t = line.trim_start();
        if t.starts_with("<edge ") {
            current = match (attr(t, "source"), attr(t, "target")) {
                (Some(a), Some(b)) => {
                    let (a, b) = (xml_unescape(a), xml_unescape(b));
                    (keys.contains(&a) && keys.contains(&b)).then_some((a, b))
                }
                _ => None,
            };
        } else if let Some(rest) = t.strip_prefix("<data key=\"via\">") {
            if let (Some((a, b)), Some(end)) = (current.take(), rest.find("</data>")) {
                edges.push((a, b, xml_unescape(&rest[..end])));
            }
        } else if t.starts_with("</edge>") {
            current = None;
        }
    }
    Ok(edges)
}

/// The top cluster's nodes to draw: its cases and chain first, then marked members by
/// score, then the rest by type and id, within the caps.
fn cluster_graph(out: &Path, c: &ClusterIn) -> anyhow::Result<ClusterGraph> {
    let chain: HashSet<(String, String)> = c
        .chain
        .iter()
        .map(|h| (h.entity_type.clone(), h.entity_id.clone()))
        .collect();
    let marks: HashMap<(String, String), (f64, String)> = c
        .alerts
        .iter()
        .map(|a| {
            (
                (a.entity_type.clone(), a.entity_id.clone()),
                (a.score, a.severity.clone()),
            )
        })
        .collect();
    let mut candidates: Vec<(String, String)> = c
        .case_ids
        .iter()
        .map(|id| ("case".to_string(), id.clone()))
        .chain(
            c.members
                .iter()
                .map(|m| (m.entity_type.clone(), m.entity_id.clone())),
        )
        .collect();
    let rank = |k: &(String, String)| -> (u8, f64) {
        if chain.contains(k) {
            (0, 0.0)
        } else if let Some((s, _)) = marks.get(k) {
            (1, -s)
        } else {
            (2, 0.0)
        }
    };
    candidates.sort_by(|a, b| {
        let (ra, rb) = (rank(a), rank(b));
        ra.0.cmp(&rb.0)
            .then(ra.1.total_cmp(&rb.1))
            .then_with(|| a.cmp(b))
    });
    let mut per_type: HashMap<String, usize> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    for k in candidates {
        if nodes.len() >= MAX_NODES {
            break;
        }
        let in_chain = chain.contains(&k);
        let n = per_type.entry(k.0.clone()).or_default();
        if *n >= MAX_NODES_PER_TYPE && !in_chain {
            continue;
        }
        *n += 1;
        let mark = marks.get(&k);
        nodes.push(Node {
            score: mark.map(|m| m.0),
            severity: mark.map(|m| m.1.clone()),
            in_chain,
            entity_type: k.0,
            entity_id: k.1,
        });
    }
    nodes.sort_by(|a, b| (&a.entity_type, &a.entity_id).cmp(&(&b.entity_type, &b.entity_id)));
    let index: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("{}:{}", n.entity_type, n.entity_id), i))
        .collect();
    let keys: HashSet<String> = index.keys().cloned().collect();
    let graphml = out.join("graph.graphml");
    let raw: Vec<(String, String, String)> = if graphml.exists() {
        graphml_edges(&graphml, &keys)?
    } else {
        // Without the graph, the chain's own hops are the links known.
        c.chain
            .windows(2)
            .map(|p| {
                (
                    format!("{}:{}", p[0].entity_type, p[0].entity_id),
                    format!("{}:{}", p[1].entity_type, p[1].entity_id),
                    p[1].via.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    let mut edges: Vec<Edge> = raw
        .into_iter()
        .filter_map(|(a, b, via)| {
            Some(Edge {
                source: *index.get(&a)?,
                target: *index.get(&b)?,
                via,
            })
        })
        .collect();
    edges.sort_by(|a, b| (a.source, a.target, &a.via).cmp(&(b.source, b.target, &b.via)));
    edges.dedup();
    Ok(ClusterGraph {
        cluster_id: c.cluster_id.clone(),
        case_ids: c.case_ids.len(),
        total_loss_fen: c.total_loss,
        members: c.members.len() as u64,
        nodes,
        edges,
    })
}

fn read_warnings(out: &Path) -> anyhow::Result<Option<Warnings>> {
    let path = out.join("warnings.csv");
    if !path.exists() {
        return Ok(None);
    }
    let mut r = csv::Reader::from_path(&path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    let headers = r.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ty), Some(id), Some(tier), Some(reason), Some(cluster)) = (
        col("entity_type"),
        col("entity_id"),
        col("tier"),
        col("reason"),
        col("cluster_id"),
    ) else {
        return Err(anyhow!(
            "{}: missing one of the columns entity_type, entity_id, tier, reason, cluster_id",
            path.display()
        ));
    };
    let victim = col("known_victim");
    let mut w = Warnings {
        high: 0,
        medium: 0,
        low: 0,
        known_victims: 0,
        top: Vec::new(),
    };
    for rec in r.records() {
        let rec = rec.with_context(|| format!("{}: bad row", path.display()))?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        match rec.get(tier).unwrap_or("") {
            "high" => w.high += 1,
            "medium" => w.medium += 1,
            _ => w.low += 1,
        }
        if victim.and_then(|i| rec.get(i)) == Some("true") {
            w.known_victims += 1;
        }
        if w.top.len() < WARNING_ROWS {
            w.top.push(WarningRow {
                entity_type: get(ty),
                entity_id: get(id),
                tier: get(tier),
                reason: get(reason),
                cluster_id: get(cluster),
            });
        }
    }
    Ok(Some(w))
}

/// The whole data section from the output folder and the dataset figures.
fn assemble(
    out: &Path,
    alerts: Option<Vec<AlertIn>>,
    figs: DatasetFigures,
) -> anyhow::Result<ReportData> {
    let (tables, mut detectors, stages, reference) = summary_parts(out)?;
    let mut alerts = alerts.unwrap_or_default();
    for a in &alerts {
        let i = match detectors.iter().position(|d| d.detector == a.detector) {
            Some(i) => i,
            None => {
                detectors.push(DetectorCount {
                    detector: a.detector.clone(),
                    high: 0,
                    medium: 0,
                    low: 0,
                    skipped: None,
                });
                detectors.len() - 1
            }
        };
        let d = &mut detectors[i];
        match a.severity.as_str() {
            "high" => d.high += 1,
            "medium" => d.medium += 1,
            _ => d.low += 1,
        }
    }
    let clusters = read_clusters(out)?;
    let warnings = read_warnings(out)?;
    let no_link = "no clusters.jsonl in the output folder (linkage did not run)";
    let (cluster, chain) = match clusters.as_ref().map(|c| c.top.as_ref()) {
        None => (
            Figure::Missing(no_link.into()),
            Figure::Missing(no_link.into()),
        ),
        Some(None) => {
            let why = "linkage found no cluster";
            (Figure::Missing(why.into()), Figure::Missing(why.into()))
        }
        Some(Some(top)) => (
            Figure::Shown(cluster_graph(out, top)?),
            if top.chain.is_empty() {
                Figure::Missing(format!("cluster {} has no chain", top.cluster_id))
            } else {
                Figure::Shown(Chain {
                    cluster_id: top.cluster_id.clone(),
                    hops: top
                        .chain
                        .iter()
                        .map(|h| ChainHop {
                            entity_type: h.entity_type.clone(),
                            entity_id: h.entity_id.clone(),
                            via: h.via.clone(),
                        })
                        .collect(),
                    stop: top.stop.clone(),
                })
            },
        ),
    };
    let overview = Overview {
        tables,
        alerts: alerts.len() as u64,
        alerts_medium_or_above: alerts.iter().filter(|a| serious(&a.severity)).count() as u64,
        clusters: clusters.as_ref().map(|c| c.count),
        cases_linked: clusters.as_ref().map(|c| c.cases),
        loss_linked_fen: clusters.as_ref().map(|c| c.loss),
        warnings: warnings.as_ref().map(|w| w.high + w.medium + w.low),
        stages_millis: stages,
        reference,
    };
    let total = alerts.len() as u64;
    alerts.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.detector.cmp(&b.detector))
            .then_with(|| a.entity_id.cmp(&b.entity_id))
    });
    alerts.truncate(MAX_ALERT_ROWS);
    Ok(ReportData {
        version: duanka_report::VERSION,
        title: "duanka report".into(),
        overview,
        detectors,
        otp_services: figs.otp_services,
        blocks: figs.blocks,
        rogue_traffic: figs.rogue_traffic,
        cluster,
        chain,
        warnings: match warnings {
            Some(w) => Figure::Shown(w),
            None => {
                Figure::Missing("no warnings.csv in the output folder (linkage did not run)".into())
            }
        },
        alerts: AlertTable {
            total,
            rows: alerts
                .into_iter()
                .map(|a| AlertRow {
                    detector: a.detector,
                    entity_type: a.entity_type,
                    entity_id: a.entity_id,
                    score: a.score,
                    severity: a.severity,
                    explanation: a.explanation,
                })
                .collect(),
        },
    })
}

fn write(out: &Path, data: &ReportData) -> anyhow::Result<()> {
    let html = duanka_report::render_html(data)?;
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(data)? + "\n",
    )?;
    std::fs::write(out.join("report.html"), html)?;
    Ok(())
}

/// Computes the dataset figures in the scan's session `ctx` (reusing the OTPs it
/// classified), reads the scan's output files in `out`, and writes `report.json` and
/// `report.html` there.
pub(crate) fn write_report(
    runtime: &tokio::runtime::Runtime,
    ctx: &SessionContext,
    out: &Path,
) -> Result<(), Failure> {
    let alerts = read_alerts(out).map_err(Failure::input)?;
    let figs = runtime
        .block_on(dataset_figures(ctx, alerts.as_deref().unwrap_or(&[])))
        .map_err(Failure::internal)?;
    let data = assemble(out, alerts, figs).map_err(Failure::input)?;
    write(out, &data)
        .with_context(|| format!("{}: cannot write the report", out.display()))
        .map_err(Failure::input)?;
    println!("wrote {}", out.join("report.html").display());
    Ok(())
}

/// `duanka report OUTDIR`: the dataset figures from `report.json` (missing when it is
/// absent), everything else read again from the output files.
pub(crate) fn rerender(out: &Path) -> Result<(), Failure> {
    if !out.is_dir() {
        return Err(Failure::input(anyhow!("{}: not a folder", out.display())));
    }
    let path = out.join("report.json");
    let figs = if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))
            .map_err(Failure::input)?;
        let old: ReportData = serde_json::from_str(&text)
            .with_context(|| {
                format!(
                    "{}: not a report of version {}",
                    path.display(),
                    duanka_report::VERSION
                )
            })
            .map_err(Failure::input)?;
        DatasetFigures {
            otp_services: old.otp_services,
            blocks: old.blocks,
            rogue_traffic: old.rogue_traffic,
        }
    } else {
        let why = || {
            "no report.json in the output folder: `duanka scan` computes this figure from the dataset".to_string()
        };
        DatasetFigures {
            otp_services: Figure::Missing(why()),
            blocks: Figure::Missing(why()),
            rogue_traffic: Figure::Missing(why()),
        }
    };
    let alerts = read_alerts(out).map_err(Failure::input)?;
    let data = assemble(out, alerts, figs).map_err(Failure::input)?;
    write(out, &data)
        .with_context(|| format!("{}: cannot write the report", out.display()))
        .map_err(Failure::input)?;
    println!("wrote {}", out.join("report.html").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use duanka_link::{Contact, EntityType as T, GraphBuilder, Provenance, Scope, Settings, Via};
    use duanka_model::Severity;

    fn no_figures() -> DatasetFigures {
        DatasetFigures {
            otp_services: Figure::Missing("-".into()),
            blocks: Figure::Missing("-".into()),
            rogue_traffic: Figure::Missing("-".into()),
        }
    }

    /// A chain from a case to an insider, written by the link crate's own writers, is
    /// read back into the graph, the chain and the warning tiers.
    #[test]
    fn reads_what_the_link_crate_writes() {
        let mut g = GraphBuilder::new();
        let case = g.case("JJ1", Some(15_000_000)).unwrap();
        let acct = g.entity(T::Account, "wxid_<1>").unwrap();
        g.link(case, acct, Via::CaseFraudAccount, Provenance::rows(1))
            .unwrap();
        let num = (T::Msisdn, "8613300000001");
        g.link_ids(
            (T::Account, "wxid_<1>"),
            num,
            Via::SignupMsisdn,
            Provenance::at(1_760_446_800),
        )
        .unwrap();
        g.link_ids(
            num,
            (T::Ip, "10.9.9.9"),
            Via::DeliveryNode,
            Provenance::rows(40),
        )
        .unwrap();
        g.link_ids(
            (T::Ip, "10.9.9.9"),
            (T::Ip, "203.0.113.7"),
            Via::FlowPeer,
            Provenance::rows(3),
        )
        .unwrap();
        g.link_ids(
            (T::Ip, "10.9.9.9"),
            (T::User, "ops_li"),
            Via::AuditObject,
            Provenance::rows(1),
        )
        .unwrap();
        let host = g.find(T::Ip, "10.9.9.9").unwrap();
        g.mark(host, "rogue_host", 0.95, Severity::High).unwrap();
        let fraud = g.find(num.0, num.1).unwrap();
        g.mark(fraud, "otp_sink", 0.9, Severity::High).unwrap();
        let victim = g.entity(T::Msisdn, "8613800000002").unwrap();
        g.contact(
            victim,
            fraud,
            Contact {
                calls: 2,
                talk_s: 300,
                sms: 0,
                last_ts: Some(1_760_446_900),
            },
        )
        .unwrap();
        let linked = g.build(&Settings::default());

        let dir = std::env::temp_dir().join(format!("duanka-figures-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        linked
            .write_clusters_jsonl(std::fs::File::create(dir.join("clusters.jsonl")).unwrap())
            .unwrap();
        linked
            .write_warnings_csv(std::fs::File::create(dir.join("warnings.csv")).unwrap())
            .unwrap();
        linked
            .write_graphml(
                Scope::All,
                std::fs::File::create(dir.join("graph.graphml")).unwrap(),
            )
            .unwrap();

        let data = assemble(&dir, None, no_figures()).unwrap();
        let chain = data.chain.shown().unwrap();
        let hops: Vec<(&str, &str, Option<&str>)> = chain
            .hops
            .iter()
            .map(|h| {
                (
                    h.entity_type.as_str(),
                    h.entity_id.as_str(),
                    h.via.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            hops,
            [
                ("case", "JJ1", None),
                ("account", "wxid_<1>", Some("cases.fraud_account")),
                ("msisdn", "8613300000001", Some("registrations.msisdn")),
                ("ip", "10.9.9.9", Some("sms.delivery_node")),
                ("user", "ops_li", Some("audit.object")),
            ]
        );
        assert_eq!(chain.stop, None);

        let graph = data.cluster.shown().unwrap();
        assert_eq!(graph.total_loss_fen, 15_000_000);
        let name = |i: usize| {
            format!(
                "{}:{}",
                graph.nodes[i].entity_type, graph.nodes[i].entity_id
            )
        };
        let mut edges: Vec<(String, String, &str)> = graph
            .edges
            .iter()
            .map(|e| (name(e.source), name(e.target), e.via.as_str()))
            .collect();
        edges.sort();
        assert_eq!(edges.len(), 5, "{edges:?}");
        assert!(edges.contains(&(
            "account:wxid_<1>".into(),
            "msisdn:8613300000001".into(),
            "registrations.msisdn"
        )));
        let host_node = graph
            .nodes
            .iter()
            .find(|n| n.entity_id == "10.9.9.9")
            .unwrap();
        assert_eq!(host_node.severity.as_deref(), Some("high"));
        assert!(host_node.in_chain);

        let w = data.warnings.shown().unwrap();
        assert_eq!((w.high, w.medium, w.low), (1, 0, 0));
        assert_eq!(w.top[0].entity_id, "8613800000002");
        assert_eq!(data.overview.clusters, Some(1));
        assert_eq!(data.overview.loss_linked_fen, Some(15_000_000));
    }

    #[test]
    fn the_rogue_host_is_the_best_rated_interception_finding() {
        let a = |detector: &str, t: &str, id: &str, score: f64, severity: &str| AlertIn {
            detector: detector.into(),
            entity_type: t.into(),
            entity_id: id.into(),
            score,
            severity: severity.into(),
            explanation: String::new(),
        };
        let alerts = [
            a("core_interception", "ip", "10.0.0.1", 0.99, "high"),
            a("rogue_host", "ip", "10.0.0.2", 0.7, "medium"),
            a("rogue_host", "ip", "10.0.0.3", 0.9, "low"),
            a("otp_sink", "msisdn", "8613300000001", 1.0, "high"),
        ];
        assert_eq!(flagged_host(&alerts).unwrap().entity_id, "10.0.0.2");
        assert_eq!(flagged_host(&alerts[..1]).unwrap().entity_id, "10.0.0.1");
        assert!(flagged_host(&alerts[2..]).is_none());
        assert_eq!(sql_text("a'b"), "'a''b'");
    }
}
