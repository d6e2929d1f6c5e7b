//! The update that no reader sees half done: the new build is made in a second folder beside the
//! output, `.public.casebook-previous` (the build before the last, kept from the previous swap),
//! and exchanged with the output in one atomic rename (Linux's `renameat2(RENAME_EXCHANGE)`).
//! Files that did not change are hard links to the output's own, so the work is proportional to
//! what changed: the new files, and the ones that changed since the build the folder holds.
//! Files casebook did not write are linked across the same way, so the swap loses none of them.

use super::{
    Kept, MARKER, MARKER_TEXT, NewBuild, Plan, Record, Stamp, WriteError, Written, folders_above,
    io_error, write_file,
};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The folder that holds the previous build between swaps: `.NAME.casebook-previous`.
pub fn previous_of(output: &Path) -> Option<PathBuf> {
    let name = output.file_name()?.to_string_lossy().into_owned();
    Some(output.with_file_name(format!(".{name}.casebook-previous")))
}

/// What the previous folder must hold at a path.
enum Wanted {
    /// The output's file at this path, unchanged: the same file, by a hard link.
    Same(u64),
    /// The new build's file number `usize`, written fresh.
    New(usize),
    /// An empty folder of the output that casebook did not make.
    Folder,
}

/// Brings the previous folder to the new build (`plan` says which files are unchanged against
/// `record`, the output's) and exchanges it with `output`. `Ok(None)` when this file system
/// cannot do it (no hard links, no atomic exchange, an output that is a mount point): the caller
/// then updates in place. An error leaves the output as it was.
pub fn update(
    output: &Path,
    previous: &Path,
    new: &NewBuild,
    plan: &Plan,
    record: &Record,
) -> Result<Option<Written>, WriteError> {
    if !output.is_dir() || super::is_mount_point(output) {
        return Ok(None);
    }
    start_previous(previous)?;
    if !hard_links_work(output, previous) {
        let _ = super::remove_own(previous);
        return Ok(None);
    }

    // What the new build needs: its files (the unchanged ones as links to the output's), and
    // what the output holds that casebook did not write.
    let new_folders: HashSet<&Path> = new.relative.iter().flat_map(|p| folders_above(p)).collect();
    let mut wanted: HashMap<&Path, Wanted> = HashMap::with_capacity(new.relative.len());
    let recorded: HashSet<&Path> = record.files.iter().map(|r| r.path.as_path()).collect();
    let (in_output, in_previous) = rayon::join(|| list(output), || list(previous));
    let (inodes, others) = scan_output(in_output?, &recorded);
    let in_previous = in_previous?;
    for (i, path) in new.relative.iter().enumerate() {
        let want = match (plan.unchanged[i], inodes.get(path.as_path())) {
            (Some(_), Some(&inode)) => Wanted::Same(inode),
            _ => Wanted::New(i),
        };
        wanted.insert(path.as_path(), want);
    }
    // Someone else's file where the new build writes one (or needs a folder) is kept beside the
    // output instead, as a whole replacement does.
    let mut clashes = Vec::new();
    for (path, inode) in &others {
        let clash = wanted.contains_key(path.as_path())
            || new_folders.contains(path.as_path())
            || folders_above(path).any(|folder| wanted.contains_key(folder));
        match (clash, inode) {
            (true, _) => clashes.push(path.clone()),
            (false, Some(inode)) => {
                wanted.insert(path.as_path(), Wanted::Same(*inode));
            }
            (false, None) => {
                wanted.insert(path.as_path(), Wanted::Folder);
            }
        }
    }
    let folders: BTreeSet<&Path> = wanted
        .iter()
        .flat_map(|(path, want)| {
            let own = matches!(want, Wanted::Folder).then_some(*path);
            own.into_iter().chain(folders_above(path))
        })
        .collect();

    let (done, present) = tidy_previous(previous, &in_previous, &wanted, &folders)?;
    // In order, so that each folder's parent is made before it.
    for folder in folders.iter().filter(|folder| !present.contains(**folder)) {
        let target = previous.join(folder);
        std::fs::create_dir(&target).map_err(|e| io_error("create the folder", &target, e))?;
    }
    let todo: Vec<(&Path, &Wanted)> = (wanted.iter())
        .filter(|(path, want)| !matches!(want, Wanted::Folder) && !done.contains(**path))
        .map(|(path, want)| (*path, want))
        .collect();
    let fresh: HashMap<usize, Stamp> = todo
        .par_iter()
        .filter_map(|(path, want)| {
            let target = previous.join(path);
            match want {
                Wanted::Same(_) => std::fs::hard_link(output.join(path), &target)
                    .map_err(|e| io_error("link", &target, e))
                    .err()
                    .map(Err),
                Wanted::New(i) => Some(
                    write_file(&target, &new.files[*i].body)
                        .map(|stamp| (*i, stamp))
                        .map_err(|e| io_error("write", &target, e)),
                ),
                Wanted::Folder => None,
            }
        })
        .collect::<Result<_, _>>()?;
    let stamps: Vec<Stamp> = (0..new.files.len())
        .map(|i| plan.unchanged[i].or_else(|| fresh.get(&i).copied()))
        .collect::<Option<_>>()
        .ok_or_else(|| io_error("write", previous, std::io::ErrorKind::NotFound.into()))?;
    let marker = previous.join(MARKER);
    let next = previous.join(format!("{MARKER}.next"));
    std::fs::write(&next, Record::marker_text(new, &stamps))
        .and_then(|()| std::fs::rename(&next, &marker))
        .map_err(|e| io_error("write", &marker, e))?;

    let kept = keep_clashes(output, &clashes)?;
    match exchange(previous, output) {
        Ok(()) => {}
        Err(e) if unsupported(&e) => return Ok(None),
        Err(e) => return Err(io_error("swap in the new build", output, e).into()),
    }
    Ok(Some(Written {
        files: new.files.len() - plan.unchanged.iter().flatten().count(),
        removed: plan.remove.len(),
        kept,
    }))
}

/// Makes sure `previous` is casebook's and says it holds no complete build (a build killed while
/// it is being brought up to date leaves it so, and the next one goes on from there).
fn start_previous(previous: &Path) -> Result<(), WriteError> {
    let marker = previous.join(MARKER);
    if previous.exists() && !marker.exists() {
        super::remove_own(previous)
            .map_err(|e| io_error("remove a leftover build", previous, e))?;
    }
    std::fs::create_dir_all(previous).map_err(|e| io_error("create the folder", previous, e))?;
    let _ = std::fs::remove_file(&marker);
    std::fs::write(&marker, MARKER_TEXT).map_err(|e| io_error("write", &marker, e))?;
    Ok(())
}

/// Whether a file of the output can be hard-linked into the previous folder.
fn hard_links_work(output: &Path, previous: &Path) -> bool {
    let probe = previous.join(".casebook-link-probe");
    let _ = std::fs::remove_file(&probe);
    let linked = std::fs::hard_link(output.join(MARKER), &probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    linked
}

/// What a folder holds, listed from the folder entries alone (no file is looked at one by one),
/// each folder before what it holds, and its sub-folders listed side by side.
enum Listed {
    File { path: PathBuf, inode: u64 },
    Folder { path: PathBuf, empty: bool },
}

fn list(root: &Path) -> Result<Vec<Listed>, WriteError> {
    list_folder(root, Path::new(""))
}

fn list_folder(root: &Path, relative: &Path) -> Result<Vec<Listed>, WriteError> {
    use std::os::unix::fs::DirEntryExt as _;
    let folder = root.join(relative);
    let read = |e| io_error("read", &folder, e);
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(&folder).map_err(read)? {
        let entry = entry.map_err(read)?;
        let path = relative.join(entry.file_name());
        if entry.file_type().map_err(read)?.is_dir() {
            folders.push(path);
        } else {
            let inode = entry.ino();
            files.push(Listed::File { path, inode });
        }
    }
    let inside: Vec<Vec<Listed>> = folders
        .par_iter()
        .map(|path| list_folder(root, path))
        .collect::<Result<_, _>>()?;
    for (path, listed) in folders.into_iter().zip(inside) {
        files.push(Listed::Folder {
            path,
            empty: listed.is_empty(),
        });
        files.extend(listed);
    }
    Ok(files)
}

/// The inode of every file in the output, by path, and what casebook did not write there: the
/// files (and links) not in `recorded`, with their inodes, and empty folders (`None`).
#[allow(clippy::type_complexity)]
fn scan_output(
    listed: Vec<Listed>,
    recorded: &HashSet<&Path>,
) -> (HashMap<PathBuf, u64>, Vec<(PathBuf, Option<u64>)>) {
    let mut inodes = HashMap::with_capacity(recorded.len());
    let mut others = Vec::new();
    for entry in listed {
        match entry {
            Listed::File { path, .. } if path == Path::new(MARKER) => {}
            Listed::File { path, inode } if recorded.contains(path.as_path()) => {
                inodes.insert(path, inode);
            }
            Listed::File { path, inode } => others.push((path, Some(inode))),
            Listed::Folder { path, empty: true } => others.push((path, None)),
            Listed::Folder { .. } => {}
        }
    }
    (inodes, others)
}

/// Removes from `previous` (as `listed`) everything the new build does not want there, and
/// returns the paths that already hold what is wanted (the same file as the output's) and the
/// wanted folders that are there.
#[allow(clippy::type_complexity)]
fn tidy_previous<'a, 'f>(
    previous: &Path,
    listed: &[Listed],
    wanted: &HashMap<&'a Path, Wanted>,
    folders: &BTreeSet<&'f Path>,
) -> Result<(HashSet<&'a Path>, HashSet<&'f Path>), WriteError> {
    let mut done = HashSet::with_capacity(wanted.len());
    let mut present = HashSet::with_capacity(folders.len());
    let mut removed: Option<&Path> = None;
    for entry in listed {
        let (path, inode) = match entry {
            Listed::File { path, inode } => (path, Some(*inode)),
            Listed::Folder { path, .. } => (path, None),
        };
        if path == Path::new(MARKER) || removed.is_some_and(|folder| path.starts_with(folder)) {
            continue;
        }
        let target = previous.join(path);
        let Some(inode) = inode else {
            match folders.get(path.as_path()) {
                Some(folder) => {
                    present.insert(*folder);
                }
                None => {
                    std::fs::remove_dir_all(&target).map_err(|e| io_error("remove", &target, e))?;
                    removed = Some(path);
                }
            }
            continue;
        };
        match wanted.get_key_value(path.as_path()) {
            Some((path, Wanted::Same(wanted))) if *wanted == inode => {
                done.insert(*path);
            }
            // Removed, never written over: it may be the same file as one in the output.
            _ => std::fs::remove_file(&target).map_err(|e| io_error("remove", &target, e))?,
        }
    }
    Ok((done, present))
}

/// Hard-links someone else's files that the new build writes over into a folder beside the
/// output (the output itself is not touched), so that the swap loses none of them.
fn keep_clashes(output: &Path, clashes: &[PathBuf]) -> Result<Kept, WriteError> {
    if clashes.is_empty() {
        return Ok(Kept::default());
    }
    let aside = super::kept_folder(output);
    for path in clashes {
        super::link_tree(&output.join(path), &aside.join(path))?;
    }
    let mut moved = clashes.to_vec();
    moved.sort();
    Ok(Kept {
        in_place: Vec::new(),
        moved,
        moved_to: Some(aside),
    })
}

/// Swaps two folders in one step: a reader sees one or the other, never neither.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// An error that says the kernel or file system cannot exchange, not that something failed.
fn unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP | libc::EXDEV | libc::EBUSY)
    )
}
