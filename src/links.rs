//! External links: `casebook check --external` asks every linked site whether the page is still
//! there. Never part of a build. Requests run concurrently across hosts, one at a time and spaced
//! out per host, so that a casebook citing one ministry a hundred times does not hammer it.

use crate::diagnostics::Diagnostic;
use crate::progress::Progress;
use crate::site::Site;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ExternalOptions {
    pub user_agent: String,
    pub timeout: Duration,
    /// The least time between two requests to the same host.
    pub delay_per_host: Duration,
    /// How many hosts are asked at once.
    pub concurrency: usize,
    /// Told a line as each site's links start being asked (a large site takes minutes).
    pub progress: Option<fn(&str)>,
    /// A progress bar on stderr instead of the lines, when stderr is a terminal.
    pub bar: bool,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            user_agent: format!("casebook/{} (link check)", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(10),
            delay_per_host: Duration::from_millis(500),
            concurrency: 8,
            progress: None,
            bar: false,
        }
    }
}

/// Where a link is written: file, line, column, and the file's text for the excerpt.
struct Place<'a> {
    file: &'a str,
    text: &'a str,
    line: usize,
    column: usize,
}

/// Checks every external link of the site (in Markdown bodies and in URL fields of front matter)
/// and returns a warning for each dead one, at each place it is written.
pub fn check(site: &Site, options: &ExternalOptions) -> Vec<Diagnostic> {
    let mut places: BTreeMap<String, Vec<Place<'_>>> = BTreeMap::new();
    for page in &site.pages {
        let text = page.source.text.as_str();
        for (url, offset) in &page.rendered.external_links {
            let (line, column) =
                crate::diagnostics::line_column(text, page.source.body_offset + offset);
            places.entry(url.clone()).or_default().push(Place {
                file: &page.source.file,
                text,
                line,
                column,
            });
        }
        for (name, value) in &page.checked.fields {
            let urls: Vec<&str> = match value {
                crate::schema::Value::Text(s)
                    if s.starts_with("http://") || s.starts_with("https://") =>
                {
                    vec![s]
                }
                crate::schema::Value::List(items) => items
                    .iter()
                    .filter_map(|v| v.as_text())
                    .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
                    .collect(),
                _ => Vec::new(),
            };
            for url in urls {
                let (line, column) = page
                    .source
                    .positions
                    .of_item(text, name, url)
                    .unwrap_or((1, 1));
                places.entry(url.to_string()).or_default().push(Place {
                    file: &page.source.file,
                    text,
                    line,
                    column,
                });
            }
        }
    }
    let results = check_urls(places.keys().cloned().collect(), options);
    let mut diagnostics = Vec::new();
    for (url, problem) in results {
        for place in &places[&url] {
            diagnostics.push(
                Diagnostic::warning(place.file, format!("dead link {url}: {problem}"))
                    .at(place.text, place.line, place.column)
                    .with_hint("update the address, link to an archived copy, or remove the link"),
            );
        }
    }
    diagnostics
}

/// The host part of a URL, for grouping requests.
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Asks for each URL; returns the dead ones with what went wrong.
pub fn check_urls(urls: Vec<String>, options: &ExternalOptions) -> BTreeMap<String, String> {
    let urls_count = urls.len() as u64;
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for url in urls {
        by_host.entry(host(&url).to_string()).or_default().push(url);
    }
    let sites = by_host.len();
    let progress = Progress::new(urls_count, "links", options.progress, options.bar);
    let queue: Mutex<VecDeque<(usize, String, Vec<String>)>> = Mutex::new(
        (by_host.into_iter().enumerate())
            .map(|(i, (host, urls))| (i + 1, host, urls))
            .collect(),
    );
    let dead: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .user_agent(options.user_agent.as_str())
        .http_status_as_error(false)
        .max_redirects(10)
        .build()
        .into();
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1) {
            scope.spawn(|| {
                // The guard is consumed by `map`, so the queue is unlocked while a host is asked.
                while let Some((site, host, urls)) =
                    queue.lock().map(|mut q| q.pop_front()).unwrap_or(None)
                {
                    let links = match urls.len() {
                        1 => "1 link".to_string(),
                        n => format!("{n} links"),
                    };
                    progress.step(&format!(
                        "checking {links} on {host} (site {site} of {sites})"
                    ));
                    let mut last: Option<Instant> = None;
                    for url in urls {
                        if let Some(last) = last {
                            let wait = options.delay_per_host.saturating_sub(last.elapsed());
                            std::thread::sleep(wait);
                        }
                        last = Some(Instant::now());
                        if let Err(problem) = ask(&agent, &url)
                            && let Ok(mut dead) = dead.lock()
                        {
                            dead.insert(url, problem);
                        }
                        progress.advance(1);
                    }
                }
            });
        }
    });
    progress.finish();
    dead.into_inner().unwrap_or_default()
}

/// HEAD, then GET when the server does not answer HEAD properly.
fn ask(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = match agent.head(url).call() {
        Ok(response) => response.status().as_u16(),
        Err(e) => return Err(describe(e)),
    };
    let status = if matches!(status, 403 | 405 | 501) {
        match agent.get(url).call() {
            Ok(response) => response.status().as_u16(),
            Err(e) => return Err(describe(e)),
        }
    } else {
        status
    };
    if status >= 400 {
        Err(format!("the server answers {status}"))
    } else {
        Ok(())
    }
}

fn describe(error: ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "no answer in time".to_string(),
        ureq::Error::HostNotFound => "the host does not exist".to_string(),
        ureq::Error::ConnectionFailed => "the connection failed".to_string(),
        ureq::Error::TooManyRedirects => "too many redirects".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts() {
        assert_eq!(
            super::host("https://www.mofcom.gov.cn/article/x.shtml"),
            "www.mofcom.gov.cn"
        );
        assert_eq!(super::host("http://127.0.0.1:8080/a?b"), "127.0.0.1:8080");
    }
}
