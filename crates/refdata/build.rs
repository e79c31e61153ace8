//! Packs the repository's reference snapshot (`data/reference/`) into the library: each
//! file compressed on its own, so that a reader decompresses only the tables it needs,
//! plus a generated table of the files that `include_bytes!` the compressed copies.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// zstd level 9: within a few percent of level 19's size at a hundredth of its time,
/// which keeps a cold build's build-script step well under a second.
const LEVEL: i32 = 9;

/// The first bytes of each file are kept uncompressed, so that formats can be recognised
/// by their first line (the Osmocom CSV's licence line) without decompressing.
const HEAD_BYTES: usize = 160;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let src = manifest.join("../../data/reference");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo::rerun-if-changed={}", src.display());

    let mut files = Vec::new();
    walk(&src, &src, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no reference files", src.display()).into());
    }
    let notice = std::fs::read_to_string(src.join("NOTICE"))?;
    let snapshot = notice
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("duanka reference snapshot "))
        .ok_or("data/reference/NOTICE must start with `duanka reference snapshot DATE`")?
        .trim()
        .to_string();

    let mut table = String::new();
    writeln!(table, "pub const SNAPSHOT: &str = {snapshot:?};")?;
    writeln!(table, "pub(crate) static FILES: &[File] = &[")?;
    for (i, rel) in files.iter().enumerate() {
        let data = std::fs::read(src.join(rel))?;
        let packed = zstd::bulk::compress(&data, LEVEL)?;
        let name = format!("{i:04}.zst");
        std::fs::write(out.join(&name), &packed)?;
        let head = String::from_utf8_lossy(&data[..data.len().min(HEAD_BYTES)]);
        let head = head.lines().next().unwrap_or("");
        writeln!(
            table,
            "    File {{ path: {rel:?}, size: {}, head: {head:?}, packed: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}\")) }},",
            data.len()
        )?;
    }
    writeln!(table, "];")?;
    std::fs::write(out.join("files.rs"), table)?;
    Ok(())
}

/// Every file under `dir`, as paths relative to `root` with `/` separators; dot-files
/// are skipped.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), Box<dyn Error>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root)?;
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}
