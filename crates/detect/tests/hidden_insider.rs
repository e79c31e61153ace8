//! The chain when the inventory does not tell the truth, on small hand-built datasets,
//! one test per phenomenon of real operator data: a range row of the IP plan covering an
//! unlisted rogue host, a rogue host its insider registered himself, live subscribers
//! whose codes alone are diverted, a careful insider reading a few times his peers'
//! volume, and a household behind the gang's residential proxy. Each dataset holds the
//! lookalike that must stay quiet next to the real thing that must be flagged.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

mod common;

use common::{evidence, local_time as t, score};

use duanka_model::{Alert, Figure, Severity, luhn_check_digit};

const SMSC: &str = "10.9.1.5";
const ABROAD: &str = "203.0.113.7";
const INSIDER: &str = "zhou.bin";
const INSIDER_WS: &str = "10.9.3.57";

const ASSETS: &str = "ip,hostname,owner,role,network
10.9.1.5,smsc-01,ops,smsc,signalling
10.9.2.9,smstest-lab,qa,test,mgmt
10.9.2.10,oss-app-01,ops,oss,mgmt
10.9.2.14,numpool-db,dba,db,mgmt
10.9.2.30,batch-01,ops,batch,mgmt
10.9.3.0/24,office-lan,it,workstation,office
";

const GEOIP: &str = "cidr,country
1.2.0.0/16,CN
203.0.113.0/24,KH
";

/// A valid 15-digit IMEI.
fn imei(serial: u64) -> String {
    let body = 35_675_904 * 1_000_000 + serial;
    format!("{body:014}{}", luhn_check_digit(body))
}

/// Tables under construction, as CSV text.
struct World {
    name: &'static str,
    assets: String,
    flows: String,
    audit: String,
    sms: String,
    attach: String,
    subscribers: String,
    registrations: String,
}

impl World {
    /// The management network's background: the listed test lab's SMPP binds, the OSS
    /// server's database reads, staff reading the number pool and subscriber data from
    /// their desks.
    fn new(name: &'static str) -> Self {
        let mut w = World {
            name,
            assets: ASSETS.into(),
            flows: "ts_start,ts_end,src_ip,dst_ip,src_port,dst_port,proto,bytes\n".into(),
            audit: "ts,user,action,object,record_count,src_ip\n".into(),
            sms: "ts,direction,msisdn,peer,content,category,delivery_node\n".into(),
            attach: "ts,imsi,msisdn,imei,cell_id\n".into(),
            subscribers: "msisdn,imsi,status\n".into(),
            registrations: "ts,platform,account_id,msisdn,device_id,ip\n".into(),
        };
        for h in 0..24 {
            w.flow(h * 3600, h * 3600 + 1500, "10.9.2.9", SMSC, 2775, 900_000);
            w.flow(
                h * 3600 + 60,
                h * 3600 + 900,
                "10.9.2.10",
                "10.9.2.14",
                1521,
                5_000_000,
            );
        }
        w.audit.push_str(&common::staff_audit(150, 500, 50));
        w
    }

    fn flow(&mut self, t0: i64, t1: i64, src: &str, dst: &str, port: u32, bytes: u64) {
        self.flows
            .push_str(&common::flow_line(t0, t1, src, dst, port, bytes));
    }

    fn act(&mut self, at: i64, who: &str, action: &str, object: &str, n: i64, src: &str) {
        self.audit
            .push_str(&common::audit_line(at, who, action, object, n, src));
    }

    fn asset(&mut self, row: &str) {
        self.assets.push_str(row);
        self.assets.push('\n');
    }

    /// A rogue host at `ip`: created by the insider from his desk, bound to the SMSC all
    /// day, a tunnel abroad, and the delivery node of the codes of `numbers`.
    fn rogue(&mut self, ip: &str, numbers: &[u64]) {
        self.act(10 * 3600, INSIDER, "create_host", ip, 1, INSIDER_WS);
        self.rogue_unrecorded(ip, numbers);
    }

    /// The same host, brought up without a `create_host` record.
    fn rogue_unrecorded(&mut self, ip: &str, numbers: &[u64]) {
        self.rogue_named(ip, ip, numbers);
    }

    /// The same, with the SMSC naming the peer that took delivery `node`.
    fn rogue_named(&mut self, ip: &str, node: &str, numbers: &[u64]) {
        self.flow(
            10 * 3600 - 300,
            10 * 3600 + 1800,
            INSIDER_WS,
            ip,
            22,
            4_000_000,
        );
        for h in 0..24 {
            self.flow(h * 3600 + 30, h * 3600 + 3500, ip, SMSC, 2775, 2_000_000);
        }
        self.flow(60, 86_000, ip, ABROAD, 443, 800_000_000);
        for (k, &m) in numbers.iter().enumerate() {
            for s in 0..4u64 {
                let at = 3_600 + k as i64 * 600 + s as i64 * 97;
                self.sms.push_str(&format!(
                    "{},MT,{m},10690{:05},【服务{s}】您的验证码是{:06}，5分钟内有效。,,{node}\n",
                    t(at),
                    100 + s,
                    (m % 1_000) * 1_000 + s * 7 + 100_000
                ));
            }
        }
    }

    /// A live subscriber: in the register, on the network with a handset, getting its
    /// friends' messages through the radio network.
    fn live(&mut self, m: u64, serial: u64) {
        let imsi = 460_110_000_000_000 + m % 1_000_000_000;
        self.subscribers.push_str(&format!("{m},{imsi},active\n"));
        for k in 0..3 {
            self.attach.push_str(&format!(
                "{},{imsi},{m},{},4401\n",
                t(8 * 3600 + k * 4_000),
                imei(serial)
            ));
        }
        self.sms.push_str(&format!(
            "{},MT,{m},8613900001111,晚上一起吃饭吗,personal,radio\n",
            t(12 * 3600 + (m % 600) as i64)
        ));
    }

    fn run(&self) -> Vec<Alert> {
        self.run_with(&duanka_detect::Config::default())
    }

    fn run_with(&self, config: &duanka_detect::Config) -> Vec<Alert> {
        common::scan_files_with(
            self.name,
            &[
                ("assets.csv", &self.assets),
                ("geoip.csv", GEOIP),
                ("flows.csv", &self.flows),
                ("audit.csv", &self.audit),
                ("sms.csv", &self.sms),
                ("attach.csv", &self.attach),
                ("subscribers.csv", &self.subscribers),
                ("registrations.csv", &self.registrations),
            ],
            2,
            config,
        )
        .alerts
    }
}

/// The best score any detector gave the entity.
fn best(alerts: &[Alert], id: &str) -> f64 {
    alerts
        .iter()
        .filter(|a| a.entity_id == id)
        .map(|a| a.score)
        .fold(0.0, f64::max)
}

/// Stock numbers of a leaked block (never attached, not live).
fn stock(n: u64) -> Vec<u64> {
    (0..n).map(|k| 8613312340000 + k).collect()
}

#[test]
fn a_range_row_of_the_ip_plan_approves_no_host() {
    let mut w = World::new("range-row");
    // The IP plan's row for the management network: no hostname, no role.
    w.asset("10.9.2.0/24,,noc,,mgmt");
    w.rogue("10.9.2.160", &stock(8));
    // The insider reads the number pool through it at night.
    w.act(2 * 3600, INSIDER, "login", "oss", 0, "10.9.2.160");
    w.act(
        2 * 3600 + 300,
        INSIDER,
        "export",
        "number_pool",
        3_000_000,
        "10.9.2.160",
    );
    let alerts = w.run();
    assert!(
        score(&alerts, "rogue_host", "10.9.2.160") >= 0.8,
        "{alerts:#?}"
    );
    assert_eq!(
        evidence(&alerts, "rogue_host", "10.9.2.160", "in_declared_range"),
        Some(&Figure::Bool(true))
    );
    // Its tunnel is the jump host's, from a rogue host, not a listed one's lead.
    assert!(score(&alerts, "jump_host", ABROAD) >= 0.8, "{alerts:#?}");
    assert!(score(&alerts, "insider", INSIDER) >= 0.8, "{alerts:#?}");
    // The listed hosts of the same range stay quiet.
    for quiet in ["10.9.2.9", "10.9.2.10", "10.9.2.14"] {
        assert!(
            best(&alerts, quiet) < Severity::MEDIUM_FROM,
            "{quiet}: {alerts:#?}"
        );
    }
}

#[test]
fn a_host_its_insider_registered_is_judged_by_what_it_does() {
    let mut w = World::new("self-registered");
    w.asset(&format!("10.9.2.161,oss-app-07,{INSIDER},oss,mgmt"));
    w.rogue("10.9.2.161", &stock(8));
    let alerts = w.run();
    assert!(
        score(&alerts, "rogue_host", "10.9.2.161") >= 0.8,
        "{alerts:#?}"
    );
    assert_eq!(
        evidence(&alerts, "rogue_host", "10.9.2.161", "listed_role"),
        Some(&Figure::Text("oss".into()))
    );
    assert!(
        score(&alerts, "core_interception", "10.9.2.161") >= Severity::MEDIUM_FROM,
        "{alerts:#?}"
    );
    assert!(score(&alerts, "jump_host", ABROAD) >= 0.8, "{alerts:#?}");
    // The listed OSS server doing OSS work and the lab binding to the SMSC, as their
    // roles do, stay quiet.
    assert_eq!(score(&alerts, "rogue_host", "10.9.2.10"), 0.0);
    assert_eq!(score(&alerts, "rogue_host", "10.9.2.9"), 0.0);
}

#[test]
fn live_subscribers_whose_codes_alone_are_diverted_are_victims() {
    let mut w = World::new("live-victims");
    let live: Vec<u64> = (0..10).map(|k| 8618922220000 + k * 37).collect();
    for (k, &m) in live.iter().enumerate() {
        w.live(m, 100 + k as u64);
    }
    // An ordinary live subscriber whose codes reach the handset.
    w.live(8618922229999, 999);
    w.rogue("10.9.2.170", &live);
    let alerts = w.run();
    for m in &live {
        let id = m.to_string();
        let s = score(&alerts, "core_interception", &id);
        assert!(s >= Severity::MEDIUM_FROM, "{id}: {s} {alerts:#?}");
    }
    assert!(score(&alerts, "core_interception", "10.9.2.170") >= Severity::MEDIUM_FROM);
    assert!(best(&alerts, "8618922229999") < Severity::MEDIUM_FROM);
}

#[test]
fn a_careful_insider_is_carried_by_his_tie_to_the_host_and_a_nightly_job_is_not() {
    let mut w = World::new("careful");
    // His only tie to the host is the inventory naming him its owner.
    w.asset(&format!("10.9.2.162,oss-app-08,{INSIDER},oss,mgmt"));
    w.rogue_unrecorded("10.9.2.162", &stock(8));
    // He reads the pool by day from his own desk, about five times a colleague.
    for k in 0..6 {
        w.act(
            13 * 3600 + k * 1_200,
            INSIDER,
            "query",
            "number_pool",
            140,
            INSIDER_WS,
        );
    }
    // The billing job: the same large export every night from its batch host.
    for d in 0..3 {
        w.act(
            d * 86_400 + 3_600,
            "billing.etl",
            "export",
            "subscriber",
            2_000_000,
            "10.9.2.30",
        );
    }
    let alerts = w.run();
    assert!(
        score(&alerts, "insider", INSIDER) >= Severity::MEDIUM_FROM,
        "{alerts:#?}"
    );
    let job = score(&alerts, "insider", "billing.etl");
    assert!(job < Severity::MEDIUM_FROM, "{job} {alerts:#?}");
    // His colleagues read what colleagues read.
    for k in 0..10 {
        assert!(score(&alerts, "insider", &format!("staff{k}")) < Severity::MEDIUM_FROM);
    }
}

#[test]
fn a_household_behind_the_gangs_proxy_is_a_lead_at_most() {
    let mut w = World::new("household");
    let proxy = "1.2.77.5";
    // The gang's burst: our numbers, devices the network never saw.
    let mut gang = Vec::new();
    for k in 0..8u64 {
        let m = 8613312350000 + k;
        w.subscribers
            .push_str(&format!("{m},{},active\n", 460_110_000_100_000 + k));
        let acc = format!("wxid_gang{k}");
        w.registrations.push_str(&format!(
            "{},wechat,{acc},{m},{},{proxy}\n",
            t(20 * 3600 + k as i64 * 90),
            imei(5_000 + k)
        ));
        gang.push(acc);
    }
    // The household on the same connection: live numbers, their own phones, one of
    // them signing up while the burst runs.
    let household = [
        (8618922230001u64, 21u64, 20 * 3600 + 200),
        (8618922230002, 22, 9 * 3600),
    ];
    for &(m, serial, at) in &household {
        w.live(m, serial);
        w.registrations.push_str(&format!(
            "{},wechat,wxid_home{serial},{m},{},{proxy}\n",
            t(at),
            imei(serial)
        ));
    }
    let alerts = w.run();
    for acc in &gang {
        assert!(
            score(&alerts, "bulk_account", acc) >= Severity::MEDIUM_FROM,
            "{acc}: {alerts:#?}"
        );
    }
    for &(m, serial, _) in &household {
        let acc = format!("wxid_home{serial}");
        let s = score(&alerts, "bulk_account", &acc);
        assert!(s < Severity::MEDIUM_FROM, "{acc}: {s} {alerts:#?}");
        assert!(
            best(&alerts, &m.to_string()) < Severity::MEDIUM_FROM,
            "{m}: {alerts:#?}"
        );
    }
}

#[test]
fn a_host_named_instead_of_addressed_is_the_same_host() {
    let mut w = World::new("named");
    // The SMSC logs the peer by the name the insider registered; he created it by name.
    w.asset(&format!("10.9.2.163,oss-app-09,{INSIDER},oss,mgmt"));
    w.act(
        10 * 3600,
        INSIDER,
        "create_host",
        "OSS-APP-09",
        1,
        INSIDER_WS,
    );
    w.rogue_named("10.9.2.163", "oss-app-09", &stock(8));
    let alerts = w.run();
    assert!(
        score(&alerts, "rogue_host", "10.9.2.163") >= 0.8,
        "{alerts:#?}"
    );
    assert!(score(&alerts, "core_interception", "10.9.2.163") >= Severity::MEDIUM_FROM);
    assert_eq!(score(&alerts, "core_interception", "oss-app-09"), 0.0);
    assert_eq!(
        evidence(&alerts, "insider", INSIDER, "created_rogue_host"),
        Some(&Figure::Text("10.9.2.163".into()))
    );
}

#[test]
fn the_inventory_says_what_its_roles_do() {
    let mut w = World::new("vocabulary");
    // This operator lists its SMS test bench as role `qa`; it binds to the SMSC all day
    // and keeps a vendor's remote session abroad open.
    w.asset("10.9.2.50,qa-bench,qa,qa,mgmt");
    for h in 0..24 {
        w.flow(
            h * 3600 + 10,
            h * 3600 + 3000,
            "10.9.2.50",
            SMSC,
            2775,
            700_000,
        );
    }
    w.flow(30, 86_000, "10.9.2.50", ABROAD, 443, 90_000_000);
    let alerts = w.run();
    assert!(score(&alerts, "rogue_host", "10.9.2.50") >= Severity::MEDIUM_FROM);
    // Told that `qa` hosts bind to the SMSC and that `qa` is a gateway, duanka clears it.
    let mut config = duanka_detect::Config::default();
    config.inventory.smpp_role_parts.push("QA".into());
    config.inventory.gateway_roles.push("qa".into());
    let alerts = w.run_with(&config);
    assert_eq!(
        score(&alerts, "rogue_host", "10.9.2.50"),
        0.0,
        "{alerts:#?}"
    );
}
