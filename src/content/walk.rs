//! Finding the Markdown files and the assets under `content/`: one listing per folder, whose entries say their
//! types without a `stat`. walkdir, as the load stage used it, added a `stat` per file for its
//! type (by its whole path, one after the other) and took file names apart at every comparison
//! of its sort: at 10,000 files most of a rebuild's load. The order and the diagnostics are
//! walkdir's (sorted by file name, links not followed but the root), which a test below checks.

use super::{CONTENT_DIR, Ignore, relative};
use crate::diagnostics::Diagnostic;
use std::ffi::OsStr;
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// A file under `content/`.
#[derive(Clone)]
pub struct Found {
    /// Relative to the site root, with `/`: `content/practices/xuzhou.zh.md`.
    pub file: String,
    pub path: PathBuf,
    /// Reached through a link: the file it leads to may be where no watcher sees its edits.
    pub linked: bool,
}

/// What the walk found: Markdown files and every other file (the assets), each sorted by path.
#[derive(Default, Clone)]
pub struct Walked {
    pub pages: Vec<Found>,
    pub assets: Vec<Found>,
}

/// The files under `root/content`, which must be a folder, sorted by path (folder by folder, by
/// file name), leaving out hidden files and what `ignore` matches, and the problems found on the
/// way. `expected` is how many Markdown files there were last time.
pub fn content_files(
    root: &Path,
    ignore: &Ignore,
    expected: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Walked {
    let content_root = root.join(CONTENT_DIR);
    // A link is entered when it leads to a folder of the site, like walkdir's root.
    if std::fs::symlink_metadata(&content_root).is_ok_and(|m| m.file_type().is_symlink())
        && !inside_root(root, &content_root)
    {
        diagnostics.push(outside_root(CONTENT_DIR.to_string()));
        return Walked::default();
    }
    let mut found = Walked {
        pages: Vec::with_capacity(expected),
        assets: Vec::new(),
    };
    let walk = Walk { root, ignore };
    walk.folder(&content_root, CONTENT_DIR, &mut found, diagnostics);
    found
}

struct Walk<'a> {
    root: &'a Path,
    ignore: &'a Ignore,
}

impl Walk<'_> {
    /// Adds the files of `dir` (whose name relative to the root is `dir_file`) and of its folders to
    /// `found`.
    fn folder(
        &self,
        dir: &Path,
        dir_file: &str,
        found: &mut Walked,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let root = self.root;
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(e) => {
                diagnostics.push(cannot_read(dir_file.to_string(), Some(dir), &e));
                return;
            }
        };
        // Entries that cannot be listed or typed are reported before the others, as walkdir does.
        let mut entries: Vec<(PathBuf, FileType)> = Vec::new();
        for entry in listing {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    diagnostics.push(cannot_read(CONTENT_DIR.to_string(), None, &e));
                    continue;
                }
            };
            match entry.file_type() {
                Ok(kind) => entries.push((entry.path(), kind)),
                Err(e) => {
                    let path = entry.path();
                    diagnostics.push(cannot_read(relative(root, &path), Some(&path), &e));
                }
            }
        }
        // Siblings' paths differ only in their names, which are unique: sorting the paths sorts the
        // names.
        entries.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        for (path, kind) in entries {
            let Some(name) = path.file_name().filter(|name| !is_hidden(name)) else {
                continue;
            };
            let name = name.to_string_lossy();
            let mut file = String::with_capacity(dir_file.len() + 1 + name.len());
            file.push_str(dir_file);
            file.push('/');
            file.push_str(&name);
            let in_content = &file[CONTENT_DIR.len() + 1..];
            if self.ignore.matches(
                in_content,
                kind.is_dir() || (kind.is_symlink() && path.is_dir()),
            ) {
                continue;
            }
            let markdown = path.extension().is_some_and(|x| x == "md");
            let list = if markdown {
                &mut found.pages
            } else {
                &mut found.assets
            };
            if kind.is_symlink() {
                if path.is_dir() {
                    diagnostics.push(link_to_folder(file));
                } else if !path.exists() {
                    diagnostics.push(Diagnostic::warning(file, "this link points to nothing"));
                } else if !inside_root(root, &path) {
                    diagnostics.push(outside_root(file));
                } else if path.is_file() {
                    list.push(Found {
                        file,
                        path,
                        linked: true,
                    });
                }
            } else if kind.is_dir() {
                self.folder(&path, &file, found, diagnostics);
            } else if kind.is_file() {
                list.push(Found {
                    file,
                    path,
                    linked: false,
                });
            }
        }
    }
}

/// Whether the real path of `path` (links resolved) is inside the site's folder: a link out of it
/// is never read, so that nothing outside the site can be published.
pub fn inside_root(root: &Path, path: &Path) -> bool {
    match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => false,
    }
}

fn outside_root(file: String) -> Diagnostic {
    Diagnostic::warning(file, "this link leads outside the site's folder: it is not read")
        .with_hint("casebook reads only files inside the folder of site.yaml; move or copy the file into content/")
}

fn link_to_folder(file: String) -> Diagnostic {
    Diagnostic::warning(file, "this link to a folder is not followed").with_hint(
        "casebook does not follow links to folders (they can loop); move or copy the files into content/",
    )
}

/// walkdir's words for an error, with the path when it has one.
fn cannot_read(file: String, path: Option<&Path>, error: &std::io::Error) -> Diagnostic {
    let message = match path {
        Some(path) => format!(
            "cannot read: IO error for operation on {}: {error}",
            path.display()
        ),
        None => format!("cannot read: {error}"),
    };
    Diagnostic::error(file, message)
}

fn is_hidden(name: &OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with('.') && n.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the load stage found with walkdir before this walk replaced it.
    fn with_walkdir(root: &Path) -> (Vec<String>, Vec<Diagnostic>) {
        let mut files = Vec::new();
        let mut diagnostics = Vec::new();
        let walker = walkdir::WalkDir::new(root.join(CONTENT_DIR))
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !is_hidden(e.file_name()));
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let file = e
                        .path()
                        .map(|p| relative(root, p))
                        .unwrap_or_else(|| CONTENT_DIR.to_string());
                    diagnostics.push(Diagnostic::error(file, format!("cannot read: {e}")));
                    continue;
                }
            };
            let path = entry.path();
            let file = relative(root, path);
            if entry.path_is_symlink() && path.is_dir() {
                diagnostics.push(link_to_folder(file));
                continue;
            }
            if entry.path_is_symlink() && !path.exists() {
                diagnostics.push(Diagnostic::warning(file, "this link points to nothing"));
                continue;
            }
            if path.is_file() && path.extension().is_some_and(|x| x == "md") {
                files.push(file);
            }
        }
        (files, diagnostics)
    }

    #[cfg(unix)]
    #[test]
    fn the_walk_finds_what_walkdir_found_in_the_same_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        for file in [
            "a.md",
            "a-b.md",
            "a/z.md",
            "a/b.zh.md",
            "a/nested/deep.en.md",
            "a.b/c.md",
            "B.md",
            "b.md",
            "notes.txt",
            "md",
            ".hidden.md",
            ".drafts/x.md",
            "z/.x/y.md",
            "文档/说明.md",
        ] {
            let path = root.join(CONTENT_DIR).join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "---\ntitle: T\n---\n").unwrap();
        }
        std::fs::create_dir_all(root.join("content/folder.md")).unwrap();
        std::fs::write(root.join("far.md"), "---\ntitle: T\n---\n").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join(CONTENT_DIR).join(name)).unwrap()
        };
        link(&root.join("far.md"), "linked.md");
        link(outside.path(), "linked-folder");
        link(&outside.path().join("gone.md"), "dangling.md");

        let mut diagnostics = Vec::new();
        let found = content_files(root, &Ignore::default(), 0, &mut diagnostics).pages;
        let files: Vec<String> = found.iter().map(|f| f.file.clone()).collect();
        let (expected_files, expected_diagnostics) = with_walkdir(root);
        assert_eq!(files, expected_files);
        assert_eq!(diagnostics, expected_diagnostics);
        assert!(
            files.contains(&"content/linked.md".to_string()),
            "{files:?}"
        );
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        for f in &found {
            assert_eq!(f.path, root.join(&f.file));
        }
    }
}
