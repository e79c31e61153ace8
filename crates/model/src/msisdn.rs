//! Subscriber numbers: every accepted spelling to E.164 digits without `+`.
//!
//! Chinese mobile numbers are 11 digits starting `13`–`19`; they may come bare
//! (`13312345678`), with the country code (`8613312345678`, `+86…`) or with the
//! international prefix (`0086 …`). Other countries must be written in E.164 with `+` (or
//! `00`), because a bare foreign number cannot be told apart from a domestic one.

use crate::{Invalid, Parsed};

const CN: u64 = 86;
const CN_MOBILE_BASE: u64 = CN * 100_000_000_000;

/// Parses a subscriber number into E.164 digits (`8613312345678`).
pub fn parse_msisdn(s: &str) -> Parsed<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid("empty number"));
    }
    let bytes = s.as_bytes();
    let (plus, rest) = match bytes {
        [b'+', rest @ ..] => (true, rest),
        // `(+86) 138 0013 8000`: the country code in brackets.
        [b'(', b'+', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let mut value: u64 = 0;
    let mut digits = 0usize;
    let mut leading_zeros = 0usize;
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                if digits == leading_zeros && b == b'0' {
                    leading_zeros += 1;
                }
                digits += 1;
                if digits > 19 {
                    return Err(Invalid("number has more than 15 digits"));
                }
                value = value * 10 + u64::from(b - b'0');
            }
            b' ' | b'-' | b'(' | b')' | b'.' => {}
            _ if crate::is_scientific(s) => return Err(crate::SPREADSHEET),
            _ => {
                return Err(Invalid(
                    "number may only hold digits, spaces, '-', '(', ')' and a leading '+'",
                ));
            }
        }
    }
    if digits == 0 {
        return Err(Invalid("number has no digits"));
    }
    if plus {
        if leading_zeros > 0 {
            return Err(Invalid("a country code never starts with 0"));
        }
        return international(value, digits);
    }
    if leading_zeros == 2 {
        // `00` is the international prefix dialled from China.
        return international(value, digits - 2);
    }
    if leading_zeros > 0 {
        return Err(Invalid(
            "not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'",
        ));
    }
    match digits {
        11 => china_mobile(value),
        13 if value / 100_000_000_000 == CN => china_mobile(value - CN_MOBILE_BASE),
        _ => Err(Invalid(
            "not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'",
        )),
    }
}

fn international(value: u64, digits: usize) -> Parsed<i64> {
    if !(7..=15).contains(&digits) {
        return Err(Invalid("an E.164 number has 7 to 15 digits"));
    }
    if digits >= 3 && leading(value, digits, 3) == 861 {
        // +86 1…: a Chinese mobile number, held to the domestic rules.
        if digits != 13 {
            return Err(Invalid("a Chinese mobile number has 11 digits after 86"));
        }
        return china_mobile(value - CN_MOBILE_BASE);
    }
    as_i64(value)
}

fn china_mobile(local: u64) -> Parsed<i64> {
    let head = local / 10_000_000_000;
    let second = (local / 1_000_000_000) % 10;
    if head != 1 {
        return Err(Invalid(
            "not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'",
        ));
    }
    if second < 3 {
        return Err(Invalid("Chinese mobile numbers start with 13 to 19"));
    }
    as_i64(CN_MOBILE_BASE + local)
}

fn leading(value: u64, digits: usize, n: usize) -> u64 {
    value / 10u64.pow((digits - n) as u32)
}

fn as_i64(value: u64) -> Parsed<i64> {
    i64::try_from(value).map_err(|_| Invalid("number has more than 15 digits"))
}

/// The other side of a call or message: a subscriber number when it parses as one,
/// otherwise the service code or name as written (trimmed), e.g. `1069012345`, `95555`.
/// Returns `None` for an empty value.
pub fn parse_peer(s: &str) -> Option<PeerForm<'_>> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    Some(match parse_msisdn(t) {
        Ok(n) => PeerForm::Number(n),
        Err(_) => PeerForm::Code(t),
    })
}

/// Canonical form of a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerForm<'a> {
    Number(i64),
    Code(&'a str),
}

/// Formats canonical digits back to text (E.164 without `+`).
pub fn format_msisdn(n: i64) -> String {
    n.to_string()
}

/// The number block: the number without its last 4 digits (`861331234`), as the
/// detectors group leaked ranges.
pub fn msisdn_block(n: i64) -> i64 {
    n / 10_000
}

/// The 7-digit Chinese number segment (号段) of a Chinese mobile number, e.g. `1331234`.
pub fn china_segment(n: i64) -> Option<i64> {
    let n = u64::try_from(n).ok()?;
    if (CN_MOBILE_BASE..CN_MOBILE_BASE + 100_000_000_000).contains(&n) {
        i64::try_from((n - CN_MOBILE_BASE) / 10_000).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<i64, &str>) {
        assert_eq!(
            parse_msisdn(input).map_err(|e| e.0),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn every_accepted_spelling() {
        for s in [
            "13312345678",
            "+8613312345678",
            "8613312345678",
            "0086 133 1234 5678",
            " 133-1234-5678 ",
            "+86 (133) 1234 5678",
            "008613312345678",
        ] {
            check(s, Ok(8613312345678));
        }
        check("+14155552671", Ok(14155552671));
        check("+85291234567", Ok(85291234567));
        check("0044 20 7946 0958", Ok(442079460958));
    }

    #[test]
    fn rejection_reasons() {
        check("", Err("empty number"));
        check("  ", Err("empty number"));
        check("+", Err("number has no digits"));
        check(
            "1331234567",
            Err("not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'"),
        );
        check(
            "12312345678",
            Err("Chinese mobile numbers start with 13 to 19"),
        );
        check(
            "23312345678",
            Err("not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'"),
        );
        check(
            "+861331234567",
            Err("a Chinese mobile number has 11 digits after 86"),
        );
        check("+123", Err("an E.164 number has 7 to 15 digits"));
        check("+0123456789", Err("a country code never starts with 0"));
        check(
            "133abc45678",
            Err("number may only hold digits, spaces, '-', '(', ')' and a leading '+'"),
        );
        check(
            "1069012345",
            Err("not a Chinese mobile number (11 digits from 13 to 19) nor E.164 with '+' or '00'"),
        );
        check(
            "123456789012345678901",
            Err("number has more than 15 digits"),
        );
    }

    #[test]
    fn peers_keep_service_codes() {
        assert_eq!(
            parse_peer(" 1069012345 "),
            Some(PeerForm::Code("1069012345"))
        );
        assert_eq!(parse_peer("95555"), Some(PeerForm::Code("95555")));
        assert_eq!(
            parse_peer("13312345678"),
            Some(PeerForm::Number(8613312345678))
        );
        assert_eq!(parse_peer(""), None);
    }

    #[test]
    fn blocks_and_segments() {
        assert_eq!(msisdn_block(8613312345678), 861331234);
        assert_eq!(china_segment(8613312345678), Some(1331234));
        assert_eq!(china_segment(14155552671), None);
    }

    proptest! {
        #[test]
        fn chinese_mobile_round_trips_in_every_spelling(second in 3u64..=9, rest in 0u64..1_000_000_000) {
            let local = 10_000_000_000 + second * 1_000_000_000 + rest;
            let canonical = (86 * 100_000_000_000 + local) as i64;
            let bare = local.to_string();
            let spaced = format!("{} {} {}", &bare[..3], &bare[3..7], &bare[7..]);
            for s in [bare.clone(), format!("+86{bare}"), format!("86{bare}"), format!("0086 {spaced}"), format!("{}-{}-{}", &bare[..3], &bare[3..7], &bare[7..])] {
                prop_assert_eq!(parse_msisdn(&s), Ok(canonical), "{}", s);
            }
            prop_assert_eq!(parse_msisdn(&format_msisdn(canonical)), Ok(canonical));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_msisdn(&s);
            let _ = parse_peer(&s);
        }
    }
}
