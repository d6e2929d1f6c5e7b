//! Render: Tera set-up, the template context of every generated page, and rendering in parallel.
//! The context is documented in `docs/templates.md`; keep the two in step.

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::schema::{Date, Value};
use crate::site::{Page, PageId, Site};
use crate::theme::Theme;
use bytes::Bytes;
use rayon::prelude::*;
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};
use tera::{Context, Kwargs, State, Tera, Value as TeraValue};

/// A file of the built site: its path under the output directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Shared, not copied, between the serve cache, the served site and the next rebuild.
    pub bytes: Bytes,
}

/// Options that change what is rendered, not what is read.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub serve_mode: bool,
}

/// Compiles the theme's templates, reporting every template with a syntax error.
pub fn compile(theme: &Theme) -> Result<Tera, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut pending: Vec<(&String, String)> = theme
        .templates
        .iter()
        .map(|(name, file)| (name, String::from_utf8_lossy(&file.bytes).into_owned()))
        .collect();
    // Tera reports one error at a time: drop the faulty template and try again, so that one run
    // names every broken template.
    loop {
        let mut tera = new_tera();
        match tera.add_raw_templates(pending.iter().map(|(n, s)| (n.as_str(), s.as_str()))) {
            Ok(()) if diagnostics.is_empty() => return Ok(tera),
            Ok(()) => return Err(diagnostics),
            Err(error) => {
                let found = template_diagnostics(&error, theme);
                let mut culprits: Vec<String> = report_filename(&error).into_iter().collect();
                if let tera::ErrorKind::Msg(text) = error.kind() {
                    culprits.extend(parse_reports(text).into_iter().map(|r| r.0));
                }
                let before = pending.len();
                pending.retain(|(name, _)| !culprits.contains(name));
                diagnostics.extend(found);
                if pending.len() == before {
                    return Err(diagnostics);
                }
            }
        }
    }
}

fn new_tera() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);
    tera.register_filter(
        "localdate",
        |date: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let lang = kwargs.get::<&str>("lang")?.unwrap_or("en");
            Ok(match Date::parse(date) {
                Some(d) => local_date(d, lang),
                None => date.to_string(),
            })
        },
    );
    tera
}

fn report_filename(error: &tera::Error) -> Option<String> {
    match error.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            Some(r.filename().to_string())
        }
        tera::ErrorKind::MissingParent { current, .. } => Some(current.clone()),
        tera::ErrorKind::CircularExtend { tpl, .. } => Some(tpl.clone()),
        _ => None,
    }
}

/// A Tera error as diagnostics in the template files, at the lines and columns Tera reports.
pub fn template_diagnostics(error: &tera::Error, theme: &Theme) -> Vec<Diagnostic> {
    let place = |name: &str, message: String, line: usize, column: usize| {
        let file = theme.templates.get(name);
        let display = file.map_or_else(|| format!("templates/{name}"), |f| f.display.clone());
        let source = file
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default();
        Diagnostic::error(display, message)
            .at(&source, line, column)
            .with_hint("see docs/templates.md for the templates and the variables each receives")
    };
    let located = |r: &tera::ReportError| {
        place(
            r.filename(),
            r.message().to_string(),
            r.span().start_line,
            r.span().start_col + 1,
        )
    };
    let mut found = match error.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => vec![located(r)],
        tera::ErrorKind::MissingParent { current, parent } => {
            vec![place(
                current,
                format!("extends \"{parent}\", which does not exist"),
                1,
                1,
            )]
        }
        // Checks across templates come as one message holding several reports.
        tera::ErrorKind::Msg(text) => parse_reports(text)
            .into_iter()
            .map(|(name, message, line, column)| place(&name, message, line, column))
            .collect(),
        other => vec![Diagnostic::error("templates", other.to_string())],
    };
    if found.is_empty() {
        found.push(Diagnostic::error("templates", error.to_string()));
    }
    // Rendering errors often wrap the cause (an unknown variable, a failing filter).
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let last = found.last_mut().expect("at least one diagnostic");
        match cause.downcast_ref::<tera::Error>().map(tera::Error::kind) {
            Some(tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r)) => {
                *last = located(r)
            }
            _ => last.message = format!("{}: {cause}", last.message),
        }
        source = cause.source();
    }
    found
}

/// `error: MESSAGE` followed by ` --> NAME:LINE:COLUMN`, as Tera writes its reports.
fn parse_reports(text: &str) -> Vec<(String, String, usize, usize)> {
    let mut reports = Vec::new();
    let mut message: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(m) = trimmed.strip_prefix("error: ") {
            message = Some(m.trim_start_matches("error: "));
        } else if let Some(place) = trimmed.strip_prefix("--> ") {
            let mut parts = place.rsplitn(3, ':');
            let column = parts.next().and_then(|c| c.parse().ok());
            let line_number = parts.next().and_then(|l| l.parse().ok());
            if let (Some(name), Some(line_number), Some(column), Some(m)) =
                (parts.next(), line_number, column, message.take())
            {
                reports.push((name.to_string(), m.to_string(), line_number, column));
            }
        }
    }
    reports
}

/// A date as the language writes it: `2023年1月19日`, `19 January 2023`.
pub fn local_date(date: Date, lang: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    if lang.starts_with("zh") || lang.starts_with("ja") {
        format!("{}年{}月{}日", date.year, date.month, date.day)
    } else {
        format!(
            "{} {} {}",
            date.day,
            MONTHS[(date.month - 1) as usize],
            date.year
        )
    }
}

/// The way back from `path` to the site root: `./` for the root, `../../` for `a/b/`.
pub fn root_of(path: &str) -> String {
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// One page to render: where it goes, with which template, and how to make its context. The
/// context is made only when the page is rendered, so that memory holds the contexts of the pages
/// being rendered, not of the whole site.
struct Job<'a> {
    /// The output path; for a fragment, a name no output file can have.
    output: String,
    /// Set on the print version's article of a page: rendered before the pages that hold it,
    /// never written on its own.
    fragment: Option<PageId>,
    template: &'a str,
    context: Box<dyn Fn() -> Context + Send + Sync + 'a>,
    /// What the context is made from, for reusing a cached result.
    inputs: Inputs,
    shows: Shows,
    /// Set on the print pages: `context` gives each article as a placeholder, and the articles
    /// are spliced into the rendered page (its skeleton, which depends on the metadata only).
    /// This context gives the articles themselves, for a template that does more with an article
    /// than write it.
    spliced: Option<Box<dyn Fn() -> Context + Send + Sync + 'a>>,
}

/// What a page's context shows of rendered Markdown.
#[derive(Clone)]
enum Inputs {
    Metadata,
    /// The rendered Markdown of this page.
    Page(PageId),
    /// The rendered Markdown of every page in this language (feeds).
    Language(String),
    /// The print articles of every page in this language (the print page).
    Articles(String),
}

/// Which pages' metadata (title, summary, URL, date, fields) a page's context shows. Every
/// context also shows the frame of its language: the configuration, the theme, the site view and
/// every term.
#[derive(Clone)]
enum Shows {
    /// Every page of every language: nothing can be missed (the default).
    Everything,
    /// Every page of this language.
    Language(String),
    /// This page with the pages it links to: translations, previous and next.
    Page(PageId),
    /// These pages of this language, in this order: `range` of the list `ids` (a pagination page
    /// shows its pages and how many there are in all).
    Pages {
        lang: String,
        ids: Arc<Vec<PageId>>,
        range: std::ops::Range<usize>,
    },
    /// No page: the frame of this language only.
    Frame(String),
    /// The frame of this language and where every page is: its URL, date and translations (the
    /// sitemap).
    Addresses(String),
}

impl<'a> Job<'a> {
    fn new(
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

    fn with(mut self, inputs: Inputs) -> Self {
        self.inputs = inputs;
        self
    }

    fn showing(mut self, shows: Shows) -> Self {
        self.shows = shows;
        self
    }
}

type Fill<'a> = Arc<dyn Fn(&mut Context, Vec<TeraValue>) + Send + Sync + 'a>;

/// What rendering a job gave.
struct JobResult {
    /// The cache key of its inputs.
    key: u64,
    result: Result<OutputFile, Vec<Diagnostic>>,
    /// Whether it was rendered rather than taken from the cache.
    fresh: bool,
    /// Whether it is a print page, assembled from a skeleton kept in the cache beside it.
    spliced: bool,
    /// The skeleton with its key, when it was rendered afresh.
    skeleton: Option<(u64, Bytes)>,
}

/// What serve keeps of the rendered pages from one rebuild to the next.
#[derive(Default)]
pub struct RenderCache {
    /// Output path -> (hash of the context's inputs, the rendered bytes).
    outputs: HashMap<String, (u64, Bytes)>,
    /// Print pages of earlier builds, whose memory a new print page reuses once nothing else
    /// holds them: a print page is tens of megabytes at 10,000 practices, and fresh memory takes
    /// longer to map than the page takes to copy.
    spare: Vec<Bytes>,
}

/// Renders every page of the site.
pub fn render_site(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    options: &RenderOptions,
    mut cache: Option<&mut RenderCache>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let views = Views::new(site, theme, options);
    let mut jobs: Vec<Job> = Vec::new();
    for lang in &site.config.languages {
        views.language_jobs(&lang.code, &mut jobs);
    }
    views.site_jobs(&mut jobs);

    // Without a cache there is nothing to look up or keep: no keys to compute.
    let mut keys = cache.as_ref().map(|_| CacheKeys::new(&views));
    let spare = std::sync::Mutex::new(
        cache
            .as_mut()
            .map_or_else(Vec::new, |c| std::mem::take(&mut c.spare)),
    );
    let previous = cache.as_deref().map(|c| &c.outputs);
    let reuse = Reuse {
        previous,
        spare: &spare,
    };
    // The print pages hold every page's article: render the articles first, in parallel.
    let (fragments, jobs): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| j.fragment.is_some());
    let fragment_ids: Vec<PageId> = fragments.iter().filter_map(|j| j.fragment).collect();
    let no_articles = HashMap::new();
    let fragment_results = run_jobs(fragments, tera, theme, keys.as_ref(), &reuse, &no_articles);
    if let Some(keys) = &mut keys {
        // A print page holds the articles of its language, each as its key says.
        let mut of_language: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (&id, done) in fragment_ids.iter().zip(&fragment_results) {
            let lang = views.site.pages[id].lang();
            of_language.entry(lang).or_default().push(done.key);
        }
        keys.articles = (of_language.into_iter())
            .map(|(lang, articles)| (lang.to_string(), crate::cache::key(articles)))
            .collect();
    }
    let articles: HashMap<String, Bytes> = fragment_ids
        .into_iter()
        .zip(&fragment_results)
        .filter_map(|(id, done)| {
            let article = done.result.as_ref().ok()?.bytes.clone();
            Some((views.site.pages[id].path.clone(), article))
        })
        .collect();
    let _ = views.printed.set(articles);
    let articles = views.printed.get().expect("set above");
    let results = run_jobs(jobs, tera, theme, keys.as_ref(), &reuse, articles);
    if let Some(RenderCache {
        outputs: cache,
        spare: spares,
    }) = cache
    {
        *spares = spare
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for done in fragment_results.iter().chain(&results) {
            let Ok(file) = &done.result else { continue };
            if let Some(skeleton) = &done.skeleton {
                cache.insert(skeleton_name(&file.path), skeleton.clone());
            }
            if done.fresh {
                let replaced = cache.insert(file.path.clone(), (done.key, file.bytes.clone()));
                if let Some((_, old)) = replaced.filter(|_| done.spliced) {
                    spares.push(old);
                }
            }
        }
        spares.truncate(4);
        // Every output and skeleton of this build is now in the cache: any more entries are left
        // from pages that are gone.
        let done = || fragment_results.iter().chain(&results);
        let kept = done()
            .filter(|d| d.result.is_ok())
            .map(|d| if d.spliced { 2 } else { 1 })
            .sum::<usize>();
        if cache.len() > kept {
            let outputs: std::collections::HashSet<String> = done()
                .filter_map(|d| d.result.as_ref().ok())
                .flat_map(|f| [f.path.clone(), skeleton_name(&f.path)])
                .collect();
            cache.retain(|path, _| outputs.contains(path));
        }
    }
    let fragment_errors = fragment_results
        .into_iter()
        .filter_map(|d| d.result.err())
        .map(Err);
    let results = fragment_errors.chain(results.into_iter().map(|d| d.result));
    let mut files = Vec::with_capacity(views.site.pages.len());
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            // The same template error repeats on every page that uses it: report it once.
            Err(found) => {
                for d in found {
                    let same_place =
                        |x: &Diagnostic| (&x.file, x.line, x.column) == (&d.file, d.line, d.column);
                    if !diagnostics.iter().any(same_place) {
                        diagnostics.push(d);
                    }
                }
            }
        }
    }
    let base = &site.config.base_url;
    files.push(OutputFile {
        path: "robots.txt".into(),
        bytes: format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n").into(),
    });
    (files, diagnostics)
}

/// What a rendering reuses from the previous one.
struct Reuse<'c> {
    previous: Option<&'c HashMap<String, (u64, Bytes)>>,
    spare: &'c std::sync::Mutex<Vec<Bytes>>,
}

/// Renders `jobs` in parallel, each from the cache when its key is unchanged. `articles` are
/// what the print pages' placeholders stand for.
fn run_jobs(
    jobs: Vec<Job<'_>>,
    tera: &Tera,
    theme: &Theme,
    keys: Option<&CacheKeys>,
    reuse: &Reuse<'_>,
    articles: &HashMap<String, Bytes>,
) -> Vec<JobResult> {
    let cached = |name: &str, key: u64| {
        reuse
            .previous
            .and_then(|p| p.get(name))
            .filter(|(cached, _)| *cached == key)
            .map(|(_, bytes)| bytes.clone())
    };
    let render = |template: &str, context: Context| {
        tera.render(template, &context)
            .map(Bytes::from)
            .map_err(|e| template_diagnostics(&e, theme))
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
            let bytes = match (cached(&job.output, key), &job.spliced) {
                (Some(bytes), _) => Ok(bytes),
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
            done.result = bytes.map(|bytes| OutputFile {
                path: job.output,
                bytes,
            });
            done
        })
        .collect()
}

/// Where a print article goes in its page's skeleton: characters that are not text (Unicode
/// noncharacters) around the page's URL path (not its id, which the next build may give to
/// another page while the skeleton stays cached).
const PLACEHOLDER_START: &str = "\u{FDD0}print:";
const PLACEHOLDER_END: char = '\u{FDD1}';

fn placeholder(page_path: &str) -> String {
    format!("{PLACEHOLDER_START}{page_path}{PLACEHOLDER_END}")
}

/// The cache entry of a print page's skeleton: a name no output file can have.
fn skeleton_name(output: &str) -> String {
    format!("#skeleton/{output}")
}

/// A print page from its skeleton, each placeholder replaced by its article. `None` when the
/// template did more with a placeholder than write it (a filter cut or changed it): the page is
/// then rendered with the articles themselves. `page` is memory to reuse.
fn splice(
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

/// `view` (a map) with `key` set to `value`.
fn with_entry(view: TeraValue, key: &'static str, value: TeraValue) -> TeraValue {
    let mut map = view.into_map().unwrap_or_default();
    map.insert(key.into(), value);
    TeraValue::from(map)
}

/// Builds the template context values from the site model.
struct Views<'a> {
    site: &'a Site,
    config: &'a Config,
    theme: &'a Theme,
    options: &'a RenderOptions,
    /// `site` of the context and the theme's strings, per language, made once as template
    /// values: a template value shares its contents when cloned, so every page gets them without
    /// a copy.
    site_values: BTreeMap<String, TeraValue>,
    strings: BTreeMap<String, TeraValue>,
    /// Each page's summary as a template value, made when first needed (a page is listed on its
    /// collection's and each of its terms' pages).
    summaries: Vec<OnceLock<TeraValue>>,
    /// The print version's article of each page, rendered before the print pages.
    printed: OnceLock<HashMap<String, Bytes>>,
}

impl<'a> Views<'a> {
    fn new(site: &'a Site, theme: &'a Theme, options: &'a RenderOptions) -> Self {
        let mut views = Views {
            site,
            config: &site.config,
            theme,
            options,
            site_values: BTreeMap::new(),
            strings: BTreeMap::new(),
            summaries: (0..site.pages.len()).map(|_| OnceLock::new()).collect(),
            printed: OnceLock::new(),
        };
        views.site_values = (site.config.languages.iter())
            .map(|l| {
                let view = TeraValue::from_serializable(&views.site_view(&l.code));
                (l.code.clone(), view)
            })
            .collect();
        views.strings = (site.config.languages.iter())
            .map(|l| {
                let strings = theme.strings.get(&l.code).cloned().unwrap_or_default();
                (l.code.clone(), TeraValue::from_serializable(&strings))
            })
            .collect();
        views
    }

    fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }

    fn default_lang(&self) -> &str {
        &self.config.default_language
    }

    /// Variables every template receives, for a page at `path` in `lang`.
    fn base_context(&self, lang: &str, path: &str, alternates: Json) -> Context {
        let mut context = Context::new();
        context.insert("lang", lang);
        context.insert("root", &root_of(path));
        context.insert("path", path);
        context.insert("permalink", &self.permalink(path));
        let value = |values: &BTreeMap<String, TeraValue>| {
            values.get(lang).cloned().unwrap_or_else(TeraValue::none)
        };
        context.insert_value("t", value(&self.strings));
        context.insert_value("site", value(&self.site_values));
        context.insert("alternates", &alternates);
        context.insert("serve_mode", &self.options.serve_mode);
        context
    }

    fn site_view(&self, lang: &str) -> Json {
        let standalone: Vec<Json> = self
            .site
            .pages
            .iter()
            .filter(|p| p.collection.is_none() && p.lang() == lang)
            .map(|p| json!({"title": p.title, "path": p.path}))
            .collect();
        let fallback = self.default_lang();
        let languages: Vec<Json> = self
            .config
            .languages
            .iter()
            .map(|l| json!({"code": l.code, "name": l.name, "path": self.config.language_prefix(&l.code)}))
            .collect();
        let nav: Vec<Json> = self
            .config
            .taxonomies
            .iter()
            .enumerate()
            .filter(|(_, t)| t.closed)
            .map(|(i, t)| {
                json!({
                    "key": t.key,
                    "title": t.title.get(lang, fallback),
                    "path": self.taxonomy_path(i, lang),
                    "terms": self.term_list(i, lang),
                })
            })
            .collect();
        let collections: Vec<Json> = self
            .config
            .collections
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "key": c.key,
                    "title": c.title.get(lang, fallback),
                    "path": self.collection_path(i, lang),
                    "count": self.site.collection_pages(i, lang).len(),
                })
            })
            .collect();
        json!({
            "title": self.config.title.get(lang, fallback),
            "description": self.config.description.get(lang, fallback),
            "base_url": self.config.base_url,
            "default_language": fallback,
            "languages": languages,
            "nav": nav,
            "collections": collections,
            "pages": standalone,
            "extra": self.config.extra,
        })
    }

    fn collection_path(&self, collection: usize, lang: &str) -> String {
        format!(
            "{}{}/",
            self.config.language_prefix(lang),
            crate::slug::slugify(&self.config.collections[collection].folder)
        )
    }

    fn taxonomy_path(&self, taxonomy: usize, lang: &str) -> String {
        format!(
            "{}{}/",
            self.config.language_prefix(lang),
            crate::slug::slugify(&self.config.taxonomies[taxonomy].key)
        )
    }

    fn term_list(&self, taxonomy: usize, lang: &str) -> Vec<Json> {
        self.site.taxonomies[taxonomy]
            .by_language
            .get(lang)
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| json!({"key": t.key, "name": t.name, "description": t.description, "path": t.path, "count": t.pages.len()}))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Alternates of a generated page that exists in every language at `prefix + rest`.
    fn alternates_everywhere(&self, lang: &str, rest: &str) -> Json {
        Json::Array(
            self.config
                .languages
                .iter()
                .map(|l| {
                    let path = format!("{}{rest}", self.config.language_prefix(&l.code));
                    json!({"lang": l.code, "name": l.name, "permalink": self.permalink(&path), "current": l.code == lang, "path": path})
                })
                .collect(),
        )
    }

    /// Alternates of a page that exists only in `lang`.
    fn only_here(&self, lang: &str, path: &str) -> Json {
        let name = self.config.language(lang).map_or("", |l| l.name.as_str());
        json!([{"lang": lang, "name": name, "permalink": self.permalink(path), "current": true, "path": path}])
    }

    fn page_alternates(&self, page: &Page) -> Json {
        let mut ids: Vec<PageId> = page.translations.clone();
        ids.push(self.site.by_content_path[&page.source.content_path]);
        ids.sort_by_key(|&i| {
            self.config
                .languages
                .iter()
                .position(|l| l.code == self.site.pages[i].lang())
        });
        Json::Array(
            ids.iter()
                .map(|&i| {
                    let p = &self.site.pages[i];
                    let name = self.config.language(p.lang()).map_or("", |l| l.name.as_str());
                    json!({"lang": p.lang(), "name": name, "permalink": self.permalink(&p.path), "current": p.lang() == page.lang(), "path": p.path})
                })
                .collect(),
        )
    }

    /// [`Self::page_summary`] as a template value, made once per page.
    fn summary_value(&self, id: PageId) -> TeraValue {
        self.summaries[id]
            .get_or_init(|| TeraValue::from_serializable(&self.page_summary(id)))
            .clone()
    }

    /// A page on the print page: its summary and its article (`printed`), or a placeholder that
    /// [`splice`] replaces with the article.
    fn print_item(&self, id: PageId, articles: bool) -> TeraValue {
        let page_path = &self.site.pages[id].path;
        let article = self.printed.get().and_then(|p| p.get(page_path));
        let printed = match (article, articles) {
            (None, _) => TeraValue::safe_string(""),
            (Some(_), false) => TeraValue::safe_string(&placeholder(page_path)),
            (Some(article), true) => TeraValue::safe_string(&String::from_utf8_lossy(article)),
        };
        with_entry(self.summary_value(id), "printed", printed)
    }

    /// A page for lists: everything but its content.
    fn page_summary(&self, id: PageId) -> Json {
        let page = &self.site.pages[id];
        let mut view = Map::new();
        let collection = page
            .collection
            .map(|c| self.config.collections[c].key.clone());
        view.insert("title".into(), json!(page.title));
        view.insert("summary".into(), json!(page.summary()));
        view.insert("path".into(), json!(page.path));
        view.insert("permalink".into(), json!(self.permalink(&page.path)));
        view.insert("lang".into(), json!(page.lang()));
        view.insert("collection".into(), json!(collection));
        view.insert("slug".into(), json!(page.slug));
        view.insert("date".into(), json!(page.date.map(|d| d.to_string())));
        view.insert(
            "date_display".into(),
            json!(page.date.map(|d| local_date(d, page.lang()))),
        );
        view.insert("year".into(), json!(page.date.map(|d| d.year)));
        view.insert("draft".into(), json!(page.checked.draft));
        view.insert("fields".into(), self.fields_view(page));
        view.insert("extra".into(), Json::Object(page.checked.extra.clone()));
        view.insert("source_file".into(), json!(page.source.file));
        Json::Object(view)
    }

    /// A page with its content, for its own page and for the print page.
    fn page_full(&self, id: PageId) -> Json {
        let page = &self.site.pages[id];
        let mut view = self.page_summary(id);
        let link = |other: Option<PageId>| {
            other.map(
                |o| json!({"title": self.site.pages[o].title, "path": self.site.pages[o].path}),
            )
        };
        let translations: Vec<Json> = page
            .translations
            .iter()
            .map(|&t| {
                let p = &self.site.pages[t];
                let name = self
                    .config
                    .language(p.lang())
                    .map_or("", |l| l.name.as_str());
                json!({"lang": p.lang(), "name": name, "title": p.title, "path": p.path})
            })
            .collect();
        if let Json::Object(map) = &mut view {
            map.insert("content".into(), json!(page.rendered.html));
            map.insert("toc".into(), json!(page.rendered.toc));
            map.insert("translations".into(), json!(translations));
            if let Some(previous) = link(page.previous) {
                map.insert("previous".into(), previous);
            }
            if let Some(next) = link(page.next) {
                map.insert("next".into(), next);
            }
        }
        view
    }

    /// A page among many on the print page: its heading and footnote ids get the page's slug as
    /// a prefix, so that ids stay unique on the combined page.
    fn page_for_print(&self, id: PageId) -> Json {
        let mut view = self.page_full(id);
        let prefix = format!("{}--", self.site.pages[id].slug);
        if let Some(content) = view["content"].as_str() {
            view["content"] = json!(prefix_ids(content, &prefix));
        }
        if let Json::Array(entries) = &mut view["toc"] {
            for entry in entries {
                prefix_toc(entry, &prefix);
            }
        }
        view
    }

    /// Declared fields, typed; terms become `{key, name, path}`.
    fn fields_view(&self, page: &Page) -> Json {
        let mut fields = Map::new();
        let collection = page.collection.map(|c| &self.config.collections[c]);
        for (name, value) in &page.checked.fields {
            let taxonomy = collection
                .and_then(|c| c.field(name))
                .and_then(|f| f.kind.taxonomy());
            fields.insert(name.clone(), self.value_view(value, taxonomy, page.lang()));
        }
        Json::Object(fields)
    }

    fn value_view(&self, value: &Value, taxonomy: Option<&str>, lang: &str) -> Json {
        match value {
            Value::Text(s) => json!(s),
            Value::Date(d) => json!(d.to_string()),
            Value::Integer(n) => json!(n),
            Value::Number(n) => number_view(*n),
            Value::Boolean(b) => json!(b),
            Value::Metric(m) => {
                json!({"name": m.name, "value": number_view(m.value), "unit": m.unit, "year": m.year})
            }
            Value::List(items) => Json::Array(
                items
                    .iter()
                    .map(|v| self.value_view(v, taxonomy, lang))
                    .collect(),
            ),
            Value::Term(term) => {
                let found = taxonomy
                    .and_then(|t| self.config.taxonomies.iter().position(|x| x.key == t))
                    .and_then(|i| self.site.taxonomies[i].by_language.get(lang))
                    .and_then(|terms| terms.iter().find(|t| &t.key == term));
                match found {
                    Some(t) => json!({"key": t.key, "name": t.name, "path": t.path}),
                    None => json!({"key": term, "name": term, "path": ""}),
                }
            }
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
        view.insert(
            "pages".into(),
            Json::Array(
                (1..=total)
                    .map(|n| json!({"number": n, "path": page_path(n)}))
                    .collect(),
            ),
        );
        Json::Object(view)
    }

    /// Splits `ids` into pages of `per_page` (all on one page when `None`) and adds a job per page.
    #[allow(clippy::too_many_arguments)]
    fn paginated<'s>(
        &'s self,
        jobs: &mut Vec<Job<'s>>,
        lang: &str,
        base_path: &str,
        alternates: Json,
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

    fn language_jobs<'s>(&'s self, lang: &str, jobs: &mut Vec<Job<'s>>) {
        let prefix = self.config.language_prefix(lang);
        let main_collection = (!self.config.collections.is_empty()).then_some(0);
        let owned_lang = lang.to_string();

        // Home.
        let (l, home_path) = (owned_lang.clone(), prefix.clone());
        jobs.push(
            Job::new(format!("{prefix}index.html"), "home.html", move || {
                let mut home =
                    self.base_context(&l, &home_path, self.alternates_everywhere(&l, ""));
                let latest: Vec<TeraValue> = main_collection
                    .map(|c| {
                        self.site
                            .collection_pages(c, &l)
                            .into_iter()
                            .take(10)
                            .map(|id| self.summary_value(id))
                            .collect()
                    })
                    .unwrap_or_default();
                home.insert_value("latest", latest.into());
                let aspects = self.main_terms_with_pages(&l, 5, |id| self.summary_value(id));
                home.insert_value("aspects", aspects.into());
                let collections = self.site_values[&l].get_from_path("collections").cloned();
                home.insert_value("collections", collections.unwrap_or_else(TeraValue::none));
                home
            })
            .showing(Shows::Language(owned_lang.clone())),
        );

        // Pages.
        for (id, page) in self
            .site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.lang() == lang)
        {
            let template = page.collection.map_or("page.html", |c| {
                self.config.collections[c].template.as_str()
            });
            jobs.push(
                Job::new(format!("{}index.html", page.path), template, move || {
                    let page = &self.site.pages[id];
                    let mut context =
                        self.base_context(page.lang(), &page.path, self.page_alternates(page));
                    context.insert("page", &self.page_full(id));
                    context
                })
                .with(Inputs::Page(id))
                .showing(Shows::Page(id)),
            );
        }

        // Collections.
        for (c, collection) in self.config.collections.iter().enumerate() {
            let base = self.collection_path(c, lang);
            let rest = base.strip_prefix(&prefix).unwrap_or(&base).to_string();
            let section = json!({
                "key": collection.key,
                "title": collection.title.get(lang, self.default_lang()),
                "path": base,
            });
            let section = TeraValue::from_serializable(&section);
            let fill: Fill<'s> = Arc::new(move |context, pages| {
                context.insert_value(
                    "section",
                    with_entry(section.clone(), "pages", pages.into()),
                );
            });
            let alternates = self.alternates_everywhere(lang, &rest);
            let ids = self.site.collection_pages(c, lang);
            self.paginated(
                jobs,
                lang,
                &base,
                alternates,
                "section.html",
                ids,
                collection.paginate,
                fill,
            );
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

        // The whole casebook on one page, for print: each page's article is rendered on its own
        // (in parallel, and cached while serving), then the print page puts them together.
        let print_path = format!("{prefix}print/");
        let mut printed: Vec<PageId> = main_collection
            .map(|c| self.site.collection_pages(c, lang))
            .unwrap_or_default();
        if let Some(terms) = self
            .site
            .main_taxonomy()
            .and_then(|m| self.site.taxonomies[m].by_language.get(lang))
        {
            printed.extend(terms.iter().flat_map(|t| t.pages.iter().copied()));
        }
        printed.sort_unstable();
        printed.dedup();
        for id in printed {
            let page = &self.site.pages[id];
            let path = print_path.clone();
            let mut job = Job::new(
                format!("#print/{}", page.path),
                "partials/print_page.html",
                move || {
                    let page = &self.site.pages[id];
                    let alternates = self.alternates_everywhere(page.lang(), "print/");
                    let mut context = self.base_context(page.lang(), &path, alternates);
                    context.insert("r", &root_of(&path));
                    context.insert("p", &self.page_for_print(id));
                    context
                },
            )
            .with(Inputs::Page(id))
            .showing(Shows::Page(id));
            job.fragment = Some(id);
            jobs.push(job);
        }
        let print = |articles: bool| {
            let (l, path) = (owned_lang.clone(), print_path.clone());
            move || self.print_context(&l, &path, articles)
        };
        let mut job = Job::new(
            format!("{print_path}index.html"),
            "print.html",
            print(false),
        )
        .with(Inputs::Articles(owned_lang.clone()))
        .showing(Shows::Language(owned_lang.clone()));
        job.spliced = Some(Box::new(print(true)));
        jobs.push(job);

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

        // Feed.
        let feed_path = format!("{prefix}atom.xml");
        let (l, path, home_path) = (owned_lang, feed_path.clone(), prefix.clone());
        jobs.push(
            Job::new(feed_path, "atom.xml", move || {
                let ids: Vec<PageId> = main_collection
                    .map(|c| self.site.collection_pages(c, &l))
                    .unwrap_or_default();
                let updated = ids
                    .iter()
                    .filter_map(|&id| self.site.pages[id].date)
                    .max()
                    .map(|d| d.to_string());
                let pages: Vec<Json> = ids.iter().take(50).map(|&id| self.page_full(id)).collect();
                let mut feed =
                    self.base_context(&l, &home_path, self.alternates_everywhere(&l, ""));
                feed.insert(
                    "feed",
                    &json!({
                        "title": self.config.title.get(&l, self.default_lang()),
                        "permalink": self.permalink(&path),
                        "updated": updated.unwrap_or_else(|| "1970-01-01".into()),
                        "pages": pages,
                    }),
                );
                feed
            })
            // Its pages show their translations too: every language.
            .with(Inputs::Language(lang.to_string())),
        );
    }

    /// The context of the print page in `lang` at `path`, with its articles or placeholders.
    fn print_context(&self, lang: &str, path: &str, articles: bool) -> Context {
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

    /// The terms of the main (closed) taxonomy with their pages (at most `limit`, newest first), in
    /// declared order.
    fn main_terms_with_pages(
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
            .map(|t| {
                let pages: Vec<TeraValue> = t.pages.iter().take(limit).map(|&id| item(id)).collect();
                let term = json!({"key": t.key, "name": t.name, "description": t.description, "path": t.path, "count": t.pages.len()});
                with_entry(TeraValue::from_serializable(&term), "pages", pages.into())
            })
            .collect()
    }

    fn site_jobs<'s>(&'s self, jobs: &mut Vec<Job<'s>>) {
        let lang = self.default_lang();
        // 404 is served at any depth, so its links start from the site's absolute path.
        let not_found = Job::new("404.html".into(), "404.html", move || {
            let mut not_found = self.base_context(lang, "", self.alternates_everywhere(lang, ""));
            not_found.insert("root", &base_path(&self.config.base_url));
            not_found
        });
        jobs.push(not_found.showing(Shows::Frame(lang.to_string())));
        jobs.push(Job::new("sitemap.xml".into(), "sitemap.xml", move || {
            let mut entries: Vec<Json> = Vec::with_capacity(self.site.pages.len() + self.config.languages.len());
            for l in &self.config.languages {
                let prefix = self.config.language_prefix(&l.code);
                entries.push(json!({"permalink": self.permalink(&prefix), "date": Json::Null, "alternates": self.alternates_everywhere(&l.code, "")}));
            }
            for page in &self.site.pages {
                entries.push(json!({"permalink": self.permalink(&page.path), "date": page.date.map(|d| d.to_string()), "alternates": self.page_alternates(page)}));
            }
            let mut sitemap = self.base_context(lang, "", self.alternates_everywhere(lang, ""));
            sitemap.insert("entries", &entries);
            sitemap
        }).showing(Shows::Addresses(lang.to_string())));
    }
}

/// The cache keys of rendered pages: a hash of everything a page's context is made from.
struct CacheKeys {
    /// Per language: the configuration, the theme, the site view and every term of the language.
    frames: HashMap<String, u64>,
    /// Per page: what lists and links show of it.
    pages: Vec<u64>,
    /// Per page: its frame, and `pages` of it and of the pages it links to (translations,
    /// previous, next).
    neighbourhoods: Vec<u64>,
    /// Per language: `pages` of all its pages.
    languages: HashMap<String, u64>,
    /// Every frame and every page.
    everything: u64,
    /// Every page's URL, date and translations.
    addresses: u64,
    /// Per page: its rendered Markdown.
    content: Vec<u64>,
    /// Per language: the rendered Markdown of all its pages.
    language_content: HashMap<String, u64>,
    /// Per language: the keys of its print articles, once they are rendered.
    articles: HashMap<String, u64>,
}

impl CacheKeys {
    fn new(views: &Views<'_>) -> Self {
        let (site, theme) = (views.site, views.theme);
        let pages: Vec<u64> = site
            .pages
            .par_iter()
            .map(|p| {
                // The checked fields follow from the front matter and the configuration, the
                // slug and language from the file name.
                crate::cache::key((
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
        let base = crate::cache::key((
            theme
                .templates
                .iter()
                .map(|(n, f)| (n, &f.bytes))
                .collect::<Vec<_>>(),
            &theme.strings,
            format!("{:?}", site.config),
            views.options.serve_mode,
        ));
        let mut frames = HashMap::new();
        let mut languages = HashMap::new();
        let mut language_content = HashMap::new();
        for lang in &site.config.languages {
            let terms = (site.taxonomies.iter())
                .filter_map(|t| t.by_language.get(&lang.code))
                .flatten()
                .map(|t| (&t.key, &t.name, &t.description, &t.path, t.pages.len()));
            let terms = crate::cache::key(terms.collect::<Vec<_>>());
            let site_view = views.site_view(&lang.code).to_string();
            let frame = crate::cache::key((base, site_view, terms));
            frames.insert(lang.code.clone(), frame);
            let of_language = || {
                site.pages
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.lang() == lang.code)
            };
            let shown: Vec<u64> = of_language().map(|(id, _)| pages[id]).collect();
            languages.insert(lang.code.clone(), crate::cache::key(shown));
            let content: Vec<u64> = of_language().map(|(_, p)| p.rendered.key).collect();
            language_content.insert(lang.code.clone(), crate::cache::key(content));
        }
        let neighbourhoods = site
            .pages
            .iter()
            .zip(&pages)
            .map(|(p, own)| {
                let linked = |id: Option<PageId>| id.map(|i| pages[i]);
                let translations: Vec<u64> = p.translations.iter().map(|&t| pages[t]).collect();
                let frame = frames.get(p.lang()).copied().unwrap_or_default();
                crate::cache::key((frame, own, translations, linked(p.previous), linked(p.next)))
            })
            .collect();
        let everything = crate::cache::key((frames.iter().collect::<BTreeMap<_, _>>(), &pages));
        // Hashed as they come: a list of them would cost an allocation per page.
        let mut addresses = std::collections::hash_map::DefaultHasher::new();
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
            language_content,
            articles: HashMap::new(),
        }
    }

    /// The key of `job`'s output when made from `inputs` (its own, or fewer).
    fn of(&self, job: &Job<'_>, inputs: &Inputs) -> u64 {
        let inputs = match inputs {
            Inputs::Metadata => 0,
            Inputs::Page(id) => self.content[*id],
            Inputs::Language(lang) => self.language_content.get(lang).copied().unwrap_or_default(),
            Inputs::Articles(lang) => self.articles.get(lang).copied().unwrap_or_default(),
        };
        let frame = |lang: &str| self.frames.get(lang).copied().unwrap_or_default();
        let shown = match &job.shows {
            Shows::Everything => self.everything,
            Shows::Language(lang) => {
                let pages = self.languages.get(lang).copied().unwrap_or_default();
                crate::cache::key((frame(lang), pages))
            }
            Shows::Page(id) => self.neighbourhoods[*id],
            Shows::Pages { lang, ids, range } => {
                let pages: Vec<u64> = ids[range.clone()].iter().map(|&i| self.pages[i]).collect();
                crate::cache::key((frame(lang), ids.len(), pages))
            }
            Shows::Frame(lang) => frame(lang),
            Shows::Addresses(lang) => crate::cache::key((frame(lang), self.addresses)),
        };
        crate::cache::key((shown, &job.output, job.template, inputs))
    }
}

/// Prefixes every `id` and every in-page link (`href="#…"`) of rendered HTML.
pub fn prefix_ids(html: &str, prefix: &str) -> String {
    html.replace(" id=\"", &format!(" id=\"{prefix}"))
        .replace("href=\"#", &format!("href=\"#{prefix}"))
}

fn prefix_toc(entry: &mut Json, prefix: &str) {
    if let Some(id) = entry["id"].as_str() {
        entry["id"] = json!(format!("{prefix}{id}"));
    }
    if let Json::Array(children) = &mut entry["children"] {
        for child in children {
            prefix_toc(child, prefix);
        }
    }
}

/// Whole numbers as integers (`64`, not `64.0`).
fn number_view(value: f64) -> Json {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// The path part of the base URL: `https://example.org/casebook/` -> `/casebook/`.
pub fn base_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) if base_url.contains("://") => after_scheme[i..].to_string(),
        _ if base_url.starts_with('/') => base_url.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_language() {
        let d = Date::parse("2023-01-19").unwrap();
        assert_eq!(local_date(d, "zh"), "2023年1月19日");
        assert_eq!(local_date(d, "en"), "19 January 2023");
    }

    #[test]
    fn root_and_base_path() {
        assert_eq!(root_of(""), "./");
        assert_eq!(root_of("en/practices/x/"), "../../../");
        assert_eq!(base_path("https://example.org/casebook/"), "/casebook/");
        assert_eq!(base_path("https://example.org/"), "/");
        assert_eq!(base_path("/"), "/");
    }
}

#[cfg(test)]
mod template_error_tests {
    use super::*;
    use crate::theme::ThemeFile;

    fn theme(templates: &[(&str, &str)]) -> Theme {
        let mut theme = Theme::default();
        for (name, text) in templates {
            theme.templates.insert(
                name.to_string(),
                ThemeFile {
                    display: format!("templates/{name}"),
                    bytes: text.as_bytes().to_vec(),
                },
            );
        }
        theme
    }

    #[test]
    fn every_broken_template_is_reported_with_its_line() {
        let t = theme(&[
            ("a.html", "ok\n{% if %}"),
            ("b.html", "line one\n\n{{ x | }}"),
            ("c.html", "{% include \"missing.html\" %}"),
            ("d.html", "fine {{ 1 }}"),
        ]);
        let errors = compile(&t).expect_err("errors");
        let places: Vec<(&str, usize)> = errors.iter().map(|d| (d.file.as_str(), d.line)).collect();
        assert!(places.contains(&("templates/a.html", 2)), "{errors:#?}");
        assert!(places.contains(&("templates/b.html", 3)), "{errors:#?}");
        assert!(places.contains(&("templates/c.html", 1)), "{errors:#?}");
        assert!(!places.iter().any(|(f, _)| *f == "templates/d.html"));
    }

    #[test]
    fn an_unknown_variable_is_reported_in_the_template() {
        let t = theme(&[("page.html", "<p>\n{{ page.missing_field }}</p>")]);
        let tera = compile(&t).unwrap();
        let mut context = Context::new();
        context.insert("page", &json!({"title": "x"}));
        let error = tera.render("page.html", &context).unwrap_err();
        let found = template_diagnostics(&error, &t);
        assert_eq!(found[0].file, "templates/page.html");
        assert_eq!(found[0].line, 2, "{found:?}");
    }
}
