//! `duanka sql`: ad-hoc SQL over a dataset.

use std::path::Path;

use anyhow::Context;

use crate::args::{Builtin, ReadArgs, SqlFormat};
use crate::{Failure, read};

/// The statement to run: as typed, from a file, or one the detectors run.
pub(crate) fn statement(
    query: Option<String>,
    file: Option<&Path>,
    builtin: Option<Builtin>,
) -> Result<String, Failure> {
    match (query, file, builtin) {
        (Some(q), _, _) => Ok(q),
        (None, Some(f), _) => std::fs::read_to_string(f)
            .with_context(|| format!("{}: cannot read the SQL file", f.display()))
            .map_err(Failure::input),
        (None, None, Some(Builtin::OtpPerNumber)) => Ok(duanka_detect::sql::otp_per_number()),
        (None, None, None) => Err(Failure::usage(anyhow::anyhow!(
            "give a SQL statement, --file or --builtin"
        ))),
    }
}

pub(crate) fn run(
    dataset: &Path,
    query: &str,
    args: &ReadArgs,
    format: SqlFormat,
) -> Result<(), Failure> {
    // Only the tables the query names are read: a query over `cases` need not parse a
    // billion SMS records.
    let only = duanka_query::tables_referenced(query);
    let (ds, direct) = read::read_for_query(dataset, args, only.as_deref())?;
    let threads = read::threads(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    let batches = runtime.block_on(async {
        let ctx = duanka_query::session_for(&ds, threads)?;
        for t in &direct {
            duanka_query::register_normalised(&ctx, t)?;
        }
        duanka_query::sql(&ctx, query).await
    });
    // A query the user wrote that does not plan or run is their input's problem.
    let batches = batches.map_err(Failure::input)?;
    let stdout = std::io::stdout();
    let out = stdout.lock();
    match format {
        SqlFormat::Table => {
            let text =
                arrow::util::pretty::pretty_format_batches(&batches).map_err(Failure::internal)?;
            println!("{text}");
        }
        SqlFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            for b in &batches {
                w.write(b).map_err(Failure::internal)?;
            }
        }
        SqlFormat::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(out);
            for b in &batches {
                w.write(b).map_err(Failure::internal)?;
            }
            w.finish().map_err(Failure::internal)?;
        }
    }
    Ok(())
}
