//! Tables a session holds itself: the tables read into memory, the reference tables, and
//! what detectors compute for their next plan (findings, summaries, frontiers).
//!
//! An embedded session keeps them as memory tables. A cluster session cannot: a plan that
//! reaches a Ballista scheduler carries its tables by reference, and a memory table has no
//! reference another process can follow. Such a session carries a [`Scratch`] folder that
//! every executor reads at the same path, and each of those tables is written there as
//! Parquet and registered as a listing table over its files, so that the same plans run in
//! both without knowing which.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::view::ViewTable;
use datafusion::common::DFSchema;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{EmptyRelation, LogicalPlan, SortExpr};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

/// The folder where a cluster session writes the tables it holds itself (a session
/// config extension: its presence is what makes a session write them there).
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
    next: AtomicUsize,
}

impl Scratch {
    /// Tables go into `dir`, which must exist and be readable at the same path by every
    /// process that runs the session's plans.
    pub fn new(dir: &Path) -> Result<Self, DataFusionError> {
        Ok(Scratch {
            dir: std::path::absolute(dir)?,
            next: AtomicUsize::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new folder for one table's files: a table re-registered under the same name
    /// gets a new folder, so that a plan still reading the old one is never overwritten.
    fn table_dir(&self, name: &str) -> Result<PathBuf, DataFusionError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let dir = self.dir.join(format!("{n:05}-{safe}"));
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(dir)
    }
}

/// A scratch folder of its own under `parent`, removed with everything in it when dropped.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    pub fn create(parent: &Path) -> std::io::Result<Self> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::path::absolute(parent)?
            .join(format!("duanka-scratch-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(ScratchDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn io_error(path: &Path, e: std::io::Error) -> DataFusionError {
    DataFusionError::Execution(format!("{}: {e}", path.display()))
}

/// The scratch folder of `ctx`'s session, if it is a cluster session.
pub fn scratch_of(ctx: &SessionContext) -> Option<Arc<Scratch>> {
    ctx.state_ref().read().config().get_extension::<Scratch>()
}

/// A listing table over Parquet files, with exactly `schema` (dictionaries and zoned
/// timestamps kept, as in a memory table of the same data) and, when given, the order
/// each file is sorted in.
pub(crate) fn listing_table(
    files: &[PathBuf],
    schema: SchemaRef,
    sort: Vec<SortExpr>,
) -> Result<ListingTable, DataFusionError> {
    let mut urls = Vec::with_capacity(files.len());
    for f in files {
        let abs = std::path::absolute(f)?;
        let s = abs
            .to_str()
            .ok_or_else(|| DataFusionError::Plan(format!("{}: not a UTF-8 path", abs.display())))?;
        urls.push(ListingTableUrl::parse(s)?);
    }
    let format = ParquetFormat::default().with_force_view_types(false);
    let mut options = ListingOptions::new(Arc::new(format)).with_file_extension("");
    if !sort.is_empty() {
        options = options.with_file_sort_order(vec![sort]);
    }
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ListingTable::try_new(config)
}

/// Registers `parts` (one list of batches per partition) as the table `name`, replacing
/// any table of that name: a memory table in an embedded session; in a cluster session
/// Parquet files in its scratch folder, one per non-empty partition. Returns those files.
pub fn register_batches(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    parts: Vec<Vec<RecordBatch>>,
) -> Result<Vec<PathBuf>, DataFusionError> {
    ctx.deregister_table(name)?;
    let Some(scratch) = scratch_of(ctx) else {
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, parts)?))?;
        return Ok(Vec::new());
    };
    let dir = scratch.table_dir(name)?;
    let mut files = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if part.iter().all(|b| b.num_rows() == 0) {
            continue;
        }
        let path = dir.join(format!("part-{i:05}.parquet"));
        let mut w = parquet_writer(&path, &schema)?;
        for b in part {
            w.write(b)?;
        }
        w.close()?;
        files.push(path);
    }
    if files.is_empty() {
        // No partition at all: one file with the schema and no rows.
        let path = dir.join("part-00000.parquet");
        parquet_writer(&path, &schema)?.close()?;
        files.push(path);
    }
    ctx.register_table(name, Arc::new(listing_table(&files, schema, Vec::new())?))?;
    Ok(files)
}

fn parquet_writer(
    path: &Path,
    schema: &SchemaRef,
) -> Result<ArrowWriter<BufWriter<File>>, DataFusionError> {
    let file = File::create(path).map_err(|e| io_error(path, e))?;
    Ok(ArrowWriter::try_new(
        BufWriter::new(file),
        Arc::clone(schema),
        None,
    )?)
}

/// Runs `sql` and registers its result as the table `name`. A cluster session streams
/// the result into one Parquet file of its scratch folder rather than holding it. An
/// empty result is registered as a relation known to be empty (see [`register_empty`]).
pub async fn materialise(
    ctx: &SessionContext,
    name: &str,
    sql: &str,
) -> Result<(), DataFusionError> {
    let df = ctx.sql(sql).await?;
    let Some(scratch) = scratch_of(ctx) else {
        let plan = df.create_physical_plan().await?;
        let schema = plan.schema();
        let parts = datafusion::physical_plan::collect_partitioned(plan, ctx.task_ctx()).await?;
        return register_result(ctx, name, schema, parts);
    };
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let path = scratch.table_dir(name)?.join("part-00000.parquet");
    let mut w = parquet_writer(&path, &schema)?;
    let mut stream = df.execute_stream().await?;
    let mut rows = 0;
    while let Some(b) = stream.next().await {
        let b = b?;
        rows += b.num_rows();
        w.write(&b)?;
    }
    w.close()?;
    ctx.deregister_table(name)?;
    if rows == 0 {
        std::fs::remove_file(&path).map_err(|e| io_error(&path, e))?;
        return register_empty(ctx, name, &schema);
    }
    ctx.register_table(name, Arc::new(listing_table(&[path], schema, Vec::new())?))?;
    Ok(())
}

/// Registers a result a plan computed for the next ones (findings, a frontier, a
/// report's list) as the table `name`, replacing any table of that name: as
/// [`register_batches`] does, or, when it holds no row, as [`register_empty`] does.
pub fn register_result(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    parts: Vec<Vec<RecordBatch>>,
) -> Result<(), DataFusionError> {
    if parts.iter().flatten().all(|b| b.num_rows() == 0) {
        ctx.deregister_table(name)?;
        return register_empty(ctx, name, &schema);
    }
    register_batches(ctx, name, schema, parts)?;
    Ok(())
}

/// Registers `name` as a relation the optimizer knows to be empty, so that a join with
/// it is folded away before any plan runs. A listing table over an empty file would be
/// scanned instead, and on a cluster far worse: Ballista distrusts a statistic of zero
/// rows, will not broadcast such a side, and shuffles the whole other side of the join
/// (a day of attach records) to match it against nothing: a scan of a world without
/// SIM farms spent 13 s of `sim_farm` that way against 1 s embedded.
pub fn register_empty(
    ctx: &SessionContext,
    name: &str,
    schema: &SchemaRef,
) -> Result<(), DataFusionError> {
    let empty = LogicalPlan::EmptyRelation(EmptyRelation {
        produce_one_row: false,
        schema: Arc::new(DFSchema::try_from(schema.as_ref().clone())?),
    });
    ctx.register_table(name, Arc::new(ViewTable::new(empty, None)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, DictionaryArray, Int64Array};
    use arrow::datatypes::{DataType, Field, Int32Type, Schema};
    use datafusion::prelude::SessionConfig;

    fn batch() -> RecordBatch {
        let kind: DictionaryArray<Int32Type> = vec!["a", "b", "a"].into_iter().collect();
        RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("n", DataType::Int64, false),
                Field::new("kind", kind.data_type().clone(), false),
            ])),
            vec![Arc::new(Int64Array::from(vec![3, 1, 2])), Arc::new(kind)],
        )
        .unwrap()
    }

    /// A scratch folder, a session writing to it, and an embedded session.
    fn sessions() -> (ScratchDir, SessionContext, SessionContext) {
        let dir = ScratchDir::create(&std::env::temp_dir()).unwrap();
        let config =
            SessionConfig::new().with_extension(Arc::new(Scratch::new(dir.path()).unwrap()));
        let scratch_ctx = SessionContext::new_with_config(config);
        (dir, scratch_ctx, SessionContext::new())
    }

    async fn rows(ctx: &SessionContext, sql: &str) -> String {
        let b = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        arrow::util::pretty::pretty_format_batches(&b)
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn a_scratch_session_holds_its_tables_in_parquet_with_their_types() {
        let (dir, scratch_ctx, mem_ctx) = sessions();
        for ctx in [&scratch_ctx, &mem_ctx] {
            let b = batch();
            let files = register_batches(ctx, "t", b.schema(), vec![vec![b], vec![]]).unwrap();
            assert_eq!(files.len(), usize::from(std::ptr::eq(ctx, &scratch_ctx)));
            materialise(ctx, "m", "SELECT kind, sum(n) AS s FROM t GROUP BY kind")
                .await
                .unwrap();
            let schema = ctx.table("t").await.unwrap().schema().as_arrow().clone();
            assert!(matches!(
                schema.field(1).data_type(),
                DataType::Dictionary(..)
            ));
        }
        for sql in [
            "SELECT * FROM t ORDER BY n",
            "SELECT * FROM m ORDER BY kind",
            "SELECT arrow_typeof(kind) AS k FROM t LIMIT 1",
        ] {
            assert_eq!(
                rows(&scratch_ctx, sql).await,
                rows(&mem_ctx, sql).await,
                "{sql}"
            );
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().count() >= 2);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists(), "the scratch folder outlived its guard");
    }

    /// A summary that came out empty must take the join it feeds with it before any
    /// scan: the plan of a join with it holds no scan of the other side, and a LEFT
    /// JOIN keeps every row with NULLs, in memory and in a scratch folder alike.
    #[tokio::test]
    async fn an_empty_result_folds_the_joins_it_feeds() {
        let (_dir, scratch_ctx, mem_ctx) = sessions();
        for ctx in [&scratch_ctx, &mem_ctx] {
            let b = batch();
            register_batches(ctx, "t", b.schema(), vec![vec![b]]).unwrap();
            materialise(ctx, "none", "SELECT n, kind FROM t WHERE n > 100")
                .await
                .unwrap();
            let joined = ctx
                .sql("SELECT t.n FROM t JOIN none ON none.n = t.n")
                .await
                .unwrap()
                .create_physical_plan()
                .await
                .unwrap();
            let shown = datafusion::physical_plan::displayable(joined.as_ref())
                .indent(true)
                .to_string();
            assert!(!shown.contains("DataSourceExec"), "{shown}");
            assert!(!shown.contains("HashJoinExec"), "{shown}");
            assert!(
                rows(ctx, "SELECT count(*) AS c FROM t JOIN none ON none.n = t.n")
                    .await
                    .contains("| 0 |")
            );
            assert!(
                rows(
                    ctx,
                    "SELECT t.n, none.kind FROM t LEFT JOIN none ON none.n = t.n ORDER BY t.n"
                )
                .await
                .contains("| 3 |      |"),
            );
        }
    }

    #[tokio::test]
    async fn an_empty_table_is_one_file_with_its_schema() {
        let dir = ScratchDir::create(&std::env::temp_dir()).unwrap();
        let config =
            SessionConfig::new().with_extension(Arc::new(Scratch::new(dir.path()).unwrap()));
        let ctx = SessionContext::new_with_config(config);
        let files = register_batches(&ctx, "e", batch().schema(), Vec::new()).unwrap();
        assert_eq!(files.len(), 1);
        assert!(
            rows(&ctx, "SELECT count(*) AS c FROM e")
                .await
                .contains("| 0 |")
        );
    }
}
