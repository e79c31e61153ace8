//! IP addresses and CIDR blocks (v4 and v6), and a longest-prefix lookup table used for
//! country (`geoip`) and inventory (`assets`) lookups.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{Invalid, Parsed};

/// Parses an IPv4 or IPv6 address. Surrounding brackets (`[::1]`) are accepted. An IPv6
/// zone (`fe80::1%eth0`) is dropped: it names an interface of the host that logged the
/// address, not another host. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how a
/// dual-stack socket logs an IPv4 peer) is that IPv4 address, so that it meets the
/// inventory's row for it.
pub fn parse_ip(s: &str) -> Parsed<IpAddr> {
    let t = s.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(t);
    if t.is_empty() {
        return Err(Invalid("empty IP address"));
    }
    let (t, zone) = match t.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (t, None),
    };
    let ip = t.parse::<IpAddr>().map_err(|_| {
        let with_port = t
            .rsplit_once(':')
            .is_some_and(|(a, p)| a.parse::<Ipv4Addr>().is_ok() && p.parse::<u16>().is_ok());
        if with_port {
            Invalid("an IPv4 address with a port (10.0.0.1:5000): the port goes in its own column")
        } else {
            Invalid("not an IPv4 or IPv6 address")
        }
    })?;
    match (ip, zone) {
        (IpAddr::V4(_), Some(_)) => Err(Invalid("a zone (%…) belongs to an IPv6 address")),
        (_, Some(z)) if z.is_empty() || !z.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(Invalid("empty or unprintable IPv6 zone after %"))
        }
        (IpAddr::V6(v), _) => Ok(v.to_ipv4_mapped().map_or(IpAddr::V6(v), IpAddr::V4)),
        (v4, None) => Ok(v4),
    }
}

/// A network block. The host bits are cleared on parse, so `10.1.2.3/24` means
/// `10.1.2.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// A single address as a /32 or /128 block.
    pub fn host(addr: IpAddr) -> Self {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Cidr { addr, prefix }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let m = mask_v4(self.prefix);
                u32::from(a) & m == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let m = mask_v6(self.prefix);
                u128::from(a) & m == u128::from(net)
            }
            _ => false,
        }
    }

    /// First and last address as integers on a common v6 scale (v4 mapped into
    /// `::ffff:0:0/96`), for range tables.
    fn range(&self) -> (u128, u128) {
        match self.addr {
            IpAddr::V4(a) => {
                let lo = u32::from(a) & mask_v4(self.prefix);
                let hi = lo | !mask_v4(self.prefix);
                (v4_key(lo), v4_key(hi))
            }
            IpAddr::V6(a) => {
                let lo = u128::from(a) & mask_v6(self.prefix);
                (lo, lo | !mask_v6(self.prefix))
            }
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn mask_v4(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

fn mask_v6(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

fn v4_key(a: u32) -> u128 {
    0xffff_0000_0000 | u128::from(a)
}

fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => v4_key(u32::from(a)),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4_key(u32::from(v4)),
            None => u128::from(a),
        },
    }
}

/// Parses `addr/prefix`.
pub fn parse_cidr(s: &str) -> Parsed<Cidr> {
    let t = s.trim();
    let Some((a, p)) = t.split_once('/') else {
        return Err(Invalid("CIDR block must be written address/prefix"));
    };
    let addr = parse_ip(a)?;
    let mut prefix: u8 = p
        .trim()
        .parse()
        .map_err(|_| Invalid("CIDR prefix length is not a number"))?;
    if addr.is_ipv4() && a.contains(':') {
        // An IPv4-mapped block: its prefix counts the 96 bits of the mapping too.
        prefix = prefix
            .checked_sub(96)
            .ok_or(Invalid("an IPv4-mapped block needs a prefix of 96 or more"))?;
    }
    let (addr, max) = match addr {
        IpAddr::V4(v) => (
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & mask_v4(prefix.min(32)))),
            32,
        ),
        IpAddr::V6(v) => (
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & mask_v6(prefix.min(128)))),
            128,
        ),
    };
    if prefix > max {
        return Err(Invalid("CIDR prefix length is longer than the address"));
    }
    Ok(Cidr { addr, prefix })
}

/// An address or a block (the `assets.ip` column accepts both).
pub fn parse_ip_or_cidr(s: &str) -> Parsed<Cidr> {
    if s.contains('/') {
        parse_cidr(s)
    } else {
        parse_ip(s).map(Cidr::host)
    }
}

/// Private, loopback, link-local, shared (CGNAT) and unique-local ranges: addresses that
/// `geoip` calls `private` rather than a country.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)),
            None => {
                let s = a.segments();
                a.is_loopback()
                    || a.is_unspecified()
                    || (s[0] & 0xfe00) == 0xfc00
                    || (s[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Longest-prefix lookup over CIDR blocks, each carrying a value (a country, an asset
/// row). Built once, then queried with a binary search per address.
#[derive(Debug, Clone)]
pub struct CidrTable<T> {
    /// Non-overlapping ranges, sorted by start; nested blocks are split so the most
    /// specific one wins.
    starts: Vec<u128>,
    ends: Vec<u128>,
    values: Vec<T>,
}

impl<T: Clone> CidrTable<T> {
    /// Builds the table. When blocks overlap, the longer prefix wins; between equal
    /// prefixes, the later entry wins.
    pub fn new(mut entries: Vec<(Cidr, T)>) -> Self {
        // Sort broad blocks first so that narrower ones are painted over them.
        entries.sort_by_key(|(c, _)| {
            (
                if c.addr.is_ipv4() {
                    c.prefix + 96
                } else {
                    c.prefix
                },
                c.range().0,
            )
        });
        let mut starts: Vec<u128> = Vec::with_capacity(entries.len());
        let mut ends: Vec<u128> = Vec::with_capacity(entries.len());
        let mut values: Vec<T> = Vec::with_capacity(entries.len());
        let disjoint = {
            let mut r: Vec<(u128, u128)> = entries.iter().map(|(c, _)| c.range()).collect();
            r.sort_unstable();
            r.windows(2).all(|w| w[0].1 < w[1].0)
        };
        if disjoint {
            let mut rows: Vec<(u128, u128, T)> = entries
                .into_iter()
                .map(|(c, v)| {
                    let (a, b) = c.range();
                    (a, b, v)
                })
                .collect();
            rows.sort_by_key(|r| r.0);
            for (a, b, v) in rows {
                starts.push(a);
                ends.push(b);
                values.push(v);
            }
            return CidrTable {
                starts,
                ends,
                values,
            };
        }
        // Overlapping blocks: paint them in order onto an interval map.
        let mut map: std::collections::BTreeMap<u128, (u128, T)> =
            std::collections::BTreeMap::new();
        for (c, v) in entries {
            let (lo, hi) = c.range();
            // Cut any interval that straddles lo or hi, then drop those inside.
            // Intervals in the map are disjoint and sorted, so walking back from hi can stop at
            // the first one that ends before lo.
            let affected: Vec<u128> = map
                .range(..=hi)
                .rev()
                .take_while(|(_, (e, _))| *e >= lo)
                .map(|(s, _)| *s)
                .collect();
            for s in affected {
                let Some((e, val)) = map.remove(&s) else {
                    continue;
                };
                if s < lo {
                    map.insert(s, (lo - 1, val.clone()));
                }
                if e > hi {
                    map.insert(hi + 1, (e, val));
                }
            }
            map.insert(lo, (hi, v));
        }
        for (s, (e, v)) in map {
            starts.push(s);
            ends.push(e);
            values.push(v);
        }
        CidrTable {
            starts,
            ends,
            values,
        }
    }

    pub fn get(&self, ip: IpAddr) -> Option<&T> {
        let k = key(ip);
        let i = self.starts.partition_point(|&s| s <= k);
        if i == 0 {
            return None;
        }
        (k <= self.ends[i - 1]).then(|| &self.values[i - 1])
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        parse_ip(s).unwrap()
    }

    #[test]
    fn parse_forms() {
        assert_eq!(parse_ip(" 10.0.0.1 "), Ok(ip("10.0.0.1")));
        assert_eq!(parse_ip("[2001:db8::1]"), Ok(ip("2001:db8::1")));
        assert_eq!(
            parse_ip("10.0.0.256"),
            Err(Invalid("not an IPv4 or IPv6 address"))
        );
        assert_eq!(parse_ip(""), Err(Invalid("empty IP address")));
        assert_eq!(parse_ip("fe80::1%eth0"), Ok(ip("fe80::1")));
        assert_eq!(parse_ip("[fe80::1%25]"), Ok(ip("fe80::1")));
        assert_eq!(
            parse_ip("10.0.0.1%eth0"),
            Err(Invalid("a zone (%…) belongs to an IPv6 address"))
        );
        assert_eq!(
            parse_ip("fe80::1%"),
            Err(Invalid("empty or unprintable IPv6 zone after %"))
        );
        assert_eq!(parse_ip("::ffff:10.0.0.1"), Ok(ip("10.0.0.1")));
        assert_eq!(
            parse_cidr("::ffff:10.20.0.0/112").unwrap().to_string(),
            "10.20.0.0/16"
        );
        assert!(parse_cidr("::ffff:10.20.0.0/64").is_err());
        assert_eq!(
            parse_cidr("10.1.2.3/24").unwrap().to_string(),
            "10.1.2.0/24"
        );
        assert_eq!(
            parse_cidr("2001:db8::1/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            parse_cidr("10.0.0.0/33"),
            Err(Invalid("CIDR prefix length is longer than the address"))
        );
        assert_eq!(
            parse_cidr("10.0.0.0/x"),
            Err(Invalid("CIDR prefix length is not a number"))
        );
        assert_eq!(
            parse_cidr("10.0.0.0"),
            Err(Invalid("CIDR block must be written address/prefix"))
        );
        assert_eq!(
            parse_ip_or_cidr("10.0.0.9").unwrap().to_string(),
            "10.0.0.9/32"
        );
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.1.1.1",
            "172.16.0.1",
            "192.168.3.4",
            "127.0.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "fd00::1",
            "fe80::1",
            "::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip(p)), "{p}");
        }
        for p in ["8.8.8.8", "100.128.0.1", "2001:db8::1", "1.0.1.1"] {
            assert!(!is_private(ip(p)), "{p}");
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let t = CidrTable::new(vec![
            (parse_cidr("10.0.0.0/8").unwrap(), "wide"),
            (parse_cidr("10.1.0.0/16").unwrap(), "narrow"),
            (parse_cidr("10.1.2.3/32").unwrap(), "host"),
            (parse_cidr("2001:db8::/32").unwrap(), "v6"),
        ]);
        assert_eq!(t.get(ip("10.2.0.1")), Some(&"wide"));
        assert_eq!(t.get(ip("10.1.9.9")), Some(&"narrow"));
        assert_eq!(t.get(ip("10.1.2.3")), Some(&"host"));
        assert_eq!(t.get(ip("10.1.2.4")), Some(&"narrow"));
        assert_eq!(t.get(ip("10.255.255.255")), Some(&"wide"));
        assert_eq!(t.get(ip("11.0.0.0")), None);
        assert_eq!(t.get(ip("2001:db8:1::5")), Some(&"v6"));
        assert_eq!(t.get(ip("::ffff:10.1.2.3")), Some(&"host"));
    }

    proptest! {
        #[test]
        fn table_agrees_with_linear_scan(blocks in proptest::collection::vec((any::<u32>(), 8u8..=32), 1..20), probes in proptest::collection::vec(any::<u32>(), 1..50)) {
            let entries: Vec<(Cidr, usize)> = blocks.iter().enumerate().map(|(i, &(a, p))| (parse_cidr(&format!("{}/{}", Ipv4Addr::from(a), p)).unwrap(), i)).collect();
            let t = CidrTable::new(entries.clone());
            for probe in probes.iter().copied().chain(blocks.iter().map(|b| b.0)) {
                let a = IpAddr::V4(Ipv4Addr::from(probe));
                // Expected: the longest containing prefix, later entry on ties.
                let best = entries.iter().filter(|(c, _)| c.contains(a)).max_by_key(|(c, i)| (c.prefix, *i)).map(|(_, i)| *i);
                prop_assert_eq!(t.get(a).copied(), best);
            }
        }

        #[test]
        fn v4_round_trip(a in any::<u32>()) {
            let s = Ipv4Addr::from(a).to_string();
            prop_assert_eq!(parse_ip(&s).unwrap().to_string(), s);
        }
    }
}
