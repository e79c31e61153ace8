//! Time in the simulated world: epoch seconds inside, local `YYYY-MM-DD HH:MM:SS` text
//! (Asia/Shanghai) on output, because that is how Chinese operators export and what the
//! contract's default zone reads back. Shanghai has had no daylight saving since 1991, so
//! a fixed +08:00 offset is exact for every date the simulator can be asked for.

/// Seconds east of UTC of Asia/Shanghai.
pub const OFFSET: i64 = 8 * 3600;
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// UTC epoch seconds of local midnight of `YYYY-MM-DD`.
pub fn local_midnight(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * DAY - OFFSET
}

/// 0 = Monday … 6 = Sunday, for the local day holding `epoch`.
pub fn weekday(epoch: i64) -> u32 {
    let days = (epoch + OFFSET).div_euclid(DAY);
    // 1970-01-01 was a Thursday (index 3).
    ((days + 3).rem_euclid(7)) as u32
}

/// Appends `epoch` as local `YYYY-MM-DD HH:MM:SS`.
pub fn push_local(buf: &mut Vec<u8>, epoch: i64) {
    let local = epoch + OFFSET;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    let s = local.rem_euclid(DAY);
    let y = y.clamp(0, 9999) as u32;
    let digits = [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
        b' ',
        b'0' + (s / 36_000) as u8,
        b'0' + (s / 3600 % 10) as u8,
        b':',
        b'0' + (s % 3600 / 600) as u8,
        b'0' + (s % 3600 / 60 % 10) as u8,
        b':',
        b'0' + (s % 60 / 10) as u8,
        b'0' + (s % 10) as u8,
    ];
    buf.extend_from_slice(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates_and_formats_local_time() {
        for &(y, m, d) in &[(1970, 1, 1), (2000, 2, 29), (2025, 10, 14), (2100, 12, 31)] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        let t = local_midnight(2025, 10, 14) + 21 * 3600 + 5 * 60 + 7;
        let mut b = Vec::new();
        push_local(&mut b, t);
        assert_eq!(b, b"2025-10-14 21:05:07");
        // 2025-10-14 was a Tuesday.
        assert_eq!(weekday(t), 1);
    }
}
