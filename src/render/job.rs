//! Rendering in parallel: a job per generated page, what its context shows and reads (for
//! the serve cache), and the run that renders jobs or takes them from the cache.

use super::OutputFile;
use super::keys::CacheKeys;
use super::print::{skeleton_name, splice};
use super::templates::template_diagnostics;
use crate::diagnostics::Diagnostic;
use crate::output::Spool;
use crate::site::PageId;
use crate::theme::Theme;
use bytes::Bytes;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use tera::{Context, Tera, Value as TeraValue};

/// One page to render: where it goes, with which template, and how to make its context. The
/// context is made only when the page is rendered, so that memory holds the contexts of the pages
/// being rendered, not of the whole site.
pub(super) struct Job<'a> {
    /// The output path; for a fragment, a name no output file can have.
    pub(super) output: String,
    /// Set on the print version's article of a page: rendered before the pages that hold it,
    /// never written on its own.
    pub(super) fragment: Option<PageId>,
    pub(super) template: &'a str,
    context: Box<dyn Fn() -> Context + Send + Sync + 'a>,
    /// What the context is made from, for reusing a cached result.
    pub(super) inputs: Inputs,
    pub(super) shows: Shows,
    /// Set on the print pages: `context` gives each article as a placeholder, and the articles
    /// are spliced into the rendered page (its skeleton, which depends on the metadata only).
    /// This context gives the articles themselves, for a template that does more with an article
    /// than write it.
    pub(super) spliced: Option<Box<dyn Fn() -> Context + Send + Sync + 'a>>,
}

/// What a page's context shows of rendered Markdown.
#[derive(Clone)]
pub(super) enum Inputs {
    Metadata,
    /// The rendered Markdown of this page.
    Page(PageId),
    /// The rendered Markdown of these pages (a feed's entries).
    Pages(Arc<Vec<PageId>>),
    /// The print articles of every page in this language (the print page).
    Articles(String),
    /// The print articles of these pages (a part of the print version).
    SomeArticles(Arc<Vec<PageId>>),
}

/// Which pages' metadata (title, summary, URL, date, fields) a page's context shows. Every
/// context also shows the frame of its language: the configuration, the theme, the site view and
/// every term.
#[derive(Clone)]
pub(super) enum Shows {
    /// Every page of every language: nothing can be missed (the default).
    Everything,
    /// Every page of this language.
    Language(String),
    /// This page with the pages it links to: translations, previous and next.
    Page(PageId),
    /// These pages of this language, each with the pages it links to (a feed's entries).
    Entries { lang: String, ids: Arc<Vec<PageId>> },
    /// These pages of this language, in this order: `range` of the list `ids` (a pagination page
    /// shows its pages and how many there are in all).
    Pages {
        lang: String,
        ids: Arc<Vec<PageId>>,
        range: std::ops::Range<usize>,
        /// The folder's `_index` page whose title and text the list shows.
        about: Option<PageId>,
    },
    /// How the print version is cut into parts (which follows the pages' sizes), and every page
    /// of this language, or (a part) only the pages `ids` it prints: the print pages.
    Print {
        lang: String,
        parts: u64,
        ids: Option<Arc<Vec<PageId>>>,
    },
    /// No page: the frame of this language only.
    Frame(String),
    /// The frame of this language and where every page is: its URL, date and translations (the
    /// sitemap).
    Addresses(String),
}

impl<'a> Job<'a> {
    pub(super) fn new(
        output: String,
        template: &'a str,
        context: impl Fn() -> Context + Send + Sync + 'a,
    ) -> Self {
        Job {
            output,
            fragment: None,
            template,
            context: Box::new(context),
            inputs: Inputs::Metadata,
            shows: Shows::Everything,
            spliced: None,
        }
    }

    pub(super) fn with(mut self, inputs: Inputs) -> Self {
        self.inputs = inputs;
        self
    }

    pub(super) fn set_inputs(&mut self, inputs: Inputs) {
        self.inputs = inputs;
    }

    pub(super) fn showing(mut self, shows: Shows) -> Self {
        self.shows = shows;
        self
    }
}

pub(super) type Fill<'a> = Arc<dyn Fn(&mut Context, Vec<TeraValue>) + Send + Sync + 'a>;

thread_local! {
    /// The buffer pages are rendered into on this thread.
    static RENDERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What rendering a job gave.
pub(super) struct JobResult {
    /// The cache key of its inputs.
    pub(super) key: u64,
    /// The file, or `None` when it went to the spool.
    pub(super) result: Result<Option<OutputFile>, Vec<Diagnostic>>,
    /// Whether it was rendered rather than taken from the cache.
    pub(super) fresh: bool,
    /// Whether it is a print page, assembled from a skeleton kept in the cache beside it.
    pub(super) spliced: bool,
    /// The skeleton with its key, when it was rendered afresh.
    pub(super) skeleton: Option<(u64, Bytes)>,
}

/// What a rendering reuses from the previous one.
pub(super) struct Reuse<'c> {
    pub(super) previous: Option<&'c crate::hash::PathMap<(u64, Bytes)>>,
    pub(super) spare: &'c std::sync::Mutex<Vec<Bytes>>,
}

/// Renders `jobs` in parallel, each from the cache when its key is unchanged. `articles` are
/// what the print pages' placeholders stand for. With a `spool`, each page (not a fragment) goes
/// to it as soon as it is rendered.
pub(super) fn run_jobs(
    jobs: Vec<Job<'_>>,
    tera: &Tera,
    theme: &Theme,
    keys: Option<&CacheKeys>,
    reuse: &Reuse<'_>,
    articles: &HashMap<String, Bytes>,
    spool: Option<&Spool>,
) -> Vec<JobResult> {
    let cached = |name: &str, key: u64| {
        reuse
            .previous
            .and_then(|p| p.get(name))
            .filter(|(cached, _)| *cached == key)
            .map(|(_, bytes)| bytes.clone())
    };
    // Each page is rendered into its thread's buffer, which keeps its capacity from page to
    // page: a page of tens of kilobytes grown afresh each time was a sixth of a large build's
    // time in the allocator.
    let render_with = |template: &str, context: Context, take: &mut dyn FnMut(&[u8])| {
        RENDERED.with_borrow_mut(|buffer| {
            buffer.clear();
            let rendered = tera.render_to(template, &context, &mut *buffer);
            rendered.map_err(|e| template_diagnostics(&e, theme))?;
            take(buffer);
            Ok(())
        })
    };
    // Its own bytes, of the size it is: the print articles are kept until the print pages are
    // made.
    let render = |template: &str, context: Context| {
        let mut page = Bytes::new();
        render_with(template, context, &mut |bytes| {
            page = Bytes::copy_from_slice(bytes)
        })
        .map(|()| page)
    };
    jobs.into_par_iter()
        .map(|job| {
            let key = keys.map_or(0, |k| k.of(&job, &job.inputs));
            let mut done = JobResult {
                key,
                result: Err(Vec::new()),
                fresh: false,
                spliced: job.spliced.is_some(),
                skeleton: None,
            };
            let spool = spool.filter(|_| job.fragment.is_none());
            let bytes = match (cached(&job.output, key), &job.spliced) {
                (Some(bytes), _) => Ok(bytes),
                (None, None) if let Some(spool) = spool => {
                    // Straight from the buffer into the staging folder.
                    let mut staged = Ok(());
                    let rendered = render_with(job.template, (job.context)(), &mut |bytes| {
                        staged = spool.put(&job.output, bytes);
                    });
                    done.fresh = true;
                    done.result = rendered.and(staged.map_err(|d| vec![d])).map(|()| None);
                    return done;
                }
                (None, None) => {
                    done.fresh = true;
                    render(job.template, (job.context)())
                }
                (None, Some(with_articles)) => {
                    done.fresh = true;
                    let skeleton_key = keys.map_or(0, |k| k.of(&job, &Inputs::Metadata));
                    let skeleton = match cached(&skeleton_name(&job.output), skeleton_key) {
                        Some(bytes) => Ok(bytes),
                        None => render(job.template, (job.context)()).inspect(|bytes| {
                            done.skeleton = Some((skeleton_key, bytes.clone()));
                        }),
                    };
                    let spare = reuse.spare.lock().ok().and_then(|mut s| s.pop());
                    let buffer = spare
                        .and_then(|b| b.try_into_mut().ok())
                        .unwrap_or_default();
                    skeleton.and_then(|skeleton| match splice(&skeleton, articles, buffer) {
                        Some(page) => Ok(page),
                        None => render(job.template, with_articles()),
                    })
                }
            };
            done.result = bytes.and_then(|bytes| match spool {
                Some(spool) => spool
                    .put(&job.output, &bytes)
                    .map(|()| None)
                    .map_err(|d| vec![d]),
                _ => Ok(Some(OutputFile {
                    path: job.output,
                    bytes,
                })),
            });
            done
        })
        .collect()
}
