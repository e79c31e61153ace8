//! `duanka scan`: read, run every detector whose tables are present, write
//! `alerts.jsonl` and `summary.json` (SCHEMA.md "Outputs").

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use duanka_detect::{Config, Outcome};
use duanka_model::{Alert, Figure};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::ScanArgs;
use crate::{Failure, read};
use indicatif::{ProgressBar, ProgressStyle};

/// One line of `alerts.jsonl`, fields in the contract's order.
#[derive(Serialize)]
struct AlertLine<'a> {
    detector: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    score: f64,
    severity: &'a str,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    explanation: &'a str,
    evidence: Map<String, Value>,
}

fn figure(f: &Figure) -> Value {
    match f {
        Figure::Int(v) => Value::from(*v),
        // Rounded so that the text does not depend on the last bits of a computation.
        Figure::Float(v) => Value::from((v * 1e4).round() / 1e4),
        Figure::Bool(b) => Value::from(*b),
        Figure::Text(t) => Value::from(t.as_str()),
    }
}

fn line(a: &Alert) -> AlertLine<'_> {
    AlertLine {
        detector: a.detector,
        entity_type: a.entity_type,
        entity_id: &a.entity_id,
        score: (a.score * 1e4).round() / 1e4,
        severity: a.severity.as_str(),
        first_seen: a.first_seen,
        last_seen: a.last_seen,
        explanation: &a.explanation,
        evidence: a
            .evidence
            .iter()
            .map(|(k, v)| (k.to_string(), figure(v)))
            .collect(),
    }
}

/// Reads the detector settings: the file when given, else the defaults.
fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the settings file", path.display()))
        .map_err(Failure::usage)?;
    Config::from_toml(&text)
        .with_context(|| format!("{}: bad settings", path.display()))
        .map_err(Failure::usage)
}

/// `duanka config`.
pub(crate) fn config_command(defaults: bool, check: Option<&Path>) -> Result<(), Failure> {
    if defaults || check.is_none() {
        print!("{}", Config::defaults_toml());
        return Ok(());
    }
    let config = load_config(check)?;
    let text = toml::to_string(&config)
        .context("cannot render the settings")
        .map_err(Failure::internal)?;
    print!("{text}");
    Ok(())
}

pub(crate) fn run(a: &ScanArgs) -> Result<(), Failure> {
    let (dataset, out, args) = (a.dataset.as_path(), a.out.as_path(), &a.read);
    let config = load_config(a.config.as_deref())?;
    let t_read = Instant::now();
    let ds = read::read(dataset, args, None)?;
    let read_ms = t_read.elapsed().as_millis();
    let threads = read::threads(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    let bar = (!args.quiet).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} detectors {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |p: duanka_engine::Progress<'_>| {
        let Some(b) = &bar else { return };
        match p {
            duanka_engine::Progress::Detector { name, done, total } => {
                b.set_length(total as u64);
                b.set_position(done as u64);
                b.set_message(name.to_string());
            }
            duanka_engine::Progress::Linking => b.set_message("linking"),
        }
    };
    let link_settings = duanka_link::Settings::default();
    let settings = duanka_engine::ScanSettings {
        detectors: &config,
        link: (!a.no_link).then_some(&link_settings),
        threads,
    };
    let scanned = runtime
        .block_on(duanka_engine::scan(&ds, &settings, &progress))
        .map_err(Failure::internal)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let (ctx, result, linked) = (&scanned.ctx, &scanned.output, &scanned.linked);
    let (scan_ms, link_ms) = (scanned.detect_ms, scanned.link_ms);

    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the output folder", out.display()))
        .map_err(Failure::input)?;
    let alerts_path = out.join("alerts.jsonl");
    let write = || -> anyhow::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&alerts_path)?);
        for a in &result.alerts {
            serde_json::to_writer(&mut w, &line(a))?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        let summary = serde_json::json!({
            "tables": ds.tables.iter().map(|t| {
                let mut v = serde_json::json!({
                    "read": t.report.read, "accepted": t.report.accepted, "rejected": t.report.rejected,
                });
                if let Some((_, origin)) = ds.reference.iter().find(|(n, _)| *n == t.name()) {
                    v["source"] = Value::from(origin.to_string());
                }
                (t.name().to_string(), v)
            }).collect::<Map<String, Value>>(),
            "detectors": result.outcomes.iter().map(|(name, o)| match o {
                Outcome::Ran { alerts, millis } => serde_json::json!({"detector": name, "status": "ran", "alerts": alerts, "millis": millis}),
                Outcome::Skipped { reason } => serde_json::json!({"detector": name, "status": "skipped", "reason": reason}),
            }).collect::<Vec<_>>(),
            "stages_millis": {"read": read_ms, "scan": scan_ms, "link": link_ms},
            "reference": ds.reference_summary(),
        });
        std::fs::write(
            out.join("summary.json"),
            serde_json::to_string_pretty(&summary)? + "\n",
        )?;
        Ok(())
    };
    write()
        .with_context(|| format!("{}: cannot write the results", out.display()))
        .map_err(Failure::input)?;
    if let Some(linked) = &linked {
        crate::link::write_outputs(linked, out)?;
    }

    for line in ds.reference_summary() {
        println!("reference: {line}");
    }
    for (name, o) in &result.outcomes {
        match o {
            Outcome::Ran { alerts, millis } => {
                let by_sev = |s: &str| {
                    result
                        .alerts
                        .iter()
                        .filter(|a| a.detector == *name && a.severity.as_str() == s)
                        .count()
                };
                println!(
                    "{name:<16} {alerts:>7} alerts ({} high, {} medium, {} low) in {millis} ms",
                    by_sev("high"),
                    by_sev("medium"),
                    by_sev("low")
                );
            }
            Outcome::Skipped { reason } => println!("{name:<16} skipped: {reason}"),
        }
    }
    if let Some(linked) = &linked {
        crate::link::print_summary(linked, link_ms);
    }
    println!(
        "wrote {}, summary.json{} in {}",
        alerts_path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        if linked.is_some() {
            ", clusters.jsonl, warnings.csv, graph.graphml"
        } else {
            ""
        },
        out.display()
    );
    if !a.no_report {
        crate::figures::write_report(&runtime, ctx, out)?;
    }
    Ok(())
}
