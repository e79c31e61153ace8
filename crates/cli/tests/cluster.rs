//! The same scan on an Apache Ballista cluster: a scheduler and two executors started from
//! the binary on loopback, a simulated world (Parquet, scanned where it lies) and the
//! CSV example (read into memory, so its tables travel through the scratch folder)
//! scanned through them, and every output file compared byte for byte with the embedded
//! scan of the same dataset. Stage times are the one thing that may differ: they are
//! zeroed in `summary.json` and `report.json` of both folders, and `duanka report` draws
//! `report.html` again from them, before the comparison.
//!
//! Runs in the cluster build: `cargo test --features duanka-cli/cluster --test cluster`.
#![cfg(feature = "cluster")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{duanka, free_port};
use serde_json::Value;

/// The processes of a cluster, killed when dropped.
struct Cluster {
    children: Vec<Child>,
    url: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait_for_port(port: u16, child: &mut Child) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("a cluster role exited with {status} before listening on {port}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing listens on {port} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_cluster(dir: &Path, executors: usize) -> Cluster {
    let sport = free_port();
    let mut scheduler = duanka()
        .args(["cluster", "scheduler", "--bind"])
        .arg(format!("127.0.0.1:{sport}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(sport, &mut scheduler);
    let mut cluster = Cluster {
        children: vec![scheduler],
        url: format!("df://127.0.0.1:{sport}"),
    };
    for i in 0..executors {
        let (port, grpc) = (free_port(), free_port());
        let mut e = duanka()
            .args(["cluster", "executor", "--scheduler"])
            .arg(format!("127.0.0.1:{sport}"))
            .args([
                "--port",
                &port.to_string(),
                "--grpc-port",
                &grpc.to_string(),
            ])
            .args(["--slots", "1", "--work-dir"])
            .arg(dir.join(format!("executor-{i}")))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(grpc, &mut e);
        cluster.children.push(e);
    }
    cluster
}

fn run(cmd: &mut std::process::Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stage and detector times, zeroed.
fn zero_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k.contains("millis") {
                    *x = zeroed(x);
                } else {
                    zero_times(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(zero_times),
        _ => {}
    }
}

fn zeroed(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), zeroed(x))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(zeroed).collect()),
        Value::Number(_) => Value::from(0),
        other => other.clone(),
    }
}

/// Zeroes the times of a scan's output folder and draws its report again.
fn without_times(out: &Path) {
    // The manifest's sums cover the timed files: without it the folder is read as it
    // is, and the redrawn report writes none.
    std::fs::remove_file(out.join("manifest.json")).unwrap();
    for name in ["summary.json", "report.json"] {
        let path = out.join(name);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        zero_times(&mut v);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    }
    run(duanka().arg("report").arg(out));
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn scan_both_ways(dataset: &Path, root: &Path, name: &str, cluster: &Cluster) {
    let (embedded, clustered) = (
        root.join(format!("{name}-embedded")),
        root.join(format!("{name}-cluster")),
    );
    let scratch = root.join(format!("{name}-scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    run(duanka()
        .arg("scan")
        .arg(dataset)
        .arg("--out")
        .arg(&embedded)
        .args(["--quiet", "--threads", "2"]));
    run(duanka()
        .arg("scan")
        .arg(dataset)
        .arg("--out")
        .arg(&clustered)
        .args(["--quiet", "--threads", "2", "--cluster", &cluster.url])
        .arg("--cluster-scratch")
        .arg(&scratch));
    assert!(
        files(&scratch).is_empty(),
        "the scan left its scratch tables behind: {:?}",
        files(&scratch)
    );
    without_times(&embedded);
    without_times(&clustered);
    let names = files(&embedded);
    assert_eq!(
        names,
        files(&clustered),
        "{name}: not the same output files"
    );
    for f in [
        "alerts.jsonl",
        "clusters.jsonl",
        "report.html",
        "graph.graphml",
    ] {
        assert!(names.iter().any(|n| n == f), "{name}: no {f}");
    }
    let alerts = std::fs::read_to_string(embedded.join("alerts.jsonl")).unwrap();
    assert!(
        alerts.lines().count() > 10,
        "{name}: too few alerts to compare"
    );
    for f in &names {
        let (a, b) = (
            std::fs::read(embedded.join(f)).unwrap(),
            std::fs::read(clustered.join(f)).unwrap(),
        );
        if a != b {
            let (ta, tb) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            let line = ta
                .lines()
                .zip(tb.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            panic!(
                "{name}/{f} differs from line {}:\n  embedded: {:.300}\n  cluster:  {:.300}",
                line + 1,
                ta.lines().nth(line).unwrap_or(""),
                tb.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn a_scan_on_a_two_executor_cluster_writes_the_embedded_scans_bytes() {
    let root = std::env::temp_dir().join(format!("duanka-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let world = root.join("world");
    common::simulate_day(&world, 11, "parquet");
    let cluster = start_cluster(&root, 2);
    scan_both_ways(&world, &root, "world", &cluster);
    let tiny = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny");
    scan_both_ways(&tiny, &root, "tiny", &cluster);
    // Both executors ran tasks: each wrote shuffle files of the scans' jobs.
    for i in 0..2 {
        let work = root.join(format!("executor-{i}"));
        assert!(
            !files(&work).is_empty(),
            "executor {i} ran no task ({})",
            work.display()
        );
    }
    drop(cluster);
    let _ = std::fs::remove_dir_all(&root);
}
