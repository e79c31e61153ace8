//! Reading a dataset for any command: settings from flags, a progress bar on big inputs,
//! the rejects file, and the reject limit.

use std::path::Path;
use std::sync::Arc;

use duanka_ingest::reference::ReferenceChoice;
use duanka_ingest::{Dataset, DatasetPlan, ReadOptions};
use duanka_model::TimeParser;
use duanka_query::{Resources, human_bytes};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Failure;
use crate::args::{MemoryLimit, ReadArgs};

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
        // Every reject goes to the file as it is found; the reports keep samples.
        reject_log: match &args.rejects {
            Some(path) => Some(Arc::new(duanka_ingest::RejectLog::create(path)?)),
            None => None,
        },
        max_record_bytes: args.max_record_mib.saturating_mul(1 << 20).max(1 << 20),
        reference: match &args.reference {
            Some(dir) => ReferenceChoice::Dir(dir.clone()),
            None => ReferenceChoice::Builtin,
        },
        ..ReadOptions::default()
    })
}

/// How a command wants the tables held only in normalised Parquet files (those
/// `duanka convert` or `duanka simulate --format parquet` wrote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Read into memory: the command looks at the rows itself.
    Loaded,
    /// Left where they lie for the query engine to scan, so that memory does not grow
    /// with them.
    InPlace,
}

/// Reads the dataset, writes the rejects file if asked, then applies the reject limit
/// (after writing, so that the rows behind a stop can be looked at).
pub(crate) fn read(
    dataset: &Path,
    args: &ReadArgs,
    only: Option<&[String]>,
    rows: Rows,
) -> Result<Dataset, Failure> {
    let ds = read_unchecked(dataset, args, only, rows)?;
    ds.check_reject_limit(args.max_reject_share)?;
    Ok(ds)
}

/// As [`read`], leaving the reject limit to the caller.
/// `only` names the tables to read (reference tables are always read); `None` reads all.
pub(crate) fn read_unchecked(
    dataset: &Path,
    args: &ReadArgs,
    only: Option<&[String]>,
    rows: Rows,
) -> Result<Dataset, Failure> {
    let mut opts = options(args)?;
    opts.in_place = rows == Rows::InPlace;
    let mut plan = DatasetPlan::discover(dataset, &opts)?;
    if let Some(names) = only {
        plan.retain_tables(names);
    }
    read_plan(&plan, args, opts)
}

/// What a session over `ds` may take of the machine: the threads, and the memory pool
/// left of `--memory-limit` once the tables read into memory are counted.
pub(crate) fn resources(args: &ReadArgs, ds: &Dataset) -> Result<Resources, Failure> {
    let limit = match args.memory_limit {
        Some(MemoryLimit(bytes)) => bytes,
        None => default_memory_limit(),
    };
    let loaded: u64 = ds
        .tables
        .iter()
        .flat_map(|t| &t.batches)
        .map(|b| b.get_array_memory_size() as u64)
        .sum();
    let free = limit.saturating_sub(loaded);
    if free < MIN_POOL {
        return Err(Failure {
            code: crate::exit::MEMORY,
            error: anyhow::anyhow!(
                "the tables read into memory take {}, which leaves less than {} of the memory limit ({}) for the detectors' plans: \
             raise --memory-limit, or convert the dataset to Parquet (duanka convert) so that its tables are scanned where they lie",
                human_bytes(loaded),
                human_bytes(MIN_POOL),
                human_bytes(limit),
            ),
        });
    }
    Ok(Resources {
        threads: threads(args),
        // What the pool does not track (Parquet pages being decoded, the summaries
        // detectors keep as memory tables, linkage's graph) takes the rest.
        pool_bytes: Some(usize::try_from(free / 10 * POOL_TENTHS).unwrap_or(usize::MAX)),
    })
}

/// Tenths of the memory left after the loaded tables that the plans' pool gets. The
/// pool counts a slice of a batch as its whole buffer, so it runs ahead of what the
/// process holds (a 30 M-subscriber day: 9.5 GB in the pool at a 5.8 GB peak); six
/// tenths refused that day at the default limit of a 24 GiB machine.
const POOL_TENTHS: u64 = 8;
/// Below this the plans cannot run any real dataset.
const MIN_POOL: u64 = 256 << 20;

/// Three quarters of the machine's memory (or of the control group's limit, when one is
/// set and lower): the rest stays for the system and what the pool does not track.
fn default_memory_limit() -> u64 {
    let total = machine_memory().unwrap_or(8 << 30);
    total / 4 * 3
}

fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let total = kib * 1024;
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    Some(cgroup.map_or(total, |c| c.min(total)))
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
    if let Some(log) = &opts.reject_log {
        log.finish()?;
    }
    Ok(ds)
}
