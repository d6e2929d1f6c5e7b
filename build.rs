//! Embeds the default theme in the binary, so that `casebook init` makes a casebook that
//! references the theme instead of copying it; and names the commit the binary is built from,
//! for `casebook --version`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    commit();
    let theme = Path::new("themes/default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut files = Vec::new();
    collect(theme, &mut files);
    files.sort();
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file
            .strip_prefix(theme)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let absolute = std::fs::canonicalize(file).unwrap();
        writeln!(
            code,
            "    ({relative:?}, include_bytes!({:?})),",
            absolute.to_string_lossy()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_theme.rs");
    std::fs::write(out, code).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Sets CASEBOOK_BUILD_COMMIT: $CASEBOOK_COMMIT when given (a build without the repository,
/// such as a container's), else `git rev-parse --short HEAD` of this very repository, else
/// "unknown" (a build from the crates.io package, or without git). The script reruns when HEAD
/// or the branch it names moves, and only then, so that builds stay incremental.
fn commit() {
    println!("cargo:rerun-if-env-changed=CASEBOOK_COMMIT");
    let given = std::env::var("CASEBOOK_COMMIT").unwrap_or_default();
    let commit = if !given.trim().is_empty() {
        given.trim().to_string()
    } else {
        from_git().unwrap_or_else(|| "unknown".to_string())
    };
    println!("cargo:rustc-env=CASEBOOK_BUILD_COMMIT={commit}");
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn from_git() -> Option<String> {
    // Only the repository this package is the root of: a package unpacked inside some other
    // repository (a CARGO_HOME under version control) must not take that one's commit.
    let manifest = std::fs::canonicalize(std::env::var("CARGO_MANIFEST_DIR").ok()?).ok()?;
    let top = std::fs::canonicalize(git(&["rev-parse", "--show-toplevel"])?).ok()?;
    if top != manifest {
        return None;
    }
    // Watch only files that exist: a missing one would rerun the script on every build.
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch])?);
        watched.push(git(&["rev-parse", "--git-path", "packed-refs"])?);
    }
    for path in watched {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    git(&["rev-parse", "--short", "HEAD"])
}
