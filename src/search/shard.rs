//! The inverted index, split into shards by a hash of the term so that a query loads only the
//! shards of its own terms. Each posting is a document id and a precomputed BM25 impact, so the
//! browser adds numbers and never needs document lengths or positions.

use super::FxMap;
use super::stem::stem;
use super::tokenize::{Piece, scan};
use rayon::prelude::*;

/// The 64 characters of the posting encoding (URL-safe base64): values 0–31 end a number,
/// 32–63 carry five more bits of it.
pub const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Aim for shards of about this many bytes; one very common term can still fill a shard alone.
pub const TARGET_SHARD_BYTES: usize = 6 * 1024;
/// Roughly what a posting costs once encoded (gap, impact and its share of the term's key).
const BYTES_PER_POSTING: usize = 3;

/// BM25 parameters, and each field's weight. The title counts three times the body, so that a
/// term in the title outranks any number of occurrences in the body alone.
const K1: f32 = 1.2;
const B: f32 = 0.75;
pub const WEIGHTS: [f32; 4] = [3.0, 1.5, 1.5, 1.0];
/// Impacts are stored as `round(score * SCALE)`.
pub const SCALE: f32 = 4.0;

/// The fields of a document, in the order of `WEIGHTS`.
pub const TITLE: usize = 0;
pub const HEADINGS: usize = 1;
pub const META: usize = 2;
pub const BODY: usize = 3;

/// A term of the index: CJK terms packed into a number, words as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Cjk(u64),
    Word(Box<str>),
}

impl Key {
    pub fn text(&self) -> String {
        match self {
            Key::Word(w) => w.to_string(),
            Key::Cjk(packed) => {
                let first = char::from_u32((packed >> 21) as u32).unwrap_or('?');
                match (packed & 0x1F_FFFF) as u32 {
                    0 => first.to_string(),
                    second => format!("{first}{}", char::from_u32(second).unwrap_or('?')),
                }
            }
        }
    }
}

/// FNV-1a over the UTF-8 bytes of a term: the client computes the same to find a term's shard.
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

pub fn shard_of(term: &str, shards: u32) -> u32 {
    fnv1a(term) % shards
}

/// One document's text, field by field (`TITLE`, `HEADINGS`, `META`, `BODY`).
pub type Fields<'a> = [std::borrow::Cow<'a, str>; 4];

/// The postings of a term while a shard is built: document id and counts per field.
type Postings = Vec<(u32, [u16; 4])>;

/// One term of one document: its shard and how often it occurs in each field.
struct Entry {
    shard: u32,
    key: Key,
    tf: [u16; 4],
}

/// A document's terms, sorted by shard.
struct DocTerms {
    entries: Vec<Entry>,
    body_len: u32,
}

/// A document's terms and how often each occurs per field: CJK terms packed, words as
/// stems.
#[derive(Default, Clone)]
pub struct Counts {
    cjk: FxMap<u64, [u16; 4]>,
    words: FxMap<Box<str>, [u16; 4]>,
}

fn add(total: &mut [u16; 4], tf: &[u16; 4]) {
    for field in 0..4 {
        total[field] = total[field].saturating_add(tf[field]);
    }
}

/// The term counts of one document and the length of its body: the per-document part of the
/// index, which a rebuild reuses while the document's fields are unchanged.
pub fn count_terms(fields: &Fields<'_>) -> (Counts, u32) {
    let mut counts = Counts::default();
    counts.cjk.reserve(fields[BODY].len() / 8);
    // Words as written (lowercased): a text repeats its words, so stem each only once, below.
    let mut written: FxMap<Box<str>, [u16; 4]> = FxMap::default();
    let mut body_len = 0;
    for (field, text) in fields.iter().enumerate() {
        scan(text, true, &mut |piece, _| {
            let tf = match piece {
                Piece::Cjk { first, second } => {
                    if second.is_some() && field == BODY {
                        body_len += 1;
                    }
                    counts.cjk.entry(pack(first, second)).or_default()
                }
                Piece::Word { word } => {
                    if field == BODY {
                        body_len += 1;
                    }
                    if !written.contains_key(word) {
                        written.insert(word.into(), [0; 4]);
                    }
                    written.get_mut(word).expect("inserted")
                }
            };
            tf[field] = tf[field].saturating_add(1);
        });
    }
    for (word, tf) in written {
        add(counts.words.entry(stem(&word).into()).or_default(), &tf);
    }
    // Every character of a CJK run but its last starts a bigram: count those from the bigrams.
    let starts: Vec<(u64, [u16; 4])> = counts
        .cjk
        .iter()
        .filter(|(k, _)| *k & 0x1F_FFFF != 0)
        .map(|(k, tf)| (k & !0x1F_FFFF, *tf))
        .collect();
    for (single, tf) in starts {
        add(counts.cjk.entry(single).or_default(), &tf);
    }
    (counts, body_len)
}

fn pack(first: char, second: Option<char>) -> u64 {
    ((first as u64) << 21) | second.map_or(0, |s| s as u64)
}

/// The shard of a key, hashing its UTF-8 bytes without building the string.
fn key_shard(key: &Key, shards: u32) -> u32 {
    match key {
        Key::Word(w) => fnv1a(w) % shards,
        Key::Cjk(packed) => {
            let mut buf = [0u8; 8];
            let first = char::from_u32((packed >> 21) as u32).unwrap_or('?');
            let mut len = first.encode_utf8(&mut buf).len();
            if let Some(second) = char::from_u32((packed & 0x1F_FFFF) as u32).filter(|&c| c != '\0')
            {
                len += second.encode_utf8(&mut buf[len..]).len();
            }
            buf[..len].iter().fold(0x811c_9dc5u32, |h, &b| {
                (h ^ b as u32).wrapping_mul(0x0100_0193)
            }) % shards
        }
    }
}

/// The inverted index: its shards' data and the words it holds.
pub struct Shards {
    pub count: u32,
    /// `(shard number, data)`.
    pub files: Vec<(u32, String)>,
    /// Every word term (not CJK) with the number of documents that have it, for completing a
    /// word the reader is still typing.
    pub words: Vec<(String, u32)>,
}

/// Builds the inverted index of `docs` (in document id order).
pub fn build(docs: &[Fields<'_>]) -> Shards {
    build_counted(docs.par_iter().map(count_terms).collect())
}

/// Builds the inverted index from each document's term counts (in document id order).
pub fn build_counted(counted: Vec<(Counts, u32)>) -> Shards {
    let postings: usize = counted
        .iter()
        .map(|(c, _)| c.cjk.len() + c.words.len())
        .sum();
    let shards = (postings * BYTES_PER_POSTING)
        .div_ceil(TARGET_SHARD_BYTES)
        .clamp(1, 4096) as u32;
    let docs: Vec<DocTerms> = counted
        .into_par_iter()
        .map(|(counts, body_len)| {
            let keys = counts.cjk.into_iter().map(|(k, tf)| (Key::Cjk(k), tf));
            let words = counts.words.into_iter().map(|(w, tf)| (Key::Word(w), tf));
            let mut entries: Vec<Entry> = keys
                .chain(words)
                .map(|(key, tf)| Entry {
                    shard: key_shard(&key, shards),
                    key,
                    tf,
                })
                .collect();
            entries.sort_unstable_by_key(|e| e.shard);
            DocTerms { entries, body_len }
        })
        .collect();
    let average = docs.iter().map(|d| d.body_len as f32).sum::<f32>() / docs.len().max(1) as f32;
    let stats = Stats {
        docs: docs.len() as f32,
        average_body: average.max(1.0),
    };

    // Shards in groups, each group reading only its part of every document's sorted entries.
    let groups = (rayon::current_num_threads() * 8).min(shards as usize) as u32;
    let built: Vec<Vec<(u32, EncodedShard)>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let from = (g as u64 * shards as u64 / groups as u64) as u32;
            let to = ((g as u64 + 1) * shards as u64 / groups as u64) as u32;
            let mut terms: Vec<FxMap<&Key, Postings>> =
                (from..to).map(|_| FxMap::default()).collect();
            for (id, doc) in docs.iter().enumerate() {
                let start = doc.entries.partition_point(|e| e.shard < from);
                for e in doc.entries[start..].iter().take_while(|e| e.shard < to) {
                    terms[(e.shard - from) as usize]
                        .entry(&e.key)
                        .or_default()
                        .push((id as u32, e.tf));
                }
            }
            terms
                .into_iter()
                .enumerate()
                .map(|(i, map)| (from + i as u32, encode_shard(map, &docs, &stats)))
                .collect()
        })
        .collect();
    let mut index = Shards {
        count: shards,
        files: Vec::with_capacity(shards as usize),
        words: Vec::new(),
    };
    for (n, (data, words)) in built.into_iter().flatten() {
        index.files.push((n, data));
        index.words.extend(words);
    }
    index
}

struct Stats {
    docs: f32,
    average_body: f32,
}

fn saturate(tf: u16, norm: f32) -> f32 {
    let tf = tf as f32;
    tf * (K1 + 1.0) / (tf + K1 * norm)
}

/// The stored impact of a term in a document: the BM25 score of each field, weighted, times
/// `SCALE`, shifted left once to make room for a flag set when the term is in the title.
fn impact(tf: [u16; 4], body_len: u32, df: usize, stats: &Stats) -> u32 {
    let df = df as f32;
    let idf = (1.0 + (stats.docs - df + 0.5) / (df + 0.5)).ln();
    let body_norm = 1.0 - B + B * body_len as f32 / stats.average_body;
    let mut score = 0.0;
    for (field, &count) in tf.iter().enumerate() {
        if count > 0 {
            let norm = if field == BODY { body_norm } else { 1.0 };
            score += WEIGHTS[field] * saturate(count, norm);
        }
    }
    let quantized = ((idf * score * SCALE).round() as u32).clamp(1, 0x3FFF);
    (quantized << 1) | u32::from(tf[TITLE] > 0)
}

/// Appends `value` in the posting alphabet, five bits at a time, lowest first.
pub fn push_number(out: &mut String, mut value: u32) {
    while value >= 32 {
        out.push(ALPHABET[(32 | (value & 31)) as usize] as char);
        value >>= 5;
    }
    out.push(ALPHABET[value as usize] as char);
}

/// A list of ascending ids as gaps (`id - previous - 1`, the first from -1).
pub fn push_ids(out: &mut String, ids: impl IntoIterator<Item = u32>) {
    let mut previous: i64 = -1;
    for id in ids {
        push_number(out, (id as i64 - previous - 1) as u32);
        previous = id as i64;
    }
}

/// A shard's script data, and its words (not CJK terms) with their document frequencies.
type EncodedShard = (String, Vec<(String, u32)>);

fn encode_shard(map: FxMap<&Key, Postings>, docs: &[DocTerms], stats: &Stats) -> EncodedShard {
    let mut words = Vec::new();
    for (key, postings) in &map {
        if let Key::Word(w) = key {
            words.push((w.to_string(), postings.len() as u32));
        }
    }
    let mut terms: Vec<(String, Postings)> = map.into_iter().map(|(k, v)| (k.text(), v)).collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut object = serde_json::Map::new();
    for (term, postings) in terms {
        let mut encoded = String::with_capacity(postings.len() * 2);
        let mut previous: i64 = -1;
        for (id, tf) in &postings {
            push_number(&mut encoded, (*id as i64 - previous - 1) as u32);
            previous = *id as i64;
            let body_len = docs[*id as usize].body_len;
            push_number(&mut encoded, impact(*tf, body_len, postings.len(), stats));
        }
        object.insert(term, serde_json::Value::String(encoded));
    }
    (
        serde_json::to_string(&object).expect("strings serialize"),
        words,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_five_bits_per_character() {
        let mut s = String::new();
        push_number(&mut s, 0);
        push_number(&mut s, 31);
        push_number(&mut s, 32);
        assert_eq!(s, "AfgB");
    }

    #[test]
    fn keys_round_trip() {
        for term in ["政务", "茶", "standard"] {
            let mut key = None;
            scan(term, false, &mut |p, _| {
                key = Some(match p {
                    Piece::Word { word } => Key::Word(stem(word).into()),
                    Piece::Cjk { first, second } => Key::Cjk(pack(first, second)),
                })
            });
            assert_eq!(key.unwrap().text(), term);
        }
    }

    #[test]
    fn fnv_matches_the_reference() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }
}
