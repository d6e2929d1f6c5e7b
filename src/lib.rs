//! casebook: a static site generator for bilingual collections of best practices and case
//! studies.
//!
//! The pipeline, one module per stage: [`content`] loads, [`schema`] validates, [`site`] models,
//! [`markdown`] renders Markdown, [`render`] applies templates, [`output`] writes. This file
//! wires the stages together for the commands `build` and `check`.

pub mod anchors;
pub mod cache;
pub mod config;
pub mod content;
pub mod crash;
pub mod diagnostics;
pub mod hash;
pub mod import;
pub mod links;
pub mod manifest;
pub mod markdown;
pub mod output;
pub mod output_lock;
pub mod progress;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod theme;

use diagnostics::Diagnostic;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// A set of output paths.
type Paths<'a> = std::collections::HashSet<&'a str, hash::Paths>;

/// Prints how long each stage took to stderr when `CASEBOOK_TIMINGS` is set (for profiling; see
/// BENCHMARKS.md).
struct StageTimer {
    enabled: bool,
    last: std::time::Instant,
}

impl StageTimer {
    fn start() -> Self {
        StageTimer {
            enabled: std::env::var_os("CASEBOOK_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn done(&mut self, stage: &str) {
        if self.enabled {
            eprintln!(
                "{stage:>10}: {:7.1} ms{}",
                self.last.elapsed().as_secs_f64() * 1e3,
                memory_in_use()
            );
        }
        self.last = std::time::Instant::now();
    }
}

/// The process's resident memory now and at its peak, as Linux tells it (`/proc/self/status`):
/// where a build's memory goes, stage by stage.
fn memory_in_use() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024)
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => format!("  {now:>6} MiB ({peak} MiB at peak)"),
        _ => String::new(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `public/` under the root.
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub serve_mode: bool,
    /// Report pages missing in a language (as `info`).
    pub translations: bool,
    /// Where to write the build manifest instead of `manifest.json` in the output.
    pub manifest: Option<PathBuf>,
    /// Leave out the search index (for sites that do not want one, and for benchmarks).
    pub no_search: bool,
    /// Check external links (`check --external` only; never during a build).
    pub external: Option<links::ExternalOptions>,
    /// Warnings fail the build as errors do: nothing is written.
    pub deny_warnings: bool,
    /// Fail at once, instead of waiting, when another build is writing into the output.
    pub no_wait: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            ..BuildOptions::default()
        }
    }

    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build or check did.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
    /// Files created or rewritten in the output: all of them when it was replaced whole, only
    /// the changed ones when it was updated in place.
    pub files_written: usize,
    /// Files of the previous build removed because this build no longer has them.
    pub files_removed: usize,
    /// What the build left in the output folder, errors or not.
    pub output_state: output::OutputState,
    /// The output could not be written (exit code 2 rather than 1).
    pub io_error: bool,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The site and its rendered files, before anything is written.
pub struct Rendered {
    pub site: site::Site,
    pub files: Vec<render::OutputFile>,
    /// The assets, copied from the content folder as they are.
    pub copied: Vec<render::CopiedFile>,
    pub manifest: manifest::Manifest,
}

/// Runs every stage but writing. Returns the rendered files only when there is no error; a
/// panic (a bug) is an error at the file being processed.
pub fn render(options: &BuildOptions) -> (Option<Rendered>, Vec<Diagnostic>) {
    crash::catch(|| render_cached(options, &mut cache::Cache::default()))
        .unwrap_or_else(|crashed| (None, vec![crashed]))
}

/// `render`, reusing what `cache` holds from a previous run wherever its inputs are unchanged
/// (serve keeps one cache across rebuilds).
pub fn render_cached(
    options: &BuildOptions,
    cache: &mut cache::Cache,
) -> (Option<Rendered>, Vec<Diagnostic>) {
    render_into(options, cache, None)
}

/// `render_cached`; with a `spool`, the pages and the search index go to it as they are made
/// (a build), and `Rendered::files` holds only the other files.
fn render_into(
    options: &BuildOptions,
    cache: &mut cache::Cache,
    spool: Option<&output::Spool>,
) -> (Option<Rendered>, Vec<Diagnostic>) {
    let mut timer = StageTimer::start();
    let mut config = match config::load(&options.root) {
        Ok(config) => config,
        Err(diagnostics) => return (None, diagnostics),
    };
    if let Some(base_url) = &options.base_url {
        config.base_url = if base_url.ends_with('/') {
            base_url.clone()
        } else {
            format!("{base_url}/")
        };
    }
    let (sources, assets, mut diagnostics) =
        content::load_cached(&options.root, &config, &mut cache.content);
    let theme = theme::load(&options.root, &config.theme).map(|mut theme| {
        diagnostics.extend(theme::complete_strings(&mut theme, &config));
        theme
    });
    // The manifest lists each page's file as it was read, whatever happens to it meanwhile.
    let read: Vec<(String, String)> = if options.serve_mode {
        Vec::new()
    } else {
        (sources.iter())
            .map(|s| (s.file.clone(), s.sha256.clone()))
            .collect()
    };
    timer.done("load");
    let (mut site, found) = site::build_cached(
        config,
        sources,
        options.drafts,
        cache.keep.then_some(&mut cache.model),
    );
    diagnostics.extend(found);
    let (assets, found) = site::Assets::new(assets);
    site.assets = assets;
    diagnostics.extend(found);
    timer.done("model");
    // A link to a file that has errors of its own is not reported again as broken.
    let with_errors: std::collections::HashSet<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.file.clone())
        .collect();
    diagnostics.extend(render_markdown(&mut site, cache, &with_errors));
    timer.done("markdown");
    if options.translations {
        diagnostics.extend(site::missing_translations(&site));
    }
    if let Some(external) = &options.external {
        diagnostics.extend(links::check(&site, external));
    }
    if !cache.keep {
        for page in &mut site.pages {
            if let Some(source) = std::sync::Arc::get_mut(&mut page.source) {
                source.forget_read_values();
            }
        }
    }
    if options.deny_warnings {
        // Before the checks for errors below, which stop a build before anything is written.
        for d in &mut diagnostics {
            if d.severity == diagnostics::Severity::Warning {
                d.severity = diagnostics::Severity::Error;
            }
        }
    }

    let theme = match theme {
        Ok(theme) => theme,
        Err(found) => {
            diagnostics.extend(found);
            return (None, finish(diagnostics));
        }
    };
    let theme_key = hash::key(
        theme
            .templates
            .iter()
            .map(|(name, file)| (name, &file.bytes))
            .collect::<Vec<_>>(),
    );
    if cache
        .templates
        .as_ref()
        .is_none_or(|(key, _)| *key != theme_key)
    {
        match render::compile(&theme) {
            Ok(tera) => cache.templates = Some((theme_key, tera)),
            Err(found) => {
                diagnostics.extend(found);
                return (None, finish(diagnostics));
            }
        }
    }
    let Some((_, tera)) = &cache.templates else {
        unreachable!("compiled above")
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, finish(diagnostics));
    }
    let (mut files, found) = render::render_site(
        &site,
        &theme,
        tera,
        &render::RenderOptions {
            serve_mode: options.serve_mode,
        },
        cache.keep.then_some(&mut cache.outputs),
        spool,
    );
    diagnostics.extend(found);
    timer.done("templates");
    if !cache.keep {
        // In the pages now: the search index reads each page's text, not its HTML.
        for page in &mut site.pages {
            if let Some(rendered) = std::sync::Arc::get_mut(&mut page.rendered) {
                rendered.html = String::new();
            }
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, finish(diagnostics));
    }
    let spooled = spool.map_or_else(Vec::new, output::Spool::entries);
    // Every path generated so far: an alias, an asset or a static file must not take one.
    let mut generated: Paths = (files.iter().map(|f| f.path.as_str()))
        .chain(spooled.iter().map(|f| f.path.as_str()))
        .collect();
    let (mut redirects, found) = render::alias_pages(&site, &generated);
    diagnostics.extend(found);
    generated.extend(redirects.iter().map(|f| f.path.as_str()));
    let (copied, found) = copied_assets(&site, &generated, options.serve_mode);
    diagnostics.extend(found);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, finish(diagnostics));
    }
    // A generated page or an asset of the same name wins over a static file.
    generated.extend(copied.iter().map(|c| c.path.as_str()));
    let mut all: Vec<render::OutputFile> = Vec::with_capacity(theme.static_files.len());
    for (path, file) in &theme.static_files {
        if !generated.contains(path.as_str()) {
            all.push(render::OutputFile {
                path: path.clone(),
                bytes: file.bytes.clone().into(),
            });
        } else if !file.display.starts_with('<') {
            // Only a site's or a theme's own file: the built-in theme's are meant to yield.
            diagnostics.push(
                Diagnostic::warning(
                    &file.display,
                    format!("this static file is replaced by the site's own /{path}"),
                )
                .with_hint("rename or remove one of the two; the page or the file under content/ is what gets published"),
            );
        }
    }
    drop(generated);
    all.append(&mut files);
    all.append(&mut redirects);
    if !options.no_search {
        let failed = std::sync::Mutex::new(Vec::new());
        let hand_over = |file: render::OutputFile| match spool {
            None => Some(file),
            Some(spool) => {
                if let Err(d) = spool.put(&file.path, &file.bytes) {
                    failed.lock().unwrap_or_else(|e| e.into_inner()).push(d);
                }
                None
            }
        };
        let search = cache.keep.then_some(&mut cache.search);
        all.extend(search::build_into(&site, search, &hand_over));
        diagnostics.extend(failed.into_inner().unwrap_or_else(|e| e.into_inner()));
        timer.done("search");
    }
    let spooled = spool.map_or(spooled, output::Spool::entries);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, finish(diagnostics));
    }
    // The live preview never publishes: it skips sorting and hashing every file.
    let manifest = if options.serve_mode {
        manifest::Manifest::default()
    } else {
        all.sort_by(|a, b| a.path.cmp(&b.path));
        manifest::build(
            &all,
            spooled,
            &copied,
            manifest::inputs(&options.root, &theme, read.into_iter()),
        )
    };
    timer.done("manifest");
    if options.manifest.is_none() && !options.serve_mode {
        all.push(render::OutputFile {
            path: manifest::FILE_NAME.into(),
            bytes: manifest::to_json(&manifest).into(),
        });
    }
    (
        Some(Rendered {
            site,
            files: all,
            copied,
            manifest,
        }),
        finish(diagnostics),
    )
}

/// The assets to copy into the output, hashed (but in serve mode, which publishes nothing). An
/// asset where the site generates a file is an error at the asset.
fn copied_assets(
    site: &site::Site,
    generated: &Paths,
    serve_mode: bool,
) -> (Vec<render::CopiedFile>, Vec<Diagnostic>) {
    let hashed: Vec<Result<render::CopiedFile, Diagnostic>> = site
        .assets
        .list
        .par_iter()
        .map(|asset| {
            let file = &asset.source.file;
            if generated.contains(asset.path.as_str()) || asset.path == manifest::FILE_NAME {
                return Err(Diagnostic::error(
                    file,
                    format!("this file would replace the generated /{}", asset.path),
                )
                .with_hint("rename or move the file"));
            }
            let sha256 = if serve_mode {
                String::new()
            } else {
                manifest::sha256_of_file(&asset.source.path)
                    .map_err(|e| Diagnostic::error(file, format!("cannot read: {e}")))?
            };
            Ok(render::CopiedFile {
                path: asset.path.clone(),
                source: asset.source.path.clone(),
                input: file.clone(),
                size: asset.source.size,
                sha256,
            })
        })
        .collect();
    let mut copied = Vec::with_capacity(hashed.len());
    let mut diagnostics = Vec::new();
    for result in hashed {
        match result {
            Ok(c) => copied.push(c),
            Err(d) => diagnostics.push(d),
        }
    }
    (copied, diagnostics)
}

/// What a build that found no record of the previous output kept of it, said.
fn kept_diagnostics(output: &std::path::Path, kept: &output::Kept) -> Vec<Diagnostic> {
    let list = |paths: &[std::path::PathBuf]| {
        let mut names: Vec<String> = paths
            .iter()
            .take(5)
            .map(|p| p.display().to_string())
            .collect();
        if paths.len() > 5 {
            names.push(format!("… ({} in all)", paths.len()));
        }
        names.join(", ")
    };
    let mut found = Vec::new();
    let place = output.display().to_string();
    if !kept.in_place.is_empty() {
        found.push(
            Diagnostic::info(
                &place,
                format!(
                    "kept what casebook did not write here: {}",
                    list(&kept.in_place)
                ),
            )
            .with_hint("the output had no record of the previous build, so casebook cannot tell its own old files from yours: remove what you do not want; later builds keep track again"),
        );
    }
    if let Some(to) = &kept.moved_to {
        found.push(
            Diagnostic::warning(
                &place,
                format!(
                    "files casebook did not write were where this build writes its own: moved to {}: {}",
                    to.display(),
                    list(&kept.moved)
                ),
            )
            .with_hint("look through that folder and delete it when nothing in it is needed"),
        );
    }
    found
}

fn finish(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    diagnostics
}

/// Renders every page's Markdown in parallel, then checks links and anchors against the whole
/// site.
fn render_markdown(
    site: &mut site::Site,
    cache: &mut cache::Cache,
    with_errors: &std::collections::HashSet<String>,
) -> Vec<Diagnostic> {
    let by_path = &site.by_content_path;
    let pages = &site.pages;
    let resolve = |content_path: &str| by_path.get(content_path).map(|&id| pages[id].path.clone());
    let assets = &site.assets;
    let asset = |content_path: &str| {
        let published = assets.get(content_path)?;
        Some((published.path.clone(), published.source.dimensions))
    };
    // A page's HTML depends on its body, its own URL and where every other page lives. The
    // pages come in the order of their files: hashed as they come, without a list.
    let targets_key = {
        use std::hash::{Hash, Hasher};
        let mut targets = hash::hasher();
        for page in pages {
            (&page.source.content_path, &page.path).hash(&mut targets);
        }
        assets.key.hash(&mut targets);
        targets.finish()
    };
    let markdown_cache = &cache.markdown;
    let rendered: Vec<(u64, Arc<markdown::Rendered>, bool)> = pages
        .par_iter()
        .map(|page| {
            let key = hash::key((
                page.source.body_key,
                &page.source.dir,
                &page.path,
                targets_key,
            ));
            if let Some((cached, rendered)) = markdown_cache.get(&page.source.content_path)
                && *cached == key
            {
                return (key, Arc::clone(rendered), false);
            }
            let root = render::root_of(&page.path);
            let context = markdown::LinkContext {
                dir: &page.source.dir,
                root: &root,
                resolve: &resolve,
                asset: &asset,
            };
            let fresh = crash::processing(&page.source.file, || {
                let rendered = markdown::render_markdown(page.source.body(), &context);
                markdown::Rendered {
                    key,
                    excerpt: site::first_words(&rendered.text, site::SUMMARY_CHARS),
                    ..rendered
                }
            });
            (key, Arc::new(fresh), true)
        })
        .collect();
    for (page, (key, rendered, fresh)) in site.pages.iter_mut().zip(rendered) {
        if fresh && cache.keep {
            cache.markdown.insert(
                page.source.content_path.clone(),
                (key, Arc::clone(&rendered)),
            );
        }
        page.rendered = rendered;
    }
    cache
        .markdown
        .retain(|path, _| site.by_content_path.contains_key(path));

    let mut diagnostics = Vec::new();
    for page in &site.pages {
        let at = |d: Diagnostic, offset: usize| {
            d.at_offset(&page.source.text, page.source.body_offset + offset)
        };
        for broken in &page.rendered.broken_links {
            if with_errors.contains(&format!("{}/{}", content::CONTENT_DIR, broken.resolved)) {
                continue;
            }
            if broken.outside_content {
                let d = Diagnostic::error(
                    &page.source.file,
                    format!(
                        "links to {}, which is outside the content folder: only files under content/ are published",
                        broken.destination
                    ),
                )
                .with_hint("move the file under content/, or link to the address where it is published");
                diagnostics.push(at(d, broken.offset));
                continue;
            }
            let why = if site.left_out_drafts.contains(&broken.resolved) {
                format!(
                    "links to {}, a draft left out of this build",
                    broken.resolved
                )
            } else {
                format!("links to {}, which does not exist", broken.resolved)
            };
            let hint = if broken.resolved.ends_with(".md") {
                format!(
                    "link destinations are relative to this file (content/{}); check the file name and its language suffix",
                    page.source.content_path
                )
            } else {
                format!(
                    "images and attachments are found relative to this file (content/{}) and published beside it; put the file there or correct the path",
                    page.source.content_path
                )
            };
            diagnostics
                .push(at(Diagnostic::error(&page.source.file, why), broken.offset).with_hint(hint));
        }
        for (id, offset) in &page.rendered.repeated_ids {
            let d = Diagnostic::warning(
                &page.source.file,
                format!("#{id} is already an id on this page"),
            )
            .with_hint(format!(
                "a link to #{id} lands on the first; give this one an id of its own"
            ));
            diagnostics.push(at(d, *offset));
        }
        for warning in &page.rendered.warnings {
            let d =
                Diagnostic::warning(&page.source.file, &warning.message).with_hint(warning.hint);
            diagnostics.push(at(d, warning.offset));
        }
        for link in &page.rendered.links {
            let Some(fragment) = link.fragment.as_deref().map(markdown::percent_decode) else {
                continue;
            };
            let target = if link.target.is_empty() {
                Some(page)
            } else {
                site.by_content_path
                    .get(&link.target)
                    .map(|&i| &site.pages[i])
            };
            if let Some(target) = target
                && !lands(&fragment, &target.rendered.anchors)
            {
                let mut d = at(
                    Diagnostic {
                        severity: site.config.broken_anchors,
                        ..Diagnostic::error(
                            &page.source.file,
                            format!("#{fragment} is not a heading of {}", target.source.file),
                        )
                    },
                    link.offset,
                );
                let ids: Vec<&str> = target.rendered.anchors.iter().map(String::as_str).collect();
                if let Some(near) = near_anchor(&fragment, &ids) {
                    d = d.with_hint(format!("did you mean #{near}?"));
                } else if !ids.is_empty() {
                    d = d.with_hint(anchor_list(&ids));
                }
                diagnostics.push(d);
            }
        }
    }
    diagnostics
}

/// Whether a link to `#fragment` lands on a page with these anchors: on one of them, or, as
/// browsers do with `#` and `#top`, at the top of the page.
fn lands(fragment: &str, anchors: &std::collections::BTreeSet<String>) -> bool {
    anchors.contains(fragment) || fragment.is_empty() || fragment.eq_ignore_ascii_case("top")
}

/// An anchor close enough to `fragment` to be what its author meant: within
/// [`schema::closest`]'s distance of a typo, and with no more than half of the longer of the two
/// changed (`#f1` is not a typo of `#总结`, though only two characters differ).
fn near_anchor<'a>(fragment: &str, ids: &[&'a str]) -> Option<&'a str> {
    let close = |id: &&str| {
        let longer = fragment.chars().count().max(id.chars().count());
        2 * schema::edit_distance(fragment, id) <= longer
    };
    schema::closest(fragment, ids.iter().copied().filter(close))
}

/// The hint that lists a page's anchors: the first ten, then how many more.
fn anchor_list(ids: &[&str]) -> String {
    const SHOWN: usize = 10;
    let shown = ids.iter().take(SHOWN).map(|id| format!("#{id}"));
    let mut hint = format!(
        "its headings and anchors are {}",
        shown.collect::<Vec<_>>().join(", ")
    );
    if ids.len() > SHOWN {
        hint.push_str(&format!(", … ({} in all)", ids.len()));
    }
    hint
}

/// `casebook check`: everything but writing.
pub fn check(options: &BuildOptions) -> Report {
    let (rendered, mut diagnostics) = render(options);
    if let Some(r) = &rendered {
        for page in &r.site.pages {
            diagnostics.extend(scaffold::todos(
                &page.source.file,
                page.source.front_matter_text(),
            ));
        }
        diagnostics::sort(&mut diagnostics);
    }
    Report {
        pages: rendered.as_ref().map_or(0, |r| r.site.pages.len()),
        diagnostics,
        ..Report::default()
    }
}

/// `casebook build`: render and, when there is no error, write the result into the output folder.
pub fn build(options: &BuildOptions) -> Report {
    // Nothing written: the output cannot be (exit code 2).
    let cannot_write = |diagnostic: Diagnostic| Report {
        diagnostics: vec![diagnostic],
        io_error: true,
        ..Report::default()
    };
    let output = options.output_dir();
    if let Some(reason) = output::refuse_output(&options.root, &output) {
        return cannot_write(
            Diagnostic::error(
                output.display().to_string(),
                format!("refusing to write the site here: {reason}"),
            )
            .with_hint("choose another folder with --output, such as public/"),
        );
    }
    if let Some(path) = &options.manifest
        && let Some(reason) = manifest::refuse_target(&options.root, path)
    {
        return cannot_write(
            Diagnostic::error(
                path.display().to_string(),
                format!("refusing to write the manifest here: {reason}"),
            )
            .with_hint("choose a new file outside the site's inputs with --manifest, such as manifest.json"),
        );
    }
    // Held until the end of the build: another build into this output waits for it.
    let _lock = match output_lock::acquire(&output, !options.no_wait) {
        Ok(lock) => lock,
        Err(diagnostic) => return cannot_write(diagnostic),
    };
    if let Err(e) = output::recover(&output) {
        let message = format!("cannot restore the previous build: {e}");
        return Report {
            diagnostics: vec![Diagnostic::error(output.display().to_string(), message)],
            ..Report::default()
        };
    }
    // Each page goes into the staging folder as soon as it is rendered.
    let spool = match output::Spool::open(&output) {
        Ok(spool) => spool,
        Err(diagnostic) => return cannot_write(diagnostic),
    };
    let (rendered, mut diagnostics) =
        crash::catch(|| render_into(options, &mut cache::Cache::default(), Some(&spool)))
            .unwrap_or_else(|crashed| (None, vec![crashed]));
    let Some(rendered) = rendered else {
        return Report {
            diagnostics,
            io_error: spool.failed(),
            ..Report::default()
        };
    };
    let mut timer = StageTimer::start();
    let mut report = Report {
        pages: rendered.site.pages.len(),
        ..Report::default()
    };
    let written =
        output::write_spooled(spool, &rendered.files, &rendered.copied, &rendered.manifest);
    timer.done("write");
    match written {
        Ok(written) => {
            report.files_written = written.files;
            report.files_removed = written.removed;
            diagnostics.extend(kept_diagnostics(&output, &written.kept));
            report.output_state = if written == output::Written::default() {
                output::OutputState::Unchanged
            } else {
                output::OutputState::Updated
            };
        }
        Err(failed) => {
            diagnostics.push(*failed.diagnostic);
            report.output_state = failed.output;
            report.io_error = true;
        }
    }
    if !report.io_error
        && let Some(path) = &options.manifest
        && let Err(e) = std::fs::write(path, manifest::to_json(&rendered.manifest))
    {
        diagnostics.push(Diagnostic::error(
            path.display().to_string(),
            format!("cannot write the manifest: {e}"),
        ));
        report.io_error = true;
    }
    report.diagnostics = finish(diagnostics);
    drop(rendered);
    timer.done("free");
    report
}
