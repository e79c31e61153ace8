//! The public reference formats, read into the contract's reference tables:
//! - libphonenumber `resources/geocoding/zh/86.txt` (`prefix|省市`) plus the carrier file
//!   `resources/carrier/zh/86.txt` (`prefix|运营商`) → `segments`;
//! - the Osmocom TAC database CSV (a licence line, then `tac,name,name,…`) → `tac`;
//! - a folder of per-country `<cc>.cidr` files (one block per line) → `geoip`.
//!
//! Lines are counted like any table's rows: accepted or rejected with a reason. Lines
//! that are comments, blank, or (for segments) landline area codes are not rows; how
//! many were passed over is written in the file's notes.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::diag::{FileReport, Reject, TableReport};
use crate::rows::BatchBuilder;
use crate::{IngestError, ReadOptions, SAMPLE_PER_FILE, Table, spec};

/// The snapshot of the public reference data built into duanka (see `data/reference/NOTICE`).
pub use duanka_refdata::SNAPSHOT;

/// Where a run's reference tables come from, for the tables the dataset does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReferenceChoice {
    /// The snapshot built into duanka.
    #[default]
    Builtin,
    /// A folder in the public formats; the tables it lacks come from the built-in snapshot.
    Dir(PathBuf),
    /// Only the dataset's own reference tables.
    Off,
}

/// One reference file: in a folder, or in the snapshot built into duanka.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefFile {
    Disk(PathBuf),
    Builtin(&'static duanka_refdata::File),
}

impl RefFile {
    /// The path diagnostics name: the file's own, or `<built-in>/NAME` for the snapshot.
    pub fn path(&self) -> Cow<'_, Path> {
        match self {
            RefFile::Disk(p) => Cow::Borrowed(p.as_path()),
            RefFile::Builtin(f) => Cow::Owned(PathBuf::from(format!("<built-in>/{}", f.path))),
        }
    }

    /// The file name, lower case.
    fn name(&self) -> String {
        match self {
            RefFile::Disk(p) => p.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            RefFile::Builtin(f) => f.name(),
        }
        .to_ascii_lowercase()
    }

    /// The file name without its extension, lower case (a `.cidr` file's country code).
    pub fn stem(&self) -> String {
        let name = self.name();
        match name.rsplit_once('.') {
            Some((stem, _)) => stem.to_string(),
            None => name,
        }
    }

    /// Size in bytes (decompressed, for the snapshot).
    pub fn size(&self) -> u64 {
        match self {
            RefFile::Disk(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            RefFile::Builtin(f) => f.size,
        }
    }

    /// The whole file.
    pub fn read(&self) -> Result<Vec<u8>, IngestError> {
        match self {
            RefFile::Disk(p) => std::fs::read(p).map_err(|e| IngestError::io(p, e)),
            RefFile::Builtin(f) => f.bytes().map_err(|e| {
                IngestError::Internal(format!("built-in reference file {}: {e}", f.path))
            }),
        }
    }

    /// The first line, to recognise a format by.
    fn head(&self) -> String {
        match self {
            RefFile::Disk(p) => std::fs::File::open(p)
                .ok()
                .and_then(|f| BufReader::new(f).lines().next())
                .and_then(Result::ok)
                .unwrap_or_default(),
            RefFile::Builtin(f) => f.head.to_string(),
        }
    }
}

/// Where a reference table was taken from, as output says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceOrigin {
    Builtin,
    Dir(PathBuf),
}

impl std::fmt::Display for ReferenceOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferenceOrigin::Builtin => write!(f, "built-in snapshot {SNAPSHOT}"),
            ReferenceOrigin::Dir(d) => write!(f, "{}", d.display()),
        }
    }
}

/// A reference table found in public formats, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceSource {
    pub origin: ReferenceOrigin,
    pub files: ReferenceFiles,
}

/// The files of one reference table, by format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceFiles {
    Segments {
        geocoding: RefFile,
        carrier: Option<RefFile>,
    },
    Tac {
        file: RefFile,
    },
    Geoip {
        files: Vec<RefFile>,
    },
}

impl ReferenceSource {
    pub fn table(&self) -> &'static str {
        match &self.files {
            ReferenceFiles::Segments { .. } => "segments",
            ReferenceFiles::Tac { .. } => "tac",
            ReferenceFiles::Geoip { .. } => "geoip",
        }
    }

    /// Every file of the table, in reading order.
    pub fn all_files(&self) -> Vec<&RefFile> {
        match &self.files {
            ReferenceFiles::Segments { geocoding, carrier } => {
                std::iter::once(geocoding).chain(carrier).collect()
            }
            ReferenceFiles::Tac { file } => vec![file],
            ReferenceFiles::Geoip { files } => files.iter().collect(),
        }
    }

    pub fn bytes(&self) -> u64 {
        self.all_files().iter().map(|f| f.size()).sum()
    }

    /// Reads the source into its contract table.
    pub fn read(&self, opts: &ReadOptions) -> Result<Table, IngestError> {
        let spec = spec::table(self.table()).ok_or_else(|| {
            IngestError::Internal("reference table missing from the contract".into())
        })?;
        let mut lines = LineTable::new(spec, opts);
        match &self.files {
            ReferenceFiles::Segments { geocoding, carrier } => {
                let carriers = match carrier {
                    Some(c) => Carriers::read(c)?,
                    None => Carriers::default(),
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
                    let carrier = carriers.of(digits);
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
            ReferenceFiles::Tac { file } => {
                let mut seen_header = false;
                lines.file(file, opts, |line, lt| {
                    if !seen_header {
                        // The licence notice line, then the header line.
                        if line.starts_with("tac,") {
                            seen_header = true;
                        }
                        return None;
                    }
                    // A CSV reader per line would build its parser 25 000 times.
                    let mut fields = csv_fields(line);
                    let (tac, brand, model) = (fields.next(), fields.next(), fields.next());
                    Some(lt.push(&[
                        tac.as_deref().map(str::as_bytes),
                        brand.as_deref().map(str::as_bytes),
                        model.as_deref().map(str::as_bytes),
                    ]))
                })?;
            }
            ReferenceFiles::Geoip { files } => {
                for f in files {
                    let cc = f.stem().to_ascii_uppercase();
                    lines.file(f, opts, |line, lt| {
                        Some(lt.push(&[Some(line.as_bytes()), Some(cc.as_bytes())]))
                    })?;
                }
            }
        }
        Ok(lines.finish())
    }
}

/// The fields of one CSV line (RFC 4180 quoting: `"a,b"`, and `""` for a quote inside
/// quotes), as the Osmocom TAC list writes them.
pub fn csv_fields(line: &str) -> impl Iterator<Item = String> + '_ {
    let mut chars = line.chars().peekable();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut field = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => return Some(field),
                c => field.push(c),
            }
        }
        done = true;
        Some(field)
    })
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

/// libphonenumber's carrier file (`86134|中国移动`): the carrier of a number prefix.
#[derive(Debug, Clone, Default)]
pub struct Carriers(Vec<(String, String)>);

impl Carriers {
    pub fn read(file: &RefFile) -> Result<Self, IngestError> {
        read_carriers(file).map(Carriers)
    }

    /// The carrier of the longest listed prefix of `digits` (without `86`).
    pub fn of(&self, digits: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| digits.starts_with(p.as_str()))
            .map(|(_, c)| c.as_str())
    }
}

fn read_carriers(file: &RefFile) -> Result<Vec<(String, String)>, IngestError> {
    let bytes = file.read()?;
    let text = std::str::from_utf8(&bytes).map_err(|_| IngestError::Corrupt {
        path: file.path().into_owned(),
        line: 0,
        reason: "the carrier file is not valid UTF-8".into(),
    })?;
    let mut out = Vec::new();
    for line in text.lines() {
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
        file: &RefFile,
        opts: &ReadOptions,
        mut row: impl FnMut(&str, &mut Pusher<'_>) -> Option<LineResult>,
    ) -> Result<(), IngestError> {
        let bytes = file.read()?;
        let path = file.path();
        let path = path.as_ref();
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
            in_place: Vec::new(),
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
    let mut candidates = Vec::new();
    for p in entries {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(&p)
                .map_err(|e| IngestError::io(&p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|q| q.is_file())
                .collect();
            inner.sort();
            candidates.extend(inner.into_iter().map(|q| (RefFile::Disk(q), false)));
        } else if p.is_file() {
            candidates.push((RefFile::Disk(p), true));
        }
    }
    let out = recognise(candidates, &ReferenceOrigin::Dir(dir.to_path_buf()));
    if out.is_empty() {
        return Err(IngestError::Corrupt {
            path: dir.to_path_buf(),
            line: 0,
            reason: "no reference files recognised (expected *geocoding*.txt, an Osmocom TAC CSV, or *.cidr files)".into(),
        });
    }
    Ok(out)
}

/// The reference tables of the snapshot built into duanka.
pub fn builtin() -> Vec<ReferenceSource> {
    let candidates = duanka_refdata::files()
        .iter()
        .map(|f| (RefFile::Builtin(f), !f.in_subfolder()))
        .collect();
    recognise(candidates, &ReferenceOrigin::Builtin)
}

/// The reference tables a run uses when the dataset holds none of its own.
pub fn sources(choice: &ReferenceChoice) -> Result<Vec<ReferenceSource>, IngestError> {
    match choice {
        ReferenceChoice::Off => Ok(Vec::new()),
        ReferenceChoice::Builtin => Ok(builtin()),
        ReferenceChoice::Dir(dir) => {
            let mut out = discover(dir)?;
            for b in builtin() {
                if !out.iter().any(|s| s.table() == b.table()) {
                    out.push(b);
                }
            }
            Ok(out)
        }
    }
}

/// Picks the files of each format among `(file, at the top level)` candidates, in order;
/// sub-folders contribute only `.cidr` files.
fn recognise(candidates: Vec<(RefFile, bool)>, origin: &ReferenceOrigin) -> Vec<ReferenceSource> {
    let top = |f: &(RefFile, bool)| f.1;
    let named = |f: &RefFile, part: &str, ext: &str| {
        let n = f.name();
        n.contains(part) && n.ends_with(ext)
    };
    let source = |files| ReferenceSource {
        origin: origin.clone(),
        files,
    };
    let mut out = Vec::new();
    let geocoding = candidates
        .iter()
        .find(|c| top(c) && named(&c.0, "geocoding", ".txt"));
    let carrier = candidates
        .iter()
        .find(|c| top(c) && named(&c.0, "carrier", ".txt"));
    if let Some((g, _)) = geocoding {
        out.push(source(ReferenceFiles::Segments {
            geocoding: g.clone(),
            carrier: carrier.map(|c| c.0.clone()),
        }));
    }
    if let Some((t, _)) = candidates.iter().find(|c| {
        top(c) && named(&c.0, "", ".csv") && c.0.head().starts_with("Osmocom TAC database")
    }) {
        out.push(source(ReferenceFiles::Tac { file: t.clone() }));
    }
    let cidr: Vec<RefFile> = candidates
        .iter()
        .filter(|c| named(&c.0, "", ".cidr"))
        .map(|c| c.0.clone())
        .collect();
    if !cidr.is_empty() {
        out.push(source(ReferenceFiles::Geoip { files: cidr }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_honour_quotes() {
        let f: Vec<String> = csv_fields("1,\"a,b\",\"say \"\"hi\"\"\",,").collect();
        assert_eq!(f, ["1", "a,b", "say \"hi\"", "", ""]);
        assert_eq!(csv_fields("").collect::<Vec<_>>(), [""]);
    }

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
