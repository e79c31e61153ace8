//! `duanka link` (linkage alone, on a scanned output: `duanka_engine::relink`, then
//! `duanka_engine::output` rewrites the linkage files and writes the exports), `duanka
//! trace` (one case's chain) and the lines about linkage that `duanka scan` prints too.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, anyhow};
use duanka_link::{Linked, Scope};
use serde_json::Value;

use crate::args::{LinkArgs, ReportFormat};
use crate::{Failure, read};

/// The closing lines about linkage.
pub(crate) fn print_summary(linked: &Linked, millis: u128) {
    let s = linked.stats();
    println!(
        "{:<16} {:>7} clusters from {} entities and {} links ({} hubs held apart) in {millis} ms",
        "link", s.clusters, s.entities, s.links, s.hubs
    );
    if let Some(top) = linked.clusters().first() {
        let chain: Vec<String> = top
            .chain
            .iter()
            .map(|h| format!("{} {}", h.entity_type.as_str(), h.entity_id))
            .collect();
        println!(
            "top cluster {}: {} case(s), ¥{:.2} lost, {} members; chain: {}",
            top.cluster_id,
            top.case_ids.len(),
            top.total_loss as f64 / 100.0,
            top.members.len(),
            chain.join(" → ")
        );
    }
    let warnings = linked.warnings();
    if !warnings.is_empty() {
        let tier = |t: &str| warnings.iter().filter(|w| w.tier.as_str() == t).count();
        println!(
            "early warning: {} subscribers ({} high, {} medium, {} low)",
            warnings.len(),
            tier("high"),
            tier("medium"),
            tier("low")
        );
    }
}

/// `duanka link DATASET --data OUTDIR`: linkage alone, from the dataset and the alerts
/// of an earlier scan; rewrites the linkage outputs in OUTDIR, and optionally exports a
/// cluster or the whole graph.
pub(crate) fn run(a: &LinkArgs) -> Result<(), Failure> {
    let alerts = duanka_engine::read_alerts(&a.data.join("alerts.jsonl"))?;
    let ds = read::read(&a.dataset, &a.read, None, read::Rows::InPlace)?;
    let resources = read::resources(&a.read, &ds)?;
    let threads = resources.threads;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    let started = Instant::now();
    let settings = duanka_link::Settings::default();
    let linked = runtime.block_on(duanka_engine::relink(&ds, &alerts, &settings, &resources))?;
    let millis = started.elapsed().as_millis();
    let written = duanka_engine::write_linked(&a.data, &linked)?;
    let scope = match &a.cluster {
        Some(id) => {
            if !linked.clusters().iter().any(|c| &c.cluster_id == id) {
                return Err(Failure::usage(anyhow!(
                    "no cluster {id}; clusters are c0001 … c{:04}",
                    linked.clusters().len()
                )));
            }
            Scope::Cluster(id)
        }
        None => Scope::All,
    };
    if let Some(path) = &a.graphml {
        duanka_engine::write_graphml(path, &linked, scope)?;
    }
    if let Some(dir) = &a.i2 {
        duanka_engine::write_i2(dir, &linked, scope)?;
    }
    print_summary(&linked, millis);
    println!("wrote {} in {}", written.files.join(", "), a.data.display());
    Ok(())
}

/// `duanka trace CASE_ID --data OUTDIR`: the chain of one case, from `clusters.jsonl`.
pub(crate) fn trace(case_id: &str, data: &Path, format: ReportFormat) -> Result<(), Failure> {
    let path = data.join("clusters.jsonl");
    duanka_outdir::check_file(&path, duanka_outdir::Verify::Contents).map_err(Failure::input)?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| {
            format!(
                "{}: cannot read (run `duanka scan` or `duanka link` first)",
                path.display()
            )
        })
        .map_err(Failure::input)?;
    let mut found = None;
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a JSON object", path.display(), k + 1))
            .map_err(Failure::input)?;
        let holds = v
            .get("case_ids")
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(case_id)));
        if holds {
            found = Some(v);
            break;
        }
    }
    let Some(c) = found else {
        return Err(Failure::usage(anyhow!(
            "case {case_id} is in no cluster of {} (not linked to any finding)",
            path.display()
        )));
    };
    let empty = Vec::new();
    // The case's own chain when the cluster kept one, else the cluster's.
    let own = c.get("case_chains").and_then(|m| m.get(case_id));
    let chain = own
        .and_then(|o| o.get("chain"))
        .or_else(|| c.get("chain"))
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let stop = own.map_or_else(|| c.get("stop"), |o| o.get("stop"));
    let alerts = c.get("alerts").and_then(Value::as_array).unwrap_or(&empty);
    if format == ReportFormat::Json {
        let out = serde_json::json!({
            "case_id": case_id,
            "cluster_id": c.get("cluster_id"),
            "cases": c.get("case_ids").and_then(Value::as_array).map_or(0, Vec::len),
            "total_loss": c.get("total_loss"),
            "chain": chain,
            "stop": stop,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(Failure::internal)?
        );
        return Ok(());
    }
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let cases = c
        .get("case_ids")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let loss = c.get("total_loss").and_then(Value::as_i64).unwrap_or(0);
    println!(
        "case {case_id} is in cluster {} with {cases} case(s), ¥{:.2} lost in all",
        s(c.get("cluster_id")),
        loss as f64 / 100.0
    );
    println!("chain, from the case upstream to the furthest supplier found:");
    for (k, hop) in chain.iter().enumerate() {
        let (ty, id) = (s(hop.get("entity_type")), s(hop.get("entity_id")));
        let mark = alerts
            .iter()
            .find(|a| s(a.get("entity_type")) == ty && s(a.get("entity_id")) == id)
            .map(|a| {
                let dets: Vec<String> = a
                    .get("detectors")
                    .and_then(Value::as_array)
                    .map(|d| {
                        d.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                format!(
                    "  [{} {:.2}: {}]",
                    s(a.get("severity")),
                    a.get("score").and_then(Value::as_f64).unwrap_or(0.0),
                    dets.join(", ")
                )
            })
            .unwrap_or_default();
        if k == 0 {
            println!("  {ty} {id}{mark}");
        } else {
            println!("  ← {:<24} {ty} {id}{mark}", s(hop.get("via")));
        }
    }
    if own.is_none() {
        println!(
            "(the cluster's chain, from its best case: no per-case chain kept for so large a cluster)"
        );
    }
    match stop.and_then(Value::as_str) {
        Some(why) => println!("the chain stops: {why}"),
        None => println!("the chain reaches an operator user: the supplier."),
    }
    Ok(())
}
