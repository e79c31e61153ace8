//! Value kinds of the duanka input contract (`SCHEMA.md` "Value formats"): parsing every
//! accepted spelling into one canonical form, with a reason a person understands when a
//! value does not parse.
//!
//! This crate is pure: no I/O, no DataFusion, no HTTP. Readers (`duanka-ingest`) and UDFs
//! (`duanka-query`) both build on it so that a value means the same thing everywhere.

pub mod alert;
pub mod imei;
pub mod imsi;
pub mod ip;
pub mod money;
pub mod msisdn;
pub mod sms;
pub mod text;
pub mod time;

use std::fmt;

/// Why a value was rejected. Reasons are fixed sentences (the offending value travels
/// separately) so that diagnostics can be grouped and counted by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Invalid(pub &'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Invalid {}

/// Result of parsing one value.
pub type Parsed<T> = Result<T, Invalid>;

/// What a spreadsheet did to a long number it showed in scientific notation (`1.33E+10`):
/// the digits past the sixth are gone, and no parser can bring them back.
pub(crate) const SPREADSHEET: Invalid = Invalid(
    "a spreadsheet's scientific notation (1.33E+10): its digits are lost; export the column as text",
);

/// Whether `s` is a number in scientific notation, as spreadsheets show long numbers.
pub(crate) fn is_scientific(s: &str) -> bool {
    let t = s.trim();
    let Some((mantissa, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    !int.is_empty()
        && !exp.is_empty()
        && [int, frac, exp]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

pub use alert::{Alert, Figure, Severity};
pub use imei::{format_imei, imei_luhn_ok, imei_tac, luhn_check_digit, parse_imei};
pub use imsi::{ImsiInfo, imsi_info, parse_imsi};
pub use ip::{Cidr, CidrTable, is_private, parse_cidr, parse_ip, parse_ip_or_cidr};
pub use money::parse_money_fen;
pub use msisdn::{PeerForm, china_segment, format_msisdn, msisdn_block, parse_msisdn, parse_peer};
pub use text::{Direction, half_width, one_of, parse_bool};
pub use time::{TimeParser, format_utc};
