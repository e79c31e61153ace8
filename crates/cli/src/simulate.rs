//! `duanka simulate`: flags → `duanka_sim::Config`, a progress bar, and the summary of
//! what was written. The world itself is built in `duanka-sim`.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use duanka_sim::{Config, Format, Scenario, SimError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Failure;

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Lines in the operator's register (all statuses, leaked blocks included).
    #[arg(long, default_value_t = 10_000)]
    pub subscribers: u64,
    /// Days of records.
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Random seed; same arguments and seed give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Table file format (truth.csv is always CSV).
    #[arg(long, value_enum, default_value_t = SimFormat::Csv)]
    pub format: SimFormat,
    /// Which variant of the story: leaked numbers read off a rogue host (default), part
    /// of them in a modem pool, or none at all (clean: the chain switched off).
    #[arg(long, value_enum, default_value_t = SimScenario::Default)]
    pub scenario: SimScenario,
    /// First local day of the records (YYYY-MM-DD, Asia/Shanghai).
    #[arg(long, default_value = "2025-10-14")]
    pub start: String,
    /// Folder with public reference files (libphonenumber geocoding and carrier files,
    /// the Osmocom TAC CSV, per-country *.cidr files) to use instead of the built-in
    /// snapshot; the world then carries them as its segments / tac / geoip tables.
    #[arg(long, env = "DUANKA_REFERENCE", value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// Leaked numbers as a share of the register (at least 40).
    #[arg(long, default_value_t = 0.005)]
    pub sink_share: f64,
    /// Fraud cases linked to the chain.
    #[arg(long, default_value_t = 70)]
    pub cases: u32,
    /// Cases of the unrelated gang.
    #[arg(long, default_value_t = 18)]
    pub other_gang_cases: u32,
    /// Contiguous number blocks the leaked numbers come from (default: 3, or as many
    /// 10,000-number segments as the leaked numbers need, 9,000 to a block).
    #[arg(long)]
    pub leak_blocks: Option<u32>,
    /// With --format parquet: rows per Parquet part; larger tables are written as folders
    /// of parts, each sorted, so that memory stays bounded whatever the world's size.
    #[arg(long, default_value_t = duanka_sim::DEFAULT_PART_ROWS, value_name = "ROWS")]
    pub part_rows: usize,
    /// Proxy addresses the bulk sign-ups come from.
    #[arg(long, default_value_t = 4)]
    pub proxy_ips: u32,
    /// Share of leaked numbers in the modem pool (modem-pool scenario).
    #[arg(long, default_value_t = 0.4)]
    pub modem_pool_share: f64,
    /// Share of the leaked numbers that are live subscribers (ordinary lines whose
    /// verification codes alone the rogue host takes); the rest are stock numbers of the
    /// leaked blocks.
    #[arg(long, default_value_t = 0.0)]
    pub live_share: f64,
    /// The inventory declares its networks as range rows (CIDR without a role) beside
    /// its hosts; the rogue host then sits inside a declared range.
    #[arg(long)]
    pub inventory_ranges: bool,
    /// The insider registers the rogue host in the inventory himself (role oss, owner him).
    #[arg(long)]
    pub self_registered: bool,
    /// The insider reads the number pool from his own listed workstation by day, at a
    /// few times his colleagues' volume, never from the rogue host.
    #[arg(long)]
    pub careful_insider: bool,
    /// Households behind each of the gang's proxies: ordinary subscribers signing up
    /// from the same residential address (hard negatives).
    #[arg(long, default_value_t = 0)]
    pub proxy_households: u32,
    /// Every way the insider hides, at once: --inventory-ranges --self-registered
    /// --careful-insider, and --live-share 0.33 --proxy-households 3 unless given.
    #[arg(long)]
    pub hidden_insider: bool,
    /// Share of shop owners / resellers (many codes, normal lives).
    #[arg(long, default_value_t = 0.004)]
    pub shop_share: f64,
    /// Share of IoT / M2M SIMs (attach only).
    #[arg(long, default_value_t = 0.03)]
    pub iot_share: f64,
    /// Share of lines starting a family group sharing one handset.
    #[arg(long, default_value_t = 0.015)]
    pub family_share: f64,
    /// Share of people changing phones during the window.
    #[arg(long, default_value_t = 0.03)]
    pub switcher_share: f64,
    /// Share of never-sold (stock) numbers in the register.
    #[arg(long, default_value_t = 0.08)]
    pub stock_share: f64,
    /// Test SIMs of the bulk-SMS test lab.
    #[arg(long, default_value_t = 12)]
    pub lab_sims: u32,
    /// Share of SMS rows without a category.
    #[arg(long, default_value_t = 0.2)]
    pub category_blank: f64,
    /// Worker threads (output does not depend on it; default: all cores).
    #[arg(long, env = "DUANKA_THREADS")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimScenario {
    Default,
    ModemPool,
    /// No fraud planted (the chain and the other gang switched off): hard negatives only.
    Clean,
}

fn config(a: &SimArgs) -> Result<Config, Failure> {
    let mut c = Config::new(a.subscribers, a.days, a.seed);
    let date: Vec<&str> = a.start.split('-').collect();
    let parsed = match date.as_slice() {
        [y, m, d] => y
            .parse::<i64>()
            .ok()
            .zip(m.parse::<u32>().ok())
            .zip(d.parse::<u32>().ok())
            .map(|((y, m), d)| (y, m, d)),
        _ => None,
    };
    c.start = parsed.ok_or_else(|| {
        Failure::usage(anyhow::anyhow!(
            "--start {:?} is not a date like 2025-10-14",
            a.start
        ))
    })?;
    c.scenario = match a.scenario {
        SimScenario::Default => Scenario::Default,
        SimScenario::ModemPool => Scenario::ModemPool,
        SimScenario::Clean => Scenario::Clean,
    };
    c.chain.sink_share = a.sink_share;
    c.chain.cases = a.cases;
    c.chain.other_gang_cases = a.other_gang_cases;
    c.chain.leak_blocks = a.leak_blocks.unwrap_or_else(|| c.fitting_leak_blocks());
    c.part_rows = a.part_rows;
    c.chain.modem_pool_share = a.modem_pool_share;
    c.chain.proxy_ips = a.proxy_ips;
    c.chain.live_share = a.live_share;
    c.chain.inventory_ranges = a.inventory_ranges;
    c.chain.self_registered = a.self_registered;
    c.chain.careful_insider = a.careful_insider;
    c.chain.proxy_households = a.proxy_households;
    if a.hidden_insider {
        c.chain.inventory_ranges = true;
        c.chain.self_registered = true;
        c.chain.careful_insider = true;
        if a.live_share == 0.0 {
            c.chain.live_share = 0.33;
        }
        if a.proxy_households == 0 {
            c.chain.proxy_households = 3;
        }
    }
    c.shares.shop = a.shop_share;
    c.shares.iot = a.iot_share;
    c.shares.family = a.family_share;
    c.shares.switcher = a.switcher_share;
    c.shares.category_blank = a.category_blank;
    c.shares.stock = a.stock_share;
    c.shares.lab_sims = a.lab_sims;
    c.threads = a.threads;
    Ok(c)
}

fn failure(e: SimError) -> Failure {
    match e {
        SimError::Config(_) => Failure::usage(e),
        SimError::Reference(_) | SimError::Io { .. } => Failure::input(e),
        _ => Failure::internal(e),
    }
}

pub fn run(a: &SimArgs) -> Result<(), Failure> {
    let cfg = config(a)?;
    let reference =
        duanka_sim::reference::Reference::for_dir(a.reference.as_deref()).map_err(failure)?;
    let bar = (!a.quiet).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} simulating {bar:30} {pos}/{len} chunks eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let format = match a.format {
        SimFormat::Csv => Format::Csv,
        SimFormat::Parquet => Format::Parquet,
    };
    let started = Instant::now();
    let summary =
        duanka_sim::simulate(&cfg, &reference, &a.out, format, &progress).map_err(failure)?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let total = summary.total_rows();
    println!(
        "wrote {} rows to {} in {:.1} s ({:.0} rows/s)",
        total,
        a.out.display(),
        secs,
        total as f64 / secs.max(1e-9)
    );
    for (t, n) in &summary.rows {
        println!("  {t:<14} {n:>12}");
    }
    println!("truth.csv:");
    for ((t, l), n) in &summary.truth {
        println!("  {t:<8} {l:<18} {n:>8}");
    }
    println!("hard_negatives.csv:");
    for ((t, k), n) in &summary.negatives {
        println!("  {t:<8} {k:<26} {n:>8}");
    }
    Ok(())
}
