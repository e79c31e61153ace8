//! Money and cases followed past the first hop: the mules of every layer down to the
//! account that collects the loot, and the case that names only a payee of a linked case.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

mod common;

use duanka_model::{Alert, Figure, Severity};

fn dataset() -> Vec<(&'static str, String)> {
    // A code sink: eight services, nothing else.
    let mut sms = String::from("ts,direction,msisdn,peer,category\n");
    for s in 0..8 {
        sms.push_str(&format!(
            "2025-10-14 10:0{s}:00,MT,8613322220000,10690{s:05},otp\n"
        ));
    }
    let cases = "case_id,reported_at,victim_msisdn,loss,fraud_type,channel,fraud_account,fraud_msisdn,payee_account\n\
        C1,2025-10-15 09:00:00,8613900000001,150000,impersonate_boss,wechat,,8613322220000,P1\n\
        C2,2025-10-15 11:00:00,8613900000002,80000,impersonate_boss,wechat,,,P1\n\
        C3,2025-10-15 12:00:00,8613900000003,50000,investment,call,,+85512345678,Q1\n"
        .to_string();
    // P1 splits its take over two accounts; both pass everything to one collector, which
    // cashes out to one more. P1 also pays a small fee to a shop.
    let transfers = "ts,from_account,to_account,amount\n\
        2025-10-15 09:10:00,V1,P1,150000\n\
        2025-10-15 11:10:00,V2,P1,80000\n\
        2025-10-15 11:30:00,P1,M2A,130000\n\
        2025-10-15 11:31:00,P1,M2B,99000\n\
        2025-10-15 11:32:00,P1,SHOP,1000\n\
        2025-10-15 12:00:00,M2A,M3,130000\n\
        2025-10-15 12:05:00,M2B,M3,99000\n\
        2025-10-15 13:00:00,M3,M4,229000\n\
        2025-10-15 12:10:00,V3,Q1,50000\n"
        .to_string();
    vec![
        ("sms.csv", sms),
        ("cases.csv", cases),
        ("transfers.csv", transfers),
    ]
}

fn serious(alerts: &[Alert], detector: &str) -> Vec<String> {
    alerts
        .iter()
        .filter(|a| a.detector == detector && a.severity >= Severity::Medium)
        .map(|a| a.entity_id.clone())
        .collect()
}

fn level(alerts: &[Alert], account: &str) -> Option<i64> {
    let a = alerts
        .iter()
        .find(|a| a.detector == "mule" && a.entity_id == account)?;
    a.evidence.iter().find_map(|(k, v)| match (k, v) {
        (&"level", Figure::Int(n)) => Some(*n),
        _ => None,
    })
}

#[test]
fn mules_are_followed_layer_by_layer_and_a_payee_only_case_joins_its_chain() {
    let owned = dataset();
    let files: Vec<(&str, &str)> = owned.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let alerts = common::scan_files("layers", &files, 2).alerts;
    let mut mules = serious(&alerts, "mule");
    mules.sort();
    assert_eq!(mules, ["M2A", "M2B", "M3", "M4", "P1", "Q1"], "{alerts:#?}");
    assert_eq!(level(&alerts, "M3"), Some(3));
    assert_eq!(level(&alerts, "M4"), Some(4));
    assert!(serious(&alerts, "mule").iter().all(|m| m != "SHOP"));
    // C1 through its sink number, C2 through the payee it shares with C1; C3 is another
    // gang's.
    assert_eq!(serious(&alerts, "linked_case"), ["C1", "C2"], "{alerts:#?}");
}
