//! Lookups built from the reference tables (`geoip`, `segments`) for the functions that
//! need them. Built once per session from the ingested tables; an absent table gives an
//! empty lookup (countries `unknown`, segments NULL), never an error.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use duanka_ingest::Dataset;
use duanka_model::{CidrTable, is_private, parse_cidr};

/// Where a number segment is and who runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    pub province: String,
    pub city: String,
    pub carrier: String,
}

/// Reference lookups shared by the functions of one session.
#[derive(Debug, Default)]
pub struct Lookups {
    geoip: Option<CidrTable<String>>,
    /// (prefix digits, prefix length) → segment.
    segments: HashMap<(i64, u32), Segment>,
    segment_lengths: Vec<u32>,
    /// Where another process can read the same lookups from (a cluster session's
    /// scratch files, see [`LookupFiles`]): what a plan sent to a cluster carries.
    origin: Option<String>,
    /// A cluster node's stand-in, registered so that a function reaching it without its
    /// lookups fails rather than answer `unknown` for every address.
    unavailable: bool,
}

/// The scratch files a cluster session wrote its `geoip` and `segments` tables to, for
/// its executors to build the same lookups from; no file: the dataset has no such table.
/// Travels as text inside the plan.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LookupFiles {
    pub geoip: Vec<PathBuf>,
    pub segments: Vec<PathBuf>,
}

impl LookupFiles {
    pub fn encode(&self) -> String {
        let mut out = String::from("duanka-lookups 2\n");
        for (name, files) in [("geoip", &self.geoip), ("segments", &self.segments)] {
            for f in files {
                out.push_str(&format!("{name}\t{}\n", f.display()));
            }
        }
        out
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        if lines.next()? != "duanka-lookups 2" {
            return None;
        }
        let mut out = LookupFiles::default();
        for line in lines {
            let (name, path) = line.split_once('\t')?;
            match name {
                "geoip" => out.geoip.push(PathBuf::from(path)),
                "segments" => out.segments.push(PathBuf::from(path)),
                _ => return None,
            }
        }
        Some(out)
    }
}

impl Lookups {
    pub fn empty() -> Self {
        Lookups::default()
    }

    /// What a cluster node registers: every function that needs a lookup fails.
    pub fn unavailable() -> Self {
        Lookups {
            unavailable: true,
            ..Lookups::default()
        }
    }

    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }

    /// Builds the lookups from a dataset's `geoip` and `segments` tables, if present.
    pub fn from_dataset(ds: &Dataset) -> Self {
        Lookups::from_tables(
            ds.table("geoip").map(|t| t.batches.as_slice()),
            ds.table("segments").map(|t| t.batches.as_slice()),
        )
    }

    /// The same lookups, readable by another process from `files`.
    pub fn with_origin(mut self, files: &LookupFiles) -> Self {
        self.origin = Some(files.encode());
        self
    }

    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The lookups `origin` (a [`LookupFiles::encode`]) names, read once per process
    /// and kept for the plans that follow (the last few origins).
    pub fn load(origin: &str) -> Result<Arc<Lookups>, String> {
        static CACHE: Mutex<Vec<(String, Arc<Lookups>)>> = Mutex::new(Vec::new());
        let cached = |cache: &Vec<(String, Arc<Lookups>)>| {
            cache
                .iter()
                .find(|(o, _)| o == origin)
                .map(|(_, l)| Arc::clone(l))
        };
        if let Some(l) = cached(&*CACHE.lock().map_err(|e| e.to_string())?) {
            return Ok(l);
        }
        let files = LookupFiles::decode(origin)
            .ok_or_else(|| format!("not a description of duanka's lookups: {origin:?}"))?;
        let read = |files: &[PathBuf]| -> Result<Option<Vec<RecordBatch>>, String> {
            if files.is_empty() {
                return Ok(None);
            }
            let mut batches = Vec::new();
            for p in files {
                let file = std::fs::File::open(p).map_err(|e| {
                    format!(
                        "{}: {e} (every executor must see the client's scratch folder at the same path)",
                        p.display()
                    )
                })?;
                let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.build())
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                for b in reader {
                    batches.push(b.map_err(|e| format!("{}: {e}", p.display()))?);
                }
            }
            Ok(Some(batches))
        };
        let (geoip, segments) = (read(&files.geoip)?, read(&files.segments)?);
        let lookups = Arc::new(
            Lookups::from_tables(geoip.as_deref(), segments.as_deref()).with_origin(&files),
        );
        let mut cache = CACHE.lock().map_err(|e| e.to_string())?;
        if let Some(l) = cached(&cache) {
            return Ok(l);
        }
        if cache.len() >= 4 {
            cache.remove(0);
        }
        cache.push((origin.to_string(), Arc::clone(&lookups)));
        Ok(lookups)
    }

    /// Builds the lookups from the batches of a `geoip` and a `segments` table.
    pub fn from_tables(geoip: Option<&[RecordBatch]>, segments: Option<&[RecordBatch]>) -> Self {
        let mut out = Lookups::default();
        if let Some(batches) = geoip {
            let mut entries = Vec::new();
            for b in batches {
                let (Some(cidr), Some(cc)) = (text_column(b, "cidr"), text_column(b, "country"))
                else {
                    continue;
                };
                for i in 0..b.num_rows() {
                    if let (Some(c), Some(cc)) = (cidr[i].as_deref(), cc[i].as_deref())
                        && let Ok(c) = parse_cidr(c)
                    {
                        entries.push((c, cc.to_string()));
                    }
                }
            }
            out.geoip = Some(CidrTable::new(entries));
        }
        if let Some(batches) = segments {
            for b in batches {
                let Some(prefix) = b
                    .column_by_name("prefix")
                    .map(|a| a.as_primitive::<Int64Type>().clone())
                else {
                    continue;
                };
                let province = text_column(b, "province").unwrap_or_default();
                let city = text_column(b, "city").unwrap_or_default();
                let carrier = text_column(b, "carrier").unwrap_or_default();
                for i in 0..b.num_rows() {
                    if prefix.is_null(i) {
                        continue;
                    }
                    let p = prefix.value(i);
                    let get =
                        |v: &Vec<Option<String>>| v.get(i).cloned().flatten().unwrap_or_default();
                    out.segments.insert(
                        (p, digits(p)),
                        Segment {
                            province: get(&province),
                            city: get(&city),
                            carrier: get(&carrier),
                        },
                    );
                }
            }
            let mut lens: Vec<u32> = out.segments.keys().map(|k| k.1).collect();
            lens.sort_unstable_by(|a, b| b.cmp(a));
            lens.dedup();
            out.segment_lengths = lens;
        }
        out
    }

    /// Country code of an address: from `geoip`, else `private` or `unknown`.
    pub fn country(&self, ip: IpAddr) -> String {
        if is_private(ip) {
            return "private".into();
        }
        self.geoip
            .as_ref()
            .and_then(|t| t.get(ip))
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    }

    /// The segment of a Chinese mobile number (canonical E.164 digits), longest prefix.
    pub fn segment(&self, msisdn: i64) -> Option<&Segment> {
        let local = duanka_model::china_segment(msisdn).map(|_| msisdn - 8_600_000_000_000)?;
        self.segment_lengths.iter().find_map(|&len| {
            let p = local / 10i64.pow(11u32.saturating_sub(len));
            self.segments.get(&(p, len))
        })
    }

    pub fn has_geoip(&self) -> bool {
        self.geoip.is_some()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }
}

fn digits(n: i64) -> u32 {
    if n <= 0 { 1 } else { n.ilog10() + 1 }
}

/// A text or dictionary column as owned strings.
fn text_column(b: &RecordBatch, name: &str) -> Option<Vec<Option<String>>> {
    let a = b.column_by_name(name)?;
    let s = arrow::compute::cast(a, &DataType::Utf8).ok()?;
    let s = s.as_string::<i32>();
    Some(
        (0..s.len())
            .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
            .collect(),
    )
}
