//! The real-world facts the world is built from: Guangdong China Telecom number segments
//! (号段), handset and module Type Allocation Codes, and IPv4 blocks by country. They come
//! from the public reference files (`--reference DIR`, the same formats `duanka-ingest`
//! reads) or, without that folder, from a small built-in list of real facts that is enough
//! for worlds of a few tens of thousands of subscribers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use duanka_ingest::reference::{ReferenceSource, discover, split_place};

use crate::SimError;

/// A 7-digit number segment with its place and carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub prefix: i64,
    pub province: String,
    pub city: String,
    pub carrier: String,
}

/// A Type Allocation Code with the device it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tac {
    pub tac: u32,
    pub brand: String,
    pub model: String,
}

/// An IPv4 block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub base: u32,
    pub len: u8,
}

impl Block {
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.len))
    }

    /// A host address inside the block, `pick` choosing which.
    pub fn host(self, pick: u64) -> u32 {
        let size = self.size();
        if size <= 2 {
            return self.base;
        }
        self.base + 1 + (pick % (size - 2)) as u32
    }
}

/// Everything the simulator takes from reference data.
#[derive(Debug, Clone)]
pub struct Reference {
    /// Guangdong China Telecom segments: the simulated operator's numbers.
    pub own_segments: Vec<Segment>,
    /// Guangdong segments of the other carriers: contacts outside the operator.
    pub other_segments: Vec<Segment>,
    /// Every segment written to `segments.csv`.
    pub all_segments: Vec<Segment>,
    pub handset_tacs: Vec<Tac>,
    pub module_tacs: Vec<Tac>,
    /// Every TAC written to `tac.csv`.
    pub all_tacs: Vec<Tac>,
    /// Blocks by ISO country code (lower case), for the countries the world uses.
    pub blocks: BTreeMap<String, Vec<Block>>,
}

/// Countries whose blocks the world draws addresses from and writes to `geoip.csv`.
pub const COUNTRIES: [&str; 6] = ["cn", "hk", "jp", "sg", "kh", "ph"];

const HANDSET_BRANDS: [&str; 12] = [
    "huawei", "xiaomi", "oppo", "vivo", "apple", "samsung", "zte", "lenovo", "meizu", "oneplus",
    "honor", "coolpad",
];
const MODULE_BRANDS: [&str; 6] = [
    "telit",
    "quectel",
    "simcom",
    "sierra wireless",
    "u-blox",
    "fibocom",
];

impl Reference {
    /// The built-in facts: a dozen real Guangdong Telecom segments, a few other-carrier
    /// segments, real TACs from the Osmocom database and real country blocks.
    pub fn builtin() -> Self {
        let seg = |p: i64, city: &str, carrier: &str| Segment {
            prefix: p,
            province: "广东省".into(),
            city: city.into(),
            carrier: carrier.into(),
        };
        let own = vec![
            seg(1330230, "广州市", "中国电信"),
            seg(1332294, "云浮市", "中国电信"),
            seg(1336075, "茂名市", "中国电信"),
            seg(1339202, "惠州市", "中国电信"),
            seg(1532355, "潮州市", "中国电信"),
            seg(1536176, "广州市", "中国电信"),
            seg(1802335, "云浮市", "中国电信"),
            seg(1802774, "韶关市", "中国电信"),
            seg(1890087, "佛山市", "中国电信"),
            seg(1892469, "湛江市", "中国电信"),
            seg(1893845, "云浮市", "中国电信"),
            seg(1899865, "韶关市", "中国电信"),
        ];
        let other = vec![
            seg(1380009, "广州市", "中国移动"),
            seg(1300040, "广州市", "中国联通"),
            seg(1304960, "河源市", "中国联通"),
            seg(1866667, "梅州市", "中国联通"),
        ];
        let tac = |t: u32, b: &str, m: &str| Tac {
            tac: t,
            brand: b.into(),
            model: m.into(),
        };
        let handsets = vec![
            tac(86489502, "Xiaomi", "MI 4W"),
            tac(86745102, "Xiaomi", "MI NOTE LTE"),
            tac(86751502, "Xiaomi", "Redmi Note 2"),
            tac(35197901, "Huawei", "V710"),
            tac(86776402, "OPPO", "1201"),
            tac(35568404, "OPPO", "R829"),
            tac(35675904, "Oppo", "N1"),
            tac(1194800, "Apple", "iPhone 3GS"),
        ];
        let modules = vec![
            tac(35015700, "Telit", "GM862S1"),
            tac(35015800, "Telit", "GM822"),
        ];
        let block = |s: &str| parse_block(s);
        let mut blocks = BTreeMap::new();
        blocks.insert(
            "cn".to_string(),
            ["1.0.1.0/24", "1.0.2.0/23", "1.0.8.0/21", "14.0.0.0/21"]
                .iter()
                .filter_map(|s| block(s))
                .collect(),
        );
        blocks.insert("jp".to_string(), block("1.0.16.0/20").into_iter().collect());
        blocks.insert("hk".to_string(), block("1.36.0.0/16").into_iter().collect());
        blocks.insert(
            "kh".to_string(),
            block("27.96.84.0/22").into_iter().collect(),
        );
        let mut all_segments: Vec<Segment> = own.iter().chain(&other).cloned().collect();
        all_segments.sort_by_key(|s| s.prefix);
        let mut all_tacs: Vec<Tac> = handsets.iter().chain(&modules).cloned().collect();
        all_tacs.sort_by_key(|t| t.tac);
        Reference {
            own_segments: own,
            other_segments: other,
            all_segments,
            handset_tacs: handsets,
            module_tacs: modules,
            all_tacs,
            blocks,
        }
    }

    /// Reads the public files in `dir`; whatever the folder lacks comes from the built-in
    /// facts.
    pub fn load(dir: &Path) -> Result<Self, SimError> {
        let mut r = Reference::builtin();
        let sources = discover(dir).map_err(|e| SimError::Reference(e.to_string()))?;
        for s in sources {
            match s {
                ReferenceSource::Segments { geocoding, carrier } => {
                    let carriers = match carrier {
                        Some(c) => read_pipe_file(&c)?,
                        None => Vec::new(),
                    };
                    let mut carriers: Vec<(String, String)> = carriers
                        .into_iter()
                        .map(|(p, c)| (p.strip_prefix("86").unwrap_or(&p).to_string(), c))
                        .collect();
                    carriers.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
                    let mut all = Vec::new();
                    for (p, place) in read_pipe_file(&geocoding)? {
                        let Some(digits) = p.strip_prefix("86") else {
                            continue;
                        };
                        if digits.len() != 7 || !digits.starts_with('1') {
                            continue;
                        }
                        let Ok(prefix) = digits.parse::<i64>() else {
                            continue;
                        };
                        let carrier = carriers
                            .iter()
                            .find(|(cp, _)| digits.starts_with(cp.as_str()))
                            .map(|(_, c)| c.clone())
                            .unwrap_or_default();
                        let (province, city) = split_place(&place);
                        all.push(Segment {
                            prefix,
                            province: province.to_string(),
                            city: city.to_string(),
                            carrier,
                        });
                    }
                    all.sort_by_key(|s| s.prefix);
                    all.dedup_by_key(|s| s.prefix);
                    let gd = |s: &&Segment| s.province == "广东省";
                    let own: Vec<Segment> = all
                        .iter()
                        .filter(gd)
                        .filter(|s| s.carrier == "中国电信")
                        .cloned()
                        .collect();
                    let other: Vec<Segment> = all
                        .iter()
                        .filter(gd)
                        .filter(|s| s.carrier == "中国移动" || s.carrier == "中国联通")
                        .cloned()
                        .collect();
                    if !own.is_empty() && !other.is_empty() {
                        r.own_segments = own;
                        r.other_segments = other;
                        r.all_segments = all;
                    }
                }
                ReferenceSource::Tac { path } => {
                    let all = read_tacs(&path)?;
                    let pick = |brands: &[&str]| -> Vec<Tac> {
                        all.iter()
                            .filter(|t| brands.contains(&t.brand.to_ascii_lowercase().as_str()))
                            .cloned()
                            .collect()
                    };
                    let handsets = pick(&HANDSET_BRANDS);
                    let modules = pick(&MODULE_BRANDS);
                    if !handsets.is_empty() && !modules.is_empty() {
                        r.handset_tacs = handsets;
                        r.module_tacs = modules;
                        r.all_tacs = all;
                    }
                }
                ReferenceSource::Geoip { files } => {
                    for f in files {
                        let cc = f
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .unwrap_or("")
                            .to_ascii_lowercase();
                        if !COUNTRIES.contains(&cc.as_str()) {
                            continue;
                        }
                        let text = std::fs::read_to_string(&f).map_err(|e| SimError::io(&f, e))?;
                        let blocks: Vec<Block> = text.lines().filter_map(parse_block).collect();
                        if !blocks.is_empty() {
                            r.blocks.insert(cc, blocks);
                        }
                    }
                }
            }
        }
        Ok(r)
    }

    pub fn blocks(&self, cc: &str) -> &[Block] {
        self.blocks.get(cc).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first of `preferred` countries that has blocks.
    pub fn country<'a>(&self, preferred: &[&'a str]) -> Option<&'a str> {
        preferred
            .iter()
            .copied()
            .find(|c| !self.blocks(c).is_empty())
    }
}

fn read_pipe_file(path: &Path) -> Result<Vec<(String, String)>, SimError> {
    let f = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| SimError::io(path, e))?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((p, v)) = t.split_once('|') {
            out.push((p.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(out)
}

/// The Osmocom CSV: a licence line, a header, then `tac,brand,model,…` (later columns may
/// be quoted and hold commas; only the first three are used).
fn read_tacs(path: &Path) -> Result<Vec<Tac>, SimError> {
    let f = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
    let mut out = Vec::new();
    for line in BufReader::new(f).lines().skip(2) {
        let line = line.map_err(|e| SimError::io(path, e))?;
        let mut fields = first_fields(&line);
        let (Some(tac), Some(brand), Some(model)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let tac = tac.trim();
        if tac.len() != 8 || !tac.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(tac) = tac.parse::<u32>() else {
            continue;
        };
        let clean = |s: &str| {
            s.trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        };
        let (brand, model) = (clean(&brand), clean(&model));
        if brand.is_empty() {
            continue;
        }
        out.push(Tac { tac, brand, model });
    }
    out.sort_by_key(|t| t.tac);
    out.dedup_by_key(|t| t.tac);
    Ok(out)
}

/// Splits a CSV line into fields, honouring double quotes.
fn first_fields(line: &str) -> impl Iterator<Item = String> + '_ {
    let mut chars = line.chars().peekable();
    std::iter::from_fn(move || {
        chars.peek()?;
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
        Some(field)
    })
}

fn parse_block(s: &str) -> Option<Block> {
    let (addr, len) = s.trim().split_once('/')?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    if !(8..=30).contains(&len) {
        return None;
    }
    Some(Block {
        base: u32::from(addr),
        len,
    })
}

/// Dotted text of an IPv4 address.
pub fn ip_text(ip: u32) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        let f: Vec<String> = first_fields("1,\"a,b\",c").collect();
        assert_eq!(f, vec!["1", "a,b", "c"]);
    }

    #[test]
    fn builtin_has_every_kind_of_fact() {
        let r = Reference::builtin();
        assert!(r.own_segments.len() >= 10);
        assert!(!r.other_segments.is_empty());
        assert!(!r.module_tacs.is_empty());
        assert!(r.country(&["kh", "jp"]).is_some());
    }
}
