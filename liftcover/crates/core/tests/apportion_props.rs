//! Property tests of the apportionment engine: exact totals, no negative shares, exempt
//! floors free, and monotone schemes never charging a lower floor more for equal area.

use std::collections::{BTreeMap, BTreeSet};

use liftcover_core::apportion::{apportion, HouseholdInput, Method, Scheme, RATIO_WHOLE};
use liftcover_core::presets;
use proptest::prelude::*;

fn building() -> impl Strategy<Value = (i32, Vec<HouseholdInput>)> {
    (1i32..=12).prop_flat_map(|floors| {
        let hh = prop::collection::vec((1..=floors, 1i64..=20_000), 1..30);
        (Just(floors), hh).prop_map(|(floors, raw)| {
            let hs = raw
                .into_iter()
                .enumerate()
                .map(|(i, (floor, area))| HouseholdInput {
                    id: i as i64 + 1,
                    floor,
                    area_centi_m2: area,
                })
                .collect();
            (floors, hs)
        })
    })
}

/// Non-decreasing coefficients by floor, starting anywhere from 0.
fn monotone_coefficients(floors: i32) -> impl Strategy<Value = BTreeMap<i32, i64>> {
    prop::collection::vec(0i64..=2_000, floors as usize).prop_map(|steps| {
        let mut acc = 0;
        steps
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                acc += s;
                (i as i32 + 1, acc)
            })
            .collect()
    })
}

fn scheme_strategy(floors: i32, n: usize) -> impl Strategy<Value = Scheme> {
    let exempt = prop::collection::btree_set(1..=floors, 0..=(floors as usize / 2));
    let method = prop_oneof![
        monotone_coefficients(floors)
            .prop_map(|coefficients| Method::FloorCoefficients { coefficients }),
        monotone_coefficients(floors)
            .prop_map(|coefficients| Method::CoefficientTimesArea { coefficients }),
        prop::collection::vec(0i64..=1_000, n).prop_map(|v| Method::CustomRatio {
            ratios: v
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i as i64 + 1, r))
                .collect()
        }),
    ];
    (method, exempt).prop_map(|(method, exempt_floors)| Scheme {
        method,
        exempt_floors,
        preset: None,
    })
}

/// Makes a random custom ratio valid: zero on exempt floors, scaled to exactly 100 %.
fn normalise(scheme: &mut Scheme, hs: &[HouseholdInput]) {
    let exempt = scheme.exempt_floors.clone();
    if let Method::CustomRatio { ratios } = &mut scheme.method {
        for h in hs {
            if exempt.contains(&h.floor) {
                ratios.insert(h.id, 0);
            }
        }
        let payers: Vec<i64> = hs
            .iter()
            .filter(|h| !exempt.contains(&h.floor))
            .map(|h| h.id)
            .collect();
        let raw_sum: i64 = payers.iter().map(|id| ratios[id]).sum();
        let mut assigned = 0;
        for (i, id) in payers.iter().enumerate() {
            let r = if i + 1 == payers.len() {
                RATIO_WHOLE - assigned
            } else if raw_sum == 0 {
                0
            } else {
                ratios[id] * RATIO_WHOLE / raw_sum
            };
            assigned += r;
            ratios.insert(*id, r);
        }
    }
}

proptest! {
    #[test]
    fn shares_sum_exactly_and_are_never_negative(
        (total, (floors, hs, mut scheme)) in (0i64..=10_000_000, building().prop_flat_map(|(floors, hs)| {
            let n = hs.len();
            (Just(floors), Just(hs), scheme_strategy(floors, n))
        }))
    ) {
        prop_assume!(floors >= 1);
        normalise(&mut scheme, &hs);
        match apportion(total, &hs, &scheme) {
            Ok(shares) => {
                prop_assert_eq!(shares.iter().map(|s| s.amount).sum::<i64>(), total);
                prop_assert!(shares.iter().all(|s| s.amount >= 0));
                for s in &shares {
                    if scheme.exempt_floors.contains(&s.floor) {
                        prop_assert_eq!(s.amount, 0);
                    }
                }
            }
            Err(e) => {
                // The only acceptable refusal: nobody left to pay.
                let ws_zero = liftcover_core::apportion::weights(&hs, &scheme)
                    .map(|w| w.iter().all(|x| *x == 0))
                    .unwrap_or(false);
                let no_payers = hs.iter().all(|h| scheme.exempt_floors.contains(&h.floor));
                prop_assert!((total > 0 && ws_zero) || no_payers, "unexpected error {e}");
            }
        }
    }

    #[test]
    fn monotone_scheme_never_charges_lower_floor_more_for_equal_area(
        (total, (floors, hs, coefficients, by_area, exempt)) in (0i64..=10_000_000, building().prop_flat_map(|(floors, hs)| {
            (Just(floors), Just(hs), monotone_coefficients(floors), any::<bool>(), prop::collection::btree_set(1..=floors, 0..=2))
        }))
    ) {
        prop_assume!(floors >= 1);
        let method = if by_area {
            Method::CoefficientTimesArea { coefficients }
        } else {
            Method::FloorCoefficients { coefficients }
        };
        // Exempt floors only at the bottom keep the scheme monotone.
        let lowest: BTreeSet<i32> = exempt.iter().map(|_| 1).collect();
        let scheme = Scheme { method, exempt_floors: lowest, preset: None };
        if let Ok(shares) = apportion(total, &hs, &scheme) {
            for a in &shares {
                for b in &shares {
                    let area_a = hs.iter().find(|h| h.id == a.household_id).map(|h| h.area_centi_m2);
                    let area_b = hs.iter().find(|h| h.id == b.household_id).map(|h| h.area_centi_m2);
                    if a.floor < b.floor && area_a == area_b {
                        prop_assert!(a.amount <= b.amount, "floor {} pays {} > floor {} pays {}", a.floor, a.amount, b.floor, b.amount);
                    }
                }
            }
        }
    }

    #[test]
    fn presets_are_monotone_and_split_exactly(total in 0i64..=10_000_000, floors in 2i32..=6, per_floor in 1usize..=4) {
        for p in presets::all() {
            let coefficients = presets::coefficients(p.id, floors).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let hs: Vec<HouseholdInput> = (1..=floors)
                .flat_map(|f| (0..per_floor).map(move |k| (f, k)))
                .enumerate()
                .map(|(i, (floor, _))| HouseholdInput { id: i as i64 + 1, floor, area_centi_m2: 8_000 })
                .collect();
            let scheme = Scheme { method: Method::FloorCoefficients { coefficients }, exempt_floors: BTreeSet::new(), preset: Some(p.id.to_string()) };
            let shares = apportion(total, &hs, &scheme).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(shares.iter().map(|s| s.amount).sum::<i64>(), total);
            for a in &shares {
                for b in &shares {
                    if a.floor < b.floor {
                        prop_assert!(a.amount <= b.amount);
                    }
                }
            }
        }
    }
}

/// The seed's building: ¥4,950 over six storeys, two households a floor, Guangzhou preset.
#[test]
fn seed_case_guangzhou_six_storeys_twelve_households() {
    let hs: Vec<HouseholdInput> = (1..=12)
        .map(|i| HouseholdInput {
            id: i,
            floor: ((i + 1) / 2) as i32,
            area_centi_m2: 8_000,
        })
        .collect();
    let scheme = Scheme {
        method: Method::FloorCoefficients {
            coefficients: presets::coefficients("guangzhou", 6).expect("preset"),
        },
        exempt_floors: BTreeSet::new(),
        preset: Some("guangzhou".into()),
    };
    let shares = apportion(495_000, &hs, &scheme).expect("apportion");
    let amounts: Vec<i64> = shares.iter().map(|s| s.amount).collect();
    // Weights 0, 0.5, 1.0, 1.1, 1.2, 1.3 per household; 10.2 in all.
    assert_eq!(
        amounts,
        vec![0, 0, 24_265, 24_265, 48_530, 48_530, 53_382, 53_382, 58_235, 58_235, 63_088, 63_088]
    );
    assert_eq!(amounts.iter().sum::<i64>(), 495_000);
}
