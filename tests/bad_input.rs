//! Bad input: each case gets a clear diagnostic at the exact file, line and column, and none
//! panics.

mod common;

use casebook::diagnostics::{Diagnostic, Severity};
use common::Fixture;

const FILE: &str = "content/practices/bad.zh.md";

/// Builds the basic fixture with `content/practices/bad.zh.md` holding `text`; returns the errors.
fn errors_for(text: &[u8]) -> Vec<Diagnostic> {
    let site = Fixture::copy("basic");
    let path = site.root().join(FILE);
    std::fs::write(&path, text).unwrap();
    let report = site.build();
    assert!(!site.public().exists(), "a failed build wrote nothing");
    report
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// The one error of `report`, which must be in site.yaml at `place` (line, column), its message
/// starting with `prefix`; `case` names the input in a failure.
fn one_site_yaml_error<'a>(
    report: &'a casebook::Report,
    place: (usize, usize),
    prefix: &str,
    case: &str,
) -> &'a Diagnostic {
    let errors: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{case}: {errors:#?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line, errors[0].column),
        ("site.yaml", place.0, place.1),
        "{case}"
    );
    assert!(
        errors[0].message.starts_with(prefix),
        "{case}: {}",
        errors[0].message
    );
    errors[0]
}

/// The one error, as (line, column, message).
fn single_error(text: &str) -> (usize, usize, String) {
    let errors = errors_for(text.as_bytes());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, FILE);
    (errors[0].line, errors[0].column, errors[0].message.clone())
}

#[test]
fn no_closing_front_matter_line() {
    assert_eq!(
        single_error("---\ntitle: A\n\nBody\n"),
        (1, 1, "the front matter is never closed".into())
    );
}

#[test]
fn bad_indentation() {
    let (line, column, message) =
        single_error("---\ntitle: A\n  aspect: green\ndate: 2023-01-01\n---\n");
    assert_eq!((line, column), (3, 9));
    assert!(message.starts_with("invalid front matter"), "{message}");
}

#[test]
fn a_tab_for_indentation() {
    assert_eq!(
        single_error("---\ntitle: A\naspect: green\n\tdate: 2023-01-01\n---\n"),
        (4, 1, "a tab is used for indentation".into())
    );
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    assert_eq!(
        single_error("---\ntitle: \"徐州\naspect: green\ndate: 2023-01-01\n---\n"),
        (2, 8, "this quote is never closed".into())
    );
}

#[test]
fn a_duplicate_key() {
    assert_eq!(
        single_error("---\ntitle: A\naspect: green\ndate: 2023-01-01\ntitle: B\n---\n"),
        (5, 1, "the field `title` appears twice".into())
    );
}

#[test]
fn an_empty_file() {
    assert_eq!(single_error(""), (1, 1, "the file is empty".into()));
}

#[test]
fn a_file_that_is_only_front_matter_builds() {
    let site = Fixture::copy("basic");
    site.write(
        FILE,
        "---\ntitle: 只有字段\naspect: trade\ndate: 2023-05-01\n---",
    );
    site.build_ok();
    assert_eq!(site.page("practices/bad").texts("h1"), ["只有字段"]);
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_are_accepted() {
    let site = Fixture::copy("basic");
    site.write(FILE, "\u{feff}---\r\ntitle: 带 BOM\r\naspect: trade\r\ndate: 2023-05-01\r\n---\r\n## 小节\r\n\r\n正文\r\n");
    site.build_ok();
    let page = site.page("practices/bad");
    assert_eq!(page.texts("h1"), ["带 BOM"]);
    assert!(page.attrs("main h2", "id").contains(&"小节".to_string()));
}

#[test]
fn positions_stay_right_with_crlf_line_endings() {
    assert_eq!(
        single_error("---\r\ntitle: A\r\naspect: grean\r\ndate: 2023-01-01\r\n---\r\n").0,
        3
    );
}

#[test]
fn a_file_that_is_not_utf8() {
    let errors =
        errors_for(b"---\ntitle: \xd0\xec\xd6\xdd\naspect: green\ndate: 2023-01-01\n---\n");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].column), (2, 8));
    assert_eq!(errors[0].message, "the file is not valid UTF-8 text");
}

#[test]
fn a_list_where_a_string_is_expected() {
    assert_eq!(
        single_error("---\ntitle: [a, b]\naspect: green\ndate: 2023-01-01\n---\n"),
        (2, 8, "`title`: expected a string, found a list".into())
    );
}

#[test]
fn a_number_as_a_title_is_its_text() {
    let site = Fixture::copy("basic");
    site.write(
        FILE,
        "---\ntitle: 2019\naspect: green\ndate: 2019-01-01\n---\n",
    );
    site.build_ok();
    assert_eq!(site.page("practices/bad").texts("h1"), ["2019"]);
}

#[test]
fn an_impossible_date() {
    assert_eq!(
        single_error("---\ntitle: A\naspect: green\ndate: 2023-02-30\n---\n"),
        (4, 7, "`date`: \"2023-02-30\" is not a valid date".into())
    );
}

#[test]
fn a_term_outside_a_closed_taxonomy() {
    let errors = errors_for("---\ntitle: A\naspect: grean\ndate: 2023-01-01\n---\n".as_bytes());
    assert_eq!((errors[0].line, errors[0].column), (3, 9));
    assert_eq!(
        errors[0].message,
        "`aspect`: \"grean\" is not a term of aspect"
    );
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("did you mean `green`? The terms are logistics, green, trade")
    );
}

#[test]
fn a_missing_required_field() {
    let errors = errors_for("---\ntitle: A\ndate: 2023-01-01\n---\n".as_bytes());
    assert_eq!(errors[0].message, "the required field `aspect` is missing");
}

#[test]
fn all_errors_of_a_build_are_reported_in_one_run_sorted_by_file_and_line() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/b1.zh.md",
        "---\ntitle: A\naspect: grean\ndate: 2023-02-30\n---\n",
    );
    site.write(
        "content/practices/a1.zh.md",
        "---\ntitle: [x]\naspect: green\ndate: 2023-01-01\n---\n[x](nowhere.zh.md)\n",
    );
    let report = site.build();
    let places: Vec<(String, usize)> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.file.clone(), d.line))
        .collect();
    assert_eq!(
        places,
        [
            ("content/practices/a1.zh.md".to_string(), 2),
            ("content/practices/b1.zh.md".to_string(), 3),
            ("content/practices/b1.zh.md".to_string(), 4)
        ]
    );
}

#[test]
fn an_unknown_field_is_a_warning_with_the_closest_name() {
    let site = Fixture::copy("basic");
    site.write(
        FILE,
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\nregoin: 江苏\n---\n",
    );
    let report = site.build_ok();
    let warning = report.diagnostics.iter().find(|d| d.file == FILE).unwrap();
    assert_eq!((warning.line, warning.column), (5, 9));
    assert_eq!(warning.message, "`regoin` is not a field of practices");
    assert_eq!(warning.hint.as_deref(), Some("did you mean `region`?"));
}

#[test]
fn file_names_with_spaces_or_chinese_get_sensible_slugs() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/Cold Chain 2023.zh.md",
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\n---\n",
    );
    site.write(
        "content/practices/徐州 经验.zh.md",
        "---\ntitle: B\naspect: green\ndate: 2023-01-01\n---\n",
    );
    site.build_ok();
    assert!(
        site.public()
            .join("practices/cold-chain-2023/index.html")
            .exists()
    );
    assert!(
        site.public()
            .join("practices/徐州-经验/index.html")
            .exists()
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_under_content_is_reported_not_followed() {
    let site = Fixture::copy("basic");
    std::os::unix::fs::symlink("..", site.root().join("content/practices/loop")).unwrap();
    let report = site.build_ok();
    let warning = report
        .diagnostics
        .iter()
        .find(|d| d.file == "content/practices/loop")
        .expect("a warning");
    assert_eq!(warning.message, "this link to a folder is not followed");
}

#[test]
fn a_very_large_file_is_handled() {
    let site = Fixture::copy("basic");
    let paragraph = "标准化助力商贸流通企业创新发展，推动城乡流通协调发展。Standards help circulation enterprises innovate.\n\n";
    let mut text = String::from("---\ntitle: 很长\naspect: green\ndate: 2023-01-01\n---\n");
    while text.len() < 24 * 1024 * 1024 {
        text.push_str("## 一节\n\n");
        for _ in 0..200 {
            text.push_str(paragraph);
        }
    }
    site.write(FILE, &text);
    site.build_ok();
    assert!(
        std::fs::metadata(site.public().join("practices/bad/index.html"))
            .unwrap()
            .len()
            > 24 * 1024 * 1024
    );
}

#[test]
fn a_template_with_a_syntax_error_is_reported_in_the_template() {
    let site = Fixture::copy("basic");
    site.write(
        "templates/page.html",
        "<html>\n<body>\n{% if page.title %}\n</body>\n",
    );
    let report = site.build();
    let error = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(error.file, "templates/page.html");
    assert!(error.line >= 3, "{error:?}");
}

#[test]
fn a_template_with_an_unknown_variable_is_reported_at_its_line() {
    let site = Fixture::copy("basic");
    site.write(
        "templates/page.html",
        "<html>\n<body>\n<h1>{{ page.titel }}</h1>\n</body>\n</html>\n",
    );
    let report = site.build();
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(
        errors.len(),
        1,
        "reported once, not once per page: {errors:#?}"
    );
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("templates/page.html", 3)
    );
    assert!(errors[0].message.contains("titel"), "{}", errors[0].message);
}

#[test]
fn two_files_with_the_same_url() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/Cold-Chain.zh.md",
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\n---\n",
    );
    let report = site.build();
    let error = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert!(
        error.message.contains("both become /practices/cold-chain/"),
        "{}",
        error.message
    );
}

#[test]
fn translations_must_agree_on_closed_taxonomy_terms() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/cold-chain.en.md",
        "---\ntitle: Cold chain\naspect: logistics\ndate: 2023-01-19\n---\n",
    );
    let report = site.build();
    let error = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(error.file, "content/practices/cold-chain.en.md");
    assert_eq!(error.line, 3);
    assert_eq!(
        error.message,
        "`aspect` is \"logistics\" here but \"green\" in content/practices/cold-chain.zh.md"
    );
}

#[test]
fn a_link_to_a_page_with_errors_is_not_reported_again() {
    let site = Fixture::copy("basic");
    // cold-chain.zh.md links to joint-delivery.zh.md, which now has an error of its own.
    site.write(
        "content/practices/joint-delivery.zh.md",
        "---\ntitle: 统仓共配\naspect: grean\ndate: 2022-06-01\n---\n## 做法\n",
    );
    let report = site.build();
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, "content/practices/joint-delivery.zh.md");
}

/// A practice whose hand-made footnote link has no anchor to land on.
const FOOTNOTE_WITHOUT_ANCHOR: &str =
    "---\ntitle: 坏链接\naspect: green\ndate: 2023-01-01\n---\n## 总结\n\n见注释[1](#f1)。\n";

#[test]
fn a_missing_anchor_is_not_called_a_typo_of_an_unlike_heading() {
    let errors = errors_for(FOOTNOTE_WITHOUT_ANCHOR.as_bytes());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].message, format!("#f1 is not a heading of {FILE}"));
    assert_eq!((errors[0].line, errors[0].column), (8, 4));
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("its headings and anchors are #总结")
    );
}

#[test]
fn the_anchors_a_hint_lists_are_bounded() {
    let headings: String = (1..=12).map(|n| format!("## Part {n}\n\n")).collect();
    let errors = errors_for(
        format!(
            "---\ntitle: 坏链接\naspect: green\ndate: 2023-01-01\n---\n{headings}[x](#conclusion)\n"
        )
        .as_bytes(),
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].hint.as_deref(),
        Some(
            "its headings and anchors are #part-1, #part-10, #part-11, #part-12, #part-2, #part-3, \
             #part-4, #part-5, #part-6, #part-7, … (12 in all)"
        )
    );
}

#[test]
fn an_id_written_twice_is_a_warning_at_the_second() {
    let site = Fixture::copy("basic");
    site.write(
        FILE,
        "---\ntitle: 重复\naspect: green\ndate: 2023-01-01\n---\n## 注释 {#notes}\n\n<a id=\"notes\"></a>\n",
    );
    let report = site.build_ok();
    let warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file == FILE)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].message, "#notes is already an id on this page");
    assert_eq!((warnings[0].line, warnings[0].column), (8, 8));
}

/// The basic fixture with `broken_anchors: warning` in its site.yaml.
fn anchors_as_warnings() -> Fixture {
    let site = Fixture::copy("basic");
    let config = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{config}broken_anchors: warning\n"));
    site
}

#[test]
fn with_broken_anchors_as_warnings_a_missing_heading_does_not_stop_the_build() {
    let site = anchors_as_warnings();
    site.write(
        FILE,
        "---\ntitle: 坏链接\naspect: green\ndate: 2023-01-01\n---\n见 [冷链](cold-chain.zh.md#no-such-heading) 与 [注释](#f1)。\n",
    );
    let report = site.build_ok();
    let warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file == FILE)
        .map(|d| (d.severity, d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                Severity::Warning,
                6,
                3,
                "#no-such-heading is not a heading of content/practices/cold-chain.zh.md"
            ),
            (
                Severity::Warning,
                6,
                44,
                "#f1 is not a heading of content/practices/bad.zh.md"
            ),
        ]
    );
    assert_eq!(site.page("practices/bad").count("h1"), 1);
}

#[test]
fn with_broken_anchors_as_warnings_a_missing_page_is_still_an_error() {
    let site = anchors_as_warnings();
    site.write(
        FILE,
        "---\ntitle: 坏链接\naspect: green\ndate: 2023-01-01\n---\n[a](missing.zh.md#x) [b](cold-chain.zh.md#x)\n",
    );
    let report = site.build();
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file == FILE)
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Severity::Error,
                "links to practices/missing.zh.md, which does not exist"
            ),
            (
                Severity::Warning,
                "#x is not a heading of content/practices/cold-chain.zh.md"
            ),
        ]
    );
    assert!(!site.public().exists(), "a failed build wrote nothing");
}

/// The warnings of a build of the basic fixture with `content/practices/bad.zh.md` holding `text`.
fn warnings_for(site: &Fixture, text: &[u8]) -> Vec<Diagnostic> {
    std::fs::write(site.root().join(FILE), text).unwrap();
    let report = site.build_ok();
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.file == FILE && d.severity == casebook::diagnostics::Severity::Warning)
        .collect()
}

#[test]
fn control_characters_in_a_body_are_removed_with_a_warning() {
    let site = Fixture::copy("basic");
    let warnings = warnings_for(
        &site,
        b"---\ntitle: A\naspect: green\ndate: 2030-01-01\n---\nfirst\x00 line\x0b\n\nsecond\x1b\n",
    );
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!((warnings[0].line, warnings[0].column), (6, 6));
    for feed in ["atom.xml", "practices/bad/index.html", "print/index.html"] {
        let text = site.read(feed);
        assert!(
            !text.contains(['\0', '\x0b', '\x1b']),
            "{feed} holds a control character"
        );
    }
    assert!(site.read("atom.xml").contains("first line"));
}

#[test]
fn a_script_address_in_a_link_or_image_is_a_warning_at_its_position() {
    let site = Fixture::copy("basic");
    let warnings = warnings_for(
        &site,
        b"---\ntitle: A\naspect: green\ndate: 2030-01-01\n---\nSee [this](javascript:alert(1)).\n\n![x](data:text/html;base64,PHNjcmlwdD4=)\n",
    );
    let places: Vec<(usize, usize)> = warnings.iter().map(|w| (w.line, w.column)).collect();
    assert_eq!(places, [(6, 5), (8, 1)], "{warnings:#?}");
    assert!(warnings[0].message.contains("javascript:"));
}

#[test]
fn an_unclosed_comment_is_a_warning_and_hides_nothing_after_its_page() {
    let site = Fixture::copy("basic");
    let warnings = warnings_for(
        &site,
        b"---\ntitle: A\naspect: green\ndate: 2030-01-01\n---\nVisible.\n\n<!-- a note never closed\n\nHidden.\n",
    );
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!((warnings[0].line, warnings[0].column), (8, 1));
    let page = site.page("practices/bad");
    assert_eq!(
        page.count("footer.site-footer"),
        1,
        "the page keeps its footer"
    );
    // The print page still shows the practices printed after this one (newest first).
    let print = site.page("print");
    let titles = print.texts("article.print-page h2.print-page-title");
    assert!(
        titles.iter().any(|t| t.contains("冷链物流标准化")),
        "{titles:?}"
    );
}

/// `theme:` names a folder under `themes/` or the built-in theme; a path (absolute, or climbing
/// out with `..`) is an error at its line, and nothing of the folder it names is read.
#[test]
fn a_theme_is_a_name_not_a_path() {
    let default_theme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let outside = tempfile::tempdir().unwrap();
    common::copy_tree(&default_theme, &outside.path().join("theme"));
    std::fs::write(outside.path().join("theme/static/secret.txt"), "secret").unwrap();
    let site = Fixture::copy("basic");
    std::fs::create_dir_all(site.root().join("themes")).unwrap();
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let line = yaml.lines().count() + 1;
    let climbing = format!(
        "../../{}/theme",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    for name in [
        outside.path().join("theme").display().to_string(),
        climbing,
        "..".into(),
        "default/../default".into(),
        "\"\"".into(),
        ".hidden".into(),
    ] {
        site.write("site.yaml", &format!("{yaml}theme: {name}\n"));
        let report = site.build();
        one_site_yaml_error(&report, (line, 1), "`theme`: ", &name);
        assert!(!site.public().exists(), "{name}");
    }

    // A folder under themes/ is a theme.
    common::copy_tree(&default_theme, &site.root().join("themes/mine"));
    site.write("themes/mine/static/mine.txt", "mine");
    site.write("site.yaml", &format!("{yaml}theme: mine\n"));
    site.build_ok();
    assert_eq!(site.read("mine.txt"), "mine");
}

/// Brackets nested 200,000 deep (the YAML parser's time grows with the square of the depth) are
/// refused before parsing, at the bracket past the limit, with an excerpt of bounded length.
#[test]
fn deeply_nested_brackets_are_refused_at_once() {
    let deep = "[".repeat(200_000);
    let started = std::time::Instant::now();
    let errors = errors_for(
        format!("---\ntitle: A\naspect: green\ndate: 2023-01-01\ntags: {deep}\n---\n").as_bytes(),
    );
    // Generous: the check itself takes milliseconds, the parse it prevents minutes.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let limit = casebook::content::front_matter::MAX_NESTING;
    assert_eq!((errors[0].line, errors[0].column), (5, 7 + limit));
    assert!(
        errors[0].message.contains("levels deep"),
        "{}",
        errors[0].message
    );
    let excerpt = errors[0].source_line.as_deref().unwrap();
    assert!(
        excerpt.chars().count() <= casebook::diagnostics::EXCERPT_CHARS + 2,
        "{} characters",
        excerpt.chars().count()
    );
    let shown = casebook::diagnostics::to_human(&errors, false);
    assert!(shown.len() < 2000, "{} bytes shown", shown.len());

    let site = Fixture::copy("basic");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write("site.yaml", &format!("{yaml}extra:\n  x: {deep}\n"));
    let started = std::time::Instant::now();
    let report = site.build();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let error = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(
        (error.file.as_str(), error.line),
        ("site.yaml", yaml.lines().count() + 2)
    );
}

#[test]
fn front_matter_over_a_megabyte_is_refused() {
    let summary = "很长的摘要。".repeat(100_000);
    let (line, column, message) = single_error(&format!(
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\nsummary: {summary}\n---\n"
    ));
    assert_eq!((line, column), (1, 1));
    assert!(
        message.starts_with("the front matter is 1757 KB"),
        "{message}"
    );
}

/// `base_url` is the http(s) address the site is published at: anything else is an error at its
/// value, with a hint.
#[test]
fn a_base_url_that_is_no_web_address() {
    let site = Fixture::copy("basic");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let line = yaml
        .lines()
        .position(|l| l.starts_with("base_url:"))
        .unwrap()
        + 1;
    for bad in [
        "example.org",
        "javascript:alert(1)",
        "https://example.org/?utm=1",
        "https://example.org/#top",
        "https://",
    ] {
        site.write(
            "site.yaml",
            &yaml.replace(
                "base_url: https://example.org/cases/",
                &format!("base_url: \"{bad}\""),
            ),
        );
        let report = site.build();
        let error = one_site_yaml_error(&report, (line, 11), "`base_url`: ", bad);
        assert!(error.hint.as_deref().unwrap().contains("https://"));
        assert!(!site.public().exists(), "{bad}");
    }
}

/// A required title that shows nothing (empty, spaces, or only invisible characters) is an error
/// at its value.
#[test]
fn a_title_that_shows_nothing() {
    for title in [
        "\"\"",
        "\"   \"",
        "\"\u{200b}\"",
        "\"\u{feff}\u{00a0}\u{3000}\"",
        "\"\\u200D\\t\"",
    ] {
        let (line, column, message) = single_error(&format!(
            "---\ntitle: {title}\naspect: green\ndate: 2023-01-01\n---\n"
        ));
        assert_eq!((line, column), (2, 8), "{title}");
        assert_eq!(
            message, "`title`: the value is empty, or only spaces and invisible characters",
            "{title}"
        );
    }
    // A title in any script, or of signs, shows.
    let site = Fixture::copy("basic");
    site.write(
        FILE,
        "---\ntitle: \"…\"\naspect: green\ndate: 2023-01-01\n---\n",
    );
    site.build_ok();
}

/// Errors in site.yaml say what is wrong in casebook's words, never the parser's internals, and
/// give no contradictory hint.
#[test]
fn site_settings_errors_in_plain_words() {
    let site = Fixture::copy("basic");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    let title = "title:\n  zh: 测试案例集\n  en: Test Casebook\n";
    assert!(yaml.starts_with(title));
    let errors_with = |replacement: &str| -> Vec<Diagnostic> {
        site.write("site.yaml", &yaml.replacen(title, replacement, 1));
        site.build()
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect()
    };
    // A number is text, as it is in front matter.
    assert_eq!(errors_with("title: 42\n"), []);
    assert_eq!(
        site.page("").texts("header a").first().map(String::as_str),
        Some("42")
    );
    for (replacement, message) in [
        (
            "title: [a, b]\n",
            "in `title`: expected a text, or one text per language ({ zh: 标题, en: Title }), found a list",
        ),
        (
            "title:\n  zh: [a]\n  en: B\n",
            "in `title`: the text in `zh` is a list, not a text",
        ),
    ] {
        let errors = errors_with(replacement);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].message.as_str()), (1, message));
    }

    let start = yaml.find("languages:").unwrap();
    let end = yaml.find("collections:").unwrap();
    site.write(
        "site.yaml",
        &format!("{}languages: []\n{}", &yaml[..start], &yaml[end..]),
    );
    let errors: Vec<Diagnostic> = site
        .build()
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "one error, no other about the default language: {errors:#?}"
    );
    assert_eq!(errors[0].message, "no languages are declared");
    assert!(errors[0].hint.as_deref().unwrap().contains("code: zh"));
}

/// Every file under `dir` that holds `needle`.
#[cfg(unix)]
fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<String> {
    common::snapshot(dir)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(needle))
        .map(|(path, _)| path)
        .collect()
}

/// A link under content/ whose real path is outside the site's folder is never read: a warning at
/// the link, and the build goes on without it. Links inside the site's folder still work.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_site_is_never_read() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(
        &secret,
        "---\ntitle: 机密\naspect: green\ndate: 2023-01-01\n---\nTOP-SECRET-TEXT\n",
    )
    .unwrap();
    std::fs::write(
        outside.path().join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\n",
    )
    .unwrap();
    let site = Fixture::copy("basic");
    symlink(&secret, site.root().join("content/practices/leak.zh.md")).unwrap();
    symlink(
        outside.path().join("passwd"),
        site.root().join("content/practices/passwd.zh.md"),
    )
    .unwrap();
    site.write(
        "shared/inside.md",
        "---\ntitle: 里面\naspect: trade\ndate: 2023-01-01\n---\n",
    );
    symlink(
        site.root().join("shared/inside.md"),
        site.root().join("content/practices/inside.zh.md"),
    )
    .unwrap();
    let report = site.build_ok();
    for link in [
        "content/practices/leak.zh.md",
        "content/practices/passwd.zh.md",
    ] {
        let warning = report
            .diagnostics
            .iter()
            .find(|d| d.file == link)
            .unwrap_or_else(|| panic!("no warning at {link}: {:#?}", report.diagnostics));
        assert_eq!(
            warning.message,
            "this link leads outside the site's folder: it is not read"
        );
    }
    let shown = casebook::diagnostics::to_human(&report.diagnostics, false);
    assert!(!shown.contains("root:x"), "{shown}");
    assert_eq!(
        files_holding(&site.public(), "TOP-SECRET-TEXT"),
        Vec::<String>::new()
    );
    assert_eq!(files_holding(&site.public(), "机密"), Vec::<String>::new());
    assert!(!site.public().join("practices/leak").exists());
    assert!(site.public().join("practices/inside/index.html").exists());
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["check", "--deny-warnings", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
}

/// The same when content/ itself is a link out of the site: nothing of it is read, listed or
/// published. A content/ linked to a folder inside the site is read.
#[cfg(unix)]
#[test]
fn a_content_folder_linked_out_of_the_site_is_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let site = Fixture::copy("basic");
    common::copy_tree(&site.root().join("content"), outside.path());
    std::fs::write(
        outside.path().join("practices/cold-chain.zh.md"),
        "---\ntitle: 机密\naspect: green\ndate: 2023-01-01\n---\nTOP-SECRET-TEXT\n",
    )
    .unwrap();
    std::fs::rename(site.root().join("content"), site.root().join("pages")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.root().join("content")).unwrap();
    let report = site.build_ok();
    let warning = report
        .diagnostics
        .iter()
        .find(|d| d.file == "content")
        .unwrap();
    assert_eq!(
        warning.message,
        "this link leads outside the site's folder: it is not read"
    );
    assert_eq!(report.pages, 0, "no page read");
    assert_eq!(
        files_holding(&site.public(), "TOP-SECRET-TEXT"),
        Vec::<String>::new()
    );
    assert_eq!(
        files_holding(&site.public(), "cold-chain"),
        Vec::<String>::new()
    );

    std::fs::remove_file(site.root().join("content")).unwrap();
    std::os::unix::fs::symlink("pages", site.root().join("content")).unwrap();
    let report = site.build_ok();
    assert!(
        report.diagnostics.iter().all(|d| d.file != "content"),
        "{:#?}",
        report.diagnostics
    );
    assert!(
        site.public()
            .join("practices/cold-chain/index.html")
            .exists()
    );
}

/// The errors of building the basic fixture with `from` replaced by `to` in its site.yaml, as
/// (line, message).
fn site_yaml_errors(from: &str, to: &str) -> Vec<(usize, String)> {
    let site = Fixture::copy("basic");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    assert!(yaml.contains(from), "the fixture has {from:?}");
    site.write("site.yaml", &yaml.replacen(from, to, 1));
    let report = site.build();
    assert!(!site.public().exists(), "nothing was written");
    report
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| {
            assert_eq!(d.file, "site.yaml");
            (d.line, d.message)
        })
        .collect()
}

#[test]
fn declarations_that_would_build_wrong_are_errors_at_their_lines() {
    let languages = "languages:\n  - code: zh\n    name: 中文\n";
    assert_eq!(
        site_yaml_errors(
            languages,
            &format!("{languages}  - code: zh\n    name: 又是中文\n")
        ),
        [(12, "the language zh is declared twice".to_string())]
    );
    let term = "      - key: green\n        name: { zh: 绿色, en: Green }\n";
    assert_eq!(
        site_yaml_errors(term, &format!("{term}{term}")),
        [(36, "the term green of aspect is declared twice".to_string())]
    );
    let folder = "    folder: practices\n";
    assert_eq!(
        site_yaml_errors(folder, "    folder: ../elsewhere\n"),
        [(
            16,
            "the folder of practices (\"../elsewhere\") is not a folder inside content/"
                .to_string()
        )]
    );
    assert_eq!(
        site_yaml_errors(
            "taxonomies:",
            "  notes:\n    folder: practices\n    title: Notes\ntaxonomies:"
        ),
        [(
            28,
            "practices and notes are both in content/practices".to_string()
        )]
    );
    assert_eq!(
        site_yaml_errors(folder, "    folder: practices\n    sort_by: published\n"),
        [(
            17,
            "practices sorts by \"published\", which is no date field of it".to_string()
        )]
    );
}

#[test]
fn an_unknown_collection_key_is_reported_at_its_line_and_alone() {
    let folder = "    folder: practices\n";
    assert_eq!(
        site_yaml_errors(folder, "    folder: practices\n    colour: blue\n"),
        [(
            17,
            "in `practices`: unknown field `colour`, expected one of `folder`, `title`, `sort_by`, `paginate`, `template`, `fields`, `unknown_fields`".to_string()
        )]
    );
}

#[test]
fn an_address_too_long_for_a_file_name_is_an_error_at_its_field_in_check_too() {
    let site = Fixture::copy("basic");
    let long_tag = "冷".repeat(90);
    let long_slug = "a".repeat(256);
    site.write(
        FILE,
        &format!("---\ntitle: A\naspect: green\ndate: 2023-01-01\nslug: {long_slug}\n---\n"),
    );
    site.write(
        "content/practices/tagged.zh.md",
        &format!("---\ntitle: B\naspect: green\ndate: 2023-01-01\ntags: [短, {long_tag}]\n---\n"),
    );
    // An old address kept as an alias is a file name too.
    site.write(
        "content/practices/moved.zh.md",
        &format!(
            "---\ntitle: C\naspect: green\ndate: 2023-01-01\naliases: [old/{long_slug}/]\n---\n"
        ),
    );
    let checked = casebook::check(&casebook::BuildOptions::new(site.root()));
    let errors: Vec<(&str, usize, &str)> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.file.as_str(), d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (FILE, 5, "this page's address is too long for a file name"),
            (
                "content/practices/moved.zh.md",
                5,
                "`aliases`: an address is too long for a file name"
            ),
            (
                "content/practices/tagged.zh.md",
                5,
                "the tags term's address is too long for a file name"
            ),
        ]
    );
}

#[test]
fn a_hugo_shortcode_is_a_warning_at_its_position_and_left_out_of_feeds_and_search() {
    let site = Fixture::copy("basic");
    let warnings = warnings_for(
        &site,
        "---\ntitle: A\naspect: green\ndate: 2030-01-01\n---\nIntro.\n\n{{< tabpane text=true >}}\nInside the tabs.\n{{< /tabpane >}}\n\nSay {{% include \"x.md\" %}} here, and `{{< kept >}}` in code.\n\n```text\n{{< block >}}\n```\n".as_bytes(),
    );
    let found: Vec<(usize, usize, &str)> = warnings
        .iter()
        .map(|w| (w.line, w.column, w.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (8, 1, "Hugo shortcode `tabpane` is not supported"),
            (12, 5, "Hugo shortcode `include` is not supported"),
        ]
    );
    let page = site.read("practices/bad/index.html");
    assert!(page.contains("Inside the tabs."), "{page}");
    assert!(
        !page.contains("tabpane") && !page.contains("include"),
        "{page}"
    );
    assert!(page.contains("{{&lt; kept &gt;}}") && page.contains("{{&lt; block &gt;}}"));
    let texts = site.built_texts(&[".xml", ".json", ".js", ".bin", ".html"]);
    // What code shows is the page's text, as written; nothing else of a shortcode is left.
    for (path, text) in &texts {
        let text = text
            .replace("{{< kept >}}", "")
            .replace("{{&lt; kept &gt;}}", "")
            .replace("{{< block >}}", "")
            .replace("{{&lt; block &gt;}}", "");
        for word in ["tabpane", "include", "{{<", "{{%", "{{&lt;"] {
            assert!(!text.contains(word), "{path} holds {word}");
        }
    }
    let feed = site.read("atom.xml");
    assert!(feed.contains("Inside the tabs."), "{feed}");
    assert!(
        texts
            .iter()
            .any(|(path, text)| path.starts_with("search-index") && text.contains("Say here")),
        "the search index holds the text around a shortcode"
    );
}

/// A key holding a colon (`cSpell:ignore`) is found at its own line, not at the top of the file.
#[test]
fn a_warning_for_a_key_with_a_colon_points_at_its_line() {
    let site = Fixture::copy("basic");
    let warnings = warnings_for(
        &site,
        b"---\ntitle: A\naspect: green\ndate: 2030-01-01\ncSpell:ignore: [xuzhou]\n---\nBody.\n",
    );
    let found: Vec<(usize, usize, &str)> = warnings
        .iter()
        .map(|w| (w.line, w.column, w.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [(5, 16, "`cSpell:ignore` is not a field of practices")]
    );
}

/// A link to a file that exists beside content/ rather than under it is not "missing": the
/// error says the file is outside what is published.
#[test]
fn a_link_or_image_outside_the_content_folder_says_so() {
    let site = Fixture::copy("basic");
    site.write("README.md", "# The site's own notes\n");
    site.write("logo.png", "not published");
    site.write(
        FILE,
        "---\ntitle: 外链\naspect: green\ndate: 2023-01-01\n---\nSee [notes](../../README.md).\n\n![logo](../../logo.png)\n",
    );
    let report = site.build();
    let found: Vec<_> = (report.diagnostics.iter())
        .filter(|d| d.is_error())
        .map(|d| (d.file.as_str(), d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                FILE,
                6,
                5,
                "links to ../../README.md, which is outside the content folder: only files under content/ are published"
            ),
            (
                FILE,
                8,
                1,
                "links to ../../logo.png, which is outside the content folder: only files under content/ are published"
            ),
        ]
    );
    assert!(!site.public().exists(), "a failed build wrote nothing");
}

/// `static/`, `templates/` or a theme's folder that is a link out of the site's folder is not
/// read: an error names it, and nothing of what it points to is published.
#[cfg(unix)]
#[test]
fn a_theme_or_static_folder_linked_from_outside_is_not_read() {
    let default_theme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let outside = tempfile::tempdir().unwrap();
    common::copy_tree(&default_theme, &outside.path().join("theme"));
    std::fs::write(outside.path().join("theme/static/secret.txt"), "secret").unwrap();
    std::fs::create_dir_all(outside.path().join("files")).unwrap();
    std::fs::write(outside.path().join("files/secret.txt"), "secret").unwrap();
    let yaml = std::fs::read_to_string(Fixture::copy("basic").root().join("site.yaml")).unwrap();
    for (link, target, theme) in [
        ("static", outside.path().join("files"), "default"),
        (
            "templates",
            outside.path().join("theme/templates"),
            "default",
        ),
        ("themes/mine", outside.path().join("theme"), "mine"),
    ] {
        let site = Fixture::copy("basic");
        site.write("site.yaml", &format!("{yaml}theme: {theme}\n"));
        let at = site.root().join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&target, &at).unwrap();
        let report = site.build();
        let errors: Vec<_> = (report.diagnostics.iter())
            .filter(|d| d.is_error())
            .map(|d| (d.file.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [(
                link,
                "this folder is a link that leads outside the site's folder: it is not read"
            )],
            "{link}"
        );
        assert!(!site.public().exists(), "{link}");
    }

    // A link to a folder inside the site is read.
    let site = Fixture::copy("basic");
    site.write("files/inside.txt", "inside");
    std::os::unix::fs::symlink(site.root().join("files"), site.root().join("static")).unwrap();
    site.build_ok();
    assert_eq!(site.read("inside.txt"), "inside");
}
