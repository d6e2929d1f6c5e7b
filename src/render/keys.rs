//! Cache keys of rendered pages, so that serve renders again only what an edit changed.

use super::job::{Inputs, Job, Shows};
use super::views::Views;
use crate::site::{PageId, Site};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// The cache keys of rendered pages: a hash of everything a page's context is made from.
pub(super) struct CacheKeys {
    /// Per language: the configuration, the theme, the site view, every term and every section of
    /// the language.
    frames: crate::hash::PathMap<u64>,
    /// Per page: what lists and links show of it.
    pages: Vec<u64>,
    /// Per page: its frame, and `pages` of it and of the pages it links to (translations,
    /// previous, next).
    neighbourhoods: Vec<u64>,
    /// Per language: `pages` of all its pages.
    languages: crate::hash::PathMap<u64>,
    /// Every frame and every page.
    everything: u64,
    /// Every page's URL, date and translations.
    addresses: u64,
    /// Per page: its rendered Markdown.
    content: Vec<u64>,
    /// Per language: the keys of its print articles, once they are rendered.
    pub(super) articles: crate::hash::PathMap<u64>,
    /// Per page: the key of its print article, once they are rendered (0 for none).
    pub(super) article_of: Vec<u64>,
}

impl CacheKeys {
    pub(super) fn new(views: &Views<'_>) -> Self {
        let (site, theme) = (views.site, views.theme);
        let pages: Vec<u64> = site
            .pages
            .par_iter()
            .map(|p| {
                // The checked fields follow from the front matter and the configuration, the
                // slug and language from the file name.
                crate::hash::key((
                    p.source.front_matter_key,
                    &p.source.file,
                    &p.path,
                    &p.title,
                    p.summary(),
                    p.date,
                    p.collection,
                ))
            })
            .collect();
        let base = crate::hash::key((
            theme
                .templates
                .iter()
                .map(|(n, f)| (n, &f.bytes))
                .collect::<Vec<_>>(),
            // The theme's strings with the site's `strings.yaml` over them.
            &theme.strings,
            format!("{:?}", site.config),
            views.options.serve_mode,
        ));
        let mut frames = crate::hash::PathMap::default();
        let mut languages = crate::hash::PathMap::default();
        for lang in &site.config.languages {
            let terms = (site.taxonomies.iter())
                .filter_map(|t| t.by_language.get(&lang.code))
                .flatten()
                .map(|t| (&t.key, &t.name, &t.description, &t.path, t.pages.len()));
            let terms = crate::hash::key(terms.collect::<Vec<_>>());
            let site_view = views.site_view(&lang.code).to_string();
            // Every list and page shows the sections above it or below it: their titles,
            // addresses and counts.
            let sections = (site.sections.list.iter())
                .filter(|s| s.lang == lang.code)
                .map(|s| (&s.path, &s.title, s.count, s.parent))
                .collect::<Vec<_>>();
            let frame = crate::hash::key((base, site_view, terms, sections));
            frames.insert(lang.code.clone(), frame);
            let of_language = || {
                site.pages
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.lang() == lang.code)
            };
            let shown: Vec<u64> = of_language().map(|(id, _)| pages[id]).collect();
            languages.insert(lang.code.clone(), crate::hash::key(shown));
        }
        let neighbourhoods = site
            .pages
            .par_iter()
            .zip(&pages)
            .map(|(p, own)| {
                let linked = |id: Option<PageId>| id.map(|i| pages[i]);
                let translations: Vec<u64> = p.translations.iter().map(|&t| pages[t]).collect();
                let frame = frames.get(p.lang()).copied().unwrap_or_default();
                crate::hash::key((frame, own, translations, linked(p.previous), linked(p.next)))
            })
            .collect();
        let everything = crate::hash::key((frames.iter().collect::<BTreeMap<_, _>>(), &pages));
        // Hashed as they come: a list of them would cost an allocation per page.
        let mut addresses = crate::hash::hasher();
        for page in &site.pages {
            (&page.path, page.date, page.translations.len()).hash(&mut addresses);
            for &t in &page.translations {
                site.pages[t].path.hash(&mut addresses);
            }
        }
        CacheKeys {
            addresses: addresses.finish(),
            frames,
            content: site.pages.iter().map(|p| p.rendered.key).collect(),
            neighbourhoods,
            pages,
            languages,
            everything,
            articles: crate::hash::PathMap::default(),
            article_of: Vec::new(),
        }
    }

    /// The key of each page's summary: what lists show of it, with its language's frame (term
    /// names and paths, the base URL).
    pub(super) fn summaries(&self, site: &Site) -> Vec<u64> {
        (site.pages.par_iter().zip(&self.pages))
            .map(|(page, shown)| {
                let frame = self.frames.get(page.lang()).copied().unwrap_or_default();
                crate::hash::key((frame, shown))
            })
            .collect()
    }

    /// The key of `job`'s output when made from `inputs` (its own, or fewer).
    pub(super) fn of(&self, job: &Job<'_>, inputs: &Inputs) -> u64 {
        let inputs = match inputs {
            Inputs::Metadata => 0,
            Inputs::Page(id) => self.content[*id],
            Inputs::Pages(ids) => {
                crate::hash::key(ids.iter().map(|&id| self.content[id]).collect::<Vec<_>>())
            }
            Inputs::Articles(lang) => self.articles.get(lang).copied().unwrap_or_default(),
            Inputs::SomeArticles(ids) => crate::hash::key(
                (ids.iter())
                    .map(|&id| self.article_of.get(id).copied().unwrap_or_default())
                    .collect::<Vec<_>>(),
            ),
        };
        let frame = |lang: &str| self.frames.get(lang).copied().unwrap_or_default();
        let shown = match &job.shows {
            Shows::Everything => self.everything,
            Shows::Language(lang) => {
                let pages = self.languages.get(lang).copied().unwrap_or_default();
                crate::hash::key((frame(lang), pages))
            }
            Shows::Print { lang, parts, ids } => {
                let pages = match ids {
                    Some(ids) => {
                        crate::hash::key(ids.iter().map(|&i| self.pages[i]).collect::<Vec<_>>())
                    }
                    None => self.languages.get(lang).copied().unwrap_or_default(),
                };
                crate::hash::key((frame(lang), pages, parts))
            }
            Shows::Page(id) => self.neighbourhoods[*id],
            Shows::Entries { lang, ids } => {
                let entries: Vec<u64> = ids.iter().map(|&i| self.neighbourhoods[i]).collect();
                crate::hash::key((frame(lang), entries))
            }
            Shows::Pages {
                lang,
                ids,
                range,
                about,
            } => {
                let pages: Vec<u64> = ids[range.clone()].iter().map(|&i| self.pages[i]).collect();
                let about = about.map(|i| self.pages[i]);
                crate::hash::key((frame(lang), ids.len(), pages, about))
            }
            Shows::Frame(lang) => frame(lang),
            Shows::Addresses(lang) => crate::hash::key((frame(lang), self.addresses)),
        };
        crate::hash::key((shown, &job.output, job.template, inputs))
    }
}
