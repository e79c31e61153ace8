//! The public reference snapshot that every duanka binary carries: libphonenumber's
//! Chinese number segments and carriers, the Osmocom TAC database and per-country IPv4
//! blocks, as the repository holds them in `data/reference/` (sources, snapshot date and
//! licences in that folder's `NOTICE`).
//!
//! Each file is stored zstd-compressed on its own and decompressed only when read, so a
//! run that needs one table pays for that table alone. This crate knows nothing of the
//! formats; `duanka-ingest` reads them as it reads the same files from a folder.

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// One file of the snapshot.
pub struct File {
    /// Path inside the snapshot, `/`-separated (`country-ip-blocks-ipv4/jp.cidr`).
    pub path: &'static str,
    /// Size when decompressed, in bytes.
    pub size: u64,
    /// The file's first line (at most 160 bytes of it), to recognise a format by.
    pub head: &'static str,
    packed: &'static [u8],
}

impl File {
    /// The last component of the path.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// Whether the file sits in a sub-folder of the snapshot.
    pub fn in_subfolder(&self) -> bool {
        self.path.contains('/')
    }

    /// Size of the compressed copy in the binary, in bytes.
    pub fn packed_size(&self) -> usize {
        self.packed.len()
    }

    /// The file's bytes, exactly as in `data/reference/`.
    pub fn bytes(&self) -> std::io::Result<Vec<u8>> {
        let size = usize::try_from(self.size).map_err(std::io::Error::other)?;
        zstd::bulk::decompress(self.packed, size)
    }
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("path", &self.path)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl PartialEq for File {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for File {}

/// Every file of the snapshot, in path order.
pub fn files() -> &'static [File] {
    FILES
}

/// The file at `path` inside the snapshot.
pub fn file(path: &str) -> Option<&'static File> {
    FILES.iter().find(|f| f.path == path)
}

/// The snapshot's `NOTICE`: sources, snapshot dates and licences.
pub fn notice() -> std::io::Result<String> {
    let f = file("NOTICE").ok_or_else(|| std::io::Error::other("the snapshot has no NOTICE"))?;
    String::from_utf8(f.bytes()?).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_decompresses_to_its_size() {
        assert!(files().len() > 200);
        for f in files() {
            let bytes = f.bytes().map_err(|e| format!("{}: {e}", f.path));
            assert_eq!(bytes.map(|b| b.len() as u64), Ok(f.size), "{}", f.path);
        }
    }

    #[test]
    fn notice_names_the_snapshot() {
        let n = notice().unwrap_or_default();
        assert!(n.starts_with(&format!("duanka reference snapshot {SNAPSHOT}")));
        assert!(n.contains("CC0") && n.contains("Apache") && n.contains("ShareAlike"));
    }
}
