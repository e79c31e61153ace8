//! The report's data section: every figure the page draws, as plain serde types. This is
//! what `report.json` holds and what the page embeds as `#duanka-data`, so other tools
//! (and the golden test) read the same numbers the charts show.
//!
//! Owns the shape and its version; must not compute anything from raw data (the command
//! line fills these from the scan's outputs and SQL over the dataset).

use serde::{Deserialize, Serialize};

/// Bumped whenever a field changes meaning or disappears; adding a field keeps it.
pub const VERSION: u32 = 1;

/// A figure that may be missing, with the reason it is (a table absent from the dataset,
/// linkage not run, nothing flagged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure<T> {
    Shown(T),
    Missing(String),
}

impl<T> Figure<T> {
    pub fn shown(&self) -> Option<&T> {
        match self {
            Figure::Shown(t) => Some(t),
            Figure::Missing(_) => None,
        }
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    pub version: u32,
    pub title: String,
    pub overview: Overview,
    pub detectors: Vec<DetectorCount>,
    pub otp_services: Figure<OtpServices>,
    pub blocks: Figure<Blocks>,
    pub rogue_traffic: Figure<RogueTraffic>,
    pub cluster: Figure<ClusterGraph>,
    pub chain: Figure<Chain>,
    pub warnings: Figure<Warnings>,
    pub alerts: AlertTable,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Overview {
    pub tables: Vec<TableCount>,
    pub alerts: u64,
    pub alerts_medium_or_above: u64,
    pub clusters: Option<u64>,
    pub cases_linked: Option<u64>,
    /// Fen, summed over the clusters.
    pub loss_linked_fen: Option<i64>,
    pub warnings: Option<u64>,
    /// Read and scan times of the run (`summary.json`), milliseconds.
    pub stages_millis: Vec<(String, u64)>,
    /// Where the reference tables came from, one phrase per origin (`segments, tac,
    /// geoip from the built-in snapshot 2026-12-01`); empty when the scan had none.
    #[serde(default)]
    pub reference: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: String,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// For a reference table that is not the dataset's own: where it came from (`built-in
    /// snapshot 2026-12-01`, or the folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One detector's alerts by severity, or why it did not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorCount {
    pub detector: String,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    /// Set when the detector was skipped.
    pub skipped: Option<String>,
}

/// Numbers that received OTPs, by distinct OTP services, split by whether a detector
/// flagged the number (`medium` or above).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtpServices {
    /// Bin labels (`1`, `2`, ..., `21-30`, `51+`), in order.
    pub bins: Vec<String>,
    pub flagged: Vec<u64>,
    pub not_flagged: Vec<u64>,
}

/// Number blocks (a number without its last four digits) with OTP receivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocks {
    /// Blocks in block order; at most the cap below, the busiest kept.
    pub blocks: Vec<Block>,
    /// Blocks with OTP receivers in the dataset, before the cap.
    pub total_blocks: u64,
    /// What "silent" means for this dataset (depends on which tables are present).
    pub silent_rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub block: String,
    /// Numbers of the block that received OTPs.
    pub otp_receivers: u64,
    /// ... of which silent: codes and nothing else of a life.
    pub silent: u64,
    /// ... of which flagged by a number detector at `medium` or above.
    pub flagged: u64,
}

/// The internal host a detector named, hour by hour: its flows and the OTP deliveries
/// that named it as delivery node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RogueTraffic {
    pub host: String,
    pub detector: String,
    pub score: f64,
    pub hours: Vec<HourPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourPoint {
    /// Start of the hour, UTC epoch seconds.
    pub hour_ts: i64,
    pub flows: u64,
    pub bytes: u64,
    pub otp_delivered: u64,
}

/// The top cluster as nodes and links; capped for drawing (`members` says how many the
/// cluster really has).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterGraph {
    pub cluster_id: String,
    pub case_ids: usize,
    pub total_loss_fen: i64,
    pub members: u64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub entity_type: String,
    pub entity_id: String,
    pub score: Option<f64>,
    pub severity: Option<String>,
    pub in_chain: bool,
}

/// A link between two nodes, by index into `nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub source: usize,
    pub target: usize,
    pub via: String,
}

/// The top cluster's chain from a case upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    pub cluster_id: String,
    pub hops: Vec<ChainHop>,
    pub stop: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainHop {
    pub entity_type: String,
    pub entity_id: String,
    pub via: Option<String>,
}

/// The early-warning list: counts per tier and its first rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warnings {
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub known_victims: u64,
    pub top: Vec<WarningRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningRow {
    pub entity_type: String,
    pub entity_id: String,
    pub tier: String,
    pub reason: String,
    pub cluster_id: String,
}

/// The alerts, highest score first, capped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertTable {
    pub total: u64,
    pub rows: Vec<AlertRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    pub detector: String,
    pub entity_type: String,
    pub entity_id: String,
    pub score: f64,
    pub severity: String,
    pub explanation: String,
}
