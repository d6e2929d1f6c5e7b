//! What one build computed that the next can reuse: `serve` keeps a `Cache` between rebuilds so
//! that an edit redoes only the work whose inputs changed. Every entry is keyed by a hash of
//! everything its result depends on, so a cached result is never stale: a rebuild with a cache
//! gives the same site as a fresh build (tests/serve.rs checks this after a series of edits). The
//! keys come from `hash::key`, a leaf every stage imports; only the pipeline (`lib.rs`) and
//! `serve` import this module.

use crate::markdown;

#[derive(Default)]
pub struct Cache {
    /// Whether to keep results for the next build. A one-off build does not: keeping a copy of
    /// every page would double its memory.
    pub(crate) keep: bool,
    /// The pages and assets as loaded.
    pub(crate) content: crate::content::Cache,
    /// Every page as validated, for the sources that did not change.
    pub(crate) model: crate::site::Cache,
    /// Content path -> (hash of body, page path and link targets, the rendered Markdown).
    pub(crate) markdown: crate::hash::PathMap<(u64, std::sync::Arc<markdown::Rendered>)>,
    /// The rendered pages, by output path.
    pub(crate) outputs: crate::render::RenderCache,
    /// The compiled templates and the hash of the theme they came from.
    pub(crate) templates: Option<(u64, tera::Tera)>,
    /// What the search index reuses: documents' terms and files.
    pub(crate) search: crate::search::Cache,
}

impl Cache {
    /// A cache that keeps what each build computed for the next one.
    pub fn persistent() -> Cache {
        Cache {
            keep: true,
            content: crate::content::Cache::persistent(),
            ..Cache::default()
        }
    }

    /// `persistent`, for a caller whose watcher tells every change of the site's files through
    /// [`Cache::changed`] and [`Cache::lost_track`] (serve): a load then looks only at the files
    /// told.
    pub fn watched() -> Cache {
        let mut cache = Cache::persistent();
        cache.content.watched = true;
        cache
    }

    /// These site-relative files changed (written, created, removed or renamed).
    pub fn changed<'a>(&mut self, files: impl IntoIterator<Item = &'a String>) {
        self.content.changed(files);
    }

    /// Changes were missed: the next build looks at every file.
    pub fn lost_track(&mut self) {
        self.content.lost_track();
    }
}
