//! Every link of a built site leads to a file of it: the example casebook and every fixture
//! site are built, and each `href`, `src`, `srcset`, `poster` and `action` of every page (and each
//! address in the feeds and the sitemap) is followed to a file, and its fragment to an id there.

mod common;

use common::{Fixture, Link, build_example, fixture_sites, resolve_link};
use scraper::{ElementRef, Html};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// A URL found in a built file, and whether it must be absolute (feed entries are read away
/// from the site, where a relative URL has nothing to be relative to).
struct Found {
    url: String,
    must_be_absolute: bool,
}

/// What one built file holds: its URLs, and the ids a fragment can point at.
#[derive(Default)]
struct Scanned {
    urls: Vec<Found>,
    ids: HashSet<String>,
}

/// The URLs of `srcset`: each candidate's URL, without its width or density.
fn srcset_urls(srcset: &str) -> Vec<String> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The URLs an element points at.
fn element_urls(element: ElementRef<'_>, base_url: &str) -> Vec<String> {
    let value = element.value();
    let mut urls: Vec<String> = ["href", "src", "poster", "action"]
        .iter()
        .filter_map(|name| value.attr(name))
        .map(str::to_string)
        .collect();
    if let Some(srcset) = value.attr("srcset") {
        urls.extend(srcset_urls(srcset));
    }
    if value.name() == "meta"
        && let Some(content) = value.attr("content")
    {
        let refresh = value
            .attr("http-equiv")
            .is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
        if refresh {
            let lower = content.to_ascii_lowercase();
            if let Some(at) = lower.find("url=") {
                let target = content[at + 4..].trim().trim_matches(['\'', '"']);
                urls.push(target.to_string());
            }
        } else if content.starts_with(base_url) {
            // `og:url`, `og:image`.
            urls.push(content.to_string());
        }
    }
    urls
}

fn scan_html(text: &str, base_url: &str) -> Scanned {
    let html = Html::parse_document(text);
    let mut scanned = Scanned::default();
    for element in html
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let value = element.value();
        if let Some(id) = value.id() {
            scanned.ids.insert(id.to_string());
        }
        if value.name() == "a"
            && let Some(name) = value.attr("name")
        {
            scanned.ids.insert(name.to_string());
        }
        for url in element_urls(element, base_url) {
            scanned.urls.push(Found {
                url,
                must_be_absolute: false,
            });
        }
    }
    scanned
}

/// A feed or the sitemap: the `href` of its elements, the addresses in `<loc>`, and the links
/// and images of the HTML in the feed entries' `<content>`.
fn scan_xml(text: &str, base_url: &str) -> Scanned {
    // The HTML parser reads these well enough: elements, attributes and decoded text.
    let xml = Html::parse_document(text);
    let mut scanned = Scanned::default();
    let absolute = |url: String| Found {
        url,
        must_be_absolute: true,
    };
    for element in xml
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        match element.value().name() {
            "loc" => scanned.urls.push(absolute(element.text().collect())),
            "content" => {
                let content = Html::parse_fragment(&element.text().collect::<String>());
                let inner = content.root_element().descendants();
                for inner in inner.filter_map(ElementRef::wrap) {
                    scanned
                        .urls
                        .extend(element_urls(inner, base_url).into_iter().map(absolute));
                }
            }
            _ => {
                if let Some(href) = element.value().attr("href") {
                    scanned.urls.push(absolute(href.to_string()));
                }
            }
        }
    }
    scanned
}

/// Every broken link of the site built in `public`, published at `base_url`: a line each, with
/// the file and the URL.
fn crawl(public: &Path, base_url: &str) -> Vec<String> {
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for entry in walkdir::WalkDir::new(public).min_depth(1) {
        let entry = entry.unwrap();
        let name = entry.path().strip_prefix(public).unwrap();
        let name = name.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            folders.insert(name);
        } else {
            files.insert(name);
        }
    }
    let scanned: BTreeMap<&str, Scanned> = files
        .iter()
        .filter_map(|name| {
            let read = || std::fs::read_to_string(public.join(name)).unwrap();
            let scanned = if name.ends_with(".html") {
                scan_html(&read(), base_url)
            } else if name.ends_with(".xml") {
                scan_xml(&read(), base_url)
            } else {
                return None;
            };
            Some((name.as_str(), scanned))
        })
        .collect();
    let mut broken = Vec::new();
    for (&name, file) in &scanned {
        for found in &file.urls {
            let url = &found.url;
            let link = resolve_link(name, url, base_url);
            let absolute = url.starts_with(base_url) || matches!(link, Link::External);
            let why = match link {
                Link::External => continue,
                _ if found.must_be_absolute && !absolute => {
                    "relative in a feed or the sitemap, where it is read away from the site".into()
                }
                Link::Outside(why) => why.to_string(),
                Link::File { path, .. } if folders.contains(&path) => {
                    "a folder without its trailing slash".into()
                }
                Link::File { path, .. } if !files.contains(&path) => format!("no file {path}"),
                Link::File {
                    path,
                    fragment: Some(fragment),
                } => {
                    let Some(target) = scanned.get(path.as_str()) else {
                        continue;
                    };
                    let top = fragment.is_empty() || fragment.eq_ignore_ascii_case("top");
                    if top || !path.ends_with(".html") || target.ids.contains(&fragment) {
                        continue;
                    }
                    format!("no id \"{fragment}\" in {path}")
                }
                Link::File { .. } => continue,
            };
            broken.push(format!("{name}: {url} ({why})"));
        }
    }
    broken
}

/// The site in `public` after `report`: its build's errors, or its broken links, each line
/// starting with `site`.
fn check(site: &str, report: &casebook::Report, public: &Path, root: &Path) -> Vec<String> {
    if report.has_errors() {
        let errors = casebook::diagnostics::to_human(&report.diagnostics, false);
        return vec![format!("{site}: the build failed:\n{errors}")];
    }
    let base_url = casebook::config::load(root).unwrap().base_url;
    crawl(public, &base_url)
        .into_iter()
        .map(|line| format!("{site}: {line}"))
        .collect()
}

/// Fails listing every broken link and every site that did not build.
fn assert_none(broken: &[String]) {
    assert!(
        broken.is_empty(),
        "{} broken links or failed builds:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn every_link_of_the_example_casebook_leads_to_a_file() {
    let output = tempfile::tempdir().unwrap();
    let report = build_example(output.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_none(&check("example", &report, output.path(), root));
}

#[test]
fn every_link_of_the_second_example_leads_to_a_file() {
    let site = Fixture::copy_example("association");
    let report = site.build();
    assert_none(&check("association", &report, &site.public(), site.root()));
}

#[test]
fn every_link_of_every_fixture_site_leads_to_a_file() {
    let sites = fixture_sites();
    assert!(sites.len() >= 2, "{sites:?}");
    let mut broken = Vec::new();
    for name in sites {
        let site = Fixture::copy(&name);
        let report = site.build();
        broken.extend(check(&name, &report, &site.public(), site.root()));
    }
    assert_none(&broken);
}

#[test]
fn the_crawler_finds_what_is_broken() {
    let site = Fixture::copy("basic");
    site.write(
        "content/about.en.md",
        "---\ntitle: About\n---\n\n<a href=\"../nowhere/\">a</a> <a href=\"#nothing\">b</a> \
         <a href=\"../../../../../above/\">c</a> <a href=\"../practices/cold-chain/#nope\">d</a> \
         <a href=\"../practices\">e</a> <img src=\"../missing.png\" alt=\"\"> \
         <a href=\"https://elsewhere.example/\">fine</a> <a href=\"mailto:a@example.org\">fine</a> \
         <a href=\"../practices/cold-chain/?q=1#top\">fine</a> <a id=\"here\" href=\"#here\">fine</a>\n",
    );
    let report = site.build_ok();
    let broken = check("basic", &report, &site.public(), site.root());
    let page = "basic: en/about/index.html:";
    let expected = [
        format!("{page} ../nowhere/ (no file en/nowhere/index.html)"),
        format!("{page} #nothing (no id \"nothing\" in en/about/index.html)"),
        format!("{page} ../../../../../above/ (climbs above the site root)"),
        format!(
            "{page} ../practices/cold-chain/#nope (no id \"nope\" in en/practices/cold-chain/index.html)"
        ),
        format!("{page} ../practices (a folder without its trailing slash)"),
        format!("{page} ../missing.png (no file en/missing.png)"),
    ];
    let mut expected: Vec<String> = expected.into_iter().collect();
    expected.sort();
    let mut found: Vec<String> = broken.into_iter().filter(|l| l.starts_with(page)).collect();
    found.sort();
    assert_eq!(found, expected);
}

#[test]
fn links_resolve_like_a_browser_on_the_published_site() {
    let base = "https://example.org/cases/";
    let file = |path: &str, fragment: Option<&str>| Link::File {
        path: path.into(),
        fragment: fragment.map(str::to_string),
    };
    let from = "practices/x/index.html";
    let cases = [
        ("../y/", file("practices/y/index.html", None)),
        ("../../style.css", file("style.css", None)),
        ("map.png", file("practices/x/map.png", None)),
        ("./", file("practices/x/index.html", None)),
        ("..", file("practices/index.html", None)),
        ("#a", file(from, Some("a"))),
        ("?page=2", file(from, None)),
        ("../y/?q=1#b", file("practices/y/index.html", Some("b"))),
        (
            "../../tags/%E6%A0%87%E7%AD%BE/",
            file("tags/标签/index.html", None),
        ),
        ("#%E6%A6%82%E8%BF%B0", file(from, Some("概述"))),
        ("https://example.org/cases/", file("index.html", None)),
        (
            "https://example.org/cases/en/print/#a",
            file("en/print/index.html", Some("a")),
        ),
        ("/cases/search/", file("search/index.html", None)),
        (
            "/elsewhere/",
            Link::Outside("a path outside the site's base path"),
        ),
        ("../../../up/", Link::Outside("climbs above the site root")),
        ("https://example.com/", Link::External),
        ("//cdn.example.com/x.js", Link::External),
        ("mailto:a@example.org", Link::External),
        ("data:image/png;base64,AAAA", Link::External),
    ];
    for (url, expected) in cases {
        assert_eq!(resolve_link(from, url, base), expected, "{url}");
    }
}
