//! The print page: every page's article rendered on its own, then spliced into the page's
//! skeleton in place of placeholders, so that an edit re-renders one article.

use super::views::{Views, with_entry};
use super::{prefix_ids, prefix_toc, rebase_urls};
use crate::site::PageId;
use bytes::Bytes;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
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
    page.reserve(skeleton.len() + articles.values().map(Bytes::len).sum::<usize>());
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
        let article = self.printed.get().and_then(|p| p.get(page_path));
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
    pub(super) fn page_for_print(&self, id: PageId, print_path: &str) -> Json {
        let mut view = self.page_full(id);
        let page = &self.site.pages[id];
        let prefix = format!("{}--", page.slug);
        if let Some(content) = view["content"].as_str() {
            let content = rebase_urls(content, &page.path, print_path);
            view["content"] = json!(prefix_ids(&content, &prefix));
        }
        if let Json::Array(entries) = &mut view["toc"] {
            for entry in entries {
                prefix_toc(entry, &prefix);
            }
        }
        view
    }

    /// The context of the print page in `lang` at `path`, with its articles or placeholders.
    pub(super) fn print_context(&self, lang: &str, path: &str, articles: bool) -> Context {
        let mut print = self.base_context(lang, path, self.alternates_everywhere(lang, "print/"));
        let main_collection = (!self.config.collections.is_empty()).then_some(0);
        let unassigned: Vec<TeraValue> = main_collection
            .map(|c| {
                self.site
                    .collection_pages(c, lang)
                    .into_iter()
                    .filter(|&id| {
                        self.site
                            .main_taxonomy()
                            .is_none_or(|m| self.site.term_of(&self.site.pages[id], m).is_none())
                    })
                    .map(|id| self.print_item(id, articles))
                    .collect()
            })
            .unwrap_or_default();
        let aspects =
            self.main_terms_with_pages(lang, usize::MAX, |id| self.print_item(id, articles));
        let view = BTreeMap::from([
            ("aspects", TeraValue::from(aspects)),
            ("unassigned", unassigned.into()),
        ]);
        print.insert_value("print", view.into());
        print
    }
}
