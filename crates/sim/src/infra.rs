//! The operator's own machinery as its logs see it: the approved asset inventory, flow
//! records of the management and signalling networks (monitoring polls, SMPP sessions of
//! the legitimate gateways and of the SMS test lab, database and backup traffic, the
//! vendor's support tunnel abroad) and the OSS/BSS audit trail of the operations staff.
//! Several of these are hard negatives: the test lab talks to the SMSC all day, the
//! vendor tunnel is long and foreign, the billing job exports millions of rows, the
//! resource team exports part of the number pool, an admin creates a host.

use crate::chain::{Actors, INSIDER, INSIDER_WS, SMSC, audit_row, flow_row, host_in};
use crate::clock::{self, DAY};
use crate::out::{TableId, TableSet};
use crate::reference::Reference;
use crate::rng::{R, Stream};
use crate::truth::{Truth, ety};
use crate::{Config, Scenario};

/// (ip, hostname, owner, role, network)
pub const ASSETS: &[(&str, &str, &str, &str, &str)] = &[
    ("10.1.1.5", "smsc-01", "ops.core", "smsc", "signalling"),
    ("10.1.1.6", "smsc-02", "ops.core", "smsc", "signalling"),
    ("10.1.1.10", "hlr-01", "ops.core", "hlr", "signalling"),
    ("10.1.1.11", "stp-01", "ops.core", "stp", "signalling"),
    ("10.1.1.20", "sms-gw-01", "ops.vas", "smsgw", "signalling"),
    ("10.1.1.21", "notify-01", "ops.vas", "notify", "signalling"),
    ("10.1.2.9", "smstest-lab", "qa.lab", "test", "mgmt"),
    ("10.1.2.10", "oss-app-01", "ops.oss", "oss", "mgmt"),
    ("10.1.2.11", "bss-app-01", "ops.bss", "bss", "mgmt"),
    ("10.1.2.12", "crm-db-01", "ops.dba", "db", "mgmt"),
    ("10.1.2.13", "billing-db-01", "ops.dba", "db", "mgmt"),
    ("10.1.2.14", "numpool-db-01", "ops.dba", "db", "mgmt"),
    ("10.1.2.20", "nms-01", "ops.noc", "monitor", "mgmt"),
    ("10.1.2.30", "backup-01", "ops.sys", "backup", "mgmt"),
    ("10.1.2.31", "backup-02", "ops.sys", "backup", "mgmt"),
    ("10.1.2.40", "vendor-vpn-01", "ops.sys", "vpn", "mgmt"),
    ("10.1.3.1", "bastion-01", "ops.sys", "jump", "office"),
    ("10.1.3.0/24", "office-lan", "it", "workstation", "office"),
];

const LAB: &str = "10.1.2.9";
const STAFF: &[&str] = &[
    "chen.jie",
    "li.na",
    "wang.lei",
    "zhang.min",
    "liu.yang",
    "huang.li",
    "zhao.qiang",
    "wu.hao",
    INSIDER,
    "xu.jing",
    "sun.tao",
    "ma.lin",
    "hu.jun",
    "guo.ping",
    "he.xin",
    "lin.feng",
];

fn workstation(k: usize) -> String {
    if STAFF[k] == INSIDER {
        INSIDER_WS.to_string()
    } else {
        format!("10.1.3.{}", 20 + k)
    }
}

/// Range rows of the IP plan (a CIDR without a hostname or role), as a CMDB carries
/// them beside its hosts: (cidr, owner, network).
const RANGES: &[(&str, &str, &str)] = &[
    ("10.1.1.0/24", "ops.core", "signalling"),
    ("10.1.2.0/24", "ops.noc", "mgmt"),
];

pub fn generate(
    cfg: &Config,
    reference: &Reference,
    actors: &Actors,
    start: i64,
    out: &mut TableSet,
    truth: &mut Truth,
) {
    let mut r = R::new(cfg.seed, Stream::Infra, 0);
    let mut asset = |ip: &str, host: &str, owner: &str, role: &str, net: &str| {
        out.get(TableId::Assets)
            .row()
            .f_str(ip)
            .f_str(host)
            .f_str(owner)
            .f_str(role)
            .f_str(net)
            .end();
    };
    for &(ip, host, owner, role, net) in ASSETS {
        asset(ip, host, owner, role, net);
    }
    if cfg.chain.inventory_ranges {
        for &(cidr, owner, net) in RANGES {
            asset(cidr, "", owner, "", net);
        }
    }
    if cfg.chain.self_registered && cfg.scenario != Scenario::Clean {
        // The insider lists his own server, as an OSS application host he owns.
        asset(&actors.rogue, "oss-app-07", INSIDER, "oss", "mgmt");
    }
    let vendor_cc = reference.country(&["sg", "jp", "hk"]).unwrap_or("hk");
    let vendor = host_in(&mut r, reference.blocks(vendor_cc));
    truth.negative(ety::IP, LAB, "test_lab_smpp");
    truth.negative(ety::IP, "10.1.2.40", "vendor_tunnel_abroad");
    truth.negative(ety::IP, vendor.as_str(), "vendor_tunnel_abroad");
    truth.negative(ety::USER, "billing.etl", "bulk_export_service");
    truth.negative(ety::USER, "lin.feng", "number_pool_export_legit");
    truth.negative(ety::USER, "wang.lei", "create_host_legit");

    let hosts: Vec<&str> = ASSETS
        .iter()
        .map(|a| a.0)
        .filter(|ip| !ip.contains('/'))
        .collect();
    for d in 0..i64::from(cfg.days) {
        let day0 = start + d * DAY;
        let weekend = clock::weekday(day0) >= 5;
        // Monitoring polls every inventoried host every 15 minutes.
        for q in 0..96 {
            for &h in &hosts {
                if h == "10.1.2.20" {
                    continue;
                }
                let t = day0 + q * 900 + r.below(30) as i64;
                flow_row(
                    out,
                    t,
                    t + 1,
                    "10.1.2.20",
                    h,
                    (40_000 + r.below(20_000) as u32, 161),
                    "udp",
                    r.range(900, 4_800),
                );
            }
        }
        // SMPP sessions of the legitimate gateways, heavier by day.
        for h in 0..24i64 {
            let busy = if (8..22).contains(&h) { 4 } else { 1 };
            for (src, dst) in [("10.1.1.20", SMSC), ("10.1.1.21", "10.1.1.6")] {
                let t = day0 + h * 3600 + r.below(60) as i64;
                flow_row(
                    out,
                    t,
                    t + 3_500,
                    src,
                    dst,
                    (30_000 + h as u32, 2775),
                    "tcp",
                    r.range(2_000_000, 12_000_000) * busy,
                );
            }
            // The test lab's regression runs, every half hour around the clock.
            for half in 0..2 {
                let t = day0 + h * 3600 + half * 1800 + r.below(120) as i64;
                flow_row(
                    out,
                    t,
                    t + 1_500,
                    LAB,
                    SMSC,
                    (36_000 + (h * 2 + half) as u32, 2775),
                    "tcp",
                    r.range(400_000, 3_000_000),
                );
            }
            for (a, b) in [
                (SMSC, "10.1.1.10"),
                (SMSC, "10.1.1.11"),
                ("10.1.1.6", "10.1.1.11"),
            ] {
                let t = day0 + h * 3600;
                flow_row(
                    out,
                    t,
                    t + 3_599,
                    a,
                    b,
                    (2905, 2905),
                    "sctp",
                    r.range(5_000_000, 40_000_000) * busy,
                );
            }
        }
        // Nightly backups and the billing extract.
        for db in ["10.1.2.12", "10.1.2.13", "10.1.2.14"] {
            let t = day0 + 3600 + r.below(3600) as i64;
            flow_row(
                out,
                t,
                t + r.range(1_800, 5_400) as i64,
                "10.1.2.30",
                db,
                (50_000, 873),
                "tcp",
                r.range(2_000_000_000, 9_000_000_000),
            );
        }
        let t = day0 + 1_800 + r.below(1_800) as i64;
        audit_row(
            out,
            t,
            "billing.etl",
            "export",
            "billing_cdr",
            r.range(2_000_000, 5_000_000),
            "10.1.2.13",
        );
        // The vendor's support tunnel, up all day.
        let t = day0 + r.below(120) as i64;
        flow_row(
            out,
            t,
            day0 + DAY - 1,
            "10.1.2.40",
            &vendor,
            (51_000, 1194),
            "udp",
            r.range(50_000_000, 300_000_000),
        );

        // Staff at work: logins, lookups, provisioning, a few route changes.
        for (k, &user) in STAFF.iter().enumerate() {
            if weekend && k % 5 != 0 {
                continue;
            }
            let ws = workstation(k);
            let login = day0 + 8 * 3600 + 1_800 + r.below(3_600) as i64;
            audit_row(out, login, user, "login", "oss", 0, &ws);
            flow_row(
                out,
                login,
                login + 8 * 3600,
                &ws,
                "10.1.3.1",
                (50_000 + k as u32, 22),
                "tcp",
                r.range(2_000_000, 30_000_000),
            );
            let mut t = login;
            for _ in 0..r.range(5, 30) {
                t += r.range(60, 1_500) as i64;
                let (action, object, count) = match r.below(10) {
                    0..=4 => (
                        "query",
                        *r.pick(&["subscriber", "cdr", "number_pool", "sms_route", "billing"]),
                        r.range(1, 200),
                    ),
                    5..=6 => ("provision", "subscriber", 1),
                    7 => (
                        "modify",
                        *r.pick(&["sms_route", "subscriber", "tariff"]),
                        r.range(1, 3),
                    ),
                    _ => (
                        "export",
                        *r.pick(&["cdr", "subscriber", "complaints"]),
                        r.range(100, 5_000),
                    ),
                };
                audit_row(out, t, user, action, object, count, &ws);
            }
        }
        if d == 0 {
            // An admin brings a new backup host into service (and into the inventory).
            let t = day0 + 10 * 3600 + r.below(3_600) as i64;
            audit_row(
                out,
                t,
                "wang.lei",
                "create_host",
                "10.1.2.31",
                1,
                &workstation(2),
            );
            // The resource team's monthly number-pool extract, from the office by day.
            let t = day0 + 14 * 3600 + r.below(3_600) as i64;
            audit_row(
                out,
                t,
                "lin.feng",
                "export",
                "number_pool",
                r.range(20_000, 80_000),
                &workstation(15),
            );
        }
    }
}
