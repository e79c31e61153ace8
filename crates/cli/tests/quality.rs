#![allow(clippy::unwrap_used)]
//! Detection quality end to end, as a user runs it: `duanka simulate` → `duanka scan` →
//! `duanka eval`, on worlds of both scenarios, on one where the insider hides (range rows,
//! a self-registered rogue host, a careful insider, live victims, households behind the
//! proxies) and on a world with the chain switched off.
//! The number-side types (msisdn, imei, account) must reach F1 ≥ 0.98 with no hard
//! negative flagged; the rogue host, jump host and insider must be found exactly and the
//! chain's cases linked into one cluster that reaches them; the clean world must raise
//! nothing of severity medium or above.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn duanka() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-quality-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Simulates, scans and evaluates one world; returns the eval report and the scan folder.
fn world(name: &str, scenario: &str, seed: &str) -> (Value, PathBuf) {
    world_with(name, scenario, seed, &[])
}

/// The same, with more `duanka simulate` flags.
fn world_with(name: &str, scenario: &str, seed: &str, extra: &[&str]) -> (Value, PathBuf) {
    let dir = tmp(name);
    ok(duanka()
        .args([
            "simulate",
            "--subscribers",
            "6000",
            "--days",
            "1",
            "--quiet",
        ])
        .args(["--seed", seed, "--scenario", scenario])
        .args(extra)
        .arg("--out")
        .arg(&dir));
    let scan = dir.join("scan");
    ok(duanka()
        .arg("scan")
        .arg(&dir)
        .arg("--quiet")
        .arg("--out")
        .arg(&scan));
    let report = ok(duanka()
        .args(["eval", "--format", "json", "--truth"])
        .arg(dir.join("truth.csv"))
        .arg(&scan));
    (serde_json::from_str(&report).unwrap(), scan)
}

/// The chain: every linked case in one cluster, no case of the other gang merged into
/// it, and the cluster reaching the rogue host, the jump host and the insider; the
/// insider-side detectors find each at severity high.
fn assert_chain(report: &Value, what: &str) {
    let c = &report["chain"];
    assert_eq!(
        c["share_linked_in_one_cluster"].as_f64(),
        Some(1.0),
        "{what}: {c}"
    );
    assert_eq!(c["unrelated_cases_merged"].as_u64(), Some(0), "{what}: {c}");
    for k in ["reaches_rogue_host", "reaches_jump_host", "reaches_insider"] {
        assert_eq!(c[k].as_bool(), Some(true), "{what}: {k}: {c}");
    }
    for label in ["rogue_host", "jump_host", "insider"] {
        let l = &report["per_label"][label];
        assert_eq!(l["f1"].as_f64(), Some(1.0), "{what}: {label}: {l}");
    }
}

fn assert_number_side(report: &Value, what: &str) {
    for ty in ["msisdn", "imei", "account"] {
        let f1 = report["per_entity_type"][ty]["f1"].as_f64();
        assert!(
            f1.is_some_and(|f| f >= 0.98),
            "{what}: {ty} F1 {f1:?}: {}",
            report["per_entity_type"][ty]
        );
    }
    assert_eq!(
        report["false_positives_by_kind"],
        serde_json::json!({}),
        "{what}: hard negatives flagged"
    );
}

fn serious_alerts(scan: &Path) -> Vec<String> {
    std::fs::read_to_string(scan.join("alerts.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(r#""severity":"low""#))
        .map(str::to_string)
        .collect()
}

#[test]
fn default_scenario_is_found() {
    let (report, _) = world("default", "default", "5");
    assert_number_side(&report, "default, seed 5");
    assert_chain(&report, "default, seed 5");
}

#[test]
fn modem_pool_scenario_is_found() {
    let (report, _) = world("pool", "modem-pool", "9");
    assert_number_side(&report, "modem-pool, seed 9");
    assert_chain(&report, "modem-pool, seed 9");
    assert!(report["per_label"]["sim_farm"]["f1"].as_f64() == Some(1.0));
}

#[test]
fn the_insider_hiding_is_found() {
    // Range rows, a rogue host its insider registered himself, a careful insider, a
    // third of the leak live subscribers, households behind the gang's proxies.
    let (report, _) = world_with("hidden", "default", "17", &["--hidden-insider"]);
    assert_number_side(&report, "hidden insider, seed 17");
    assert_chain(&report, "hidden insider, seed 17");
    for ty in ["ip", "user"] {
        let f1 = report["per_entity_type"][ty]["f1"].as_f64();
        assert_eq!(f1, Some(1.0), "{ty}: {}", report["per_entity_type"][ty]);
    }
}

#[test]
fn a_world_without_the_chain_raises_nothing_serious() {
    let (_, scan) = world("clean", "clean", "13");
    let serious = serious_alerts(&scan);
    assert!(serious.is_empty(), "{serious:#?}");
    // The scan did run its detectors (not an empty pass).
    let summary = std::fs::read_to_string(scan.join("summary.json")).unwrap();
    assert!(summary.contains(r#""status": "ran""#), "{summary}");
}
