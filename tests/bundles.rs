//! Content as authors of other generators lay it out: assets beside their pages, page bundles,
//! folders' `_index.md`, aliases of moved pages, and files that are not pages.

mod common;

use casebook::diagnostics::Severity;
use common::{Fixture, png};

/// The errors of a build as (file, line, column, message).
fn errors(report: &casebook::Report) -> Vec<(&str, usize, usize, &str)> {
    (report.diagnostics.iter())
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.file.as_str(), d.line, d.column, d.message.as_str()))
        .collect()
}

fn put(site: &Fixture, path: &str, bytes: &[u8]) {
    let target = site.root().join(path);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(target, bytes).unwrap();
}

const PRACTICE: &str = "---\ntitle: 捆绑的做法\naspect: green\ndate: 2023-01-19\n";

fn bundle_site() -> Fixture {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/bundle/index.zh.md",
        &format!(
            "{PRACTICE}---\n![封面](cover.png)\n\n![图 *一*](images/chart.png \"图表\")\n\n[附件](<报告 2023.pdf>)\n"
        ),
    );
    site.write(
        "content/practices/bundle/index.en.md",
        &format!("{PRACTICE}---\n![cover](cover.png)\n"),
    );
    put(&site, "content/practices/bundle/cover.png", &png(40, 30));
    put(
        &site,
        "content/practices/bundle/images/chart.png",
        &png(120, 80),
    );
    put(
        &site,
        "content/practices/bundle/报告 2023.pdf",
        b"%PDF-1.4\n",
    );
    site.write(
        "content/practices/flat.zh.md",
        &format!("{PRACTICE}---\n![图](bundle/cover.png)\n"),
    );
    site
}

#[test]
fn a_bundle_is_the_page_of_its_folder_with_its_files_beside_it() {
    let site = bundle_site();
    site.build_ok();
    assert!(!site.public().join("practices/bundle/index").exists());
    let page = site.page("practices/bundle/");
    assert_eq!(page.texts("h1"), ["捆绑的做法"]);
    let srcs = page.attrs(".content img", "src");
    assert_eq!(
        srcs,
        [
            "../../practices/bundle/cover.png",
            "../../practices/bundle/images/chart.png"
        ]
    );
    assert_eq!(page.attrs(".content img", "width"), ["40", "120"]);
    assert_eq!(page.attrs(".content img", "height"), ["30", "80"]);
    assert_eq!(page.attrs(".content img", "loading"), ["lazy", "lazy"]);
    assert_eq!(page.attrs(".content img", "alt"), ["封面", "图 一"]);
    assert_eq!(
        page.attrs(".content a[href$='.pdf']", "href"),
        ["../../practices/bundle/%E6%8A%A5%E5%91%8A%202023.pdf"]
    );
    // Every image and the attachment are published where the pages ask for them, once.
    for file in ["cover.png", "images/chart.png", "报告 2023.pdf"] {
        let published = site.public().join("practices/bundle").join(file);
        let source = site.root().join("content/practices/bundle").join(file);
        assert_eq!(
            std::fs::read(published).unwrap(),
            std::fs::read(source).unwrap()
        );
    }
    assert!(!site.public().join("en/practices/bundle/cover.png").exists());
    let english = site.page("en/practices/bundle/");
    assert_eq!(
        english.attrs(".content img", "src"),
        ["../../../practices/bundle/cover.png"]
    );
    // A page outside the bundle finds the same file by its own relative path.
    let flat = site.page("practices/flat/");
    assert_eq!(
        flat.attrs(".content img", "src"),
        ["../../practices/bundle/cover.png"]
    );
    // The manifest lists the copied files, so that verify checks them.
    let manifest = site.read("manifest.json");
    assert!(
        manifest.contains("\"practices/bundle/images/chart.png\""),
        "{manifest}"
    );
    assert!(
        casebook::manifest::verify(&site.public(), &serde_json::from_str(&manifest).unwrap())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_missing_image_or_attachment_is_an_error_at_its_position() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/gone.zh.md",
        &format!(
            "{PRACTICE}---\n正文\n\n![图](images/gone.png)\n\n见 [附件](../files/gone.pdf)。\n"
        ),
    );
    let report = site.build();
    assert_eq!(
        errors(&report),
        [
            (
                "content/practices/gone.zh.md",
                8,
                1,
                "links to practices/images/gone.png, which does not exist"
            ),
            (
                "content/practices/gone.zh.md",
                10,
                3,
                "links to files/gone.pdf, which does not exist"
            ),
        ]
    );
    assert!(!site.public().exists());
}

#[test]
fn a_folders_index_gives_its_list_page_a_title_and_text() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/_index.zh.md",
        "---\ntitle: 全部做法\n---\n这些做法来自 [关于](../about.zh.md) 所说的试点。\n",
    );
    site.build_ok();
    let list = site.page("practices/");
    assert_eq!(list.texts("h1"), ["全部做法"]);
    assert_eq!(list.attrs(".section-text a", "href"), ["../about/"]);
    assert!(list.texts(".section-text")[0].contains("这些做法来自"));
    // The English list keeps the collection's title; the `_index` is no practice of its own.
    assert_eq!(site.page("en/practices/").texts("h1"), ["Practices"]);
    assert!(!site.public().join("practices/practices").exists());
    let cards = list.count(".card-list > *");
    assert_eq!(
        cards, 2,
        "the first page holds the collection's first two practices"
    );
}

#[test]
fn an_alias_writes_a_redirect_that_is_not_in_the_sitemap() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/moved.zh.md",
        &format!("{PRACTICE}aliases: [/old/moved-practice/, practices/moved.html]\n---\n正文\n"),
    );
    site.build_ok();
    let redirect = site.read("old/moved-practice/index.html");
    assert!(
        redirect
            .contains("<meta http-equiv=\"refresh\" content=\"0; url=../../practices/moved/\">"),
        "{redirect}"
    );
    assert!(
        redirect.contains(
            "<link rel=\"canonical\" href=\"https://example.org/cases/practices/moved/\">"
        )
    );
    let file = site.read("practices/moved.html");
    assert!(file.contains("url=../practices/moved/"), "{file}");
    assert!(!site.read("sitemap.xml").contains("old/moved-practice"));
}

#[test]
fn an_alias_over_a_page_or_outside_the_site_is_an_error_at_its_line() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/moved.zh.md",
        &format!("{PRACTICE}aliases: [about/]\n---\n正文\n"),
    );
    site.write(
        "content/practices/climbing.zh.md",
        &format!("{PRACTICE}aliases: [../../etc/x/]\n---\n正文\n"),
    );
    let report = site.build();
    assert_eq!(
        errors(&report),
        [
            (
                "content/practices/climbing.zh.md",
                5,
                10,
                "`aliases`: \"../../etc/x/\" is not an address in this site"
            ),
            (
                "content/practices/moved.zh.md",
                5,
                10,
                "the alias /about/ cannot be written: the site already has a page there"
            ),
        ]
    );
}

#[test]
fn ignored_files_are_neither_pages_nor_published() {
    let site = Fixture::copy("basic");
    site.write("content/README.md", "# How to edit this casebook\n");
    site.write("content/practices/README.md", "Notes for editors\n");
    site.write("content/_includes/footer.md", "{{ partial }}\n");
    site.write("content/_includes/logo.svg", "<svg/>");
    site.write("content/notes.txt", "kept");
    // Without `ignore:`, a Markdown file without front matter is an error that names it.
    let report = site.build();
    let readme = report
        .diagnostics
        .iter()
        .find(|d| d.file == "content/README.md")
        .expect("an error for README.md");
    assert!(
        readme.hint.as_deref().unwrap_or("").contains("ignore:"),
        "{readme:?}"
    );

    let config = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &format!("{config}\nignore:\n  - README.md\n  - \"_includes/**\"\n"),
    );
    site.build_ok();
    assert!(!site.public().join("README.md").exists());
    assert!(!site.public().join("_includes").exists());
    assert_eq!(site.read("notes.txt"), "kept");
}

#[test]
fn a_static_file_that_a_page_replaces_is_a_warning() {
    let site = Fixture::copy("basic");
    site.write("static/robots.txt", "User-agent: *\n");
    site.write("static/about/index.html", "mine");
    let report = site.build_ok();
    let warned: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.message.contains("static file"))
        .map(|d| d.file.as_str())
        .collect();
    assert_eq!(warned, ["static/about/index.html", "static/robots.txt"]);
    assert_ne!(site.read("about/index.html"), "mine");
}
