//! The `duanka` binary as a user runs it: exit codes, messages and outputs.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn duanka(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn counts(json: &serde_json::Value) -> Vec<(String, u64, u64, u64)> {
    json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["read"].as_u64().unwrap(),
                t["accepted"].as_u64().unwrap(),
                t["rejected"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn inspect_the_bundled_example() {
    let o = duanka(&["inspect", "examples/tiny", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = counts(&j);
    assert_eq!(c.len(), 13, "every contract table is in the example");
    assert!(c.iter().all(|(_, r, a, x)| r == a && *x == 0));
    let sms = &j["tables"][1];
    assert_eq!(sms["table"], "sms");
    assert_eq!(sms["files"].as_array().unwrap().len(), 2);
    assert_eq!(sms["distinct"][0]["column"], "msisdn");
    assert_eq!(sms["distinct"][0]["values"], 16);
    assert_eq!(sms["distinct"][1]["column"], "peer_key");
    assert_eq!(sms["time_span"]["first"], "2025-10-14T01:01:24Z");
    let text = duanka(&["inspect", "examples/tiny"]);
    assert!(text.status.success());
    assert!(
        stdout(&text).contains("sms                2           54           54         0"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn convert_round_trips_through_parquet() {
    let out = temp("convert");
    let o = duanka(&["convert", "examples/tiny", "--to", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("sms.parquet").is_file());
    let a: serde_json::Value = serde_json::from_str(&stdout(&duanka(&[
        "inspect",
        "examples/tiny",
        "--format",
        "json",
    ])))
    .unwrap();
    let b: serde_json::Value = serde_json::from_str(&stdout(&duanka(&[
        "inspect",
        out.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(
        counts(&a)
            .iter()
            .map(|c| (c.0.clone(), c.2))
            .collect::<Vec<_>>(),
        counts(&b)
            .iter()
            .map(|c| (c.0.clone(), c.1))
            .collect::<Vec<_>>()
    );
    // Same answers from the cache as from the source, and the cache is sorted by number.
    let q =
        "SELECT msisdn, count(*) AS n, min(ts) AS first FROM sms GROUP BY msisdn ORDER BY msisdn";
    assert_eq!(
        stdout(&duanka(&["sql", "examples/tiny", q, "--format", "csv"])),
        stdout(&duanka(&[
            "sql",
            out.to_str().unwrap(),
            q,
            "--format",
            "csv"
        ]))
    );
    let first = stdout(&duanka(&[
        "sql",
        out.to_str().unwrap(),
        "SELECT msisdn FROM sms LIMIT 3",
        "--format",
        "csv",
        "--threads",
        "1",
    ]));
    assert_eq!(
        first,
        "msisdn\n8613312340000\n8613312340000\n8613312340000\n"
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn builtin_queries_are_the_detectors_and_answer_alike_from_the_cache() {
    let shown = duanka(&[
        "sql",
        "examples/tiny",
        "--builtin",
        "otp-per-number",
        "--show",
    ]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert_eq!(
        stdout(&shown).trim_end(),
        duanka_detect::sql::otp_per_number()
    );
    let out = temp("builtin");
    let o = duanka(&["convert", "examples/tiny", "--to", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let from_source = duanka(&[
        "sql",
        "examples/tiny",
        "--builtin",
        "otp-per-number",
        "--format",
        "csv",
    ]);
    assert!(from_source.status.success(), "{}", stderr(&from_source));
    assert!(stdout(&from_source).starts_with("msisdn,sms,otp_sms,services\n"));
    assert!(stdout(&from_source).lines().count() > 1);
    let file = out.join("q.sql");
    std::fs::write(&file, duanka_detect::sql::otp_per_number()).unwrap();
    for threads in ["1", "2"] {
        let from_cache = duanka(&[
            "sql",
            out.to_str().unwrap(),
            "--file",
            file.to_str().unwrap(),
            "--format",
            "csv",
            "--threads",
            threads,
        ]);
        assert!(from_cache.status.success(), "{}", stderr(&from_cache));
        assert_eq!(stdout(&from_cache), stdout(&from_source));
    }
    let none = duanka(&["sql", "examples/tiny"]);
    assert_eq!(none.status.code(), Some(2));
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn sql_reads_only_the_tables_it_names() {
    let d = temp("only");
    write(
        &d,
        "cases.csv",
        "case_id,reported_at\nJJ1,2025-10-14 21:05:00\n",
    );
    // A broken table the query does not touch does not stop it.
    write(&d, "sms.csv", "ts;direction\n");
    let o = duanka(&[
        "sql",
        d.to_str().unwrap(),
        "SELECT count(*) AS n FROM cases",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "n\n1\n");
    // duanka's lookup functions read the reference tables they need, and only those: the
    // dataset's broken `segments` stops a query that looks up segments, and no other.
    write(&d, "segments.csv", "prefix;province\n");
    let o = duanka(&[
        "sql",
        d.to_str().unwrap(),
        "SELECT ip_country('8.8.8.8') AS c, (SELECT count(*) FROM tac) > 20000 AS tacs FROM cases",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "c,tacs\nUS,true\n");
    let o = duanka(&[
        "sql",
        d.to_str().unwrap(),
        "SELECT segment_city(8613302311234) AS city FROM cases",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("segments.csv: table segments needs column"),
        "{}",
        stderr(&o)
    );
    // A query over that table reports it; so does one whose tables cannot be told.
    for q in [
        "SELECT * FROM sms",
        "SELECT * FROM information_schema.tables",
    ] {
        let bad = duanka(&["sql", d.to_str().unwrap(), q]);
        assert_eq!(bad.status.code(), Some(3), "{q}");
        assert!(
            stderr(&bad).contains("sms.csv: table sms needs column"),
            "{}",
            stderr(&bad)
        );
    }
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn sql_formats() {
    let q = "SELECT msisdn, imei_luhn_ok(imei) AS ok FROM attach WHERE NOT imei_luhn_ok(imei)";
    let csv = duanka(&["sql", "examples/tiny", q, "--format", "csv"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert_eq!(stdout(&csv), "msisdn,ok\n8613312340001,false\n");
    let json = duanka(&["sql", "examples/tiny", q, "--format", "json"]);
    assert_eq!(stdout(&json), "{\"msisdn\":8613312340001,\"ok\":false}\n");
    let bad = duanka(&["sql", "examples/tiny", "SELECT * FROM nowhere"]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(stderr(&bad).contains("nowhere"), "{}", stderr(&bad));
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn too_many_rejects_stop_with_exit_4_after_writing_every_reject() {
    let d = temp("rejects");
    let mut sms = String::from("ts,direction,msisdn,peer\n");
    for i in 0..98 {
        sms.push_str(&format!(
            "2025-10-14 21:05:00,MT,133123400{i:02},1069012345\n"
        ));
    }
    sms.push_str(
        "2025-10-14 21:05:00,MT,12345,1069012345\n2025-10-14 25:05:00,MT,13312340000,1069012345\n",
    );
    write(&d, "sms.csv", &sms);
    // Inside a folder that does not exist yet, as `scan --out DIR --rejects DIR/…` asks.
    let rejects = d.join("out").join("rejects.csv");
    let o = duanka(&[
        "inspect",
        d.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("table sms: 2 of 100 rows rejected (2.00 %), above the limit of 1.00 %"),
        "{}",
        stderr(&o)
    );
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(written.lines().count(), 3, "{written}");
    assert!(written.contains("sms.csv,100,msisdn,"), "{written}");
    assert!(
        written.contains(",101,ts,\"hour, minute or second out of range\",2025-10-14 25:05:00"),
        "{written}"
    );
    let ok = duanka(&["inspect", d.to_str().unwrap(), "--max-reject-share", "0.05"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn a_missing_column_is_exit_3_naming_file_and_column() {
    let d = temp("missing");
    write(
        &d,
        "calls.csv",
        "ts,direction,msisdn,peer\n2025-10-14 21:05:00,MT,13312345678,13312345679\n",
    );
    let o = duanka(&["inspect", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(
        e.contains("calls.csv: table calls needs column `duration_s`, which is missing"),
        "{e}"
    );
    let tz = duanka(&["inspect", d.to_str().unwrap(), "--tz", "Mars/Base"]);
    assert_eq!(tz.status.code(), Some(3));
    assert!(
        stderr(&tz).contains("unknown time zone \"Mars/Base\""),
        "{}",
        stderr(&tz)
    );
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn local_times_follow_the_zone_setting() {
    let d = temp("tz");
    write(
        &d,
        "audit.csv",
        "ts,user,action\n2025-07-01 12:00:00,ops,login\n",
    );
    let q = "SELECT CAST(ts AS BIGINT) AS t FROM audit";
    let sh = stdout(&duanka(&["sql", d.to_str().unwrap(), q, "--format", "csv"]));
    let be = stdout(&duanka(&[
        "sql",
        d.to_str().unwrap(),
        q,
        "--format",
        "csv",
        "--tz",
        "Europe/Berlin",
    ]));
    assert_eq!(sh, "t\n1751342400\n");
    assert_eq!(be, "t\n1751364000\n");
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn scan_links_and_trace_walks_a_case_back_to_the_insider() {
    let out = temp("scan-link");
    let o = duanka(&[
        "scan",
        "examples/tiny",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "alerts.jsonl",
        "summary.json",
        "clusters.jsonl",
        "warnings.csv",
        "graph.graphml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let clusters = std::fs::read_to_string(out.join("clusters.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(clusters.lines().next().unwrap()).unwrap();
    // The contract's fields come first and in order.
    let line = clusters.lines().next().unwrap();
    let at: Vec<usize> = ["cluster_id", "case_ids", "total_loss", "members", "chain"]
        .iter()
        .map(|k| line.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at[0] == 1 && at.windows(2).all(|w| w[0] < w[1]), "{line}");
    assert!(first["total_loss"].as_i64().unwrap() > 0);
    let o = duanka(&["trace", "JJ2025000002", "--data", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("cases.fraud_account"), "{text}");
    assert!(text.contains("user zhang.wei"), "{text}");
    let o = duanka(&[
        "trace",
        "JJ2025000002",
        "--data",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["chain"][0]["entity_id"], "JJ2025000002");
    assert_eq!(j["stop"], serde_json::Value::Null);
    // A case that is in no cluster is a usage error that says so.
    let o = duanka(&["trace", "JJ-NOPE", "--data", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("JJ-NOPE"), "{}", stderr(&o));
    // Linkage alone, with the exports; an unknown cluster is refused.
    let i2 = out.join("i2");
    let gm = out.join("c0001.graphml");
    let o = duanka(&[
        "link",
        "examples/tiny",
        "--quiet",
        "--data",
        out.to_str().unwrap(),
        "--cluster",
        "c0001",
        "--graphml",
        gm.to_str().unwrap(),
        "--i2",
        i2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&gm).unwrap().contains("<graphml"));
    assert!(
        std::fs::read_to_string(i2.join("links.csv"))
            .unwrap()
            .starts_with("From ID,To ID")
    );
    // Same input, same linkage outputs.
    assert_eq!(
        std::fs::read_to_string(out.join("clusters.jsonl")).unwrap(),
        clusters
    );
    let o = duanka(&[
        "link",
        "examples/tiny",
        "--quiet",
        "--data",
        out.to_str().unwrap(),
        "--cluster",
        "c0099",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_broken_alerts_file_is_an_input_error_naming_the_line() {
    let out = temp("bad-alerts");
    std::fs::write(
        out.join("alerts.jsonl"),
        "{\"detector\":\"otp_sink\",\"entity_type\":\"msisdn\",\"entity_id\":\"8613312340001\",\"score\":0.9}\nnot json\n",
    )
    .unwrap();
    let o = duanka(&[
        "link",
        "examples/tiny",
        "--quiet",
        "--data",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("alerts.jsonl:2"), "{}", stderr(&o));
}

#[test]
fn config_defaults_round_trip_and_a_bad_key_is_a_usage_error() {
    let dir = temp("config");
    let o = duanka(&["config", "--defaults"]);
    assert!(o.status.success());
    let path = dir.join("duanka.toml");
    std::fs::write(&path, stdout(&o)).unwrap();
    let o = duanka(&["config", "--check", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(&path, "[otp_sink]\nmin_servces = 4\n").unwrap();
    let o = duanka(&[
        "scan",
        "examples/tiny",
        "--quiet",
        "--out",
        dir.join("o").to_str().unwrap(),
        "--config",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("min_servces"), "{}", stderr(&o));
}

#[test]
fn the_built_in_reference_snapshot_is_used_named_and_exported() {
    let empty = temp("ref-empty");
    // A dataset with no reference tables of its own reads the snapshot, and says so.
    let o = duanka(&["inspect", empty.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<String> = counts(&j).into_iter().map(|c| c.0).collect();
    assert_eq!(names, ["geoip", "tac", "segments"]);
    let said = j["reference"][0].as_str().unwrap();
    assert!(
        said.starts_with("geoip, tac, segments from the built-in snapshot 20"),
        "{said}"
    );
    // Its one unreadable TAC line is counted, yet is no reject of the user's and stops
    // nothing, even at a zero limit.
    let rejects = empty.join("out").join("rejects.csv");
    let o = duanka(&[
        "inspect",
        empty.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
        "--max-reject-share",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("<built-in>/osmocom-tacdb.csv:"));
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap().lines().count(),
        1
    );

    // Exported, the snapshot is the repository's copy file for file, and reads back as a
    // folder that the output names instead of the snapshot.
    let out = temp("ref-export").join("ref");
    let o = duanka(&["reference", "--export", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "NOTICE",
        "osmocom-tacdb.csv",
        "country-ip-blocks-ipv4/jp.cidr",
    ] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(root().join("data/reference").join(name)).unwrap(),
            "{name}"
        );
    }
    let again = duanka(&["reference", "--export", out.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an export never mixes with old files"
    );
    let o = duanka(&[
        "inspect",
        empty.to_str().unwrap(),
        "--reference",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "reference: geoip, tac, segments from {}",
            out.display()
        )),
        "{}",
        stdout(&o)
    );
    // The listing names sources and licences.
    let o = duanka(&["reference"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "libphonenumber",
        "Osmocom",
        "country-ip-blocks",
        "CC-BY-SA",
        "CC0",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    std::fs::remove_dir_all(empty).unwrap();
    std::fs::remove_dir_all(out.parent().unwrap()).unwrap();
}
