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
            Box::new(|| {
                site.write(
                    practice,
                    &read(practice).replace("title: 统仓共配", "title: 统仓共配（修订）"),
                );
            }),
        ),
        (
            "a heading another page links to",
            Box::new(|| {
                site.write(
                    practice,
                    &read(practice).replace("## 做法", "## 做法\n\n## 新小节"),
                );
            }),
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
            Box::new(|| {
                site.write(
                    "site.yaml",
                    &read("site.yaml").replace("测试案例集", "测试案例集（二）"),
                );
            }),
        ),
        (
            "a removed page",
            Box::new(|| {
                std::fs::remove_file(site.root().join("content/practices/new.zh.md")).unwrap();
            }),
        ),
        (
            "a draft made public",
            Box::new(|| {
                site.write(
                    "content/practices/unfinished.zh.md",
                    &read("content/practices/unfinished.zh.md")
                        .replace("draft: true", "draft: false"),
                );
            }),
        ),
    ];
    for (what, edit) in edits {
        edit();
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
