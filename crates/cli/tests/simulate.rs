#![allow(clippy::unwrap_used)]
//! `duanka simulate` and `duanka eval` end to end: a small world, a scan output made from
//! its truth, and the score that must come out.

use std::path::PathBuf;
use std::process::Command;

fn duanka() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-cli-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn simulate_then_eval_scores_a_perfect_sink_detector() {
    let world = tmp("world");
    let out = duanka()
        .args([
            "simulate",
            "--subscribers",
            "2000",
            "--days",
            "1",
            "--seed",
            "4",
            "--quiet",
            "--out",
        ])
        .arg(&world)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("otp_sink"));
    let truth = std::fs::read_to_string(world.join("truth.csv")).unwrap();
    let alerts: Vec<String> = truth
        .lines()
        .filter(|l| l.ends_with(",otp_sink"))
        .map(|l| {
            let id = l.split(',').nth(1).unwrap();
            format!(r#"{{"detector":"otp_sink","entity_type":"msisdn","entity_id":"{id}","score":1,"severity":"high"}}"#)
        })
        .collect();
    let scan = world.join("scan");
    std::fs::create_dir_all(&scan).unwrap();
    std::fs::write(scan.join("alerts.jsonl"), alerts.join("\n")).unwrap();
    let out = duanka()
        .args(["eval", "--format", "json", "--truth"])
        .arg(world.join("truth.csv"))
        .arg(&scan)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["per_label"]["otp_sink"]["recall"], 1.0);
    assert_eq!(v["per_label"]["otp_sink"]["precision"], 1.0);
    assert_eq!(v["chain"]["clusters"], 0);
    let strict = duanka()
        .args([
            "eval",
            "--format",
            "json",
            "--min-severity",
            "high",
            "--truth",
        ])
        .arg(world.join("truth.csv"))
        .arg(&scan)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(v["min_severity"], "high");
    assert_eq!(v["per_label"]["otp_sink"]["recall"], 1.0);
    let table = duanka()
        .args(["eval", "--truth"])
        .arg(world.join("truth.csv"))
        .arg(&scan)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("chain check"));
    let _ = std::fs::remove_dir_all(world);
}

#[test]
fn simulate_refuses_bad_settings_with_a_usage_error() {
    let out = duanka()
        .args(["simulate", "--subscribers", "10", "--quiet", "--out"])
        .arg(tmp("tiny"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 500"));
    let out = duanka()
        .args(["simulate", "--start", "2025-13", "--quiet", "--out"])
        .arg(tmp("date"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_without_alerts_is_an_input_error() {
    let dir = tmp("noalerts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("truth.csv"), "entity_type,entity_id,label\n").unwrap();
    let out = duanka()
        .args(["eval", "--truth"])
        .arg(dir.join("truth.csv"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}
