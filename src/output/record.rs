//! The record of what a build wrote, kept in the output's marker file: each file's path, SHA-256,
//! size and modification time, so that the next build changes only what changed and never takes
//! a file someone edited or added for its own.

use super::{MARKER, NewBuild, safe_relative};
use std::path::{Path, PathBuf};

/// The marker's first line.
pub(super) const MARKER_TEXT: &str = "This folder was written by casebook: each build replaces or removes the files it wrote here.\n";
/// The line that starts the record, after the marker's first line.
pub(super) const RECORD_HEADER: &str = "casebook record 1";

/// A file's size and modification time as seen on disk: when both still match what was recorded
/// right after casebook wrote it, the file is taken to hold what casebook wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) size: u64,
    /// Nanoseconds since 1970; 0 when the file system gives no time, which never matches.
    pub(super) modified_ns: u64,
}

impl Stamp {
    pub(super) fn of(metadata: &std::fs::Metadata) -> Stamp {
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(0));
        Stamp {
            size: metadata.len(),
            modified_ns,
        }
    }

    pub(super) fn matches(&self, recorded: &Stamp) -> bool {
        self.modified_ns != 0 && self == recorded
    }
}

/// What the last complete build wrote, kept in the marker file after its first line: a line
/// `casebook record 1`, then per file `<sha256> <size> <mtime in ns> <path>`, then `end <count>`
/// (so that a cut-off record is not taken for a shorter one).
#[derive(Default)]
pub(super) struct Record {
    pub(super) files: Vec<Recorded>,
}

pub(super) struct Recorded {
    pub(super) path: PathBuf,
    pub(super) sha256: String,
    pub(super) stamp: Stamp,
}

impl Record {
    /// The record in `output`'s marker, if there is a complete and well-formed one.
    pub(super) fn read(output: &Path) -> Option<Record> {
        let text = std::fs::read_to_string(output.join(MARKER)).ok()?;
        let mut lines = text.lines();
        lines.next()?;
        if lines.next()? != RECORD_HEADER {
            return None;
        }
        let mut files = Vec::new();
        for line in lines.by_ref() {
            if let Some(count) = line.strip_prefix("end ") {
                return (count.parse() == Ok(files.len()) && lines.next().is_none())
                    .then_some(Record { files });
            }
            let mut fields = line.splitn(4, ' ');
            let (sha256, size, modified_ns, path) = (
                fields.next()?,
                fields.next()?,
                fields.next()?,
                fields.next()?,
            );
            let path = safe_relative(path).filter(|p| p != Path::new(MARKER))?;
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            files.push(Recorded {
                path,
                sha256: sha256.to_string(),
                stamp: Stamp {
                    size: size.parse().ok()?,
                    modified_ns: modified_ns.parse().ok()?,
                },
            });
        }
        None
    }

    /// The marker's text recording `old`'s files and the `changed` files of `new` with the
    /// stamps they were staged with: what the output holds at any moment of an update.
    pub(super) fn union_text(
        old: &Record,
        new: &NewBuild,
        changed: &[usize],
        stamps: &[Stamp],
    ) -> String {
        if new.files.iter().any(|f| f.path.contains(['\n', '\r'])) {
            return MARKER_TEXT.into();
        }
        let mut text =
            String::with_capacity(MARKER_TEXT.len() + 160 * (old.files.len() + changed.len()));
        text.push_str(MARKER_TEXT);
        text.push_str(RECORD_HEADER);
        text.push('\n');
        for r in &old.files {
            let Stamp { size, modified_ns } = r.stamp;
            let path = r.path.to_string_lossy();
            text.push_str(&format!("{} {size} {modified_ns} {path}\n", r.sha256));
        }
        for (&i, stamp) in changed.iter().zip(stamps) {
            let Stamp { size, modified_ns } = stamp;
            let (digest, path) = (&new.digests[i], new.files[i].path);
            text.push_str(&format!("{digest} {size} {modified_ns} {path}\n"));
        }
        text.push_str(&format!("end {}\n", old.files.len() + changed.len()));
        text
    }

    /// The marker's text recording `new` with each file's stamp, or just the first line when a
    /// path cannot be written on one line (the next build then replaces the output whole).
    pub(super) fn marker_text(new: &NewBuild, stamps: &[Stamp]) -> String {
        if new.files.iter().any(|f| f.path.contains(['\n', '\r'])) {
            return MARKER_TEXT.into();
        }
        let mut text = String::with_capacity(MARKER_TEXT.len() + 160 * new.files.len());
        text.push_str(MARKER_TEXT);
        text.push_str(RECORD_HEADER);
        text.push('\n');
        for ((file, digest), stamp) in new.files.iter().zip(new.digests).zip(stamps) {
            let Stamp { size, modified_ns } = stamp;
            text.push_str(&format!("{digest} {size} {modified_ns} {}\n", file.path));
        }
        text.push_str(&format!("end {}\n", new.files.len()));
        text
    }
}
