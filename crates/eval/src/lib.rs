//! Scores a scan's findings against a simulated world's ground truth: the scan's
//! `alerts.jsonl` and `clusters.jsonl` (SCHEMA.md "Outputs") against `truth.csv`, and
//! optionally `hard_negatives.csv` to name the trap each false positive fell into.
//!
//! How findings are matched (the rules a detector author can rely on):
//! - An alert claims its entity, `(entity_type, entity_id)`, compared exactly (canonical
//!   forms: msisdn as E.164 digits, imei as 15 digits, ip as text, …). Alerts below
//!   `medium` severity are leads, not claims, and are not scored (settable).
//! - Per label: an alert counts for label `L` when its `detector` is named `L`
//!   (`otp_sink`, `sim_farm`, …). Its claims are the predictions for `L`; truth rows
//!   labelled `L` are the positives. Detectors named after no label are scored only per
//!   entity type.
//! - Per entity type: every claim on that type, from any detector, against every truth
//!   entity of that type, whatever its label.
//! - A claim on an entity absent from the truth is a false positive on a normal entity.
//! - Chain check: the cluster holding most `linked_case` cases is the chain's cluster;
//!   reported are the share of linked cases it holds, how many `other_gang_case` cases
//!   were merged into it, and whether its members or chain reach the `rogue_host`, the
//!   `jump_host` and the `insider`.
//!
//! This crate reads only outputs and truth; no detector may depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {reason}", path.display())]
    Bad {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// The scan folder is incomplete, or not as its scan wrote it.
    #[error(transparent)]
    Folder(#[from] duanka_outdir::FolderError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EvalError + '_ {
    move |source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An entity as the truth and the outputs name it.
pub type Entity = (String, String);

/// Labels per entity.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub labels: BTreeMap<Entity, BTreeSet<String>>,
}

impl Truth {
    pub fn with_label(&self, label: &str) -> BTreeSet<&Entity> {
        self.labels
            .iter()
            .filter(|(_, ls)| ls.contains(label))
            .map(|(e, _)| e)
            .collect()
    }

    pub fn label_names(&self) -> BTreeSet<&str> {
        self.labels
            .values()
            .flat_map(|ls| ls.iter().map(String::as_str))
            .collect()
    }
}

/// Reads a three-column CSV (`entity_type,entity_id,label|kind`) with a header.
fn read_triples(path: &Path) -> Result<Vec<(String, String, String)>, EvalError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| EvalError::Bad {
            path: path.to_path_buf(),
            line: 0,
            reason: e.to_string(),
        })?;
    let mut out = Vec::new();
    for (k, rec) in rdr.records().enumerate() {
        let line = k as u64 + 2;
        let rec = rec.map_err(|e| EvalError::Bad {
            path: path.to_path_buf(),
            line,
            reason: e.to_string(),
        })?;
        match (rec.get(0), rec.get(1), rec.get(2)) {
            (Some(t), Some(id), Some(l)) if !t.is_empty() && !id.is_empty() => {
                out.push((
                    t.trim().to_string(),
                    id.trim().to_string(),
                    l.trim().to_string(),
                ));
            }
            _ => {
                return Err(EvalError::Bad {
                    path: path.to_path_buf(),
                    line,
                    reason: "expected entity_type,entity_id,label".into(),
                });
            }
        }
    }
    Ok(out)
}

pub fn read_truth(path: &Path) -> Result<Truth, EvalError> {
    let mut t = Truth::default();
    for (ty, id, label) in read_triples(path)? {
        t.labels.entry((ty, id)).or_default().insert(label);
    }
    Ok(t)
}

/// Hard negatives: entity → kind.
pub fn read_negatives(path: &Path) -> Result<BTreeMap<Entity, String>, EvalError> {
    Ok(read_triples(path)?
        .into_iter()
        .map(|(t, id, k)| ((t, id), k))
        .collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Alert {
    pub detector: String,
    pub entity_type: String,
    pub entity_id: String,
    #[serde(default)]
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Member {
    pub entity_type: String,
    pub entity_id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Cluster {
    pub cluster_id: String,
    #[serde(default)]
    pub case_ids: Vec<String>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub chain: Vec<Member>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, EvalError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut out = Vec::new();
    for (k, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|e| EvalError::Bad {
            path: path.to_path_buf(),
            line: k as u64 + 1,
            reason: e.to_string(),
        })?);
    }
    Ok(out)
}

pub fn read_alerts(path: &Path) -> Result<Vec<Alert>, EvalError> {
    read_jsonl(path)
}

/// A missing clusters file means the scan found no clusters.
pub fn read_clusters(path: &Path) -> Result<Vec<Cluster>, EvalError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    read_jsonl(path)
}

fn severity_rank(s: Option<&str>) -> u8 {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("high") => 3,
        Some("medium") => 2,
        Some("low") => 1,
        // An alert without a severity is taken at its word.
        _ => 3,
    }
}

/// Counts and the figures derived from them.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Score {
    pub predicted: u64,
    pub positives: u64,
    pub true_positives: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Score {
    fn new(predicted: u64, positives: u64, tp: u64) -> Self {
        let precision = (predicted > 0).then(|| tp as f64 / predicted as f64);
        let recall = (positives > 0).then(|| tp as f64 / positives as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Score {
            predicted,
            positives,
            true_positives: tp,
            precision,
            recall,
            f1,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ChainCheck {
    pub linked_cases: u64,
    pub clusters: u64,
    /// Id of the cluster holding most linked cases.
    pub chain_cluster: Option<String>,
    pub linked_in_chain_cluster: u64,
    pub share_linked_in_one_cluster: f64,
    pub unrelated_cases_merged: u64,
    pub reaches_rogue_host: bool,
    pub reaches_jump_host: bool,
    pub reaches_insider: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    pub min_severity: String,
    pub alerts_scored: u64,
    pub alerts_below_severity: u64,
    pub per_label: BTreeMap<String, Score>,
    pub per_entity_type: BTreeMap<String, Score>,
    pub overall: Score,
    /// Claims on normal entities, by hard-negative kind (`other` when not a listed trap).
    pub false_positives_by_kind: BTreeMap<String, u64>,
    pub chain: ChainCheck,
}

/// Scores `alerts` and `clusters`. `min_severity` is `low`, `medium` or `high`.
pub fn score(
    truth: &Truth,
    negatives: &BTreeMap<Entity, String>,
    alerts: &[Alert],
    clusters: &[Cluster],
    min_severity: &str,
) -> Report {
    let floor = severity_rank(Some(min_severity));
    let mut report = Report {
        min_severity: min_severity.to_string(),
        ..Report::default()
    };
    let mut claims: BTreeSet<Entity> = BTreeSet::new();
    let mut by_detector: BTreeMap<&str, BTreeSet<Entity>> = BTreeMap::new();
    for a in alerts {
        if severity_rank(a.severity.as_deref()) < floor {
            report.alerts_below_severity += 1;
            continue;
        }
        report.alerts_scored += 1;
        let e = (a.entity_type.clone(), a.entity_id.clone());
        claims.insert(e.clone());
        by_detector
            .entry(a.detector.as_str())
            .or_default()
            .insert(e);
    }

    let empty = BTreeSet::new();
    for label in truth.label_names() {
        let positives = truth.with_label(label);
        let predicted = by_detector.get(label).unwrap_or(&empty);
        let tp = predicted.iter().filter(|e| positives.contains(e)).count() as u64;
        report.per_label.insert(
            label.to_string(),
            Score::new(predicted.len() as u64, positives.len() as u64, tp),
        );
    }

    let types: BTreeSet<&str> = truth
        .labels
        .keys()
        .map(|e| e.0.as_str())
        .chain(claims.iter().map(|e| e.0.as_str()))
        .collect();
    for ty in types {
        let predicted = claims.iter().filter(|e| e.0 == ty).count() as u64;
        let positives = truth.labels.keys().filter(|e| e.0 == ty).count() as u64;
        let tp = claims
            .iter()
            .filter(|e| e.0 == ty && truth.labels.contains_key(*e))
            .count() as u64;
        report
            .per_entity_type
            .insert(ty.to_string(), Score::new(predicted, positives, tp));
    }
    let tp = claims
        .iter()
        .filter(|e| truth.labels.contains_key(*e))
        .count() as u64;
    report.overall = Score::new(claims.len() as u64, truth.labels.len() as u64, tp);
    for e in claims.iter().filter(|e| !truth.labels.contains_key(*e)) {
        let kind = negatives.get(e).cloned().unwrap_or_else(|| "other".into());
        *report.false_positives_by_kind.entry(kind).or_default() += 1;
    }

    report.chain = chain_check(truth, clusters);
    report
}

fn chain_check(truth: &Truth, clusters: &[Cluster]) -> ChainCheck {
    let cases_with = |label: &str| -> BTreeSet<String> {
        truth
            .with_label(label)
            .into_iter()
            .filter(|e| e.0 == "case")
            .map(|e| e.1.clone())
            .collect()
    };
    let linked = cases_with("linked_case");
    let other = cases_with("other_gang_case");
    let mut check = ChainCheck {
        linked_cases: linked.len() as u64,
        clusters: clusters.len() as u64,
        ..ChainCheck::default()
    };
    // Most linked cases wins; ties go to the earlier (higher-ranked) cluster.
    let mut best: Option<(&Cluster, u64)> = None;
    for c in clusters {
        let n = c.case_ids.iter().filter(|id| linked.contains(*id)).count() as u64;
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((c, n));
        }
    }
    let Some((c, n)) = best else {
        return check;
    };
    check.chain_cluster = Some(c.cluster_id.clone());
    check.linked_in_chain_cluster = n;
    check.share_linked_in_one_cluster = if linked.is_empty() {
        0.0
    } else {
        n as f64 / linked.len() as f64
    };
    check.unrelated_cases_merged =
        c.case_ids.iter().filter(|id| other.contains(*id)).count() as u64;
    let reaches = |label: &str| {
        c.members.iter().chain(&c.chain).any(|m| {
            truth
                .labels
                .get(&(m.entity_type.clone(), m.entity_id.clone()))
                .is_some_and(|ls| ls.contains(label))
        })
    };
    check.reaches_rogue_host = reaches("rogue_host");
    check.reaches_jump_host = reaches("jump_host");
    check.reaches_insider = reaches("insider");
    check
}

/// Scores a scan folder against a truth file.
pub fn evaluate(
    truth_path: &Path,
    negatives_path: Option<&Path>,
    outdir: &Path,
    min_severity: &str,
) -> Result<Report, EvalError> {
    let truth = read_truth(truth_path)?;
    let negatives = match negatives_path {
        Some(p) => read_negatives(p)?,
        None => BTreeMap::new(),
    };
    duanka_outdir::check(
        outdir,
        &["alerts.jsonl", "clusters.jsonl"],
        duanka_outdir::Verify::Contents,
    )?;
    let alerts = read_alerts(&outdir.join("alerts.jsonl"))?;
    let clusters = read_clusters(&outdir.join("clusters.jsonl"))?;
    Ok(score(&truth, &negatives, &alerts, &clusters, min_severity))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{:.1} %", v * 100.0))
}

/// The report as a table for people.
pub fn render_table(r: &Report) -> String {
    let mut s = String::new();
    let row = |s: &mut String, name: &str, sc: &Score| {
        let _ = writeln!(
            s,
            "  {name:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            sc.predicted,
            sc.positives,
            sc.true_positives,
            pct(sc.precision),
            pct(sc.recall),
            pct(sc.f1)
        );
    };
    let head = |s: &mut String, title: &str| {
        let _ = writeln!(
            s,
            "{title:<22} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "claimed", "truth", "hits", "precision", "recall", "F1"
        );
    };
    let _ = writeln!(
        s,
        "{} alerts scored (severity ≥ {}), {} below\n",
        r.alerts_scored, r.min_severity, r.alerts_below_severity
    );
    head(&mut s, "per label");
    for (l, sc) in &r.per_label {
        row(&mut s, l, sc);
    }
    let _ = writeln!(s);
    head(&mut s, "per entity type");
    for (t, sc) in &r.per_entity_type {
        row(&mut s, t, sc);
    }
    row(&mut s, "all", &r.overall);
    let _ = writeln!(s);
    if r.false_positives_by_kind.is_empty() {
        let _ = writeln!(s, "false positives on normal entities: none");
    } else {
        let _ = writeln!(s, "false positives on normal entities, by trap:");
        for (k, n) in &r.false_positives_by_kind {
            let _ = writeln!(s, "  {k:<28} {n:>8}");
        }
    }
    let c = &r.chain;
    let yes = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(s, "\nchain check ({} clusters):", c.clusters);
    let _ = writeln!(
        s,
        "  linked cases in one cluster   {}/{} ({:.1} %){}",
        c.linked_in_chain_cluster,
        c.linked_cases,
        c.share_linked_in_one_cluster * 100.0,
        c.chain_cluster
            .as_deref()
            .map(|id| format!(", cluster {id}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "  unrelated cases merged in     {}",
        c.unrelated_cases_merged
    );
    let _ = writeln!(
        s,
        "  reaches the rogue host        {}",
        yes(c.reaches_rogue_host)
    );
    let _ = writeln!(
        s,
        "  reaches the jump host         {}",
        yes(c.reaches_jump_host)
    );
    let _ = writeln!(
        s,
        "  reaches the insider           {}",
        yes(c.reaches_insider)
    );
    s
}
