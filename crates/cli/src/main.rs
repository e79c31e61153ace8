//! The `duanka` binary: parses the command line, resolves settings, runs one command and
//! maps failures to exit codes. Holds no logic of its own beyond presentation.

mod args;
mod cluster;
mod demo;
mod eval;
mod inspect;
mod link;
mod read;
mod reference;
mod report;
mod scan;
mod serve;
mod simulate;
mod sql;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Exit codes, as `duanka --help` lists them.
pub(crate) mod exit {
    pub const INTERNAL: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INPUT: u8 = 3;
    pub const REJECTS: u8 = 4;
    pub const BROKEN: u8 = 5;
    pub const MEMORY: u8 = 6;
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: exit::INPUT,
            error: error.into(),
        }
    }

    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: exit::USAGE,
            error: error.into(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: exit::INTERNAL,
            error: error.into(),
        }
    }
}

impl From<duanka_ingest::IngestError> for Failure {
    fn from(e: duanka_ingest::IngestError) -> Self {
        let code = match &e {
            duanka_ingest::IngestError::RejectLimit { .. } => exit::REJECTS,
            e if e.is_internal() => exit::INTERNAL,
            _ => exit::INPUT,
        };
        Failure {
            code,
            error: e.into(),
        }
    }
}

impl From<duanka_engine::ScanError> for Failure {
    fn from(e: duanka_engine::ScanError) -> Self {
        let code = match &e {
            duanka_engine::ScanError::Memory { .. } => exit::MEMORY,
            _ => exit::INTERNAL,
        };
        Failure {
            code,
            error: e.into(),
        }
    }
}

impl From<duanka_engine::OutputError> for Failure {
    fn from(e: duanka_engine::OutputError) -> Self {
        Failure::input(e)
    }
}

impl From<duanka_engine::InputError> for Failure {
    fn from(e: duanka_engine::InputError) -> Self {
        Failure::input(e)
    }
}

impl From<duanka_engine::ReportError> for Failure {
    fn from(e: duanka_engine::ReportError) -> Self {
        if e.is_input() {
            Failure::input(e)
        } else {
            Failure::internal(e)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect {
            dataset,
            read,
            format,
        } => inspect::run(&dataset, &read, format),
        Command::Convert { dataset, to, read } => inspect::convert(&dataset, &to, &read),
        Command::Sql {
            dataset,
            query,
            file,
            builtin,
            show,
            cluster,
            read,
            format,
        } => sql::statement(query, file.as_deref(), builtin).and_then(|q| {
            if show {
                println!("{q}");
                Ok(())
            } else {
                sql::run(&dataset, &q, &read, &cluster, format)
            }
        }),
        Command::Scan(a) => scan::run(&a),
        Command::Cluster { role } => cluster::run(&role),
        Command::Link(a) => link::run(&a),
        Command::Trace {
            case_id,
            data,
            format,
        } => link::trace(&case_id, &data, format),
        Command::Config { defaults, check } => scan::config_command(defaults, check.as_deref()),
        Command::Simulate(sim) => simulate::run(&sim),
        Command::Demo(d) => demo::run(&d),
        Command::Reference { export } => reference::run(export.as_deref()),
        Command::Report { outdir } => report::run(&outdir),
        Command::Serve(a) => serve::serve(&a),
        Command::User { command } => serve::user(&command),
        Command::Audit { command } => serve::audit(&command),
        Command::Eval {
            outdir,
            truth,
            negatives,
            min_severity,
            format,
        } => eval::run(&outdir, &truth, negatives.as_deref(), min_severity, format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}
