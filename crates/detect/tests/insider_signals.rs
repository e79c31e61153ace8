//! The insider-side detectors on small hand-built flow, audit and inventory tables, one
//! test per signal: a long tunnel abroad, a beacon, a domestic relay hop, a bulk export
//! against peers, off-hours work from a host outside the inventory (created by the same
//! account), and the SMS test lab that does what a rogue host does but is listed.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

mod common;

use common::{evidence, score};

use duanka_model::{Alert, Figure};

const ASSETS: &str = "ip,hostname,owner,role,network
10.9.1.5,smsc-01,ops,smsc,signalling
10.9.2.9,smstest-lab,qa,test,mgmt
10.9.2.14,numpool-db,dba,db,mgmt
10.9.2.40,vendor-vpn,ops,vpn,mgmt
10.9.3.0/24,office-lan,it,workstation,office
58.60.1.10,oss-public-01,ops,oss,mgmt
";

const GEOIP: &str = "cidr,country
1.2.0.0/16,CN
203.0.113.0/24,KH
198.51.100.0/24,SG
192.0.2.0/24,PH
100.20.0.0/16,JP
";

struct Net {
    name: &'static str,
    flows: String,
    audit: String,
}

impl Net {
    fn new(name: &'static str) -> Self {
        let mut n = Net {
            name,
            flows: "ts_start,ts_end,src_ip,dst_ip,src_port,dst_port,proto,bytes\n".into(),
            audit: "ts,user,action,object,record_count,src_ip\n".into(),
        };
        // Background: the listed lab's SMPP binds and a few staff at work.
        n.hourly((0, 1500), "10.9.2.9", "10.9.1.5", 2775, 900_000);
        n.audit.push_str(&common::staff_audit(50, 500, 100));
        n
    }

    fn flow(&mut self, t0: i64, t1: i64, src: &str, dst: &str, port: u32, bytes: u64) {
        self.flows
            .push_str(&common::flow_line(t0, t1, src, dst, port, bytes));
    }

    /// One session an hour all day: from `from` to `to` seconds past each hour.
    fn hourly(&mut self, (from, to): (i64, i64), src: &str, dst: &str, port: u32, bytes: u64) {
        for h in 0..24 {
            self.flow(h * 3600 + from, h * 3600 + to, src, dst, port, bytes);
        }
    }

    fn act(&mut self, at: i64, who: &str, action: &str, object: &str, n: i64, src: &str) {
        self.audit
            .push_str(&common::audit_line(at, who, action, object, n, src));
    }

    fn run(&self) -> Vec<Alert> {
        self.run_with_assets(ASSETS)
    }

    fn run_with_assets(&self, assets: &str) -> Vec<Alert> {
        common::scan_files(
            self.name,
            &[
                ("assets.csv", assets),
                ("geoip.csv", GEOIP),
                ("flows.csv", &self.flows),
                ("audit.csv", &self.audit),
            ],
            2,
        )
        .alerts
    }
}

#[test]
fn a_long_tunnel_abroad_from_an_unknown_host_is_a_jump_host_and_the_vendor_is_not() {
    let mut n = Net::new("tunnel");
    n.flow(60, 86_000, "10.9.2.150", "203.0.113.7", 443, 800_000_000);
    n.flow(30, 86_300, "10.9.2.40", "198.51.100.9", 1194, 200_000_000);
    let alerts = n.run();
    assert!(
        score(&alerts, "jump_host", "203.0.113.7") >= 0.8,
        "{alerts:#?}"
    );
    assert!(score(&alerts, "jump_host", "198.51.100.9") < 0.5);
    // The unknown host itself: foreign traffic, long-lived, not in the inventory.
    assert!(score(&alerts, "rogue_host", "10.9.2.150") >= 0.5);
}

#[test]
fn a_regular_beacon_is_a_jump_host_and_irregular_browsing_is_not() {
    let mut n = Net::new("beacon");
    for k in 0..48 {
        let s = 600 + k * 1800 + (k % 3) * 4;
        n.flow(
            s,
            s + 20,
            "10.9.2.151",
            "192.0.2.77",
            8443,
            4_000 + (k % 2) as u64,
        );
    }
    // A workstation browsing a Japanese site now and then.
    let mut s = 9 * 3600;
    for k in 0..12 {
        s += [300, 4000, 90, 2200, 700, 15][k % 6];
        n.flow(
            s,
            s + 40,
            "10.9.3.25",
            "100.20.3.4",
            443,
            90_000 * (k as u64 + 1),
        );
    }
    let alerts = n.run();
    assert!(
        score(&alerts, "jump_host", "192.0.2.77") >= 0.8,
        "{alerts:#?}"
    );
    assert!(score(&alerts, "jump_host", "100.20.3.4") < 0.5);
}

#[test]
fn a_domestic_relay_is_followed_one_hop_to_the_foreign_end() {
    let mut n = Net::new("relay");
    n.flow(100, 80_000, "10.9.2.152", "1.2.3.4", 443, 500_000_000);
    n.flow(200, 80_100, "1.2.3.4", "203.0.113.99", 443, 500_000_000);
    let alerts = n.run();
    assert!(
        score(&alerts, "jump_host", "203.0.113.99") >= 0.8,
        "{alerts:#?}"
    );
    assert_eq!(
        evidence(&alerts, "jump_host", "203.0.113.99", "relay"),
        Some(&Figure::Text("1.2.3.4".into()))
    );
    assert!(score(&alerts, "jump_host", "1.2.3.4") >= 0.5);
}

#[test]
fn a_bulk_export_alone_is_a_lead_and_off_hours_from_a_created_unknown_host_is_high() {
    let mut n = Net::new("audit");
    // The resource team's day-time extract from the office: far above peers, nothing else.
    n.act(
        14 * 3600,
        "lin.feng",
        "export",
        "number_pool",
        60_000,
        "10.9.3.35",
    );
    // The insider: creates a host from his workstation, then reads the pool from it at night.
    n.act(
        2 * 3600,
        "zhou.bin",
        "create_host",
        "10.9.2.160",
        1,
        "10.9.3.40",
    );
    n.act(2 * 3600 + 2400, "zhou.bin", "login", "oss", 0, "10.9.2.160");
    for k in 0..3 {
        let at = 2 * 3600 + 3000 + k * 900;
        n.act(at, "zhou.bin", "query", "number_pool", 10_000, "10.9.2.160");
        n.act(
            at + 120,
            "zhou.bin",
            "export",
            "number_pool",
            3_000_000,
            "10.9.2.160",
        );
    }
    // The host he created talks to the SMSC and the number-pool database.
    n.hourly((0, 3500), "10.9.2.160", "10.9.1.5", 2775, 60_000);
    n.flow(
        3 * 3600,
        3 * 3600 + 600,
        "10.9.2.160",
        "10.9.2.14",
        1521,
        180_000_000,
    );
    let alerts = n.run();
    assert!(score(&alerts, "insider", "zhou.bin") >= 0.8, "{alerts:#?}");
    assert_eq!(
        evidence(&alerts, "insider", "zhou.bin", "created_rogue_host"),
        Some(&Figure::Text("10.9.2.160".into()))
    );
    let lin = score(&alerts, "insider", "lin.feng");
    assert!(lin > 0.0 && lin < 0.5, "{lin}");
    for k in 0..10 {
        assert_eq!(score(&alerts, "insider", &format!("staff{k}")), 0.0);
    }
    assert!(score(&alerts, "rogue_host", "10.9.2.160") >= 0.8);
}

#[test]
fn the_listed_test_lab_is_not_a_rogue_host_but_the_same_traffic_unlisted_is() {
    let mut n = Net::new("lab");
    n.hourly((60, 1560), "10.9.2.170", "10.9.1.5", 2775, 900_000);
    let alerts = n.run();
    assert_eq!(score(&alerts, "rogue_host", "10.9.2.9"), 0.0);
    assert!(
        score(&alerts, "rogue_host", "10.9.2.170") >= 0.5,
        "{alerts:#?}"
    );
}

/// A declared range of the signalling network approves no host (contract 1.1), but what
/// an unlisted host there does decides how far it goes: a standby SMSC being
/// commissioned replicates with its peer all day (no SMPP, no codes, nothing abroad)
/// and stays a lead; a machine binding to the SMSC over SMPP all day is a finding.
#[test]
fn a_standby_node_in_a_declared_range_is_a_lead_and_an_smpp_bind_is_a_finding() {
    let assets = "ip,hostname,owner,role,network
10.9.1.5,smsc-01,ops,smsc,signalling
10.9.1.0/24,,,,signalling
";
    let mut n = Net::new("standby");
    n.hourly((5, 3500), "10.9.1.77", "10.9.1.5", 7000, 5_000_000);
    n.hourly((60, 1560), "10.9.1.78", "10.9.1.5", 2775, 900_000);
    let alerts = n.run_with_assets(assets);
    let standby = score(&alerts, "rogue_host", "10.9.1.77");
    assert!((0.2..0.5).contains(&standby), "{alerts:#?}");
    assert!(
        score(&alerts, "rogue_host", "10.9.1.78") >= 0.5,
        "{alerts:#?}"
    );
}

#[test]
fn an_unlisted_host_in_a_public_network_of_the_operator_is_a_candidate_too() {
    let mut n = Net::new("public");
    n.hourly((60, 1560), "58.60.7.7", "10.9.1.5", 2775, 900_000);
    // An outside address talking to the same SMSC is not the operator's host.
    n.hourly((90, 1590), "100.20.7.7", "10.9.1.5", 2775, 900_000);
    let alerts = n.run();
    assert!(
        score(&alerts, "rogue_host", "58.60.7.7") >= 0.5,
        "{alerts:#?}"
    );
    assert_eq!(score(&alerts, "rogue_host", "100.20.7.7"), 0.0);
}
