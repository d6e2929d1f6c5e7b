//! The document model into Markdown as an editor would write it: ATX headings, paragraphs,
//! `**bold**`, `*italic*`, `~~struck~~` (HTML tags where Markdown's rules for emphasis next to
//! punctuation would not see them), links, nested lists, GitHub tables (HTML tables when cells
//! are merged), footnotes, images beside the page. Text is escaped so that it stays text.

use super::docx::{Block, Cell, Inline, Kind, Merge, Para, Style, Table, plain_text};
use std::collections::BTreeMap;

/// A page's body and the images it uses.
#[derive(Debug, Default)]
pub struct Body {
    pub markdown: String,
    /// (zip entry, file name beside the page), in order of first use.
    pub images: Vec<(String, String)>,
}

/// Writes `blocks` as Markdown; a heading of level `n` becomes level `n - shift` (at least 2:
/// level 1 is the page's title).
pub fn write(blocks: &[Block], notes: &BTreeMap<String, Vec<Block>>, shift: i32) -> Body {
    let mut w = Writer {
        shift,
        ..Writer::default()
    };
    for block in blocks {
        w.block(block);
    }
    // Notes referenced from notes are listed too, each once.
    let mut i = 0;
    let mut defs = String::new();
    while i < w.notes.len() {
        let id = w.notes[i].clone();
        i += 1;
        let Some(content) = notes.get(&id) else {
            continue;
        };
        let mut paragraphs = Vec::new();
        for block in content {
            match block {
                Block::Para(p) => paragraphs.push(w.inlines_md(&p.inlines)),
                Block::Table(t) => paragraphs.push(w.html_table(t)),
            }
        }
        defs.push_str(&format!("[^{i}]: "));
        defs.push_str(&paragraphs.join("\n\n").replace('\n', "\n    "));
        defs.push('\n');
    }
    let mut markdown = w.out.trim_end().to_string();
    markdown.push('\n');
    if !defs.is_empty() {
        markdown.push('\n');
        markdown.push_str(&defs);
    }
    Body {
        markdown,
        images: w.images,
    }
}

#[derive(Default)]
struct Writer {
    out: String,
    shift: i32,
    images: Vec<(String, String)>,
    /// Note ids in order of first reference: `[^1]` is `notes[0]`.
    notes: Vec<String>,
    /// The open lists: ordered or not, and the number of the last item, per level.
    lists: Vec<(bool, usize)>,
}

impl Writer {
    fn block(&mut self, block: &Block) {
        match block {
            Block::Para(p) => self.para(p),
            Block::Table(t) => {
                self.lists.clear();
                let table = if is_simple(t) {
                    self.gfm_table(t)
                } else {
                    self.html_table(t)
                };
                self.separate();
                self.out.push_str(&table);
                self.out.push('\n');
            }
        }
    }

    /// A blank line before a new block (none between the items of a list).
    fn separate(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn para(&mut self, p: &Para) {
        let text = self.inlines_md(&p.inlines);
        if text.trim().is_empty() {
            return;
        }
        match p.kind {
            Kind::Heading(level) => {
                self.lists.clear();
                let level = (i32::from(level) - self.shift).clamp(2, 6) as usize;
                let text = text.replace("\\\n", " ");
                self.separate();
                self.out
                    .push_str(&format!("{} {}\n", "#".repeat(level), text.trim()));
            }
            Kind::Item { ordered, level } => {
                // A list after a paragraph or another kind of list is a new list.
                if self.lists.is_empty() || (level == 0 && self.lists[0].0 != ordered) {
                    self.separate();
                }
                self.lists.truncate(level + 1);
                while self.lists.len() < level + 1 {
                    self.lists.push((ordered, 0));
                }
                if self.lists[level].0 != ordered {
                    self.lists[level] = (ordered, 0);
                }
                self.lists[level].1 += 1;
                let indent: usize = self.lists[..level]
                    .iter()
                    .map(|(o, n)| marker(*o, *n).len())
                    .sum();
                let marker = marker(ordered, self.lists[level].1);
                let pad = " ".repeat(indent);
                let continuation = " ".repeat(indent + marker.len());
                self.out.push_str(&pad);
                self.out.push_str(&marker);
                self.out.push_str(&lines(&text, &continuation));
                self.out.push('\n');
            }
            Kind::Normal | Kind::Title => {
                self.lists.clear();
                self.separate();
                self.out.push_str(&lines(&text, ""));
                self.out.push('\n');
            }
        }
    }

    fn image(&mut self, entry: &str) -> String {
        if let Some((_, name)) = self.images.iter().find(|(e, _)| e == entry) {
            return name.clone();
        }
        let name = format!("image{}.{}", self.images.len() + 1, image_extension(entry));
        self.images.push((entry.to_string(), name.clone()));
        name
    }

    fn note(&mut self, id: &str) -> usize {
        match self.notes.iter().position(|n| n == id) {
            Some(i) => i + 1,
            None => {
                self.notes.push(id.to_string());
                self.notes.len()
            }
        }
    }

    /// Inlines as Markdown on one logical line; hard breaks are `\` and a new line.
    fn inlines_md(&mut self, inlines: &[Inline]) -> String {
        let mut out = String::new();
        let mut hidden = Vec::new();
        for (i, inline) in inlines.iter().enumerate() {
            match inline {
                Inline::Text(text, style) => {
                    let next = inlines.get(i + 1).map(first_char).unwrap_or(None);
                    push_styled(&mut out, text, *style, next);
                }
                Inline::Break => out.push_str("\\\n"),
                Inline::Link(url, content) => {
                    let text = self.inlines_md(content).replace("\\\n", " ");
                    out.push_str(&format!("[{}]({})", text.trim(), link_url(url)));
                }
                Inline::Image { entry, alt } => {
                    let name = self.image(entry);
                    out.push_str(&format!("![{}]({name})", escape(alt)));
                }
                Inline::Note(id) => {
                    let n = self.note(id);
                    out.push_str(&format!("[^{n}]"));
                }
                Inline::Gap(missing) => match missing.placeholder() {
                    Some(shown) => out.push_str(&format!(
                        "\\[{shown}\\]<!-- casebook import: {} -->",
                        missing.marker()
                    )),
                    None => {
                        if !hidden.contains(missing) {
                            hidden.push(*missing);
                        }
                    }
                },
            }
        }
        // Markers that show nothing go at the end: at the start of a line an HTML comment
        // would swallow the line.
        let mut out = out.trim_matches([' ', '\t']).to_string();
        for missing in hidden {
            out.push_str(&format!(
                "{}<!-- casebook import: {} -->",
                if out.is_empty() { "" } else { " " },
                missing.marker()
            ));
        }
        out
    }

    fn gfm_table(&mut self, t: &Table) -> String {
        let columns = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = String::new();
        for (r, row) in t.rows.iter().enumerate() {
            let mut cells: Vec<String> = row
                .iter()
                .map(|cell| {
                    let text = match cell.blocks.first() {
                        Some(Block::Para(p)) => self.inlines_md(&p.inlines),
                        _ => String::new(),
                    };
                    text.replace("\\\n", "<br>")
                })
                .collect();
            cells.resize(columns, String::new());
            out.push_str("| ");
            out.push_str(&cells.join(" | "));
            out.push_str(" |\n");
            if r == 0 {
                out.push('|');
                out.push_str(&" --- |".repeat(columns));
                out.push('\n');
            }
        }
        out.trim_end().to_string()
    }

    /// A table with merged cells, or with lists, several paragraphs or tables in a cell.
    fn html_table(&mut self, t: &Table) -> String {
        // Each cell's first grid column, to find the cells a vertical merge continues.
        let grid: Vec<Vec<(usize, &Cell)>> = t
            .rows
            .iter()
            .map(|row| {
                let mut column = 0;
                row.iter()
                    .map(|cell| {
                        let at = column;
                        column += cell.span;
                        (at, cell)
                    })
                    .collect()
            })
            .collect();
        let mut out = String::from("<table>\n");
        for (r, row) in grid.iter().enumerate() {
            out.push_str("<tr>");
            let tag = if r == 0 { "th" } else { "td" };
            for (column, cell) in row {
                if cell.merge == Merge::Continue {
                    continue;
                }
                let mut rows = 1;
                if cell.merge == Merge::Restart {
                    for below in &grid[r + 1..] {
                        match below.iter().find(|(c, _)| c == column) {
                            Some((_, b)) if b.merge == Merge::Continue => rows += 1,
                            _ => break,
                        }
                    }
                }
                out.push('<');
                out.push_str(tag);
                if cell.span > 1 {
                    out.push_str(&format!(" colspan=\"{}\"", cell.span));
                }
                if rows > 1 {
                    out.push_str(&format!(" rowspan=\"{rows}\""));
                }
                out.push('>');
                let parts: Vec<String> = cell
                    .blocks
                    .iter()
                    .map(|b| match b {
                        Block::Para(p) => self.inlines_html(&p.inlines),
                        Block::Table(t) => self.html_table(t),
                    })
                    .collect();
                out.push_str(&parts.join("<br>"));
                out.push_str(&format!("</{tag}>"));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>");
        out
    }

    fn inlines_html(&mut self, inlines: &[Inline]) -> String {
        let mut out = String::new();
        for inline in inlines {
            match inline {
                Inline::Text(text, style) => {
                    let (open, close) = html_tags(*style);
                    out.push_str(&open);
                    out.push_str(&html_escape(text));
                    out.push_str(&close);
                }
                Inline::Break => out.push_str("<br>"),
                Inline::Link(url, content) => {
                    let inner = self.inlines_html(content);
                    out.push_str(&format!("<a href=\"{}\">{inner}</a>", html_escape(url)));
                }
                Inline::Image { entry, alt } => {
                    let name = self.image(entry);
                    out.push_str(&format!(
                        "<img src=\"{name}\" alt=\"{}\">",
                        html_escape(alt)
                    ));
                }
                Inline::Note(id) => {
                    let n = self.note(id);
                    out.push_str(&format!("<sup>[{n}]</sup>"));
                }
                Inline::Gap(missing) => {
                    if let Some(shown) = missing.placeholder() {
                        out.push_str(&format!("[{shown}]"));
                    }
                    out.push_str(&format!("<!-- casebook import: {} -->", missing.marker()));
                }
            }
        }
        out.trim_matches([' ', '\t']).to_string()
    }
}

fn marker(ordered: bool, n: usize) -> String {
    if ordered {
        format!("{n}. ")
    } else {
        "- ".to_string()
    }
}

/// A GitHub table needs one paragraph per cell and no merged cells.
fn is_simple(t: &Table) -> bool {
    t.rows.iter().flatten().all(|cell| {
        cell.span == 1
            && cell.merge == Merge::None
            && cell.blocks.len() <= 1
            && cell
                .blocks
                .iter()
                .all(|b| matches!(b, Block::Para(p) if !matches!(p.kind, Kind::Item { .. })))
    })
}

/// The lines of a paragraph: each kept from starting a list, heading or quote, the lines after
/// the first indented by `continuation`.
fn lines(text: &str, continuation: &str) -> String {
    text.split('\n')
        .map(|line| guard_line_start(line.trim_start_matches([' ', '\t']).trim_end_matches(' ')))
        .collect::<Vec<_>>()
        .join(&format!("\n{continuation}"))
}

/// Escapes what would make a line something else than text: `- `, `+ `, `= `, `1. `, `1) `.
fn guard_line_start(line: &str) -> String {
    if line.starts_with(['-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && line[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line.to_string()
}

/// Backslash-escapes the ASCII punctuation Markdown gives a meaning to. Everything else (the
/// full-width punctuation and spaces of Chinese text included) is kept as it is.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '{' | '}'
            | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_tags(style: Style) -> (String, String) {
    let mut open = String::new();
    let mut close = String::new();
    for (on, tag) in [
        (style.strike, "del"),
        (style.bold, "strong"),
        (style.italic, "em"),
    ] {
        if on {
            open.push_str(&format!("<{tag}>"));
            close.insert_str(0, &format!("</{tag}>"));
        }
    }
    (open, close)
}

fn first_char(inline: &Inline) -> Option<char> {
    match inline {
        Inline::Text(t, _) => t.chars().next(),
        Inline::Break => Some(' '),
        Inline::Link(..) | Inline::Note(_) => Some('['),
        Inline::Image { .. } => Some('!'),
        Inline::Gap(_) => Some('<'),
    }
}

fn is_punct(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// Appends a styled text. Markdown's delimiters are used where CommonMark's flanking rules
/// make them emphasis (`**重点**`); next to punctuation inside a word (`文字**“重点”**文字`)
/// they would show as asterisks, so the HTML tags are used there.
fn push_styled(out: &mut String, text: &str, style: Style, next: Option<char>) {
    if style == Style::default() {
        out.push_str(&escape(text));
        return;
    }
    let core = text.trim_matches(|c: char| c.is_whitespace());
    if core.is_empty() {
        out.push_str(&escape(text));
        return;
    }
    let start = text.len() - text.trim_start_matches(|c: char| c.is_whitespace()).len();
    let leading = &text[..start];
    let trailing = &text[start + core.len()..];
    out.push_str(leading);
    let escaped = escape(core);
    let prev = out.chars().last();
    let next = if trailing.is_empty() {
        next
    } else {
        trailing.chars().next()
    };
    let delimiter = |c: Option<char>| matches!(c, Some('*' | '_' | '~'));
    let first = escaped.chars().next();
    let last = escaped.chars().last();
    let opens = !delimiter(prev)
        && (first.is_some_and(char::is_alphanumeric)
            || prev.is_none_or(|p| p.is_whitespace() || is_punct(p)));
    let closes = !delimiter(next)
        && (last.is_some_and(char::is_alphanumeric)
            || next.is_none_or(|n| n.is_whitespace() || is_punct(n)));
    if opens && closes {
        let mut open = String::new();
        if style.strike {
            open.push_str("~~");
        }
        match (style.bold, style.italic) {
            (true, true) => open.push_str("***"),
            (true, false) => open.push_str("**"),
            (false, true) => open.push('*'),
            _ => {}
        }
        let close: String = open.chars().rev().collect();
        out.push_str(&open);
        out.push_str(&escaped);
        out.push_str(&close);
    } else {
        let (open, close) = html_tags(style);
        out.push_str(&open);
        out.push_str(&escaped);
        out.push_str(&close);
    }
    out.push_str(trailing);
}

fn link_url(url: &str) -> String {
    let mut out = String::new();
    for c in url.trim().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '\\' => out.push_str("%5C"),
            c => out.push(c),
        }
    }
    out
}

/// The extension of an image file from its entry's name, if it is one browsers or editors know.
fn image_extension(entry: &str) -> String {
    let ext = entry
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "bmp" | "webp" | "svg" | "tif" | "tiff" | "emf"
        | "wmf" => ext,
        _ => "bin".to_string(),
    }
}

/// The first paragraph of a page as a summary: the whole paragraph if short, else its first
/// sentences up to about 200 characters.
pub fn summary(blocks: &[Block]) -> Option<String> {
    let text = blocks.iter().find_map(|b| match b {
        Block::Para(p) if p.kind == Kind::Normal => {
            let t = crate::slug::clean_text(&plain_text(&p.inlines));
            (!t.is_empty()).then_some(t)
        }
        _ => None,
    })?;
    const LIMIT: usize = 200;
    if text.chars().count() <= LIMIT {
        return Some(text);
    }
    let mut out = String::new();
    let mut sentence = String::new();
    for c in text.chars() {
        sentence.push(c);
        if matches!(c, '。' | '！' | '？' | '.' | '!' | '?' | '；') {
            if (out.chars().count() + sentence.chars().count()) > LIMIT {
                break;
            }
            out.push_str(&sentence);
            sentence.clear();
        }
    }
    if out.is_empty() {
        out = text.chars().take(LIMIT).collect();
        out.push('…');
    }
    Some(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, bold: bool) -> Inline {
        Inline::Text(
            t.into(),
            Style {
                bold,
                ..Style::default()
            },
        )
    }

    fn para(kind: Kind, inlines: Vec<Inline>) -> Block {
        Block::Para(Para {
            number: 1,
            kind,
            inlines,
        })
    }

    #[test]
    fn emphasis_next_to_chinese_punctuation_stays_emphasis() {
        let body = write(
            &[para(
                Kind::Normal,
                vec![
                    text("开展", false),
                    text("“标准化+”", true),
                    text("行动。", false),
                ],
            )],
            &BTreeMap::new(),
            0,
        );
        assert_eq!(body.markdown, "开展<strong>“标准化+”</strong>行动。\n");
        let body = write(
            &[para(
                Kind::Normal,
                vec![
                    text("开展", false),
                    text("标准化", true),
                    text("行动。", false),
                ],
            )],
            &BTreeMap::new(),
            0,
        );
        assert_eq!(body.markdown, "开展**标准化**行动。\n");
    }

    #[test]
    fn text_is_escaped_and_full_width_text_kept() {
        assert_eq!(escape("a*b_c [x] <y> #1"), "a\\*b\\_c \\[x\\] \\<y\\> \\#1");
        assert_eq!(escape("　　一、（试点）：“好”"), "　　一、（试点）：“好”");
        assert_eq!(guard_line_start("1. 不是列表"), "1\\. 不是列表");
        assert_eq!(guard_line_start("- x"), "\\- x");
    }

    #[test]
    fn nested_lists_are_indented_under_their_markers() {
        let item =
            |ordered, level, t: &str| para(Kind::Item { ordered, level }, vec![text(t, false)]);
        let body = write(
            &[
                item(true, 0, "一"),
                item(false, 1, "a"),
                item(false, 1, "b"),
                item(true, 0, "二"),
            ],
            &BTreeMap::new(),
            0,
        );
        assert_eq!(body.markdown, "1. 一\n   - a\n   - b\n2. 二\n");
    }
}
