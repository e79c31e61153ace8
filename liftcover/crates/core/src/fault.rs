//! Fault response clocks. A trapped passenger in a city district must be reached within
//! 30 minutes (TSG T5002); outside city districts liftcover allows 60 minutes, and any
//! other fault 24 hours — both are liftcover's defaults where the contract is silent.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub const TRAPPED_URBAN_MINUTES: i64 = 30;
pub const TRAPPED_RURAL_MINUTES: i64 = 60;
pub const OTHER_FAULT_MINUTES: i64 = 24 * 60;

/// Minutes allowed before someone must be on site.
pub fn response_limit_minutes(trapped: bool, urban: bool) -> i64 {
    match (trapped, urban) {
        (true, true) => TRAPPED_URBAN_MINUTES,
        (true, false) => TRAPPED_RURAL_MINUTES,
        (false, _) => OTHER_FAULT_MINUTES,
    }
}

/// When someone must be on site; `None` only at the very end of the calendar's range.
pub fn response_deadline(
    reported_at: NaiveDateTime,
    trapped: bool,
    urban: bool,
) -> Option<NaiveDateTime> {
    reported_at.checked_add_signed(Duration::minutes(response_limit_minutes(trapped, urban)))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseOutcome {
    pub minutes: i64,
    pub limit_minutes: i64,
    pub met: bool,
}

/// How long the response took and whether it met the limit.
pub fn response_outcome(
    reported_at: NaiveDateTime,
    arrived_at: NaiveDateTime,
    trapped: bool,
    urban: bool,
) -> ResponseOutcome {
    let minutes = (arrived_at - reported_at).num_minutes();
    let limit_minutes = response_limit_minutes(trapped, urban);
    ResponseOutcome {
        minutes,
        limit_minutes,
        met: minutes <= limit_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_datetime;

    #[test]
    fn trapped_in_city_is_thirty_minutes() {
        let at = parse_datetime("at", "2024-05-01T08:00").unwrap();
        assert_eq!(
            response_deadline(at, true, true),
            Some(parse_datetime("at", "2024-05-01T08:30").unwrap())
        );
        let on_time = response_outcome(
            at,
            parse_datetime("at", "2024-05-01T08:30").unwrap(),
            true,
            true,
        );
        assert!(on_time.met);
        let late = response_outcome(
            at,
            parse_datetime("at", "2024-05-01T08:31").unwrap(),
            true,
            true,
        );
        assert!(!late.met);
        assert_eq!(late.minutes, 31);
        assert_eq!(response_limit_minutes(false, true), 1440);
        assert_eq!(response_limit_minutes(true, false), 60);
    }
}
