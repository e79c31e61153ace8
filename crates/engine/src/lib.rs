//! The stages after the detectors. For now: linkage — turning a scanned dataset and its
//! alerts into the entity graph of `duanka-link` (which edges, from which table and
//! column, with what provenance) and building clusters, chains and warnings from it.
//!
//! Relational work stays in DataFusion plans over the contract tables (plus the
//! `findings` table of the alerts); the graph work runs in `duanka-link` over the much
//! smaller set of edges those plans produce. Must not: parse command-line flags, print,
//! or write files (callers write the outputs `Linked` renders).

pub mod linkage;

pub use linkage::{LinkInput, link};
