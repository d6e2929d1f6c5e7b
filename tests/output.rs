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
/// What casebook left beside the output other than its lock and the build before the last (kept
/// there on Linux for the next swap).
fn leftovers(site: &Fixture) -> Vec<String> {
    std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("casebook") && !n.ends_with(".casebook-lock"))
        .filter(|n| n != ".public.casebook-previous")
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
    // A changed page and a new one with an old address no file system accepts (20 names of 250
    // bytes, past the 4,096 bytes of a path): the model checks each name's length, so only
    // writing finds this one.
    let practice = "content/practices/cold-chain.zh.md";
    let text = std::fs::read_to_string(site.root().join(practice)).unwrap();
    site.write(practice, &format!("{text}\n新的一段。\n"));
    site.write(
        "content/practices/long.zh.md",
        &format!(
            "---\ntitle: 长\naspect: green\ndate: 2023-01-01\naliases: [{}]\n---\n正文。\n",
            format!("{}/", "x".repeat(250)).repeat(20)
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

fn casebook() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
}

/// Two builds at once into one output, ten times (the first into an empty folder, the others
/// after an edit): each waits for the other, both succeed, and the output is what its manifest
/// says. Without the lock one would move the other's staged files away or restore its output.
#[test]
fn concurrent_builds_into_one_output_take_turns() {
    let site = Fixture::copy("basic");
    for n in 0..60 {
        site.write(
            &format!("content/practices/p{n}.zh.md"),
            &format!(
                "---\ntitle: 案例 {n}\naspect: green\ndate: 2023-01-01\ntags: [t{}]\n---\n## 做法\n\n正文 {n}。\n",
                n % 10
            ),
        );
    }
    let page = "content/practices/p0.zh.md";
    for round in 0..10 {
        if round > 0 {
            let text = std::fs::read_to_string(site.root().join(page)).unwrap();
            site.write(page, &format!("{text}\n第 {round} 次修改。\n"));
        }
        let builds: Vec<_> = (0..2)
            .map(|_| {
                casebook()
                    .args(["build", "--quiet", "--root"])
                    .arg(site.root())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for build in builds {
            let output = build.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "round {round}: {stderr}");
            let last = stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("built ") && last.ends_with(": 0 errors, 1 warning"),
                "round {round}: {stderr}"
            );
        }
        let verified = casebook()
            .arg("verify")
            .arg(site.public())
            .output()
            .unwrap();
        assert!(
            verified.status.success(),
            "round {round}: {}{}",
            String::from_utf8_lossy(&verified.stdout),
            String::from_utf8_lossy(&verified.stderr)
        );
        assert_eq!(leftovers(&site), Vec::<String>::new(), "round {round}");
    }
    assert!(
        site.read("practices/p0/index.html")
            .contains("第 9 次修改。")
    );
    assert!(snapshot(&site.public()) == fresh(&site));
}

/// While the output's lock is held, a build waits and says so, or with `--no-wait` exits 2.
#[test]
fn a_build_waits_for_the_lock_or_exits_2_with_no_wait() {
    use std::io::Read as _;
    let site = Fixture::copy("basic");
    let lock_path = casebook::output_lock::path(&site.public()).unwrap();
    assert_eq!(lock_path.parent(), Some(site.public().parent().unwrap()));
    let held = casebook::output_lock::acquire(&site.public(), false).unwrap();

    let output = casebook()
        .args(["build", "--no-wait", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another build"), "{stderr}");
    assert!(!site.public().exists());

    let mut waiting = casebook()
        .args(["build", "--root"])
        .arg(site.root())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = waiting.stderr.take().unwrap();
    let mut first = [0u8; 64];
    stderr.read_exact(&mut first).unwrap();
    let first = String::from_utf8_lossy(&first).into_owned();
    assert!(
        first.starts_with(&format!(
            "waiting for another build (process {}) of ",
            std::process::id()
        )),
        "{first}"
    );
    assert!(!site.public().exists(), "nothing written while waiting");
    drop(held);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(waiting.wait().unwrap().success(), "{first}{rest}");
    assert!(rest.contains(&lock_path.display().to_string()), "{rest}");
    assert!(site.public().join("index.html").exists());
    assert!(!site.public().join(lock_path.file_name().unwrap()).exists());
}

#[test]
fn the_manifest_lists_a_page_as_the_build_read_it_while_it_is_being_edited() {
    let site = Fixture::copy("basic");
    for i in 0..400 {
        site.write(
            &format!("content/practices/filler-{i}.zh.md"),
            &format!("---\ntitle: 填充 {i}\naspect: trade\ndate: 2022-01-01\n---\n正文 {i}。\n"),
        );
    }
    let edited = site.root().join("content/practices/edited.zh.md");
    let version = |n: u64| {
        format!("---\ntitle: 编辑中\naspect: green\ndate: 2022-02-02\n---\nversion-{n}-end\n")
    };
    std::fs::write(&edited, version(0)).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut n = 1;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // A new file renamed into place, as editors save.
                let next = edited.with_file_name(".edited.zh.md.tmp");
                std::fs::write(&next, version(n)).unwrap();
                std::fs::rename(&next, &edited).unwrap();
                n += 1;
            }
        });
        let report = site.build();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        report
    });
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    let page = site.read("practices/edited/index.html");
    let shown: u64 = page
        .split("version-")
        .nth(1)
        .and_then(|rest| rest.split('-').next())
        .and_then(|n| n.parse().ok())
        .expect("the page shows a version");
    let manifest: casebook::manifest::Manifest =
        serde_json::from_str(&site.read("manifest.json")).unwrap();
    let listed = manifest
        .inputs
        .iter()
        .find(|i| i.path == "content/practices/edited.zh.md")
        .expect("the edited page is an input");
    let which =
        (0..100_000).find(|&n| casebook::manifest::sha256(version(n).as_bytes()) == listed.sha256);
    assert_eq!(
        (which, listed.sha256.clone()),
        (
            Some(shown),
            casebook::manifest::sha256(version(shown).as_bytes())
        ),
        "the manifest lists another version than the page shows (version {shown})"
    );
}

/// A file system mounted on a folder for as long as it lives.
struct Mount(std::path::PathBuf);

impl Mount {
    /// A fresh tmpfs on `dir`. The test runs as root, as CI and `scripts/test` do.
    fn tmpfs(dir: &Path) -> Mount {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "casebook-test"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "this test mounts a tmpfs on the output folder: run it as root (`sudo cargo test --test output`)"
        );
        Mount(dir.to_path_buf())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// An output folder that is a mount point (a container's volume, a mounted deploy folder) cannot
/// be moved aside and has no room beside it on its file system: it is written in place from a
/// staging folder inside it. A first build, a rebuild after an edit and one after the record is
/// damaged all succeed, keep someone else's file and end as a fresh build would.
#[test]
fn an_output_that_is_a_mount_point_is_built_and_rebuilt_in_place() {
    let site = Fixture::copy("basic");
    let _mount = Mount::tmpfs(&site.public());
    site.build_ok();
    assert!(snapshot(&site.public()) == fresh(&site));
    std::fs::write(site.public().join("CNAME"), "cases.example.org").unwrap();
    let page = "content/practices/cold-chain.zh.md";
    let text = std::fs::read_to_string(site.root().join(page)).unwrap();
    site.write(page, &format!("{text}\n新的一段。\n"));
    let report = site.build_ok();
    assert!(report.files_written > 0);
    assert!(
        site.read("practices/cold-chain/index.html")
            .contains("新的一段。")
    );
    let marker = site.public().join(MARKER);
    let record = std::fs::read_to_string(&marker).unwrap();
    std::fs::write(&marker, record.lines().next().unwrap()).unwrap();
    site.write(page, &text);
    site.build_ok();
    assert!(
        !site
            .read("practices/cold-chain/index.html")
            .contains("新的一段。")
    );
    assert_eq!(
        std::fs::read_to_string(site.public().join("CNAME")).unwrap(),
        "cases.example.org"
    );
    std::fs::remove_file(site.public().join("CNAME")).unwrap();
    assert!(snapshot(&site.public()) == fresh(&site));
    let inside: Vec<String> = std::fs::read_dir(site.public())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("casebook-staging"))
        .collect();
    assert_eq!(inside, Vec::<String>::new(), "no staging left inside");
}

#[test]
fn a_build_that_fails_while_rendering_leaves_nothing_it_staged() {
    let site = Fixture::copy("basic");
    site.build_ok();
    let before = snapshot(&site.public());
    // Pages are written into the staging folder as they are rendered: the term pages fail after
    // others were staged.
    site.write("templates/term.html", "{{ no_such_value.field }}\n");
    let report = site.build();
    assert!(report.has_errors() && !report.io_error);
    assert!(before == snapshot(&site.public()), "public/ changed");
    assert_eq!(leftovers(&site), Vec::<String>::new());
}

#[test]
fn a_rebuild_that_replaces_the_output_whole_keeps_the_pages_it_did_not_write_again() {
    let site = Fixture::copy("basic");
    site.build_ok();
    // Someone's file where a new page needs a folder: the output cannot be updated in place, so
    // it is replaced whole, with the unchanged pages (never written to the staging folder while
    // rendering) copied from the output.
    let practice = "content/practices/cold-chain.zh.md";
    let text = std::fs::read_to_string(site.root().join(practice)).unwrap();
    site.write(
        "content/practices/newcomer.zh.md",
        &text.replace("title:", "title: 新"),
    );
    std::fs::write(site.public().join("practices/newcomer"), "someone's notes").unwrap();
    let report = site.build_ok();
    assert_eq!(
        report.files_written,
        fresh(&site).len(),
        "not replaced whole"
    );
    let built: Vec<(String, Vec<u8>)> = snapshot(&site.public());
    assert!(
        built == fresh(&site),
        "the replaced output differs from a fresh build"
    );
    let kept: Vec<String> = leftovers(&site);
    assert!(
        kept.len() == 1 && kept[0].contains("casebook-kept"),
        "{kept:?}"
    );
}
