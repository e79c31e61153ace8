//! CSV and NDJSON files: one thread reads (and decompresses) and cuts the stream into
//! blocks on record boundaries; worker threads parse blocks into batches; the caller
//! puts the results back in file order, so output never depends on thread timing.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;

use crate::diag::{FileReport, Reject};
use crate::rows::{BatchBuilder, MAX_COLS, RowError};
use crate::source::{Format, SourceFile};
use crate::spec::TableSpec;
use crate::split::Splitter;
use crate::{IngestError, ReadOptions};

/// Bytes per block handed to a worker.
const BLOCK: usize = 4 << 20;

/// The error for a record that grew past `limit` bytes without ending: what is held
/// stops there, whatever the file holds (a runaway quote can make the rest of a file
/// one record, and a file without line ends is one line).
fn record_too_long(path: &Path, line: u64, limit: usize) -> IngestError {
    IngestError::Corrupt {
        path: path.to_path_buf(),
        line,
        reason: format!(
            "a record longer than {} MiB starts here (an unterminated quote, or no line ends?); the file is not read further (raise the limit with --max-record-mib)",
            limit >> 20
        ),
    }
}

struct Block {
    seq: u64,
    data: Vec<u8>,
    /// Line number of the block's first line.
    first_line: u64,
}

#[derive(Default)]
struct Parsed {
    seq: u64,
    batches: Vec<RecordBatch>,
    rejects: Vec<Reject>,
    read: u64,
    accepted: u64,
}

impl Parsed {
    /// Counts one parsed row and cuts a batch when the builder is full.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        pushed: Result<(), RowError>,
        builder: &mut BatchBuilder,
        spec: &TableSpec,
        path: &Path,
        line: u64,
        batch_rows: usize,
    ) {
        match pushed {
            Ok(()) => self.accepted += 1,
            Err(e) => self.rejects.push(reject(spec, path, line, e)),
        }
        if builder.rows() >= batch_rows {
            self.batches.push(builder.finish());
        }
    }

    /// Takes the block's last, partial batch.
    fn done(mut self, builder: &mut BatchBuilder) -> Self {
        if builder.rows() > 0 {
            self.batches.push(builder.finish());
        }
        self
    }
}

/// What one file gave.
pub(crate) struct FileOutput {
    pub batches: Vec<RecordBatch>,
    pub report: FileReport,
    pub rejects: Vec<Reject>,
}

/// An encoding other than UTF-8, told from a file's first block.
enum Encoding {
    /// Unreadable as text: every character carries a NUL byte.
    Utf16(String),
    /// Readable in its ASCII parts: a note for the file, its other rows are rejected.
    Gb18030(String),
}

fn not_utf8(head: &[u8], path: &Path) -> Option<Encoding> {
    let name = path
        .file_name()
        .map_or_else(|| "FILE".to_string(), |n| n.to_string_lossy().into_owned());
    let utf16 = |order: &str| {
        Encoding::Utf16(format!(
            "the file is UTF-16{order}, not UTF-8 (as some Windows tools save CSV): convert it first, e.g. `iconv -f UTF-16 -t UTF-8 {name} > {name}.utf8`"
        ))
    };
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(utf16(" (little-endian)"));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(utf16(" (big-endian)"));
    }
    // Without a BOM: ASCII text in UTF-16 has a NUL in every other byte.
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() >= 16 {
        let nul = |k: usize| {
            sample
                .iter()
                .skip(k)
                .step_by(2)
                .filter(|b| **b == 0)
                .count()
        };
        let half = sample.len() / 2;
        let (mostly, rarely) = (|n: usize| n * 10 >= half * 9, |n: usize| n * 10 <= half);
        // One byte of each pair NUL, the other not: a run of NULs alone (a file padded
        // or cut) is not UTF-16.
        if (mostly(nul(0)) && rarely(nul(1))) || (mostly(nul(1)) && rarely(nul(0))) {
            return Some(utf16(""));
        }
    }
    let Err(e) = std::str::from_utf8(head) else {
        return None;
    };
    // A character cut by the end of the block is not a fault of the file.
    e.error_len()?;
    looks_gb18030(head).then(|| {
        Encoding::Gb18030(format!(
            "not UTF-8: the bytes look GB18030/GBK-encoded (as exports from Chinese Windows systems are); the rows holding them are rejected; convert the file first, e.g. `iconv -f GB18030 -t UTF-8 {name} > {name}.utf8`"
        ))
    })
}

/// Whether nearly every non-ASCII byte pairs up as a GBK/GB18030 two-byte character
/// (lead 0x81 to 0xFE, trail 0x40 to 0xFE but 0x7F). Asked only of text that is not
/// UTF-8, whose Chinese characters would pair up as well.
fn looks_gb18030(b: &[u8]) -> bool {
    let (mut pairs, mut stray, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            i += 1;
        } else if (0x81..=0xFE).contains(&c)
            && b.get(i + 1)
                .is_some_and(|t| (0x40..=0xFE).contains(t) && *t != 0x7F)
        {
            pairs += 1;
            i += 2;
        } else {
            stray += 1;
            i += 1;
        }
    }
    pairs >= 2 && stray * 20 <= pairs
}

/// Reads until `buf` holds `target` bytes or the input ends; returns whether it ended.
fn fill(
    input: &mut dyn Read,
    buf: &mut Vec<u8>,
    target: usize,
    path: &Path,
    line: u64,
) -> Result<bool, IngestError> {
    let want = target.saturating_sub(buf.len());
    if want == 0 {
        return Ok(false);
    }
    // Straight into the buffer: no intermediate copy.
    match input.take(want as u64).read_to_end(buf) {
        Ok(n) => Ok(n < want),
        Err(e) => Err(IngestError::Corrupt {
            path: path.to_path_buf(),
            line: line + memchr::memchr_iter(b'\n', buf).count() as u64,
            reason: format!("cannot read past this line: {e} (truncated or corrupt file?)"),
        }),
    }
}

/// Reads one CSV or NDJSON file, handing its batches to `sink` in file order as they
/// are parsed: what is held at once is a few blocks per thread, whatever the file's
/// size. The output's `batches` is empty.
pub(crate) fn stream_file(
    spec: &'static TableSpec,
    file: &SourceFile,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), IngestError>,
    on_reject: &mut dyn FnMut(Reject) -> Result<(), IngestError>,
) -> Result<FileOutput, IngestError> {
    let progress = opts.progress.clone();
    let mut input = file.open(move |n| {
        if let Some(p) = &progress {
            p(n)
        }
    })?;
    let mut report = FileReport {
        path: file.path.clone(),
        format: file.format_name(),
        bytes: file.bytes,
        ..Default::default()
    };
    let quoting = file.format == Format::Csv;
    let path = file.path.as_path();

    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    let mut eof = fill(&mut input, &mut buf, BLOCK, path, 1)?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    if let Some(reason) = not_utf8(&buf, &file.path) {
        match reason {
            Encoding::Utf16(reason) => {
                return Err(IngestError::Corrupt {
                    path: path.to_path_buf(),
                    line: 0,
                    reason,
                });
            }
            Encoding::Gb18030(note) => report.notes.push(note),
        }
    }
    // Line ends of CR alone (classic Mac OS, some old exporters): records end at `\n`
    // here, so such a file would be read as one header and nothing else.
    if memchr::memchr(b'\n', &buf).is_none()
        && memchr::memchr(b'\r', &buf).is_some_and(|k| k + 1 < buf.len())
    {
        let name = file
            .path
            .file_name()
            .map_or_else(|| "FILE".into(), |n| n.to_string_lossy());
        return Err(IngestError::Corrupt {
            path: path.to_path_buf(),
            line: 0,
            reason: format!(
                "its lines end in CR alone (no LF): convert it first, e.g. `tr '\\r' '\\n' < {name} > {name}.lf`"
            ),
        });
    }
    if eof && buf.iter().all(u8::is_ascii_whitespace) {
        let note = if quoting {
            "empty file: no header and no rows"
        } else {
            "empty file: no rows"
        };
        report.notes.push(note.into());
        return Ok(FileOutput {
            batches: Vec::new(),
            report,
            rejects: Vec::new(),
        });
    }

    let mut columns: Vec<Option<usize>> = vec![None; spec.columns.len()];
    let mut header_len = 0usize;
    let mut first_line = 1u64;
    if quoting {
        let end = loop {
            if let Some(e) = Splitter::first_record_end(&buf, true) {
                break e;
            }
            if eof {
                break buf.len();
            }
            if buf.len() > opts.max_record_bytes {
                return Err(record_too_long(path, 1, opts.max_record_bytes));
            }
            let target = buf.len() + BLOCK;
            eof = fill(&mut input, &mut buf, target, path, 1)?;
        };
        let header = parse_header(&buf[..end], path)?;
        header_len = header.len();
        columns = map_columns(spec, &header, path)?;
        first_line += memchr::memchr_iter(b'\n', &buf[..end]).count() as u64;
        buf.drain(..end);
    }

    let threads = opts.threads.max(1);
    let (work_tx, work_rx) = mpsc::sync_channel::<Block>(threads * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    // Bounded, so that parsing waits for a slow sink instead of piling up batches.
    let (done_tx, done_rx) = mpsc::sync_channel::<Parsed>(threads * 2);
    // Parsed blocks' buffers go back to the reader: reusing them avoids fresh pages (and
    // their page faults) for every block.
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let format = file.format;

    let read_result = std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            let free = free_tx.clone();
            let columns = &columns;
            let time = opts.time.clone();
            s.spawn(move || {
                let mut builder = BatchBuilder::new(spec, time);
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut block) = next else { return };
                    let parsed = match format {
                        Format::Csv => parse_csv(
                            spec,
                            &mut builder,
                            columns,
                            header_len,
                            &block,
                            path,
                            opts.batch_rows,
                        ),
                        _ => parse_ndjson(spec, &mut builder, &block, path, opts.batch_rows),
                    };
                    block.data.clear();
                    // The reader may have finished already; then the buffer is dropped.
                    let _ = free.send(block.data);
                    if tx.send(parsed).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        drop(free_tx);
        let max_record = opts.max_record_bytes;
        let reader = s.spawn(move || -> Result<(), IngestError> {
            let mut splitter = if quoting {
                Splitter::csv()
            } else {
                Splitter::lines()
            };
            let mut seq = 0u64;
            let mut line = first_line;
            let mut scanned = 0usize;
            loop {
                if eof && buf.is_empty() {
                    return Ok(());
                }
                if !eof && buf.len() < BLOCK {
                    eof = fill(&mut input, &mut buf, BLOCK, path, line)?;
                    continue;
                }
                let cut = if eof {
                    Some(buf.len())
                } else {
                    splitter.scan(&buf, scanned)
                };
                scanned = buf.len();
                match cut {
                    Some(c) if c > 0 => {
                        let rest = buf.split_off(c);
                        let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
                        let next = free_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(BLOCK + rest.len()));
                        let data = std::mem::replace(&mut buf, next);
                        buf.extend_from_slice(&rest);
                        scanned = buf.len();
                        if work_tx
                            .send(Block {
                                seq,
                                data,
                                first_line: line,
                            })
                            .is_err()
                        {
                            return Ok(());
                        }
                        seq += 1;
                        line += lines;
                    }
                    _ => {
                        // One record longer than a block: keep reading until it ends.
                        if buf.len() > max_record {
                            return Err(record_too_long(path, line, max_record));
                        }
                        let target = buf.len() + BLOCK;
                        eof = fill(&mut input, &mut buf, target, path, line)?;
                    }
                }
            }
        });
        // Blocks come back in any order; each goes to the sink once all before it have.
        let mut pending: BTreeMap<u64, Parsed> = BTreeMap::new();
        let mut next = 0u64;
        let mut sunk: Result<(), IngestError> = Ok(());
        for p in done_rx {
            pending.insert(p.seq, p);
            while let Some(p) = pending.remove(&next) {
                next += 1;
                report.read += p.read;
                report.accepted += p.accepted;
                report.rejected += p.rejects.len() as u64;
                for r in p.rejects {
                    if sunk.is_ok() {
                        sunk = on_reject(r);
                    }
                }
                for b in p.batches {
                    if sunk.is_ok() {
                        sunk = sink(b);
                    }
                }
            }
        }
        let read_result = reader
            .join()
            .unwrap_or_else(|_| Err(IngestError::Internal("reader thread panicked".into())));
        read_result.and(sunk)
    });
    read_result?;
    debug_assert_eq!(report.read, report.accepted + report.rejected);
    Ok(FileOutput {
        batches: Vec::new(),
        report,
        rejects: Vec::new(),
    })
}

fn parse_header(bytes: &[u8], path: &Path) -> Result<Vec<String>, IngestError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    match r.read_byte_record(&mut rec) {
        Ok(true) => {}
        _ => {
            return Err(IngestError::Corrupt {
                path: path.to_path_buf(),
                line: 1,
                reason: "no header row".into(),
            });
        }
    }
    rec.iter()
        .map(|f| {
            std::str::from_utf8(f)
                .map(|s| s.trim().to_string())
                .map_err(|_| IngestError::Corrupt {
                    path: path.to_path_buf(),
                    line: 1,
                    reason: "header is not valid UTF-8".into(),
                })
        })
        .collect()
}

/// Matches header names (trimmed, any case) to the spec's columns. Extra columns are
/// ignored; a required column that is missing, or a known column named twice, stops the
/// read of this file with an error naming the file and the column.
pub(crate) fn map_columns(
    spec: &TableSpec,
    header: &[String],
    path: &Path,
) -> Result<Vec<Option<usize>>, IngestError> {
    let mut out = vec![None; spec.columns.len()];
    for (j, name) in header.iter().enumerate() {
        if let Some(i) = spec
            .columns
            .iter()
            .position(|c| !c.derived() && c.name.eq_ignore_ascii_case(name))
        {
            if out[i].is_some() {
                return Err(IngestError::DuplicateColumn {
                    path: path.to_path_buf(),
                    column: spec.columns[i].name,
                });
            }
            out[i] = Some(j);
        }
    }
    for (i, c) in spec.columns.iter().enumerate() {
        if c.required && out[i].is_none() {
            let hint = match header {
                [only] => [';', '\t', '|']
                    .iter()
                    .find(|d| only.contains(**d))
                    .map(|d| {
                        format!(
                            " The header looks {:?}-separated; duanka reads comma-separated CSV.",
                            d
                        )
                    }),
                _ => None,
            };
            return Err(IngestError::MissingColumn {
                table: spec.name,
                path: path.to_path_buf(),
                column: c.name,
                found: header.to_vec(),
                hint: hint.unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

fn reject(spec: &TableSpec, path: &Path, line: u64, e: RowError) -> Reject {
    Reject {
        table: spec.name,
        file: path.to_path_buf(),
        line,
        column: e.column,
        reason: e.reason,
        value: e.value,
    }
}

fn parse_csv(
    spec: &'static TableSpec,
    builder: &mut BatchBuilder,
    columns: &[Option<usize>],
    header_len: usize,
    block: &Block,
    path: &Path,
    batch_rows: usize,
) -> Parsed {
    let mut out = Parsed {
        seq: block.seq,
        ..Default::default()
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(block.data.as_slice());
    let mut rec = csv::ByteRecord::new();
    let ncols = columns.len().min(MAX_COLS);
    // Reading from memory cannot fail; a failure would end the block like its end does.
    while let Ok(true) = r.read_byte_record(&mut rec) {
        out.read += 1;
        let line = block.first_line + rec.position().map_or(1, |p| p.line()) - 1;
        if rec.len() != header_len {
            let e = RowError {
                column: None,
                reason: Cow::Owned(format!(
                    "row has {} fields, the header has {header_len}",
                    rec.len()
                )),
                value: Some(Reject::clip(
                    &rec.iter().collect::<Vec<_>>().join(&b","[..]),
                )),
            };
            out.rejects.push(reject(spec, path, line, e));
            continue;
        }
        // One UTF-8 check per record; only a record that fails it is checked field by field
        // to name the column.
        let pushed = match std::str::from_utf8(rec.as_slice()) {
            // A NUL is valid UTF-8 but no value of the contract holds one: binary data
            // in a text column, or a file cut and padded.
            Ok(_) if memchr::memchr(0, rec.as_slice()).is_some() => {
                let column = columns
                    .iter()
                    .zip(spec.columns)
                    .find(|(src, _)| {
                        src.and_then(|j| rec.get(j))
                            .is_some_and(|f| memchr::memchr(0, f).is_some())
                    })
                    .map(|(_, c)| c.name);
                let e = RowError {
                    column,
                    reason: Cow::Borrowed("NUL byte in the row (binary data in a text file?)"),
                    value: Some(Reject::clip(
                        &rec.iter().collect::<Vec<_>>().join(&b","[..]),
                    )),
                };
                out.rejects.push(reject(spec, path, line, e));
                continue;
            }
            Ok(whole) => {
                let mut fields: [Option<&str>; MAX_COLS] = [None; MAX_COLS];
                for (f, src) in fields.iter_mut().zip(columns) {
                    // Field boundaries fall on ASCII delimiters, so they are char boundaries.
                    *f = src.and_then(|j| rec.range(j)).and_then(|r| whole.get(r));
                }
                builder.push_str(&fields[..ncols])
            }
            Err(_) => {
                let mut fields: [Option<&[u8]>; MAX_COLS] = [None; MAX_COLS];
                for (f, src) in fields.iter_mut().zip(columns) {
                    *f = src.and_then(|j| rec.get(j));
                }
                builder.push(&fields[..ncols])
            }
        };
        out.row(pushed, builder, spec, path, line, batch_rows);
    }
    out.done(builder)
}

fn json_text(v: &serde_json::Value) -> Result<Option<Cow<'_, str>>, &'static str> {
    Ok(match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => return Err("value must be text, a number or a boolean, not an array or object"),
    })
}

fn parse_ndjson(
    spec: &'static TableSpec,
    builder: &mut BatchBuilder,
    block: &Block,
    path: &Path,
    batch_rows: usize,
) -> Parsed {
    let mut out = Parsed {
        seq: block.seq,
        ..Default::default()
    };
    let ncols = spec.columns.len().min(MAX_COLS);
    for (k, raw) in block.data.split(|&b| b == b'\n').enumerate() {
        let line = block.first_line + k as u64;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.read += 1;
        let obj = match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(raw) {
            Ok(o) => o,
            Err(e) => {
                let reason = if e.is_data() {
                    "line is not a JSON object"
                } else {
                    "invalid JSON"
                };
                let e = RowError {
                    column: None,
                    reason: reason.into(),
                    value: Some(Reject::clip(raw)),
                };
                out.rejects.push(reject(spec, path, line, e));
                continue;
            }
        };
        let mut texts: [Option<Cow<'_, str>>; MAX_COLS] = Default::default();
        let mut bad = None;
        for (i, c) in spec.columns.iter().enumerate().take(ncols) {
            let v = obj.get(c.name).or_else(|| {
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(c.name))
                    .map(|(_, v)| v)
            });
            match v.map(json_text) {
                None => {
                    if c.required {
                        bad = Some(RowError {
                            column: Some(c.name),
                            reason: "required field is missing".into(),
                            value: None,
                        });
                        break;
                    }
                }
                Some(Ok(t)) => texts[i] = t,
                Some(Err(reason)) => {
                    bad = Some(RowError {
                        column: Some(c.name),
                        reason: reason.into(),
                        value: v.map(|v| Reject::clip(v.to_string().as_bytes())),
                    });
                    break;
                }
            }
        }
        if let Some(e) = bad {
            out.rejects.push(reject(spec, path, line, e));
            continue;
        }
        let mut fields: [Option<&str>; MAX_COLS] = [None; MAX_COLS];
        for (f, t) in fields.iter_mut().zip(&texts) {
            *f = t.as_deref();
        }
        let pushed = builder.push_str(&fields[..ncols]);
        out.row(pushed, builder, spec, path, line, batch_rows);
    }
    out.done(builder)
}
