//! The hard negatives of docs/simulation.md, one test per kind, on small hand-built
//! datasets: each carries one signal of a real finding and must not be flagged at
//! severity medium or above by any detector. Each dataset also holds the real thing the
//! negative resembles (a code sink, a modem, a bulk sign-up burst), which must be
//! flagged, so that a test cannot pass by flagging nothing.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

mod common;

use duanka_model::{Alert, Severity, luhn_check_digit};

/// A valid 15-digit IMEI from a TAC and a serial.
fn imei(tac: u64, serial: u64) -> String {
    let body = tac * 1_000_000 + serial;
    format!("{body:014}{}", luhn_check_digit(body))
}

/// The same, with a wrong check digit.
fn bad_imei(tac: u64, serial: u64) -> String {
    let body = tac * 1_000_000 + serial;
    format!("{body:014}{}", (luhn_check_digit(body) + 1) % 10)
}

const PHONE_TAC: u64 = 35_675_904;
const MODULE_TAC: u64 = 86_075_802;

/// Tables under construction, as CSV text.
struct World {
    name: &'static str,
    subscribers: String,
    sms: String,
    calls: String,
    attach: String,
    registrations: String,
    /// The asset inventory, when a test gives one.
    assets: String,
    clock: u32,
}

impl World {
    fn new(name: &'static str) -> Self {
        World {
            name,
            subscribers: "msisdn,imsi,activated_at,channel,id_hash,status\n".into(),
            sms: "ts,direction,msisdn,peer,content,category,delivery_node\n".into(),
            calls: "ts,direction,msisdn,peer,duration_s,cell_id\n".into(),
            attach: "ts,imsi,msisdn,imei,cell_id\n".into(),
            registrations: "ts,platform,account_id,msisdn,device_id,ip\n".into(),
            assets: String::new(),
            clock: 0,
        }
    }

    /// A new time in the day, a few seconds after the last one.
    fn ts(&mut self) -> String {
        self.clock += 7;
        let s = self.clock % 86_400;
        format!(
            "2025-10-14 {:02}:{:02}:{:02}",
            s / 3600,
            (s / 60) % 60,
            s % 60
        )
    }

    fn subscriber(&mut self, msisdn: u64, imsi: u64, holder: &str, status: &str) {
        self.subscribers.push_str(&format!(
            "{msisdn},{imsi},2023-05-01 10:00:00,GZ-1,{holder},{status}\n"
        ));
    }

    fn otp(&mut self, msisdn: u64, service: u32, node: &str) {
        let ts = self.ts();
        self.sms.push_str(&format!(
            "{ts},MT,{msisdn},10690{service:05},【服务{service}】您的验证码是{:06}，5分钟内有效。,otp,{node}\n",
            100_000 + service
        ));
    }

    fn attach(&mut self, imsi: u64, msisdn: u64, imei: &str, cell: &str) {
        let ts = self.ts();
        self.attach
            .push_str(&format!("{ts},{imsi},{msisdn},{imei},{cell}\n"));
    }

    fn call(&mut self, msisdn: u64, peer: u64, duration: u32) {
        let ts = self.ts();
        self.calls
            .push_str(&format!("{ts},MO,{msisdn},{peer},{duration},GZ-7\n"));
    }

    fn text(&mut self, msisdn: u64, peer: u64) {
        let ts = self.ts();
        self.sms.push_str(&format!(
            "{ts},MO,{msisdn},{peer},晚上一起吃饭吗,personal,\n"
        ));
    }

    fn signup(&mut self, account: &str, msisdn: u64, device: &str, ip: &str) {
        let ts = self.ts();
        self.registrations
            .push_str(&format!("{ts},wechat,{account},{msisdn},{device},{ip}\n"));
    }

    /// An ordinary subscriber: own phone, a few calls and texts, a code or two.
    fn person(&mut self, msisdn: u64, imsi: u64, phone: &str, holder: &str) {
        self.subscriber(msisdn, imsi, holder, "active");
        for k in 0..3 {
            self.attach(imsi, msisdn, phone, "GZ-7");
            self.call(msisdn, 8613900000000 + u64::from(k), 60 + 30 * k);
        }
        self.text(msisdn, 8613900000001);
        self.otp(msisdn, 1, "radio");
        self.otp(msisdn, 2, "radio");
    }

    /// A background of ordinary people in block 1331111 (the operator's baseline).
    fn background(&mut self) {
        self.people(8613311110000, 460_110_000_000_000, PHONE_TAC, 60, "h");
    }

    /// `n` ordinary people from number `first` and IMSI `imsi` on, each with a phone of
    /// model `tac`, holders `{holder}0`, `{holder}1`, ...
    fn people(&mut self, first: u64, imsi: u64, tac: u64, n: u64, holder: &str) {
        for i in 0..n {
            self.person(first + i, imsi + i, &imei(tac, i), &format!("{holder}{i}"));
        }
    }

    /// Leaked numbers in block 1332222: stock, codes from many services via a core node,
    /// never attached — the real thing the negatives resemble.
    fn leaked_run(&mut self, count: u64) -> Vec<u64> {
        let mut nums = Vec::new();
        for i in 0..count {
            let m = 8613322220000 + i;
            self.subscriber(m, 460_110_000_100_000 + i, "", "stock");
            for s in 0..6 {
                self.otp(m, 10 + s + i as u32 % 4, "10.1.2.99");
            }
            nums.push(m);
        }
        nums
    }

    /// The gang's sign-ups with the first eight leaked numbers, each on a fresh device
    /// of `tac`, all through the proxy 45.77.1.9, the codes taken by the core node.
    fn gang_sign_ups(&mut self, sinks: &[u64], tac: u64) -> Vec<String> {
        let mut bulk = Vec::new();
        for (k, s) in sinks.iter().enumerate().take(8) {
            let account = format!("wxid_bulk{k}");
            self.otp(*s, 1, "10.1.2.99");
            self.signup(&account, *s, &imei(tac, 80_000 + k as u64), "45.77.1.9");
            bulk.push(account);
        }
        bulk
    }

    fn run(&self) -> Vec<Alert> {
        let mut files = vec![
            ("subscribers.csv", self.subscribers.as_str()),
            ("sms.csv", &self.sms),
            ("calls.csv", &self.calls),
            ("attach.csv", &self.attach),
            ("registrations.csv", &self.registrations),
        ];
        if !self.assets.is_empty() {
            files.push(("assets.csv", &self.assets));
        }
        common::scan_files(self.name, &files, 2).alerts
    }
}

/// Alerts of severity medium or above on `id`.
fn serious<'a>(alerts: &'a [Alert], id: &str) -> Vec<&'a Alert> {
    alerts
        .iter()
        .filter(|a| a.entity_id == id && a.severity >= Severity::Medium)
        .collect()
}

fn assert_quiet(alerts: &[Alert], id: &str, kind: &str) {
    let found = serious(alerts, id);
    assert!(found.is_empty(), "{kind} {id} was flagged: {found:#?}");
}

fn assert_flagged(alerts: &[Alert], id: &str, detector: &str) {
    assert!(
        alerts
            .iter()
            .any(|a| a.entity_id == id && a.detector == detector && a.severity >= Severity::Medium),
        "{id} not flagged by {detector}: {:#?}",
        alerts
            .iter()
            .filter(|a| a.entity_id == id)
            .collect::<Vec<_>>()
    );
}

#[test]
fn shop_owner_with_many_codes_is_not_a_sink() {
    let mut w = World::new("shop");
    w.background();
    let sinks = w.leaked_run(12);
    // A reseller: 30 codes a day from 24 services, on an own phone, with a busy life.
    let shop = 8613311119000;
    w.person(shop, 460_110_000_009_000, &imei(PHONE_TAC, 9000), "hshop");
    for s in 0..30 {
        w.otp(shop, 100 + s % 24, "radio");
    }
    for k in 0..8 {
        w.call(shop, 8613900000100 + k, 45);
        w.text(shop, 8613900000200 + k);
    }
    let alerts = w.run();
    assert_quiet(&alerts, &shop.to_string(), "shop owner");
    assert_flagged(&alerts, &sinks[0].to_string(), "otp_sink");
    assert_flagged(&alerts, &sinks[0].to_string(), "leaked_block");
}

#[test]
fn silent_iot_sims_are_not_flagged() {
    let mut w = World::new("iot");
    w.background();
    let sinks = w.leaked_run(12);
    // Twenty meters of one utility in one block, timer attaches with module identities,
    // no calls, no SMS.
    let mut ids = Vec::new();
    for i in 0..20u64 {
        let m = 8613333330000 + i;
        let module = imei(MODULE_TAC, 500 + i);
        w.subscriber(m, 460_110_000_200_000 + i, "hmeter", "active");
        for _ in 0..3 {
            w.attach(460_110_000_200_000 + i, m, &module, "GZ-9");
        }
        ids.push(m.to_string());
        ids.push(module);
    }
    let alerts = w.run();
    for id in &ids {
        assert_quiet(&alerts, id, "IoT SIM or module");
    }
    assert_flagged(&alerts, &sinks[3].to_string(), "otp_sink");
}

#[test]
fn family_sharing_one_handset_is_not_a_sim_farm() {
    let mut w = World::new("family");
    w.background();
    // Four consecutive numbers of one holder, all in one phone, each with a life.
    let phone = imei(PHONE_TAC, 7777);
    let mut ids = vec![phone.clone()];
    for i in 0..4u64 {
        let m = 8613344440000 + i;
        w.person(m, 460_110_000_300_000 + i, &phone, "hfamily");
        ids.push(m.to_string());
    }
    // A modem: 16 leaked SIMs on one identity, codes from many services, token calls
    // between its SIMs.
    let modem = bad_imei(MODULE_TAC, 4242);
    for i in 0..16u64 {
        let m = 8613355550000 + i;
        let imsi = 460_110_000_400_000 + i;
        w.subscriber(m, imsi, &format!("hstraw{}", i % 3), "active");
        w.attach(imsi, m, &modem, "GZ-3");
        w.attach(imsi, m, &modem, "GZ-3");
        for s in 0..5 {
            w.otp(m, 30 + s + i as u32 % 5, "radio");
        }
        w.call(m, 8613355550000 + (i + 1) % 16, 5);
    }
    let alerts = w.run();
    for id in &ids {
        assert_quiet(&alerts, id, "family member or handset");
    }
    assert_flagged(&alerts, &modem, "sim_farm");
    assert_flagged(&alerts, &modem, "tampered_imei");
}

#[test]
fn phone_switcher_and_campus_sign_ups_are_not_tampering_or_bulk() {
    let mut w = World::new("switcher");
    w.background();
    let sinks = w.leaked_run(12);
    // A person who moves the SIM into a new phone and signs up with it.
    let (m, imsi) = (8613366660001u64, 460_110_000_500_001u64);
    let (old, new) = (imei(PHONE_TAC, 1001), imei(PHONE_TAC, 1002));
    w.person(m, imsi, &old, "hswitch");
    w.attach(imsi, m, &new, "GZ-7");
    w.attach(imsi, m, &new, "GZ-7");
    w.signup("wxid_switcher", m, &new, "113.108.1.1");
    // Students signing up behind one campus address, one after another, numbers of one
    // block, their own phones on the network.
    let mut students = Vec::new();
    for i in 0..8u64 {
        let sm = 8613311110000 + i;
        let account = format!("wxid_student{i}");
        w.signup(&account, sm, &imei(PHONE_TAC, i), "202.38.64.1");
        students.push(account);
    }
    // The real thing: sign-ups with the leaked numbers, made-up devices, one proxy.
    let mut bulk = w.gang_sign_ups(&sinks, PHONE_TAC);
    // The gang's sign-ups through the same proxy with numbers of another operator: no
    // device or number evidence of their own, only the address they share.
    for k in 0..2u64 {
        let account = format!("wxid_bulk_other{k}");
        w.signup(
            &account,
            8613800001000 + k,
            &imei(PHONE_TAC, 90_000 + k),
            "45.77.1.9",
        );
        bulk.push(account);
    }
    let alerts = w.run();
    for id in [m.to_string(), old, new, "wxid_switcher".to_string()] {
        assert_quiet(&alerts, &id, "phone switcher");
    }
    for s in &students {
        assert_quiet(&alerts, s, "campus sign-up");
    }
    for b in &bulk {
        assert_flagged(&alerts, b, "bulk_account");
    }
    assert_flagged(&alerts, &imei(PHONE_TAC, 80_003), "tampered_imei");
    // The other operator's numbers the gang verified with are code sinks too.
    assert_flagged(&alerts, "8613800001000", "signup_sink");
}

/// A live subscriber whose codes the insider diverts is a victim of the leak (his number
/// is flagged); the accounts he opens himself are his: one on his own phone from his
/// home connection, which the gang also rents as a proxy, one on a tablet whose platform
/// id is no IMEI, behind the mobile network's NAT, with the code his phone received.
#[test]
fn a_live_victims_own_sign_ups_are_not_bulk() {
    let mut w = World::new("victim");
    // The inventory lists the SMSC, not the node that takes the codes.
    w.assets = "ip,hostname,owner,role,network\n10.1.2.5,smsc-01,ops,smsc,signalling\n".into();
    w.background();
    let sinks = w.leaked_run(30);
    let (v, imsi) = (8613388880001u64, 460_110_000_800_001u64);
    let phone = imei(PHONE_TAC, 8001);
    w.person(v, imsi, &phone, "hvictim");
    for s in 0..6 {
        w.otp(v, 10 + s, "10.1.2.99");
    }
    w.clock += 3600;
    w.otp(v, 1, "radio");
    w.signup("wxid_victim_phone", v, &phone, "45.77.1.9");
    w.clock += 3600;
    w.otp(v, 2, "radio");
    w.signup(
        "dy_victim_tablet",
        v,
        "8F3C2A1E-5B7D-4C9A-9E21-0D4F6A7B8C9D",
        "112.96.0.7",
    );
    // The gang's burst through his connection comes hours later.
    w.clock += 7200;
    let bulk = w.gang_sign_ups(&sinks, PHONE_TAC);
    let alerts = w.run();
    assert!(
        !serious(&alerts, &v.to_string()).is_empty(),
        "the victim's number is not flagged: {alerts:#?}"
    );
    assert_quiet(
        &alerts,
        "wxid_victim_phone",
        "a victim's account on his phone",
    );
    assert_quiet(
        &alerts,
        "dy_victim_tablet",
        "a victim's account on his tablet",
    );
    for b in &bulk {
        assert_flagged(&alerts, b, "bulk_account");
    }
}

/// A TAC list is never complete: a recent model it lacks is carried by many handsets of
/// the network. A person who went through three phones of that model in the window and
/// a mother who signed her daughter up on her own phone are no tampering; a made-up
/// identity at the gang's sign-ups, on a TAC no handset of the network carries, is.
#[test]
fn handsets_of_a_model_the_tac_table_lacks_are_not_tampering() {
    const NEW_TAC: u64 = 86_777_001;
    const MADE_UP_TAC: u64 = 86_555_003;
    let mut w = World::new("newmodel");
    w.background();
    let sinks = w.leaked_run(12);
    w.people(8613377770000, 460_110_000_700_000, NEW_TAC, 20, "n");
    let (m, imsi) = (8613377770000u64, 460_110_000_700_000u64);
    let (second, third) = (imei(NEW_TAC, 501), imei(NEW_TAC, 502));
    w.attach(imsi, m, &second, "GZ-7");
    w.attach(imsi, m, &third, "GZ-7");
    let mother = imei(NEW_TAC, 1);
    w.signup("wxid_mum", 8613377770001, &mother, "113.108.1.2");
    w.signup("wxid_daughter", 8613377770002, &mother, "113.108.1.2");
    w.gang_sign_ups(&sinks, MADE_UP_TAC);
    let alerts = w.run();
    for id in [imei(NEW_TAC, 0), second, third] {
        assert_quiet(&alerts, &id, "phone switcher on a model the table lacks");
    }
    assert_quiet(
        &alerts,
        &mother,
        "a mother's phone on a model the table lacks",
    );
    assert_flagged(&alerts, &imei(MADE_UP_TAC, 80_003), "tampered_imei");
}

#[test]
fn an_operator_test_rig_is_not_a_sim_farm() {
    let mut w = World::new("rig");
    w.background();
    // A lab handset cycling twenty of the operator's own test SIMs, one at a time, in
    // the lab's cell: one holder, no codes, no calls between them.
    let rig = imei(PHONE_TAC, 8888);
    for i in 0..20u64 {
        let m = 8613377770000 + i;
        let imsi = 460_110_000_600_000 + i;
        w.subscriber(m, imsi, "hoperator-lab", "active");
        w.attach(imsi, m, &rig, "LAB-1");
        w.attach(imsi, m, &rig, "LAB-1");
    }
    // A vendor's test handset with twelve SIMs registered to twelve testers, attached
    // in the lab's cell and otherwise silent.
    let bench = imei(PHONE_TAC, 8899);
    for i in 0..12u64 {
        let m = 8613377780000 + i;
        let imsi = 460_110_000_700_000 + i;
        w.subscriber(m, imsi, &format!("htester{i}"), "active");
        for _ in 0..3 {
            w.attach(imsi, m, &bench, "LAB-1");
        }
    }
    // The real thing beside them: leaked SIMs of many holders receiving codes in one modem.
    let modem = imei(MODULE_TAC, 4343);
    for i in 0..16u64 {
        let m = 8613355550000 + i;
        let imsi = 460_110_000_400_000 + i;
        w.subscriber(m, imsi, &format!("hstraw{i}"), "active");
        w.attach(imsi, m, &modem, "GZ-3");
        w.attach(imsi, m, &modem, "GZ-3");
        for s in 0..5 {
            w.otp(m, 30 + s + i as u32 % 5, "radio");
        }
    }
    let alerts = w.run();
    assert_quiet(&alerts, &rig, "test rig");
    assert_quiet(&alerts, &bench, "vendor test handset");
    assert_flagged(&alerts, &modem, "sim_farm");
}
