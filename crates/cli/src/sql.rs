//! `duanka sql`: ad-hoc SQL over a dataset.

use std::path::Path;

use std::io::Write;

use anyhow::Context;
use futures::StreamExt;

use crate::args::{Builtin, ClusterArgs, ReadArgs, SqlFormat};
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
    cluster: &ClusterArgs,
    format: SqlFormat,
) -> Result<(), Failure> {
    // Only the tables the query names are read: a query over `cases` need not parse a
    // billion SMS records.
    let only = duanka_query::tables_referenced(query);
    let ds = read::read(dataset, args, only.as_deref(), read::Rows::InPlace)?;
    let resources = read::resources(args, &ds)?;
    let threads = resources.threads;
    let (engine, _scratch) = crate::cluster::engine(cluster)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_stack_size(crate::cluster::PLAN_STACK_BYTES)
        .enable_all()
        .build()
        .map_err(Failure::internal)?;
    // Rows are written as the plan yields them, so that formatting a large result overlaps
    // with computing it; a table needs every row first to size its columns.
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut writer = match format {
        SqlFormat::Table => Sink::Table(Vec::new()),
        SqlFormat::Csv => Sink::Csv(Box::new(
            arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out),
        )),
        SqlFormat::Json => Sink::Json(Box::new(arrow::json::LineDelimitedWriter::new(&mut out))),
    };
    runtime.block_on(async {
        let ctx = duanka_query::open_session(&ds, &resources, &engine)
            .await
            .map_err(Failure::input)?;
        // A query the user wrote that does not plan or run is their input's problem.
        let df = ctx.sql(query).await.map_err(Failure::input)?;
        let mut stream = df.execute_stream().await.map_err(Failure::input)?;
        while let Some(batch) = stream.next().await {
            writer.write(&batch.map_err(Failure::input)?)?;
        }
        Ok::<_, Failure>(())
    })?;
    writer.finish()?;
    out.flush().map_err(Failure::internal)?;
    Ok(())
}

/// Where `duanka sql` puts its rows.
enum Sink<'a, W: std::io::Write> {
    Table(Vec<arrow::array::RecordBatch>),
    Csv(Box<arrow::csv::Writer<&'a mut W>>),
    Json(Box<arrow::json::LineDelimitedWriter<&'a mut W>>),
}

impl<W: std::io::Write> Sink<'_, W> {
    fn write(&mut self, batch: &arrow::array::RecordBatch) -> Result<(), Failure> {
        match self {
            Sink::Table(all) => all.push(batch.clone()),
            Sink::Csv(w) => w.write(batch).map_err(Failure::internal)?,
            Sink::Json(w) => w.write(batch).map_err(Failure::internal)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Failure> {
        match self {
            Sink::Table(all) => {
                let text =
                    arrow::util::pretty::pretty_format_batches(&all).map_err(Failure::internal)?;
                println!("{text}");
            }
            Sink::Csv(_) => {}
            Sink::Json(mut w) => w.finish().map_err(Failure::internal)?,
        }
        Ok(())
    }
}
