//! Who is responsible for a lift on a given date, and what the contracts leave uncovered.
//!
//! Day counting: the date the lift entered use, D, is day 1 of year 1. Year k runs from
//! the (k-1)-th anniversary of D up to the day before the k-th anniversary. The standard
//! "2+5" arrangement gives the installer's warranty years 1–2 (D up to the day before the
//! 2nd anniversary: day 730, or day 731 when a 29 February falls inside) and the insurer
//! years 3–7 (the 2nd anniversary up to the day before the 7th); from the 7th anniversary
//! nobody is responsible and renewal is due. Contract end dates are inclusive.
//!
//! When contracts overlap, the one that started last is taken as responsible (a newer
//! contract is assumed to supersede), ties going insurer, then installer, then
//! maintenance; the overlap itself is always reported.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::time::{add_years, day_before};
use crate::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContractKind {
    InstallerWarranty,
    Insurer,
    Maintenance,
}

impl ContractKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractKind::InstallerWarranty => "installer-warranty",
            ContractKind::Insurer => "insurer",
            ContractKind::Maintenance => "maintenance",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim() {
            "installer-warranty" | "installer" => Ok(ContractKind::InstallerWarranty),
            "insurer" => Ok(ContractKind::Insurer),
            "maintenance" => Ok(ContractKind::Maintenance),
            other => Err(ValidationError::new(
                "kind",
                format!("`{other}` is not a contract kind; use installer-warranty, insurer or maintenance"),
            )),
        }
    }

    fn precedence(self) -> u8 {
        match self {
            ContractKind::Insurer => 3,
            ContractKind::InstallerWarranty => 2,
            ContractKind::Maintenance => 1,
        }
    }
}

/// The part of a contract the resolver needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractTerm {
    pub id: i64,
    pub kind: ContractKind,
    pub party: String,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
    pub covers: Vec<String>,
}

impl ContractTerm {
    pub fn covers_date(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// The coverage state of a lift on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageState {
    /// The date is before the lift entered use.
    NotInUse,
    Installer,
    Insurer,
    Maintenance,
    /// No contract covers the date but a later one exists.
    Gap,
    /// No contract covers the date or any later date.
    RenewalDue,
}

impl CoverageState {
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageState::NotInUse => "not-in-use",
            CoverageState::Installer => "installer",
            CoverageState::Insurer => "insurer",
            CoverageState::Maintenance => "maintenance",
            CoverageState::Gap => "gap",
            CoverageState::RenewalDue => "renewal-due",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub date: NaiveDate,
    pub state: CoverageState,
    /// Day of use, D being day 1; `None` before D.
    pub day_of_use: Option<i64>,
    /// Year of use, year 1 starting on D; `None` before D.
    pub year_of_use: Option<u32>,
    pub responsible: Option<ContractTerm>,
    /// Other contracts also in force that day (an overlap).
    pub also_in_force: Vec<ContractTerm>,
    pub covers: Vec<String>,
}

/// The year of use containing `date`, year 1 starting on `entry`.
pub fn year_of_use(entry: NaiveDate, date: NaiveDate) -> Option<u32> {
    if date < entry {
        return None;
    }
    let mut k: u32 = 1;
    loop {
        let next = add_years(entry, k)?;
        if date < next {
            return Some(k);
        }
        k += 1;
    }
}

/// Resolves responsibility for one lift on one date.
pub fn resolve(entry: NaiveDate, contracts: &[ContractTerm], date: NaiveDate) -> Resolution {
    let day_of_use = (date >= entry).then(|| (date - entry).num_days() + 1);
    let year = year_of_use(entry, date);
    let mut in_force: Vec<&ContractTerm> =
        contracts.iter().filter(|c| c.covers_date(date)).collect();
    in_force.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(b.kind.precedence().cmp(&a.kind.precedence()))
            .then(a.id.cmp(&b.id))
    });
    let responsible = in_force.first().map(|c| (*c).clone());
    let also_in_force: Vec<ContractTerm> = in_force.iter().skip(1).map(|c| (*c).clone()).collect();
    let state = match (&responsible, date < entry) {
        (_, true) => CoverageState::NotInUse,
        (Some(c), false) => match c.kind {
            ContractKind::InstallerWarranty => CoverageState::Installer,
            ContractKind::Insurer => CoverageState::Insurer,
            ContractKind::Maintenance => CoverageState::Maintenance,
        },
        (None, false) => {
            if contracts.iter().any(|c| c.start > date) {
                CoverageState::Gap
            } else {
                CoverageState::RenewalDue
            }
        }
    };
    let covers = responsible
        .as_ref()
        .map(|c| c.covers.clone())
        .unwrap_or_default();
    Resolution {
        date,
        state,
        day_of_use,
        year_of_use: year,
        responsible: if date < entry { None } else { responsible },
        also_in_force: if date < entry {
            Vec::new()
        } else {
            also_in_force
        },
        covers: if date < entry { Vec::new() } else { covers },
    }
}

/// A problem found in a lift's set of contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    /// Days from entry into use (or between contracts) that no contract covers.
    Gap { from: NaiveDate, to: NaiveDate },
    /// Two contracts in force on the same days.
    Overlap {
        first: i64,
        second: i64,
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// Gaps between entry into use and the last contract's end, and every pairwise overlap.
pub fn audit(entry: NaiveDate, contracts: &[ContractTerm]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut sorted: Vec<&ContractTerm> = contracts.iter().collect();
    sorted.sort_by_key(|c| (c.start, c.end, c.id));
    let mut cursor = Some(entry);
    for c in &sorted {
        if let Some(cur) = cursor {
            if c.start > cur {
                if let Some(to) = day_before(c.start) {
                    findings.push(Finding::Gap { from: cur, to });
                }
            }
            if c.end >= cur {
                cursor = c.end.succ_opt();
            }
        }
    }
    for (i, a) in sorted.iter().enumerate() {
        for b in sorted.iter().skip(i + 1) {
            let from = a.start.max(b.start);
            let to = a.end.min(b.end);
            if from <= to {
                findings.push(Finding::Overlap {
                    first: a.id,
                    second: b.id,
                    from,
                    to,
                });
            }
        }
    }
    findings
}

/// The last day of unbroken coverage starting at `date`, or `None` if `date` is uncovered.
pub fn covered_until(contracts: &[ContractTerm], date: NaiveDate) -> Option<NaiveDate> {
    let mut last: Option<NaiveDate> = None;
    let mut cursor = date;
    loop {
        let reach = contracts
            .iter()
            .filter(|c| c.covers_date(cursor))
            .map(|c| c.end)
            .max();
        match reach {
            Some(end) => {
                last = Some(end);
                match end.succ_opt() {
                    Some(next) => cursor = next,
                    None => return last,
                }
            }
            None => return last,
        }
    }
}

/// The standard "2+5" periods for a lift that entered use on `entry`: the installer's
/// warranty (years 1–2) and the insurer's cover (years 3–7), both inclusive.
pub fn standard_two_plus_five(entry: NaiveDate) -> Option<[(NaiveDate, NaiveDate); 2]> {
    let second = add_years(entry, 2)?;
    let seventh = add_years(entry, 7)?;
    Some([(entry, day_before(second)?), (second, day_before(seventh)?)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;
    use chrono::Days;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    fn two_plus_five(entry: NaiveDate) -> Vec<ContractTerm> {
        let [(a0, a1), (b0, b1)] = standard_two_plus_five(entry).unwrap();
        vec![
            ContractTerm {
                id: 1,
                kind: ContractKind::InstallerWarranty,
                party: "Lift Co".into(),
                start: a0,
                end: a1,
                covers: vec!["repairs".into(), "maintenance".into()],
            },
            ContractTerm {
                id: 2,
                kind: ContractKind::Insurer,
                party: "Insurer".into(),
                start: b0,
                end: b1,
                covers: vec![
                    "passenger-risk".into(),
                    "spare-parts".into(),
                    "cleaning-and-maintenance".into(),
                    "monthly-inspection".into(),
                ],
            },
        ]
    }

    fn day(entry: NaiveDate, n: u64) -> NaiveDate {
        entry.checked_add_days(Days::new(n - 1)).unwrap()
    }

    #[test]
    fn day_730_installer_day_731_insurer_without_leap_day() {
        // 2021-03-01 .. 2023-02-28 holds no 29 February: exactly 730 days.
        let entry = d("2021-03-01");
        let cs = two_plus_five(entry);
        let r730 = resolve(entry, &cs, day(entry, 730));
        assert_eq!(r730.day_of_use, Some(730));
        assert_eq!(r730.date, d("2023-02-28"));
        assert_eq!(r730.state, CoverageState::Installer);
        assert_eq!(r730.year_of_use, Some(2));
        let r731 = resolve(entry, &cs, day(entry, 731));
        assert_eq!(r731.state, CoverageState::Insurer);
        assert_eq!(r731.year_of_use, Some(3));
        assert_eq!(r731.responsible.unwrap().party, "Insurer");
        assert!(r731.covers.contains(&"monthly-inspection".to_string()));
    }

    #[test]
    fn leap_day_inside_first_two_years_shifts_boundary_to_731_732() {
        // 2023-06-01 .. 2025-05-31 holds 2024-02-29: the warranty lasts 731 days.
        let entry = d("2023-06-01");
        let cs = two_plus_five(entry);
        assert_eq!(
            resolve(entry, &cs, day(entry, 730)).state,
            CoverageState::Installer
        );
        assert_eq!(
            resolve(entry, &cs, day(entry, 731)).state,
            CoverageState::Installer
        );
        assert_eq!(
            resolve(entry, &cs, day(entry, 732)).state,
            CoverageState::Insurer
        );
    }

    #[test]
    fn day_one_and_day_before_entry() {
        let entry = d("2021-03-01");
        let cs = two_plus_five(entry);
        assert_eq!(resolve(entry, &cs, entry).state, CoverageState::Installer);
        assert_eq!(resolve(entry, &cs, entry).day_of_use, Some(1));
        let before = resolve(entry, &cs, d("2021-02-28"));
        assert_eq!(before.state, CoverageState::NotInUse);
        assert!(before.responsible.is_none());
    }

    #[test]
    fn end_of_year_seven_then_renewal_due() {
        let entry = d("2021-03-01");
        let cs = two_plus_five(entry);
        let last = resolve(entry, &cs, d("2028-02-29"));
        assert_eq!(last.state, CoverageState::Insurer);
        assert_eq!(last.year_of_use, Some(7));
        let after = resolve(entry, &cs, d("2028-03-01"));
        assert_eq!(after.state, CoverageState::RenewalDue);
        assert_eq!(after.year_of_use, Some(8));
        assert!(after.responsible.is_none());
        assert!(after.covers.is_empty());
    }

    #[test]
    fn standard_contracts_have_no_findings() {
        let entry = d("2021-03-01");
        assert!(audit(entry, &two_plus_five(entry)).is_empty());
        assert_eq!(
            covered_until(&two_plus_five(entry), entry),
            Some(d("2028-02-29"))
        );
    }

    #[test]
    fn overlap_is_reported_and_newer_contract_answers() {
        let entry = d("2021-03-01");
        let mut cs = two_plus_five(entry);
        cs[0].end = d("2023-03-10"); // warranty extended ten days into the insurer's time
        let findings = audit(entry, &cs);
        assert_eq!(
            findings,
            vec![Finding::Overlap {
                first: 1,
                second: 2,
                from: d("2023-03-01"),
                to: d("2023-03-10")
            }]
        );
        let r = resolve(entry, &cs, d("2023-03-05"));
        assert_eq!(r.state, CoverageState::Insurer);
        assert_eq!(r.also_in_force.len(), 1);
        assert_eq!(r.also_in_force[0].id, 1);
        // Last overlapping day and the first day after it.
        assert_eq!(resolve(entry, &cs, d("2023-03-10")).also_in_force.len(), 1);
        assert!(resolve(entry, &cs, d("2023-03-11"))
            .also_in_force
            .is_empty());
    }

    #[test]
    fn same_start_overlap_prefers_insurer() {
        let entry = d("2021-03-01");
        let mut cs = two_plus_five(entry);
        cs[0].start = cs[1].start;
        cs[0].end = cs[1].end;
        assert_eq!(
            resolve(entry, &cs, cs[1].start).state,
            CoverageState::Insurer
        );
    }

    #[test]
    fn gap_between_contracts_is_reported() {
        let entry = d("2021-03-01");
        let mut cs = two_plus_five(entry);
        cs[1].start = d("2023-03-05");
        assert_eq!(
            audit(entry, &cs),
            vec![Finding::Gap {
                from: d("2023-03-01"),
                to: d("2023-03-04")
            }]
        );
        assert_eq!(
            resolve(entry, &cs, d("2023-03-01")).state,
            CoverageState::Gap
        );
        assert_eq!(
            resolve(entry, &cs, d("2023-03-04")).state,
            CoverageState::Gap
        );
        assert_eq!(
            resolve(entry, &cs, d("2023-03-05")).state,
            CoverageState::Insurer
        );
        assert_eq!(covered_until(&cs, entry), Some(d("2023-02-28")));
    }

    #[test]
    fn no_contracts_means_gap_from_entry() {
        let entry = d("2021-03-01");
        assert!(audit(entry, &[]).is_empty());
        assert_eq!(resolve(entry, &[], entry).state, CoverageState::RenewalDue);
        let late = vec![ContractTerm {
            id: 9,
            kind: ContractKind::Insurer,
            party: "I".into(),
            start: d("2021-04-01"),
            end: d("2022-03-31"),
            covers: vec![],
        }];
        assert_eq!(
            audit(entry, &late),
            vec![Finding::Gap {
                from: entry,
                to: d("2021-03-31")
            }]
        );
    }
}
