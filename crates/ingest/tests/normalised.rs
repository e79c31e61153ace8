//! The Parquet cache (`duanka convert`) read back: the same rows and derived columns as the
//! source, and only files duanka wrote are left for a query engine to scan.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::PathBuf;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use duanka_ingest::{ReadOptions, read_dataset, write};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-ingest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn all_rows(ds: &duanka_ingest::Dataset, table: &str) -> RecordBatch {
    let t = ds.table(table).unwrap();
    concat_batches(&t.schema(), &t.batches).unwrap()
}

/// `duanka convert`'s way for one table: staged, then committed with its manifest.
fn write_normalised(table: &duanka_ingest::Table, dir: &std::path::Path) {
    let mut batch = duanka_outdir::Batch::replace(dir, "duanka convert", &[]).unwrap();
    write::stage_normalised(table, &mut batch).unwrap();
    batch.commit().unwrap();
}

#[test]
fn the_cache_keeps_every_column_including_derived_ones() {
    let opts = ReadOptions::default();
    let src = read_dataset(&root().join("examples/tiny"), &opts).unwrap();
    let dir = temp("cache");
    let sms = src.table("sms").unwrap();
    write_normalised(sms, &dir);
    let back = read_dataset(&dir, &opts).unwrap();
    let expected = write::sorted(sms).unwrap();
    let got = all_rows(&back, "sms");
    assert_eq!(got, expected);
    assert!(got.column_by_name("peer_key").unwrap().null_count() < got.num_rows());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn only_files_duanka_wrote_are_left_in_place() {
    let opts = ReadOptions::default();
    let src = read_dataset(&root().join("examples/tiny"), &opts).unwrap();
    let dir = temp("take");
    write_normalised(src.table("sms").unwrap(), &dir);
    // A Parquet file of the same table written by anyone else goes through the parsers.
    let calls = src.table("calls").unwrap();
    let foreign = std::fs::File::create(dir.join("calls.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(foreign, calls.schema(), None).unwrap();
    for b in &calls.batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    let in_place = ReadOptions {
        in_place: true,
        ..ReadOptions::default()
    };
    let ds = read_dataset(&dir, &in_place).unwrap();
    let sms = ds.table("sms").unwrap();
    assert_eq!(sms.in_place.len(), 1);
    assert!(sms.batches.is_empty());
    // Its rows are counted from the footer, as a read of them would count them.
    let rows = src.table("sms").unwrap().num_rows();
    assert_eq!(
        (
            sms.num_rows(),
            sms.report.read,
            sms.report.accepted,
            sms.report.rejected
        ),
        (rows, rows as u64, rows as u64, 0)
    );
    let calls = ds.table("calls").unwrap();
    assert!(calls.in_place.is_empty());
    assert_eq!(calls.num_rows(), src.table("calls").unwrap().num_rows());
    std::fs::remove_dir_all(dir).unwrap();
}
