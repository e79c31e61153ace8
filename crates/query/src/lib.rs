//! The query layer: one DataFusion session with the ingested tables registered and the
//! one registry of duanka's functions ([`udf`]), so that the CLI, the server and every
//! cluster role run the same plans with the same functions.
//!
//! Knows nothing of detectors; reads no files itself (tables come from `duanka-ingest`).

pub mod lookup;
pub mod udf;

use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::prelude::{SessionConfig, SessionContext};
use duanka_ingest::{Dataset, Table};

pub use lookup::Lookups;

/// Session settings: `threads` is both DataFusion's partition count and its parallelism.
pub fn session_config(threads: usize) -> SessionConfig {
    SessionConfig::new()
        .with_target_partitions(threads.max(1))
        .with_information_schema(true)
        .with_default_catalog_and_schema("duanka", "public")
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
    Ok(())
}

/// A session over a dataset: its tables registered under their contract names and all
/// duanka functions available.
pub fn session_for(ds: &Dataset, threads: usize) -> Result<SessionContext, DataFusionError> {
    let ctx = SessionContext::new_with_config(session_config(threads));
    let lookups = Arc::new(Lookups::from_dataset(ds));
    for f in udf::all_udfs(lookups) {
        ctx.register_udf(f);
    }
    for t in &ds.tables {
        register_table(&ctx, t, threads)?;
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

/// The contract tables a SQL statement reads, so that a command can skip reading the
/// others. `None` when that cannot be told (the statement does not parse, or it reads
/// something that is not a contract table, such as `information_schema`): read all.
pub fn tables_referenced(query: &str) -> Option<Vec<String>> {
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(session_config(1))
        .build();
    let dialect = state.config().options().sql_parser.dialect;
    let statement = state.sql_to_statement(query, &dialect).ok()?;
    let refs = state.resolve_table_references(&statement).ok()?;
    let names: Vec<String> = refs.iter().map(|r| r.table().to_string()).collect();
    let all_contract = refs.iter().all(|r| {
        r.schema().is_none_or(|s| s == "public") && duanka_ingest::spec::table(r.table()).is_some()
    });
    all_contract.then_some(names)
}

/// Runs one SQL statement and collects its result.
pub async fn sql(ctx: &SessionContext, query: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    ctx.sql(query).await?.collect().await
}
