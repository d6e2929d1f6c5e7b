//! The second example, `examples/association`: a logistics association's bilingual library of
//! case studies with authors and member companies, an industry taxonomy and nested member guides.
//! It builds into a site that speaks of its own subject, shows every field it declares, links
//! every taxonomy and uses its own `strings.yaml`.

mod common;

use common::Fixture;
use scraper::{Html, Selector};

fn built() -> Fixture {
    let site = Fixture::copy_example("association");
    let report = site.build_ok();
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        casebook::diagnostics::to_human(&report.diagnostics, false)
    );
    site
}

/// What a reader sees of an HTML page: its text and the attributes that are read out or shown.
fn visible_text(html: &str) -> String {
    let document = Html::parse_document(html);
    let mut text: Vec<String> = Vec::new();
    let body = Selector::parse("body").unwrap();
    for body in document.select(&body) {
        for node in body.descendants() {
            if let Some(t) = node.value().as_text()
                && !node
                    .parent()
                    .and_then(|p| p.value().as_element())
                    .is_some_and(|e| e.name() == "script" || e.name() == "style")
            {
                text.push(t.to_string());
            }
            if let Some(element) = node.value().as_element() {
                for attr in ["placeholder", "aria-label", "title", "alt"] {
                    text.extend(element.attr(attr).map(str::to_string));
                }
            }
        }
    }
    let title = Selector::parse("title").unwrap();
    text.extend(
        document
            .select(&title)
            .map(|t| t.text().collect::<String>()),
    );
    text.join(" ")
}

#[test]
fn no_page_speaks_of_the_example_casebook() {
    let site = built();
    let pages = site.built_texts(&["html"]);
    assert!(pages.len() > 30, "{} pages", pages.len());
    for (path, html) in pages {
        let text = visible_text(&html).to_lowercase();
        for word in ["practice", "aspect", "pilot", "做法", "方面", "试点"] {
            assert!(!text.contains(word), "{path} says {word:?}");
        }
    }
}

#[test]
fn a_case_study_shows_every_field_it_has_with_its_label() {
    let site = built();
    let page = site.page("cases/shared-pallet-pool/");
    assert_eq!(
        page.texts(".facts dt"),
        [
            "Published",
            "Written by",
            "Member company",
            "Industry",
            "Port",
            "Topics",
            "Full report"
        ]
    );
    let facts = page.texts(".facts dd").join(" | ");
    for value in [
        "Mira Okafor",
        "Tomás Reyes",
        "Eastgate Storage",
        "Warehousing",
        "Eastgate",
    ] {
        assert!(facts.contains(value), "{value}: {facts}");
    }
    let links = page.attrs(".facts a", "href");
    for term in ["industry/warehousing/", "port/eastgate/", "tags/pallets/"] {
        assert!(
            links.iter().any(|href| href.ends_with(term)),
            "{term}: {links:?}"
        );
    }
    let chinese = site.page("zh/cases/shared-pallet-pool/");
    assert_eq!(
        chinese.texts(".facts dt")[..3],
        ["发布日期", "作者", "会员企业"]
    );
}

#[test]
fn its_strings_and_taxonomies_are_in_effect() {
    let site = built();
    let home = site.page("");
    assert_eq!(
        home.attrs("input[type=search]", "placeholder")[0],
        "Search case studies, members, ports…"
    );
    assert!(visible_text(&site.read("index.html")).contains("reviewed by the association"));
    let menu = home.attrs(".site-nav a", "href");
    for taxonomy in ["industry/", "port/"] {
        assert!(
            menu.iter().any(|href| href.ends_with(taxonomy)),
            "{taxonomy}: {menu:?}"
        );
    }
    let zh = site.page("zh/");
    assert_eq!(
        zh.attrs("input[type=search]", "placeholder")[0],
        "搜索案例、会员企业、港口…"
    );
}

#[test]
fn the_dated_case_studies_have_a_feed_and_the_guides_none() {
    let site = built();
    let feed = common::atom(&site.read("cases/atom.xml"));
    assert_eq!(feed.entries.len(), 4);
    assert!(feed.updated.starts_with("2024-09-03"), "{}", feed.updated);
    assert!(!site.public().join("guides/atom.xml").exists());
    let guides = site.page("guides/");
    assert_eq!(
        guides.texts(".subsections a"),
        ["Membership", "Publishing a case study"]
    );
}
