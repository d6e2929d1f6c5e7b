//! The build manifest: every output file with its size and SHA-256, and every input with its
//! hash, so that two builds can be compared and a published tree checked against what was built.

use crate::render::{CopiedFile, OutputFile};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    /// Output files, sorted by path; the manifest itself and casebook's marker file are not listed.
    pub files: Vec<FileEntry>,
    /// The inputs of the build (site.yaml, content, templates, static files, theme), sorted.
    pub inputs: Vec<InputEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputEntry {
    pub path: String,
    pub sha256: String,
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of a file, read a block at a time.
pub fn sha256_of_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest of a build's files, those written as they were made (`spooled`, hashed already),
/// those it copied (hashed already) and its inputs (in any order). A copied file is an input too,
/// under its path in the site.
pub fn build(
    files: &[OutputFile],
    spooled: Vec<FileEntry>,
    copied: &[CopiedFile],
    inputs: Vec<InputEntry>,
) -> Manifest {
    // Hashing is a third of a build's instructions when done on one core: spread it.
    let mut files: Vec<FileEntry> = files
        .par_iter()
        .filter(|f| f.path != FILE_NAME)
        .map(|f| FileEntry {
            path: f.path.clone(),
            size: f.bytes.len() as u64,
            sha256: sha256(&f.bytes),
        })
        .collect();
    files.extend(spooled);
    files.extend(copied.iter().map(|c| FileEntry {
        path: c.path.clone(),
        size: c.size,
        sha256: c.sha256.clone(),
    }));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut inputs = inputs;
    // The source of a copied file, by the digest of what was copied.
    inputs.extend(copied.iter().map(|c| InputEntry {
        path: c.input.clone(),
        sha256: c.sha256.clone(),
    }));
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.dedup_by(|a, b| a.path == b.path);
    Manifest {
        generator: format!("casebook {}", env!("CARGO_PKG_VERSION")),
        files,
        inputs,
    }
}

pub fn to_json(manifest: &Manifest) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// How a published tree differs from its manifest.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Compares the files under `dir` with `manifest`.
pub fn verify(dir: &Path, manifest: &Manifest) -> std::io::Result<Differences> {
    let mut on_disk: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let path = crate::content::relative(dir, entry.path());
        if path == FILE_NAME || path == crate::output::MARKER {
            continue;
        }
        on_disk.insert(path, entry.path().to_path_buf());
    }
    let mut differences = Differences::default();
    for file in &manifest.files {
        match on_disk.remove(&file.path) {
            None => differences.missing.push(file.path.clone()),
            Some(path) => {
                let bytes = std::fs::read(&path)?;
                if bytes.len() as u64 != file.size || sha256(&bytes) != file.sha256 {
                    differences.changed.push(file.path.clone());
                }
            }
        }
    }
    differences.extra = on_disk.into_keys().collect();
    Ok(differences)
}

/// The files a build reads, each with the SHA-256 of the bytes it read: `site.yaml`, the
/// Markdown files under `content/` (`pages`: their digests taken when they were loaded, so that a
/// file edited during the build is listed as the build saw it; the other files of `content/` are
/// copied, and hashed as they are), `templates/`, `static/` and the theme's folder (or the
/// built-in theme).
pub fn inputs(
    root: &Path,
    theme: &crate::theme::Theme,
    pages: impl Iterator<Item = (String, String)>,
) -> Vec<InputEntry> {
    let mut inputs: Vec<InputEntry> = pages
        .map(|(path, sha256)| InputEntry { path, sha256 })
        .collect();
    if let Ok(bytes) = std::fs::read(root.join(crate::config::CONFIG_FILE)) {
        inputs.push(InputEntry {
            path: crate::config::CONFIG_FILE.to_string(),
            sha256: sha256(&bytes),
        });
    }
    let theme_files: Vec<&crate::theme::ThemeFile> = theme
        .templates
        .values()
        .chain(theme.static_files.values())
        .collect();
    inputs.par_extend(theme_files.par_iter().map(|file| InputEntry {
        path: file.display.clone(),
        sha256: sha256(&file.bytes),
    }));
    inputs
}

/// Why `--manifest path` must not be written, if it must not: it is one of the site's inputs
/// (`site.yaml`, anything under `content/`, `templates/`, `static/` or `themes/`, compared by real
/// path, also for a file not yet there), a folder, or an existing file that is not a casebook
/// manifest.
pub fn refuse_target(root: &Path, path: &Path) -> Option<String> {
    let root = crate::output::absolute(root);
    let target = crate::output::absolute(path);
    if target == root.join(crate::config::CONFIG_FILE) {
        return Some("it is the site's settings (site.yaml)".into());
    }
    for folder in [crate::content::CONTENT_DIR, "templates", "static", "themes"] {
        if target.starts_with(root.join(folder)) {
            return Some(format!("it is inside the site's {folder} folder"));
        }
    }
    if target.is_dir() {
        return Some("it is a folder".into());
    }
    if target.exists() && !is_manifest(&target) {
        return Some("it exists and is not a casebook manifest".into());
    }
    None
}

/// Whether the file holds a manifest casebook wrote: a JSON object with `generator` ("casebook
/// …"), `files` and `inputs`.
fn is_manifest(path: &Path) -> bool {
    // Larger than any manifest of a casebook: not worth reading.
    const LIMIT: u64 = 1 << 30;
    if std::fs::metadata(path).map_or(true, |m| !m.is_file() || m.len() > LIMIT) {
        return false;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(&bytes) else {
        return false;
    };
    object
        .get("generator")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|g| g.starts_with("casebook "))
        && object.get("files").is_some_and(serde_json::Value::is_array)
        && object
            .get("inputs")
            .is_some_and(serde_json::Value::is_array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn verify_names_changed_missing_and_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = |p: &str, b: &str| OutputFile {
            path: p.into(),
            bytes: b.as_bytes().to_vec().into(),
        };
        let files = [
            file("a.html", "a"),
            file("b/c.html", "c"),
            file("d.css", "d"),
        ];
        let manifest = build(&files, Vec::new(), &[], Vec::new());
        for f in &files {
            std::fs::create_dir_all(dir.path().join(&f.path).parent().unwrap()).unwrap();
            std::fs::write(dir.path().join(&f.path), &f.bytes).unwrap();
        }
        assert!(verify(dir.path(), &manifest).unwrap().is_empty());
        std::fs::write(dir.path().join("b/c.html"), "C").unwrap();
        std::fs::remove_file(dir.path().join("d.css")).unwrap();
        std::fs::write(dir.path().join("new.js"), "x").unwrap();
        let found = verify(dir.path(), &manifest).unwrap();
        assert_eq!(
            found,
            Differences {
                changed: vec!["b/c.html".into()],
                missing: vec!["d.css".into()],
                extra: vec!["new.js".into()]
            }
        );
    }
}
