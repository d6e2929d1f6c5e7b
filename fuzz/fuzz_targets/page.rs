//! One Markdown file through everything that reads it: decoding, front matter splitting, YAML
//! parsing with positions, diagnostics placement, and Markdown rendering. Nothing may panic.
#![no_main]

use casebook::content::{decode, front_matter};
use casebook::markdown::{LinkContext, render_markdown};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = "content/practices/fuzz.zh.md";
    let Ok(text) = decode(data.to_vec(), file) else { return };
    let body_offset = match front_matter::split(&text, file) {
        Ok(split) => {
            if let Ok((_, positions)) = front_matter::parse(&split, &text, file) {
                for (key, (line, column)) in &positions.fields {
                    let _ = casebook::diagnostics::Diagnostic::error(file, key.as_str()).at(&text, *line, *column);
                    let _ = positions.of_item(&text, key, "x");
                }
            }
            split.body_offset
        }
        Err(d) => {
            let _ = casebook::diagnostics::to_human(&[d], false);
            0
        }
    };
    let resolve = |path: &str| (path.len() % 2 == 0).then(|| format!("{path}/"));
    let context = LinkContext { dir: "practices", root: "../../", resolve: &resolve, asset: &|_| None };
    let rendered = render_markdown(&text[body_offset..], &context);
    for link in rendered.broken_links {
        let _ = casebook::diagnostics::Diagnostic::error(file, "x").at_offset(&text, body_offset + link.offset);
    }
});
