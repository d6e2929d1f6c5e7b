//! Anchors as authors write them for GitHub and Hugo: the id GitHub gives a heading, and the ids
//! that raw HTML gives its elements (`<a id="f1"></a>`, `<a name="f1">`, `<sup id="a1">`).

/// The id GitHub gives a heading whose text is `text` (the algorithm of github-slugger, which
/// Hugo's `github` heading ids follow too): lower case; every character dropped that is not a
/// letter, mark, number, `-`, `_` (or other connector) or space; then each space becomes a `-`.
/// Runs of `-` are kept (`Migrating from → v1.18.0` is `migrating-from--v1180`) and so are
/// spaces at either end; Chinese stays as it is. Empty when nothing is left.
///
/// ```
/// assert_eq!(casebook::anchors::github_id("ASP.NET Core"), "aspnet-core");
/// assert_eq!(casebook::anchors::github_id("背景与目标"), "背景与目标");
/// ```
pub fn github_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if c == ' ' {
            id.push('-');
        } else if kept(c) {
            id.push(c);
        }
    }
    id
}

/// Letters, marks, numbers (but the "other" numbers such as `²` and `①`), `-` and connector
/// punctuation such as `_`: what github-slugger keeps of a heading's text besides its spaces.
fn kept(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '-' || c == '_';
    }
    c.is_alphabetic()
        || (c.is_numeric() && !in_ranges(c, &OTHER_NUMBERS))
        || in_ranges(c, &MARKS)
        || CONNECTORS.contains(&c)
}

/// Whether `c` is in one of `ranges`, given as sorted pairs of a first and a past-the-end code
/// point.
fn in_ranges(c: char, ranges: &[u32]) -> bool {
    ranges.partition_point(|&bound| bound <= c as u32) % 2 == 1
}

/// Connector punctuation (Unicode category Pc).
const CONNECTORS: [char; 10] = [
    '_', '\u{203F}', '\u{2040}', '\u{2054}', '\u{FE33}', '\u{FE34}', '\u{FE4D}', '\u{FE4E}',
    '\u{FE4F}', '\u{FF3F}',
];

/// The combining marks (categories Mn, Mc, Me) that Rust does not count as alphabetic, of the
/// Basic Multilingual Plane and the variation selectors beyond it, as pairs of first and
/// past-the-end code points; a range may run over letters and digits, which are kept anyway.
/// From Unicode 14.
const MARKS: [u32; 166] = [
    0x0300, 0x0363, 0x0483, 0x048A, 0x0591, 0x05B0, 0x0658, 0x0659, 0x06DF, 0x06E1, 0x06EA, 0x06ED,
    0x0740, 0x074B, 0x07EB, 0x07F4, 0x07FD, 0x07FE, 0x0818, 0x082E, 0x0859, 0x085C, 0x0898, 0x08E2,
    0x08EA, 0x0955, 0x09BC, 0x09BD, 0x09CD, 0x09CE, 0x09FE, 0x09FF, 0x0A3C, 0x0A3D, 0x0A4D, 0x0A4E,
    0x0ABC, 0x0ABD, 0x0ACD, 0x0ACE, 0x0AFD, 0x0B00, 0x0B3C, 0x0B3D, 0x0B4D, 0x0B4E, 0x0B55, 0x0B56,
    0x0BCD, 0x0BCE, 0x0C3C, 0x0C3D, 0x0C4D, 0x0C4E, 0x0CBC, 0x0CBD, 0x0CCD, 0x0CCE, 0x0D3B, 0x0D3D,
    0x0D4D, 0x0D4E, 0x0DCA, 0x0DCB, 0x0E47, 0x0E4F, 0x0EBA, 0x0EBB, 0x0EC8, 0x0ECD, 0x0F18, 0x0F1A,
    0x0F35, 0x0F36, 0x0F37, 0x0F38, 0x0F39, 0x0F3A, 0x0F3E, 0x0F40, 0x0F84, 0x0F85, 0x0F86, 0x0F88,
    0x0FC6, 0x0FC7, 0x1037, 0x103B, 0x135D, 0x1360, 0x1714, 0x1716, 0x1734, 0x1735, 0x17B4, 0x17D4,
    0x17DD, 0x17DE, 0x180B, 0x180E, 0x180F, 0x1810, 0x1939, 0x193C, 0x1A60, 0x1A7D, 0x1A7F, 0x1A80,
    0x1AB0, 0x1ACC, 0x1B34, 0x1B45, 0x1B6B, 0x1B74, 0x1BAA, 0x1BF4, 0x1C37, 0x1C38, 0x1CD0, 0x1CD3,
    0x1CD4, 0x1CFA, 0x1DC0, 0x1E00, 0x20D0, 0x20F1, 0x2CEF, 0x2CF2, 0x2D7F, 0x2D80, 0x302A, 0x3030,
    0x3099, 0x309B, 0xA66F, 0xA673, 0xA67C, 0xA67E, 0xA6F0, 0xA6F2, 0xA806, 0xA807, 0xA82C, 0xA82D,
    0xA8C4, 0xA8C5, 0xA8E0, 0xA8F2, 0xA92B, 0xA92E, 0xA953, 0xA954, 0xA9B3, 0xA9C1, 0xAABF, 0xAAC2,
    0xAAF6, 0xAAF7, 0xABEC, 0xABEE, 0xFE00, 0xFE10, 0xFE20, 0xFE30, 0xE0100, 0xE01F0,
];

/// The "other" numbers (category No: superscripts, fractions, circled and parenthesized numbers)
/// of the Basic Multilingual Plane and the digits with a full stop or comma beyond it, which
/// github-slugger drops although Rust counts them as numeric; as in `MARKS`, a range may run
/// over symbols, which are dropped anyway. From Unicode 14.
const OTHER_NUMBERS: [u32; 48] = [
    0x00B2, 0x00B4, 0x00B9, 0x00BA, 0x00BC, 0x00BF, 0x09F4, 0x09FA, 0x0B72, 0x0B78, 0x0BF0, 0x0BF3,
    0x0C78, 0x0C7F, 0x0D58, 0x0D5F, 0x0D70, 0x0D79, 0x0F2A, 0x0F34, 0x1369, 0x137D, 0x17F0, 0x17FA,
    0x19DA, 0x19DB, 0x2070, 0x2071, 0x2074, 0x207A, 0x2080, 0x208A, 0x2150, 0x2160, 0x2189, 0x249C,
    0x24EA, 0x2794, 0x2CFD, 0x2CFE, 0x3192, 0x3196, 0x3220, 0x32C0, 0xA830, 0xA836, 0x1F100,
    0x1F10D,
];

/// The ids that raw HTML gives its elements, each with the byte offset of its value in `html`:
/// the value of every `id` attribute (in any case, quoted with `"` or `'` or not quoted), and of
/// `name` on `<a>`, a legacy anchor that browsers still scroll to. Comments, end tags,
/// declarations and the text of `<script>` and `<style>` give none; `data-id` and the like are
/// other attributes.
pub fn html_ids(html: &str) -> Vec<(String, usize)> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|at| i + at) {
        let rest = &html[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            // `<!-->` and `<!--->` are (empty) comments too.
            let end = if comment.starts_with('>') {
                Some(1)
            } else if comment.starts_with("->") {
                Some(2)
            } else {
                comment.find("-->").map(|at| at + 3)
            };
            match end {
                Some(end) => i = lt + 4 + end,
                None => break,
            }
            continue;
        }
        let name_start = lt + 1;
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            // An end tag, a declaration, a processing instruction, or a `<` of the text.
            i = if rest.starts_with("</") || rest.starts_with("<!") || rest.starts_with("<?") {
                rest.find('>').map_or(html.len(), |at| lt + at + 1)
            } else {
                lt + 1
            };
            continue;
        }
        let mut at = name_start;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'-') {
            at += 1;
        }
        let tag = &html[name_start..at];
        let is_a = tag.eq_ignore_ascii_case("a");
        // Browsers keep the first of an attribute written twice.
        let (mut id_seen, mut name_seen) = (false, false);
        i = attributes(html, at, |name, value, offset| {
            let seen = if name.eq_ignore_ascii_case("id") {
                &mut id_seen
            } else if is_a && name.eq_ignore_ascii_case("name") {
                &mut name_seen
            } else {
                return;
            };
            if !std::mem::replace(seen, true) {
                let id = decode_entities(value);
                if !id.is_empty() {
                    found.push((id, offset));
                }
            }
        });
        if ["script", "style"]
            .iter()
            .any(|t| tag.eq_ignore_ascii_case(t))
        {
            // Their text is not HTML: skip to their end tag.
            let close = format!("</{}", tag.to_ascii_lowercase());
            i = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(html.len(), |at| i + at);
        }
    }
    found
}

/// Reads the attributes of a start tag from `at` (just after its name) as the HTML tokenizer
/// does, calling `each` with every name, value and the value's offset; returns the offset after
/// the tag's `>` (or the end of `html`).
fn attributes(html: &str, mut at: usize, mut each: impl FnMut(&str, &str, usize)) -> usize {
    let bytes = html.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let skip_space = |mut at: usize| {
        while at < bytes.len() && space(bytes[at]) {
            at += 1;
        }
        at
    };
    loop {
        while at < bytes.len() && (space(bytes[at]) || bytes[at] == b'/') {
            at += 1;
        }
        match bytes.get(at) {
            None => return at,
            Some(b'>') => return at + 1,
            Some(_) => {}
        }
        // A name runs to a space, `/`, `>` or `=` (but an `=` may start it).
        let name_start = at;
        at += 1;
        while at < bytes.len() && !(space(bytes[at]) || matches!(bytes[at], b'/' | b'>' | b'=')) {
            at += 1;
        }
        let name = &html[name_start..at];
        at = skip_space(at);
        if bytes.get(at) != Some(&b'=') {
            each(name, "", at);
            continue;
        }
        at = skip_space(at + 1);
        let (value, value_start) = match bytes.get(at) {
            Some(&quote @ (b'"' | b'\'')) => {
                let start = at + 1;
                let end = html[start..]
                    .find(quote as char)
                    .map_or(html.len(), |e| start + e);
                at = (end + 1).min(html.len());
                (&html[start..end], start)
            }
            _ => {
                let start = at;
                while at < bytes.len() && !(space(bytes[at]) || bytes[at] == b'>') {
                    at += 1;
                }
                (&html[start..at], start)
            }
        };
        each(name, value, value_start);
    }
}

/// An attribute's value with its character references decoded: the numeric ones and the five of
/// XML; any other `&` stays as it is.
fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|semi| {
            let name = &rest[1..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name.strip_prefix('#').and_then(|number| {
                    match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    }
                    .and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_ids() {
        for (text, id) in [
            ("ASP.NET Core", "aspnet-core"),
            // The `-` of `->` stays between the two spaces' (as `a - b` is `a---b`); an arrow
            // that is one character goes.
            ("Migrating from -> v1.18.0", "migrating-from---v1180"),
            ("Migrating from → v1.18.0", "migrating-from--v1180"),
            ("C++ & Rust", "c--rust"),
            ("背景与目标", "背景与目标"),
            ("一、背景", "一背景"),
            ("（二）做法：统仓共配", "二做法统仓共配"),
            ("GB/T 31526-2015", "gbt-31526-2015"),
            // Markdown strips the spaces around a heading's text; those that reach here stay.
            ("  Spaces  ", "--spaces--"),
            ("a  b", "a--b"),
            ("😄 unicode emoji", "-unicode-emoji"),
            ("😄_😄 unicode emoji", "_-unicode-emoji"),
            ("I ♥ unicode", "i--unicode"),
            ("❤\u{FE0F} love", "\u{FE0F}-love"),
            (
                "heading with an _ underscore",
                "heading-with-an-_-underscore",
            ),
            (
                "exchange.bind_headers(exchange, routing [, bindCallback])",
                "exchangebind_headersexchange-routing--bindcallback",
            ),
            (
                "apostrophe’s should be trimmed",
                "apostrophes-should-be-trimmed",
            ),
            ("en–dash", "endash"),
            ("Привет non-latin 你好", "привет-non-latin-你好"),
            ("Cafe\u{301} ÜBER", "cafe\u{301}-über"),
            ("E = mc²", "e--mc"),
            ("① 背景", "-背景"),
            ("Ⅱ. 做法", "ⅱ-做法"),
            ("２０２３年", "２０２３年"),
            ("tab\there", "tabhere"),
            ("!!!", ""),
        ] {
            assert_eq!(github_id(text), id, "{text}");
        }
    }

    fn ids(html: &str) -> Vec<String> {
        html_ids(html).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn ids_of_raw_html() {
        for (html, expected) in [
            ("<a id=\"f1\"></a>", vec!["f1"]),
            ("<sup id='a1'>1</sup>", vec!["a1"]),
            ("<span ID=x1>", vec!["x1"]),
            ("<div\n  class=\"note\"\n  id = \"note-1\">", vec!["note-1"]),
            ("<a name=\"legacy\"></a>", vec!["legacy"]),
            ("<A NAME=up>", vec!["up"]),
            ("<span name=\"not-an-anchor\">", vec![]),
            ("<div data-id=\"x\" aria-describedby=\"y\">", vec![]),
            ("<a href=\"#f1\" title=\"id=x\">", vec![]),
            ("<a id=\"\">", vec![]),
            ("<a id=\"r&amp;d\">", vec!["r&d"]),
            ("<a id=\"&#x33;&#52;\">", vec!["34"]),
            (
                "<!-- <a id=\"hidden\"></a> --><a id=\"shown\">",
                vec!["shown"],
            ),
            ("<!--\n<a id=\"hidden\"></a>\n", vec![]),
            ("<!--><a id=\"after\">", vec!["after"]),
            ("</a id=\"closing\"><!DOCTYPE html id=x>", vec![]),
            (
                "<script>var a = '<a id=\"s\">';</script><a id=\"t\">",
                vec!["t"],
            ),
            ("a < b <a id=\"c\">", vec!["c"]),
            ("<img id=\"unclosed\"", vec!["unclosed"]),
            ("<a id=\"unterminated", vec!["unterminated"]),
            (
                "<a id=\"one\" ID=\"two\" name=\"three\">",
                vec!["one", "three"],
            ),
        ] {
            assert_eq!(ids(html), expected, "{html}");
        }
    }

    #[test]
    fn an_id_is_found_at_its_value() {
        let html = "<p>x <a id=\"f1\">";
        assert_eq!(html_ids(html), [("f1".to_string(), 12)]);
        assert_eq!(&html[12..14], "f1");
    }
}
