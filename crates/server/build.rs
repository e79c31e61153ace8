//! Embeds the web pages (`assets/`, but not `assets/dev/`) into the binary: the server
//! works offline, from one file, and serves exactly the pages it was built with.

use std::fmt::Write;
use std::path::Path;

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let rel = p
            .strip_prefix(base)
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        let Ok(rel) = rel else { continue };
        if p.is_dir() {
            if rel != "dev" {
                walk(&p, base, out);
            }
        } else if !rel.ends_with(".sh") {
            out.push(rel);
        }
    }
}

fn main() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    println!("cargo::rerun-if-changed={}", base.display());
    let mut files = Vec::new();
    walk(&base, &base, &mut files);
    let mut code = String::from(
        "/// Every file of the pages: its path under `assets/` and its bytes.\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for f in &files {
        let full = base.join(f);
        let _ = writeln!(
            code,
            "    ({f:?}, include_bytes!({:?})),",
            full.display().to_string()
        );
        println!("cargo::rerun-if-changed={}", full.display());
    }
    code.push_str("];\n");
    let out =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("assets.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
