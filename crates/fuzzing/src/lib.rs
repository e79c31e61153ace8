//! What each fuzz target of `fuzz/` does with its input, here so that the normal test
//! command replays every kept input (`fuzz/corpus/TARGET/`, and every crash found, kept in
//! `fuzz/regressions/TARGET/`) through the same code: `tests/corpus.rs`.
//!
//! A target returns nothing: a panic is the finding. Beside "no panic", each checks what
//! must hold of any input it accepts (a parsed number formats and parses back to itself,
//! every row read is accepted or rejected, ...), with `assert!`, so that a broken promise
//! is a finding too.

use std::path::{Path, PathBuf};

use duanka_ingest::reference::ReferenceChoice;
use duanka_ingest::{Dataset, ReadOptions, TABLES};
use duanka_model::{
    Direction, TimeParser, format_imei, format_msisdn, half_width, parse_bool, parse_cidr,
    parse_imei, parse_imsi, parse_ip, parse_ip_or_cidr, parse_money_fen, parse_msisdn, parse_peer,
};

/// A target's body.
pub type Target = fn(&[u8]);

/// The targets, by the name of their folder under `fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 7] = [
    ("values", values),
    ("sms_text", sms_text),
    ("table_text", table_text),
    ("table_parquet", table_parquet),
    ("reference", reference),
    ("settings", settings),
    ("outputs", outputs),
];

/// Every value parser of the contract on one text.
pub fn values(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    if let Ok(n) = parse_msisdn(s) {
        assert_eq!(
            parse_msisdn(&format!("+{}", format_msisdn(n))),
            Ok(n),
            "{s:?}"
        );
    }
    if let Ok(i) = parse_imei(s) {
        let text = format_imei(i);
        assert_eq!(text.len(), 15, "{s:?}");
        assert_eq!(parse_imei(&text), Ok(i), "{s:?}");
    }
    if let Ok(i) = parse_imsi(s) {
        assert_eq!(i.to_string().len(), 15, "{s:?}");
    }
    if let Ok(ip) = parse_ip(s) {
        assert_eq!(parse_ip(&ip.to_string()), Ok(ip), "{s:?}");
    }
    if let Ok(c) = parse_cidr(s) {
        assert_eq!(parse_cidr(&c.to_string()), Ok(c), "{s:?}");
    }
    let _ = parse_ip_or_cidr(s);
    let mut time = TimeParser::shanghai();
    if let Ok(t) = time.parse(s) {
        assert_eq!(time.parse(&t.to_string()), Ok(t), "{s:?}");
    }
    let _ = parse_money_fen(s);
    let _ = parse_bool(s);
    let _ = parse_peer(s);
    let _ = Direction::parse(s);
    let wide = half_width(s);
    assert!(wide.chars().count() == s.chars().count(), "{s:?}");
}

/// The SMS classifier: a code it names is in the text.
pub fn sms_text(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = duanka_model::sms::is_otp(&s);
    if let Some(code) = duanka_model::sms::otp_code(&s) {
        assert!(s.contains(code), "{s:?}: {code:?}");
    }
    if let Some(service) = duanka_model::sms::service(&s) {
        assert!(!service.is_empty(), "{s:?}");
    }
}

/// A folder of this process's own, emptied: every target writes its files there.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duanka-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn options() -> ReadOptions {
    ReadOptions {
        threads: 2,
        reference: ReferenceChoice::Off,
        // Small, so that the long-record path is reached by small inputs too.
        max_record_bytes: 1 << 20,
        ..ReadOptions::default()
    }
}

/// What every read that succeeds must show: each row accepted or rejected, each accepted
/// row in the table.
fn check_read(ds: &Dataset) {
    for t in &ds.tables {
        let r = &t.report;
        assert_eq!(r.read, r.accepted + r.rejected, "{}", t.name());
        if t.in_place.is_empty() {
            assert_eq!(t.num_rows() as u64, r.accepted, "{}", t.name());
        }
        assert_eq!(r.reasons.values().sum::<u64>(), r.rejected, "{}", t.name());
    }
}

/// The contract's tables a dataset may hold (the reference tables come from elsewhere).
fn dataset_tables() -> Vec<&'static str> {
    TABLES
        .iter()
        .map(|t| t.name)
        .filter(|n| !["segments", "tac", "geoip"].contains(n))
        .collect()
}

/// A table file of arbitrary bytes: the first byte picks the table, its low bit CSV or
/// NDJSON, the next bits a compression the name announces (`.gz`, `.zst`) or none.
pub fn table_text(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let tables = dataset_tables();
    let table = tables[usize::from(pick >> 3) % tables.len()];
    let ext = if pick & 1 == 0 { "csv" } else { "ndjson" };
    let compression = match (pick >> 1) & 3 {
        1 => ".gz",
        2 => ".zst",
        _ => "",
    };
    let dir = scratch("table");
    let path = dir.join(format!("{table}.{ext}{compression}"));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    if let Ok(ds) = duanka_ingest::read_dataset(&dir, &options()) {
        check_read(&ds);
    }
}

/// Arbitrary bytes as a table's Parquet file.
pub fn table_parquet(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let tables = dataset_tables();
    let table = tables[usize::from(pick) % tables.len()];
    let dir = scratch("parquet");
    if std::fs::write(dir.join(format!("{table}.parquet")), body).is_err() {
        return;
    }
    for in_place in [false, true] {
        let opts = ReadOptions {
            in_place,
            ..options()
        };
        if let Ok(ds) = duanka_ingest::read_dataset(&dir, &opts) {
            check_read(&ds);
        }
    }
}

/// A reference file of arbitrary contents, by the first byte: libphonenumber's geocoding
/// or carrier text, an Osmocom TAC table, or a country's CIDR list.
pub fn reference(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let root = scratch("reference");
    let (data_dir, ref_dir) = (root.join("data"), root.join("ref"));
    let _ = std::fs::create_dir_all(&data_dir);
    let _ = std::fs::create_dir_all(&ref_dir);
    let header = "ts,direction,msisdn,peer\n2025-10-14 21:05:00,MT,13312345678,1069012345\n";
    if std::fs::write(data_dir.join("sms.csv"), header).is_err() {
        return;
    }
    // Every reference table from this folder, so that none is filled from the built-in
    // snapshot (whose read would take most of each run): a tiny valid file of each, and
    // the fuzzed one in place of its kind's.
    let files: [(&str, &[u8]); 4] = [
        (
            "86_geocoding.txt",
            b"86133|\xe5\xb9\xbf\xe4\xb8\x9c\xe7\x9c\x81\n",
        ),
        ("86_carrier.txt", b"86133|\xe7\x94\xb5\xe4\xbf\xa1\n"),
        (
            "tacdb.csv",
            b"Osmocom TAC database\ntac,name1,name2\n35000000,x,y\n",
        ),
        ("cn.cidr", b"1.0.1.0/24\n"),
    ];
    let kind = usize::from(pick % 4);
    for (k, (name, tiny)) in files.iter().enumerate() {
        let body = if k == kind {
            // The TAC table is recognised by its first line.
            let mut f = if k == 2 {
                b"Osmocom TAC database\n".to_vec()
            } else {
                Vec::new()
            };
            f.extend_from_slice(body);
            f
        } else {
            tiny.to_vec()
        };
        if std::fs::write(ref_dir.join(name), body).is_err() {
            return;
        }
    }
    let opts = ReadOptions {
        reference: ReferenceChoice::Dir(ref_dir),
        ..options()
    };
    if let Ok(ds) = duanka_ingest::read_dataset(&data_dir, &opts) {
        check_read(&ds);
    }
}

/// A settings file (`duanka.toml`).
pub fn settings(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Ok(config) = duanka_detect::Config::from_toml(&s) {
        // What a file results in is itself a valid file.
        let _ = duanka_detect::registry(&config);
    }
}

/// A scan folder's files as `link`, `report` and `eval` read them: the input split at
/// the first two `\0` bytes into `alerts.jsonl`, `clusters.jsonl` and `graph.graphml`.
pub fn outputs(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let alerts = parts.next().unwrap_or_default();
    let clusters = parts.next().unwrap_or_default();
    let graphml = parts.next().unwrap_or_default();
    let dir = scratch("outputs");
    let write = |name: &str, body: &[u8]| std::fs::write(dir.join(name), body).is_ok();
    if !(write("alerts.jsonl", alerts)
        && write("clusters.jsonl", clusters)
        && write("graph.graphml", graphml))
    {
        return;
    }
    let _ = duanka_engine::read_alerts(&dir.join("alerts.jsonl"));
    let _ = duanka_eval::read_alerts(&dir.join("alerts.jsonl"));
    let _ = duanka_eval::read_clusters(&dir.join("clusters.jsonl"));
    let _ = duanka_engine::rerender(&dir);
}

/// The inputs kept for `target`: its corpus and the crashes found, every file of both.
pub fn kept_inputs(fuzz_dir: &Path, target: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir.join(sub).join(target)) else {
            continue;
        };
        out.extend(entries.filter_map(Result::ok).map(|e| e.path()));
    }
    out.sort();
    out
}
