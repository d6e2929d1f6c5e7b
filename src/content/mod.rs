//! Load: walk `content/`, read every Markdown file, split and parse its front matter, and list
//! the other files (the assets published beside their pages) without reading them.

pub mod front_matter;
mod ignore;
mod walk;
pub use walk::inside_root;

pub use ignore::Ignore;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use front_matter::Positions;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use walk::{Found, Walked};

pub const CONTENT_DIR: &str = "content";

/// A Markdown file with its front matter parsed and not yet checked against the schema.
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// Relative to the site root: `content/practices/xuzhou.zh.md`.
    pub file: String,
    /// Relative to `content/`: `practices/xuzhou.zh.md`.
    pub content_path: String,
    /// The folder within `content/`: `practices` (empty at the top).
    pub dir: String,
    /// The file name without language and extension: `xuzhou`.
    pub stem: String,
    pub lang: String,
    /// The whole file, BOM removed and line endings normalized.
    pub text: String,
    pub front_matter: serde_yaml::Mapping,
    pub positions: Positions,
    pub body_offset: usize,
    /// Hashes of the front matter's text and of the body, made once when the file is read, so
    /// that a rebuild tells what changed without hashing every page again.
    pub front_matter_key: u64,
    pub body_key: u64,
    /// What reading the file changed or found, reported with the page's other diagnostics.
    pub warnings: Vec<Diagnostic>,
    /// The SHA-256 of the file's bytes as read, for the manifest's inputs.
    pub sha256: String,
}

impl SourcePage {
    /// `_index.md`: the title and text of its folder's list page, not a page of its own.
    pub fn is_section(&self) -> bool {
        self.stem == SECTION_STEM
    }

    /// `name/index.md`: the page `name`, whose folder holds its assets.
    pub fn is_bundle(&self) -> bool {
        self.stem == BUNDLE_STEM && !self.dir.is_empty()
    }

    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// Frees what a one-off build has no more use for once the page is validated and its
    /// Markdown rendered (a seventh of its memory): the body and the parsed front matter. The
    /// front matter's text and positions stay for the diagnostics that quote them.
    pub fn forget_read_values(&mut self) {
        self.text.truncate(self.body_offset);
        self.text.shrink_to_fit();
        self.front_matter = serde_yaml::Mapping::new();
    }

    /// The text before the body: the front matter with its `---` lines.
    pub fn front_matter_text(&self) -> &str {
        &self.text[..self.body_offset]
    }
}

/// The file stem of a folder's list page (Hugo's name for it).
pub const SECTION_STEM: &str = "_index";
/// The file stem of a page bundle's page.
pub const BUNDLE_STEM: &str = "index";

/// A file under `content/` that is not Markdown: an image, an attachment, a data file, published
/// beside its page. Only its size and, for images, its header are read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Asset {
    /// Relative to the site root: `content/practices/xuzhou/map.png`.
    pub file: String,
    /// Relative to `content/`: `practices/xuzhou/map.png`.
    pub content_path: String,
    pub path: PathBuf,
    pub size: u64,
    /// Width and height in pixels, for an image whose header says them.
    pub dimensions: Option<(u32, u32)>,
}

/// What loading keeps for the next build (serve keeps one across rebuilds): each file as loaded
/// and each asset as examined, with the stamps that tell whether they changed.
#[derive(Default)]
pub struct Cache {
    /// Whether to keep them at all: a one-off build does not.
    pub(crate) keep: bool,
    /// Path under the site root -> what loading the file gave, and when it was loaded.
    pub(crate) sources: crate::hash::PathMap<Loaded>,
    /// Path under the site root -> an asset as last examined, with its file's stamp.
    pub(crate) assets: HashMap<String, (Asset, Stamp)>,
    /// Whether a watcher tells every change through [`Cache::changed`] (serve's does).
    pub(crate) watched: bool,
    /// What the last walk found, with the patterns it left out and what it reported.
    listing: Option<(Walked, Ignore, Vec<Diagnostic>)>,
    /// The site-relative files that changed since the last load, as a watcher saw them; `None`
    /// when nobody is telling (every file is looked at again).
    changed: Option<BTreeSet<String>>,
}

impl Cache {
    /// A cache that keeps what each load read for the next one.
    pub fn persistent() -> Cache {
        Cache {
            keep: true,
            ..Cache::default()
        }
    }

    /// Told by the watcher: these site-relative files changed (were written, created, removed or
    /// renamed). While every change since the last load is told, the next load neither lists
    /// the folders again when no file came or went, nor looks at the files not told.
    pub(crate) fn changed<'a>(&mut self, files: impl IntoIterator<Item = &'a String>) {
        if let Some(changed) = &mut self.changed {
            changed.extend(files.into_iter().cloned());
        }
    }

    /// Told by a watcher that missed changes: the next load looks at everything.
    pub(crate) fn lost_track(&mut self) {
        self.changed = None;
    }

    /// The last walk's listing, when it still holds: every file told as changed is one it found
    /// and is still a file (not a link), and the same patterns are ignored.
    fn listing_still_holds(&self, root: &Path, ignore: &Ignore) -> bool {
        let (Some((walked, ignored, _)), Some(changed)) = (&self.listing, &self.changed) else {
            return false;
        };
        let found = |file: &str| {
            (walked.pages.iter().chain(&walked.assets)).any(|f| f.file == file && !f.linked)
        };
        ignored == ignore
            && (changed.iter())
                .filter(|file| file.starts_with(CONTENT_DIR))
                .all(|file| {
                    found(file)
                        && std::fs::symlink_metadata(root.join(file))
                            .is_ok_and(|m| m.file_type().is_file())
                })
    }
}

/// The Markdown files under `content/`, sorted by path, and the problems found reading them.
pub fn load(root: &Path, config: &Config) -> (Vec<Arc<SourcePage>>, Vec<Diagnostic>) {
    let (pages, _, diagnostics) = load_cached(root, config, &mut Cache::default());
    (pages, diagnostics)
}

/// `load`, with the assets, reusing the pages of `cache` whose files have not changed: known by
/// their size, time and inode without reading them, or else by their bytes.
pub fn load_cached(
    root: &Path,
    config: &Config,
    cache: &mut Cache,
) -> (Vec<Arc<SourcePage>>, Vec<Asset>, Vec<Diagnostic>) {
    let content_root = root.join(CONTENT_DIR);
    let mut diagnostics = Vec::new();
    if !content_root.is_dir() {
        diagnostics.push(
            Diagnostic::error(CONTENT_DIR, "there is no content folder")
                .with_hint("create content/ and put Markdown files in it"),
        );
        return (Vec::new(), Vec::new(), diagnostics);
    }
    // Told what changed (by serve's watcher): the files not told are as last loaded.
    let (walked, told) = if cache.listing_still_holds(root, &config.ignore) {
        let (walked, _, found) = cache.listing.take().unwrap_or_default();
        diagnostics.extend(found.iter().cloned());
        cache.listing = Some((Walked::default(), config.ignore.clone(), found));
        (walked, cache.changed.take())
    } else {
        let mut found = Vec::new();
        let walked = walk::content_files(root, &config.ignore, cache.sources.len(), &mut found);
        diagnostics.extend(found.iter().cloned());
        cache.listing = Some((Walked::default(), config.ignore.clone(), found));
        (walked, None)
    };
    let unchanged = |found: &Found| {
        !found.linked
            && told
                .as_ref()
                .is_some_and(|told| !told.contains(&found.file))
    };
    let assets = examine_assets(
        &content_root,
        &walked.assets,
        &unchanged,
        cache,
        &mut diagnostics,
    );
    let files = &walked.pages;

    // The file name's language depends on the declared languages: part of every page's key.
    let languages: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    let languages_key = crate::hash::key((&languages, &config.default_language));
    let started = SystemTime::now();
    let read: Vec<Examined> = files
        .par_iter()
        .map(|found| {
            let Found { file, path, .. } = found;
            let previous = cache.sources.get(file);
            if let Some(previous) = previous
                && unchanged(found)
            {
                return Examined::Unchanged(previous);
            }
            let stamp = Stamp::of(path);
            // Unchanged when its size, time and inode are as last loaded, and it was last written
            // well before that load began (so an edit in the same clock tick cannot hide).
            if let (Some(previous), Some(stamp)) = (previous, &stamp)
                && previous.stamp.as_ref() == Some(stamp)
                && previous.languages_key == languages_key
                && previous
                    .read_at
                    .duration_since(stamp.modified)
                    .is_ok_and(|d| d > RACY)
            {
                return Examined::Unchanged(previous);
            }
            let bytes = match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    let d = Diagnostic::error(file, format!("cannot read: {e}"));
                    let loaded = Loaded::new(0, stamp, started, languages_key, Err(d));
                    return Examined::Read(Box::new(loaded));
                }
            };
            let key = crate::hash::key(&bytes);
            let loaded = match previous {
                Some(p) if p.key == key && p.languages_key == languages_key => Loaded {
                    stamp,
                    read_at: started,
                    ..p.clone()
                },
                _ => {
                    let result = crate::crash::processing(file, || {
                        read_page(&content_root, file, path, bytes, config).map(Arc::new)
                    });
                    Loaded::new(key, stamp, started, languages_key, result)
                }
            };
            Examined::Read(Box::new(loaded))
        })
        .collect();
    let mut pages = Vec::with_capacity(read.len());
    let mut fresh = Vec::new();
    for (found, examined) in files.iter().zip(read) {
        let result = match examined {
            Examined::Unchanged(previous) => previous.result.clone(),
            Examined::Read(loaded) => {
                let result = loaded.result.clone();
                fresh.push((found.file.clone(), *loaded));
                result
            }
        };
        match result {
            Ok(page) => pages.push(page),
            Err(d) => diagnostics.push(d),
        }
    }
    if cache.keep {
        cache.sources.extend(fresh);
    }
    // Every file found is in the cache now (reused or just read): anything more is a file that
    // is gone.
    if cache.sources.len() > files.len() {
        let present: HashSet<&str> = files.iter().map(|f| f.file.as_str()).collect();
        cache
            .sources
            .retain(|file, _| present.contains(file.as_str()));
    }
    match &mut cache.listing {
        Some((listing, _, _)) if cache.keep => {
            *listing = walked;
            if cache.watched {
                // From now on, the watcher tells what changes.
                cache.changed = Some(BTreeSet::new());
            }
        }
        _ => cache.listing = None,
    }
    (pages, assets, diagnostics)
}

/// Each asset's size and, for an image, its dimensions, read from its header only; in serve, an
/// asset whose size, time and inode are as last examined is not read again.
fn examine_assets(
    content_root: &Path,
    found: &[Found],
    unchanged: &(dyn Fn(&Found) -> bool + Sync),
    cache: &mut Cache,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Asset> {
    let previous = &cache.assets;
    let examined: Vec<Result<(Asset, Stamp), Diagnostic>> = found
        .par_iter()
        .map(|found| {
            let Found { file, path, .. } = found;
            if let Some((asset, known)) = previous.get(file)
                && unchanged(found)
            {
                return Ok((asset.clone(), known.clone()));
            }
            let stamp =
                Stamp::of(path).ok_or_else(|| Diagnostic::error(file, "cannot read this file"))?;
            if let Some((asset, known)) = previous.get(file)
                && *known == stamp
            {
                return Ok((asset.clone(), stamp));
            }
            let asset = Asset {
                file: file.clone(),
                content_path: relative(content_root, path),
                size: stamp.len,
                dimensions: image_dimensions(path),
                path: path.clone(),
            };
            Ok((asset, stamp))
        })
        .collect();
    let mut assets = Vec::with_capacity(examined.len());
    let mut kept = HashMap::new();
    for result in examined {
        match result {
            Ok((asset, stamp)) => {
                if cache.keep {
                    kept.insert(asset.file.clone(), (asset.clone(), stamp));
                }
                assets.push(asset);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    cache.assets = kept;
    assets
}

/// Width and height of an image from its header, for the file types readers' browsers show.
fn image_dimensions(path: &Path) -> Option<(u32, u32)> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    let image = [
        "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "ico", "avif", "heic",
    ];
    if !image.contains(&extension.as_str()) {
        return None;
    }
    let size = imagesize::size(path).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

/// How long before a load a file must have been written for its time stamp to be trusted.
const RACY: Duration = Duration::from_secs(1);

/// What examining a file found: the same file as last loaded, or what reading it gave.
enum Examined<'a> {
    Unchanged(&'a Loaded),
    Read(Box<Loaded>),
}

/// What loading a file gave, kept by serve for the next rebuild.
#[derive(Clone)]
pub struct Loaded {
    /// Hash of the file's bytes.
    key: u64,
    stamp: Option<Stamp>,
    /// When the load that read it began.
    read_at: SystemTime,
    /// Hash of the declared languages, which decide a file name's language.
    languages_key: u64,
    result: Result<Arc<SourcePage>, Diagnostic>,
}

impl Loaded {
    fn new(
        key: u64,
        stamp: Option<Stamp>,
        read_at: SystemTime,
        languages_key: u64,
        result: Result<Arc<SourcePage>, Diagnostic>,
    ) -> Self {
        Loaded {
            key,
            stamp,
            read_at,
            languages_key,
            result,
        }
    }
}

/// A file's size, modification time and identity: what tells, without reading it, that a file
/// is as it was.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: SystemTime,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok()?,
            inode,
        })
    }
}

/// `root`-relative path with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_page(
    content_root: &Path,
    file: &str,
    path: &Path,
    bytes: Vec<u8>,
    config: &Config,
) -> Result<SourcePage, Diagnostic> {
    let sha256 = crate::manifest::sha256(&bytes);
    let text = decode(bytes, file)?;
    let (text, warnings) = without_control_characters(text, file);
    let content_path = relative(content_root, path);
    let (dir, file_name) = match content_path.rfind('/') {
        Some(i) => (&content_path[..i], &content_path[i + 1..]),
        None => ("", content_path.as_str()),
    };
    let (stem, lang) = split_language(file_name, config).map_err(|d| Diagnostic {
        file: file.to_string(),
        ..d
    })?;
    let split = front_matter::split(&text, file)?;
    let (front_matter, positions) = front_matter::parse(&split, &text, file)?;
    let body_offset = split.body_offset;
    Ok(SourcePage {
        front_matter_key: crate::hash::key(&text[..body_offset]),
        body_key: crate::hash::key(&text[body_offset..]),
        file: file.to_string(),
        dir: dir.to_string(),
        stem,
        lang,
        front_matter,
        positions,
        body_offset,
        content_path,
        text,
        warnings,
        sha256,
    })
}

/// The text without the control characters that XML 1.0 forbids (NUL and the other C0 controls
/// but tab and line breaks, U+FFFE, U+FFFF): a feed holding one is read by no feed reader. Their
/// removal is a warning at the first.
fn without_control_characters(text: String, file: &str) -> (String, Vec<Diagnostic>) {
    let forbidden = |c: char| {
        (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    };
    let Some(first) = text.find(forbidden) else {
        return (text, Vec::new());
    };
    let count = text.chars().filter(|&c| forbidden(c)).count();
    let code = text[first..].chars().next().map_or(0, u32::from);
    let warning = Diagnostic::warning(
        file,
        format!(
            "{} removed (U+{code:04X} here)",
            if count == 1 {
                "a control character was".to_string()
            } else {
                format!("{count} control characters were")
            }
        ),
    )
    .at_offset(&text, first)
    .with_hint("such characters come with text pasted from other programs; they are invisible and no feed reader accepts them");
    (text.replace(forbidden, ""), vec![warning])
}

/// UTF-8 text without BOM and with `\n` line endings, or an error at the first invalid byte.
pub fn decode(bytes: Vec<u8>, file: &str) -> Result<String, Diagnostic> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&bytes[..valid]);
            let (line, column) = crate::diagnostics::line_column(&before, before.len());
            let mut d = Diagnostic::error(file, "the file is not valid UTF-8 text")
                .with_hint("save the file as UTF-8 (editors call it \"UTF-8\" or \"Unicode\"); GBK and other encodings are not read");
            d.line = line;
            d.column = column;
            return Err(d);
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

/// `xuzhou.zh.md` -> (`xuzhou`, `zh`); `about.md` -> (`about`, the default language).
pub fn split_language(file_name: &str, config: &Config) -> Result<(String, String), Diagnostic> {
    let without_ext = file_name.strip_suffix(".md").unwrap_or(file_name);
    if let Some((stem, code)) = without_ext.rsplit_once('.') {
        if config.language(code).is_some() {
            return Ok((stem.to_string(), code.to_string()));
        }
        if looks_like_language(code) {
            return Err(Diagnostic::error(
                "",
                format!("\"{code}\" in the file name is not a language of this site"),
            )
            .with_hint(format!(
                "the languages are {}; declare it in site.yaml or rename the file",
                config
                    .languages
                    .iter()
                    .map(|l| l.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok((without_ext.to_string(), config.default_language.clone()))
}

fn looks_like_language(code: &str) -> bool {
    let (primary, region) = code.split_once('-').unwrap_or((code, ""));
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && (region.is_empty() || (2..=4).contains(&region.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(
            "title: T\nbase_url: https://example.org/\ndefault_language: zh\nlanguages:\n  - {code: zh, name: 中文}\n  - {code: en, name: English}\n",
        )
        .unwrap()
    }

    /// Loads `content/a.md` of `root` through `cache` and returns its title line.
    fn title_loaded(root: &Path, cache: &mut Cache) -> String {
        let (pages, _, diagnostics) = load_cached(root, &config(), cache);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        pages[0].text.lines().nth(1).unwrap().to_string()
    }

    #[test]
    fn a_cached_load_sees_every_edit_its_time_stamp_could_hide() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("content/a.md");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let mut cache = Cache::persistent();
        std::fs::write(&file, "---\ntitle: one\n---\n").unwrap();
        assert_eq!(title_loaded(dir.path(), &mut cache), "title: one");

        let set_time = |path: &Path, time: SystemTime| {
            let f = std::fs::File::options().write(true).open(path).unwrap();
            f.set_modified(time).unwrap();
        };
        // The same size, written within the same clock tick as the first (the same time stamp).
        let first = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::fs::write(&file, "---\ntitle: two\n---\n").unwrap();
        set_time(&file, first);
        assert_eq!(title_loaded(dir.path(), &mut cache), "title: two");

        // An old file is trusted by its stamp; a save through a new file (another inode) with
        // the old time stamp and size is still seen.
        let old = SystemTime::now() - Duration::from_secs(3600);
        set_time(&file, old);
        assert_eq!(title_loaded(dir.path(), &mut cache), "title: two");
        let saved = dir.path().join("content/.a.md.tmp");
        std::fs::write(&saved, "---\ntitle: six\n---\n").unwrap();
        set_time(&saved, old);
        std::fs::rename(&saved, &file).unwrap();
        assert_eq!(title_loaded(dir.path(), &mut cache), "title: six");
    }

    #[test]
    fn a_watched_load_reads_the_files_told_and_lists_the_folders_again_when_files_come_or_go() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        let write = |name: &str, title: &str| {
            std::fs::write(content.join(name), format!("---\ntitle: {title}\n---\n")).unwrap();
        };
        let titles = |cache: &mut Cache| {
            let (pages, _, diagnostics) = load_cached(dir.path(), &config(), cache);
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
            (pages.iter())
                .map(|p| format!("{} {}", p.file, p.text.lines().nth(1).unwrap()))
                .collect::<Vec<_>>()
        };
        let told = |name: &str| [format!("content/{name}")];
        write("a.md", "one");
        write("b.md", "one");
        let mut cache = Cache::persistent();
        cache.watched = true;
        assert_eq!(titles(&mut cache).len(), 2);

        write("b.md", "two");
        cache.changed(&told("b.md"));
        assert_eq!(titles(&mut cache)[1], "content/b.md title: two");
        write("c.md", "one");
        cache.changed(&told("c.md"));
        assert_eq!(titles(&mut cache).len(), 3, "a new file is found");
        std::fs::remove_file(content.join("a.md")).unwrap();
        cache.changed(&told("a.md"));
        assert_eq!(titles(&mut cache)[0], "content/b.md title: two");

        // A file not told is not even looked at: that is what makes a save fast. When the
        // watcher loses track, every file is looked at again.
        write("c.md", "two");
        assert_eq!(titles(&mut cache)[1], "content/c.md title: one");
        cache.lost_track();
        assert_eq!(titles(&mut cache)[1], "content/c.md title: two");
    }

    #[test]
    fn a_cached_load_shares_unchanged_pages_and_forgets_removed_files() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for name in ["a.md", "b.md"] {
            let path = dir.path().join("content").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "---\ntitle: T\n---\n").unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(old).unwrap();
        }
        let mut cache = Cache::persistent();
        let (first, _, _) = load_cached(dir.path(), &config(), &mut cache);
        let (second, _, _) = load_cached(dir.path(), &config(), &mut cache);
        assert_eq!(first.len(), 2);
        assert!(first.iter().zip(&second).all(|(a, b)| Arc::ptr_eq(a, b)));

        std::fs::remove_file(dir.path().join("content/a.md")).unwrap();
        let (third, _, _) = load_cached(dir.path(), &config(), &mut cache);
        assert_eq!(third.len(), 1);
        assert!(Arc::ptr_eq(&third[0], &first[1]));
        assert_eq!(cache.sources.len(), 1);
    }

    #[test]
    fn language_comes_from_the_file_name() {
        let c = config();
        assert_eq!(
            split_language("a.en.md", &c).unwrap(),
            ("a".into(), "en".into())
        );
        assert_eq!(
            split_language("a.md", &c).unwrap(),
            ("a".into(), "zh".into())
        );
        assert_eq!(
            split_language("v1.2.md", &c).unwrap(),
            ("v1.2".into(), "zh".into())
        );
        assert!(split_language("a.fr.md", &c).is_err());
    }

    #[test]
    fn decoding_strips_bom_and_normalizes_crlf() {
        let text = decode(b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\n".to_vec(), "a.md").unwrap();
        assert_eq!(text, "---\ntitle: A\n---\n");
    }

    #[test]
    fn control_characters_are_removed_with_a_warning_at_the_first() {
        let (text, warnings) =
            without_control_characters("---\ntitle: A\n---\nab\u{0}c\u{1b}\td\n".into(), "a.md");
        assert_eq!(text, "---\ntitle: A\n---\nabc\td\n");
        assert_eq!((warnings[0].line, warnings[0].column), (4, 3));
        assert!(warnings[0].message.starts_with("2 control characters"));
        let (same, none) = without_control_characters("a\tb\n".into(), "a.md");
        assert_eq!((same.as_str(), none.len()), ("a\tb\n", 0));
    }

    #[test]
    fn invalid_utf8_is_reported_at_its_line() {
        let error = decode(b"---\ntitle: \xff\n".to_vec(), "a.md").unwrap_err();
        assert_eq!((error.line, error.column), (2, 8));
    }
}
