//! duanka's scalar functions over canonical identifiers, all in one list that every role
//! (CLI, server, cluster scheduler and executors) registers the same way.
//!
//! | function | result |
//! | --- | --- |
//! | `msisdn_block(msisdn)` | the number without its last 4 digits (a number block) |
//! | `msisdn_prefix(msisdn, n)` | the first `n` digits of the number |
//! | `msisdn_segment(msisdn)` | the 7-digit Chinese segment (号段), NULL for foreign numbers |
//! | `imei_luhn_ok(imei)` | whether the 15th digit is the Luhn check digit |
//! | `imei_tac(imei)` | the 8-digit Type Allocation Code |
//! | `imei_parse(text)` | a device id as a canonical IMEI, NULL when it is not one (platform device ids) |
//! | `imsi_mcc(imsi)`, `imsi_country(imsi)`, `imsi_carrier(imsi)` | what the MCC/MNC say |
//! | `ip_in_cidr(ip, cidr)` | whether the address lies in the block |
//! | `ip_is_private(ip)` | private, loopback, link-local, CGNAT or unique-local |
//! | `ip_country(ip)` | ISO country from `geoip`, else `private` or `unknown` |
//! | `segment_province(msisdn)`, `segment_city(msisdn)`, `segment_carrier(msisdn)` | from `segments`, longest prefix |
//! | `sms_is_otp(content)`, `sms_otp_code(content)` | whether a text carries a verification code, and the code |
//! | `sms_service(content)` | the sending service named in the text (`【签名】`, `[Name]`, "Your NAME code") |

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, BooleanArray, Int64Array, StringArray};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use duanka_model::{imei_luhn_ok, imei_tac, imsi_info, is_private, parse_cidr, parse_ip, sms};

use crate::lookup::Lookups;

/// The operation a [`DuankaUdf`] performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    MsisdnBlock,
    MsisdnPrefix,
    MsisdnSegment,
    ImeiLuhnOk,
    ImeiTac,
    ImeiParse,
    ImsiMcc,
    ImsiCountry,
    ImsiCarrier,
    IpInCidr,
    IpIsPrivate,
    IpCountry,
    SegmentProvince,
    SegmentCity,
    SegmentCarrier,
    SmsIsOtp,
    SmsOtpCode,
    SmsService,
}

const ALL: &[Op] = &[
    Op::MsisdnBlock,
    Op::MsisdnPrefix,
    Op::MsisdnSegment,
    Op::ImeiLuhnOk,
    Op::ImeiTac,
    Op::ImeiParse,
    Op::ImsiMcc,
    Op::ImsiCountry,
    Op::ImsiCarrier,
    Op::IpInCidr,
    Op::IpIsPrivate,
    Op::IpCountry,
    Op::SegmentProvince,
    Op::SegmentCity,
    Op::SegmentCarrier,
    Op::SmsIsOtp,
    Op::SmsOtpCode,
    Op::SmsService,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::MsisdnBlock => "msisdn_block",
            Op::MsisdnPrefix => "msisdn_prefix",
            Op::MsisdnSegment => "msisdn_segment",
            Op::ImeiLuhnOk => "imei_luhn_ok",
            Op::ImeiTac => "imei_tac",
            Op::ImeiParse => "imei_parse",
            Op::ImsiMcc => "imsi_mcc",
            Op::ImsiCountry => "imsi_country",
            Op::ImsiCarrier => "imsi_carrier",
            Op::IpInCidr => "ip_in_cidr",
            Op::IpIsPrivate => "ip_is_private",
            Op::IpCountry => "ip_country",
            Op::SegmentProvince => "segment_province",
            Op::SegmentCity => "segment_city",
            Op::SegmentCarrier => "segment_carrier",
            Op::SmsIsOtp => "sms_is_otp",
            Op::SmsOtpCode => "sms_otp_code",
            Op::SmsService => "sms_service",
        }
    }

    /// The reference table the function looks its answers up in.
    fn lookup_table(self) -> Option<&'static str> {
        match self {
            Op::IpCountry => Some("geoip"),
            Op::SegmentProvince | Op::SegmentCity | Op::SegmentCarrier => Some("segments"),
            _ => None,
        }
    }

    fn signature(self) -> Signature {
        let v = Volatility::Immutable;
        match self {
            Op::MsisdnPrefix => Signature::exact(vec![DataType::Int64, DataType::Int64], v),
            Op::IpInCidr => Signature::string(2, v),
            Op::IpIsPrivate
            | Op::IpCountry
            | Op::SmsIsOtp
            | Op::SmsOtpCode
            | Op::SmsService
            | Op::ImeiParse => Signature::string(1, v),
            _ => Signature::exact(vec![DataType::Int64], v),
        }
    }

    fn return_type(self) -> DataType {
        match self {
            Op::MsisdnBlock
            | Op::MsisdnPrefix
            | Op::MsisdnSegment
            | Op::ImeiTac
            | Op::ImeiParse
            | Op::ImsiMcc => DataType::Int64,
            Op::ImeiLuhnOk | Op::IpInCidr | Op::IpIsPrivate | Op::SmsIsOtp => DataType::Boolean,
            _ => DataType::Utf8,
        }
    }
}

/// One of duanka's scalar functions. Lookups from reference tables travel with it.
#[derive(Debug)]
pub struct DuankaUdf {
    op: Op,
    signature: Signature,
    lookups: Arc<Lookups>,
}

impl PartialEq for DuankaUdf {
    fn eq(&self, other: &Self) -> bool {
        self.op == other.op && Arc::ptr_eq(&self.lookups, &other.lookups)
    }
}

impl Eq for DuankaUdf {}

impl Hash for DuankaUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.op.hash(state);
    }
}

/// The reference tables that duanka's functions in `query` look up (`ip_country` needs
/// `geoip`, ...), found by name: a name inside a string literal only makes a table be
/// read for nothing, never a lookup go without its table.
pub fn lookup_tables_used(query: &str) -> Vec<&'static str> {
    let lower = query.to_ascii_lowercase();
    let mut out: Vec<&'static str> = ALL
        .iter()
        .filter(|op| lower.contains(op.name()))
        .filter_map(|op| op.lookup_table())
        .collect();
    out.dedup();
    out
}

/// Every duanka function, bound to the given reference lookups.
pub fn all_udfs(lookups: Arc<Lookups>) -> Vec<ScalarUDF> {
    ALL.iter()
        .map(|&op| udf(op, Arc::clone(&lookups)))
        .collect()
}

fn udf(op: Op, lookups: Arc<Lookups>) -> ScalarUDF {
    ScalarUDF::new_from_impl(DuankaUdf {
        op,
        signature: op.signature(),
        lookups,
    })
}

/// The function `name` bound to `lookups`, if it is one of duanka's that looks up a
/// reference table: the only ones whose state a plan must carry to another process.
pub fn lookup_udf_named(name: &str, lookups: Arc<Lookups>) -> Option<ScalarUDF> {
    ALL.iter()
        .find(|op| op.name() == name && op.lookup_table().is_some())
        .map(|&op| udf(op, lookups))
}

/// The lookups `f` carries, if it is one of duanka's functions that needs them.
pub fn lookups_of(f: &ScalarUDF) -> Option<&Arc<Lookups>> {
    f.inner()
        .downcast_ref::<DuankaUdf>()
        .filter(|u| u.op.lookup_table().is_some())
        .map(|u| &u.lookups)
}

fn ints(a: &ArrayRef) -> Result<Int64Array> {
    Ok(arrow::compute::cast(a, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

fn strings(a: &ArrayRef) -> Result<StringArray> {
    Ok(arrow::compute::cast(a, &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

fn map_int<T>(a: &Int64Array, f: impl Fn(i64) -> Option<T>) -> Vec<Option<T>> {
    a.iter().map(|v| v.and_then(&f)).collect()
}

fn map_str<T>(a: &StringArray, f: impl Fn(&str) -> Option<T>) -> Vec<Option<T>> {
    a.iter().map(|v| v.and_then(&f)).collect()
}

fn digits(n: i64) -> u32 {
    if n <= 0 { 1 } else { n.ilog10() + 1 }
}

impl ScalarUDFImpl for DuankaUdf {
    fn name(&self) -> &str {
        self.op.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.op.return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(first) = arrays.first() else {
            return exec_err!("{} needs an argument", self.name());
        };
        let lk = &self.lookups;
        if lk.is_unavailable() && self.op.lookup_table().is_some() {
            return exec_err!(
                "{} reached a cluster node without the client's reference lookups",
                self.name()
            );
        }
        let out: ArrayRef = match self.op {
            Op::MsisdnBlock => Arc::new(Int64Array::from(map_int(&ints(first)?, |n| {
                Some(duanka_model::msisdn_block(n))
            }))),
            Op::MsisdnSegment => Arc::new(Int64Array::from(map_int(
                &ints(first)?,
                duanka_model::china_segment,
            ))),
            Op::MsisdnPrefix => {
                let n = ints(first)?;
                let k = match arrays.get(1) {
                    Some(a) => ints(a)?,
                    None => return exec_err!("msisdn_prefix(msisdn, digits) needs two arguments"),
                };
                let v: Vec<Option<i64>> = n
                    .iter()
                    .zip(k.iter())
                    .map(|(n, k)| {
                        let (n, k) = (n?, k?);
                        let len = digits(n) as i64;
                        if k <= 0 || k >= len {
                            Some(n)
                        } else {
                            Some(n / 10i64.pow((len - k) as u32))
                        }
                    })
                    .collect();
                Arc::new(Int64Array::from(v))
            }
            Op::ImeiLuhnOk => Arc::new(BooleanArray::from(map_int(&ints(first)?, |n| {
                Some(imei_luhn_ok(n))
            }))),
            Op::ImeiTac => Arc::new(Int64Array::from(map_int(&ints(first)?, |n| {
                Some(imei_tac(n))
            }))),
            Op::ImeiParse => Arc::new(Int64Array::from(map_str(&strings(first)?, |s| {
                duanka_model::parse_imei(s).ok()
            }))),
            Op::ImsiMcc => Arc::new(Int64Array::from(map_int(&ints(first)?, |n| {
                Some(i64::from(imsi_info(n).mcc))
            }))),
            Op::ImsiCountry => Arc::new(StringArray::from(map_int(&ints(first)?, |n| {
                imsi_info(n).country
            }))),
            Op::ImsiCarrier => Arc::new(StringArray::from(map_int(&ints(first)?, |n| {
                imsi_info(n).carrier
            }))),
            Op::IpIsPrivate => Arc::new(BooleanArray::from(map_str(&strings(first)?, |s| {
                parse_ip(s).ok().map(is_private)
            }))),
            Op::IpCountry => Arc::new(StringArray::from(map_str(&strings(first)?, |s| {
                parse_ip(s).ok().map(|ip| lk.country(ip))
            }))),
            Op::IpInCidr => {
                let ips = strings(first)?;
                let cidrs = match arrays.get(1) {
                    Some(a) => strings(a)?,
                    None => return exec_err!("ip_in_cidr(ip, cidr) needs two arguments"),
                };
                let v: Vec<Option<bool>> = ips
                    .iter()
                    .zip(cidrs.iter())
                    .map(|(ip, c)| {
                        let ip = parse_ip(ip?).ok()?;
                        let c = parse_cidr(c?).ok()?;
                        Some(c.contains(ip))
                    })
                    .collect();
                Arc::new(BooleanArray::from(v))
            }
            Op::SegmentProvince => Arc::new(StringArray::from(map_int(&ints(first)?, |n| {
                lk.segment(n).map(|s| s.province.as_str())
            }))),
            Op::SegmentCity => Arc::new(StringArray::from(map_int(&ints(first)?, |n| {
                lk.segment(n).map(|s| s.city.as_str())
            }))),
            Op::SegmentCarrier => Arc::new(StringArray::from(map_int(&ints(first)?, |n| {
                lk.segment(n).map(|s| s.carrier.as_str())
            }))),
            Op::SmsIsOtp => Arc::new(BooleanArray::from(map_str(&strings(first)?, |s| {
                Some(sms::is_otp(s))
            }))),
            Op::SmsOtpCode => Arc::new(
                strings(first)?
                    .iter()
                    .map(|v| v.and_then(sms::otp_code))
                    .collect::<StringArray>(),
            ),
            Op::SmsService => Arc::new(
                strings(first)?
                    .iter()
                    .map(|v| v.and_then(sms::service))
                    .collect::<StringArray>(),
            ),
        };
        // All-scalar arguments were expanded to one row: answer with a scalar.
        if args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            return Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::try_from_array(&out, 0)?,
            ));
        }
        Ok(ColumnarValue::Array(out))
    }
}
