//! Diagnostics: bad rows are data, not errors. Every rejected row is counted with its
//! file, line, column and reason; reports keep the first few per file and, on request,
//! all of them; a [`RejectLog`] writes every one to a file as the read finds it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use duanka_outdir::AtomicFile;

use crate::IngestError;

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

/// Every rejected row, written to a CSV file (`table,file,line,column,reason,value`) as
/// the read finds it, so that a read with millions of rejects holds no more of them than
/// its reports' samples. The file appears at its path, complete, at [`RejectLog::finish`];
/// a read that fails leaves no file (and any earlier one as it was).
pub struct RejectLog {
    file: Mutex<Option<AtomicFile>>,
    path: PathBuf,
}

impl RejectLog {
    pub fn create(path: &Path) -> Result<RejectLog, IngestError> {
        let write_error = |e: duanka_outdir::WriteError| IngestError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        // Often asked for inside the scan's output folder, which the scan creates later.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            duanka_outdir::create_folder(dir).map_err(write_error)?;
        }
        let mut file = AtomicFile::create(path).map_err(write_error)?;
        file.writer()
            .write_all(b"table,file,line,column,reason,value\n")
            .map_err(|e| IngestError::io(path, e))?;
        Ok(RejectLog {
            file: Mutex::new(Some(file)),
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn write(&self, r: &Reject) -> Result<(), IngestError> {
        let mut guard = self.lock()?;
        let Some(file) = guard.as_mut() else {
            return Err(IngestError::Internal("rejects written after finish".into()));
        };
        let file_name = r.file.display().to_string();
        let line = r.line.to_string();
        let cells = [
            r.table,
            file_name.as_str(),
            line.as_str(),
            r.column.unwrap_or(""),
            &r.reason,
            r.value.as_deref().unwrap_or(""),
        ];
        let w = file.writer();
        let written = (|| {
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                write_cell(w, c)?;
            }
            w.write_all(b"\n")
        })();
        written.map_err(|e| IngestError::io(&self.path, e))
    }

    /// Puts the complete file in place.
    pub fn finish(&self) -> Result<(), IngestError> {
        let Some(file) = self.lock()?.take() else {
            return Ok(());
        };
        file.commit().map_err(|e| IngestError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Option<AtomicFile>>, IngestError> {
        self.file.lock().map_err(|_| {
            IngestError::Internal("a reader thread panicked while writing rejects".into())
        })
    }
}

fn write_cell(w: &mut dyn Write, s: &str) -> std::io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(w, "\"{}\"", s.replace('"', "\"\""))
    } else {
        w.write_all(s.as_bytes())
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
