//! Handset identities: IMEI (14 or 15 digits) and IMEISV (16 digits), canonical 15 digits.
//!
//! A wrong Luhn check digit is *not* a parse failure: tampered handsets present such
//! IMEIs and the detectors need to see them. Parsing only rejects what is not an IMEI at
//! all; [`imei_luhn_ok`] says whether the check digit holds.

use crate::{Invalid, Parsed};

/// Parses an IMEI into its canonical 15-digit value. 14 digits get their check digit
/// computed; an IMEISV (16 digits) loses its 2-digit software version first.
pub fn parse_imei(s: &str) -> Parsed<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid("empty IMEI"));
    }
    let mut value: u64 = 0;
    let mut digits = 0usize;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 16 {
                    return Err(Invalid("IMEI must have 14, 15 or 16 (IMEISV) digits"));
                }
                value = value * 10 + u64::from(b - b'0');
            }
            b' ' | b'-' | b'/' => {}
            _ if crate::is_scientific(s) => return Err(crate::SPREADSHEET),
            _ => {
                return Err(Invalid(
                    "IMEI may only hold digits (and '-', ' ' or '/' separators)",
                ));
            }
        }
    }
    let canonical = match digits {
        14 => value * 10 + u64::from(luhn_check_digit(value)),
        15 => value,
        16 => {
            let body = value / 100;
            body * 10 + u64::from(luhn_check_digit(body))
        }
        _ => return Err(Invalid("IMEI must have 14, 15 or 16 (IMEISV) digits")),
    };
    // 15 digits always fit an i64.
    Ok(canonical as i64)
}

/// The Luhn check digit for a 14-digit IMEI body.
pub fn luhn_check_digit(body: u64) -> u8 {
    let mut sum = 0u64;
    let mut rest = body;
    // Walking from the right, the rightmost body digit is doubled.
    let mut double = true;
    for _ in 0..14 {
        let d = rest % 10;
        rest /= 10;
        sum += if double {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
        double = !double;
    }
    ((10 - sum % 10) % 10) as u8
}

/// Whether the 15th digit of a canonical IMEI is its Luhn check digit.
pub fn imei_luhn_ok(imei: i64) -> bool {
    if !(0..1_000_000_000_000_000).contains(&imei) {
        return false;
    }
    let v = imei as u64;
    luhn_check_digit(v / 10) == (v % 10) as u8
}

/// The 8-digit Type Allocation Code of a canonical IMEI.
pub fn imei_tac(imei: i64) -> i64 {
    imei / 10_000_000
}

/// Formats a canonical IMEI as its 15 digits (with leading zeros).
pub fn format_imei(imei: i64) -> String {
    format!("{imei:015}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_imeis() {
        // The well-known example IMEI 49015420323751 8.
        assert_eq!(luhn_check_digit(49015420323751), 8);
        assert_eq!(parse_imei("49015420323751"), Ok(490154203237518));
        assert_eq!(parse_imei("490154203237518"), Ok(490154203237518));
        assert_eq!(parse_imei("49-015420-323751-8"), Ok(490154203237518));
        // IMEISV: software version 23 dropped, check digit computed.
        assert_eq!(parse_imei("4901542032375123"), Ok(490154203237518));
        assert!(imei_luhn_ok(490154203237518));
        // A tampered check digit still parses; the Luhn test says it is wrong.
        assert_eq!(parse_imei("490154203237519"), Ok(490154203237519));
        assert!(!imei_luhn_ok(490154203237519));
        assert_eq!(imei_tac(490154203237518), 49015420);
        assert_eq!(format_imei(12345678901234), "012345678901234");
    }

    #[test]
    fn rejection_reasons() {
        assert_eq!(parse_imei("").map_err(|e| e.0), Err("empty IMEI"));
        assert_eq!(
            parse_imei("1234567890123").map_err(|e| e.0),
            Err("IMEI must have 14, 15 or 16 (IMEISV) digits")
        );
        assert_eq!(
            parse_imei("12345678901234567").map_err(|e| e.0),
            Err("IMEI must have 14, 15 or 16 (IMEISV) digits")
        );
        assert_eq!(
            parse_imei("35x209900176148").map_err(|e| e.0),
            Err("IMEI may only hold digits (and '-', ' ' or '/' separators)")
        );
    }

    proptest! {
        #[test]
        fn luhn_on_random_bodies(body in 0u64..100_000_000_000_000) {
            let with_check = parse_imei(&format!("{body:014}")).unwrap();
            prop_assert!(imei_luhn_ok(with_check));
            prop_assert_eq!(with_check as u64 / 10, body);
            // Every other final digit fails the check.
            for wrong in 0..10u64 {
                let candidate = (body * 10 + wrong) as i64;
                prop_assert_eq!(imei_luhn_ok(candidate), candidate == with_check);
            }
            // 15-digit round trip through the formatter.
            prop_assert_eq!(parse_imei(&format_imei(with_check)), Ok(with_check));
            // IMEISV of the same body gives the same canonical IMEI.
            prop_assert_eq!(parse_imei(&format!("{body:014}07")), Ok(with_check));
        }

        #[test]
        fn single_digit_errors_are_caught(body in 0u64..100_000_000_000_000, pos in 0u32..14, delta in 1u64..10) {
            let good = parse_imei(&format!("{body:014}")).unwrap();
            let p = 10u64.pow(pos + 1);
            let digit = (good as u64 / p) % 10;
            let changed = good as u64 - digit * p + ((digit + delta) % 10) * p;
            prop_assert!(!imei_luhn_ok(changed as i64));
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") { let _ = parse_imei(&s); }
    }
}
