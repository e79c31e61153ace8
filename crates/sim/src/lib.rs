//! The synthetic operator world: a Guangdong China Telecom network of `N` subscribers
//! over `D` days, with the seed story's fraud supply chain planted in it and the ground
//! truth written beside it (`truth.csv`). It writes every table of the input contract so
//! that demos, tests and benchmarks have realistic data no operator would hand over.
//!
//! The world is meant to be hard: next to the chain it holds the hard negatives a naive
//! rule flags (shops receiving many codes, silent IoT SIMs, family handsets shared by
//! several SIMs, phone switchers, a bulk-SMS test lab talking to the SMSC all day, a
//! vendor tunnel abroad, big legitimate exports, campus NAT addresses, a payroll fan-out,
//! and an unrelated gang with its own cases and mules).
//!
//! Same arguments, same bytes: every unit of work draws from its own seeded stream and
//! output is written in a fixed order, whatever the thread count. No wall clock is read.
//!
//! This crate must never be a dependency of a detector: it knows the answers.
//!
//! Truth labels (`entity_type`, label — meaning):
//! - `msisdn`, `otp_sink` — a leaked number whose verification codes are taken by the
//!   code-receiving platform (off the rogue host, or in the modem pool);
//! - `imei`, `sim_farm` — a modem of the modem pool (many SIMs, one identity);
//! - `imei`, `tampered_imei` — a modem's forged identity, or a device id written by
//!   IMEI-changing software at a bulk sign-up (bad check digit or unallocated TAC, or a
//!   valid-looking one used once and never seen on the network);
//! - `account`, `bulk_account` — a platform account bulk-registered with a leaked number;
//! - `account`, `mule` — a bank account the chain's victims paid into (first level) or
//!   that the money moved on to (second level);
//! - `ip`, `proxy_ip` — an address the bulk sign-ups came from;
//! - `ip`, `rogue_host` — the insider's host in the management network;
//! - `ip`, `jump_host` — the foreign host at the end of the rogue host's tunnel;
//! - `user`, `insider` — the operator account that created the rogue host and read the
//!   number pool from it;
//! - `case`, `linked_case` — a case whose fraud account is one of the bulk accounts;
//! - `case`, `other_gang_case`; `account`, `other_gang_mule`; `msisdn`,
//!   `other_gang_number` — the unrelated gang's cases, mules and calling numbers.

pub mod chain;
pub mod clock;
pub mod infra;
pub mod out;
pub mod population;
pub mod reference;
pub mod rng;
pub mod text;
pub mod truth;
pub mod world;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::out::{TableId, TableSet};
use crate::reference::{Reference, ip_text};
use crate::truth::{Truth, ety};
use crate::world::Kind;

pub use reference::Reference as ReferenceData;

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid settings: {0}")]
    Config(String),
    #[error("reference data: {0}")]
    Reference(String),
    #[error("converting to Parquet: {0}")]
    Convert(String),
    #[error("internal error (a bug in duanka): {0}")]
    Internal(String),
}

impl SimError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        SimError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which variant of the seed story to plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Leaked numbers never attach; their codes are taken off the rogue host.
    Default,
    /// Part of the leaked numbers sit in a modem pool: many SIMs on a few tampered
    /// handsets, token calls to look alive.
    ModemPool,
    /// No fraud at all: no leaked numbers, no insider, no bulk sign-ups, no cases, no
    /// other gang; only the ordinary population and its hard negatives. A scan of such a
    /// world should raise nothing of severity medium or above.
    Clean,
}

/// Shares of the population (of all lines in the register).
#[derive(Debug, Clone)]
pub struct Shares {
    pub stock: f64,
    pub cancelled: f64,
    pub suspended: f64,
    pub iot: f64,
    pub shop: f64,
    /// Share of lines that start a family group (2–4 SIMs on one handset).
    pub family: f64,
    pub switcher: f64,
    /// Test SIMs of the bulk-SMS test lab.
    pub lab_sims: u32,
    /// Share of SMS rows whose category is left empty (the scanner must classify them).
    pub category_blank: f64,
}

impl Default for Shares {
    fn default() -> Self {
        Shares {
            stock: 0.08,
            cancelled: 0.02,
            suspended: 0.01,
            iot: 0.03,
            shop: 0.004,
            family: 0.015,
            switcher: 0.03,
            lab_sims: 12,
            category_blank: 0.2,
        }
    }
}

/// Rows per Parquet part by default: about half a gigabyte of SMS in memory while it is
/// sorted, and parts large enough that scans stay fast.
pub const DEFAULT_PART_ROWS: usize = 1 << 22;

/// Most leaked numbers one block (a 10,000-number segment) holds.
pub const MAX_LEAK_RUN: u64 = 9_000;
/// Most blocks a leak spans.
pub const MAX_LEAK_BLOCKS: u32 = 64;

/// Knobs of the planted chain.
#[derive(Debug, Clone)]
pub struct ChainKnobs {
    /// Leaked numbers as a share of the register (at least 40).
    pub sink_share: f64,
    /// Share of leaked numbers that were sold (`active`) rather than `stock`.
    pub sink_active_share: f64,
    /// In the modem-pool scenario, the share of leaked numbers in the pool.
    pub modem_pool_share: f64,
    /// Contiguous number blocks the leaked numbers come from.
    pub leak_blocks: u32,
    pub cases: u32,
    pub other_gang_cases: u32,
    pub proxy_ips: u32,
    /// Share of the leaked numbers that are live subscribers: ordinary lines with a
    /// handset and a life on the network, whose verification codes alone the rogue host
    /// takes (the seed's 9 million numbers were live and verified). The rest are the
    /// stock numbers of the leaked blocks.
    pub live_share: f64,
    /// The inventory declares its networks as range rows (a CIDR without a role: the
    /// management, signalling and office networks) beside its host rows, as a real CMDB
    /// beside its IP plan; the rogue host then sits inside a declared range.
    pub inventory_ranges: bool,
    /// The insider registers the rogue host in the inventory himself (role `oss`,
    /// owner him): what the listing claims and what the host does disagree.
    pub self_registered: bool,
    /// The insider is careful: he reads the number pool from his own listed workstation
    /// in office hours, at a few times his colleagues' volume, never from the rogue host.
    pub careful_insider: bool,
    /// Households behind each of the gang's proxies: residential proxies are people's
    /// home connections, so the same address carries a few ordinary subscribers' own
    /// sign-ups (hard negatives).
    pub proxy_households: u32,
}

impl Default for ChainKnobs {
    fn default() -> Self {
        ChainKnobs {
            sink_share: 0.005,
            sink_active_share: 0.15,
            modem_pool_share: 0.4,
            leak_blocks: 3,
            cases: 70,
            other_gang_cases: 18,
            proxy_ips: 4,
            live_share: 0.0,
            inventory_ranges: false,
            self_registered: false,
            careful_insider: false,
            proxy_households: 0,
        }
    }
}

/// Everything that decides the world. Same `Config` (and reference data), same bytes.
#[derive(Debug, Clone)]
pub struct Config {
    pub subscribers: u64,
    pub days: u32,
    pub seed: u64,
    /// First local day, `(year, month, day)`.
    pub start: (i64, u32, u32),
    pub scenario: Scenario,
    pub shares: Shares,
    pub chain: ChainKnobs,
    /// Worker threads (output does not depend on it); `None` = all cores.
    pub threads: Option<usize>,
    /// Rows per Parquet part file (`Format::Parquet`): a table of more rows is written
    /// as a folder of parts, each sorted by the table's key, so that converting the
    /// world holds one part at a time.
    pub part_rows: usize,
}

impl Config {
    pub fn new(subscribers: u64, days: u32, seed: u64) -> Self {
        Config {
            subscribers,
            days,
            seed,
            start: (2025, 10, 14),
            scenario: Scenario::Default,
            shares: Shares::default(),
            chain: ChainKnobs::default(),
            threads: None,
            part_rows: DEFAULT_PART_ROWS,
        }
    }

    pub fn start_epoch(&self) -> i64 {
        clock::local_midnight(self.start.0, self.start.1, self.start.2)
    }

    pub fn sink_count(&self) -> u64 {
        if self.scenario == Scenario::Clean {
            return 0;
        }
        ((self.subscribers as f64 * self.chain.sink_share).round() as u64).max(40)
    }

    /// The default count of leak blocks: three, or as many as hold the leaked numbers
    /// (a block is one 10,000-number segment, of which the leak takes at most 9,000), so
    /// that the defaults scale with `subscribers`.
    pub fn fitting_leak_blocks(&self) -> u32 {
        let needed = self.sink_count().div_ceil(MAX_LEAK_RUN);
        u32::try_from(needed)
            .unwrap_or(MAX_LEAK_BLOCKS)
            .clamp(3, MAX_LEAK_BLOCKS)
    }

    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Config(m));
        if self.subscribers < 500 {
            return bad(format!(
                "--subscribers {} is too small for the chain and the hard negatives; use at least 500",
                self.subscribers
            ));
        }
        if self.days == 0 || self.days > 366 {
            return bad(format!("--days {} must be between 1 and 366", self.days));
        }
        let (y, m, d) = self.start;
        if !(1971..=2200).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return bad(format!("start date {y}-{m}-{d} is not a valid date"));
        }
        let s = &self.shares;
        let c = &self.chain;
        for (name, v) in [
            ("stock", s.stock),
            ("cancelled", s.cancelled),
            ("suspended", s.suspended),
            ("iot", s.iot),
            ("shop", s.shop),
            ("family", s.family),
            ("switcher", s.switcher),
            ("category-blank", s.category_blank),
            ("sink-share", c.sink_share),
            ("sink-active-share", c.sink_active_share),
            ("modem-pool-share", c.modem_pool_share),
            ("live-share", c.live_share),
        ] {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return bad(format!("share {name} = {v} must be between 0 and 1"));
            }
        }
        let total =
            s.stock + s.cancelled + s.suspended + s.iot + s.shop + s.family * 3.0 + s.switcher;
        if total > 0.8 {
            return bad(format!(
                "the special populations take {:.0} % of the register (family counts about three lines per group); leave at least 20 % ordinary subscribers",
                total * 100.0
            ));
        }
        if c.sink_share > 0.2 {
            return bad("sink-share above 0.2 is not a plausible world".into());
        }
        if !(1..=MAX_LEAK_BLOCKS).contains(&c.leak_blocks) {
            return bad(format!(
                "leak-blocks {} must be between 1 and {MAX_LEAK_BLOCKS}",
                c.leak_blocks
            ));
        }
        if !(1..=1_000).contains(&c.proxy_ips) {
            return bad(format!(
                "proxy-ips {} must be between 1 and 1000",
                c.proxy_ips
            ));
        }
        if c.cases > 100_000 || c.other_gang_cases > 100_000 {
            return bad("at most 100 000 cases".into());
        }
        Ok(())
    }
}

/// Output file format of the tables (`truth.csv` is always CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Rows per table, in contract order.
    pub rows: Vec<(&'static str, u64)>,
    /// Truth entities per (entity type, label).
    pub truth: BTreeMap<(String, String), u64>,
    /// Hard negatives per (entity type, kind).
    pub negatives: BTreeMap<(String, String), u64>,
    pub rogue_host: String,
    pub jump_host: String,
}

impl Summary {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|r| r.1).sum()
    }
}

/// Progress of the population stage: `(chunks done, chunks in all)`.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

struct Writers {
    files: Vec<Option<(PathBuf, BufWriter<File>)>>,
    counts: Vec<u64>,
}

impl Writers {
    /// One file per table; the reference tables only when `reference` is set.
    fn create(dir: &Path, reference: bool) -> Result<Self, SimError> {
        let mut files = Vec::new();
        for t in TableId::ALL {
            if t.is_reference() && !reference {
                files.push(None);
                continue;
            }
            let path = dir.join(format!("{}.csv", t.name()));
            let f = File::create(&path).map_err(|e| SimError::io(&path, e))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            w.write_all(t.header().as_bytes())
                .and_then(|()| w.write_all(b"\n"))
                .map_err(|e| SimError::io(&path, e))?;
            files.push(Some((path, w)));
        }
        Ok(Writers {
            files,
            counts: vec![0; TableId::ALL.len()],
        })
    }

    fn write(&mut self, set: &TableSet) -> Result<(), SimError> {
        for (k, rows) in set.tables.iter().enumerate() {
            match &mut self.files[k] {
                Some((path, w)) => w.write_all(&rows.buf).map_err(|e| SimError::io(path, e))?,
                None if rows.count == 0 => continue,
                None => {
                    return Err(SimError::Internal(format!(
                        "rows for table {}, which this world does not write",
                        TableId::ALL[k].name()
                    )));
                }
            }
            self.counts[k] += rows.count;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<(&'static str, u64)>, SimError> {
        let mut rows = Vec::new();
        for (k, file) in self.files.into_iter().enumerate() {
            if let Some((path, mut w)) = file {
                w.flush().map_err(|e| SimError::io(&path, e))?;
                rows.push((TableId::ALL[k].name(), self.counts[k]));
            }
        }
        Ok(rows)
    }
}

/// Builds the world and writes it to `out` (created if missing).
pub fn simulate(
    cfg: &Config,
    reference: &Reference,
    out: &Path,
    format: Format,
    progress: Progress<'_>,
) -> Result<Summary, SimError> {
    cfg.validate()?;
    let world = world::build(cfg, reference)?;
    let texts = text::Texts::new();
    let cn = reference.blocks("cn");
    if cn.is_empty() {
        return Err(SimError::Reference(
            "no Chinese address blocks (cn.cidr)".into(),
        ));
    }
    let mut campus_r = rng::R::new(cfg.seed, rng::Stream::World, 99);
    let campus = [
        chain::host_in(&mut campus_r, cn),
        chain::host_in(&mut campus_r, cn),
    ];
    let others: Vec<i64> = reference.other_segments.iter().map(|s| s.prefix).collect();
    let ctx = population::Ctx {
        cfg,
        world: &world,
        texts: &texts,
        rhythm: rng::Rhythm::new(),
        others,
        cn,
        campus: campus.clone(),
        lab_codes: ["1069000099001", "1069000099002", "1069000099003"],
    };

    // Refuse to mix a new world with old files (a stale sms.parquet beside a new sms.csv
    // would make the dataset ambiguous).
    if let Ok(mut entries) = std::fs::read_dir(out)
        && entries.next().is_some()
    {
        return Err(SimError::Config(format!(
            "output folder {} is not empty; choose a new folder or empty it",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| SimError::io(out, e))?;
    let csv_dir = match format {
        Format::Csv => out.to_path_buf(),
        Format::Parquet => out.join(".duanka-sim-csv"),
    };
    std::fs::create_dir_all(&csv_dir).map_err(|e| SimError::io(&csv_dir, e))?;
    let mut writers = Writers::create(&csv_dir, reference.in_world)?;

    // Population: chunks on worker threads, written in chunk order.
    let n_chunks = world.len().div_ceil(population::CHUNK);
    let threads = cfg
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let next = AtomicUsize::new(0);
    let result: Result<(), SimError> = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, TableSet)>(threads * 2);
        for _ in 0..threads {
            let tx = tx.clone();
            let (ctx, next) = (&ctx, &next);
            scope.spawn(move || {
                loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    if c >= n_chunks {
                        break;
                    }
                    if tx.send((c, population::chunk(ctx, c))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        for (c, set) in rx {
            pending.insert(c, set);
            while let Some(set) = pending.remove(&want) {
                writers.write(&set)?;
                want += 1;
                progress(want as u64, n_chunks as u64);
            }
        }
        if want != n_chunks {
            return Err(SimError::Internal(format!(
                "population stopped after {want} of {n_chunks} chunks"
            )));
        }
        Ok(())
    });
    result?;

    let mut truth = Truth::default();
    let actors = chain::actors(cfg, reference);
    let mut rest = TableSet::new();
    if cfg.scenario != Scenario::Clean {
        chain::generate(&ctx, reference, &actors, &mut rest, &mut truth);
    }
    infra::generate(cfg, reference, &actors, world.start, &mut rest, &mut truth);
    if reference.in_world {
        reference_tables(reference, &mut rest);
    }
    hard_negatives(&world, &campus, &mut truth);
    writers.write(&rest)?;
    let rows = writers.finish()?;

    let truth_path = out.join("truth.csv");
    std::fs::write(&truth_path, truth.csv()).map_err(|e| SimError::io(&truth_path, e))?;
    let neg_path = out.join("hard_negatives.csv");
    std::fs::write(&neg_path, truth.negatives_csv()).map_err(|e| SimError::io(&neg_path, e))?;

    if format == Format::Parquet {
        to_parquet(&csv_dir, out, cfg.part_rows)?;
        std::fs::remove_dir_all(&csv_dir).map_err(|e| SimError::io(&csv_dir, e))?;
    }

    let mut summary = Summary {
        rows,
        rogue_host: if cfg.scenario == Scenario::Clean {
            String::new()
        } else {
            actors.rogue.clone()
        },
        jump_host: if cfg.scenario == Scenario::Clean {
            String::new()
        } else {
            actors.jump.clone()
        },
        ..Summary::default()
    };
    for (t, _, l) in &truth.rows {
        *summary.truth.entry((t.clone(), l.clone())).or_default() += 1;
    }
    for (t, _, k) in &truth.negatives {
        *summary.negatives.entry((t.clone(), k.clone())).or_default() += 1;
    }
    Ok(summary)
}

fn reference_tables(reference: &Reference, out: &mut TableSet) {
    for s in &reference.all_segments {
        out.get(TableId::Segments)
            .row()
            .f_i64(s.prefix)
            .f_text(&s.province)
            .f_text(&s.city)
            .f_text(&s.carrier)
            .end();
    }
    for t in &reference.all_tacs {
        out.get(TableId::Tac)
            .row()
            .f_padded(u64::from(t.tac), 8)
            .f_text(&t.brand)
            .f_text(&t.model)
            .end();
    }
    for (cc, blocks) in &reference.blocks {
        let upper = cc.to_ascii_uppercase();
        for b in blocks {
            let cidr = format!("{}/{}", ip_text(b.base), b.len);
            out.get(TableId::Geoip)
                .row()
                .f_str(&cidr)
                .f_str(&upper)
                .end();
        }
    }
}

fn hard_negatives(world: &world::World, campus: &[String; 2], truth: &mut Truth) {
    let leak_segs: Vec<i64> = world.leak_runs.iter().map(|r| r.0).collect();
    for i in 0..world.len() {
        let n = world.msisdn[i].to_string();
        match world.kind[i] {
            Kind::Shop => truth.negative(ety::MSISDN, n, "shop_many_otp"),
            Kind::Iot => truth.negative(ety::MSISDN, n, "iot_silent"),
            Kind::Switcher => truth.negative(ety::MSISDN, n, "phone_switcher"),
            Kind::Lab => truth.negative(ety::MSISDN, n, "test_lab_sim"),
            Kind::Family => truth.negative(
                ety::IMEI,
                chain::imei_text(world.imei[i]),
                "shared_family_handset",
            ),
            Kind::Stock if leak_segs.contains(&(world.msisdn[i] / 10_000 - 860_000_000)) => {
                truth.negative(ety::MSISDN, n, "stock_in_leaked_block")
            }
            _ => {}
        }
    }
    for ip in campus {
        truth.negative(ety::IP, ip.as_str(), "campus_nat");
    }
}

fn to_parquet(csv_dir: &Path, out: &Path, part_rows: usize) -> Result<(), SimError> {
    let opts = duanka_ingest::ReadOptions {
        threads: 1,
        // The world's own tables only: no reference snapshot added to it.
        reference: duanka_ingest::reference::ReferenceChoice::Off,
        ..Default::default()
    };
    let convert = |e: duanka_ingest::IngestError| SimError::Convert(e.to_string());
    let plan = duanka_ingest::DatasetPlan::discover(csv_dir, &opts).map_err(convert)?;
    // Table by table, part by part: what is held at once is one part, whatever the world.
    for (spec, files) in &plan.tables {
        let mut parts = duanka_ingest::write::PartWriter::new(spec, out, part_rows);
        let report = duanka_ingest::stream_table(spec, files, &opts, &mut |b| parts.push(b))
            .map_err(convert)?;
        if report.rejected > 0 {
            return Err(SimError::Internal(format!(
                "table {} has {} rows the reader rejects",
                spec.name, report.rejected
            )));
        }
        parts.finish().map_err(convert)?;
    }
    Ok(())
}
