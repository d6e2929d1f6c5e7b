//! Tokenization, the one set of rules that indexing (here) and querying (the client in
//! `themes/default/static/search.js`) share. The shared vectors in `tests/search/vectors.json`
//! hold both sides to them.
//!
//! 1. Each character is normalized on its own: full-width ASCII becomes ASCII (`ＧＢ／Ｔ` → `GB/T`),
//!    the ideographic space a space, Latin-1 accented letters their base letter, ligatures their
//!    letters; combining accents and apostrophes are dropped (`China's` → `Chinas`).
//!    An apostrophe after a French, Italian or Catalan elided article or particle (`l'`, `d'`,
//!    `qu'`, `dell'`, …) ends it instead, and the particle is left out: `l'entrepôt` →
//!    `entrepot`, `dell'azienda` → `azienda` (when at least two characters follow, so that
//!    `all's` stays `alls`).
//! 2. Characters fall in three classes: CJK (Han, kana, Hangul), word (any other letter or digit),
//!    and separators (everything else). Invisible characters (zero-width space, non-joiner and
//!    joiner, word joiner, byte order mark, soft hyphen) and no-break spaces are separators, as a
//!    space is: `冷链\u{200B}物流` gives `冷链 物流`.
//! 3. A run of word characters is one token, lowercased; a run of only `a`–`z` is stemmed
//!    (Porter); a token longer than 40 characters is cut to 40.
//! 4. A run of CJK characters gives its overlapping bigrams (`政务数字化` → `政务 务数 数字 字化`); a run
//!    of one CJK character gives that character.
//! 5. Tokens are numbered in order (their position); English stop words are marked, and serve
//!    only for ranking.
//!
//! The index adds, for every CJK run of two characters or more, each character alone, so that
//! a one-character query finds the pages that contain it anywhere.

use super::stem::stem;

/// A token of a query or a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub position: u32,
    /// An English stop word: it ranks but never filters.
    pub stop: bool,
}

/// What the scanner emits, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A word, lowercased and cut to `MAX_WORD` characters, not yet stemmed.
    Word { word: &'a str },
    /// A CJK bigram, or a single character when `second` is `None`.
    Cjk { first: char, second: Option<char> },
}

impl Piece<'_> {
    /// The term: words stemmed, CJK as written.
    pub fn term(&self) -> String {
        match *self {
            Piece::Word { word } => stem(word),
            Piece::Cjk { first, second } => {
                second.map_or(first.to_string(), |s| format!("{first}{s}"))
            }
        }
    }
}

/// Words that carry little meaning in English: never required for a match.
pub const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "not", "of", "on", "or", "that", "the", "their", "this", "to",
    "was", "were", "which", "will", "with", "s",
];

/// Longest word token, in characters.
pub const MAX_WORD: usize = 40;

/// The elided articles and particles of French, Italian and Catalan, which an apostrophe joins to
/// the next word (`l'entrepôt`, `qu'il`, `dell'azienda`): left out, so that the word is found
/// as itself.
pub const ELIDED: [&str; 28] = [
    "c", "d", "j", "l", "m", "n", "s", "t", "v", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "un",
    "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl",
    "sugl",
];

/// The query tokens of `text`.
///
/// ```
/// use casebook::search::tokenize::tokenize;
/// let terms: Vec<String> = tokenize("推动政务 Standardizing").into_iter().map(|t| t.term).collect();
/// assert_eq!(terms, ["推动", "动政", "政务", "standard"]);
/// ```
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    scan(text, false, &mut |piece, position| {
        tokens.push(Token {
            term: piece.term(),
            position,
            stop: matches!(piece, Piece::Word { word } if STOP_WORDS.contains(&word)),
        })
    });
    tokens
}

/// The terms the index holds for `text`: the query tokens plus single CJK characters, each
/// character right after the bigram it starts.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    scan(text, true, &mut |piece, _| {
        terms.push(piece.term());
        if let Piece::Cjk {
            first,
            second: Some(_),
        } = piece
        {
            terms.push(first.to_string());
        }
    });
    terms
}

/// Character classes after normalization.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Word,
    Separator,
}

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007 | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

#[inline]
fn class(c: char) -> Class {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        }
    } else if is_cjk(c) {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Separator
    }
}

const FOLD_FROM: &str = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿ";
const FOLD_TO: &str = "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyy";
const EXPAND: [(char, &str); 12] = [
    ('ß', "ss"),
    ('Æ', "AE"),
    ('æ', "ae"),
    ('Œ', "OE"),
    ('œ', "oe"),
    ('ﬀ', "ff"),
    ('ﬁ', "fi"),
    ('ﬂ', "fl"),
    ('ﬃ', "ffi"),
    ('ﬄ', "ffl"),
    ('ﬅ', "st"),
    ('ﬆ', "st"),
];

/// The normalized form of one character: `None` drops it, otherwise its replacement.
fn normalize(c: char, out: &mut String) {
    let code = c as u32;
    match code {
        0xFF01..=0xFF5E => out.push(char::from_u32(code - 0xFEE0).unwrap_or(c)),
        0x3000 => out.push(' '),
        0x0300..=0x036F => {}
        0xC0..=0x17F => {
            if let Some(i) = FOLD_FROM.chars().position(|f| f == c) {
                out.push(FOLD_TO.as_bytes()[i] as char);
            } else if let Some((_, with)) = EXPAND.iter().find(|(f, _)| *f == c) {
                out.push_str(with);
            } else {
                out.push(c);
            }
        }
        0xFB00..=0xFB06 => match EXPAND.iter().find(|(f, _)| *f == c) {
            Some((_, with)) => out.push_str(with),
            None => out.push(c),
        },
        _ => out.push(c),
    }
}

/// Walks `text` and calls `emit` with each piece and its position. With `index`, a CJK run of
/// two characters or more also gives its last character alone (at the position of the last
/// bigram): with the first characters of its bigrams, which the indexer counts from the
/// bigrams, that is every character of the run.
// The indexer calls it for every field of every document: a full build of the index was 4%
// slower when the compiler left it out of line.
#[inline]
pub fn scan<F: FnMut(Piece, u32)>(text: &str, index: bool, emit: &mut F) {
    let mut run = Run {
        index,
        position: 0,
        word: String::new(),
        apostrophe: None,
        cjk: Vec::new(),
    };
    let mut normalized = String::new();
    for c in text.chars() {
        // The common cases first, without the normalization table: Han, ASCII.
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            if run.word.is_empty() {
                run.apostrophe = None;
            } else {
                run.flush_word(emit);
            }
            run.cjk.push(c);
            continue;
        }
        if c == '\'' || c == '\u{2019}' {
            run.apostrophe.get_or_insert(run.word.len());
            continue;
        }
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                if !run.cjk.is_empty() {
                    run.flush_cjk(emit);
                }
                run.word.push(c);
            } else {
                run.flush_word(emit);
                run.flush_cjk(emit);
            }
            continue;
        }
        if c < '\u{C0}' || ('\u{3400}'..='\u{9FFF}').contains(&c) {
            run.push(c, emit);
            continue;
        }
        normalized.clear();
        normalize(c, &mut normalized);
        for n in normalized.chars() {
            run.push(n, emit);
        }
    }
    run.flush_word(emit);
    run.flush_cjk(emit);
}

/// The run of characters being collected by `scan`.
struct Run {
    index: bool,
    position: u32,
    word: String,
    /// Where in `word` its first apostrophe was (in bytes).
    apostrophe: Option<usize>,
    cjk: Vec<char>,
}

impl Run {
    /// Adds a normalized character.
    #[inline]
    fn push<F: FnMut(Piece, u32)>(&mut self, n: char, emit: &mut F) {
        match class(n) {
            Class::Word => {
                self.flush_cjk(emit);
                self.word.push(n);
            }
            Class::Cjk => {
                self.flush_word(emit);
                self.cjk.push(n);
            }
            Class::Separator => {
                self.flush_word(emit);
                self.flush_cjk(emit);
            }
        }
    }

    fn flush_word<F: FnMut(Piece, u32)>(&mut self, emit: &mut F) {
        if self.word.is_empty() {
            self.apostrophe = None;
            return;
        }
        if let Some(at) = self.apostrophe.take()
            && ELIDED
                .iter()
                .any(|e| self.word[..at].eq_ignore_ascii_case(e))
            && self.word[at..].chars().nth(1).is_some()
        {
            self.word.drain(..at);
        }
        if self.word.is_ascii() {
            self.word.make_ascii_lowercase();
        } else {
            self.word = self.word.to_lowercase();
        }
        if self.word.len() > MAX_WORD && self.word.chars().count() > MAX_WORD {
            self.word = self.word.chars().take(MAX_WORD).collect();
        }
        emit(Piece::Word { word: &self.word }, self.position);
        self.position += 1;
        self.word.clear();
    }

    fn flush_cjk<F: FnMut(Piece, u32)>(&mut self, emit: &mut F) {
        let n = self.cjk.len();
        if n == 0 {
            return;
        }
        let p = self.position;
        let single = |c: char| Piece::Cjk {
            first: c,
            second: None,
        };
        if n == 1 {
            emit(single(self.cjk[0]), p);
        } else {
            for i in 0..n - 1 {
                let bigram = Piece::Cjk {
                    first: self.cjk[i],
                    second: Some(self.cjk[i + 1]),
                };
                emit(bigram, p + i as u32);
            }
            if self.index {
                emit(single(self.cjk[n - 1]), p + n as u32 - 2);
            }
        }
        self.position += (n as u32 - 1).max(1);
        self.cjk.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn chinese_runs_become_bigrams() {
        assert_eq!(terms("政务数字化"), ["政务", "务数", "数字", "字化"]);
        assert_eq!(terms("茶"), ["茶"]);
        assert_eq!(
            index_terms("政务"),
            ["政务", "政", "务"],
            "the index also holds single characters"
        );
    }

    #[test]
    fn words_fold_and_stem() {
        assert_eq!(
            terms("Standardizing the ＧＢ／Ｔ　31526-2015"),
            ["standard", "the", "gb", "t", "31526", "2015"]
        );
        assert_eq!(terms("Zabbix 监控"), ["zabbix", "监控"]);
        assert_eq!(terms("café China's"), ["cafe", "china"]);
        // An elided article is left out, with either apostrophe, whatever its case (and the rest
        // stemmed as any word: `elle` is `ell`).
        assert_eq!(
            terms("L'entrepôt d’Elle qu'aujourd'hui dell'azienda"),
            ["entrepot", "ell", "aujourdhui", "azienda"]
        );
        // Not an elision: a possessive, a contraction, a name, a quote.
        assert_eq!(
            terms("all's don't O'Brien 'n' l'"),
            ["all", "dont", "obrien", "n", "l"]
        );
        assert!(tokenize("the")[0].stop);
    }

    #[test]
    fn invisible_characters_and_no_break_spaces_separate_words() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{00A0}',
            '\u{202F}', '\u{2007}',
        ] {
            assert_eq!(terms(&format!("cold{c}chain")), ["cold", "chain"], "{c:?}");
            assert_eq!(
                terms(&format!("{c}冷链{c}物流{c}")),
                ["冷链", "物流"],
                "{c:?}"
            );
        }
    }
}
