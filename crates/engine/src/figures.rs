//! The report's figures: SQL over the scanned dataset for what only the data can show
//! (distinct OTP services per number, number blocks by silent receivers, the flagged
//! host's hourly traffic against OTP deliveries via it), and the scan's output files for
//! the rest (`summary.json`, `alerts.jsonl`, `clusters.jsonl`, `graph.graphml`,
//! `warnings.csv`). Writes `report.json` and `report.html` (drawn by `duanka-report`).
//!
//! After a scan, [`write_report`] runs in the scan's session (so the OTPs the detectors
//! classified serve the figures too); [`rerender`] keeps the dataset figures of
//! `report.json` and reads every output file again. A figure whose table or file is
//! absent is written as missing, with the reason, never silently left out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_detect::sql::{OTP_TABLE, ensure_otp_table, otp_ctes_cached};
use duanka_report::{
    AlertRow, AlertTable, Block, Blocks, Chain, ChainHop, ClusterGraph, DetectorCount, Edge,
    Figure, HourPoint, Node, OtpServices, Overview, ReportData, RogueTraffic, TableCount,
    WarningRow, Warnings,
};
use serde::Deserialize;
use serde_json::Value;

use crate::output::{
    InputError, OrInput, OutputError, SCAN_FILES, SCAN_WRITER, json_lines, stage_json,
};

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Input(#[from] InputError),
    /// A figure's query could not be planned or run.
    #[error("{step} {sql}")]
    Query {
        step: &'static str,
        sql: String,
        #[source]
        source: DataFusionError,
    },
    #[error(transparent)]
    DataFusion(#[from] DataFusionError),
    #[error(transparent)]
    Arrow(#[from] ArrowError),
    /// A query's result is not of the shape its SQL gives.
    #[error("a figure's result: {0}")]
    Shape(String),
    #[error("rendering the report")]
    Render(#[source] serde_json::Error),
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl ReportError {
    /// Whether the fault lies with the output folder (its files, or writing into it)
    /// rather than with duanka.
    pub fn is_input(&self) -> bool {
        matches!(self, ReportError::Input(_) | ReportError::Output(_))
    }
}

/// An error with its causes, as one line.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Rows of the alerts table in the page: enough to browse, small enough to stay a few MB.
const MAX_ALERT_ROWS: usize = 2000;
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
/// [`rerender`] can draw them again without the dataset.
pub struct DatasetFigures {
    pub otp_services: Figure<OtpServices>,
    pub blocks: Figure<Blocks>,
    pub rogue_traffic: Figure<RogueTraffic>,
    /// The figures that failed: each is written as missing, with the error.
    pub not_drawn: Vec<NotDrawn>,
}

/// A figure that could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDrawn {
    pub figure: &'static str,
    pub error: String,
}

/// What [`write_report`] or [`rerender`] wrote.
#[derive(Debug, Clone)]
pub struct Report {
    /// `report.html`; `report.json` is beside it.
    pub html: PathBuf,
    pub not_drawn: Vec<NotDrawn>,
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

fn read_alerts(out: &Path) -> Result<Option<Vec<AlertIn>>, ReportError> {
    let mut v = Vec::new();
    let found = json_lines(&out.join("alerts.jsonl"), "not an alert", |a, _| {
        v.push(a);
        Ok(())
    })?;
    Ok(found.then_some(v))
}

// ---------------------------------------------------------------------------------------
// SQL over the dataset.

async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, ReportError> {
    let failed = |step| {
        move |source| ReportError::Query {
            step,
            sql: sql.to_string(),
            source,
        }
    };
    let df = ctx.sql(sql).await.map_err(failed("planning"))?;
    df.collect().await.map_err(failed("running"))
}

/// Column `name` of every batch, cast to `to` and read as an `A` by `value`.
fn column<A: Array + 'static, T>(
    batches: &[RecordBatch],
    name: &str,
    to: &DataType,
    value: impl Fn(&A, usize) -> T,
) -> Result<Vec<T>, ReportError> {
    let mut v = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| ReportError::Shape(format!("no column {name}")))?;
        let c = cast(col, to)?;
        let a = c
            .as_any()
            .downcast_ref::<A>()
            .ok_or_else(|| ReportError::Shape(format!("column {name} is not {to}")))?;
        v.extend((0..a.len()).map(|i| value(a, i)));
    }
    Ok(v)
}

/// Column `name` as integers (nulls as 0).
fn ints(batches: &[RecordBatch], name: &str) -> Result<Vec<i64>, ReportError> {
    column(batches, name, &DataType::Int64, |a: &Int64Array, i| {
        if a.is_null(i) { 0 } else { a.value(i) }
    })
}

/// Column `name` as text (nulls as empty).
fn strings(batches: &[RecordBatch], name: &str) -> Result<Vec<String>, ReportError> {
    column(batches, name, &DataType::Utf8, |a: &StringArray, i| {
        if a.is_null(i) {
            String::new()
        } else {
            a.value(i).to_string()
        }
    })
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

async fn otp_services(ctx: &SessionContext) -> Result<Figure<OtpServices>, ReportError> {
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

async fn blocks(ctx: &SessionContext) -> Result<Figure<Blocks>, ReportError> {
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
) -> Result<Figure<RogueTraffic>, ReportError> {
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

fn shown_or_reason<T>(
    r: Result<Figure<T>, ReportError>,
    figure: &'static str,
    not_drawn: &mut Vec<NotDrawn>,
) -> Figure<T> {
    r.unwrap_or_else(|e| {
        let error = with_causes(&e);
        let missing = Figure::Missing(format!("{figure} could not be computed: {error}"));
        not_drawn.push(NotDrawn { figure, error });
        missing
    })
}

async fn figures_for(
    ctx: &SessionContext,
    alerts: &[AlertIn],
) -> Result<DatasetFigures, ReportError> {
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
    let flagged = RecordBatch::try_new(Arc::clone(&schema), vec![col])?;
    duanka_query::register_result(ctx, FLAGGED_TABLE, schema, vec![vec![flagged]])?;
    let mut not_drawn = Vec::new();
    let otp_services = shown_or_reason(
        otp_services(ctx).await,
        "the OTP services histogram",
        &mut not_drawn,
    );
    let blocks = shown_or_reason(blocks(ctx).await, "the block heat map", &mut not_drawn);
    let rogue_traffic = shown_or_reason(
        rogue_traffic(ctx, alerts).await,
        "the host's traffic",
        &mut not_drawn,
    );
    ctx.deregister_table(FLAGGED_TABLE)?;
    Ok(DatasetFigures {
        otp_services,
        blocks,
        rogue_traffic,
        not_drawn,
    })
}

/// The dataset figures of the scan whose outputs are in `out`, computed in its session
/// `ctx` (reusing the OTPs its detectors classified), for the alerts of its
/// `alerts.jsonl`. A figure whose query fails is missing, with the error, and listed in
/// `not_drawn`.
pub async fn dataset_figures(
    ctx: &SessionContext,
    out: &Path,
) -> Result<DatasetFigures, ReportError> {
    let alerts = read_alerts(out)?;
    figures_for(ctx, alerts.as_deref().unwrap_or(&[])).await
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

fn summary_parts(out: &Path) -> Result<SummaryParts, ReportError> {
    let path = out.join("summary.json");
    if !path.exists() {
        return Ok(Default::default());
    }
    let text = std::fs::read_to_string(&path).or_input(&path, None, "cannot read")?;
    let v: Value = serde_json::from_str(&text).or_input(&path, None, "not JSON")?;
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

fn read_clusters(out: &Path) -> Result<Option<Clusters>, ReportError> {
    let mut c = Clusters {
        top: None,
        count: 0,
        cases: 0,
        loss: 0,
    };
    let found = json_lines(
        &out.join("clusters.jsonl"),
        "not a cluster",
        |k: ClusterIn, _| {
            c.count += 1;
            c.cases += k.case_ids.len() as u64;
            c.loss += k.total_loss;
            // The file is ranked: the first line is the top cluster.
            if c.top.is_none() {
                c.top = Some(k);
            }
            Ok(())
        },
    )?;
    Ok(found.then_some(c))
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
) -> Result<Vec<(String, String, String)>, ReportError> {
    let f = std::fs::File::open(path).or_input(path, None, "cannot open")?;
    let mut edges = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.or_input(path, Some(i + 1), "cannot read")?;
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
fn cluster_graph(out: &Path, c: &ClusterIn) -> Result<ClusterGraph, ReportError> {
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

fn read_warnings(out: &Path) -> Result<Option<Warnings>, ReportError> {
    let path = out.join("warnings.csv");
    if !path.exists() {
        return Ok(None);
    }
    let mut r = csv::Reader::from_path(&path).or_input(&path, None, "cannot open")?;
    let headers = r
        .headers()
        .or_input(&path, Some(1), "no header row")?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ty), Some(id), Some(tier), Some(reason), Some(cluster)) = (
        col("entity_type"),
        col("entity_id"),
        col("tier"),
        col("reason"),
        col("cluster_id"),
    ) else {
        return Err(InputError::new(
            &path,
            Some(1),
            "missing one of the columns entity_type, entity_id, tier, reason, cluster_id",
        )
        .into());
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
        let rec = rec.or_input(&path, None, "bad row")?;
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
) -> Result<ReportData, ReportError> {
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

/// Assembles the data section and writes `report.json` and `report.html` into `out`.
fn finish(
    out: &Path,
    writer: &str,
    alerts: Option<Vec<AlertIn>>,
    mut figs: DatasetFigures,
) -> Result<Report, ReportError> {
    let not_drawn = std::mem::take(&mut figs.not_drawn);
    let data = assemble(out, alerts, figs)?;
    // Rendered before anything is written, so that a failure leaves the old pair.
    let html = duanka_report::render_html(&data).map_err(ReportError::Render)?;
    let mut batch = duanka_outdir::Batch::amend(out, writer)?;
    stage_json(&mut batch, "report.json", &data)?;
    batch.write("report.html", |w| {
        std::io::Write::write_all(w, html.as_bytes())
    })?;
    batch.commit()?;
    Ok(Report {
        html: out.join("report.html"),
        not_drawn,
    })
}

/// Refuses an output folder a run left incomplete, or whose files the report reads
/// changed since (every one but `report.html`, which it only writes): what `duanka
/// report` checks before it draws a folder again.
fn check_folder(out: &Path) -> Result<(), InputError> {
    let read: Vec<&str> = SCAN_FILES
        .into_iter()
        .filter(|n| *n != "report.html")
        .collect();
    duanka_outdir::check(out, &read, duanka_outdir::Verify::Contents).map_err(InputError::from)
}

/// Computes the dataset figures in the scan's session `ctx` (reusing the OTPs it
/// classified), reads the scan's output files in `out`, and writes `report.json` and
/// `report.html` there.
pub async fn write_report(ctx: &SessionContext, out: &Path) -> Result<Report, ReportError> {
    // The scan's own files, committed by this process a moment ago: not hashed again.
    let alerts = read_alerts(out)?;
    let figs = figures_for(ctx, alerts.as_deref().unwrap_or(&[])).await?;
    finish(out, SCAN_WRITER, alerts, figs)
}

/// The report of the output folder `out` drawn again: the dataset figures from its
/// `report.json` (missing when it is absent), everything else read again from the
/// output files.
pub fn rerender(out: &Path) -> Result<Report, ReportError> {
    if !out.is_dir() {
        return Err(InputError::new(out, None, "not a folder").into());
    }
    check_folder(out)?;
    let path = out.join("report.json");
    let figs = if path.exists() {
        let text = std::fs::read_to_string(&path).or_input(&path, None, "cannot read")?;
        let old: ReportData = serde_json::from_str(&text).or_input(
            &path,
            None,
            &format!("not a report of version {}", duanka_report::VERSION),
        )?;
        DatasetFigures {
            otp_services: old.otp_services,
            blocks: old.blocks,
            rogue_traffic: old.rogue_traffic,
            not_drawn: Vec::new(),
        }
    } else {
        let why = || {
            "no report.json in the output folder: `duanka scan` computes this figure from the dataset".to_string()
        };
        DatasetFigures {
            otp_services: Figure::Missing(why()),
            blocks: Figure::Missing(why()),
            rogue_traffic: Figure::Missing(why()),
            not_drawn: Vec::new(),
        }
    };
    let alerts = read_alerts(out)?;
    finish(out, "duanka report", alerts, figs)
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
            not_drawn: Vec::new(),
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
