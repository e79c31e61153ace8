//! The bad-input corpus: every folder under `tests/corpus/<case>/in` is read as a dataset
//! and the full diagnostics are compared with `tests/corpus/<case>/expected.txt`.
//! Refresh the expected files with `UPDATE_EXPECT=1 cargo test -p duanka-ingest --test corpus`.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use duanka_ingest::reference::ReferenceChoice;
use duanka_ingest::{Dataset, ReadOptions, read_dataset};

/// The cases' own files only: no reference snapshot beside them.
fn opts() -> ReadOptions {
    ReadOptions {
        threads: 2,
        keep_all_rejects: true,
        reference: ReferenceChoice::Off,
        ..ReadOptions::default()
    }
}

/// Everything a person would want to know about a read, with paths relative to `root`.
fn render(root: &Path, result: &Result<Dataset, duanka_ingest::IngestError>) -> String {
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let prefix = format!("{}/", root.display());
    let mut out = String::new();
    match result {
        Err(e) => writeln!(out, "error: {}", e.to_string().replace(&prefix, "")).unwrap(),
        Ok(ds) => {
            for t in &ds.tables {
                let r = &t.report;
                writeln!(
                    out,
                    "table {}: read {}, accepted {}, rejected {}",
                    t.name(),
                    r.read,
                    r.accepted,
                    r.rejected
                )
                .unwrap();
                for f in &r.files {
                    writeln!(
                        out,
                        "  file {} [{}]: read {}, accepted {}, rejected {}",
                        rel(&f.path),
                        f.format,
                        f.read,
                        f.accepted,
                        f.rejected
                    )
                    .unwrap();
                    for n in &f.notes {
                        writeln!(out, "    note: {n}").unwrap();
                    }
                }
                for rej in &r.rejects {
                    writeln!(out, "  reject {}", rej.to_string().replace(&prefix, "")).unwrap();
                }
                writeln!(out, "  rows: {}", preview(&t.batches)).unwrap();
            }
            for p in &ds.ignored {
                writeln!(out, "ignored {}", rel(p)).unwrap();
            }
            match ds.check_reject_limit(0.01) {
                Ok(()) => writeln!(out, "limit 1 %: ok").unwrap(),
                Err(e) => writeln!(out, "limit 1 %: {e}").unwrap(),
            }
        }
    }
    out
}

/// The accepted rows, as text, so that normalisation is pinned too.
fn preview(batches: &[RecordBatch]) -> String {
    let text = arrow::util::pretty::pretty_format_batches(batches)
        .unwrap()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= 16 {
        format!("\n{}", lines.join("\n"))
    } else {
        format!(
            "{} rows (preview cut)",
            batches.iter().map(RecordBatch::num_rows).sum::<usize>()
        )
    }
}

fn check_invariants(ds: &Dataset) {
    for t in &ds.tables {
        let r = &t.report;
        assert_eq!(
            r.read,
            r.accepted + r.rejected,
            "{}: read = accepted + rejected",
            t.name()
        );
        assert_eq!(
            t.num_rows() as u64,
            r.accepted,
            "{}: every accepted row is in the output",
            t.name()
        );
        for f in &r.files {
            assert_eq!(f.read, f.accepted + f.rejected, "{}", f.path.display());
        }
        assert_eq!(r.reasons.values().sum::<u64>(), r.rejected);
    }
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn corpus() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let cases = cases();
    assert!(cases.len() >= 25, "the corpus keeps at least 25 cases");
    let mut failures = Vec::new();
    for case in cases {
        let input = case.join("in");
        let result = read_dataset(&input, &opts());
        if let Ok(ds) = &result {
            check_invariants(ds);
        }
        let got = render(&input, &result);
        let expected_path = case.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "== {}\n-- expected\n{want}\n-- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (UPDATE_EXPECT=1 to refresh):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn temp_dataset(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duanka-corpus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HEADER: &str = "ts,direction,msisdn,peer,content,category,delivery_node\n";

#[test]
fn a_ten_megabyte_line_is_read_and_lines_after_it_keep_their_numbers() {
    let dir = temp_dataset("long-line");
    let mut data = String::from(HEADER);
    data.push_str("2025-10-14 21:05:00,MT,13312345678,1069012345,short,otp,radio\n");
    data.push_str(&format!(
        "2025-10-14 21:05:00,MT,13312345678,1069012345,\"{}\",otp,radio\n",
        "验证码".repeat(10 << 20 >> 3)
    ));
    data.push_str("2025-10-14 21:05:00,MT,bad,1069012345,after,otp,radio\n");
    std::fs::write(dir.join("sms.csv"), data).unwrap();
    let ds = read_dataset(&dir, &opts()).unwrap();
    check_invariants(&ds);
    let t = ds.table("sms").unwrap();
    assert_eq!(
        (t.report.read, t.report.accepted, t.report.rejected),
        (3, 2, 1)
    );
    assert_eq!(t.report.rejects[0].line, 4);
    assert_eq!(t.report.rejects[0].column, Some("msisdn"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn many_blocks_keep_line_numbers_and_order_whatever_the_thread_count() {
    let dir = temp_dataset("blocks");
    let mut data = String::from(HEADER);
    let rows = 150_000;
    for i in 0..rows {
        if i % 40_000 == 39_999 {
            data.push_str("2025-10-14 21:05:00,MT,0000,1069012345,bad row,otp,radio\n");
        } else {
            data.push_str(&format!(
                "{},MT,1331234{:04},1069012345,\"code {i}, valid\nfor 5 min\",otp,radio\n",
                1_760_447_100 + i,
                i % 10_000
            ));
        }
    }
    std::fs::write(dir.join("sms.csv"), &data).unwrap();
    let one = read_dataset(
        &dir,
        &ReadOptions {
            threads: 1,
            ..opts()
        },
    )
    .unwrap();
    let two = read_dataset(
        &dir,
        &ReadOptions {
            threads: 2,
            ..opts()
        },
    )
    .unwrap();
    check_invariants(&one);
    let t = one.table("sms").unwrap();
    assert_eq!(t.report.rejected, 3);
    // The header is line 1, every good row spans two lines and every bad row one.
    let lines: Vec<u64> = t.report.rejects.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        vec![2 + 2 * 39_999, 2 + 2 * 79_999 - 1, 2 + 2 * 119_999 - 2]
    );
    assert_eq!(
        one.table("sms").unwrap().batches,
        two.table("sms").unwrap().batches
    );
    std::fs::remove_dir_all(dir).unwrap();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Arbitrary bytes after a valid header, in CSV and NDJSON: never a panic, and when
    /// the read succeeds every row is accounted for.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000), ndjson in proptest::prelude::any::<bool>()) {
        let dir = temp_dataset(&format!("fuzz-{}", body.len()));
        let mut data = if ndjson { Vec::new() } else { HEADER.as_bytes().to_vec() };
        data.extend_from_slice(&body);
        std::fs::write(dir.join(if ndjson { "sms.ndjson" } else { "sms.csv" }), &data).unwrap();
        if let Ok(ds) = read_dataset(&dir, &opts()) {
            check_invariants(&ds);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_two_gigabyte_line_stops_the_read_at_the_record_limit_with_its_line() {
    let dir = temp_dataset("two-gb-line");
    let path = dir.join("sms.csv");
    let mut head = String::from(HEADER);
    head.push_str("2025-10-14 21:05:00,MT,13312345678,1069012345,short,otp,radio\n");
    // A quote opened and never closed: the rest of the file is one record. The 2 GB are
    // a sparse file, so the test costs no disk; the reader must stop at the limit
    // without holding the rest.
    head.push_str("2025-10-14 21:05:00,MT,13312345678,1069012345,\"runaway");
    std::fs::write(&path, &head).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    let e = read_dataset(&dir, &opts()).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:3: a record longer than 64 MiB starts here (an unterminated quote, or no line ends?); the file is not read further (raise the limit with --max-record-mib)",
            path.display()
        )
    );
    // A smaller limit: a 9 MiB line (longer than the reader's 4 MiB blocks, past which
    // a record's length is checked) is refused at 1 MiB, its line named.
    std::fs::write(
        &path,
        format!(
            "{HEADER}2025-10-14 21:05:00,MT,13312345678,1069012345,ok,otp,radio\n2025-10-14 21:05:00,MT,13312345678,1069012345,{},otp,radio\n",
            "x".repeat(9 << 20)
        ),
    )
    .unwrap();
    let small = ReadOptions {
        max_record_bytes: 1 << 20,
        ..opts()
    };
    let e = read_dataset(&dir, &small).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:3: a record longer than 1 MiB", path.display())),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_reject_goes_to_the_log_as_it_is_found_and_the_report_keeps_samples() {
    let dir = temp_dataset("reject-log");
    let rows = 200_000;
    let mut data = String::from(HEADER);
    for i in 0..rows {
        // Every row bad, each in its own way enough to be told apart.
        data.push_str(&format!(
            "2025-10-14 21:05:00,MT,bad{i},1069012345,\"code, {i}\",otp,radio\n"
        ));
    }
    std::fs::write(dir.join("sms.csv"), &data).unwrap();
    let log_path = dir.join("out/rejects.csv");
    let log = std::sync::Arc::new(duanka_ingest::RejectLog::create(&log_path).unwrap());
    let with_log = ReadOptions {
        keep_all_rejects: false,
        reject_log: Some(std::sync::Arc::clone(&log)),
        ..opts()
    };
    let ds = read_dataset(&dir, &with_log).unwrap();
    assert!(!log_path.exists(), "the log appears only when finished");
    log.finish().unwrap();
    check_invariants(&ds);
    let t = ds.table("sms").unwrap();
    assert_eq!(t.report.rejected, rows);
    assert_eq!(t.report.rejects.len(), duanka_ingest::SAMPLE_PER_FILE);
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, rows + 1);
    assert_eq!(lines[0], "table,file,line,column,reason,value");
    let sms = dir.join("sms.csv");
    assert_eq!(
        lines[1],
        format!(
            "sms,{},2,msisdn,number may only hold digits, spaces, '-', '(', ')' and a leading '+',bad0",
            sms.display()
        )
        .replace(
            "number may only hold digits, spaces, '-', '(', ')' and a leading '+'",
            "\"number may only hold digits, spaces, '-', '(', ')' and a leading '+'\""
        )
    );
    assert!(lines[rows as usize].ends_with(&format!(",bad{}", rows - 1)));
    std::fs::remove_dir_all(dir).unwrap();
}
