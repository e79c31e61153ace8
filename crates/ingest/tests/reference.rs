//! Reads the real public reference files: the repository's copy (`data/reference/`) and
//! the snapshot built into duanka from it, which must read identically; and checks facts
//! anyone can look up.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::PathBuf;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use duanka_ingest::reference::{
    RefFile, ReferenceChoice, ReferenceOrigin, ReferenceSource, builtin, discover, sources,
};
use duanka_ingest::{ReadOptions, Table};

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference")
}

fn read_from(sources: &[ReferenceSource], kind: &str) -> Table {
    let src = sources.iter().find(|s| s.table() == kind).unwrap();
    let t = src.read(&ReadOptions::default()).unwrap();
    let r = &t.report;
    assert_eq!(r.read, r.accepted + r.rejected);
    assert_eq!(t.num_rows() as u64, r.accepted);
    t
}

/// The table from the built-in snapshot, after checking that the repository's copy of
/// the files reads to the same rows and counts.
fn read(kind: &str) -> Table {
    let embedded = read_from(&builtin(), kind);
    let disk = read_from(&discover(&reference_dir()).unwrap(), kind);
    assert_eq!(embedded.batches, disk.batches, "{kind}");
    assert_eq!(embedded.report.read, disk.report.read);
    assert_eq!(embedded.report.rejected, disk.report.rejected);
    assert_eq!(embedded.report.files.len(), disk.report.files.len());
    embedded
}

/// Rows where the Int64 key column equals `key`, as (column → text) lookups.
fn row_text(t: &Table, key_col: &str, key: i64, col: &str) -> Option<String> {
    for b in &t.batches {
        let k = b.column_by_name(key_col)?.as_primitive::<Int64Type>();
        let c = arrow::compute::cast(b.column_by_name(col)?, &DataType::Utf8).ok()?;
        let c = c.as_string::<i32>();
        for i in 0..b.num_rows() {
            if !k.is_null(i) && k.value(i) == key {
                return Some(c.value(i).to_string());
            }
        }
    }
    None
}

#[test]
fn libphonenumber_segments() {
    let t = read("segments");
    assert!(t.num_rows() > 100_000, "{} segments", t.num_rows());
    assert_eq!(t.report.rejected, 0, "{:?}", t.report.rejects);
    // 133 is China Telecom; 1330231 is Shenzhen, Guangdong.
    assert_eq!(
        row_text(&t, "prefix", 1_330_231, "carrier").as_deref(),
        Some("中国电信")
    );
    assert_eq!(
        row_text(&t, "prefix", 1_330_231, "province").as_deref(),
        Some("广东省")
    );
    assert_eq!(
        row_text(&t, "prefix", 1_330_231, "city").as_deref(),
        Some("深圳市")
    );
    // 134x is China Mobile (the carrier file lists it by 4-digit prefixes).
    let mobile = t.batches.iter().flat_map(|b| {
        let p = b
            .column_by_name("prefix")
            .unwrap()
            .as_primitive::<Int64Type>()
            .clone();
        (0..p.len()).map(move |i| p.value(i))
    });
    let a134 = mobile
        .into_iter()
        .find(|p| p.to_string().starts_with("1340"))
        .unwrap();
    assert_eq!(
        row_text(&t, "prefix", a134, "carrier").as_deref(),
        Some("中国移动")
    );
    // Landline area codes are counted in a note, not rejected.
    assert!(
        t.report.files[0]
            .notes
            .iter()
            .any(|n| n.contains("landline"))
    );
}

#[test]
fn osmocom_tac_database() {
    let t = read("tac");
    assert!(t.num_rows() > 20_000, "{} TACs", t.num_rows());
    assert_eq!(
        row_text(&t, "tac", 35_675_904, "brand").as_deref(),
        Some("Oppo")
    );
    assert_eq!(
        row_text(&t, "tac", 35_675_904, "model").as_deref(),
        Some("N1")
    );
    // Apple's 01130000, written without its leading 0, is still Apple.
    assert_eq!(
        row_text(&t, "tac", 1_130_000, "brand").as_deref(),
        Some("Apple")
    );
    // Entries written with a leading space are read, not rejected.
    assert_eq!(
        row_text(&t, "tac", 35_572_302, "brand").as_deref(),
        Some("Nokia")
    );
    assert!(
        t.report.reject_share() < 0.01,
        "{:?}",
        t.report.top_reasons(3)
    );
}

#[test]
fn country_ip_blocks() {
    let t = read("geoip");
    assert!(t.num_rows() > 100_000, "{} blocks", t.num_rows());
    assert!(t.report.files.len() > 200);
    assert_eq!(t.report.rejected, 0, "{:?}", t.report.top_reasons(3));
}

#[test]
fn the_snapshot_holds_every_file_of_the_repository_copy_byte_for_byte() {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = reference_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert_eq!(files.len(), duanka_refdata::files().len());
    for p in files {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let f = duanka_refdata::file(&rel).unwrap_or_else(|| panic!("{rel} not built in"));
        assert!(
            f.bytes().unwrap() == std::fs::read(&p).unwrap(),
            "{rel} differs"
        );
    }
}

#[test]
fn a_folder_replaces_the_tables_it_holds_and_the_snapshot_gives_the_rest() {
    let dir = std::env::temp_dir().join(format!("duanka-ref-partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("xx.cidr"), "10.0.0.0/8\n").unwrap();
    let got = sources(&ReferenceChoice::Dir(dir.clone())).unwrap();
    let origin = |t: &str| {
        got.iter()
            .find(|s| s.table() == t)
            .map(|s| s.origin.clone())
    };
    assert_eq!(origin("geoip"), Some(ReferenceOrigin::Dir(dir.clone())));
    assert_eq!(origin("segments"), Some(ReferenceOrigin::Builtin));
    assert_eq!(origin("tac"), Some(ReferenceOrigin::Builtin));
    let geoip = read_from(&got, "geoip");
    assert_eq!(geoip.num_rows(), 1);
    assert_eq!(sources(&ReferenceChoice::Off).unwrap(), Vec::new());
    // A diagnostic names a built-in file so that nobody looks for it on disk.
    let tac = builtin().into_iter().find(|s| s.table() == "tac").unwrap();
    let RefFile::Builtin(_) = tac.all_files()[0] else {
        panic!("the snapshot's TAC file is not built in")
    };
    assert_eq!(
        tac.all_files()[0].path().to_string_lossy(),
        "<built-in>/osmocom-tacdb.csv"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
