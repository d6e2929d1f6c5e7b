//! Model: the Site built from validated pages: URLs, translations, collections, taxonomy terms,
//! ordering. Pages refer to each other by index, never by copy.

use crate::config::{Config, FieldType};
use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::schema::{self, Checked, Date, Value};
use crate::slug::{slugify, term_slugs};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub type PageId = usize;

#[derive(Debug)]
pub struct Page {
    /// Shared with the load cache: a rebuild does not copy every file's text.
    pub source: Arc<SourcePage>,
    /// Index into `Config::collections`; `None` for a standalone page such as `about.md`.
    pub collection: Option<usize>,
    pub checked: Checked,
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

    pub fn summary(&self) -> String {
        match self.checked.fields.get("summary").and_then(Value::as_text) {
            Some(s) => s.to_string(),
            None => first_words(&self.rendered.text, 160),
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
    pub by_content_path: HashMap<String, PageId>,
    /// Drafts left out of this build, for better broken-link messages.
    pub left_out_drafts: Vec<String>,
}

impl Site {
    /// The pages of a collection in one language, in the collection's order.
    pub fn collection_pages(&self, collection: usize, lang: &str) -> Vec<PageId> {
        let mut ids: Vec<PageId> = (0..self.pages.len())
            .filter(|&i| {
                self.pages[i].collection == Some(collection) && self.pages[i].lang() == lang
            })
            .collect();
        self.sort_newest_first(&mut ids);
        ids
    }

    pub fn sort_newest_first(&self, ids: &mut [PageId]) {
        ids.sort_by(|&a, &b| {
            let (a, b) = (&self.pages[a], &self.pages[b]);
            b.date
                .cmp(&a.date)
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.path.cmp(&b.path))
        });
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
    let standalone = schema::standalone_fields();
    // Each page is validated on its own, in parallel; linking them is the sequential step below.
    let checked: Vec<(Option<Page>, Vec<Diagnostic>)> = sources
        .into_par_iter()
        .map(|source| {
            let collection = config.collections.iter().position(|c| {
                source.dir == c.folder || source.dir.starts_with(&format!("{}/", c.folder))
            });
            let (fields, owner) = match collection {
                Some(i) => (
                    &config.collections[i].fields,
                    config.collections[i].key.as_str(),
                ),
                None => (&standalone, "a page outside the collections"),
            };
            let (checked, found) = schema::validate(&source, fields, owner, &config);
            if found.iter().any(Diagnostic::is_error) {
                return (None, found);
            }
            (Some(new_page(source, collection, checked, &config)), found)
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut pages = Vec::with_capacity(checked.len());
    let mut left_out_drafts = Vec::new();
    for (page, found) in checked {
        diagnostics.extend(found);
        match page {
            Some(page) if page.checked.draft && !include_drafts => {
                left_out_drafts.push(page.source.content_path.clone())
            }
            Some(page) => pages.push(page),
            None => {}
        }
    }

    check_unique_paths(&pages, &config, &mut diagnostics);
    link_translations(&mut pages, &config, &mut diagnostics);
    let taxonomies = collect_terms(&config, &mut pages);
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
    };
    link_neighbours(&mut site);
    (site, diagnostics)
}

/// A page with its URL, title and date, not yet linked to the others.
fn new_page(
    source: Arc<SourcePage>,
    collection: Option<usize>,
    checked: Checked,
    config: &Config,
) -> Page {
    let slug = checked.slug.clone().unwrap_or_else(|| {
        let s = slugify(&source.stem);
        if s.is_empty() {
            format!("page-{}", crate::slug::short_hash(&source.stem))
        } else {
            s
        }
    });
    let dir_path: String = source
        .dir
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| format!("{}/", slugify(p)))
        .collect();
    let path = format!("{}{dir_path}{slug}/", config.language_prefix(&source.lang));
    let title = checked
        .fields
        .get("title")
        .and_then(Value::as_text)
        .unwrap_or_default()
        .to_string();
    let date = checked.fields.get("date").and_then(Value::as_date);
    Page {
        source,
        collection,
        checked,
        slug,
        path,
        title,
        date,
        translations: Vec::new(),
        terms: Vec::new(),
        previous: None,
        next: None,
        rendered: Arc::default(),
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

fn check_unique_paths(pages: &[Page], config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    let reserved = reserved_paths(config);
    for page in pages {
        if reserved.contains(&page.path) {
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
}

/// Files with the same folder and stem are translations of each other.
fn link_translations(pages: &mut [Page], config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    let mut groups: BTreeMap<(String, String), Vec<PageId>> = BTreeMap::new();
    for (i, page) in pages.iter().enumerate() {
        groups
            .entry((page.source.dir.clone(), page.source.stem.clone()))
            .or_default()
            .push(i);
    }
    for ids in groups.values() {
        let mut by_lang: BTreeMap<&str, PageId> = BTreeMap::new();
        for &id in ids {
            if let Some(&first) = by_lang.get(pages[id].lang()) {
                diagnostics.push(
                    Diagnostic::error(
                        &pages[id].source.file,
                        format!(
                            "this file and {} are both the {} version of the same page",
                            pages[first].source.file,
                            pages[id].lang()
                        ),
                    )
                    .at(&pages[id].source.text, 1, 1)
                    .with_hint(format!(
                        "a file without a language in its name is in the default language ({})",
                        config.default_language
                    )),
                );
            } else {
                by_lang.insert(pages[id].lang(), id);
            }
        }
        check_translation_terms(pages, &by_lang, config, diagnostics);
        let members: Vec<PageId> = by_lang.values().copied().collect();
        for &id in &members {
            let mut others: Vec<PageId> = members.iter().copied().filter(|&o| o != id).collect();
            others.sort_by_key(|&o| {
                config
                    .languages
                    .iter()
                    .position(|l| l.code == pages[o].lang())
            });
            pages[id].translations = others;
        }
    }
}

/// A practice cannot be `green` in one language and `logistics` in another.
fn check_translation_terms(
    pages: &[Page],
    by_lang: &BTreeMap<&str, PageId>,
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(&original) = by_lang
        .get(config.default_language.as_str())
        .or_else(|| by_lang.values().next())
    else {
        return;
    };
    let Some(collection) = pages[original].collection.map(|c| &config.collections[c]) else {
        return;
    };
    for field in &collection.fields {
        let closed = field
            .kind
            .taxonomy()
            .and_then(|t| config.taxonomy(t))
            .is_some_and(|t| t.closed);
        if !closed {
            continue;
        }
        let expected = pages[original].checked.fields.get(&field.name);
        for &id in by_lang.values().filter(|&&id| id != original) {
            let found = pages[id].checked.fields.get(&field.name);
            if found != expected {
                let show = |v: Option<&Value>| v.map_or("nothing".to_string(), display_value);
                let page = &pages[id];
                let (line, column) = page.source.positions.of(&field.name).unwrap_or((1, 1));
                diagnostics.push(
                    Diagnostic::error(
                        &page.source.file,
                        format!(
                            "`{}` is {} here but {} in {}",
                            field.name,
                            show(found),
                            show(expected),
                            pages[original].source.file
                        ),
                    )
                    .at(&page.source.text, line, column)
                    .with_hint(
                        "translations share their closed-taxonomy terms: make both files agree",
                    ),
                );
            }
        }
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::Text(s) | Value::Term(s) => format!("\"{s}\""),
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(display_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Date(d) => d.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Metric(m) => format!("{} {}", m.name, m.value),
    }
}

/// The terms a page carries in a taxonomy: from its term fields, or from its date for derived
/// taxonomies such as `year`.
fn page_terms(config: &Config, page: &Page, taxonomy: &crate::config::Taxonomy) -> Vec<String> {
    if let Some(from) = &taxonomy.from {
        return page
            .checked
            .fields
            .get(from)
            .and_then(Value::as_date)
            .map(|d| vec![d.year.to_string()])
            .unwrap_or_default();
    }
    let Some(collection) = page.collection.map(|c| &config.collections[c]) else {
        return Vec::new();
    };
    let mut terms = Vec::new();
    for field in collection
        .fields
        .iter()
        .filter(|f| f.kind.taxonomy() == Some(taxonomy.key.as_str()))
    {
        match (page.checked.fields.get(&field.name), &field.kind) {
            (Some(Value::Term(t)), FieldType::Term(_)) => terms.push(t.clone()),
            (Some(Value::List(items)), FieldType::List(_)) => {
                terms.extend(items.iter().filter_map(Value::as_text).map(str::to_string))
            }
            _ => {}
        }
    }
    terms.dedup();
    terms
}

fn collect_terms(config: &Config, pages: &mut [Page]) -> Vec<TaxonomyTerms> {
    let mut all = Vec::new();
    for (t_index, taxonomy) in config.taxonomies.iter().enumerate() {
        let mut by_language = BTreeMap::new();
        for lang in &config.languages {
            let prefix = format!(
                "{}{}/",
                config.language_prefix(&lang.code),
                slugify(&taxonomy.key)
            );
            let mut members: BTreeMap<String, Vec<PageId>> = BTreeMap::new();
            for (id, page) in pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.lang() == lang.code)
            {
                for term in page_terms(config, page, taxonomy) {
                    members.entry(term).or_default().push(id);
                }
            }
            let mut terms: Vec<Term> = if taxonomy.closed {
                taxonomy
                    .terms
                    .iter()
                    .map(|d| Term {
                        key: d.key.clone(),
                        name: d.name.get(&lang.code, &config.default_language).to_string(),
                        description: d
                            .description
                            .as_ref()
                            .map(|x| x.get(&lang.code, &config.default_language).to_string()),
                        path: format!("{prefix}{}/", slugify(&d.key)),
                        pages: members.remove(&d.key).unwrap_or_default(),
                    })
                    .collect()
            } else {
                let slugs = term_slugs(members.keys().map(String::as_str));
                let mut open: Vec<Term> = members
                    .into_iter()
                    .map(|(key, ids)| Term {
                        path: format!("{prefix}{}/", slugs[&key]),
                        name: key.clone(),
                        description: None,
                        key,
                        pages: ids,
                    })
                    .collect();
                if taxonomy.from.is_some() {
                    open.reverse(); // years: newest first
                }
                open
            };
            for (term_index, term) in terms.iter_mut().enumerate() {
                sort_ids_newest_first(pages, &mut term.pages);
                for &id in &term.pages {
                    pages[id].terms.push((t_index, term_index));
                }
            }
            by_language.insert(lang.code.clone(), terms);
        }
        all.push(TaxonomyTerms {
            taxonomy: t_index,
            by_language,
        });
    }
    all
}

fn sort_ids_newest_first(pages: &[Page], ids: &mut [PageId]) {
    ids.sort_by(|&a, &b| {
        let (a, b) = (&pages[a], &pages[b]);
        b.date
            .cmp(&a.date)
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// Previous and next within the page's main-taxonomy term (its aspect), else its collection.
fn link_neighbours(site: &mut Site) {
    let main = site.main_taxonomy();
    let mut groups: BTreeMap<(Option<usize>, String, Option<usize>), Vec<PageId>> = BTreeMap::new();
    for (id, page) in site.pages.iter().enumerate() {
        let Some(collection) = page.collection else {
            continue;
        };
        let term = main.and_then(|m| page.terms.iter().find(|(t, _)| *t == m).map(|(_, i)| *i));
        groups
            .entry((Some(collection), page.lang().to_string(), term))
            .or_default()
            .push(id);
    }
    for ids in groups.values_mut() {
        site.sort_newest_first(ids);
        for (position, &id) in ids.iter().enumerate() {
            site.pages[id].previous = position.checked_sub(1).map(|p| ids[p]);
            site.pages[id].next = ids.get(position + 1).copied();
        }
    }
}

/// An `info` for every page that lacks a version in one of the site's languages.
pub fn missing_translations(site: &Site) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for page in &site.pages {
        for lang in &site.config.languages {
            let translated = page.lang() == lang.code
                || page
                    .translations
                    .iter()
                    .any(|&t| site.pages[t].lang() == lang.code);
            if !translated {
                let expected = format!("{}.{}.md", page.source.stem, lang.code);
                found.push(
                    Diagnostic::info(&page.source.file, format!("no {} version", lang.name))
                        .with_hint(format!("add {expected} beside this file to translate it")),
                );
            }
        }
    }
    found
}

/// The first `limit` characters of `text`, cut at a word or sentence boundary, with an ellipsis.
pub fn first_words(text: &str, limit: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= limit {
        return text;
    }
    let cut: String = text.chars().take(limit).collect();
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
    }
}
