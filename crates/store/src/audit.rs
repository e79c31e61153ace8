//! The audit log: who did or read what, from where, through which channel, with the old
//! and new value of a change. Append-only (triggers refuse UPDATE and DELETE in both
//! databases) and hash-chained: each entry's hash covers its fields and the hash of the
//! entry before it, and sequence numbers have no gaps, so [`verify`] finds an edited, a
//! deleted or a reordered entry. A deletion of the newest entries leaves a shorter valid
//! chain; the head hash [`verify`] returns is what to keep elsewhere to see that too.

use serde::Serialize;

use crate::{Arg, Result, Store, StoreError, Tx, get_i64, get_opt_str, get_str, now};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How a request reached duanka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The browser, signed in with a session cookie.
    Web,
    /// A script with an API token.
    Api,
    /// A `duanka` command run on the server's machine.
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
        }
    }
}

/// Who is acting, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: Option<i64>,
    pub actor: String,
    pub role: String,
    pub channel: Channel,
    pub request_id: String,
    pub address: String,
}

impl Who {
    /// A command run on the server's machine by whoever can open the database.
    pub fn cli(command: &str) -> Who {
        Who {
            user_id: None,
            actor: "cli".into(),
            role: "-".into(),
            channel: Channel::Cli,
            request_id: command.into(),
            address: "local".into(),
        }
    }
}

/// One entry as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub channel: String,
    pub request_id: String,
    pub address: String,
    pub action: String,
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash of this entry's fields after `prev_hash`. The fields are written as one
    /// JSON array so that no value can pass for a boundary between two.
    pub fn compute_hash(&self) -> String {
        let fields = serde_json::json!([
            self.prev_hash,
            self.seq,
            self.at,
            self.actor,
            self.role,
            self.channel,
            self.request_id,
            self.address,
            self.action,
            self.object,
            self.old_value,
            self.new_value,
        ]);
        crate::sha256_hex(&fields.to_string())
    }
}

/// A read waiting for its entry (see `Store::record`).
pub(crate) struct Pending {
    pub who: Who,
    pub action: String,
    pub object: String,
    pub new_value: Option<String>,
    pub done: tokio::sync::oneshot::Sender<Result<i64, String>>,
}

/// The most entries one group commit writes.
const MAX_GROUP: usize = 512;

/// Writes the entries of reads as they come, all those waiting at once in one
/// transaction; each waiter learns its sequence number, or the error that failed them all.
pub(crate) async fn recorder(
    pool: sqlx::AnyPool,
    dialect: crate::Dialect,
    mut queue: tokio::sync::mpsc::Receiver<Pending>,
) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        let written = async {
            let mut tx = crate::begin_writing(&pool, dialect).await?;
            let mut seqs = Vec::with_capacity(group.len());
            for p in &group {
                seqs.push(
                    tx.audit(&p.who, &p.action, &p.object, None, p.new_value.as_deref())
                        .await?,
                );
            }
            tx.commit().await?;
            Ok::<_, StoreError>(seqs)
        }
        .await;
        match written {
            Ok(seqs) => {
                for (p, seq) in group.into_iter().zip(seqs) {
                    let _ = p.done.send(Ok(seq));
                }
            }
            Err(e) => {
                let why = e.to_string();
                for p in group {
                    let _ = p.done.send(Err(why.clone()));
                }
            }
        }
    }
}

impl Tx {
    /// Appends an entry after the chain's head. The transaction holds the chain's lock,
    /// so no other writer can slip an entry in between.
    pub async fn audit(
        &mut self,
        who: &Who,
        action: &str,
        object: &str,
        old_value: Option<&str>,
        new_value: Option<&str>,
    ) -> Result<i64> {
        if self.read_only {
            return Err(StoreError::Conflict(
                "an audit entry in a read-only transaction".into(),
            ));
        }
        let head = match self.head.take() {
            Some(h) => Some(h),
            None => self
                .row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])
                .await?
                .map(|r| Ok::<_, StoreError>((get_i64(&r, "seq")?, get_str(&r, "hash")?)))
                .transpose()?,
        };
        let (seq, prev_hash) = match head {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let mut entry = AuditEntry {
            seq,
            at: now(),
            actor: who.actor.clone(),
            role: who.role.clone(),
            channel: who.channel.as_str().to_string(),
            request_id: who.request_id.clone(),
            address: who.address.clone(),
            action: action.to_string(),
            object: object.to_string(),
            old_value: old_value.map(|v| crate::mask::text(v, &[])),
            new_value: new_value.map(|v| crate::mask::text(v, &[])),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        let hash = entry.hash.clone();
        self.exec(
            "INSERT INTO audit (seq, at, actor, role, channel, request_id, address, action, object, old_value, new_value, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                entry.seq.into(),
                entry.at.into(),
                entry.actor.into(),
                entry.role.into(),
                entry.channel.into(),
                entry.request_id.into(),
                entry.address.into(),
                entry.action.into(),
                entry.object.into(),
                entry.old_value.into(),
                entry.new_value.into(),
                entry.prev_hash.into(),
                entry.hash.into(),
            ],
        )
        .await?;
        self.audited = true;
        self.head = Some((seq, hash));
        Ok(seq)
    }
}

fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: get_i64(r, "seq")?,
        at: get_i64(r, "at")?,
        actor: get_str(r, "actor")?,
        role: get_str(r, "role")?,
        channel: get_str(r, "channel")?,
        request_id: get_str(r, "request_id")?,
        address: get_str(r, "address")?,
        action: get_str(r, "action")?,
        object: get_str(r, "object")?,
        old_value: get_opt_str(r, "old_value")?,
        new_value: get_opt_str(r, "new_value")?,
        prev_hash: get_str(r, "prev_hash")?,
        hash: get_str(r, "hash")?,
    })
}

const COLUMNS: &str = "seq, at, actor, role, channel, request_id, address, action, object, old_value, new_value, prev_hash, hash";

/// What a verification found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verified {
    pub entries: i64,
    /// Hash of the newest entry (keep it elsewhere: a later verification that does not
    /// reach it means entries were removed from the end).
    pub head: String,
    /// The first break, if any: the entry's sequence number and what is wrong.
    pub broken: Option<(i64, String)>,
}

/// Walks the whole chain in sequence order.
pub async fn verify(store: &Store) -> Result<Verified> {
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut entries = 0;
    // Pages keep memory flat however long the log is.
    let mut after = 0;
    loop {
        let page = store
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT 5000"),
                &[Arg::Int(after)],
            )
            .await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let e = entry(r)?;
            after = e.seq;
            let broken = |why: String| Verified {
                entries,
                head: prev.clone(),
                broken: Some((e.seq, why)),
            };
            if e.seq != expected_seq {
                return Ok(broken(format!(
                    "entry {} follows entry {}: entries {}–{} are missing",
                    e.seq,
                    expected_seq - 1,
                    expected_seq,
                    e.seq - 1
                )));
            }
            if e.prev_hash != prev {
                return Ok(broken(format!(
                    "entry {} does not follow the entry before it (removed, inserted or reordered)",
                    e.seq
                )));
            }
            if e.compute_hash() != e.hash {
                return Ok(broken(format!(
                    "entry {} was changed after it was written",
                    e.seq
                )));
            }
            prev = e.hash;
            expected_seq += 1;
            entries += 1;
        }
    }
    Ok(Verified {
        entries,
        head: prev,
        broken: None,
    })
}

/// A page of the log, oldest first, after `after`; the reading itself goes on the
/// record in the same transaction.
pub async fn page(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    if !(1..=1000).contains(&limit) {
        return Err(StoreError::Invalid("limit must be 1 to 1000".into()));
    }
    let rows = tx
        .rows(
            &format!("SELECT {COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"),
            &[Arg::Int(after), Arg::Int(limit)],
        )
        .await?;
    rows.iter().map(entry).collect()
}

/// Whether an entry with this hash is in the log (a head kept elsewhere must stay in an
/// intact chain, or entries were cut from its end).
pub async fn contains_hash(store: &Store, hash: &str) -> Result<bool> {
    let rows = store
        .fetch_all("SELECT seq FROM audit WHERE hash = ?", &[hash.into()])
        .await?;
    Ok(!rows.is_empty())
}
