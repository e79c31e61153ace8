//! The real-world facts the world is built from: Guangdong China Telecom number segments
//! (号段), handset and module Type Allocation Codes, and IPv4 blocks by country. They come
//! from the public reference files, as `duanka-ingest` finds them: the snapshot built
//! into duanka, or a folder (`--reference DIR`) whose tables replace the built-in ones.

use std::collections::BTreeMap;
use std::path::Path;

use duanka_ingest::reference::{
    Carriers, RefFile, ReferenceChoice, ReferenceFiles, ReferenceSource, csv_fields, sources,
    split_place,
};

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
    /// China Telecom segments of the other provinces, in prefix order: the numbers a
    /// register larger than libphonenumber's Guangdong list (about 14 M subscribers)
    /// takes on after it, as an operator's numbers carried from elsewhere would be.
    pub spare_segments: Vec<Segment>,
    /// Every segment (written to `segments.csv` when `in_world`).
    pub all_segments: Vec<Segment>,
    pub handset_tacs: Vec<Tac>,
    pub module_tacs: Vec<Tac>,
    /// Every TAC (written to `tac.csv` when `in_world`).
    pub all_tacs: Vec<Tac>,
    /// Blocks by ISO country code (lower case), for the countries the world uses.
    pub blocks: BTreeMap<String, Vec<Block>>,
    /// Whether the world writes these facts as its `segments`, `tac` and `geoip` tables:
    /// only when some of them come from a folder, since every duanka that scans the world
    /// carries the built-in snapshot itself.
    pub in_world: bool,
}

/// Countries whose blocks the world draws addresses from (and writes to `geoip.csv` when
/// `in_world`).
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
    /// The snapshot of the public reference data built into duanka: every Guangdong
    /// China Telecom segment libphonenumber lists, the Osmocom TACs, real country blocks.
    pub fn builtin() -> Result<Self, SimError> {
        Reference::from_sources(&duanka_ingest::reference::builtin())
    }

    /// Reads the public files in `dir`; whatever the folder lacks comes from the built-in
    /// snapshot.
    pub fn load(dir: &Path) -> Result<Self, SimError> {
        let sources = sources(&ReferenceChoice::Dir(dir.to_path_buf()))
            .map_err(|e| SimError::Reference(e.to_string()))?;
        Reference::from_sources(&sources)
    }

    /// The facts of `--reference DIR` when given, else of the built-in snapshot.
    pub fn for_dir(dir: Option<&Path>) -> Result<Self, SimError> {
        match dir {
            Some(d) => Reference::load(d),
            None => Reference::builtin(),
        }
    }

    fn from_sources(sources: &[ReferenceSource]) -> Result<Self, SimError> {
        let mut segments = None;
        let mut tacs = None;
        let mut blocks = BTreeMap::new();
        for s in sources {
            match &s.files {
                ReferenceFiles::Segments { geocoding, carrier } => {
                    segments = Some(read_segments(geocoding, carrier.as_ref())?);
                }
                ReferenceFiles::Tac { file } => tacs = Some(read_tacs(file)?),
                ReferenceFiles::Geoip { files } => {
                    for f in files {
                        let cc = f.stem();
                        if !COUNTRIES.contains(&cc.as_str()) {
                            continue;
                        }
                        let text = text_of(f)?;
                        let list: Vec<Block> = text.lines().filter_map(parse_block).collect();
                        if !list.is_empty() {
                            blocks.insert(cc, list);
                        }
                    }
                }
            }
        }
        let missing = |what: &str| {
            SimError::Reference(format!(
                "no {what} in the reference data; a world needs Guangdong China Telecom and other-carrier segments, handset and module TACs, and Chinese address blocks"
            ))
        };
        let all_segments = segments.ok_or_else(|| missing("number segments"))?;
        let gd = |s: &&Segment| s.province == "广东省";
        let own_segments: Vec<Segment> = all_segments
            .iter()
            .filter(gd)
            .filter(|s| s.carrier == "中国电信")
            .cloned()
            .collect();
        let mut spare_segments: Vec<Segment> = all_segments
            .iter()
            .filter(|s| s.province != "广东省" && s.carrier == "中国电信")
            .cloned()
            .collect();
        spare_segments.sort_by_key(|s| s.prefix);
        let other_segments: Vec<Segment> = all_segments
            .iter()
            .filter(gd)
            .filter(|s| s.carrier == "中国移动" || s.carrier == "中国联通")
            .cloned()
            .collect();
        if own_segments.is_empty() || other_segments.is_empty() {
            return Err(missing(
                "Guangdong segments of China Telecom and of another carrier",
            ));
        }
        let all_tacs = tacs.ok_or_else(|| missing("TACs"))?;
        let pick = |brands: &[&str]| -> Vec<Tac> {
            all_tacs
                .iter()
                .filter(|t| brands.contains(&t.brand.to_ascii_lowercase().as_str()))
                .cloned()
                .collect()
        };
        let handset_tacs = pick(&HANDSET_BRANDS);
        let module_tacs = pick(&MODULE_BRANDS);
        if handset_tacs.is_empty() || module_tacs.is_empty() {
            return Err(missing("handset or module TACs of the known brands"));
        }
        if !blocks.contains_key("cn") {
            return Err(missing("Chinese IPv4 blocks (cn.cidr)"));
        }
        let in_world = sources
            .iter()
            .any(|s| s.origin != duanka_ingest::reference::ReferenceOrigin::Builtin);
        Ok(Reference {
            in_world,
            own_segments,
            other_segments,
            spare_segments,
            all_segments,
            handset_tacs,
            module_tacs,
            all_tacs,
            blocks,
        })
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

fn text_of(file: &RefFile) -> Result<String, SimError> {
    let bytes = file
        .read()
        .map_err(|e| SimError::Reference(e.to_string()))?;
    String::from_utf8(bytes)
        .map_err(|_| SimError::Reference(format!("{}: not valid UTF-8", file.path().display())))
}

/// `prefix|value` lines, comments and blank lines skipped.
fn pipe_lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('#'))
        .filter_map(|t| t.split_once('|'))
        .map(|(p, v)| (p.trim(), v.trim()))
}

/// libphonenumber's geocoding file with its carrier file: every 7-digit mobile segment.
fn read_segments(geocoding: &RefFile, carrier: Option<&RefFile>) -> Result<Vec<Segment>, SimError> {
    let carriers = match carrier {
        Some(c) => Carriers::read(c).map_err(|e| SimError::Reference(e.to_string()))?,
        None => Carriers::default(),
    };
    let text = text_of(geocoding)?;
    let mut all = Vec::new();
    for (p, place) in pipe_lines(&text) {
        let Some(digits) = p.strip_prefix("86") else {
            continue;
        };
        if digits.len() != 7 || !digits.starts_with('1') {
            continue;
        }
        let Ok(prefix) = digits.parse::<i64>() else {
            continue;
        };
        let carrier = carriers.of(digits).unwrap_or_default().to_string();
        let (province, city) = split_place(place);
        all.push(Segment {
            prefix,
            province: province.to_string(),
            city: city.to_string(),
            carrier,
        });
    }
    all.sort_by_key(|s| s.prefix);
    all.dedup_by_key(|s| s.prefix);
    Ok(all)
}

/// The Osmocom CSV: a licence line, a header, then `tac,brand,model,…` (later columns may
/// be quoted and hold commas; only the first three are used).
fn read_tacs(file: &RefFile) -> Result<Vec<Tac>, SimError> {
    let text = text_of(file)?;
    let mut out = Vec::new();
    for line in text.lines().skip(2) {
        let mut fields = csv_fields(line);
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
    fn builtin_has_every_kind_of_fact() {
        let r = Reference::builtin().unwrap();
        // libphonenumber lists thousands of Guangdong Telecom segments; 1330231 is Shenzhen.
        assert!(r.own_segments.len() > 1_000, "{}", r.own_segments.len());
        let sz = r
            .own_segments
            .iter()
            .find(|s| s.prefix == 1_330_231)
            .unwrap();
        assert_eq!(
            (sz.city.as_str(), sz.carrier.as_str()),
            ("深圳市", "中国电信")
        );
        assert!(r.other_segments.len() > 1_000);
        assert!(r.handset_tacs.len() > 100 && !r.module_tacs.is_empty());
        assert!(COUNTRIES.iter().all(|c| !r.blocks(c).is_empty()));
    }
}
