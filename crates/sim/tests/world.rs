#![allow(clippy::unwrap_used)]
//! The world as the issue promises it: deterministic, readable without a single reject,
//! every truth entity in the data, every link of the chain present, the hard negatives
//! there in their shares. Worlds are small so the suite stays fast.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use duanka_ingest::{ReadOptions, read_dataset};
use duanka_sim::reference::Reference;
use duanka_sim::{Config, Format, Scenario, simulate};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("duanka-sim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The built-in snapshot, parsed once for the whole suite.
fn reference() -> Reference {
    static REFERENCE: std::sync::OnceLock<Reference> = std::sync::OnceLock::new();
    REFERENCE
        .get_or_init(|| Reference::builtin().unwrap())
        .clone()
}

fn world(cfg: &Config, name: &str) -> PathBuf {
    let out = tmp(name);
    simulate(cfg, &reference(), &out, Format::Csv, &|_, _| {}).unwrap();
    out
}

fn small(seed: u64) -> Config {
    let mut c = Config::new(3_000, 2, seed);
    c.chain.cases = 40;
    c.chain.other_gang_cases = 10;
    c
}

/// A table as rows of optional strings by column name (times as epoch seconds).
struct Rows {
    cols: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    fn col(&self, name: &str) -> usize {
        self.cols.iter().position(|c| c == name).unwrap()
    }
    fn get<'a>(&'a self, row: &'a [Option<String>], name: &str) -> &'a str {
        row[self.col(name)].as_deref().unwrap_or("")
    }
}

fn tables(dir: &Path) -> BTreeMap<String, Rows> {
    // With the built-in snapshot the world is built on: its segments, tac and geoip.
    let ds = read_dataset(dir, &ReadOptions::default()).unwrap();
    let mut out = BTreeMap::new();
    for t in &ds.tables {
        if !ds.is_builtin(t.name()) {
            assert_eq!(t.report.rejected, 0, "table {} has rejects", t.name());
        }
        let schema = t.schema();
        let cols: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows = Vec::new();
        for b in &t.batches {
            let strings: Vec<_> = b
                .columns()
                .iter()
                .map(|c| {
                    let c = if matches!(c.data_type(), DataType::Timestamp(..)) {
                        cast(c, &DataType::Int64).unwrap()
                    } else {
                        c.clone()
                    };
                    cast(&c, &DataType::Utf8).unwrap()
                })
                .collect();
            for i in 0..b.num_rows() {
                rows.push(
                    strings
                        .iter()
                        .map(|a| {
                            let s = a.as_string::<i32>();
                            (!s.is_null(i)).then(|| s.value(i).to_string())
                        })
                        .collect(),
                );
            }
        }
        out.insert(t.name().to_string(), Rows { cols, rows });
    }
    out
}

fn truth(dir: &Path, file: &str) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join(file)).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x[1].to_string(), x[2].to_string())
        })
        .collect()
}

fn with_label(t: &[(String, String, String)], label: &str) -> BTreeSet<String> {
    t.iter()
        .filter(|x| x.2 == label)
        .map(|x| x.1.clone())
        .collect()
}

#[test]
fn same_arguments_give_the_same_bytes_whatever_the_threads() {
    let mut a = small(11);
    a.threads = Some(1);
    let mut b = small(11);
    b.threads = Some(3);
    let (da, db) = (world(&a, "det-a"), world(&b, "det-b"));
    let names: BTreeSet<_> = std::fs::read_dir(&da)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // Ten tables (the reference tables are the built-in snapshot's), truth, hard negatives.
    assert_eq!(names.len(), 12, "{names:?}");
    for n in &names {
        assert_eq!(
            std::fs::read(da.join(n)).unwrap(),
            std::fs::read(db.join(n)).unwrap(),
            "{n:?} differs"
        );
    }
    let dc = world(&small(12), "det-c");
    assert_ne!(
        std::fs::read(da.join("sms.csv")).unwrap(),
        std::fs::read(dc.join("sms.csv")).unwrap()
    );
    for d in [da, db, dc] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn chain_is_complete_and_truth_is_in_the_data() {
    let cfg = small(5);
    let dir = world(&cfg, "chain");
    let t = tables(&dir);
    for name in [
        "subscribers",
        "sms",
        "calls",
        "attach",
        "registrations",
        "flows",
        "assets",
        "audit",
        "cases",
        "transfers",
        "geoip",
        "tac",
        "segments",
    ] {
        assert!(!t[name].rows.is_empty(), "table {name} is empty");
    }
    let truth = truth(&dir, "truth.csv");

    // Every truth entity occurs somewhere in the data, in canonical form.
    let mut values = BTreeSet::new();
    for rows in t.values() {
        for (k, c) in rows.cols.iter().enumerate() {
            for r in &rows.rows {
                if let Some(v) = &r[k] {
                    values.insert(v.clone());
                    if c == "imei" {
                        values.insert(format!("{:0>15}", v));
                    }
                }
            }
        }
    }
    for (ty, id, label) in &truth {
        assert!(
            values.contains(id),
            "{ty} {id} ({label}) is not in the data"
        );
    }

    // The insider creates the rogue host and reads the number pool from it.
    let rogue = with_label(&truth, "rogue_host").into_iter().next().unwrap();
    let jump = with_label(&truth, "jump_host").into_iter().next().unwrap();
    let insider = with_label(&truth, "insider").into_iter().next().unwrap();
    let audit = &t["audit"];
    assert!(audit.rows.iter().any(|r| audit.get(r, "user") == insider
        && audit.get(r, "action") == "create_host"
        && audit.get(r, "object") == rogue));
    let exported: u64 = audit
        .rows
        .iter()
        .filter(|r| {
            audit.get(r, "user") == insider
                && audit.get(r, "action") == "export"
                && audit.get(r, "object") == "number_pool"
                && audit.get(r, "src_ip") == rogue
        })
        .map(|r| audit.get(r, "record_count").parse::<u64>().unwrap())
        .sum();
    assert!(exported >= 1_000_000, "bulk read of the pool: {exported}");

    // The rogue host is in the management range, absent from the inventory, speaks SMPP
    // to the SMSC and keeps a long tunnel to a host the geoip table calls foreign.
    assert!(rogue.starts_with("10.1.2."));
    let assets = &t["assets"];
    assert!(
        !assets
            .rows
            .iter()
            .any(|r| assets.get(r, "ip").starts_with(&rogue))
    );
    let flows = &t["flows"];
    assert!(
        flows
            .rows
            .iter()
            .any(|r| flows.get(r, "src_ip") == rogue && flows.get(r, "dst_port") == "2775")
    );
    let tunnel = flows
        .rows
        .iter()
        .filter(|r| flows.get(r, "src_ip") == rogue && flows.get(r, "dst_ip") == jump)
        .map(|r| {
            flows.get(r, "ts_end").parse::<i64>().unwrap()
                - flows.get(r, "ts_start").parse::<i64>().unwrap()
        })
        .max()
        .unwrap();
    assert!(tunnel >= 20 * 3600, "tunnel lasts {tunnel} s");
    let geoip = &t["geoip"];
    let jump_ip: std::net::IpAddr = jump.parse().unwrap();
    let country = geoip
        .rows
        .iter()
        .find(|r| {
            duanka_model::parse_cidr(geoip.get(r, "cidr"))
                .unwrap()
                .contains(jump_ip)
        })
        .map(|r| geoip.get(r, "country").to_string())
        .unwrap();
    assert_ne!(country, "CN");

    // Leaked numbers: mostly stock, from a few blocks, never attached, codes from many
    // services delivered to the rogue host.
    let sinks = with_label(&truth, "otp_sink");
    let subs = &t["subscribers"];
    let stock = subs
        .rows
        .iter()
        .filter(|r| sinks.contains(subs.get(r, "msisdn")) && subs.get(r, "status") == "stock")
        .count();
    assert!(
        stock * 10 >= sinks.len() * 7,
        "{stock} of {} stock",
        sinks.len()
    );
    let blocks: BTreeSet<_> = sinks.iter().map(|s| &s[..9]).collect();
    assert!(blocks.len() <= cfg.chain.leak_blocks as usize);
    let attach = &t["attach"];
    assert!(
        !attach
            .rows
            .iter()
            .any(|r| sinks.contains(attach.get(r, "msisdn")))
    );
    let sms = &t["sms"];
    let mut services: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &sms.rows {
        if sinks.contains(sms.get(r, "msisdn")) && sms.get(r, "delivery_node") == rogue {
            services
                .entry(sms.get(r, "msisdn"))
                .or_default()
                .insert(sms.get(r, "peer"));
        }
    }
    assert_eq!(services.len(), sinks.len());
    assert!(services.values().all(|s| s.len() >= 6));

    // Bulk sign-ups: leaked numbers, device ids never seen on the network, few proxies.
    let bulk = with_label(&truth, "bulk_account");
    let regs = &t["registrations"];
    let attached: BTreeSet<&str> = attach.rows.iter().map(|r| attach.get(r, "imei")).collect();
    let mut ips = BTreeSet::new();
    for r in regs
        .rows
        .iter()
        .filter(|r| bulk.contains(regs.get(r, "account_id")))
    {
        assert!(sinks.contains(regs.get(r, "msisdn")));
        assert!(!attached.contains(regs.get(r, "device_id").trim_start_matches('0')));
        ips.insert(regs.get(r, "ip"));
    }
    assert!(ips.len() <= cfg.chain.proxy_ips as usize);

    // Cases: the bulk accounts as fraud accounts, losses in range, the boss's ¥150,000,
    // money on to second-level mules.
    let linked = with_label(&truth, "linked_case");
    assert_eq!(linked.len(), cfg.chain.cases as usize);
    assert_eq!(
        with_label(&truth, "other_gang_case").len(),
        cfg.chain.other_gang_cases as usize
    );
    let cases = &t["cases"];
    let mules = with_label(&truth, "mule");
    let transfers = &t["transfers"];
    let mut boss = false;
    for r in cases
        .rows
        .iter()
        .filter(|r| linked.contains(cases.get(r, "case_id")))
    {
        assert!(bulk.contains(cases.get(r, "fraud_account")));
        let loss: i64 = cases.get(r, "loss").parse().unwrap();
        assert!((300_000..=20_000_000).contains(&loss), "loss {loss} fen");
        boss |= loss == 15_000_000 && cases.get(r, "fraud_type") == "impersonate_boss";
        let payee = cases.get(r, "payee_account");
        assert!(mules.contains(payee));
        assert!(
            transfers
                .rows
                .iter()
                .any(|x| transfers.get(x, "to_account") == payee
                    && transfers.get(x, "amount") == loss.to_string())
        );
        assert!(
            transfers
                .rows
                .iter()
                .any(|x| transfers.get(x, "from_account") == payee
                    && mules.contains(transfers.get(x, "to_account")))
        );
    }
    assert!(boss, "the seed's ¥150,000 boss case");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn modem_pool_variant_has_a_sim_farm_on_tampered_handsets() {
    let mut cfg = small(8);
    cfg.scenario = Scenario::ModemPool;
    let dir = world(&cfg, "pool");
    let t = tables(&dir);
    let truth = truth(&dir, "truth.csv");
    let farms = with_label(&truth, "sim_farm");
    assert!(farms.len() >= 2);
    let attach = &t["attach"];
    let tacs: BTreeSet<i64> = t["tac"]
        .rows
        .iter()
        .map(|r| t["tac"].get(r, "tac").parse().unwrap())
        .collect();
    for f in &farms {
        let imsis: BTreeSet<&str> = attach
            .rows
            .iter()
            .filter(|r| format!("{:0>15}", attach.get(r, "imei")) == *f)
            .map(|r| attach.get(r, "imsi"))
            .collect();
        assert!(imsis.len() >= 5, "{f}: {} SIMs", imsis.len());
        let imei: i64 = f.parse().unwrap();
        let tac = imei / 10_000_000;
        assert!(
            !duanka_model::imei_luhn_ok(imei) || !tacs.contains(&tac),
            "{f} looks genuine"
        );
    }
    // Token calls keep the pool alive.
    let calls = &t["calls"];
    let sinks = with_label(&truth, "otp_sink");
    assert!(
        calls
            .rows
            .iter()
            .any(|r| sinks.contains(calls.get(r, "msisdn"))
                && calls.get(r, "duration_s").parse::<u64>().unwrap() <= 15)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hard_negatives_are_there_in_their_shares() {
    let cfg = Config::new(6_000, 1, 21);
    let dir = world(&cfg, "negatives");
    let t = tables(&dir);
    let neg = truth(&dir, "hard_negatives.csv");
    let n = t["subscribers"].rows.len() as f64;
    let count = |k: &str| neg.iter().filter(|x| x.2 == k).count() as f64;
    let near = |k: &str, share: f64| {
        let got = count(k) / n;
        assert!(
            (got - share).abs() <= share * 0.35 + 0.002,
            "{k}: {got:.4} of the register, expected about {share}"
        );
    };
    near("iot_silent", cfg.shares.iot);
    near("phone_switcher", cfg.shares.switcher);
    near("shop_many_otp", cfg.shares.shop);
    assert_eq!(count("test_lab_sim") as u32, cfg.shares.lab_sims);
    assert!(count("shared_family_handset") >= 20.0);

    let sms = &t["sms"];
    let calls = &t["calls"];
    let attach = &t["attach"];
    // Shops: many codes from many services, and calls and sent texts like anyone.
    let shops: BTreeSet<String> = neg
        .iter()
        .filter(|x| x.2 == "shop_many_otp")
        .map(|x| x.1.clone())
        .collect();
    let mut shop_services: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &sms.rows {
        if shops.contains(sms.get(r, "msisdn")) && sms.get(r, "peer").starts_with("1069") {
            shop_services
                .entry(sms.get(r, "msisdn"))
                .or_default()
                .insert(sms.get(r, "peer"));
        }
    }
    let many = shop_services.values().filter(|s| s.len() >= 8).count();
    assert!(
        many * 10 >= shops.len() * 7,
        "{many} of {} shops",
        shops.len()
    );
    assert!(
        calls
            .rows
            .iter()
            .any(|r| shops.contains(calls.get(r, "msisdn")))
    );
    // IoT SIMs attach and never call or text.
    let iot: BTreeSet<String> = neg
        .iter()
        .filter(|x| x.2 == "iot_silent")
        .map(|x| x.1.clone())
        .collect();
    assert!(!sms.rows.iter().any(|r| iot.contains(sms.get(r, "msisdn"))));
    assert!(
        !calls
            .rows
            .iter()
            .any(|r| iot.contains(calls.get(r, "msisdn")))
    );
    assert!(
        attach
            .rows
            .iter()
            .any(|r| iot.contains(attach.get(r, "msisdn")))
    );
    // Family handsets carry several SIMs.
    let fam: BTreeSet<String> = neg
        .iter()
        .filter(|x| x.2 == "shared_family_handset")
        .map(|x| x.1.clone())
        .collect();
    let mut sims: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for r in &attach.rows {
        let imei = format!("{:0>15}", attach.get(r, "imei"));
        if fam.contains(&imei) {
            sims.entry(imei).or_default().insert(attach.get(r, "imsi"));
        }
    }
    assert!(sims.values().filter(|s| s.len() >= 2).count() * 10 >= fam.len() * 8);
    // The test lab is in the inventory and talks SMPP to the SMSC around the clock.
    let flows = &t["flows"];
    let lab_hours: BTreeSet<i64> = flows
        .rows
        .iter()
        .filter(|r| flows.get(r, "src_ip") == "10.1.2.9" && flows.get(r, "dst_port") == "2775")
        .map(|r| flows.get(r, "ts_start").parse::<i64>().unwrap() / 3600 % 24)
        .collect();
    assert_eq!(lab_hours.len(), 24);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn parquet_output_reads_back_with_the_same_rows() {
    let cfg = Config::new(1_000, 1, 2);
    let csv = world(&cfg, "fmt-csv");
    let pq = tmp("fmt-pq");
    simulate(&cfg, &reference(), &pq, Format::Parquet, &|_, _| {}).unwrap();
    assert!(pq.join("sms.parquet").exists());
    assert!(pq.join("truth.csv").exists());
    let a = read_dataset(&csv, &ReadOptions::default()).unwrap();
    let b = read_dataset(&pq, &ReadOptions::default()).unwrap();
    for (x, y) in a.tables.iter().zip(&b.tables) {
        assert_eq!(x.name(), y.name());
        assert_eq!(x.num_rows(), y.num_rows(), "{}", x.name());
    }
    let again = tmp("fmt-pq2");
    simulate(&cfg, &reference(), &again, Format::Parquet, &|_, _| {}).unwrap();
    assert_eq!(
        std::fs::read(pq.join("sms.parquet")).unwrap(),
        std::fs::read(again.join("sms.parquet")).unwrap()
    );
    for d in [csv, pq, again] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn bad_settings_are_refused_not_panicked_on() {
    let mut c = Config::new(100, 1, 1);
    assert!(c.validate().is_err());
    c.subscribers = 5_000;
    c.days = 0;
    assert!(c.validate().is_err());
    c.days = 1;
    c.shares.iot = 1.5;
    assert!(c.validate().is_err());
    let mut big = Config::new(10_000_000, 1, 1);
    big.threads = Some(1);
    let out = tmp("too-big");
    assert!(simulate(&big, &reference(), &out, Format::Csv, &|_, _| {}).is_err());
    let full = tmp("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("sms.parquet"), b"old").unwrap();
    let err = simulate(
        &Config::new(1_000, 1, 1),
        &reference(),
        &full,
        Format::Csv,
        &|_, _| {},
    );
    assert!(err.unwrap_err().to_string().contains("not empty"));
    let _ = std::fs::remove_dir_all(full);
}

#[test]
fn the_default_leak_blocks_grow_with_the_register() {
    let at = |subscribers: u64| Config::new(subscribers, 1, 1).fitting_leak_blocks();
    // Three blocks while the leak fits them; then one block per 9,000 leaked numbers.
    assert_eq!(at(1_000_000), 3);
    assert_eq!(at(5_400_000), 3);
    assert_eq!(at(10_000_000), 6);
    assert_eq!(at(30_000_000), 17);
    assert_eq!(at(1_000_000_000), duanka_sim::MAX_LEAK_BLOCKS);
    for n in [1_000_000, 10_000_000, 30_000_000] {
        let mut c = Config::new(n, 1, 1);
        c.chain.leak_blocks = c.fitting_leak_blocks();
        assert!(c.validate().is_ok(), "{n}");
    }
}
