//! The same plans on an Apache Ballista cluster: the client session of
//! `duanka scan --cluster`, and the scheduler and executor roles of `duanka cluster`.
//!
//! Every role loads duanka's functions from the one list ([`crate::register_functions`]).
//! Functions travel by name, except those bound to reference lookups (`ip_country`,
//! `segment_*`): a plan carries where their lookups can be read (the client's scratch
//! copy of `geoip` and `segments`, [`LookupFiles`](crate::LookupFiles)) through duanka's extension codecs, and
//! each node reads them once. A node that meets such a function without that description
//! fails the query rather than answer from empty lookups.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::error::DataFusionError;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{Extension, LogicalPlan, ScalarUDF};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use duanka_ingest::Dataset;

use crate::lookup::Lookups;
use crate::scratch::Scratch;
use crate::{Resources, register_functions, register_tables, session_config, udf};

type Result<T> = std::result::Result<T, DataFusionError>;

/// The lookups a function carries, as text in the plan; empty for functions that travel
/// by name alone.
fn encode_udf(node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
    let Some(lookups) = udf::lookups_of(node) else {
        return Ok(());
    };
    let origin = lookups.origin().ok_or_else(|| {
        DataFusionError::Plan(format!(
            "{} is bound to lookups no cluster node can read (a session not opened for a cluster)",
            node.name()
        ))
    })?;
    buf.extend_from_slice(origin.as_bytes());
    Ok(())
}

/// duanka's function `name` with the lookups `buf` describes, if `buf` describes some.
fn decode_udf(name: &str, buf: &[u8]) -> Option<Result<Arc<ScalarUDF>>> {
    if buf.is_empty() {
        return None;
    }
    let origin = std::str::from_utf8(buf).ok()?;
    Some(
        Lookups::load(origin)
            .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))
            .and_then(|lookups| {
                udf::lookup_udf_named(name, lookups)
                    .map(Arc::new)
                    .ok_or_else(|| DataFusionError::Plan(format!("{name}: not a duanka function")))
            }),
    )
}

/// Ballista's logical codec, with duanka's functions' lookups carried along.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        self.inner
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name, buf).unwrap_or_else(|| self.inner.try_decode_udf(name, buf))
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udf(node, buf)
    }
}

/// Ballista's physical codec, with duanka's functions' lookups carried along.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.try_decode(buf, inputs, ctx, proto_converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.inner.try_encode(node, buf, proto_converter)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name, buf).unwrap_or_else(|| self.inner.try_decode_udf(name, buf))
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udf(node, buf)
    }
}

/// A client session whose plans run on the Ballista scheduler at `url`
/// (`df://HOST:PORT`): the dataset's tables and duanka's functions as in
/// [`crate::session_for`], with the tables this process holds written to `scratch`.
pub async fn remote_session(
    url: &str,
    ds: &Dataset,
    resources: &Resources,
    scratch: &Path,
) -> Result<SessionContext> {
    let mut config = session_config(resources.threads)?.upgrade_for_ballista();
    // Dynamic filters are built inside a running plan and do not cross the cluster;
    // with them on, Ballista 55's scheduler failed a join it swapped after they were built
    // ("Cannot swap HashJoinExec inputs after dynamic filters have been constructed").
    config
        .options_mut()
        .optimizer
        .enable_dynamic_filter_pushdown = false;
    config
        .options_mut()
        .optimizer
        .enable_round_robin_repartition = false;
    // Ballista turns hash joins off (its hash join cannot spill) and plans every join as
    // a sort merge join, which sorts whole days of traffic to join them with a few
    // thousand farm handsets or flagged numbers: `sim_farm` took 25 s on a
    // 1-million-subscriber day against 0.3 s embedded. With hash joins, Ballista's planner
    // broadcasts a side it knows to be small, for the join types where that is correct.
    // Mark joins (`a IN (..) OR b IN (..)`) lost rows that way on two executors; the
    // queries are written without them.
    config.options_mut().optimizer.prefer_hash_join = true;
    let config = config
        .with_extension(Arc::new(Scratch::new(scratch)?))
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()))
        // The static planner: Ballista 55's adaptive one re-planned a detector's query
        // into thousands of stages without end on a 20,000-subscriber world.
        .with_ballista_adaptive_query_planner(false)
        // Ballista's rewrite of `x NOT IN (subquery)` into an anti join and a count lost
        // every row of linkage's "listed hosts near a flagged one" (`h.ip NOT IN (SELECT ip
        // FROM fh)`), where DataFusion's null-aware join keeps them.
        .set_bool("ballista.optimizer.not_in_subquery_rewrite", false);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    let ctx = SessionContext::remote_with_state(url, state).await?;
    // Functions are registered after the upgrade to a Ballista session, which resets
    // them; their lookups are read back from the reference tables' scratch files.
    let files = register_tables(&ctx, ds, resources.threads)?;
    register_functions(
        &mut *ctx.state_ref().write(),
        Arc::new(Lookups::from_dataset(ds).with_origin(&files)),
    )?;
    Ok(ctx)
}

/// A function registry with every duanka function, its lookups unavailable until a
/// plan brings them: what a scheduler and an executor load.
fn node_registry(state: &mut dyn FunctionRegistry) -> Result<()> {
    register_functions(state, Arc::new(Lookups::unavailable()))
}

fn ballista_error(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::External(e.to_string().into())
}

/// Runs a Ballista scheduler on `bind` until it stops, advertising `external_host` to
/// executors and clients.
pub async fn run_scheduler(bind: SocketAddr, external_host: &str) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;

    let mut config = SchedulerConfig::default()
        .with_hostname(external_host)
        .with_port(bind.port())
        .with_override_session_builder(Arc::new(|cfg: SessionConfig| {
            let state = ballista_core::utils::default_session_builder(cfg)?;
            // The scheduler plans every query: the rule must be in its state.
            let mut state = SessionStateBuilder::new_from_existing(state)
                .with_physical_optimizer_rule(Arc::new(SortAfterShuffle))
                .build();
            node_registry(&mut state)?;
            Ok(state)
        }));
    config.bind_host = bind.ip().to_string();
    config.override_logical_codec = Some(Arc::new(LogicalCodec::default()));
    config.override_physical_codec = Some(Arc::new(PhysicalCodec::default()));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(ballista_error)?;
    ballista_scheduler::scheduler_process::start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(ballista_error)
}

/// DataFusion keeps an ordering across a hash repartition by merging each output
/// partition's sorted inputs (`RepartitionExec` with `preserve_order`), and plans sort
/// merge joins and sorted aggregations over that order. Ballista 55 runs such a
/// repartition as a shuffle whose reader concatenates the pieces of a partition without
/// merging them, so the order above it is claimed but false: on a 1-million-subscriber
/// day a sort merge join then missed matches (`otp_sink`'s sent-SMS counts of 0 for 131
/// numbers, different from run to run). This rule, the scheduler's last, makes each such
/// repartition a plain one followed by a sort of each partition, which is what the plan
/// above it assumes.
#[derive(Debug)]
struct SortAfterShuffle;

impl PhysicalOptimizerRule for SortAfterShuffle {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(r) = node.downcast_ref::<RepartitionExec>() else {
                return Ok(Transformed::no(node));
            };
            let Some(ordering) = r.preserve_order().then(|| node.output_ordering()).flatten()
            else {
                return Ok(Transformed::no(node));
            };
            let ordering = ordering.clone();
            let plain = RepartitionExec::try_new(Arc::clone(r.input()), r.partitioning().clone())?;
            let sorted = SortExec::new(ordering, Arc::new(plain)).with_preserve_partitioning(true);
            Ok(Transformed::yes(Arc::new(sorted) as Arc<dyn ExecutionPlan>))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "duanka_sort_after_shuffle"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// What an executor is told.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's host and gRPC port.
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// Address the executor listens on, and the name it gives others to reach it.
    pub bind_host: String,
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle data and results) and gRPC port (tasks).
    pub port: u16,
    pub grpc_port: u16,
    /// Tasks run at once.
    pub vcores: usize,
    /// Shuffle files.
    pub work_dir: PathBuf,
    /// Bytes all its tasks' operators may hold; `None`: a share of the machine's memory.
    pub memory_pool_bytes: Option<u64>,
}

/// Runs a Ballista executor until it stops.
pub async fn run_executor(o: &ExecutorOptions) -> Result<()> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};

    let mut state = SessionStateBuilder::new().with_default_features().build();
    node_registry(&mut state)?;
    let work_dir = o.work_dir.to_str().ok_or_else(|| {
        DataFusionError::Plan(format!("{}: not a UTF-8 path", o.work_dir.display()))
    })?;
    let cfg = ExecutorProcessConfig {
        scheduler_host: o.scheduler_host.clone(),
        scheduler_port: o.scheduler_port,
        bind_host: o.bind_host.clone(),
        external_host: o.external_host.clone(),
        port: o.port,
        grpc_port: o.grpc_port,
        vcores: o.vcores.max(1),
        work_dir: Some(work_dir.to_string()),
        memory_pool_size: o.memory_pool_bytes,
        override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(&state))),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(cfg))
        .await
        .map_err(ballista_error)
}
