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
//!
//! `serve` passes a [`Cache`]: a rebuild then counts the terms of changed documents only and,
//! while the documents and the index's global figures stay the same, updates the previous
//! inverted index in place instead of building it again. The formats, and why the result is
//! always that of a fresh build, are described in docs/search.md.

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
use shard::{DocTerms, Fields, Index, Plan};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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

/// What a rebuild reuses from the previous one: serve keeps it in its `Cache`.
#[derive(Default)]
pub struct Cache {
    last: Option<Last>,
    updated: bool,
}

impl Cache {
    /// Whether the last build updated the previous build's inverted index in place, rather than
    /// building it anew (for tests).
    pub fn updated_in_place(&self) -> bool {
        self.updated
    }
}

impl CachedDoc {
    /// The data of the document's file.
    fn data(&self) -> &[u8] {
        let bytes = &self.file.bytes;
        &bytes[script_start(&format!("d/{}", self.id))..bytes.len() - SCRIPT_END.len()]
    }
}

/// The previous build: its documents, its inverted index and the files made of it.
struct Last {
    /// The documents' source files, by id.
    sources: Vec<String>,
    docs: Vec<CachedDoc>,
    index: Index,
    shards: Vec<OutputFile>,
    prefixes: Vec<OutputFile>,
}

struct CachedDoc {
    /// `fingerprint` of the document's fields.
    fields: u64,
    terms: Arc<DocTerms>,
    /// The document's file, written for this id.
    id: u32,
    file: OutputFile,
    /// The length of the data before the text, which is compared as it is.
    head: usize,
}

/// The files of the search index.
pub fn build(site: &Site) -> Vec<OutputFile> {
    build_cached(site, None)
}

/// `build`, reusing from `cache` what did not change since the build that filled it: the
/// terms and files of unchanged documents and, while the documents are the same ones in the
/// same order, the inverted index, updated for the documents that changed.
pub fn build_cached(site: &Site, cache: Option<&mut Cache>) -> Vec<OutputFile> {
    let order = document_order(site);
    let pages: Vec<&Page> = order.iter().map(|&id| &site.pages[id]).collect();
    let (mut files, shards) = match cache {
        None => {
            let terms: Vec<DocTerms> = pages
                .par_iter()
                .map(|page| shard::count_terms(&page_fields(site, page)))
                .collect();
            let mut index = Index::build(&terms.iter().collect::<Vec<_>>());
            let mut files = Vec::new();
            write_shards(&mut index, &mut files);
            files.extend(prefixes(
                index.words().expect("a new index lists its words"),
            ));
            files.par_extend(pages.par_iter().enumerate().map(|(doc, page)| {
                let text = &page.rendered.text;
                script_with(&format!("d/{doc}"), text.len() + 512, |out| {
                    write_document(out, &document_head(site, page), text)
                })
            }));
            (files, index.plan.shards)
        }
        Some(cache) => cached_files(site, &pages, cache),
    };
    let mut doc_of = vec![u32::MAX; site.pages.len()];
    for (doc, &id) in order.iter().enumerate() {
        doc_of[id] = doc as u32;
    }
    for (t, facet) in facets(site, &doc_of).into_iter().enumerate() {
        files.push(script(&format!("f/{t}"), facet.to_string().as_bytes()));
    }
    let meta = meta(site, &order, shards).to_string();
    files.push(script("meta", meta.as_bytes()));
    files
}

/// The shards, prefixes and documents of the index, with the number of shards.
fn cached_files(site: &Site, pages: &[&Page], cache: &mut Cache) -> (Vec<OutputFile>, u32) {
    let last = cache.last.take();
    let same_documents = last
        .as_ref()
        .is_some_and(|last| (last.sources.iter()).eq(pages.iter().map(|page| &page.source.file)));
    // The previous version of each document: at the same id, or found by its source file
    // when documents were added, removed or reordered.
    let by_source: HashMap<&str, &CachedDoc> = match &last {
        Some(last) if !same_documents => last
            .sources
            .iter()
            .map(String::as_str)
            .zip(&last.docs)
            .collect(),
        _ => HashMap::new(),
    };
    let docs: Vec<CachedDoc> = pages
        .par_iter()
        .enumerate()
        .map(|(id, page)| {
            let previous = match &last {
                Some(last) if same_documents => Some(&last.docs[id]),
                _ => by_source.get(page.source.file.as_str()).copied(),
            };
            cached_document(site, page, id as u32, previous)
        })
        .collect();
    drop(by_source);
    let terms: Vec<&DocTerms> = docs.iter().map(|d| &*d.terms).collect();
    let (mut index, sources, mut shards, prefixes) = match last {
        // The same documents in the same order, and the same global figures: every posting of
        // an unchanged document is as it was.
        Some(mut last) if same_documents && last.index.plan == Plan::of(&terms) => {
            for (id, (doc, old)) in docs.iter().zip(&last.docs).enumerate() {
                if !Arc::ptr_eq(&doc.terms, &old.terms) {
                    last.index.update(id as u32, &old.terms, &doc.terms);
                }
            }
            cache.updated = true;
            (last.index, last.sources, last.shards, last.prefixes)
        }
        _ => {
            cache.updated = false;
            let sources = pages.iter().map(|page| page.source.file.clone());
            (
                Index::build(&terms),
                sources.collect(),
                Vec::new(),
                Vec::new(),
            )
        }
    };
    write_shards(&mut index, &mut shards);
    let prefixes = match index.words() {
        Some(words) => self::prefixes(words),
        None => prefixes,
    };
    let mut files = shards.clone();
    files.extend(prefixes.iter().cloned());
    files.extend(docs.iter().map(|doc| doc.file.clone()));
    let count = index.plan.shards;
    cache.last = Some(Last {
        sources,
        docs,
        index,
        shards,
        prefixes,
    });
    (files, count)
}

/// Brings `files` (the shards' files, or none) up to date with `index`: the shards it rewrites.
fn write_shards(index: &mut Index, files: &mut Vec<OutputFile>) {
    let written = index.write();
    if files.len() != index.plan.shards as usize {
        *files = (0..index.plan.shards)
            .into_par_iter()
            .map(|n| script(&format!("s/{n}"), index.shard(n)))
            .collect();
    } else {
        for n in written {
            files[n as usize] = script(&format!("s/{n}"), index.shard(n));
        }
    }
}

/// A document's terms and file: from the previous build when what they are made of is unchanged.
fn cached_document(site: &Site, page: &Page, id: u32, previous: Option<&CachedDoc>) -> CachedDoc {
    let fields = page_fields(site, page);
    let key = fingerprint(&fields);
    let head = document_head(site, page);
    let previous = previous.filter(|p| p.fields == key);
    let terms = match previous {
        Some(p) => p.terms.clone(),
        None => Arc::new(shard::count_terms(&fields)),
    };
    let name = format!("d/{id}");
    let file = match previous {
        Some(p) if p.data()[..p.head] == head[..] => match p.id == id {
            true => p.file.clone(),
            false => script(&name, p.data()),
        },
        _ => {
            let text = &page.rendered.text;
            script_with(&name, text.len() + 512, |out| {
                write_document(out, &head, text)
            })
        }
    };
    CachedDoc {
        fields: key,
        terms,
        id,
        file,
        head: head.len(),
    }
}

/// A 64-bit fingerprint of a document's fields, to tell whether it changed since the last build:
/// wyhash's folded multiply over 16 bytes at a time, in two independent lanes so that one
/// multiplication need not wait for the other; several times faster than SipHash over the
/// megabytes of text of a large site (hashed again on every rebuild).
fn fingerprint(fields: &Fields<'_>) -> u64 {
    const P0: u64 = 0xa076_1d64_78bd_642f;
    // Its bytes (db 28 …) are not UTF-8, so no 8 bytes of text equal it and zero the product.
    const P1: u64 = 0xe703_7ed1_a0b4_28db;
    fn fold(a: u64, b: u64) -> u64 {
        let product = a as u128 * b as u128;
        product as u64 ^ (product >> 64) as u64
    }
    fn step(lane: &mut u64, chunk: &[u8]) {
        let a = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(chunk[8..16].try_into().expect("8 bytes"));
        *lane = fold(a ^ P1, b ^ *lane);
    }
    let mut h = P0;
    for field in fields {
        let bytes = field.as_bytes();
        // The length first, so that the zeros that pad the last block cannot be mistaken for text.
        let mut lanes = [
            fold(h ^ bytes.len() as u64, P0),
            fold(h ^ bytes.len() as u64, P1),
        ];
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            step(&mut lanes[0], &block[..16]);
            step(&mut lanes[1], &block[16..]);
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 32];
            last[..rest.len()].copy_from_slice(rest);
            step(&mut lanes[0], &last[..16]);
            step(&mut lanes[1], &last[16..]);
        }
        h = fold(lanes[0], P0) ^ lanes[1];
    }
    fold(h, P1)
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
            let size = group.iter().map(|(w, _)| w.len() + 10).sum();
            script_with(&format!("p/{}", &group[0].0[..2]), size, |out| {
                out.push(b'[');
                for (i, (word, documents)) in group.iter().enumerate() {
                    // Words are letters and digits: nothing a JSON string escapes.
                    let comma = if i == 0 { "" } else { "," };
                    out.extend_from_slice(format!("{comma}[\"{word}\",{documents}]").as_bytes());
                }
                out.push(b']');
            })
        })
        .collect()
}

fn script(name: &str, data: &[u8]) -> OutputFile {
    script_with(name, data.len(), |out| out.extend_from_slice(data))
}

const SCRIPT_START: &str = "window.__casebookSearch.register(\"";
const SCRIPT_END: &str = ");\n";

/// Where the data of script `name` starts.
fn script_start(name: &str) -> usize {
    SCRIPT_START.len() + name.len() + 2
}

/// A script of the index whose data `write` appends (about `size` bytes of it).
fn script_with(name: &str, size: usize, write: impl FnOnce(&mut Vec<u8>)) -> OutputFile {
    let mut bytes = Vec::with_capacity(script_start(name) + size + SCRIPT_END.len());
    bytes.extend_from_slice(SCRIPT_START.as_bytes());
    bytes.extend_from_slice(name.as_bytes());
    bytes.extend_from_slice(b"\",");
    write(&mut bytes);
    bytes.extend_from_slice(SCRIPT_END.as_bytes());
    OutputFile {
        path: format!("{DIR}{name}.js"),
        bytes: bytes.into(),
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
                    .any(|f| matches!(&f.kind, FieldType::Term(key) if *key == t.key))
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

/// A document's file but its text, up to where the text follows: `{"u":…,"s":…`.
fn document_head(site: &Site, page: &Page) -> Vec<u8> {
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
    let mut json = serde_json::to_vec(&file).expect("strings serialize");
    json.pop(); // the closing brace: the text follows
    json
}

/// Appends a document's data: its `head`, then its text.
fn write_document(out: &mut Vec<u8>, head: &[u8], text: &str) {
    out.extend_from_slice(head);
    out.extend_from_slice(b",\"x\":\"");
    push_text(out, text);
    out.extend_from_slice(b"\"}");
}

/// Appends `text` as the inside of a JSON string, its runs of white space collapsed, cut at
/// `MAX_TEXT` characters. The text of 10,000 practices is most of what the index writes, so the
/// runs of bytes that need nothing done are copied whole.
fn push_text(out: &mut Vec<u8>, text: &str) {
    let text = text.trim().as_bytes();
    // Characters are counted only when there can be too many: never more than bytes.
    let mut chars = 0;
    let counting = text.len() > MAX_TEXT;
    let mut space = false;
    let mut run = 0;
    let white = |b: u8| matches!(b, b' ' | b'\n' | b'\t' | b'\r');
    for (i, &b) in text.iter().enumerate() {
        // Only ASCII bytes need anything done, and most bytes are in runs that do not: a lone
        // space stays as it is (the text is trimmed, so a space has a byte after it).
        let plain = b >= 0x80
            || (b > 0x20 && b != b'"' && b != b'\\')
            || (b == b' ' && !white(text[i + 1]));
        if plain && !space && !counting {
            continue;
        }
        out.extend_from_slice(&text[run..i]);
        match b {
            _ if white(b) => {
                space = true;
                run = i + 1;
                continue;
            }
            // A character starts at every byte but UTF-8 continuation bytes.
            _ if counting && b & 0xC0 != 0x80 => {
                chars += 1 + usize::from(space);
                if chars > MAX_TEXT {
                    // Cutting happens only at the start of a character, so the bytes stay UTF-8.
                    return;
                }
            }
            _ => {}
        }
        if space {
            out.push(b' ');
            space = false;
        }
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1F => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
        run = i + 1;
    }
    out.extend_from_slice(&text[run..]);
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
                    let mut s = Vec::new();
                    shard::push_ids(&mut s, ids);
                    String::from_utf8(s).expect("the posting alphabet is ASCII")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `push_text` as first written, one byte at a time: the fast one must agree with it.
    fn push_text_bytewise(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut chars, mut space) = (0, false);
        for &b in text.trim().as_bytes() {
            if matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                space = true;
                continue;
            }
            if b & 0xC0 != 0x80 {
                chars += 1 + usize::from(space);
                if chars > MAX_TEXT {
                    break;
                }
            }
            if std::mem::take(&mut space) {
                out.push(b' ');
            }
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0..=0x1F => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                _ => out.push(b),
            }
        }
        out
    }

    #[test]
    fn text_is_escaped_collapsed_and_cut_as_byte_by_byte() {
        let pieces = [
            "a", "word", " ", "  ", "\n", "\r\n", "\t", "\"", "\\", "\u{1}", "政务", "é", "。",
            "x y",
        ];
        let mut seed = 7u64;
        for length in [0, 1, 2, 5, 40, 300, 9_000, 30_000] {
            for _ in 0..20 {
                let mut text = String::new();
                while text.len() < length {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
                }
                let mut fast = Vec::new();
                push_text(&mut fast, &text);
                assert_eq!(fast, push_text_bytewise(&text), "{text:?}");
            }
        }
    }
}
