//! Maintenance and inspection schedules. TSG T5002 maintenance runs in four cycles — every
//! 15 days, quarterly, half-yearly and yearly — each counted from its last completion
//! (the lift's entry into use when never done). The insurer adds a full inspection every
//! month while it is responsible, counted from its last one or the insurer's start; the
//! statutory periodic inspection is due a year after the last one.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::time::add_months;
use crate::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    HalfMonthly,
    Quarterly,
    HalfYearly,
    Yearly,
    InsurerMonthlyInspection,
    StatutoryInspection,
}

impl TaskKind {
    pub const ALL: [TaskKind; 6] = [
        TaskKind::HalfMonthly,
        TaskKind::Quarterly,
        TaskKind::HalfYearly,
        TaskKind::Yearly,
        TaskKind::InsurerMonthlyInspection,
        TaskKind::StatutoryInspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::HalfMonthly => "half-monthly",
            TaskKind::Quarterly => "quarterly",
            TaskKind::HalfYearly => "half-yearly",
            TaskKind::Yearly => "yearly",
            TaskKind::InsurerMonthlyInspection => "insurer-monthly-inspection",
            TaskKind::StatutoryInspection => "statutory-inspection",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        TaskKind::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "kind",
                    format!(
                        "`{input}` is not a task kind; use one of {}",
                        TaskKind::ALL.map(|k| k.as_str()).join(", ")
                    ),
                )
            })
    }

    /// The next due date after a completion (or after the cycle's starting point).
    pub fn next_due(self, from: NaiveDate) -> Option<NaiveDate> {
        match self {
            TaskKind::HalfMonthly => from.checked_add_days(Days::new(15)),
            TaskKind::Quarterly => add_months(from, 3),
            TaskKind::HalfYearly => add_months(from, 6),
            TaskKind::Yearly | TaskKind::StatutoryInspection => add_months(from, 12),
            TaskKind::InsurerMonthlyInspection => add_months(from, 1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueItem {
    pub kind: TaskKind,
    pub last_done: Option<NaiveDate>,
    pub due: NaiveDate,
    /// Days past due on the evaluation date; 0 when due today or later.
    pub overdue_days: i64,
}

impl DueItem {
    pub fn is_overdue(&self) -> bool {
        self.overdue_days > 0
    }
}

/// Every task's next due date for one lift on `today`.
///
/// `insurer_since` is the start of the insurer contract in force today, if any; without
/// one, the monthly inspection is not owed and is left out.
pub fn due_items(
    entry: NaiveDate,
    last_done: &BTreeMap<TaskKind, NaiveDate>,
    insurer_since: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<DueItem> {
    let mut out = Vec::new();
    if today < entry {
        return out;
    }
    for kind in TaskKind::ALL {
        let last = last_done.get(&kind).copied();
        let origin = match kind {
            TaskKind::InsurerMonthlyInspection => match insurer_since {
                // A check done before the insurer took over does not count for it.
                Some(since) => last.filter(|l| *l >= since).unwrap_or(since),
                None => continue,
            },
            _ => last.unwrap_or(entry),
        };
        let Some(due) = kind.next_due(origin) else {
            continue;
        };
        let overdue_days = (today - due).num_days().max(0);
        out.push(DueItem {
            kind,
            last_done: last,
            due,
            overdue_days,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn cycles_count_from_last_completion() {
        let entry = d("2024-01-01");
        let mut last = BTreeMap::new();
        last.insert(TaskKind::HalfMonthly, d("2024-03-01"));
        let items = due_items(entry, &last, None, d("2024-03-17"));
        let hm = items
            .iter()
            .find(|i| i.kind == TaskKind::HalfMonthly)
            .unwrap();
        assert_eq!(hm.due, d("2024-03-16"));
        assert_eq!(hm.overdue_days, 1);
        let q = items
            .iter()
            .find(|i| i.kind == TaskKind::Quarterly)
            .unwrap();
        assert_eq!(q.due, d("2024-04-01"));
        assert!(!q.is_overdue());
        assert!(items
            .iter()
            .all(|i| i.kind != TaskKind::InsurerMonthlyInspection));
    }

    #[test]
    fn insurer_monthly_inspection_only_while_insurer() {
        let entry = d("2021-03-01");
        let since = d("2023-03-01");
        let mut last = BTreeMap::new();
        last.insert(TaskKind::InsurerMonthlyInspection, d("2023-01-15"));
        let items = due_items(entry, &last, Some(since), d("2023-04-02"));
        let m = items
            .iter()
            .find(|i| i.kind == TaskKind::InsurerMonthlyInspection)
            .unwrap();
        assert_eq!(m.due, d("2023-04-01"));
        assert_eq!(m.overdue_days, 1);
        let s = items
            .iter()
            .find(|i| i.kind == TaskKind::StatutoryInspection)
            .unwrap();
        assert_eq!(s.due, d("2022-03-01"));
        assert!(s.is_overdue());
    }

    #[test]
    fn parse_round_trip() {
        for k in TaskKind::ALL {
            assert_eq!(TaskKind::parse(k.as_str()), Ok(k));
        }
        assert!(TaskKind::parse("weekly").is_err());
    }
}
