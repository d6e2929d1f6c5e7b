//! Index: the search index, written at build time from the site model (never from HTML) and
//! answered in the reader's browser by `themes/default/static/search.js`.
//!
//! Every file is a script that hands its data to the client
//! (`window.__casebookSearch.register(name, data)`), because `fetch` does not work from
//! `file://` while `<script>` does. Under `search-index/`:
//!
//! | file | holds |
//! | --- | --- |
//! | `meta.js` | the number of shards and documents, the languages as ranges of document ids, the facets |
//! | `s/<n>.js` | shard n: `{term: postings}`, postings being gaps and impacts in a base64 alphabet |
//! | `d/<id>.js` | one document: path, title, language, date, labels, summary and plain text |
//! | `f/<n>.js` | facet n (a taxonomy): its values and, for each, the ids of its documents |
//! | `p/<ab>.js` | the words that start with `ab`, with their document counts, to complete a word being typed |
//!
//! Documents are numbered by language (in the site's order), then newest first, so that a
//! language is a range of ids and id order lists a facet newest first.
//! The formats are described in docs/search.md.

pub mod shard;
pub mod stem;
pub mod tokenize;

use crate::config::FieldType;
use crate::render::{OutputFile, local_date};
use crate::schema::Value;
use crate::site::{Page, PageId, Site};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use shard::Fields;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Where the index lives in the output.
pub const DIR: &str = "search-index/";
/// The version of the file formats, checked by the client.
pub const VERSION: u32 = 1;
/// Plain text kept per document for snippets, in characters.
const MAX_TEXT: usize = 20_000;

/// A fast hasher for the indexer's many small maps (FxHash's multiply-rotate).
#[derive(Default)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.write_u64(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64)
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Term counts of documents from a previous build, by source file, with a hash of the fields
/// they were counted from.
pub type CountCache = HashMap<String, (u64, (shard::Counts, u32))>;

/// The files of the search index.
pub fn build(site: &Site) -> Vec<OutputFile> {
    build_cached(site, None)
}

/// `build`, counting the terms only of documents whose fields changed since the build that
/// filled `cache`. Everything global (document frequencies, shards) is computed afresh.
pub fn build_cached(site: &Site, cache: Option<&mut CountCache>) -> Vec<OutputFile> {
    let order = document_order(site);
    let fields: Vec<Fields> = order
        .par_iter()
        .map(|&id| page_fields(site, &site.pages[id]))
        .collect();
    let previous = cache.as_deref();
    let counted: Vec<(u64, (shard::Counts, u32))> = order
        .par_iter()
        .zip(&fields)
        .map(|(&id, fields)| {
            let key = crate::cache::key(fields);
            match previous.and_then(|p| p.get(&site.pages[id].source.file)) {
                Some((cached, counts)) if *cached == key => (key, counts.clone()),
                _ => (key, shard::count_terms(fields)),
            }
        })
        .collect();
    if let Some(cache) = cache {
        cache.clear();
        for (&id, (key, counts)) in order.iter().zip(&counted) {
            cache.insert(site.pages[id].source.file.clone(), (*key, counts.clone()));
        }
    }
    let index = shard::build_counted(counted.into_iter().map(|(_, c)| c).collect());
    let shards = index.count;
    let mut files: Vec<OutputFile> = index
        .files
        .into_iter()
        .map(|(n, data)| script(&format!("s/{n}"), &data))
        .collect();
    files.extend(prefixes(index.words));
    files.par_extend(
        order
            .par_iter()
            .enumerate()
            .map(|(doc, &id)| script(&format!("d/{doc}"), &document(site, &site.pages[id]))),
    );
    let mut doc_of = vec![u32::MAX; site.pages.len()];
    for (doc, &id) in order.iter().enumerate() {
        doc_of[id] = doc as u32;
    }
    for (t, facet) in facets(site, &doc_of).into_iter().enumerate() {
        files.push(script(&format!("f/{t}"), &facet.to_string()));
    }
    files.push(script("meta", &meta(site, &order, shards).to_string()));
    files
}

/// The words of the index by their first two letters (`p/st.js`: `[[term, documents], …]`, most
/// frequent first), so that the client can complete the word the reader is still typing.
fn prefixes(mut words: Vec<(String, u32)>) -> Vec<OutputFile> {
    words.retain(|(w, _)| w.len() >= 3 && w.as_bytes()[..2].iter().all(u8::is_ascii_alphanumeric));
    words.sort_unstable_by(|a, b| {
        a.0[..2]
            .cmp(&b.0[..2])
            .then(b.1.cmp(&a.1))
            .then(a.0.cmp(&b.0))
    });
    words
        .chunk_by(|a, b| a.0[..2] == b.0[..2])
        .map(|group| {
            let list: Vec<Json> = group.iter().map(|(w, n)| json!([w, n])).collect();
            script(
                &format!("p/{}", &group[0].0[..2]),
                &Json::Array(list).to_string(),
            )
        })
        .collect()
}

fn script(name: &str, data: &str) -> OutputFile {
    OutputFile {
        path: format!("{DIR}{name}.js"),
        bytes: format!("window.__casebookSearch.register(\"{name}\",{data});\n").into_bytes(),
    }
}

/// Every page, by language in the site's order, then newest first.
pub fn document_order(site: &Site) -> Vec<PageId> {
    let mut order = Vec::with_capacity(site.pages.len());
    for lang in &site.config.languages {
        let mut ids: Vec<PageId> = (0..site.pages.len())
            .filter(|&i| site.pages[i].lang() == lang.code)
            .collect();
        site.sort_newest_first(&mut ids);
        order.extend(ids);
    }
    order
}

/// The text of each field of a page: title, headings, metadata (summary, terms, other front
/// matter text), body.
pub fn page_fields<'a>(site: &Site, page: &'a Page) -> Fields<'a> {
    let mut headings = String::new();
    for entry in &page.rendered.toc {
        headings.push_str(&entry.title);
        headings.push('\n');
        for child in &entry.children {
            headings.push_str(&child.title);
            headings.push('\n');
        }
    }
    let mut meta = page.summary();
    for &(t, i) in &page.terms {
        if let Some(term) = site.taxonomies[t]
            .by_language
            .get(page.lang())
            .and_then(|terms| terms.get(i))
        {
            meta.push('\n');
            meta.push_str(&term.name);
        }
    }
    let collection = page.collection.map(|c| &site.config.collections[c]);
    for (name, value) in &page.checked.fields {
        if name == "title" || name == "summary" {
            continue;
        }
        let kind = collection.and_then(|c| c.field(name)).map(|f| &f.kind);
        let searchable = |kind: &FieldType| {
            matches!(
                kind,
                FieldType::String | FieldType::Text | FieldType::Standard | FieldType::Metric
            )
        };
        let keep = match kind {
            Some(FieldType::List(inner)) => searchable(inner),
            Some(kind) => searchable(kind),
            None => true,
        };
        if keep {
            push_value(&mut meta, value);
        }
    }
    [
        Cow::Borrowed(&page.title),
        Cow::Owned(headings),
        Cow::Owned(meta),
        Cow::Borrowed(&page.rendered.text),
    ]
}

fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Text(s) => {
            out.push('\n');
            out.push_str(s);
        }
        Value::Metric(m) => {
            out.push('\n');
            out.push_str(&m.name);
        }
        Value::List(items) => items.iter().for_each(|v| push_value(out, v)),
        _ => {}
    }
}

/// The names of the page's single-term taxonomies (aspect, region), shown with each result.
fn labels(site: &Site, page: &Page) -> Vec<String> {
    let Some(collection) = page.collection.map(|c| &site.config.collections[c]) else {
        return Vec::new();
    };
    site.config
        .taxonomies
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.from.is_none()
                && collection
                    .fields
                    .iter()
                    .any(|f| f.kind == FieldType::Term(t.key.clone()))
        })
        .filter_map(|(t, _)| site.term_of(page, t).map(|term| term.name.clone()))
        .collect()
}

/// A document's file: what a result shows, and the text its snippet comes from.
#[derive(Serialize)]
struct DocumentFile<'a> {
    u: &'a str,
    t: &'a str,
    l: &'a str,
    d: String,
    y: String,
    m: Vec<String>,
    s: String,
}

fn document(site: &Site, page: &Page) -> String {
    let file = DocumentFile {
        u: &page.path,
        t: &page.title,
        l: page.lang(),
        d: page.date.map(|d| d.to_string()).unwrap_or_default(),
        y: page
            .date
            .map(|d| local_date(d, page.lang()))
            .unwrap_or_default(),
        m: labels(site, page),
        s: page.summary(),
    };
    let mut json = serde_json::to_string(&file).expect("strings serialize");
    json.pop(); // the closing brace: the text follows
    json.push_str(",\"x\":\"");
    push_text(&mut json, &page.rendered.text);
    json.push_str("\"}");
    json
}

/// Appends `text` as the inside of a JSON string, its runs of white space collapsed, cut at
/// `MAX_TEXT` characters. One pass over the bytes: the text of 10,000 practices is most of what
/// the index writes.
fn push_text(out: &mut String, text: &str) {
    let mut bytes = Vec::with_capacity(text.len().min(MAX_TEXT * 3) + 16);
    let mut chars = 0;
    let mut space = false;
    for &b in text.trim().as_bytes() {
        match b {
            b' ' | b'\n' | b'\t' | b'\r' => {
                space = true;
                continue;
            }
            // A character starts at every byte but UTF-8 continuation bytes.
            _ if b & 0xC0 != 0x80 => {
                chars += 1 + usize::from(space);
                if chars > MAX_TEXT {
                    break;
                }
            }
            _ => {}
        }
        if space {
            bytes.push(b' ');
            space = false;
        }
        match b {
            b'"' => bytes.extend_from_slice(b"\\\""),
            b'\\' => bytes.extend_from_slice(b"\\\\"),
            0..=0x1F => bytes.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => bytes.push(b),
        }
    }
    // Cutting happens only at the start of a character, so the bytes stay UTF-8.
    out.push_str(std::str::from_utf8(&bytes).expect("cut at character boundaries"));
}

/// Each taxonomy as a facet: values merged across languages by key (so a closed term such as
/// an aspect is one value with a name per language), each with its documents.
fn facets(site: &Site, doc_of: &[u32]) -> Vec<Json> {
    site.config
        .taxonomies
        .iter()
        .enumerate()
        .map(|(t, _)| {
            let mut keys: Vec<&str> = Vec::new();
            let mut names: Vec<Map<String, Json>> = Vec::new();
            let mut docs: Vec<Vec<u32>> = Vec::new();
            for lang in &site.config.languages {
                let Some(terms) = site.taxonomies[t].by_language.get(&lang.code) else {
                    continue;
                };
                for term in terms.iter().filter(|term| !term.pages.is_empty()) {
                    let i = match keys.iter().position(|k| *k == term.key) {
                        Some(i) => i,
                        None => {
                            keys.push(&term.key);
                            names.push(Map::new());
                            docs.push(Vec::new());
                            keys.len() - 1
                        }
                    };
                    names[i].insert(lang.code.clone(), json!(term.name));
                    docs[i].extend(term.pages.iter().map(|&p| doc_of[p]));
                }
            }
            let encoded: Vec<String> = docs
                .into_iter()
                .map(|mut ids| {
                    ids.sort_unstable();
                    ids.dedup();
                    let mut s = String::new();
                    shard::push_ids(&mut s, ids);
                    s
                })
                .collect();
            json!({"k": keys, "n": names, "d": encoded})
        })
        .collect()
}

fn meta(site: &Site, order: &[PageId], shards: u32) -> Json {
    let config = &site.config;
    let mut start = 0;
    let languages: Vec<Json> = config
        .languages
        .iter()
        .map(|l| {
            let count = order
                .iter()
                .filter(|&&id| site.pages[id].lang() == l.code)
                .count();
            start += count;
            json!({"c": l.code, "n": l.name, "a": start - count, "b": start})
        })
        .collect();
    let facets: Vec<Json> = config
        .taxonomies
        .iter()
        .map(|t| json!({"k": t.key, "t": t.title.0, "c": t.closed}))
        .collect();
    json!({"v": VERSION, "k": shards, "n": order.len(), "l": languages, "f": facets})
}
