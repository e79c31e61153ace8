//! Parquet files: columns matched by name. Files that duanka itself wrote (marked in their
//! key-value metadata and already in the normalised types) are taken as they are; any
//! other Parquet goes through the same value parsers as text, so a foreign file's
//! `13312345678` becomes `8613312345678` just as in CSV.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, new_null_array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::FileMetaData;

use crate::diag::{FileReport, Reject, TableReport};
use crate::rows::{BatchBuilder, MAX_COLS};
use crate::source::{Compression, Format, SourceFile};
use crate::spec::TableSpec;
use crate::text::{FileOutput, map_columns};
use crate::{IngestError, ReadOptions, Table};

/// Key-value metadata that marks a file written by `duanka convert`.
pub const NORMALISED_KEY: &str = "duanka.normalised";
/// Version of the normalised layout; bumped when the Arrow types change.
pub const NORMALISED_VERSION: &str = "1";

/// Reads one Parquet file. The `parquet` crate can panic on a crafted file (found by
/// fuzzing: a column chunk whose byte range overflows, in `ColumnChunkMetaData::byte_range`);
/// such a file is reported as unreadable like any other corrupt one, never a crash.
pub(crate) fn read_file(
    spec: &'static TableSpec,
    file: &SourceFile,
    opts: &ReadOptions,
) -> Result<FileOutput, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_file_inner(spec, file, opts)
    }))
    .unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("the Parquet reader failed");
        Err(IngestError::Corrupt {
            path: file.path.clone(),
            line: 0,
            reason: format!("not a readable Parquet file: {why}"),
        })
    })
}

fn read_file_inner(
    spec: &'static TableSpec,
    file: &SourceFile,
    opts: &ReadOptions,
) -> Result<FileOutput, IngestError> {
    let path = file.path.as_path();
    let corrupt = |e: &dyn std::fmt::Display| IngestError::Corrupt {
        path: path.to_path_buf(),
        line: 0,
        reason: format!("not a readable Parquet file: {e}"),
    };
    let f = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| corrupt(&e))?;
    let normalised = marked_normalised(builder.metadata().file_metadata());
    let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows())
        .unwrap_or(0)
        .max(1);
    let file_schema = builder.schema().clone();
    let header: Vec<String> = file_schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut columns = map_columns(spec, &header, path)?;
    let target = spec.schema();
    if normalised {
        // Derived columns are never read from foreign input, but a normalised file holds
        // the ones duanka computed when it wrote the file.
        for (c, src) in spec.columns.iter().zip(columns.iter_mut()) {
            if c.derived() {
                *src = file_schema.index_of(c.name).ok();
            }
        }
    }
    let fast = normalised
        && spec.columns.iter().zip(&columns).all(|(c, src)| match src {
            Some(j) => file_schema.field(*j).data_type() == &c.kind.data_type(),
            None => !c.required && !c.derived(),
        });
    if !fast {
        for (c, src) in spec.columns.iter().zip(columns.iter_mut()) {
            if c.derived() {
                *src = None;
            }
        }
    }
    let reader = builder
        .with_batch_size(opts.batch_rows)
        .build()
        .map_err(|e| corrupt(&e))?;
    let mut report = FileReport {
        path: path.to_path_buf(),
        format: file.format_name(),
        bytes: file.bytes,
        ..Default::default()
    };
    let mut batches = Vec::new();
    let mut rejects = Vec::new();
    let mut rows = BatchBuilder::new(spec, opts.time.clone());
    let mut row_no = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| IngestError::Corrupt {
            path: path.to_path_buf(),
            line: row_no + 1,
            reason: format!("cannot read past this row: {e}"),
        })?;
        let n = batch.num_rows() as u64;
        if let Some(p) = &opts.progress {
            p(file.bytes.saturating_mul(n) / total_rows)
        }
        if fast {
            let arrays: Vec<ArrayRef> = spec
                .columns
                .iter()
                .zip(&columns)
                .map(|(c, src)| match src {
                    Some(j) => Arc::clone(batch.column(*j)),
                    None => new_null_array(&c.kind.data_type(), batch.num_rows()),
                })
                .collect();
            let out = RecordBatch::try_new(Arc::clone(&target), arrays).map_err(|e| corrupt(&e))?;
            report.read += n;
            report.accepted += n;
            row_no += n;
            batches.push(out);
            continue;
        }
        let texts: Vec<Option<ArrayRef>> = columns
            .iter()
            .map(|src| src.map(|j| as_text(batch.column(j))).transpose())
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(&e))?;
        for r in 0..batch.num_rows() {
            row_no += 1;
            report.read += 1;
            let mut fields: [Option<&str>; MAX_COLS] = [None; MAX_COLS];
            for (f, t) in fields.iter_mut().zip(&texts) {
                *f = t.as_ref().and_then(|a| {
                    let s = a.as_string::<i32>();
                    (!s.is_null(r)).then(|| s.value(r))
                });
            }
            match rows.push_str(&fields[..spec.columns.len().min(MAX_COLS)]) {
                Ok(()) => report.accepted += 1,
                Err(e) => rejects.push(Reject {
                    table: spec.name,
                    file: path.to_path_buf(),
                    line: row_no,
                    column: e.column,
                    reason: e.reason,
                    value: e.value,
                }),
            }
        }
        if rows.rows() > 0 {
            batches.push(rows.finish());
        }
    }
    report.rejected = rejects.len() as u64;
    Ok(FileOutput {
        batches,
        report,
        rejects,
    })
}

fn marked_normalised(meta: &FileMetaData) -> bool {
    meta.key_value_metadata().is_some_and(|kv| {
        kv.iter()
            .any(|k| k.key == NORMALISED_KEY && k.value.as_deref() == Some(NORMALISED_VERSION))
    })
}

/// Whether `path` is a Parquet file that `duanka convert` wrote for `spec`, holding every
/// column of the table in its normalised type: such a file can be scanned as it is, by
/// any Parquet reader, with nothing to check or reject.
pub fn is_normalised(spec: &TableSpec, path: &Path) -> Result<bool, IngestError> {
    Ok(normalised_rows(spec, path)?.is_some())
}

/// The rows of `path` when it is normalised for `spec` (see [`is_normalised`]), read
/// from its footer alone.
fn normalised_rows(spec: &TableSpec, path: &Path) -> Result<Option<u64>, IngestError> {
    let f = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let Ok(builder) = ParquetRecordBatchReaderBuilder::try_new(f) else {
        // Not readable as Parquet: the ordinary reader reports why.
        return Ok(None);
    };
    let schema = builder.schema();
    let meta = builder.metadata().file_metadata();
    let normalised = marked_normalised(meta)
        && spec.columns.iter().all(|c| {
            schema
                .field_with_name(c.name)
                .is_ok_and(|f| f.data_type() == &c.kind.data_type())
        });
    Ok(normalised.then(|| u64::try_from(meta.num_rows()).unwrap_or(0)))
}

/// Whether a query engine can be handed `file` as it is: a plain Parquet file whose
/// path is UTF-8 without the characters a listing reads as a pattern.
fn scannable(file: &SourceFile) -> bool {
    file.format == Format::Parquet
        && file.compression == Compression::None
        && file
            .path
            .to_str()
            .is_some_and(|s| !s.contains(['*', '?', '[', ']', '{', '}']))
}

/// The table left in place when every one of its files is a normalised Parquet file a
/// query engine can scan: its report counts the rows the footers declare (a normalised
/// file has nothing to reject). `None`: the table must be read.
pub(crate) fn in_place(
    spec: &'static TableSpec,
    files: &[SourceFile],
) -> Result<Option<Table>, IngestError> {
    if spec.reference || files.is_empty() || !files.iter().all(scannable) {
        return Ok(None);
    }
    let mut report = TableReport::new(spec.name);
    for f in files {
        let Some(rows) = normalised_rows(spec, &f.path)? else {
            return Ok(None);
        };
        report.add_file(FileReport {
            path: f.path.clone(),
            format: f.format_name(),
            bytes: f.bytes,
            read: rows,
            accepted: rows,
            ..Default::default()
        });
    }
    Ok(Some(Table {
        spec,
        batches: Vec::new(),
        report,
        in_place: files.to_vec(),
    }))
}

/// Any Arrow column as text the value parsers understand. Times become epoch seconds
/// so that no textual time format is involved.
fn as_text(a: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    match a.data_type() {
        DataType::Utf8 => Ok(Arc::clone(a)),
        DataType::Timestamp(_, _) => {
            let secs = cast(a, &DataType::Timestamp(TimeUnit::Second, None))?;
            let ints = cast(&secs, &DataType::Int64)?;
            cast(&ints, &DataType::Utf8)
        }
        DataType::Date32 | DataType::Date64 => {
            let secs = cast(a, &DataType::Timestamp(TimeUnit::Second, None))?;
            let ints = cast(&secs, &DataType::Int64)?;
            cast(&ints, &DataType::Utf8)
        }
        _ => cast(a, &DataType::Utf8),
    }
}
