//! Splitting a Markdown file into YAML front matter and body, and parsing the front matter with
//! positions that count from the top of the Markdown file.

use crate::config::{clean_yaml_message, yaml_key};
use crate::diagnostics::Diagnostic;
use std::collections::BTreeMap;

/// The parts of a Markdown file. Offsets are bytes into the file's normalized text.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the first front matter line (the one after the opening `---`).
    pub yaml_first_line: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Where a front matter field's value stands, for diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Positions {
    /// Top-level key -> (line, column) of its value (of the key when the value is on later lines).
    pub fields: BTreeMap<String, (usize, usize)>,
    /// Top-level key -> the lines that follow it, up to the next key (for finding list items).
    pub spans: BTreeMap<String, (usize, usize)>,
}

impl Positions {
    pub fn of(&self, key: &str) -> Option<(usize, usize)> {
        self.fields.get(key).copied()
    }

    /// The position of `needle` written under `key` (a list item), else of the key's value.
    pub fn of_item(&self, text: &str, key: &str, needle: &str) -> Option<(usize, usize)> {
        let (first, last) = *self.spans.get(key)?;
        for (index, line) in text.lines().enumerate().take(last).skip(first - 1) {
            if let Some(byte) = line.find(needle) {
                return Some((index + 1, line[..byte].chars().count() + 1));
            }
        }
        self.of(key)
    }
}

/// Separates front matter from body. The text must already have its BOM removed and its line
/// endings normalized to `\n`.
pub fn split<'a>(text: &'a str, file: &str) -> Result<Split<'a>, Diagnostic> {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.trim_end() != "---" {
        let message = if text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file does not start with front matter"
        };
        return Err(Diagnostic::error(file, message).at(text, 1, 1).with_hint(
            "start the file with a line `---`, the fields (`title: …`), and another line `---`; a file that is no page (a README, a partial) is left out by listing it under `ignore:` in site.yaml",
        ));
    }
    let yaml_start = first_line.len() + 1;
    let mut offset = yaml_start.min(text.len());
    for line in text[offset..].split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare == "..." {
            let yaml = &text[yaml_start..offset];
            let body_offset = offset + line.len();
            return Ok(Split {
                yaml,
                yaml_first_line: 2,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(file, "the front matter is never closed")
        .at(text, 1, 1)
        .with_hint("add a line `---` after the last field, before the text of the page"))
}

/// The largest front matter read: fields, not the page's text.
pub const MAX_FRONT_MATTER: usize = 1 << 20;
/// How deeply brackets (`[`, `{`) may nest in YAML. The YAML parser's time grows with the square
/// of the depth: 100,000 brackets took it 37 s.
pub const MAX_NESTING: usize = 64;

/// Parses front matter YAML into a mapping, placing errors in the Markdown file.
pub fn parse(
    split: &Split<'_>,
    text: &str,
    file: &str,
) -> Result<(serde_yaml::Mapping, Positions), Diagnostic> {
    let line_offset = split.yaml_first_line - 1;
    if split.yaml.len() > MAX_FRONT_MATTER {
        return Err(Diagnostic::error(
            file,
            format!(
                "the front matter is {} KB, more than the {} KB it may hold",
                split.yaml.len() / 1024,
                MAX_FRONT_MATTER / 1024
            ),
        )
        .at(text, 1, 1)
        .with_hint("keep the fields short: the page's text goes below the closing `---`"));
    }
    if let Some((line, column)) = too_deep(split.yaml, MAX_NESTING) {
        return Err(Diagnostic::error(
            file,
            format!("the front matter nests brackets more than {MAX_NESTING} levels deep"),
        )
        .at(text, line + line_offset, column)
        .with_hint("a field holds text, a list or a set of fields a few levels deep at most"));
    }
    if let Some((line, column)) = find_tab_indent(split.yaml) {
        return Err(Diagnostic::error(file, "a tab is used for indentation")
            .at(text, line + line_offset, column)
            .with_hint("YAML indents with spaces only: replace the tab with spaces"));
    }
    let value: serde_yaml::Value = serde_yaml::from_str(split.yaml)
        .map_err(|e| yaml_error(&e, split.yaml, line_offset, text, file))?;
    let mapping = match value {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null => serde_yaml::Mapping::new(),
        _ => {
            return Err(
                Diagnostic::error(file, "the front matter is not a list of fields")
                    .at(text, split.yaml_first_line, 1)
                    .with_hint("write one field per line, as `name: value`"),
            );
        }
    };
    for key in mapping.keys() {
        if !matches!(key, serde_yaml::Value::String(_)) {
            let name = yaml_key(key);
            let (line, column) = positions(split.yaml)
                .of(&name)
                .map_or((split.yaml_first_line, 1), |(l, _)| (l + line_offset, 1));
            return Err(
                Diagnostic::error(file, format!("field name {name} is not text"))
                    .at(text, line, column),
            );
        }
    }
    let mut found = positions(split.yaml);
    for pos in found.fields.values_mut() {
        pos.0 += line_offset;
    }
    for span in found.spans.values_mut() {
        span.0 += line_offset;
        span.1 += line_offset;
    }
    Ok((mapping, found))
}

/// A YAML error as an editor needs it: at the place to fix, in words about front matter.
fn yaml_error(
    error: &serde_yaml::Error,
    yaml: &str,
    line_offset: usize,
    text: &str,
    file: &str,
) -> Diagnostic {
    let message = clean_yaml_message(error);
    let reported = error.location().map_or((1, 1), |l| (l.line(), l.column()));
    // libyaml reports an unclosed quote at the end of the document, and a duplicate key at the
    // start of its mapping: point at the quote and at the second key instead.
    if let Some((line, column)) = unclosed_quote(yaml) {
        return Diagnostic::error(file, "this quote is never closed")
            .at(text, line + line_offset, column)
            .with_hint("end the value with the same quote mark, on the same line");
    }
    if let Some(key) = message
        .strip_prefix("duplicate entry with key ")
        .map(|k| k.trim_matches('"').to_string())
    {
        let second = yaml
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                l.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
            .nth(1)
            .map_or(reported, |(i, _)| (i + 1, 1));
        return Diagnostic::error(file, format!("the field `{key}` appears twice"))
            .at(text, second.0 + line_offset, second.1)
            .with_hint("each field may appear once: remove or rename one of them");
    }
    let line_text = yaml.lines().nth(reported.0.saturating_sub(1)).unwrap_or("");
    let hint = if line_text.starts_with(' ') && !line_text.trim_start().starts_with('-') {
        Some(
            "this line is indented: fields start at the beginning of the line, only list items and nested fields are indented",
        )
    } else if message.contains("mapping values are not allowed") {
        Some("a value containing `: ` must be quoted: title: \"A: B\"")
    } else if message.contains("did not find expected") {
        Some(
            "check the indentation and the brackets: list items under a field are indented by the same number of spaces",
        )
    } else {
        None
    };
    let d = Diagnostic::error(file, format!("invalid front matter: {message}")).at(
        text,
        reported.0 + line_offset,
        reported.1,
    );
    match hint {
        Some(hint) => d.with_hint(hint),
        None => d,
    }
}

/// Where brackets (`[`, `{`) outside quoted text and comments first nest deeper than `limit`, as
/// a 1-based line and character column. Linear, and cautious: a bracket in unquoted text counts
/// too, and a quote only opens quoted text where a value can begin.
pub fn too_deep(yaml: &str, limit: usize) -> Option<(usize, usize)> {
    let (mut line, mut column) = (1, 0);
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    // On this line: the last character that is not a space outside quotes, and the last one.
    let mut previous: Option<char> = None;
    let mut last: Option<char> = None;
    for c in yaml.chars() {
        column += 1;
        if c == '\n' {
            (line, column, comment, previous, last) = (line + 1, 0, false, None, None);
            continue;
        }
        let before = last.replace(c);
        if comment {
            continue;
        }
        if let Some(open) = quote {
            if open == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == open && !escaped {
                quote = None;
                previous = Some(c);
            }
            escaped = false;
            continue;
        }
        match c {
            '"' | '\'' if previous.is_none_or(|p| ":-[{,?".contains(p)) => quote = Some(c),
            '#' if before.is_none_or(char::is_whitespace) => comment = true,
            '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some((line, column));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() {
            previous = Some(c);
        }
    }
    None
}

/// The 1-based line and column of a tab used as indentation in YAML.
fn find_tab_indent(yaml: &str) -> Option<(usize, usize)> {
    yaml.lines().enumerate().find_map(|(i, line)| {
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        indent
            .find('\t')
            .filter(|_| !line.trim().is_empty())
            .map(|col| (i + 1, col + 1))
    })
}

/// Where a quote opens that no later quote closes: libyaml reports the end of the document for
/// it, which is useless to an editor.
fn unclosed_quote(yaml: &str) -> Option<(usize, usize)> {
    for (index, line) in yaml.lines().enumerate() {
        let Some(colon) = line.find(": ").or_else(|| line.find("- ")) else {
            continue;
        };
        let value = line[colon + 2..].trim_start();
        let value_start = line.len() - value.len();
        for quote in ['"', '\''] {
            if value.starts_with(quote) {
                let rest = &value[1..];
                let closed = if quote == '"' {
                    let mut escaped = false;
                    rest.chars().any(|c| {
                        let end = c == '"' && !escaped;
                        escaped = c == '\\' && !escaped;
                        end
                    })
                } else {
                    rest.contains('\'')
                };
                if !closed {
                    return Some((index + 1, line[..value_start].chars().count() + 1));
                }
            }
        }
    }
    None
}

/// Finds the position of each top-level key's value in front matter text (lines counted from the
/// first YAML line).
pub fn positions(yaml: &str) -> Positions {
    let mut found = Positions::default();
    let lines: Vec<&str> = yaml.lines().collect();
    let mut current: Option<(String, usize)> = None;
    for (index, line) in lines.iter().enumerate() {
        let starts_key = !line.starts_with([' ', '\t', '-', '#']) && !line.trim().is_empty();
        if !starts_key {
            continue;
        }
        let Some(colon) = key_colon(line) else {
            continue;
        };
        let key = line[..colon].trim().trim_matches(['"', '\'']).to_string();
        let after = &line[colon + 1..];
        let value = after.trim_start();
        let column = if value.is_empty() || value.starts_with('#') {
            1
        } else {
            line[..colon + 1 + (after.len() - value.len())]
                .chars()
                .count()
                + 1
        };
        if let Some((previous, first)) = current.take() {
            found.spans.insert(previous, (first, index));
        }
        found
            .fields
            .entry(key.clone())
            .or_insert((index + 1, column));
        current = Some((key, index + 1));
    }
    if let Some((previous, first)) = current {
        found.spans.insert(previous, (first, lines.len()));
    }
    found
}

/// Where the colon that ends a mapping key stands in `line`: the first one followed by a space or
/// the end of the line, outside a quoted key (`cSpell:ignore: …`, `"a: b": …`).
fn key_colon(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    if let Some(quote @ (b'"' | b'\'')) = bytes.first() {
        from = 1 + line[1..].find(*quote as char)? + 1;
    }
    (from..bytes.len())
        .find(|&i| bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| matches!(b, b' ' | b'\t')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_may_hold_colons() {
        let found = positions("title: A\ncSpell:ignore: [xx]\n\"a: b\": c\nurl: https://x.org\n");
        assert_eq!(found.of("cSpell:ignore"), Some((2, 16)));
        assert_eq!(found.of("a: b"), Some((3, 9)));
        assert_eq!(found.of("url"), Some((4, 6)));
    }

    #[test]
    fn splits_front_matter_and_body() {
        let text = "---\ntitle: A\n---\n# Body\n";
        let split = split(text, "a.md").unwrap();
        assert_eq!(split.yaml, "title: A\n");
        assert_eq!(split.body, "# Body\n");
        assert_eq!(split.body_offset, 17);
    }

    #[test]
    fn a_file_that_is_only_front_matter_has_an_empty_body() {
        let split = split("---\ntitle: A\n---", "a.md").unwrap();
        assert_eq!(split.body, "");
    }

    #[test]
    fn unclosed_front_matter_points_at_the_opening_line() {
        let error = split("---\ntitle: A\n# Body\n", "a.md").unwrap_err();
        assert_eq!(error.message, "the front matter is never closed");
        assert_eq!((error.line, error.column), (1, 1));
    }

    #[test]
    fn yaml_errors_count_lines_from_the_top_of_the_file() {
        let text = "---\ntitle: A\ndate: 2023-01-01\n  bad: indent\n---\n";
        let s = split(text, "a.md").unwrap();
        let error = parse(&s, text, "a.md").unwrap_err();
        assert_eq!(error.line, 4, "{error:?}");
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let text = "---\ntitle: \"A\nregion: B\ndate: 2023-01-01\n---\n";
        let s = split(text, "a.md").unwrap();
        let error = parse(&s, text, "a.md").unwrap_err();
        assert_eq!((error.line, error.column), (2, 8), "{error:?}");
        assert_eq!(error.message, "this quote is never closed");
    }

    #[test]
    fn a_duplicate_key_is_reported_at_its_second_occurrence() {
        let text = "---\ntitle: A\ndate: 2023-01-01\ntitle: B\n---\n";
        let s = split(text, "a.md").unwrap();
        let error = parse(&s, text, "a.md").unwrap_err();
        assert_eq!(
            (error.line, error.column, error.message.as_str()),
            (4, 1, "the field `title` appears twice")
        );
    }

    #[test]
    fn nesting_is_measured_outside_quotes_and_comments() {
        assert_eq!(too_deep("a: [[[x]]]\n", 3), None);
        assert_eq!(too_deep("a: [[[[x]]]]\n", 3), Some((1, 7)));
        assert_eq!(
            too_deep("a: {b: [{c: 1}]}\nd: [[[[x]]]]\n", 3),
            Some((2, 7))
        );
        assert_eq!(too_deep("a: \"[[[[[\"\nb: '{{{{{'\n# [[[[[\n", 3), None);
        assert_eq!(too_deep("a: \"\\\"[[[[[\"\n", 3), None);
        // A quote inside unquoted text opens nothing: the brackets after it count.
        assert_eq!(too_deep("a: it's [[[[x\n", 3), Some((1, 12)));
        assert_eq!(too_deep("a: x#[[[[\n", 3), Some((1, 9)));
        let deep = format!("a: {}\n", "[".repeat(200_000));
        assert_eq!(too_deep(&deep, MAX_NESTING), Some((1, 4 + MAX_NESTING)));
    }

    #[test]
    fn value_positions_are_in_characters() {
        let p = positions("标题: x\ntags:\n  - a\n  - b\nregion: 江苏\n");
        assert_eq!(p.of("标题"), Some((1, 5)));
        assert_eq!(p.of("tags"), Some((2, 1)));
        assert_eq!(p.spans["tags"], (2, 4));
        assert_eq!(p.of("region"), Some((5, 9)));
    }
}
