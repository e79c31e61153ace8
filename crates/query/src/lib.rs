//! The query layer: one DataFusion session with the ingested tables registered and the
//! one registry of duanka's functions ([`udf`], [`udaf`]), so that the CLI, the server and every
//! cluster role run the same plans with the same functions.
//!
//! Knows nothing of detectors; reads no files itself (tables come from `duanka-ingest`).

pub mod lookup;
pub mod udaf;
pub mod udf;

use std::num::NonZeroUsize;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::SortExpr;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use duanka_ingest::{Dataset, SourceFile, Table, TableSpec};

pub use lookup::Lookups;

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

/// A session over a dataset: its tables registered under their contract names and all
/// duanka functions available. Tables read into memory are memory tables; tables left
/// in place are scanned from their Parquet files by every plan that reads them.
pub fn session_for(ds: &Dataset, resources: &Resources) -> Result<SessionContext, DataFusionError> {
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
    let ctx = SessionContext::new_with_config_rt(
        session_config(resources.threads)?,
        runtime.build_arc()?,
    );
    let lookups = Arc::new(Lookups::from_dataset(ds));
    for f in udf::all_udfs(lookups) {
        ctx.register_udf(f);
    }
    for f in udaf::all_udafs() {
        ctx.register_udaf(f);
    }
    for t in &ds.tables {
        if t.in_place.is_empty() {
            register_table(&ctx, t, resources.threads)?;
        } else {
            register_files(&ctx, t.spec, &t.in_place)?;
        }
    }
    Ok(ctx)
}

/// Registers one table as an in-memory table split into `partitions` parts.
pub fn register_table(
    ctx: &SessionContext,
    t: &Table,
    partitions: usize,
) -> Result<(), DataFusionError> {
    let n = partitions.max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (i, b) in t.batches.iter().enumerate() {
        parts[i % n].push(b.clone());
    }
    let mem = MemTable::try_new(t.schema(), parts)?;
    ctx.register_table(t.name(), Arc::new(mem))?;
    Ok(())
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
    let mut urls = Vec::with_capacity(files.len());
    for f in files {
        let abs = std::path::absolute(&f.path)?;
        let s = abs
            .to_str()
            .ok_or_else(|| DataFusionError::Plan(format!("{}: not a UTF-8 path", abs.display())))?;
        urls.push(ListingTableUrl::parse(s)?);
    }
    let sort: Vec<SortExpr> = spec
        .sort_key
        .iter()
        .map(|k| col(*k).sort(true, false))
        .collect();
    // The files keep their Arrow types (dictionaries, timestamps with their zone), so the
    // table has exactly the types of an in-memory table of the same data.
    let format = ParquetFormat::default().with_force_view_types(false);
    let options = ListingOptions::new(Arc::new(format))
        .with_file_extension("")
        .with_file_sort_order(vec![sort]);
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(spec.schema());
    ctx.register_table(spec.name, Arc::new(ListingTable::try_new(config)?))?;
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
