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
        Fixture::copy_of("tests/fixtures", name)
    }

    /// A private copy of the example site `examples/<name>`.
    #[allow(dead_code)]
    pub fn copy_example(name: &str) -> Fixture {
        Fixture::copy_of("examples", name)
    }

    fn copy_of(folder: &str, name: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(folder)
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

    /// Writes `to` in place of `from` in the site's file at `path`, which must hold it.
    pub fn replace(&self, path: &str, from: &str, to: &str) -> &Self {
        let text = std::fs::read_to_string(self.root().join(path)).unwrap();
        assert!(text.contains(from), "{path} has no {from:?}");
        self.write(path, &text.replace(from, to))
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

    /// Every built file whose name ends with one of `extensions` (`.html`, `.xml`), with its
    /// text, by path.
    pub fn built_texts(&self, extensions: &[&str]) -> Vec<(String, String)> {
        let public = self.public();
        let mut texts: Vec<(String, String)> = walkdir::WalkDir::new(&public)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                extensions
                    .iter()
                    .any(|x| e.file_name().to_string_lossy().ends_with(x))
            })
            .map(|e| {
                let path = e.path().strip_prefix(&public).unwrap();
                let text = std::fs::read_to_string(e.path()).unwrap();
                (path.to_string_lossy().into_owned(), text)
            })
            .collect();
        texts.sort();
        texts
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

/// Builds the example casebook, the repository's own `site.yaml` and `content/`, into `output`.
pub fn build_example(output: &Path) -> Report {
    let mut options = BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    options.output = Some(output.to_path_buf());
    casebook::build(&options)
}

/// Every fixture site: the folders of `tests/fixtures/` that hold a `site.yaml`, sorted.
pub fn fixture_sites() -> Vec<String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("site.yaml").is_file())
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Where a URL found in a built file leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Another site, or no file at all (`mailto:`, `data:`).
    External,
    /// A file of the built site: its path under the output folder (`dir/` read as
    /// `dir/index.html`), and the fragment, percent-decoded.
    File {
        path: String,
        fragment: Option<String>,
    },
    /// A URL that cannot lead into the site, and why.
    Outside(&'static str),
}

/// Where `url`, found in the built file `from` (its path under the output folder, such as
/// `practices/x/index.html`), leads on a site published at `base_url`. Absolute URLs under
/// `base_url` and root-relative ones under its path are the site's own; the query is dropped and
/// the path percent-decoded.
pub fn resolve_link(from: &str, url: &str, base_url: &str) -> Link {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
    let base_path = casebook::render::base_path(base_url);
    let (mut segments, rest, own_file): (Vec<String>, &str, &str) =
        if let Some(rest) = url.strip_prefix(base_url) {
            (Vec::new(), rest, "index.html")
        } else if url.starts_with("//") || has_scheme(url) {
            return Link::External;
        } else if let Some(rest) = url.strip_prefix('/') {
            match url.strip_prefix(base_path.as_str()) {
                Some(rest) => (Vec::new(), rest, "index.html"),
                None if base_path == "/" => (Vec::new(), rest, "index.html"),
                None => return Link::Outside("a path outside the site's base path"),
            }
        } else {
            let mut dir: Vec<String> = from.split('/').map(str::to_string).collect();
            dir.pop();
            (dir, url, from)
        };
    let (rest, fragment) = match rest.split_once('#') {
        Some((rest, fragment)) => (rest, Some(casebook::markdown::percent_decode(fragment))),
        None => (rest, None),
    };
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if path.is_empty() {
        // `#x` or `?q` alone: the file itself; the base URL alone: the home page.
        return Link::File {
            path: own_file.to_string(),
            fragment,
        };
    }
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *part {
            "." | "" => {}
            ".." => {
                if segments.pop().is_none() {
                    return Link::Outside("climbs above the site root");
                }
            }
            part => segments.push(casebook::markdown::percent_decode(part)),
        }
        if last && matches!(*part, "." | ".." | "") {
            segments.push("index.html".into());
        }
    }
    Link::File {
        path: segments.join("/"),
        fragment,
    }
}

/// `https:`, `mailto:`, `data:`: a scheme before any `/`, `?` or `#`.
fn has_scheme(url: &str) -> bool {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    url[..end].split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// An Atom feed, read with an XML parser: what RFC 4287 requires of a feed and its entries.
#[derive(Debug)]
pub struct AtomFeed {
    pub id: String,
    pub title: String,
    pub updated: String,
    pub entries: Vec<AtomEntry>,
}

#[derive(Debug)]
pub struct AtomEntry {
    pub id: String,
    pub title: String,
    pub updated: String,
    pub link: String,
}

/// Parses `text` as an Atom feed and fails the test unless it is one: well-formed XML, a `feed`
/// in the Atom namespace with an `id`, a `title`, an `updated` date and an `author`, and entries
/// with an `id`, a `title`, an `updated` date and a link, every date written as RFC 3339 says.
pub fn atom(text: &str) -> AtomFeed {
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    let document = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let feed = document.root_element();
    assert_eq!(
        (feed.tag_name().namespace(), feed.tag_name().name()),
        (Some(ATOM), "feed")
    );
    let child = |node: roxmltree::Node, name: &str| -> String {
        let found: Vec<_> = node
            .children()
            .filter(|c| c.tag_name().namespace() == Some(ATOM) && c.tag_name().name() == name)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one <{name}> in <{}>",
            node.tag_name().name()
        );
        let value = found[0].text().unwrap_or("").trim().to_string();
        assert!(!value.is_empty(), "<{name}> is empty in:\n{text}");
        value
    };
    let updated = |node: roxmltree::Node| -> String {
        let date = child(node, "updated");
        assert!(is_rfc3339(&date), "not an RFC 3339 date: {date:?}");
        date
    };
    let entries: Vec<AtomEntry> = feed
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .map(|entry| AtomEntry {
            id: child(entry, "id"),
            title: child(entry, "title"),
            updated: updated(entry),
            link: entry
                .children()
                .find(|c| c.tag_name().name() == "link")
                .and_then(|l| l.attribute("href"))
                .expect("an entry links to its page")
                .to_string(),
        })
        .collect();
    assert!(
        feed.children().any(|c| c.tag_name().name() == "author"),
        "a feed names its author"
    );
    AtomFeed {
        id: child(feed, "id"),
        title: child(feed, "title"),
        updated: updated(feed),
        entries,
    }
}

/// `2024-03-12T00:00:00Z`, `2024-03-12T08:30:00.5+08:00`: a date and time as RFC 3339 writes
/// them, with a month and day that exist.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            .then(|| s[range].parse::<u32>().unwrap())
    };
    let (Some(_), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    let zone = rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest[1..3].chars().all(|c| c.is_ascii_digit())
            && &rest[3..4] == ":"
            && rest[4..].chars().all(|c| c.is_ascii_digit()));
    zone && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
}

/// The `basic` fixture with 60 practices of about 95 KB each: a print version too large for
/// one page (`content/practices/big-N.zh.md`, in three aspects).
#[allow(dead_code)]
pub fn large_print_site() -> Fixture {
    let site = Fixture::copy("basic");
    let paragraph = "标准化试点的做法与成效，记录在案，供各地参考借鉴。".repeat(40);
    let body: String = (0..30)
        .map(|i| format!("## 第 {i} 节\n\n{paragraph}\n\n"))
        .collect();
    let aspects = ["logistics", "green", "trade"];
    for n in 0..60 {
        site.write(
            &format!("content/practices/big-{n}.zh.md"),
            &format!(
                "---\ntitle: 大案例 {n}\naspect: {}\ndate: 2023-03-01\n---\n{body}",
                aspects[n % 3]
            ),
        );
    }
    site
}
