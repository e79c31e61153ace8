//! Writes a large management-network dataset for the insider-side benchmark
//! (`bench/insider.sh`): `flows.csv` with N flow records among a few thousand internal
//! hosts and tens of thousands of external addresses, `audit.csv` with M audit records of
//! a few hundred staff, the inventory (`assets.csv`) and a small `geoip.csv`. A rogue
//! host (unlisted, SMPP to the SMSC, reads of the number-pool database, a day-long tunnel
//! abroad) and its insider are planted, so that the benchmark times a scan that finds
//! something. Deterministic: same arguments, same bytes.
//!
//! Usage: `cargo run --release -p duanka-sim --example netlog -- FLOWS AUDIT OUT_DIR`

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A small, fast deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A fixed mix of an integer (splitmix64's finaliser), for stable peer sets.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const START: i64 = 1_760_371_200; // 2025-10-14 00:00 +08:00
const DAYS: i64 = 7;

fn ts(out: &mut Vec<u8>, t: i64) {
    // Epoch seconds are a contract form and the cheapest to write and read.
    out.extend_from_slice(t.to_string().as_bytes());
}

fn internal(k: u64) -> String {
    format!(
        "10.{}.{}.{}",
        20 + k / 65_536 % 200,
        k / 256 % 256,
        1 + k % 250
    )
}

fn external(k: u64) -> String {
    // Half in the home country's block of the geoip table, the rest abroad.
    if k.is_multiple_of(2) {
        format!("1.{}.{}.{}", k / 65_536 % 250, k / 256 % 256, 1 + k % 250)
    } else {
        format!("45.{}.{}.{}", k / 65_536 % 250, k / 256 % 256, 1 + k % 250)
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(flows), Some(audit), Some(out)) = (
        args.get(1).and_then(|s| s.parse::<u64>().ok()),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: netlog FLOWS AUDIT OUT_DIR");
        std::process::exit(2);
    };
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;
    let hosts: u64 = 5_000;
    let externals: u64 = 50_000;
    let rogue = "10.250.2.150";
    let smsc = internal(0);
    let numpool = internal(1);

    let mut w = BufWriter::new(File::create(out.join("assets.csv"))?);
    writeln!(w, "ip,hostname,owner,role,network")?;
    for k in 0..hosts {
        let role = match k {
            0 => "smsc",
            1 => "db",
            2 => "vpn",
            _ if k % 50 == 0 => "db",
            _ => "server",
        };
        writeln!(w, "{},host-{k},ops,{role},mgmt", internal(k))?;
    }
    w.flush()?;

    let mut w = BufWriter::new(File::create(out.join("geoip.csv"))?);
    writeln!(w, "cidr,country\n1.0.0.0/8,CN\n45.0.0.0/8,KH")?;
    w.flush()?;

    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("flows.csv"))?);
    writeln!(
        w,
        "ts_start,ts_end,src_ip,dst_ip,src_port,dst_port,proto,bytes"
    )?;
    let mut line = Vec::with_capacity(128);
    let planted = 24 * DAYS as u64 + DAYS as u64;
    for _ in 0..flows.saturating_sub(planted) {
        line.clear();
        let t0 = START + r.below((DAYS * 86_400) as u64) as i64;
        let dur = r.below(600) as i64;
        // Each host talks to a fixed set of peers (20 internal, 8 external), as real
        // hosts do: the pairs, not the flows, are what the plans group.
        let h = r.below(hosts);
        let src = internal(h);
        let j = r.below(28);
        let peer = mix(h * 64 + j);
        let (dst, port) = if j < 20 {
            (
                internal(peer % hosts),
                [22u64, 161, 443, 1521, 2775][(peer % 5) as usize],
            )
        } else {
            (external(peer % externals), 443)
        };
        ts(&mut line, t0);
        line.push(b',');
        ts(&mut line, t0 + dur);
        line.extend_from_slice(
            format!(
                ",{src},{dst},{},{port},tcp,{}\n",
                30_000 + r.below(30_000),
                200 + r.below(2_000_000)
            )
            .as_bytes(),
        );
        w.write_all(&line)?;
    }
    for d in 0..DAYS {
        let day = START + d * 86_400;
        for h in 0..24 {
            let t = day + h * 3600;
            writeln!(w, "{t},{},{rogue},{smsc},33000,2775,tcp,90000", t + 3540)?;
        }
        writeln!(
            w,
            "{},{},{rogue},45.9.9.9,45000,443,tcp,900000000",
            day + 60,
            day + 86_300
        )?;
    }
    w.flush()?;
    let _ = numpool;

    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("audit.csv"))?);
    writeln!(w, "ts,user,action,object,record_count,src_ip")?;
    let actions = ["login", "query", "query", "provision", "modify", "export"];
    let objects = ["subscriber", "cdr", "number_pool", "sms_route", "billing"];
    for _ in 0..audit.saturating_sub(DAYS as u64 * 3) {
        let t = START + r.below((DAYS * 86_400) as u64) as i64;
        let u = r.below(400);
        let a = actions[r.below(actions.len() as u64) as usize];
        let o = objects[r.below(objects.len() as u64) as usize];
        writeln!(
            w,
            "{t},staff{u},{a},{o},{},{}",
            r.below(200),
            internal(100 + u)
        )?;
    }
    for d in 0..DAYS {
        let t = START + d * 86_400 - 8 * 3600 + 2 * 3600;
        writeln!(w, "{t},zhou.bin,login,oss,0,{rogue}")?;
        writeln!(w, "{},zhou.bin,export,number_pool,1300000,{rogue}", t + 600)?;
        writeln!(w, "{},zhou.bin,query,number_pool,20000,{rogue}", t + 900)?;
    }
    w.flush()?;
    Ok(())
}
