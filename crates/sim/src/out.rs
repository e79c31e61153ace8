//! Row buffers for the contract's CSV tables. Rows are appended as bytes with hand-rolled
//! number formatting because a million-subscriber day is tens of millions of fields and
//! `format!` per field would dominate the run. Buffers are plain `Vec<u8>` so that chunks
//! built on worker threads can be written in chunk order, which keeps output bytes
//! independent of thread count.

use crate::clock;

/// Every table the simulator writes, in the order files are listed in summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableId {
    Subscribers,
    Sms,
    Calls,
    Attach,
    Registrations,
    Flows,
    Assets,
    Audit,
    Cases,
    Transfers,
    Geoip,
    Tac,
    Segments,
}

impl TableId {
    pub const ALL: [TableId; 13] = [
        TableId::Subscribers,
        TableId::Sms,
        TableId::Calls,
        TableId::Attach,
        TableId::Registrations,
        TableId::Flows,
        TableId::Assets,
        TableId::Audit,
        TableId::Cases,
        TableId::Transfers,
        TableId::Geoip,
        TableId::Tac,
        TableId::Segments,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TableId::Subscribers => "subscribers",
            TableId::Sms => "sms",
            TableId::Calls => "calls",
            TableId::Attach => "attach",
            TableId::Registrations => "registrations",
            TableId::Flows => "flows",
            TableId::Assets => "assets",
            TableId::Audit => "audit",
            TableId::Cases => "cases",
            TableId::Transfers => "transfers",
            TableId::Geoip => "geoip",
            TableId::Tac => "tac",
            TableId::Segments => "segments",
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            TableId::Subscribers => "msisdn,imsi,activated_at,channel,id_hash,status",
            TableId::Sms => "ts,direction,msisdn,peer,content,category,delivery_node",
            TableId::Calls => "ts,direction,msisdn,peer,duration_s,cell_id,imei",
            TableId::Attach => "ts,imsi,msisdn,imei,cell_id",
            TableId::Registrations => "ts,platform,account_id,msisdn,device_id,ip",
            TableId::Flows => "ts_start,ts_end,src_ip,dst_ip,src_port,dst_port,proto,bytes,packets",
            TableId::Assets => "ip,hostname,owner,role,network",
            TableId::Audit => "ts,user,action,object,record_count,src_ip",
            TableId::Cases => {
                "case_id,reported_at,victim_msisdn,loss,fraud_type,channel,fraud_account,fraud_msisdn,payee_account"
            }
            TableId::Transfers => "ts,from_account,to_account,amount",
            TableId::Geoip => "cidr,country",
            TableId::Tac => "tac,brand,model",
            TableId::Segments => "prefix,province,city,carrier",
        }
    }

    /// `segments`, `tac`, `geoip`: facts of the world, not records of its network.
    pub fn is_reference(self) -> bool {
        matches!(self, TableId::Geoip | TableId::Tac | TableId::Segments)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One table's rows under construction.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub buf: Vec<u8>,
    pub count: u64,
    first: bool,
}

impl Rows {
    pub fn with_capacity(bytes: usize) -> Self {
        Rows {
            buf: Vec::with_capacity(bytes),
            count: 0,
            first: true,
        }
    }

    /// Starts a row; fields are then appended with the `f_*` methods.
    pub fn row(&mut self) -> &mut Self {
        self.count += 1;
        self.first = true;
        self
    }

    /// Ends the row.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    pub fn f_u64(&mut self, v: u64) -> &mut Self {
        self.sep();
        push_u64(&mut self.buf, v);
        self
    }

    pub fn f_i64(&mut self, v: i64) -> &mut Self {
        self.sep();
        if v < 0 {
            self.buf.push(b'-');
        }
        push_u64(&mut self.buf, v.unsigned_abs());
        self
    }

    /// A time as local text.
    pub fn f_time(&mut self, epoch: i64) -> &mut Self {
        self.sep();
        clock::push_local(&mut self.buf, epoch);
        self
    }

    /// A Chinese mobile number in the national 11-digit form operators export
    /// (canonical `86…` digits in, `133…` out).
    pub fn f_msisdn(&mut self, e164: i64) -> &mut Self {
        self.sep();
        let national = if (8_610_000_000_000..8_620_000_000_000).contains(&e164) {
            e164 - 8_600_000_000_000
        } else {
            e164
        };
        push_u64(&mut self.buf, national.unsigned_abs());
        self
    }

    /// Money in yuan from fen, always with two decimals.
    pub fn f_yuan(&mut self, fen: i64) -> &mut Self {
        self.sep();
        push_u64(&mut self.buf, (fen / 100).unsigned_abs());
        self.buf.push(b'.');
        let c = (fen % 100).unsigned_abs();
        self.buf.push(b'0' + (c / 10) as u8);
        self.buf.push(b'0' + (c % 10) as u8);
        self
    }

    /// Text known to need no CSV quoting (codes, names, addresses).
    pub fn f_str(&mut self, s: &str) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    /// Free text, quoted per RFC 4180 when it holds a comma, quote or line break.
    pub fn f_text(&mut self, s: &str) -> &mut Self {
        self.sep();
        push_csv_text(&mut self.buf, s.as_bytes());
        self
    }

    /// Free text given as parts (template pieces and values), quoted as a whole.
    pub fn f_text_parts(&mut self, parts: &[&[u8]]) -> &mut Self {
        self.sep();
        let quote = parts
            .iter()
            .any(|p| p.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')));
        if quote {
            self.buf.push(b'"');
            for p in parts {
                for &b in *p {
                    if b == b'"' {
                        self.buf.push(b'"');
                    }
                    self.buf.push(b);
                }
            }
            self.buf.push(b'"');
        } else {
            for p in parts {
                self.buf.extend_from_slice(p);
            }
        }
        self
    }

    /// A number zero-padded to `width` digits.
    pub fn f_padded(&mut self, v: u64, width: usize) -> &mut Self {
        self.sep();
        push_padded(&mut self.buf, v, width);
        self
    }

    /// A 15-digit IMEI, zero-padded (some TACs start with 0).
    pub fn f_imei(&mut self, imei: i64) -> &mut Self {
        self.sep();
        push_padded(&mut self.buf, imei.unsigned_abs(), 15);
        self
    }

    /// A cell id of the simulated radio network.
    pub fn f_cell(&mut self, cell: u32) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"GD");
        push_padded(&mut self.buf, u64::from(cell), 5);
        self
    }

    /// An empty (null) field.
    pub fn f_null(&mut self) -> &mut Self {
        self.sep();
        self
    }

    pub fn append(&mut self, other: &Rows) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }
}

pub fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    let mut v = v;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    let start = i.min(tmp.len().saturating_sub(width));
    buf.extend_from_slice(&tmp[start..]);
}

fn push_csv_text(buf: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for &b in s {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s);
    }
}

/// All tables' row buffers of one unit of work.
#[derive(Debug, Clone)]
pub struct TableSet {
    pub tables: Vec<Rows>,
}

impl Default for TableSet {
    fn default() -> Self {
        Self::new()
    }
}

impl TableSet {
    pub fn new() -> Self {
        TableSet {
            tables: TableId::ALL
                .iter()
                .map(|_| Rows::with_capacity(0))
                .collect(),
        }
    }

    pub fn get(&mut self, t: TableId) -> &mut Rows {
        &mut self.tables[t.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fields() {
        let mut r = Rows::with_capacity(64);
        r.row()
            .f_msisdn(8_613_312_345_678)
            .f_yuan(15_000_000)
            .f_text("a,\"b\"")
            .f_null()
            .f_i64(-5)
            .end();
        assert_eq!(
            String::from_utf8_lossy(&r.buf),
            "13312345678,150000.00,\"a,\"\"b\"\"\",,-5\n"
        );
    }
}
