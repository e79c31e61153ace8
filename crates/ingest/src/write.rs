//! The normalised Parquet cache (`duanka convert`): each table as one Parquet file in the
//! normalised types, sorted by its main key, marked so that later reads skip parsing.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::compute::{SortColumn, concat_batches, lexsort_to_indices, take_record_batch};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::parquet_in::{NORMALISED_KEY, NORMALISED_VERSION};
use crate::{IngestError, Table};

/// Rows per Parquet row group: large enough for fast scans, small enough to prune.
const ROW_GROUP: usize = 1 << 20;

/// The table's rows sorted by its sort key (nulls last), as one batch.
pub fn sorted(table: &Table) -> Result<RecordBatch, IngestError> {
    let internal = |e: arrow::error::ArrowError| {
        IngestError::Internal(format!("sorting {}: {e}", table.name()))
    };
    let all = concat_batches(&table.schema(), &table.batches).map_err(internal)?;
    if all.num_rows() == 0 {
        return Ok(all);
    }
    let keys: Vec<SortColumn> = table
        .spec
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

/// Writes `table` to `dir/NAME.parquet`, sorted, zstd-compressed and marked normalised.
pub fn write_normalised(table: &Table, dir: &Path) -> Result<PathBuf, IngestError> {
    std::fs::create_dir_all(dir).map_err(|e| IngestError::io(dir, e))?;
    let path = dir.join(format!("{}.parquet", table.name()));
    let fail = |e: &dyn std::fmt::Display| IngestError::Write {
        path: path.clone(),
        reason: e.to_string(),
    };
    let batch = sorted(table)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).map_err(|e| fail(&e))?,
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            NORMALISED_KEY.to_string(),
            NORMALISED_VERSION.to_string(),
        )]))
        .build();
    let file = File::create(&path).map_err(|e| IngestError::io(&path, e))?;
    let mut w = ArrowWriter::try_new(file, table.schema(), Some(props)).map_err(|e| fail(&e))?;
    w.write(&batch).map_err(|e| fail(&e))?;
    w.close().map_err(|e| fail(&e))?;
    Ok(path)
}
