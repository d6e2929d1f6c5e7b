//! The command line as a user runs it.

mod common;

use common::Fixture;
use std::process::Command;

fn casebook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
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
    let output = casebook()
        .args(["build", "--root"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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
    let output = casebook()
        .args(["new", "practice", "Shared Warehouses", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(
        site.root()
            .join("content/practices/shared-warehouses.zh.md"),
    )
    .unwrap();
    for field in ["title:", "aspect: logistics", "date: 20", "draft: true"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    // The skeleton is a valid draft: the site still builds.
    site.build_ok();
}

#[test]
fn build_options_root_output_and_base_url() {
    let site = Fixture::copy("basic");
    let out = site.root().join("elsewhere");
    let output = casebook()
        .args(["build", "--root"])
        .arg(site.root())
        .arg("--output")
        .arg(&out)
        .args(["--base-url", "https://cases.example.com/sub"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
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
