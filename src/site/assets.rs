//! The assets of the site: every file under `content/` that is not Markdown, published at its
//! path with folder names made into slugs as pages' are, so that `posts/My Trip/index.md` at
//! `posts/my-trip/` finds `posts/My Trip/map.png` beside it at `posts/my-trip/map.png`.

use crate::content::Asset;
use crate::diagnostics::Diagnostic;
use crate::slug::slugify;
use std::collections::HashMap;

/// An asset and the path it is published at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Published {
    pub source: Asset,
    /// Relative to the output folder: `posts/my-trip/map.png`.
    pub path: String,
}

#[derive(Debug, Default)]
pub struct Assets {
    /// Sorted by content path.
    pub list: Vec<Published>,
    by_content_path: HashMap<String, usize>,
    /// A hash of every asset's path, published path and dimensions: what rendered Markdown that
    /// links to assets depends on.
    pub key: u64,
}

impl Assets {
    /// The assets with their published paths; two that would be published at one path are an
    /// error at the second.
    pub fn new(assets: Vec<Asset>) -> (Assets, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut taken: HashMap<String, String> = HashMap::new();
        let mut list = Vec::with_capacity(assets.len());
        for source in assets {
            let path = published_path(&source.content_path);
            if let Some(first) = taken.get(&path) {
                diagnostics.push(
                    Diagnostic::error(
                        &source.file,
                        format!("this file and {first} would both be published at /{path}"),
                    )
                    .with_hint("folder names become URL slugs (lower case, spaces to -): rename one of the folders or files"),
                );
                continue;
            }
            taken.insert(path.clone(), source.file.clone());
            list.push(Published { source, path });
        }
        let by_content_path = list
            .iter()
            .enumerate()
            .map(|(i, a)| (a.source.content_path.clone(), i))
            .collect();
        let key = crate::hash::key(
            list.iter()
                .map(|a| (&a.source.content_path, &a.path, a.source.dimensions))
                .collect::<Vec<_>>(),
        );
        (
            Assets {
                list,
                by_content_path,
                key,
            },
            diagnostics,
        )
    }

    /// The asset at `content_path` (relative to `content/`).
    pub fn get(&self, content_path: &str) -> Option<&Published> {
        self.by_content_path
            .get(content_path)
            .map(|&i| &self.list[i])
    }
}

/// `posts/My Trip/map.png` -> `posts/my-trip/map.png`: folders as page URLs have them, the file
/// name as written.
pub fn published_path(content_path: &str) -> String {
    let (folders, name) = content_path.rsplit_once('/').unwrap_or(("", content_path));
    let mut path = String::with_capacity(content_path.len());
    for folder in folders.split('/').filter(|f| !f.is_empty()) {
        let slug = slugify(folder);
        path.push_str(if slug.is_empty() { folder } else { &slug });
        path.push('/');
    }
    path.push_str(name);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(content_path: &str) -> Asset {
        Asset {
            file: format!("content/{content_path}"),
            content_path: content_path.into(),
            path: content_path.into(),
            size: 1,
            dimensions: None,
        }
    }

    #[test]
    fn assets_are_published_beside_their_pages() {
        assert_eq!(published_path("map.png"), "map.png");
        assert_eq!(
            published_path("posts/My Trip/Map 1.PNG"),
            "posts/my-trip/Map 1.PNG"
        );
        assert_eq!(published_path("案例/徐州/地图.png"), "案例/徐州/地图.png");
    }

    #[test]
    fn two_assets_at_one_address_are_an_error() {
        let (assets, diagnostics) =
            Assets::new(vec![asset("My Trip/a.png"), asset("my-trip/a.png")]);
        assert_eq!(assets.list.len(), 1);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].file, "content/my-trip/a.png");
        assert!(assets.get("My Trip/a.png").is_some());
    }
}
