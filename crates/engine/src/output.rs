//! A scan's output folder (SCHEMA.md "Outputs"): `alerts.jsonl` and `summary.json` from
//! [`write_scan`], the linkage files `clusters.jsonl`, `warnings.csv` and `graph.graphml`
//! from [`write_linked`] (which `duanka scan` and `duanka link` both call), and the
//! exports of `duanka link`. A scan's files are one `duanka_outdir::Batch`: staged,
//! then put in place together with a manifest, so that a run killed at any point leaves
//! the previous complete folder or one every reader refuses, never a mixed or truncated
//! one; an export is one file written atomically. Reading the alerts back
//! ([`read_alerts`], for linkage alone) is here too, beside their writer, and refuses an
//! interrupted folder.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use duanka_detect::{Config, Outcome, registry};
use duanka_ingest::Dataset;
use duanka_link::{ExportError, Linked, Scope};
use duanka_model::{Alert, Figure, Severity};
pub use duanka_outdir::write_atomic;
use duanka_outdir::{Batch, FolderError, Verify, create_folder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::pipeline::Scanned;

/// Why an output file could not be written.
pub use duanka_outdir::WriteError as OutputError;

/// A file of an output folder that is unreadable or not what a scan writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {reason}", path.display(), line.map_or(String::new(), |l| format!(":{l}")))]
pub struct InputError {
    pub path: PathBuf,
    /// From 1, when the fault is on one line.
    pub line: Option<usize>,
    pub reason: String,
}

impl From<FolderError> for InputError {
    fn from(e: FolderError) -> Self {
        InputError::new(&e.path, None, e.reason)
    }
}

impl InputError {
    pub(crate) fn new(path: &Path, line: Option<usize>, reason: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }
}

/// Turns any error into bad input at a place of a file.
pub(crate) trait OrInput<T> {
    fn or_input(self, path: &Path, line: Option<usize>, what: &str) -> Result<T, InputError>;
}

impl<T, E: Display> OrInput<T> for Result<T, E> {
    fn or_input(self, path: &Path, line: Option<usize>, what: &str) -> Result<T, InputError> {
        self.map_err(|e| InputError::new(path, line, format!("{what}: {e}")))
    }
}

/// Hands each non-blank line of `path` to `each` as a `T`, with its number from 1
/// (`what` says what a line failed to be); `false` when there is no such file.
pub(crate) fn json_lines<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    mut each: impl FnMut(T, usize) -> Result<(), InputError>,
) -> Result<bool, InputError> {
    if !path.exists() {
        return Ok(false);
    }
    let f = File::open(path).or_input(path, None, "cannot open")?;
    for (i, line) in io::BufReader::new(f).lines().enumerate() {
        let line = line.or_input(path, Some(i + 1), "cannot read")?;
        if line.trim().is_empty() {
            continue;
        }
        each(
            serde_json::from_str(&line).or_input(path, Some(i + 1), what)?,
            i + 1,
        )?;
    }
    Ok(true)
}

/// The files a call wrote into the folder, by name, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub files: Vec<&'static str>,
}

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

/// Rounded so that the text does not depend on the last bits of a computation.
fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

fn figure(f: &Figure) -> Value {
    match f {
        Figure::Int(v) => Value::from(*v),
        Figure::Float(v) => Value::from(round4(*v)),
        Figure::Bool(b) => Value::from(*b),
        Figure::Text(t) => Value::from(t.as_str()),
    }
}

fn line(a: &Alert) -> AlertLine<'_> {
    AlertLine {
        detector: a.detector,
        entity_type: a.entity_type,
        entity_id: &a.entity_id,
        score: round4(a.score),
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

/// `summary.json`: rows per table (and where reference tables came from), what each
/// detector did, the stage times.
fn summary(dataset: &Dataset, scanned: &Scanned, read_ms: u128) -> Value {
    let tables: Map<String, Value> = dataset
        .tables
        .iter()
        .map(|t| {
            let mut v = serde_json::json!({
                "read": t.report.read, "accepted": t.report.accepted, "rejected": t.report.rejected,
            });
            if let Some((_, origin)) = dataset.reference.iter().find(|(n, _)| *n == t.name()) {
                v["source"] = Value::from(origin.to_string());
            }
            (t.name().to_string(), v)
        })
        .collect();
    let detectors: Vec<Value> = scanned
        .output
        .outcomes
        .iter()
        .map(|(name, o)| match o {
            Outcome::Ran { alerts, millis } => serde_json::json!({"detector": name, "status": "ran", "alerts": alerts, "millis": millis}),
            Outcome::Skipped { reason } => serde_json::json!({"detector": name, "status": "skipped", "reason": reason}),
        })
        .collect();
    serde_json::json!({
        "tables": tables,
        "detectors": detectors,
        "stages_millis": {"read": read_ms, "scan": scanned.detect_ms, "link": scanned.link_ms},
        "reference": dataset.reference_summary(),
    })
}

/// Writes `value` as indented JSON and a final newline.
/// The files a scan writes, all of them replaced by the next scan (the report's too,
/// drawn after the scan's own files are in place).
pub const SCAN_FILES: [&str; 7] = [
    "alerts.jsonl",
    "summary.json",
    "clusters.jsonl",
    "warnings.csv",
    "graph.graphml",
    "report.json",
    "report.html",
];

/// The command named in a scan folder's manifest.
pub(crate) const SCAN_WRITER: &str = "duanka scan";

pub(crate) fn stage_json(
    batch: &mut Batch,
    name: &str,
    value: &impl Serialize,
) -> Result<(), OutputError> {
    batch.write(name, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
}

/// Writes a scan's outputs into `out` (created if absent): `alerts.jsonl`,
/// `summary.json` (with `read_ms`, the time the caller took to read `dataset`), and the
/// linkage files when the scan linked.
pub fn write_scan(
    out: &Path,
    dataset: &Dataset,
    scanned: &Scanned,
    read_ms: u128,
) -> Result<Written, OutputError> {
    let mut batch = Batch::replace(out, SCAN_WRITER, &SCAN_FILES)?;
    batch.write("alerts.jsonl", |w| {
        for a in &scanned.output.alerts {
            serde_json::to_writer(&mut *w, &line(a))?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    stage_json(
        &mut batch,
        "summary.json",
        &summary(dataset, scanned, read_ms),
    )?;
    let mut written = Written {
        files: vec!["alerts.jsonl", "summary.json"],
    };
    if let Some(linked) = &scanned.linked {
        written
            .files
            .extend(stage_linked(&mut batch, linked)?.files);
    }
    batch.commit()?;
    Ok(written)
}

/// An export error as the I/O error it is: the scopes written here are known to exist.
fn export_io(e: ExportError) -> io::Error {
    match e {
        ExportError::Io(e) => e,
        other => io::Error::other(other),
    }
}

/// Writes `clusters.jsonl`, `warnings.csv` and `graph.graphml` (every fed entity) into
/// the scan folder `out` together, keeping its other files (`duanka link`).
pub fn write_linked(out: &Path, linked: &Linked) -> Result<Written, OutputError> {
    let mut batch = Batch::amend(out, "duanka link")?;
    let written = stage_linked(&mut batch, linked)?;
    batch.commit()?;
    Ok(written)
}

fn stage_linked(batch: &mut Batch, linked: &Linked) -> Result<Written, OutputError> {
    batch.write("clusters.jsonl", |w| linked.write_clusters_jsonl(w))?;
    batch.write("warnings.csv", |w| linked.write_warnings_csv(w))?;
    batch.write("graph.graphml", |w| {
        linked.write_graphml(Scope::All, w).map_err(export_io)
    })?;
    Ok(Written {
        files: vec!["clusters.jsonl", "warnings.csv", "graph.graphml"],
    })
}

/// Writes the GraphML of `scope` to `path`.
pub fn write_graphml(path: &Path, linked: &Linked, scope: Scope<'_>) -> Result<(), OutputError> {
    write_atomic(path, |w| linked.write_graphml(scope, w).map_err(export_io)).map(|_| ())
}

/// Writes the two i2 tables of `scope`, `entities.csv` and `links.csv`, into `dir`
/// (created if absent).
pub fn write_i2(dir: &Path, linked: &Linked, scope: Scope<'_>) -> Result<(), OutputError> {
    create_folder(dir)?;
    // One table per pass, the other thrown away: each file then has its own staging
    // and its own error, for the price of selecting the scope twice.
    write_atomic(&dir.join("entities.csv"), |w| {
        linked.write_i2(scope, w, io::sink()).map_err(export_io)
    })?;
    write_atomic(&dir.join("links.csv"), |w| {
        linked.write_i2(scope, io::sink(), w).map_err(export_io)
    })
    .map(|_| ())
}

/// Entity types an alert may name (the truth table's, plus `node` and `device`).
const ENTITY_TYPES: [&str; 9] = [
    "msisdn", "imsi", "imei", "account", "device", "ip", "node", "user", "case",
];

/// Reads a scan's `alerts.jsonl` back, only what linkage needs (who, what, how sure):
/// every line must name a known detector and entity type, an entity and a score in
/// [0, 1]; the severity follows from the score.
pub fn read_alerts(path: &Path) -> Result<Vec<Alert>, InputError> {
    duanka_outdir::check_file(path, Verify::Contents).map_err(InputError::from)?;
    let names: Vec<&'static str> = registry(&Config::default())
        .iter()
        .map(|d| d.info().name)
        .collect();
    let mut alerts = Vec::new();
    let found = json_lines(path, "not a JSON object", |v: Value, line| {
        let field = |f: &str| v.get(f).and_then(Value::as_str);
        let bad = |why: String| InputError::new(path, Some(line), why);
        let detector = field("detector")
            .and_then(|d| names.iter().find(|n| **n == d).copied())
            .ok_or_else(|| bad(format!("unknown detector {:?}", v.get("detector"))))?;
        let entity_type = field("entity_type")
            .and_then(|t| ENTITY_TYPES.iter().find(|n| **n == t).copied())
            .ok_or_else(|| bad(format!("unknown entity_type {:?}", v.get("entity_type"))))?;
        let entity_id = field("entity_id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no entity_id".into()))?;
        let score = v
            .get("score")
            .and_then(Value::as_f64)
            .filter(|s| (0.0..=1.0).contains(s))
            .ok_or_else(|| bad("score missing or outside [0, 1]".into()))?;
        alerts.push(Alert {
            detector,
            entity_type,
            entity_id: entity_id.to_string(),
            score,
            severity: Severity::from_score(score),
            first_seen: v.get("first_seen").and_then(Value::as_i64),
            last_seen: v.get("last_seen").and_then(Value::as_i64),
            explanation: field("explanation").unwrap_or_default().to_string(),
            evidence: Vec::new(),
        });
        Ok(())
    })?;
    if !found {
        return Err(InputError::new(
            path,
            None,
            "no such file (run `duanka scan` first)",
        ));
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scores_and_figures_are_rounded_to_four_places() {
        assert_eq!(figure(&Figure::Float(0.123_456)), Value::from(0.1235));
        assert_eq!(round4(0.999_96), 1.0);
    }
}
