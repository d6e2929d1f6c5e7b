//! One `Diagnostic` type for everything that can be wrong with a casebook's inputs, and its human,
//! JSON and GitHub-annotation forms.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A problem found in a file, with its position (1-based line and column, counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Relative to the site root, with `/` separators.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, for the excerpt under the message: at most
    /// [`EXCERPT_CHARS`] characters of it from [`EXCERPT_BEFORE`] before the column, with `…`
    /// where it was cut.
    #[serde(skip)]
    pub source_line: Option<String>,
}

/// The most characters of a source line an excerpt shows.
pub const EXCERPT_CHARS: usize = 200;
/// How many characters before the column an excerpt starts, at most.
pub const EXCERPT_BEFORE: usize = 100;

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn info(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Info,
            ..Diagnostic::error(file, message)
        }
    }

    /// Places the diagnostic at `line:column` of `source` and keeps that line for the excerpt,
    /// unless it is not text (it holds a NUL, or bytes that were not UTF-8).
    pub fn at(mut self, source: &str, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column.max(1);
        self.source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .filter(|l| !l.contains(['\0', char::REPLACEMENT_CHARACTER]))
            .map(|l| excerpt(l.trim_end_matches('\r'), self.column));
        self
    }

    /// The column in `source_line` (1-based, in characters) that the caret points at.
    fn excerpt_column(&self) -> usize {
        if self.column.saturating_sub(1) > EXCERPT_BEFORE {
            EXCERPT_BEFORE + 2
        } else {
            self.column
        }
    }

    /// The diagnostic with its file, message and hint as [`visible`] text.
    fn shown(&self) -> Diagnostic {
        Diagnostic {
            file: visible(&self.file, &[]).into_owned(),
            message: visible(&self.message, &[]).into_owned(),
            hint: self.hint.as_deref().map(|h| visible(h, &[]).into_owned()),
            ..self.clone()
        }
    }

    /// Places the diagnostic at a byte offset of `source`.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, column) = line_column(source, offset);
        self.at(source, line, column)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (&str, usize, usize, Severity) {
        (&self.file, self.line, self.column, self.severity)
    }
}

/// At most [`EXCERPT_CHARS`] characters of `line` from [`EXCERPT_BEFORE`] before `column`, with
/// `…` where cut (so the caret's place follows from the column alone: see `excerpt_column`).
fn excerpt(line: &str, column: usize) -> String {
    let start = column.saturating_sub(1 + EXCERPT_BEFORE);
    let mut chars = line.chars().skip(start);
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    text.extend(chars.by_ref().take(EXCERPT_CHARS));
    if chars.next().is_some() {
        text.push('…');
    }
    text
}

/// The 1-based line and character column of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// `text` as it may be shown: each control character (C0, DEL, C1), line or paragraph separator
/// and bidirectional formatting character becomes an escape (`\n`, `\u{1b}`), except those in
/// `keep`. Text from a file then cannot start a line of its own (which CI would read as a
/// command, `::error …`), move the cursor, colour the terminal or reorder what it shows.
pub fn visible<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let escaped = |c: char| needs_escape(c) && !keep.contains(&c);
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// How many characters `c` takes once [`visible`].
fn shown_width(c: char) -> usize {
    if needs_escape(c) {
        let mut out = String::new();
        push_escape(&mut out, c);
        out.chars().count()
    } else {
        1
    }
}

/// Sorts diagnostics by file and position, the order in which they are reported.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders diagnostics for a terminal: `file:line:col: error: message`, the source line, a caret
/// and the hint.
pub fn to_human(diagnostics: &[Diagnostic], color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for d in diagnostics {
        let d = &d.shown();
        let place = if d.line > 0 {
            format!("{}:{}:{}", d.file, d.line, d.column)
        } else {
            d.file.clone()
        };
        let severity = match d.severity {
            Severity::Error => paint("1;31", "error"),
            Severity::Warning => paint("1;33", "warning"),
            Severity::Info => paint("1;36", "info"),
        };
        let _ = writeln!(out, "{}: {severity}: {}", paint("1", &place), d.message);
        if let Some(line) = &d.source_line {
            let gutter = d.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = line
                .chars()
                .take(d.excerpt_column().saturating_sub(1))
                .map(|c| match c {
                    '\t' => "\t".to_string(),
                    c => " ".repeat(shown_width(c)),
                })
                .collect();
            let line = visible(line, &['\t']);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{gutter} | {line}");
            let _ = writeln!(out, "{pad} | {caret_pad}{}", paint("1;31", "^"));
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = {}: {hint}", paint("1;36", "help"));
        }
    }
    out
}

pub fn to_json(diagnostics: &[Diagnostic]) -> String {
    let shown: Vec<Diagnostic> = diagnostics.iter().map(Diagnostic::shown).collect();
    serde_json::to_string_pretty(&shown).unwrap_or_else(|_| "[]".to_string())
}

/// GitHub Actions workflow commands, so that a pull request shows each error on its line.
pub fn to_github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        // Line breaks stay for the workflow command's own escapes, which GitHub shows as such.
        let keep = ['\n', '\r'];
        let mut message = visible(&d.message, &keep).into_owned();
        if let Some(hint) = &d.hint {
            message.push_str(" (help: ");
            message.push_str(&visible(hint, &keep));
            message.push(')');
        }
        let file = visible(&d.file, &keep);
        let _ = write!(out, "::{command} file={}", escape_property(&file));
        if d.line > 0 {
            let _ = write!(out, ",line={},col={}", d.line, d.column);
        }
        let _ = writeln!(out, "::{}", escape_data(&message));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `2 errors, 1 warning in 3 files`, or `no problems`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "no problems".to_string();
    }
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut files: Vec<&str> = diagnostics.iter().map(|d| d.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    let notes = match count(Severity::Info) {
        0 => String::new(),
        n => format!(", {}", plural(n, "note")),
    };
    format!(
        "{}, {}{notes} in {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(files.len(), "file")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let source = "a\n标题: x\n";
        assert_eq!(line_column(source, 0), (1, 1));
        assert_eq!(line_column(source, 2), (2, 1));
        // "标题" is six bytes; the colon is the third character.
        assert_eq!(line_column(source, 8), (2, 3));
    }

    #[test]
    fn human_form_shows_place_excerpt_caret_and_hint() {
        let d = Diagnostic::error("content/a.md", "\"grean\" is not an aspect")
            .at("---\naspect: grean\n---\n", 2, 9)
            .with_hint("the aspects are green, logistics");
        let text = to_human(&[d], false);
        assert_eq!(
            text,
            "content/a.md:2:9: error: \"grean\" is not an aspect\n  |\n2 | aspect: grean\n  |         ^\n  = help: the aspects are green, logistics\n"
        );
    }

    #[test]
    fn github_form_escapes_newlines_and_property_separators() {
        let d = Diagnostic::error("content/a,b.md", "bad\nvalue").at("x\ny\n", 2, 1);
        assert_eq!(
            to_github(&[d]),
            "::error file=content/a%2Cb.md,line=2,col=1::bad%0Avalue\n"
        );
    }

    #[test]
    fn text_from_files_cannot_start_a_line_or_reach_the_terminal() {
        let d = Diagnostic::warning(
            "content/a\n::error::x.md",
            "`a\n::error title=T::pwned` is not a field",
        )
        .at("---\n\u{1b}[2J\tx: 1\u{202e}\n", 2, 6)
        .with_hint("\r\u{9b}31m");
        let human = to_human(std::slice::from_ref(&d), false);
        assert_eq!(
            human,
            "content/a\\n::error::x.md:2:6: warning: `a\\n::error title=T::pwned` is not a field\n  |\n2 | \\u{1b}[2J\tx: 1\\u{202e}\n  |          \t^\n  = help: \\r\\u{9b}31m\n"
        );
        let github = to_github(std::slice::from_ref(&d));
        assert_eq!(github.lines().count(), 1, "{github}");
        assert!(github.starts_with("::warning file=content/a%0A%3A%3Aerror%3A%3Ax.md,line=2,col=6::`a%0A::error title=T::pwned`"), "{github}");
        assert!(github.contains("%0D\\u{9b}31m"), "{github}");
        let json = to_json(&[d]);
        assert!(!json.chars().any(needs_escape_in_json), "{json}");
        assert!(json.contains(r#""hint": "\\r\\u{9b}31m""#), "{json}");
    }

    fn needs_escape_in_json(c: char) -> bool {
        c != '\n' && needs_escape(c)
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("{}x{}", "a".repeat(1000), "b".repeat(1000));
        let d = Diagnostic::error("a.md", "m").at(&line, 1, 1001);
        let excerpt = d.source_line.as_deref().unwrap();
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 2);
        assert!(excerpt.starts_with("…a") && excerpt.ends_with("b…"));
        assert_eq!(excerpt.chars().nth(d.excerpt_column() - 1), Some('x'));
        let text = to_human(&[d], false);
        let (shown, caret) = (text.lines().nth(2).unwrap(), text.lines().nth(3).unwrap());
        let x = shown["1 | ".len()..]
            .chars()
            .position(|c| c == 'x')
            .unwrap();
        assert_eq!(caret.len() - "  | ".len(), x + 1);
        let start = Diagnostic::error("a.md", "m").at(&line, 1, 3);
        assert_eq!(start.excerpt_column(), 3);
        assert!(!start.source_line.as_deref().unwrap().starts_with('…'));
        let end = Diagnostic::error("a.md", "m").at(&line, 1, 2001);
        assert!(end.source_line.as_deref().unwrap().ends_with('b'));
        assert_eq!(
            end.source_line.as_deref().unwrap().chars().count(),
            EXCERPT_BEFORE + 2
        );
    }

    #[test]
    fn no_excerpt_of_a_line_that_is_not_text() {
        let d = Diagnostic::error("a.md", "x").at("a\0b\n", 1, 2);
        assert_eq!(d.source_line, None);
        let d = Diagnostic::error("a.md", "x").at("a\u{fffd}b\n", 1, 2);
        assert_eq!(d.source_line, None);
    }

    #[test]
    fn summary_counts_errors_warnings_and_files() {
        let ds = vec![
            Diagnostic::error("a", "x"),
            Diagnostic::error("b", "y"),
            Diagnostic::warning("b", "z"),
        ];
        assert_eq!(summary(&ds), "2 errors, 1 warning in 2 files");
    }
}
