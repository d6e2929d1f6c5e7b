//! The inverted index, split into shards by a hash of the term so that a query loads only the
//! shards of its own terms. Each posting is a document id and a precomputed BM25 impact, so the
//! browser adds numbers and never needs document lengths or positions.
//!
//! [`Index`] keeps, besides the shard files, every term's postings with their counts, so that
//! `serve` can apply an edit to the postings it touches ([`Index::update`]) instead of building
//! the whole index again.

use super::FxMap;
use super::stem::stem;
use super::tokenize::{Piece, scan};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

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

/// A term of the index: CJK terms packed into a number, words as text, short ones in place so
/// that building, hashing and comparing them touches no other memory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// One or two CJK characters: the first above bit 21, the second (or 0) below.
    Cjk(u64),
    /// A word of up to 16 bytes, little-endian, padded with zeros (a word holds no NUL).
    Short([u64; 2]),
    Long(Box<str>),
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Key::Cjk(packed) => state.write_u64(*packed),
            Key::Short([low, high]) => {
                state.write_u64(*low);
                state.write_u64(*high);
            }
            Key::Long(word) => state.write(word.as_bytes()),
        }
    }
}

impl Key {
    fn word(word: &str) -> Key {
        if word.len() > 16 {
            return Key::Long(word.into());
        }
        let mut packed = [0; 2];
        for (i, b) in word.bytes().enumerate() {
            packed[i / 8] |= (b as u64) << (8 * (i % 8));
        }
        Key::Short(packed)
    }

    fn is_word(&self) -> bool {
        !matches!(self, Key::Cjk(_))
    }

    /// The UTF-8 of the term, using `buf` for the terms kept packed.
    fn bytes<'a>(&'a self, buf: &'a mut [u8; 16]) -> &'a [u8] {
        match self {
            Key::Cjk(packed) => {
                let first = char::from_u32((packed >> 21) as u32).unwrap_or('?');
                let mut len = first.encode_utf8(buf).len();
                if let Some(second) =
                    char::from_u32((packed & 0x1F_FFFF) as u32).filter(|&c| c != '\0')
                {
                    len += second.encode_utf8(&mut buf[len..]).len();
                }
                &buf[..len]
            }
            Key::Short([low, high]) => {
                buf[..8].copy_from_slice(&low.to_le_bytes());
                buf[8..].copy_from_slice(&high.to_le_bytes());
                &buf[..buf.iter().position(|&b| b == 0).unwrap_or(16)]
            }
            Key::Long(word) => word.as_bytes(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8(self.bytes(&mut [0; 16]).to_vec()).expect("keys are text")
    }

    /// FNV-1a of the term's text (which picks its shard), without building the text.
    fn fnv(&self) -> u32 {
        fnv1a_bytes(self.bytes(&mut [0; 16]))
    }
}

/// FNV-1a over the UTF-8 bytes of a term: the client computes the same to find a term's shard.
pub fn fnv1a(text: &str) -> u32 {
    fnv1a_bytes(text.as_bytes())
}

fn fnv1a_bytes(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

pub fn shard_of(term: &str, shards: u32) -> u32 {
    fnv1a(term) % shards
}

/// One document's text, field by field (`TITLE`, `HEADINGS`, `META`, `BODY`).
pub type Fields<'a> = [std::borrow::Cow<'a, str>; 4];

/// One term of one document: the term, its hash (which picks its shard) and how often it occurs
/// in each field.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: Key,
    hash: u32,
    tf: [u16; 4],
}

/// Documents' entries are kept in buckets by the top bits of their hash, so that each thread
/// building the index reads one contiguous part of every document.
const BUCKET_BITS: u32 = 6;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// A document's terms and the length of its body in tokens: the per-document part of the index,
/// which a rebuild reuses while the document's fields are unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct DocTerms {
    /// By bucket: bucket `b` is `entries[starts[b]..starts[b + 1]]`.
    entries: Vec<Entry>,
    starts: [u32; BUCKETS + 1],
    body_len: u32,
}

impl DocTerms {
    /// What the plan counts of the document: its postings and its body's length in tokens.
    pub fn size(&self) -> (usize, u32) {
        (self.entries.len(), self.body_len)
    }
}

fn add(total: &mut [u16; 4], tf: &[u16; 4]) {
    for field in 0..4 {
        total[field] = total[field].saturating_add(tf[field]);
    }
}

/// The maps `count_terms` fills, kept by each thread from one document to the next: clearing
/// them keeps their memory, where new ones would grow and rehash for every document.
#[derive(Default)]
struct Scratch {
    cjk: FxMap<u64, [u16; 4]>,
    /// Words as written (lowercased): a text repeats its words, so each is stemmed only once.
    written: FxMap<Key, [u16; 4]>,
    words: FxMap<Key, [u16; 4]>,
    /// Words as written and their stems: the same words recur from one document to the next,
    /// and stemming them costs more than looking them up.
    stems: FxMap<Key, Key>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = Default::default();
}

/// Forget the stems beyond this many words, so that a long `serve` session cannot grow them
/// without bound.
const MAX_STEMS: usize = 200_000;

/// Counts the terms of one document, per field: CJK terms packed, words as stems.
pub fn count_terms(fields: &Fields<'_>) -> DocTerms {
    SCRATCH.with_borrow_mut(|scratch| count_with(fields, scratch))
}

fn count_with(fields: &Fields<'_>, scratch: &mut Scratch) -> DocTerms {
    let Scratch {
        cjk,
        written,
        words,
        stems,
    } = scratch;
    // Empty unless a panic (which serve survives) left a document half counted.
    cjk.clear();
    written.clear();
    words.clear();
    let mut body_len = 0;
    for (field, text) in fields.iter().enumerate() {
        scan(text, true, &mut |piece, _| {
            let tf = match piece {
                Piece::Cjk { first, second } => {
                    if second.is_some() && field == BODY {
                        body_len += 1;
                    }
                    cjk.entry(pack(first, second)).or_default()
                }
                Piece::Word { word } => {
                    if field == BODY {
                        body_len += 1;
                    }
                    written.entry(Key::word(word)).or_default()
                }
            };
            tf[field] = tf[field].saturating_add(1);
        });
    }
    // Every character of a CJK run but its last starts a bigram: count those from the bigrams.
    let starts: Vec<(u64, [u16; 4])> = cjk
        .iter()
        .filter(|(k, _)| *k & 0x1F_FFFF != 0)
        .map(|(k, tf)| (k & !0x1F_FFFF, *tf))
        .collect();
    for (single, tf) in starts {
        add(cjk.entry(single).or_default(), &tf);
    }
    if stems.len() > MAX_STEMS {
        stems.clear();
    }
    for (word, tf) in written.drain() {
        let stemmed = stems.entry(word).or_insert_with_key(|word| {
            let mut buf = [0; 16];
            let word = std::str::from_utf8(word.bytes(&mut buf)).expect("words are text");
            Key::word(&stem(word))
        });
        add(words.entry(stemmed.clone()).or_default(), &tf);
    }
    let mut entries: Vec<Entry> = (cjk.drain())
        .map(|(k, tf)| (Key::Cjk(k), tf))
        .chain(words.drain())
        .map(|(key, tf)| Entry {
            hash: key.fnv(),
            key,
            tf,
        })
        .collect();
    // Into buckets, in place: count, then swap each entry into the next free place of its
    // bucket (one pass of an American flag sort).
    let bucket = |e: &Entry| (e.hash >> (32 - BUCKET_BITS)) as usize;
    let mut starts = [0u32; BUCKETS + 1];
    for e in &entries {
        starts[bucket(e) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut next = starts;
    for b in 0..BUCKETS {
        while next[b] < starts[b + 1] {
            let i = next[b] as usize;
            let home = bucket(&entries[i]);
            if home != b {
                entries.swap(i, next[home] as usize);
            }
            next[home] += 1;
        }
    }
    DocTerms {
        entries,
        starts,
        body_len,
    }
}

fn pack(first: char, second: Option<char>) -> u64 {
    ((first as u64) << 21) | second.map_or(0, |s| s as u64)
}

/// The global figures every posting depends on: the number of shards, of documents, and the
/// average body length. An index can be updated in place only while they stay the same, so the
/// two that every edit moves are rounded to a few significant bits: an edit of one document
/// rarely changes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub shards: u32,
    docs: f32,
    average_body: f32,
}

impl Plan {
    /// The plan of an index of `docs` (in document id order).
    pub fn of(docs: &[&DocTerms]) -> Plan {
        Plan::of_sizes(docs.iter().map(|d| d.size()))
    }

    /// The plan of an index of documents of these sizes (`DocTerms::size`, in document id order).
    pub fn of_sizes(sizes: impl ExactSizeIterator<Item = (usize, u32)> + Clone) -> Plan {
        let postings: usize = sizes.clone().map(|(postings, _)| postings).sum();
        let shards = (postings * BYTES_PER_POSTING).div_ceil(TARGET_SHARD_BYTES);
        let count = sizes.len();
        let average = sizes.map(|(_, body_len)| body_len as f32).sum::<f32>() / count.max(1) as f32;
        Plan {
            shards: round_up_to_three_bits(shards).clamp(1, 4096) as u32,
            docs: count as f32,
            // Within 1/32 below the average: keep six significant bits of the float.
            average_body: f32::from_bits(average.max(1.0).to_bits() & !((1 << 18) - 1)),
        }
    }

    /// The BM25 length normalization of a body of `len` tokens.
    fn norm(&self, len: u32) -> f32 {
        1.0 - B + B * len as f32 / self.average_body
    }

    fn idf(&self, df: usize) -> f32 {
        let df = df as f32;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5)).ln()
    }
}

/// `n` rounded up to a number with at most three significant bits (…, 8, 10, 12, 14, 16, 20, …),
/// at most a quarter more.
fn round_up_to_three_bits(n: usize) -> usize {
    let shift = (usize::BITS - n.leading_zeros()).saturating_sub(3);
    n.div_ceil(1 << shift) << shift
}

/// The inverted index: for each shard, its terms with their postings, and the shard's data.
pub struct Index {
    pub plan: Plan,
    /// Each document's body length normalization, by id.
    norms: Vec<f32>,
    shards: Vec<Shard>,
    /// The prefixes (`completion_prefix`) of the words that were added, removed or changed their
    /// document count since `words` was last called; `None` for every prefix.
    changed_prefixes: Option<BTreeSet<[u8; 2]>>,
}

/// Words the client completes, with the number of documents that have each.
pub struct Words {
    /// The prefixes whose words these are, every word with one of them; `None` when these are
    /// all the words of the index.
    pub prefixes: Option<BTreeSet<[u8; 2]>>,
    pub words: Vec<(String, u32)>,
}

/// The first two letters of a word the client completes: a word of three or more characters
/// that begins with two ASCII letters or digits.
pub fn completion_prefix(word: &str) -> Option<[u8; 2]> {
    let bytes = word.as_bytes();
    (bytes.len() >= 3 && bytes[..2].iter().all(u8::is_ascii_alphanumeric))
        .then(|| [bytes[0], bytes[1]])
}

struct Shard {
    /// Sorted by text, as the shard's data lists them.
    rows: Vec<Row>,
    /// The JSON object `{term: postings}`.
    data: Vec<u8>,
    /// Whether `rows` changed since `data` was written.
    stale: bool,
}

/// A term's postings: document ids ascending, each with the term's counts per field.
type Postings = Vec<(u32, [u16; 4])>;

/// A term with its postings.
struct Row {
    text: Box<str>,
    /// `completion_prefix` of a word (not CJK), found without reading `text`.
    prefix: Option<[u8; 2]>,
    postings: Postings,
    /// How many documents hold the term: the postings' number, also when they are not kept.
    documents: u32,
    /// The postings as the shard writes them: gaps and impacts.
    encoded: Vec<u8>,
}

/// The terms of a group being gathered, with their postings: an open-addressing table of row
/// numbers over the rows themselves, so that finding a term compares keys held here rather than
/// in the (cold) memory of the document that had it first.
#[derive(Default)]
struct Gathered {
    slots: Vec<u32>,
    rows: Vec<(u32, Key, Postings)>,
}

impl Gathered {
    const EMPTY: u32 = u32::MAX;

    fn postings(&mut self, hash: u32, key: &Key) -> &mut Postings {
        if self.rows.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut slot = Self::start(hash, mask);
        loop {
            match self.slots[slot] {
                Self::EMPTY => {
                    self.slots[slot] = self.rows.len() as u32;
                    self.rows.push((hash, key.clone(), Vec::new()));
                    return &mut self.rows.last_mut().expect("pushed").2;
                }
                row if self.rows[row as usize].0 == hash && self.rows[row as usize].1 == *key => {
                    return &mut self.rows[row as usize].2;
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Where a hash starts probing: the terms of one shard share their hash's remainder, so
    /// the table's bits come from a multiplication's high half.
    fn start(hash: u32, mask: usize) -> usize {
        ((hash as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        self.slots = vec![Self::EMPTY; size];
        for (row, (hash, _, _)) in self.rows.iter().enumerate() {
            let mut slot = Self::start(*hash, size - 1);
            while self.slots[slot] != Self::EMPTY {
                slot = (slot + 1) & (size - 1);
            }
            self.slots[slot] = row as u32;
        }
    }
}

impl Index {
    /// Builds the inverted index of `docs` (in document id order).
    pub fn build(docs: &[&DocTerms]) -> Index {
        Index::build_with(docs, true)
    }

    /// `build`, for an index that is written once and never updated: each term's postings are
    /// dropped once encoded (they are as large as the terms of every document together).
    pub fn build_to_write(docs: &[&DocTerms]) -> Index {
        Index::build_with(docs, false)
    }

    fn build_with(docs: &[&DocTerms], keep_postings: bool) -> Index {
        let plan = Plan::of(docs);
        let norms: Vec<f32> = docs.iter().map(|d| plan.norm(d.body_len)).collect();
        // The terms in groups of buckets, a group per task: each reads its part of every
        // document, in id order, so that postings come out sorted.
        let groups = (rayon::current_num_threads() * 8).min(BUCKETS);
        let rows: Vec<Vec<(u32, Row)>> = (0..groups)
            .into_par_iter()
            .map(|g| {
                let (from, to) = (g * BUCKETS / groups, (g + 1) * BUCKETS / groups);
                let mut gathered = Gathered::default();
                for (id, doc) in docs.iter().enumerate() {
                    let mine = doc.starts[from] as usize..doc.starts[to] as usize;
                    for e in &doc.entries[mine] {
                        gathered.postings(e.hash, &e.key).push((id as u32, e.tf));
                    }
                }
                gathered
                    .rows
                    .into_iter()
                    .map(|(hash, key, postings)| {
                        let text = key.text();
                        let mut row = Row {
                            prefix: key.is_word().then(|| completion_prefix(&text)).flatten(),
                            text: text.into(),
                            postings,
                            documents: 0,
                            encoded: Vec::new(),
                        };
                        row.encode(&norms, &plan);
                        if !keep_postings {
                            row.postings = Vec::new();
                        }
                        (hash % plan.shards, row)
                    })
                    .collect()
            })
            .collect();
        let mut shards: Vec<Shard> = (0..plan.shards)
            .map(|_| Shard {
                rows: Vec::new(),
                data: Vec::new(),
                stale: true,
            })
            .collect();
        for (n, row) in rows.into_iter().flatten() {
            shards[n as usize].rows.push(row);
        }
        // Written by `write`, like the shards an update changes.
        shards.par_iter_mut().for_each(|shard| {
            shard.rows.sort_unstable_by(|a, b| a.text.cmp(&b.text));
        });
        Index {
            plan,
            norms,
            shards,
            changed_prefixes: None,
        }
    }

    /// Brings the index from document `id` having the terms `old` to its having `new`, as
    /// `build` would make it, provided the plan stays the same: only the postings of terms that
    /// either has change, and a posting whose document count is unchanged is rewritten in place.
    /// `write` then rewrites the shards that changed.
    pub fn update(&mut self, id: u32, old: &DocTerms, new: &DocTerms) {
        let norm = self.plan.norm(new.body_len);
        // Every impact of the document depends on its length.
        let lengthened = norm != self.norms[id as usize];
        self.norms[id as usize] = norm;
        let mut before: FxMap<&Key, &Entry> = old.entries.iter().map(|e| (&e.key, e)).collect();
        for e in &new.entries {
            match before.remove(&e.key) {
                Some(was) if was.tf == e.tf && !lengthened => {}
                _ => self.set(id, e, Some(e.tf)),
            }
        }
        for e in before.into_values() {
            self.set(id, e, None);
        }
    }

    /// Sets (or with `None` removes) the posting of document `id` for the term of `e`.
    fn set(&mut self, id: u32, e: &Entry, tf: Option<[u16; 4]>) {
        let Index {
            plan,
            norms,
            shards,
            changed_prefixes,
        } = self;
        let shard = &mut shards[(e.hash % plan.shards) as usize];
        let text = e.key.text();
        let r = match shard.rows.binary_search_by(|r| (*r.text).cmp(&text)) {
            Ok(r) => r,
            Err(r) => {
                let row = Row {
                    prefix: e.key.is_word().then(|| completion_prefix(&text)).flatten(),
                    text: text.into(),
                    postings: Vec::new(),
                    documents: 0,
                    encoded: Vec::new(),
                };
                shard.rows.insert(r, row);
                r
            }
        };
        let row = &mut shard.rows[r];
        let mut count_changed = |prefix: Option<[u8; 2]>| {
            if let (Some(changed), Some(prefix)) = (changed_prefixes.as_mut(), prefix) {
                changed.insert(prefix);
            }
        };
        match (row.postings.binary_search_by_key(&id, |p| p.0), tf) {
            // The same documents: only this posting's impact can change.
            (Ok(i), Some(tf)) => {
                row.postings[i].1 = tf;
                if !row.reencode_one(i, norms, plan) {
                    return;
                }
            }
            (Ok(i), None) => {
                row.postings.remove(i);
                count_changed(row.prefix);
                if row.postings.is_empty() {
                    shard.rows.remove(r);
                } else {
                    row.encode(norms, plan);
                }
            }
            (Err(i), Some(tf)) => {
                row.postings.insert(i, (id, tf));
                count_changed(row.prefix);
                row.encode(norms, plan);
            }
            (Err(_), None) => unreachable!("a removed term had a posting"),
        }
        shard.stale = true;
    }

    /// Rewrites the data of the shards that changed since they were last written; their numbers.
    pub fn write(&mut self) -> Vec<u32> {
        let stale: Vec<u32> = (0..self.plan.shards)
            .filter(|&n| self.shards[n as usize].stale)
            .collect();
        self.shards
            .par_iter_mut()
            .filter(|s| s.stale)
            .for_each(Shard::write);
        stale
    }

    /// Shard `n`'s data: a JSON object of terms and their encoded postings.
    pub fn shard(&self, n: u32) -> &[u8] {
        debug_assert!(
            !self.shards[n as usize].stale,
            "written since the last update"
        );
        &self.shards[n as usize].data
    }

    /// The words the client completes, for completing a word the reader is still typing: all
    /// of them after a build, else those with a prefix whose words changed since the last call;
    /// `None` when none did.
    pub fn words(&mut self) -> Option<Words> {
        let prefixes = match self.changed_prefixes.replace(BTreeSet::new()) {
            Some(changed) if changed.is_empty() => return None,
            prefixes => prefixes,
        };
        let words = self.words_where(|prefix| prefixes.as_ref().is_none_or(|p| p.contains(prefix)));
        Some(Words { prefixes, words })
    }

    fn words_where(&self, wanted: impl Fn(&[u8; 2]) -> bool) -> Vec<(String, u32)> {
        let rows = self.shards.iter().flat_map(|s| &s.rows);
        rows.filter(|r| r.prefix.as_ref().is_some_and(&wanted))
            .map(|r| (r.text.to_string(), r.documents))
            .collect()
    }
}

impl Row {
    /// Writes the postings: each as the gap from the previous id and the impact.
    fn encode(&mut self, norms: &[f32], plan: &Plan) {
        let idf = plan.idf(self.postings.len());
        self.documents = self.postings.len() as u32;
        self.encoded.clear();
        self.encoded.reserve(self.postings.len() * 4);
        let mut previous: i64 = -1;
        for &(id, tf) in &self.postings {
            push_number(&mut self.encoded, (id as i64 - previous - 1) as u32);
            previous = id as i64;
            push_number(&mut self.encoded, impact(tf, norms[id as usize], idf));
        }
    }

    /// Rewrites the impact of posting `i` alone, the other postings and their number being
    /// unchanged; whether its bytes changed.
    fn reencode_one(&mut self, i: usize, norms: &[f32], plan: &Plan) -> bool {
        let (id, tf) = self.postings[i];
        let mut number = Vec::with_capacity(8);
        let idf = plan.idf(self.postings.len());
        push_number(&mut number, impact(tf, norms[id as usize], idf));
        // The numbers alternate gap, impact: the impact of posting i is number 2i + 1.
        let at = number_at(&self.encoded, 2 * i + 1);
        if self.encoded[at.clone()] == number[..] {
            return false;
        }
        self.encoded.splice(at, number);
        true
    }
}

/// Where number `n` (from 0) of a list in the posting alphabet is.
fn number_at(encoded: &[u8], n: usize) -> std::ops::Range<usize> {
    // A number ends at a character of value below 32: `A`–`Z`, `a`–`f`.
    let ends = |b: &u8| b.is_ascii_uppercase() || (b'a'..=b'f').contains(b);
    // Whole chunks first, counting the ends of numbers (which vectorizes), then byte by byte.
    let (mut seen, mut from) = (0, 0);
    for chunk in encoded.chunks(64) {
        let count = chunk.iter().filter(|b| ends(b)).count();
        if seen + count > n {
            break;
        }
        seen += count;
        from += chunk.len();
    }
    // Number `seen` may have begun in the chunks skipped: its start follows the last end.
    let mut start = encoded[..from].iter().rposition(ends).map_or(0, |p| p + 1);
    for (at, b) in encoded.iter().enumerate().skip(from) {
        if ends(b) {
            if seen == n {
                return start..at + 1;
            }
            seen += 1;
            start = at + 1;
        }
    }
    unreachable!("the list has number {n}")
}

impl Shard {
    fn write(&mut self) {
        self.stale = false;
        let size: usize = self
            .rows
            .iter()
            .map(|r| r.text.len() + r.encoded.len() + 6)
            .sum();
        let data = &mut self.data;
        data.clear();
        data.reserve(size + 2);
        data.push(b'{');
        for (i, row) in self.rows.iter().enumerate() {
            if i > 0 {
                data.push(b',');
            }
            // Terms are letters, digits and CJK characters: nothing a JSON string escapes.
            data.push(b'"');
            data.extend_from_slice(row.text.as_bytes());
            data.extend_from_slice(b"\":\"");
            data.extend_from_slice(&row.encoded);
            data.push(b'"');
        }
        data.push(b'}');
    }
}

fn saturate(tf: u16, norm: f32) -> f32 {
    let tf = tf as f32;
    tf * (K1 + 1.0) / (tf + K1 * norm)
}

/// The stored impact of a term in a document: the BM25 score of each field, weighted, times
/// `SCALE`, shifted left once to make room for a flag set when the term is in the title.
fn impact(tf: [u16; 4], body_norm: f32, idf: f32) -> u32 {
    let mut score = 0.0;
    for (field, &count) in tf.iter().enumerate() {
        if count > 0 {
            let norm = if field == BODY { body_norm } else { 1.0 };
            score += WEIGHTS[field] * saturate(count, norm);
        }
    }
    let quantized = round(idf * score * SCALE).clamp(1, 0x3FFF);
    (quantized << 1) | u32::from(tf[TITLE] > 0)
}

/// `x.round() as u32` for `x >= 0`, without the call to `roundf` that `round` costs on the
/// baseline x86-64 target (once per posting). Below 2^24, `x - trunc(x)` is exact.
fn round(x: f32) -> u32 {
    let whole = x as u32;
    if x - whole as f32 >= 0.5 {
        whole + 1
    } else {
        whole
    }
}

/// Appends `value` in the posting alphabet, five bits at a time, lowest first.
pub fn push_number(out: &mut Vec<u8>, mut value: u32) {
    while value >= 32 {
        out.push(ALPHABET[(32 | (value & 31)) as usize]);
        value >>= 5;
    }
    out.push(ALPHABET[value as usize]);
}

/// A list of ascending ids as gaps (`id - previous - 1`, the first from -1).
pub fn push_ids(out: &mut Vec<u8>, ids: impl IntoIterator<Item = u32>) {
    let mut previous: i64 = -1;
    for id in ids {
        push_number(out, (id as i64 - previous - 1) as u32);
        previous = id as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn numbers_use_five_bits_per_character() {
        let mut s = Vec::new();
        push_number(&mut s, 0);
        push_number(&mut s, 31);
        push_number(&mut s, 32);
        assert_eq!(s, b"AfgB");
    }

    #[test]
    fn keys_round_trip() {
        for term in ["政务", "茶", "standard"] {
            let mut key = None;
            scan(term, false, &mut |p, _| {
                key = Some(match p {
                    Piece::Word { word } => Key::word(&stem(word)),
                    Piece::Cjk { first, second } => Key::Cjk(pack(first, second)),
                })
            });
            let key = key.unwrap();
            assert_eq!(key.text(), term);
            assert_eq!(key.fnv(), fnv1a(term));
        }
    }

    #[test]
    fn fnv_matches_the_reference() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }

    /// Documents of words drawn from a small vocabulary, edited one at a time: updating the
    /// index in place gives, byte for byte, the index built afresh.
    #[test]
    fn an_updated_index_is_the_index_built_afresh() {
        const WORDS: [&str; 16] = [
            "政务",
            "服务标准化",
            "数字化转型",
            "冷链",
            "物流",
            "县域商业",
            "cold",
            "chain",
            "standardizing",
            "standards",
            "monitoring",
            "zabbix",
            "31526",
            "the",
            "warehouses",
            "très",
        ];
        let mut seed = 3u64;
        let mut random = move |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        let count = |(title, body): &(Vec<&str>, Vec<&str>)| {
            count_terms(&[
                title.join(" ").into(),
                "".into(),
                "".into(),
                body.join(" ").into(),
            ])
        };
        let mut texts: Vec<(Vec<&str>, Vec<&str>)> = (0..30)
            .map(|_| {
                let title = (0..3).map(|_| WORDS[random(WORDS.len())]).collect();
                let body = (0..10 + random(30))
                    .map(|_| WORDS[random(WORDS.len())])
                    .collect();
                (title, body)
            })
            .collect();
        let mut docs: Vec<DocTerms> = texts.iter().map(count).collect();
        let mut index = Index::build(&docs.iter().collect::<Vec<_>>());
        index.write();
        // The words by prefix as `words` tells them, one change after another.
        let mut completions: BTreeMap<[u8; 2], Vec<(String, u32)>> = BTreeMap::new();
        let by_prefix = |words: Vec<(String, u32)>| {
            let mut grouped: BTreeMap<[u8; 2], Vec<(String, u32)>> = BTreeMap::new();
            for word in words {
                let prefix = completion_prefix(&word.0).expect("a completed word");
                grouped.entry(prefix).or_default().push(word);
            }
            grouped.values_mut().for_each(|words| words.sort());
            grouped
        };
        let mut updates = 0;
        for _ in 0..400 {
            let id = random(texts.len());
            let (title, body) = &mut texts[id];
            let word = WORDS[random(WORDS.len())];
            // Mostly a word for another, which keeps the body's length and so the plan.
            match random(10) {
                0 => title[random(3)] = word,
                1 => body.push(word),
                2 if body.len() > 1 => drop(body.swap_remove(random(body.len()))),
                _ => {
                    let at = random(body.len());
                    body[at] = word;
                }
            }
            let old = std::mem::replace(&mut docs[id], count(&texts[id]));
            let all: Vec<&DocTerms> = docs.iter().collect();
            let mut fresh = Index::build(&all);
            fresh.write();
            if fresh.plan == index.plan {
                index.update(id as u32, &old, &docs[id]);
                updates += 1;
            } else {
                index = Index::build(&all);
            }
            index.write();
            for n in 0..fresh.plan.shards {
                assert_eq!(index.shard(n), fresh.shard(n), "shard {n}");
            }
            assert_eq!(index.norms, fresh.norms);
            let all = |index: &Index| index.words_where(|_| true);
            assert_eq!(all(&index), all(&fresh));
            match index.words() {
                None => {}
                Some(Words {
                    prefixes: None,
                    words,
                }) => completions = by_prefix(words),
                Some(Words {
                    prefixes: Some(changed),
                    words,
                }) => {
                    completions.retain(|prefix, _| !changed.contains(prefix));
                    completions.extend(by_prefix(words));
                }
            }
            assert_eq!(completions, by_prefix(all(&fresh)));
        }
        assert!(updates > 300, "{updates} updates in place");
    }

    #[test]
    fn a_number_is_found_by_its_place_in_a_list() {
        let mut list = Vec::new();
        let values: Vec<u32> = (0..300).map(|i| i * i * 7 % 5000).collect();
        for &v in &values {
            push_number(&mut list, v);
        }
        for (n, &v) in values.iter().enumerate() {
            let mut one = Vec::new();
            push_number(&mut one, v);
            assert_eq!(list[number_at(&list, n)], one[..], "number {n}");
        }
    }

    #[test]
    fn shard_counts_round_up_to_three_significant_bits() {
        let rounded: Vec<usize> = [1, 7, 8, 9, 10, 11, 17, 2292]
            .map(round_up_to_three_bits)
            .into();
        assert_eq!(rounded, [1, 7, 8, 10, 10, 12, 20, 2560]);
    }

    #[test]
    fn rounding_matches_the_standard_library() {
        for x in [
            0.0f32, 0.25, 0.49999997, 0.5, 1.5, 2.5, 2.4999998, 100.5, 16383.49, 70000.0,
        ] {
            assert_eq!(round(x), x.round() as u32, "{x}");
        }
    }
}
