//! Readers for every table of the duanka input contract (`SCHEMA.md`): CSV, NDJSON and
//! Parquet, single files or folders of parts, plain or `.gz` / `.zst`, plus the public
//! reference formats (libphonenumber, Osmocom TAC, per-country CIDR lists).
//!
//! Output is normalised Arrow batches (numbers as integers, times as UTC seconds,
//! repetitive strings dictionary-encoded) and a report per table in which every input
//! row is either accepted or rejected with file, line, column and reason:
//! **read = accepted + rejected, always.** This crate detects nothing and knows nothing
//! of DataFusion.

pub mod diag;
pub mod reference;
pub mod source;
pub mod spec;
pub mod write;

mod parquet_in;
mod rows;
mod split;
mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use duanka_model::TimeParser;

pub use diag::{FileReport, Reject, RejectLog, SAMPLE_PER_FILE, TableReport};
pub use parquet_in::{NORMALISED_KEY, NORMALISED_VERSION, is_normalised};
pub use source::SourceFile;
pub use spec::{Kind, TABLES, TableSpec};

/// Why reading stopped. Bad *rows* are not errors (they are counted in reports); these
/// are problems with whole files or with the run's limits.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a dataset folder (expected a folder holding tables such as sms.csv or sms/)", path.display())]
    NotADataset { path: PathBuf },
    /// A folder `duanka convert` left incomplete, or whose files changed since.
    #[error(transparent)]
    Folder(#[from] duanka_outdir::FolderError),
    #[error("{}: not a CSV, NDJSON or Parquet file by its name (.csv, .ndjson, .jsonl, .parquet, optionally .gz/.zst); move it out of the table folder", path.display())]
    UnknownPart { path: PathBuf },
    #[error("table {table} is given more than once: {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    AmbiguousTable { table: String, paths: Vec<PathBuf> },
    #[error("{}: table {table} needs column `{column}`, which is missing (columns found: {}).{hint}", path.display(), found.join(", "))]
    MissingColumn {
        table: &'static str,
        path: PathBuf,
        column: &'static str,
        found: Vec<String>,
        hint: String,
    },
    #[error("{}: column `{column}` appears twice in the header", path.display())]
    DuplicateColumn { path: PathBuf, column: &'static str },
    /// `line` 0 means the whole file.
    #[error("{}{}: {reason}", path.display(), if *line > 0 { format!(":{line}") } else { String::new() })]
    Corrupt {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("table {table}: {rejected} of {read} rows rejected ({:.2} %), above the limit of {:.2} %; most common: {top}. Fix the input, or raise the limit with --max-reject-share", share * 100.0, limit * 100.0)]
    RejectLimit {
        table: &'static str,
        rejected: u64,
        read: u64,
        share: f64,
        limit: f64,
        top: String,
    },
    #[error("{}: cannot write: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("internal error (a bug in duanka): {0}")]
    Internal(String),
}

impl IngestError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the error is duanka's fault rather than the input's or the machine's.
    pub fn is_internal(&self) -> bool {
        matches!(self, IngestError::Internal(_))
    }
}

/// Called with the number of raw bytes consumed, from reader threads.
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// [`ReadOptions::max_record_bytes`] by default, in MiB: SMS texts and log lines are
/// kilobytes; a record this long is a broken file.
pub const DEFAULT_MAX_RECORD_MIB: usize = 64;

/// How to read.
#[derive(Clone)]
pub struct ReadOptions {
    /// Parser for times without an offset (zone settable; default Asia/Shanghai).
    pub time: TimeParser,
    /// Parser threads per file.
    pub threads: usize,
    /// Rows per output batch (at most).
    pub batch_rows: usize,
    /// Keep every rejected row in the reports, not only the first few per file.
    pub keep_all_rejects: bool,
    /// Where every rejected row is written as it is found (the reports keep their
    /// samples only, unless `keep_all_rejects`).
    pub reject_log: Option<Arc<RejectLog>>,
    /// Longest record (CSV row, NDJSON line) read, in bytes: a longer one stops the
    /// file's read with an error rather than holding it. Checked as a record outgrows the
    /// reader's 4 MiB blocks, so a limit below that stops records of 4 MiB or more.
    pub max_record_bytes: usize,
    pub progress: Option<ProgressFn>,
    /// Where the reference tables the dataset lacks come from (see [`reference`]).
    pub reference: reference::ReferenceChoice,
    /// Leave the tables held only in Parquet files that `duanka convert` (or
    /// `duanka simulate --format parquet`) wrote where they lie, for the query engine to
    /// scan ([`Table::in_place`]), instead of loading them: a run's memory then no longer
    /// grows with those tables.
    pub in_place: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            time: TimeParser::shanghai(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_rows: 65_536,
            keep_all_rejects: false,
            reject_log: None,
            max_record_bytes: DEFAULT_MAX_RECORD_MIB << 20,
            progress: None,
            reference: reference::ReferenceChoice::Builtin,
            in_place: false,
        }
    }
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("zone", &self.time.zone_name())
            .field("threads", &self.threads)
            .field("batch_rows", &self.batch_rows)
            .field("keep_all_rejects", &self.keep_all_rejects)
            .field("reject_log", &self.reject_log.is_some())
            .field("max_record_bytes", &self.max_record_bytes)
            .field("reference", &self.reference)
            .field("in_place", &self.in_place)
            .finish()
    }
}

/// One table read and normalised.
#[derive(Debug, Clone)]
pub struct Table {
    pub spec: &'static TableSpec,
    /// The rows, unless the table is left [`in_place`](Table::in_place).
    pub batches: Vec<RecordBatch>,
    pub report: TableReport,
    /// When not empty, the table's rows are these normalised Parquet files, to be scanned
    /// where they lie (see [`ReadOptions::in_place`]), and `batches` is empty.
    pub in_place: Vec<SourceFile>,
}

impl Table {
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    pub fn schema(&self) -> SchemaRef {
        self.spec.schema()
    }

    pub fn num_rows(&self) -> usize {
        if self.in_place.is_empty() {
            self.batches.iter().map(RecordBatch::num_rows).sum()
        } else {
            usize::try_from(self.report.accepted).unwrap_or(usize::MAX)
        }
    }
}

/// Where each table of a dataset comes from, before anything is read.
#[derive(Debug, Clone, Default)]
pub struct DatasetPlan {
    pub root: PathBuf,
    pub tables: Vec<(&'static TableSpec, Vec<SourceFile>)>,
    /// Reference tables taken from public formats (the built-in snapshot or a folder),
    /// for those the dataset does not hold itself.
    pub reference: Vec<reference::ReferenceSource>,
    /// Files in the dataset folder that are not tables of the contract (e.g. `truth.csv`,
    /// notes); listed so that nothing is passed over without saying so.
    pub ignored: Vec<PathBuf>,
}

impl DatasetPlan {
    /// Finds the tables of the dataset at `root` (and of the reference folder, if any).
    pub fn discover(root: &Path, opts: &ReadOptions) -> Result<Self, IngestError> {
        if !root.is_dir() {
            return Err(IngestError::NotADataset {
                path: root.to_path_buf(),
            });
        }
        let mut plan = DatasetPlan {
            root: root.to_path_buf(),
            ..Default::default()
        };
        for spec in TABLES {
            let files = source::find_table(root, spec.name)?;
            if !files.is_empty() {
                plan.tables.push((spec, files));
            }
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root)
            .map_err(|e| IngestError::io(root, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stem = if p.is_dir() {
                Some(name)
            } else {
                source::classify(name).map(|c| c.0)
            };
            let used = stem.is_some_and(|s| plan.tables.iter().any(|(t, _)| t.name == s));
            if !used && !name.starts_with('.') && name != duanka_outdir::MANIFEST {
                plan.ignored.push(p);
            }
        }
        // A folder `duanka convert` wrote: complete, and its tables the files it wrote.
        // Sizes only: a Parquet file read in place checks its own footer; a table added
        // by hand beside them is read as any other.
        let top: Vec<&str> = plan
            .tables
            .iter()
            .flat_map(|(_, files)| files)
            .filter(|f| f.path.parent() == Some(root))
            .filter_map(|f| f.path.file_name().and_then(|n| n.to_str()))
            .collect();
        duanka_outdir::check(root, &top, duanka_outdir::Verify::ListedSizes)?;
        for r in reference::sources(&opts.reference)? {
            if !plan.tables.iter().any(|(t, _)| t.name == r.table()) {
                plan.reference.push(r);
            }
        }
        Ok(plan)
    }

    /// Keeps only the named tables, the dataset's and the reference ones alike (a query
    /// names the reference tables its functions look up; see `duanka_query`).
    pub fn retain_tables(&mut self, names: &[String]) {
        let named = |t: &str| names.iter().any(|n| n == t);
        self.tables.retain(|(spec, _)| named(spec.name));
        self.reference.retain(|r| named(r.table()));
    }

    /// Total bytes on disk, for progress bars.
    pub fn total_bytes(&self) -> u64 {
        self.tables
            .iter()
            .flat_map(|(_, f)| f)
            .map(|f| f.bytes)
            .sum::<u64>()
            + self
                .reference
                .iter()
                .map(reference::ReferenceSource::bytes)
                .sum::<u64>()
    }

    /// Reads every table of the plan.
    pub fn read(&self, opts: &ReadOptions) -> Result<Dataset, IngestError> {
        let mut tables = Vec::new();
        for (spec, files) in &self.tables {
            let table = match opts.in_place {
                true => parquet_in::in_place(spec, files)?,
                false => None,
            };
            match table {
                Some(t) => tables.push(t),
                None => tables.push(read_table(spec, files, opts)?),
            }
        }
        for r in &self.reference {
            tables.push(r.read(opts)?);
        }
        tables.sort_by_key(|t| TABLES.iter().position(|s| s.name == t.name()));
        Ok(Dataset {
            root: self.root.clone(),
            tables,
            reference: self
                .reference
                .iter()
                .map(|r| (r.table(), r.origin.clone()))
                .collect(),
            ignored: self.ignored.clone(),
        })
    }
}

/// A dataset read and normalised.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub root: PathBuf,
    /// Present tables, in contract order.
    pub tables: Vec<Table>,
    /// The reference tables among `tables` that came from public formats, with where
    /// from; a reference table not listed is the dataset's own.
    pub reference: Vec<(&'static str, reference::ReferenceOrigin)>,
    pub ignored: Vec<PathBuf>,
}

impl Dataset {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name() == name)
    }

    /// Where each reference table of the run came from, one phrase per origin:
    /// `segments, tac, geoip from the built-in snapshot 2026-12-01`, `geoip from the
    /// dataset`. Empty when the run has no reference table.
    pub fn reference_summary(&self) -> Vec<String> {
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for t in self.tables.iter().filter(|t| t.spec.reference) {
            let origin = match self.reference.iter().find(|(n, _)| *n == t.name()) {
                Some((_, o @ reference::ReferenceOrigin::Builtin)) => format!("the {o}"),
                Some((_, o)) => o.to_string(),
                None => "the dataset".to_string(),
            };
            match groups.iter_mut().find(|(o, _)| *o == origin) {
                Some((_, names)) => names.push(t.name()),
                None => groups.push((origin, vec![t.name()])),
            }
        }
        groups
            .into_iter()
            .map(|(origin, names)| format!("{} from {origin}", names.join(", ")))
            .collect()
    }

    /// Whether the table came from the snapshot built into duanka rather than from the
    /// user's files.
    pub fn is_builtin(&self, table: &str) -> bool {
        self.reference
            .iter()
            .any(|(n, o)| *n == table && *o == reference::ReferenceOrigin::Builtin)
    }

    /// Stops the run when a table's rejected share passes `limit` (0.01 = 1 %). The
    /// built-in snapshot is not the user's input: its few unreadable lines (counted in
    /// its report) never stop a run.
    pub fn check_reject_limit(&self, limit: f64) -> Result<(), IngestError> {
        for t in self.tables.iter().filter(|t| !self.is_builtin(t.name())) {
            let share = t.report.reject_share();
            if share > limit {
                let top = t
                    .report
                    .top_reasons(1)
                    .first()
                    .map(|(c, r, n)| {
                        let rows = if *n == 1 {
                            "1 row".to_string()
                        } else {
                            format!("{n} rows")
                        };
                        if c.is_empty() {
                            format!("{r} ({rows})")
                        } else {
                            format!("{c}: {r} ({rows})")
                        }
                    })
                    .unwrap_or_default();
                return Err(IngestError::RejectLimit {
                    table: t.name(),
                    rejected: t.report.rejected,
                    read: t.report.read,
                    share,
                    limit,
                    top,
                });
            }
        }
        Ok(())
    }

    /// Every kept rejection of the user's input, table by table, in file and line order
    /// (the built-in snapshot's are in its table's report; `duanka reference` shows them).
    pub fn rejects(&self) -> impl Iterator<Item = &Reject> {
        self.tables
            .iter()
            .filter(|t| !self.is_builtin(t.name()))
            .flat_map(|t| &t.report.rejects)
    }
}

/// Reads a dataset folder: discover, then read.
pub fn read_dataset(root: &Path, opts: &ReadOptions) -> Result<Dataset, IngestError> {
    DatasetPlan::discover(root, opts)?.read(opts)
}

/// Reads one table from its files, in order.
pub fn read_table(
    spec: &'static TableSpec,
    files: &[SourceFile],
    opts: &ReadOptions,
) -> Result<Table, IngestError> {
    let mut batches = Vec::new();
    let report = stream_table(spec, files, opts, &mut |b| {
        batches.push(b);
        Ok(())
    })?;
    Ok(Table {
        spec,
        batches,
        report,
        in_place: Vec::new(),
    })
}

/// Reads one table from its files, in order, handing each batch to `sink` as it is
/// parsed (a CSV or NDJSON file is never held whole; a Parquet file is read whole
/// first); returns the table's report.
pub fn stream_table(
    spec: &'static TableSpec,
    files: &[SourceFile],
    opts: &ReadOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), IngestError>,
) -> Result<TableReport, IngestError> {
    let mut report = TableReport::new(spec.name);
    for f in files {
        // Each reject as it is found: counted, logged, and kept as a sample.
        let mut kept = 0usize;
        let mut on_reject = |r: Reject| -> Result<(), IngestError> {
            report.count_reject(&r);
            if let Some(log) = &opts.reject_log {
                log.write(&r)?;
            }
            if opts.keep_all_rejects || kept < SAMPLE_PER_FILE {
                report.rejects.push(r);
                kept += 1;
            }
            Ok(())
        };
        let out = match f.format {
            source::Format::Parquet => {
                let out = parquet_in::read_file(spec, f, opts)?;
                for b in out.batches.iter().cloned() {
                    sink(b)?;
                }
                out
            }
            _ => text::stream_file(spec, f, opts, sink, &mut on_reject)?,
        };
        for r in out.rejects {
            on_reject(r)?;
        }
        debug_assert_eq!(out.report.read, out.report.accepted + out.report.rejected);
        report.add_file(out.report);
    }
    Ok(report)
}
