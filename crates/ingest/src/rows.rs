//! Turning one row's raw field values into normalised Arrow columns, shared by the CSV,
//! NDJSON and Parquet readers. A row is parsed whole before anything is appended, so a
//! rejected row leaves no trace in the output.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, DictionaryArray, Int32Builder, Int64Builder, RecordBatch, StringArray, StringBuilder,
    StringDictionaryBuilder, TimestampSecondBuilder,
};
use arrow::datatypes::Int32Type;
use duanka_model::{
    Invalid, PeerForm, TimeParser, half_width, parse_imei, parse_imsi, parse_ip, parse_ip_or_cidr,
    parse_money_fen, parse_msisdn, parse_peer,
};

use crate::spec::{Kind, TableSpec};

/// Why a row was rejected, before file and line are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    pub column: Option<&'static str>,
    pub reason: std::borrow::Cow<'static, str>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    /// Text in the row's scratch buffer.
    Span(usize, usize),
}

enum Col {
    I64(Int64Builder),
    I32(Int32Builder),
    Ts(TimestampSecondBuilder),
    Str(StringBuilder),
    Dict(StringDictionaryBuilder<Int32Type>),
    /// A closed vocabulary: keys into the fixed list, no hashing per row.
    Vocab(Int32Builder, &'static [&'static str]),
}

/// Builds normalised batches for one table, row by row.
pub(crate) struct BatchBuilder {
    spec: &'static TableSpec,
    cols: Vec<Col>,
    cells: Vec<Cell>,
    scratch: String,
    time: TimeParser,
    rows: usize,
    /// The number in this row's peer column, when it is one.
    peer_number: Option<i64>,
}

impl BatchBuilder {
    pub fn new(spec: &'static TableSpec, time: TimeParser) -> Self {
        let cols = spec.columns.iter().map(|c| new_col(c.kind)).collect();
        BatchBuilder {
            spec,
            cols,
            cells: vec![Cell::Null; spec.columns.len()],
            scratch: String::new(),
            time,
            rows: 0,
            peer_number: None,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Parses one row whose raw values are given in spec column order (`None` when the
    /// column is absent from the source or the value is null). Each value is checked to
    /// be UTF-8 first; readers that have checked a whole record use [`Self::push_str`].
    pub fn push(&mut self, fields: &[Option<&[u8]>]) -> Result<(), RowError> {
        let mut texts: [Option<&str>; MAX_COLS] = [None; MAX_COLS];
        for ((t, raw), c) in texts.iter_mut().zip(fields).zip(self.spec.columns) {
            if let Some(b) = raw {
                *t = Some(std::str::from_utf8(b).map_err(|_| RowError {
                    column: Some(c.name),
                    reason: "value is not valid UTF-8".into(),
                    value: Some(crate::diag::Reject::clip(b)),
                })?);
            }
        }
        self.push_str(&texts[..fields.len().min(MAX_COLS)])
    }

    /// As [`Self::push`], for values already known to be text.
    pub fn push_str(&mut self, fields: &[Option<&str>]) -> Result<(), RowError> {
        self.scratch.clear();
        self.peer_number = None;
        for (i, c) in self.spec.columns.iter().enumerate() {
            if let Kind::PeerKey(src) = c.kind {
                self.cells[i] = match (self.peer_number, self.cells.get(src)) {
                    (Some(n), _) => Cell::Int(n),
                    (None, Some(Cell::Span(a, z))) => Cell::Int(code_key(&self.scratch[*a..*z])),
                    _ => Cell::Null,
                };
                continue;
            }
            // A database's spelling of null (`\N` from MySQL, `NULL`) is null in every
            // column but free text, where it may be what somebody wrote.
            let text = matches!(c.kind, Kind::Text);
            let Some(s) = fields
                .get(i)
                .copied()
                .flatten()
                .filter(|s| !blank(s) && (text || !null_spelling(s)))
            else {
                if c.required {
                    return Err(RowError {
                        column: Some(c.name),
                        reason: "required value is empty".into(),
                        value: None,
                    });
                }
                self.cells[i] = Cell::Null;
                continue;
            };
            self.cells[i] = self.parse(c.kind, s).map_err(|e| RowError {
                column: Some(c.name),
                reason: e.0.into(),
                value: Some(crate::diag::Reject::clip(s.as_bytes())),
            })?;
        }
        for (col, cell) in self.cols.iter_mut().zip(&self.cells) {
            append(col, *cell, &self.scratch);
        }
        self.rows += 1;
        Ok(())
    }

    fn text(&mut self, s: &str) -> Cell {
        let a = self.scratch.len();
        self.scratch.push_str(s);
        Cell::Span(a, self.scratch.len())
    }

    fn display(&mut self, v: impl std::fmt::Display) -> Cell {
        let a = self.scratch.len();
        // Writing to a String cannot fail.
        let _ = write!(self.scratch, "{v}");
        Cell::Span(a, self.scratch.len())
    }

    fn parse(&mut self, kind: Kind, s: &str) -> Result<Cell, Invalid> {
        let wide;
        let s = if matches!(kind, Kind::Text | Kind::Code) {
            s
        } else {
            wide = half_width(s);
            &*wide
        };
        Ok(match kind {
            // Derived columns are filled in `push_str`, never parsed from input.
            Kind::PeerKey(_) => Cell::Null,
            Kind::Time => Cell::Int(self.time.parse(s)?),
            Kind::Msisdn => Cell::Int(parse_msisdn(s)?),
            Kind::Imsi => Cell::Int(parse_imsi(s)?),
            Kind::Imei => Cell::Int(parse_imei(s)?),
            Kind::Money => Cell::Int(parse_money_fen(s)?),
            Kind::Count => Cell::Int(parse_count(s)?),
            Kind::Port => {
                let v =
                    parse_count(s).map_err(|_| Invalid("port must be a number from 0 to 65535"))?;
                if v > 65_535 {
                    return Err(Invalid("port must be a number from 0 to 65535"));
                }
                Cell::Int(v)
            }
            Kind::Tac => {
                let t = s.trim();
                // Spreadsheets drop the leading 0 of TACs such as Apple's 01xxxxxx; the
                // integer form is the same either way.
                if !(7..=8).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Invalid(
                        "TAC must have 8 digits (7 if a leading 0 was lost)",
                    ));
                }
                Cell::Int(parse_count(t)?)
            }
            Kind::DigitPrefix => {
                let t = s.trim();
                if t.is_empty() || t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Invalid("prefix must be 1 to 15 digits"));
                }
                Cell::Int(parse_count(t)?)
            }
            Kind::Peer => match parse_peer(s) {
                Some(PeerForm::Number(n)) => {
                    self.peer_number = Some(n);
                    self.display(n)
                }
                Some(PeerForm::Code(c)) => self.text(c),
                None => Cell::Null,
            },
            Kind::Ip => {
                let ip = parse_ip(s)?;
                self.display(ip)
            }
            Kind::IpOrCidr => {
                let c = parse_ip_or_cidr(s)?;
                self.display(c)
            }
            Kind::Text | Kind::Code => {
                let t = if blank_edges(s) { s.trim() } else { s };
                self.text(t)
            }
            Kind::Vocab(allowed, reason) => {
                let t = s.trim();
                let i = allowed
                    .iter()
                    .position(|a| *a == t)
                    .or_else(|| allowed.iter().position(|a| a.eq_ignore_ascii_case(t)))
                    .ok_or(Invalid(reason))?;
                Cell::Int(i as i64)
            }
        })
    }

    /// Takes the rows built so far as one batch. The next batch's builders are sized like
    /// this one, so that they rarely grow (each growth copies and touches fresh pages).
    pub fn finish(&mut self) -> RecordBatch {
        let rows = self.rows.max(1024);
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::I64(b) => {
                        let a = Arc::new(b.finish());
                        *b = Int64Builder::with_capacity(rows);
                        a
                    }
                    Col::I32(b) => {
                        let a = Arc::new(b.finish());
                        *b = Int32Builder::with_capacity(rows);
                        a
                    }
                    Col::Ts(b) => {
                        let a = Arc::new(b.finish().with_timezone("+00:00"));
                        *b = TimestampSecondBuilder::with_capacity(rows);
                        a
                    }
                    Col::Str(b) => {
                        let bytes = b.values_slice().len();
                        let a = Arc::new(b.finish());
                        *b = StringBuilder::with_capacity(rows, bytes + bytes / 8);
                        a
                    }
                    Col::Dict(b) => Arc::new(b.finish()),
                    Col::Vocab(b, values) => {
                        let keys = b.finish();
                        *b = Int32Builder::with_capacity(rows);
                        let dict = DictionaryArray::<Int32Type>::try_new(
                            keys,
                            Arc::new(StringArray::from(values.to_vec())),
                        );
                        // Keys are positions in `values`, so they are always in range.
                        Arc::new(
                            dict.unwrap_or_else(|e| unreachable!("vocabulary keys in range: {e}")),
                        )
                    }
                }
            })
            .collect();
        self.rows = 0;
        // The arrays are built from the spec's own types, so this cannot mismatch.
        RecordBatch::try_new(self.spec.schema(), arrays)
            .unwrap_or_else(|e| unreachable!("batch built against its own schema: {e}"))
    }
}

/// Integer key of a service code: FNV-1a, kept in [2^62, 2^63) so that it never equals
/// a subscriber number (E.164 numbers are below 10^15).
pub fn code_key(code: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h >> 2) | (1 << 62)) as i64
}

/// The widest table has 9 columns; rows are assembled in fixed arrays of this size.
pub(crate) const MAX_COLS: usize = 16;

/// `\N` or `NULL` (any case), padded or not. The first visible byte decides most calls.
fn null_spelling(s: &str) -> bool {
    let t = s.trim_start();
    matches!(t.as_bytes().first(), Some(b'\\' | b'n' | b'N')) && {
        let t = t.trim_end();
        t == "\\N" || t.eq_ignore_ascii_case("null")
    }
}

/// Empty or only whitespace. Most values start with a visible character, which decides
/// it without scanning.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if !b.is_ascii_whitespace() => false,
        Some(_) => s.trim().is_empty(),
    }
}

/// Whether `s` starts or ends with whitespace (so that trimming would change it).
fn blank_edges(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_whitespace)
        || s.chars().next_back().is_some_and(char::is_whitespace)
}

fn parse_count(s: &str) -> Result<i64, Invalid> {
    let t = s.trim();
    if t.is_empty() || t.len() > 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid("must be a whole non-negative number"));
    }
    let mut v = 0i64;
    for b in t.bytes() {
        v = v * 10 + i64::from(b - b'0');
    }
    Ok(v)
}

fn new_col(kind: Kind) -> Col {
    match kind {
        Kind::Time => Col::Ts(TimestampSecondBuilder::new()),
        Kind::Port => Col::I32(Int32Builder::new()),
        Kind::Msisdn
        | Kind::Imsi
        | Kind::Imei
        | Kind::Money
        | Kind::Count
        | Kind::Tac
        | Kind::DigitPrefix
        | Kind::PeerKey(_) => Col::I64(Int64Builder::new()),
        Kind::Text | Kind::IpOrCidr => Col::Str(StringBuilder::new()),
        Kind::Vocab(values, _) => Col::Vocab(Int32Builder::new(), values),
        Kind::Peer | Kind::Ip | Kind::Code => Col::Dict(StringDictionaryBuilder::new()),
    }
}

fn append(col: &mut Col, cell: Cell, scratch: &str) {
    match (col, cell) {
        (Col::I64(b), Cell::Int(v)) => b.append_value(v),
        (Col::I32(b), Cell::Int(v)) => b.append_value(v as i32),
        (Col::Vocab(b, _), Cell::Int(v)) => b.append_value(v as i32),
        (Col::Vocab(b, _), _) => b.append_null(),
        (Col::Ts(b), Cell::Int(v)) => b.append_value(v),
        (Col::Str(b), Cell::Span(a, z)) => b.append_value(&scratch[a..z]),
        (Col::Dict(b), Cell::Span(a, z)) => {
            // More than 2^31 distinct values in one batch cannot happen with our batch sizes.
            if b.append(&scratch[a..z]).is_err() {
                b.append_null();
            }
        }
        (Col::I64(b), _) => b.append_null(),
        (Col::I32(b), _) => b.append_null(),
        (Col::Ts(b), _) => b.append_null(),
        (Col::Str(b), _) => b.append_null(),
        (Col::Dict(b), _) => b.append_null(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int64Type;

    fn sms() -> BatchBuilder {
        BatchBuilder::new(spec::table("sms").unwrap(), TimeParser::shanghai())
    }

    #[test]
    fn a_good_row_is_normalised() {
        let mut b = sms();
        let row: [Option<&[u8]>; 7] = [
            Some(b"2025-10-14 21:05:00"),
            Some(b"mt"),
            Some(b"133 1234 5678"),
            Some(b"1069012345"),
            Some("【微信】验证码 123456".as_bytes()),
            None,
            Some(b"radio"),
        ];
        b.push(&row).unwrap();
        let batch = b.finish();
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(
            batch.column(2).as_primitive::<Int64Type>().value(0),
            8613312345678
        );
        let dir = arrow::compute::cast(batch.column(1), &arrow::datatypes::DataType::Utf8).unwrap();
        assert_eq!(dir.as_string::<i32>().value(0), "MT");
        assert!(batch.column(5).is_null(0));
    }

    #[test]
    fn peer_keys_are_numbers_or_codes_above_every_number() {
        let mut b = sms();
        let row = |peer: &'static str| -> [Option<&'static str>; 8] {
            [
                Some("2025-10-14 21:05:00"),
                Some("MT"),
                Some("13312345678"),
                Some(peer),
                None,
                None,
                None,
                Some("7"),
            ]
        };
        for p in ["1069012345", "+86 133 1234 5679", "ALIPAY"] {
            b.push_str(&row(p)).unwrap();
        }
        let batch = b.finish();
        let keys = batch
            .column_by_name("peer_key")
            .unwrap()
            .as_primitive::<Int64Type>();
        // A peer_key column in the input is never read: the key is always derived.
        assert_eq!(keys.value(0), code_key("1069012345"));
        assert_eq!(keys.value(1), 8613312345679);
        assert!(keys.value(0) >= 1 << 62 && keys.value(2) >= 1 << 62);
        assert_ne!(keys.value(0), keys.value(2));
        // Stable across runs and machines: tests and caches may rely on the value.
        assert_eq!(code_key("1069012345"), 4916380843321892333);
    }

    #[test]
    fn a_bad_row_leaves_no_trace() {
        let mut b = sms();
        let bad: [Option<&[u8]>; 7] = [
            Some(b"2025-10-14 21:05:00"),
            Some(b"MT"),
            Some(b"12345"),
            Some(b"x"),
            None,
            None,
            None,
        ];
        let e = b.push(&bad).unwrap_err();
        assert_eq!(e.column, Some("msisdn"));
        let missing: [Option<&[u8]>; 7] = [
            Some(b"2025-10-14 21:05:00"),
            Some(b" "),
            Some(b"13312345678"),
            Some(b"x"),
            None,
            None,
            None,
        ];
        assert_eq!(
            b.push(&missing).unwrap_err().reason,
            "required value is empty"
        );
        let not_utf8: [Option<&[u8]>; 7] = [
            Some(b"2025-10-14 21:05:00"),
            Some(b"MT"),
            Some(b"13312345678"),
            Some(b"\xff\xfe"),
            None,
            None,
            None,
        ];
        assert_eq!(
            b.push(&not_utf8).unwrap_err().reason,
            "value is not valid UTF-8"
        );
        assert_eq!(b.rows(), 0);
        assert_eq!(b.finish().num_rows(), 0);
    }
}
