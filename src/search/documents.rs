//! Documents: the order of the index's documents (by language, then newest first), what each
//! holds (fields, labels, plain text) and the files written per document, per facet and for the
//! index as a whole (`meta.js`).

use super::shard::{self, Fields};
use super::{Last, MAX_TEXT, VERSION};
use crate::config::FieldType;
use crate::render::local_date;
use crate::schema::Value;
use crate::site::{Page, PageId, Site};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::borrow::Cow;
use std::sync::Arc;

/// Every page, by language in the site's order, then newest first.
pub fn document_order(site: &Site) -> Vec<PageId> {
    Order::of(site, None).ids
}

/// The documents' pages: by language in the site's order, then newest first.
#[derive(Clone)]
pub(super) struct Order {
    pub(super) ids: Vec<PageId>,
    /// The number of documents in each language of the site.
    counts: Vec<usize>,
    /// The number of pages of the site.
    pages: usize,
}

impl Order {
    /// The order of the pages of `site`, sorted from the previous build's order when it can be:
    /// a sort of what is already in order compares each page with its neighbour only. `previous`
    /// is that build with the fingerprint of this build's configuration.
    pub(super) fn of(site: &Site, previous: Option<(&Last, u64)>) -> Order {
        // Every page id of this build once, when it held every page of a build of as many.
        let previous = previous.filter(|(last, _)| {
            let order = &last.order;
            order.ids.len() == order.pages && order.pages == site.pages.len()
        });
        let ascending: Vec<PageId>;
        let start = match previous {
            Some((last, _)) => &last.order.ids,
            None => {
                ascending = (0..site.pages.len()).collect();
                &ascending
            }
        };
        // The language of a page whose source is that of the document at its place in the
        // previous order is that document's, found without reading it, while the languages are
        // the same.
        let known: Vec<Option<usize>> = match previous {
            Some((last, config)) if last.config == config => (last.docs.iter())
                .zip(last.order.languages())
                .zip(start)
                .map(|((doc, l), &id)| {
                    Arc::ptr_eq(&doc.source, &site.pages[id].source).then_some(l)
                })
                .collect(),
            _ => vec![None; start.len()],
        };
        let languages = &site.config.languages;
        let mut by_language = vec![Vec::new(); languages.len()];
        for (&id, known) in start.iter().zip(known) {
            if let Some(l) = known {
                by_language[l].push(id);
                continue;
            }
            let lang = site.pages[id].lang();
            for (l, language) in languages.iter().enumerate() {
                if language.code == lang {
                    by_language[l].push(id);
                }
            }
        }
        let mut order = Order {
            ids: Vec::with_capacity(site.pages.len()),
            counts: Vec::with_capacity(languages.len()),
            pages: site.pages.len(),
        };
        for mut ids in by_language {
            site.sort_newest_first(&mut ids);
            if previous.is_some() && !ties_in_id_order(site, &ids) {
                ids.sort_unstable();
                site.sort_newest_first(&mut ids);
            }
            order.counts.push(ids.len());
            order.ids.extend(ids);
        }
        order
    }

    /// The place of each document's language among the site's, by document id.
    pub(super) fn languages(&self) -> impl Iterator<Item = usize> + '_ {
        (self.counts.iter().enumerate()).flat_map(|(l, &count)| std::iter::repeat_n(l, count))
    }
}

/// Whether the pages of sorted `ids` that the sort cannot tell apart are in ascending id order,
/// as the stable sort of a fresh build (from ascending ids) leaves them.
fn ties_in_id_order(site: &Site, ids: &[PageId]) -> bool {
    ids.windows(2).all(|pair| {
        let (a, b) = (pair[0], pair[1]);
        // Sorting the two in the other order puts `a` first only if it sorts strictly first.
        let mut swapped = [b, a];
        a < b || {
            site.sort_newest_first(&mut swapped);
            swapped == [a, b]
        }
    })
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
    let mut meta = page.summary().to_string();
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
pub(super) fn labels(site: &Site, page: &Page) -> Vec<String> {
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
pub(super) struct DocumentFile<'a> {
    u: &'a str,
    t: &'a str,
    l: &'a str,
    d: String,
    y: String,
    m: Vec<String>,
    s: String,
}

/// A document's file but its text, up to where the text follows: `{"u":…,"s":…`.
pub(super) fn document_head(site: &Site, page: &Page) -> Vec<u8> {
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
        s: page.summary().to_string(),
    };
    let mut json = serde_json::to_vec(&file).expect("strings serialize");
    json.pop(); // the closing brace: the text follows
    json
}

/// Appends a document's data: its `head`, then its text as `z`: the inside of a JSON string
/// (`push_text`), zlib-compressed and in base64. The text is most of the index (80 of 90 MB at
/// 10,000 practices), and a reader fetches only the documents of the results shown; the client
/// inflates them with the browser's own `DecompressionStream`.
pub(super) fn write_document(out: &mut Vec<u8>, head: &[u8], text: &str) {
    use std::io::Write as _;
    out.extend_from_slice(head);
    out.extend_from_slice(b",\"z\":\"");
    let mut plain = Vec::with_capacity(text.len() + 16);
    push_text(&mut plain, text);
    // The fastest level: three times smaller already, at a fraction of the higher levels' time.
    let mut zlib = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(plain.len() / 2),
        flate2::Compression::fast(),
    );
    let compressed = zlib
        .write_all(&plain)
        .and_then(|()| zlib.finish())
        .expect("compressing into memory cannot fail");
    push_base64(out, &compressed);
    out.extend_from_slice(b"\"}");
}

/// Appends `bytes` in base64 (the standard alphabet, padded), as `atob` reads it.
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let digits = [18, 12, 6, 0].map(|shift| ALPHABET[(n >> shift & 63) as usize]);
        out.extend_from_slice(&digits[..chunk.len() + 1]);
        out.extend(std::iter::repeat_n(b'=', 3 - chunk.len()));
    }
}

/// Appends `text` as the inside of a JSON string, its runs of white space collapsed, cut at
/// `MAX_TEXT` characters. The text of 10,000 practices is most of what the index writes, so the
/// runs of bytes that need nothing done are copied whole.
pub(super) fn push_text(out: &mut Vec<u8>, text: &str) {
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
pub(super) fn facets(site: &Site, doc_of: &[u32]) -> Vec<Json> {
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

pub(super) fn meta(site: &Site, order: &Order, shards: u32) -> Json {
    let config = &site.config;
    let mut start = 0;
    let languages: Vec<Json> = config
        .languages
        .iter()
        .map(|l| {
            // The documents of the language's code: twice over if it is declared twice.
            let count: usize = (config.languages.iter().zip(&order.counts))
                .filter(|(other, _)| other.code == l.code)
                .map(|(_, count)| count)
                .sum();
            start += count;
            json!({"c": l.code, "n": l.name, "a": start - count, "b": start})
        })
        .collect();
    let facets: Vec<Json> = config
        .taxonomies
        .iter()
        .map(|t| {
            // The title in every language, the default language's where one has none.
            let titles: Map<String, Json> = (config.languages.iter())
                .map(|l| {
                    let title = t.title.get(&l.code, &config.default_language);
                    (l.code.clone(), json!(title))
                })
                .collect();
            json!({"k": t.key, "t": titles, "c": t.closed})
        })
        .collect();
    json!({"v": VERSION, "k": shards, "n": order.ids.len(), "l": languages, "f": facets})
}
