//! Published per-floor coefficient schemes shipped as starting points. Each preset names
//! its source and is a reference for residents' negotiation, not law: the scheme that
//! binds a building is the one its households signed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ValidationError;

/// A preset's description, shown to people choosing a scheme.
#[derive(Debug, Clone, Serialize)]
pub struct PresetInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub source: &'static str,
    pub note: &'static str,
}

pub const DISCLAIMER: &str =
    "reference only, not law: the binding scheme is the one the households sign";

pub fn all() -> Vec<PresetInfo> {
    vec![
        PresetInfo {
            id: "guangzhou",
            name: "Guangzhou reference coefficients",
            source: "Guangzhou guidance on adding lifts to existing housing: 1F 0, 2F 0.5, 3F 1.0, then +0.1 per floor",
            note: DISCLAIMER,
        },
        PresetInfo {
            id: "nanjing-gulou",
            name: "Nanjing Gulou reference coefficients",
            source: "Nanjing Gulou district reference: 3F 1.0, then +0.3 per floor; 1F 0 and 2F 0.7 (the step continued one floor down) are liftcover's assumption where the reference is silent",
            note: DISCLAIMER,
        },
        PresetInfo {
            id: "beijing",
            name: "Beijing reference percentage ranges, midpoints rescaled to 100 %",
            source: "Beijing reference percentage ranges for a six-storey walk-up (2F 6-9 %, 3F 14-17 %, 4F 19-22 %, 5F 24-27 %, 6F 28-31 %, 1F 0 %); liftcover takes each range's midpoint and rescales so the floors total 100 %; check the figures against the current published guidance before relying on them",
            note: DISCLAIMER,
        },
    ]
}

/// Beijing ranges in tenths of a percent (low, high) for floors 1..=6.
const BEIJING_RANGES: [(i64, i64); 6] = [
    (0, 0),
    (60, 90),
    (140, 170),
    (190, 220),
    (240, 270),
    (280, 310),
];

/// Per-floor coefficients in thousandths for a building with `floors` storeys.
pub fn coefficients(id: &str, floors: i32) -> Result<BTreeMap<i32, i64>, ValidationError> {
    if floors < 1 {
        return Err(ValidationError::new(
            "floors",
            "a building has at least one floor",
        ));
    }
    let mut out = BTreeMap::new();
    match id {
        "guangzhou" => {
            for f in 1..=floors {
                let c = match f {
                    1 => 0,
                    2 => 500,
                    _ => 1000 + 100 * i64::from(f - 3),
                };
                out.insert(f, c);
            }
        }
        "nanjing-gulou" => {
            for f in 1..=floors {
                let c = match f {
                    1 => 0,
                    2 => 700,
                    _ => 1000 + 300 * i64::from(f - 3),
                };
                out.insert(f, c);
            }
        }
        "beijing" => {
            if floors > 6 {
                return Err(ValidationError::new(
                    "preset",
                    "the Beijing reference ranges cover buildings of up to 6 storeys",
                ));
            }
            let used = &BEIJING_RANGES[..floors as usize];
            // Midpoint in twentieths of a percent keeps everything integral.
            let mids: Vec<i64> = used.iter().map(|(lo, hi)| lo + hi).collect();
            let total: i64 = mids.iter().sum();
            for (i, m) in mids.iter().enumerate() {
                // The coefficient equals the floor's percentage (thousandths, so 100 % = 100000);
                // only the ratios between floors matter.
                let c = if total == 0 { 0 } else { m * 100_000 / total };
                out.insert(i as i32 + 1, c);
            }
        }
        other => {
            return Err(ValidationError::new(
                "preset",
                format!(
                    "unknown preset `{other}`; known presets: {}",
                    all().iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
                ),
            ))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guangzhou_matches_reference() {
        let c = coefficients("guangzhou", 7).unwrap();
        assert_eq!(
            c.values().copied().collect::<Vec<_>>(),
            vec![0, 500, 1000, 1100, 1200, 1300, 1400]
        );
    }

    #[test]
    fn nanjing_steps_by_point_three() {
        let c = coefficients("nanjing-gulou", 6).unwrap();
        assert_eq!(c[&3], 1000);
        assert_eq!(c[&6], 1900);
    }

    #[test]
    fn beijing_rescaled_and_monotone() {
        let c = coefficients("beijing", 6).unwrap();
        let v: Vec<i64> = c.values().copied().collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        let sum: i64 = v.iter().sum();
        assert!((99_990..=100_000).contains(&sum), "{sum}");
        assert!(coefficients("beijing", 7).is_err());
        assert!(coefficients("nowhere", 6).is_err());
    }
}
