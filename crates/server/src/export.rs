//! What an export holds, in its three formats: a CSV of the entities (type, value,
//! detectors, severity, score), GraphML of the entities and the chain's links, and an
//! i2 Analyst's Notebook link table (one row per link, both ends). Values are masked
//! unless the export is an approved unmasked one.

use std::collections::BTreeMap;
use std::fmt::Write;

use duanka_store::share::ExportRow;
use duanka_store::{StoreError, Tx};
use serde_json::Value;

use crate::mask;

/// One entity of the export.
#[derive(Default)]
struct Node {
    detectors: Vec<String>,
    severity: String,
    score: f64,
}

/// An entity: its type and value.
type Key = (String, String);

struct Content {
    nodes: BTreeMap<Key, Node>,
    /// From, via, to.
    links: Vec<(Key, String, Key)>,
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn add_cluster(c: &mut Content, data: &Value) {
    let empty = Vec::new();
    let arr = |k: &str| {
        data.get(k)
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .clone()
    };
    for m in arr("members") {
        c.nodes
            .entry((
                str_of(&m, "entity_type").into(),
                str_of(&m, "entity_id").into(),
            ))
            .or_default();
    }
    for a in arr("alerts") {
        let n = c
            .nodes
            .entry((
                str_of(&a, "entity_type").into(),
                str_of(&a, "entity_id").into(),
            ))
            .or_default();
        n.severity = str_of(&a, "severity").into();
        n.score = a.get("score").and_then(Value::as_f64).unwrap_or(0.0);
        n.detectors = a
            .get("detectors")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
    }
    // The chain runs from a case upstream: each hop links to the one before it.
    let chain = arr("chain");
    for pair in chain.windows(2) {
        let from = (
            str_of(&pair[0], "entity_type").to_string(),
            str_of(&pair[0], "entity_id").to_string(),
        );
        let to = (
            str_of(&pair[1], "entity_type").to_string(),
            str_of(&pair[1], "entity_id").to_string(),
        );
        c.nodes.entry(from.clone()).or_default();
        c.nodes.entry(to.clone()).or_default();
        c.links
            .push((from, str_of(&pair[1], "via").to_string(), to));
    }
}

async fn gather(tx: &mut Tx, x: &ExportRow) -> Result<Content, StoreError> {
    let mut c = Content {
        nodes: BTreeMap::new(),
        links: Vec::new(),
    };
    if x.object_type == "cluster" {
        let cl = tx.cluster(x.object_id).await?;
        add_cluster(&mut c, &cl.data);
        return Ok(c);
    }
    let d = tx.case_detail(x.object_id).await?;
    for cl in &d.clusters {
        add_cluster(&mut c, &cl.data);
    }
    for a in &d.alerts {
        let n = c
            .nodes
            .entry((a.entity_type.clone(), a.entity_value.clone()))
            .or_default();
        if !n.detectors.contains(&a.detector) {
            n.detectors.push(a.detector.clone());
        }
        if a.score >= n.score {
            n.score = a.score;
            n.severity = a.severity.as_str().to_string();
        }
    }
    Ok(c)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The export's bytes.
pub async fn render(tx: &mut Tx, x: &ExportRow) -> Result<String, StoreError> {
    let c = gather(tx, x).await?;
    let shown = |t: &str, v: &str| {
        if x.unmasked {
            v.to_string()
        } else {
            mask::entity(t, v)
        }
    };
    let mut out = String::new();
    match x.format.as_str() {
        "csv" => {
            out.push_str("entity_type,entity,detectors,severity,score\n");
            for ((t, v), n) in &c.nodes {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{}",
                    csv_field(t),
                    csv_field(&shown(t, v)),
                    csv_field(&n.detectors.join(" ")),
                    n.severity,
                    if n.detectors.is_empty() {
                        String::new()
                    } else {
                        format!("{:.4}", n.score)
                    }
                );
            }
        }
        "graphml" => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n");
            out.push_str("  <key id=\"type\" for=\"node\" attr.name=\"entity_type\" attr.type=\"string\"/>\n");
            out.push_str("  <key id=\"severity\" for=\"node\" attr.name=\"severity\" attr.type=\"string\"/>\n");
            out.push_str(
                "  <key id=\"via\" for=\"edge\" attr.name=\"via\" attr.type=\"string\"/>\n",
            );
            out.push_str("  <graph edgedefault=\"undirected\">\n");
            let ids: BTreeMap<&(String, String), usize> =
                c.nodes.keys().enumerate().map(|(i, k)| (k, i)).collect();
            for ((t, v), n) in &c.nodes {
                let i = ids.get(&(t.clone(), v.clone())).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "    <node id=\"n{i}\"><data key=\"type\">{}</data><data key=\"severity\">{}</data><desc>{}</desc></node>",
                    xml(t),
                    xml(&n.severity),
                    xml(&shown(t, v))
                );
            }
            for (from, via, to) in &c.links {
                let (a, b) = (
                    ids.get(from).copied().unwrap_or(0),
                    ids.get(to).copied().unwrap_or(0),
                );
                let _ = writeln!(
                    out,
                    "    <edge source=\"n{a}\" target=\"n{b}\"><data key=\"via\">{}</data></edge>",
                    xml(via)
                );
            }
            out.push_str("  </graph>\n</graphml>\n");
        }
        _ => {
            out.push_str("entity1_type,entity1,link,entity2_type,entity2\n");
            for ((t1, v1), via, (t2, v2)) in &c.links {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{}",
                    csv_field(t1),
                    csv_field(&shown(t1, v1)),
                    csv_field(via),
                    csv_field(t2),
                    csv_field(&shown(t2, v2))
                );
            }
        }
    }
    Ok(out)
}
