//! The crate as `cargo package` would publish it: the sources, the built-in theme that build.rs
//! embeds, the README and the licenses, and nothing of the example casebook or the tests.

use std::path::Path;
use std::process::Command;

#[test]
fn the_package_holds_the_sources_the_theme_and_the_licenses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = String::from_utf8(output.stdout).unwrap();
    let listed: Vec<&str> = listed.lines().collect();
    let has = |path: &str| listed.contains(&path);

    for required in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "src/main.rs",
        "src/lib.rs",
        "src/scaffold/github-workflow.yml",
        "src/scaffold/gitlab-ci.yml",
        "src/serve/live.js",
    ] {
        assert!(
            has(required),
            "{required} is not in the package: {listed:?}"
        );
    }
    // Every file build.rs embeds, so that a build from the package has the whole theme.
    let theme = root.join("themes/default");
    let mut count = 0;
    for entry in walkdir::WalkDir::new(&theme) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(root).unwrap();
            let relative = relative.to_string_lossy().replace('\\', "/");
            assert!(has(&relative), "{relative} is not in the package");
            count += 1;
        }
    }
    assert!(count > 10, "the theme has its templates ({count} files)");
    assert!(has("themes/default/templates/base.html"));
    for left_out in [
        "site.yaml",
        "tests/ci.rs",
        "content/",
        "bench/",
        "fuzz/",
        "docs/",
    ] {
        assert!(
            !listed.iter().any(|p| p.starts_with(left_out)),
            "{left_out} is in the package"
        );
    }
}
