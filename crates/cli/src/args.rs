//! What the user typed: the clap definitions. Resolved into settings in `main.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "duanka",
    version,
    about = "断卡 duanka: find every link of a phone-fraud supply chain in operator, platform and police data",
    after_help = "Exit codes: 0 success, 1 internal error, 2 usage error, 3 unreadable input, 4 too many rejected rows, 5 audit chain broken, 6 out of memory (raise --memory-limit).\n\
                  Environment: DUANKA_TZ (zone for local times), DUANKA_THREADS (worker threads), DUANKA_MEMORY_LIMIT."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a dataset and report, per table: files, rows read / accepted / rejected with
    /// the top reasons, time span and distinct keys.
    #[command(
        after_help = "Examples:\n  duanka inspect examples/tiny\n  duanka inspect examples/tiny --format json\n  duanka inspect data/ --reference ref/ --rejects rejects.csv --max-reject-share 0.05"
    )]
    Inspect {
        /// Dataset folder (tables as NAME.csv / NAME.ndjson / NAME.parquet or NAME/ folders).
        dataset: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Write the normalised dataset as Parquet (one file per table, sorted by its main
    /// key) so that later runs skip parsing.
    #[command(
        after_help = "Examples:\n  duanka convert examples/tiny --to /tmp/tiny.parquet\n  duanka inspect /tmp/tiny.parquet"
    )]
    Convert {
        dataset: PathBuf,
        /// Output folder (created if missing).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Run ad-hoc SQL over the dataset's tables (DataFusion SQL plus duanka's functions:
    /// msisdn_block, imei_luhn_ok, ip_country, segment_province, ...).
    #[command(
        after_help = "Examples:\n  duanka sql examples/tiny \"SELECT msisdn, count(*) AS n FROM sms GROUP BY msisdn ORDER BY n DESC LIMIT 5\"\n  duanka sql examples/tiny \"SELECT imei, imei_luhn_ok(imei) FROM attach\" --format csv\n  duanka sql data/ --reference ref/ \"SELECT dst_ip, ip_country(dst_ip) FROM flows\" --format json\n  duanka sql data/ --file query.sql\n  duanka sql data/ --builtin otp-per-number --format csv\n  duanka sql data/ --builtin otp-per-number --show"
    )]
    Sql {
        dataset: PathBuf,
        /// The SQL statement.
        #[arg(required_unless_present_any = ["file", "builtin"], conflicts_with_all = ["file", "builtin"])]
        query: Option<String>,
        /// Read the SQL statement from this file instead.
        #[arg(long, value_name = "FILE", conflicts_with = "builtin")]
        file: Option<PathBuf>,
        /// Run one of the queries the detectors themselves run, as they run it.
        #[arg(long, value_enum)]
        builtin: Option<Builtin>,
        /// Print the statement instead of running it.
        #[arg(long)]
        show: bool,
        #[command(flatten)]
        cluster: ClusterArgs,
        #[command(flatten)]
        read: ReadArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SqlFormat::Table)]
        format: SqlFormat,
    },
    /// Run every detector whose tables are present; write alerts.jsonl and summary.json,
    /// and say which detectors were skipped and why.
    #[command(
        after_help = "Examples:\n  duanka scan examples/tiny --out /tmp/tiny-scan\n  duanka scan data/ --reference ref/ --out out/"
    )]
    Scan(ScanArgs),
    /// The roles of an Apache Ballista cluster that runs `duanka scan --cluster`: one
    /// scheduler, any number of executors (a build with `--features cluster`).
    #[command(
        after_help = "Examples:\n  duanka cluster scheduler --bind 127.0.0.1:50050\n  duanka cluster executor --scheduler 127.0.0.1:50050 --port 50051 --grpc-port 50052\n  duanka scan world/ --out out/ --cluster df://127.0.0.1:50050\n\n\
                      Ballista has no authentication: run the roles on a private network only. \
                      The dataset folder and the scan's scratch folder must be at the same path on the client and every executor."
    )]
    Cluster {
        #[command(subcommand)]
        role: ClusterRole,
    },
    /// Linkage alone, on a scanned output: rebuilds clusters.jsonl, warnings.csv and
    /// graph.graphml in OUTDIR from the dataset and OUTDIR/alerts.jsonl; exports a
    /// cluster or the whole graph as GraphML (Gephi) or i2 entity/link tables.
    #[command(
        after_help = "Examples:\n  duanka link world/ --data scan-out/\n  duanka link world/ --data scan-out/ --cluster c0001 --graphml c0001.graphml --i2 i2/"
    )]
    Link(LinkArgs),
    /// Print the chain of one case, from the case upstream to the furthest supplier
    /// found, with what links each hop (reads OUTDIR/clusters.jsonl).
    #[command(
        after_help = "Examples:\n  duanka trace JJ2025000001 --data scan-out/\n  duanka trace JJ2025000001 --data scan-out/ --format json"
    )]
    Trace {
        /// The case id (`cases.case_id`).
        case_id: String,
        /// A scan's output folder.
        #[arg(long, value_name = "OUTDIR")]
        data: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Print the detector settings: `--defaults` prints every setting with its
    /// documentation and default value (a complete duanka.toml to edit); `--check FILE`
    /// reads a file and prints the settings it results in.
    #[command(
        after_help = "Examples:\n  duanka config --defaults > duanka.toml\n  duanka config --check duanka.toml\n  duanka scan data/ --config duanka.toml --out out/"
    )]
    Config {
        /// Print every setting with its documentation and default.
        #[arg(long, conflicts_with = "check")]
        defaults: bool,
        /// Read this file and print the settings in effect.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
    /// Write a synthetic operator world (every contract table plus truth.csv) with the
    /// seed story's fraud supply chain planted among realistic hard negatives.
    #[command(
        after_help = "Examples:\n  duanka simulate --subscribers 10000 --days 2 --seed 7 --out world/\n  duanka simulate --subscribers 1000000 --reference ref/ --out big/ --format parquet\n  duanka simulate --subscribers 5000 --scenario modem-pool --cases 30 --out pool/"
    )]
    Simulate(crate::simulate::SimArgs),
    /// The whole story in one command: simulate a world, scan it, score the scan against
    /// the world's truth, and write report.html.
    #[command(
        after_help = "Examples:\n  duanka demo\n  duanka demo --subscribers 20000 --out /tmp/demo\n  duanka demo --reference ref/ --subscribers 200000"
    )]
    Demo(crate::demo::DemoArgs),
    /// The public reference data built into duanka (number segments, TACs, country IPv4
    /// blocks): its snapshot, files, sources and licences; `--export DIR` writes the
    /// files out, to read or to compare with a newer copy.
    #[command(
        after_help = "Examples:\n  duanka reference\n  duanka reference --export ref/\n  duanka scan data/ --reference ref/ --out out/"
    )]
    Reference {
        /// Write the snapshot's files to this folder (created; must be empty or absent).
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// Draw report.html again from a scan's output folder (report.json, alerts.jsonl,
    /// summary.json, clusters.jsonl, warnings.csv, graph.graphml: whatever is there).
    #[command(after_help = "Examples:\n  duanka report scan-out/")]
    Report {
        /// The scan's output folder.
        outdir: PathBuf,
    },
    /// Serve the analysts' API over a case store: sign-in and roles, the alert queue,
    /// cases, clusters, reveals with a purpose, four-eyes exports, the audit log.
    #[command(
        after_help = "Examples:\n  duanka user add admin --role admin --db cases.db < password.txt\n  duanka serve --db cases.db\n  duanka serve --db postgres://duanka@db.internal/duanka --listen 0.0.0.0:8080 --scan-dir /srv/duanka/scans"
    )]
    Serve(crate::serve::ServeArgs),
    /// Manage the users of a case store from the server's machine (the first user, a
    /// locked-out admin).
    User {
        #[command(subcommand)]
        command: crate::serve::UserCommand,
    },
    /// Check the case store's audit log.
    Audit {
        #[command(subcommand)]
        command: crate::serve::AuditCommand,
    },
    /// Score a scan's alerts.jsonl and clusters.jsonl against a simulated world's
    /// truth.csv: precision, recall and F1 per label and per entity type, and the chain
    /// check.
    #[command(
        after_help = "Examples:\n  duanka eval --truth world/truth.csv scan-out/\n  duanka eval --truth world/truth.csv scan-out/ --format json"
    )]
    Eval {
        /// The scan's output folder (alerts.jsonl, optionally clusters.jsonl).
        outdir: PathBuf,
        /// The world's truth.csv.
        #[arg(long)]
        truth: PathBuf,
        /// Hard negatives (default: hard_negatives.csv beside the truth file, if present),
        /// to say which trap each false positive fell into.
        #[arg(long, value_name = "FILE")]
        negatives: Option<PathBuf>,
        /// Alerts below this severity are leads, not claims, and are not scored.
        #[arg(long, value_enum, default_value_t = Severity::Medium)]
        min_severity: Severity,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
}

/// A role of a duanka cluster.
#[derive(Debug, Clone, Subcommand)]
pub enum ClusterRole {
    /// Plan queries into stages and hand their tasks to the executors.
    Scheduler {
        /// Address and port to listen on (gRPC, for clients and executors).
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: std::net::SocketAddr,
        /// Name executors and clients reach this scheduler by (default: the bind address).
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
    },
    /// Run the tasks of the scheduler at HOST:PORT.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Name the scheduler and other executors reach this one by (default: the bind address).
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Arrow Flight port (shuffle data and results).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port (tasks).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once (default: all cores).
        #[arg(long, env = "DUANKA_THREADS")]
        slots: Option<usize>,
        /// Folder for shuffle files (default: a new folder in the temporary folder).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Memory all its tasks may hold at once, e.g. 8G (default: Ballista's share of the
        /// machine's memory); operators that can spill do so past it.
        #[arg(long, env = "DUANKA_MEMORY_LIMIT", value_name = "SIZE", value_parser = memory_limit)]
        memory_limit: Option<MemoryLimit>,
    },
}

/// What `duanka scan` takes.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Dataset folder.
    pub dataset: PathBuf,
    /// Output folder for alerts.jsonl, summary.json and report.html (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Detector settings (TOML; every key optional, see `duanka config --defaults`).
    #[arg(long, env = "DUANKA_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip linkage (clusters.jsonl, warnings.csv, graph.graphml).
    #[arg(long)]
    pub no_link: bool,
    /// Do not write report.json and report.html.
    #[arg(long)]
    pub no_report: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Where a command's plans run: here, or on a Ballista cluster.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Run the plans on the Ballista scheduler at df://HOST:PORT (see `duanka cluster`);
    /// linkage and the scoring of findings run here, over what the plans return.
    #[arg(long, value_name = "URL")]
    pub cluster: Option<String>,
    /// Folder where a cluster run writes the tables it holds itself (reference tables,
    /// tables read into memory, detectors' summaries) for the executors to read; it must
    /// be at the same path on every executor (default: the temporary folder). A new
    /// folder inside it is removed at the end.
    #[arg(long, value_name = "DIR", requires = "cluster")]
    pub cluster_scratch: Option<PathBuf>,
}

/// What `duanka link` takes.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// Dataset folder (the one that was scanned).
    pub dataset: PathBuf,
    /// The scan's output folder (reads alerts.jsonl, writes the linkage outputs).
    #[arg(long, value_name = "OUTDIR")]
    pub data: PathBuf,
    /// Export only this cluster (e.g. c0001) with --graphml / --i2.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Write the graph (or the cluster) as GraphML to this file.
    #[arg(long, value_name = "FILE")]
    pub graphml: Option<PathBuf>,
    /// Write i2 Analyst's Notebook import tables (entities.csv, links.csv) to this folder.
    #[arg(long, value_name = "DIR")]
    pub i2: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// How to read a dataset; shared by every command that reads one.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Folder with public reference files (libphonenumber *geocoding*.txt and
    /// *carrier*.txt, an Osmocom TAC CSV, per-country *.cidr files), used instead of the
    /// built-in snapshot for the segments / tac / geoip tables the dataset does not hold
    /// itself; the tables the folder lacks still come from the snapshot.
    #[arg(long, env = "DUANKA_REFERENCE", value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// IANA zone for times written without an offset.
    #[arg(long, env = "DUANKA_TZ", default_value = "Asia/Shanghai")]
    pub tz: String,
    /// Write every rejected row (table, file, line, column, reason, value) to this CSV.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Stop when more than this share of a table's rows is rejected (0.01 = 1 %).
    #[arg(long, default_value_t = 0.01, value_parser = share)]
    pub max_reject_share: f64,
    /// Longest record (CSV row, NDJSON line) to read, in MiB: a longer one is a broken
    /// file (a runaway quote, no line ends) and stops the read with its line.
    #[arg(long, value_name = "MIB", default_value_t = duanka_ingest::DEFAULT_MAX_RECORD_MIB, value_parser = clap::value_parser!(usize))]
    pub max_record_mib: usize,
    /// Worker threads (default: all cores).
    #[arg(long, env = "DUANKA_THREADS")]
    pub threads: Option<usize>,
    /// Memory the run may take, e.g. 8G or 512M (default: three quarters of the
    /// machine's). Tables held in normalised Parquet are scanned where they lie; the plans'
    /// hash tables and sorts spill to the temporary folder (TMPDIR) past their share.
    #[arg(long, env = "DUANKA_MEMORY_LIMIT", value_name = "SIZE", value_parser = memory_limit)]
    pub memory_limit: Option<MemoryLimit>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A memory size in bytes, given as `8G`, `512M`, `1.5G` or plain bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit(pub u64);

fn memory_limit(s: &str) -> Result<MemoryLimit, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let scale: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("{s:?}: a size such as 8G, 512M or 1.5G")),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: a size such as 8G, 512M or 1.5G"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("{s:?}: must be more than 0"));
    }
    Ok(MemoryLimit((v * scale as f64) as u64))
}

fn share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1 (0.01 = 1 %)".into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

/// Queries shared with the detectors (`duanka sql --builtin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Builtin {
    /// Per number that received an OTP: its SMS, its OTPs and its distinct OTP services
    /// (the aggregation at the heart of the otp_sink detector).
    OtpPerNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormat {
    Table,
    Csv,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_as_people_write_them() {
        assert_eq!(memory_limit("8G"), Ok(MemoryLimit(8 << 30)));
        assert_eq!(memory_limit("512M"), Ok(MemoryLimit(512 << 20)));
        assert_eq!(memory_limit("1.5GiB"), Ok(MemoryLimit(3 << 29)));
        assert_eq!(memory_limit("2gb"), Ok(MemoryLimit(2 << 30)));
        assert_eq!(memory_limit("4096"), Ok(MemoryLimit(4096)));
        assert!(memory_limit("8X").is_err());
        assert!(memory_limit("0G").is_err());
        assert!(memory_limit("G").is_err());
        assert!(memory_limit("-1G").is_err());
    }
}
