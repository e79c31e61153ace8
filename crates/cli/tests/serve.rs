//! `duanka serve` as a process: the first admin made by `duanka user add`, sign-in over
//! real HTTP, and crash safety: a stream of writes, the server killed with SIGKILL in the
//! middle of it, restarted: every write it acknowledged is there and `duanka audit
//! verify` passes. On SQLite, and on PostgreSQL when `DUANKA_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::*;

fn verify(db: &str) -> std::process::Output {
    duanka()
        .args(["audit", "verify", "--db", db])
        .output()
        .unwrap()
}

fn crash_keeps_every_acknowledged_write(db: &str, dir: &Path) {
    // The first user must be an admin.
    let out = duanka()
        .args(["user", "add", "ana", "--role", "analyst", "--db", db])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    add_admin(db);

    let scan = dir.join("scan");
    std::fs::create_dir_all(&scan).unwrap();
    std::fs::write(
        scan.join("alerts.jsonl"),
        "{\"detector\":\"otp_sink\",\"entity_type\":\"msisdn\",\"entity_id\":\"8613312345678\",\"score\":0.9,\"severity\":\"high\"}\n",
    )
    .unwrap();
    let server = Server::start(db);
    let adm = login(server.port, "adm", PASSWORD);
    let (s, _) = call(
        server.port,
        &adm,
        "POST",
        "/api/scans/import",
        Some(&json!({"path": scan.display().to_string()})),
    );
    assert_eq!(s, 200);
    let (s, _) = call(
        server.port,
        &adm,
        "POST",
        "/api/users",
        Some(&json!({"name": "ana", "role": "analyst", "password": PASSWORD})),
    );
    assert_eq!(s, 200);
    let ana = login(server.port, "ana", PASSWORD);

    // Four writers, each comment acknowledged (200) noted; the server dies under them.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let port = server.port;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acked, ana) = (Arc::clone(&acked), ana.clone());
            std::thread::spawn(move || {
                for k in 0.. {
                    let body = format!("note {w}-{k}");
                    match http(
                        port,
                        "POST",
                        "/api/alerts/1/comments",
                        &[("Cookie", &ana.0), ("X-CSRF-Token", &ana.1)],
                        Some(&json!({"body": body})),
                    ) {
                        Ok((200, _, _)) => acked.lock().unwrap().push(body),
                        Ok((status, head, text)) if status != 0 => {
                            panic!("{status}: {head} {text}")
                        }
                        _ => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.kill();
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 10, "only {} writes acknowledged", acked.len());

    let server = Server::start(db);
    let ana = login(server.port, "ana", PASSWORD);
    let (s, alert) = call(server.port, &ana, "GET", "/api/alerts/1", None);
    assert_eq!(s, 200);
    let kept: Vec<&str> = alert["alert"]["history"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["body"].as_str())
        .collect();
    for a in &acked {
        assert!(
            kept.contains(&a.as_str()),
            "acknowledged {a} lost after the crash"
        );
    }
    drop(server);
    let out = verify(db);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain intact"));
}

#[test]
fn a_crash_keeps_every_acknowledged_write_on_sqlite() {
    let dir = scratch("sqlite");
    let db = dir.join("cases.db").display().to_string();
    crash_keeps_every_acknowledged_write(&db, &dir);
}

#[test]
fn a_crash_keeps_every_acknowledged_write_on_postgres() {
    let Ok(admin) = std::env::var("DUANKA_TEST_PG_URL") else {
        assert!(
            std::env::var("DUANKA_REQUIRE_PG").is_err(),
            "DUANKA_REQUIRE_PG without DUANKA_TEST_PG_URL"
        );
        eprintln!("PostgreSQL variant skipped: DUANKA_TEST_PG_URL is not set");
        return;
    };
    let name = format!("duanka_crash_{}", std::process::id());
    let status = Command::new("psql")
        .args([
            admin.as_str(),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let dir = scratch("postgres");
    crash_keeps_every_acknowledged_write(&format!("{base}/{name}"), &dir);
}

/// An edited entry makes `duanka audit verify` fail with exit code 5, naming it.
#[test]
fn audit_verify_names_the_broken_entry() {
    let dir = scratch("verify");
    let db = dir.join("cases.db").display().to_string();
    add_admin(&db);
    let mut c = duanka()
        .args(["user", "add", "ana", "--role", "analyst", "--db", &db])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(c.wait().unwrap().success());
    let out = verify(&db);
    assert!(out.status.success());
    let head = String::from_utf8_lossy(&out.stdout)
        .rsplit(' ')
        .next()
        .unwrap()
        .trim()
        .to_string();
    // Edit the first entry behind the store's back (the triggers dropped first).
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_no_update'); \
             c.execute(\"UPDATE audit SET new_value='mallory (admin)' WHERE seq=1\"); c.commit()",
            &dir.join("cases.db").display().to_string(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let out = verify(&db);
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 1 was changed"), "{err}");
    // The head kept from before still names the cut when entries go from the end.
    let out = duanka()
        .args(["audit", "verify", "--db", &db, "--expect-head", &head])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
}

/// A scan started through the API runs the whole pipeline in the background, reports
/// its progress, and its alerts land in the store.
#[test]
fn a_scan_started_through_the_api_is_imported() {
    let dir = scratch("run");
    let db = dir.join("cases.db").display().to_string();
    add_admin(&db);
    let scans = dir.join("scans");
    let server = Server::start_with(&db, &["--scan-dir", &scans.display().to_string()]);
    let port = server.port;
    let started = Instant::now();
    let adm = login(port, "adm", PASSWORD);
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny");
    let (s, v) = call(
        port,
        &adm,
        "POST",
        "/api/scans/run",
        Some(&json!({"dataset": tiny.display().to_string(), "name": "tiny"})),
    );
    assert_eq!(s, 200, "{v}");
    let id = v["scan_id"].as_i64().unwrap();
    let scan = loop {
        let (s, v) = call(port, &adm, "GET", &format!("/api/scans/{id}"), None);
        assert_eq!(s, 200);
        if v["scan"]["status"] != "running" {
            break v["scan"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the scan did not finish: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(scan["status"], "done", "{scan}");
    let written = std::fs::read_to_string(scans.join(format!("scan-{id}/alerts.jsonl"))).unwrap();
    let lines = written.lines().filter(|l| !l.trim().is_empty()).count() as i64;
    assert!(lines > 0);
    assert_eq!(scan["alerts"].as_i64(), Some(lines));
    assert!(scans.join(format!("scan-{id}/report.html")).is_file());

    // The number profile reads the scan's dataset: one sink's codes, as `duanka sql`
    // counts them on the same folder.
    let sink: Value = written
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|a| a["detector"] == "otp_sink" && a["entity_type"] == "msisdn")
        .expect("an OTP sink in the tiny world");
    let number = sink["entity_id"].as_str().unwrap().to_string();
    let (s, _) = call(
        port,
        &adm,
        "POST",
        "/api/users",
        Some(&json!({"name": "ana", "role": "analyst", "password": PASSWORD})),
    );
    assert_eq!(s, 200);
    let ana = login(port, "ana", PASSWORD);
    let (_, found) = call(
        port,
        &ana,
        "POST",
        "/api/search",
        Some(&json!({"value": number})),
    );
    let entity = found["entities"][0]["id"].as_i64().unwrap();
    let (s, p) = call(
        port,
        &ana,
        "GET",
        &format!("/api/entities/{entity}/profile"),
        None,
    );
    assert_eq!(s, 200, "{p}");
    let hours = p["profile"]["hours"].as_array().unwrap();
    let total = |k: &str| hours.iter().map(|h| h[k].as_i64().unwrap()).sum::<i64>();
    let out = duanka()
        .args(["sql", "--quiet", "--format", "csv"])
        .arg(&tiny)
        .arg(format!(
            "SELECT SUM(CASE WHEN direction = 'MT' THEN 1 ELSE 0 END) AS mt, \
             SUM(CASE WHEN direction = 'MT' AND sms_is_otp(content) THEN 1 ELSE 0 END) AS otp \
             FROM sms WHERE msisdn = {number}"
        ))
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    let row: Vec<i64> = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!((total("sms_in"), total("codes")), (row[0], row[1]), "{p}");
    assert!(total("codes") > 0);
    let masked = p["profile"]["msisdn"].as_str().unwrap();
    assert!(
        masked.contains("****") && !p.to_string().contains(&number),
        "{p}"
    );
}
