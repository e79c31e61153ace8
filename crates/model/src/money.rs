//! Money: decimal yuan in, integer fen out, exactly (no floating point on the way).

use crate::{Invalid, Parsed};

const SHAPE: Invalid = Invalid("amount must be decimal yuan such as 150000, 150,000.00 or 15万");

/// Parses yuan into fen (`15000000`): `150000`, `150000.5`, `150000.00`, with the forms
/// Chinese case records carry: a leading `¥` or `￥`, a trailing `元`, thousands grouped
/// by commas (`150,000.00`; groups of three only, so that a decimal comma is refused
/// rather than misread) and `万` for ten thousand (`15万`, `1.5万元`).
pub fn parse_money_fen(s: &str) -> Parsed<i64> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid("empty amount"));
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let t = t.strip_prefix(['¥', '￥']).unwrap_or(t).trim_start();
    let t = t.strip_suffix('元').unwrap_or(t).trim_end();
    let (t, wan) = match t.strip_suffix('万') {
        Some(r) => (r.trim_end(), true),
        None => (t, false),
    };
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let whole = ungroup(whole).ok_or(SHAPE)?;
    if whole.is_empty()
        || !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(SHAPE);
    }
    // Fen per unit of the amount as written, and the decimals that stay above one fen.
    let (unit, places): (i64, usize) = if wan { (1_000_000, 6) } else { (100, 2) };
    if frac.len() > places {
        return Err(Invalid(
            "amount has more than 2 decimal places (below one fen)",
        ));
    }
    let too_large = Invalid("amount is too large");
    let units: i64 = whole.parse().map_err(|_| too_large)?;
    let mut part: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| too_large)?
    };
    for _ in frac.len()..places {
        part *= 10;
    }
    let v = units
        .checked_mul(unit)
        .and_then(|v| v.checked_add(part))
        .ok_or(too_large)?;
    if neg {
        return Err(Invalid("amount must not be negative"));
    }
    Ok(v)
}

/// `150,000` as `150000`; `None` when commas are there but not every three digits.
fn ungroup(whole: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !whole.contains(',') {
        return Some(std::borrow::Cow::Borrowed(whole));
    }
    let mut groups = whole.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut out = String::from(first);
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    Some(std::borrow::Cow::Owned(out))
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
        assert_eq!(parse_money_fen("1,000"), Ok(100_000));
        assert_eq!(parse_money_fen("150,000.50"), Ok(15_000_050));
        assert_eq!(parse_money_fen("¥100"), Ok(10_000));
        assert_eq!(parse_money_fen("￥ 100.5元"), Ok(10_050));
        assert_eq!(parse_money_fen("15万"), Ok(15_000_000));
        assert_eq!(parse_money_fen("1.5万元"), Ok(1_500_000));
        for bad in ["1,5", "1,0000", ",100", "15万万", "abc", "1.2.3"] {
            assert_eq!(parse_money_fen(bad), Err(SHAPE), "{bad}");
        }
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
