//! Sections: the folders inside a collection, each a list of the pages directly in it and of the
//! folders below, per language, so that a collection of 400 documents in nested folders is not
//! one flat list. A folder's `_index.md` gives its section a title and a text.

use super::{Page, PageId};
use crate::config::Config;
use crate::slug::slugify;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct Section {
    pub collection: usize,
    pub lang: String,
    /// Under `content/`, without a trailing `/`: `docs/guides`.
    pub folder: String,
    /// Relative to the site root, ending with `/`: `en/docs/guides/`.
    pub path: String,
    /// The `_index` page's title, else the collection's (for its own folder) or the folder's name.
    pub title: String,
    /// The folder's `_index` page, whose title and text the list shows.
    pub about: Option<PageId>,
    pub parent: Option<usize>,
    /// In the order of their folders' names.
    pub children: Vec<usize>,
    /// The pages directly in the folder, in the collection's order.
    pub pages: Vec<PageId>,
    /// The pages in the folder and every folder below it.
    pub count: usize,
}

/// Every section of the site, and the section each page is listed in.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    pub list: Vec<Section>,
    /// Per page: its section (`None` for a page outside the collections and for `_index` pages).
    pub of_page: Vec<Option<usize>>,
}

impl Sections {
    /// The sections from the collection's own down to `section`.
    pub fn trail(&self, section: usize) -> Vec<usize> {
        let mut trail = vec![section];
        while let Some(parent) = self.list[*trail.last().unwrap_or(&section)].parent {
            trail.push(parent);
        }
        trail.reverse();
        trail
    }

    /// The section a folder's `_index` page speaks for.
    pub fn about(&self, page: PageId) -> Option<usize> {
        self.list.iter().position(|s| s.about == Some(page))
    }
}

/// Finds the sections of `pages`; `ordered` is every page in the collections' order (newest
/// first), so that each section lists its pages in that order.
pub fn collect(config: &Config, pages: &[Page], ordered: &[PageId]) -> Sections {
    // A folder whose address a page takes (a bundle's `index.md`, or `guides.md` beside
    // `guides/`) is that page: what else it holds is listed in the section above.
    let taken: HashSet<&str> = (pages.iter())
        .filter(|p| !p.source.is_section())
        .map(|p| p.path.as_str())
        .collect();
    let mut by_key: BTreeMap<(usize, &str, String), Option<PageId>> = BTreeMap::new();
    let mut listed_in: Vec<Option<(usize, String)>> = vec![None; pages.len()];
    for lang in &config.languages {
        for c in 0..config.collections.len() {
            by_key.insert((c, lang.code.as_str(), root_folder(config, c)), None);
        }
    }
    let in_collection = |dir: &str| {
        (config.collections.iter()).position(|c| dir == c.folder || is_below(dir, &c.folder))
    };
    for (id, page) in pages.iter().enumerate() {
        let lang = page.lang();
        if page.source.is_section() {
            let dir = page.source.dir.as_str();
            let Some(c) = in_collection(dir) else {
                continue;
            };
            let path = section_path(config, c, lang, dir);
            if !taken.contains(path.as_str()) {
                for folder in folders_between(dir, &config.collections[c].folder) {
                    by_key.entry((c, lang, folder)).or_insert(None);
                }
                by_key.insert((c, lang, dir.to_string()), Some(id));
            }
            continue;
        }
        let Some(c) = page.collection else {
            continue;
        };
        let root = config.collections[c].folder.as_str();
        let own = if page.source.is_bundle() {
            parent_folder(&page.source.dir)
        } else {
            page.source.dir.as_str()
        };
        let mut folder = own;
        while folder != root
            && is_below(folder, root)
            && taken.contains(section_path(config, c, lang, folder).as_str())
        {
            folder = parent_folder(folder);
        }
        let folder = if is_below(folder, root) { folder } else { root };
        for above in folders_between(folder, root) {
            by_key.entry((c, lang, above)).or_insert(None);
        }
        listed_in[id] = Some((c, folder.to_string()));
    }

    let mut list: Vec<Section> = by_key
        .iter()
        .map(|((c, lang, folder), about)| {
            let title = match about {
                Some(id) => pages[*id].title.clone(),
                None => super::folder_title(config, folder, lang),
            };
            Section {
                collection: *c,
                lang: lang.to_string(),
                folder: folder.clone(),
                path: section_path(config, *c, lang, folder),
                title,
                about: *about,
                parent: None,
                children: Vec::new(),
                pages: Vec::new(),
                count: 0,
            }
        })
        .collect();
    let index: HashMap<(usize, &str, &str), usize> = (list.iter().enumerate())
        .map(|(i, s)| ((s.collection, s.lang.as_str(), s.folder.as_str()), i))
        .collect();
    let parents: Vec<Option<usize>> = (list.iter())
        .map(|s| {
            let root = root_folder(config, s.collection);
            (s.folder != root)
                .then(|| index.get(&(s.collection, s.lang.as_str(), parent_folder(&s.folder))))
                .flatten()
                .copied()
        })
        .collect();
    let mut of_page = vec![None; pages.len()];
    for &id in ordered {
        if let Some((c, folder)) = &listed_in[id]
            && let Some(&s) = index.get(&(*c, pages[id].lang(), folder.as_str()))
        {
            of_page[id] = Some(s);
        }
    }
    for (s, parent) in parents.iter().enumerate() {
        list[s].parent = *parent;
        if let Some(parent) = parent {
            list[*parent].children.push(s);
        }
    }
    for &id in ordered {
        if let Some(s) = of_page[id] {
            list[s].pages.push(id);
            let mut at = Some(s);
            while let Some(s) = at {
                list[s].count += 1;
                at = list[s].parent;
            }
        }
    }
    Sections { list, of_page }
}

/// A collection's own folder as sections name it.
fn root_folder(config: &Config, collection: usize) -> String {
    config.collections[collection].folder.clone()
}

/// The address of a section: a collection's own is its list page's; a folder below it takes
/// the address its pages are under.
fn section_path(config: &Config, collection: usize, lang: &str, folder: &str) -> String {
    let prefix = config.language_prefix(lang);
    if folder == config.collections[collection].folder {
        return format!("{prefix}{}/", slugify(folder));
    }
    let folders: String = folder
        .split('/')
        .map(|f| format!("{}/", slugify(f)))
        .collect();
    format!("{prefix}{folders}")
}

fn is_below(folder: &str, root: &str) -> bool {
    folder.len() > root.len() && folder.starts_with(root) && folder[root.len()..].starts_with('/')
}

fn parent_folder(folder: &str) -> &str {
    folder.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// The folders from below `root` down to `folder`, `folder` included.
fn folders_between(folder: &str, root: &str) -> Vec<String> {
    let mut folders = Vec::new();
    let mut at = folder;
    while is_below(at, root) {
        folders.push(at.to_string());
        at = parent_folder(at);
    }
    folders
}
