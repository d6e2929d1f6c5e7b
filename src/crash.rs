//! A panic is a bug in casebook, never the editor's fault: it becomes an error diagnostic that
//! names the file being processed when it happened, instead of a backtrace and exit code 101.
//!
//! Each stage marks the file it works on with [`processing`]; rayon carries a worker's panic to
//! the caller of the parallel loop, where [`catch`] turns it into the diagnostic.

use crate::diagnostics::Diagnostic;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// The file this thread is processing.
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The file whose processing panicked, set while the panic unwinds.
static CRASHED: Mutex<Option<String>> = Mutex::new(None);

/// Runs `work` on `file` (relative to the site root): a panic inside is reported at that file.
pub fn processing<R>(file: &str, work: impl FnOnce() -> R) -> R {
    struct Marked(Option<String>);
    impl Drop for Marked {
        fn drop(&mut self) {
            let file = CURRENT.with(|c| c.replace(self.0.take()));
            if std::thread::panicking()
                && let Ok(mut crashed) = CRASHED.lock()
                && crashed.is_none()
            {
                *crashed = file;
            }
        }
    }
    let previous = CURRENT.with(|c| c.replace(Some(file.to_string())));
    let _marked = Marked(previous);
    work()
}

/// Runs `work`; a panic becomes an error at the file being processed when it happened.
pub fn catch<R>(work: impl FnOnce() -> R) -> Result<R, Diagnostic> {
    if let Ok(mut crashed) = CRASHED.lock() {
        *crashed = None;
    }
    CATCHING.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(work));
    CATCHING.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let file = CRASHED.lock().ok().and_then(|mut c| c.take());
        let (file, message) = match file {
            Some(file) => (
                file,
                "casebook failed while processing this file".to_string(),
            ),
            None => ("casebook".to_string(), "casebook failed".to_string()),
        };
        Diagnostic::error(file, format!("{message} (an internal error: {why})")).with_hint(
            "this is a bug in casebook, not in the content: please report it with this file",
        )
    })
}

/// How many [`catch`]es are running: a panic inside one is reported as its diagnostic.
static CATCHING: AtomicUsize = AtomicUsize::new(0);

/// Leaves the report of a panic inside [`catch`] to its diagnostic (the default hook prints a
/// backtrace note before and apart from the diagnostics); one outside is a line in casebook's
/// words.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        if CATCHING.load(Ordering::SeqCst) == 0 {
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "error: casebook stopped on an internal error{place}; this is a bug in casebook, please report it"
            );
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn a_panic_in_a_worker_names_the_file_it_was_processing() {
        let files: Vec<String> = (0..64).map(|i| format!("content/{i}.md")).collect();
        let result = catch(|| {
            files
                .par_iter()
                .map(|file| processing(file, || assert!(file != "content/42.md", "boom")))
                .count()
        });
        let error = result.unwrap_err();
        assert_eq!(error.file, "content/42.md");
        assert!(error.message.contains("boom"), "{}", error.message);
        assert!(error.is_error());
        // Nothing is marked once the work is done.
        assert_eq!(catch(|| processing("a.md", || 1)).unwrap(), 1);
        assert!(CURRENT.with(|c| c.borrow().is_none()));
    }
}
