//! Reads the real public reference files kept beside the repository
//! (`../shared/data/reference/`) and checks facts anyone can look up.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::PathBuf;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use duanka_ingest::reference::{ReferenceSource, discover};
use duanka_ingest::{ReadOptions, Table};

fn reference_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/reference");
    assert!(
        dir.is_dir(),
        "the shared reference data must sit beside the repository: {}",
        dir.display()
    );
    dir
}

fn read(kind: &str) -> Table {
    let sources = discover(&reference_dir()).unwrap();
    let src: &ReferenceSource = sources.iter().find(|s| s.table() == kind).unwrap();
    let t = src.read(&ReadOptions::default()).unwrap();
    let r = &t.report;
    assert_eq!(r.read, r.accepted + r.rejected);
    assert_eq!(t.num_rows() as u64, r.accepted);
    t
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
