//! The input contract as data: every table of `SCHEMA.md`, its columns, their value kind
//! and whether they are required, and the Arrow type each normalises to.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// How a column's text is parsed and what it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RFC 3339 / local time / epoch seconds → UTC seconds.
    Time,
    /// Subscriber number → E.164 digits as an integer.
    Msisdn,
    /// The other side of a call or SMS: a number (E.164 digits) or a service code as text.
    Peer,
    /// 15-digit SIM identity → integer.
    Imsi,
    /// IMEI / IMEISV → canonical 15 digits as an integer (bad Luhn kept).
    Imei,
    /// IPv4/IPv6 → canonical text.
    Ip,
    /// Address or CIDR block → canonical `addr/prefix` text.
    IpOrCidr,
    /// Decimal yuan → integer fen.
    Money,
    /// Non-negative integer.
    Count,
    /// A port number, 0–65535.
    Port,
    /// An 8-digit Type Allocation Code → integer.
    Tac,
    /// A digit string (number-segment prefix) → integer.
    DigitPrefix,
    /// Free text, kept as written (trimmed only at the ends).
    Text,
    /// Short, repetitive text (codes, names): dictionary-encoded.
    Code,
    /// Closed vocabulary, dictionary-encoded in its canonical spelling.
    Vocab(&'static [&'static str], &'static str),
    /// Derived, not read: an integer key for the peer column at this index — the number
    /// itself for a subscriber number, else a hash of the code kept above every number
    /// (≥ 2^62). Counting distinct integers is fast; counting distinct strings per group
    /// is what exhausts memory in DataFusion (see ARCHITECTURE.md "Decisions").
    PeerKey(usize),
}

impl Kind {
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Time => DataType::Timestamp(TimeUnit::Second, Some("+00:00".into())),
            Kind::Msisdn
            | Kind::Imsi
            | Kind::Imei
            | Kind::Money
            | Kind::Count
            | Kind::Tac
            | Kind::DigitPrefix
            | Kind::PeerKey(_) => DataType::Int64,
            Kind::Port => DataType::Int32,
            Kind::Text | Kind::IpOrCidr => DataType::Utf8,
            Kind::Peer | Kind::Ip | Kind::Code | Kind::Vocab(..) => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

impl ColumnSpec {
    /// Computed by duanka from other columns, never read from the input.
    pub fn derived(&self) -> bool {
        matches!(self.kind, Kind::PeerKey(_))
    }
}

/// One table of the contract.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [ColumnSpec],
    /// Columns the normalised Parquet cache is sorted by (the main key first).
    pub sort_key: &'static [&'static str],
    /// Whether this is a reference table (geoip, tac, segments).
    pub reference: bool,
}

impl TableSpec {
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(c.name, c.kind.data_type(), !c.required))
                .collect::<Vec<_>>(),
        ))
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn req(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: false,
    }
}

const DIRECTION: Kind = Kind::Vocab(&["MO", "MT"], "direction must be MO or MT");
const STATUS: Kind = Kind::Vocab(
    &["active", "suspended", "stock", "cancelled"],
    "status must be active, suspended, stock or cancelled",
);
const CATEGORY: Kind = Kind::Vocab(
    &["otp", "marketing", "notice", "personal"],
    "category must be otp, marketing, notice or personal",
);

/// Every table of the contract, in the order reports list them.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "subscribers",
        columns: &[
            req("msisdn", Kind::Msisdn),
            opt("imsi", Kind::Imsi),
            opt("activated_at", Kind::Time),
            opt("channel", Kind::Code),
            opt("id_hash", Kind::Text),
            opt("status", STATUS),
        ],
        sort_key: &["msisdn"],
        reference: false,
    },
    TableSpec {
        name: "sms",
        columns: &[
            req("ts", Kind::Time),
            req("direction", DIRECTION),
            req("msisdn", Kind::Msisdn),
            req("peer", Kind::Peer),
            opt("content", Kind::Text),
            opt("category", CATEGORY),
            opt("delivery_node", Kind::Code),
            opt("peer_key", Kind::PeerKey(3)),
        ],
        sort_key: &["msisdn", "ts"],
        reference: false,
    },
    TableSpec {
        name: "calls",
        columns: &[
            req("ts", Kind::Time),
            req("direction", DIRECTION),
            req("msisdn", Kind::Msisdn),
            req("peer", Kind::Peer),
            req("duration_s", Kind::Count),
            opt("cell_id", Kind::Code),
            opt("imei", Kind::Imei),
            opt("peer_key", Kind::PeerKey(3)),
        ],
        sort_key: &["msisdn", "ts"],
        reference: false,
    },
    TableSpec {
        name: "attach",
        columns: &[
            req("ts", Kind::Time),
            req("imsi", Kind::Imsi),
            opt("msisdn", Kind::Msisdn),
            req("imei", Kind::Imei),
            opt("cell_id", Kind::Code),
        ],
        sort_key: &["imsi", "ts"],
        reference: false,
    },
    TableSpec {
        name: "registrations",
        columns: &[
            req("ts", Kind::Time),
            req("platform", Kind::Code),
            req("account_id", Kind::Text),
            req("msisdn", Kind::Msisdn),
            opt("device_id", Kind::Text),
            opt("ip", Kind::Ip),
        ],
        sort_key: &["msisdn", "ts"],
        reference: false,
    },
    TableSpec {
        name: "flows",
        columns: &[
            req("ts_start", Kind::Time),
            req("ts_end", Kind::Time),
            req("src_ip", Kind::Ip),
            req("dst_ip", Kind::Ip),
            opt("src_port", Kind::Port),
            opt("dst_port", Kind::Port),
            opt("proto", Kind::Code),
            req("bytes", Kind::Count),
            opt("packets", Kind::Count),
        ],
        sort_key: &["src_ip", "ts_start"],
        reference: false,
    },
    TableSpec {
        name: "assets",
        columns: &[
            req("ip", Kind::IpOrCidr),
            opt("hostname", Kind::Text),
            opt("owner", Kind::Code),
            opt("role", Kind::Code),
            opt("network", Kind::Code),
        ],
        sort_key: &["ip"],
        reference: false,
    },
    TableSpec {
        name: "audit",
        columns: &[
            req("ts", Kind::Time),
            req("user", Kind::Code),
            req("action", Kind::Code),
            opt("object", Kind::Code),
            opt("record_count", Kind::Count),
            opt("src_ip", Kind::Ip),
        ],
        sort_key: &["user", "ts"],
        reference: false,
    },
    TableSpec {
        name: "cases",
        columns: &[
            req("case_id", Kind::Text),
            req("reported_at", Kind::Time),
            opt("victim_msisdn", Kind::Msisdn),
            opt("loss", Kind::Money),
            opt("fraud_type", Kind::Code),
            opt("channel", Kind::Code),
            opt("fraud_account", Kind::Text),
            opt("fraud_msisdn", Kind::Msisdn),
            opt("payee_account", Kind::Text),
        ],
        sort_key: &["case_id"],
        reference: false,
    },
    TableSpec {
        name: "transfers",
        columns: &[
            req("ts", Kind::Time),
            req("from_account", Kind::Text),
            req("to_account", Kind::Text),
            req("amount", Kind::Money),
        ],
        sort_key: &["from_account", "ts"],
        reference: false,
    },
    TableSpec {
        name: "geoip",
        columns: &[req("cidr", Kind::IpOrCidr), req("country", Kind::Code)],
        sort_key: &["cidr"],
        reference: true,
    },
    TableSpec {
        name: "tac",
        columns: &[
            req("tac", Kind::Tac),
            opt("brand", Kind::Code),
            opt("model", Kind::Text),
        ],
        sort_key: &["tac"],
        reference: true,
    },
    TableSpec {
        name: "segments",
        columns: &[
            req("prefix", Kind::DigitPrefix),
            opt("province", Kind::Code),
            opt("city", Kind::Code),
            opt("carrier", Kind::Code),
        ],
        sort_key: &["prefix"],
        reference: true,
    },
];

/// The spec of a table by name.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sort_key_is_a_column_and_required_columns_come_first_in_meaning() {
        for t in TABLES {
            for k in t.sort_key {
                assert!(t.column(k).is_some(), "{}: sort key {k}", t.name);
            }
            assert!(
                t.columns.iter().any(|c| c.required),
                "{} has a required column",
                t.name
            );
        }
        assert_eq!(TABLES.len(), 13);
        for t in TABLES {
            for c in t.columns.iter() {
                if let Kind::PeerKey(i) = c.kind {
                    assert_eq!(
                        t.columns[i].kind,
                        Kind::Peer,
                        "{}.{} derives from a peer",
                        t.name,
                        c.name
                    );
                }
            }
        }
    }
}
