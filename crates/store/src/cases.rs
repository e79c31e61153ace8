//! Cases: alerts and clusters gathered under one title, triaged like an alert (status,
//! disposition, assignee, a due date from the SLA of its most severe alert). An alert
//! belongs to at most one case; merging it into another moves it, as an event of both.

use serde::Serialize;
use serde_json::Value;

use crate::alerts::{AlertRow, Change, ClusterRow, Severity, Sla, plan_change};
use crate::{
    AlertFilter, Result, StoreError, Tx, Who, get_i64, get_opt_i64, get_opt_str, get_str, now,
};

#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub disposition: Option<String>,
    pub reason: Option<String>,
    pub assignee: Option<i64>,
    pub assignee_name: Option<String>,
    pub severity: String,
    pub due_at: i64,
    pub overdue: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub alerts: i64,
}

const CASE_SELECT: &str = "SELECT c.id, c.title, c.status, c.disposition, c.reason, c.assignee, u.name AS assignee_name, \
     c.severity, c.due_at, cb.name AS created_by, c.created_at, c.updated_at, \
     (SELECT COUNT(*) FROM alerts a WHERE a.case_id = c.id) AS alerts \
     FROM cases c JOIN users cb ON cb.id = c.created_by LEFT JOIN users u ON u.id = c.assignee";

fn case_row(r: &sqlx::any::AnyRow) -> Result<CaseRow> {
    let status = get_str(r, "status")?;
    let due_at = get_i64(r, "due_at")?;
    Ok(CaseRow {
        id: get_i64(r, "id")?,
        title: get_str(r, "title")?,
        overdue: status != "closed" && due_at < now(),
        status,
        disposition: get_opt_str(r, "disposition")?,
        reason: get_opt_str(r, "reason")?,
        assignee: get_opt_i64(r, "assignee")?,
        assignee_name: get_opt_str(r, "assignee_name")?,
        severity: get_str(r, "severity")?,
        due_at,
        created_by: get_str(r, "created_by")?,
        created_at: get_i64(r, "created_at")?,
        updated_at: get_i64(r, "updated_at")?,
        alerts: get_i64(r, "alerts")?,
    })
}

/// A case with what it gathers.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: CaseRow,
    pub alerts: Vec<AlertRow>,
    pub clusters: Vec<ClusterRow>,
}

impl Tx {
    pub async fn case(&mut self, id: i64) -> Result<CaseRow> {
        let r = self
            .row(&format!("{CASE_SELECT} WHERE c.id = ?"), &[id.into()])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
        case_row(&r)
    }

    pub async fn cases(&mut self, open_only: bool, limit: i64) -> Result<Vec<CaseRow>> {
        let filter = if open_only {
            " WHERE c.status <> 'closed'"
        } else {
            ""
        };
        self.rows(
            &format!("{CASE_SELECT}{filter} ORDER BY c.due_at, c.id LIMIT ?"),
            &[limit.into()],
        )
        .await?
        .iter()
        .map(case_row)
        .collect()
    }

    pub async fn case_detail(&mut self, id: i64) -> Result<CaseDetail> {
        let case = self.case(id).await?;
        let alerts = self
            .alerts(&AlertFilter {
                any_status: true,
                case_id: Some(id),
                limit: 500,
                ..AlertFilter::default()
            })
            .await?;
        let cluster_ids: Vec<i64> = self
            .rows(
                "SELECT cluster FROM case_clusters WHERE case_id = ? ORDER BY cluster",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| get_i64(r, "cluster"))
            .collect::<Result<_>>()?;
        let mut clusters = Vec::new();
        for c in cluster_ids {
            clusters.push(self.cluster(c).await?);
        }
        Ok(CaseDetail {
            case,
            alerts,
            clusters,
        })
    }

    /// Opens a case over `alert_ids` and the alerts of `cluster`'s members.
    pub async fn open_case(
        &mut self,
        who: &Who,
        title: &str,
        alert_ids: &[i64],
        cluster: Option<i64>,
        sla: &Sla,
    ) -> Result<CaseRow> {
        let title = title.trim();
        if title.is_empty() || title.len() > 200 {
            return Err(StoreError::Invalid(
                "a case's title is 1 to 200 characters".into(),
            ));
        }
        let mut ids: Vec<i64> = alert_ids.to_vec();
        if let Some(c) = cluster {
            ids.extend(self.cluster_alerts(c).await?);
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() && cluster.is_none() {
            return Err(StoreError::Invalid(
                "a case gathers at least one alert or a cluster".into(),
            ));
        }
        let mut severity = Severity::Low;
        for id in &ids {
            severity = severity.max(self.alert(*id).await?.severity);
        }
        let at = now();
        let uid = who
            .user_id
            .ok_or_else(|| StoreError::Invalid("a case is opened by a user".into()))?;
        let case_id = self
            .insert(
                "INSERT INTO cases (title, status, severity, sev_rank, due_at, created_by, created_at, updated_at) \
                 VALUES (?, 'new', ?, ?, ?, ?, ?, ?)",
                &[
                    title.into(),
                    severity.as_str().into(),
                    severity.rank().into(),
                    sla.due(at, severity).into(),
                    uid.into(),
                    at.into(),
                    at.into(),
                ],
            )
            .await?;
        self.audit(
            who,
            "case.open",
            &format!("case:{case_id}"),
            None,
            Some(title),
        )
        .await?;
        if let Some(c) = cluster {
            self.exec(
                "INSERT INTO case_clusters (case_id, cluster) VALUES (?, ?)",
                &[case_id.into(), c.into()],
            )
            .await?;
            self.audit(
                who,
                "case.add_cluster",
                &format!("case:{case_id}"),
                None,
                Some(&format!("cluster:{c}")),
            )
            .await?;
        }
        self.merge_alerts(who, case_id, &ids).await?;
        self.case(case_id).await
    }

    /// Moves alerts into a case (out of the case they were in, if any).
    pub async fn merge_alerts(&mut self, who: &Who, case_id: i64, ids: &[i64]) -> Result<()> {
        self.case(case_id).await?;
        for id in ids {
            let a = self.alert(*id).await?;
            if a.case_id == Some(case_id) {
                continue;
            }
            self.apply_change(
                who,
                ("alert", "alerts", *id),
                &[("case_id", Some(case_id.to_string()))],
            )
            .await?;
        }
        // The case is as urgent as its most severe alert.
        self.exec(
            "UPDATE cases SET sev_rank = (SELECT COALESCE(MAX(a.sev_rank), cases.sev_rank) FROM alerts a WHERE a.case_id = cases.id) \
             WHERE id = ?",
            &[case_id.into()],
        )
        .await?;
        self.exec(
            "UPDATE cases SET severity = CASE sev_rank WHEN 3 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END WHERE id = ?",
            &[case_id.into()],
        )
        .await?;
        Ok(())
    }

    /// The alerts, from the cluster's own scan onwards, of the entities the cluster's
    /// `alerts` list names.
    async fn cluster_alerts(&mut self, cluster: i64) -> Result<Vec<i64>> {
        let c = self.cluster(cluster).await?;
        let mut ids = Vec::new();
        let empty = Vec::new();
        let listed = c
            .data
            .get("alerts")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        for a in listed {
            let (Some(t), Some(v)) = (
                a.get("entity_type").and_then(Value::as_str),
                a.get("entity_id").and_then(Value::as_str),
            ) else {
                continue;
            };
            let rows = self
                .rows(
                    "SELECT a.id FROM alerts a JOIN entities e ON e.id = a.entity WHERE e.entity_type = ? AND e.value = ?",
                    &[t.into(), v.into()],
                )
                .await?;
            for r in &rows {
                ids.push(get_i64(r, "id")?);
            }
        }
        Ok(ids)
    }

    pub async fn update_case(
        &mut self,
        who: &Who,
        id: i64,
        change: &Change,
        title: Option<&str>,
    ) -> Result<CaseRow> {
        let current = self.case(id).await?;
        let mut set = if change.status.is_some()
            || change.assignee.is_some()
            || change.disposition.is_some()
            || change.reason.is_some()
        {
            plan_change(&current.status, change)?
        } else {
            Vec::new()
        };
        if let Some(t) = title {
            let t = t.trim();
            if t.is_empty() || t.len() > 200 {
                return Err(StoreError::Invalid(
                    "a case's title is 1 to 200 characters".into(),
                ));
            }
            set.push(("title", Some(t.to_string())));
        }
        if set.is_empty() {
            return Err(StoreError::Invalid("nothing to change".into()));
        }
        self.apply_change(who, ("case", "cases", id), &set).await?;
        self.case(id).await
    }
}
