//! What `build_cached` keeps from one build for the next: every page as validation left it, and
//! the last linking of the pages. Validation depends on nothing but a page's source and the
//! configuration; linking on nothing but the validated pages' front matter. So an edit of one
//! body validates one page again and links none.

use super::{Page, PageId, Site, TaxonomyTerms, validate_page};
use crate::config::Config;
use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

/// Serve keeps one across rebuilds (in `crate::cache::Cache`).
#[derive(Default)]
pub struct Cache {
    /// Hash of the configuration the pages were validated and linked with.
    config_key: u64,
    /// File -> what validating its source gave.
    pages: crate::hash::PathMap<Arc<Validated>>,
    pub(super) linked: Option<Linked>,
}

/// What validating one source gave.
pub(super) struct Validated {
    /// The load stage hands out the same `Arc` for a file that did not change, so the same
    /// source (`Arc::ptr_eq`) means the same text. Holding it keeps its address from being
    /// reused by another source while the entry lives.
    pub(super) source: Arc<SourcePage>,
    /// The page, not yet linked to the others, and its terms; `None` when it has errors.
    pub(super) page: Option<(Page, PageTerms)>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// The terms a page carries, as (taxonomy, term) in the order of taxonomies: found once when
/// the page is validated, so that linking does not search every page's fields again.
pub(super) type PageTerms = Vec<(usize, String)>;

/// A linking of validated pages, and the validations it linked.
pub(super) struct Linked {
    include_drafts: bool,
    /// Every source's validation, in order.
    pub(super) from: Vec<Arc<Validated>>,
    /// Per page of the site: its translations, terms, previous and next.
    links: Vec<PageLinks>,
    taxonomies: Vec<TaxonomyTerms>,
    by_content_path: crate::hash::PathMap<PageId>,
    left_out_drafts: Vec<String>,
    newest_first: Vec<u32>,
    /// Made of the pages' paths, folders, titles and dates, which linking again keeps.
    sections: super::Sections,
    diagnostics: Vec<Diagnostic>,
}

type PageLinks = (
    Vec<PageId>,
    Vec<(usize, usize)>,
    Option<PageId>,
    Option<PageId>,
);

impl Cache {
    /// Forgets everything when the configuration is not the one of the last build.
    pub(super) fn configure(&mut self, config: &Config) {
        let config_key = config_key(config);
        if self.config_key != config_key {
            *self = Cache {
                config_key,
                ..Cache::default()
            };
        }
    }

    /// Keeps the new validations of `validate_all`, and forgets files that are gone.
    pub(super) fn keep_validated(
        &mut self,
        validated: &[(Arc<Validated>, bool)],
        sources: &[Arc<SourcePage>],
    ) {
        for (validated, fresh) in validated {
            if *fresh {
                let file = validated.source.file.clone();
                self.pages.insert(file, Arc::clone(validated));
            }
        }
        // Every file is in the cache now: anything more is a file that is gone.
        if self.pages.len() > sources.len() {
            let present: HashSet<&str> = sources.iter().map(|s| s.file.as_str()).collect();
            self.pages.retain(|file, _| present.contains(file.as_str()));
        }
    }
}

/// Whether two pages' checked front matter is the same but for the title.
fn same_but_title(a: &crate::schema::Checked, b: &crate::schema::Checked) -> bool {
    (&a.extra, a.draft, &a.slug, &a.aliases) == (&b.extra, b.draft, &b.slug, &b.aliases)
        && (a.fields.iter().filter(|(name, _)| *name != "title"))
            .eq(b.fields.iter().filter(|(name, _)| *name != "title"))
}

/// A hash of everything in the configuration, which decides how a page validates, where it lives
/// and how pages link. Written straight into the hasher: no copy of the text is made.
fn config_key(config: &Config) -> u64 {
    use std::fmt::Write as _;
    use std::hash::Hasher as _;
    struct HashWriter(ahash::AHasher);
    impl std::fmt::Write for HashWriter {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    let mut writer = HashWriter(crate::hash::hasher());
    write!(writer, "{config:?}").expect("hashing cannot fail");
    writer.0.finish()
}

/// Validates every source in parallel, reusing the validations in `cache` of the same sources.
/// Returns each validation and whether it is new, and a copy of each page to link.
#[allow(clippy::type_complexity)]
pub(super) fn validate_all(
    sources: &[Arc<SourcePage>],
    config: &Config,
    cache: Option<&Cache>,
    unlinked: &Arc<Rendered>,
) -> (Vec<(Arc<Validated>, bool)>, Vec<Option<Page>>) {
    let standalone = &config.page_fields;
    let last = cache.and_then(|c| c.linked.as_ref()).map(|l| &l.from);
    sources
        .par_iter()
        .enumerate()
        .map(|(i, source)| {
            let same = |cached: &&Arc<Validated>| Arc::ptr_eq(&cached.source, source);
            // Where the last build had it, unless files came or went.
            let cached = last
                .and_then(|last| last.get(i))
                .filter(same)
                .or_else(|| cache.and_then(|c| c.pages.get(&source.file)).filter(same));
            let (validated, fresh) = match cached {
                Some(cached) => (Arc::clone(cached), false),
                None => {
                    let validated = crate::crash::processing(&source.file, || {
                        validate_page(source, config, standalone, unlinked)
                    });
                    (Arc::new(validated), true)
                }
            };
            let copy = validated
                .page
                .as_ref()
                .map(|(page, _)| page.unlinked_copy(unlinked));
            ((validated, fresh), copy)
        })
        .unzip()
}

impl Linked {
    /// Keeps what linking gave `site` (and `found`), for the next build.
    pub(super) fn of(
        site: &Site,
        from: Vec<Arc<Validated>>,
        include_drafts: bool,
        found: &[Diagnostic],
    ) -> Linked {
        Linked {
            include_drafts,
            from,
            links: site
                .pages
                .iter()
                .map(|p| (p.translations.clone(), p.terms.clone(), p.previous, p.next))
                .collect(),
            taxonomies: site.taxonomies.clone(),
            by_content_path: site.by_content_path.clone(),
            left_out_drafts: site.left_out_drafts.clone(),
            newest_first: site.newest_first.clone(),
            sections: site.sections.clone(),
            diagnostics: found.to_vec(),
        }
    }

    /// Whether linking `validated` (which made `pages`) would give this linking again: the same
    /// pages in the same order, each validated from the same source or from one whose front
    /// matter (all that linking reads of a source: fields, their positions, line 1) and page
    /// are the same. A page's title may differ (the edit a preview sees most, after the body's)
    /// where it orders no page differently and names no section, and linking found nothing to
    /// report.
    pub(super) fn links_again(
        &self,
        validated: &[Arc<Validated>],
        include_drafts: bool,
        pages: &[Page],
    ) -> bool {
        fn names(s: &SourcePage) -> [&str; 5] {
            [&s.file, &s.content_path, &s.dir, &s.stem, &s.lang]
        }
        let mut retitled = false;
        let mut same = |(a, b): (&Arc<Validated>, &Arc<Validated>)| {
            Arc::ptr_eq(a, b) || {
                let (a_source, b_source) = (&a.source, &b.source);
                let mut title_differs = false;
                let same_page = match (&a.page, &b.page) {
                    (None, None) => true,
                    (Some((a, a_terms)), Some((b, b_terms))) => {
                        title_differs = a.title != b.title;
                        (a.collection, &a.slug, &a.path, a.date)
                            == (b.collection, &b.slug, &b.path, b.date)
                            && same_but_title(&a.checked, &b.checked)
                            && (!title_differs || !a_source.is_section())
                            && a_terms == b_terms
                    }
                    _ => false,
                };
                retitled |= title_differs;
                let same_front_matter = if title_differs {
                    a_source.positions == b_source.positions
                } else {
                    a_source.front_matter_text() == b_source.front_matter_text()
                };
                names(a_source) == names(b_source) && same_front_matter && same_page
            }
        };
        self.include_drafts == include_drafts
            && self.from.len() == validated.len()
            && self.from.iter().zip(validated).all(&mut same)
            && (!retitled
                || (self.diagnostics.is_empty()
                    && super::newest_first_ranks(pages) == self.newest_first))
    }

    /// The site this linking made, of `pages` (the same as last time but for their bodies); adds
    /// the linking's diagnostics to `diagnostics`.
    pub(super) fn link(
        &self,
        config: Config,
        mut pages: Vec<Page>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Site {
        pages
            .par_iter_mut()
            .zip(&self.links)
            .for_each(|(page, links)| {
                let (translations, terms, previous, next) = links;
                page.translations = translations.clone();
                page.terms = terms.clone();
                page.previous = *previous;
                page.next = *next;
            });
        diagnostics.extend(self.diagnostics.iter().cloned());
        Site {
            config,
            pages,
            taxonomies: self.taxonomies.clone(),
            by_content_path: self.by_content_path.clone(),
            left_out_drafts: self.left_out_drafts.clone(),
            assets: Default::default(),
            sections: self.sections.clone(),
            newest_first: self.newest_first.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{build, build_cached};
    use super::*;
    use std::path::Path;

    const SITE: &str = "title: T
base_url: https://example.org/
default_language: zh
languages:
  - {code: zh, name: 中文}
  - {code: en, name: English}
collections:
  practices:
    folder: practices
    title: P
    fields:
      title: {type: string, required: true}
      aspect: {type: term, taxonomy: aspect, required: true}
      date: {type: date}
      tags: {type: list, of: term, taxonomy: tags}
taxonomies:
  aspect:
    title: A
    closed: true
    terms:
      - {key: green, name: 绿色}
      - {key: trade, name: 贸易}
  tags:
    title: T
  year:
    title: Y
    from: date
";

    /// A casebook on disk whose files are loaded again one at a time, as serve's load does:
    /// an edit gives the edited file a new source and leaves the others' as they were.
    struct Casebook {
        dir: tempfile::TempDir,
        config: Config,
        sources: Vec<Arc<SourcePage>>,
    }

    impl Casebook {
        fn new(files: &[(&str, &str)]) -> Casebook {
            let dir = tempfile::tempdir().unwrap();
            for (file, text) in files {
                write(dir.path(), file, text);
            }
            let config = crate::config::parse(SITE).unwrap();
            let (sources, found) = crate::content::load(dir.path(), &config);
            assert!(found.is_empty(), "{found:?}");
            Casebook {
                dir,
                config,
                sources,
            }
        }

        fn edit(&mut self, file: &str, text: &str) {
            write(self.dir.path(), file, text);
            let (sources, _) = crate::content::load(self.dir.path(), &self.config);
            let mut fresh = sources.into_iter().filter(|s| s.content_path == file);
            let position = self.sources.iter().position(|s| s.content_path == file);
            match (position, fresh.next()) {
                (Some(i), Some(source)) => self.sources[i] = source,
                (None, Some(source)) => self.sources.push(source),
                (_, None) => panic!("{file} does not load"),
            }
        }

        /// Builds with `cache`, checks that a fresh build gives the same, and returns the
        /// diagnostics.
        fn build(&self, cache: &mut Cache, drafts: bool) -> (Site, Vec<Diagnostic>) {
            let (config, sources) = (self.config.clone(), self.sources.clone());
            let (site, found) = build_cached(config, sources, drafts, Some(cache));
            let (fresh, expected) = build(self.config.clone(), self.sources.clone(), drafts);
            assert_eq!(model(&site, &found), model(&fresh, &expected));
            (site, found)
        }
    }

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join("content").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// All that a build gives, in a form that compares.
    fn model(site: &Site, diagnostics: &[Diagnostic]) -> String {
        let mut by_content_path: Vec<_> = site.by_content_path.iter().collect();
        by_content_path.sort();
        format!(
            "{:#?}\n{:#?}\n{by_content_path:?}\n{:?}\n{:?}\n{diagnostics:#?}",
            site.pages, site.taxonomies, site.left_out_drafts, site.newest_first
        )
    }

    fn practice(title: &str, aspect: &str, date: &str, tags: &str, body: &str) -> String {
        format!(
            "---\ntitle: {title}\naspect: {aspect}\ndate: {date}\ntags: [{tags}]\n---\n{body}\n"
        )
    }

    #[test]
    fn a_retitled_page_is_linked_as_a_fresh_build_links_it() {
        // Two practices of one date and aspect, ordered by their titles; a folder's _index page
        // names its section.
        let mut casebook = Casebook::new(&[
            (
                "practices/a.zh.md",
                &practice("甲", "green", "2023-01-01", "冷链", "正文"),
            ),
            (
                "practices/b.zh.md",
                &practice("乙", "green", "2023-01-01", "冷链", "正文"),
            ),
            ("practices/north/_index.zh.md", "---\ntitle: 北方\n---\n"),
            (
                "practices/north/c.zh.md",
                &practice("丙", "trade", "2022-05-01", "物流", "正文"),
            ),
        ]);
        let mut cache = Cache::default();
        let order = |site: &Site| {
            let mut titles: Vec<(u32, &str)> = (site.newest_first.iter().copied())
                .zip(site.pages.iter().map(|p| p.title.as_str()))
                .collect();
            titles.sort();
            titles
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(order(&casebook.build(&mut cache, false).0), "乙 甲 丙 北方");
        // Titles that keep the order, a longer one on the same line that changes it, a
        // section's, and a title with another field changed too.
        let section = |site: &Site| {
            let titles = site.sections.list.iter().map(|s| s.title.clone());
            titles
                .filter(|t| t.ends_with('方'))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (file, text, expected, section_title) in [
            (
                "practices/a.zh.md",
                practice("甲二", "green", "2023-01-01", "冷链", "正文"),
                "乙 甲二 丙 北方",
                "北方",
            ),
            (
                "practices/b.zh.md",
                practice("丁", "green", "2023-01-01", "冷链", "正文"),
                "丁 甲二 丙 北方",
                "北方",
            ),
            (
                "practices/a.zh.md",
                practice("一个长得多的标题", "green", "2023-01-01", "冷链", "正文"),
                "一个长得多的标题 丁 丙 北方",
                "北方",
            ),
            (
                "practices/north/_index.zh.md",
                "---\ntitle: 南方\n---\n".to_string(),
                "一个长得多的标题 丁 丙 南方",
                "南方",
            ),
            (
                "practices/b.zh.md",
                practice("戊", "trade", "2023-01-01", "冷链", "正文"),
                "一个长得多的标题 戊 丙 南方",
                "南方",
            ),
        ] {
            casebook.edit(file, &text);
            let (site, _) = casebook.build(&mut cache, false);
            assert_eq!(order(&site), expected, "after {file}: {text}");
            assert_eq!(section(&site), section_title, "after {file}: {text}");
        }
    }

    #[test]
    fn a_cached_model_equals_a_fresh_one_after_each_edit() {
        let mut casebook = Casebook::new(&[
            (
                "practices/a.zh.md",
                &practice("甲", "green", "2023-01-01", "冷链", "正文"),
            ),
            (
                "practices/a.en.md",
                &practice("A", "green", "2023-01-01", "cold", "Body"),
            ),
            (
                "practices/b.zh.md",
                &practice("乙", "green", "2023-02-01", "冷链, 物流", "正文"),
            ),
            (
                "practices/c.zh.md",
                &practice("丙", "trade", "2022-05-01", "物流", "正文"),
            ),
            ("about.md", "---\ntitle: 关于\nsee: also\n---\n正文\n"),
        ]);
        let mut cache = Cache::default();
        let (first, found) = casebook.build(&mut cache, false);
        assert_eq!(found.len(), 1, "{found:?}");

        // A body: the page is validated again, the others are not, and nothing links anew.
        casebook.edit(
            "practices/b.zh.md",
            &practice("乙", "green", "2023-02-01", "冷链, 物流", "新的正文"),
        );
        let (site, found) = casebook.build(&mut cache, false);
        assert_eq!(found.len(), 1, "the warning is reported again: {found:?}");
        for (before, after) in first.pages.iter().zip(&site.pages) {
            let same_source = Arc::ptr_eq(&before.source, &after.source);
            assert_eq!(Arc::ptr_eq(&before.checked, &after.checked), same_source);
        }
        let b = site.by_content_path["practices/b.zh.md"];
        assert_eq!(site.pages[b].source.body(), "新的正文\n");

        // What linking reads: a title and a date (order, neighbours), tags (terms), an aspect
        // that disagrees with the translation (an error), the line of that aspect (where the
        // error is), a draft, a new page, a slug that takes another page's path (an error).
        // Each edit is built first as the build before it (drafts left out), then with the
        // drafts, then without them again.
        let english = practice("A", "green", "2023-01-01", "cold", "Body");
        for (file, text) in [
            (
                "practices/c.zh.md",
                practice("丁", "trade", "2024-05-01", "物流", "正文"),
            ),
            (
                "practices/a.zh.md",
                practice("甲", "green", "2023-01-01", "仓储", "正文"),
            ),
            (
                "practices/a.zh.md",
                practice("甲", "trade", "2023-01-01", "仓储", "正文"),
            ),
            (
                "practices/a.en.md",
                english.replace("aspect:", "# moved\naspect:"),
            ),
            (
                "practices/a.zh.md",
                practice("甲", "green", "2023-01-01", "仓储", "正文"),
            ),
            (
                "practices/c.zh.md",
                "---\ntitle: 丁\naspect: trade\ndraft: true\n---\n".into(),
            ),
            (
                "practices/d.zh.md",
                practice("戊", "green", "2021-01-01", "新", "正文"),
            ),
            (
                "practices/d.zh.md",
                "---\ntitle: 戊\naspect: green\nslug: b\n---\n".into(),
            ),
        ] {
            casebook.edit(file, &text);
            for drafts in [false, true, false] {
                casebook.build(&mut cache, drafts);
            }
        }
        let (_, found) = casebook.build(&mut cache, false);
        assert!(
            found
                .iter()
                .any(|d| d.message.contains("both become /practices/b/")),
            "{found:?}"
        );
        let (site, _) = casebook.build(&mut cache, true);
        assert!(site.pages.iter().any(|p| p.title == "丁"));

        // A file that is gone.
        let removed = casebook
            .sources
            .iter()
            .position(|s| s.content_path == "practices/d.zh.md");
        casebook.sources.remove(removed.unwrap());
        let (site, found) = casebook.build(&mut cache, false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(site.pages.iter().all(|p| p.title != "戊"));
    }

    #[test]
    fn a_schema_change_validates_every_page_again() {
        let casebook = Casebook::new(&[(
            "practices/a.zh.md",
            "---\ntitle: 甲\naspect: green\nregion: 江苏\n---\n正文\n",
        )]);
        let mut cache = Cache::default();
        let (site, found) = casebook.build(&mut cache, false);
        assert_eq!(site.pages.len(), 1);
        assert_eq!(found.len(), 1, "region is not a field yet: {found:?}");

        // The same source, validated against a schema that makes it wrong.
        let mut casebook = casebook;
        let site_yaml = SITE.replace("date: {type: date}", "date: {type: date, required: true}");
        casebook.config = crate::config::parse(&site_yaml).unwrap();
        let (site, found) = casebook.build(&mut cache, false);
        assert!(site.pages.is_empty());
        assert!(
            found
                .iter()
                .any(|d| d.message == "the required field `date` is missing"),
            "{found:?}"
        );

        // And a schema that declares the field it warned about.
        let site_yaml = SITE.replace(
            "      date: {type: date}\n",
            "      date: {type: date}\n      region: {type: string}\n",
        );
        casebook.config = crate::config::parse(&site_yaml).unwrap();
        let (site, found) = casebook.build(&mut cache, false);
        assert!(found.is_empty(), "{found:?}");
        assert!(site.pages[0].checked.fields.contains_key("region"));
    }
}
