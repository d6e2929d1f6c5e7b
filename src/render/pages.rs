//! The pages a site generates, as render jobs: per language the home page, every page, the
//! collections, taxonomies and terms (paginated), the print page, search and the feed; once the
//! 404 page and the sitemap.

use super::job::{Fill, Inputs, Job, Shows};
use super::print::parts_key;
use super::views::{Views, map_of, with_entry};
use super::{absolute_urls, base_path, root_of};
use crate::site::{PageId, Term};
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;
use std::sync::Arc;
use tera::Value as TeraValue;

/// How many pages either side of the current one a paginator lists (besides the first and last).
const PAGES_AROUND: usize = 2;

/// The page numbers a paginator lists on page `current` of `total`: all of them when they are
/// few, else the first, the last and those within `PAGES_AROUND` of the current one (a gap
/// of one page is filled rather than shown as a gap).
fn page_numbers(current: usize, total: usize) -> Vec<usize> {
    let near =
        |n: usize| n.abs_diff(current) <= PAGES_AROUND + usize::from(n == 2 || n + 1 == total);
    (1..=total)
        .filter(|&n| total <= 2 * PAGES_AROUND + 5 || n == 1 || n == total || near(n))
        .collect()
}

/// How many of its newest pages a feed holds.
const FEED_ENTRIES: usize = 50;

impl<'a> Views<'a> {
    pub(super) fn language_jobs<'s>(&'s self, lang: &str, jobs: &mut Vec<Job<'s>>) {
        let prefix = self.config.language_prefix(lang);
        let main_collection = (!self.config.collections.is_empty()).then_some(0);
        let owned_lang = lang.to_string();
        // The `_index` pages that give a list page (home, a collection's) its title and text.
        let about: HashMap<&str, PageId> = (self.site.pages.iter().enumerate())
            .filter(|(id, p)| p.lang() == lang && self.is_about(*id))
            .map(|(id, p)| (p.path.as_str(), id))
            .collect();
        let about_view = |id: PageId| {
            let page = &self.site.pages[id];
            json!({"title": page.title, "content": page.rendered.html, "file": page.source.file})
        };

        // Home.
        let (l, home_path) = (owned_lang.clone(), prefix.clone());
        let intro = about.get(prefix.as_str()).copied();
        let intro_view = intro.map(about_view);
        jobs.push(
            Job::new(format!("{prefix}index.html"), "home.html", move || {
                let mut home =
                    self.base_context(&l, &home_path, self.alternates_everywhere(&l, ""));
                let latest: Vec<TeraValue> = main_collection
                    .map(|c| {
                        (self.collection_pages(c, &l).iter())
                            .take(10)
                            .map(|&id| self.summary_value(id))
                            .collect()
                    })
                    .unwrap_or_default();
                home.insert_value("latest", latest.into());
                let aspects = self.main_terms_with_pages(&l, 5, |id| self.summary_value(id));
                home.insert_value("aspects", aspects.into());
                let main = self.site.main_taxonomy().map(|m| {
                    json!({
                        "key": self.config.taxonomies[m].key,
                        "title": self.config.taxonomies[m].title.get(&l, self.default_lang()),
                        "path": self.taxonomy_path(m, &l),
                    })
                });
                home.insert("main_taxonomy", &main);
                let collections = self.site_values[&l].get_from_path("collections").cloned();
                home.insert_value("collections", collections.unwrap_or_else(TeraValue::none));
                if let Some(intro) = &intro_view {
                    home.insert("intro", intro);
                }
                home
            })
            .with(intro.map_or(Inputs::Metadata, Inputs::Page))
            .showing(Shows::Language(owned_lang.clone())),
        );

        // Pages.
        for (id, page) in self
            .site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.lang() == lang && !about.contains_key(p.path.as_str()))
        {
            let template = page.collection.map_or("page.html", |c| {
                self.config.collections[c].template.as_str()
            });
            jobs.push(
                Job::new(format!("{}index.html", page.path), template, move || {
                    let page = &self.site.pages[id];
                    let mut context =
                        self.base_context(page.lang(), &page.path, self.page_alternates(page));
                    context.insert_value("page", self.page_full(id));
                    context
                })
                .with(Inputs::Page(id))
                .showing(Shows::Page(id)),
            );
        }

        // Collections, and the folders inside them.
        let sections = &self.site.sections.list;
        for (s, section) in sections.iter().enumerate().filter(|(_, s)| s.lang == lang) {
            let collection = &self.config.collections[section.collection];
            let base = section.path.clone();
            let rest = base.strip_prefix(&prefix).unwrap_or(&base).to_string();
            let view = TeraValue::from_serializable(&self.section_view(s));
            let fill: Fill<'s> = Arc::new(move |context, pages| {
                context.insert_value("section", with_entry(view.clone(), "pages", pages.into()));
            });
            let alternates = self.alternates_where(lang, &rest, |other| {
                sections.iter().any(|o| {
                    o.lang == other
                        && o.collection == section.collection
                        && o.folder == section.folder
                })
            });
            let first_job = jobs.len();
            self.paginated(
                jobs,
                lang,
                &base,
                alternates,
                "section.html",
                section.pages.clone(),
                collection.paginate,
                fill,
            );
            if let Some(id) = section.about {
                // Its list pages show the `_index` page's text and title: they follow its edits.
                for job in &mut jobs[first_job..] {
                    if let Shows::Pages { about, .. } = &mut job.shows {
                        *about = Some(id);
                    }
                    job.set_inputs(Inputs::Page(id));
                }
            }
        }

        // Taxonomies and their terms.
        for (t, taxonomy) in self.config.taxonomies.iter().enumerate() {
            let base = self.taxonomy_path(t, lang);
            let rest = base.strip_prefix(&prefix).unwrap_or(&base).to_string();
            let taxonomy_view = json!({
                "key": taxonomy.key,
                "title": taxonomy.title.get(lang, self.default_lang()),
                "path": base,
                "closed": taxonomy.closed,
                "terms": self.term_list(t, lang),
            });
            let (l, view, path) = (owned_lang.clone(), taxonomy_view.clone(), base.clone());
            jobs.push(
                Job::new(format!("{base}index.html"), "taxonomy.html", move || {
                    let mut context =
                        self.base_context(&l, &path, self.alternates_everywhere(&l, &rest));
                    context.insert("taxonomy", &view);
                    context
                })
                .showing(Shows::Frame(owned_lang.clone())),
            );

            let Some(terms) = self.site.taxonomies[t].by_language.get(lang) else {
                continue;
            };
            let taxonomy_view = TeraValue::from_serializable(&taxonomy_view);
            for term in terms {
                let term_view = TeraValue::from_serializable(
                    &json!({"key": term.key, "name": term.name, "description": term.description, "path": term.path, "count": term.pages.len()}),
                );
                let taxonomy_view = taxonomy_view.clone();
                let fill: Fill<'s> = Arc::new(move |context, pages| {
                    context
                        .insert_value("term", with_entry(term_view.clone(), "pages", pages.into()));
                    context.insert_value("taxonomy", taxonomy_view.clone());
                });
                // Closed terms exist in every language; open terms only in their own.
                let alternates = if taxonomy.closed {
                    self.alternates_everywhere(
                        lang,
                        term.path.strip_prefix(&prefix).unwrap_or(&term.path),
                    )
                } else {
                    self.only_here(lang, &term.path)
                };
                self.paginated(
                    jobs,
                    lang,
                    &term.path,
                    alternates,
                    "term.html",
                    term.pages.clone(),
                    taxonomy.paginate,
                    fill,
                );
            }
        }

        // The whole casebook on one page, for print (in parts with an index when it is too
        // large for one): each page's article is rendered on its own (in parallel, and cached
        // while serving), then the print pages put them together.
        let print_path = format!("{prefix}print/");
        let groups = self.print_groups(lang);
        let parts = Arc::new(self.print_parts(lang, &groups));
        // Every part is one folder below the index: its articles' links are the same in each.
        let article_path = match parts.first() {
            Some(part) => part.path.clone(),
            None => print_path.clone(),
        };
        // A page of two terms is printed in each, from one article.
        let mut printed: Vec<PageId> = groups.into_iter().flat_map(|(_, ids)| ids).collect();
        printed.sort_unstable();
        printed.dedup();
        for id in printed {
            let page = &self.site.pages[id];
            let path = article_path.clone();
            let mut job = Job::new(
                format!("#print/{}", page.path),
                "partials/print_page.html",
                move || {
                    let page = &self.site.pages[id];
                    let alternates = self.alternates_everywhere(page.lang(), "print/");
                    let mut context = self.base_context(page.lang(), &path, alternates);
                    context.insert("r", &root_of(&path));
                    context.insert_value("p", self.page_for_print(id, &path));
                    context
                },
            )
            .with(Inputs::Page(id))
            .showing(Shows::Page(id));
            job.fragment = Some(id);
            jobs.push(job);
        }
        let print = |articles: bool, path: &str, part: Option<usize>| {
            let (l, path, parts) = (owned_lang.clone(), path.to_string(), Arc::clone(&parts));
            move || self.print_context(&l, &path, articles, &parts, part)
        };
        let shows = |ids: Option<Arc<Vec<PageId>>>| Shows::Print {
            lang: owned_lang.clone(),
            parts: parts_key(&parts),
            ids,
        };
        if !parts.is_empty() {
            jobs.push(
                Job::new(
                    format!("{print_path}index.html"),
                    "print.html",
                    print(false, &print_path, None),
                )
                .showing(shows(None)),
            );
        }
        let pages: Vec<(String, Option<usize>)> = match parts.len() {
            0 => vec![(print_path.clone(), None)],
            n => (0..n).map(|i| (parts[i].path.clone(), Some(i))).collect(),
        };
        for (path, part) in pages {
            // A part shows the metadata of its own pages only (the parts' names are the frame's).
            let ids = part.map(|n| Arc::new(parts[n].pages().to_vec()));
            let mut job = Job::new(
                format!("{path}index.html"),
                "print.html",
                print(false, &path, part),
            )
            .with(match &ids {
                Some(ids) => Inputs::SomeArticles(Arc::clone(ids)),
                None => Inputs::Articles(owned_lang.clone()),
            })
            .showing(shows(ids));
            job.spliced = Some(Box::new(print(true, &path, part)));
            jobs.push(job);
        }

        // The search page, when the theme has one; search.js fills it from the search index.
        if self.theme.templates.contains_key("search.html") {
            let search_path = format!("{prefix}search/");
            let (l, path) = (owned_lang.clone(), search_path.clone());
            let shows = Shows::Frame(l.clone());
            jobs.push(
                Job::new(
                    format!("{search_path}index.html"),
                    "search.html",
                    move || self.base_context(&l, &path, self.alternates_everywhere(&l, "search/")),
                )
                .showing(shows),
            );
        }

        // Feeds: one per dated collection, at its path, and the site's, merging them.
        let mut merged: Vec<PageId> = Vec::new();
        for c in 0..self.config.collections.len() {
            let ids = self.dated_pages(c, lang);
            if ids.is_empty() {
                continue;
            }
            merged.extend(&ids);
            let title = format!(
                "{} · {}",
                self.config.collections[c]
                    .title
                    .get(lang, self.default_lang()),
                self.config.title.get(lang, self.default_lang())
            );
            let path = format!("{}atom.xml", self.collection_path(c, lang));
            let home = self.collection_path(c, lang);
            jobs.push(self.feed_job(lang, path, title, home, ids));
        }
        if !merged.is_empty() {
            self.site.sort_newest_first(&mut merged);
            let title = self.config.title.get(lang, self.default_lang()).to_string();
            jobs.push(self.feed_job(lang, format!("{prefix}atom.xml"), title, prefix, merged));
        }
    }

    /// The pages of collection `c` in `lang` that have a date, newest first: a feed's entries.
    /// None when the collection's pages have no dates.
    pub(super) fn dated_pages(&self, c: usize, lang: &str) -> Vec<PageId> {
        let mut ids = self.collection_pages(c, lang).to_vec();
        ids.retain(|&id| self.site.pages[id].date.is_some());
        ids
    }

    /// The Atom feed at `path` of the pages `ids` (dated, newest first; the 50 newest are its
    /// entries), whose web page is at `home`.
    fn feed_job<'s>(
        &'s self,
        lang: &str,
        path: String,
        title: String,
        home: String,
        ids: Vec<PageId>,
    ) -> Job<'s> {
        let l = lang.to_string();
        let output = path.clone();
        // A feed holds the content of its newest entries only: an edit of an older page leaves it.
        let entries = Arc::new(ids.iter().take(FEED_ENTRIES).copied().collect::<Vec<_>>());
        let ids = Arc::clone(&entries);
        Job::new(output, "atom.xml", move || {
            // The pages are newest first: the newest entry's date is the newest of them all.
            let updated = (ids.iter())
                .filter_map(|&id| self.site.pages[id].date)
                .max()
                .map(|d| d.to_string());
            // Read away from the site: an entry's links and images are absolute.
            let base_url = &self.config.base_url;
            let pages: Vec<TeraValue> = (ids.iter())
                .map(|&id| {
                    let page = &self.site.pages[id];
                    let content = absolute_urls(&page.rendered.html, &page.path, base_url);
                    let toc = serde_json::to_value(&page.rendered.toc).unwrap_or_default();
                    self.page_full_with(id, TeraValue::from(content), &toc)
                })
                .collect();
            let prefix = self.config.language_prefix(&l);
            let mut feed = self.base_context(&l, &prefix, self.alternates_everywhere(&l, ""));
            let view = map_of([
                ("title", TeraValue::from(title.as_str())),
                ("permalink", TeraValue::from(self.permalink(&path))),
                ("home", TeraValue::from(self.permalink(&home))),
                ("updated", TeraValue::from(updated)),
                ("pages", TeraValue::from(pages)),
            ]);
            feed.insert_value("feed", view);
            feed
        })
        // Its entries with their translations, and their content.
        .with(Inputs::Pages(Arc::clone(&entries)))
        .showing(Shows::Entries {
            lang: lang.to_string(),
            ids: entries,
        })
    }

    pub(super) fn site_jobs<'s>(&'s self, jobs: &mut Vec<Job<'s>>) {
        let lang = self.default_lang();
        // 404 is served at any depth, so its links start from the site's absolute path.
        let not_found = Job::new("404.html".into(), "404.html", move || {
            let mut not_found = self.base_context(lang, "", self.alternates_everywhere(lang, ""));
            not_found.insert("root", &base_path(&self.config.base_url));
            not_found
        });
        jobs.push(not_found.showing(Shows::Frame(lang.to_string())));
        jobs.push(
            Job::new("sitemap.xml".into(), "sitemap.xml", move || {
                let entry = |path: &str, date: Option<String>, alternates: TeraValue| {
                    map_of([
                        ("permalink", TeraValue::from(self.permalink(path))),
                        ("date", TeraValue::from(date)),
                        ("alternates", alternates),
                    ])
                };
                let mut entries: Vec<TeraValue> =
                    Vec::with_capacity(self.site.pages.len() + self.config.languages.len());
                for l in &self.config.languages {
                    let prefix = self.config.language_prefix(&l.code);
                    entries.push(entry(
                        &prefix,
                        None,
                        self.alternates_everywhere(&l.code, ""),
                    ));
                }
                for page in &self.site.pages {
                    let date = page.date.map(|d| d.to_string());
                    entries.push(entry(&page.path, date, self.page_alternates(page)));
                }
                let mut sitemap = self.base_context(lang, "", self.alternates_everywhere(lang, ""));
                sitemap.insert_value("entries", TeraValue::from(entries));
                sitemap
            })
            .showing(Shows::Addresses(lang.to_string())),
        );
    }

    /// Splits `ids` into pages of `per_page` (all on one page when `None`) and adds a job per page.
    #[allow(clippy::too_many_arguments)]
    fn paginated<'s>(
        &'s self,
        jobs: &mut Vec<Job<'s>>,
        lang: &str,
        base_path: &str,
        alternates: TeraValue,
        template: &'s str,
        ids: Vec<PageId>,
        per_page: Option<usize>,
        fill: Fill<'s>,
    ) {
        let per_page = per_page.unwrap_or(usize::MAX).max(1);
        let total = ids.len().div_ceil(per_page).max(1);
        let ids = Arc::new(ids);
        for number in 1..=total {
            let path = if number == 1 {
                base_path.to_string()
            } else {
                format!("{base_path}page/{number}/")
            };
            let (shown, fill, alternates) = (ids.clone(), fill.clone(), alternates.clone());
            let (l, base_path) = (lang.to_string(), base_path.to_string());
            let output = format!("{path}index.html");
            let start = ((number - 1) * per_page).min(ids.len());
            let shows = Shows::Pages {
                lang: lang.to_string(),
                ids: ids.clone(),
                range: start..(start + per_page).min(ids.len()),
                about: None,
            };
            let job = Job::new(output, template, move || {
                let slice = shown.iter().skip((number - 1) * per_page).take(per_page);
                let pages: Vec<TeraValue> = slice.map(|&id| self.summary_value(id)).collect();
                let mut context = self.base_context(&l, &path, alternates.clone());
                context.insert("paginator", &self.paginator(&base_path, number, total));
                fill(&mut context, pages);
                context
            });
            jobs.push(job.showing(shows));
        }
    }

    fn paginator(&self, base_path: &str, current: usize, total: usize) -> Json {
        let page_path = |n: usize| {
            if n == 1 {
                base_path.to_string()
            } else {
                format!("{base_path}page/{n}/")
            }
        };
        let mut view = Map::new();
        view.insert("current".into(), json!(current));
        view.insert("total".into(), json!(total));
        if current > 1 {
            view.insert("previous".into(), json!(page_path(current - 1)));
        }
        if current < total {
            view.insert("next".into(), json!(page_path(current + 1)));
        }
        // The first and last pages and those near this one: listing every page on every page
        // makes a list of n pages n² links (160,000 on a term of 400 pages).
        let shown = page_numbers(current, total);
        let pages = (shown.iter().enumerate())
            .map(|(i, &n)| {
                let gap_before = i > 0 && shown[i - 1] + 1 < n;
                json!({"number": n, "path": page_path(n), "gap_before": gap_before})
            })
            .collect();
        view.insert("pages".into(), Json::Array(pages));
        Json::Object(view)
    }

    /// The terms of the main (closed) taxonomy with their pages (at most `limit`, newest first), in
    /// declared order.
    pub(super) fn main_terms_with_pages(
        &self,
        lang: &str,
        limit: usize,
        item: impl Fn(PageId) -> TeraValue,
    ) -> Vec<TeraValue> {
        let Some(terms) = self
            .site
            .main_taxonomy()
            .and_then(|m| self.site.taxonomies[m].by_language.get(lang))
        else {
            return Vec::new();
        };
        terms
            .iter()
            .map(|t| term_with_pages(t, t.pages.iter().take(limit).map(|&id| item(id)).collect()))
            .collect()
    }
}

/// A term of the main taxonomy with the items of its pages: what the home page's and the print
/// page's lists of aspects show.
pub(super) fn term_with_pages(t: &Term, pages: Vec<TeraValue>) -> TeraValue {
    let term = json!({"key": t.key, "name": t.name, "description": t.description, "path": t.path, "count": t.pages.len()});
    with_entry(TeraValue::from_serializable(&term), "pages", pages.into())
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn a_paginator_lists_the_first_last_and_nearby_pages() {
        assert_eq!(page_numbers(1, 9), (1..=9).collect::<Vec<_>>());
        assert_eq!(page_numbers(1, 400), [1, 2, 3, 400]);
        assert_eq!(page_numbers(200, 400), [1, 198, 199, 200, 201, 202, 400]);
        // Next to an end, the one page between is listed rather than a gap.
        assert_eq!(page_numbers(5, 400), [1, 2, 3, 4, 5, 6, 7, 400]);
        assert_eq!(
            page_numbers(396, 400),
            [1, 394, 395, 396, 397, 398, 399, 400]
        );
        assert_eq!(page_numbers(400, 400), [1, 398, 399, 400]);
    }
}
