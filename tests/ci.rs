//! Publishing from CI: the workflow `init` writes, run command by command as CI would; the
//! manifest and `verify`.

mod common;

use common::Fixture;
use std::path::Path;
use std::process::Command;

fn bin_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_casebook")).parent().unwrap()
}

/// The `casebook …` commands of a job's `run:` steps, in order.
fn casebook_commands(workflow: &serde_yaml::Value, job: &str) -> Vec<String> {
    workflow["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .filter(|run| run.starts_with("casebook "))
        .map(str::to_string)
        .collect()
}

/// Runs a workflow command in `dir` the way the runner's shell would, with this casebook on PATH.
fn run_step(dir: &Path, command: &str) -> std::process::Output {
    let command = command.replace(
        "${{ steps.pages.outputs.base_url }}",
        "https://owner.github.io/casebook",
    );
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn the_repository_carries_the_workflow_that_init_writes() {
    let ours = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/casebook.yml"),
    )
    .unwrap();
    assert_eq!(
        ours,
        casebook::scaffold::github_workflow(),
        "after setting `repository` in Cargo.toml, write the workflow again: casebook init into a new folder and copy its .github/workflows/casebook.yml"
    );
    let version = format!("CASEBOOK_VERSION: v{}", env!("CARGO_PKG_VERSION"));
    assert!(
        ours.contains(&version),
        "the workflow installs this version: {version}"
    );
    assert!(casebook::scaffold::gitlab_ci().contains(&version));
}

#[test]
fn the_gitlab_pipeline_parses_and_publishes_public() {
    let pipeline: serde_yaml::Value =
        serde_yaml::from_str(&casebook::scaffold::gitlab_ci()).unwrap();
    assert_eq!(
        pipeline["pages"]["artifacts"]["paths"][0].as_str(),
        Some("public")
    );
    let script: Vec<&str> = pipeline["pages"]["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        script,
        [
            "casebook build --base-url \"$CI_PAGES_URL/\"",
            "casebook verify public"
        ]
    );
    assert!(
        pipeline["check"]["rules"][0]["if"]
            .as_str()
            .unwrap()
            .contains("merge_request_event")
    );
}

#[test]
fn the_workflow_commands_check_build_and_verify_a_new_casebook() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("casebook");
    assert!(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .arg("init")
            .arg(&site)
            .status()
            .unwrap()
            .success()
    );
    let workflow: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(site.join(".github/workflows/casebook.yml")).unwrap(),
    )
    .unwrap();
    let check = casebook_commands(&workflow, "check");
    let build = casebook_commands(&workflow, "build");
    assert_eq!(check, ["casebook check --format github"]);
    assert_eq!(build.len(), 2, "{build:?}");

    // A pull request with a broken practice: annotations on its lines, and a failed check.
    std::fs::write(
        site.join("content/practices/broken.zh.md"),
        "---\ntitle: 坏的案例\naspect: example-aspec\ndate: 2024-02-30\nsummary: x\n---\n[x](nowhere.zh.md)\n",
    )
    .unwrap();
    let output = run_step(&site, &check[0]);
    assert_eq!(output.status.code(), Some(1));
    let annotations: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        annotations,
        [
            "::error file=content/practices/broken.zh.md,line=3,col=9::`aspect`: \"example-aspec\" is not a term of aspect (help: did you mean `example-aspect`? The terms are example-aspect)",
            "::error file=content/practices/broken.zh.md,line=4,col=7::`date`: \"2024-02-30\" is not a valid date (help: write the date as YYYY-MM-DD, for example 2023-01-19, and check that the day exists)",
        ]
    );

    // The fixed branch: check passes, build and verify publish.
    std::fs::remove_file(site.join("content/practices/broken.zh.md")).unwrap();
    assert!(run_step(&site, &check[0]).status.success());
    for command in &build {
        let output = run_step(&site, command);
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let page = std::fs::read_to_string(site.join("public/practices/example/index.html")).unwrap();
    assert!(page.contains("https://owner.github.io/casebook/practices/example/"));
}

#[test]
fn verify_names_a_file_changed_by_one_byte() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let verify = || {
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .arg("verify")
            .arg(site.public())
            .output()
            .unwrap()
    };
    assert!(verify().status.success());
    let target = site.public().join("practices/cold-chain/index.html");
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let output = verify();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "changed: practices/cold-chain/index.html\n"
    );
}

#[test]
fn two_builds_of_the_same_commit_give_identical_manifests_listing_every_file() {
    let first = Fixture::copy("basic");
    let second = Fixture::copy("basic");
    first.build_ok();
    second.build_ok();
    let manifest = first.read("manifest.json");
    assert_eq!(manifest, second.read("manifest.json"));
    let parsed: casebook::manifest::Manifest = serde_json::from_str(&manifest).unwrap();
    let listed: Vec<&str> = parsed.files.iter().map(|f| f.path.as_str()).collect();
    assert!(listed.contains(&"practices/cold-chain/index.html"));
    assert!(!listed.contains(&"manifest.json"));
    assert!(
        parsed
            .inputs
            .iter()
            .any(|i| i.path == "content/practices/cold-chain.zh.md")
    );
    assert!(parsed.inputs.iter().any(|i| i.path == "site.yaml"));
}

#[test]
fn exit_code_2_for_usage_errors() {
    let site = Fixture::copy("basic");
    let refused = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["build", "--root"])
        .arg(site.root())
        .arg("--output")
        .arg(site.root().join("content"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let unknown = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn init_says_once_when_there_is_no_release_to_download() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("init")
        .arg(dir.path().join("site"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let workflow = casebook::scaffold::github_workflow();
    let pipeline = casebook::scaffold::gitlab_ci();
    assert!(!workflow.contains("@repository@") && !pipeline.contains("@repository@"));
    if env!("CARGO_PKG_REPOSITORY").is_empty() {
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("repository"), "{stderr}");
        assert!(workflow.contains("CASEBOOK_REPOSITORY: \"\""));
        assert!(workflow.contains("built from crates.io"));
    } else {
        assert_eq!(stderr, "");
        let line = format!("CASEBOOK_REPOSITORY: {}", casebook::scaffold::repository());
        assert!(workflow.contains(&line) && pipeline.contains(&line));
    }
}
