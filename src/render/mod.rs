//! Render: the template context of every generated page, rendered in parallel. The stage in
//! files: `templates` compiles the theme, `views` makes template values from the site model,
//! `pages` lists the pages to generate as jobs, `print` assembles the print pages, `job` runs
//! the jobs and `keys` tells serve which jobs an edit touched.
//! The context is documented in `docs/templates.md`; keep the two in step.

mod aliases;
mod job;
mod keys;
mod pages;
mod print;
mod rebase;
mod templates;
mod values;
mod views;

pub use aliases::{alias_pages, alias_taken};
pub use rebase::{absolute_urls, prefix_ids, rebase_urls};
pub use templates::{compile, template_diagnostics};

use crate::diagnostics::Diagnostic;
use crate::schema::Date;
use crate::site::{PageId, Site};
use crate::theme::Theme;
use bytes::Bytes;
use job::{Job, Reuse, run_jobs};
use keys::CacheKeys;
use print::skeleton_name;
use rayon::prelude::*;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tera::Tera;
use views::Views;

/// A file of the built site: its path under the output directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Shared, not copied, between the serve cache, the served site and the next rebuild.
    pub bytes: Bytes,
}

/// A file of the built site copied from a file of the site (an asset beside a page), never read
/// into memory whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedFile {
    /// Its path under the output directory.
    pub path: String,
    pub source: std::path::PathBuf,
    /// The source's name relative to the site root, as the manifest lists inputs.
    pub input: String,
    pub size: u64,
    /// Empty where nothing is published (serve).
    pub sha256: String,
}

/// Options that change what is rendered, not what is read.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub serve_mode: bool,
}

/// A date as the language writes it: `2023年1月19日`, `19 January 2023`, `19 janvier 2023`. A
/// language casebook does not know gets `2023-01-19`, which every reader can read, rather than
/// English month names.
pub fn local_date(date: Date, lang: &str) -> String {
    let (year, month, day) = (date.year, date.month, date.day);
    let primary = lang.split(['-', '_']).next().unwrap_or(lang);
    let months = |names: [&'static str; 12]| names[month.clamp(1, 12) as usize - 1];
    match primary {
        "zh" | "ja" => format!("{year}年{month}月{day}日"),
        "ko" => format!("{year}년 {month}월 {day}일"),
        "en" => format!("{day} {} {year}", months(MONTHS_EN)),
        "fr" if day == 1 => format!("1er {} {year}", months(MONTHS_FR)),
        "fr" => format!("{day} {} {year}", months(MONTHS_FR)),
        "de" => format!("{day}. {} {year}", months(MONTHS_DE)),
        "es" => format!("{day} de {} de {year}", months(MONTHS_ES)),
        "pt" => format!("{day} de {} de {year}", months(MONTHS_PT)),
        "it" => format!("{day} {} {year}", months(MONTHS_IT)),
        "nl" => format!("{day} {} {year}", months(MONTHS_NL)),
        "ru" => format!("{day} {} {year} г.", months(MONTHS_RU)),
        "ar" => format!("{day} {} {year}", months(MONTHS_AR)),
        _ => date.to_string(),
    }
}

const MONTHS_EN: [&str; 12] = [
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
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS_PT: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
/// In the genitive, as a date takes them.
const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// The way back from `path` to the site root: `./` for the root, `../../` for `a/b/`.
pub fn root_of(path: &str) -> String {
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// What serve keeps of the rendered pages from one rebuild to the next.
#[derive(Default)]
pub struct RenderCache {
    /// Output path -> (hash of the context's inputs, the rendered bytes).
    outputs: crate::hash::PathMap<(u64, Bytes)>,
    /// Print pages of earlier builds, whose memory a new print page reuses once nothing else
    /// holds them: a print page is tens of megabytes at 10,000 practices, and fresh memory takes
    /// longer to map than the page takes to copy.
    spare: Vec<Bytes>,
    /// Summaries and other values made per page (`views::Kept`).
    kept: views::KeptValues,
}

/// Renders every page of the site. With a `spool`, the pages go to it as they are rendered and
/// only the other files (robots.txt) are returned.
pub fn render_site(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    options: &RenderOptions,
    mut cache: Option<&mut RenderCache>,
    spool: Option<&crate::output::Spool>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut views = Views::new(site, theme, options);
    // Without a cache there is nothing to look up or keep: no keys to compute.
    let mut keys = cache.as_ref().map(|_| CacheKeys::new(&views));
    if let (Some(keys), Some(cache)) = (&keys, cache.as_deref_mut()) {
        views.reuse(std::mem::take(&mut cache.kept), keys.summaries(site));
    }
    // Each language's jobs are listed on a thread of their own: listing them all was a tenth of
    // a preview rebuild at 10,000 pages.
    let views_ref = &views;
    let of_languages: Vec<Vec<Job>> = (site.config.languages.par_iter())
        .map(|lang| {
            let mut jobs = Vec::new();
            views_ref.language_jobs(&lang.code, &mut jobs);
            jobs
        })
        .collect();
    let mut jobs: Vec<Job> = of_languages.into_iter().flatten().collect();
    views.site_jobs(&mut jobs);

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
    let batches = Batches {
        tera,
        theme,
        reuse: &reuse,
        spool,
    };
    let (fragment_results, results) = match &mut keys {
        None => batches.print_by_parts(&views, fragments, jobs),
        Some(keys) => {
            let fragment_ids: Vec<PageId> = fragments.iter().filter_map(|j| j.fragment).collect();
            let fragment_results = batches.run(fragments, Some(keys), &HashMap::new());
            // A print page holds the articles of its language, each as its key says.
            let mut of_language: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
            keys.article_of = vec![0; views.site.pages.len()];
            for (&id, done) in fragment_ids.iter().zip(&fragment_results) {
                let lang = views.site.pages[id].lang();
                of_language.entry(lang).or_default().push(done.key);
                keys.article_of[id] = done.key;
            }
            keys.articles = (of_language.into_iter())
                .map(|(lang, articles)| (lang.to_string(), crate::hash::key(articles)))
                .collect();
            let articles = Arc::new(articles_of(&views, &fragment_ids, &fragment_results));
            *values::write(&views.printed) = Arc::clone(&articles);
            let results = batches.run(jobs, Some(keys), &articles);
            (fragment_results, results)
        }
    };
    if let Some(RenderCache {
        outputs: cache,
        spare: spares,
        kept,
    }) = cache
    {
        *kept = views.kept();
        *spares = spare
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for done in fragment_results.iter().chain(&results) {
            let Ok(Some(file)) = &done.result else {
                continue;
            };
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
                .filter_map(|d| d.result.as_ref().ok()?.as_ref())
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
            Ok(file) => files.extend(file),
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

/// How jobs are run: with which templates, cache and spool.
struct Batches<'r> {
    tera: &'r Tera,
    theme: &'r Theme,
    reuse: &'r Reuse<'r>,
    spool: Option<&'r crate::output::Spool>,
}

/// How many print pages a one-off build renders at once, each with its articles.
const PRINT_PAGES_AT_ONCE: usize = 4;

impl Batches<'_> {
    /// `run_jobs` with these templates, cache and spool (which takes no fragment).
    fn run(
        &self,
        jobs: Vec<Job>,
        keys: Option<&CacheKeys>,
        articles: &HashMap<String, Bytes>,
    ) -> Vec<job::JobResult> {
        run_jobs(
            jobs, self.tera, self.theme, keys, self.reuse, articles, self.spool,
        )
    }

    /// A one-off build's print pages, a few at a time, each few with only the articles it
    /// holds (every page's article at once is a sixth of a build's memory at 10,000 pages), then
    /// the other pages. Returns the articles' results (without their bytes) and the pages'.
    fn print_by_parts<'a>(
        &self,
        views: &Views,
        fragments: Vec<Job<'a>>,
        jobs: Vec<Job<'a>>,
    ) -> (Vec<job::JobResult>, Vec<job::JobResult>) {
        let (prints, others): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| j.spliced.is_some());
        let mut waiting: HashMap<PageId, Job> = (fragments.into_iter())
            .filter_map(|j| Some((j.fragment?, j)))
            .collect();
        let printed: Vec<Vec<PageId>> = (prints.iter())
            .map(|print| match &print.inputs {
                job::Inputs::SomeArticles(ids) => ids.to_vec(),
                job::Inputs::Articles(lang) => {
                    let mut ids: Vec<PageId> = (waiting.keys().copied())
                        .filter(|&id| views.site.pages[id].lang() == lang)
                        .collect();
                    ids.sort_unstable();
                    ids
                }
                _ => Vec::new(),
            })
            .collect();
        // An article is kept until the last print page that holds it is made.
        let mut uses: HashMap<PageId, usize> = HashMap::new();
        for &id in printed.iter().flatten() {
            *uses.entry(id).or_default() += 1;
        }
        let mut articles: HashMap<String, Bytes> = HashMap::new();
        let (mut fragment_results, mut results) = (Vec::new(), Vec::new());
        let mut prints = prints.into_iter().zip(printed).peekable();
        while prints.peek().is_some() {
            let (batch, ids): (Vec<Job>, Vec<Vec<PageId>>) =
                prints.by_ref().take(PRINT_PAGES_AT_ONCE).unzip();
            let todo: Vec<Job> = (ids.iter().flatten())
                .filter_map(|id| waiting.remove(id))
                .collect();
            let todo_ids: Vec<PageId> = todo.iter().filter_map(|j| j.fragment).collect();
            let done = self.run(todo, None, &HashMap::new());
            articles.extend(articles_of(views, &todo_ids, &done));
            fragment_results.extend(done.into_iter().map(without_bytes));
            let held = Arc::new(std::mem::take(&mut articles));
            *values::write(&views.printed) = Arc::clone(&held);
            results.extend(self.run(batch, None, &held));
            *values::write(&views.printed) = Arc::default();
            articles = Arc::try_unwrap(held).unwrap_or_else(|held| (*held).clone());
            for id in ids.iter().flatten() {
                let left = uses.get_mut(id).map(|n| {
                    *n -= 1;
                    *n
                });
                if left == Some(0) {
                    articles.remove(&views.site.pages[*id].path);
                }
            }
        }
        // Articles no print page holds: rendered for their errors only.
        let rest: Vec<Job> = waiting.into_values().collect();
        let done = self.run(rest, None, &HashMap::new());
        fragment_results.extend(done.into_iter().map(without_bytes));
        results.extend(self.run(others, None, &HashMap::new()));
        (fragment_results, results)
    }
}

/// The rendered articles of pages `ids`, by page path.
fn articles_of(views: &Views, ids: &[PageId], done: &[job::JobResult]) -> HashMap<String, Bytes> {
    (ids.iter().zip(done))
        .filter_map(|(&id, done)| {
            let article = done.result.as_ref().ok()?.as_ref()?.bytes.clone();
            Some((views.site.pages[id].path.clone(), article))
        })
        .collect()
}

/// A result kept for its errors only.
fn without_bytes(mut done: job::JobResult) -> job::JobResult {
    done.result = done.result.map(|_| None);
    done
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
        assert_eq!(local_date(d, "en-GB"), "19 January 2023");
        assert_eq!(local_date(d, "fr"), "19 janvier 2023");
        assert_eq!(local_date(d, "de"), "19. Januar 2023");
        assert_eq!(local_date(d, "ko"), "2023년 1월 19일");
        assert_eq!(local_date(d, "ar"), "19 يناير 2023");
        let first = Date { day: 1, ..d };
        assert_eq!(local_date(first, "fr"), "1er janvier 2023");
        // A language without its month names here: the date as written, not English.
        assert_eq!(local_date(d, "sw"), "2023-01-19");
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
