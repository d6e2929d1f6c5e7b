//! Watching the site's inputs: which file events matter (a pure function with its own tests), and
//! the watcher that feeds them to the rebuild thread (which waits for a quiet moment: see
//! `rebuild::Rebuilder::run`).

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::Sender;

/// The folders under the site root whose files are inputs of a build.
pub const INPUT_DIRS: [&str; 4] = ["content", "templates", "static", "themes"];

/// What the rebuild thread receives from the watcher.
pub enum Change {
    /// Site-relative paths (`content/practices/x.zh.md`) of inputs that changed, and whether an
    /// input folder itself was created or removed (so that its watch must be renewed).
    Inputs {
        paths: BTreeSet<String>,
        folders_moved: bool,
    },
    /// The watcher lost events or failed: rebuild everything and say why.
    Lost(String),
    /// The server is stopping.
    Stop,
}

/// Whether a file event at `path` is a change of the site's inputs, and if so the path relative
/// to `root`. `root` and `output` are absolute. Ignored: reads, anything outside `site.yaml`,
/// `strings.yaml` and the input folders, the output folder, hidden files and folders, and editors' temporary files.
pub fn classify(root: &Path, output: &Path, kind: &EventKind, path: &Path) -> Option<String> {
    match kind {
        // casebook's own rebuild opens every input: reacting to reads would loop forever.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return None,
        _ => {}
    }
    if path.starts_with(output) {
        return None;
    }
    let relative = path.strip_prefix(root).ok()?;
    let mut names = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => names.push(name.to_str()?),
            _ => return None,
        }
    }
    let (first, last) = (*names.first()?, *names.last()?);
    let input = if names.len() == 1 {
        first == crate::config::CONFIG_FILE
            || first == crate::theme::STRINGS_FILE
            || INPUT_DIRS.contains(&first)
    } else {
        INPUT_DIRS.contains(&first)
    };
    if !input || names.iter().any(|n| n.starts_with('.')) || is_editor_temporary(last) {
        return None;
    }
    Some(names.join("/"))
}

/// Files editors write beside the one being edited: swap files, backups, lock files, and the
/// temporary files of atomic saves (whose final rename is seen under the real name).
fn is_editor_temporary(name: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        "~",
        ".swp",
        ".swo",
        ".swx",
        ".tmp",
        ".bak",
        "___jb_tmp___",
        "___jb_old___",
    ];
    name == "4913" // vim's probe for a writable folder
        || (name.starts_with('#') && name.ends_with('#')) // emacs auto-save
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The watcher, which sends a [`Change`] for every event that touches an input. It watches the
/// root itself (for `site.yaml` and input folders that appear later) and each input folder
/// recursively; [`Watched::renew`] keeps the folder watches in step.
pub struct Watched {
    watcher: RecommendedWatcher,
    root: PathBuf,
    folders: BTreeSet<&'static str>,
}

impl Watched {
    pub fn start(root: &Path, output: &Path, sender: Sender<Change>) -> notify::Result<Watched> {
        let (root_c, output_c) = (root.to_path_buf(), output.to_path_buf());
        let handler = move |result: notify::Result<notify::Event>| {
            let change = match result {
                Ok(event) if event.need_rescan() => {
                    Change::Lost("the watcher missed events".into())
                }
                Ok(event) => {
                    let paths: BTreeSet<String> = (event.paths.iter())
                        .filter_map(|path| classify(&root_c, &output_c, &event.kind, path))
                        .collect();
                    if paths.is_empty() {
                        return;
                    }
                    let folders_moved = paths.iter().any(|p| INPUT_DIRS.contains(&p.as_str()));
                    Change::Inputs {
                        paths,
                        folders_moved,
                    }
                }
                Err(error) => Change::Lost(error.to_string()),
            };
            let _ = sender.send(change);
        };
        // casebook does not follow links to folders; neither does the watcher (they can loop).
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut watched = Watched {
            watcher: RecommendedWatcher::new(handler, config)?,
            root: root.to_path_buf(),
            folders: BTreeSet::new(),
        };
        watched.watcher.watch(root, RecursiveMode::NonRecursive)?;
        watched.renew(false);
        Ok(watched)
    }

    /// Watches input folders that appeared and forgets those that went. With `all`, renews every
    /// watch, for folders removed and created again between two bursts.
    pub fn renew(&mut self, all: bool) {
        for name in INPUT_DIRS {
            let dir = self.root.join(name);
            let watched = self.folders.contains(name);
            if watched && (all || !dir.is_dir()) {
                let _ = self.watcher.unwatch(&dir);
                self.folders.remove(name);
            }
            if dir.is_dir()
                && !self.folders.contains(name)
                && self.watcher.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                self.folders.insert(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RemoveKind, RenameMode};

    fn check(kind: EventKind, path: &str) -> Option<String> {
        classify(
            Path::new("/site"),
            Path::new("/site/public"),
            &kind,
            Path::new(path),
        )
    }

    #[test]
    fn inputs_are_seen() {
        let write = EventKind::Modify(ModifyKind::Any);
        for (path, expected) in [
            ("/site/site.yaml", "site.yaml"),
            ("/site/strings.yaml", "strings.yaml"),
            (
                "/site/content/practices/x.zh.md",
                "content/practices/x.zh.md",
            ),
            ("/site/templates/page.html", "templates/page.html"),
            ("/site/static/img/a.png", "static/img/a.png"),
            (
                "/site/themes/default/static/style.css",
                "themes/default/static/style.css",
            ),
            ("/site/content", "content"),
        ] {
            assert_eq!(check(write, path).as_deref(), Some(expected), "{path}");
        }
        // An atomic save ends in a rename to the real name, and a removal is a change too.
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert!(check(renamed, "/site/content/a.zh.md").is_some());
        let removed = EventKind::Remove(RemoveKind::File);
        assert!(check(removed, "/site/content/a.zh.md").is_some());
        let created = EventKind::Create(CreateKind::Folder);
        assert!(check(created, "/site/templates").is_some());
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(check(closed, "/site/content/a.zh.md").is_some());
    }

    #[test]
    fn reads_output_and_other_files_are_ignored() {
        let write = EventKind::Modify(ModifyKind::Any);
        for path in [
            "/site/public/index.html",
            "/site/.public.casebook-staging/index.html",
            "/site/README.md",
            "/site/target/debug/x",
            "/site/site.yaml/../x",
            "/elsewhere/content/a.md",
            "/site/content/.git/index",
            "/site/content/practices/.x.zh.md.swp",
            "/site/content/practices/x.zh.md.swp",
            "/site/content/practices/x.zh.md~",
            "/site/content/practices/.#x.zh.md",
            "/site/content/practices/#x.zh.md#",
            "/site/content/practices/4913",
            "/site/templates/page.html___jb_tmp___",
            "/site",
        ] {
            assert_eq!(check(write, path), None, "{path}");
        }
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert_eq!(check(open, "/site/content/a.zh.md"), None);
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert_eq!(check(read, "/site/site.yaml"), None);
    }

    #[test]
    fn an_output_folder_elsewhere_is_ignored_too() {
        let kind = EventKind::Modify(ModifyKind::Any);
        let output = Path::new("/site/static/out");
        assert_eq!(
            classify(
                Path::new("/site"),
                output,
                &kind,
                Path::new("/site/static/out/a.css")
            ),
            None
        );
    }
}
