//! The public reference formats, read into the contract's reference tables:
//! - libphonenumber `resources/geocoding/zh/86.txt` (`prefix|省市`) plus the carrier file
//!   `resources/carrier/zh/86.txt` (`prefix|运营商`) → `segments`;
//! - the Osmocom TAC database CSV (a licence line, then `tac,name,name,…`) → `tac`;
//! - a folder of per-country `<cc>.cidr` files (one block per line) → `geoip`.
//!
//! Lines are counted like any table's rows: accepted or rejected with a reason. Lines
//! that are comments, blank, or (for segments) landline area codes are not rows; how
//! many were passed over is written in the file's notes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::diag::{FileReport, Reject, TableReport};
use crate::rows::BatchBuilder;
use crate::{IngestError, ReadOptions, SAMPLE_PER_FILE, Table, spec};

/// A reference table found in public formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceSource {
    Segments {
        geocoding: PathBuf,
        carrier: Option<PathBuf>,
    },
    Tac {
        path: PathBuf,
    },
    Geoip {
        files: Vec<PathBuf>,
    },
}

impl ReferenceSource {
    pub fn table(&self) -> &'static str {
        match self {
            ReferenceSource::Segments { .. } => "segments",
            ReferenceSource::Tac { .. } => "tac",
            ReferenceSource::Geoip { .. } => "geoip",
        }
    }

    fn paths(&self) -> Vec<&Path> {
        match self {
            ReferenceSource::Segments { geocoding, carrier } => {
                std::iter::once(geocoding.as_path())
                    .chain(carrier.as_deref())
                    .collect()
            }
            ReferenceSource::Tac { path } => vec![path.as_path()],
            ReferenceSource::Geoip { files } => files.iter().map(PathBuf::as_path).collect(),
        }
    }

    pub fn bytes(&self) -> u64 {
        self.paths()
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Reads the source into its contract table.
    pub fn read(&self, opts: &ReadOptions) -> Result<Table, IngestError> {
        let spec = spec::table(self.table()).ok_or_else(|| {
            IngestError::Internal("reference table missing from the contract".into())
        })?;
        let mut lines = LineTable::new(spec, opts);
        match self {
            ReferenceSource::Segments { geocoding, carrier } => {
                let carriers = match carrier {
                    Some(c) => read_carriers(c)?,
                    None => Vec::new(),
                };
                let mut landline = 0u64;
                lines.file(geocoding, opts, |line, lt| {
                    let Some((prefix, place)) = line.split_once('|') else {
                        return Some(Err("expected prefix|省市"));
                    };
                    let digits = prefix.trim().strip_prefix("86").unwrap_or(prefix.trim());
                    if !digits.starts_with('1') {
                        landline += 1;
                        return None;
                    }
                    let (province, city) = split_place(place.trim());
                    let carrier = longest_prefix(&carriers, digits);
                    Some(lt.push(&[
                        Some(digits.as_bytes()),
                        Some(province.as_bytes()),
                        Some(city.as_bytes()),
                        carrier.map(str::as_bytes),
                    ]))
                })?;
                if landline > 0
                    && let Some(f) = lines.report.files.last_mut()
                {
                    f.notes.push(format!("{landline} landline area-code lines not used (segments holds mobile prefixes)"));
                }
            }
            ReferenceSource::Tac { path } => {
                let mut seen_header = false;
                lines.file(path, opts, |line, lt| {
                    if !seen_header {
                        // The licence notice line, then the header line.
                        if line.starts_with("tac,") {
                            seen_header = true;
                        }
                        return None;
                    }
                    let mut r = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .flexible(true)
                        .from_reader(line.as_bytes());
                    let mut rec = csv::StringRecord::new();
                    if !matches!(r.read_record(&mut rec), Ok(true)) {
                        return Some(Err("unreadable CSV line"));
                    }
                    Some(lt.push(&[
                        rec.get(0).map(str::as_bytes),
                        rec.get(1).map(str::as_bytes),
                        rec.get(2).map(str::as_bytes),
                    ]))
                })?;
            }
            ReferenceSource::Geoip { files } => {
                for f in files {
                    let cc = f
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    lines.file(f, opts, |line, lt| {
                        Some(lt.push(&[Some(line.as_bytes()), Some(cc.as_bytes())]))
                    })?;
                }
            }
        }
        Ok(lines.finish())
    }
}

/// Splits `广东省广州市` into (`广东省`, `广州市`); municipalities are their own city.
pub fn split_place(place: &str) -> (&str, &str) {
    for m in ["北京市", "上海市", "天津市", "重庆市"] {
        if place.starts_with(m) {
            return (m, m);
        }
    }
    for marker in ["自治区", "省", "特别行政区"] {
        if let Some(i) = place.find(marker) {
            let cut = i + marker.len();
            return (&place[..cut], &place[cut..]);
        }
    }
    (place, "")
}

fn read_carriers(path: &Path) -> Result<Vec<(String, String)>, IngestError> {
    let f = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| IngestError::io(path, e))?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((p, c)) = t.split_once('|') {
            out.push((
                p.trim().strip_prefix("86").unwrap_or(p.trim()).to_string(),
                c.trim().to_string(),
            ));
        }
    }
    // Longest first, so the first match is the most specific.
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

fn longest_prefix<'a>(table: &'a [(String, String)], digits: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(p, _)| digits.starts_with(p.as_str()))
        .map(|(_, c)| c.as_str())
}

/// Accumulates one reference table from line-oriented files.
struct LineTable {
    spec: &'static spec::TableSpec,
    builder: BatchBuilder,
    batches: Vec<arrow::array::RecordBatch>,
    report: TableReport,
    keep_all: bool,
}

type LineResult = Result<(), &'static str>;

/// Pushes one row, mapping a parse failure to its reason.
struct Pusher<'a> {
    builder: &'a mut BatchBuilder,
    last_error: Option<crate::rows::RowError>,
}

impl Pusher<'_> {
    fn push(&mut self, fields: &[Option<&[u8]>]) -> LineResult {
        match self.builder.push(fields) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.last_error = Some(e);
                Err("")
            }
        }
    }
}

impl LineTable {
    fn new(spec: &'static spec::TableSpec, opts: &ReadOptions) -> Self {
        LineTable {
            spec,
            builder: BatchBuilder::new(spec, opts.time.clone()),
            batches: Vec::new(),
            report: TableReport::new(spec.name),
            keep_all: opts.keep_all_rejects,
        }
    }

    /// Feeds every non-comment, non-blank line of `path` to `row`, which returns `None`
    /// for a line that is not a row.
    fn file(
        &mut self,
        path: &Path,
        opts: &ReadOptions,
        mut row: impl FnMut(&str, &mut Pusher<'_>) -> Option<LineResult>,
    ) -> Result<(), IngestError> {
        let bytes = std::fs::read(path).map_err(|e| IngestError::io(path, e))?;
        if let Some(p) = &opts.progress {
            p(bytes.len() as u64);
        }
        let mut fr = FileReport {
            path: path.to_path_buf(),
            format: "reference".into(),
            bytes: bytes.len() as u64,
            ..Default::default()
        };
        let mut kept = 0usize;
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = i as u64 + 1;
            let text = match std::str::from_utf8(raw) {
                Ok(t) => t.trim(),
                Err(_) => {
                    fr.read += 1;
                    self.reject(
                        &mut fr,
                        &mut kept,
                        path,
                        line_no,
                        None,
                        "line is not valid UTF-8".into(),
                        raw,
                    );
                    continue;
                }
            };
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let mut pusher = Pusher {
                builder: &mut self.builder,
                last_error: None,
            };
            let Some(result) = row(text, &mut pusher) else {
                continue;
            };
            let err = pusher.last_error.take();
            fr.read += 1;
            match (result, err) {
                (Ok(()), _) => fr.accepted += 1,
                (Err(_), Some(e)) => {
                    self.reject(&mut fr, &mut kept, path, line_no, e.column, e.reason, raw)
                }
                (Err(reason), None) => {
                    self.reject(&mut fr, &mut kept, path, line_no, None, reason.into(), raw)
                }
            }
            if self.builder.rows() >= opts.batch_rows {
                self.batches.push(self.builder.finish());
            }
        }
        self.report.add_file(fr);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn reject(
        &mut self,
        fr: &mut FileReport,
        kept: &mut usize,
        path: &Path,
        line: u64,
        column: Option<&'static str>,
        reason: std::borrow::Cow<'static, str>,
        raw: &[u8],
    ) {
        fr.rejected += 1;
        let r = Reject {
            table: self.spec.name,
            file: path.to_path_buf(),
            line,
            column,
            reason,
            value: Some(Reject::clip(raw)),
        };
        self.report.count_reject(&r);
        if self.keep_all || *kept < SAMPLE_PER_FILE {
            self.report.rejects.push(r);
            *kept += 1;
        }
    }

    fn finish(mut self) -> Table {
        if self.builder.rows() > 0 {
            self.batches.push(self.builder.finish());
        }
        Table {
            spec: self.spec,
            batches: self.batches,
            report: self.report,
        }
    }
}

/// Recognises public reference files in `dir`: `*geocoding*.txt` (+ `*carrier*.txt`),
/// an Osmocom TAC CSV (its first line names the Osmocom TAC database), and `*.cidr` files
/// in `dir` or in one of its sub-folders.
pub fn discover(dir: &Path) -> Result<Vec<ReferenceSource>, IngestError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IngestError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let mut out = Vec::new();
    let geocoding = entries
        .iter()
        .find(|p| p.is_file() && name(p).contains("geocoding") && name(p).ends_with(".txt"));
    let carrier = entries
        .iter()
        .find(|p| p.is_file() && name(p).contains("carrier") && name(p).ends_with(".txt"));
    if let Some(g) = geocoding {
        out.push(ReferenceSource::Segments {
            geocoding: g.clone(),
            carrier: carrier.cloned(),
        });
    }
    for p in entries
        .iter()
        .filter(|p| p.is_file() && name(p).ends_with(".csv"))
    {
        let head = std::fs::File::open(p)
            .ok()
            .and_then(|f| BufReader::new(f).lines().next())
            .and_then(Result::ok)
            .unwrap_or_default();
        if head.starts_with("Osmocom TAC database") {
            out.push(ReferenceSource::Tac { path: p.clone() });
            break;
        }
    }
    let mut cidr: Vec<PathBuf> = Vec::new();
    for p in &entries {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| IngestError::io(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|q| name(q).ends_with(".cidr"))
                .collect();
            inner.sort();
            cidr.extend(inner);
        } else if name(p).ends_with(".cidr") {
            cidr.push(p.clone());
        }
    }
    if !cidr.is_empty() {
        out.push(ReferenceSource::Geoip { files: cidr });
    }
    if out.is_empty() {
        return Err(IngestError::Corrupt {
            path: dir.to_path_buf(),
            line: 0,
            reason: "no reference files recognised (expected *geocoding*.txt, an Osmocom TAC CSV, or *.cidr files)".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        assert_eq!(split_place("广东省广州市"), ("广东省", "广州市"));
        assert_eq!(split_place("北京市"), ("北京市", "北京市"));
        assert_eq!(
            split_place("广西壮族自治区南宁市"),
            ("广西壮族自治区", "南宁市")
        );
        assert_eq!(
            split_place("内蒙古自治区呼和浩特市"),
            ("内蒙古自治区", "呼和浩特市")
        );
        assert_eq!(split_place("安徽省"), ("安徽省", ""));
    }
}
