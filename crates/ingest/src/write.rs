//! The normalised Parquet cache (`duanka convert`, `duanka simulate --format parquet`):
//! each table as Parquet in the normalised types, each file sorted by the table's main
//! key, marked so that later reads skip parsing and a query engine can scan it in place.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::compute::{SortColumn, concat_batches, lexsort_to_indices, take_record_batch};
use duanka_outdir::Batch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::parquet_in::{NORMALISED_KEY, NORMALISED_VERSION};
use crate::{IngestError, Table, TableSpec};

/// Rows per Parquet row group: large enough for fast scans, small enough to prune.
const ROW_GROUP: usize = 1 << 20;

/// The table's rows sorted by its sort key (nulls last), as one batch.
pub fn sorted(table: &Table) -> Result<RecordBatch, IngestError> {
    sort_rows(table.spec, &table.batches)
}

fn sort_rows(spec: &TableSpec, batches: &[RecordBatch]) -> Result<RecordBatch, IngestError> {
    let internal =
        |e: arrow::error::ArrowError| IngestError::Internal(format!("sorting {}: {e}", spec.name));
    let all = concat_batches(&spec.schema(), batches).map_err(internal)?;
    if all.num_rows() == 0 {
        return Ok(all);
    }
    let keys: Vec<SortColumn> = spec
        .sort_key
        .iter()
        .filter_map(|k| all.column_by_name(k))
        .map(|c| SortColumn {
            values: c.clone(),
            options: Some(arrow::compute::SortOptions {
                descending: false,
                nulls_first: false,
            }),
        })
        .collect();
    let idx = lexsort_to_indices(&keys, None).map_err(internal)?;
    take_record_batch(&all, &idx).map_err(internal)
}

/// Stages `table` as `NAME.parquet` in `batch` (`duanka convert`'s folder, committed
/// once every table is written), sorted, zstd-compressed and marked normalised.
pub fn stage_normalised(table: &Table, batch: &mut Batch) -> Result<PathBuf, IngestError> {
    let name = format!("{}.parquet", table.name());
    let rows = sorted(table)?;
    batch
        .write(&name, |w| {
            write_parquet(table.spec, &rows, w).map_err(std::io::Error::other)
        })
        .map_err(|e| IngestError::Write {
            path: batch.dir().join(&name),
            // The path is said already; the reason is what the write met.
            reason: std::error::Error::source(&e)
                .map_or_else(|| e.to_string(), ToString::to_string),
        })?;
    Ok(batch.dir().join(name))
}

/// Writes a table that arrives batch by batch in parts of at most `part_rows` rows,
/// each sorted by the table's sort key and marked normalised, so that what is held at
/// once is one part whatever the table's size: `dir/NAME.parquet` when the table fits
/// one part, else `dir/NAME/part-00000.parquet`, `part-00001.parquet`, …
pub struct PartWriter {
    spec: &'static TableSpec,
    dir: PathBuf,
    part_rows: usize,
    held: Vec<RecordBatch>,
    held_rows: usize,
    parts: Vec<PathBuf>,
}

impl PartWriter {
    pub fn new(spec: &'static TableSpec, dir: &Path, part_rows: usize) -> Self {
        PartWriter {
            spec,
            dir: dir.to_path_buf(),
            part_rows: part_rows.max(1),
            held: Vec::new(),
            held_rows: 0,
            parts: Vec::new(),
        }
    }

    pub fn push(&mut self, mut batch: RecordBatch) -> Result<(), IngestError> {
        while batch.num_rows() > 0 {
            let take = (self.part_rows - self.held_rows).min(batch.num_rows());
            self.held.push(batch.slice(0, take));
            self.held_rows += take;
            batch = batch.slice(take, batch.num_rows() - take);
            if self.held_rows == self.part_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        let folder = self.dir.join(self.spec.name);
        std::fs::create_dir_all(&folder).map_err(|e| IngestError::io(&folder, e))?;
        let path = folder.join(format!("part-{:05}.parquet", self.parts.len()));
        let rows = sort_rows(self.spec, &std::mem::take(&mut self.held))?;
        self.held_rows = 0;
        write_file(self.spec, &rows, &path)?;
        self.parts.push(path);
        Ok(())
    }

    /// Writes what is held and returns the files written, in order.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, IngestError> {
        if self.parts.is_empty() {
            std::fs::create_dir_all(&self.dir).map_err(|e| IngestError::io(&self.dir, e))?;
            let path = self.dir.join(format!("{}.parquet", self.spec.name));
            write_file(self.spec, &sort_rows(self.spec, &self.held)?, &path)?;
            return Ok(vec![path]);
        }
        if self.held_rows > 0 {
            self.flush()?;
        }
        Ok(self.parts)
    }
}

fn write_file(spec: &TableSpec, batch: &RecordBatch, path: &Path) -> Result<(), IngestError> {
    let fail = |e: &dyn std::fmt::Display| IngestError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = File::create(path).map_err(|e| IngestError::io(path, e))?;
    write_parquet(spec, batch, file).map_err(|e| fail(&e))
}

fn write_parquet<W: Write + Send>(
    spec: &TableSpec,
    batch: &RecordBatch,
    to: W,
) -> Result<(), ParquetError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            NORMALISED_KEY.to_string(),
            NORMALISED_VERSION.to_string(),
        )]))
        .build();
    let mut w = ArrowWriter::try_new(to, spec.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(())
}
