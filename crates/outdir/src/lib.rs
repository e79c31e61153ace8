//! The folders duanka writes (a scan's outputs, `duanka convert`'s Parquet) are complete
//! or refused, never half-written, whatever point a run is killed at.
//!
//! A single file goes through [`write_atomic`]: written under a temporary name beside its
//! final one, synced, then renamed (a rename within one file system is atomic). A set of
//! files that belong together goes through a [`Batch`]: every file is written into the
//! folder's `.duanka-staging/` first, which takes as long as the run takes while the
//! previous outputs stay whole beside it. Only then does the commit mark the folder
//! incomplete in its [`MANIFEST`], rename the new files into place, remove what the
//! previous run left that this one did not write, and mark the folder complete with each
//! file's size and SHA-256. A run killed before the commit leaves the previous complete
//! outputs; one killed within it (a few renames) leaves a folder whose manifest says
//! "writing", which every reader refuses through [`check`].
//!
//! A folder without a manifest (written by another tool, or by hand) is read as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file, in a folder duanka wrote, that lists what it wrote.
pub const MANIFEST: &str = "manifest.json";

/// Where a [`Batch`] writes before its commit, inside the folder it writes.
pub const STAGING: &str = ".duanka-staging";

/// The manifest's format, written in it so that a later duanka can read an older one.
const FORMAT: u32 = 1;

/// Why a file or folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}: cannot create the folder", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: cannot write", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An amended folder that is itself incomplete or changed.
    #[error(transparent)]
    Existing(#[from] FolderError),
}

/// Why a folder duanka wrote cannot be read as it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FolderError {
    /// The folder, or the file of it at fault.
    pub path: PathBuf,
    pub fault: Fault,
    /// What a person reads after the path.
    pub reason: String,
}

/// What is wrong with a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A run was stopped within its commit.
    Incomplete,
    /// A file is not the one the run wrote (edited, replaced, removed, added).
    Changed,
    /// The manifest itself is unreadable.
    Manifest,
}

impl FolderError {
    fn incomplete(dir: &Path, writer: &str) -> FolderError {
        FolderError {
            path: dir.to_path_buf(),
            fault: Fault::Incomplete,
            reason: format!(
                "incomplete: `{writer}` was stopped while it replaced the files of this folder; run it again"
            ),
        }
    }

    fn changed(path: &Path, writer: &str, why: &str) -> FolderError {
        FolderError {
            path: path.to_path_buf(),
            fault: Fault::Changed,
            reason: format!(
                "not as `{writer}` wrote it: {why}; run it again, or remove {MANIFEST} to read the folder as it is"
            ),
        }
    }
}

/// What the manifest says of the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// A commit was under way: the files may be partly the old run's, partly the new one's.
    Writing,
    Complete,
}

/// One file as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    pub bytes: u64,
    pub sha256: String,
}

/// The contents of [`MANIFEST`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// The command that wrote the folder, e.g. `duanka scan`.
    pub writer: String,
    pub state: State,
    /// By file name, in the folder itself.
    pub files: BTreeMap<String, FileSum>,
    /// While writing: the earlier files the commit removes, so that a run that repairs an
    /// interrupted folder removes them too.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub replaces: BTreeSet<String>,
}

/// A file being written: buffered, and counted and hashed as it goes, so that the
/// manifest's sums cost no second read.
pub struct Sink {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Sink {
    fn create(path: &Path) -> io::Result<Sink> {
        Ok(Sink {
            inner: BufWriter::with_capacity(1 << 16, File::create(path)?),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Flushes and syncs the file, so that a rename never points at data in flight.
    fn finish(&mut self) -> io::Result<FileSum> {
        self.inner.flush()?;
        self.inner.get_ref().sync_all()?;
        Ok(FileSum {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize_reset()),
        })
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `path` through `write`: into `.NAME.tmp` in the same folder, synced, then
/// renamed. On failure the temporary file is removed and any file already at `path` is
/// left as it was.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut Sink) -> io::Result<()>,
) -> Result<FileSum, WriteError> {
    let mut file = AtomicFile::create(path)?;
    write(file.writer()).map_err(|source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    file.commit()
}

/// One file written over time (rows as a read finds them) that appears at its path only
/// when complete: under `.NAME.tmp` beside it until [`AtomicFile::commit`]; dropped
/// uncommitted, the temporary file is removed and any file already at the path is left
/// as it was.
pub struct AtomicFile {
    path: PathBuf,
    staged: PathBuf,
    sink: Sink,
    committed: bool,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, WriteError> {
        let failed = |source| WriteError::Write {
            path: path.to_path_buf(),
            source,
        };
        let staged = temporary_name(path).map_err(failed)?;
        let sink = Sink::create(&staged).map_err(failed)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            staged,
            sink,
            committed: false,
        })
    }

    pub fn writer(&mut self) -> &mut Sink {
        &mut self.sink
    }

    /// Syncs the file and renames it into place.
    pub fn commit(mut self) -> Result<FileSum, WriteError> {
        let path = self.path.clone();
        let failed = |source| WriteError::Write { path, source };
        let sum = self.sink.finish().map_err(failed.clone())?;
        std::fs::rename(&self.staged, &self.path).map_err(failed)?;
        self.committed = true;
        Ok(sum)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // The write's own error, if any, is the one worth reporting.
            let _ = std::fs::remove_file(&self.staged);
        }
    }
}

fn temporary_name(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut staged = OsString::from(".");
    staged.push(name);
    staged.push(".tmp");
    Ok(path.with_file_name(staged))
}

/// Creates `dir` and its parents.
pub fn create_folder(dir: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Folder {
        path: dir.to_path_buf(),
        source,
    })
}

/// Makes the renames and removals in `dir` durable before what depends on them.
fn sync_folder(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Reads `dir`'s manifest: `None` when there is none.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, FolderError> {
    let path = dir.join(MANIFEST);
    let bad = |reason: String| FolderError {
        path: path.clone(),
        fault: Fault::Manifest,
        reason,
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(format!("cannot read: {e}"))),
    };
    let m: Manifest =
        serde_json::from_slice(&text).map_err(|e| bad(format!("not a duanka manifest: {e}")))?;
    if m.format != FORMAT {
        return Err(bad(format!(
            "manifest format {} (this duanka reads {FORMAT})",
            m.format
        )));
    }
    Ok(Some(m))
}

/// How much of a listed file [`check`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The size of each listed file only, and a file the run did not write is accepted:
    /// for a dataset (Parquet read in place, where a truncated or replaced file shows in
    /// its size or fails its own checks, and a table may be added by hand).
    ListedSizes,
    /// The SHA-256 of each file, and a file the run did not write is refused: for
    /// outputs, which a reader reads whole anyway.
    Contents,
}

/// Checks that `dir`, if duanka wrote it, is complete and that each of `names` that is
/// there is the file it wrote. A folder without a manifest passes as it is; a name that
/// is absent is left to the caller, which knows whether it needs it.
pub fn check(dir: &Path, names: &[&str], verify: Verify) -> Result<(), FolderError> {
    let Some(m) = read_manifest(dir)? else {
        return Ok(());
    };
    if m.state != State::Complete {
        return Err(FolderError::incomplete(dir, &m.writer));
    }
    for name in names {
        let path = dir.join(name);
        let changed = |why: String| FolderError::changed(&path, &m.writer, &why);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if m.files.contains_key(*name) {
                    return Err(changed("the file is gone".into()));
                }
                continue;
            }
            Err(e) => return Err(changed(format!("cannot read: {e}"))),
        };
        let Some(sum) = m.files.get(*name) else {
            if verify == Verify::ListedSizes {
                continue;
            }
            return Err(changed(format!("the run did not write {name}")));
        };
        if meta.len() != sum.bytes {
            return Err(changed(format!(
                "{} bytes where it wrote {}",
                meta.len(),
                sum.bytes
            )));
        }
        if verify == Verify::Contents {
            let got = hash_file(&path).map_err(|e| changed(format!("cannot read: {e}")))?;
            if got != sum.sha256 {
                return Err(changed("its contents changed".into()));
            }
        }
    }
    Ok(())
}

/// [`check`] for the one file `path` of its folder.
pub fn check_file(path: &Path, verify: Verify) -> Result<(), FolderError> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return Ok(());
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    check(dir, &[name], verify)
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What a commit does to the files of the folder it does not write.
enum Mode {
    /// A new set: every file the previous manifest listed, and every name in `owned`,
    /// that this batch does not write is removed.
    Replace {
        previous: Option<Manifest>,
        owned: BTreeSet<String>,
    },
    /// The folder's other files stay as they are, listed as before. `None`: a folder
    /// without a manifest, which stays without one.
    Amend(Option<Manifest>),
}

/// A set of files written together into one folder: all of them or none (see the
/// module's text). Dropped without [`Batch::commit`], it removes what it staged.
pub struct Batch {
    dir: PathBuf,
    staging: PathBuf,
    writer: String,
    mode: Mode,
    staged: BTreeMap<String, FileSum>,
}

/// The points of a commit, in order: tests stop a commit after each to see what a kill
/// there would leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    MarkWriting,
    Rename,
    RemoveStale,
    MarkComplete,
    Done,
}

impl Batch {
    /// A batch that replaces what `writer` wrote in `dir` before: `owned` names the files
    /// such a run writes, so that one it does not write this time (the linkage files of
    /// a scan run without linkage) does not survive from an earlier run, even one that
    /// left no manifest.
    pub fn replace(dir: &Path, writer: &str, owned: &[&str]) -> Result<Batch, WriteError> {
        // An interrupted folder is replaced too: that is how a user repairs it.
        let previous = read_manifest(dir).ok().flatten();
        Batch::open(
            dir,
            writer,
            Mode::Replace {
                previous,
                owned: owned.iter().map(|s| (*s).to_string()).collect(),
            },
        )
    }

    /// A batch that adds or replaces some files of a folder and keeps the rest: the
    /// folder must be complete.
    pub fn amend(dir: &Path, writer: &str) -> Result<Batch, WriteError> {
        let previous = read_manifest(dir)?;
        if let Some(m) = &previous
            && m.state != State::Complete
        {
            return Err(FolderError::incomplete(dir, &m.writer).into());
        }
        Batch::open(dir, writer, Mode::Amend(previous))
    }

    fn open(dir: &Path, writer: &str, mode: Mode) -> Result<Batch, WriteError> {
        create_folder(dir)?;
        let staging = dir.join(STAGING);
        // What a killed run staged is of no use to anybody.
        match std::fs::remove_dir_all(&staging) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(WriteError::Write {
                    path: staging,
                    source,
                });
            }
        }
        create_folder(&staging)?;
        Ok(Batch {
            dir: dir.to_path_buf(),
            staging,
            writer: writer.to_string(),
            mode,
            staged: BTreeMap::new(),
        })
    }

    /// The folder the batch writes.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stages the file `name` (a plain file name) through `write`.
    pub fn write(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut Sink) -> io::Result<()>,
    ) -> Result<(), WriteError> {
        let final_path = self.dir.join(name);
        let failed = |source| WriteError::Write {
            path: final_path.clone(),
            source,
        };
        if name.is_empty()
            || name.contains(['/', '\\'])
            || name.starts_with('.')
            || name == MANIFEST
        {
            return Err(failed(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} is not a file name a batch writes"),
            )));
        }
        let path = self.staging.join(name);
        let sum = (|| {
            let mut sink = Sink::create(&path)?;
            write(&mut sink)?;
            sink.finish()
        })()
        .map_err(failed)?;
        self.staged.insert(name.to_string(), sum);
        Ok(())
    }

    /// Puts every staged file in place and marks the folder complete.
    pub fn commit(self) -> Result<(), WriteError> {
        self.commit_until(Step::Done)
    }

    fn commit_until(mut self, stop: Step) -> Result<(), WriteError> {
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError::Write { path, source }
        };
        let staged = std::mem::take(&mut self.staged);
        let (mut files, previous, stale) = match &self.mode {
            Mode::Replace { previous, owned } => {
                let mut stale: BTreeSet<String> = owned.clone();
                if let Some(p) = previous {
                    stale.extend(p.files.keys().cloned());
                    stale.extend(p.replaces.iter().cloned());
                }
                (BTreeMap::new(), previous.as_ref(), stale)
            }
            Mode::Amend(previous) => (
                previous
                    .as_ref()
                    .map(|p| p.files.clone())
                    .unwrap_or_default(),
                previous.as_ref(),
                BTreeSet::new(),
            ),
        };
        let listed = previous.is_some() || matches!(self.mode, Mode::Replace { .. });
        files.extend(staged.iter().map(|(k, v)| (k.clone(), v.clone())));
        let stale: BTreeSet<String> = stale
            .into_iter()
            .filter(|n| !files.contains_key(n))
            .collect();
        let mut manifest = Manifest {
            format: FORMAT,
            writer: self.writer.clone(),
            state: State::Writing,
            files,
            replaces: stale.clone(),
        };
        let manifest_path = self.dir.join(MANIFEST);
        if stop <= Step::MarkWriting {
            return Ok(());
        }
        if listed {
            write_manifest(&manifest_path, &manifest)?;
        }
        if stop <= Step::Rename {
            return Ok(());
        }
        for name in staged.keys() {
            let to = self.dir.join(name);
            std::fs::rename(self.staging.join(name), &to).map_err(fail(&to))?;
        }
        if stop <= Step::RemoveStale {
            return Ok(());
        }
        for name in &stale {
            let path = self.dir.join(name);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(fail(&path)(e)),
            }
        }
        sync_folder(&self.dir).map_err(fail(&self.dir))?;
        if stop <= Step::MarkComplete {
            return Ok(());
        }
        if listed {
            manifest.state = State::Complete;
            manifest.replaces.clear();
            write_manifest(&manifest_path, &manifest)?;
        }
        sync_folder(&self.dir).map_err(fail(&self.dir))?;
        // Drop removes the (now empty) staging folder.
        Ok(())
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Nothing to report to: a leftover staging folder is removed by the next batch.
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

fn write_manifest(path: &Path, m: &Manifest) -> Result<(), WriteError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, m)?;
        w.write_all(b"\n")
    })
    .map(|_| ())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("duanka-outdir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn read(d: &Path, name: &str) -> Option<String> {
        std::fs::read_to_string(d.join(name)).ok()
    }

    fn scan(d: &Path, tag: &str, names: &[&str]) -> Batch {
        let mut b = Batch::replace(d, "duanka scan", &["a.txt", "b.txt", "c.txt"]).unwrap();
        for n in names {
            b.write(n, |w| w.write_all(format!("{tag} {n}\n").as_bytes()))
                .unwrap();
        }
        b
    }

    #[test]
    fn a_commit_replaces_the_set_and_removes_what_the_new_run_did_not_write() {
        let d = dir("replace");
        scan(&d, "old", &["a.txt", "b.txt", "c.txt"])
            .commit()
            .unwrap();
        check(&d, &["a.txt", "b.txt", "c.txt"], Verify::Contents).unwrap();
        scan(&d, "new", &["a.txt", "b.txt"]).commit().unwrap();
        assert_eq!(read(&d, "a.txt").unwrap(), "new a.txt\n");
        assert_eq!(read(&d, "c.txt"), None, "the old run's c.txt is gone");
        assert!(!d.join(STAGING).exists());
        let m = read_manifest(&d).unwrap().unwrap();
        assert_eq!(m.state, State::Complete);
        assert_eq!(m.files.keys().collect::<Vec<_>>(), ["a.txt", "b.txt"]);
        check(&d, &["a.txt", "b.txt", "c.txt"], Verify::Contents).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }

    /// Every point a run can be killed at: before the commit the previous set is whole
    /// and passes; within it the folder is refused; after it the new set passes.
    #[test]
    fn a_run_killed_anywhere_leaves_the_previous_set_or_a_refused_folder() {
        let names = ["a.txt", "b.txt", "c.txt"];
        for stop in [
            Step::MarkWriting,
            Step::Rename,
            Step::RemoveStale,
            Step::MarkComplete,
            Step::Done,
        ] {
            let d = dir(&format!("kill-{stop:?}"));
            scan(&d, "old", &names).commit().unwrap();
            let b = scan(&d, "new", &["a.txt", "b.txt"]);
            b.commit_until(stop).unwrap();
            let result = check(&d, &names, Verify::Contents);
            match stop {
                Step::MarkWriting => {
                    result.unwrap();
                    assert_eq!(read(&d, "a.txt").unwrap(), "old a.txt\n");
                    assert_eq!(read(&d, "c.txt").unwrap(), "old c.txt\n");
                }
                Step::Done => {
                    result.unwrap();
                    assert_eq!(read(&d, "a.txt").unwrap(), "new a.txt\n");
                }
                _ => {
                    let e = result.unwrap_err();
                    assert_eq!(e.fault, Fault::Incomplete, "{stop:?}: {e}");
                    assert!(e.to_string().contains("run it again"), "{e}");
                }
            }
            std::fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn an_edited_or_foreign_file_is_refused_and_a_folder_without_manifest_is_read() {
        let d = dir("changed");
        scan(&d, "old", &["a.txt", "b.txt"]).commit().unwrap();
        std::fs::write(d.join("a.txt"), "old a.txX\n").unwrap();
        let e = check(&d, &["a.txt"], Verify::Contents).unwrap_err();
        assert!(e.to_string().contains("its contents changed"), "{e}");
        check(&d, &["a.txt"], Verify::ListedSizes).unwrap();
        std::fs::write(d.join("a.txt"), "short\n").unwrap();
        let e = check(&d, &["a.txt"], Verify::ListedSizes).unwrap_err();
        assert!(e.to_string().contains("6 bytes where it wrote 10"), "{e}");
        std::fs::write(d.join("c.txt"), "placed by hand\n").unwrap();
        let e = check(&d, &["c.txt"], Verify::Contents).unwrap_err();
        assert!(e.to_string().contains("the run did not write c.txt"), "{e}");
        check(&d, &["c.txt"], Verify::ListedSizes).unwrap();
        std::fs::remove_file(d.join("b.txt")).unwrap();
        let e = check(&d, &["b.txt"], Verify::ListedSizes).unwrap_err();
        assert!(e.to_string().contains("the file is gone"), "{e}");
        std::fs::remove_file(d.join(MANIFEST)).unwrap();
        check(&d, &["a.txt", "b.txt", "c.txt"], Verify::Contents).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn an_amend_keeps_the_other_files_listed_and_refuses_an_incomplete_folder() {
        let d = dir("amend");
        scan(&d, "old", &["a.txt", "b.txt"]).commit().unwrap();
        let mut b = Batch::amend(&d, "duanka report").unwrap();
        b.write("r.html", |w| w.write_all(b"report\n")).unwrap();
        b.commit().unwrap();
        let m = read_manifest(&d).unwrap().unwrap();
        assert_eq!(
            m.files.keys().collect::<Vec<_>>(),
            ["a.txt", "b.txt", "r.html"]
        );
        check(&d, &["a.txt", "r.html"], Verify::Contents).unwrap();

        scan(&d, "new", &["a.txt"])
            .commit_until(Step::RemoveStale)
            .unwrap();
        let e = Batch::amend(&d, "duanka report").err().unwrap();
        assert!(e.to_string().contains("incomplete"), "{e}");
        // A new scan repairs it.
        scan(&d, "new", &["a.txt"]).commit().unwrap();
        check(&d, &["a.txt", "b.txt", "r.html"], Verify::Contents).unwrap();
        assert_eq!(
            read(&d, "r.html"),
            None,
            "a replaced set drops the old report"
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn an_amend_of_a_folder_without_manifest_writes_none() {
        let d = dir("foreign");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("a.txt"), "by hand\n").unwrap();
        let mut b = Batch::amend(&d, "duanka report").unwrap();
        b.write("r.html", |w| w.write_all(b"report\n")).unwrap();
        b.commit().unwrap();
        assert!(!d.join(MANIFEST).exists());
        assert_eq!(read(&d, "r.html").unwrap(), "report\n");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary_one() {
        let d = dir("atomic");
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("alerts.jsonl");
        write_atomic(&path, |w| w.write_all(b"old\n")).unwrap();
        let e = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(e.to_string().contains("alerts.jsonl: cannot write"), "{e}");
        assert_eq!(read(&d, "alerts.jsonl").unwrap(), "old\n");
        assert!(!d.join(".alerts.jsonl.tmp").exists());
        let mut b = Batch::replace(&d, "duanka scan", &[]).unwrap();
        let e = b
            .write("x.txt", |_| Err(io::Error::other("disk full")))
            .unwrap_err();
        assert!(e.to_string().contains("x.txt: cannot write"), "{e}");
        drop(b);
        assert!(
            !d.join(STAGING).exists(),
            "a dropped batch removes its staging"
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn the_sums_are_those_of_the_bytes_written() {
        let d = dir("sums");
        std::fs::create_dir_all(&d).unwrap();
        let sum = write_atomic(&d.join("x"), |w| w.write_all(b"abc")).unwrap();
        assert_eq!(sum.bytes, 3);
        assert_eq!(
            sum.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::remove_dir_all(d).unwrap();
    }
}
