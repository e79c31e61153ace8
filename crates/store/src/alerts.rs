//! What scans found and what analysts did with it: importing a scan's output folder
//! (`alerts.jsonl`, `clusters.jsonl`) with the same alert recognised across scans, the
//! queue with its filters and keyset pages, an alert's status, disposition and
//! assignment with an event per changed field, comments, and the clusters.
//!
//! An alert is one detector's finding on one entity: a later scan that finds it again
//! updates it (score, evidence, last scan, times seen) and leaves its triage alone; a
//! closed alert is reopened only when its severity rises.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::{Arg, Result, StoreError, Tx, Who, get_i64, get_opt_i64, get_opt_str, get_str, now};

/// Severity as the detectors write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn rank(self) -> i64 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        }
    }

    fn from_rank(r: i64) -> Severity {
        match r {
            3 => Severity::High,
            2 => Severity::Medium,
            _ => Severity::Low,
        }
    }
}

/// Triage status of an alert or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InProgress,
    Closed,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "new" => Some(Status::New),
            "in_progress" => Some(Status::InProgress),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::Closed => "closed",
        }
    }
}

/// How long an alert or case of each severity may stay open, seconds.
#[derive(Debug, Clone, Copy)]
pub struct Sla {
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl Default for Sla {
    /// A high finding the same working day, a medium one within three days, a low one
    /// within a week.
    fn default() -> Self {
        Sla {
            high: 24 * 3600,
            medium: 3 * 24 * 3600,
            low: 7 * 24 * 3600,
        }
    }
}

impl Sla {
    pub fn due(&self, from: i64, severity: Severity) -> i64 {
        from + match severity {
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// Entity types whose values identify a subscriber or a victim: masked in every
/// response, revealed only with a purpose.
pub const PERSONAL_TYPES: [&str; 5] = ["msisdn", "imsi", "imei", "account", "device"];

/// The entity types a scan may name.
const ENTITY_TYPES: [&str; 9] = [
    "msisdn", "imsi", "imei", "account", "device", "ip", "node", "user", "case",
];

impl Tx {
    /// The row of an entity, created on first sight.
    pub(crate) async fn entity_id(&mut self, entity_type: &str, value: &str) -> Result<i64> {
        if let Some(r) = self
            .row(
                "SELECT id FROM entities WHERE entity_type = ? AND value = ?",
                &[entity_type.into(), value.into()],
            )
            .await?
        {
            return get_i64(&r, "id");
        }
        self.insert(
            "INSERT INTO entities (entity_type, value) VALUES (?, ?)",
            &[entity_type.into(), value.into()],
        )
        .await
    }

    /// An entity's type and value in clear, for what the server must compute from the
    /// value without showing it (a number's profile).
    pub async fn entity(&mut self, id: i64) -> Result<(String, String)> {
        self.entity_value(id).await
    }

    /// An entity's type and value in clear: only for a reveal or an approved export.
    pub(crate) async fn entity_value(&mut self, id: i64) -> Result<(String, String)> {
        let r = self
            .row(
                "SELECT entity_type, value FROM entities WHERE id = ?",
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("entity {id}")))?;
        Ok((get_str(&r, "entity_type")?, get_str(&r, "value")?))
    }

    async fn event(
        &mut self,
        who: &Who,
        object: (&str, i64),
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO events (object_type, object_id, actor, field, old_value, new_value, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                object.0.into(),
                object.1.into(),
                who.user_id.into(),
                field.into(),
                old.into(),
                new.into(),
                now().into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImportSummary {
    pub scan_id: i64,
    pub alerts: i64,
    /// Alerts no earlier scan had found.
    pub new_alerts: i64,
    /// Closed alerts found again at a higher severity, opened again.
    pub reopened: i64,
    pub clusters: i64,
}

/// One parsed line of `alerts.jsonl`.
struct AlertIn {
    detector: String,
    entity_type: String,
    entity_id: String,
    score: f64,
    severity: Severity,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    explanation: String,
    evidence: String,
}

fn import_error(path: &Path, line: usize, reason: impl Into<String>) -> StoreError {
    StoreError::Import {
        path: path.display().to_string(),
        line,
        reason: reason.into(),
    }
}

fn parse_alert(path: &Path, line_no: usize, line: &str) -> Result<AlertIn> {
    let bad = |why: &str| import_error(path, line_no, why);
    let v: Value = serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let text = |f: &str| v.get(f).and_then(Value::as_str);
    let detector = text("detector")
        .filter(|d| !d.is_empty() && d.len() <= 64)
        .ok_or_else(|| bad("no detector"))?;
    let entity_type = text("entity_type")
        .filter(|t| ENTITY_TYPES.contains(t))
        .ok_or_else(|| bad(&format!("unknown entity_type {:?}", v.get("entity_type"))))?;
    let entity_id = text("entity_id")
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or_else(|| bad("no entity_id"))?;
    let score = v
        .get("score")
        .and_then(Value::as_f64)
        .filter(|s| (0.0..=1.0).contains(s))
        .ok_or_else(|| bad("score missing or outside [0, 1]"))?;
    let severity = text("severity")
        .and_then(Severity::parse)
        .ok_or_else(|| bad("severity is not low, medium or high"))?;
    let time = |f: &str| match v.get(f) {
        None | Some(Value::Null) => Ok(None),
        Some(t) => t
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(&format!("{f} is not a Unix time in seconds"))),
    };
    let evidence = match v.get("evidence") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(e @ Value::Object(_)) => e.to_string(),
        Some(_) => return Err(bad("evidence is not an object")),
    };
    Ok(AlertIn {
        detector: detector.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        score,
        severity,
        first_seen: time("first_seen")?,
        last_seen: time("last_seen")?,
        explanation: text("explanation").unwrap_or_default().to_string(),
        evidence,
    })
}

fn lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let file = std::fs::File::open(path).map_err(|e| import_error(path, 0, e.to_string()))?;
    let mut out = Vec::new();
    for (k, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| import_error(path, k + 1, e.to_string()))?;
        if !line.trim().is_empty() {
            out.push((k + 1, line));
        }
    }
    Ok(out)
}

impl Tx {
    /// Registers a scan that is about to run or be imported; `dataset` is the folder it
    /// read, when known.
    pub async fn start_scan(
        &mut self,
        who: &Who,
        name: &str,
        source: &str,
        dataset: Option<&str>,
    ) -> Result<i64> {
        let id = self
            .insert(
                "INSERT INTO scans (name, source, dataset, status, started_by, started_at) VALUES (?, ?, ?, 'running', ?, ?)",
                &[name.into(), source.into(), dataset.into(), who.user_id.into(), now().into()],
            )
            .await?;
        self.audit(who, "scan.start", &format!("scan:{id}"), None, Some(source))
            .await?;
        Ok(id)
    }

    pub async fn scan_progress(&mut self, who: &Who, id: i64, progress: &str) -> Result<()> {
        self.exec(
            "UPDATE scans SET progress = ? WHERE id = ?",
            &[progress.into(), id.into()],
        )
        .await?;
        self.audit(
            who,
            "scan.progress",
            &format!("scan:{id}"),
            None,
            Some(progress),
        )
        .await?;
        Ok(())
    }

    pub async fn scan_failed(&mut self, who: &Who, id: i64, error: &str) -> Result<()> {
        self.exec(
            "UPDATE scans SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
            &[error.into(), now().into(), id.into()],
        )
        .await?;
        self.audit(who, "scan.failed", &format!("scan:{id}"), None, Some(error))
            .await?;
        Ok(())
    }

    /// Imports the outputs in `dir` as scan `scan_id`: every line is checked before
    /// anything is kept, and a bad line rolls the whole import back (with its file and
    /// line).
    pub async fn import_scan(
        &mut self,
        who: &Who,
        scan_id: i64,
        dir: &Path,
        sla: &Sla,
    ) -> Result<ImportSummary> {
        // A folder a scan left half-replaced must not become the analysts' queue.
        duanka_outdir::check(
            dir,
            &["alerts.jsonl", "clusters.jsonl"],
            duanka_outdir::Verify::Contents,
        )
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let alerts_path = dir.join("alerts.jsonl");
        let parsed: Vec<AlertIn> = lines(&alerts_path)?
            .iter()
            .map(|(k, l)| parse_alert(&alerts_path, *k, l))
            .collect::<Result<_>>()?;
        let clusters_path = dir.join("clusters.jsonl");
        let clusters = if clusters_path.exists() {
            lines(&clusters_path)?
        } else {
            Vec::new()
        };
        let at = now();
        let mut entities: HashMap<(String, String), i64> = HashMap::new();
        let (mut new_alerts, mut reopened) = (0, 0);
        for a in &parsed {
            let key = (a.entity_type.clone(), a.entity_id.clone());
            let entity = match entities.get(&key) {
                Some(id) => *id,
                None => {
                    let id = self.entity_id(&a.entity_type, &a.entity_id).await?;
                    entities.insert(key, id);
                    id
                }
            };
            let existing = self
                .row(
                    "SELECT id, sev_rank, status FROM alerts WHERE detector = ? AND entity = ?",
                    &[a.detector.as_str().into(), entity.into()],
                )
                .await?;
            let Some(r) = existing else {
                self.exec(
                    "INSERT INTO alerts (detector, entity, score, severity, sev_rank, explanation, evidence, first_seen, last_seen, \
                     first_scan, last_scan, times_seen, status, due_at, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'new', ?, ?, ?)",
                    &[
                        a.detector.as_str().into(),
                        entity.into(),
                        a.score.into(),
                        a.severity.as_str().into(),
                        a.severity.rank().into(),
                        a.explanation.as_str().into(),
                        a.evidence.as_str().into(),
                        a.first_seen.into(),
                        a.last_seen.into(),
                        scan_id.into(),
                        scan_id.into(),
                        sla.due(at, a.severity).into(),
                        at.into(),
                        at.into(),
                    ],
                )
                .await?;
                new_alerts += 1;
                continue;
            };
            let id = get_i64(&r, "id")?;
            let old_rank = get_i64(&r, "sev_rank")?;
            let rises = a.severity.rank() > old_rank;
            let reopen = rises && get_str(&r, "status")? == "closed";
            self.exec(
                "UPDATE alerts SET score = ?, severity = ?, sev_rank = ?, explanation = ?, evidence = ?, \
                 first_seen = COALESCE(first_seen, ?), last_seen = ?, last_scan = ?, times_seen = times_seen + 1, updated_at = ? \
                 WHERE id = ?",
                &[
                    a.score.into(),
                    a.severity.as_str().into(),
                    a.severity.rank().into(),
                    a.explanation.as_str().into(),
                    a.evidence.as_str().into(),
                    a.first_seen.into(),
                    a.last_seen.into(),
                    scan_id.into(),
                    at.into(),
                    id.into(),
                ],
            )
            .await?;
            if a.severity.rank() != old_rank {
                let old = Severity::from_rank(old_rank).as_str();
                self.event(
                    who,
                    ("alert", id),
                    "severity",
                    Some(old),
                    Some(a.severity.as_str()),
                )
                .await?;
            }
            if reopen {
                self.exec(
                    "UPDATE alerts SET status = 'new', disposition = NULL, reason = NULL, due_at = ? WHERE id = ?",
                    &[sla.due(at, a.severity).into(), id.into()],
                )
                .await?;
                self.event(who, ("alert", id), "status", Some("closed"), Some("new"))
                    .await?;
                reopened += 1;
            }
        }
        for (k, line) in &clusters {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| import_error(&clusters_path, *k, format!("not JSON: {e}")))?;
            let key = v
                .get("cluster_id")
                .and_then(Value::as_str)
                .ok_or_else(|| import_error(&clusters_path, *k, "no cluster_id"))?;
            let count = |f: &str| v.get(f).and_then(Value::as_array).map_or(0, Vec::len) as i64;
            let loss = v.get("total_loss").and_then(Value::as_i64).unwrap_or(0);
            self.exec(
                "INSERT INTO clusters (scan, key, cases, members, loss, data) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    scan_id.into(),
                    key.into(),
                    count("case_ids").into(),
                    count("members").into(),
                    loss.into(),
                    line.as_str().into(),
                ],
            )
            .await?;
        }
        let summary = ImportSummary {
            scan_id,
            alerts: parsed.len() as i64,
            new_alerts,
            reopened,
            clusters: clusters.len() as i64,
        };
        self.exec(
            "UPDATE scans SET status = 'done', alerts = ?, new_alerts = ?, clusters = ?, finished_at = ?, progress = 'done' WHERE id = ?",
            &[
                summary.alerts.into(),
                new_alerts.into(),
                summary.clusters.into(),
                now().into(),
                scan_id.into(),
            ],
        )
        .await?;
        self.audit(
            who,
            "scan.import",
            &format!("scan:{scan_id}"),
            None,
            Some(&format!(
                "{} alerts ({new_alerts} new, {reopened} reopened), {} clusters",
                summary.alerts, summary.clusters
            )),
        )
        .await?;
        Ok(summary)
    }
}

/// Which alerts the queue shows.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// `None`: open (new or in progress).
    pub status: Option<Status>,
    pub any_status: bool,
    pub severity: Option<Severity>,
    pub detector: Option<String>,
    /// Assigned to this user.
    pub assignee: Option<i64>,
    /// Assigned to nobody.
    pub unassigned: bool,
    /// Assigned to this user or to nobody (the default queue).
    pub mine_or_unassigned: Option<i64>,
    /// Found by this scan.
    pub scan: Option<i64>,
    pub entity: Option<i64>,
    pub case_id: Option<i64>,
    /// Keyset cursor: the last row of the previous page (severity rank, score, id).
    pub after: Option<(i64, f64, i64)>,
    /// Soonest due first (for the next SLA to fall) instead of most severe first.
    pub by_due: bool,
    /// Keyset cursor of the due order: (due, id).
    pub after_due: Option<(i64, i64)>,
    pub limit: i64,
}

/// An alert as the store holds it; `entity_value` is in clear, the server masks it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub detector: String,
    pub entity: i64,
    pub entity_type: String,
    pub entity_value: String,
    pub score: f64,
    pub severity: Severity,
    pub sev_rank: i64,
    pub status: String,
    pub disposition: Option<String>,
    pub reason: Option<String>,
    pub assignee: Option<i64>,
    pub assignee_name: Option<String>,
    pub case_id: Option<i64>,
    pub due_at: i64,
    pub overdue: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub first_scan: i64,
    pub last_scan: i64,
    pub times_seen: i64,
    pub explanation: String,
    pub evidence: Value,
}

const ALERT_COLUMNS: &str = "a.id, a.detector, a.entity, e.entity_type, e.value, a.score, a.severity, a.sev_rank, a.status, a.disposition, \
     a.reason, a.assignee, u.name AS assignee_name, a.case_id, a.due_at, a.first_seen, a.last_seen, a.first_scan, a.last_scan, \
     a.times_seen, a.explanation, a.evidence";
/// What the queue shows of an alert (no explanation, no evidence).
const LIST_FIELDS: [&str; 19] = [
    "id",
    "detector",
    "entity",
    "entity_type",
    "value",
    "score",
    "sev_rank",
    "status",
    "disposition",
    "reason",
    "assignee",
    "assignee_name",
    "case_id",
    "due_at",
    "first_seen",
    "last_seen",
    "first_scan",
    "last_scan",
    "times_seen",
];
const LIST_COLUMNS: &str = "a.id, a.detector, a.entity, e.entity_type, e.value, a.score, a.severity, a.sev_rank, a.status, a.disposition, \
     a.reason, a.assignee, u.name AS assignee_name, a.case_id, a.due_at, a.first_seen, a.last_seen, a.first_scan, a.last_scan, \
     a.times_seen";

/// One alert of a queue page, as the page's JSON holds it.
#[derive(serde::Deserialize)]
struct ListRow {
    id: i64,
    detector: String,
    entity: i64,
    entity_type: String,
    value: String,
    score: f64,
    sev_rank: i64,
    status: String,
    disposition: Option<String>,
    reason: Option<String>,
    assignee: Option<i64>,
    assignee_name: Option<String>,
    case_id: Option<i64>,
    due_at: i64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    first_scan: i64,
    last_scan: i64,
    times_seen: i64,
}

const ALERT_FROM: &str =
    "FROM alerts a JOIN entities e ON e.id = a.entity LEFT JOIN users u ON u.id = a.assignee";

fn alert_row(r: &sqlx::any::AnyRow, with_evidence: bool) -> Result<AlertRow> {
    use sqlx::Row;
    let status = get_str(r, "status")?;
    let due_at = get_i64(r, "due_at")?;
    let severity = Severity::parse(&get_str(r, "severity")?).unwrap_or(Severity::Low);
    Ok(AlertRow {
        id: get_i64(r, "id")?,
        detector: get_str(r, "detector")?,
        entity: get_i64(r, "entity")?,
        entity_type: get_str(r, "entity_type")?,
        entity_value: get_str(r, "value")?,
        score: r.try_get::<f64, _>("score")?,
        severity,
        sev_rank: get_i64(r, "sev_rank")?,
        overdue: status != "closed" && due_at < now(),
        status,
        disposition: get_opt_str(r, "disposition")?,
        reason: get_opt_str(r, "reason")?,
        assignee: get_opt_i64(r, "assignee")?,
        assignee_name: get_opt_str(r, "assignee_name")?,
        case_id: get_opt_i64(r, "case_id")?,
        due_at,
        first_seen: get_opt_i64(r, "first_seen")?,
        last_seen: get_opt_i64(r, "last_seen")?,
        first_scan: get_i64(r, "first_scan")?,
        last_scan: get_i64(r, "last_scan")?,
        times_seen: get_i64(r, "times_seen")?,
        explanation: get_str(r, "explanation")?,
        evidence: if with_evidence {
            serde_json::from_str(&get_str(r, "evidence")?).unwrap_or(Value::Null)
        } else {
            Value::Null
        },
    })
}

impl Tx {
    /// One page of the queue, most severe first, then by score, then newest.
    pub async fn alerts(&mut self, f: &AlertFilter) -> Result<Vec<AlertRow>> {
        if !(1..=500).contains(&f.limit) {
            return Err(StoreError::Invalid("limit must be 1 to 500".into()));
        }
        let mut sql = format!("SELECT {LIST_COLUMNS} {ALERT_FROM} WHERE 1 = 1");
        let mut args: Vec<Arg> = Vec::new();
        match (f.any_status, f.status) {
            (true, _) => {}
            (false, Some(s)) => {
                sql.push_str(" AND a.status = ?");
                args.push(s.as_str().into());
            }
            (false, None) => sql.push_str(" AND a.open = 1"),
        }
        if let Some(s) = f.severity {
            sql.push_str(" AND a.sev_rank = ?");
            args.push(s.rank().into());
        }
        if let Some(d) = &f.detector {
            sql.push_str(" AND a.detector = ?");
            args.push(d.as_str().into());
        }
        if let Some(u) = f.assignee {
            sql.push_str(" AND a.assignee = ?");
            args.push(u.into());
        }
        if f.unassigned {
            sql.push_str(" AND a.assignee IS NULL");
        }
        if let Some(u) = f.mine_or_unassigned {
            sql.push_str(" AND (a.assignee IS NULL OR a.assignee = ?)");
            args.push(u.into());
        }
        if let Some(s) = f.scan {
            sql.push_str(" AND a.last_scan = ?");
            args.push(s.into());
        }
        if let Some(e) = f.entity {
            sql.push_str(" AND a.entity = ?");
            args.push(e.into());
        }
        if let Some(c) = f.case_id {
            sql.push_str(" AND a.case_id = ?");
            args.push(c.into());
        }
        if let Some((rank, score, id)) = f.after {
            // A row value, so that the page starts where the index stands.
            sql.push_str(" AND (a.sev_rank, a.score, a.id) < (?, ?, ?)");
            args.extend([rank.into(), score.into(), id.into()]);
        }
        if let Some((due, id)) = f.after_due {
            sql.push_str(" AND (a.due_at, a.id) > (?, ?)");
            args.extend([due.into(), id.into()]);
        }
        let order_by = |q: &str| {
            if f.by_due {
                format!("{q}due_at, {q}id")
            } else {
                format!("{q}sev_rank DESC, {q}score DESC, {q}id DESC")
            }
        };
        sql.push_str(&format!(" ORDER BY {} LIMIT ?", order_by("a.")));
        args.push(f.limit.into());
        // The page comes back as one JSON value, not one row at a time: SQLite's driver
        // hands each row across threads, and a page of 50 rows costs more in that
        // hand-over than in the query.
        let (agg, object) = match self.dialect {
            crate::Dialect::Sqlite => ("json_group_array", "json_object"),
            crate::Dialect::Postgres => ("json_agg", "json_build_object"),
        };
        let fields: Vec<String> = LIST_FIELDS
            .iter()
            .map(|f| format!("'{f}', q.{f}"))
            .collect();
        let wrapped = format!(
            "SELECT COALESCE(CAST({agg}({object}({}) ORDER BY {}) AS TEXT), '[]') AS page FROM ({sql}) q",
            fields.join(", "),
            order_by("q.")
        );
        let row = self
            .row(&wrapped, &args)
            .await?
            .ok_or_else(|| StoreError::Conflict("the queue's page came back empty".into()))?;
        let page: Vec<ListRow> = serde_json::from_str(&get_str(&row, "page")?).map_err(|e| {
            StoreError::Conflict(format!("the queue's page is not what was asked: {e}"))
        })?;
        let now = now();
        Ok(page
            .into_iter()
            .map(|r| AlertRow {
                overdue: r.status != "closed" && r.due_at < now,
                severity: Severity::from_rank(r.sev_rank),
                id: r.id,
                detector: r.detector,
                entity: r.entity,
                entity_type: r.entity_type,
                entity_value: r.value,
                score: r.score,
                sev_rank: r.sev_rank,
                status: r.status,
                disposition: r.disposition,
                reason: r.reason,
                assignee: r.assignee,
                assignee_name: r.assignee_name,
                case_id: r.case_id,
                due_at: r.due_at,
                first_seen: r.first_seen,
                last_seen: r.last_seen,
                first_scan: r.first_scan,
                last_scan: r.last_scan,
                times_seen: r.times_seen,
                explanation: String::new(),
                evidence: Value::Null,
            })
            .collect())
    }

    pub async fn alert(&mut self, id: i64) -> Result<AlertRow> {
        let r = self
            .row(
                &format!("SELECT {ALERT_COLUMNS} {ALERT_FROM} WHERE a.id = ?"),
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))?;
        alert_row(&r, true)
    }
}

/// A change asked of an alert (or a case): only the fields given change.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub status: Option<Status>,
    pub disposition: Option<String>,
    pub reason: Option<String>,
    /// `Some(None)`: unassign.
    pub assignee: Option<Option<i64>>,
}

/// Columns holding a row id rather than text.
const INT_COLUMNS: [&str; 2] = ["assignee", "case_id"];

pub(crate) const DISPOSITIONS: [&str; 3] = ["confirmed", "dismissed", "duplicate"];

/// Checks a change against the object's state; returns the columns to set.
pub(crate) fn plan_change(
    status: &str,
    change: &Change,
) -> Result<Vec<(&'static str, Option<String>)>> {
    let mut set: Vec<(&'static str, Option<String>)> = Vec::new();
    if let Some(s) = change.status {
        if s == Status::Closed {
            let d = change.disposition.as_deref().ok_or_else(|| {
                StoreError::Invalid(
                    "closing needs a disposition: confirmed, dismissed or duplicate".into(),
                )
            })?;
            if !DISPOSITIONS.contains(&d) {
                return Err(StoreError::Invalid(format!(
                    "unknown disposition {d:?}: confirmed, dismissed or duplicate"
                )));
            }
            let reason = change.reason.as_deref().map(str::trim).unwrap_or("");
            if d == "dismissed" && reason.is_empty() {
                return Err(StoreError::Invalid("a dismissal needs its reason".into()));
            }
            if status == "closed" {
                return Err(StoreError::Conflict("already closed".into()));
            }
            set.push(("status", Some("closed".into())));
            set.push(("disposition", Some(d.into())));
            set.push(("reason", (!reason.is_empty()).then(|| reason.to_string())));
        } else {
            if change.disposition.is_some() {
                return Err(StoreError::Invalid(
                    "a disposition goes with closing".into(),
                ));
            }
            set.push(("status", Some(s.as_str().into())));
            if status == "closed" {
                set.push(("disposition", None));
                set.push(("reason", None));
            }
        }
    } else if change.disposition.is_some() || change.reason.is_some() {
        return Err(StoreError::Invalid(
            "a disposition or reason goes with status closed".into(),
        ));
    }
    if let Some(a) = change.assignee {
        set.push(("assignee", a.map(|id| id.to_string())));
    }
    if set.is_empty() {
        return Err(StoreError::Invalid("nothing to change".into()));
    }
    Ok(set)
}

impl Tx {
    /// Applies `set` to `table` row `id`, one event per changed column, one audit entry
    /// with the old and new values.
    pub(crate) async fn apply_change(
        &mut self,
        who: &Who,
        (object_type, table, id): (&str, &str, i64),
        set: &[(&'static str, Option<String>)],
    ) -> Result<()> {
        let columns: Vec<&str> = set.iter().map(|(c, _)| *c).collect();
        let old = self
            .row(
                &format!("SELECT {} FROM {table} WHERE id = ?", columns.join(", ")),
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("{object_type} {id}")))?;
        let (mut olds, mut news) = (serde_json::Map::new(), serde_json::Map::new());
        for (col, new) in set {
            let int_column = INT_COLUMNS.contains(col);
            let old_v = if int_column {
                get_opt_i64(&old, col)?.map(|v| v.to_string())
            } else {
                get_opt_str(&old, col)?
            };
            if old_v == *new {
                continue;
            }
            if int_column {
                let new_id = new.as_deref().and_then(|v| v.parse::<i64>().ok());
                if let (Some(uid), "assignee") = (new_id, *col) {
                    self.user(uid).await?;
                }
                self.exec(
                    &format!("UPDATE {table} SET {col} = ? WHERE id = ?"),
                    &[new_id.into(), id.into()],
                )
                .await?;
            } else {
                self.exec(
                    &format!("UPDATE {table} SET {col} = ? WHERE id = ?"),
                    &[new.clone().into(), id.into()],
                )
                .await?;
            }
            self.event(
                who,
                (object_type, id),
                col,
                old_v.as_deref(),
                new.as_deref(),
            )
            .await?;
            olds.insert(col.to_string(), old_v.map_or(Value::Null, Value::from));
            news.insert(
                col.to_string(),
                new.clone().map_or(Value::Null, Value::from),
            );
        }
        self.exec(
            &format!("UPDATE {table} SET updated_at = ? WHERE id = ?"),
            &[now().into(), id.into()],
        )
        .await?;
        self.audit(
            who,
            &format!("{object_type}.update"),
            &format!("{object_type}:{id}"),
            Some(&Value::Object(olds).to_string()),
            Some(&Value::Object(news).to_string()),
        )
        .await?;
        Ok(())
    }

    pub async fn update_alert(&mut self, who: &Who, id: i64, change: &Change) -> Result<AlertRow> {
        let current = self.alert(id).await?;
        let set = plan_change(&current.status, change)?;
        self.apply_change(who, ("alert", "alerts", id), &set)
            .await?;
        self.alert(id).await
    }

    pub async fn comment(&mut self, who: &Who, object: (&str, i64), body: &str) -> Result<i64> {
        let body = body.trim();
        if body.is_empty() || body.len() > 10_000 {
            return Err(StoreError::Invalid(
                "a comment is 1 to 10,000 characters".into(),
            ));
        }
        let table = match object.0 {
            "alert" => "alerts",
            "case" => "cases",
            other => return Err(StoreError::Invalid(format!("no comments on {other}"))),
        };
        self.row(
            &format!("SELECT id FROM {table} WHERE id = ?"),
            &[object.1.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("{} {}", object.0, object.1)))?;
        let id = self
            .insert(
                "INSERT INTO comments (object_type, object_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
                &[
                    object.0.into(),
                    object.1.into(),
                    who.user_id.unwrap_or(0).into(),
                    body.into(),
                    now().into(),
                ],
            )
            .await?;
        self.audit(
            who,
            "comment.add",
            &format!("{}:{}", object.0, object.1),
            None,
            Some(&format!("comment:{id}")),
        )
        .await?;
        Ok(id)
    }

    /// Comments and events of an object, oldest first.
    pub async fn history(
        &mut self,
        object: (&str, i64),
    ) -> Result<(Vec<CommentRow>, Vec<EventRow>)> {
        let comments = self
            .rows(
                "SELECT c.id, u.name, c.body, c.created_at FROM comments c JOIN users u ON u.id = c.author \
                 WHERE c.object_type = ? AND c.object_id = ? ORDER BY c.id",
                &[object.0.into(), object.1.into()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(CommentRow {
                    id: get_i64(r, "id")?,
                    author: get_str(r, "name")?,
                    body: get_str(r, "body")?,
                    at: get_i64(r, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let events = self
            .rows(
                "SELECT e.field, e.old_value, e.new_value, e.at, u.name FROM events e LEFT JOIN users u ON u.id = e.actor \
                 WHERE e.object_type = ? AND e.object_id = ? ORDER BY e.id",
                &[object.0.into(), object.1.into()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(EventRow {
                    field: get_str(r, "field")?,
                    old_value: get_opt_str(r, "old_value")?,
                    new_value: get_opt_str(r, "new_value")?,
                    at: get_i64(r, "at")?,
                    actor: get_opt_str(r, "name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((comments, events))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentRow {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub at: i64,
    pub actor: Option<String>,
}

/// A scan as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub status: String,
    pub progress: String,
    pub error: Option<String>,
    pub alerts: i64,
    pub new_alerts: i64,
    pub clusters: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

/// A cluster as stored: `data` is the line of `clusters.jsonl`, in clear.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterRow {
    pub id: i64,
    pub scan: i64,
    pub key: String,
    pub cases: i64,
    pub members: i64,
    pub loss: i64,
    pub data: Value,
}

fn cluster_row(r: &sqlx::any::AnyRow, with_data: bool) -> Result<ClusterRow> {
    Ok(ClusterRow {
        id: get_i64(r, "id")?,
        scan: get_i64(r, "scan")?,
        key: get_str(r, "key")?,
        cases: get_i64(r, "cases")?,
        members: get_i64(r, "members")?,
        loss: get_i64(r, "loss")?,
        data: if with_data {
            serde_json::from_str(&get_str(r, "data")?).unwrap_or(Value::Null)
        } else {
            Value::Null
        },
    })
}

impl Tx {
    pub async fn scans(&mut self) -> Result<Vec<ScanRow>> {
        self.rows(
            "SELECT id, name, source, status, progress, error, alerts, new_alerts, clusters, started_at, finished_at \
             FROM scans ORDER BY id DESC",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(ScanRow {
                id: get_i64(r, "id")?,
                name: get_str(r, "name")?,
                source: get_str(r, "source")?,
                status: get_str(r, "status")?,
                progress: get_str(r, "progress")?,
                error: get_opt_str(r, "error")?,
                alerts: get_i64(r, "alerts")?,
                new_alerts: get_i64(r, "new_alerts")?,
                clusters: get_i64(r, "clusters")?,
                started_at: get_i64(r, "started_at")?,
                finished_at: get_opt_i64(r, "finished_at")?,
            })
        })
        .collect()
    }

    /// Clusters of a scan (the latest when `None`), largest loss first.
    pub async fn clusters(&mut self, scan: Option<i64>, limit: i64) -> Result<Vec<ClusterRow>> {
        let scan = match scan {
            Some(s) => s,
            None => match self.row("SELECT MAX(scan) AS s FROM clusters", &[]).await? {
                Some(r) => get_opt_i64(&r, "s")?.unwrap_or(0),
                None => 0,
            },
        };
        self.rows(
            "SELECT id, scan, key, cases, members, loss, data FROM clusters WHERE scan = ? ORDER BY loss DESC, id LIMIT ?",
            &[scan.into(), limit.into()],
        )
        .await?
        .iter()
        .map(|r| cluster_row(r, false))
        .collect()
    }

    pub async fn cluster(&mut self, id: i64) -> Result<ClusterRow> {
        let r = self
            .row(
                "SELECT id, scan, key, cases, members, loss, data FROM clusters WHERE id = ?",
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("cluster {id}")))?;
        cluster_row(&r, true)
    }

    /// The clusters that hold an entity among their members, largest loss first.
    pub async fn clusters_of(&mut self, entity_type: &str, value: &str) -> Result<Vec<ClusterRow>> {
        // The clusters' lines are the link crate's compact JSON: a member is written
        // exactly so.
        let needle =
            serde_json::json!({"entity_type": entity_type, "entity_id": value}).to_string();
        let pattern = format!("%{}%", needle.trim_start_matches('{').trim_end_matches('}'));
        self.rows(
            "SELECT id, scan, key, cases, members, loss, data FROM clusters WHERE data LIKE ? ORDER BY loss DESC, id LIMIT 20",
            &[pattern.into()],
        )
        .await?
        .iter()
        .map(|r| cluster_row(r, false))
        .collect()
    }

    /// The dataset folder of a scan (the latest that names one when `None`).
    pub async fn scan_dataset(&mut self, scan: Option<i64>) -> Result<Option<(i64, String)>> {
        let row = match scan {
            Some(id) => {
                self.row("SELECT id, dataset FROM scans WHERE id = ? AND dataset IS NOT NULL", &[id.into()])
                    .await?
            }
            None => {
                self.row(
                    "SELECT id, dataset FROM scans WHERE dataset IS NOT NULL AND status = 'done' ORDER BY id DESC LIMIT 1",
                    &[],
                )
                .await?
            }
        };
        row.map(|r| Ok((get_i64(&r, "id")?, get_str(&r, "dataset")?)))
            .transpose()
    }

    /// The rows of the entities among `pairs` (type, value) that the store holds.
    pub async fn entity_ids(
        &mut self,
        pairs: &[(String, String)],
    ) -> Result<HashMap<(String, String), i64>> {
        let mut out = HashMap::new();
        // Chunks keep each statement's parameter list within both databases' limits.
        for chunk in pairs.chunks(400) {
            let holes = vec!["(?, ?)"; chunk.len()].join(", ");
            let args: Vec<Arg> = chunk
                .iter()
                .flat_map(|(t, v)| [t.as_str().into(), v.as_str().into()])
                .collect();
            let rows = self
                .rows(
                    &format!(
                        "SELECT id, entity_type, value FROM entities WHERE (entity_type, value) IN (VALUES {holes})"
                    ),
                    &args,
                )
                .await?;
            for r in &rows {
                out.insert(
                    (get_str(r, "entity_type")?, get_str(r, "value")?),
                    get_i64(r, "id")?,
                );
            }
        }
        Ok(out)
    }

    /// The entity row of a value, if any alert or cluster named it (for the search of a
    /// role that may reveal).
    pub async fn find_entity(&mut self, value: &str) -> Result<Vec<(i64, String)>> {
        self.rows(
            "SELECT id, entity_type FROM entities WHERE value = ? ORDER BY id",
            &[value.into()],
        )
        .await?
        .iter()
        .map(|r| Ok((get_i64(r, "id")?, get_str(r, "entity_type")?)))
        .collect()
    }
}
