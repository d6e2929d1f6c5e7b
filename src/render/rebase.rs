//! Rendered HTML shown at another address than its page's: the print page holds every page's
//! article, and a feed entry is read away from the site. Its relative URLs are written for the
//! page's own path, so they are resolved against it and written again for where the HTML goes:
//! relative to the print page, or absolute under the base URL for a feed. The same tag scanner
//! gives ids and in-page links the prefix that keeps them unique on the print page.
//!
//! Only attributes of real tags change: text (code included) is escaped by the Markdown renderer
//! and holds no tag, and comments and the contents of `script`, `style`, `textarea` and `title`
//! are copied as they are.

use std::borrow::Cow;

/// `html`, written for the page at `from` (a site path such as `practices/x/`), with every
/// relative URL rewritten to lead to the same place from the page at `to` (`print/`).
pub fn rebase_urls(html: &str, from: &str, to: &str) -> String {
    rewrite_urls(html, false, |url| {
        let (target, rest) = resolve(from, url);
        Some(format!("{}{rest}", relative(&target, to)))
    })
}

/// `html`, written for the page at `from`, with every relative URL made absolute under
/// `base_url` (`https://example.org/casebook/`), in-page links (`#x`) included.
pub fn absolute_urls(html: &str, from: &str, base_url: &str) -> String {
    rewrite_urls(html, true, |url| {
        let (target, rest) = resolve(from, url);
        Some(format!("{base_url}{}{rest}", target.path()))
    })
}

/// Gives every `id` (and `name` of an anchor) and every in-page link (`href="#…"`) of `html`
/// the prefix `prefix`.
pub fn prefix_ids(html: &str, prefix: &str) -> String {
    rewrite_attributes(html, |tag, name, value| match name {
        "id" => Some(format!("{prefix}{value}")),
        "name" if tag == "a" => Some(format!("{prefix}{value}")),
        "href" => value
            .trim_start_matches(is_space)
            .strip_prefix('#')
            .map(|fragment| format!("#{prefix}{fragment}")),
        _ => None,
    })
}

/// `rewrite` applied to every relative URL of `html` (see [`is_relative`]), in-page ones (`#x`)
/// too if `in_page`: in `href`, `src`, `poster` and each candidate of `srcset`.
fn rewrite_urls(
    html: &str,
    in_page: bool,
    mut rewrite: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut one = |url: &str| {
        let url = url.trim_matches(is_space);
        let relative = is_relative(url) || (in_page && url.starts_with('#'));
        if relative { rewrite(url) } else { None }
    };
    rewrite_attributes(html, |_, name, value| match name {
        "href" | "src" | "poster" => one(value),
        "srcset" => rewrite_srcset(value, &mut one),
        _ => None,
    })
}

/// Each URL of a `srcset` through `rewrite`, the descriptors and separators kept.
fn rewrite_srcset(
    srcset: &str,
    rewrite: &mut impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(srcset.len());
    let mut changed = false;
    let mut rest = srcset;
    while !rest.is_empty() {
        // Separators, then the URL (up to a space; commas at its end are separators), then the
        // descriptors up to the next comma.
        let start = rest.len() - rest.trim_start_matches(|c| is_space(c) || c == ',').len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let mut end = rest.find(is_space).unwrap_or(rest.len());
        end = rest[..end].trim_end_matches(',').len();
        let url = &rest[..end];
        match (!url.is_empty()).then(|| rewrite(url)).flatten() {
            Some(new) => {
                out.push_str(&new);
                changed = true;
            }
            None => out.push_str(url),
        }
        rest = &rest[end..];
        if !rest.starts_with(',') {
            let descriptors = rest.find(',').unwrap_or(rest.len());
            out.push_str(&rest[..descriptors]);
            rest = &rest[descriptors..];
        }
    }
    changed.then_some(out)
}

/// A URL written relative to its page: not empty, not in-page (`#x`), not from the root (`/x`)
/// or another host (`//host`), and without a scheme (`https:`, `mailto:`, `data:`).
fn is_relative(url: &str) -> bool {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let scheme = url[..end].split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    !(url.is_empty() || url.starts_with(['#', '/']) || scheme)
}

/// A path resolved against the site root: how far it climbs above the root (for a link that
/// already did on its own page, kept as broken as it was) and the segments below it.
#[derive(Debug, PartialEq)]
struct Target {
    above: usize,
    /// The folders, then the file name (empty for a folder: `a/b/` is `["a", "b", ""]`).
    segments: Vec<String>,
}

impl Target {
    fn path(&self) -> String {
        format!("{}{}", "../".repeat(self.above), self.segments.join("/"))
    }
}

/// `url` (relative) resolved against the page or file at the site path `base`, as browsers do:
/// the target, and the query and fragment as written.
fn resolve(base: &str, url: &str) -> (Target, String) {
    let split = url.find(['?', '#']).unwrap_or(url.len());
    let (path, rest) = url.split_at(split);
    let mut segments: Vec<String> = base.split('/').map(str::to_string).collect();
    let mut above = 0;
    if path.is_empty() {
        // `?q` or `#x` alone: the page itself.
        return (Target { above, segments }, rest.to_string());
    }
    // The file name of the base gives way to the path.
    segments.pop();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "." => {}
            ".." => {
                if segments.pop().is_none() {
                    above += 1;
                }
            }
            part => segments.push(part.to_string()),
        }
        if i + 1 == parts.len() && matches!(*part, "." | "..") {
            segments.push(String::new());
        }
    }
    (Target { above, segments }, rest.to_string())
}

/// The site path `target` written relative to the page at `to` (`print/`, `en/print/`).
fn relative(target: &Target, to: &str) -> String {
    let mut here: Vec<&str> = to.split('/').collect();
    here.pop();
    let here: Vec<&str> = here.into_iter().filter(|s| !s.is_empty()).collect();
    let (folders, file) = target
        .segments
        .split_at(target.segments.len().saturating_sub(1));
    let common = if target.above > 0 {
        0
    } else {
        here.iter()
            .zip(folders)
            .take_while(|(a, b)| **a == b.as_str())
            .count()
    };
    let mut out = "../".repeat(here.len() - common + target.above);
    for folder in &folders[common..] {
        out.push_str(folder);
        out.push('/');
    }
    out.push_str(file.first().map_or("", String::as_str));
    if out.is_empty() {
        out.push_str("./");
    }
    out
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

/// `html` with the attributes of its tags passed through `rewrite(tag, name, value)` (tag and
/// attribute names in lower case, the value with its character references decoded); a value it
/// returns is written instead, quoted and escaped. Everything else is copied as it is.
fn rewrite_attributes(
    html: &str,
    mut rewrite: impl FnMut(&str, &str, &str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let bytes = html.as_bytes();
    // Up to `copied`, `html` is in `out`.
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        let open = at + found;
        let after = &html[open + 1..];
        if after.starts_with("!--") {
            at = html[open + 4..]
                .find("-->")
                .map_or(html.len(), |end| open + 4 + end + 3);
            continue;
        }
        if after.starts_with(['!', '?', '/']) {
            at = html[open..]
                .find('>')
                .map_or(html.len(), |end| open + end + 1);
            continue;
        }
        if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            at = open + 1;
            continue;
        }
        // A start tag: its name, then its attributes up to `>`.
        let name_end = open
            + 1
            + after
                .find(|c: char| is_space(c) || c == '/' || c == '>')
                .unwrap_or(after.len());
        let tag = html[open + 1..name_end].to_ascii_lowercase();
        let mut i = name_end;
        let mut closed = false;
        while i < bytes.len() {
            match bytes[i] {
                b'>' => {
                    closed = true;
                    i += 1;
                    break;
                }
                b if b == b'/' || is_space(b as char) => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let name_start = i;
            // The first character may be `=`; after it, names end at a space, `/`, `>` or `=`.
            i += 1;
            while i < bytes.len()
                && !matches!(bytes[i], b'/' | b'>' | b'=')
                && !is_space(bytes[i] as char)
            {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut j = i;
            while j < bytes.len() && is_space(bytes[j] as char) {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] != b'=' {
                continue;
            }
            j += 1;
            while j < bytes.len() && is_space(bytes[j] as char) {
                j += 1;
            }
            let (value_start, value_end, next) = match bytes.get(j) {
                Some(&quote @ (b'"' | b'\'')) => match html[j + 1..].find(quote as char) {
                    Some(len) => (j, j + 1 + len + 1, j + 1 + len + 1),
                    None => (j, html.len(), html.len()),
                },
                Some(_) => {
                    let len = html[j..]
                        .find(|c: char| is_space(c) || c == '>')
                        .unwrap_or(html.len() - j);
                    (j, j + len, j + len)
                }
                None => (j, j, j),
            };
            i = next;
            if value_end > html.len() || value_start == value_end {
                continue;
            }
            let raw = &html[value_start..value_end];
            let quoted = raw.starts_with(['"', '\'']);
            if quoted && (raw.len() < 2 || !raw.ends_with(&raw[..1])) {
                // An unterminated value: the tag runs to the end of the HTML. Left alone.
                continue;
            }
            let inner = if quoted { &raw[1..raw.len() - 1] } else { raw };
            let Some(value) = decode(inner) else { continue };
            if let Some(new) = rewrite(&tag, &name, &value) {
                out.push_str(&html[copied..value_start]);
                out.push('"');
                out.push_str(&escape(&new));
                out.push('"');
                copied = value_end;
            }
        }
        at = i;
        if closed && matches!(tag.as_str(), "script" | "style" | "textarea" | "title") {
            // Raw text up to the end tag.
            let mut end = at;
            at = loop {
                match html[end..].find("</") {
                    Some(found) => {
                        let name = html
                            .as_bytes()
                            .get(end + found + 2..end + found + 2 + tag.len());
                        if name.is_some_and(|n| n.eq_ignore_ascii_case(tag.as_bytes())) {
                            break end + found;
                        }
                        end += found + 2;
                    }
                    None => break html.len(),
                }
            };
        }
    }
    out.push_str(&html[copied..]);
    out
}

/// An attribute value with its character references decoded; `None` when it holds a named
/// reference this does not know (so that writing it again cannot change it).
fn decode(value: &str) -> Option<Cow<'_, str>> {
    if !value.contains('&') {
        return Some(Cow::Borrowed(value));
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let reference = rest[1..]
            .find(';')
            .map(|end| &rest[1..1 + end])
            .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '#'));
        let Some(reference) = reference else {
            // A bare `&`.
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let decoded = match reference {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            numeric if numeric.starts_with('#') => {
                let digits = &numeric[1..];
                let code = match digits.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => digits.parse().ok(),
                };
                code.and_then(char::from_u32)?
            }
            _ => return None,
        };
        out.push(decoded);
        rest = &rest[1 + reference.len() + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// A value for a double-quoted attribute.
fn escape(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '"', '<', '>']) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_an_article_lead_to_the_same_place_from_the_print_page() {
        let cases = [
            // (from, to, html, expected)
            (
                "practices/xuzhou/",
                "print/",
                r#"<a href="../../documents/notice-2023/">n</a>"#,
                r#"<a href="../documents/notice-2023/">n</a>"#,
            ),
            (
                "en/practices/x/",
                "en/print/",
                r#"<a href="../../../en/documents/notice-2023/#a">n</a>"#,
                r#"<a href="../documents/notice-2023/#a">n</a>"#,
            ),
            (
                "practices/xuzhou/",
                "print/",
                r#"<img src="map.png" alt="">"#,
                r#"<img src="../practices/xuzhou/map.png" alt="">"#,
            ),
            (
                "practices/xuzhou/",
                "print/",
                r#"<img src="images/a b.png" alt="">"#,
                r#"<img src="../practices/xuzhou/images/a b.png" alt="">"#,
            ),
            (
                "en/practices/x/",
                "en/print/",
                r#"<a href="../../print/">p</a> <a href="./">self</a> <a href="..">up</a>"#,
                r#"<a href="./">p</a> <a href="../practices/x/">self</a> <a href="../practices/">up</a>"#,
            ),
            (
                "about/",
                "print/",
                r#"<a href="../practices/x/?a=1&amp;b=2#top">q</a> <a href="?page=2">p</a>"#,
                r#"<a href="../practices/x/?a=1&amp;b=2#top">q</a> <a href="../about/?page=2">p</a>"#,
            ),
            (
                "",
                "en/print/",
                r#"<a href="practices/x/">x</a>"#,
                r#"<a href="../../practices/x/">x</a>"#,
            ),
            (
                "practices/x/",
                "",
                r#"<a href="../y/">y</a>"#,
                r#"<a href="practices/y/">y</a>"#,
            ),
            // Already broken on its own page: as broken on the print page.
            (
                "practices/x/",
                "print/",
                r#"<a href="../../../up/">u</a>"#,
                r#"<a href="../../up/">u</a>"#,
            ),
            // Left alone: other hosts, schemes, the root, in-page links, empty values.
            (
                "practices/x/",
                "print/",
                r##"<a href="https://example.org/a">e</a> <a href="//cdn.example.org/a.js">c</a> <a href="mailto:a@example.org">m</a> <img src="data:image/png;base64,AA=="> <a href="/casebook/x/">r</a> <a href="#here">h</a> <a href="">e</a> <a>n</a>"##,
                r##"<a href="https://example.org/a">e</a> <a href="//cdn.example.org/a.js">c</a> <a href="mailto:a@example.org">m</a> <img src="data:image/png;base64,AA=="> <a href="/casebook/x/">r</a> <a href="#here">h</a> <a href="">e</a> <a>n</a>"##,
            ),
            // Single quotes, no quotes, upper case, spaces around `=`, other attributes kept.
            (
                "practices/x/",
                "print/",
                r#"<A class=x HREF = '../y/' title="a > b">y</A> <img src=a.png alt=z> <video poster="p.jpg" src="v.mp4"></video>"#,
                r#"<A class=x HREF = "../practices/y/" title="a > b">y</A> <img src="../practices/x/a.png" alt=z> <video poster="../practices/x/p.jpg" src="../practices/x/v.mp4"></video>"#,
            ),
            (
                "practices/x/",
                "print/",
                r#"<img srcset="a.png 1x, b.png 2x,https://e.org/c.png 3x" src="a.png">"#,
                r#"<img srcset="../practices/x/a.png 1x, ../practices/x/b.png 2x,https://e.org/c.png 3x" src="../practices/x/a.png">"#,
            ),
            // References decoded, then written again.
            (
                "practices/x/",
                "print/",
                r#"<a href="a&amp;b.pdf">p</a> <a href="caf&#xe9;.pdf">c</a> <a href="x&quot;y.pdf">q</a>"#,
                r#"<a href="../practices/x/a&amp;b.pdf">p</a> <a href="../practices/x/café.pdf">c</a> <a href="../practices/x/x&quot;y.pdf">q</a>"#,
            ),
            // An unknown named reference: left as it is.
            (
                "practices/x/",
                "print/",
                r#"<a href="a&copy;.pdf">p</a>"#,
                r#"<a href="a&copy;.pdf">p</a>"#,
            ),
        ];
        for (from, to, html, expected) in cases {
            assert_eq!(
                rebase_urls(html, from, to),
                expected,
                "{html} from {from} to {to}"
            );
        }
    }

    #[test]
    fn text_code_comments_and_scripts_are_not_touched() {
        let html = concat!(
            "<p>Write <code>&lt;a href=\"../x/\"&gt;</code> or href=\"../x/\" in text.</p>\n",
            "<pre><code class=\"language-html\">&lt;img src=\"a.png\"&gt;\n",
            "&lt;a id=\"top\" href=\"#top\"&gt;</code></pre>\n",
            "<!-- <a href=\"../x/\"> -->\n",
            "<script>document.write('<a href=\"../x/\">')</script>\n",
            "<style>a[href=\"../x/\"] { color: red }</style>\n",
            "<p>1 < 2 and a<b</p>",
        );
        assert_eq!(rebase_urls(html, "practices/x/", "print/"), html);
        assert_eq!(prefix_ids(html, "x--"), html);
        let after = "<a href=\"../x/\">x</a>";
        assert_eq!(
            rebase_urls(&format!("{html}{after}"), "practices/x/", "print/"),
            format!("{html}<a href=\"../practices/x/\">x</a>")
        );
    }

    #[test]
    fn unfinished_tags_are_copied_as_they_are() {
        for html in [
            "<a href=\"../x/",
            "<a href='../x/",
            "<a href=",
            "<a href",
            "<a",
            "<",
            "<!-- <a href=\"../x/\">",
            "<script><a href=\"../x/\">",
        ] {
            assert_eq!(rebase_urls(html, "practices/x/", "print/"), html);
        }
        assert_eq!(
            rebase_urls("<a href=../x/", "practices/x/", "print/"),
            "<a href=\"../practices/x/\""
        );
    }

    #[test]
    fn any_text_goes_through_unchanged_or_rewritten_without_a_panic() {
        let sample = "<p id=\"概述\">é <a href=\"../x/\">中</a> <img src=a.png srcset='a.png 1x, b.png 2x'><a name=f1 href=#f1>&amp;&#xe9;&copy;</a><!-- c --><script>x</script></p>";
        let ends = (0..=sample.len()).filter(|&i| sample.is_char_boundary(i));
        for end in ends {
            let text = &sample[..end];
            let _ = rebase_urls(text, "practices/x/", "print/");
            let _ = absolute_urls(text, "practices/x/", "https://example.org/");
            let _ = prefix_ids(text, "x--");
        }
        // Made-up text of the characters that matter to the scanner.
        let alphabet: Vec<char> = "<>\"'=&#;/ ahrefsidcé中\nx!-".chars().collect();
        let mut seed: u64 = 1;
        for _ in 0..2000 {
            let text: String = (0..24)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            let _ = rebase_urls(&text, "practices/x/", "print/");
            let _ = absolute_urls(&text, "", "https://example.org/");
            let _ = prefix_ids(&text, "x--");
        }
    }

    #[test]
    fn feed_entries_get_absolute_urls() {
        let base = "https://example.org/casebook/";
        let html = r##"<a href="../../documents/n/">n</a> <a href="#f1">1</a> <img src="map.png"> <a href="https://e.org/">e</a> <a href="/casebook/x/">r</a>"##;
        assert_eq!(
            absolute_urls(html, "practices/x/", base),
            r##"<a href="https://example.org/casebook/documents/n/">n</a> <a href="https://example.org/casebook/practices/x/#f1">1</a> <img src="https://example.org/casebook/practices/x/map.png"> <a href="https://e.org/">e</a> <a href="/casebook/x/">r</a>"##
        );
        assert_eq!(
            absolute_urls(r#"<a href="./">home</a>"#, "", base),
            r#"<a href="https://example.org/casebook/">home</a>"#
        );
    }

    #[test]
    fn ids_and_in_page_links_get_the_prefix() {
        let html = concat!(
            "<h2 id=\"measures\">Measures<a class=\"anchor\" href=\"#measures\">#</a></h2>\n",
            "<p>See<sup id=\"a1\"><a href=\"#f1\">1</a></sup> and <a href=\"../y/#measures\">y</a>.</p>\n",
            "<a name=\"f1\"></a><a id='f2'></a><div ID=f3>x</div>\n",
            "<div class=\"footnote-definition\" id=\"1\"><sup class=\"footnote-definition-label\">1</sup></div>\n",
            "<p><code>&lt;a id=\"x\" href=\"#x\"&gt;</code> data-id=\"z\" id=\"w\"</p>",
        );
        let expected = concat!(
            "<h2 id=\"x--measures\">Measures<a class=\"anchor\" href=\"#x--measures\">#</a></h2>\n",
            "<p>See<sup id=\"x--a1\"><a href=\"#x--f1\">1</a></sup> and <a href=\"../y/#measures\">y</a>.</p>\n",
            "<a name=\"x--f1\"></a><a id=\"x--f2\"></a><div ID=\"x--f3\">x</div>\n",
            "<div class=\"footnote-definition\" id=\"x--1\"><sup class=\"footnote-definition-label\">1</sup></div>\n",
            "<p><code>&lt;a id=\"x\" href=\"#x\"&gt;</code> data-id=\"z\" id=\"w\"</p>",
        );
        assert_eq!(prefix_ids(html, "x--"), expected);
    }

    #[test]
    fn paths_resolve_as_browsers_resolve_them() {
        let target = |above, segments: &[&str]| Target {
            above,
            segments: segments.iter().map(|s| s.to_string()).collect(),
        };
        let cases = [
            (
                "practices/x/",
                "../../documents/n/",
                target(0, &["documents", "n", ""]),
            ),
            (
                "practices/x/",
                "map.png",
                target(0, &["practices", "x", "map.png"]),
            ),
            ("practices/x/", "./", target(0, &["practices", "x", ""])),
            ("practices/x/", ".", target(0, &["practices", "x", ""])),
            ("practices/x/", "..", target(0, &["practices", ""])),
            ("practices/x/", "../../..", target(1, &[""])),
            ("", "a/b.png", target(0, &["a", "b.png"])),
            ("", "./", target(0, &[""])),
            ("a/index.html", "b.png", target(0, &["a", "b.png"])),
        ];
        for (base, url, expected) in cases {
            assert_eq!(resolve(base, url).0, expected, "{url} against {base}");
        }
    }
}
