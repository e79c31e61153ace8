//! Cutting a byte stream into blocks that end on record boundaries, so that blocks can
//! be parsed on several cores. For CSV this follows RFC 4180 quoting exactly as the
//! `csv` crate reads it: a quote opens a quoted field only at the start of a field, and
//! `""` inside a quoted field is a literal quote.

use memchr::{memchr, memchr2};

/// Scanning state carried across reads.
#[derive(Debug, Default, Clone)]
pub(crate) struct Splitter {
    /// Whether quotes matter (CSV) or only newlines (NDJSON).
    quoting: bool,
    in_quotes: bool,
    /// A quote was the last byte seen inside a quoted field: the next byte decides
    /// whether it closed the field or was the first half of `""`.
    pending_quote: bool,
}

impl Splitter {
    pub fn csv() -> Self {
        Splitter {
            quoting: true,
            ..Default::default()
        }
    }

    pub fn lines() -> Self {
        Splitter::default()
    }

    /// Scans `buf[from..]`, where `buf[0]` starts a record, and returns the position just
    /// after the last record-ending newline, if any.
    pub fn scan(&mut self, buf: &[u8], from: usize) -> Option<usize> {
        self.scan_to(buf, from, false)
    }

    /// The end of the first record in `buf` (which starts a record), if it is complete.
    pub fn first_record_end(buf: &[u8], quoting: bool) -> Option<usize> {
        Splitter {
            quoting,
            ..Default::default()
        }
        .scan_to(buf, 0, true)
    }

    fn scan_to(&mut self, buf: &[u8], from: usize, first: bool) -> Option<usize> {
        let n = buf.len();
        let mut i = from;
        let mut last = None;
        if !self.quoting {
            return if first {
                memchr(b'\n', &buf[from..]).map(|k| from + k + 1)
            } else {
                memchr::memrchr(b'\n', &buf[from..]).map(|k| from + k + 1)
            };
        }
        while i < n {
            if self.pending_quote {
                self.pending_quote = false;
                if buf[i] == b'"' {
                    i += 1;
                    continue;
                }
                self.in_quotes = false;
            }
            if self.in_quotes {
                match memchr(b'"', &buf[i..]) {
                    Some(k) => {
                        i += k + 1;
                        self.pending_quote = true;
                    }
                    None => i = n,
                }
            } else {
                match memchr2(b'\n', b'"', &buf[i..]) {
                    Some(k) => {
                        let j = i + k;
                        if buf[j] == b'\n' {
                            last = Some(j + 1);
                            if first {
                                return last;
                            }
                        } else if j == 0 || matches!(buf[j - 1], b',' | b'\n' | b'\r') {
                            self.in_quotes = true;
                        }
                        i = j + 1;
                    }
                    None => i = n,
                }
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records as the csv crate reads them.
    fn records(data: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap_or(false) {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    #[test]
    fn quoted_newlines_do_not_split() {
        let data = b"a,\"x\ny\",c\nd,\"q\"\"\n\",f\ng,h\"i\n,j\n";
        let mut s = Splitter::csv();
        assert_eq!(s.scan(data, 0), Some(data.len()));
        let mut s = Splitter::csv();
        // Up to the middle of the first quoted field: no boundary yet.
        assert_eq!(s.scan(&data[..5], 0), None);
    }

    proptest! {
        /// Cutting where the splitter says, fed in arbitrary pieces, and parsing the
        /// blocks apart gives exactly the records of parsing the whole.
        #[test]
        fn blocks_parse_like_the_whole(
            fields in proptest::collection::vec("[a-c\",\n ]{0,6}", 1..40),
            cut in 1usize..50,
        ) {
            let mut data = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                data.extend_from_slice(f.as_bytes());
                data.push(if i % 3 == 2 { b'\n' } else { b',' });
            }
            let mut s = Splitter::csv();
            let mut start = 0;
            let mut scanned = 0;
            let mut end = 0;
            let mut pieces = Vec::new();
            while end < data.len() {
                end = (end + cut).min(data.len());
                if let Some(b) = s.scan(&data[start..end], scanned - start) {
                    pieces.extend(records(&data[start..start + b]));
                    start += b;
                }
                scanned = end;
            }
            pieces.extend(records(&data[start..]));
            prop_assert_eq!(pieces, records(&data), "{:?}", String::from_utf8_lossy(&data));
        }
    }
}
