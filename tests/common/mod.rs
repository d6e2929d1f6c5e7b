//! Builds fixture sites from `tests/fixtures/` in a temporary folder and queries the output.
#![allow(dead_code)]

use casebook::{BuildOptions, Report};
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A private copy of `tests/fixtures/<name>`, to change and build.
    pub fn copy(name: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_tree(&source, dir.path());
        Fixture { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn write(&self, path: &str, text: &str) -> &Self {
        let target = self.root().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
        self
    }

    pub fn build(&self) -> Report {
        casebook::build(&BuildOptions::new(self.root()))
    }

    /// Builds and fails the test on any error.
    pub fn build_ok(&self) -> Report {
        let report = self.build();
        assert!(
            !report.has_errors(),
            "build failed:\n{}",
            casebook::diagnostics::to_human(&report.diagnostics, false)
        );
        report
    }

    /// The HTML of a built page, by its URL path (`practices/x/`).
    pub fn page(&self, url_path: &str) -> Page {
        let file = self.public().join(url_path).join("index.html");
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        Page {
            html: Html::parse_document(&text),
        }
    }

    pub fn read(&self, output_path: &str) -> String {
        std::fs::read_to_string(self.public().join(output_path)).unwrap()
    }
}

pub struct Page {
    pub html: Html,
}

impl Page {
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        self.html
            .select(&s)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }

    pub fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        self.html
            .select(&s)
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    pub fn count(&self, selector: &str) -> usize {
        self.html
            .select(&Selector::parse(selector).unwrap())
            .count()
    }
}

/// A PNG of `width` x `height` pixels, with a valid header (what casebook reads).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0; 4]);
        out
    };
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    file.extend(chunk(b"IHDR", &header));
    file.extend(chunk(b"IEND", b""));
    file
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, sorted, but casebook's marker file: it records when
/// each file was written, so it differs between two builds of the same site.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path() != dir.join(casebook::output::MARKER))
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
