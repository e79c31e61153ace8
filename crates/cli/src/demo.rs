//! `duanka demo`: the whole story in one command. Simulates a world (one day), scans it
//! with the same function `duanka scan` runs (which links and writes the report), scores
//! the scan against the world's truth, and closes with a summary table and the path of
//! `report.html`. Holds no logic of its own: each step is an existing operation.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Args;
use duanka_report::{Figure, ReportData};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Failure;
use crate::args::{ReadArgs, ScanArgs};

/// The demo's default world: large enough that the detectors face a realistic crowd,
/// small enough to simulate and scan in well under a minute on two cores.
const DEFAULT_SUBSCRIBERS: u64 = 200_000;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Lines in the simulated register.
    #[arg(long, default_value_t = DEFAULT_SUBSCRIBERS)]
    pub subscribers: u64,
    /// Output folder (must be empty or absent): the world in `world/`, the scan's outputs
    /// and report.html in `scan/`.
    #[arg(long, default_value = "duanka-demo")]
    pub out: PathBuf,
    /// Random seed of the world.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Folder with public reference files (libphonenumber geocoding and carrier files,
    /// the Osmocom TAC CSV, per-country *.cidr files) to use instead of the built-in
    /// snapshot; the tables it lacks still come from the snapshot.
    #[arg(long, env = "DUANKA_REFERENCE", value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, env = "DUANKA_THREADS")]
    pub threads: Option<usize>,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

fn step(n: u32, what: &str) {
    println!("\n[{n}/3] {what}");
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1} %", v * 100.0))
}

fn yuan(fen: i64) -> String {
    let y = (fen.unsigned_abs() / 100).to_string();
    let mut o = String::from(if fen < 0 { "-¥" } else { "¥" });
    for (i, c) in y.chars().enumerate() {
        if i > 0 && (y.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// Refuses a folder that holds anything: a command that fills a folder never mixes its
/// files with older ones.
pub(crate) fn refuse_non_empty(out: &Path) -> Result<(), Failure> {
    let non_empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty {
        return Err(Failure::usage(anyhow!(
            "{} is not empty; give a new folder",
            out.display()
        )));
    }
    Ok(())
}

pub fn run(a: &DemoArgs) -> Result<(), Failure> {
    refuse_non_empty(&a.out)?;
    let subscribers = a.subscribers;
    let (world, scan_out) = (a.out.join("world"), a.out.join("scan"));
    let started = Instant::now();
    println!(
        "duanka demo: a simulated operator with {subscribers} subscribers, one day, seed {} ({})",
        a.seed,
        match &a.reference {
            Some(dir) => format!("reference data from {}", dir.display()),
            None => format!(
                "reference data: the built-in snapshot {}",
                duanka_ingest::reference::SNAPSHOT
            ),
        }
    );

    step(1, "simulate the world: every contract table and the truth");
    let t = Instant::now();
    let mut cfg = duanka_sim::Config::new(subscribers, 1, a.seed);
    cfg.threads = a.threads;
    let reference = duanka_sim::reference::Reference::for_dir(a.reference.as_deref())
        .map_err(Failure::input)?;
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
    let sim = duanka_sim::simulate(&cfg, &reference, &world, duanka_sim::Format::Csv, &progress)
        .map_err(|e| match e {
            duanka_sim::SimError::Config(_) => Failure::usage(e),
            _ => Failure::input(e),
        })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let sim_s = t.elapsed().as_secs_f64();
    println!(
        "wrote {} rows to {} in {sim_s:.1} s",
        sim.total_rows(),
        world.display()
    );

    step(2, "scan: read, run every detector, link, write the report");
    let t = Instant::now();
    crate::scan::run(&ScanArgs {
        dataset: world.clone(),
        out: scan_out.clone(),
        config: None,
        no_link: false,
        no_report: false,
        cluster: Default::default(),
        read: ReadArgs {
            // The reference the world was built on: a folder's tables are in the world,
            // the built-in snapshot is in every binary.
            reference: a.reference.clone(),
            tz: "Asia/Shanghai".into(),
            rejects: None,
            max_reject_share: 0.01,
            max_record_mib: duanka_ingest::DEFAULT_MAX_RECORD_MIB,
            threads: a.threads,
            memory_limit: None,
            quiet: a.quiet,
        },
    })?;
    let scan_s = t.elapsed().as_secs_f64();

    step(3, "score the scan against the world's truth");
    let t = Instant::now();
    let eval = duanka_eval::evaluate(
        &world.join("truth.csv"),
        Some(&world.join("hard_negatives.csv")),
        &scan_out,
        "medium",
    )
    .map_err(Failure::input)?;
    let eval_s = t.elapsed().as_secs_f64();

    let text = std::fs::read_to_string(scan_out.join("report.json"))
        .context("the scan wrote no report.json")
        .map_err(Failure::internal)?;
    let report: ReportData = serde_json::from_str(&text).map_err(Failure::internal)?;
    print!("{}", closing(&report, &eval));
    println!(
        "times: simulate {sim_s:.1} s, scan {scan_s:.1} s, eval {eval_s:.1} s; total {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let html = scan_out.join("report.html");
    let shown = std::path::absolute(&html).unwrap_or(html);
    println!("\nreport: {}", shown.display());
    Ok(())
}

/// The closing summary: tables read, alerts per detector, the top cluster and its
/// chain, and the scores.
fn closing(r: &ReportData, eval: &duanka_eval::Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "\n== summary\n\ntables read{:>27}", "rows");
    for t in &r.overview.tables {
        let from = t
            .source
            .as_ref()
            .map_or(String::new(), |f| format!("  ({f})"));
        let _ = writeln!(s, "  {:<20} {:>15}{from}", t.table, t.read);
    }
    let _ = writeln!(
        s,
        "\nalerts per detector{:>14} {:>7} {:>7}",
        "high", "medium", "low"
    );
    for d in &r.detectors {
        match &d.skipped {
            Some(why) => {
                let _ = writeln!(s, "  {:<20} skipped: {why}", d.detector);
            }
            None => {
                let _ = writeln!(
                    s,
                    "  {:<20} {:>10} {:>7} {:>7}",
                    d.detector, d.high, d.medium, d.low
                );
            }
        }
    }
    match (&r.cluster, &r.chain) {
        (Figure::Shown(c), chain) => {
            let _ = writeln!(
                s,
                "\ntop cluster {}: {} case(s), loss {}, {} members",
                c.cluster_id,
                c.case_ids,
                yuan(c.total_loss_fen),
                c.members
            );
            if let Figure::Shown(ch) = chain {
                let hops: Vec<String> = ch
                    .hops
                    .iter()
                    .map(|h| match &h.via {
                        Some(v) => format!("-[{v}]-> {} {}", h.entity_type, h.entity_id),
                        None => format!("{} {}", h.entity_type, h.entity_id),
                    })
                    .collect();
                let _ = writeln!(s, "  chain: {}", hops.join(" "));
                if let Some(stop) = &ch.stop {
                    let _ = writeln!(s, "  stops: {stop}");
                }
            }
        }
        (Figure::Missing(why), _) => {
            let _ = writeln!(s, "\ntop cluster: none: {why}");
        }
    }
    let o = &eval.overall;
    let _ = writeln!(
        s,
        "\nscores against the truth ({} and above): precision {}, recall {}, F1 {}",
        eval.min_severity,
        percent(o.precision),
        percent(o.recall),
        percent(o.f1)
    );
    for (label, sc) in &eval.per_label {
        let _ = writeln!(
            s,
            "  {label:<20} precision {:>8}  recall {:>8}  ({} claimed, {} true)",
            percent(sc.precision),
            percent(sc.recall),
            sc.predicted,
            sc.positives
        );
    }
    let c = &eval.chain;
    let yes = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(
        s,
        "  chain: {} of {} linked cases in one cluster; reaches rogue host {}, jump host {}, insider {}",
        c.linked_in_chain_cluster,
        c.linked_cases,
        yes(c.reaches_rogue_host),
        yes(c.reaches_jump_host),
        yes(c.reaches_insider)
    );
    s
}
