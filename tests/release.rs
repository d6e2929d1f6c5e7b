//! The release: scripts/release-archive for this machine's target, and the install step of the
//! workflow `casebook init` writes, run against a local copy of a release.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn host_target() -> String {
    let output = Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .unwrap()
        .to_string()
}

/// Runs scripts/release-archive for `target` with `binary`, into `output`.
fn release_archive(target: &str, binary: &Path, output: &Path) -> PathBuf {
    let run = Command::new("bash")
        .arg(root().join("scripts/release-archive"))
        .arg(target)
        .arg(binary)
        .arg(output)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    PathBuf::from(String::from_utf8(run.stdout).unwrap().trim())
}

fn sh(dir: &Path, command: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
#[cfg(unix)]
fn the_archive_holds_the_binary_readme_and_licenses_and_sha256sums_verifies() {
    let target = host_target();
    let temp = tempfile::tempdir().unwrap();
    // A stand-in for the binary keeps the test fast: the layout does not depend on it.
    let binary = temp.path().join("built");
    std::fs::write(&binary, "#!/bin/sh\necho casebook\n").unwrap();
    let dist = temp.path().join("dist");
    let archive = release_archive(&target, &binary, &dist);
    let name = format!("casebook-v{}-{target}", env!("CARGO_PKG_VERSION"));
    assert_eq!(archive, dist.join(format!("{name}.tar.gz")));

    let listing = sh(&dist, &format!("tar -tzf {name}.tar.gz | sort"));
    let mut expected: Vec<String> = ["", "LICENSE-APACHE", "LICENSE-MIT", "README.md", "casebook"]
        .iter()
        .map(|file| format!("{name}/{file}"))
        .collect();
    expected.sort();
    assert_eq!(
        String::from_utf8(listing.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        expected
    );

    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 1, "{sums}");
    assert!(sums.ends_with(&format!("  {name}.tar.gz\n")), "{sums}");
    let check = sh(&dist, "sha256sum -c SHA256SUMS");
    assert!(check.status.success(), "{check:?}");

    // A changed byte fails the check.
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    assert!(!sh(&dist, "sha256sum -c SHA256SUMS").status.success());
}

#[test]
#[cfg(target_os = "linux")]
fn the_install_step_downloads_checks_and_puts_the_release_on_path() {
    // A release as the release workflow lays it out, under a file:// address.
    let server = tempfile::tempdir().unwrap();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let download = server.path().join("releases/download").join(&version);
    let arch = String::from_utf8(sh(server.path(), "uname -m").stdout).unwrap();
    release_archive(
        &format!("{}-unknown-linux-musl", arch.trim()),
        Path::new(env!("CARGO_BIN_EXE_casebook")),
        &download,
    );

    let workflow: serde_yaml::Value =
        serde_yaml::from_str(&casebook::scaffold::github_workflow()).unwrap();
    assert_eq!(
        workflow["env"]["CASEBOOK_VERSION"].as_str(),
        Some(&*version)
    );
    let install = workflow["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|step| step["name"].as_str() == Some("Install casebook"))
        .unwrap()["run"]
        .as_str()
        .unwrap()
        .to_string();

    let run = |repository: &str| {
        let site = tempfile::tempdir().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let path_file = temp.path().join("github_path");
        let output = Command::new("bash")
            .args(["-e", "-c", &install])
            .current_dir(site.path())
            .env("CASEBOOK_VERSION", &version)
            .env("CASEBOOK_REPOSITORY", repository)
            .env("CASEBOOK_FROM_SOURCE", "false")
            .env("RUNNER_TEMP", temp.path())
            .env("GITHUB_PATH", &path_file)
            .output()
            .unwrap();
        let added = std::fs::read_to_string(&path_file).unwrap_or_default();
        (output, added, temp)
    };

    let (output, added, _temp) = run(&format!("file://{}", server.path().display()));
    assert!(output.status.success(), "{output:?}");
    let binary = Path::new(added.trim()).join("casebook");
    let version_line = Command::new(&binary).arg("--version").output().unwrap();
    assert!(
        String::from_utf8(version_line.stdout)
            .unwrap()
            .starts_with(&format!("casebook {}", env!("CARGO_PKG_VERSION")))
    );

    // An archive that does not match SHA256SUMS is refused, and nothing is put on PATH.
    let archive = std::fs::read_dir(&download)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .unwrap();
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    let (output, added, _temp) = run(&format!("file://{}", server.path().display()));
    assert!(!output.status.success());
    assert_eq!(added, "");
}

/// The instructions of the Dockerfile, continuation lines joined, comments left out.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(start) = line.strip_suffix('\\') {
            current.push_str(start);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let (keyword, rest) = current.split_once(' ').unwrap();
        instructions.push((keyword.to_string(), rest.trim().to_string()));
        current.clear();
    }
    assert!(current.is_empty(), "the Dockerfile ends in a continuation");
    instructions
}

#[test]
fn the_dockerfile_builds_in_a_named_stage_and_runs_casebook_in_site() {
    let instructions = dockerfile();
    const KNOWN: [&str; 8] = [
        "FROM",
        "RUN",
        "WORKDIR",
        "COPY",
        "ARG",
        "ENV",
        "ENTRYPOINT",
        "CMD",
    ];
    for (keyword, rest) in &instructions {
        assert!(KNOWN.contains(&keyword.as_str()), "{keyword} {rest}");
        assert_eq!(keyword, &keyword.to_uppercase());
    }
    assert_eq!(instructions[0].0, "FROM", "the Dockerfile starts with FROM");

    // Stages: every FROM names its stage; COPY --from names an earlier one.
    let mut stages = Vec::new();
    let mut stage_lines: Vec<Vec<(String, String)>> = Vec::new();
    for (keyword, rest) in &instructions {
        if keyword == "FROM" {
            let words: Vec<&str> = rest.split_whitespace().collect();
            assert!(
                words.len() == 3 && words[1].eq_ignore_ascii_case("as"),
                "FROM {rest}: name the stage"
            );
            stages.push(words[2].to_string());
            stage_lines.push(Vec::new());
        } else {
            if let Some(from) = rest.strip_prefix("--from=") {
                let from = from.split_whitespace().next().unwrap();
                assert!(
                    stages[..stages.len() - 1].contains(&from.to_string()),
                    "{rest}"
                );
            }
            stage_lines
                .last_mut()
                .unwrap()
                .push((keyword.clone(), rest.clone()));
        }
    }
    assert_eq!(stages, ["build", "runtime"]);

    // The build stage copies what a build needs, all of it in the repository and let through
    // by .dockerignore.
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    let mut copied = Vec::new();
    for (keyword, rest) in &stage_lines[0] {
        if keyword == "COPY" {
            let words: Vec<&str> = rest.split_whitespace().collect();
            for source in &words[..words.len() - 1] {
                assert!(
                    root().join(source).exists(),
                    "COPY {source}: not in the repository"
                );
                let source = source.trim_end_matches('/');
                assert!(
                    ignore
                        .lines()
                        .any(|l| l.trim_end_matches('/') == format!("!{source}")),
                    "{source} is left out by .dockerignore"
                );
                copied.push(source.to_string());
            }
        }
    }
    for needed in ["Cargo.toml", "Cargo.lock", "build.rs", "src", "themes"] {
        assert!(
            copied.contains(&needed.to_string()),
            "{needed} is not copied"
        );
    }
    assert!(
        stage_lines[0]
            .iter()
            .any(|(k, r)| k == "RUN" && r.contains("cargo build --release --locked"))
    );

    // The runtime stage: only the binary, casebook as the entrypoint, in /site.
    let runtime = &stage_lines[1];
    let has = |keyword: &str, rest: &str| runtime.iter().any(|(k, r)| k == keyword && r == rest);
    assert!(
        has("COPY", "--from=build /casebook /usr/local/bin/casebook"),
        "{runtime:?}"
    );
    assert_eq!(runtime.iter().filter(|(k, _)| k == "COPY").count(), 1);
    assert!(
        !runtime.iter().any(|(k, _)| k == "RUN"),
        "the runtime image runs nothing at build"
    );
    assert!(has("WORKDIR", "/site"));
    assert!(has("ENTRYPOINT", "[\"casebook\"]"));
    assert!(has("CMD", "[\"build\"]"));
}

#[test]
fn the_release_workflow_passes_the_commit_the_dockerfile_takes() {
    let workflow: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap(),
    )
    .unwrap();
    let push = workflow["jobs"]["image"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("docker/build-push-action@"))
        })
        .unwrap();
    assert_eq!(
        push["with"]["build-args"].as_str(),
        Some("CASEBOOK_COMMIT=${{ github.sha }}")
    );
    assert!(
        dockerfile()
            .iter()
            .any(|(k, r)| k == "ARG" && r.starts_with("CASEBOOK_COMMIT"))
    );
    // Every target of the build matrix is run on a runner of its own.
    let targets = |job: &str| -> Vec<String> {
        workflow["jobs"][job]["strategy"]["matrix"]["include"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|t| t["target"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(targets("build"), targets("run"));
    assert_eq!(targets("build").len(), 5);
}

#[test]
fn the_readme_starts_with_install_for_this_version() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first = readme.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first, "## Install");
    let version = env!("CARGO_PKG_VERSION");
    for archive in [
        "-$(uname -m)-unknown-linux-musl.tar.gz",
        "-apple-darwin.tar.gz",
        "-x86_64-pc-windows-msvc.zip",
    ] {
        let url = format!("/releases/download/v{version}/casebook-v{version}");
        assert!(
            readme.contains(&url) && readme.contains(archive),
            "{url}…{archive}"
        );
    }
    if env!("CARGO_PKG_REPOSITORY").is_empty() {
        assert!(readme.contains("That address is not filled in yet"));
    }
}
