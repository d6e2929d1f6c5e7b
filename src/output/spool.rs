//! The files of a build as they are rendered: each goes straight into the staging folder (or,
//! when the output already holds the same bytes, nowhere) and only its path, size and SHA-256
//! stay in memory. A build's memory is then bounded by the pages being rendered and the site
//! model, not by its output (600 MB at 10,000 practices). Nothing in the output changes here: the
//! write stage (`super::write_spooled`) decides what the staged files become.

use super::record::{Record, Stamp};
use super::{MARKER, MARKER_TEXT, MOUNTED_STAGING, io_error, is_mount_point, remove_own};
use crate::diagnostics::Diagnostic;
use crate::manifest::FileEntry;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The staging folder of one build, filled while it renders. Dropped without being written
/// (a build with errors), it removes what it staged.
pub struct Spool {
    pub(super) output: PathBuf,
    pub(super) staging: PathBuf,
    /// Where the previous output goes while a new one is swapped in.
    pub(super) old: PathBuf,
    /// Whether the output is a mount point, which is updated in place (its staging folder is
    /// inside it).
    pub(super) mounted: bool,
    /// The output's record, by path: a file whose bytes the output holds already (as recorded
    /// and unchanged on disk since) needs no writing.
    recorded: HashMap<PathBuf, Vec<(String, Stamp)>>,
    files: Mutex<Vec<Spooled>>,
    /// Set when a file could not be staged: the build failed writing, not on its content.
    failed: std::sync::atomic::AtomicBool,
}

/// A file handed to the spool.
#[derive(Debug, Clone)]
pub struct Spooled {
    pub entry: FileEntry,
    /// In the staging folder; else the output's file at its path holds it.
    pub(super) staged: bool,
}

impl Spool {
    /// Clears what an interrupted build left beside `output` and starts its staging folder,
    /// marked as casebook's so that a build killed from here on leaves nothing the next one
    /// cannot remove.
    pub fn open(output: &Path) -> Result<Spool, Diagnostic> {
        let output = super::absolute(output);
        let (staging, old) = super::siblings(&output)
            .ok_or_else(|| Diagnostic::error(output.display().to_string(), "no folder name"))?;
        let parent = output.parent().unwrap_or(&output);
        std::fs::create_dir_all(parent).map_err(|e| io_error("create the folder", parent, e))?;
        super::recover(&output).map_err(|e| io_error("restore the previous build", &old, e))?;
        // A mount point (a container's volume, a mounted deploy folder) cannot be moved aside,
        // and nothing beside it is on its file system: its staging folder is inside it.
        let mounted = is_mount_point(&output);
        let staging = if mounted {
            output.join(MOUNTED_STAGING)
        } else {
            staging
        };
        for leftover in [&staging, &old] {
            remove_own(leftover).map_err(|e| io_error("remove a leftover build", leftover, e))?;
        }
        std::fs::create_dir_all(&staging)
            .map_err(|e| io_error("create the folder", &staging, e))?;
        let marker = staging.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| io_error("write", &marker, e))?;
        let mut recorded: HashMap<PathBuf, Vec<(String, Stamp)>> = HashMap::new();
        for r in Record::read(&output).map_or_else(Vec::new, |r| r.files) {
            recorded
                .entry(r.path)
                .or_default()
                .push((r.sha256, r.stamp));
        }
        Ok(Spool {
            output,
            staging,
            old,
            mounted,
            recorded,
            files: Mutex::new(Vec::new()),
            failed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Takes a rendered file: stages it unless the output holds it already, and keeps its
    /// digest. The bytes can be dropped once this returns.
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let relative = super::writable(path)?;
        let sha256 = crate::manifest::sha256(bytes);
        let target = self.output.join(&relative);
        let in_output = self.recorded.get(&relative).is_some_and(|entries| {
            std::fs::symlink_metadata(&target).is_ok_and(|metadata| {
                let stamp = Stamp::of(&metadata);
                metadata.is_file()
                    && (entries.iter())
                        .any(|(sha, recorded)| *sha == sha256 && stamp.matches(recorded))
            })
        });
        if !in_output {
            let staged = self.staging.join(&relative);
            stage_file(&staged, bytes).map_err(|e| {
                self.failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                io_error("write", &staged, e)
            })?;
        }
        let spooled = Spooled {
            entry: FileEntry {
                path: path.to_string(),
                size: bytes.len() as u64,
                sha256,
            },
            staged: !in_output,
        };
        self.files().push(spooled);
        Ok(())
    }

    /// Whether a file could not be staged (a full disk, a name too long for the file system).
    pub fn failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What was handed to the spool so far, sorted by path.
    pub fn entries(&self) -> Vec<FileEntry> {
        let mut entries: Vec<FileEntry> = (self.files().iter()).map(|s| s.entry.clone()).collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries
    }

    /// The files handed over so far. A panic elsewhere (a bug, reported as such) leaves the list
    /// whole: each change to it is one push.
    fn files(&self) -> std::sync::MutexGuard<'_, Vec<Spooled>> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The files handed to the spool, sorted by path.
    pub(super) fn take_files(&self) -> Vec<Spooled> {
        let mut files = std::mem::take(&mut *self.files());
        files.sort_by(|a, b| a.entry.path.cmp(&b.entry.path));
        files
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Swapped in, the staging folder is gone; otherwise nothing in it is needed any more.
        let _ = remove_own(&self.staging);
    }
}

/// Writes `bytes` at `target`, making its folders when they are missing (pages are rendered in
/// parallel, in any order).
fn stage_file(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = match std::fs::File::create(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder)?;
            }
            std::fs::File::create(target)?
        }
        created => created?,
    };
    file.write_all(bytes)
}
