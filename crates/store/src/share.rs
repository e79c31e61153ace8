//! Identities leaving the store in clear: a reveal (one entity, for a case and a reason,
//! for a few minutes) and an export of a case or a cluster, masked at once or unmasked
//! after a supervisor other than the requester approves it (four eyes). Each is on the
//! record before the value leaves: the entry is part of the transaction that reads it.

use serde::Serialize;

use crate::{Result, StoreError, Tx, Who, get_i64, get_opt_i64, get_opt_str, get_str, now};

/// The longest a reveal lasts, minutes.
pub const MAX_REVEAL_MINUTES: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct RevealRow {
    pub id: i64,
    pub user: String,
    pub entity: i64,
    pub entity_type: String,
    pub case_id: i64,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

/// What a granted reveal hands out.
#[derive(Debug, Clone, Serialize)]
pub struct Revealed {
    pub reveal: RevealRow,
    pub value: String,
}

fn check_reason(reason: &str) -> Result<&str> {
    let r = reason.trim();
    if r.chars().count() < 5 || r.len() > 1000 {
        return Err(StoreError::Invalid(
            "say why, in 5 to 1,000 characters".into(),
        ));
    }
    Ok(r)
}

impl Tx {
    /// Grants `who` the value of `entity` for `minutes`, for `case_id`.
    pub async fn reveal(
        &mut self,
        who: &Who,
        entity: i64,
        case_id: i64,
        reason: &str,
        minutes: i64,
    ) -> Result<Revealed> {
        let reason = check_reason(reason)?;
        if !(1..=MAX_REVEAL_MINUTES).contains(&minutes) {
            return Err(StoreError::Invalid(format!(
                "a reveal lasts 1 to {MAX_REVEAL_MINUTES} minutes"
            )));
        }
        let uid = who
            .user_id
            .ok_or_else(|| StoreError::Invalid("a reveal is granted to a user".into()))?;
        let case = self.case(case_id).await?;
        if case.status == "closed" {
            return Err(StoreError::Conflict(format!(
                "case {case_id} is closed: a reveal serves an open case"
            )));
        }
        let (entity_type, value) = self.entity_value(entity).await?;
        let at = now();
        let id = self
            .insert(
                "INSERT INTO reveals (user_id, entity, case_id, reason, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    uid.into(),
                    entity.into(),
                    case_id.into(),
                    reason.into(),
                    at.into(),
                    (at + minutes * 60).into(),
                ],
            )
            .await?;
        self.audit(
            who,
            "reveal",
            &format!("entity:{entity}"),
            None,
            Some(&format!(
                "reveal:{id} for case:{case_id} ({minutes} min): {reason}"
            )),
        )
        .await?;
        Ok(Revealed {
            reveal: RevealRow {
                id,
                user: who.actor.clone(),
                entity,
                entity_type,
                case_id,
                reason: reason.to_string(),
                granted_at: at,
                expires_at: at + minutes * 60,
            },
            value,
        })
    }

    /// The value of `entity` while a reveal granted to `user_id` lasts; the read is on
    /// the record.
    pub async fn revealed(&mut self, who: &Who, entity: i64) -> Result<Option<Revealed>> {
        let Some(uid) = who.user_id else {
            return Ok(None);
        };
        let rows = self
            .rows(
                "SELECT r.id, r.entity, e.entity_type, r.case_id, r.reason, r.granted_at, r.expires_at \
                 FROM reveals r JOIN entities e ON e.id = r.entity \
                 WHERE r.user_id = ? AND r.entity = ? AND r.expires_at > ? ORDER BY r.expires_at DESC LIMIT 1",
                &[uid.into(), entity.into(), now().into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let reveal = reveal_row(r, &who.actor)?;
        let (_, value) = self.entity_value(entity).await?;
        self.audit(
            who,
            "reveal.read",
            &format!("entity:{entity}"),
            None,
            Some(&format!("reveal:{}", reveal.id)),
        )
        .await?;
        Ok(Some(Revealed { reveal, value }))
    }

    /// Every reveal, newest first (for auditors and supervisors).
    pub async fn reveals(&mut self, limit: i64) -> Result<Vec<RevealRow>> {
        let rows = self
            .rows(
                "SELECT r.id, u.name, r.entity, e.entity_type, r.case_id, r.reason, r.granted_at, r.expires_at \
                 FROM reveals r JOIN entities e ON e.id = r.entity JOIN users u ON u.id = r.user_id \
                 ORDER BY r.id DESC LIMIT ?",
                &[limit.into()],
            )
            .await?;
        rows.iter()
            .map(|r| reveal_row(r, &get_str(r, "name")?))
            .collect()
    }
}

fn reveal_row(r: &sqlx::any::AnyRow, user: &str) -> Result<RevealRow> {
    Ok(RevealRow {
        id: get_i64(r, "id")?,
        user: user.to_string(),
        entity: get_i64(r, "entity")?,
        entity_type: get_str(r, "entity_type")?,
        case_id: get_i64(r, "case_id")?,
        reason: get_str(r, "reason")?,
        granted_at: get_i64(r, "granted_at")?,
        expires_at: get_i64(r, "expires_at")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub requested_by: i64,
    pub requester: String,
    pub object_type: String,
    pub object_id: i64,
    pub format: String,
    pub unmasked: bool,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

const EXPORT_SELECT: &str = "SELECT x.id, x.requested_by, r.name AS requester, x.object_type, x.object_id, x.format, x.unmasked, \
     x.reason, x.status, d.name AS decider, x.decided_at, x.created_at \
     FROM exports x JOIN users r ON r.id = x.requested_by LEFT JOIN users d ON d.id = x.decided_by";

fn export_row(r: &sqlx::any::AnyRow) -> Result<ExportRow> {
    Ok(ExportRow {
        id: get_i64(r, "id")?,
        requested_by: get_i64(r, "requested_by")?,
        requester: get_str(r, "requester")?,
        object_type: get_str(r, "object_type")?,
        object_id: get_i64(r, "object_id")?,
        format: get_str(r, "format")?,
        unmasked: get_i64(r, "unmasked")? != 0,
        reason: get_str(r, "reason")?,
        status: get_str(r, "status")?,
        decided_by: get_opt_str(r, "decider")?,
        decided_at: get_opt_i64(r, "decided_at")?,
        created_at: get_i64(r, "created_at")?,
    })
}

impl Tx {
    pub async fn export(&mut self, id: i64) -> Result<ExportRow> {
        let r = self
            .row(&format!("{EXPORT_SELECT} WHERE x.id = ?"), &[id.into()])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("export {id}")))?;
        export_row(&r)
    }

    pub async fn exports(
        &mut self,
        requested_by: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ExportRow>> {
        let rows = match requested_by {
            Some(u) => {
                self.rows(
                    &format!("{EXPORT_SELECT} WHERE x.requested_by = ? ORDER BY x.id DESC LIMIT ?"),
                    &[u.into(), limit.into()],
                )
                .await?
            }
            None => {
                self.rows(
                    &format!("{EXPORT_SELECT} ORDER BY x.id DESC LIMIT ?"),
                    &[limit.into()],
                )
                .await?
            }
        };
        rows.iter().map(export_row).collect()
    }

    /// Asks for an export. A masked one is approved at once; an unmasked one waits for
    /// a supervisor who is not the requester.
    pub async fn request_export(
        &mut self,
        who: &Who,
        (object_type, object_id): (&str, i64),
        format: &str,
        unmasked: bool,
        reason: &str,
    ) -> Result<ExportRow> {
        let reason = check_reason(reason)?;
        match object_type {
            "case" => {
                self.case(object_id).await?;
            }
            "cluster" => {
                self.cluster(object_id).await?;
            }
            other => {
                return Err(StoreError::Invalid(format!(
                    "exports are of a case or a cluster, not {other:?}"
                )));
            }
        }
        if !["csv", "graphml", "i2"].contains(&format) {
            return Err(StoreError::Invalid(format!(
                "unknown format {format:?}: csv, graphml or i2"
            )));
        }
        let uid = who
            .user_id
            .ok_or_else(|| StoreError::Invalid("an export is asked by a user".into()))?;
        let id = self
            .insert(
                "INSERT INTO exports (requested_by, object_type, object_id, format, unmasked, reason, status, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    uid.into(),
                    object_type.into(),
                    object_id.into(),
                    format.into(),
                    i64::from(unmasked).into(),
                    reason.into(),
                    if unmasked { "pending" } else { "approved" }.into(),
                    now().into(),
                ],
            )
            .await?;
        self.audit(
            who,
            "export.request",
            &format!("export:{id}"),
            None,
            Some(&format!(
                "{format} of {object_type}:{object_id}, {}: {reason}",
                if unmasked { "unmasked" } else { "masked" }
            )),
        )
        .await?;
        self.export(id).await
    }

    /// A supervisor's decision on a pending export; never the requester's own.
    pub async fn decide_export(&mut self, who: &Who, id: i64, approve: bool) -> Result<ExportRow> {
        let x = self.export(id).await?;
        let uid = who
            .user_id
            .ok_or_else(|| StoreError::Invalid("an export is decided by a user".into()))?;
        if x.requested_by == uid {
            return Err(StoreError::Conflict(
                "four eyes: the requester of an export cannot decide it".into(),
            ));
        }
        if x.status != "pending" {
            return Err(StoreError::Conflict(format!("export {id} is {}", x.status)));
        }
        let status = if approve { "approved" } else { "refused" };
        self.exec(
            "UPDATE exports SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            &[status.into(), uid.into(), now().into(), id.into()],
        )
        .await?;
        self.audit(
            who,
            if approve {
                "export.approve"
            } else {
                "export.refuse"
            },
            &format!("export:{id}"),
            Some("pending"),
            Some(status),
        )
        .await?;
        self.export(id).await
    }

    /// The entities in clear of an approved unmasked export, for its requester; the
    /// download is on the record.
    pub async fn export_values(&mut self, who: &Who, id: i64) -> Result<ExportRow> {
        let x = self.export(id).await?;
        if Some(x.requested_by) != who.user_id {
            return Err(StoreError::Conflict(
                "an export is downloaded by the one who asked for it".into(),
            ));
        }
        if x.status != "approved" {
            return Err(StoreError::Conflict(format!(
                "export {id} is {}: an unmasked export waits for a supervisor's approval",
                x.status
            )));
        }
        self.audit(who, "export.download", &format!("export:{id}"), None, None)
            .await?;
        Ok(x)
    }
}
