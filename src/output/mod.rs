//! Write: a rebuild into casebook's own output folder changes only what changed; a first build (or
//! an output it cannot vouch for) is written whole into a staging directory beside the output and
//! swapped in. Either way nothing in the output changes before every new file is on disk, so a
//! build that fails before then leaves the previous one as it was (and one that fails later says
//! so: see `OutputState`). Refuses output directories whose replacement would lose someone's data.
//!
//! `record` holds what a build wrote, which the next one compares against; on Linux `exchange`
//! makes each rebuild whole beside the output and swaps it in with one atomic rename.

#[cfg(target_os = "linux")]
mod exchange;
mod record;
mod spool;

pub use spool::{Spool, Spooled};

use record::{MARKER_TEXT, Record, Recorded, Stamp};

use crate::diagnostics::Diagnostic;
use crate::manifest::Manifest;
use crate::render::{CopiedFile, OutputFile};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// A file in every output directory casebook writes, so that it only ever replaces its own. After
/// a complete build it also holds the record of the files written (see `Record`).
pub const MARKER: &str = ".casebook-output";

/// Lexically normalized absolute path (`..` and `.` removed), with the existing part resolved
/// through symlinks so that two spellings of one directory compare equal.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    // Resolve the longest existing ancestor, keep the rest as written.
    let mut existing = normal.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => rest.push(name.to_os_string()),
            None => break,
        }
        if !existing.pop() {
            break;
        }
    }
    let mut resolved = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// Why `output` must not be written, if it must not: it would replace the project, its content,
/// a parent of either, a filesystem root, the home directory, or a folder casebook did not make.
pub fn refuse_output(root: &Path, output: &Path) -> Option<String> {
    let root = absolute(root);
    let output = absolute(output);
    let content = root.join(crate::content::CONTENT_DIR);
    if output.parent().is_none() {
        return Some(format!("{} is a filesystem root", output.display()));
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && absolute(&home) == output
    {
        return Some(format!("{} is the home directory", output.display()));
    }
    if output == root {
        return Some("it is the site's own folder".into());
    }
    if root.starts_with(&output) {
        return Some("it contains the site's own folder".into());
    }
    if output.starts_with(&content) {
        return Some("it is inside the content folder".into());
    }
    for own in ["templates", "static", "themes"] {
        if output.starts_with(root.join(own)) {
            return Some(format!("it is inside the site's {own} folder"));
        }
    }
    if output.is_file() {
        return Some("it is a file".into());
    }
    if output.is_dir() && !output.join(MARKER).exists() {
        let empty = std::fs::read_dir(&output)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Some(format!(
                "{} holds files that casebook did not write (it has no {MARKER} file)",
                output.display()
            ));
        }
    }
    None
}

/// The staging and previous-build folders that sit next to `output` during a swap.
fn siblings(output: &Path) -> Option<(PathBuf, PathBuf)> {
    let parent = output.parent()?;
    let name = output.file_name()?.to_string_lossy().into_owned();
    Some((
        parent.join(format!(".{name}.casebook-staging")),
        parent.join(format!(".{name}.casebook-old")),
    ))
}

/// Puts back the previous build if a build was interrupted (Ctrl-C, power loss) between moving
/// it aside and moving the new one in.
pub fn recover(output: &Path) -> std::io::Result<()> {
    let output = absolute(output);
    let Some((_, old)) = siblings(&output) else {
        return Ok(());
    };
    if !output.exists() && old.join(MARKER).exists() {
        std::fs::rename(&old, &output)?;
    }
    Ok(())
}

/// What a build changed in the output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Files created or rewritten: every file when the output was replaced whole.
    pub files: usize,
    /// Files of the previous build (as recorded) that this build no longer has.
    pub removed: usize,
    /// What a previous output without a record held that casebook did not write.
    pub kept: Kept,
}

/// What a build left in the output folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputState {
    /// Not changed: nothing was written, or nothing needed to be.
    #[default]
    Unchanged,
    /// Part of the new build is in place: an update failed midway. The next build writes it whole.
    PartlyUpdated,
    /// The new build is in place.
    Updated,
}

/// A write that failed, and what it left in the output.
#[derive(Debug)]
pub struct WriteError {
    /// Boxed to keep `Result`s small on the way that succeeds.
    pub diagnostic: Box<Diagnostic>,
    pub output: OutputState,
}

impl WriteError {
    fn new(output: OutputState, diagnostic: Diagnostic) -> Self {
        WriteError {
            diagnostic: Box::new(diagnostic),
            output,
        }
    }
}

/// An error before the output was touched: `?` on a `Diagnostic` says so.
impl From<Diagnostic> for WriteError {
    fn from(diagnostic: Diagnostic) -> Self {
        WriteError::new(OutputState::Unchanged, diagnostic)
    }
}

/// Writes `files` into `output`. `manifest` gives the SHA-256 of the files it lists (the others
/// are hashed here). With a valid record of the previous build in `output`, only changed files are
/// written (into the staging folder first, then renamed into place) and dropped ones removed;
/// otherwise everything is written into the staging folder, which is then swapped in. On an error
/// before the first rename, the previous output is left as it was; the error says what it left.
pub fn write(
    output: &Path,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
    manifest: &Manifest,
) -> Result<Written, WriteError> {
    write_spooled(Spool::open(output)?, rendered, copied, manifest)
}

/// `write`, with the files `spool` took while the build rendered beside `rendered`.
pub fn write_spooled(
    spool: Spool,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
    manifest: &Manifest,
) -> Result<Written, WriteError> {
    let spooled = spool.take_files();
    let output = spool.output.clone();
    let mut files: Vec<NewFile> = (rendered.iter())
        .map(|f| NewFile {
            path: &f.path,
            body: Body::Bytes(&f.bytes),
        })
        .chain(spooled.iter().map(|s| {
            let (path, size) = (s.entry.path.as_str(), s.entry.size);
            NewFile {
                path,
                body: match s.staged {
                    true => Body::Staged(spool.staging.join(path), size, &s.entry.sha256),
                    false => Body::InOutput(output.join(path), size, &s.entry.sha256),
                },
            }
        }))
        .chain(copied.iter().map(|c| NewFile {
            path: &c.path,
            body: Body::Copy(&c.source, c.size),
        }))
        .collect();
    files.sort_by(|a, b| a.path.cmp(b.path));
    let files = files.as_slice();
    let (staging, old, mounted) = (spool.staging.clone(), spool.old.clone(), spool.mounted);
    let relative = files
        .iter()
        .map(|file| writable(file.path))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewBuild {
        files,
        relative: &relative,
        digests: &digests(files, manifest),
    };
    // Without a record, a mount point's files are written over at the paths this build writes,
    // and none is removed: casebook cannot tell which are its own.
    let record = Record::read(&output).or_else(|| mounted.then(Record::default));
    let planned = record
        .as_ref()
        .and_then(|record| Some((record, plan_update(&output, &new, record)?)));
    let Some((record, plan)) = planned else {
        return replace(&output, &staging, &old, &new, record.as_ref());
    };
    if plan.unchanged.iter().all(Option::is_some) && plan.remove.is_empty() {
        return Ok(Written::default());
    }
    #[cfg(target_os = "linux")]
    if let Some(previous) = exchange::previous_of(&output) {
        if let Some(written) = exchange::update(&output, &previous, &new, &plan, record)? {
            return Ok(written);
        }
        let _ = remove_own(&previous);
    }
    update(&output, &staging, &new, plan, record)
}

/// A file's path in the output, checked: relative, never through `..`, and neither the marker
/// nor inside a mount point's staging folder.
fn writable(path: &str) -> Result<PathBuf, Diagnostic> {
    safe_relative(path)
        .filter(|path| path != Path::new(MARKER) && !path.starts_with(MOUNTED_STAGING))
        .ok_or_else(|| Diagnostic::error(path, "refusing to write outside the output folder"))
}

/// The staging folder inside an output that is a mount point.
const MOUNTED_STAGING: &str = ".casebook-staging";

/// Whether `output` is a folder on another file system than its parent's.
fn is_mount_point(output: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let device = |path: &Path| std::fs::metadata(path).map(|m| m.dev()).ok();
        let parent = output.parent().unwrap_or(output);
        device(output).is_some_and(|d| Some(d) != device(parent))
    }
    #[cfg(not(unix))]
    {
        let _ = output;
        false
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(path.display().to_string(), format!("cannot {what}: {e}"))
}

/// A file to write: its path in the output and what it holds.
struct NewFile<'a> {
    path: &'a str,
    body: Body<'a>,
}

enum Body<'a> {
    Bytes(&'a [u8]),
    /// A copy of the file at this path, of this size.
    Copy(&'a Path, u64),
    /// This file of the staging folder, of this size and SHA-256, written while the build
    /// rendered.
    Staged(PathBuf, u64, &'a str),
    /// Not written while the build rendered: this file of the output held these bytes (of this
    /// size and SHA-256) then.
    InOutput(PathBuf, u64, &'a str),
}

impl Body<'_> {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Copy(_, size) | Body::Staged(_, size, _) | Body::InOutput(_, size, _) => *size,
        }
    }
}

/// The files to write, each with its path checked by [`safe_relative`] and its SHA-256.
struct NewBuild<'a> {
    files: &'a [NewFile<'a>],
    relative: &'a [PathBuf],
    digests: &'a [Cow<'a, str>],
}

/// Each file's SHA-256: the manifest's where it lists the file (it has hashed every output file
/// already), computed here for the others (`manifest.json` itself, or everything in serve mode).
fn digests<'a>(files: &[NewFile<'a>], manifest: &'a Manifest) -> Vec<Cow<'a, str>> {
    files
        .par_iter()
        .map(|file| {
            let listed = || {
                let i = (manifest.files)
                    .binary_search_by(|entry| entry.path.as_str().cmp(file.path))
                    .ok()?;
                let entry = &manifest.files[i];
                (entry.size == file.body.len()).then_some(entry.sha256.as_str())
            };
            match &file.body {
                // Hashed as they were rendered.
                Body::Staged(_, _, sha256) | Body::InOutput(_, _, sha256) => Cow::Borrowed(*sha256),
                Body::Bytes(bytes) => listed()
                    .map_or_else(|| Cow::Owned(crate::manifest::sha256(bytes)), Cow::Borrowed),
                // Unreadable: a digest that matches nothing, so the file is copied again.
                Body::Copy(path, _) => listed().map_or_else(
                    || {
                        let digest = crate::manifest::sha256_of_file(path);
                        Cow::Owned(digest.unwrap_or_else(|_| "0".repeat(64)))
                    },
                    Cow::Borrowed,
                ),
            }
        })
        .collect()
}

/// How to bring an output folder from its record to a new build.
struct Plan {
    /// Per file of the new build: its stamp on disk when it can stay as it is, else `None`.
    unchanged: Vec<Option<Stamp>>,
    /// Recorded files the new build does not have.
    remove: Vec<PathBuf>,
    /// Folders of removed files that no new file needs, to remove when left empty (sorted).
    folders_to_empty: BTreeSet<PathBuf>,
}

/// Compares the record and the disk with `new`. `None` when the folder holds something an update
/// in place could not handle safely: a link or special file on the way to a file, a file casebook
/// did not record where a folder is needed, or a folder that would not be empty where a file goes.
fn plan_update(output: &Path, new: &NewBuild, record: &Record) -> Option<Plan> {
    // A path is recorded twice after an interrupted update: as it was and as it was to be.
    let mut recorded: HashMap<&Path, Vec<&Recorded>> = HashMap::new();
    for r in &record.files {
        recorded.entry(r.path.as_path()).or_default().push(r);
    }
    let kept: HashSet<&Path> = new.relative.iter().map(PathBuf::as_path).collect();
    let remove: Vec<&Path> = (record.files.iter())
        .map(|r| r.path.as_path())
        .filter(|path| !kept.contains(path))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let removed: HashSet<&Path> = remove.iter().copied().collect();
    let folders_to_empty: BTreeSet<&Path> = if remove.is_empty() {
        BTreeSet::new()
    } else {
        let needed: HashSet<&Path> = new.relative.iter().flat_map(|p| folders_above(p)).collect();
        remove
            .iter()
            .flat_map(|p| folders_above(p))
            .filter(|folder| !needed.contains(folder))
            .collect()
    };
    let unchanged = new
        .relative
        .par_iter()
        .zip(new.digests)
        .map(|(path, digest)| {
            let target = output.join(path);
            match std::fs::symlink_metadata(&target) {
                Ok(metadata) if metadata.is_dir() => {
                    // A folder that becomes a file: fine once the removals have emptied it.
                    will_be_emptied(output, &target, &removed, &folders_to_empty).then_some(None)
                }
                Ok(metadata) => {
                    let stamp = Stamp::of(&metadata);
                    let same = metadata.is_file()
                        && recorded.get(path.as_path()).is_some_and(|entries| {
                            (entries.iter()).any(|r| r.sha256 == *digest && stamp.matches(&r.stamp))
                        });
                    Some(same.then_some(stamp))
                }
                Err(e) => is_missing(&e).then_some(None),
            }
        })
        .collect::<Option<Vec<_>>>()?;

    // Nothing may be written or removed through a link: every folder on the way to a file to
    // write or remove must be a real folder, missing, or a recorded file about to be removed (a
    // file that becomes a folder).
    let on_the_way: HashSet<&Path> = new
        .relative
        .iter()
        .zip(&unchanged)
        .filter(|(_, unchanged)| unchanged.is_none())
        .map(|(path, _)| path.as_path())
        .chain(remove.iter().copied())
        .flat_map(folders_above)
        .collect();
    let safe_way =
        on_the_way.par_iter().all(
            |folder| match std::fs::symlink_metadata(output.join(folder)) {
                Ok(metadata) if metadata.is_dir() => true,
                Ok(metadata) => metadata.is_file() && removed.contains(folder),
                Err(e) => is_missing(&e),
            },
        );
    if !safe_way {
        return None;
    }
    Some(Plan {
        unchanged,
        remove: remove.into_iter().map(Path::to_path_buf).collect(),
        folders_to_empty: folders_to_empty
            .into_iter()
            .map(Path::to_path_buf)
            .collect(),
    })
}

/// `a` and `a/b` for `a/b/c.html`.
fn folders_above(path: &Path) -> impl Iterator<Item = &Path> {
    path.ancestors()
        .skip(1)
        .filter(|folder| !folder.as_os_str().is_empty())
}

/// Not there, or under something that is not a folder.
fn is_missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// Whether `folder` holds only removed files and folders that are removed once empty.
fn will_be_emptied(
    output: &Path,
    folder: &Path,
    removed: &HashSet<&Path>,
    folders_to_empty: &BTreeSet<&Path>,
) -> bool {
    walkdir::WalkDir::new(folder)
        .follow_links(false)
        .into_iter()
        .all(|entry| {
            entry.is_ok_and(|entry| {
                let path = entry.path().strip_prefix(output).unwrap_or(entry.path());
                if entry.file_type().is_dir() {
                    folders_to_empty.contains(path)
                } else {
                    removed.contains(path)
                }
            })
        })
}

/// Applies `plan`: the changed files go into the staging folder, then (the record invalidated
/// first, so that an interrupted update is followed by a whole replacement) removals, renames into
/// place, and the new record.
fn update(
    output: &Path,
    staging: &Path,
    new: &NewBuild,
    plan: Plan,
    record: &Record,
) -> Result<Written, WriteError> {
    let changed: Vec<usize> = (0..new.files.len())
        .filter(|&i| plan.unchanged[i].is_none())
        .collect();
    let written = Written {
        files: changed.len(),
        removed: plan.remove.len(),
        kept: Kept::default(),
    };
    if written == Written::default() {
        return Ok(written);
    }
    let fresh = stage(
        staging,
        changed
            .iter()
            .map(|&i| (&new.relative[i], &new.files[i].body)),
    )?;

    // While files move, the record holds the previous build's files and the new ones (with the
    // stamps they keep through the rename): a build interrupted from here on leaves an output
    // whose every file the record accounts for, which the next build updates in place.
    // (Written in place: cut off by a kill, it reads as no record, and the next build replaces
    // the output whole, keeping what casebook cannot tell it wrote.)
    let marker = output.join(MARKER);
    let union = Record::union_text(record, new, &changed, &fresh);
    if let Err(e) = std::fs::write(&marker, union) {
        let _ = remove_own(staging);
        // At worst the record is lost, which only makes the next build write the output whole.
        return Err(io_error("write", &marker, e).into());
    }
    let applied = (|| {
        plan.remove.par_iter().try_for_each(|path| {
            let target = output.join(path);
            match std::fs::symlink_metadata(&target) {
                // A folder where casebook wrote a file was made by someone else: it stays.
                Ok(metadata) if metadata.is_dir() => Ok(()),
                Ok(_) => std::fs::remove_file(&target).map_err(|e| io_error("remove", &target, e)),
                Err(_) => Ok(()),
            }
        })?;
        for folder in plan.folders_to_empty.iter().rev() {
            // Deepest first; a folder that still holds something stays.
            let _ = std::fs::remove_dir(output.join(folder));
        }
        let folders: BTreeSet<&Path> = changed
            .iter()
            .filter_map(|&i| new.relative[i].parent())
            .collect();
        for folder in folders {
            let folder = output.join(folder);
            std::fs::create_dir_all(&folder)
                .map_err(|e| io_error("create the folder", &folder, e))?;
        }
        changed.par_iter().try_for_each(|&i| {
            let target = output.join(&new.relative[i]);
            std::fs::rename(staging.join(&new.relative[i]), &target)
                .map_err(|e| io_error("move into place", &target, e))
        })?;

        let mut stamps: Vec<Stamp> = Vec::with_capacity(new.files.len());
        let mut fresh = fresh.into_iter();
        for unchanged in &plan.unchanged {
            stamps.extend(unchanged.or_else(|| fresh.next()));
        }
        // The new record replaces the marker in one rename: it is either complete or absent.
        let next = staging.join(format!("{MARKER}.next"));
        std::fs::write(&next, Record::marker_text(new, &stamps))
            .map_err(|e| io_error("write", &next, e))?;
        std::fs::rename(&next, &marker).map_err(|e| io_error("move into place", &marker, e))
    })();
    let _ = remove_own(staging);
    applied.map_err(|d| WriteError::new(OutputState::PartlyUpdated, d))?;
    Ok(written)
}

/// Writes the whole build into the staging folder, with its record, and swaps it in.
fn replace(
    output: &Path,
    staging: &Path,
    old: &Path,
    new: &NewBuild,
    record: Option<&Record>,
) -> Result<Written, WriteError> {
    let stamps = stage(
        staging,
        new.relative.iter().zip(new.files.iter().map(|f| &f.body)),
    )?;
    let marker = staging.join(MARKER);
    if let Err(e) = std::fs::write(&marker, Record::marker_text(new, &stamps)) {
        let _ = remove_own(staging);
        return Err(io_error("write", &marker, e).into());
    }

    // What casebook did not write moves into the new build: a swap must not lose it.
    let kept = match carry_over(output, staging, new, record) {
        Ok(kept) => kept,
        Err(d) => {
            let _ = remove_own(staging);
            return Err(d.into());
        }
    };

    // The swap: two renames, with the previous output restored if the second fails.
    let had_output = output.exists();
    if had_output {
        std::fs::rename(output, old).map_err(|e| io_error("move aside", output, e))?;
    }
    if let Err(e) = std::fs::rename(staging, output) {
        if had_output {
            let _ = std::fs::rename(old, output);
        }
        let _ = remove_own(staging);
        return Err(io_error("move into place", output, e).into());
    }
    if had_output {
        remove_own(old).map_err(|e| {
            WriteError::new(
                OutputState::Updated,
                io_error("remove the previous build", old, e),
            )
        })?;
    }
    Ok(Written {
        files: new.files.len(),
        removed: 0,
        kept,
    })
}

/// Files of a previous output without a trustworthy record, as `carry_over` left them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kept {
    /// Files and folders casebook cannot tell it wrote, kept in the output.
    pub in_place: Vec<PathBuf>,
    /// Such files where the new build writes one of its own, moved into this folder beside the
    /// output (with their paths) instead of being lost.
    pub moved: Vec<PathBuf>,
    pub moved_to: Option<PathBuf>,
}

/// Links into `staging` what `output` holds that casebook did not write, so that the swap
/// deletes none of it (hard links, not moves: until the swap the output still holds every such
/// file, so a build killed before it, whose staging folder the next build removes, loses none): a file is casebook's when the output's published manifest lists it with
/// its size and digest, or when it holds what the new build writes at its path. A folder the new
/// build has no use for and holding nothing of casebook's moves whole (a `.git` of a deploy
/// checkout, `.well-known/`). Where the new build writes a file of its own, the other one is
/// moved beside the output instead.
fn carry_over(
    output: &Path,
    staging: &Path,
    new: &NewBuild,
    record: Option<&Record>,
) -> Result<Kept, Diagnostic> {
    let mut kept = Kept::default();
    if !output.is_dir() {
        return Ok(kept);
    }
    // What the previous build says it wrote: its record where there is one (a build replaces the
    // output whole also when an update in place is not safe), else its published manifest.
    let published: HashMap<PathBuf, (u64, String)> = match record {
        Some(record) => (record.files.iter())
            .map(|r| (r.path.clone(), (r.stamp.size, r.sha256.clone())))
            .collect(),
        None => std::fs::read(output.join(crate::manifest::FILE_NAME))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
            .map(|m| {
                (m.files.into_iter())
                    .filter_map(|f| Some((safe_relative(&f.path)?, (f.size, f.sha256))))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let new_files: HashMap<&Path, &str> = (new.relative.iter())
        .zip(new.digests)
        .map(|(path, digest)| (path.as_path(), digest.as_ref()))
        .collect();
    let new_folders: HashSet<&Path> = new.relative.iter().flat_map(|p| folders_above(p)).collect();
    let casebooks = |relative: &Path, metadata: &std::fs::Metadata| -> bool {
        if relative == Path::new(MARKER) {
            return true;
        }
        if !metadata.is_file() {
            return false;
        }
        let digest = || crate::manifest::sha256_of_file(&output.join(relative)).ok();
        let listed = published
            .get(relative)
            .is_some_and(|(size, sha)| *size == metadata.len() && digest().as_ref() == Some(sha));
        listed
            || (relative == Path::new(crate::manifest::FILE_NAME))
            || new_files
                .get(relative)
                .is_some_and(|sha| digest().as_deref() == Some(*sha))
    };
    let holds_casebook_files = |folder: &Path| {
        walkdir::WalkDir::new(output.join(folder))
            .follow_links(false)
            .into_iter()
            .flatten()
            .any(|e| {
                let relative = e.path().strip_prefix(output).unwrap_or(e.path());
                e.metadata().is_ok_and(|m| casebooks(relative, &m))
            })
    };
    let aside = kept_folder(output);
    let move_to = |from: &Path, to: &Path| -> Result<(), Diagnostic> {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io_error("create the folder", parent, e))?;
        }
        std::fs::rename(from, to).map_err(|e| io_error("keep", from, e))
    };
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let listing =
            std::fs::read_dir(output.join(&folder)).map_err(|e| io_error("read", output, e))?;
        for entry in listing.flatten() {
            let relative = folder.join(entry.file_name());
            let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if metadata.is_dir() {
                if new_files.contains_key(relative.as_path()) {
                    move_to(&entry.path(), &aside.join(&relative))?;
                    kept.moved.push(relative);
                } else if new_folders.contains(relative.as_path())
                    || holds_casebook_files(&relative)
                {
                    folders.push(relative);
                } else {
                    link_tree(&entry.path(), &staging.join(&relative))?;
                    kept.in_place.push(relative);
                }
            } else if !casebooks(&relative, &metadata) {
                if new_files.contains_key(relative.as_path())
                    || new_folders.contains(relative.as_path())
                {
                    move_to(&entry.path(), &aside.join(&relative))?;
                    kept.moved.push(relative);
                } else {
                    link_tree(&entry.path(), &staging.join(&relative))?;
                    kept.in_place.push(relative);
                }
            }
        }
    }
    if !kept.moved.is_empty() {
        kept.moved_to = Some(aside);
    }
    kept.in_place.sort();
    kept.moved.sort();
    Ok(kept)
}

/// The folder beside `output` that keeps someone else's files a build writes over.
fn kept_folder(output: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    output.with_file_name(format!(
        ".{}.casebook-kept-{stamp}",
        output.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// Recreates `from` at `to` with hard links to its files (links themselves, not what they point
/// to), so that both hold the same files and removing either loses nothing.
fn link_tree(from: &Path, to: &Path) -> Result<(), Diagnostic> {
    let metadata = std::fs::symlink_metadata(from).map_err(|e| io_error("read", from, e))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error("create the folder", parent, e))?;
    }
    if !metadata.is_dir() {
        return std::fs::hard_link(from, to)
            // A file system without hard links gets a copy of a file.
            .or_else(|e| match metadata.is_file() {
                true => std::fs::copy(from, to).map(drop),
                false => Err(e),
            })
            .map_err(|e| io_error("keep", from, e));
    }
    std::fs::create_dir(to).map_err(|e| io_error("create the folder", to, e))?;
    let _ = std::fs::set_permissions(to, metadata.permissions());
    let listing = std::fs::read_dir(from).map_err(|e| io_error("read", from, e))?;
    for entry in listing {
        let entry = entry.map_err(|e| io_error("read", from, e))?;
        link_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Writes `files` into a fresh staging folder marked as casebook's (so that a leftover is removed
/// by the next build) and returns their stamps, in order. On an error the folder is removed.
fn stage<'a>(
    staging: &Path,
    files: impl Iterator<Item = (&'a PathBuf, &'a Body<'a>)>,
) -> Result<Vec<Stamp>, Diagnostic> {
    std::fs::create_dir_all(staging).map_err(|e| io_error("create the folder", staging, e))?;
    let files: Vec<(PathBuf, &Body)> = files
        .map(|(path, bytes)| (staging.join(path), bytes))
        .collect();
    let result: Result<Vec<Stamp>, Diagnostic> = (|| {
        let marker = staging.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| io_error("write", &marker, e))?;
        // Folders first, one at a time (parents before children), then the files in parallel.
        let folders: BTreeSet<&Path> = files.iter().filter_map(|(t, _)| t.parent()).collect();
        for folder in folders {
            std::fs::create_dir_all(folder)
                .map_err(|e| io_error("create the folder", folder, e))?;
        }
        files
            .par_iter()
            .map(|(target, bytes)| {
                write_file(target, bytes).map_err(|e| io_error("write", target, e))
            })
            .collect()
    })();
    if result.is_err() {
        let _ = remove_own(staging);
    }
    result
}

/// Writes a file and returns its stamp as the file system recorded it.
fn write_file(target: &Path, body: &Body) -> std::io::Result<Stamp> {
    match body {
        Body::Bytes(bytes) => {
            let mut file = std::fs::File::create(target)?;
            file.write_all(bytes)?;
            Ok(Stamp::of(&file.metadata()?))
        }
        // The kernel copies (a reflink where the file system has them); nothing is held here.
        Body::Copy(source, _) => {
            std::fs::copy(source, target)?;
            Ok(Stamp::of(&std::fs::metadata(target)?))
        }
        // Where it was staged already, nothing to do; elsewhere (beside the output), the same
        // file by a hard link.
        Body::Staged(source, _, _) => {
            if source != target {
                std::fs::hard_link(source, target)
                    .or_else(|_| std::fs::copy(source, target).map(drop))?;
            }
            Ok(Stamp::of(&std::fs::metadata(target)?))
        }
        // Copied from the output, which must still hold what the build rendered.
        Body::InOutput(source, _, sha256) => {
            std::fs::copy(source, target)?;
            if crate::manifest::sha256_of_file(target)? != *sha256 {
                return Err(std::io::Error::other(
                    "the output folder changed while the build ran: build again",
                ));
            }
            Ok(Stamp::of(&std::fs::metadata(target)?))
        }
    }
}

/// Removes a folder only if casebook wrote it (it holds the marker file).
fn remove_own(dir: &Path) -> std::io::Result<()> {
    if dir.join(MARKER).exists() {
        remove_tree(dir)
    } else if dir.exists() {
        // A staging folder from a build interrupted before its marker was written, or a folder
        // an older casebook was interrupted removing: folders only, so no one's data.
        let only_folders = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .into_iter()
            .all(|e| e.is_ok_and(|e| e.file_type().is_dir()));
        if only_folders {
            remove_tree(dir)
        } else {
            std::fs::remove_dir(dir)
        }
    } else {
        Ok(())
    }
}

/// Removes a folder and everything in it: the files in parallel (a large site's previous build
/// holds tens of thousands), then the folders, deepest first. Links are removed, not followed.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .contents_first(true)
    {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            folders.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    // The marker goes last, so that a folder interrupted half removed is still known as
    // casebook's, and the next build removes the rest.
    let marker = dir.join(MARKER);
    files
        .par_iter()
        .filter(|file| **file != marker)
        .try_for_each(std::fs::remove_file)?;
    let (root, inner): (Vec<PathBuf>, Vec<PathBuf>) =
        folders.into_iter().partition(|folder| folder == dir);
    inner.iter().try_for_each(std::fs::remove_dir)?;
    if marker.exists() {
        std::fs::remove_file(&marker)?;
    }
    root.iter().try_for_each(std::fs::remove_dir)
}

/// `a/b/index.html` as a relative path with no `..`, root or prefix component.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| relative.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        assert!(refuse_output(&root, &root).is_some());
        assert!(refuse_output(&root, dir.path()).is_some());
        assert!(refuse_output(&root, &root.join("content")).is_some());
        assert!(refuse_output(&root, &root.join("content/x")).is_some());
        assert!(refuse_output(&root, Path::new("/")).is_some());
        assert!(refuse_output(&root, &root.join("public/../content")).is_some());
        assert!(refuse_output(&root, &root.join("public")).is_none());
        std::fs::create_dir_all(root.join("other")).unwrap();
        std::fs::write(root.join("other/keep.txt"), "x").unwrap();
        assert!(
            refuse_output(&root, &root.join("other"))
                .unwrap()
                .contains("did not write")
        );
    }

    #[test]
    fn a_build_interrupted_during_the_swap_gets_the_previous_site_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let old = dir.path().join(".public.casebook-old");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join(MARKER), "").unwrap();
        std::fs::write(old.join("index.html"), "previous").unwrap();
        recover(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!old.exists());
    }

    #[test]
    fn a_build_killed_before_the_swap_loses_no_file_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join(".git/objects")).unwrap();
        std::fs::write(out.join("CNAME"), "example.org").unwrap();
        std::fs::write(out.join(".git/objects/ab"), "object").unwrap();
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();
        // A build staged the new site and kept the unknown files, then was killed.
        let (staging, _) = siblings(&out).unwrap();
        let files = [NewFile {
            path: "index.html",
            body: Body::Bytes(b"new"),
        }];
        let relative = [PathBuf::from("index.html")];
        let manifest = Manifest::default();
        let digests = digests(&files, &manifest);
        let new = NewBuild {
            files: &files,
            relative: &relative,
            digests: &digests,
        };
        stage(&staging, new.relative.iter().zip([&files[0].body])).unwrap();
        carry_over(&out, &staging, &new, None).unwrap();
        assert_eq!(std::fs::read(out.join("CNAME")).unwrap(), b"example.org");
        // The next build removes the leftover staging folder, and keeps the files.
        build(&out, &[("index.html", "new")]).unwrap();
        assert_eq!(std::fs::read(out.join("CNAME")).unwrap(), b"example.org");
        assert_eq!(
            std::fs::read(out.join(".git/objects/ab")).unwrap(),
            b"object"
        );
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"new");
    }

    #[test]
    fn never_writes_outside_the_output() {
        assert!(safe_relative("a/index.html").is_some());
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc/x").is_none());
    }

    #[test]
    fn write_swaps_in_the_new_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        build(&out, &[("a/index.html", "one"), ("old.html", "x")]).unwrap();
        build(&out, &[("a/index.html", "two")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "two"
        );
        assert!(!out.join("old.html").exists());
        assert_eq!(
            beside(dir.path()),
            ["public"],
            "nothing left beside the output"
        );
    }

    /// The names in `dir` but the previous build's folder, which stays between builds.
    fn beside(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = (std::fs::read_dir(dir).unwrap())
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != ".public.casebook-previous")
            .collect();
        names.sort();
        names
    }

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec().into(),
        }
    }

    fn build(out: &Path, files: &[(&str, &str)]) -> Result<Written, WriteError> {
        let files: Vec<OutputFile> = files.iter().map(|(p, t)| file(p, t)).collect();
        write(out, &files, &[], &Manifest::default())
    }

    type Tree<T> = std::collections::BTreeMap<String, T>;

    /// Every file and folder under `dir` (the marker too), by its path relative to `dir`.
    fn walk(dir: &Path) -> impl Iterator<Item = (String, walkdir::DirEntry)> {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(move |entry| {
                let entry = entry.unwrap();
                let name = entry.path().strip_prefix(dir).unwrap();
                (name.display().to_string(), entry)
            })
    }

    /// Every file and folder with its bytes (`None` for a folder).
    fn tree(dir: &Path) -> Tree<Option<Vec<u8>>> {
        walk(dir)
            .map(|(name, entry)| {
                let is_file = entry.file_type().is_file();
                (name, is_file.then(|| std::fs::read(entry.path()).unwrap()))
            })
            .collect()
    }

    /// The site's files and folders: the tree without the marker, which holds write times.
    fn site(dir: &Path) -> Tree<Option<Vec<u8>>> {
        let mut tree = tree(dir);
        tree.remove(MARKER);
        tree
    }

    /// Each file's modification time and inode: both stay when a file is left alone, and the
    /// inode changes even when a rewrite falls in the same clock tick.
    fn identities(dir: &Path) -> Tree<(std::time::SystemTime, u64)> {
        walk(dir)
            .filter(|(_, entry)| entry.file_type().is_file())
            .map(|(name, entry)| {
                let metadata = entry.metadata().unwrap();
                #[cfg(unix)]
                let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
                #[cfg(not(unix))]
                let inode = 0;
                (name, (metadata.modified().unwrap(), inode))
            })
            .collect()
    }

    /// A temporary folder with `files` built into its `public`.
    fn built(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        build(&out, files).unwrap();
        (dir, out)
    }

    /// What `files` give when written into an empty folder.
    fn fresh(files: &[(&str, &str)]) -> Tree<Option<Vec<u8>>> {
        site(&built(files).1)
    }

    fn set_modified(path: &Path, time: std::time::SystemTime) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(time).unwrap();
    }

    /// Enough time for a rewritten file to get another modification time.
    fn tick() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    const SITE: [(&str, &str); 4] = [
        ("index.html", "home"),
        ("a/index.html", "page a"),
        ("b/index.html", "page b"),
        ("c/d/index.html", "page d"),
    ];

    #[test]
    fn an_unchanged_rebuild_touches_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        assert_eq!(build(&out, &SITE).unwrap().files, 4);
        let before = identities(&out);
        tick();
        assert_eq!(build(&out, &SITE).unwrap(), Written::default());
        assert_eq!(identities(&out), before);
    }

    #[test]
    fn a_rebuild_rewrites_changed_files_and_removes_dropped_ones_with_their_folders() {
        let (dir, out) = built(&SITE);
        let before = identities(&out);
        tick();
        let next = [
            ("index.html", "home"),
            ("a/index.html", "page a, edited"),
            ("b/index.html", "page b"),
            ("e/index.html", "page e"),
        ];
        let written = build(&out, &next).unwrap();
        assert_eq!(
            written,
            Written {
                files: 2,
                removed: 1,
                kept: Kept::default(),
            }
        );
        let after = identities(&out);
        assert_eq!(after["index.html"], before["index.html"]);
        assert_eq!(after["b/index.html"], before["b/index.html"]);
        assert_ne!(after["a/index.html"], before["a/index.html"]);
        assert!(!out.join("c").exists(), "the emptied folders are removed");
        assert_eq!(site(&out), fresh(&next));
        assert_eq!(beside(dir.path()), ["public"], "no staging left");
    }

    #[test]
    fn a_file_edited_by_hand_is_written_again() {
        let (_dir, out) = built(&SITE);
        std::fs::write(out.join("a/index.html"), "longer, by hand").unwrap();
        // Same size, older time: only the time tells.
        std::fs::write(out.join("b/index.html"), "page B").unwrap();
        let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        set_modified(&out.join("b/index.html"), long_ago);
        std::fs::remove_file(out.join("c/d/index.html")).unwrap();
        assert_eq!(build(&out, &SITE).unwrap().files, 3);
        assert_eq!(site(&out), fresh(&SITE));
    }

    #[test]
    fn a_file_becomes_a_folder_and_back_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let as_file = [("index.html", "home"), ("guide", "a file")];
        let as_folder = [("index.html", "home"), ("guide/index.html", "a page")];
        build(&out, &as_file).unwrap();
        let home = identities(&out)["index.html"];
        for files in [&as_folder, &as_file, &as_folder] {
            assert_eq!(
                build(&out, files).unwrap(),
                Written {
                    files: 1,
                    removed: 1,
                    kept: Kept::default(),
                }
            );
            assert_eq!(site(&out), fresh(files));
            assert_eq!(identities(&out)["index.html"], home, "updated in place");
        }
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output_as_it_was() {
        let (dir, out) = built(&SITE);
        let too_long = format!("{}/index.html", "x".repeat(300));
        let next = [
            ("index.html", "home, edited"),
            ("a/index.html", "page a"),
            (too_long.as_str(), "cannot be written"),
        ];
        let fails_and_changes_nothing = || {
            let before = (tree(&out), identities(&out));
            let failed = build(&out, &next).unwrap_err();
            assert_eq!(failed.output, OutputState::Unchanged);
            assert!(
                before == (tree(&out), identities(&out)),
                "the output changed"
            );
            assert_eq!(beside(dir.path()), ["public"], "no staging left");
        };
        fails_and_changes_nothing();
        // And when the whole output would have been replaced.
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();
        fails_and_changes_nothing();
    }

    /// Changes `a/index.html` as a trusted record cannot see: same size, same time.
    fn edit_unseen(out: &Path) {
        let target = out.join("a/index.html");
        let modified = std::fs::metadata(&target).unwrap().modified().unwrap();
        std::fs::write(&target, "page A").unwrap();
        set_modified(&target, modified);
    }

    #[test]
    fn without_a_valid_record_the_output_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let outside = dir.path().join("outside.html");
        std::fs::write(&outside, "not casebook's").unwrap();
        build(&out, &SITE).unwrap();
        edit_unseen(&out);
        build(&out, &SITE).unwrap();
        assert_ne!(site(&out), fresh(&SITE), "a valid record is trusted");

        let corruptions: [fn(&str) -> String; 6] = [
            |_| MARKER_TEXT.into(),
            |_| String::new(),
            |record| record.replace(record::RECORD_HEADER, "casebook record 0"),
            |record| record[..record.rfind("end ").unwrap()].into(),
            |record| record.replace("end 4", "end 5"),
            |record| record.replace(" a/index.html", " ../outside.html"),
        ];
        for corrupt in corruptions {
            build(&out, &SITE).unwrap();
            edit_unseen(&out);
            let record = std::fs::read_to_string(out.join(MARKER)).unwrap();
            let corrupted = corrupt(&record);
            assert_ne!(corrupted, record);
            std::fs::write(out.join(MARKER), &corrupted).unwrap();
            assert_eq!(build(&out, &SITE).unwrap().files, 4, "{corrupted}");
            assert_eq!(site(&out), fresh(&SITE), "{corrupted}");
            assert!(outside.exists());
        }
    }

    #[test]
    fn files_casebook_did_not_write_stay_in_an_updated_output() {
        let (_dir, out) = built(&SITE);
        std::fs::write(out.join("c/d/notes.txt"), "mine").unwrap();
        build(&out, &SITE[..2]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("c/d/notes.txt")).unwrap(),
            "mine"
        );
        assert!(!out.join("c/d/index.html").exists());
        assert!(!out.join("b").exists());
    }

    /// Where the output cannot be swapped (another file system, no atomic exchange), an update
    /// goes in place: one that fails midway says so, and the next build completes it.
    #[test]
    fn an_update_in_place_that_fails_midway_says_so_and_the_next_build_completes_it() {
        let (dir, out) = built(&SITE);
        let next = [
            ("index.html", "home, edited"),
            ("a/index.html", "page a, edited"),
            SITE[2],
            SITE[3],
        ];
        let outputs: Vec<OutputFile> = next.iter().map(|(p, t)| file(p, t)).collect();
        let files: Vec<NewFile> = (outputs.iter())
            .map(|f| NewFile {
                path: &f.path,
                body: Body::Bytes(&f.bytes),
            })
            .collect();
        let relative: Vec<PathBuf> = files
            .iter()
            .map(|f| safe_relative(f.path).unwrap())
            .collect();
        let manifest = Manifest::default();
        let new = NewBuild {
            files: &files,
            relative: &relative,
            digests: &digests(&files, &manifest),
        };
        let record = Record::read(&out).unwrap();
        let plan = plan_update(&out, &new, &record).unwrap();
        // After the plan, someone puts a folder where a page goes: its move into place fails.
        std::fs::remove_file(out.join("a/index.html")).unwrap();
        std::fs::create_dir_all(out.join("a/index.html/theirs")).unwrap();
        let staging = dir.path().join(".public.casebook-staging");
        let failed = update(&out, &staging, &new, plan, &record).unwrap_err();
        assert_eq!(failed.output, OutputState::PartlyUpdated);
        std::fs::remove_dir_all(out.join("a/index.html")).unwrap();
        build(&out, &next).unwrap();
        assert_eq!(site(&out), fresh(&next));
    }

    #[test]
    fn files_casebook_did_not_write_stay_through_many_updates() {
        let (_dir, out) = built(&SITE);
        std::fs::write(out.join("CNAME"), "example.org").unwrap();
        std::fs::create_dir_all(out.join(".git/objects/ab")).unwrap();
        std::fs::write(out.join(".git/objects/ab/cd"), "object").unwrap();
        std::fs::create_dir_all(out.join(".well-known")).unwrap();
        std::fs::write(out.join("a/notes.txt"), "mine").unwrap();
        let theirs = |out: &Path| {
            let mut tree = site(out);
            tree.retain(|name, _| {
                !SITE.iter().any(|(path, _)| path == name)
                    && !["a", "b", "c", "c/d"].contains(&name.as_str())
            });
            tree
        };
        let before = theirs(&out);
        assert_eq!(before.len(), 7, "{before:?}");
        for round in 0..4 {
            let edited = format!("home, edit {round}");
            let files = [("index.html", edited.as_str()), SITE[1], SITE[2], SITE[3]];
            assert_eq!(build(&out, &files).unwrap().files, 1);
            assert_eq!(theirs(&out), before, "round {round}");
        }
        // Removed by their owner, they stay removed.
        std::fs::remove_file(out.join("CNAME")).unwrap();
        std::fs::remove_dir_all(out.join(".git")).unwrap();
        build(&out, &SITE).unwrap();
        build(&out, &SITE[..3]).unwrap();
        assert!(!out.join("CNAME").exists() && !out.join(".git").exists());
        assert!(out.join(".well-known").is_dir());
    }

    #[test]
    fn someone_elses_file_where_a_rebuild_writes_is_kept_beside_the_output() {
        let (dir, out) = built(&SITE);
        std::fs::write(out.join("robots.txt"), "theirs").unwrap();
        let next = [SITE[0], SITE[1], ("robots.txt", "casebook's")];
        let written = build(&out, &next).unwrap();
        assert_eq!(written.kept.moved, [PathBuf::from("robots.txt")]);
        let aside = written.kept.moved_to.unwrap();
        assert_eq!(
            std::fs::read_to_string(aside.join("robots.txt")).unwrap(),
            "theirs"
        );
        assert_eq!(site(&out), fresh(&next));
        assert!(aside.starts_with(dir.path()));
    }

    /// A reader holding the output folder open (a web server, an `rsync` in its source folder)
    /// goes on seeing the build it started with, whole, while a rebuild swaps the next one in.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_reader_of_the_output_sees_one_build_whole() {
        let (_dir, out) = built(&SITE);
        let held = std::fs::File::open(&out).unwrap();
        let seen = PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&held)
        ));
        let before = site(&seen);
        let next = [
            ("index.html", "home, edited"),
            ("a/index.html", "page a, edited"),
            ("e/index.html", "page e"),
        ];
        build(&out, &next).unwrap();
        assert_eq!(site(&seen), before, "the folder a reader holds changed");
        assert_eq!(site(&out), fresh(&next));
        // The one after that is built in the folder the reader let go of, from the same files.
        let again = [("index.html", "home, edited again"), next[1], next[2]];
        drop(held);
        let identities_before = identities(&out);
        build(&out, &again).unwrap();
        assert_eq!(site(&out), fresh(&again));
        let after = identities(&out);
        assert_eq!(after["a/index.html"], identities_before["a/index.html"]);
        assert_eq!(after["e/index.html"], identities_before["e/index.html"]);
    }

    #[cfg(unix)]
    #[test]
    fn nothing_is_written_or_removed_through_a_link() {
        let (dir, out) = built(&SITE);
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("index.html"), "not casebook's").unwrap();
        // `c/d` and `a` become links to a folder outside the output.
        std::fs::remove_dir_all(out.join("c/d")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("c/d")).unwrap();
        build(&out, &SITE[..3]).unwrap();
        std::fs::remove_dir_all(out.join("a")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("a")).unwrap();
        build(
            &out,
            &[("index.html", "home"), ("a/index.html", "page a, edited")],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(elsewhere.join("index.html")).unwrap(),
            "not casebook's"
        );
        // The links are no one's casebook wrote: they stay (`a`, where a folder of the build goes,
        // beside the output), and nothing was written through them.
        let mut expected = fresh(&[("index.html", "home"), ("a/index.html", "page a, edited")]);
        expected.insert("c".into(), None);
        expected.insert("c/d".into(), None);
        assert_eq!(site(&out), expected);
        assert!(out.join("c/d").is_symlink());
    }

    #[test]
    fn a_leftover_of_an_interrupted_removal_is_removed_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        build(&out, &SITE).unwrap();
        let (_, old) = siblings(&absolute(&out)).unwrap();
        // Killed while removing the previous build: its files gone, its folders left.
        std::fs::create_dir_all(old.join("a/b/c")).unwrap();
        std::fs::create_dir_all(old.join("d")).unwrap();
        build(&out, &SITE[..1]).unwrap();
        assert!(!old.exists());
        // A removal keeps the marker to the end, so that what it leaves is still casebook's.
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("x/y")).unwrap();
        std::fs::write(tree.join(MARKER), "").unwrap();
        std::fs::write(tree.join("x/y/f"), "f").unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
        // Someone else's file in such a folder is never removed.
        std::fs::create_dir_all(old.join("e")).unwrap();
        std::fs::write(old.join("e/theirs.txt"), "theirs").unwrap();
        assert!(remove_own(&old).is_err());
        assert!(old.join("e/theirs.txt").exists());
    }

    #[test]
    fn the_manifest_digests_are_used_and_others_computed() {
        let files = [file("a.html", "a"), file(crate::manifest::FILE_NAME, "{}")];
        let manifest = Manifest {
            files: vec![crate::manifest::FileEntry {
                path: "a.html".into(),
                size: 1,
                sha256: "0".repeat(64),
            }],
            ..Manifest::default()
        };
        let files: Vec<NewFile> = (files.iter())
            .map(|f| NewFile {
                path: &f.path,
                body: Body::Bytes(&f.bytes),
            })
            .collect();
        assert_eq!(
            digests(&files, &manifest),
            ["0".repeat(64), crate::manifest::sha256(b"{}")]
        );
    }
}
