//! The scan pipeline and everything after the detectors: `pipeline::scan` runs a
//! session, the detectors and linkage for every face (CLI, server); `linkage` turns a
//! scanned dataset and its alerts into the entity graph of `duanka-link` (which edges,
//! from which table and column, with what provenance) and builds clusters, chains and
//! warnings (`pipeline::relink` runs it alone, for a dataset scanned before); `output`
//! writes a scan's output folder, each file atomically, and reads its alerts back; `figures`
//! computes the report's figures from the scan's session and that folder and writes
//! `report.json` and `report.html`; `profile` gathers one number's traffic for the
//! server's number profile.
//!
//! Relational work stays in DataFusion plans over the contract tables (plus the
//! `findings` table of the alerts); the graph work runs in `duanka-link` over the much
//! smaller set of edges those plans produce. Must not: parse command-line flags, print,
//! or write anywhere but the output folder (and the exports) its caller names.

pub mod figures;
pub mod linkage;
pub mod output;
pub mod pipeline;
pub mod profile;

pub use figures::{
    DatasetFigures, NotDrawn, Report, ReportError, dataset_figures, rerender, write_report,
};
pub use linkage::{LinkInput, link};
pub use output::{
    InputError, OutputError, SCAN_FILES, Written, read_alerts, write_atomic, write_graphml,
    write_i2, write_linked, write_scan,
};
pub use pipeline::{Progress, ScanError, ScanSettings, Scanned, relink, scan};
pub use profile::{Profile, number_profile};
