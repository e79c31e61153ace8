//! Masked identities: how a number, an IMSI, an IMEI, an account or a device appears in
//! every response (`138****5678`). A mask keeps what an analyst needs to triage (the
//! number's segment, the IMSI's network, the IMEI's model) and hides what identifies
//! the subscriber; accounts and devices keep two characters at each end around a fixed
//! `****`, so that not even the length shows. Hosts, nodes, operator users and case ids
//! are the operator's own, not subscribers', and stay in clear. The audit log masks
//! every old and new value it records the same way, so that a number typed into a
//! reason or a title never enters it in clear.

use serde_json::Value;

pub use crate::alerts::PERSONAL_TYPES;

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// A run of digits: a number keeps its first digits (3 of 11, 5 of `86` + 11) and its
/// last 4.
fn digits(s: &str) -> String {
    let n = s.chars().count();
    let (head, tail) = match n {
        0..=6 => return stars(n),
        7..=10 => (2, 2),
        _ => (n - 8, 4),
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&stars(n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

fn keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail + 2 {
        return "****".into();
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&stars(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The masked form of an entity of `entity_type`; values of other types pass as they are.
pub fn entity(entity_type: &str, value: &str) -> String {
    match entity_type {
        "msisdn" => digits(value),
        // MCC + MNC tell the network; the subscriber part goes.
        "imsi" => keep(value, 5, 3),
        // The TAC tells the model; the serial goes.
        "imei" => keep(value, 8, 1),
        "account" | "device" => {
            let chars: Vec<char> = value.chars().collect();
            if chars.len() < 6 {
                "****".into()
            } else {
                let mut out: String = chars[..2].iter().collect();
                out.push_str("****");
                out.extend(&chars[chars.len() - 2..]);
                out
            }
        }
        _ => value.to_string(),
    }
}

/// Free text (an explanation, evidence, a comment): every run of 7 or more digits is
/// masked as a number, and each of `known` (the personal values the text is about)
/// wherever it appears.
pub fn text(s: &str, known: &[(&str, &str)]) -> String {
    let mut s = s.to_string();
    for (t, v) in known {
        if PERSONAL_TYPES.contains(t) && v.len() >= 4 && s.contains(v) {
            s = s.replace(v, &entity(t, v));
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        flush(&mut out, &mut run);
        out.push(c);
    }
    flush(&mut out, &mut run);
    out
}

/// 11 digits from 1 (a mainland mobile number), 13 from 861 (the same with the country
/// code), or 15 (an IMSI or an IMEI).
fn looks_like_identifier(x: u64) -> bool {
    let d = x.to_string();
    (d.len() == 11 && d.starts_with('1'))
        || (d.len() == 13 && d.starts_with("861"))
        || d.len() == 15
}

/// Masks the free-text `fields` of a serialised object (titles, reasons), leaving
/// everything else as it is.
pub fn fields(mut v: Value, fields: &[&str]) -> Value {
    if let Value::Object(m) = &mut v {
        for f in fields {
            if let Some(Value::String(s)) = m.get_mut(*f) {
                *s = text(s, &[]);
            }
        }
    }
    v
}

fn flush(out: &mut String, run: &mut String) {
    if run.len() >= 7 {
        out.push_str(&digits(run));
    } else {
        out.push_str(run);
    }
    run.clear();
}

/// A JSON value from the store (evidence, a cluster): every object naming a personal
/// entity (`entity_type` + `entity_id`) has its id masked, and every string is masked
/// as text.
pub fn json(v: &Value, known: &[(&str, &str)]) -> Value {
    match v {
        Value::Object(m) => {
            let personal = m
                .get("entity_type")
                .and_then(Value::as_str)
                .filter(|t| PERSONAL_TYPES.contains(t));
            let mut out = serde_json::Map::new();
            for (k, val) in m {
                let masked = match (k.as_str(), personal, val.as_str()) {
                    ("entity_id", Some(t), Some(id)) => Value::from(entity(t, id)),
                    _ => json(val, known),
                };
                out.insert(k.clone(), masked);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| json(x, known)).collect()),
        Value::String(s) => Value::from(text(s, known)),
        Value::Number(n) if n.as_u64().is_some_and(looks_like_identifier) => {
            // A phone number, IMSI or IMEI written as a JSON number is still one; counts
            // and byte totals are not touched.
            Value::from(text(&n.to_string(), known))
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_keeps_what_triage_needs() {
        assert_eq!(entity("msisdn", "13812345678"), "138****5678");
        assert_eq!(entity("msisdn", "8613812345678"), "86138****5678");
        assert_eq!(entity("imsi", "460001234567890"), "46000*******890");
        assert_eq!(entity("imei", "860123456789012"), "86012345******2");
        assert_eq!(entity("account", "wxid_abcdef123"), "wx****23");
        assert_eq!(entity("account", "wxid_abcdefghijklmnop123"), "wx****23");
        assert_eq!(entity("device", "abc"), "****");
        assert_eq!(entity("ip", "10.1.2.3"), "10.1.2.3");
        assert_eq!(entity("user", "ops_li"), "ops_li");
    }

    #[test]
    fn text_and_json_hide_numbers_wherever_they_are() {
        assert_eq!(
            text(
                "8613812345678 got 40 codes; see wxid_abcdef123",
                &[("account", "wxid_abcdef123")]
            ),
            "86138****5678 got 40 codes; see wx****23"
        );
        let v = serde_json::json!({
            "members": [{"entity_type": "msisdn", "entity_id": "8613812345678"},
                        {"entity_type": "ip", "entity_id": "10.9.9.9"}],
            "peer": 8613800000001u64,
            "note": "called 13800000002",
            "count": 12,
            "bytes": 123456789,
        });
        let m = json(&v, &[]);
        assert_eq!(m["members"][0]["entity_id"], "86138****5678");
        assert_eq!(m["members"][1]["entity_id"], "10.9.9.9");
        assert_eq!(m["peer"], "86138****0001");
        assert_eq!(m["note"], "called 138****0002");
        assert_eq!(m["count"], 12);
        assert_eq!(m["bytes"], 123456789);
    }
}
