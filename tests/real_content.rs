//! Content laid out as Hugo users have it, copied unchanged into `content/`, builds into the
//! site its authors expect: `tests/fixtures/hugo-blog` (a bilingual blog of customer stories
//! made of page bundles) and `tests/fixtures/hugo-docs` (an English documentation site of nested
//! sections). Each test checks what a reader of the built site would notice.

mod common;

use common::{Fixture, Link, Page, resolve_link};
use scraper::Selector;

const BLOG_URL: &str = "https://example.org/blog/";
const DOCS_URL: &str = "https://example.org/relay/";

/// The fixture built, with neither an error nor a warning.
fn built(name: &str) -> Fixture {
    let site = Fixture::copy(name);
    let report = site.build_ok();
    assert!(
        report.diagnostics.is_empty(),
        "{name} built with diagnostics:\n{}",
        casebook::diagnostics::to_human(&report.diagnostics, false)
    );
    site
}

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// The built file that `url`, found on the page at `url_path`, leads to: its path under the
/// output. Fails unless it is a file of the output.
fn target(site: &Fixture, url_path: &str, url: &str, base_url: &str) -> String {
    let from = format!("{url_path}index.html");
    match resolve_link(&from, url, base_url) {
        Link::File { path, .. } => {
            assert!(
                site.public().join(&path).is_file(),
                "{url} on {url_path} leads to {path}, which was not built"
            );
            path
        }
        other => panic!("{url} on {url_path} leads nowhere in the site: {other:?}"),
    }
}

/// The one image of the article at `url_path` whose `src` ends with `name`: it leads to a copy
/// of `source` (under the fixture's `content/`), and says the PNG's size and `loading="lazy"`.
fn assert_image(site: &Fixture, url_path: &str, name: &str, source: &str, base_url: &str) {
    let page = site.page(url_path);
    let selector = Selector::parse("article img").unwrap();
    let images: Vec<_> = page
        .html
        .select(&selector)
        .filter(|img| img.value().attr("src").is_some_and(|s| s.ends_with(name)))
        .collect();
    assert_eq!(images.len(), 1, "one image {name} on {url_path}");
    let img = images[0].value();
    let src = img.attr("src").unwrap();
    let copied = target(site, url_path, src, base_url);
    let original = std::fs::read(site.root().join("content").join(source)).unwrap();
    assert_eq!(
        std::fs::read(site.public().join(&copied)).unwrap(),
        original,
        "{copied} is a copy of {source}"
    );
    let (width, height) = png_size(&original);
    assert_eq!(img.attr("width"), Some(width.to_string().as_str()), "{src}");
    assert_eq!(
        img.attr("height"),
        Some(height.to_string().as_str()),
        "{src}"
    );
    assert_eq!(img.attr("loading"), Some("lazy"), "{src}");
}

/// The link of the page at `url_path` whose `href` contains `part`, and the built file and
/// fragment it leads to.
fn link_to(site: &Fixture, url_path: &str, part: &str, base_url: &str) -> (String, Option<String>) {
    let page = site.page(url_path);
    let hrefs = page.attrs("article a[href]", "href");
    let href = hrefs
        .iter()
        .find(|h| h.contains(part))
        .unwrap_or_else(|| panic!("no link with {part} on {url_path}: {hrefs:?}"));
    let path = target(site, url_path, href, base_url);
    match resolve_link(&format!("{url_path}index.html"), href, base_url) {
        Link::File { fragment, .. } => (path, fragment),
        _ => unreachable!(),
    }
}

/// Whether the built page `file` (a path under the output) has an element with id `id`.
fn has_id(site: &Fixture, file: &str, id: &str) -> bool {
    let text = std::fs::read_to_string(site.public().join(file)).unwrap();
    let page = Page {
        html: scraper::Html::parse_document(&text),
    };
    page.count(&format!("[id=\"{id}\"]")) == 1
}

/// Every file of the output, as paths under it.
fn outputs(site: &Fixture) -> Vec<String> {
    walkdir::WalkDir::new(site.public())
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(site.public()).unwrap();
            path.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

fn text_of(page: &Page, selector: &str) -> String {
    page.texts(selector).join(" ")
}

#[test]
fn blog_a_page_bundle_is_the_page_of_its_folder_with_its_images_beside_it() {
    let site = built("hugo-blog");
    for url_path in ["posts/seville-rollout/", "en/posts/seville-rollout/"] {
        assert!(site.public().join(url_path).join("index.html").is_file());
        assert!(!site.public().join(url_path).join("index").exists());
        assert_image(
            &site,
            url_path,
            "diagram.png",
            "posts/seville-rollout/images/diagram.png",
            BLOG_URL,
        );
    }
    assert!(
        site.public()
            .join("posts/seville-rollout/cover.png")
            .is_file()
    );
    // The translations of a bundle know each other.
    let zh = site.page("posts/seville-rollout/");
    assert!(
        zh.attrs("link[rel=alternate][hreflang=en]", "href")
            .contains(&format!("{BLOG_URL}en/posts/seville-rollout/")),
    );
}

#[test]
fn blog_a_pdf_is_published_next_to_its_page() {
    let site = built("hugo-blog");
    let source = site
        .root()
        .join("content/posts/marseille-migration/report.pdf");
    for url_path in [
        "posts/marseille-migration/",
        "en/posts/marseille-migration/",
    ] {
        let (path, _) = link_to(&site, url_path, "report.pdf", BLOG_URL);
        assert_eq!(
            std::fs::read(site.public().join(&path)).unwrap(),
            std::fs::read(&source).unwrap()
        );
    }
    assert!(
        site.public()
            .join("posts/marseille-migration/report.pdf")
            .is_file()
    );
}

#[test]
fn blog_a_moved_post_redirects_from_its_old_address() {
    let site = built("hugo-blog");
    let old = site.page("posts/danielle-old/");
    let refresh = old.attrs("meta[http-equiv=refresh]", "content");
    assert_eq!(refresh.len(), 1, "{refresh:?}");
    let url = refresh[0]
        .split_once("url=")
        .map(|(_, url)| url.trim())
        .expect("a URL in the refresh");
    assert_eq!(
        target(&site, "posts/danielle-old/", url, BLOG_URL),
        "posts/danielle-warehouse/index.html"
    );
    assert_eq!(
        old.attrs("link[rel=canonical]", "href"),
        [format!("{BLOG_URL}posts/danielle-warehouse/")]
    );
    let sitemap = site.read("sitemap.xml");
    assert!(!sitemap.contains("danielle-old"), "{sitemap}");
    assert!(sitemap.contains(&format!("{BLOG_URL}posts/danielle-warehouse/")));
}

#[test]
fn blog_the_readme_of_the_content_folder_is_not_published() {
    let site = built("hugo-blog");
    let published: Vec<String> = outputs(&site)
        .into_iter()
        .filter(|p| p.to_lowercase().contains("readme"))
        .collect();
    assert!(published.is_empty(), "{published:?}");
    // Nor is its text anywhere: in a page, a list or the search index.
    for file in outputs(&site) {
        if let Ok(text) = std::fs::read_to_string(site.public().join(&file)) {
            assert!(
                !text.contains("people who edit the blog"),
                "README.md in {file}"
            );
        }
    }
}

#[test]
fn blog_the_posts_list_takes_its_title_and_text_from_index_md() {
    let site = built("hugo-blog");
    let zh = site.page("posts/");
    assert!(
        text_of(&zh, "h1").contains("客户故事"),
        "{:?}",
        zh.texts("h1")
    );
    assert!(text_of(&zh, "main").contains("按时间倒序排列"));
    let en = site.page("en/posts/");
    assert!(
        text_of(&en, "h1").contains("Customer stories"),
        "{:?}",
        en.texts("h1")
    );
    assert!(text_of(&en, "main").contains("newest first"));
    for path in [
        "posts/index",
        "posts/_index",
        "en/posts/index",
        "en/posts/_index",
    ] {
        assert!(!site.public().join(path).exists(), "{path} is not a page");
    }
}

#[test]
fn blog_tags_that_differ_by_an_invisible_character_are_one_term() {
    let site = built("hugo-blog");
    let tags = site.page("tags/");
    let names = tags.texts(".term-list .term-name");
    let migration: Vec<&String> = names.iter().filter(|n| n.contains("迁移")).collect();
    assert_eq!(migration, ["云迁移"], "{names:?}");
    assert!(!names.iter().any(|n| n.contains('\u{200b}')), "{names:?}");
    let hrefs = tags.attrs(".term-list a", "href");
    let term = hrefs
        .iter()
        .zip(&names)
        .find(|(_, n)| n.contains("迁移"))
        .map(|(h, _)| h)
        .unwrap();
    let file = target(&site, "tags/", term, BLOG_URL);
    let term_page = site.page(file.strip_suffix("index.html").unwrap());
    let listed = term_page.attrs("main a[href*='posts/']", "href");
    for post in ["seville-rollout", "marseille-migration"] {
        assert!(
            listed.iter().any(|h| h.contains(post)),
            "{post}: {listed:?}"
        );
    }
}

#[test]
fn blog_titles_and_summaries_read_as_written() {
    let site = built("hugo-blog");
    // `title: 2019`, a number in YAML.
    let year = site.page("posts/year-2019/");
    assert_eq!(year.texts("h1.page-title"), ["2019"]);
    assert!(year.texts("title")[0].starts_with("2019 · "));
    // A folded scalar: its lines joined by spaces.
    assert_eq!(
        year.texts(".page-summary"),
        ["这一年我们完成了十二个项目， 其中一半与 Elle 美发这样的老客户合作。"]
    );
    // A file with CRLF line ends.
    let en = site.page("en/posts/year-2019/");
    assert_eq!(en.texts("h1.page-title"), ["2019 in review"]);
    assert_eq!(
        en.texts(".page-summary"),
        ["Twelve projects this year, half of them with customers such as Elle Salons."]
    );
    assert!(has_id(
        &site,
        "en/posts/year-2019/index.html",
        "looking-back"
    ));
    // A non-breaking space in a title.
    let marseille = site.page("en/posts/marseille-migration/");
    let title = text_of(&marseille, "h1.page-title");
    assert!(
        title.contains("Marseille") && title.contains("Core"),
        "{title}"
    );
}

#[test]
fn blog_footnotes_and_headings_link_the_way_github_writes_them() {
    let site = built("hugo-blog");
    // Raw-HTML anchors: `<sup id="a1">[1](#f1)</sup>` and `<a id="f1"></a>`.
    for url_path in [
        "posts/marseille-migration/",
        "en/posts/marseille-migration/",
    ] {
        let file = format!("{url_path}index.html");
        for id in ["a1", "f1", "a2", "f2"] {
            assert!(has_id(&site, &file, id), "{id} on {url_path}");
        }
    }
    // `../marseille-migration/index.en.md#aspnet-core` under `## ASP.NET Core`.
    for url_path in ["posts/seville-rollout/", "en/posts/seville-rollout/"] {
        let (file, fragment) = link_to(&site, url_path, "marseille-migration", BLOG_URL);
        assert_eq!(fragment.as_deref(), Some("aspnet-core"));
        assert!(
            has_id(&site, &file, "aspnet-core"),
            "#aspnet-core in {file}"
        );
    }
}

#[test]
fn blog_names_ending_in_lle_are_searchable() {
    let site = built("hugo-blog");
    let (_, meta) = registered(&site.read("search-index/meta.js"));
    let k = meta["k"].as_u64().unwrap() as u32;
    for name in ["Elle", "Seville", "Marseille", "Danielle"] {
        let terms = casebook::search::tokenize::index_terms(name);
        assert!(!terms.is_empty(), "{name} is indexed");
        for term in terms {
            let shard = casebook::search::shard::shard_of(&term, k);
            let (_, postings) = registered(&site.read(&format!("search-index/s/{shard}.js")));
            assert!(
                postings.get(&term).is_some(),
                "{name} ({term}) is in the index"
            );
        }
    }
}

/// The name and data a script of the search index registers.
fn registered(text: &str) -> (String, serde_json::Value) {
    let rest = text
        .strip_prefix("window.__casebookSearch.register(\"")
        .expect("a register call");
    let (name, rest) = rest.split_once("\",").unwrap();
    let json = rest.trim_end().strip_suffix(");").unwrap();
    (name.to_string(), serde_json::from_str(json).unwrap())
}

#[test]
fn docs_bundles_and_media_folders_give_their_images() {
    let site = built("hugo-docs");
    assert!(site.public().join("docs/guide/index.html").is_file());
    assert!(!site.public().join("docs/guide/index").exists());
    assert_image(
        &site,
        "docs/guide/",
        "screenshot.png",
        "docs/guide/screenshot.png",
        DOCS_URL,
    );
    // `../media/settings.png` from `docs/guides/setup/configure.md`.
    assert_image(
        &site,
        "docs/guides/setup/configure/",
        "settings.png",
        "docs/guides/media/settings.png",
        DOCS_URL,
    );
}

#[test]
fn docs_sections_take_their_titles_from_index_md() {
    let site = built("hugo-docs");
    for (url_path, title) in [
        ("docs/", "Relay documentation"),
        ("docs/guides/", "Guides"),
        ("docs/guides/setup/", "Setup"),
    ] {
        let page = site.page(url_path);
        assert!(
            text_of(&page, "h1").contains(title),
            "{url_path}: {:?}",
            page.texts("h1")
        );
    }
    let install = site.page("docs/guides/setup/install/");
    assert_eq!(install.texts("h1.page-title"), ["Installing Relay"]);
}

/// Each folder of the documentation is a list of what it holds: the pages directly in it and
/// the folders below, with breadcrumbs up to the collection; a page says where it is the same way.
#[test]
fn docs_folders_are_sections_with_breadcrumbs_and_their_own_pages() {
    let site = built("hugo-docs");
    let docs = site.page("docs/");
    assert_eq!(docs.attrs(".subsections a", "href"), ["../docs/guides/"]);
    let cards = docs.texts(".card-title");
    assert!(
        cards.iter().any(|t| t.contains("Upgrading Relay")),
        "{cards:?}"
    );
    assert!(
        !cards.iter().any(|t| t.contains("Installing Relay")),
        "a page of a folder below is listed in its own folder: {cards:?}"
    );

    let guides = site.page("docs/guides/");
    assert_eq!(
        guides.texts(".breadcrumb a"),
        ["Home", "Relay documentation"]
    );
    assert_eq!(
        guides.attrs(".subsections a", "href"),
        ["../../docs/guides/setup/"]
    );
    assert_eq!(
        guides.count(".card"),
        0,
        "only a folder below: {:?}",
        guides.texts("main")
    );

    let setup = site.page("docs/guides/setup/");
    assert_eq!(
        setup.texts(".breadcrumb a"),
        ["Home", "Relay documentation", "Guides"]
    );
    assert_eq!(setup.count(".card"), 2);
    assert!(text_of(&setup, ".list-count").contains('2'));

    let install = site.page("docs/guides/setup/install/");
    assert_eq!(
        install.texts(".breadcrumb a"),
        ["Home", "Relay documentation", "Guides", "Setup"]
    );
    // A folder's `_index.md` is its list, not a page of the menu.
    let menu = install.attrs(".site-nav a", "href");
    assert!(!menu.iter().any(|href| href.contains("guides")), "{menu:?}");
}

#[test]
fn docs_partials_under_includes_are_neither_pages_nor_published() {
    let site = built("hugo-docs");
    let published: Vec<String> = outputs(&site)
        .into_iter()
        .filter(|p| p.contains("includes"))
        .collect();
    assert!(published.is_empty(), "{published:?}");
    for file in outputs(&site) {
        if let Ok(text) = std::fs::read_to_string(site.public().join(&file)) {
            assert!(!text.contains("Relay tracker"), "a partial in {file}");
        }
    }
}

#[test]
fn docs_headings_link_the_way_github_writes_them() {
    let site = built("hugo-docs");
    // `## Migrating from -> v1.18.0`, linked from another page.
    let (file, fragment) = link_to(&site, "docs/guides/setup/install/", "upgrading", DOCS_URL);
    assert_eq!(fragment.as_deref(), Some("migrating-from---v1180"));
    assert!(has_id(&site, &file, "migrating-from---v1180"), "{file}");
    // `## Upgrading from → v1.17.0`, linked from its own page.
    let upgrading = site.page("docs/upgrading/");
    assert!(
        upgrading
            .attrs("article a[href]", "href")
            .contains(&"#upgrading-from--v1170".to_string())
    );
    assert!(has_id(
        &site,
        "docs/upgrading/index.html",
        "upgrading-from--v1170"
    ));
}
