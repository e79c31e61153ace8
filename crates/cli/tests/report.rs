#![allow(clippy::unwrap_used)]
//! The report end to end: `duanka demo` on a small world writes `report.html` whose data
//! section (times redacted) must equal `tests/golden/report-data.json`, `duanka report`
//! draws the same page again from the output folder, and the demo refuses a folder that
//! holds something. Refresh the golden file with
//! `UPDATE_EXPECT=1 cargo test -p duanka-cli --test report`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn duanka() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-report-{}-{name}", std::process::id()));
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

/// The JSON embedded as `#duanka-data`.
fn data_section(html: &str) -> Value {
    let open = r#"<script type="application/json" id="duanka-data">"#;
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// Times and durations set to zero: they change with the clock, not with the findings.
fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "hour_ts" {
                    *x = Value::from(0);
                } else if k == "stages_millis" {
                    *x = Value::Array(Vec::new());
                } else {
                    redact(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn check_golden(name: &str, got: &str) {
    let path = golden(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if want != got {
        let line = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{} differs from this run from line {} (UPDATE_EXPECT=1 to refresh):\n  want: {:?}\n  got:  {:?}",
            path.display(),
            line + 1,
            want.lines().nth(line),
            got.lines().nth(line)
        );
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn demo_report_matches_golden_and_rerenders() {
    let dir = tmp("demo");
    let stdout = ok(duanka()
        .args([
            "demo",
            "--subscribers",
            "6000",
            "--seed",
            "7",
            "--quiet",
            "--out",
        ])
        .arg(&dir));
    let html_path = dir.join("scan/report.html");
    assert!(
        stdout.trim_end().ends_with(&format!(
            "report: {}",
            std::path::absolute(&html_path).unwrap().display()
        )),
        "the demo ends with the report's path:\n{stdout}"
    );
    for part in [
        "tables read",
        "alerts per detector",
        "scores against the truth",
    ] {
        assert!(
            stdout.contains(part),
            "no {part:?} in the closing summary:\n{stdout}"
        );
    }

    let html = read(&html_path);
    let mut data = data_section(&html);
    // The data section is report.json's content.
    let json: Value = serde_json::from_str(&read(&dir.join("scan/report.json"))).unwrap();
    assert_eq!(data, json);
    for figure in ["otp_services", "blocks", "rogue_traffic"] {
        assert!(
            data[figure]["shown"].is_object(),
            "{figure} is not drawn: {}",
            data[figure]
        );
    }
    redact(&mut data);
    check_golden(
        "report-data.json",
        &(serde_json::to_string_pretty(&data).unwrap() + "\n"),
    );

    // Drawn again from the folder alone, the page is the same.
    std::fs::remove_file(&html_path).unwrap();
    ok(duanka().arg("report").arg(dir.join("scan")));
    assert_eq!(read(&html_path), html);
}

#[test]
fn report_without_report_json_says_what_is_missing() {
    let dir = tmp("bare");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("alerts.jsonl"),
        r#"{"detector":"otp_sink","entity_type":"msisdn","entity_id":"<b>8613300000001</b>","score":0.9,"severity":"high","first_seen":null,"last_seen":null,"explanation":"codes only","evidence":{}}
"#,
    )
    .unwrap();
    ok(duanka().arg("report").arg(&dir));
    let html = read(&dir.join("report.html"));
    let data = data_section(&html);
    assert_eq!(data["alerts"]["total"], 1);
    assert_eq!(data["detectors"][0]["high"], 1);
    assert!(
        data["blocks"]["missing"]
            .as_str()
            .unwrap()
            .contains("no report.json")
    );
    assert!(
        data["cluster"]["missing"]
            .as_str()
            .unwrap()
            .contains("clusters.jsonl")
    );
    assert!(html.contains("&lt;b&gt;8613300000001&lt;/b&gt;"));
    assert!(!html.contains("<b>8613300000001"));
}

#[test]
fn demo_refuses_a_folder_with_something_in_it() {
    let dir = tmp("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    let out = duanka()
        .args(["demo", "--subscribers", "6000", "--quiet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert_eq!(read(&dir.join("notes.txt")), "keep me");
}
