//! One compliance test over every registered detector (docs/detectors.md): evidence
//! present, explanation non-empty, score and type as declared, deterministic output, and
//! a clean skip when a needed table is missing. Plus the hard negatives of each detector
//! on small hand-built datasets.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::{Path, PathBuf};

mod common;

use duanka_detect::{Config, Outcome, ScanOutput, registry};

fn run(dir: &Path, threads: usize, drop_table: Option<&str>) -> ScanOutput {
    common::scan_dir(dir, threads, drop_table)
}

fn tiny() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny")
}

#[test]
fn every_detector_complies() {
    let out = run(&tiny(), 2, None);
    for d in registry(&Config::default()) {
        let info = d.info();
        let outcome = out
            .outcomes
            .iter()
            .find(|(n, _)| *n == info.name)
            .map(|(_, o)| o.clone());
        assert!(
            matches!(outcome, Some(Outcome::Ran { .. })),
            "{} ran on the full example: {outcome:?}",
            info.name
        );
        for a in out.alerts.iter().filter(|a| a.detector == info.name) {
            assert!(info.entity_types.contains(&a.entity_type), "{a:?}");
            assert!((0.0..=1.0).contains(&a.score), "{a:?}");
            assert_eq!(a.severity, duanka_model::Severity::from_score(a.score));
            assert!(!a.evidence.is_empty(), "{a:?}");
            assert!(!a.explanation.trim().is_empty(), "{a:?}");
            assert!(!a.entity_id.is_empty());
        }
        // Skipped cleanly, with the reason, when a needed table is missing.
        let skipped = run(&tiny(), 2, info.needs.first().copied());
        let reason = skipped
            .outcomes
            .iter()
            .find(|(n, _)| *n == info.name)
            .map(|(_, o)| o.clone());
        match reason {
            Some(Outcome::Skipped { reason }) => {
                assert!(reason.contains(info.needs[0]), "{reason}")
            }
            other => panic!(
                "{} not skipped without {}: {other:?}",
                info.name, info.needs[0]
            ),
        }
    }
    // Deterministic: same input, any thread count, same findings in the same order.
    assert_eq!(out.alerts, run(&tiny(), 1, None).alerts);
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A day of SMS for: a code sink (many services, nothing else), a shop owner (as many
/// services, with calls and sent messages), an IoT SIM (no traffic but data), and an
/// ordinary user (two services).
#[test]
fn otp_sink_flags_the_sink_and_not_the_hard_negatives() {
    let dir = std::env::temp_dir().join(format!("duanka-otp-sink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (sink, shop, user) = ("13312340001", "13312340002", "13312340003");
    let mut sms = String::from("ts,direction,msisdn,peer,content\n");
    for k in 0..12 {
        for (who, n) in [(sink, 3), (shop, 2)] {
            for i in 0..n {
                sms.push_str(&format!("2025-10-14 {:02}:{:02}:00,MT,{who},10690{k:04},【服务{k}】您的验证码是{}{:02}，5分钟内有效。\n", 8 + i, k, 4000 + k, i));
            }
        }
    }
    for k in 0..2 {
        sms.push_str(&format!(
            "2025-10-14 09:0{k}:00,MT,{user},10690{k:04},【服务{k}】验证码 8{k}1234\n"
        ));
    }
    for i in 0..15 {
        sms.push_str(&format!(
            "2025-10-14 1{}:00:00,MO,{shop},1331234{:04},货已发出，请查收\n",
            i % 10,
            100 + i
        ));
    }
    write(&dir, "sms.csv", &sms);
    let mut calls = String::from("ts,direction,msisdn,peer,duration_s\n");
    for i in 0..25 {
        calls.push_str(&format!(
            "2025-10-14 1{}:30:00,MT,{shop},1331234{:04},{}\n",
            i % 10,
            200 + i,
            30 + i
        ));
    }
    write(&dir, "calls.csv", &calls);
    write(
        &dir,
        "attach.csv",
        &format!(
            "ts,imsi,msisdn,imei\n2025-10-14 08:00:00,460110000000002,{shop},490154203237518\n2025-10-14 08:00:00,460110000000004,13312340004,356938035643809\n"
        ),
    );
    let out = run(&dir, 2, None);
    let flagged: Vec<(&str, &str)> = out
        .alerts
        .iter()
        .filter(|a| a.severity >= duanka_model::Severity::Medium)
        .map(|a| (a.entity_id.as_str(), a.severity.as_str()))
        .collect();
    assert_eq!(
        flagged,
        vec![("8613312340001", "high")],
        "{:#?}",
        out.alerts
    );
    std::fs::remove_dir_all(dir).unwrap();
}
