//! Reading a dataset for any command: settings from flags, a progress bar on big inputs,
//! the rejects file, and the reject limit.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use duanka_ingest::reference::ReferenceChoice;
use duanka_ingest::{Dataset, DatasetPlan, NormalisedTable, ReadOptions};
use duanka_model::TimeParser;
use indicatif::{ProgressBar, ProgressStyle};

use crate::Failure;
use crate::args::ReadArgs;

/// Inputs smaller than this read too fast for a bar to help.
const BAR_FROM_BYTES: u64 = 32 << 20;

pub(crate) fn threads(args: &ReadArgs) -> usize {
    args.threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) fn options(args: &ReadArgs) -> Result<ReadOptions, Failure> {
    let time =
        TimeParser::for_zone_name(&args.tz).map_err(|e| Failure::input(anyhow::anyhow!(e)))?;
    Ok(ReadOptions {
        time,
        threads: threads(args),
        keep_all_rejects: args.rejects.is_some(),
        reference: match &args.reference {
            Some(dir) => ReferenceChoice::Dir(dir.clone()),
            None => ReferenceChoice::Builtin,
        },
        ..ReadOptions::default()
    })
}

/// Reads the dataset, writes the rejects file if asked, then applies the reject limit
/// (after writing, so that the rows behind a stop can be looked at).
pub(crate) fn read(
    dataset: &Path,
    args: &ReadArgs,
    only: Option<&[String]>,
) -> Result<Dataset, Failure> {
    let ds = read_unchecked(dataset, args, only)?;
    ds.check_reject_limit(args.max_reject_share)?;
    Ok(ds)
}

/// As [`read`], leaving the reject limit to the caller.
/// `only` names the tables to read (reference tables are always read); `None` reads all.
pub(crate) fn read_unchecked(
    dataset: &Path,
    args: &ReadArgs,
    only: Option<&[String]>,
) -> Result<Dataset, Failure> {
    let opts = options(args)?;
    let mut plan = DatasetPlan::discover(dataset, &opts)?;
    if let Some(names) = only {
        plan.retain_tables(names);
    }
    read_plan(&plan, args, opts)
}

/// As [`read`], except the tables held only in Parquet files that `duanka convert`
/// wrote: those are returned unread, for the query engine to scan where they lie.
pub(crate) fn read_for_query(
    dataset: &Path,
    args: &ReadArgs,
    only: Option<&[String]>,
) -> Result<(Dataset, Vec<NormalisedTable>), Failure> {
    let opts = options(args)?;
    let mut plan = DatasetPlan::discover(dataset, &opts)?;
    if let Some(names) = only {
        plan.retain_tables(names);
    }
    let (direct, unscannable): (Vec<_>, Vec<_>) = plan
        .take_normalised()?
        .into_iter()
        .partition(duanka_query::can_scan);
    plan.tables
        .extend(unscannable.into_iter().map(|t| (t.spec, t.files)));
    let ds = read_plan(&plan, args, opts)?;
    ds.check_reject_limit(args.max_reject_share)?;
    Ok((ds, direct))
}

fn read_plan(
    plan: &DatasetPlan,
    args: &ReadArgs,
    mut opts: ReadOptions,
) -> Result<Dataset, Failure> {
    let total = plan.total_bytes();
    let bar = (!args.quiet && total >= BAR_FROM_BYTES).then(|| {
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} reading {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    if let Some(b) = &bar {
        let b = b.clone();
        opts.progress = Some(Arc::new(move |n| b.inc(n)));
    }
    let ds = plan.read(&opts)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(path) = &args.rejects {
        write_rejects(&ds, path).map_err(Failure::input)?;
    }
    Ok(ds)
}

fn write_rejects(ds: &Dataset, path: &Path) -> anyhow::Result<()> {
    // Often asked for inside the scan's output folder, which the scan creates only later.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    let f = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create the rejects file", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    writeln!(w, "table,file,line,column,reason,value")?;
    for r in ds.rejects() {
        let cells = [
            r.table.to_string(),
            r.file.display().to_string(),
            r.line.to_string(),
            r.column.unwrap_or("").to_string(),
            r.reason.to_string(),
            r.value.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(w, "{}", line.join(","))?;
    }
    w.flush()?;
    Ok(())
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
