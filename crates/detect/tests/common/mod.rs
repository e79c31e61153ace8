//! Shared by the detector tests: write a hand-built dataset and scan it.

#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failure is the test failing

use std::path::Path;

use duanka_detect::{Config, ScanOutput, registry, scan};
use duanka_ingest::{ReadOptions, read_dataset};

/// Writes `files` (name, text) into a fresh folder named after `name`, scans it with every
/// detector on `threads` threads, removes the folder and returns what the scan found.
pub fn scan_files(name: &str, files: &[(&str, &str)], threads: usize) -> ScanOutput {
    let dir = std::env::temp_dir().join(format!("duanka-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let out = scan_dir(&dir, threads, None);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Scans a dataset folder, optionally as if table `drop_table` were absent.
pub fn scan_dir(dir: &Path, threads: usize, drop_table: Option<&str>) -> ScanOutput {
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
        let ctx = duanka_query::session_for(&ds, threads).unwrap();
        scan(&ctx, &present, &registry(&Config::default()), &|_, _| {})
            .await
            .unwrap()
    })
}
