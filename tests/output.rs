//! A rebuild into an existing output folder touches only what changed, and always ends with
//! exactly what a build into an empty folder gives.

mod common;

use casebook::output::MARKER;
use common::{Fixture, snapshot};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

/// Each file's modification time and inode (the marker's too): both stay when a build leaves a
/// file alone, and the inode changes even when a rewrite falls in the same clock tick.
fn identities(dir: &Path) -> BTreeMap<String, (SystemTime, u64)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let metadata = entry.metadata().unwrap();
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
            #[cfg(not(unix))]
            let inode = 0;
            let name = entry.path().strip_prefix(dir).unwrap();
            (
                name.display().to_string(),
                (metadata.modified().unwrap(), inode),
            )
        })
        .collect()
}

/// The files that are new or were written again since `before`.
fn rewritten(before: &BTreeMap<String, (SystemTime, u64)>, dir: &Path) -> Vec<String> {
    identities(dir)
        .into_iter()
        .filter(|(name, identity)| before.get(name) != Some(identity))
        .map(|(name, _)| name)
        .collect()
}

/// The site built into an empty folder elsewhere.
fn fresh(site: &Fixture) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut options = casebook::BuildOptions::new(site.root());
    options.output = Some(dir.path().join("public"));
    assert!(!casebook::build(&options).has_errors());
    snapshot(&dir.path().join("public"))
}

/// Enough time for a rewritten file to get another modification time.
fn tick() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

/// What is next to the output folder besides the site's own files.
fn leftovers(site: &Fixture) -> Vec<String> {
    std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("casebook"))
        .collect()
}

#[test]
fn an_unchanged_rebuild_leaves_every_file_as_it_was() {
    let site = Fixture::copy("basic");
    let first = site.build_ok();
    let before = identities(&site.public());
    assert_eq!(first.files_written, before.len() - 1, "all but the marker");
    tick();
    let report = site.build_ok();
    assert_eq!((report.files_written, report.files_removed), (0, 0));
    assert_eq!(rewritten(&before, &site.public()), Vec::<String>::new());
}

#[test]
fn editing_a_practice_rewrites_its_page_and_lists_but_not_unrelated_pages() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let before = identities(&site.public());
    tick();
    let practice = "content/practices/cold-chain.zh.md";
    let text = std::fs::read_to_string(site.root().join(practice)).unwrap();
    site.write(practice, &format!("{text}\n新的一段。\n"));
    let report = site.build_ok();
    let changed = rewritten(&before, &site.public());
    for page in ["practices/cold-chain/index.html", "print/index.html"] {
        assert!(changed.iter().any(|c| c == page), "{page} in {changed:?}");
    }
    for page in [
        "about/index.html",
        "practices/joint-delivery/index.html",
        "en/practices/cold-chain/index.html",
        "en/print/index.html",
    ] {
        assert!(!changed.iter().any(|c| c == page), "{page} in {changed:?}");
    }
    assert_eq!(
        report.files_written,
        changed.len() - 1,
        "{changed:?} and the marker"
    );
    assert!(snapshot(&site.public()) == fresh(&site));
}

#[test]
fn a_removed_practice_disappears_with_its_folder() {
    let site = Fixture::copy("basic");
    site.build_ok();
    std::fs::remove_file(site.root().join("content/practices/older-green.zh.md")).unwrap();
    let report = site.build_ok();
    assert!(!site.public().join("practices/older-green").exists());
    assert!(report.files_removed >= 1, "{}", report.files_removed);
    assert!(snapshot(&site.public()) == fresh(&site));
}

#[test]
fn an_output_file_edited_or_removed_by_hand_is_restored() {
    let site = Fixture::copy("basic");
    site.build_ok();
    std::fs::write(site.public().join("about/index.html"), "edited by hand").unwrap();
    std::fs::remove_file(site.public().join("atom.xml")).unwrap();
    let report = site.build_ok();
    assert_eq!(report.files_written, 2);
    assert!(snapshot(&site.public()) == fresh(&site));
}

#[test]
fn a_file_can_become_a_folder_and_back() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let about = identities(&site.public())["about/index.html"];
    let guide = site.root().join("static/guide");
    for as_folder in [false, true, false] {
        if guide.is_dir() {
            std::fs::remove_dir_all(&guide).unwrap();
        } else if guide.exists() {
            std::fs::remove_file(&guide).unwrap();
        }
        if as_folder {
            site.write("static/guide/index.html", "a page");
        } else {
            site.write("static/guide", "a file");
        }
        site.build_ok();
        assert_eq!(site.public().join("guide").is_dir(), as_folder);
        assert!(snapshot(&site.public()) == fresh(&site));
        let after = identities(&site.public());
        assert_eq!(after["about/index.html"], about, "updated in place");
    }
}

#[test]
fn a_failed_write_leaves_the_previous_output_byte_identical() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let tree = |dir: &Path| {
        let marker = std::fs::read(dir.join(MARKER)).unwrap();
        (snapshot(dir), marker, identities(dir))
    };
    let before = tree(&site.public());
    // A changed page and a new one whose name no file system accepts (over 255 bytes).
    let practice = "content/practices/cold-chain.zh.md";
    let text = std::fs::read_to_string(site.root().join(practice)).unwrap();
    site.write(practice, &format!("{text}\n新的一段。\n"));
    site.write(
        "content/practices/long.zh.md",
        &format!(
            "---\ntitle: 长\naspect: green\ndate: 2023-01-01\nslug: {}\n---\n正文。\n",
            "x".repeat(300)
        ),
    );
    let report = site.build();
    assert!(report.io_error && report.has_errors());
    assert!(before == tree(&site.public()), "public/ changed");
    assert_eq!(leftovers(&site), Vec::<String>::new());

    std::fs::remove_file(site.root().join("content/practices/long.zh.md")).unwrap();
    site.build_ok();
    assert!(snapshot(&site.public()) == fresh(&site));
}

#[test]
fn a_corrupted_or_missing_record_falls_back_to_a_full_rebuild() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let marker = site.public().join(MARKER);
    let record = std::fs::read(&marker).unwrap();
    let first_line = record.iter().position(|&b| b == b'\n').unwrap() + 1;
    for corrupted in [&record[..record.len() / 2], &record[..first_line]] {
        std::fs::write(&marker, corrupted).unwrap();
        let before = identities(&site.public());
        tick();
        let report = site.build_ok();
        assert_eq!(report.files_written, before.len() - 1);
        assert_eq!(rewritten(&before, &site.public()).len(), before.len());
        assert!(snapshot(&site.public()) == fresh(&site));
        assert_eq!(leftovers(&site), Vec::<String>::new());
    }
}

#[test]
fn a_build_without_a_record_deletes_nothing_it_did_not_write() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let public = site.public();
    // What a deploy checkout and a host add beside the site, then a record lost.
    let theirs = [
        ("CNAME", "cases.example.org\n"),
        (
            ".well-known/security.txt",
            "Contact: mailto:a@example.org\n",
        ),
        (".git/HEAD", "ref: refs/heads/gh-pages\n"),
        ("practices/notes.txt", "an editor's note"),
    ];
    for (path, text) in theirs {
        std::fs::create_dir_all(public.join(path).parent().unwrap()).unwrap();
        std::fs::write(public.join(path), text).unwrap();
    }
    std::fs::create_dir_all(public.join(".git/refs/tags")).unwrap();
    // A page edited by hand where the build writes its own.
    std::fs::write(public.join("about/index.html"), "edited by hand").unwrap();
    std::fs::write(public.join(MARKER), "").unwrap();

    let report = site.build_ok();
    for (path, text) in theirs {
        assert_eq!(
            std::fs::read_to_string(public.join(path)).unwrap(),
            text,
            "{path}"
        );
    }
    assert!(
        public.join(".git/refs/tags").is_dir(),
        "empty folders of .git stay"
    );
    let kept = report
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("kept what casebook did not write"))
        .expect("the build says what it kept");
    assert!(kept.message.contains("CNAME"), "{}", kept.message);
    // The page is the build's again; the hand-edited one was moved beside the output.
    assert_ne!(site.read("about/index.html"), "edited by hand");
    let moved: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("casebook-kept"))
        .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(
        std::fs::read_to_string(moved[0].path().join("about/index.html")).unwrap(),
        "edited by hand"
    );
    // The next build has its record again, and still leaves their files alone.
    let report = site.build_ok();
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| !d.message.starts_with("kept"))
    );
    assert_eq!(site.read("CNAME"), "cases.example.org\n");
}

#[test]
fn the_summary_line_says_how_many_files_changed() {
    let site = Fixture::copy("basic");
    let build = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["build", "--quiet", "--root"])
            .arg(site.root())
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stderr).unwrap()
    };
    let files = build();
    assert!(files.contains(" files changed): "), "{files}");
    assert!(build().contains(" s (0 files changed): 0 errors"));
}
