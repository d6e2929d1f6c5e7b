//! The print page: every page's article rendered on its own, then spliced into the page's
//! skeleton in place of placeholders, so that an edit re-renders one article.

use super::pages::term_with_pages;
use super::views::{Views, with_entry};
use super::{prefix_ids, prefix_toc, rebase_urls};
use crate::site::PageId;
use bytes::Bytes;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tera::{Context, Value as TeraValue};

/// Where a print article goes in its page's skeleton: characters that are not text (Unicode
/// noncharacters) around the page's URL path (not its id, which the next build may give to
/// another page while the skeleton stays cached).
const PLACEHOLDER_START: &str = "\u{FDD0}print:";

const PLACEHOLDER_END: char = '\u{FDD1}';

fn placeholder(page_path: &str) -> String {
    format!("{PLACEHOLDER_START}{page_path}{PLACEHOLDER_END}")
}

/// The cache entry of a print page's skeleton: a name no output file can have.
pub(super) fn skeleton_name(output: &str) -> String {
    format!("#skeleton/{output}")
}

/// A print page from its skeleton, each placeholder replaced by its article. `None` when the
/// template did more with a placeholder than write it (a filter cut or changed it): the page is
/// then rendered with the articles themselves. `page` is memory to reuse.
pub(super) fn splice(
    skeleton: &[u8],
    articles: &HashMap<String, Bytes>,
    mut page: bytes::BytesMut,
) -> Option<Bytes> {
    let skeleton = std::str::from_utf8(skeleton).ok()?;
    let is_whole = |text: &str| !text.contains(['\u{FDD0}', PLACEHOLDER_END]);
    page.clear();
    // A part of the print version holds a few of the language's articles, not all of them.
    page.reserve(skeleton.len());
    let mut rest = skeleton;
    while let Some(at) = rest.find(PLACEHOLDER_START) {
        let (before, after) = (&rest[..at], &rest[at + PLACEHOLDER_START.len()..]);
        let (page_path, after) = after.split_once(PLACEHOLDER_END)?;
        if !is_whole(before) {
            return None;
        }
        page.extend_from_slice(before.as_bytes());
        page.extend_from_slice(articles.get(page_path)?);
        rest = after;
    }
    if !is_whole(rest) {
        return None;
    }
    page.extend_from_slice(rest.as_bytes());
    Some(page.freeze())
}

impl<'a> Views<'a> {
    /// A page on the print page: its summary and its article (`printed`), or a placeholder that
    /// [`splice`] replaces with the article.
    pub(super) fn print_item(&self, id: PageId, articles: bool) -> TeraValue {
        let page_path = &self.site.pages[id].path;
        let printed = Arc::clone(&super::values::read(&self.printed));
        let article = printed.get(page_path);
        let printed = match (article, articles) {
            (None, _) => TeraValue::safe_string(""),
            // The skeleton's entries stay as they were while the summary does: kept as it is.
            (Some(_), false) => {
                return self.print_items.get(id, || {
                    let printed = TeraValue::safe_string(&placeholder(page_path));
                    with_entry(self.summary_value(id), "printed", printed)
                });
            }
            (Some(article), true) => TeraValue::safe_string(&String::from_utf8_lossy(article)),
        };
        with_entry(self.summary_value(id), "printed", printed)
    }

    /// A page among many on the print page at `print_path`: its heading and footnote ids get the
    /// page's slug as a prefix, so that ids stay unique on the combined page, and its relative
    /// links and images, written for the page's own path, lead to the same files from the print
    /// page.
    pub(super) fn page_for_print(&self, id: PageId, print_path: &str) -> TeraValue {
        let page = &self.site.pages[id];
        let prefix = format!("{}--", page.slug);
        let content = rebase_urls(&page.rendered.html, &page.path, print_path);
        let content = TeraValue::from(prefix_ids(&content, &prefix));
        let mut toc = serde_json::to_value(&page.rendered.toc).unwrap_or_default();
        if let Json::Array(entries) = &mut toc {
            for entry in entries {
                prefix_toc(entry, &prefix);
            }
        }
        self.page_full_with(id, content, &toc)
    }

    /// The pages of the print version in `lang`, in the order it prints them: per term of the
    /// main taxonomy (`Some(index)` in the language's terms) its pages, then (`None`) the pages
    /// of the main collection that have no term.
    pub(super) fn print_groups(&self, lang: &str) -> Vec<(Option<usize>, Vec<PageId>)> {
        let main = self.site.main_taxonomy();
        let terms = main.and_then(|m| self.site.taxonomies[m].by_language.get(lang));
        let mut groups: Vec<(Option<usize>, Vec<PageId>)> = (terms.into_iter().flatten())
            .enumerate()
            .map(|(i, t)| (Some(i), t.pages.clone()))
            .collect();
        let main_collection = if self.config.collections.is_empty() {
            Vec::new()
        } else {
            self.collection_pages(0, lang).to_vec()
        };
        let unassigned: Vec<PageId> = (main_collection.into_iter())
            .filter(|&id| main.is_none_or(|m| self.site.term_of(&self.site.pages[id], m).is_none()))
            .collect();
        groups.push((None, unassigned));
        groups
    }

    /// The parts of the print version in `lang` when one page would be too large to open and
    /// print: each term's pages, in parts of about [`PRINT_PAGE_BYTES`], then the pages of no
    /// term (`groups`, from [`Views::print_groups`]). Empty when one page holds them all.
    pub(super) fn print_parts(
        &self,
        lang: &str,
        groups: &[(Option<usize>, Vec<PageId>)],
    ) -> Vec<PrintPart> {
        let size = |id: PageId| self.site.pages[id].rendered.html.len() + ARTICLE_FRAME_BYTES;
        let total: usize = groups
            .iter()
            .flat_map(|(_, ids)| ids)
            .map(|&id| size(id))
            .sum();
        if total <= PRINT_PAGE_BYTES {
            return Vec::new();
        }
        let prefix = self.config.language_prefix(lang);
        let mut parts = Vec::new();
        for (term, ids) in groups {
            let term = *term;
            let mut chunks: Vec<Vec<PageId>> = Vec::new();
            let mut filled = usize::MAX;
            for &id in ids {
                if filled.saturating_add(size(id)) > PRINT_PAGE_BYTES {
                    chunks.push(Vec::new());
                    filled = 0;
                }
                filled += size(id);
                chunks.last_mut().expect("pushed above").push(id);
            }
            let of = chunks.len();
            for (n, pages) in chunks.into_iter().enumerate() {
                let number = parts.len() + 1;
                parts.push(PrintPart {
                    path: format!("{prefix}print/{number}/"),
                    term,
                    of: (of > 1).then_some((n + 1, of)),
                    pages,
                });
            }
        }
        parts
    }

    /// The context of the print page in `lang` at `path`, with its articles or placeholders:
    /// the whole print version, or one of its `parts`, or (`part` unset) their index.
    pub(super) fn print_context(
        &self,
        lang: &str,
        path: &str,
        articles: bool,
        parts: &[PrintPart],
        part: Option<usize>,
    ) -> Context {
        let mut print = self.base_context(lang, path, self.alternates_everywhere(lang, "print/"));
        let terms =
            (self.site.main_taxonomy()).and_then(|m| self.site.taxonomies[m].by_language.get(lang));
        let term_view =
            |i: usize, pages| term_with_pages(&terms.expect("a term of the language")[i], pages);
        let item = |id: PageId| self.print_item(id, articles);
        let groups: Vec<(Option<usize>, Vec<PageId>)> = match part {
            Some(n) => vec![(parts[n].term, parts[n].pages.clone())],
            None if parts.is_empty() => self.print_groups(lang),
            // The index of the parts prints no article.
            None => Vec::new(),
        };
        let mut aspects = Vec::new();
        let mut unassigned = Vec::new();
        for (term, ids) in groups {
            let pages: Vec<TeraValue> = ids.into_iter().map(item).collect();
            match term {
                Some(i) => aspects.push(term_view(i, pages)),
                None => unassigned = pages,
            }
        }
        let parts_view: Vec<Json> = (parts.iter().enumerate())
            .map(|(n, p)| {
                // `None` for the pages of no term: the theme names them.
                let title = p.term.and_then(|i| terms.map(|t| t[i].name.clone()));
                // Only the index lists each part's pages: a part lists its own in `aspects`, and
                // 15 parts listing all 5,000 pages of a language again cost more than the rest.
                let pages: Vec<Json> = (p.pages.iter())
                    .filter(|_| part.is_none())
                    .map(|&id| {
                        let page = &self.site.pages[id];
                        let collection = page.collection.map(|c| &self.config.collections[c].key);
                        json!({"title": page.title, "collection": collection, "slug": page.slug})
                    })
                    .collect();
                json!({
                    "number": n + 1,
                    "title": title,
                    "of": p.of.map(|(n, of)| json!({"n": n, "total": of})),
                    "path": p.path,
                    "current": part == Some(n),
                    "pages": pages,
                })
            })
            .collect();
        let mut view = BTreeMap::from([
            ("aspects", TeraValue::from(aspects)),
            ("unassigned", unassigned.into()),
            ("parts", TeraValue::from_serializable(&parts_view)),
        ]);
        if let Some(n) = part {
            view.insert("part", TeraValue::from_serializable(&parts_view[n]));
            let index = format!("{}print/", self.config.language_prefix(lang));
            view.insert("index", TeraValue::from_serializable(&index));
        }
        print.insert_value("print", view.into());
        print
    }
}

/// A print page holds articles of about this many bytes at most, so that a browser opens and
/// prints it in seconds; a larger print version is split into parts.
pub(super) const PRINT_PAGE_BYTES: usize = 4 << 20;

/// What a printed article adds to its page's HTML: its heading, facts and frame.
const ARTICLE_FRAME_BYTES: usize = 2 << 10;

/// One page of a print version too large for one: pages of one term (or of none), `of` saying
/// which of the term's parts it is when there are several.
pub(super) struct PrintPart {
    pub(super) path: String,
    term: Option<usize>,
    of: Option<(usize, usize)>,
    pages: Vec<PageId>,
}

impl PrintPart {
    pub(super) fn pages(&self) -> &[PageId] {
        &self.pages
    }
}

/// A key of how the print version is cut into `parts`: what each part holds.
pub(super) fn parts_key(parts: &[PrintPart]) -> u64 {
    crate::hash::key(
        (parts.iter())
            .map(|p| (&p.path, p.term, p.of, &p.pages))
            .collect::<Vec<_>>(),
    )
}
