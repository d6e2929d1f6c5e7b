//! End-to-end builds of fixture sites, checked by parsing the output.

mod common;

use common::{Fixture, snapshot};

#[test]
fn translations_link_to_each_other_both_ways() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let zh = site.page("practices/cold-chain");
    let en = site.page("en/practices/cold-chain");
    let zh_alternates = zh.attrs("link[rel=alternate][hreflang]", "href");
    let en_alternates = en.attrs("link[rel=alternate][hreflang]", "href");
    for alternates in [&zh_alternates, &en_alternates] {
        assert!(
            alternates.contains(&"https://example.org/cases/practices/cold-chain/".to_string()),
            "{alternates:?}"
        );
        assert!(
            alternates.contains(&"https://example.org/cases/en/practices/cold-chain/".to_string()),
            "{alternates:?}"
        );
    }
    assert!(
        zh.attrs("a[hreflang=en]", "href")
            .contains(&"../../en/practices/cold-chain/".to_string())
    );
    assert!(
        en.attrs("a[hreflang=zh]", "href")
            .contains(&"../../../practices/cold-chain/".to_string())
    );
    assert_eq!(zh.attrs("html", "lang"), ["zh"]);
    assert_eq!(en.attrs("html", "lang"), ["en"]);
}

#[test]
fn term_pages_list_their_members_newest_first_and_closed_terms_keep_declared_order() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let green = site.page("aspect/green");
    let links = green.attrs("main a[href*='practices/']", "href");
    let cold = links
        .iter()
        .position(|h| h.contains("cold-chain"))
        .expect("cold-chain listed");
    let older = links
        .iter()
        .position(|h| h.contains("older-green"))
        .expect("older-green listed");
    assert!(cold < older, "newest first: {links:?}");
    assert!(
        !links.iter().any(|h| h.contains("joint-delivery")),
        "{links:?}"
    );

    let aspects = site.page("aspect");
    let names = aspects.texts("main a[href*='aspect/']");
    let order: Vec<usize> = ["物流", "绿色", "贸易"]
        .iter()
        .map(|n| {
            names
                .iter()
                .position(|x| x.contains(n))
                .unwrap_or_else(|| panic!("{n} in {names:?}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "declared order: {names:?}"
    );
}

#[test]
fn chinese_terms_get_readable_paths_and_years_are_derived_from_dates() {
    let site = Fixture::copy("basic");
    site.build_ok();
    assert!(site.public().join("tags/冷链/index.html").exists());
    assert!(site.public().join("region/江苏省/index.html").exists());
    assert!(site.public().join("en/tags/cold-chain/index.html").exists());
    let year = site.page("year/2023");
    assert!(
        year.attrs("main a", "href")
            .iter()
            .any(|h| h.contains("cold-chain"))
    );
}

/// A page links every taxonomy it carries, the year its date gives included.
#[test]
fn a_page_links_the_year_its_date_gives() {
    let site = Fixture::copy("basic");
    site.build_ok();
    for (url_path, year) in [
        ("practices/cold-chain/", "../../year/2023/"),
        ("en/practices/cold-chain/", "../../../en/year/2023/"),
    ] {
        let page = site.page(url_path);
        let dated = page.attrs(".facts a:has(time)", "href");
        assert_eq!(dated, [year], "{url_path}");
    }
}

#[test]
fn invisible_characters_are_no_part_of_titles_slugs_and_terms() {
    let site = Fixture::copy("basic");
    // The first page's front matter escapes them; the second has them as they were pasted in.
    site.write(
        "content/practices/unseen-a.zh.md",
        "---\ntitle: \"\\uFEFF\\u200B看不见的字符\\u00A0 \"\nslug: \"\\u200Bunseen\"\naspect: green\n\
         date: 2024-03-01\ntags: [\"冷链\\u200B物流\", \"\\u2060冷链物流\\u00AD\"]\n---\n正文\n",
    );
    site.write(
        "content/practices/unseen-b.zh.md",
        "---\ntitle: 看得见\naspect: green\ndate: 2024-03-02\ntags: [冷链物流, 冷链\u{200B}物流]\n---\n正文\n",
    );
    site.build_ok();

    let tags: Vec<String> = std::fs::read_dir(site.public().join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("物流") && name != "物流")
        .collect();
    assert_eq!(tags, ["冷链物流"], "one term page for the look-alike tags");
    let members = site
        .page("tags/冷链物流")
        .attrs("main a[href*='practices/']", "href");
    assert!(
        members.iter().any(|h| h.contains("practices/unseen/")),
        "{members:?}"
    );
    assert!(
        members.iter().any(|h| h.contains("practices/unseen-b/")),
        "{members:?}"
    );

    let page = site.page("practices/unseen");
    let title = page.texts("title").concat();
    assert!(title.starts_with("看不见的字符"), "{title:?}");
    assert!(
        !title.contains(['\u{FEFF}', '\u{200B}', '\u{00A0}']),
        "{title:?}"
    );
    assert_eq!(page.texts("h1"), ["看不见的字符"]);
}

#[test]
fn internal_markdown_links_become_page_urls() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let page = site.page("practices/cold-chain");
    let hrefs = page.attrs("main a", "href");
    // Non-ASCII fragments are percent-encoded, which browsers match against the id.
    assert!(
        hrefs.contains(&"../../practices/joint-delivery/#%E5%81%9A%E6%B3%95".to_string()),
        "{hrefs:?}"
    );
    assert!(hrefs.contains(&"../../about/".to_string()), "{hrefs:?}");
    assert_eq!(page.texts("div.note"), ["原样保留的 HTML"], "raw HTML kept");
}

#[test]
fn a_broken_internal_link_fails_the_build_with_file_line_and_column() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: logistics\ndate: 2022-06-01\n---\n## 做法\n\n见 [缺失](missing.zh.md)。\n",
    );
    let report = site.build();
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "content/practices/joint-delivery.zh.md");
    assert_eq!((errors[0].line, errors[0].column), (8, 3));
    assert_eq!(
        errors[0].message,
        "links to practices/missing.zh.md, which does not exist"
    );
}

#[test]
fn a_link_to_a_missing_heading_is_an_error() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: logistics\ndate: 2022-06-01\n---\n## 做法\n\n[背景](cold-chain.zh.md#背影)\n",
    );
    let report = site.build();
    let error = report
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error");
    assert_eq!(
        error.message,
        "#背影 is not a heading of content/practices/cold-chain.zh.md"
    );
    assert_eq!(error.line, 8);
    assert_eq!(error.hint.as_deref(), Some("did you mean #背景?"));
}

#[test]
fn a_site_template_overrides_the_theme_template() {
    let site = Fixture::copy("basic");
    site.write(
        "templates/page.html",
        "<!doctype html><html lang=\"{{ lang }}\"><body><h1 class=\"overridden\">{{ page.title }}</h1><p class=\"contact\">{{ page.extra.contact | default(value='') }}</p></body></html>",
    );
    site.build_ok();
    let page = site.page("practices/cold-chain");
    assert_eq!(page.texts("h1.overridden"), ["冷链物流标准化"]);
    assert_eq!(
        page.texts("p.contact"),
        ["张三"],
        "undeclared fields reach templates as page.extra"
    );
    // Other templates still come from the theme.
    assert!(site.page("").count("html") == 1);
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let first = snapshot(&site.public());
    site.build_ok();
    let second = snapshot(&site.public());
    assert!(first.len() > 20, "{} files", first.len());
    assert!(first == second, "builds differ");

    // And in another folder.
    let other = Fixture::copy("basic");
    other.build_ok();
    assert!(
        first == snapshot(&other.public()),
        "builds in two folders differ"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let before = snapshot(&site.public());
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: [unclosed\n---\n",
    );
    let report = site.build();
    assert!(report.has_errors());
    assert!(
        before == snapshot(&site.public()),
        "public/ changed after a failed build"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("casebook") && !n.ends_with(".casebook-lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Fixture::copy("basic");
    site.build_ok();
    assert!(!site.public().join("practices/unfinished").exists());
    let mut options = casebook::BuildOptions::new(site.root());
    options.drafts = true;
    assert!(!casebook::build(&options).has_errors());
    assert!(
        site.public()
            .join("practices/unfinished/index.html")
            .exists()
    );
}

#[test]
fn front_matter_text_is_escaped() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let page = site.page("about");
    assert_eq!(
        page.count("script[src]")
            + page
                .texts("h1")
                .iter()
                .filter(|t| t.contains("<script>"))
                .count(),
        page.count("script[src]") + 1
    );
    let raw = site.read("about/index.html");
    assert!(!raw.contains("<script>alert(1)</script>"));
    assert!(
        raw.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || raw.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
}

#[test]
fn collections_are_paginated() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let first = site.page("practices");
    let second = site.page("practices/page/2");
    assert_eq!(first.count("main a[href*='practices/older-green'], main a[href*='practices/cold-chain'], main a[href*='practices/joint-delivery']"), 2);
    assert!(
        second
            .attrs("main a", "href")
            .iter()
            .any(|h| h.contains("older-green"))
    );
}

#[test]
fn feeds_sitemap_robots_and_404_are_written() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let feed = site.read("atom.xml");
    assert!(feed.contains("<feed"), "{feed}");
    assert!(feed.contains("https://example.org/cases/practices/cold-chain/"));
    assert!(
        site.read("en/atom.xml")
            .contains("Standardizing the cold chain")
    );
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("hreflang=\"en\""), "{sitemap}");
    assert!(
        site.read("robots.txt")
            .contains("Sitemap: https://example.org/cases/sitemap.xml")
    );
    let not_found = scraper::Html::parse_document(&site.read("404.html"));
    let sel = scraper::Selector::parse("a[href]").unwrap();
    assert!(
        not_found
            .select(&sel)
            .any(|a| a.value().attr("href").unwrap().starts_with("/cases/"))
    );
    assert!(site.public().join("print/index.html").exists());
    assert!(site.public().join("en/print/index.html").exists());
}

#[test]
fn the_output_folder_is_refused_when_it_would_replace_the_site() {
    let site = Fixture::copy("basic");
    for output in [
        site.root().to_path_buf(),
        site.root().join("content"),
        site.root().join(".."),
    ] {
        let mut options = casebook::BuildOptions::new(site.root());
        options.output = Some(output.clone());
        let report = casebook::build(&options);
        assert!(report.has_errors(), "{}", output.display());
        assert!(
            report.diagnostics[0]
                .message
                .starts_with("refusing to write the site here")
        );
    }
    assert!(
        site.root()
            .join("content/practices/cold-chain.zh.md")
            .exists()
    );
}

#[test]
fn ids_stay_unique_on_the_print_page() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let print = site.page("print");
    let ids = print.attrs("[id]", "id");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate ids: {ids:?}");
    // In-page links still point at existing ids.
    for href in print.attrs("main a[href^='#']", "href") {
        let id = casebook::markdown::percent_decode(&href[1..]);
        assert!(ids.contains(&id), "{href} has no target");
    }
}

#[test]
fn the_print_page_holds_every_article_in_its_aspect() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let print = site.page("print");
    let listed = print.attrs(".print-toc ol ol a", "href");
    let articles: Vec<String> = print
        .attrs("article.print-page", "id")
        .into_iter()
        .map(|id| format!("#{id}"))
        .collect();
    assert!(articles.len() >= 2, "{articles:?}");
    assert_eq!(listed, articles, "articles in the order of the contents");
    assert_eq!(
        print.count("article.print-page h2.print-page-title"),
        articles.len()
    );
}

#[test]
fn a_print_template_that_changes_its_articles_gets_the_articles_themselves() {
    let site = Fixture::copy("basic");
    site.write(
        "templates/print.html",
        "{% for a in print.aspects %}{% for p in a.pages %}[{{ p.printed | upper }}]({{ p.printed | truncate(length=9) }}){% endfor %}{% endfor %}",
    );
    site.build_ok();
    let print = site.read("print/index.html");
    assert!(print.contains("[<ARTICLE CLASS=\"PRINT-PAGE\""), "{print}");
    assert!(print.contains("(&lt;article …)"), "{print}");
    assert!(!print.contains(['\u{FDD0}', '\u{FDD1}']), "{print}");
}

#[test]
fn pages_outside_collections_are_linked_from_every_page() {
    let site = Fixture::copy("basic");
    site.build_ok();
    assert!(
        site.page("")
            .attrs("nav a", "href")
            .contains(&"./about/".to_string())
    );
    assert!(
        site.page("practices/cold-chain")
            .attrs("nav a", "href")
            .contains(&"../../about/".to_string())
    );
    // Only in its own language.
    assert!(
        !site
            .page("en")
            .attrs("a", "href")
            .iter()
            .any(|h| h.ends_with("about/"))
    );
}

#[test]
fn a_link_lands_on_an_anchor_written_in_raw_html() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/cold-chain.zh.md",
        "---\ntitle: 冷链物流标准化\naspect: green\ndate: 2023-01-19\n---\n## 背景\n\n冷链的做法<sup><a href=\"#f1\">1</a></sup>。\n\n## 注释\n\n<a id=\"f1\"></a>1. 出处。<a name=\"f2\"></a>\n",
    );
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: logistics\ndate: 2022-06-01\n---\n见 [注释一](cold-chain.zh.md#f1)、[注释二](cold-chain.zh.md#f2) 与 [本页](#note)。\n\n<p id='note'>备注</p>\n",
    );
    site.build_ok();
    let page = site.page("practices/joint-delivery");
    assert!(
        page.attrs("a", "href")
            .contains(&"../../practices/cold-chain/#f1".to_string()),
        "{:?}",
        page.attrs("a", "href")
    );
}

#[test]
fn headings_get_the_ids_github_gives_them() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/cold-chain.zh.md",
        "---\ntitle: 冷链物流标准化\naspect: green\ndate: 2023-01-19\n---\n## ASP.NET Core\n\n## 背景与目标\n\n## 背景与目标\n\n## Overview {#intro-1}\n\n## Intro\n\n## Intro\n",
    );
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: logistics\ndate: 2022-06-01\n---\n[a](cold-chain.zh.md#aspnet-core) [b](cold-chain.zh.md#背景与目标-1) [c](cold-chain.zh.md#intro-1) [d](cold-chain.zh.md#intro-2)\n",
    );
    site.build_ok();
    let page = site.page("practices/cold-chain");
    assert_eq!(
        page.attrs("a.anchor", "href"),
        [
            "#aspnet-core",
            "#背景与目标",
            "#背景与目标-1",
            "#intro-1",
            "#intro",
            "#intro-2"
        ]
    );
}

#[test]
fn a_link_to_the_top_of_a_page_lands() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: logistics\ndate: 2022-06-01\n---\n## 做法\n\n[回到顶部](#top) [顶部](#) [冷链](cold-chain.zh.md#top)\n",
    );
    site.build_ok();
}

#[test]
fn the_facts_box_shows_every_declared_field_with_its_label_in_declared_order() {
    let site = Fixture::copy("blog");
    site.build_ok();
    let post = site.page("posts/retail-pilot");
    // `customer` has no label: its name; `reviewer` has `show: false`.
    assert_eq!(
        post.texts(".facts dt"),
        [
            "Published",
            "Author",
            "customer",
            "Industry",
            "Website",
            "Tags"
        ]
    );
    assert_eq!(post.texts(".facts time"), ["12 March 2024"]);
    assert_eq!(post.attrs(".facts time", "datetime"), ["2024-03-12"]);
    assert_eq!(
        post.texts(".facts .list li"),
        ["Ada Lovelace", "Grace Hopper"]
    );
    assert_eq!(post.texts(".facts dd")[2], "Northwind Stores");
    assert_eq!(
        post.attrs(".facts a.url", "href"),
        ["https://northwind.example.com/"]
    );
    assert!(!post.html.html().contains("Charles Babbage"));
    // Terms link to their term pages, which exist.
    let terms = post.attrs(".facts dd a:not(.url)", "href");
    assert_eq!(
        terms,
        [
            "../../industry/retail/",
            "../../tags/inventory/",
            "../../tags/pilots/"
        ]
    );
    for href in &terms {
        let term = href.trim_start_matches("../");
        assert!(
            site.public().join(term).join("index.html").is_file(),
            "{term}"
        );
    }

    // Labels and dates in the reader's language; a field without a value is left out.
    let zh = site.page("zh/posts/retail-pilot");
    assert_eq!(zh.texts(".facts dt"), ["发布日期", "作者", "行业"]);
    assert_eq!(zh.texts(".facts time"), ["2024年3月12日"]);
    assert_eq!(
        zh.attrs(".facts dd a", "href"),
        ["../../../zh/industry/零售/"]
    );

    // A page with no field to show has no facts box at all.
    assert_eq!(site.page("docs/setup").count(".facts"), 0);
}

#[test]
fn a_site_strings_file_overrides_the_theme_strings_key_by_key() {
    let site = Fixture::copy("basic");
    site.write(
        "strings.yaml",
        "zh:\n  search_label: 站内搜索\nen:\n  home: Start\n",
    );
    site.build_ok();
    let zh = site.page("practices/cold-chain");
    let en = site.page("en/practices/cold-chain");
    assert_eq!(zh.texts("label[for=search-input]"), ["站内搜索"]);
    assert_eq!(
        zh.texts(".breadcrumb li a")[0],
        "首页",
        "the theme's, not overridden"
    );
    assert_eq!(en.texts(".breadcrumb li a")[0], "Start");
    assert_eq!(en.texts("label[for=search-input]"), ["Search this site"]);

    site.write("strings.yaml", "en: [home]\n");
    let report = site.build();
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("strings.yaml", 1)
    );
}

#[test]
fn a_site_of_another_subject_shows_none_of_the_example_casebook_wording() {
    let site = Fixture::copy("blog");
    site.build_ok();
    let texts = site.built_texts(&[".html", ".xml"]);
    assert!(texts.len() > 20, "{}", texts.len());
    for (path, text) in &texts {
        let lower = text.to_lowercase();
        for word in [
            "practice",
            "aspect",
            "not stated",
            "做法",
            "方面",
            "原文",
            "五个",
            "典型",
            "汇编",
            "compiled from",
        ] {
            assert!(!lower.contains(word), "{path} says {word:?}");
        }
    }
    // The theme's own generic words are there instead.
    let home = site.page("");
    assert_eq!(home.texts(".section-more"), ["See all"]);
    assert_eq!(
        home.attrs("#search-input", "placeholder"),
        ["Search this site…"]
    );
    assert_eq!(home.count(".footer-note"), 0);
}

#[test]
fn a_third_and_a_right_to_left_language_use_the_default_language_strings_with_one_warning() {
    let site = Fixture::copy("blog");
    site.replace(
        "site.yaml",
        "  - code: zh\n    name: 中文\n",
        "  - code: zh\n    name: 中文\n  - code: fr\n    name: Français\n  - code: ar\n    name: العربية\n",
    )
    .replace(
        "site.yaml",
        "title: { en: Case studies, zh: 案例研究 }",
        "title: { en: Case studies, zh: 案例研究, ar: دراسات حالة }",
    )
    .write(
        "content/posts/retail-pilot.ar.md",
        "---\ntitle: تجربة سلسلة متاجر\ndate: 2024-03-12\nindustry: تجزئة\n---\nعدّوا الرفوف كل صباح.\n",
    )
    .write(
        "content/posts/retail-pilot.fr.md",
        "---\ntitle: L'essai d'une chaîne de magasins\ndate: 2024-03-12\n---\nIls ont compté les rayons.\n",
    )
    .write("strings.yaml", "fr:\n  home: Accueil\n");
    let report = site.build_ok();
    let warnings: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0];
    assert!(
        warning.contains("fr lacks ") && warning.contains("skip_to_content"),
        "{warning}"
    );
    assert!(!warning.contains(" home,"), "fr has its home: {warning}");
    assert!(warning.contains("ar has none"), "{warning}");
    assert!(warning.ends_with("they are shown in en"), "{warning}");

    let ar = site.page("ar/posts/retail-pilot");
    assert_eq!(ar.attrs("html", "dir"), ["rtl"]);
    assert_eq!(ar.attrs("html", "lang"), ["ar"]);
    assert_eq!(ar.texts(".skip-link"), ["Skip to content"]);
    assert_eq!(ar.texts(".breadcrumb li a"), ["Home", "دراسات حالة"]);
    let fr = site.page("fr/posts/retail-pilot");
    assert!(fr.attrs("html", "dir").is_empty());
    assert_eq!(fr.texts(".breadcrumb li a"), ["Accueil", "Case studies"]);
    // The site's title and description have no French: the default language's.
    assert_eq!(fr.texts(".site-name"), ["Field Notes"]);
    assert!(
        site.page("posts/retail-pilot")
            .attrs("html", "dir")
            .is_empty()
    );
    for lang in ["fr", "ar"] {
        let home = site.page(lang);
        assert_eq!(home.attrs("html", "lang"), [lang]);
        assert!(home.attrs("a[hreflang]", "hreflang").len() >= 3);
    }
}

#[test]
fn a_taxonomy_with_nav_true_is_a_menu_of_the_header_and_nav_false_takes_one_out() {
    let site = Fixture::copy("blog");
    site.build_ok();
    assert_eq!(site.page("").count(".site-nav details"), 0, "open: no menu");
    site.replace(
        "site.yaml",
        "    title: { en: Industries, zh: 行业 }\n",
        "    title: { en: Industries, zh: 行业 }\n    nav: true\n",
    );
    site.build_ok();
    for (path, root) in [("", "./"), ("posts/retail-pilot", "../../")] {
        let page = site.page(path);
        assert_eq!(page.texts(".site-nav summary"), ["Industries"]);
        let links = page.attrs(".site-nav details a", "href");
        assert_eq!(
            links,
            [
                format!("{root}industry/food/"),
                format!("{root}industry/retail/"),
                format!("{root}industry/"),
            ]
        );
        for link in &links {
            let target = link.strip_prefix(root).unwrap();
            assert!(site.public().join(target).join("index.html").is_file());
        }
    }

    // A closed taxonomy is a menu unless it says `nav: false`.
    let basic = Fixture::copy("basic");
    basic.build_ok();
    assert_eq!(basic.page("").texts(".site-nav summary"), ["方面"]);
    basic.replace(
        "site.yaml",
        "    closed: true\n",
        "    closed: true\n    nav: false\n",
    );
    basic.build_ok();
    assert_eq!(basic.page("").count(".site-nav details"), 0);
}

#[test]
fn every_term_page_is_linked_from_the_pages_that_carry_the_term() {
    let site = Fixture::copy("blog");
    site.build_ok();
    let mut linked = std::collections::BTreeSet::new();
    for (path, text) in site.built_texts(&["index.html"]) {
        if !path.contains("posts/") || path.contains("posts/index.html") {
            continue;
        }
        let page = common::Page {
            html: scraper::Html::parse_document(&text),
        };
        for href in page.attrs("main a[href]", "href") {
            if let common::Link::File { path: target, .. } =
                common::resolve_link(&path, &href, "https://example.org/notes/")
            {
                linked.insert(target);
            }
        }
    }
    let terms: Vec<String> = site
        .built_texts(&["index.html"])
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| {
            let parts: Vec<&str> = path.trim_start_matches("zh/").split('/').collect();
            parts.len() == 3 && ["industry", "tags"].contains(&parts[0])
        })
        .collect();
    assert_eq!(terms.len(), 5, "{terms:?}");
    for term in &terms {
        assert!(
            linked.contains(term),
            "{term} is linked from no page: {linked:?}"
        );
    }
}

#[test]
fn each_dated_collection_has_its_feed_and_the_site_feed_merges_them() {
    let site = Fixture::copy("blog");
    // Documentation first: the site's feed is not taken from the first collection.
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let (head, rest) = yaml.split_once("  posts:\n").unwrap();
    let (posts, docs) = rest.split_once("  docs:\n").unwrap();
    let (docs, tail) = docs.split_once("taxonomies:\n").unwrap();
    site.write(
        "site.yaml",
        &format!("{head}  docs:\n{docs}  posts:\n{posts}taxonomies:\n{tail}"),
    );
    // A second dated collection, with one page newer than every post.
    site.replace(
        "site.yaml",
        "taxonomies:\n",
        "  news:\n    folder: news\n    title: { en: News, zh: 新闻 }\n    fields:\n      date: { type: date, required: true }\ntaxonomies:\n",
    )
    .write(
        "content/news/meeting.en.md",
        "---\ntitle: The spring meeting\ndate: 2024-04-01\n---\nWe met.\n",
    );
    site.build_ok();

    let feed = |path: &str| common::atom(&site.read(path));
    let titles = |f: &common::AtomFeed| {
        f.entries
            .iter()
            .map(|e| e.title.clone())
            .collect::<Vec<_>>()
    };
    let posts = feed("posts/atom.xml");
    assert_eq!(posts.id, "https://example.org/notes/posts/atom.xml");
    assert_eq!(
        titles(&posts),
        ["A retail chain's pilot", "A bakery's first year"]
    );
    assert_eq!(posts.updated, "2024-03-12T00:00:00Z");
    assert_eq!(posts.entries[1].updated, "2023-11-02T00:00:00Z");
    assert_eq!(titles(&feed("news/atom.xml")), ["The spring meeting"]);
    assert_eq!(titles(&feed("zh/posts/atom.xml")), ["一家零售连锁的试点"]);
    // No feed for documentation, whose pages have no dates, in any language.
    assert!(!site.public().join("docs/atom.xml").exists());
    assert!(!site.public().join("zh/docs/atom.xml").exists());
    // Nor for a language without news.
    assert!(!site.public().join("zh/news/atom.xml").exists());

    let all = feed("atom.xml");
    assert_eq!(all.id, "https://example.org/notes/atom.xml");
    assert_eq!(all.title, "Field Notes");
    assert_eq!(all.updated, "2024-04-01T00:00:00Z");
    assert_eq!(
        titles(&all),
        [
            "The spring meeting",
            "A retail chain's pilot",
            "A bakery's first year"
        ]
    );
    assert_eq!(
        all.entries[0].link,
        "https://example.org/notes/news/meeting/"
    );
    assert_eq!(titles(&feed("zh/atom.xml")), ["一家零售连锁的试点"]);

    // Every feed written is valid Atom, and its dates are the pages' own.
    for (path, text) in site.built_texts(&["atom.xml"]) {
        let parsed = common::atom(&text);
        for date in
            std::iter::once(&parsed.updated).chain(parsed.entries.iter().map(|e| &e.updated))
        {
            assert!(!date.starts_with("1970"), "{path}: {date}");
        }
    }
    // The collection's list links its feed; a list without one links none.
    let list = site.page("posts");
    assert!(
        list.attrs("link[type='application/atom+xml']", "href")
            .contains(&"../posts/atom.xml".to_string())
    );
    assert_eq!(
        site.page("docs")
            .attrs("link[type='application/atom+xml']", "href"),
        ["../atom.xml"]
    );
}

#[test]
fn a_site_whose_pages_have_no_dates_has_no_feed_and_links_none() {
    let site = Fixture::copy("blog");
    site.replace(
        "site.yaml",
        "      date: { type: date, required: true, label: { en: Published, zh: 发布日期 } }\n",
        "",
    );
    for post in ["retail-pilot.en", "retail-pilot.zh", "bakery.en"] {
        let path = format!("content/posts/{post}.md");
        let text = std::fs::read_to_string(site.root().join(&path)).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("date:")).collect();
        site.write(&path, &(kept.join("\n") + "\n"));
    }
    site.build_ok();
    assert!(
        site.built_texts(&[".xml"])
            .iter()
            .all(|(p, _)| p == "sitemap.xml")
    );
    let home = site.page("");
    assert_eq!(home.count("link[type='application/atom+xml']"), 0);
    assert_eq!(home.count("a[type='application/atom+xml']"), 0);
}

/// A field of type `any` reaches templates as written, map or number or text, unchecked and out
/// of the facts box.
#[test]
fn an_any_field_keeps_its_value_for_templates() {
    let site = Fixture::copy("basic");
    site.replace(
        "site.yaml",
        "      summary: { type: text }\n",
        "      summary: { type: text }\n      params: { type: any }\n",
    );
    site.replace(
        "content/practices/cold-chain.zh.md",
        "contact: 张三\n",
        "contact: 张三\nparams: { weight: 3, links: [a, b], home: https://example.org/ }\n",
    );
    site.replace(
        "content/practices/joint-delivery.zh.md",
        "tags: [物流]\n",
        "tags: [物流]\nparams: 2019\n",
    );
    site.write(
        "templates/page.html",
        "<!doctype html><html><body><p class=\"p\">{% if not page.fields.params %}{% elif page.fields.params.home %}{{ page.fields.params.home }} {% for l in page.fields.params.links %}{{ l }}{% endfor %}{% else %}{{ page.fields.params }}{% endif %}</p><p class=\"w\">{% if page.fields.params and page.fields.params.weight %}{{ page.fields.params.weight + 1 }}{% endif %}</p></body></html>",
    );
    let report = site.build_ok();
    let about_params: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("params"))
        .collect();
    assert!(about_params.is_empty(), "{about_params:#?}");
    let page = site.page("practices/cold-chain");
    assert_eq!(page.texts("p.p"), ["https://example.org/ ab"]);
    assert_eq!(page.texts("p.w"), ["4"]);
    assert_eq!(site.page("practices/joint-delivery").texts("p.p"), ["2019"]);
}

/// `unknown_fields: allow` silences the warnings for undeclared keys; they stay in page.extra.
#[test]
fn unknown_fields_can_be_allowed_per_collection() {
    let site = Fixture::copy("basic");
    let warned = |report: &casebook::Report| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("`contact` is not a field"))
            .count()
    };
    assert_eq!(warned(&site.build_ok()), 1);
    site.replace(
        "site.yaml",
        "    paginate: 2\n",
        "    paginate: 2\n    unknown_fields: allow\n",
    );
    site.write(
        "templates/page.html",
        "<!doctype html><html><body><p class=\"contact\">{{ page.extra.contact | default(value='') }}</p></body></html>",
    );
    assert_eq!(warned(&site.build_ok()), 0);
    assert_eq!(
        site.page("practices/cold-chain").texts("p.contact"),
        ["张三"]
    );
}

/// `pages: { fields: … }` declares the fields of pages outside the collections: their keys are
/// checked and typed, and no longer warnings.
#[test]
fn pages_outside_collections_declare_their_fields() {
    let site = Fixture::copy("basic");
    site.replace(
        "content/about.zh.md",
        "summary: 关于本站\n",
        "summary: 关于本站\nweight: 3\nparams: { wide: true }\n",
    );
    let warned = |report: &casebook::Report| -> Vec<String> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.file == "content/about.zh.md")
            .map(|d| d.message.clone())
            .collect()
    };
    assert_eq!(
        warned(&site.build_ok()),
        [
            "`weight` is not a field of a page outside the collections",
            "`params` is not a field of a page outside the collections",
        ]
    );
    site.replace(
        "site.yaml",
        "taxonomies:\n",
        "pages:\n  fields:\n    weight: { type: integer }\n    params: { type: any }\ntaxonomies:\n",
    );
    site.write(
        "templates/page.html",
        "<!doctype html><html><body><p class=\"w\">{{ page.fields.weight | default(value='') }}</p></body></html>",
    );
    assert!(warned(&site.build_ok()).is_empty());
    assert_eq!(site.page("about").texts("p.w"), ["3"]);
    site.replace("content/about.zh.md", "weight: 3\n", "weight: heavy\n");
    let report = site.build();
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.file == "content/about.zh.md" && d.line == 4),
        "{:#?}",
        report.diagnostics
    );
}

/// Adds `count` Chinese practices of one aspect and date, `p00.zh.md` on: a long list.
fn add_practices(site: &Fixture, count: usize) {
    for n in 0..count {
        site.write(
            &format!("content/practices/p{n:02}.zh.md"),
            &format!("---\ntitle: 做法 {n}\naspect: trade\ndate: 2020-01-01\n---\n正文。\n"),
        );
    }
}

/// Without `paginate:`, a list shows 50 pages a page; `paginate: 0` keeps them on one.
#[test]
fn long_lists_are_paginated_by_default() {
    let site = Fixture::copy("basic");
    site.replace("site.yaml", "    paginate: 2\n", "");
    add_practices(&site, 52);
    site.build_ok();
    let links = |path: &str| {
        site.page(path)
            .attrs("main a", "href")
            .into_iter()
            .filter_map(|h| {
                let (_, rest) = h.rsplit_once("practices/")?;
                let name = rest.trim_end_matches('/').to_string();
                (!name.is_empty() && !name.starts_with("page")).then_some(name)
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(links("practices"), 50);
    assert!(links("practices/page/2") > 0);
    assert!(!site.public().join("practices/page/3").exists());
    site.replace(
        "site.yaml",
        "  practices:\n",
        "  practices:\n    paginate: 0\n",
    );
    site.build_ok();
    assert_eq!(links("practices"), 55);
    assert!(!site.public().join("practices/page/2").exists());
}

/// A list of many pages links from each page the first, the last and the pages near it, not
/// every page (which makes a list of n pages n² links), and every page stays reachable.
#[test]
fn a_long_paginated_list_links_the_nearby_pages_and_marks_the_gaps() {
    let site = Fixture::copy("basic");
    site.replace("site.yaml", "    paginate: 2\n", "    paginate: 1\n");
    add_practices(&site, 40);
    site.build_ok();
    let numbers = |path: &str| {
        site.page(path)
            .texts(".pagination-pages li a, .pagination-pages .is-current")
    };
    let middle = numbers("practices/page/20");
    assert_eq!(
        middle,
        ["1", "18", "19", "20", "21", "22", "43"].map(String::from)
    );
    assert_eq!(site.page("practices/page/20").count(".pagination-gap"), 2);
    assert_eq!(
        numbers("practices"),
        ["1", "2", "3", "43"].map(String::from)
    );
    // Each page links the next, so every page is reached from the first.
    assert!(site.public().join("practices/page/43/index.html").exists());
    assert!(!site.public().join("practices/page/44").exists());
}

/// Folders inside a collection are sections: a folder of many pages is paginated like the
/// collection, says where it is, and exists in the languages that have pages in it.
#[test]
fn a_folder_of_many_pages_is_a_paginated_section_in_its_languages() {
    let site = Fixture::copy("basic");
    for n in 0..5 {
        site.write(
            &format!("content/practices/east/harbour/p{n}.zh.md"),
            &format!(
                "---\ntitle: 港口 {n}\naspect: trade\ndate: 2023-02-0{}\n---\n正文。\n",
                n + 1
            ),
        );
    }
    site.write(
        "content/practices/east/harbour/p0.en.md",
        "---\ntitle: Harbour 0\naspect: trade\ndate: 2023-02-01\n---\nText.\n",
    );
    site.build_ok();
    // `paginate: 2` in the fixture: five pages on three list pages.
    let first = site.page("practices/east/harbour/");
    assert_eq!(first.count(".card"), 2);
    assert_eq!(
        first.texts(".breadcrumb a"),
        ["首页", "案例", "east"],
        "a folder without _index.md is named by its folder"
    );
    assert_eq!(
        site.page("practices/east/harbour/page/3/").count(".card"),
        1
    );
    let east = site.page("practices/east/");
    assert_eq!(east.count(".card"), 0);
    assert_eq!(
        east.attrs(".subsections a", "href"),
        ["../../practices/east/harbour/"]
    );
    // The collection's own list names the folder instead of its pages.
    let practices = site.page("practices/");
    assert!(
        practices
            .attrs(".subsections a", "href")
            .contains(&"../practices/east/".to_string()),
        "{:?}",
        practices.attrs(".subsections a", "href")
    );
    assert!(
        !practices
            .texts(".card-title")
            .iter()
            .any(|t| t.contains("港口"))
    );
    // In English the folder holds one page, and each language's list links the other.
    let english = site.page("en/practices/east/harbour/");
    assert_eq!(english.count(".card"), 1);
    assert!(
        site.public()
            .join("en/practices/east/harbour/index.html")
            .is_file()
    );
    let page = site.page("practices/east/harbour/p0/");
    assert_eq!(
        page.texts(".breadcrumb a"),
        ["首页", "案例", "east", "harbour"]
    );
}

/// A print version too large to open and print as one page is split into parts of a bounded
/// size, per aspect, with an index linking every article; each article is printed once.
#[test]
fn a_large_print_version_is_split_into_parts_with_an_index() {
    let site = common::large_print_site();
    site.build_ok();
    let index = site.page("print/");
    assert_eq!(
        index.count("article.print-page"),
        0,
        "the index prints no article"
    );
    let links = index.attrs(".print-parts ol ol a", "href");
    assert!(links.len() >= 60, "{} links", links.len());
    let parts: std::collections::BTreeSet<String> = links
        .iter()
        .map(|href| href.split('#').next().unwrap().to_string())
        .collect();
    assert!(parts.len() >= 3, "{parts:?}");
    let mut printed = Vec::new();
    for part in &parts {
        let url_path = part.trim_start_matches("../");
        let html = site.read(&format!("{url_path}index.html"));
        assert!(html.len() < 5 << 20, "{url_path} is {} bytes", html.len());
        let page = site.page(url_path);
        printed.extend(page.attrs("article.print-page", "id"));
    }
    // Every link of the index leads to its article in a part.
    for href in &links {
        let (part, id) = href.split_once('#').unwrap();
        let page = site.page(part.trim_start_matches("../"));
        assert_eq!(page.count(&format!("[id='{id}']")), 1, "{href}");
    }
    let total = printed.len();
    printed.sort();
    printed.dedup();
    assert_eq!(printed.len(), total, "an article printed twice");
    assert_eq!(total, links.len());
}
