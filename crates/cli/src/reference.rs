//! `duanka reference`: what the built-in reference snapshot holds, where it comes from,
//! under which licences; and its files written out on request.

use std::path::Path;

use anyhow::Context;
use duanka_ingest::ReadOptions;
use duanka_ingest::reference::{RefFile, SNAPSHOT, builtin};

use crate::Failure;

pub(crate) fn run(export: Option<&Path>) -> Result<(), Failure> {
    match export {
        Some(dir) => write_out(dir),
        None => show(),
    }
}

fn show() -> Result<(), Failure> {
    println!("built-in reference snapshot {SNAPSHOT}\n");
    println!(
        "{:<10} {:>6} {:>12} {:>12} {:>9} {:>9}  files",
        "table", "files", "bytes", "in binary", "rows", "rejected"
    );
    let mut rejects = Vec::new();
    for source in builtin() {
        let files: Vec<&duanka_refdata::File> = source
            .all_files()
            .into_iter()
            .filter_map(|f| match f {
                RefFile::Builtin(b) => Some(*b),
                RefFile::Disk(_) => None,
            })
            .collect();
        let table = source.read(&ReadOptions::default())?;
        let names: Vec<&str> = files.iter().map(|f| f.path).collect();
        let shown = if names.len() > 3 {
            format!("{}, ... ({} files)", names[..2].join(", "), names.len())
        } else {
            names.join(", ")
        };
        println!(
            "{:<10} {:>6} {:>12} {:>12} {:>9} {:>9}  {shown}",
            source.table(),
            files.len(),
            files.iter().map(|f| f.size).sum::<u64>(),
            files.iter().map(|f| f.packed_size() as u64).sum::<u64>(),
            table.report.accepted,
            table.report.rejected,
        );
        for f in &table.report.files {
            for n in &f.notes {
                rejects.push(format!("note: {}: {n}", f.path.display()));
            }
        }
        rejects.extend(
            table
                .report
                .rejects
                .iter()
                .map(|r| format!("rejected: {r}")),
        );
    }
    for line in rejects {
        println!("{line}");
    }
    let notice = duanka_refdata::notice()
        .context("the built-in NOTICE")
        .map_err(Failure::internal)?;
    println!("\n{notice}");
    Ok(())
}

fn write_out(dir: &Path) -> Result<(), Failure> {
    crate::demo::refuse_non_empty(dir)?;
    let mut bytes = 0u64;
    for f in duanka_refdata::files() {
        let path = dir.join(f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))
                .map_err(Failure::input)?;
        }
        let data = f
            .bytes()
            .with_context(|| format!("built-in reference file {}", f.path))
            .map_err(Failure::internal)?;
        std::fs::write(&path, &data)
            .with_context(|| format!("{}: cannot write", path.display()))
            .map_err(Failure::input)?;
        bytes += data.len() as u64;
    }
    println!(
        "wrote the reference snapshot {SNAPSHOT} ({} files, {bytes} bytes) to {}",
        duanka_refdata::files().len(),
        dir.display()
    );
    Ok(())
}
