//! The command line as a user runs it.

mod common;

use common::Fixture;
use std::process::Command;

fn casebook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
}

/// Runs `command`, which must succeed (its stderr in the failure), and returns what it printed.
fn succeeds(command: &mut Command) -> std::process::Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn init_makes_a_casebook_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-casebook");
    let status = casebook().arg("init").arg(&target).status().unwrap();
    assert!(status.success());
    assert!(
        !target.join("themes").exists(),
        "the theme is referenced, not copied"
    );
    succeeds(casebook().args(["build", "--root"]).arg(&target));
    assert!(target.join("public/practices/example/index.html").exists());
    assert!(
        target
            .join("public/en/practices/example/index.html")
            .exists()
    );
    // A second init refuses to overwrite.
    assert!(
        !casebook()
            .arg("init")
            .arg(&target)
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn new_practice_writes_a_draft_with_every_required_field() {
    let site = Fixture::copy("basic");
    succeeds(
        casebook()
            .args(["new", "practice", "Shared Warehouses", "--root"])
            .arg(site.root()),
    );
    let text = std::fs::read_to_string(
        site.root()
            .join("content/practices/shared-warehouses.zh.md"),
    )
    .unwrap();
    for field in ["title:", "aspect: logistics", "date: 20", "draft: true"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    // The skeleton is a valid draft: the site still builds, and builds it with --drafts.
    site.build_ok();
    succeeds(
        casebook()
            .args(["build", "--drafts", "--root"])
            .arg(site.root()),
    );
    assert!(text.contains("# TODO"), "{text}");
}

#[test]
fn build_options_root_output_and_base_url() {
    let site = Fixture::copy("basic");
    let out = site.root().join("elsewhere");
    succeeds(
        casebook()
            .args(["build", "--root"])
            .arg(site.root())
            .arg("--output")
            .arg(&out)
            .args(["--base-url", "https://cases.example.com/sub"]),
    );
    let page = std::fs::read_to_string(out.join("practices/cold-chain/index.html")).unwrap();
    assert!(page.contains("https://cases.example.com/sub/practices/cold-chain/"));
    assert!(!site.root().join("public").exists());
}

#[test]
fn a_content_error_exits_1_and_reports_in_json() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/bad.zh.md",
        "---\ntitle: 坏\naspect: grean\ndate: 2023-02-30\n---\n",
    );
    let output = casebook()
        .args(["build", "--format", "json", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let diagnostics: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let list: Vec<&serde_json::Value> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(list.len(), 2, "both errors in one run: {list:?}");
    assert_eq!(list[0]["file"], "content/practices/bad.zh.md");
    assert_eq!(
        (list[0]["line"].as_u64(), list[0]["column"].as_u64()),
        (Some(3), Some(9))
    );
    assert_eq!(list[0]["severity"], "error");
    assert!(
        list[0]["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean `green`?")
    );
    assert_eq!(list[1]["line"], 4);
    assert_eq!(
        list[1]["message"],
        "`date`: \"2023-02-30\" is not a valid date"
    );
}

/// Runs casebook with `args` and `--root` pointing at the fixture.
fn run(site: &Fixture, args: &[&str]) -> std::process::Output {
    casebook()
        .args(args)
        .arg("--root")
        .arg(site.root())
        .output()
        .unwrap()
}

#[test]
fn check_writes_nothing_and_github_format_annotates_lines() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/bad.zh.md",
        "---\ntitle: 坏\naspect: grean\ndate: 2023-01-01\n---\n",
    );
    let output = run(&site, &["check", "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!site.public().exists());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.lines().any(|l| l.starts_with(
            "::error file=content/practices/bad.zh.md,line=3,col=9::`aspect`: \"grean\" is not a term of aspect (help: did you mean `green`?"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("::warning file=content/practices/cold-chain.zh.md,line=9,col=10::"));
}

#[test]
fn deny_warnings_turns_warnings_into_errors() {
    let site = Fixture::copy("basic");
    assert_eq!(run(&site, &["check"]).status.code(), Some(0));
    assert_eq!(
        run(&site, &["check", "--deny-warnings"]).status.code(),
        Some(1)
    );
}

#[test]
fn check_translations_lists_pages_missing_in_a_language() {
    let site = Fixture::copy("basic");
    let output = run(&site, &["check", "--translations", "--format", "json"]);
    assert!(output.status.success());
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let missing: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "info")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "content/about.zh.md",
            "content/practices/joint-delivery.zh.md",
            "content/practices/older-green.zh.md"
        ]
    );
}

#[test]
fn standards_and_metrics_are_checked_as_structured_values() {
    let site = Fixture::copy("basic");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        &yaml.replace("      summary: { type: text }", "      summary: { type: text }\n      standards: { type: list, of: standard }\n      metrics: { type: list, of: metric }"),
    );
    site.write(
        "content/practices/bad.zh.md",
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\nstandards:\n  - GB/T 31526-2015\n  - GBT31526\nmetrics:\n  - { name: 成本, value: 40, unit: \"%\" }\n  - { name: 销售额, value: 很多 }\n---\n",
    );
    let output = run(&site, &["check", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<(u64, u64, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (7, 5, "`standards`: \"GBT31526\" is not a standard's code"),
            (
                10,
                13,
                "`metrics`: a figure needs a `name` (text) and a `value` (number)"
            ),
        ]
    );
}

#[test]
fn no_search_leaves_out_the_index() {
    let site = Fixture::copy("basic");
    assert!(run(&site, &["build", "--no-search"]).status.success());
    assert!(!site.public().join("search-index").exists());
    assert!(run(&site, &["build"]).status.success());
    assert!(site.public().join("search-index/meta.js").exists());
}

/// `casebook serve` whose output is no longer read (its terminal or pipe closed) keeps
/// rebuilding and serving: printing a rebuild's line must not end the rebuilds.
#[test]
fn serve_keeps_rebuilding_after_its_output_is_closed() {
    use std::io::{BufRead, BufReader, Read, Write};
    let fixture = Fixture::copy("basic");
    let mut child = casebook()
        .args(["serve", "--port", "0", "--root"])
        .arg(fixture.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first build's line, then the address.
    let address_line = BufReader::new(child.stdout.as_mut().unwrap())
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("http://"))
        .unwrap_or_default();
    let address = address_line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("serve prints its address")
        .to_string();
    drop(child.stdout.take());

    let page = "content/practices/cold-chain.zh.md";
    let original = std::fs::read_to_string(fixture.root().join(page)).unwrap();
    let get = || {
        let mut stream = std::net::TcpStream::connect(&address).ok()?;
        write!(
            stream,
            "GET /practices/cold-chain/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut text = String::new();
        stream.read_to_string(&mut text).ok()?;
        Some(text)
    };
    // Two edits: the first rebuild's line meets the closed pipe, the second shows whether
    // rebuilding went on.
    for (n, mark) in ["第一次修改。", "第二次修改。"].iter().enumerate() {
        fixture.write(page, &format!("{original}\n{mark}\n"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !get().is_some_and(|t| t.contains(mark)) {
            assert!(
                std::time::Instant::now() < deadline,
                "edit {} was not served after its output closed",
                n + 1
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `--deny-warnings` makes a warning fail the build as an error does: before anything is written.
#[test]
fn a_build_failed_by_deny_warnings_writes_nothing() {
    let site = Fixture::copy("basic");
    let output = run(&site, &["build", "--deny-warnings"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("nothing was written; the previous site is unchanged"),
        "{stderr}"
    );
    assert!(
        !site.public().exists(),
        "the build wrote {:?}",
        site.public()
    );
}

/// `--manifest` never replaces an input of the site or a file that is not a manifest: exit 2
/// before anything is rendered or written.
#[test]
fn build_refuses_a_manifest_path_that_would_overwrite_a_file() {
    let site = Fixture::copy("basic");
    site.write("notes.txt", "my notes\n");
    site.write("other.json", "{\"generator\": \"someone else\"}\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        site.root().join("content/practices/cold-chain.zh.md"),
        site.root().join("link.json"),
    )
    .unwrap();
    let before = common::snapshot(site.root());
    let mut refused = vec![
        site.root().join("site.yaml"),
        site.root().join("templates/../site.yaml"),
        site.root().join("content/practices/cold-chain.zh.md"),
        site.root().join("content/practices/new.json"),
        site.root().join("content/new-folder/manifest.json"),
        site.root().join("static/manifest.json"),
        site.root().join("themes/manifest.json"),
        site.root().join("content"),
        site.root().join("notes.txt"),
        site.root().join("other.json"),
    ];
    if cfg!(unix) {
        refused.push(site.root().join("link.json"));
    }
    for path in refused {
        let output = casebook()
            .args(["build", "--root"])
            .arg(site.root())
            .arg("--manifest")
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            path.display()
        );
        assert!(
            stderr.contains("refusing to write the manifest here"),
            "{}: {stderr}",
            path.display()
        );
        assert!(
            common::snapshot(site.root()) == before,
            "{}",
            path.display()
        );
    }

    // A new file, then the same file again: it holds casebook's manifest by then.
    let manifest = site.root().join("manifest.json");
    for _ in 0..2 {
        succeeds(
            casebook()
                .args(["build", "--root"])
                .arg(site.root())
                .arg("--manifest")
                .arg(&manifest),
        );
    }
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert!(written["files"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(!site.public().join("manifest.json").exists());
}

/// Text from a file reaches no output raw: a front-matter key holding a line break and a
/// workflow command, or terminal escapes, stays on its diagnostic's line in every format.
#[test]
fn text_from_content_is_escaped_in_every_format() {
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/bad.zh.md",
        "---\ntitle: A\naspect: green\ndate: 2023-01-01\n\"x\\n::error title=pwned::owned\": 1\n\"\\e[2J\\u202e\": 2\n---\n",
    );
    site.write(
        "content/practices/binary.zh.md",
        "---\ntitle: A\u{0}B\naspect: green\ndate: 2023-01-01\n---\n",
    );
    let human = run(&site, &["check"]);
    let stderr = String::from_utf8(human.stderr).unwrap();
    assert!(
        stderr
            .lines()
            .all(|l| !l.starts_with("::") && !l.contains('\u{1b}') && !l.contains('\u{202e}')),
        "{stderr}"
    );
    assert!(
        stderr.contains("`x\\n::error title=pwned::owned` is not a field"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\0') && !stderr.contains("| title: A"),
        "no excerpt of a line that is not text: {stderr}"
    );

    let github = run(&site, &["check", "--format", "github"]);
    let stdout = String::from_utf8(github.stdout).unwrap();
    for line in stdout.lines() {
        assert!(
            ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line}"
        );
        assert!(!line.contains('\u{1b}'), "{line}");
    }
    assert!(
        stdout.contains("`x%0A::error title=pwned::owned`"),
        "{stdout}"
    );

    let json = run(&site, &["check", "--format", "json"]);
    let stdout = String::from_utf8(json.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains("\\u001b"),
        "{stdout}"
    );
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for d in list.as_array().unwrap() {
        let message = d["message"].as_str().unwrap();
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
}

#[test]
fn a_base_url_option_that_is_no_web_address_exits_2() {
    let site = Fixture::copy("basic");
    for command in ["build", "check"] {
        let output = run(&site, &[command, "--base-url", "example.org/x?y"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("error: --base-url: "), "{stderr}");
        assert!(!site.public().exists());
    }
}

/// Without a site.yaml at --root, build, check and new exit 2 (a usage error, as documented), and
/// serve on a folder that is not there says so in casebook's words.
#[test]
fn a_missing_site_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("nowhere");
    for args in [&["build"][..], &["check"], &["new", "practice", "x"]] {
        let output = casebook()
            .args(args)
            .arg("--root")
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "there is no site.yaml in {}",
                dir.path().display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("os error"), "{stderr}");
    }
    assert_eq!(dir.path().read_dir().unwrap().count(), 0, "nothing written");
    let output = casebook()
        .args(["serve", "--port", "0", "--root"])
        .arg(&nowhere)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: there is no folder {}; --root names the folder holding site.yaml",
            nowhere.display()
        )
    );
}

/// `casebook init` refuses the folders a build refuses: the home folder and what holds it, a file
/// (and a filesystem root, tested without the command: it would write there if it did not).
#[test]
fn init_refuses_the_home_folder_and_what_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home/me");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    for target in [
        home.clone(),
        home.join(".."),
        dir.path().join("home"),
        dir.path().join("file"),
    ] {
        let output = casebook()
            .arg("init")
            .arg(&target)
            .env("HOME", &home)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            target.display()
        );
        assert!(
            stderr.starts_with("error: refusing to create a casebook here: "),
            "{stderr}"
        );
    }
    assert_eq!(home.read_dir().unwrap().count(), 0, "nothing written");
    let fresh = home.join("casebook");
    let output = casebook()
        .arg("init")
        .arg(&fresh)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(fresh.join("site.yaml").exists());
}

fn stdout_of(args: &[&str]) -> String {
    let output = casebook().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn version_names_the_version_and_the_commit() {
    let version = stdout_of(&["--version"]);
    let expected = format!("casebook {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{version}");
    let commit = version
        .trim_end()
        .strip_prefix(&expected)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit:?} is a short commit hash or unknown"
    );
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("complete -F _casebook"), "{bash}");
    for sub in [
        "build",
        "serve",
        "check",
        "init",
        "import",
        "completions",
        "man",
    ] {
        assert!(bash.contains(sub), "bash completion lacks {sub}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("serve"), "{shell}: {script}");
    }
    let unknown = casebook().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_listing_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH casebook 1"), "{page}");
    assert!(page.contains(".SH NAME"));
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
    for sub in ["build", "serve", "verify", "completions"] {
        assert!(page.contains(&format!("casebook\\-{sub}")), "{sub}: {page}");
    }
}

#[test]
fn a_subcommand_has_the_page_the_man_page_refers_to() {
    let page = stdout_of(&["man", "build"]);
    assert!(page.contains(".TH casebook-build 1"), "{page}");
    assert!(page.contains("\\-\\-output") && page.contains("\\-\\-base\\-url"));
    let unknown = casebook().args(["man", "frobnicate"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("build, verify, check"));
}
