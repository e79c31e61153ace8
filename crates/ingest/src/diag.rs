//! Diagnostics: bad rows are data, not errors. Every rejected row is counted with its
//! file, line, column and reason; reports keep the first few per file and, on request,
//! all of them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// How many rejected rows per file the report keeps when not asked for all of them.
pub const SAMPLE_PER_FILE: usize = 20;

/// Longest offending value kept in a diagnostic, in characters.
const VALUE_CHARS: usize = 80;

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub table: &'static str,
    pub file: PathBuf,
    /// 1-based line of the row's start (CSV, NDJSON) or 1-based row number (Parquet).
    pub line: u64,
    /// The column whose value failed, when the failure is about one column.
    pub column: Option<&'static str>,
    pub reason: Cow<'static, str>,
    /// The offending value, cut to a readable length.
    pub value: Option<String>,
}

impl Reject {
    pub(crate) fn clip(value: &[u8]) -> String {
        let s = String::from_utf8_lossy(value);
        let mut out: String = s.chars().take(VALUE_CHARS).collect();
        if s.chars().nth(VALUE_CHARS).is_some() {
            out.push('…');
        }
        out
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file.display(), self.line)?;
        if let Some(c) = self.column {
            write!(f, "column {c}: ")?;
        }
        f.write_str(&self.reason)?;
        if let Some(v) = &self.value {
            write!(f, " (value {v:?})")?;
        }
        Ok(())
    }
}

/// What was read from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    pub format: String,
    pub bytes: u64,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// File-level remarks that are not rejections (e.g. an empty file).
    pub notes: Vec<String>,
}

/// What was read for one table, over all its files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableReport {
    pub table: &'static str,
    pub files: Vec<FileReport>,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Rejections counted by (column, reason); `column` is empty for whole-row failures.
    pub reasons: BTreeMap<(String, String), u64>,
    /// The first rejections of each file (all of them when the reader was asked to keep all).
    pub rejects: Vec<Reject>,
}

impl TableReport {
    pub fn new(table: &'static str) -> Self {
        TableReport {
            table,
            ..Default::default()
        }
    }

    /// Share of read rows that were rejected (0 when nothing was read).
    pub fn reject_share(&self) -> f64 {
        if self.read == 0 {
            0.0
        } else {
            self.rejected as f64 / self.read as f64
        }
    }

    /// Reasons ordered by count (highest first), then by text for a stable order.
    pub fn top_reasons(&self, n: usize) -> Vec<(String, String, u64)> {
        let mut v: Vec<(String, String, u64)> = self
            .reasons
            .iter()
            .map(|((c, r), n)| (c.clone(), r.clone(), *n))
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
        v.truncate(n);
        v
    }

    pub(crate) fn add_file(&mut self, file: FileReport) {
        self.read += file.read;
        self.accepted += file.accepted;
        self.rejected += file.rejected;
        self.files.push(file);
    }

    pub(crate) fn count_reject(&mut self, r: &Reject) {
        *self
            .reasons
            .entry((r.column.unwrap_or("").to_string(), r.reason.to_string()))
            .or_insert(0) += 1;
    }
}
