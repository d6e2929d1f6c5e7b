//! Rebuilding with a cache (as `serve` does) gives exactly what a fresh build gives, after every
//! kind of edit.

mod common;

use casebook::BuildOptions;
use casebook::cache::Cache;
use common::Fixture;

fn files(rendered: Option<casebook::Rendered>) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = rendered
        .expect("builds")
        .files
        .into_iter()
        .map(|f| (f.path, f.bytes.to_vec()))
        .collect();
    files.sort();
    files
}

/// An edit that writes `to` in place of `from` in the file at `path`.
fn replace<'a>(site: &'a Fixture, path: &'a str, from: &'a str, to: &'a str) -> Box<dyn Fn() + 'a> {
    Box::new(move || {
        let text = std::fs::read_to_string(site.root().join(path)).unwrap();
        site.write(path, &text.replace(from, to));
    })
}

#[test]
fn a_cached_rebuild_equals_a_fresh_build_after_each_edit() {
    let site = Fixture::copy("basic");
    let options = BuildOptions {
        serve_mode: true,
        drafts: true,
        ..BuildOptions::new(site.root())
    };
    let mut cache = Cache::persistent();
    let practice = "content/practices/joint-delivery.zh.md";
    let summarized = "content/practices/cold-chain.zh.md";
    let read = |path: &str| std::fs::read_to_string(site.root().join(path)).unwrap();
    type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        ("nothing", Box::new(|| {})),
        (
            "a body",
            Box::new(|| {
                site.write(practice, &format!("{}\n新的一段。\n", read(practice)));
            }),
        ),
        // With a summary in its front matter, a body edit leaves every list page as it was.
        (
            "the body of a page with a summary",
            Box::new(|| {
                site.write(summarized, &format!("{}\n新的一段。\n", read(summarized)));
            }),
        ),
        (
            "a title",
            replace(
                &site,
                practice,
                "title: 统仓共配",
                "title: 统仓共配（修订）",
            ),
        ),
        // Lists show each page's aspect by name: every summary changes with it.
        (
            "the name of an aspect in site.yaml",
            replace(&site, "site.yaml", "zh: 物流,", "zh: 物流配送,"),
        ),
        (
            "a heading another page links to",
            replace(&site, practice, "## 做法", "## 做法\n\n## 新小节"),
        ),
        (
            "a new page",
            Box::new(|| {
                site.write("content/practices/new.zh.md", "---\ntitle: 新\naspect: trade\ndate: 2025-01-01\n---\n见 [统仓共配](joint-delivery.zh.md)。\n");
            }),
        ),
        (
            "a term",
            Box::new(|| {
                site.write(
                    "content/practices/new.zh.md",
                    "---\ntitle: 新\naspect: green\ndate: 2025-01-01\ntags: [新标签]\n---\n正文\n",
                );
            }),
        ),
        // Front matter read by other pages: each edit is a rebuild of its own, so that a page
        // that depends on it and is not rendered again shows.
        (
            "a date that moves a page in the lists",
            replace(
                &site,
                "content/practices/older-green.zh.md",
                "2021-03-01",
                "2023-06-01",
            ),
        ),
        (
            "a summary",
            replace(&site, summarized, "冷链的做法。", "冷链的新做法。"),
        ),
        (
            "the first paragraph of a page without a summary",
            replace(&site, practice, "统仓共配的做法。", "统仓共配的新做法。"),
        ),
        (
            "an aspect",
            replace(&site, practice, "aspect: logistics", "aspect: trade"),
        ),
        (
            "a tag another page has",
            replace(&site, practice, "tags: [物流]", "tags: [物流, 冷链]"),
        ),
        (
            "a region",
            replace(&site, summarized, "region: 江苏省", "region: 浙江省"),
        ),
        (
            "the title of a page outside the collections",
            replace(
                &site,
                "content/about.zh.md",
                "title: 关于",
                "title: 关于我们",
            ),
        ),
        (
            "a new translation",
            Box::new(|| {
                site.write(
                    "content/practices/joint-delivery.en.md",
                    "---\ntitle: Joint delivery\naspect: trade\ndate: 2022-06-01\n---\nText.\n",
                );
            }),
        ),
        (
            "the title of a translation",
            Box::new(|| {
                let english = "content/practices/cold-chain.en.md";
                site.write(
                    english,
                    &read(english).replace(
                        "title: Standardizing the cold chain",
                        "title: The cold chain, standardized",
                    ),
                );
            }),
        ),
        (
            "a link to another page",
            Box::new(|| {
                let about = "content/about.zh.md";
                let linked = format!(
                    "{}\n见[统仓共配](practices/joint-delivery.zh.md)。\n",
                    read(about)
                );
                site.write(about, &linked);
            }),
        ),
        (
            "the slug of a page another links to",
            Box::new(|| {
                site.write(
                    practice,
                    &read(practice).replace(
                        "title: 统仓共配（修订）",
                        "title: 统仓共配（修订）\nslug: joint",
                    ),
                );
            }),
        ),
        (
            "a new strings.yaml",
            Box::new(|| {
                site.write(
                    "strings.yaml",
                    "zh:\n  home: 首页（测试）\nen:\n  home: Start\n",
                );
            }),
        ),
        (
            "a string in strings.yaml",
            replace(&site, "strings.yaml", "home: Start", "home: Begin"),
        ),
        (
            "a template",
            Box::new(|| {
                site.write(
                    "templates/page.html",
                    "<html><body><h1>{{ page.title }}</h1>{{ page.content | safe }}</body></html>",
                );
            }),
        ),
        (
            "site.yaml",
            replace(&site, "site.yaml", "测试案例集", "测试案例集（二）"),
        ),
        (
            "a removed page",
            Box::new(|| {
                std::fs::remove_file(site.root().join("content/practices/new.zh.md")).unwrap();
            }),
        ),
        (
            "a folder's _index page",
            Box::new(|| {
                site.write(
                    "content/practices/_index.zh.md",
                    "---\ntitle: 全部做法\n---\n试点的做法。\n",
                );
            }),
        ),
        (
            "the text of an _index page",
            replace(
                &site,
                "content/practices/_index.zh.md",
                "试点的做法",
                "全部试点的做法",
            ),
        ),
        (
            "the title of an _index page",
            replace(
                &site,
                "content/practices/_index.zh.md",
                "全部做法",
                "所有做法",
            ),
        ),
        (
            "a page in a folder of its own",
            Box::new(|| {
                site.write(
                    "content/practices/east/harbour/pier.zh.md",
                    "---\ntitle: 码头\naspect: trade\ndate: 2023-05-01\n---\n码头的做法。\n",
                );
            }),
        ),
        (
            "the _index page of a folder below",
            Box::new(|| {
                site.write(
                    "content/practices/east/_index.zh.md",
                    "---\ntitle: 东部\n---\n东部的做法。\n",
                );
            }),
        ),
        (
            "the title of a folder's _index page, which its pages show above them",
            replace(&site, "content/practices/east/_index.zh.md", "东部", "华东"),
        ),
        (
            "an image beside a page, and a link to it",
            Box::new(|| {
                std::fs::write(
                    site.root().join("content/practices/map.png"),
                    common::png(40, 30),
                )
                .unwrap();
                site.write(practice, &format!("{}\n![地图](map.png)\n", read(practice)));
            }),
        ),
        (
            "the size of an image",
            Box::new(|| {
                std::fs::write(
                    site.root().join("content/practices/map.png"),
                    common::png(80, 60),
                )
                .unwrap();
            }),
        ),
        (
            "a draft made public",
            replace(
                &site,
                "content/practices/unfinished.zh.md",
                "draft: true",
                "draft: false",
            ),
        ),
    ];
    for (what, edit) in edits {
        let before = common::snapshot(site.root());
        edit();
        assert!(
            what == "nothing" || common::snapshot(site.root()) != before,
            "the edit of {what} changed nothing"
        );
        let (cached, diagnostics) = casebook::render_cached(&options, &mut cache);
        assert!(
            !diagnostics.iter().any(|d| d.is_error()),
            "{what}: {diagnostics:?}"
        );
        let (fresh, _) = casebook::render(&options);
        let (cached, fresh) = (files(cached), files(fresh));
        let differing: Vec<&String> = cached
            .iter()
            .zip(&fresh)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| &a.0)
            .collect();
        assert_eq!(cached.len(), fresh.len(), "after editing {what}");
        assert!(
            differing.is_empty(),
            "after editing {what}, cached output differs: {differing:?}"
        );
    }
}

/// A print version in parts: a cached rebuild after a body edit, and after an edit that moves
/// pages from one part to the next, gives what a fresh build gives.
#[test]
fn a_cached_rebuild_of_a_print_version_in_parts_equals_a_fresh_build() {
    let site = common::large_print_site();
    let options = BuildOptions {
        serve_mode: true,
        ..BuildOptions::new(site.root())
    };
    let mut cache = Cache::persistent();
    let page = "content/practices/big-3.zh.md";
    let text = std::fs::read_to_string(site.root().join(page)).unwrap();
    let edits = [
        format!("{text}\n新的一段。\n"),
        format!("{text}\n{}\n", "很长的补充。".repeat(150_000)),
        // Its part's contents and the index show the title; the other parts do not.
        text.replace("大案例 3", "改名的大案例"),
        text.replace("大案例 3", "再次改名的案例"),
    ];
    let (first, _) = casebook::render_cached(&options, &mut cache);
    let parts = |files: &[(String, Vec<u8>)]| {
        (files.iter())
            .filter(|(path, _)| path.starts_with("print/") && path != "print/index.html")
            .count()
    };
    let before = parts(&files(first));
    assert!(before > 1, "{before} parts");
    for (n, edit) in edits.iter().enumerate() {
        site.write(page, edit);
        let (cached, _) = casebook::render_cached(&options, &mut cache);
        let (fresh, _) = casebook::render(&options);
        let (cached, fresh) = (files(cached), files(fresh));
        let differing: Vec<&String> = (cached.iter().zip(&fresh))
            .filter(|(a, b)| a != b)
            .map(|(a, _)| &a.0)
            .collect();
        assert_eq!(cached.len(), fresh.len(), "after edit {n}");
        assert!(differing.is_empty(), "after edit {n}: {differing:?}");
        if n == 1 {
            assert_ne!(parts(&fresh), before, "the long page moved the parts");
        }
    }
}
