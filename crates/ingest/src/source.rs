//! Finding a table's files in a dataset folder: `NAME.csv` / `NAME.ndjson` /
//! `NAME.parquet` (optionally `.gz` / `.zst`), or a folder `NAME/` of parts, walked in
//! name order so that reads are deterministic.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::IngestError;

/// File format, from the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
    Parquet,
}

/// Compression wrapped around a text format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One file of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub format: Format,
    pub compression: Compression,
    pub bytes: u64,
}

impl SourceFile {
    pub fn format_name(&self) -> String {
        let f = match self.format {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
        };
        match self.compression {
            Compression::None => f.to_string(),
            Compression::Gzip => format!("{f}.gz"),
            Compression::Zstd => format!("{f}.zst"),
        }
    }

    /// Opens the file, decompressing as its name says; `on_read` is told how many raw
    /// bytes were consumed (for progress bars).
    pub fn open(
        &self,
        on_read: impl FnMut(u64) + Send + 'static,
    ) -> Result<Box<dyn Read + Send>, IngestError> {
        let f = File::open(&self.path).map_err(|e| IngestError::io(&self.path, e))?;
        let counted = Counting { inner: f, on_read };
        Ok(match self.compression {
            Compression::None => Box::new(counted),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                BufReader::with_capacity(1 << 20, counted),
            )),
            Compression::Zstd => {
                Box::new(zstd::Decoder::new(counted).map_err(|e| IngestError::io(&self.path, e))?)
            }
        })
    }
}

struct Counting<R, F> {
    inner: R,
    on_read: F,
}

impl<R: Read, F: FnMut(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_read)(n as u64);
        Ok(n)
    }
}

/// Splits a file name into (stem, format, compression), or `None` if it is not a table file.
pub fn classify(name: &str) -> Option<(&str, Format, Compression)> {
    let (rest, compression) = if let Some(r) = name.strip_suffix(".gz") {
        (r, Compression::Gzip)
    } else if let Some(r) = name
        .strip_suffix(".zst")
        .or_else(|| name.strip_suffix(".zstd"))
    {
        (r, Compression::Zstd)
    } else {
        (name, Compression::None)
    };
    let (stem, format) = if let Some(s) = rest.strip_suffix(".csv") {
        (s, Format::Csv)
    } else if let Some(s) = rest
        .strip_suffix(".ndjson")
        .or_else(|| rest.strip_suffix(".jsonl"))
    {
        (s, Format::Ndjson)
    } else if let Some(s) = rest.strip_suffix(".parquet") {
        if compression != Compression::None {
            return None;
        }
        (s, Format::Parquet)
    } else {
        return None;
    };
    Some((stem, format, compression))
}

fn source(
    path: PathBuf,
    format: Format,
    compression: Compression,
) -> Result<SourceFile, IngestError> {
    let bytes = std::fs::metadata(&path)
        .map_err(|e| IngestError::io(&path, e))?
        .len();
    Ok(SourceFile {
        path,
        format,
        compression,
        bytes,
    })
}

/// Files that sit in a part folder without being data: dot-files and the `_SUCCESS`-style
/// markers that Spark and Hadoop jobs leave.
fn is_marker(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Walks a table folder recursively (Hive-style `date=…/` partitions included).
fn walk_parts(dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), IngestError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IngestError::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|err| IngestError::io(dir, err)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if is_marker(&name) {
            continue;
        }
        if p.is_dir() {
            walk_parts(&p, out)?;
        } else if let Some((_, format, compression)) = classify(&name) {
            out.push(source(p, format, compression)?);
        } else {
            return Err(IngestError::UnknownPart { path: p });
        }
    }
    Ok(())
}

/// The files of one table in `root`, or an empty list when the table is absent. A table
/// given in two ways (e.g. `sms.csv` and `sms/`) is an error rather than a silent choice.
pub fn find_table(root: &Path, table: &str) -> Result<Vec<SourceFile>, IngestError> {
    let mut found: Vec<(PathBuf, Vec<SourceFile>)> = Vec::new();
    let dir = root.join(table);
    if dir.is_dir() {
        let mut parts = Vec::new();
        walk_parts(&dir, &mut parts)?;
        found.push((dir, parts));
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| IngestError::io(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for p in names {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some((stem, format, compression)) = classify(name)
            && stem == table
        {
            let s = source(p.clone(), format, compression)?;
            found.push((p, vec![s]));
        }
    }
    match found.len() {
        0 => Ok(Vec::new()),
        1 => Ok(found.pop().map(|f| f.1).unwrap_or_default()),
        _ => Err(IngestError::AmbiguousTable {
            table: table.to_string(),
            paths: found.into_iter().map(|f| f.0).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            classify("sms.csv"),
            Some(("sms", Format::Csv, Compression::None))
        );
        assert_eq!(
            classify("part-0001.csv.gz"),
            Some(("part-0001", Format::Csv, Compression::Gzip))
        );
        assert_eq!(
            classify("sms.ndjson.zst"),
            Some(("sms", Format::Ndjson, Compression::Zstd))
        );
        assert_eq!(
            classify("a.jsonl"),
            Some(("a", Format::Ndjson, Compression::None))
        );
        assert_eq!(
            classify("a.parquet"),
            Some(("a", Format::Parquet, Compression::None))
        );
        assert_eq!(classify("a.parquet.gz"), None);
        assert_eq!(classify("README.md"), None);
    }
}
