//! `duanka cluster scheduler|executor`: the roles of the Ballista cluster that
//! `duanka scan --cluster` runs its plans on, from the same binary (built with
//! `--features cluster`) so that every role has the same functions.

use crate::Failure;
use crate::args::{ClusterArgs, ClusterRole};

/// Stack of the threads that encode, decode and plan a query. A detector's plan, as a
/// protobuf message, nests hundreds of levels deep, and Ballista's scheduler walks it
/// recursively: on tokio's 2 MiB default it overflowed on the first detector.
pub(crate) const PLAN_STACK_BYTES: usize = 64 << 20;

/// Ballista's log records on standard error, from the level `DUANKA_LOG` names
/// (`error`, `warn`, `info`, `debug`, `trace`; default `warn`).
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        // Ballista 55's scheduler logs an error for every stage whose metrics it cannot
        // lay over the plan it displays; the stage itself ran.
        m.level() <= log::max_level() && m.target() != "ballista_scheduler::display"
    }

    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("{} {}: {}", r.level(), r.target(), r.args());
        }
    }

    fn flush(&self) {}
}

pub(crate) fn init_log() {
    static LOGGER: StderrLog = StderrLog;
    let level = std::env::var("DUANKA_LOG")
        .ok()
        .and_then(|v| v.parse::<log::LevelFilter>().ok())
        .unwrap_or(log::LevelFilter::Warn);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

/// Where a command's plans run, and the scratch folder a cluster run holds until the
/// end (removed when dropped).
pub(crate) fn engine(
    a: &ClusterArgs,
) -> Result<(duanka_query::Engine, Option<duanka_query::ScratchDir>), Failure> {
    use anyhow::Context;

    let Some(url) = &a.cluster else {
        return Ok((duanka_query::Engine::Embedded, None));
    };
    init_log();
    let parent = a.cluster_scratch.clone().unwrap_or_else(std::env::temp_dir);
    let dir = duanka_query::ScratchDir::create(&parent)
        .with_context(|| {
            format!(
                "{}: cannot make the cluster's scratch folder",
                parent.display()
            )
        })
        .map_err(Failure::input)?;
    let engine = duanka_query::Engine::Cluster {
        scheduler: url.clone(),
        scratch: dir.path().to_path_buf(),
    };
    Ok((engine, Some(dir)))
}

#[cfg(not(feature = "cluster"))]
pub(crate) fn run(_role: &ClusterRole) -> Result<(), Failure> {
    Err(Failure::usage(anyhow::anyhow!(duanka_query::NO_CLUSTER)))
}

#[cfg(feature = "cluster")]
pub(crate) fn run(role: &ClusterRole) -> Result<(), Failure> {
    use anyhow::Context;
    use duanka_query::cluster::{ExecutorOptions, run_executor, run_scheduler};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(PLAN_STACK_BYTES)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    init_log();
    match role {
        ClusterRole::Scheduler {
            bind,
            external_host,
        } => {
            let host = external_host
                .clone()
                .unwrap_or_else(|| bind.ip().to_string());
            eprintln!(
                "duanka cluster scheduler: listening on {bind}, reached as df://{host}:{}",
                bind.port()
            );
            runtime
                .block_on(run_scheduler(*bind, &host))
                .map_err(Failure::internal)
        }
        ClusterRole::Executor {
            scheduler,
            bind,
            external_host,
            port,
            grpc_port,
            slots,
            work_dir,
            memory_limit,
        } => {
            let (host, sport) = scheduler
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
                .ok_or_else(|| {
                    Failure::usage(anyhow::anyhow!(
                        "--scheduler {scheduler:?}: expected HOST:PORT"
                    ))
                })?;
            let work_dir = match work_dir {
                Some(d) => d.clone(),
                None => {
                    std::env::temp_dir().join(format!("duanka-executor-{}", std::process::id()))
                }
            };
            std::fs::create_dir_all(&work_dir)
                .with_context(|| {
                    format!(
                        "{}: cannot make the executor's work folder",
                        work_dir.display()
                    )
                })
                .map_err(Failure::input)?;
            let vcores = slots
                .filter(|&n| n > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let options = ExecutorOptions {
                scheduler_host: host,
                scheduler_port: sport,
                bind_host: bind.clone(),
                external_host: external_host.clone(),
                port: *port,
                grpc_port: *grpc_port,
                vcores,
                work_dir,
                memory_pool_bytes: memory_limit.map(|m| m.0),
            };
            eprintln!(
                "duanka cluster executor: {vcores} slots, flight {bind}:{port}, grpc {bind}:{grpc_port}, scheduler {scheduler}"
            );
            runtime
                .block_on(run_executor(&options))
                .map_err(Failure::internal)
        }
    }
}
