//! Arbitrary pages through the whole pipeline: load, validation, the model, Markdown, templates,
//! the search index and the manifest, with the cache serve keeps from one build to the next.
//! The input is cut at each NUL byte into up to six files: three pages (a Chinese practice, its
//! English translation, a bundle's page with an image beside it), the collection's `_index.md`,
//! a page two folders down and the `_index.md` of the folder between (sections). Nothing may panic: a panic would reach libFuzzer through the rayon workers.
#![no_main]

use casebook::BuildOptions;
use casebook::cache::Cache;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

const SITE: &str = "title: { zh: 案例, en: Cases }
base_url: https://example.org/cases/
default_language: zh
languages:
  - { code: zh, name: 中文 }
  - { code: en, name: English }
ignore: [README.md]
collections:
  practices:
    folder: practices
    title: { zh: 案例, en: Practices }
    paginate: 2
    fields:
      title: { type: string, required: true }
      aspect: { type: term, taxonomy: aspect }
      region: { type: term, taxonomy: region }
      date: { type: date }
      tags: { type: list, of: term, taxonomy: tags }
      standards: { type: list, of: standard }
      metrics: { type: list, of: metric }
      source: { type: url }
      summary: { type: text }
taxonomies:
  aspect:
    title: { zh: 方面, en: Aspects }
    closed: true
    terms:
      - { key: green, name: { zh: 绿色, en: Green } }
      - { key: trade, name: { zh: 贸易, en: Trade } }
  region:
    title: { zh: 地区, en: Regions }
  tags:
    title: { zh: 标签, en: Tags }
  year:
    title: { zh: 年份, en: Years }
    from: date
";

const FILES: [&str; 6] = [
    "content/practices/a.zh.md",
    "content/practices/a.en.md",
    "content/practices/b/index.zh.md",
    "content/practices/_index.zh.md",
    "content/practices/east/port/c.zh.md",
    "content/practices/east/_index.zh.md",
];

/// A site folder of this process (in memory where /dev/shm is), and the cache kept across runs.
fn site() -> &'static (PathBuf, Mutex<Cache>) {
    static SITE_DIR: OnceLock<(PathBuf, Mutex<Cache>)> = OnceLock::new();
    SITE_DIR.get_or_init(|| {
        let base = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let root = base.join(format!("casebook-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(root.join("content/practices/b")).unwrap();
        std::fs::create_dir_all(root.join("content/practices/east/port")).unwrap();
        std::fs::write(root.join("site.yaml"), SITE).unwrap();
        // A real PNG header: 3 x 2 pixels.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
        std::fs::write(root.join("content/practices/b/map.png"), png).unwrap();
        (root, Mutex::new(Cache::persistent()))
    })
}

fuzz_target!(|data: &[u8]| {
    let (root, cache) = site();
    let mut parts = data.splitn(FILES.len(), |&b| b == 0);
    for file in FILES {
        let path = root.join(file);
        match parts.next() {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let options = BuildOptions {
        serve_mode: false,
        drafts: true,
        ..BuildOptions::new(root)
    };
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    let (rendered, diagnostics) = casebook::render_cached(&options, &mut cache);
    // Every diagnostic in every format, as CI would print it.
    let _ = casebook::diagnostics::to_human(&diagnostics, false);
    let _ = casebook::diagnostics::to_json(&diagnostics);
    let _ = casebook::diagnostics::to_github(&diagnostics);
    if let Some(rendered) = rendered {
        assert!(!rendered.files.is_empty());
    }
});
