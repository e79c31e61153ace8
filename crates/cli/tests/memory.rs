#![allow(clippy::unwrap_used)]
//! Memory that follows a setting, not the data: a dataset in normalised Parquet is
//! scanned where it lies, with the same outputs, byte for byte, as the same world read
//! into memory; tables that must be read into memory and do not fit the limit stop the
//! run before it starts, with the setting to raise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn duanka(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-memory-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `summary.json` without what depends on the clock or on how the rows were held.
fn summary(dir: &Path) -> Value {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("stages_millis");
    for d in v["detectors"].as_array_mut().unwrap() {
        d.as_object_mut().unwrap().remove("millis");
    }
    v
}

#[test]
fn a_parquet_world_scanned_in_place_gives_the_same_outputs() {
    let root = temp("world");
    let csv = root.join("csv");
    let converted = root.join("converted");
    let parts = root.join("parts");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let world = [
        "simulate",
        "--subscribers",
        "6000",
        "--days",
        "1",
        "--seed",
        "7",
        "--quiet",
    ];
    ok(duanka(&[&world[..], &["--out", &s(&csv)]].concat()));
    ok(duanka(&["convert", &s(&csv), "--to", &s(&converted)]));
    // The same world written as Parquet parts of at most 5,000 rows, each sorted.
    ok(duanka(
        &[
            &world[..],
            &[
                "--format",
                "parquet",
                "--part-rows",
                "5000",
                "--out",
                &s(&parts),
            ],
        ]
        .concat(),
    ));
    let sms_parts = std::fs::read_dir(parts.join("sms")).unwrap().count();
    assert!(sms_parts > 1, "{sms_parts} part");
    assert!(
        parts.join("cases.parquet").is_file(),
        "a small table stays one file"
    );

    let from_memory = root.join("scan-memory");
    ok(duanka(&[
        "scan",
        &s(&csv),
        "--quiet",
        "--no-report",
        "--out",
        &s(&from_memory),
    ]));
    assert!(
        !std::fs::read(from_memory.join("alerts.jsonl"))
            .unwrap()
            .is_empty()
    );
    for (dataset, threads) in [(&converted, "2"), (&parts, "2"), (&parts, "1")] {
        let in_place = root.join("scan-in-place");
        let _ = std::fs::remove_dir_all(&in_place);
        ok(duanka(&[
            "scan",
            &s(dataset),
            "--quiet",
            "--no-report",
            "--memory-limit",
            "1G",
            "--threads",
            threads,
            "--out",
            &s(&in_place),
        ]));
        for f in [
            "alerts.jsonl",
            "clusters.jsonl",
            "warnings.csv",
            "graph.graphml",
        ] {
            let a = std::fs::read(from_memory.join(f)).unwrap();
            let b = std::fs::read(in_place.join(f)).unwrap();
            assert!(
                a == b,
                "{f} differs between the scan in memory and in place ({})",
                dataset.display()
            );
        }
        assert_eq!(
            summary(&from_memory),
            summary(&in_place),
            "{}",
            dataset.display()
        );
    }
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn tables_that_must_be_loaded_and_do_not_fit_stop_the_run_with_the_setting() {
    let out = temp("small");
    let o = duanka(&[
        "scan",
        "examples/tiny",
        "--quiet",
        "--memory-limit",
        "1M",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--memory-limit") && err.contains("duanka convert"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    let bad = duanka(&[
        "scan",
        "examples/tiny",
        "--memory-limit",
        "lots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a size such as 8G"));
}
