//! Nothing half-written. A scan killed with SIGKILL at points spread over its run
//! (reading, detecting, staging its files) leaves the previous complete output folder,
//! which readers still read as it was; a folder whose commit was cut short (the state a
//! kill within the commit leaves; each point of a commit is tested in `duanka-outdir`)
//! is refused by `report`, `link`, `eval` and `trace`, and the next scan repairs it. A
//! `convert` killed the same way leaves the previous converted folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::duanka;
use duanka_outdir::{MANIFEST, STAGING, State, Verify};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    duanka().args(args).output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A simulated day with a chain, so that every output file has contents.
fn world(root: &Path, format: &str) -> PathBuf {
    let w = root.join(format!("world-{format}"));
    common::simulate_day(&w, 5, format);
    w
}

fn manifest(dir: &Path) -> duanka_outdir::Manifest {
    duanka_outdir::read_manifest(dir)
        .unwrap()
        .expect("a manifest")
}

/// The sums of the files whose bytes do not depend on the run's timing.
fn stable_sums(dir: &Path) -> BTreeMap<String, String> {
    manifest(dir)
        .files
        .into_iter()
        .filter(|(name, _)| {
            !["summary.json", "report.json", "report.html"].contains(&name.as_str())
        })
        .map(|(name, sum)| (name, sum.sha256))
        .collect()
}

/// Runs `cmd`, kills it with SIGKILL after `delay` (when it is still running); whether
/// it was killed.
fn kill_after(cmd: &mut std::process::Command, delay: Duration) -> bool {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Child::kill sends SIGKILL: no handler, no destructor runs.
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

/// Runs `cmd` and kills it with SIGKILL the moment `dir` holds a staging folder, that is
/// while the run writes its files; whether that moment came before the run ended.
fn kill_while_staging(cmd: &mut std::process::Command, dir: &Path) -> bool {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staging = dir.join(STAGING);
    loop {
        if staging.exists() {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// What a kill must leave: the previous complete set, which readers still read.
fn assert_previous_set(out: &Path, w: &Path, before: &BTreeMap<String, String>, what: &str) {
    let m = manifest(out);
    assert_eq!(m.state, State::Complete, "{what}");
    duanka_outdir::check(out, &duanka_engine::SCAN_FILES, Verify::Contents)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(&stable_sums(out), before, "{what}: the same complete set");
    ok(run(&[
        "eval".as_ref(),
        out.as_os_str(),
        "--truth".as_ref(),
        w.join("truth.csv").as_os_str(),
    ]));
}

#[test]
fn a_scan_killed_at_any_point_leaves_the_previous_complete_outputs() {
    let root = temp("scan");
    let w = world(&root, "parquet");
    let out = root.join("out");
    let scan = || {
        let mut c = duanka();
        c.arg("scan").arg(&w).arg("--out").arg(&out).arg("--quiet");
        c
    };
    let started = Instant::now();
    ok(scan().output().unwrap());
    let whole = started.elapsed();
    let before = stable_sums(&out);
    assert!(before.contains_key("alerts.jsonl") && before.contains_key("graph.graphml"));

    let mut killed = 0;
    let points = 12;
    for k in 0..points {
        // Spread over the run: reading, detecting, linking, writing.
        let share = 0.1 + 0.9 * (k as f64 / (points - 1) as f64);
        if !kill_after(&mut scan(), whole.mul_f64(share)) {
            continue;
        }
        killed += 1;
        assert_previous_set(
            &out,
            &w,
            &before,
            &format!("kill {k} at {share:.2} of the run"),
        );
    }
    assert!(
        killed >= points / 2,
        "only {killed} runs were still running when killed"
    );
    // Timed kills rarely land in the few milliseconds of writing: these wait for them.
    let mut mid_write = 0;
    for attempt in 0..10 {
        if mid_write == 3 {
            break;
        }
        if kill_while_staging(&mut scan(), &out) {
            mid_write += 1;
            assert!(out.join(STAGING).exists());
            assert_previous_set(&out, &w, &before, &format!("kill {attempt} while writing"));
        }
    }
    assert!(
        mid_write >= 1,
        "no kill landed while the files were written"
    );
    // The next complete run takes the leftovers away.
    ok(scan().output().unwrap());
    assert!(!out.join(STAGING).exists());
    assert_eq!(stable_sums(&out), before);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_folder_whose_commit_was_cut_short_is_refused_until_scanned_again() {
    let root = temp("refused");
    let w = world(&root, "parquet");
    let out = root.join("out");
    let scan = || {
        run(&[
            "scan".as_ref(),
            w.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--quiet".as_ref(),
        ])
    };
    ok(scan());
    let case = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    let case: serde_json::Value = serde_json::from_str(case.lines().next().unwrap()).unwrap();
    let case = case["case_ids"][0].as_str().unwrap().to_string();

    // What a kill between the commit's first and last step leaves.
    let path = out.join(MANIFEST);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"complete\"", "\"writing\"")).unwrap();
    let truth = w.join("truth.csv");
    let readers: [Vec<&std::ffi::OsStr>; 4] = [
        vec!["report".as_ref(), out.as_os_str()],
        vec![
            "link".as_ref(),
            w.as_os_str(),
            "--data".as_ref(),
            out.as_os_str(),
        ],
        vec![
            "eval".as_ref(),
            out.as_os_str(),
            "--truth".as_ref(),
            truth.as_os_str(),
        ],
        vec![
            "trace".as_ref(),
            case.as_ref(),
            "--data".as_ref(),
            out.as_os_str(),
        ],
    ];
    for args in &readers {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "{}: incomplete: `duanka scan` was stopped while it replaced the files of this folder; run it again",
                out.display()
            )),
            "{args:?}: {err}"
        );
    }

    ok(scan());
    // A file changed by hand after the scan is refused too, by name.
    let alerts = out.join("alerts.jsonl");
    let mut text = std::fs::read_to_string(&alerts).unwrap();
    let first = text.lines().next().unwrap().to_string();
    text.push_str(&first);
    text.push('\n');
    std::fs::write(&alerts, text).unwrap();
    for args in &readers[..3] {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "{}: not as `duanka scan` wrote it:",
                alerts.display()
            )),
            "{args:?}: {err}"
        );
    }
    // The way out the message names: without the manifest the folder is read as it is.
    std::fs::remove_file(&path).unwrap();
    ok(run(&readers[0]));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_convert_killed_midway_leaves_the_previous_converted_folder() {
    let root = temp("convert");
    let w = world(&root, "csv");
    let to = root.join("converted");
    let convert = || {
        let mut c = duanka();
        c.arg("convert").arg(&w).arg("--to").arg(&to);
        c
    };
    let started = Instant::now();
    ok(convert().output().unwrap());
    let whole = started.elapsed();
    let before = manifest(&to).files;
    let count = || {
        ok(run(&[
            "sql".as_ref(),
            to.as_os_str(),
            "SELECT count(*) AS n FROM sms".as_ref(),
        ]))
    };
    let rows = count();
    let mut killed = 0;
    for k in 0..8 {
        if !kill_after(&mut convert(), whole.mul_f64(0.2 + 0.12 * f64::from(k))) {
            continue;
        }
        killed += 1;
        let m = manifest(&to);
        assert_eq!(m.state, State::Complete, "kill {k}");
        assert_eq!(m.files, before, "kill {k}: the same files");
        assert_eq!(count(), rows, "kill {k}");
    }
    assert!(
        killed >= 3,
        "only {killed} converts were still running when killed"
    );
    // A convert whose commit was cut short: `scan` and `sql` refuse the folder.
    let path = to.join(MANIFEST);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"complete\"", "\"writing\"")).unwrap();
    let o = run(&["sql".as_ref(), to.as_os_str(), "SELECT 1".as_ref()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("incomplete: `duanka convert` was stopped"),
        "{err}"
    );
    std::fs::remove_dir_all(root).unwrap();
}
