//! Money: decimal yuan in, integer fen out, exactly (no floating point on the way).

use crate::{Invalid, Parsed};

/// Parses `150000`, `150000.5` or `150000.00` yuan into fen (`15000000`).
pub fn parse_money_fen(s: &str) -> Parsed<i64> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid("empty amount"));
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(Invalid(
            "amount must be decimal yuan such as 150000 or 150000.00",
        ));
    }
    if frac.len() > 2 {
        return Err(Invalid(
            "amount has more than 2 decimal places (below one fen)",
        ));
    }
    let yuan: i64 = whole.parse().map_err(|_| Invalid("amount is too large"))?;
    let mut fen_part: i64 = frac.parse().unwrap_or(0);
    if frac.len() == 1 {
        fen_part *= 10;
    }
    let v = yuan
        .checked_mul(100)
        .and_then(|v| v.checked_add(fen_part))
        .ok_or(Invalid("amount is too large"))?;
    if neg {
        return Err(Invalid("amount must not be negative"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms() {
        assert_eq!(parse_money_fen("150000"), Ok(15_000_000));
        assert_eq!(parse_money_fen("150000.00"), Ok(15_000_000));
        assert_eq!(parse_money_fen("0.5"), Ok(50));
        assert_eq!(parse_money_fen(" 12.34 "), Ok(1234));
        assert_eq!(parse_money_fen("12."), Ok(1200));
        assert_eq!(parse_money_fen(""), Err(Invalid("empty amount")));
        assert_eq!(
            parse_money_fen("1.234"),
            Err(Invalid(
                "amount has more than 2 decimal places (below one fen)"
            ))
        );
        assert_eq!(
            parse_money_fen("-5"),
            Err(Invalid("amount must not be negative"))
        );
        assert_eq!(
            parse_money_fen("1,000"),
            Err(Invalid(
                "amount must be decimal yuan such as 150000 or 150000.00"
            ))
        );
        assert_eq!(
            parse_money_fen("¥100"),
            Err(Invalid(
                "amount must be decimal yuan such as 150000 or 150000.00"
            ))
        );
        assert_eq!(
            parse_money_fen("99999999999999999999"),
            Err(Invalid("amount is too large"))
        );
    }

    proptest! {
        #[test]
        fn round_trip(fen in 0i64..1_000_000_000_000) {
            prop_assert_eq!(parse_money_fen(&format!("{}.{:02}", fen / 100, fen % 100)), Ok(fen));
        }
        #[test]
        fn never_panics(s in "\\PC{0,25}") { let _ = parse_money_fen(&s); }
    }
}
