//! An attach feed that logs the IMSI alone (`attach.msisdn` is optional) must tell the
//! detectors the same as one that names the number: the number of each SIM comes from
//! `subscribers`.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

mod common;

use duanka_model::{Alert, Figure, luhn_check_digit};

fn imei(serial: u64) -> String {
    let body = 35_675_904 * 1_000_000 + serial;
    format!("{body:014}{}", luhn_check_digit(body))
}

/// Numbers 8613300000000.. with IMSIs 460030000000000..: eight receive codes from eight
/// services and never call; the first four sit in one modem (eight SIMs with the other
/// four), the last four each in a handset of their own. With `with_numbers` false the
/// attach rows leave the number out.
fn files(with_numbers: bool) -> Vec<(&'static str, String)> {
    let mut subscribers = String::from("msisdn,imsi,status\n");
    let mut sms = String::from("ts,direction,msisdn,peer,category\n");
    let mut attach = String::from("ts,imsi,msisdn,imei,cell_id\n");
    for i in 0..8u64 {
        let (msisdn, imsi) = (8_613_300_000_000 + i, 460_030_000_000_000 + i);
        subscribers.push_str(&format!("{msisdn},{imsi},active\n"));
        for s in 0..8u64 {
            sms.push_str(&format!(
                "2025-10-14 10:{:02}:{:02},MT,{msisdn},10690{s:05},otp\n",
                i * 5 + s / 2,
                s * 7
            ));
        }
        let device = if i < 4 { imei(1) } else { imei(100 + i) };
        let number = if with_numbers {
            msisdn.to_string()
        } else {
            String::new()
        };
        attach.push_str(&format!(
            "2025-10-14 08:00:{i:02},{imsi},{number},{device},C1\n"
        ));
        if i < 4 {
            // The modem's other SIMs, numbers the register does not hold.
            attach.push_str(&format!(
                "2025-10-14 08:01:{i:02},{},,{device},C1\n",
                460_030_000_100_000 + i
            ));
        }
    }
    vec![
        ("subscribers.csv", subscribers),
        ("sms.csv", sms),
        ("attach.csv", attach),
    ]
}

fn scan(name: &str, with_numbers: bool) -> Vec<Alert> {
    let owned = files(with_numbers);
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(f, t)| (*f, t.as_str())).collect();
    common::scan_files(name, &borrowed, 2).alerts
}

#[test]
fn numbers_come_from_the_register_when_attach_gives_only_the_imsi() {
    let named = scan("attach-named", true);
    let by_imsi = scan("attach-imsi", false);
    let sinks: Vec<&Alert> = named.iter().filter(|a| a.detector == "otp_sink").collect();
    assert_eq!(sinks.len(), 8, "{named:#?}");
    // The handset numbers are damped as attached; the modem's are not.
    let attached = |a: &Alert| {
        a.evidence
            .iter()
            .any(|(k, v)| *k == "attach_events" && *v == Figure::Int(1))
    };
    assert!(sinks.iter().all(|a| attached(a)), "{sinks:#?}");
    assert_eq!(named, by_imsi);
}
