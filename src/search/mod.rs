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
//! inverted index in place instead of building it again. A document whose page has the very
//! source and rendered Markdown (the same `Arc`s) of the previous build, and the same few
//! other things the model gives it, is known unchanged without reading its text. The formats,
//! and why the result is always that of a fresh build, are described in docs/search.md.

mod documents;
pub mod shard;
pub mod stem;
pub mod tokenize;

use documents::{Order, document_head, facets, meta, write_document};
pub use documents::{document_order, page_fields};

use crate::content::SourcePage;
use crate::markdown::Rendered;
use crate::render::OutputFile;
use crate::site::{Page, Site, Term};
use rayon::prelude::*;
use shard::{DocTerms, Index, Plan, Words};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where the index lives in the output.
pub const DIR: &str = "search-index/";
/// The version of the file formats, checked by the client.
pub const VERSION: u32 = 2;
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
    read: usize,
}

impl Cache {
    /// Whether the last build updated the previous build's inverted index in place, rather than
    /// building it anew (for tests).
    pub fn updated_in_place(&self) -> bool {
        self.updated
    }

    /// How many documents the last build read the fields and text of, not knowing them unchanged
    /// from their page's source, Markdown and metadata (for tests).
    pub fn documents_read(&self) -> usize {
        self.read
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
    /// `Shared::config` of the build.
    config: u64,
    order: Order,
    /// By id.
    docs: Vec<CachedDoc>,
    index: Index,
    shards: Vec<OutputFile>,
    /// The files of `p/`, by their two letters.
    prefixes: BTreeMap<[u8; 2], OutputFile>,
}

#[derive(Clone)]
struct CachedDoc {
    /// The source file and the Markdown the document was made from. A page that still has these
    /// same `Arc`s has the same front matter, so the same fields (the model makes them of the
    /// source and the configuration alone), and the same text and headings. Holding them keeps
    /// their addresses from going to others.
    source: Arc<SourcePage>,
    rendered: Arc<Rendered>,
    /// `metadata_key` of the page: the rest of what the document is made of.
    metadata: u64,
    /// `fingerprint` of the document's fields.
    fields: u64,
    terms: Arc<DocTerms>,
    /// `terms.size()`, kept here so that finding the plan does not read every document's terms.
    size: (usize, u32),
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
    build_into(site, cache, &Some)
}

/// `build_cached`, each file handed to `hand_over` as soon as it is made (a build writes it and
/// keeps nothing); what that gives back is returned.
pub fn build_into(
    site: &Site,
    cache: Option<&mut Cache>,
    hand_over: &(dyn Fn(OutputFile) -> Option<OutputFile> + Sync),
) -> Vec<OutputFile> {
    let shared = cache.is_some().then(|| Shared::of(site));
    let last = cache.as_deref().and_then(|cache| cache.last.as_ref());
    let order = Order::of(site, last.zip(shared.as_ref().map(|shared| shared.config)));
    let pages: Vec<&Page> = order.ids.iter().map(|&id| &site.pages[id]).collect();
    let (mut files, shards) = match cache.zip(shared) {
        Some((cache, shared)) => {
            let (files, shards) = cached_files(site, &shared, &pages, &order, cache);
            (files.into_iter().filter_map(hand_over).collect(), shards)
        }
        None => {
            let terms: Vec<DocTerms> = pages
                .par_iter()
                .map(|page| {
                    crate::crash::processing(&page.source.file, || {
                        shard::count_terms(&page_fields(site, page))
                    })
                })
                .collect();
            let mut index = Index::build_to_write(&terms.iter().collect::<Vec<_>>());
            // The shards hold them now, in a fraction of the memory.
            drop(terms);
            let mut files = Vec::new();
            write_shards(&mut index, &mut files);
            let words = index.words().expect("a new index lists its words");
            files.extend(prefixes(words.words).into_values());
            let mut files: Vec<OutputFile> = files.into_iter().filter_map(hand_over).collect();
            // The documents hold every page's text: handed over one by one, not held.
            files.par_extend(pages.par_iter().enumerate().filter_map(|(doc, page)| {
                let text = &page.rendered.text;
                hand_over(script_with(&format!("d/{doc}"), text.len() + 512, |out| {
                    write_document(out, &document_head(site, page), text)
                }))
            }));
            (files, index.plan.shards)
        }
    };
    let mut doc_of = vec![u32::MAX; site.pages.len()];
    for (doc, &id) in order.ids.iter().enumerate() {
        doc_of[id] = doc as u32;
    }
    for (t, facet) in facets(site, &doc_of).into_iter().enumerate() {
        files.extend(hand_over(script(
            &format!("f/{t}"),
            facet.to_string().as_bytes(),
        )));
    }
    let meta = meta(site, &order, shards).to_string();
    files.extend(hand_over(script("meta", meta.as_bytes())));
    files
}

/// The shards, prefixes and documents of the index, with the number of shards.
fn cached_files(
    site: &Site,
    shared: &Shared,
    pages: &[&Page],
    order: &Order,
    cache: &mut Cache,
) -> (Vec<OutputFile>, u32) {
    let languages: Vec<usize> = order.languages().collect();
    let read = AtomicUsize::new(0);
    let last = cache.last.take();
    let same_documents = last.as_ref().is_some_and(|last| {
        last.docs.len() == pages.len()
            && (last.docs.par_iter().zip(pages)).all(|(doc, page)| {
                Arc::ptr_eq(&doc.source, &page.source) || doc.source.file == page.source.file
            })
    });
    let (docs, mut index, mut shards, prefixes) = match last {
        Some(mut last) if same_documents => {
            // Documents are replaced in place, so that the many unchanged ones are neither
            // copied nor dropped.
            let changed: Vec<(u32, Arc<DocTerms>)> = (last.docs.par_iter_mut().zip(pages))
                .zip(&languages)
                .enumerate()
                .filter_map(|(id, ((doc, page), &language))| {
                    let document = Document {
                        page,
                        id: id as u32,
                        language,
                    };
                    let new = cached_document(site, shared, document, Some(doc), &read)?;
                    let old = std::mem::replace(doc, new);
                    (!Arc::ptr_eq(&old.terms, &doc.terms)).then_some((id as u32, old.terms))
                })
                .collect();
            // The same global figures too: every posting of an unchanged document is as it was.
            if last.index.plan == Plan::of_sizes(last.docs.iter().map(|doc| doc.size)) {
                for (id, old) in &changed {
                    last.index.update(*id, old, &last.docs[*id as usize].terms);
                }
                cache.updated = true;
            } else {
                let terms: Vec<&DocTerms> = last.docs.iter().map(|doc| &*doc.terms).collect();
                last.index = Index::build(&terms);
                last.shards.clear();
                cache.updated = false;
            }
            (last.docs, last.index, last.shards, last.prefixes)
        }
        last => {
            // The previous version of each document, found by its source file.
            let by_source: HashMap<&str, &CachedDoc> = (last.iter().flat_map(|last| &last.docs))
                .map(|doc| (doc.source.file.as_str(), doc))
                .collect();
            let docs: Vec<CachedDoc> = pages
                .par_iter()
                .enumerate()
                .map(|(id, page)| {
                    let previous = by_source.get(page.source.file.as_str()).copied();
                    let document = Document {
                        page,
                        id: id as u32,
                        language: languages[id],
                    };
                    cached_document(site, shared, document, previous, &read)
                        .unwrap_or_else(|| previous.expect("kept only if there").clone())
                })
                .collect();
            let terms: Vec<&DocTerms> = docs.iter().map(|doc| &*doc.terms).collect();
            let index = Index::build(&terms);
            cache.updated = false;
            (docs, index, Vec::new(), BTreeMap::new())
        }
    };
    write_shards(&mut index, &mut shards);
    let prefixes = match index.words() {
        None => prefixes,
        Some(Words {
            prefixes: None,
            words,
        }) => self::prefixes(words),
        Some(Words {
            prefixes: Some(changed),
            words,
        }) => {
            let mut files = prefixes;
            files.retain(|prefix, _| !changed.contains(prefix));
            files.extend(self::prefixes(words));
            files
        }
    };
    let mut files = Vec::with_capacity(shards.len() + prefixes.len() + docs.len() + 8);
    files.par_extend(shards.par_iter().cloned());
    files.extend(prefixes.values().cloned());
    files.par_extend(docs.par_iter().map(|doc| doc.file.clone()));
    let count = index.plan.shards;
    cache.read = read.into_inner();
    cache.last = Some(Last {
        config: shared.config,
        order: order.clone(),
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

/// A document of this build: its page, its id and the place of its language in the site's.
struct Document<'a> {
    page: &'a Page,
    id: u32,
    language: usize,
}

/// A document's terms and file: from `previous` when what they are made of is unchanged; `None`
/// when `previous` is the document as it is, at the same id.
fn cached_document(
    site: &Site,
    shared: &Shared,
    Document { page, id, language }: Document,
    previous: Option<&CachedDoc>,
    read: &AtomicUsize,
) -> Option<CachedDoc> {
    let metadata = metadata_key(shared, page, language);
    let name = format!("d/{id}");
    if let Some(p) = previous
        && Arc::ptr_eq(&p.source, &page.source)
        && Arc::ptr_eq(&p.rendered, &page.rendered)
        && p.metadata == metadata
    {
        // Made of the same source, Markdown and metadata: the same document, known without
        // reading the page's fields or text.
        return (p.id != id).then(|| CachedDoc {
            source: p.source.clone(),
            rendered: p.rendered.clone(),
            terms: p.terms.clone(),
            id,
            file: script(&name, p.data()),
            ..*p
        });
    }
    read.fetch_add(1, Ordering::Relaxed);
    let fields = page_fields(site, page);
    let key = fingerprint(fields.iter().map(|field| field.as_bytes()));
    let head = document_head(site, page);
    let previous = previous.filter(|p| p.fields == key);
    let terms = match previous {
        Some(p) => p.terms.clone(),
        None => Arc::new(crate::crash::processing(&page.source.file, || {
            shard::count_terms(&fields)
        })),
    };
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
    Some(CachedDoc {
        source: page.source.clone(),
        rendered: page.rendered.clone(),
        metadata,
        fields: key,
        size: terms.size(),
        terms,
        id,
        file,
        head: head.len(),
    })
}

/// What the documents' `metadata_key`s have in common, found once a build.
struct Shared<'a> {
    /// A fingerprint of the site's configuration, which the documents are made of too (the
    /// fields' types, the taxonomies): any change of it is enough to look at every document
    /// again.
    config: u64,
    /// For each language of the site, the terms of each taxonomy, as `page_fields` finds them.
    terms: Vec<Vec<&'a [Term]>>,
}

impl<'a> Shared<'a> {
    fn of(site: &'a Site) -> Shared<'a> {
        let terms = site.config.languages.iter().map(|lang| {
            let terms = site
                .taxonomies
                .iter()
                .map(|t| t.by_language.get(&lang.code));
            terms
                .map(|terms| terms.map_or(&[][..], Vec::as_slice))
                .collect()
        });
        Shared {
            config: fingerprint([format!("{:?}", site.config).as_bytes()]),
            terms: terms.collect(),
        }
    }
}

thread_local! {
    static METADATA: std::cell::RefCell<Vec<u8>> = Default::default();
}

/// A fingerprint of what a page's document is made of besides its source file and its
/// Markdown: the configuration, and what the model made of the page apart from its fields
/// (which are its front matter checked against the configuration): title, URL, date,
/// collection and the names of its terms. Far less to read than the fields and the text.
/// `language` is the place of the page's language among the site's.
fn metadata_key(shared: &Shared, page: &Page, language: usize) -> u64 {
    METADATA.with_borrow_mut(|out| {
        out.clear();
        push_key_number(out, shared.config);
        push_key_text(out, &page.title);
        push_key_text(out, &page.path);
        match page.date {
            Some(date) => {
                push_key_number(out, date.year as i64 as u64);
                push_key_number(out, date.month as u64);
                push_key_number(out, date.day as u64);
            }
            None => out.push(b'-'),
        }
        push_key_number(out, page.collection.map_or(0, |c| c as u64 + 1));
        // The names of the page's terms, not their places in their lists, which a term added
        // elsewhere can move.
        let terms = &shared.terms[language];
        for &(t, i) in &page.terms {
            push_key_number(out, t as u64);
            match terms.get(t).and_then(|terms| terms.get(i)) {
                Some(term) => push_key_text(out, &term.name),
                None => out.push(b'-'),
            }
        }
        fingerprint([&out[..]])
    })
}

/// Appends `text`, then a byte that UTF-8 never holds, so that no two lists of texts give the
/// same bytes.
fn push_key_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(0xFF);
}

/// Appends `n` in the posting alphabet: self-delimiting, and text, which `fingerprint` needs.
fn push_key_number(out: &mut Vec<u8>, n: u64) {
    shard::push_number(out, n as u32);
    shard::push_number(out, (n >> 32) as u32);
}

/// A 64-bit fingerprint of a document's fields, to tell whether it changed since the last build:
/// wyhash's folded multiply over 16 bytes at a time, in two independent lanes so that one
/// multiplication need not wait for the other; several times faster than SipHash over the
/// megabytes of text of a large site. The fields are text, possibly with bytes 0xFF between texts.
fn fingerprint<'a>(fields: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    const P0: u64 = 0xa076_1d64_78bd_642f;
    // Its bytes (db 28 …) are neither UTF-8 nor 0xFF, so no 8 bytes of a field equal it and zero
    // the product.
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
    for bytes in fields {
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

/// The words the client completes by their first two letters (`p/st.js`: `[[term, documents],
/// …]`, most frequent first), so that it can complete the word the reader is still typing.
fn prefixes(mut words: Vec<(String, u32)>) -> BTreeMap<[u8; 2], OutputFile> {
    words.sort_unstable_by(|a, b| {
        a.0[..2]
            .cmp(&b.0[..2])
            .then(b.1.cmp(&a.1))
            .then(a.0.cmp(&b.0))
    });
    words
        .chunk_by(|a, b| a.0[..2] == b.0[..2])
        .map(|group| {
            let prefix = &group[0].0[..2];
            let size = group.iter().map(|(w, _)| w.len() + 10).sum();
            let file = script_with(&format!("p/{prefix}"), size, |out| {
                out.push(b'[');
                for (i, (word, documents)) in group.iter().enumerate() {
                    // Words are letters and digits: nothing a JSON string escapes.
                    let comma = if i == 0 { "" } else { "," };
                    out.extend_from_slice(format!("{comma}[\"{word}\",{documents}]").as_bytes());
                }
                out.push(b']');
            });
            (prefix.as_bytes().try_into().expect("two letters"), file)
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

#[cfg(test)]
mod tests {
    use super::documents::push_text;
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
