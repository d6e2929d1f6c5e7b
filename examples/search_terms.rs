//! Prints what the indexer's tokenizer makes of each line of standard input, one line of JSON
//! for each: `{"terms": [...], "positions": [...], "stop": [...], "index": [...]}`, the fields
//! of the shared vectors in `tests/search/vectors.json`.
//!
//! `cargo run --release --example search_terms < WORDS`
//!
//! tests/search/words.test.mjs runs it over an English word list and holds the client's
//! tokenizer and stemmer to it, word for word.

use casebook::search::tokenize::{index_terms, tokenize};
use std::io::{BufRead, BufWriter, Write};

fn main() {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("standard input is UTF-8");
        let tokens = tokenize(&line);
        let value = serde_json::json!({
            "terms": tokens.iter().map(|t| &t.term).collect::<Vec<_>>(),
            "positions": tokens.iter().map(|t| t.position).collect::<Vec<_>>(),
            "stop": (0..tokens.len()).filter(|&i| tokens[i].stop).collect::<Vec<_>>(),
            "index": index_terms(&line),
        });
        writeln!(out, "{value}").expect("standard output");
    }
    out.flush().expect("standard output");
}
