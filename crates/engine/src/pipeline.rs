//! One scan, whichever face asks for it (`duanka scan`, `duanka demo`, the server to
//! come): a DataFusion session over the dataset, every detector whose tables are
//! present, then linkage — progress reported through a callback, each stage timed; and
//! linkage alone for a dataset scanned before (`duanka link`). The faces keep their
//! flags and printing; `output` and `figures` write the result.

use std::time::Instant;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_detect::ScanOutput;
use duanka_ingest::Dataset;
use duanka_link::Linked;
use duanka_model::Alert;

use crate::linkage::{LinkInput, LinkageError, link};

/// What a scan is asked to do.
pub struct ScanSettings<'a> {
    pub detectors: &'a duanka_detect::Config,
    /// `None`: no linkage (alerts only).
    pub link: Option<&'a duanka_link::Settings>,
    /// Threads and memory of the session's plans.
    pub resources: duanka_query::Resources,
    /// Where the plans run: embedded, or on a Ballista cluster (linkage always runs
    /// here, over the edges the plans return).
    pub engine: duanka_query::Engine,
}

/// Where a scan is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Detector `name` starts; `done` of `total` have run.
    Detector {
        name: &'a str,
        done: usize,
        total: usize,
    },
    /// The detectors are done; linkage starts.
    Linking,
}

/// What a scan found, with the session it ran in: the report's figures read the same
/// session, so the summaries the detectors built (classified OTPs, flow pairs) serve
/// them too.
pub struct Scanned {
    pub ctx: SessionContext,
    /// The tables the dataset holds.
    pub present: Vec<String>,
    pub output: ScanOutput,
    pub linked: Option<Linked>,
    /// Time of the detectors (with the session), milliseconds.
    pub detect_ms: u128,
    /// Time of linkage, milliseconds (0 without it).
    pub link_ms: u128,
}

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(
        "{stage} ran out of memory: its plans may hold {pool} at once and needed more ({detail}). \
         Raise the memory limit (--memory-limit), or run with fewer threads so that fewer partitions hold state at once"
    )]
    Memory {
        stage: String,
        pool: String,
        detail: String,
    },
    #[error("running the detectors: {0}")]
    Detect(#[from] DataFusionError),
    #[error("preparing the session: {0}")]
    Session(DataFusionError),
    #[error(transparent)]
    Link(#[from] LinkageError),
}

/// The names of the tables `dataset` holds.
fn present(dataset: &Dataset) -> Vec<String> {
    dataset
        .tables
        .iter()
        .map(|t| t.name().to_string())
        .collect()
}

/// Runs the detectors over `dataset`, then linkage unless told not to.
pub async fn scan(
    dataset: &Dataset,
    settings: &ScanSettings<'_>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Scanned, ScanError> {
    let t_detect = Instant::now();
    let present = present(dataset);
    let detectors = duanka_detect::registry(settings.detectors);
    let total = detectors.len();
    let ctx = duanka_query::open_session(dataset, &settings.resources, &settings.engine)
        .await
        .map_err(ScanError::Session)?;
    let on_start = |name: &str, done: usize| progress(Progress::Detector { name, done, total });
    let output = duanka_detect::scan(&ctx, &present, &detectors, &on_start)
        .await
        .map_err(|e| out_of_memory(e, &settings.resources))?;
    let detect_ms = t_detect.elapsed().as_millis();
    let t_link = Instant::now();
    let linked = match settings.link {
        Some(link_settings) => {
            progress(Progress::Linking);
            let input = LinkInput {
                ctx: &ctx,
                present: &present,
                alerts: &output.alerts,
            };
            Some(
                link(&input, link_settings)
                    .await
                    .map_err(|e| linkage_out_of_memory(e, &settings.resources))?,
            )
        }
        None => None,
    };
    let link_ms = if linked.is_some() {
        t_link.elapsed().as_millis()
    } else {
        0
    };
    Ok(Scanned {
        ctx,
        present,
        output,
        linked,
        detect_ms,
        link_ms,
    })
}

/// Linkage alone, for a dataset scanned before, from that scan's `alerts` (read back by
/// `output::read_alerts`): the attach rows are resolved as the scan resolved them, so
/// the clusters are the scan's.
pub async fn relink(
    dataset: &Dataset,
    alerts: &[Alert],
    settings: &duanka_link::Settings,
    resources: &duanka_query::Resources,
) -> Result<Linked, ScanError> {
    let present = present(dataset);
    let ctx = duanka_query::session_for(dataset, resources).map_err(ScanError::Session)?;
    duanka_detect::sql::resolve_attach_numbers(&ctx, &present)
        .await
        .map_err(ScanError::Session)?;
    let input = LinkInput {
        ctx: &ctx,
        present: &present,
        alerts,
    };
    link(&input, settings)
        .await
        .map_err(|e| linkage_out_of_memory(e, resources))
}

/// A detector's error, told apart when it is the memory pool refusing: the stage that
/// ran out is named (the detectors' scan puts the detector's name around its errors).
fn out_of_memory(e: DataFusionError, resources: &duanka_query::Resources) -> ScanError {
    let stage = match &e {
        DataFusionError::Context(what, _) => what.clone(),
        _ => "the detectors".to_string(),
    };
    memory_error(&e, stage, resources).unwrap_or(ScanError::Detect(e))
}

fn linkage_out_of_memory(e: LinkageError, resources: &duanka_query::Resources) -> ScanError {
    match e {
        LinkageError::Plan(q) => memory_error(&q, "linkage".to_string(), resources)
            .unwrap_or(ScanError::Link(LinkageError::Plan(q))),
        other => ScanError::Link(other),
    }
}

/// `ScanError::Memory` when the root of `e` is the pool's refusal.
fn memory_error(
    e: &DataFusionError,
    stage: String,
    resources: &duanka_query::Resources,
) -> Option<ScanError> {
    match e.find_root() {
        DataFusionError::ResourcesExhausted(detail) => Some(ScanError::Memory {
            stage,
            pool: resources.pool_text(),
            detail: detail.clone(),
        }),
        _ => None,
    }
}
