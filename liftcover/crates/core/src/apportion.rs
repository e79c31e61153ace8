//! Splitting a building's fee among its households, exact to the fen.
//!
//! Every scheme turns households into non-negative integer weights; the fee is then split
//! by largest remainder, so shares always add up to the fee exactly. Ties in the remainder
//! go to the heavier weight, then to the higher floor, then to the lower household id, so
//! a scheme whose coefficients never fall with height never charges a lower floor more
//! than a higher floor for the same area. Coefficients are thousandths (1.0 = 1000),
//! areas hundredths of a square metre, custom ratios hundredths of a percent (100 % =
//! 10000).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Fen, ValidationError};

/// 100 % in a custom ratio, in hundredths of a percent.
pub const RATIO_WHOLE: i64 = 10_000;

/// What apportionment needs to know about a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdInput {
    pub id: i64,
    pub floor: i32,
    /// Floor area in hundredths of a square metre.
    pub area_centi_m2: i64,
}

/// How weights are derived; see the module documentation for the units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Externally tagged: the internally tagged and flattened forms buffer the input and
// then cannot read the integer map keys (floor numbers, household ids).
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Each household weighs its floor's coefficient.
    FloorCoefficients { coefficients: BTreeMap<i32, i64> },
    /// Each household weighs its floor's coefficient times its area.
    CoefficientTimesArea { coefficients: BTreeMap<i32, i64> },
    /// An agreed percentage per household id; must total exactly 100 %.
    CustomRatio { ratios: BTreeMap<i64, i64> },
}

/// A complete scheme: a method plus floors that pay nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub method: Method,
    #[serde(default)]
    pub exempt_floors: BTreeSet<i32>,
    /// The preset the coefficients came from, if any, kept for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
}

/// One household's part of the fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub household_id: i64,
    pub floor: i32,
    pub weight: i64,
    pub amount: Fen,
}

/// Checks a scheme against a building's households without splitting any money: every
/// floor has a coefficient, every coefficient is non-negative, ratios total 100 %.
pub fn weights(
    households: &[HouseholdInput],
    scheme: &Scheme,
) -> Result<Vec<i64>, ValidationError> {
    if households.is_empty() {
        return Err(ValidationError::new(
            "households",
            "the building has no households to share the fee",
        ));
    }
    let mut seen = BTreeSet::new();
    for h in households {
        if !seen.insert(h.id) {
            return Err(ValidationError::new(
                "households",
                format!("household {} is listed twice", h.id),
            ));
        }
        if h.area_centi_m2 < 0 {
            return Err(ValidationError::new(
                "area",
                format!("household {} has a negative area", h.id),
            ));
        }
    }
    let exempt = |h: &HouseholdInput| scheme.exempt_floors.contains(&h.floor);
    let coefficient = |coefficients: &BTreeMap<i32, i64>, h: &HouseholdInput| {
        let c = coefficients.get(&h.floor).copied().ok_or_else(|| {
            ValidationError::new(
                "coefficients",
                format!("no coefficient for floor {} (household {})", h.floor, h.id),
            )
        })?;
        if c < 0 {
            return Err(ValidationError::new(
                "coefficients",
                format!("coefficient for floor {} is negative", h.floor),
            ));
        }
        Ok(c)
    };
    let ws: Vec<i64> = match &scheme.method {
        Method::FloorCoefficients { coefficients } => households
            .iter()
            .map(|h| {
                if exempt(h) {
                    Ok(0)
                } else {
                    coefficient(coefficients, h)
                }
            })
            .collect::<Result<_, _>>()?,
        Method::CoefficientTimesArea { coefficients } => households
            .iter()
            .map(|h| {
                if exempt(h) {
                    return Ok(0);
                }
                coefficient(coefficients, h)?
                    .checked_mul(h.area_centi_m2)
                    .ok_or_else(|| ValidationError::new("area", "coefficient × area overflows"))
            })
            .collect::<Result<_, _>>()?,
        Method::CustomRatio { ratios } => {
            let ids: BTreeSet<i64> = households.iter().map(|h| h.id).collect();
            if let Some(unknown) = ratios.keys().find(|id| !ids.contains(id)) {
                return Err(ValidationError::new(
                    "ratios",
                    format!("household {unknown} is not in this building"),
                ));
            }
            let mut sum: i64 = 0;
            let mut ws = Vec::with_capacity(households.len());
            for h in households {
                let r = ratios.get(&h.id).copied();
                let r = match (r, exempt(h)) {
                    (None, true) | (Some(0), true) => 0,
                    (Some(_), true) => {
                        return Err(ValidationError::new(
                            "ratios",
                            format!(
                                "household {} is on exempt floor {} but has a non-zero ratio",
                                h.id, h.floor
                            ),
                        ))
                    }
                    (None, false) => {
                        return Err(ValidationError::new(
                            "ratios",
                            format!("household {} (floor {}) has no ratio", h.id, h.floor),
                        ))
                    }
                    (Some(r), false) if r < 0 => {
                        return Err(ValidationError::new(
                            "ratios",
                            format!("household {} has a negative ratio", h.id),
                        ))
                    }
                    (Some(r), false) => r,
                };
                sum = sum.saturating_add(r);
                ws.push(r);
            }
            if sum != RATIO_WHOLE {
                return Err(ValidationError::new(
                    "ratios",
                    format!(
                        "ratios add up to {} %, they must add up to exactly 100 %",
                        crate::money::format_fixed(sum, 2)
                    ),
                ));
            }
            ws
        }
    };
    Ok(ws)
}

/// Splits `total` fen among `households` by `scheme`. Shares come back in the order of
/// `households` and always sum to `total`.
pub fn apportion(
    total: Fen,
    households: &[HouseholdInput],
    scheme: &Scheme,
) -> Result<Vec<Share>, ValidationError> {
    if total < 0 {
        return Err(ValidationError::new("total", "the fee cannot be negative"));
    }
    let ws = weights(households, scheme)?;
    let amounts = split_largest_remainder(total, households, &ws)?;
    Ok(households
        .iter()
        .zip(ws)
        .zip(amounts)
        .map(|((h, weight), amount)| Share {
            household_id: h.id,
            floor: h.floor,
            weight,
            amount,
        })
        .collect())
}

fn split_largest_remainder(
    total: Fen,
    households: &[HouseholdInput],
    ws: &[i64],
) -> Result<Vec<Fen>, ValidationError> {
    let sum: i128 = ws.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        if total == 0 {
            return Ok(vec![0; ws.len()]);
        }
        return Err(ValidationError::new(
            "scheme",
            "every household is exempt or weighs zero, so nobody would pay the fee",
        ));
    }
    let t = i128::from(total);
    let mut amounts = Vec::with_capacity(ws.len());
    let mut remainders = Vec::with_capacity(ws.len());
    for (i, w) in ws.iter().enumerate() {
        let product = t * i128::from(*w);
        // Bounded by total because each weight is at most the sum.
        amounts.push((product / sum) as i64);
        remainders.push((product % sum, i));
    }
    let handed_out: i64 = amounts.iter().sum();
    let left = (total - handed_out) as usize;
    remainders.sort_by(|(ra, ia), (rb, ib)| {
        rb.cmp(ra)
            .then(ws[*ib].cmp(&ws[*ia]))
            .then(households[*ib].floor.cmp(&households[*ia].floor))
            .then(households[*ia].id.cmp(&households[*ib].id))
    });
    for (_, i) in remainders.into_iter().take(left) {
        amounts[i] += 1;
    }
    Ok(amounts)
}

/// Whether enough households agreed to a scheme version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentReport {
    pub households_total: i64,
    pub households_signed: i64,
    pub area_total_centi_m2: i64,
    pub area_signed_centi_m2: i64,
    pub households_ok: bool,
    pub area_ok: bool,
    /// Both thresholds met: at least ¾ of the households and ¾ of the floor area.
    pub passed: bool,
}

impl ConsentReport {
    /// The report for given totals: passed when at least ¾ of the households and ¾ of
    /// the area signed.
    pub fn from_counts(
        households_total: i64,
        households_signed: i64,
        area_total_centi_m2: i64,
        area_signed_centi_m2: i64,
    ) -> Self {
        let households_ok = households_total > 0 && households_signed * 4 >= households_total * 3;
        let area_ok =
            area_total_centi_m2 > 0 && area_signed_centi_m2 * 4 >= area_total_centi_m2 * 3;
        ConsentReport {
            households_total,
            households_signed,
            area_total_centi_m2,
            area_signed_centi_m2,
            households_ok,
            area_ok,
            passed: households_ok && area_ok,
        }
    }
}

/// The ¾-of-households and ¾-of-area consent check. Signatures from ids that are not
/// households of the building are ignored by design: callers reject them before storing.
pub fn consent(households: &[HouseholdInput], signed: &BTreeSet<i64>) -> ConsentReport {
    let households_total = households.len() as i64;
    let households_signed = households.iter().filter(|h| signed.contains(&h.id)).count() as i64;
    let area_total: i64 = households.iter().map(|h| h.area_centi_m2).sum();
    let area_signed: i64 = households
        .iter()
        .filter(|h| signed.contains(&h.id))
        .map(|h| h.area_centi_m2)
        .sum();
    ConsentReport::from_counts(households_total, households_signed, area_total, area_signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hh(id: i64, floor: i32, area: i64) -> HouseholdInput {
        HouseholdInput {
            id,
            floor,
            area_centi_m2: area,
        }
    }

    fn coeffs(pairs: &[(i32, i64)]) -> BTreeMap<i32, i64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn equal_weights_split_remainder_to_higher_floor() {
        let hs = vec![hh(1, 1, 100), hh(2, 2, 100), hh(3, 3, 100)];
        let scheme = Scheme {
            method: Method::FloorCoefficients {
                coefficients: coeffs(&[(1, 1000), (2, 1000), (3, 1000)]),
            },
            exempt_floors: BTreeSet::new(),
            preset: None,
        };
        let shares = apportion(100, &hs, &scheme).unwrap();
        let amounts: Vec<i64> = shares.iter().map(|s| s.amount).collect();
        assert_eq!(amounts, vec![33, 33, 34]);
    }

    #[test]
    fn custom_ratio_must_total_100() {
        let hs = vec![hh(1, 1, 100), hh(2, 2, 100)];
        let scheme = Scheme {
            method: Method::CustomRatio {
                ratios: [(1, 4000), (2, 5950)].into_iter().collect(),
            },
            exempt_floors: BTreeSet::new(),
            preset: None,
        };
        let e = apportion(495_000, &hs, &scheme).unwrap_err();
        assert_eq!(e.field, "ratios");
        assert!(e.reason.contains("99.50 %"), "{}", e.reason);
    }

    #[test]
    fn missing_coefficient_is_named() {
        let hs = vec![hh(1, 7, 100)];
        let scheme = Scheme {
            method: Method::FloorCoefficients {
                coefficients: coeffs(&[(1, 1000)]),
            },
            exempt_floors: BTreeSet::new(),
            preset: None,
        };
        let e = apportion(100, &hs, &scheme).unwrap_err();
        assert!(e.reason.contains("floor 7"));
    }

    #[test]
    fn all_exempt_is_rejected() {
        let hs = vec![hh(1, 1, 100)];
        let scheme = Scheme {
            method: Method::FloorCoefficients {
                coefficients: coeffs(&[(1, 1000)]),
            },
            exempt_floors: [1].into_iter().collect(),
            preset: None,
        };
        assert!(apportion(100, &hs, &scheme).is_err());
        assert_eq!(apportion(0, &hs, &scheme).unwrap()[0].amount, 0);
    }

    #[test]
    fn consent_thresholds() {
        let hs: Vec<_> = (1..=12)
            .map(|i| hh(i, ((i + 1) / 2) as i32, 8000))
            .collect();
        let nine: BTreeSet<i64> = (1..=9).collect();
        let eight: BTreeSet<i64> = (1..=8).collect();
        assert!(consent(&hs, &nine).passed);
        assert!(!consent(&hs, &eight).passed);
        // Nine households but only small flats: area fails.
        let mut hs2 = hs.clone();
        for h in hs2.iter_mut().skip(9) {
            h.area_centi_m2 = 100_000;
        }
        let r = consent(&hs2, &nine);
        assert!(r.households_ok && !r.area_ok && !r.passed);
    }
}
