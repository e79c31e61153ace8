//! Calendar arithmetic for contract periods. A period "of N years" from date D runs from D
//! up to and including the day before the N-th anniversary of D (anniversaries of 29
//! February fall on 28 February). Every date is a local calendar date in China; there is
//! no time zone arithmetic in the domain.

use chrono::{Months, NaiveDate, NaiveDateTime};

use crate::ValidationError;

/// The `years`-th anniversary of `date`, or `None` past the calendar's range.
pub fn add_years(date: NaiveDate, years: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(years.checked_mul(12)?))
}

/// Adds calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb).
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// The day before `date`.
pub fn day_before(date: NaiveDate) -> Option<NaiveDate> {
    date.pred_opt()
}

/// Parses `YYYY-MM-DD`, naming the field on failure.
pub fn parse_date(field: &str, input: &str) -> Result<NaiveDate, ValidationError> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| {
        ValidationError::new(
            field,
            format!("`{input}` is not a date in the form YYYY-MM-DD"),
        )
    })
}

/// Parses `YYYY-MM-DDTHH:MM[:SS]` (a space instead of `T` is accepted too).
pub fn parse_datetime(field: &str, input: &str) -> Result<NaiveDateTime, ValidationError> {
    let s = input.trim().replace(' ', "T");
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M"))
        .map_err(|_| {
            ValidationError::new(
                field,
                format!("`{input}` is not a date-time in the form YYYY-MM-DDTHH:MM"),
            )
        })
}

/// Rejects `start > end`; both ends are inclusive, so equal dates are a one-day period.
pub fn check_range(start: NaiveDate, end: NaiveDate) -> Result<(), ValidationError> {
    if start > end {
        return Err(ValidationError::new(
            "end",
            format!("end date {end} is before start date {start}"),
        ));
    }
    Ok(())
}

pub fn format_datetime(dt: NaiveDateTime) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn anniversaries_clamp_leap_day() {
        assert_eq!(add_years(d("2020-02-29"), 1), Some(d("2021-02-28")));
        assert_eq!(add_years(d("2020-02-29"), 4), Some(d("2024-02-29")));
        assert_eq!(add_months(d("2021-01-31"), 1), Some(d("2021-02-28")));
    }

    #[test]
    fn rejects_reversed_range() {
        let e = check_range(d("2024-02-01"), d("2024-01-01")).unwrap_err();
        assert_eq!(e.field, "end");
        assert!(check_range(d("2024-01-01"), d("2024-01-01")).is_ok());
    }

    #[test]
    fn parses_datetimes() {
        assert!(parse_datetime("at", "2024-05-01T08:30").is_ok());
        assert!(parse_datetime("at", "2024-05-01 08:30:15").is_ok());
        assert!(parse_datetime("at", "2024-05-01").is_err());
    }
}
