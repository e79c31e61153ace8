//! The query layer: one DataFusion session with the ingested tables registered and the
//! one registry of duanka's functions ([`udf`], [`udaf`]), so that the CLI, the server and every
//! cluster role run the same plans with the same functions.
//!
//! Knows nothing of detectors; reads no files itself (tables come from `duanka-ingest`).

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod lookup;
pub mod scratch;
pub mod udaf;
pub mod udf;

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::SortExpr;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use duanka_ingest::{Dataset, SourceFile, Table, TableSpec};

pub use lookup::{LookupFiles, Lookups};
pub use scratch::{ScratchDir, materialise, register_batches, register_result};

/// Session settings: `threads` is both DataFusion's partition count and its parallelism.
/// Any other DataFusion option can be set from the environment (`DATAFUSION_` and the
/// option's name in capitals, e.g. `DATAFUSION_OPTIMIZER_PREFER_HASH_JOIN=false`), to try
/// a plan without rebuilding.
pub fn session_config(threads: usize) -> Result<SessionConfig, DataFusionError> {
    Ok(SessionConfig::from_env()?
        .with_target_partitions(threads.max(1))
        .with_information_schema(true)
        .with_default_catalog_and_schema("duanka", "public"))
}

/// Registers every duanka function, bound to `lookups`, with any function registry: a
/// `SessionContext`'s state, a cluster scheduler's or an executor's.
pub fn register_functions(
    registry: &mut dyn FunctionRegistry,
    lookups: Arc<Lookups>,
) -> Result<(), DataFusionError> {
    for f in udf::all_udfs(lookups) {
        registry.register_udf(Arc::new(f))?;
    }
    for f in udaf::all_udafs() {
        registry.register_udaf(Arc::new(f))?;
    }
    Ok(())
}

/// What a session may take of the machine.
#[derive(Debug, Clone)]
pub struct Resources {
    /// DataFusion's partition count and parallelism.
    pub threads: usize,
    /// Bytes the plans' operators may hold at once (hash tables, sorts, join builds);
    /// past it the operators that can spill write to the system's temporary folder
    /// (`TMPDIR`), the others fail with "resources exhausted". `None`: unbounded.
    pub pool_bytes: Option<usize>,
}

impl Resources {
    /// `threads` threads, no memory bound.
    pub fn threads(threads: usize) -> Self {
        Resources {
            threads,
            pool_bytes: None,
        }
    }

    /// The pool's size as people read it: `10.6 GiB`, `175 MiB`, `1 KiB`.
    pub fn pool_text(&self) -> String {
        self.pool_bytes
            .map_or_else(|| "unbounded memory".to_string(), |b| human_bytes(b as u64))
    }
}

/// A size in bytes as people read it: `10.6 GiB`, `175 MiB`, `1 KiB`.
pub fn human_bytes(n: u64) -> String {
    if n >= 1 << 30 {
        format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64)
    } else if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n.div_ceil(1 << 10))
    }
}

/// What a build without the `cluster` feature says when asked for a cluster.
pub const NO_CLUSTER: &str = "this duanka was built without cluster support; build it with `cargo build --release --features cluster`";

/// Where a session's plans run.
#[derive(Debug, Clone, Default)]
pub enum Engine {
    /// DataFusion in this process.
    #[default]
    Embedded,
    /// An Apache Ballista cluster: its scheduler's `df://HOST:PORT`, and a folder that
    /// the client and every executor see at the same path, where the session writes the
    /// tables it holds itself (see [`scratch`]). The dataset's files, too, must be at the
    /// same path on every executor.
    Cluster { scheduler: String, scratch: PathBuf },
}

/// A session over a dataset on `engine`: embedded, [`session_for`]; on a cluster, the same
/// tables and functions in a Ballista client session.
pub async fn open_session(
    ds: &Dataset,
    resources: &Resources,
    engine: &Engine,
) -> Result<SessionContext, DataFusionError> {
    match engine {
        Engine::Embedded => session_for(ds, resources),
        #[cfg(feature = "cluster")]
        Engine::Cluster { scheduler, scratch } => {
            cluster::remote_session(scheduler, ds, resources, scratch).await
        }
        #[cfg(not(feature = "cluster"))]
        Engine::Cluster { .. } => Err(DataFusionError::Configuration(NO_CLUSTER.into())),
    }
}

/// A session over a dataset: its tables registered under their contract names and all
/// duanka functions available. Tables read into memory are memory tables; tables left
/// in place are scanned from their Parquet files by every plan that reads them.
pub fn session_for(ds: &Dataset, resources: &Resources) -> Result<SessionContext, DataFusionError> {
    let ctx =
        SessionContext::new_with_config_rt(session_config(resources.threads)?, runtime(resources)?);
    register_tables(&ctx, ds, resources.threads)?;
    register_functions(
        &mut *ctx.state_ref().write(),
        Arc::new(Lookups::from_dataset(ds)),
    )?;
    Ok(ctx)
}

/// The runtime of a session: its memory pool, when `resources` bound it.
fn runtime(resources: &Resources) -> Result<Arc<RuntimeEnv>, DataFusionError> {
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(bytes) = resources.pool_bytes {
        // First come, first served: a fair pool caps each spilling operator at its share
        // of the pool, and a sort that must hold one large batch at once (measured: 1 GB
        // in a 30 M-subscriber day) then fails with most of the pool free. The five largest
        // consumers are named when it fails.
        runtime = runtime.with_memory_pool(Arc::new(TrackConsumersPool::new(
            GreedyMemoryPool::new(bytes),
            NonZeroUsize::MIN.saturating_add(4),
        )));
    }
    runtime.build_arc()
}

/// Registers every table of `ds`; returns the scratch files a cluster session wrote its
/// `geoip` and `segments` tables to (none in an embedded session).
fn register_tables(
    ctx: &SessionContext,
    ds: &Dataset,
    partitions: usize,
) -> Result<LookupFiles, DataFusionError> {
    let mut lookup_files = LookupFiles::default();
    for t in &ds.tables {
        if !t.in_place.is_empty() {
            register_files(ctx, t.spec, &t.in_place)?;
            continue;
        }
        let files = register_table(ctx, t, partitions)?;
        match t.name() {
            "geoip" => lookup_files.geoip = files,
            "segments" => lookup_files.segments = files,
            _ => {}
        }
    }
    Ok(lookup_files)
}

/// Registers one table read into memory, split into `partitions` parts (see
/// [`register_batches`]); returns the scratch files of a cluster session.
pub fn register_table(
    ctx: &SessionContext,
    t: &Table,
    partitions: usize,
) -> Result<Vec<PathBuf>, DataFusionError> {
    let n = partitions.max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (i, b) in t.batches.iter().enumerate() {
        parts[i % n].push(b.clone());
    }
    register_batches(ctx, t.name(), t.schema(), parts)
}

/// Registers a table held in Parquet files that `duanka convert` wrote, to be scanned
/// where it lies: a query then reads only the columns it names, decodes row groups on
/// every partition at once, and knows that each file is sorted by the table's sort key
/// (so that grouping by that key needs no hash table of every key).
fn register_files(
    ctx: &SessionContext,
    spec: &'static TableSpec,
    files: &[SourceFile],
) -> Result<(), DataFusionError> {
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let sort: Vec<SortExpr> = spec
        .sort_key
        .iter()
        .map(|k| col(*k).sort(true, false))
        .collect();
    // The files keep their Arrow types (dictionaries, timestamps with their zone), so the
    // table has exactly the types of an in-memory table of the same data.
    let table = scratch::listing_table(&paths, spec.schema(), sort)?;
    ctx.register_table(spec.name, Arc::new(table))?;
    Ok(())
}

/// The contract tables a SQL statement reads, by name or through duanka's functions
/// (`ip_country` reads `geoip`), so that a command can skip reading the others. `None`
/// when that cannot be told (the statement does not parse, or it reads something that is
/// not a contract table, such as `information_schema`): read all.
pub fn tables_referenced(query: &str) -> Option<Vec<String>> {
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(session_config(1).ok()?)
        .build();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(query, &dialect).ok()?;
    let refs = state.resolve_table_references(&statement).ok()?;
    let mut names: Vec<String> = refs.iter().map(|r| r.table().to_string()).collect();
    for t in udf::lookup_tables_used(query) {
        if !names.iter().any(|n| n == t) {
            names.push(t.to_string());
        }
    }
    let all_contract = refs.iter().all(|r| {
        r.schema().is_none_or(|s| s == "public") && duanka_ingest::spec::table(r.table()).is_some()
    });
    all_contract.then_some(names)
}

/// Runs one SQL statement and collects its result.
pub async fn sql(ctx: &SessionContext, query: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    ctx.sql(query).await?.collect().await
}
