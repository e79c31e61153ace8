//! The scan pipeline and the stages after the detectors: `pipeline::scan` runs a session,
//! the detectors and linkage for every face (CLI, server); `linkage` turns a scanned
//! dataset and its alerts into the entity graph of `duanka-link` (which edges, from which
//! table and column, with what provenance) and builds clusters, chains and warnings.
//!
//! Relational work stays in DataFusion plans over the contract tables (plus the
//! `findings` table of the alerts); the graph work runs in `duanka-link` over the much
//! smaller set of edges those plans produce. Must not: parse command-line flags, print,
//! or write files (callers write the outputs `Linked` renders).

pub mod linkage;
pub mod pipeline;

pub use linkage::{LinkInput, link};
pub use pipeline::{Progress, ScanError, ScanSettings, Scanned, scan};
