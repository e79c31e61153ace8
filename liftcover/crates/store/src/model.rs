//! Records as stored and returned, and the raw inputs that create them. Inputs carry
//! text for dates and money so that validation — with the field's name in every error —
//! happens in one place, the store, whichever interface the input came through.

use std::collections::BTreeMap;

use liftcover_core::apportion::ConsentReport;
use liftcover_core::resolver::{Finding, Resolution};
use liftcover_core::schedule::DueItem;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubDistrict {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Community {
    pub id: i64,
    pub sub_district_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewBuilding {
    pub community_id: i64,
    pub name: String,
    pub floors: i64,
    /// The lift's equipment code, unique across the register.
    pub lift_code: String,
    #[serde(default)]
    pub lift_description: String,
    /// YYYY-MM-DD, the day the lift entered use.
    pub in_use_since: String,
    /// In a city district (30-minute trapped-passenger response).
    #[serde(default = "yes")]
    pub urban: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Building {
    pub id: i64,
    pub community_id: i64,
    pub community: String,
    pub sub_district: String,
    pub name: String,
    pub floors: i64,
    pub lift_code: String,
    pub lift_description: String,
    pub in_use_since: String,
    pub urban: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewHousehold {
    pub unit: String,
    pub floor: i64,
    /// Square metres, up to two decimals.
    pub area_m2: String,
    #[serde(default)]
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Household {
    pub id: i64,
    pub building_id: i64,
    pub unit: String,
    pub floor: i64,
    pub area_centi_m2: i64,
    pub area_m2: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewContract {
    pub party: String,
    /// installer-warranty, insurer or maintenance.
    pub kind: String,
    pub start: String,
    /// Inclusive.
    pub end: String,
    /// Yuan, e.g. "4950".
    pub annual_fee: String,
    #[serde(default)]
    pub covers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contract {
    pub id: i64,
    pub building_id: i64,
    pub party: String,
    pub kind: String,
    pub start: String,
    pub end: String,
    pub annual_fee_fen: i64,
    pub annual_fee: String,
    pub covers: Vec<String>,
}

/// A proposed apportionment scheme as a person writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemeInput {
    /// floor_coefficients, coefficient_times_area or custom_ratio.
    pub method: String,
    /// A preset id (guangzhou, nanjing-gulou, beijing) supplying the coefficients.
    #[serde(default)]
    pub preset: Option<String>,
    /// Floor → coefficient as a decimal ("1.3"), when no preset is named.
    #[serde(default)]
    pub coefficients: BTreeMap<i32, String>,
    /// Unit → percentage ("12.5"), for custom_ratio; must total 100.
    #[serde(default)]
    pub ratios: BTreeMap<String, String>,
    #[serde(default)]
    pub exempt_floors: Vec<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSchemeVersion {
    pub scheme: SchemeInput,
    /// Units of the households that signed this version.
    pub signed_by: Vec<String>,
    pub signed_on: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchemeVersion {
    pub id: i64,
    pub building_id: i64,
    pub version: i64,
    pub scheme: liftcover_core::apportion::Scheme,
    /// FNV-1a digest of the stored scheme text, to show the record was not altered.
    pub fingerprint: String,
    pub signed_on: String,
    pub signed_by: Vec<String>,
    pub consent: ConsentReport,
    /// Consent passed, so billing may use this version.
    pub adopted: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareLine {
    pub household_id: i64,
    pub unit: String,
    pub floor: i64,
    pub area_m2: String,
    pub weight: i64,
    pub amount_fen: i64,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiftStatus {
    pub lift_code: String,
    pub resolution: Resolution,
    pub findings: Vec<Finding>,
    pub covered_until: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewMaintenance {
    pub kind: String,
    pub done_on: String,
    pub party: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaintenanceRecord {
    pub id: i64,
    pub building_id: i64,
    pub kind: String,
    pub done_on: String,
    pub party: String,
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Schedule {
    pub lift_code: String,
    pub items: Vec<DueItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewFault {
    pub lift_code: String,
    /// YYYY-MM-DDTHH:MM, local time.
    pub reported_at: String,
    pub reporter: String,
    #[serde(default)]
    pub trapped: bool,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultResolution {
    pub resolved_at: String,
    pub resolution: String,
    #[serde(default)]
    pub parts: Vec<String>,
    /// Yuan.
    pub cost: String,
    pub paid_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub id: i64,
    pub building_id: i64,
    pub lift_code: String,
    pub reported_at: String,
    pub reporter: String,
    pub trapped: bool,
    pub description: String,
    /// The party responsible on the report's date; `None` when nobody was.
    pub routed_party: Option<String>,
    pub routed_contract_id: Option<i64>,
    pub coverage_state: String,
    pub deadline: String,
    pub arrived_at: Option<String>,
    pub response_minutes: Option<i64>,
    pub response_met: Option<bool>,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
    pub parts: Vec<String>,
    pub cost_fen: Option<i64>,
    pub paid_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bill {
    pub id: i64,
    pub building_id: i64,
    pub household_id: i64,
    pub unit: String,
    pub floor: i64,
    pub contract_id: i64,
    pub bill_year: i64,
    pub period_start: String,
    pub period_end: String,
    pub due_date: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub outstanding_fen: i64,
    pub scheme_version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewPayment {
    pub paid_on: String,
    /// Yuan.
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payment {
    pub id: i64,
    pub bill_id: i64,
    pub paid_on: String,
    pub amount_fen: i64,
    pub note: String,
}

/// The sub-district's report, every section evaluated on one date.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub as_of: String,
    pub coverage: Vec<CoverageRow>,
    pub renewals_due: Vec<CoverageRow>,
    pub overdue_maintenance: Vec<OverdueRow>,
    pub faults: Vec<Fault>,
    pub arrears: Vec<ArrearsRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoverageRow {
    pub lift_code: String,
    pub building: String,
    pub community: String,
    pub sub_district: String,
    pub state: String,
    pub responsible: Option<String>,
    pub covered_until: Option<String>,
    /// Days from the report date to the end of unbroken cover.
    pub days_left: Option<i64>,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverdueRow {
    pub lift_code: String,
    pub building: String,
    pub kind: String,
    pub last_done: Option<String>,
    pub due: String,
    pub overdue_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArrearsRow {
    pub lift_code: String,
    pub building: String,
    pub unit: String,
    pub bill_id: i64,
    pub bill_year: i64,
    pub due_date: String,
    pub outstanding_fen: i64,
    pub ageing: String,
}
