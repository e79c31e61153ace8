//! `duanka serve`, `duanka user …` and `duanka audit verify`: the case store's faces on
//! the command line. The server itself is `duanka-server`; what is done here through
//! the database directly (the first admin, unlocking a locked-out one) is on the audit
//! record with channel `cli`.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use duanka_store::{Role, Sla, Store, Who};

use crate::Failure;
use crate::args::ReadArgs;

/// Where the case store is, for every command that opens it.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// The case store: an SQLite file (created when absent) or a postgres:// URL.
    #[arg(long, env = "DUANKA_DB", default_value = "duanka-cases.db")]
    pub db: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Mark the session cookie Secure (set it when a TLS proxy serves duanka; a request
    /// with `X-Forwarded-Proto: https` gets it anyway).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Hours an alert or case may stay open before it is overdue, by severity:
    /// high,medium,low.
    #[arg(long, default_value = "24,72,168", value_name = "H,M,L")]
    pub sla_hours: String,
    /// Where the scans started through the API (`POST /api/scans/run`) write their
    /// outputs, one folder per scan; without it the server imports scans but runs none.
    #[arg(long, value_name = "DIR")]
    pub scan_dir: Option<PathBuf>,
    /// Detector settings for the scans the server runs (as `duanka scan --config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log level of the request log on standard error: error, warn, info or debug.
    #[arg(long, env = "DUANKA_LOG", default_value = "info")]
    pub log: String,
    /// How the scans the server runs read their datasets.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The scan pipeline as `duanka scan` runs it (read, detectors, linkage, outputs,
/// report), for the server's background scans; progress goes to the scan's record.
struct Pipeline {
    read: ReadArgs,
    config: duanka_detect::Config,
}

/// Number profiles over a dataset folder, the folder's session kept for the next
/// profile of the same scan (reading a dataset takes far longer than one number's
/// queries).
struct Profiles {
    read: ReadArgs,
    session: std::sync::Mutex<Option<(PathBuf, Arc<datafusion::prelude::SessionContext>)>>,
}

impl duanka_server::ProfileSource for Profiles {
    fn profile(&self, dataset: &Path, msisdn: &str) -> Result<serde_json::Value, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let ctx = {
            let mut held = self
                .session
                .lock()
                .map_err(|_| "the profile cache broke".to_string())?;
            match held.as_ref() {
                Some((path, ctx)) if path == dataset => Arc::clone(ctx),
                _ => {
                    let ds =
                        crate::read::read(dataset, &self.read, None, crate::read::Rows::InPlace)
                            .map_err(|f| format!("{:#}", f.error))?;
                    let resources = crate::read::resources(&self.read, &ds)
                        .map_err(|f| format!("{:#}", f.error))?;
                    let ctx = Arc::new(
                        duanka_query::session_for(&ds, &resources).map_err(|e| e.to_string())?,
                    );
                    *held = Some((dataset.to_path_buf(), Arc::clone(&ctx)));
                    ctx
                }
            }
        };
        let p = rt
            .block_on(duanka_engine::number_profile(&ctx, msisdn))
            .map_err(|e| e.to_string())?;
        serde_json::to_value(p).map_err(|e| e.to_string())
    }
}

impl duanka_server::ScanRunner for Pipeline {
    fn run(
        &self,
        dataset: &Path,
        out: &Path,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(), String> {
        let failed = |f: Failure| format!("{:#}", f.error);
        progress("reading the dataset");
        let started = Instant::now();
        let ds = crate::read::read(dataset, &self.read, None, crate::read::Rows::InPlace)
            .map_err(failed)?;
        let read_ms = started.elapsed().as_millis();
        let resources = crate::read::resources(&self.read, &ds).map_err(failed)?;
        let threads = resources.threads;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let link = duanka_link::Settings::default();
        let settings = duanka_engine::ScanSettings {
            detectors: &self.config,
            link: Some(&link),
            resources,
            engine: duanka_query::Engine::Embedded,
        };
        let on = |p: duanka_engine::Progress<'_>| match p {
            duanka_engine::Progress::Detector { name, done, total } => {
                progress(&format!("detector {}/{total}: {name}", done + 1));
            }
            duanka_engine::Progress::Linking => progress("linking"),
        };
        let scanned = rt
            .block_on(duanka_engine::scan(&ds, &settings, &on))
            .map_err(|e| e.to_string())?;
        progress("writing the outputs");
        duanka_engine::write_scan(out, &ds, &scanned, read_ms).map_err(|e| e.to_string())?;
        rt.block_on(duanka_engine::write_report(&scanned.ctx, out))
            .map_err(|e| e.to_string())?;
        progress("importing");
        Ok(())
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is the first line of standard input. The first user of a
    /// store must be an admin.
    Add {
        name: String,
        /// analyst, supervisor, auditor or admin
        #[arg(long)]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the users.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Unlock a user (also ends a lock-out after failed sign-ins).
    Unlock {
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain: exit 0 when every entry is intact and in order, 5 at the
    /// first edited, deleted or reordered entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// The head hash an earlier verification printed: the chain must still reach it
        /// (entries removed from the end leave a shorter chain that is otherwise intact).
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::internal)
}

async fn open(db: &DbArgs) -> Result<Store, Failure> {
    Store::open(&db.db)
        .await
        .with_context(|| format!("{}: cannot open the case store", db.db))
        .map_err(Failure::input)
}

fn sla(text: &str) -> Result<Sla, Failure> {
    let hours: Vec<i64> = text
        .split(',')
        .map(|h| h.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Failure::usage(anyhow!("--sla-hours {text}: three whole numbers of hours")))?;
    match hours.as_slice() {
        [h, m, l] if *h > 0 && *m > 0 && *l > 0 => Ok(Sla {
            high: h * 3600,
            medium: m * 3600,
            low: l * 3600,
        }),
        _ => Err(Failure::usage(anyhow!(
            "--sla-hours {text}: high,medium,low, each at least 1"
        ))),
    }
}

/// `duanka serve`.
pub(crate) fn serve(a: &ServeArgs) -> Result<(), Failure> {
    let level: tracing_subscriber::filter::LevelFilter = a.log.parse().map_err(|_| {
        Failure::usage(anyhow!(
            "--log {}: error, warn, info, debug or trace",
            a.log
        ))
    })?;
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let rt = runtime()?;
    rt.block_on(async {
        let store = open(&a.db).await?;
        let mut state = duanka_server::AppState::new(store.clone());
        state.sla = sla(&a.sla_hours)?;
        state.secure_cookies = a.secure_cookies;
        let mut quiet = a.read.clone();
        quiet.quiet = true;
        state.profiles = Some(Arc::new(Profiles {
            read: quiet,
            session: std::sync::Mutex::new(None),
        }));
        if let Some(dir) = &a.scan_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the scan folder", dir.display()))
                .map_err(Failure::input)?;
            let mut read = a.read.clone();
            read.quiet = true;
            state.scan_dir = Some(Arc::from(dir.as_path()));
            state.runner = Some(Arc::new(Pipeline {
                read,
                config: crate::scan::load_config(a.config.as_deref())?,
            }));
        }
        println!(
            "duanka serve: http://{} ({} case store {}); API described at /api/openapi.json",
            a.listen,
            store.dialect(),
            a.db.db
        );
        duanka_server::serve(state, a.listen)
            .await
            .with_context(|| format!("cannot serve on {}", a.listen))
            .map_err(Failure::input)
    })
}

fn password_from_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")
        .map_err(Failure::input)?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        return Err(Failure::usage(anyhow!(
            "give the password as the first line of standard input"
        )));
    }
    Ok(p)
}

/// `duanka user …`.
pub(crate) fn user(c: &UserCommand) -> Result<(), Failure> {
    let rt = runtime()?;
    rt.block_on(async {
        let who = Who::cli("duanka user");
        match c {
            UserCommand::Add { name, role, db } => {
                let role = Role::parse(role).map_err(Failure::usage)?;
                let password = password_from_stdin()?;
                let store = open(db).await?;
                let mut tx = store.begin().await.map_err(Failure::internal)?;
                if tx.user_count().await.map_err(Failure::internal)? == 0 && role != Role::Admin {
                    return Err(Failure::usage(anyhow!(
                        "the first user of a case store is its admin: --role admin"
                    )));
                }
                let u = tx
                    .add_user(&who, name, role, &password)
                    .await
                    .map_err(Failure::usage)?;
                tx.commit().await.map_err(Failure::internal)?;
                println!("added {} ({}), user {}", u.name, u.role.as_str(), u.id);
            }
            UserCommand::List { db } => {
                let store = open(db).await?;
                for u in store.users().await.map_err(Failure::internal)? {
                    println!(
                        "{:>4}  {:<24} {:<10} {}",
                        u.id,
                        u.name,
                        u.role.as_str(),
                        if u.locked {
                            "locked"
                        } else if u.locked_out_until.is_some() {
                            "locked out"
                        } else {
                            "active"
                        }
                    );
                }
            }
            UserCommand::Unlock { name, db } => {
                let store = open(db).await?;
                let creds = store
                    .user_credentials(name)
                    .await
                    .map_err(Failure::internal)?
                    .ok_or_else(|| Failure::usage(anyhow!("no user {name}")))?;
                let mut tx = store.begin().await.map_err(Failure::internal)?;
                tx.set_locked(&who, creds.user.id, false)
                    .await
                    .map_err(Failure::internal)?;
                tx.commit().await.map_err(Failure::internal)?;
                println!("unlocked {name}");
            }
        }
        Ok(())
    })
}

/// `duanka audit verify`.
pub(crate) fn audit(c: &AuditCommand) -> Result<(), Failure> {
    let AuditCommand::Verify { db, expect_head } = c;
    let rt = runtime()?;
    rt.block_on(async {
        let store = open(db).await?;
        let v = duanka_store::audit::verify(&store)
            .await
            .map_err(Failure::internal)?;
        if let Some((seq, why)) = v.broken {
            return Err(Failure {
                code: crate::exit::BROKEN,
                error: anyhow!(
                    "audit chain broken at entry {seq}: {why} ({} entries before it verify)",
                    v.entries
                ),
            });
        }
        if let Some(h) = expect_head {
            let reached = duanka_store::audit::contains_hash(&store, h)
                .await
                .map_err(Failure::internal)?;
            if !reached {
                return Err(Failure {
                    code: crate::exit::BROKEN,
                    error: anyhow!(
                        "audit chain intact but it no longer holds the entry with hash {h}: entries were removed from its end"
                    ),
                });
            }
        }
        println!(
            "audit chain intact: {} entries, head {}",
            v.entries, v.head
        );
        Ok(())
    })
}
