//! The case store behind `duanka serve`: users and their sessions and API tokens, the
//! scans imported and the alerts and clusters they found, the cases analysts build, the
//! reveals and exports of identities, and the audit log, on SQLite (a file, the default)
//! or PostgreSQL, through sqlx's Any driver with migrations embedded per backend.
//!
//! Every change goes through a [`Tx`]: one transaction that takes the audit chain's lock
//! first, makes its changes, appends its audit entries and commits, so that a change and
//! the entry that records it are written together or not at all. Reads that must be on the
//! record (an alert opened, a reveal) go through a `Tx` too: the entry is committed before
//! the caller gets the data.
//!
//! Identifiers in clear (numbers, IMSIs, IMEIs, accounts) live only in the `entities`
//! table; audit entries name an entity by its token (`entity:42`), never by its value.
//! Must not: know HTTP, mask values for display (the server does), or read scan files
//! other than those it is asked to import.

pub mod alerts;
pub mod audit;
pub mod cases;
pub mod mask;
pub mod share;
pub mod users;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

pub use alerts::{AlertFilter, AlertRow, ImportSummary, Severity, Sla, Status};
pub use audit::{AuditEntry, Channel, Verified, Who};
pub use cases::CaseRow;
pub use share::{ExportRow, RevealRow};
pub use users::{Role, Session, User};

/// What went wrong, separated into what the caller asked wrongly and what broke.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed (including a failed audit write).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// No such object.
    #[error("{0} not found")]
    NotFound(String),
    /// The request contradicts the state of the store (a closed alert closed again, an
    /// approver approving his own export, ...).
    #[error("{0}")]
    Conflict(String),
    /// A value the caller gave is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A file given to import cannot be read or is not what a scan writes.
    #[error("{path}:{line}: {reason}")]
    Import {
        path: String,
        line: usize,
        reason: String,
    },
    /// The audit entry could not be written: the request it records must fail.
    #[error("writing the audit log: {0}")]
    Audit(String),
    #[error("hashing a password: {0}")]
    Hash(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which SQL the database speaks where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
        })
    }
}

/// Every query is written with `?` placeholders; PostgreSQL numbers them.
fn placeholders(dialect: Dialect, sql: &str) -> String {
    if dialect == Dialect::Sqlite {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

async fn begin_writing(pool: &AnyPool, dialect: Dialect) -> Result<Tx> {
    let inner = match dialect {
        Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Dialect::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query(&placeholders(dialect, "SELECT pg_advisory_xact_lock(?)"))
                .bind(CHAIN_LOCK)
                .execute(&mut *tx)
                .await?;
            tx
        }
    };
    Ok(Tx {
        inner,
        dialect,
        audited: false,
        read_only: false,
        head: None,
    })
}

/// The lock every writing transaction of PostgreSQL takes first (SQLite's
/// `BEGIN IMMEDIATE` is its own): the audit chain has one head.
const CHAIN_LOCK: i64 = 0x6475_616e_6b61;

/// Turns a plain file path into an SQLite URL; URLs pass through.
pub fn database_url(db: &str) -> String {
    if db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://")
    {
        db.to_string()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

/// An open store.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// The audit writer of reads: entries of concurrent requests committed together.
    recorder: tokio::sync::mpsc::Sender<audit::Pending>,
}

impl Store {
    /// Opens (creating an SQLite file when needed) and migrates the store at `url`: a
    /// file path, `sqlite://PATH` or `postgres://...`.
    pub async fn open(db: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = database_url(db);
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        let mut options = AnyPoolOptions::new().max_connections(match dialect {
            // One writer at a time in any case; readers in WAL mode do not block it.
            Dialect::Sqlite => 8,
            Dialect::Postgres => 16,
        });
        if dialect == Dialect::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL: readers never wait for the writer; FULL: a commit the server
                    // acknowledged survives a crash of the machine, not only of the process.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 10000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        match dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Dialect::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        let (recorder, queue) = tokio::sync::mpsc::channel(4096);
        tokio::spawn(audit::recorder(pool.clone(), dialect, queue));
        Ok(Store {
            pool,
            dialect,
            recorder,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts a writing transaction holding the audit chain's lock.
    pub async fn begin(&self) -> Result<Tx> {
        begin_writing(&self.pool, self.dialect).await
    }

    /// Starts a read-only transaction: no lock, no audit entry of its own (a read that
    /// must be on the record is followed by [`Store::record`] before its data leaves).
    pub async fn read(&self) -> Result<Tx> {
        Ok(Tx {
            inner: self.pool.begin().await?,
            dialect: self.dialect,
            audited: false,
            read_only: true,
            head: None,
        })
    }

    /// Puts a read on the record and returns once its entry is committed. Entries of
    /// concurrent requests share one transaction and one sync to disk (group commit),
    /// so a busy queue does not wait for the disk once per request.
    pub async fn record(
        &self,
        who: &Who,
        action: &str,
        object: &str,
        new_value: Option<&str>,
    ) -> Result<i64> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let pending = audit::Pending {
            who: who.clone(),
            action: action.to_string(),
            object: object.to_string(),
            new_value: new_value.map(str::to_string),
            done,
        };
        let stopped = || StoreError::Audit("the audit writer has stopped".into());
        self.recorder.send(pending).await.map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(StoreError::Audit)
    }

    /// Runs a read-only query outside any transaction (figures that are not on the
    /// record, such as the chain's verification).
    pub(crate) async fn fetch_all(&self, sql: &str, args: &[Arg]) -> Result<Vec<AnyRow>> {
        let sql = placeholders(self.dialect, sql);
        let mut q = sqlx::query(&sql);
        for a in args {
            q = a.bind(q);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    Float(f64),
    NullInt,
    NullText,
}

impl Arg {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Arg::Int(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.clone()),
            Arg::Float(v) => q.bind(*v),
            Arg::NullInt => q.bind(Option::<i64>::None),
            Arg::NullText => q.bind(Option::<String>::None),
        }
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Float(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullText, Arg::Text)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::NullText, |s| Arg::Text(s.to_string()))
    }
}

/// One transaction of the store, holding the audit chain's lock. Dropped without
/// [`Tx::commit`], it rolls back, audit entries included.
pub struct Tx {
    inner: Transaction<'static, Any>,
    dialect: Dialect,
    audited: bool,
    read_only: bool,
    /// The chain's head after this transaction's last entry: it holds the chain's lock,
    /// so nobody else can have moved it.
    head: Option<(i64, String)>,
}

impl Tx {
    pub(crate) async fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<u64> {
        if self.read_only {
            return Err(StoreError::Conflict(
                "a read-only transaction was asked to write".into(),
            ));
        }
        let sql = placeholders(self.dialect, sql);
        let mut q = sqlx::query(&sql);
        for a in args {
            q = a.bind(q);
        }
        Ok(q.execute(&mut *self.inner).await?.rows_affected())
    }

    pub(crate) async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<AnyRow>> {
        let sql = placeholders(self.dialect, sql);
        let mut q = sqlx::query(&sql);
        for a in args {
            q = a.bind(q);
        }
        Ok(q.fetch_all(&mut *self.inner).await?)
    }

    pub(crate) async fn row(&mut self, sql: &str, args: &[Arg]) -> Result<Option<AnyRow>> {
        let sql = placeholders(self.dialect, sql);
        let mut q = sqlx::query(&sql);
        for a in args {
            q = a.bind(q);
        }
        Ok(q.fetch_optional(&mut *self.inner).await?)
    }

    /// Inserts and returns the new row's id.
    pub(crate) async fn insert(&mut self, sql: &str, args: &[Arg]) -> Result<i64> {
        let sql = format!("{sql} RETURNING id");
        let row = self
            .row(&sql, args)
            .await?
            .ok_or_else(|| StoreError::Conflict("insert returned no row".into()))?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Commits. A transaction that changed something must have written an audit entry.
    pub async fn commit(self) -> Result<()> {
        if !self.audited && !self.read_only {
            return Err(StoreError::Conflict(
                "a change of the store was about to be committed without its audit entry".into(),
            ));
        }
        self.inner.commit().await?;
        Ok(())
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Hash(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// SHA-256 of `s`, as hex: how tokens and session ids are kept (never in clear).
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}
pub(crate) fn get_opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}
pub(crate) fn get_str(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}
pub(crate) fn get_opt_str(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_numbers_its_placeholders() {
        assert_eq!(
            placeholders(Dialect::Postgres, "a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(placeholders(Dialect::Sqlite, "a = ?"), "a = ?");
        assert_eq!(database_url("x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(database_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
