//! Rebuilding: the whole pipeline into memory after every burst of changes, what open pages are
//! told about it, and the line printed for it.
//!
//! Every rebuild is a full [`crate::render`], so the site served after any sequence of edits is
//! the site a fresh build would make. What pages are told comes from comparing the new output
//! with the old, not from guessing what an edit affects.

use super::watch::{Change, Watched};
use super::{Files, Shared, Snapshot, live};
use crate::BuildOptions;
use crate::diagnostics::{self, Diagnostic};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest a rebuild waits for the inputs to be quiet.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// Told about every build: the command line prints [`BuildReport::line`] and the diagnostics.
pub type OnBuild = Box<dyn FnMut(&BuildReport) + Send>;

/// Why a build ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The first build, when the server starts.
    Start,
    /// These inputs changed (site-relative paths, sorted).
    Changed(Vec<String>),
    /// The watcher lost track of events (or failed), so everything is rebuilt.
    Lost(String),
}

/// What one build did, for the terminal.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub cause: Cause,
    pub failed: bool,
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the diagnostics differ from the previous build's: warnings that were already shown
    /// need not be printed again after every save.
    pub new_diagnostics: bool,
}

impl BuildReport {
    /// One line: `rebuilt after content/practices/x.zh.md changed: 14 pages in 38 ms`.
    pub fn line(&self) -> String {
        let ms = self.elapsed.as_millis();
        let cause = match &self.cause {
            Cause::Start => None,
            Cause::Changed(paths) => Some(match paths.as_slice() {
                [] => "a change".to_string(),
                [one] => format!("{one} changed"),
                [first, rest @ ..] => {
                    format!("{first} and {} changed", plural(rest.len(), "other file"))
                }
            }),
            Cause::Lost(why) => Some(format!("a full rescan ({why})")),
        };
        let pages = plural(self.pages, "page");
        let summary = diagnostics::summary(&self.diagnostics);
        match (self.failed, cause) {
            (false, None) => format!("built {pages} ({} files) in {ms} ms", self.files),
            (false, Some(cause)) => format!("rebuilt after {cause}: {pages} in {ms} ms"),
            (true, None) => {
                format!(
                    "build failed in {ms} ms: {summary}; serving the errors until they are fixed"
                )
            }
            (true, Some(cause)) => format!(
                "rebuild after {cause} failed in {ms} ms: {summary}; still serving the last good build"
            ),
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(super) struct Rebuilder {
    options: BuildOptions,
    shared: Arc<Shared>,
    /// How long the inputs must be quiet before a rebuild.
    debounce: Duration,
    on_build: Option<OnBuild>,
    /// Distinguishes this server's builds from a previous run's, so that a page open across a
    /// restart reloads when it reconnects.
    session: String,
    count: u64,
    last_diagnostics: Vec<Diagnostic>,
    /// What the previous build computed, so that a rebuild redoes only what an edit changed.
    cache: crate::cache::Cache,
    /// The assets as last read, by source path, with the size and time they had: an unchanged
    /// image is not read again on every save.
    assets: HashMap<std::path::PathBuf, (u64, Option<std::time::SystemTime>, bytes::Bytes)>,
}

impl Rebuilder {
    pub fn new(
        options: BuildOptions,
        shared: Arc<Shared>,
        debounce: Duration,
        on_build: Option<OnBuild>,
    ) -> Self {
        let session = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rebuilder {
            options,
            shared,
            debounce,
            on_build,
            session: format!("{:x}", session & 0xffff_ffff_ffff),
            count: 0,
            last_diagnostics: Vec::new(),
            cache: crate::cache::Cache::watched(),
            assets: HashMap::new(),
        }
    }

    /// Rebuilds after every burst of changes until the server stops. A save is a burst of events
    /// within a few milliseconds (an atomic save: write, rename; vim: rename, write, remove), so
    /// a rebuild waits until the inputs have been quiet for the debounce time: one save is one
    /// rebuild, and the file is read whole. Changes that arrive during a rebuild are taken
    /// together into the next one, so the last rebuild always starts after the last change.
    pub fn run(mut self, mut watched: Watched, changes: Receiver<Change>) {
        while let Ok(first) = changes.recv() {
            let mut burst = vec![first];
            let started = Instant::now();
            // Files written without pause (a checkout, a generator) must not hold back the
            // preview for ever.
            while started.elapsed() < MAX_WAIT {
                match changes.recv_timeout(self.debounce) {
                    Ok(change) => burst.push(change),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            let mut paths = BTreeSet::new();
            let mut lost = None;
            let mut renew = false;
            for change in burst.into_iter().chain(changes.try_iter()) {
                match change {
                    Change::Stop => return,
                    Change::Inputs {
                        paths: changed,
                        folders_moved,
                    } => {
                        paths.extend(changed);
                        renew |= folders_moved;
                    }
                    Change::Lost(why) => {
                        lost = Some(why);
                        renew = true;
                    }
                }
            }
            watched.renew(renew);
            if lost.is_some() || renew {
                self.cache.lost_track();
            } else {
                self.cache.changed(&paths);
            }
            self.build(match lost {
                Some(why) => Cause::Lost(why),
                None => Cause::Changed(paths.into_iter().collect()),
            });
        }
    }

    /// Builds the site, serves the result if it built, and tells open pages.
    pub fn build(&mut self, cause: Cause) {
        let started = Instant::now();
        let (rendered, found) = render(&self.options, &mut self.cache);
        let old = self.shared.snapshot();
        let (failed, pages, files) = match rendered {
            Some(rendered) => {
                let pages = rendered.site.pages.len();
                let assets = self.read_assets(&rendered.copied);
                let new: Files = (rendered.files.into_iter())
                    .map(|f| (f.path, f.bytes))
                    .chain(assets)
                    .collect();
                let changed = changed_outputs(&old.files, &new);
                let build = if changed.is_empty() && old.built {
                    old.build.clone()
                } else {
                    self.count += 1;
                    format!("{}-{}", self.session, self.count)
                };
                let events = live::after_success(old.errors.is_some(), &changed, &build);
                let files = new.len();
                let snapshot = Snapshot {
                    build,
                    files: Arc::new(new),
                    built: true,
                    errors: None,
                };
                self.shared.publish(snapshot, &events);
                (false, pages, files)
            }
            None => {
                let errors = live::errors(&found);
                let snapshot = Snapshot {
                    build: old.build.clone(),
                    files: Arc::clone(&old.files),
                    built: old.built,
                    errors: Some(errors.as_str().into()),
                };
                self.shared.publish(snapshot, &[errors]);
                (true, 0, 0)
            }
        };
        let elapsed = started.elapsed();
        drop(old);
        let report = BuildReport {
            cause,
            failed,
            pages,
            files,
            elapsed,
            new_diagnostics: found != self.last_diagnostics,
            diagnostics: found,
        };
        self.last_diagnostics.clone_from(&report.diagnostics);
        if let Some(on_build) = &mut self.on_build {
            on_build(&report);
        }
    }
}

impl Rebuilder {
    /// The assets' bytes, read again only when a file's size or time changed. One that cannot be
    /// read is left out (its pages show it missing) until it can.
    fn read_assets(&mut self, copied: &[crate::render::CopiedFile]) -> Vec<(String, bytes::Bytes)> {
        let mut kept = HashMap::with_capacity(copied.len());
        let mut files = Vec::with_capacity(copied.len());
        for asset in copied {
            let Ok(metadata) = std::fs::metadata(&asset.source) else {
                continue;
            };
            let stamp = (metadata.len(), metadata.modified().ok());
            let bytes = match self.assets.remove(&asset.source) {
                Some((len, time, bytes)) if (len, time) == stamp => bytes,
                _ => match std::fs::read(&asset.source) {
                    Ok(bytes) => bytes::Bytes::from(bytes),
                    Err(_) => continue,
                },
            };
            kept.insert(asset.source.clone(), (stamp.0, stamp.1, bytes.clone()));
            files.push((asset.path.clone(), bytes));
        }
        self.assets = kept;
        files
    }
}

/// [`crate::render_cached`], with a panic (a bug in casebook) reported as an error instead of
/// ending the rebuilds. After a panic the cache may be half updated, so it starts afresh.
fn render(
    options: &BuildOptions,
    cache: &mut crate::cache::Cache,
) -> (Option<crate::Rendered>, Vec<Diagnostic>) {
    crate::crash::catch(|| crate::render_cached(options, cache)).unwrap_or_else(|crashed| {
        *cache = crate::cache::Cache::watched();
        (None, vec![crashed])
    })
}

/// Whether two outputs hold the same bytes: at once when both are the cached rendering (most
/// files after an edit), else by comparing them.
fn same_bytes(a: &bytes::Bytes, b: &bytes::Bytes) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Output paths added, removed or changed between two builds, sorted.
fn changed_outputs(old: &Files, new: &Files) -> Vec<String> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(path, bytes)| !old.get(*path).is_some_and(|o| same_bytes(o, bytes)))
        .map(|(path, _)| path.clone())
        .chain(old.keys().filter(|p| !new.contains_key(*p)).cloned())
        .collect();
    changed.sort();
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec().into()))
            .collect()
    }

    #[test]
    fn changed_outputs_are_added_removed_or_different() {
        let old = files(&[("a.html", "1"), ("b.css", "x"), ("gone.html", "")]);
        let new = files(&[("a.html", "1"), ("b.css", "y"), ("new.html", "")]);
        assert_eq!(
            changed_outputs(&old, &new),
            ["b.css", "gone.html", "new.html"]
        );
        assert!(changed_outputs(&new, &new).is_empty());
    }

    #[test]
    fn the_line_says_what_changed_and_how_long_it_took() {
        let mut report = BuildReport {
            cause: Cause::Changed(vec!["content/practices/xuzhou.zh.md".into()]),
            failed: false,
            pages: 14,
            files: 40,
            elapsed: Duration::from_millis(38),
            diagnostics: Vec::new(),
            new_diagnostics: false,
        };
        assert_eq!(
            report.line(),
            "rebuilt after content/practices/xuzhou.zh.md changed: 14 pages in 38 ms"
        );
        report.cause = Cause::Changed(vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!(
            report.line(),
            "rebuilt after a and 2 other files changed: 14 pages in 38 ms"
        );
        report.cause = Cause::Start;
        assert_eq!(report.line(), "built 14 pages (40 files) in 38 ms");
        report.failed = true;
        report.diagnostics = vec![Diagnostic::error("a", "x")];
        assert!(
            report
                .line()
                .starts_with("build failed in 38 ms: 1 error, 0 warnings in 1 file")
        );
    }
}
