//! Lookups built from the reference tables (`geoip`, `segments`) for the functions that
//! need them. Built once per session from the ingested tables; an absent table gives an
//! empty lookup (countries `unknown`, segments NULL), never an error.

use std::collections::HashMap;
use std::net::IpAddr;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
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
}

impl Lookups {
    pub fn empty() -> Self {
        Lookups::default()
    }

    /// Builds the lookups from a dataset's `geoip` and `segments` tables, if present.
    pub fn from_dataset(ds: &Dataset) -> Self {
        let mut out = Lookups::default();
        if let Some(t) = ds.table("geoip") {
            let mut entries = Vec::new();
            for b in &t.batches {
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
        if let Some(t) = ds.table("segments") {
            for b in &t.batches {
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
fn text_column(b: &arrow::array::RecordBatch, name: &str) -> Option<Vec<Option<String>>> {
    let a = b.column_by_name(name)?;
    let s = arrow::compute::cast(a, &DataType::Utf8).ok()?;
    let s = s.as_string::<i32>();
    Some(
        (0..s.len())
            .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
            .collect(),
    )
}
