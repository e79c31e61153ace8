//! Yearly bills and arrears ageing. A building's yearly fee is split by its adopted scheme
//! into one bill per household; bill year n of a contract runs from the (n-1)-th
//! anniversary of the contract start to the day before the n-th, and is due 30 days after
//! that year starts (liftcover's default).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::time::{add_years, day_before};
use crate::{Fen, ValidationError};

pub const DAYS_TO_PAY: u64 = 30;

/// The period and due date of bill year `n` (1-based) of a contract.
pub fn bill_period(
    contract_start: NaiveDate,
    contract_end: NaiveDate,
    n: u32,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), ValidationError> {
    if n == 0 {
        return Err(ValidationError::new("year", "bill years start at 1"));
    }
    let bad = || ValidationError::new("year", format!("bill year {n} is outside the calendar"));
    let start = add_years(contract_start, n - 1).ok_or_else(bad)?;
    if start > contract_end {
        return Err(ValidationError::new(
            "year",
            format!("bill year {n} starts on {start}, after the contract ends on {contract_end}"),
        ));
    }
    let end = add_years(contract_start, n)
        .and_then(day_before)
        .ok_or_else(bad)?
        .min(contract_end);
    let due = start
        .checked_add_days(Days::new(DAYS_TO_PAY))
        .ok_or_else(bad)?;
    Ok((start, end, due))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ageing {
    NotDue,
    Days1To30,
    Days31To90,
    Days91To180,
    Days181To365,
    Over365,
}

impl Ageing {
    pub const ALL: [Ageing; 6] = [
        Ageing::NotDue,
        Ageing::Days1To30,
        Ageing::Days31To90,
        Ageing::Days91To180,
        Ageing::Days181To365,
        Ageing::Over365,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ageing::NotDue => "not-due",
            Ageing::Days1To30 => "1-30",
            Ageing::Days31To90 => "31-90",
            Ageing::Days91To180 => "91-180",
            Ageing::Days181To365 => "181-365",
            Ageing::Over365 => "over-365",
        }
    }
}

/// The ageing bucket of an unpaid amount on `today`.
pub fn ageing(due: NaiveDate, today: NaiveDate) -> Ageing {
    match (today - due).num_days() {
        d if d <= 0 => Ageing::NotDue,
        1..=30 => Ageing::Days1To30,
        31..=90 => Ageing::Days31To90,
        91..=180 => Ageing::Days91To180,
        181..=365 => Ageing::Days181To365,
        _ => Ageing::Over365,
    }
}

/// What is still owed on a bill; overpayment is not carried, so never below zero.
pub fn outstanding(amount: Fen, paid: Fen) -> Fen {
    (amount - paid).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn bill_years() {
        let (s, e, due) = bill_period(d("2020-06-01"), d("2025-05-31"), 1).unwrap();
        assert_eq!(
            (s, e, due),
            (d("2020-06-01"), d("2021-05-31"), d("2020-07-01"))
        );
        let (s, e, _) = bill_period(d("2020-06-01"), d("2025-05-31"), 5).unwrap();
        assert_eq!((s, e), (d("2024-06-01"), d("2025-05-31")));
        assert!(bill_period(d("2020-06-01"), d("2025-05-31"), 6).is_err());
        assert!(bill_period(d("2020-06-01"), d("2025-05-31"), 0).is_err());
    }

    #[test]
    fn ageing_buckets() {
        let due = d("2024-01-31");
        assert_eq!(ageing(due, d("2024-01-31")), Ageing::NotDue);
        assert_eq!(ageing(due, d("2024-02-01")), Ageing::Days1To30);
        assert_eq!(ageing(due, d("2024-03-01")), Ageing::Days1To30);
        assert_eq!(ageing(due, d("2024-03-02")), Ageing::Days31To90);
        assert_eq!(ageing(due, d("2025-02-01")), Ageing::Over365);
        assert_eq!(outstanding(100, 150), 0);
    }
}
