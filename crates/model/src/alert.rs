//! Findings: what a detector says about one entity, with the figures behind it.
//! Wire formats (`alerts.jsonl`) are written elsewhere; this is the in-memory shape.

/// How urgent a finding is. `Low` findings are leads, not accusations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// The lowest score that is `Medium`.
    pub const MEDIUM_FROM: f64 = 0.5;

    /// The usual mapping from a score in [0, 1]: ≥ 0.8 high, ≥ 0.5 medium.
    pub fn from_score(score: f64) -> Self {
        if score >= 0.8 {
            Severity::High
        } else if score >= Self::MEDIUM_FROM {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One figure behind a finding.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// A finding about one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub detector: &'static str,
    /// One of the truth table's entity types: `msisdn`, `imei`, `imsi`, `account`, `ip`,
    /// `user`, `case`.
    pub entity_type: &'static str,
    pub entity_id: String,
    /// In [0, 1].
    pub score: f64,
    pub severity: Severity,
    /// UTC epoch seconds of the first and last record behind the finding.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// One sentence a person can read.
    pub explanation: String,
    /// The figures behind the score, in a stable order.
    pub evidence: Vec<(&'static str, Figure)>,
}

impl Alert {
    /// Sort key for deterministic output: detector, then highest score first, then id.
    pub fn order_key(&self) -> (&'static str, std::cmp::Reverse<u64>, &str) {
        // Scores are in [0, 1]; scaled to integers so that the order is total.
        (
            self.detector,
            std::cmp::Reverse((self.score * 1e9) as u64),
            self.entity_id.as_str(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        assert_eq!(Severity::from_score(0.95), Severity::High);
        assert_eq!(Severity::from_score(0.8), Severity::High);
        assert_eq!(Severity::from_score(0.6), Severity::Medium);
        assert_eq!(Severity::from_score(0.1), Severity::Low);
        assert!(Severity::High > Severity::Medium);
    }
}
