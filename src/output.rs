//! Write: everything into a staging directory beside the output, swapped in only when the whole
//! build succeeded. Refuses output directories whose replacement would lose someone's data.

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

/// A file in every output directory casebook writes, so that it only ever replaces its own.
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

/// Writes `files` (and `static_files` under them) into a fresh staging directory next to
/// `output`, then swaps it in. On any error the previous output is left as it was.
pub fn write(output: &Path, files: &[OutputFile]) -> Result<(), Diagnostic> {
    let output = absolute(output);
    let io_error = |what: &str, path: &Path, e: std::io::Error| {
        Diagnostic::error(path.display().to_string(), format!("cannot {what}: {e}"))
    };
    let parent = output
        .parent()
        .ok_or_else(|| Diagnostic::error(output.display().to_string(), "no parent folder"))?;
    std::fs::create_dir_all(parent).map_err(|e| io_error("create the folder", parent, e))?;
    let (staging, old) = siblings(&output)
        .ok_or_else(|| Diagnostic::error(output.display().to_string(), "no folder name"))?;
    recover(&output).map_err(|e| io_error("restore the previous build", &old, e))?;
    for leftover in [&staging, &old] {
        remove_own(leftover).map_err(|e| io_error("remove a leftover build", leftover, e))?;
    }

    std::fs::create_dir_all(&staging).map_err(|e| io_error("create the folder", &staging, e))?;
    let result = (|| {
        std::fs::write(
            staging.join(MARKER),
            "This folder was written by casebook and is replaced by each build.\n",
        )
        .map_err(|e| io_error("write", &staging, e))?;
        // Folders first, one at a time (parents before children), then the files in parallel.
        let mut targets = Vec::with_capacity(files.len());
        let mut folders = std::collections::BTreeSet::new();
        for file in files {
            let target = staging.join(safe_relative(&file.path).ok_or_else(|| {
                Diagnostic::error(&file.path, "refusing to write outside the output folder")
            })?);
            if let Some(dir) = target.parent() {
                folders.insert(dir.to_path_buf());
            }
            targets.push(target);
        }
        for dir in &folders {
            std::fs::create_dir_all(dir).map_err(|e| io_error("create the folder", dir, e))?;
        }
        targets
            .par_iter()
            .zip(files)
            .try_for_each(|(target, file)| {
                std::fs::write(target, &file.bytes).map_err(|e| io_error("write", target, e))
            })
    })();
    if let Err(d) = result {
        let _ = remove_own(&staging);
        return Err(d);
    }

    // The swap: two renames, with the previous output restored if the second fails.
    let had_output = output.exists();
    if had_output {
        std::fs::rename(&output, &old).map_err(|e| io_error("move aside", &output, e))?;
    }
    if let Err(e) = std::fs::rename(&staging, &output) {
        if had_output {
            let _ = std::fs::rename(&old, &output);
        }
        let _ = remove_own(&staging);
        return Err(io_error("move into place", &output, e));
    }
    if had_output {
        remove_own(&old).map_err(|e| io_error("remove the previous build", &old, e))?;
    }
    Ok(())
}

/// Removes a folder only if casebook wrote it (it holds the marker file).
fn remove_own(dir: &Path) -> std::io::Result<()> {
    if dir.join(MARKER).exists() {
        remove_tree(dir)
    } else if dir.exists() {
        // An empty staging folder from a build interrupted before its marker was written.
        std::fs::remove_dir(dir)
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
    files.par_iter().try_for_each(std::fs::remove_file)?;
    folders.iter().try_for_each(std::fs::remove_dir)
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
    fn never_writes_outside_the_output() {
        assert!(safe_relative("a/index.html").is_some());
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc/x").is_none());
    }

    #[test]
    fn write_swaps_in_the_new_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let file = |p: &str, b: &str| OutputFile {
            path: p.into(),
            bytes: b.as_bytes().to_vec(),
        };
        write(&out, &[file("a/index.html", "one"), file("old.html", "x")]).unwrap();
        write(&out, &[file("a/index.html", "two")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "two"
        );
        assert!(!out.join("old.html").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("public")]);
    }
}
