//! Model: the Site built from validated pages: URLs, translations, collections, taxonomy terms,
//! ordering. Pages refer to each other by index, never by copy.

mod assets;
mod cache;
mod sections;
mod terms;
mod translations;

pub use assets::{Assets, Published, published_path};
pub use cache::Cache;
pub use sections::{Section, Sections};
pub use translations::missing_translations;

use crate::config::{Config, Field, UnknownFields};
use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::schema::{self, Checked, Date, Value};
use crate::slug::slugify;
use cache::{Linked, Validated};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use terms::{collect_terms, page_terms};
use translations::link_translations;

pub type PageId = usize;

#[derive(Debug)]
pub struct Page {
    /// Shared with the load cache: a rebuild does not copy every file's text.
    pub source: Arc<SourcePage>,
    /// Index into `Config::collections`; `None` for a standalone page such as `about.md`.
    pub collection: Option<usize>,
    /// Shared with the model cache: an unchanged page is not validated again.
    pub checked: Arc<Checked>,
    pub slug: String,
    /// Relative to the site root, ending with `/`: `en/practices/xuzhou/`.
    pub path: String,
    pub title: String,
    pub date: Option<Date>,
    /// The same page in the other languages.
    pub translations: Vec<PageId>,
    /// (taxonomy index, term index in that taxonomy's language list).
    pub terms: Vec<(usize, usize)>,
    pub previous: Option<PageId>,
    pub next: Option<PageId>,
    /// Shared with serve's cache: an unchanged page's Markdown is neither rendered nor copied.
    pub rendered: Arc<Rendered>,
}

impl Page {
    pub fn lang(&self) -> &str {
        &self.source.lang
    }

    /// The `summary` field, or else the first words of the text.
    pub fn summary(&self) -> &str {
        match self.checked.fields.get("summary").and_then(Value::as_text) {
            Some(s) => s,
            None => &self.rendered.excerpt,
        }
    }
}

/// A term of a taxonomy in one language, with the pages that carry it.
#[derive(Debug, Clone)]
pub struct Term {
    /// The declared key (closed taxonomies) or the term as written (open ones).
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub path: String,
    /// Sorted newest first.
    pub pages: Vec<PageId>,
}

/// A taxonomy's terms per language.
#[derive(Debug, Clone)]
pub struct TaxonomyTerms {
    pub taxonomy: usize,
    pub by_language: BTreeMap<String, Vec<Term>>,
}

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    pub taxonomies: Vec<TaxonomyTerms>,
    /// Path under `content/` -> page, for resolving links.
    pub by_content_path: crate::hash::PathMap<PageId>,
    /// Drafts left out of this build, for better broken-link messages.
    pub left_out_drafts: Vec<String>,
    /// The files beside the pages, published with them (set after the model is linked).
    pub assets: Assets,
    /// The folders of each collection, per language, with the pages listed in each.
    pub sections: Sections,
    /// Page -> its place in the newest-first order (pages that order as equals share one), so
    /// that sorting a list of pages compares numbers instead of dates, titles and paths.
    newest_first: Vec<u32>,
}

impl Site {
    /// Newest first, then by title and path; pages equal in all three keep their order.
    pub fn sort_newest_first(&self, ids: &mut [PageId]) {
        ids.sort_by_key(|&id| self.newest_first[id]);
    }

    /// The first closed taxonomy: the casebook's main grouping (the aspects).
    pub fn main_taxonomy(&self) -> Option<usize> {
        self.config.taxonomies.iter().position(|t| t.closed)
    }

    pub fn term_of(&self, page: &Page, taxonomy: usize) -> Option<&Term> {
        let terms = self.taxonomies[taxonomy].by_language.get(page.lang())?;
        page.terms
            .iter()
            .find(|(t, _)| *t == taxonomy)
            .map(|(_, i)| &terms[*i])
    }
}

/// Builds the site model from loaded pages: validation against the schema, URLs, translations,
/// taxonomies and neighbours. Pages with errors are left out so that the rest can still be
/// checked.
pub fn build(
    config: Config,
    sources: Vec<Arc<SourcePage>>,
    include_drafts: bool,
) -> (Site, Vec<Diagnostic>) {
    build_cached(config, sources, include_drafts, None)
}

/// `build`, validating again only the pages whose source or configuration changed since the
/// build that filled `cache`, and linking them again only when what linking reads changed.
pub fn build_cached(
    config: Config,
    sources: Vec<Arc<SourcePage>>,
    include_drafts: bool,
    mut cache: Option<&mut Cache>,
) -> (Site, Vec<Diagnostic>) {
    if let Some(cache) = cache.as_deref_mut() {
        cache.configure(&config);
    }
    let unlinked = Arc::new(Rendered::default());
    let (validated, copies) = cache::validate_all(&sources, &config, cache.as_deref(), &unlinked);
    if let Some(cache) = cache.as_deref_mut() {
        cache.keep_validated(&validated, &sources);
    }
    drop(sources);
    let validated: Vec<Arc<Validated>> = validated.into_iter().map(|(v, _)| v).collect();

    let mut diagnostics = Vec::new();
    let mut pages = Vec::with_capacity(validated.len());
    let mut terms = Vec::with_capacity(validated.len());
    let mut left_out_drafts = Vec::new();
    for (validated, copy) in validated.iter().zip(copies) {
        diagnostics.extend(validated.diagnostics.iter().cloned());
        let (Some(page), Some((_, page_terms))) = (copy, &validated.page) else {
            continue;
        };
        if page.checked.draft && !include_drafts {
            left_out_drafts.push(page.source.content_path.clone());
        } else {
            pages.push(page);
            terms.push(page_terms.as_slice());
        }
    }

    let linked = cache.as_deref_mut().and_then(|c| c.linked.as_mut());
    if let Some(linked) = linked.filter(|l| l.links_again(&validated, include_drafts, &pages)) {
        drop(terms);
        let site = linked.link(config, pages, &mut diagnostics);
        // The next build compares with these validations.
        linked.from = validated;
        return (site, diagnostics);
    }
    let (site, found) = link(config, pages, &terms, left_out_drafts);
    drop(terms);
    if let Some(cache) = cache {
        cache.linked = Some(Linked::of(&site, validated, include_drafts, &found));
    }
    diagnostics.extend(found);
    (site, diagnostics)
}

/// Links validated pages (with their terms) to each other: the sequential step of the model.
fn link(
    config: Config,
    mut pages: Vec<Page>,
    terms: &[&[(usize, String)]],
    left_out_drafts: Vec<String>,
) -> (Site, Vec<Diagnostic>) {
    let mut found = Vec::new();
    check_unique_paths(&pages, &config, &mut found);
    link_translations(&mut pages, &config, &mut found);
    let newest_first = newest_first_ranks(&pages);
    let taxonomies = collect_terms(&config, &mut pages, terms, &newest_first);
    check_name_lengths(&pages, &taxonomies, &config, &mut found);
    let by_content_path = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.source.content_path.clone(), i))
        .collect();
    let mut site = Site {
        config,
        pages,
        taxonomies,
        by_content_path,
        left_out_drafts,
        assets: Assets::default(),
        sections: Sections::default(),
        newest_first,
    };
    site.sections = sections_of(&site);
    link_neighbours(&mut site);
    (site, found)
}

/// The sections of a linked site, each listing its pages in the collection's order.
fn sections_of(site: &Site) -> Sections {
    let mut ordered: Vec<PageId> = (0..site.pages.len()).collect();
    site.sort_newest_first(&mut ordered);
    sections::collect(&site.config, &site.pages, &ordered)
}

/// Validates a page against its collection's fields and, when it has no error, makes its page.
fn validate_page(
    source: &Arc<SourcePage>,
    config: &Config,
    standalone: &[Field],
    unlinked: &Arc<Rendered>,
) -> Validated {
    // A folder's `_index.md` is no member of a collection: it gives the list its title and text.
    let collection = config.collections.iter().position(|c| {
        !source.is_section()
            && (source.dir == c.folder || source.dir.starts_with(&format!("{}/", c.folder)))
    });
    let section_fields: Vec<Field>;
    let (fields, owner) = match collection {
        Some(i) => (
            config.collections[i].fields.as_slice(),
            config.collections[i].key.as_str(),
        ),
        None if source.is_section() => {
            // Its title may come from the collection or the folder instead.
            section_fields = standalone
                .iter()
                .cloned()
                .map(|f| Field {
                    required: false,
                    ..f
                })
                .collect();
            (section_fields.as_slice(), "a folder's _index page")
        }
        None => (standalone, "a page outside the collections"),
    };
    let unknown = collection.map_or(UnknownFields::Warn, |c| {
        config.collections[c].unknown_fields
    });
    let (checked, mut diagnostics) = schema::validate(source, fields, owner, unknown, config);
    diagnostics.extend(source.warnings.iter().cloned());
    let page = (!diagnostics.iter().any(Diagnostic::is_error)).then(|| {
        let terms = page_terms(config, collection, &checked);
        let page = new_page(Arc::clone(source), collection, checked, config, unlinked);
        (page, terms)
    });
    Validated {
        source: Arc::clone(source),
        page,
        diagnostics,
    }
}

impl Page {
    /// A copy of a page not yet linked to the others, sharing its source and fields.
    fn unlinked_copy(&self, unlinked: &Arc<Rendered>) -> Page {
        Page {
            source: Arc::clone(&self.source),
            collection: self.collection,
            checked: Arc::clone(&self.checked),
            slug: self.slug.clone(),
            path: self.path.clone(),
            title: self.title.clone(),
            date: self.date,
            translations: Vec::new(),
            terms: Vec::new(),
            previous: None,
            next: None,
            rendered: Arc::clone(unlinked),
        }
    }
}

/// A page with its URL, title and date, not yet linked to the others.
fn new_page(
    source: Arc<SourcePage>,
    collection: Option<usize>,
    checked: Checked,
    config: &Config,
    unlinked: &Arc<Rendered>,
) -> Page {
    // A bundle (`name/index.md`) and a folder's `_index.md` take their name from the folder.
    let mut folders: Vec<&str> = source.dir.split('/').filter(|p| !p.is_empty()).collect();
    let named_by_folder = source.is_bundle() || source.is_section();
    let name = match folders.last() {
        Some(&folder) if named_by_folder => folder,
        _ => source.stem.as_str(),
    };
    let slug = checked.slug.clone().unwrap_or_else(|| {
        let s = slugify(name);
        if s.is_empty() {
            format!("page-{}", crate::slug::short_hash(name))
        } else {
            s
        }
    });
    if named_by_folder {
        folders.pop();
    }
    let dir_path: String = folders.iter().map(|p| format!("{}/", slugify(p))).collect();
    let prefix = config.language_prefix(&source.lang);
    let path = if source.is_section() && source.dir.is_empty() {
        // `content/_index.md` speaks for the home page.
        prefix
    } else {
        format!("{prefix}{dir_path}{slug}/")
    };
    let title = checked
        .fields
        .get("title")
        .and_then(Value::as_text)
        .map(str::to_string)
        .unwrap_or_else(|| section_title(&source, config));
    let date = checked.fields.get("date").and_then(Value::as_date);
    Page {
        source,
        collection,
        checked: Arc::new(checked),
        slug,
        path,
        title,
        date,
        translations: Vec::new(),
        terms: Vec::new(),
        previous: None,
        next: None,
        rendered: Arc::clone(unlinked),
    }
}

/// The title of a folder's `_index.md` that has none: its collection's, else the folder's name.
fn section_title(source: &SourcePage, config: &Config) -> String {
    if !source.is_section() {
        return String::new();
    }
    folder_title(config, &source.dir, &source.lang)
}

/// A folder's title in `lang` when no `_index.md` gives one: a collection's folder has the
/// collection's title, any other its own name.
fn folder_title(config: &Config, folder: &str, lang: &str) -> String {
    match config.collections.iter().find(|c| c.folder == folder) {
        Some(c) => c.title.get(lang, &config.default_language).to_string(),
        None => folder.rsplit('/').next().unwrap_or_default().to_string(),
    }
}

/// Paths the site generates itself, which no page may take.
fn reserved_paths(config: &Config) -> Vec<String> {
    let mut reserved = Vec::new();
    for lang in &config.languages {
        let prefix = config.language_prefix(&lang.code);
        reserved.push(prefix.clone());
        reserved.push(format!("{prefix}print/"));
        reserved.push(format!("{prefix}search/"));
        for c in &config.collections {
            reserved.push(format!("{prefix}{}/", slugify(&c.folder)));
        }
        for t in &config.taxonomies {
            reserved.push(format!("{prefix}{}/", slugify(&t.key)));
        }
    }
    reserved
}

/// A page or term whose address holds a name longer than file systems take: caught here, at its
/// field, so that `check` says so too (a build would fail writing it, naming a staging path).
fn check_name_lengths(
    pages: &[Page],
    taxonomies: &[TaxonomyTerms],
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use crate::slug::{MAX_NAME_BYTES, has_too_long_name as too_long};
    let hint = format!(
        "a name in an address may take {MAX_NAME_BYTES} bytes (about 85 Chinese characters): shorten it, or set a shorter `slug:`"
    );
    for page in pages.iter().filter(|p| too_long(&p.path)) {
        let (line, column) = page.source.positions.of("slug").unwrap_or((1, 1));
        diagnostics.push(
            Diagnostic::error(
                &page.source.file,
                "this page's address is too long for a file name",
            )
            .at(&page.source.text, line, column)
            .with_hint(hint.clone()),
        );
    }
    for terms in taxonomies {
        let taxonomy = &config.taxonomies[terms.taxonomy].key;
        for term in terms.by_language.values().flatten() {
            let (Some(&first), true) = (term.pages.first(), too_long(&term.path)) else {
                continue;
            };
            let page = &pages[first];
            let field = page
                .collection
                .and_then(|c| {
                    (config.collections[c].fields.iter())
                        .find(|f| f.kind.taxonomy() == Some(taxonomy.as_str()))
                })
                .map(|f| f.name.as_str())
                .unwrap_or(taxonomy);
            let (line, column) = page.source.positions.of(field).unwrap_or((1, 1));
            diagnostics.push(
                Diagnostic::error(
                    &page.source.file,
                    format!("the {taxonomy} term's address is too long for a file name"),
                )
                .at(&page.source.text, line, column)
                .with_hint(hint.clone()),
            );
        }
    }
}

/// Whether `path` is a list page that a folder's `_index.md` speaks for: a language's home page
/// or a collection's list.
pub fn is_list_path(config: &Config, path: &str) -> bool {
    config.languages.iter().any(|lang| {
        let prefix = config.language_prefix(&lang.code);
        path == prefix
            || (config.collections.iter())
                .any(|c| path == format!("{prefix}{}/", slugify(&c.folder)))
    })
}

fn check_unique_paths(pages: &[Page], config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    let reserved = reserved_paths(config);
    for page in pages {
        // A folder's `_index.md` gives the list page at its path (a collection's, the home
        // page) its title and text.
        if reserved.contains(&page.path)
            && !(page.source.is_section() && is_list_path(config, &page.path))
        {
            diagnostics.push(
                Diagnostic::error(
                    &page.source.file,
                    format!("this page would replace the generated page /{}", page.path),
                )
                .at(&page.source.text, 1, 1)
                .with_hint("rename the file or set another `slug:` in its front matter"),
            );
        }
        if let Some(other) = seen.insert(&page.path, page) {
            diagnostics.push(
                Diagnostic::error(
                    &page.source.file,
                    format!(
                        "this page and {} both become /{}",
                        other.source.file, page.path
                    ),
                )
                .at(&page.source.text, 1, 1)
                .with_hint(
                    "rename one of the files, or set a different `slug:` in its front matter",
                ),
            );
        }
    }
    // An alias may not take a page's address (other generated files are checked when rendered).
    for page in pages {
        for alias in &page.checked.aliases {
            if seen.contains_key(alias.as_str()) || reserved.contains(alias) {
                diagnostics.push(crate::render::alias_taken(page, alias));
            }
        }
    }
}

/// Each page's place in the newest-first order: newest first, then by title, then by path.
/// Pages equal in all three share the place of the first of them, so that a stable sort by place
/// is the stable sort by those three.
fn newest_first_ranks(pages: &[Page]) -> Vec<u32> {
    let mut keyed: Vec<(Reverse<Option<Date>>, &str, &str, PageId)> = pages
        .iter()
        .enumerate()
        .map(|(id, p)| (Reverse(p.date), p.title.as_str(), p.path.as_str(), id))
        .collect();
    keyed.par_sort_unstable();
    let mut ranks = vec![0; pages.len()];
    let mut rank = 0;
    for (position, &(date, title, path, id)) in keyed.iter().enumerate() {
        if position > 0 {
            let (previous_date, previous_title, previous_path, _) = keyed[position - 1];
            if (date, title, path) != (previous_date, previous_title, previous_path) {
                rank = position as u32;
            }
        }
        ranks[id] = rank;
    }
    ranks
}

/// Previous and next within the page's main-taxonomy term (its aspect), else its collection.
fn link_neighbours(site: &mut Site) {
    let main = site.main_taxonomy();
    // (collection, language, main term) -> pages.
    let mut groups: BTreeMap<(usize, &str, Option<usize>), Vec<PageId>> = BTreeMap::new();
    for (id, page) in site.pages.iter().enumerate() {
        let Some(collection) = page.collection else {
            continue;
        };
        let term = main.and_then(|m| page.terms.iter().find(|(t, _)| *t == m).map(|(_, i)| *i));
        groups
            .entry((collection, page.lang(), term))
            .or_default()
            .push(id);
    }
    let mut groups: Vec<Vec<PageId>> = groups.into_values().collect();
    for ids in &mut groups {
        site.sort_newest_first(ids);
        for (position, &id) in ids.iter().enumerate() {
            site.pages[id].previous = position.checked_sub(1).map(|p| ids[p]);
            site.pages[id].next = ids.get(position + 1).copied();
        }
    }
}

/// How many characters of its text a page's summary holds at most, when it has no `summary`.
pub const SUMMARY_CHARS: usize = 160;

/// The first `limit` characters of `text`, cut at a word or sentence boundary, with an ellipsis.
pub fn first_words(text: &str, limit: usize) -> String {
    // The words joined by single spaces, up to `limit` characters: more means a cut.
    let mut cut = String::new();
    let mut chars = 0;
    let mut more = false;
    'words: for word in text.split_whitespace() {
        for c in (!cut.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if chars == limit {
                more = true;
                break 'words;
            }
            cut.push(c);
            chars += 1;
        }
    }
    if !more {
        return cut;
    }
    let end = cut
        .rfind([' ', '。', '，', '；'])
        .filter(|&i| i >= cut.len() / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end_matches([' ', '，', '；']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_cuts_at_a_boundary() {
        assert_eq!(first_words("short text", 50), "short text");
        assert_eq!(first_words("one two three four five", 12), "one two…");
        assert_eq!(first_words("第一句话。第二句话很长很长", 8), "第一句话…");
        // Whitespace of any kind and length is one space, and counts as one character.
        assert_eq!(first_words("  one\n\n two\tthree ", 13), "one two three");
        assert_eq!(first_words("one\n\n two\tthree four", 13), "one two…");
        assert_eq!(first_words("one two", 7), "one two");
        assert_eq!(first_words("one two", 6), "one…");
        assert_eq!(first_words("", 5), "");
    }
}
