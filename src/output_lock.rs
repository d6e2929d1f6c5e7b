//! One build at a time per output folder: an exclusive advisory lock on a file beside it
//! (`.public.casebook-lock` next to `public/`), held from before a previous build is recovered
//! until the last file is written. Beside the output rather than in it, so that it is never
//! published; and never removed, since a removed lock file would let a third build lock a new file
//! while a second still waits on the old one. `serve` takes none: it writes nothing.

use crate::diagnostics::Diagnostic;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// The lock, held until this is dropped (or the process ends, however it ends).
#[derive(Debug)]
pub struct OutputLock {
    /// `None` where the file system has no locks: the build goes on unlocked.
    _file: Option<File>,
}

/// The lock file of `output`: `.NAME.casebook-lock` in its parent folder.
pub fn path(output: &Path) -> Option<PathBuf> {
    let output = crate::output::absolute(output);
    let name = output.file_name()?.to_string_lossy().into_owned();
    Some(output.parent()?.join(format!(".{name}.casebook-lock")))
}

/// Takes the lock of `output`. When another build holds it: waits, saying so on stderr, or with
/// `wait` false fails at once.
pub fn acquire(output: &Path, wait: bool) -> Result<OutputLock, Diagnostic> {
    let shown = output.display().to_string();
    let lock_path =
        path(output).ok_or_else(|| Diagnostic::error(&shown, "the output folder has no parent"))?;
    let cannot = |what: &str, e: std::io::Error| {
        Diagnostic::error(
            lock_path.display().to_string(),
            format!("cannot {what} the lock file of {shown}: {e}"),
        )
    };
    if let Some(parent) = lock_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| cannot("create the folder of", e))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| cannot("open", e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            if !wait {
                return Err(Diagnostic::error(
                    &shown,
                    format!("another build{holder} is writing into {shown}"),
                )
                .with_hint(format!(
                    "wait for it to finish, or build without --no-wait to wait for it (lock {})",
                    lock_path.display()
                )));
            }
            eprintln!(
                "waiting for another build{holder} of {shown} to finish (lock {})",
                lock_path.display()
            );
            file.lock().map_err(|e| cannot("lock", e))?;
        }
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            return Ok(OutputLock { _file: None });
        }
        Err(TryLockError::Error(e)) => return Err(cannot("lock", e)),
    }
    // Who holds it, for the message of a build that has to wait. Only ever read as a hint.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(OutputLock { _file: Some(file) })
}

/// ` (process 1234)`, from the lock file, if it names one.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.take(32).read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!(" (process {pid})"),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_beside_the_output_and_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        assert_eq!(
            path(&output).unwrap(),
            crate::output::absolute(dir.path()).join(".public.casebook-lock")
        );
        let held = acquire(&output, false).unwrap();
        assert!(!output.exists(), "nothing is written into the output");
        let busy = acquire(&output, false).unwrap_err();
        assert!(
            busy.message
                .starts_with(&format!("another build (process {})", std::process::id())),
            "{}",
            busy.message
        );
        drop(held);
        acquire(&output, false).unwrap();
    }
}
