//! `duanka scan` and `duanka config`: the flags, the progress bar and the closing lines
//! around `duanka_engine::scan`, which runs the detectors and linkage, and
//! `duanka_engine::output` and `figures`, which write the output folder (SCHEMA.md
//! "Outputs") and the report.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use duanka_detect::{Config, Outcome};

use crate::args::ScanArgs;
use crate::{Failure, read};
use indicatif::{ProgressBar, ProgressStyle};

/// Reads the detector settings: the file when given, else the defaults.
pub(crate) fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the settings file", path.display()))
        .map_err(Failure::usage)?;
    Config::from_toml(&text)
        .with_context(|| format!("{}: bad settings", path.display()))
        .map_err(Failure::usage)
}

/// `duanka config`.
pub(crate) fn config_command(defaults: bool, check: Option<&Path>) -> Result<(), Failure> {
    if defaults || check.is_none() {
        print!("{}", Config::defaults_toml());
        return Ok(());
    }
    let config = load_config(check)?;
    let text = toml::to_string(&config)
        .context("cannot render the settings")
        .map_err(Failure::internal)?;
    print!("{text}");
    Ok(())
}

pub(crate) fn run(a: &ScanArgs) -> Result<(), Failure> {
    let (dataset, out, args) = (a.dataset.as_path(), a.out.as_path(), &a.read);
    let config = load_config(a.config.as_deref())?;
    let t_read = Instant::now();
    let ds = read::read(dataset, args, None, read::Rows::InPlace)?;
    let read_ms = t_read.elapsed().as_millis();
    let resources = read::resources(args, &ds)?;
    let threads = resources.threads;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_stack_size(crate::cluster::PLAN_STACK_BYTES)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    let bar = (!args.quiet).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} detectors {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |p: duanka_engine::Progress<'_>| {
        let Some(b) = &bar else { return };
        match p {
            duanka_engine::Progress::Detector { name, done, total } => {
                b.set_length(total as u64);
                b.set_position(done as u64);
                b.set_message(name.to_string());
            }
            duanka_engine::Progress::Linking => b.set_message("linking"),
        }
    };
    let link_settings = duanka_link::Settings::default();
    // Held to the end: the report's figures run in the same session and read it too.
    let (engine, _scratch) = crate::cluster::engine(&a.cluster)?;
    let settings = duanka_engine::ScanSettings {
        detectors: &config,
        link: (!a.no_link).then_some(&link_settings),
        resources,
        engine,
    };
    let scanned = runtime.block_on(duanka_engine::scan(&ds, &settings, &progress))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let written = duanka_engine::write_scan(out, &ds, &scanned, read_ms)?;
    let (result, linked) = (&scanned.output, &scanned.linked);

    for line in ds.reference_summary() {
        println!("reference: {line}");
    }
    for (name, o) in &result.outcomes {
        match o {
            Outcome::Ran { alerts, millis } => {
                let by_sev = |s: &str| {
                    result
                        .alerts
                        .iter()
                        .filter(|a| a.detector == *name && a.severity.as_str() == s)
                        .count()
                };
                println!(
                    "{name:<16} {alerts:>7} alerts ({} high, {} medium, {} low) in {millis} ms",
                    by_sev("high"),
                    by_sev("medium"),
                    by_sev("low")
                );
            }
            Outcome::Skipped { reason } => println!("{name:<16} skipped: {reason}"),
        }
    }
    if let Some(linked) = linked {
        crate::link::print_summary(linked, scanned.link_ms);
    }
    println!("wrote {} in {}", written.files.join(", "), out.display());
    if !a.no_report {
        crate::report::print(&runtime.block_on(duanka_engine::write_report(&scanned.ctx, out))?);
    }
    Ok(())
}
