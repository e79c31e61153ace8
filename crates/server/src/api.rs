//! The handlers: each reads its input, runs one store transaction (its changes and its
//! audit entry together), and answers with masked JSON. Which role reaches which handler
//! is the route table's business (`crate::routes`); a handler checks only what depends
//! on the object (an analyst assigns alerts to himself only, an export is downloaded by
//! its requester).

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use duanka_store::alerts::{AlertRow, Change, ClusterRow, CommentRow, EventRow};
use duanka_store::{AlertFilter, Role, Severity, Status, Who};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Id, Params};
use crate::mask;

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::BadRequest(m.into())
}

fn entity_json(id: i64, entity_type: &str, value: &str) -> Value {
    json!({
        "token": format!("entity:{id}"),
        "id": id,
        "type": entity_type,
        "masked": mask::entity(entity_type, value),
    })
}

/// An alert as every response shows it: its entity masked, its texts masked.
pub fn alert_json(a: &AlertRow, detail: bool) -> Value {
    let known = [(a.entity_type.as_str(), a.entity_value.as_str())];
    let mut v = json!({
        "id": a.id,
        "detector": a.detector,
        "entity": entity_json(a.entity, &a.entity_type, &a.entity_value),
        "score": a.score,
        "severity": a.severity,
        "status": a.status,
        "disposition": a.disposition,
        "reason": a.reason.as_deref().map(|r| mask::text(r, &known)),
        "assignee": a.assignee.map(|id| json!({"id": id, "name": a.assignee_name})),
        "case_id": a.case_id,
        "due_at": a.due_at,
        "overdue": a.overdue,
        "first_seen": a.first_seen,
        "last_seen": a.last_seen,
        "first_scan": a.first_scan,
        "last_scan": a.last_scan,
        "times_seen": a.times_seen,
    });
    if detail {
        v["explanation"] = Value::from(mask::text(&a.explanation, &known));
        v["evidence"] = mask::json(&a.evidence, &known);
    }
    v
}

fn history_json(comments: &[CommentRow], events: &[EventRow]) -> Value {
    json!({
        "comments": comments.iter().map(|c| json!({
            "id": c.id, "author": c.author, "at": c.at, "body": mask::text(&c.body, &[]),
        })).collect::<Vec<_>>(),
        "events": events.iter().map(|e| json!({
            "field": e.field, "actor": e.actor, "at": e.at,
            "old": e.old_value.as_deref().map(|v| mask::text(v, &[])),
            "new": e.new_value.as_deref().map(|v| mask::text(v, &[])),
        })).collect::<Vec<_>>(),
    })
}

/// A store row with its free-text fields masked.
fn with_texts<T: serde::Serialize>(row: &T, texts: &[&str]) -> ApiResult<Value> {
    let v = serde_json::to_value(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(mask::fields(v, texts))
}

fn case_json(c: &duanka_store::CaseRow) -> ApiResult<Value> {
    with_texts(c, &["title", "reason"])
}

fn list<T: serde::Serialize>(rows: &[T], texts: &[&str]) -> ApiResult<Vec<Value>> {
    rows.iter().map(|r| with_texts(r, texts)).collect()
}

pub fn cluster_json(c: &ClusterRow) -> Value {
    let mut v = json!({
        "id": c.id, "scan": c.scan, "key": c.key, "cases": c.cases, "members": c.members, "loss_fen": c.loss,
    });
    if !c.data.is_null() {
        v["data"] = mask::json(&c.data, &[]);
    }
    v
}

// ---- who am I, users, tokens -------------------------------------------------------

pub async fn me(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    let csrf = match &actor.session {
        Some(token) => app.store.session_user(token).await?.map(|(_, c)| c),
        None => None,
    };
    Ok(Json(
        json!({"user": actor.user, "channel": actor.who.channel, "csrf_token": csrf}),
    ))
}

pub async fn list_users(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    let users = app.store.users().await?;
    app.store
        .record(&actor.who, "user.list", "users", None)
        .await?;
    Ok(Json(json!({"users": users})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub name: String,
    /// analyst, supervisor, auditor or admin
    pub role: String,
    pub password: String,
}

pub async fn add_user(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<NewUser>,
) -> ApiResult<Json<Value>> {
    let role = Role::parse(&b.role)?;
    let mut tx = app.store.begin().await?;
    let user = tx.add_user(&actor.who, &b.name, role, &b.password).await?;
    tx.commit().await?;
    Ok(Json(json!({"user": user})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserChange {
    pub locked: Option<bool>,
    pub role: Option<String>,
    pub password: Option<String>,
}

pub async fn update_user(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<UserChange>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    if b.locked.is_none() && b.role.is_none() && b.password.is_none() {
        return Err(bad("nothing to change: locked, role or password"));
    }
    if let Some(l) = b.locked {
        tx.set_locked(&actor.who, id, l).await?;
    }
    if let Some(r) = &b.role {
        tx.set_role(&actor.who, id, Role::parse(r)?).await?;
    }
    if let Some(p) = &b.password {
        tx.set_password(&actor.who, id, p).await?;
    }
    let user = tx.user(id).await?;
    tx.commit().await?;
    Ok(Json(json!({"user": user})))
}

pub async fn list_assignees(
    State(app): State<AppState>,
    Extension(_actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    let users: Vec<Value> = app
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.locked && matches!(u.role, Role::Analyst | Role::Supervisor))
        .map(|u| json!({"id": u.id, "name": u.name, "role": u.role}))
        .collect();
    Ok(Json(json!({"users": users})))
}

pub async fn list_tokens(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"tokens": app.store.tokens(actor.id()).await?})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
}

pub async fn add_token(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<NewToken>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let (id, token) = tx.add_token(&actor.who, actor.id(), &b.name).await?;
    tx.commit().await?;
    Ok(Json(json!({"id": id, "token": token})))
}

pub async fn revoke_token(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    tx.revoke_token(&actor.who, actor.id(), id).await?;
    tx.commit().await?;
    Ok(Json(json!({"revoked": id})))
}

// ---- scans -------------------------------------------------------------------------

pub async fn list_scans(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let scans = tx.scans().await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "scan.list", "scans", None)
        .await?;
    Ok(Json(json!({"scans": scans})))
}

pub async fn get_scan(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let scan = tx
        .scans()
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("scan {id}")))?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "scan.read", &format!("scan:{id}"), None)
        .await?;
    Ok(Json(json!({"scan": scan})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ImportBody {
    /// A folder `duanka scan` wrote, on the server's machine.
    pub path: String,
    pub name: Option<String>,
    /// The dataset folder that scan read, for the number profile.
    pub dataset: Option<String>,
}

pub async fn import_scan(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<ImportBody>,
) -> ApiResult<Json<Value>> {
    let dir = PathBuf::from(&b.path);
    if !dir.join("alerts.jsonl").is_file() {
        return Err(bad(format!(
            "{}: no alerts.jsonl: not a scan's output folder",
            b.path
        )));
    }
    let name = b.name.clone().unwrap_or_else(|| b.path.clone());
    let mut tx = app.store.begin().await?;
    if let Some(d) = &b.dataset
        && !std::path::Path::new(d).is_dir()
    {
        return Err(bad(format!("dataset {d}: not a folder")));
    }
    let id = tx
        .start_scan(&actor.who, &name, &b.path, b.dataset.as_deref())
        .await?;
    let summary = tx.import_scan(&actor.who, id, &dir, &app.sla).await?;
    tx.commit().await?;
    Ok(Json(json!({"import": summary})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RunBody {
    /// A dataset folder on the server's machine.
    pub dataset: String,
    pub name: Option<String>,
}

pub async fn run_scan(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<RunBody>,
) -> ApiResult<Json<Value>> {
    let (Some(runner), Some(scan_dir)) = (app.runner.clone(), app.scan_dir.clone()) else {
        return Err(ApiError::Conflict(
            "this server runs no scans (start it with --scan-dir)".into(),
        ));
    };
    let dataset = PathBuf::from(&b.dataset);
    if !dataset.is_dir() {
        return Err(bad(format!("{}: not a folder", b.dataset)));
    }
    let name = b.name.clone().unwrap_or_else(|| b.dataset.clone());
    let mut tx = app.store.begin().await?;
    let id = tx
        .start_scan(&actor.who, &name, &b.dataset, Some(&b.dataset))
        .await?;
    tx.commit().await?;
    let out = scan_dir.join(format!("scan-{id}"));
    let job = ScanJob {
        app: app.clone(),
        who: Who {
            request_id: format!("{}/scan-{id}", actor.who.request_id),
            ..actor.who.clone()
        },
        id,
    };
    tokio::spawn(job.run(runner, dataset, out));
    Ok(Json(json!({"scan_id": id, "status": "running"})))
}

struct ScanJob {
    app: AppState,
    who: Who,
    id: i64,
}

impl ScanJob {
    async fn run(
        self,
        runner: std::sync::Arc<dyn crate::ScanRunner>,
        dataset: PathBuf,
        out: PathBuf,
    ) {
        let (tx_p, mut rx_p) = tokio::sync::mpsc::unbounded_channel::<String>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let out2 = out.clone();
        // A thread of its own: the pipeline builds and drives its own runtime.
        std::thread::spawn(move || {
            let progress = |line: &str| {
                let _ = tx_p.send(line.to_string());
            };
            let _ = done_tx.send(runner.run(&dataset, &out2, &progress));
        });
        // Progress lines reach the store as they come; the job's own result after.
        let store = self.app.store.clone();
        let (who, id) = (self.who.clone(), self.id);
        let recorder = tokio::spawn(async move {
            while let Some(line) = rx_p.recv().await {
                let recorded = async {
                    let mut tx = store.begin().await?;
                    tx.scan_progress(&who, id, &line).await?;
                    tx.commit().await
                };
                if let Err(e) = recorded.await {
                    tracing::error!(scan = id, error = %e, "cannot record the scan's progress");
                }
            }
        });
        let result = match done_rx.await {
            Ok(r) => r,
            Err(_) => Err("the scan stopped without a result".to_string()),
        };
        let _ = recorder.await;
        let outcome = match result {
            Ok(()) => self.import(&out).await,
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            let recorded = async {
                let mut tx = self.app.store.begin().await?;
                tx.scan_failed(&self.who, self.id, &e).await?;
                tx.commit().await
            };
            if let Err(e2) = recorded.await {
                tracing::error!(scan = self.id, error = %e, record_error = %e2, "a scan failed and its failure cannot be recorded");
            }
        }
    }

    async fn import(&self, out: &std::path::Path) -> Result<(), String> {
        let mut tx = self.app.store.begin().await.map_err(|e| e.to_string())?;
        tx.import_scan(&self.who, self.id, out, &self.app.sla)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    }
}

// ---- alerts ------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// open (default: new or in progress), new, in_progress, closed or all
    pub status: Option<String>,
    pub severity: Option<String>,
    pub detector: Option<String>,
    /// me_or_none (default), me, none, any, or a user id
    pub assignee: Option<String>,
    pub scan: Option<i64>,
    /// An entity token (`entity:42`) or its id
    pub entity: Option<String>,
    pub case_id: Option<i64>,
    /// severity (default: most severe first) or due (soonest due first)
    pub sort: Option<String>,
    /// The `next` of the previous page
    pub after: Option<String>,
    /// 1 to 500, default 50
    pub limit: Option<i64>,
}

fn parse_cursor(s: &str) -> ApiResult<(i64, f64, i64)> {
    let mut it = s.split(':');
    let (Some(r), Some(sc), Some(id), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad("after: not a cursor this server gave"));
    };
    match (r.parse(), sc.parse(), id.parse()) {
        (Ok(r), Ok(sc), Ok(id)) => Ok((r, sc, id)),
        _ => Err(bad("after: not a cursor this server gave")),
    }
}

fn entity_param(s: &str) -> ApiResult<i64> {
    s.strip_prefix("entity:")
        .unwrap_or(s)
        .parse()
        .map_err(|_| bad("entity: a token such as entity:42"))
}

fn filter(q: &AlertQuery, me: i64) -> ApiResult<AlertFilter> {
    let mut f = AlertFilter {
        limit: q.limit.unwrap_or(50),
        detector: q.detector.clone(),
        scan: q.scan,
        case_id: q.case_id,
        ..AlertFilter::default()
    };
    match q.status.as_deref() {
        None | Some("open") => {}
        Some("all") => f.any_status = true,
        Some(s) => {
            f.status = Some(
                Status::parse(s)
                    .ok_or_else(|| bad("status: open, new, in_progress, closed or all"))?,
            )
        }
    }
    if let Some(s) = &q.severity {
        f.severity = Some(Severity::parse(s).ok_or_else(|| bad("severity: low, medium or high"))?);
    }
    match q.assignee.as_deref() {
        None | Some("me_or_none") => f.mine_or_unassigned = Some(me),
        Some("me") => f.assignee = Some(me),
        Some("none") => f.unassigned = true,
        Some("any") => {}
        Some(id) => {
            f.assignee = Some(
                id.parse()
                    .map_err(|_| bad("assignee: me_or_none, me, none, any or a user id"))?,
            )
        }
    }
    if let Some(e) = &q.entity {
        f.entity = Some(entity_param(e)?);
    }
    match q.sort.as_deref() {
        None | Some("severity") => {}
        Some("due") => f.by_due = true,
        Some(_) => return Err(bad("sort: severity or due")),
    }
    if let Some(a) = &q.after {
        match a.strip_prefix("due:") {
            Some(rest) => {
                let (due, id) = rest
                    .split_once(':')
                    .ok_or_else(|| bad("after: not a cursor this server gave"))?;
                match (due.parse(), id.parse()) {
                    (Ok(d), Ok(i)) => f.after_due = Some((d, i)),
                    _ => return Err(bad("after: not a cursor this server gave")),
                }
            }
            None => f.after = Some(parse_cursor(a)?),
        }
    }
    Ok(f)
}

pub async fn list_alerts(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<AlertQuery>,
) -> ApiResult<Json<Value>> {
    let f = filter(&q, actor.id())?;
    let mut tx = app.store.read().await?;
    let rows = tx.alerts(&f).await?;
    let described = serde_json::to_string(&json!({
        "status": q.status, "severity": q.severity, "detector": q.detector, "assignee": q.assignee,
        "scan": q.scan, "entity": q.entity, "case_id": q.case_id, "sort": q.sort, "after": q.after, "shown": rows.len(),
    }))
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "alert.list", "alerts", Some(&described))
        .await?;
    let next = (rows.len() as i64 == f.limit)
        .then(|| {
            rows.last().map(|a| {
                if f.by_due {
                    format!("due:{}:{}", a.due_at, a.id)
                } else {
                    format!("{}:{}:{}", a.sev_rank, a.score, a.id)
                }
            })
        })
        .flatten();
    Ok(Json(json!({
        "alerts": rows.iter().map(|a| alert_json(a, false)).collect::<Vec<_>>(),
        "next": next,
    })))
}

pub async fn get_alert(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let a = tx.alert(id).await?;
    let (comments, events) = tx.history(("alert", id)).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "alert.read", &format!("alert:{id}"), None)
        .await?;
    let mut v = alert_json(&a, true);
    v["history"] = history_json(&comments, &events);
    Ok(Json(json!({"alert": v})))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ChangeBody {
    /// new, in_progress or closed
    pub status: Option<String>,
    /// confirmed, dismissed or duplicate: needed to close
    pub disposition: Option<String>,
    /// needed to dismiss
    pub reason: Option<String>,
    /// a user id, `"me"`, or `"none"` to unassign
    pub assignee: Option<String>,
    /// cases only
    pub title: Option<String>,
}

/// Turns a change body into a store change; only supervisors assign others.
fn change(b: &ChangeBody, actor: &Actor) -> ApiResult<Change> {
    let status = match &b.status {
        Some(s) => Some(Status::parse(s).ok_or_else(|| bad("status: new, in_progress or closed"))?),
        None => None,
    };
    let assignee = match b.assignee.as_deref() {
        None => None,
        Some("none") => Some(None),
        Some("me") => Some(Some(actor.id())),
        Some(id) => Some(Some(
            id.parse::<i64>()
                .map_err(|_| bad("assignee: a user id, me or none"))?,
        )),
    };
    if let Some(Some(uid)) = assignee
        && uid != actor.id()
        && actor.role() != Role::Supervisor
    {
        return Err(ApiError::Forbidden(
            "only a supervisor assigns work to others".into(),
        ));
    }
    Ok(Change {
        status,
        disposition: b.disposition.clone(),
        reason: b.reason.clone(),
        assignee,
    })
}

/// An analyst takes back only what is his or nobody's.
fn may_touch(actor: &Actor, assignee: Option<i64>) -> ApiResult<()> {
    if actor.role() == Role::Supervisor || assignee.is_none() || assignee == Some(actor.id()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "this is assigned to someone else: ask a supervisor".into(),
        ))
    }
}

pub async fn update_alert(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<ChangeBody>,
) -> ApiResult<Json<Value>> {
    if b.title.is_some() {
        return Err(bad("an alert has no title"));
    }
    let c = change(&b, &actor)?;
    let mut tx = app.store.begin().await?;
    let before = tx.alert(id).await?;
    may_touch(&actor, before.assignee)?;
    let a = tx.update_alert(&actor.who, id, &c).await?;
    tx.commit().await?;
    Ok(Json(json!({"alert": alert_json(&a, true)})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkBody {
    pub ids: Vec<i64>,
    #[serde(flatten)]
    pub change: ChangeBody,
}

pub async fn bulk_alerts(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<BulkBody>,
) -> ApiResult<Json<Value>> {
    if b.ids.is_empty() || b.ids.len() > 1000 {
        return Err(bad("ids: 1 to 1,000 alerts"));
    }
    let c = change(&b.change, &actor)?;
    let mut tx = app.store.begin().await?;
    for id in &b.ids {
        let before = tx.alert(*id).await?;
        may_touch(&actor, before.assignee)?;
        tx.update_alert(&actor.who, *id, &c).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({"updated": b.ids.len()})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CommentBody {
    pub body: String,
}

pub async fn comment_alert(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<CommentBody>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let cid = tx.comment(&actor.who, ("alert", id), &b.body).await?;
    tx.commit().await?;
    Ok(Json(json!({"comment_id": cid})))
}

// ---- cases -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct CaseQuery {
    /// open (default) or all
    pub status: Option<String>,
    pub limit: Option<i64>,
}

pub async fn list_cases(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<CaseQuery>,
) -> ApiResult<Json<Value>> {
    let open_only = match q.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(_) => return Err(bad("status: open or all")),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(bad("limit must be 1 to 500"));
    }
    let mut tx = app.store.read().await?;
    let cases = tx.cases(open_only, limit).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "case.list", "cases", None)
        .await?;
    Ok(Json(json!({"cases": list(&cases, &["title", "reason"])?})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub alert_ids: Vec<i64>,
    pub cluster_id: Option<i64>,
}

pub async fn open_case(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<NewCase>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let c = tx
        .open_case(&actor.who, &b.title, &b.alert_ids, b.cluster_id, &app.sla)
        .await?;
    tx.commit().await?;
    Ok(Json(json!({"case": case_json(&c)?})))
}

pub async fn get_case(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let d = tx.case_detail(id).await?;
    let (comments, events) = tx.history(("case", id)).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "case.read", &format!("case:{id}"), None)
        .await?;
    Ok(Json(json!({
        "case": case_json(&d.case)?,
        "alerts": d.alerts.iter().map(|a| alert_json(a, false)).collect::<Vec<_>>(),
        "clusters": d.clusters.iter().map(cluster_json).collect::<Vec<_>>(),
        "history": history_json(&comments, &events),
    })))
}

pub async fn update_case(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<ChangeBody>,
) -> ApiResult<Json<Value>> {
    let c = change(&b, &actor)?;
    let mut tx = app.store.begin().await?;
    let before = tx.case(id).await?;
    may_touch(&actor, before.assignee)?;
    let case = tx
        .update_case(&actor.who, id, &c, b.title.as_deref())
        .await?;
    tx.commit().await?;
    Ok(Json(json!({"case": case_json(&case)?})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MergeBody {
    pub alert_ids: Vec<i64>,
}

pub async fn merge_into_case(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<MergeBody>,
) -> ApiResult<Json<Value>> {
    if b.alert_ids.is_empty() {
        return Err(bad("alert_ids: at least one"));
    }
    let mut tx = app.store.begin().await?;
    tx.merge_alerts(&actor.who, id, &b.alert_ids).await?;
    let case = tx.case(id).await?;
    tx.commit().await?;
    Ok(Json(json!({"case": case_json(&case)?})))
}

pub async fn comment_case(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Body(b): Body<CommentBody>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let cid = tx.comment(&actor.who, ("case", id), &b.body).await?;
    tx.commit().await?;
    Ok(Json(json!({"comment_id": cid})))
}

// ---- clusters, search --------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ClusterQuery {
    pub scan: Option<i64>,
    pub limit: Option<i64>,
}

pub async fn list_clusters(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<ClusterQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(bad("limit must be 1 to 500"));
    }
    let mut tx = app.store.read().await?;
    let cs = tx.clusters(q.scan, limit).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "cluster.list", "clusters", None)
        .await?;
    Ok(Json(
        json!({"clusters": cs.iter().map(cluster_json).collect::<Vec<_>>()}),
    ))
}

pub async fn get_cluster(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let mut c = tx.cluster(id).await?;
    // Each member that the store knows gets its token, so that a page can open its
    // alerts without ever holding its value.
    let known = tx.entity_ids(&members(&c.data)).await?;
    add_tokens(&mut c.data, &known);
    tx.commit().await?;
    app.store
        .record(&actor.who, "cluster.read", &format!("cluster:{id}"), None)
        .await?;
    // Grouped after masking, so that a group's label is not masked as a number.
    let mut v = cluster_json(&c);
    if let Some(d) = v.get_mut("data") {
        aggregate(d, MAX_DRAWN, SHOWN_WHEN_AGGREGATED);
    }
    Ok(Json(json!({"cluster": v})))
}

/// Above this many members a cluster is not sent whole: a browser cannot draw it, and
/// no analyst reads it node by node.
const MAX_DRAWN: usize = 10_000;
/// How many members an aggregated cluster still shows one by one.
const SHOWN_WHEN_AGGREGATED: usize = 2_000;

fn key_of(v: &Value) -> Option<(String, String)> {
    Some((
        v.get("entity_type")?.as_str()?.to_string(),
        v.get("entity_id")?.as_str()?.to_string(),
    ))
}

/// A cluster of more than `max` members keeps the chain, its flagged members and hubs,
/// and the first of each type up to `shown` in all; the rest become one member per type
/// (`"+N more"`, with `aggregate: N`), and links to members not shown are dropped. The
/// cluster says so in `aggregated`.
pub fn aggregate(data: &mut Value, max: usize, shown: usize) {
    let Some(all) = data.get("members").and_then(Value::as_array).cloned() else {
        return;
    };
    if all.len() <= max {
        return;
    }
    let mut keep: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for list in ["chain", "alerts", "hubs"] {
        for v in data
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            keep.extend(key_of(v));
        }
    }
    let mut types: std::collections::BTreeMap<String, Vec<&Value>> =
        std::collections::BTreeMap::new();
    for m in &all {
        if let Some((t, _)) = key_of(m) {
            types.entry(t).or_default().push(m);
        }
    }
    let room = shown.saturating_sub(keep.len()) / types.len().max(1);
    let mut members = Vec::new();
    let mut grouped = serde_json::Map::new();
    for (t, ms) in &types {
        let mut taken = 0;
        let mut rest = 0u64;
        for m in ms {
            let k = key_of(m);
            if k.as_ref().is_some_and(|k| keep.contains(k)) {
                members.push((*m).clone());
            } else if taken < room {
                taken += 1;
                members.push((*m).clone());
                keep.extend(k);
            } else {
                rest += 1;
            }
        }
        if rest > 0 {
            members.push(
                json!({"entity_type": t, "entity_id": format!("+{rest} more"), "aggregate": rest}),
            );
            grouped.insert(t.clone(), Value::from(rest));
        }
    }
    if let Some(Value::Array(edges)) = data.get_mut("edges") {
        edges.retain(|e| {
            [e.get("source"), e.get("target")]
                .iter()
                .all(|end| end.and_then(key_of).is_some_and(|k| keep.contains(&k)))
        });
    }
    data["aggregated"] =
        json!({"total": all.len(), "shown": members.len(), "grouped_by_type": grouped});
    data["members"] = Value::Array(members);
}

/// The (type, value) of every object of a cluster that names an entity.
fn members(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let (Some(t), Some(id)) = (
                    m.get("entity_type").and_then(Value::as_str),
                    m.get("entity_id").and_then(Value::as_str),
                ) {
                    out.push((t.to_string(), id.to_string()));
                }
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn add_tokens(v: &mut Value, known: &std::collections::HashMap<(String, String), i64>) {
    match v {
        Value::Object(m) => {
            let key = match (
                m.get("entity_type").and_then(Value::as_str),
                m.get("entity_id").and_then(Value::as_str),
            ) {
                (Some(t), Some(id)) => Some((t.to_string(), id.to_string())),
                _ => None,
            };
            if let Some(id) = key.and_then(|k| known.get(&k)) {
                m.insert("token".into(), Value::from(format!("entity:{id}")));
            }
            for x in m.values_mut() {
                add_tokens(x, known);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| add_tokens(x, known)),
        _ => {}
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SearchBody {
    /// The exact value (a number, an IMEI, an account ...)
    pub value: String,
}

pub async fn search(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<SearchBody>,
) -> ApiResult<Json<Value>> {
    let value = b.value.trim();
    if value.is_empty() {
        return Err(bad("value: what to look for"));
    }
    let mut tx = app.store.read().await?;
    let found = tx.find_entity(value).await?;
    let object = match found.as_slice() {
        [] => "no match".to_string(),
        f => f
            .iter()
            .map(|(id, _)| format!("entity:{id}"))
            .collect::<Vec<_>>()
            .join(","),
    };
    // The value looked for never enters the log: only what it matched.
    tx.commit().await?;
    app.store
        .record(&actor.who, "entity.search", &object, None)
        .await?;
    Ok(Json(json!({
        "entities": found.iter().map(|(id, t)| entity_json(*id, t, value)).collect::<Vec<_>>(),
    })))
}

// ---- the number profile ------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ProfileQuery {
    /// The scan whose dataset to read (default: the latest that names its dataset)
    pub scan: Option<i64>,
}

pub async fn profile(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Params(q): Params<ProfileQuery>,
) -> ApiResult<Json<Value>> {
    let Some(source) = app.profiles.clone() else {
        return Err(ApiError::Conflict("this server reads no datasets".into()));
    };
    let mut tx = app.store.read().await?;
    let (entity_type, value) = tx.entity(id).await?;
    if entity_type != "msisdn" {
        return Err(bad(format!(
            "entity:{id} is a {entity_type}: a profile is a number's"
        )));
    }
    let clusters = tx.clusters_of(&entity_type, &value).await?;
    let (scan, dataset) = tx.scan_dataset(q.scan).await?.ok_or_else(|| {
        ApiError::NotFound(
            "no scan names its dataset (import with \"dataset\", or run the scan here)".into(),
        )
    })?;
    tx.commit().await?;
    app.store
        .record(
            &actor.who,
            "profile.read",
            &format!("entity:{id}"),
            Some(&format!("scan:{scan}")),
        )
        .await?;
    // A thread of its own: the source drives its own query runtime.
    let (done, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = done.send(source.profile(std::path::Path::new(&dataset), &value));
    });
    let mut v = answer
        .await
        .map_err(|_| ApiError::Internal("the profile stopped without a result".into()))?
        .map_err(ApiError::Internal)?;
    // The profile holds counts, services, nodes and TACs; only the number itself is
    // the subscriber's.
    let masked = mask::entity("msisdn", v["msisdn"].as_str().unwrap_or_default());
    v["msisdn"] = Value::from(masked);
    Ok(Json(json!({
        "entity": format!("entity:{id}"), "scan": scan, "profile": v,
        "clusters": clusters.iter().map(cluster_json).collect::<Vec<_>>(),
    })))
}

// ---- reveals -----------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevealBody {
    /// An entity token (`entity:42`) or its id
    pub entity: String,
    /// The open case the reveal serves
    pub case_id: i64,
    pub reason: String,
    /// 1 to 30, default 10
    pub minutes: Option<i64>,
}

pub async fn reveal(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<RevealBody>,
) -> ApiResult<Json<Value>> {
    let entity = entity_param(&b.entity)?;
    let mut tx = app.store.begin().await?;
    let r = tx
        .reveal(
            &actor.who,
            entity,
            b.case_id,
            &b.reason,
            b.minutes.unwrap_or(10),
        )
        .await?;
    // Committed before the value is in the answer: the log holds the reveal first.
    tx.commit().await?;
    Ok(Json(
        json!({"reveal": with_texts(&r.reveal, &["reason"])?, "value": r.value}),
    ))
}

pub async fn revealed(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let r = tx.revealed(&actor.who, id).await?;
    let Some(r) = r else {
        return Err(ApiError::NotFound(
            "no reveal of this entity lasts for you now: ask for one with its purpose".into(),
        ));
    };
    tx.commit().await?;
    Ok(Json(
        json!({"reveal": with_texts(&r.reveal, &["reason"])?, "value": r.value}),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct LimitQuery {
    pub limit: Option<i64>,
}

fn limit(q: &LimitQuery) -> ApiResult<i64> {
    let l = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&l) {
        return Err(bad("limit must be 1 to 1000"));
    }
    Ok(l)
}

pub async fn list_reveals(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<LimitQuery>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let rs = tx.reveals(limit(&q)?).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "reveal.list", "reveals", None)
        .await?;
    Ok(Json(json!({"reveals": list(&rs, &["reason"])?})))
}

// ---- exports -----------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExportBody {
    pub case_id: Option<i64>,
    pub cluster_id: Option<i64>,
    /// csv, graphml or i2
    pub format: String,
    #[serde(default)]
    pub unmasked: bool,
    pub reason: String,
}

pub async fn request_export(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<ExportBody>,
) -> ApiResult<Json<Value>> {
    let object = match (b.case_id, b.cluster_id) {
        (Some(c), None) => ("case", c),
        (None, Some(c)) => ("cluster", c),
        _ => return Err(bad("give one of case_id and cluster_id")),
    };
    let mut tx = app.store.begin().await?;
    let x = tx
        .request_export(&actor.who, object, &b.format, b.unmasked, &b.reason)
        .await?;
    tx.commit().await?;
    Ok(Json(json!({"export": with_texts(&x, &["reason"])?})))
}

pub async fn list_exports(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<LimitQuery>,
) -> ApiResult<Json<Value>> {
    let own = (actor.role() == Role::Analyst).then_some(actor.id());
    let mut tx = app.store.read().await?;
    let xs = tx.exports(own, limit(&q)?).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "export.list", "exports", None)
        .await?;
    Ok(Json(json!({"exports": list(&xs, &["reason"])?})))
}

async fn decide(app: AppState, actor: Actor, id: i64, approve: bool) -> ApiResult<Json<Value>> {
    let mut tx = app.store.begin().await?;
    let x = tx.decide_export(&actor.who, id, approve).await?;
    tx.commit().await?;
    Ok(Json(json!({"export": with_texts(&x, &["reason"])?})))
}

pub async fn approve_export(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    decide(app, actor, id, true).await
}

pub async fn refuse_export(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    decide(app, actor, id, false).await
}

pub async fn download_export(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> ApiResult<Response> {
    let mut tx = app.store.begin().await?;
    let x = tx.export_values(&actor.who, id).await?;
    let content = crate::export::render(&mut tx, &x).await?;
    tx.commit().await?;
    let (mime, ext) = match x.format.as_str() {
        "graphml" => ("application/graphml+xml", "graphml"),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let disposition = format!(
        "attachment; filename=\"duanka-{}-{}-{}{}.{ext}\"",
        x.object_type,
        x.object_id,
        x.format,
        if x.unmasked { "-unmasked" } else { "" }
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

// ---- audit -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// The last sequence number already read (0: from the start)
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

pub async fn list_audit(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let mut tx = app.store.read().await?;
    let entries =
        duanka_store::audit::page(&mut tx, q.after.unwrap_or(0), q.limit.unwrap_or(100)).await?;
    tx.commit().await?;
    app.store
        .record(&actor.who, "audit.read", "audit", None)
        .await?;
    Ok(Json(json!({"entries": entries})))
}

pub async fn verify_audit(
    State(app): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    let v = duanka_store::audit::verify(&app.store).await?;
    app.store
        .record(
            &actor.who,
            "audit.verify",
            "audit",
            Some(if v.broken.is_none() {
                "intact"
            } else {
                "broken"
            }),
        )
        .await?;
    Ok(Json(json!({
        "entries": v.entries, "head": v.head, "intact": v.broken.is_none(),
        "broken_at": v.broken.as_ref().map(|b| b.0), "problem": v.broken.map(|b| b.1),
    })))
}
