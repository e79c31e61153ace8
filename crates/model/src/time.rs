//! Timestamps: RFC 3339, local `YYYY-MM-DD HH:MM:SS` in a settable zone (default
//! Asia/Shanghai), or integer epoch seconds; canonical form UTC epoch seconds.
//!
//! Hand-parsed because ingest calls this once per row: the common forms take a few
//! dozen nanoseconds, and the zone offset is cached per local hour.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::{Invalid, Parsed};

/// Earliest and latest accepted instants (1970-01-01 and 2090-01-01 UTC). A record before
/// 1970 is an unset clock (epoch 0 written in a zone west of UTC reads 1969-12-31); one
/// after 2089 is a placeholder such as 2099-12-31 23:59:59 or 9999-12-31, never an event.
const MIN_EPOCH: i64 = 0;
const MAX_EPOCH: i64 = 3_786_912_000;

/// Epoch milliseconds from 2000 to the end of the span: what a 13-digit epoch value in
/// a telecom export is.
const MS_SPAN: std::ops::Range<i64> = 946_684_800_000..MAX_EPOCH * 1000;

const BEFORE_1970: Invalid =
    Invalid("time before 1970: an unset clock (epoch 0 read in a zone west of UTC?)");
const AFTER_2089: Invalid =
    Invalid("time after 2089: a placeholder date (2099-12-31, 9999-12-31), not an event");

/// Slots of the offset cache: more than the hours of a month, so that records spread
/// over weeks in any order still hit it.
const CACHE_SLOTS: usize = 1024;

/// Parses timestamps for one zone. Not `Sync` on purpose: each reader thread owns one,
/// with its own offset cache.
#[derive(Debug, Clone)]
pub struct TimeParser {
    zone: TimeZone,
    /// Direct-mapped cache: local hour (wall-clock seconds since the epoch / 3600) →
    /// UTC offset, in slot `hour % CACHE_SLOTS`.
    cache: Box<[(i64, i64)]>,
}

impl Default for TimeParser {
    fn default() -> Self {
        Self::shanghai()
    }
}

impl TimeParser {
    /// The default zone for local times, Asia/Shanghai.
    pub fn shanghai() -> Self {
        // The bundled database always has this zone; fall back to its fixed +08:00 rule.
        let zone =
            TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)));
        Self::with_zone(zone)
    }

    /// A parser for local times in the named IANA zone (e.g. `Europe/Berlin`, `UTC`).
    pub fn for_zone_name(name: &str) -> Result<Self, String> {
        TimeZone::get(name)
            .map(Self::with_zone)
            .map_err(|e| format!("unknown time zone {name:?}: {e}"))
    }

    pub fn with_zone(zone: TimeZone) -> Self {
        TimeParser {
            zone,
            cache: vec![(i64::MIN, 0); CACHE_SLOTS].into_boxed_slice(),
        }
    }

    pub fn zone_name(&self) -> &str {
        self.zone.iana_name().unwrap_or("fixed offset")
    }

    /// Parses one timestamp into UTC epoch seconds.
    pub fn parse(&mut self, s: &str) -> Parsed<i64> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.is_empty() {
            return Err(Invalid("empty time"));
        }
        if b.iter().all(u8::is_ascii_digit)
            || (b[0] == b'-' && b.len() > 1 && b[1..].iter().all(u8::is_ascii_digit))
        {
            let v: i64 = t
                .parse()
                .map_err(|_| Invalid("epoch seconds out of range"))?;
            if v >= MAX_EPOCH && MS_SPAN.contains(&v) {
                return Err(Invalid(
                    "epoch milliseconds where the contract takes epoch seconds (divide by 1000)",
                ));
            }
            if v >= MAX_EPOCH
                && (MS_SPAN.start * 1000..MS_SPAN.end.saturating_mul(1000)).contains(&v)
            {
                return Err(Invalid(
                    "epoch microseconds where the contract takes epoch seconds (divide by 1,000,000)",
                ));
            }
            return check_range(v);
        }
        if b.len() >= 10 && b[4] == b'/' && b[7] == b'/' {
            return Err(Invalid(
                "date written with '/' (2025/10/14): the contract takes YYYY-MM-DD HH:MM:SS",
            ));
        }
        if b.len() < 19 {
            return Err(Invalid(
                "time must be RFC 3339, YYYY-MM-DD HH:MM:SS or epoch seconds",
            ));
        }
        let (local, rest) = civil(b)?;
        if rest.is_empty() {
            // Checked first on the wall clock too: the zone database stops short of some
            // years, and 9999-12-31 has no offset to look up.
            check_range(local)?;
            let off = self.offset_for_local(local)?;
            return check_range(local - off);
        }
        let off = parse_offset(rest)?;
        check_range(local - off)
    }

    fn offset_for_local(&mut self, local: i64) -> Parsed<i64> {
        let hour = local.div_euclid(3600);
        let slot = hour.rem_euclid(CACHE_SLOTS as i64) as usize;
        if self.cache[slot].0 == hour {
            return Ok(self.cache[slot].1);
        }
        let secs = local.rem_euclid(86_400);
        let days = local.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let dt = DateTime::new(
            y as i16,
            m as i8,
            d as i8,
            (secs / 3600) as i8,
            ((secs / 60) % 60) as i8,
            (secs % 60) as i8,
            0,
        )
        .map_err(|_| AFTER_2089)?;
        let ts = self
            .zone
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|_| Invalid("local time does not exist in the zone"))?;
        let off = local - ts.as_second();
        self.cache[slot] = (hour, off);
        Ok(off)
    }
}

fn check_range(v: i64) -> Parsed<i64> {
    if v < MIN_EPOCH {
        Err(BEFORE_1970)
    } else if v >= MAX_EPOCH {
        Err(AFTER_2089)
    } else {
        Ok(v)
    }
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.fff…]` and returns wall-clock seconds since the epoch
/// plus whatever follows (an offset, or nothing).
fn civil(b: &[u8]) -> Parsed<(i64, &[u8])> {
    const SHAPE: Invalid = Invalid("time must be RFC 3339, YYYY-MM-DD HH:MM:SS or epoch seconds");
    if b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(SHAPE);
    }
    let num = |r: std::ops::Range<usize>| -> Parsed<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return Err(SHAPE);
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Ok(v)
    };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) {
        return Err(Invalid("month must be 01 to 12"));
    }
    if d < 1 || d > days_in_month(y, mo) {
        return Err(Invalid("day does not exist in that month"));
    }
    if h > 23 || mi > 59 || s > 60 {
        return Err(Invalid("hour, minute or second out of range"));
    }
    let mut rest = &b[19..];
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(SHAPE);
        }
        // Sub-second precision is dropped: the canonical form is whole seconds.
        rest = &frac[n..];
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s.min(59);
    Ok((secs, rest))
}

fn parse_offset(rest: &[u8]) -> Parsed<i64> {
    match rest {
        [b'Z' | b'z'] => Ok(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let digit = |c: u8| {
                if c.is_ascii_digit() {
                    Ok(i64::from(c - b'0'))
                } else {
                    Err(Invalid("bad UTC offset (use Z or ±HH:MM)"))
                }
            };
            let h = digit(*h1)? * 10 + digit(*h2)?;
            let m = digit(*m1)? * 10 + digit(*m2)?;
            if h > 23 || m > 59 {
                return Err(Invalid("bad UTC offset (use Z or ±HH:MM)"));
            }
            let off = h * 3600 + m * 60;
            Ok(if *sign == b'-' { -off } else { off })
        }
        _ => Err(Invalid("bad UTC offset (use Z or ±HH:MM)")),
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats UTC epoch seconds as RFC 3339 (`2025-10-14T13:05:00Z`), for reports.
pub fn format_utc(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<i64, &str>) {
        let mut p = TimeParser::shanghai();
        assert_eq!(p.parse(input).map_err(|e| e.0), expected, "input {input:?}");
    }

    #[test]
    fn accepted_forms() {
        // 2025-10-14 21:05:00 in Shanghai is 13:05:00 UTC.
        let want = 1_760_447_100;
        check("2025-10-14T21:05:00+08:00", Ok(want));
        check("2025-10-14T13:05:00Z", Ok(want));
        check("2025-10-14 21:05:00", Ok(want));
        check("2025-10-14T21:05:00", Ok(want));
        check("2025-10-14 21:05:00.250", Ok(want));
        check("2025-10-14T21:05:00.5+0800", Ok(want));
        check("1760447100", Ok(want));
        check(" 1760447100 ", Ok(want));
        check("2025-10-14T08:05:00-05:00", Ok(want));
    }

    #[test]
    fn rejection_reasons() {
        check("", Err("empty time"));
        check(
            "yesterday",
            Err("time must be RFC 3339, YYYY-MM-DD HH:MM:SS or epoch seconds"),
        );
        check(
            "2025-10-14 21:05:0",
            Err("time must be RFC 3339, YYYY-MM-DD HH:MM:SS or epoch seconds"),
        );
        check("2025-13-14 21:05:00", Err("month must be 01 to 12"));
        check(
            "2025-02-29 21:05:00",
            Err("day does not exist in that month"),
        );
        check(
            "2025-10-14 25:05:00",
            Err("hour, minute or second out of range"),
        );
        check(
            "2025-10-14T21:05:00+8",
            Err("bad UTC offset (use Z or ±HH:MM)"),
        );
        check(
            "1760447100000",
            Err("epoch milliseconds where the contract takes epoch seconds (divide by 1000)"),
        );
        let early = "time before 1970: an unset clock (epoch 0 read in a zone west of UTC?)";
        let late = "time after 2089: a placeholder date (2099-12-31, 9999-12-31), not an event";
        check("-5", Err(early));
        check("1960-01-01 00:00:00", Err(early));
        check("1969-12-31T16:00:00-08:00", Ok(0));
        check("1969-12-31 23:59:59", Err(early));
        check("2099-12-31 23:59:59", Err(late));
        check("9999-12-31T23:59:59Z", Err(late));
        check("2089-12-31T23:59:59Z", Ok(MAX_EPOCH - 1));
        check("5000000000", Err(late));
        check(
            "1760447100000000",
            Err("epoch microseconds where the contract takes epoch seconds (divide by 1,000,000)"),
        );
        check(
            "2025/10/14 21:05:00",
            Err("date written with '/' (2025/10/14): the contract takes YYYY-MM-DD HH:MM:SS"),
        );
        check(
            "2025-10-14 21:05",
            Err("time must be RFC 3339, YYYY-MM-DD HH:MM:SS or epoch seconds"),
        );
    }

    #[test]
    fn zones_with_daylight_saving() {
        let mut p = TimeParser::for_zone_name("Europe/Berlin").unwrap();
        // Summer (+02:00) and winter (+01:00), parsed back to back through the cache.
        assert_eq!(p.parse("2025-07-01 12:00:00"), Ok(1_751_364_000));
        assert_eq!(p.parse("2025-01-01 12:00:00"), Ok(1_735_729_200));
        assert!(TimeParser::for_zone_name("Mars/Olympus").is_err());
        assert_eq!(format_utc(1_760_447_100), "2025-10-14T13:05:00Z");
    }

    proptest! {
        #[test]
        fn round_trips(epoch in MIN_EPOCH..MAX_EPOCH) {
            let mut p = TimeParser::shanghai();
            let rfc = format_utc(epoch);
            prop_assert_eq!(p.parse(&rfc), Ok(epoch));
            prop_assert_eq!(p.parse(&epoch.to_string()), Ok(epoch));
            // Local Shanghai wall time (fixed +08:00 since 1991).
            if epoch > 700_000_000 {
                let local = format_utc(epoch + 8 * 3600).replace('T', " ").trim_end_matches('Z').to_string();
                prop_assert_eq!(p.parse(&local), Ok(epoch));
            }
        }

        #[test]
        fn civil_days_round_trip(days in -100_000i64..100_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") { let _ = TimeParser::shanghai().parse(&s); }
    }
}
