//! `duanka inspect` and `duanka convert`.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type, TimestampSecondType};
use duanka_ingest::{Kind, Reject, TABLES, Table};
use duanka_model::format_utc;
use serde::Serialize;

use crate::args::{ReadArgs, ReportFormat};
use crate::{Failure, read};

#[derive(Debug, Serialize)]
struct Report {
    dataset: String,
    tables: Vec<TableSummary>,
    /// Contract tables the dataset does not hold.
    absent: Vec<&'static str>,
    /// Files in the dataset folder that are not tables of the contract.
    ignored: Vec<String>,
    /// Where the reference tables came from, one phrase per origin.
    reference: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TableSummary {
    table: &'static str,
    files: Vec<duanka_ingest::FileReport>,
    read: u64,
    accepted: u64,
    rejected: u64,
    top_reasons: Vec<Reason>,
    /// The first rejected rows of each file (every one is in the --rejects file).
    rejects: Vec<Reject>,
    time_span: Option<TimeSpan>,
    /// Distinct values per key column, the table's main key first.
    distinct: Vec<Distinct>,
}

#[derive(Debug, Serialize)]
struct Reason {
    column: String,
    reason: String,
    rows: u64,
}

#[derive(Debug, Serialize)]
struct TimeSpan {
    column: &'static str,
    first: String,
    last: String,
}

#[derive(Debug, Serialize)]
struct Distinct {
    column: &'static str,
    values: usize,
}

fn time_span(t: &Table) -> Option<TimeSpan> {
    let col = t.spec.columns.iter().find(|c| c.kind == Kind::Time)?;
    let idx = t.spec.columns.iter().position(|c| c.name == col.name)?;
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for b in &t.batches {
        let a = b.column(idx).as_primitive::<TimestampSecondType>();
        if let (Some(x), Some(y)) = (arrow::compute::min(a), arrow::compute::max(a)) {
            lo = lo.min(x);
            hi = hi.max(y);
        }
    }
    (lo <= hi).then(|| TimeSpan {
        column: col.name,
        first: format_utc(lo),
        last: format_utc(hi),
    })
}

/// A multiply-rotate hasher for counting distinct integer keys: std's SipHash costs more
/// than the rest of the count, and these keys are not attacker-chosen map keys that
/// outlive the command.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Columns worth a distinct count: identities, not times, amounts or free text.
fn is_key(c: &duanka_ingest::spec::ColumnSpec) -> bool {
    match c.kind {
        Kind::Msisdn
        | Kind::Imsi
        | Kind::Imei
        | Kind::PeerKey(_)
        | Kind::Ip
        | Kind::IpOrCidr
        | Kind::Tac
        | Kind::DigitPrefix => true,
        Kind::Text | Kind::Code => {
            c.name.ends_with("_id") || c.name.contains("account") || c.name == "user"
        }
        _ => false,
    }
}

fn count_distinct(t: &Table, idx: usize) -> Option<usize> {
    Some(match t.spec.columns[idx].kind.data_type() {
        DataType::Int64 => {
            let mut set: HashSet<i64, BuildHasherDefault<KeyHasher>> = HashSet::default();
            for b in &t.batches {
                set.extend(b.column(idx).as_primitive::<Int64Type>().iter().flatten());
            }
            set.len()
        }
        _ => {
            let mut set: HashSet<String> = HashSet::new();
            for b in &t.batches {
                let s = arrow::compute::cast(b.column(idx), &DataType::Utf8).ok()?;
                let s = s.as_string::<i32>();
                for i in 0..s.len() {
                    if !s.is_null(i) && !set.contains(s.value(i)) {
                        set.insert(s.value(i).to_string());
                    }
                }
            }
            set.len()
        }
    })
}

/// Distinct values of every key column, the main key first; columns counted in parallel.
fn distinct(t: &Table) -> Vec<Distinct> {
    let mut cols: Vec<usize> = (0..t.spec.columns.len())
        .filter(|&i| is_key(&t.spec.columns[i]))
        .collect();
    let main = t
        .spec
        .sort_key
        .first()
        .and_then(|k| t.spec.columns.iter().position(|c| c.name == *k));
    cols.sort_by_key(|&i| Some(i) != main);
    std::thread::scope(|s| {
        let handles: Vec<_> = cols
            .iter()
            .map(|&i| (i, s.spawn(move || count_distinct(t, i))))
            .collect();
        handles
            .into_iter()
            .filter_map(|(i, h)| {
                let values = h.join().ok()??;
                Some(Distinct {
                    column: t.spec.columns[i].name,
                    values,
                })
            })
            .collect()
    })
}

pub(crate) fn run(dataset: &Path, args: &ReadArgs, format: ReportFormat) -> Result<(), Failure> {
    let ds = read::read_unchecked(dataset, args, None, read::Rows::Loaded)?;
    let report = Report {
        dataset: dataset.display().to_string(),
        tables: ds
            .tables
            .iter()
            .map(|t| TableSummary {
                table: t.name(),
                files: t.report.files.clone(),
                read: t.report.read,
                accepted: t.report.accepted,
                rejected: t.report.rejected,
                top_reasons: t
                    .report
                    .top_reasons(5)
                    .into_iter()
                    .map(|(column, reason, rows)| Reason {
                        column,
                        reason,
                        rows,
                    })
                    .collect(),
                rejects: t.report.rejects.clone(),
                time_span: time_span(t),
                distinct: distinct(t),
            })
            .collect(),
        absent: TABLES
            .iter()
            .map(|s| s.name)
            .filter(|n| ds.table(n).is_none())
            .collect(),
        ignored: ds.ignored.iter().map(|p| p.display().to_string()).collect(),
        reference: ds.reference_summary(),
    };
    match format {
        ReportFormat::Json => {
            let text = serde_json::to_string_pretty(&report).map_err(Failure::internal)?;
            println!("{text}");
        }
        ReportFormat::Table => print_table(&report),
    }
    ds.check_reject_limit(args.max_reject_share)?;
    Ok(())
}

fn print_table(r: &Report) {
    println!("dataset {}", r.dataset);
    println!(
        "{:<14} {:>5} {:>12} {:>12} {:>9}  {:<41}  distinct",
        "table", "files", "read", "accepted", "rejected", "time span (UTC)"
    );
    for t in &r.tables {
        let span = t.time_span.as_ref().map_or("-".to_string(), |s| {
            format!("{} .. {}", &s.first[..16], &s.last[..16])
        });
        let distinct = if t.distinct.is_empty() {
            "-".to_string()
        } else {
            t.distinct
                .iter()
                .map(|d| format!("{} {}", d.values, d.column))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{:<14} {:>5} {:>12} {:>12} {:>9}  {:<41}  {}",
            t.table,
            t.files.len(),
            t.read,
            t.accepted,
            t.rejected,
            span,
            distinct
        );
    }
    for t in &r.tables {
        for f in &t.files {
            for n in &f.notes {
                println!("note: {}: {n}", f.path.display());
            }
        }
        if t.rejected == 0 {
            continue;
        }
        println!(
            "\n{}: {} rejected row(s); top reasons:",
            t.table, t.rejected
        );
        for reason in &t.top_reasons {
            let col = if reason.column.is_empty() {
                String::new()
            } else {
                format!("{}: ", reason.column)
            };
            println!("  {:>8}  {col}{}", reason.rows, reason.reason);
        }
        for rej in t.rejects.iter().take(3) {
            println!("  e.g. {rej}");
        }
    }
    if !r.absent.is_empty() {
        println!("\nabsent tables: {}", r.absent.join(", "));
    }
    for line in &r.reference {
        println!("reference: {line}");
    }
    if !r.ignored.is_empty() {
        println!("not read (not a contract table): {}", r.ignored.join(", "));
    }
}

pub(crate) fn convert(dataset: &Path, to: &Path, args: &ReadArgs) -> Result<(), Failure> {
    let ds = read::read(dataset, args, None, read::Rows::Loaded)?;
    let owned: Vec<String> = duanka_ingest::TABLES
        .iter()
        .map(|t| format!("{}.parquet", t.name))
        .collect();
    let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
    // Every table is staged, then all are put in place at once with a manifest: a
    // convert killed halfway leaves the previous folder, or one `scan` refuses.
    let mut batch = duanka_outdir::Batch::replace(to, "duanka convert", &owned)?;
    for t in &ds.tables {
        if ds.is_builtin(t.name()) {
            // Every duanka carries the snapshot; a copy in the dataset would only pin it.
            println!("{:<14} not written: the built-in snapshot", t.name());
            continue;
        }
        let path = duanka_ingest::write::stage_normalised(t, &mut batch)?;
        println!(
            "{:<14} {:>12} rows -> {}",
            t.name(),
            t.num_rows(),
            path.display()
        );
    }
    batch.commit()?;
    Ok(())
}
