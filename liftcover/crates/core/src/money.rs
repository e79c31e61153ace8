//! Money as integer fen (1 yuan = 100 fen) and fixed-point decimals for areas and
//! coefficients. Floats never touch money: every split must add up to the fen.

use crate::ValidationError;

/// An amount of money in fen. Signed so that differences (arrears, refunds) are natural.
pub type Fen = i64;

/// Parses a non-negative decimal with at most `scale` fractional digits into an integer
/// scaled by 10^scale. Accepts thousands separators (`4,950`) and a leading `¥`.
pub fn parse_fixed(field: &str, input: &str, scale: u32) -> Result<i64, ValidationError> {
    let cleaned: String = input
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    if cleaned.is_empty() {
        return Err(ValidationError::new(field, "is empty; expected a number"));
    }
    if cleaned.starts_with('-') {
        return Err(ValidationError::new(
            field,
            format!("`{input}` is negative; expected zero or more"),
        ));
    }
    let (int_part, frac_part) = match cleaned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (cleaned.as_str(), ""),
    };
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits_ok(int_part)
        || !digits_ok(frac_part)
        || (int_part.is_empty() && frac_part.is_empty())
    {
        return Err(ValidationError::new(
            field,
            format!("`{input}` is not a decimal number"),
        ));
    }
    if frac_part.len() > scale as usize {
        return Err(ValidationError::new(
            field,
            format!("`{input}` has more than {scale} decimal places"),
        ));
    }
    let too_big = || ValidationError::new(field, format!("`{input}` is too large"));
    let int_value: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| too_big())?
    };
    let mut frac = frac_part.to_string();
    while frac.len() < scale as usize {
        frac.push('0');
    }
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| too_big())?
    };
    int_value
        .checked_mul(10_i64.pow(scale))
        .and_then(|v| v.checked_add(frac_value))
        .filter(|v| *v <= 1_000_000_000_000)
        .ok_or_else(too_big)
}

/// Parses yuan (`4950`, `4,950.00`, `¥4950.5`) into fen.
pub fn parse_yuan(field: &str, input: &str) -> Result<Fen, ValidationError> {
    parse_fixed(field, input, 2)
}

/// Formats a fixed-point integer with `scale` decimals, e.g. `format_fixed(495000, 2)` →
/// `4950.00`.
pub fn format_fixed(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let unit = 10_u64.pow(scale);
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = scale as usize
    )
}

/// Formats fen as yuan with two decimals.
pub fn format_yuan(fen: Fen) -> String {
    format_fixed(fen, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yuan_forms() {
        assert_eq!(parse_yuan("fee", "4950"), Ok(495_000));
        assert_eq!(parse_yuan("fee", "¥4,950.00"), Ok(495_000));
        assert_eq!(parse_yuan("fee", "0.5"), Ok(50));
        assert_eq!(parse_yuan("fee", ".05"), Ok(5));
        assert!(parse_yuan("fee", "1.001").is_err());
        assert!(parse_yuan("fee", "-3").is_err());
        assert!(parse_yuan("fee", "abc").is_err());
        assert!(parse_yuan("fee", "").is_err());
        assert!(parse_yuan("fee", "99999999999999999999").is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(format_yuan(495_000), "4950.00");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_fixed(1300, 3), "1.300");
    }
}
