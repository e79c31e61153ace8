//! Shared by the detector tests: write a hand-built dataset and scan it.

#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failure is the test failing

use std::path::Path;

use duanka_detect::{Config, ScanOutput, registry, scan};
use duanka_ingest::{ReadOptions, read_dataset};
use duanka_model::{Alert, Figure};

/// Writes `files` (name, text) into a fresh folder named after `name`, scans it with every
/// detector on `threads` threads, removes the folder and returns what the scan found.
pub fn scan_files(name: &str, files: &[(&str, &str)], threads: usize) -> ScanOutput {
    scan_files_with(name, files, threads, &Config::default())
}

/// The same, with these settings.
pub fn scan_files_with(
    name: &str,
    files: &[(&str, &str)],
    threads: usize,
    config: &Config,
) -> ScanOutput {
    let dir = std::env::temp_dir().join(format!("duanka-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let out = scan_dir_with(&dir, threads, None, config);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Scans a dataset folder, optionally as if table `drop_table` were absent.
pub fn scan_dir(dir: &Path, threads: usize, drop_table: Option<&str>) -> ScanOutput {
    scan_dir_with(dir, threads, drop_table, &Config::default())
}

/// The same, with these settings.
pub fn scan_dir_with(
    dir: &Path,
    threads: usize,
    drop_table: Option<&str>,
    config: &Config,
) -> ScanOutput {
    let ds = read_dataset(
        dir,
        &ReadOptions {
            threads,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    let present: Vec<String> = ds
        .tables
        .iter()
        .map(|t| t.name().to_string())
        .filter(|t| Some(t.as_str()) != drop_table)
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ctx =
            duanka_query::session_for(&ds, &duanka_query::Resources::threads(threads)).unwrap();
        scan(&ctx, &present, &registry(config), &|_, _| {})
            .await
            .unwrap()
    })
}

/// Local time `s` seconds after midnight of 2025-10-14 (later days follow on), as the
/// contract's `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(s: i64) -> String {
    let day = 14 + s.div_euclid(86_400);
    let s = s.rem_euclid(86_400);
    format!(
        "2025-10-{day:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// A `flows` row from `src` to `dst:port` between two local times.
pub fn flow_line(t0: i64, t1: i64, src: &str, dst: &str, port: u32, bytes: u64) -> String {
    format!(
        "{},{},{src},{dst},40000,{port},tcp,{bytes}\n",
        local_time(t0),
        local_time(t1)
    )
}

/// An `audit` row.
pub fn audit_line(at: i64, who: &str, action: &str, object: &str, n: i64, src: &str) -> String {
    format!("{},{who},{action},{object},{n},{src}\n", local_time(at))
}

/// The best score `detector` gave entity `id` (0 when none).
pub fn score(alerts: &[Alert], detector: &str, id: &str) -> f64 {
    alerts
        .iter()
        .filter(|a| a.detector == detector && a.entity_id == id)
        .map(|a| a.score)
        .fold(0.0, f64::max)
}

/// The figure `key` of the first alert of `detector` on `id`.
pub fn evidence<'a>(
    alerts: &'a [Alert],
    detector: &str,
    id: &str,
    key: &str,
) -> Option<&'a Figure> {
    alerts
        .iter()
        .find(|a| a.detector == detector && a.entity_id == id)
        .and_then(|a| a.evidence.iter().find(|(k, _)| *k == key).map(|(_, v)| v))
}

/// Ten staff at their desks (`10.9.3.20`–`29`) on the first day: a login, a number-pool
/// lookup of `pool + k·10` records and a subscriber export of `export + k·export_step`.
pub fn staff_audit(pool: i64, export: i64, export_step: i64) -> String {
    let mut out = String::new();
    for k in 0..10 {
        let ws = format!("10.9.3.{}", 20 + k);
        let who = format!("staff{k}");
        out.push_str(&audit_line(9 * 3600 + k * 60, &who, "login", "oss", 0, &ws));
        out.push_str(&audit_line(
            10 * 3600 + k * 60,
            &who,
            "query",
            "number_pool",
            pool + k * 10,
            &ws,
        ));
        out.push_str(&audit_line(
            11 * 3600 + k * 60,
            &who,
            "export",
            "subscriber",
            export + k * export_step,
            &ws,
        ));
    }
    out
}
