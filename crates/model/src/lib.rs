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

pub use alert::{Alert, Figure, Severity};
pub use imei::{format_imei, imei_luhn_ok, imei_tac, luhn_check_digit, parse_imei};
pub use imsi::{ImsiInfo, imsi_info, parse_imsi};
pub use ip::{Cidr, CidrTable, is_private, parse_cidr, parse_ip, parse_ip_or_cidr};
pub use money::parse_money_fen;
pub use msisdn::{PeerForm, china_segment, format_msisdn, msisdn_block, parse_msisdn, parse_peer};
pub use text::{Direction, one_of, parse_bool};
pub use time::{TimeParser, format_utc};
