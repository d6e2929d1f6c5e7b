//! `casebook import FILE.docx…`: Word documents into draft pages of a collection, one per
//! document or one per section (`--split N`), each a page bundle with its images beside it.
//!
//! A front door, not a build stage: it shares only the schema (the front matter of a draft,
//! from [`crate::scaffold::front_matter`]) and the slugs with the rest of casebook. Reading the
//! package is [`docx`], writing Markdown is [`markdown`].

pub mod docx;
pub mod markdown;

use crate::config::{Collection, Config, FieldType};
use crate::diagnostics::Diagnostic;
use crate::progress::Progress;
use crate::schema::Date;
use docx::{Block, Document, Kind, Package};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Slugs longer than this are cut (a Chinese title of 100 characters is 300 bytes, more than a
/// file name may hold).
const MAX_SLUG_CHARS: usize = 60;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    /// The collection, as declared in site.yaml (`practice` finds `practices`); the first if not given.
    pub collection: Option<String>,
    /// The language of the pages; the default language if not given.
    pub lang: Option<String>,
    /// A page per heading of this level instead of a page per document.
    pub split: Option<u8>,
    /// Replace pages that exist.
    pub force: bool,
    pub today: Date,
    /// Told a line as each file starts being read.
    pub progress: Option<fn(&str)>,
    /// A progress bar on stderr instead of the lines, when stderr is a terminal.
    pub bar: bool,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    /// One line per page written: `created content/practices/x/index.zh.md (2 images)`.
    pub lines: Vec<String>,
    /// The pages written, relative to the root.
    pub pages: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// A usage or I/O error: exit code 2.
    pub io_error: bool,
}

impl ImportReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// 0, 1 for content errors, 2 for usage and I/O errors.
    pub fn exit_code(&self) -> u8 {
        if self.io_error {
            2
        } else if self.has_errors() {
            1
        } else {
            0
        }
    }

    fn usage(message: String, hint: Option<&str>) -> Self {
        let mut d = Diagnostic::error(crate::config::CONFIG_FILE, message);
        if let Some(hint) = hint {
            d = d.with_hint(hint);
        }
        ImportReport {
            diagnostics: vec![d],
            io_error: true,
            ..ImportReport::default()
        }
    }
}

/// One page to write.
struct Draft {
    title: String,
    /// Closed-taxonomy fields set by the headings above the page: (field, term key).
    terms: Vec<(String, String)>,
    blocks: Vec<Block>,
}

pub fn run(options: &ImportOptions) -> ImportReport {
    let config = match crate::config::load(&options.root) {
        Ok(config) => config,
        Err(diagnostics) => {
            return ImportReport {
                diagnostics,
                ..ImportReport::default()
            };
        }
    };
    let collection = match pick_collection(&config, options.collection.as_deref()) {
        Ok(c) => c,
        Err(message) => return ImportReport::usage(message, None),
    };
    let lang = options
        .lang
        .clone()
        .unwrap_or_else(|| config.default_language.clone());
    if config.language(&lang).is_none() {
        let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
        return ImportReport::usage(
            format!("\"{lang}\" is not a language of this casebook"),
            Some(&format!("the languages are {}", codes.join(", "))),
        );
    }
    if let Some(level) = options.split
        && !(1..=6).contains(&level)
    {
        return ImportReport::usage(
            format!("--split {level}: headings have levels 1 to 6"),
            None,
        );
    }
    let mut report = ImportReport::default();
    let mut taken = BTreeSet::new();
    let total = options.files.len();
    let progress = Progress::new(total as u64, "files", options.progress, options.bar);
    for (i, file) in options.files.iter().enumerate() {
        progress.step(&format!(
            "importing {} ({} of {total})",
            file.display(),
            i + 1
        ));
        import_one(
            options,
            &config,
            collection,
            &lang,
            file,
            &mut taken,
            &mut report,
        );
        progress.advance(1);
    }
    progress.finish();
    report
}

fn pick_collection<'a>(config: &'a Config, key: Option<&str>) -> Result<&'a Collection, String> {
    let Some(key) = key else {
        return config
            .collections
            .first()
            .ok_or_else(|| "site.yaml declares no collection to import into".to_string());
    };
    config
        .collection(key)
        .or_else(|| config.collection(&format!("{key}s")))
        .ok_or_else(|| {
            let keys: Vec<&str> = config.collections.iter().map(|c| c.key.as_str()).collect();
            format!(
                "\"{key}\" is not a collection; the collections are {}",
                keys.join(", ")
            )
        })
}

fn import_one(
    options: &ImportOptions,
    config: &Config,
    collection: &Collection,
    lang: &str,
    file: &Path,
    taken: &mut BTreeSet<String>,
    report: &mut ImportReport,
) {
    let name = file.display().to_string();
    let refuse = |report: &mut ImportReport, e: docx::NotDocx| {
        report.io_error |= e.io;
        report
            .diagnostics
            .push(Diagnostic::error(&name, e.message).with_hint(e.hint));
    };
    let mut package = match Package::open(file) {
        Ok(p) => p,
        Err(e) => return refuse(report, e),
    };
    let doc = match package.read() {
        Ok(d) => d,
        Err(e) => return refuse(report, e),
    };
    let mut warnings = Vec::new();
    for gap in &doc.gaps {
        warnings.push(
            Diagnostic::warning(&name, format!("{}: {}", gap.place, gap.missing.warning()))
                .with_hint(gap.missing.hint()),
        );
    }
    let drafts = match options.split {
        None => vec![whole(&doc, file)],
        Some(level) => {
            let (drafts, skipped) = split(&doc, level, config, collection);
            for (number, words) in skipped {
                warnings.push(Diagnostic::warning(
                    &name,
                    format!(
                        "paragraph {number} ({words}) comes before the first level-{level} heading and is not imported"
                    ),
                ).with_hint(format!("with --split {level} every page starts at a heading of level {level}")));
            }
            if drafts.is_empty() {
                report.diagnostics.push(
                    Diagnostic::error(&name, format!("no heading of level {level}, so no page to write"))
                        .with_hint(format!("with --split {level}, each heading in Word's style Heading {level} starts a page; import without --split for one page")),
                );
                report.diagnostics.extend(warnings);
                return;
            }
            drafts
        }
    };
    let content = options
        .root
        .join(crate::content::CONTENT_DIR)
        .join(&collection.folder);
    // Every page's place first: a document writes all its pages or none.
    let mut planned = Vec::new();
    for draft in &drafts {
        let slug = unique_slug(&draft.title, file, taken);
        let dir = content.join(&slug);
        let target = dir.join(format!("{}.{lang}.md", crate::content::BUNDLE_STEM));
        let flat = content.join(format!("{slug}.{lang}.md"));
        let shown = relative(&options.root, &target);
        if flat.exists() {
            report.diagnostics.push(
                Diagnostic::error(
                    &name,
                    format!(
                        "\"{}\" is already a page: {}",
                        draft.title,
                        relative(&options.root, &flat)
                    ),
                )
                .with_hint("remove or rename that page first, then import again"),
            );
        } else if target.exists() && !options.force {
            report.diagnostics.push(
                Diagnostic::error(&name, format!("{shown} exists and is not overwritten"))
                    .with_hint("pass --force to replace it"),
            );
        }
        planned.push((draft, slug, dir, target));
    }
    if report
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.file == name)
    {
        report.diagnostics.extend(warnings);
        return;
    }
    let shift = options.split.map_or(-1, |level| i32::from(level) - 1);
    for (draft, slug, dir, target) in planned {
        let body = markdown::write(&draft.blocks, &doc.notes, shift);
        let mut text = page_text(config, collection, draft, &doc, &body, options.today);
        let existed = target.exists();
        let mut copied = 0;
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            for (entry, file_name) in &body.images {
                let path = dir.join(file_name);
                let mut out = std::fs::File::create(&path)?;
                if let Err(e) = package.copy_image(entry, &mut out) {
                    drop(out);
                    let _ = std::fs::remove_file(&path);
                    text = without_image(&text, file_name);
                    warnings.push(
                        Diagnostic::warning(
                            &name,
                            format!(
                                "the image {file_name} of \"{}\" is not copied: {}",
                                draft.title, e.message
                            ),
                        )
                        .with_hint(e.hint),
                    );
                } else {
                    copied += 1;
                }
            }
            std::fs::write(&target, &text)
        });
        match written {
            Ok(()) => {
                taken.insert(slug);
                let images = match copied {
                    0 => String::new(),
                    1 => " (1 image)".into(),
                    n => format!(" ({n} images)"),
                };
                let verb = if existed { "replaced" } else { "created" };
                report.lines.push(format!(
                    "{verb} {}{images}",
                    relative(&options.root, &target)
                ));
                report.pages.push(target);
            }
            Err(e) => {
                report.io_error = true;
                report.diagnostics.push(Diagnostic::error(
                    &name,
                    format!("cannot write {}: {e}", target.display()),
                ));
            }
        }
    }
    report.diagnostics.extend(warnings);
}

/// The page without its reference to an image that could not be copied: a placeholder instead,
/// so that the page still builds.
fn without_image(text: &str, file_name: &str) -> String {
    let shown = "\\[image not imported\\]";
    let mut text = text.replace(
        &format!("<img src=\"{file_name}\""),
        "[image not imported]<img hidden",
    );
    let link = format!("]({file_name})");
    while let Some(end) = text.find(&link) {
        let start = text[..end].rfind("![").unwrap_or(end);
        text.replace_range(start..end + link.len(), shown);
    }
    text
}

fn relative(root: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(root).unwrap_or(path);
    shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The whole document as one page, titled by its Title paragraph, else its properties' title,
/// else its file name.
fn whole(doc: &Document, file: &Path) -> Draft {
    let mut blocks = doc.blocks.clone();
    let title_at = blocks
        .iter()
        .position(|b| matches!(b, Block::Para(p) if p.kind == Kind::Title));
    let title = match title_at {
        Some(i) => match blocks.remove(i) {
            Block::Para(p) => crate::slug::clean_text(&docx::plain_text(&p.inlines)),
            Block::Table(_) => unreachable!(),
        },
        None => doc.core_title.clone().unwrap_or_else(|| file_stem(file)),
    };
    Draft {
        title,
        terms: Vec::new(),
        blocks,
    }
}

fn file_stem(file: &Path) -> String {
    file.file_stem()
        .map(|s| crate::slug::clean_text(&s.to_string_lossy()))
        .unwrap_or_default()
}

/// A page per heading of `level`; a heading above that level naming a term of a closed
/// taxonomy sets that field on the pages below it. Returns the pages and the paragraphs left
/// out (before the first page).
fn split(
    doc: &Document,
    level: u8,
    config: &Config,
    collection: &Collection,
) -> (Vec<Draft>, Vec<(usize, String)>) {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut skipped = Vec::new();
    // The terms set by the headings above, by heading level.
    let mut context: Vec<(u8, Vec<(String, String)>)> = Vec::new();
    let mut open = false;
    for block in &doc.blocks {
        if let Block::Para(p) = block
            && let Kind::Heading(l) = p.kind
            && l <= level
        {
            let text = crate::slug::clean_text(&docx::plain_text(&p.inlines));
            let text = strip_numbering(&text);
            context.retain(|(at, _)| *at < l);
            if l < level {
                open = false;
                context.push((l, terms_named(&text, config, collection)));
            } else {
                let mut terms: Vec<(String, String)> = Vec::new();
                for (_, found) in &context {
                    for (field, key) in found {
                        terms.retain(|(f, _)| f != field);
                        terms.push((field.clone(), key.clone()));
                    }
                }
                drafts.push(Draft {
                    title: text,
                    terms,
                    blocks: Vec::new(),
                });
                open = true;
            }
            continue;
        }
        if open {
            if let Some(draft) = drafts.last_mut() {
                draft.blocks.push(block.clone());
            }
        } else {
            match block {
                Block::Para(p) if p.kind == Kind::Title => {}
                Block::Para(p) => skipped.push((
                    p.number,
                    format!("\"{}\"", docx::first_words(&docx::plain_text(&p.inlines))),
                )),
                Block::Table(t) => skipped.push((t.number, "a table".into())),
            }
        }
    }
    (drafts, skipped)
}

/// The terms of closed taxonomies of the collection that `text` names, by key or by name in
/// any language: `推动城乡流通协调发展` is `aspect: urban-rural`.
fn terms_named(text: &str, config: &Config, collection: &Collection) -> Vec<(String, String)> {
    let wanted = crate::slug::slugify(text);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for field in &collection.fields {
        let FieldType::Term(taxonomy) = &field.kind else {
            continue;
        };
        let Some(t) = config.taxonomy(taxonomy).filter(|t| t.closed) else {
            continue;
        };
        let hit = t.terms.iter().find(|term| {
            crate::slug::slugify(&term.key) == wanted
                || term
                    .name
                    .0
                    .values()
                    .any(|name| crate::slug::slugify(name) == wanted)
        });
        if let Some(term) = hit {
            found.push((field.name.clone(), term.key.clone()));
        }
    }
    found
}

/// Removes the numbering a heading is written with: `一、`, `（一）`, `(2)`, `1.`, `1.2`,
/// `第三章`, `Part 1:` is kept (it is words).
pub fn strip_numbering(text: &str) -> String {
    const CHINESE: &str = "一二三四五六七八九十百千零〇两";
    let mut rest = text.trim();
    loop {
        let before = rest;
        // （一） (一) （1） (1)
        for (open, close) in [('（', '）'), ('(', ')')] {
            if let Some(inner) = rest.strip_prefix(open)
                && let Some((number, after)) = inner.split_once(close)
                && !number.is_empty()
                && number
                    .chars()
                    .all(|c| CHINESE.contains(c) || c.is_ascii_digit())
            {
                rest = after;
            }
        }
        // 第三章 第2节 第一部分
        if let Some(inner) = rest.strip_prefix('第') {
            let number_len: usize = inner
                .chars()
                .take_while(|c| CHINESE.contains(*c) || c.is_ascii_digit())
                .map(char::len_utf8)
                .sum();
            if number_len > 0 {
                let after = &inner[number_len..];
                for unit in ["部分", "章", "节", "条", "篇", "部"] {
                    if let Some(a) = after.strip_prefix(unit) {
                        rest = a;
                        break;
                    }
                }
            }
        }
        // 一、 1. 1.2 1、 1) 十二．
        let number_len: usize = rest
            .chars()
            .take_while(|c| CHINESE.contains(*c) || c.is_ascii_digit() || *c == '.')
            .map(char::len_utf8)
            .sum();
        if number_len > 0 {
            let after = &rest[number_len..];
            let number = &rest[..number_len];
            let digits_only = number.chars().all(|c| c.is_ascii_digit() || c == '.');
            if let Some(a) = after
                .strip_prefix(['、', '．', '）', ')'])
                .or_else(|| after.strip_prefix('.'))
            {
                rest = a;
            } else if digits_only
                && (number.ends_with('.')
                    || (number.contains('.') && after.starts_with(char::is_whitespace)))
            {
                rest = after;
            }
        }
        rest = rest.trim_start_matches(|c: char| c.is_whitespace());
        if rest == before {
            break;
        }
    }
    if rest.is_empty() {
        text.trim().to_string()
    } else {
        rest.to_string()
    }
}

/// A slug for the page from its title (else the file name), not used by another page of this
/// import (an existing page of that slug is refused, or replaced with --force).
fn unique_slug(title: &str, file: &Path, taken: &BTreeSet<String>) -> String {
    let mut base = crate::slug::slugify(title);
    if base.is_empty() {
        base = crate::slug::slugify(&file_stem(file));
    }
    if base.is_empty() {
        base = "imported".into();
    }
    if base.chars().count() > MAX_SLUG_CHARS {
        base = base.chars().take(MAX_SLUG_CHARS).collect();
        base = base.trim_end_matches('-').to_string();
    }
    let mut slug = base.clone();
    let mut n = 2;
    while taken.contains(&slug) {
        slug = format!("{base}-{n}");
        n += 1;
    }
    slug
}

fn page_text(
    config: &Config,
    collection: &Collection,
    draft: &Draft,
    doc: &Document,
    body: &markdown::Body,
    today: Date,
) -> String {
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut given: Vec<(&str, String)> = vec![("title", quote(&draft.title))];
    for (field, key) in &draft.terms {
        given.push((field.as_str(), quote(key)));
    }
    if let Some(date) = doc.created {
        given.push(("date", date.to_string()));
    }
    if let Some(summary) = markdown::summary(&draft.blocks) {
        given.push(("summary", quote(&summary)));
    }
    let mut text = crate::scaffold::front_matter(config, collection, &given, today);
    text.push('\n');
    text.push_str(&body.markdown);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_removed_from_headings() {
        for (written, bare) in [
            ("一、推动城乡流通协调发展", "推动城乡流通协调发展"),
            ("（一）以标准化推动", "以标准化推动"),
            ("(3) 冷链", "冷链"),
            ("1. Cold chain", "Cold chain"),
            ("1.2 Cold chain", "Cold chain"),
            ("十二．绿色", "绿色"),
            ("第三章 物流", "物流"),
            ("2023年工作", "2023年工作"),
            ("一体化发展", "一体化发展"),
            ("一、", "一、"),
        ] {
            assert_eq!(strip_numbering(written), bare, "{written}");
        }
    }

    #[test]
    fn headings_name_terms_by_name_or_key() {
        let config = crate::config::parse(include_str!("../../site.yaml")).unwrap();
        let c = config.collection("practices").unwrap();
        assert_eq!(
            terms_named("推动城乡流通协调发展", &config, c),
            vec![("aspect".to_string(), "urban-rural".to_string())]
        );
        assert_eq!(
            terms_named("Green development of the circulation industry", &config, c),
            vec![("aspect".to_string(), "green".to_string())]
        );
        assert_eq!(terms_named("logistics", &config, c)[0].1, "logistics");
        assert!(terms_named("其他", &config, c).is_empty());
    }
}
