//! Markdown to HTML with pulldown-cmark: heading ids and self-links, a table of contents, internal
//! links resolved to URLs, and the plain text (for summaries and search).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::Range;

/// A heading in the table of contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// A link to another Markdown file (or to a heading of this one), kept for the anchor check.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalLink {
    /// The target's path under `content/`; empty for a link within the page.
    pub target: String,
    pub fragment: Option<String>,
    /// Byte offset of the link in the body.
    pub offset: usize,
}

/// A link to a Markdown file that does not exist.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenLink {
    pub destination: String,
    /// What the destination resolved to under `content/` (as written when it leads out of it).
    pub resolved: String,
    /// The destination climbs out of `content/`, where nothing is published from.
    pub outside_content: bool,
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every id a link to `page.md#id` may land on: the headings', the footnotes' and those
    /// written in raw HTML (`<a id="f1"></a>`).
    pub anchors: BTreeSet<String>,
    /// Ids written twice on the page (explicit heading ids, raw HTML, footnotes), each with the
    /// byte offset of its second writing in the body.
    pub repeated_ids: Vec<(String, usize)>,
    pub links: Vec<InternalLink>,
    pub broken_links: Vec<BrokenLink>,
    /// Links to other sites (`http://`, `https://`), with their byte offsets in the body.
    pub external_links: Vec<(String, usize)>,
    /// What the author should know about the body, each at its byte offset.
    pub warnings: Vec<MarkdownWarning>,
    /// The text without markup, blocks separated by newlines.
    pub text: String,
    /// The first words of the text: the page's summary when it has no `summary` field (set by
    /// the caller, which knows how long a summary is).
    pub excerpt: String,
    /// A hash of everything the HTML follows from: the body, the page's folder and URL, and
    /// where every page it may link to lives (set by the caller, which knows the site).
    pub key: u64,
}

/// Something in a body that builds but is likely not what its author meant.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownWarning {
    pub message: String,
    pub hint: &'static str,
    /// Byte offset in the body.
    pub offset: usize,
}

/// What rendering needs to know about the page and the site.
pub struct LinkContext<'a> {
    /// The folder of the page under `content/` (`practices`).
    pub dir: &'a str,
    /// The way back from the page's URL to the site root (`../../`).
    pub root: &'a str,
    /// Finds the URL path of the page at a path under `content/`.
    pub resolve: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Finds the published path of the asset at a path under `content/`, with its dimensions
    /// when it is an image.
    pub asset: &'a (dyn Fn(&str) -> Option<PublishedAsset> + Sync),
}

/// An image's width and height in pixels.
pub type Dimensions = (u32, u32);

/// Where an asset is published (from the site root), and its dimensions when it is an image.
pub type PublishedAsset = (String, Option<Dimensions>);

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Renders a page body.
pub fn render_markdown(body: &str, context: &LinkContext<'_>) -> Rendered {
    let mut rendered = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading: Option<HeadingBuilder<'_>> = None;
    // Each heading with the indices in `events` of its opening and closing tags, written once
    // every id written by hand on the page is known.
    let mut headings: Vec<(HeadingBuilder<'_>, usize, usize)> = Vec::new();
    let mut written_ids = WrittenIds::default();
    let mut comments = Comments::default();
    // The dimensions of each image, in the order the images come.
    let mut image_sizes: Vec<Option<(u32, u32)>> = Vec::new();
    let shortcodes = find_shortcodes(body);
    for shortcode in &shortcodes {
        if let Some(name) = &shortcode.opens {
            rendered.warnings.push(MarkdownWarning {
                message: format!("Hugo shortcode `{name}` is not supported"),
                hint: "write its content as Markdown; the shortcode itself is left out of the page, its feed and search",
                offset: shortcode.range.start,
            });
        }
    }

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let event = match without_shortcodes(event, &range, body, &shortcodes) {
            Some(event) => event,
            None => continue,
        };
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (dest_url, _) = resolve_link(&dest_url, range.start, context, &mut rendered);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (dest_url, size) = resolve_link(&dest_url, range.start, context, &mut rendered);
                image_sizes.push(size);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            other => other,
        };
        match &event {
            Event::Text(t) | Event::Code(t) => {
                rendered.text.push_str(t);
                if let Some(h) = heading.as_mut() {
                    h.text.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => rendered.text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock,
            ) => rendered.text.push('\n'),
            _ => {}
        }
        written_ids.observe(&event, &range, body);
        if let Event::Html(html) = &event {
            comments.observe(
                html,
                range.start,
                body.get(range.clone()) == Some(html.as_ref()),
            );
        }
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                heading = Some(HeadingBuilder {
                    level,
                    id,
                    classes,
                    attrs,
                    inner: Vec::new(),
                    text: String::new(),
                });
                if let Some(id) = heading.as_ref().and_then(|h| h.id.as_deref()) {
                    written_ids.ids.push((id.to_string(), range.start));
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some(mut h) = heading.take() else {
                    continue;
                };
                rendered.text.push('\n');
                let open_at = events.len();
                events.push(Event::Html(CowStr::Borrowed("")));
                events.append(&mut h.inner);
                events.push(Event::Html(CowStr::Borrowed("")));
                headings.push((h, open_at, events.len() - 1));
            }
            other => match heading.as_mut() {
                Some(h) => h.inner.push(other),
                None => events.push(other),
            },
        }
    }
    // An id written by hand is kept as it is; the generated ones make way for it.
    let mut used_ids: BTreeSet<String> = BTreeSet::new();
    written_ids.ids.sort_by_key(|&(_, offset)| offset);
    for (id, offset) in written_ids.ids {
        if !used_ids.insert(id.clone()) {
            rendered.repeated_ids.push((id, offset));
        }
    }
    let mut flat_toc: Vec<(u8, String, String)> = Vec::with_capacity(headings.len());
    for (h, open_at, close_at) in headings {
        let id = match h.id.as_deref() {
            Some(id) => id.to_string(),
            None => unique_id(heading_slug(&h.text), &mut used_ids),
        };
        let level = heading_number(h.level);
        events[open_at] = Event::Html(CowStr::from(h.open_tag(&id)));
        events[close_at] = Event::Html(CowStr::from(format!(
            "<a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>\n",
            id = escape_attribute(&id)
        )));
        flat_toc.push((level, id, h.text.trim().to_string()));
    }
    rendered.anchors = used_ids;
    rendered.toc = nest_toc(&flat_toc);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let events = if image_sizes.is_empty() {
        events
    } else {
        with_image_tags(events, &image_sizes)
    };
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if !shortcodes.is_empty() {
        // A paragraph that held nothing but a shortcode.
        html = html.replace("<p></p>\n", "");
    }
    if let Some(offset) = comments.open {
        // An HTML comment runs to the end of the body; closed here, so that it does not hide
        // the rest of the page (the footer, the next article of the print page).
        html.push_str("-->\n");
        rendered.warnings.push(MarkdownWarning {
            message: "this HTML comment is never closed: everything after it is hidden".into(),
            hint: "end the comment with -->",
            offset,
        });
    }
    // Kept for the whole build (every page's at once): without the slack of its growth.
    html.shrink_to_fit();
    rendered.text.shrink_to_fit();
    rendered.html = html;
    rendered
}

/// A Hugo shortcode (`{{< name … >}}`, `{{% name … %}}`) in a body, outside code.
#[derive(Debug)]
struct Shortcode {
    /// Its bytes in the body, delimiters included.
    range: Range<usize>,
    /// Its name, unless it closes another (`{{< /name >}}`) or is written out (`{{</* … */>}}`).
    opens: Option<String>,
}

/// The shortcodes of a body, in order: those in code spans and code blocks are text, as written.
fn find_shortcodes(body: &str) -> Vec<Shortcode> {
    if !body.contains("{{<") && !body.contains("{{%") {
        return Vec::new();
    }
    let mut code: Vec<Range<usize>> = Vec::new();
    let mut block_start = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Code(_) => code.push(range),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                code.push(block_start.take().unwrap_or(range.start)..range.end)
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = body[from..].find("{{").map(|at| from + at) {
        from = at + 2;
        let close = match body.as_bytes().get(at + 2) {
            Some(b'<') => ">}}",
            Some(b'%') => "%}}",
            _ => continue,
        };
        if let Some(c) = code.iter().find(|c| c.contains(&at)) {
            from = from.max(c.end);
            continue;
        }
        let inner_start = at + 3;
        let Some(end) = body[inner_start..].find(close).map(|e| inner_start + e) else {
            continue;
        };
        let inner = body[inner_start..end].trim_start();
        let opens = if inner.starts_with('/') {
            None
        } else {
            let name: String = inner
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '%' | '/' | '"'))
                .collect();
            Some(name).filter(|n| !n.is_empty())
        };
        found.push(Shortcode {
            range: at..end + close.len(),
            opens,
        });
        from = end + close.len();
    }
    found
}

/// `event` without the parts of it that are shortcodes, or nothing when it was all shortcode.
fn without_shortcodes<'a>(
    event: Event<'a>,
    range: &Range<usize>,
    body: &str,
    shortcodes: &[Shortcode],
) -> Option<Event<'a>> {
    if shortcodes.is_empty() {
        return Some(event);
    }
    let overlapping: Vec<&Range<usize>> = shortcodes
        .iter()
        .map(|s| &s.range)
        .filter(|s| s.start < range.end && range.start < s.end)
        .collect();
    if overlapping.is_empty() {
        return Some(event);
    }
    let inside = overlapping
        .iter()
        .any(|s| s.start <= range.start && range.end <= s.end);
    let (text, html) = match &event {
        Event::Text(t) => (t, false),
        Event::Html(t) | Event::InlineHtml(t) => (t, true),
        _ => return Some(event),
    };
    if inside {
        return None;
    }
    // Only text as written can be cut by its offsets; other text is kept as it is.
    if body.get(range.clone()) != Some(text.as_ref()) {
        return Some(event);
    }
    let mut kept = String::new();
    let mut at = range.start;
    for s in overlapping {
        if s.start > at {
            kept.push_str(&body[at..s.start]);
        }
        at = at.max(s.end);
    }
    if at < range.end {
        kept.push_str(&body[at..range.end]);
    }
    if kept.trim().is_empty() && !html {
        return None;
    }
    Some(match event {
        Event::Text(_) => Event::Text(CowStr::from(kept)),
        Event::Html(_) => Event::Html(CowStr::from(kept)),
        _ => Event::InlineHtml(CowStr::from(kept)),
    })
}

struct HeadingBuilder<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    inner: Vec<Event<'a>>,
    text: String,
}

impl HeadingBuilder<'_> {
    fn open_tag(&self, id: &str) -> String {
        let mut tag = format!(
            "<h{} id=\"{}\"",
            heading_number(self.level),
            escape_attribute(id)
        );
        if !self.classes.is_empty() {
            let classes: Vec<&str> = self.classes.iter().map(|c| c.as_ref()).collect();
            tag.push_str(&format!(
                " class=\"{}\"",
                escape_attribute(&classes.join(" "))
            ));
        }
        for (name, value) in &self.attrs {
            let name: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if name.is_empty() || name.starts_with("on") {
                continue;
            }
            match value {
                Some(v) => tag.push_str(&format!(" {name}=\"{}\"", escape_attribute(v))),
                None => tag.push_str(&format!(" {name}")),
            }
        }
        tag.push('>');
        tag
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// A heading's id: the one GitHub gives it (see [`crate::anchors::github_id`]), or `section` when
/// nothing of its text is left.
fn heading_slug(text: &str) -> String {
    let id = crate::anchors::github_id(text);
    if id.is_empty() {
        "section".to_string()
    } else {
        id
    }
}

/// `base`, or the first of `base-1`, `base-2`, … not yet used, as GitHub numbers repeated
/// headings.
fn unique_id(base: String, used: &mut BTreeSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while used.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    used.insert(id.clone());
    id
}

/// The ids a page's author wrote: explicit heading ids (added by the caller), footnotes', and
/// those of raw HTML, each with its byte offset in the body.
#[derive(Default)]
struct WrittenIds {
    ids: Vec<(String, usize)>,
    /// The HTML block being read, which comes line by line (and a comment or a tag may span
    /// lines).
    block: Option<HtmlBlock>,
}

#[derive(Default)]
struct HtmlBlock {
    text: String,
    /// Where each line starts in `text` and in the body, and whether its text is the body's
    /// (not so in a block quote, for one): if not, an id in it is placed at the line's start.
    lines: Vec<(usize, usize, bool)>,
}

impl WrittenIds {
    fn observe(&mut self, event: &Event<'_>, range: &Range<usize>, body: &str) {
        let verbatim = |text: &str| body.get(range.clone()) == Some(text);
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                self.ids.push((label.to_string(), range.start))
            }
            Event::Start(Tag::HtmlBlock) => self.block = Some(HtmlBlock::default()),
            Event::Html(html) if self.block.is_some() => {
                if let Some(block) = &mut self.block {
                    block
                        .lines
                        .push((block.text.len(), range.start, verbatim(html)));
                    block.text.push_str(html);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                let Some(block) = self.block.take() else {
                    return;
                };
                for (id, at) in crate::anchors::html_ids(&block.text) {
                    let line = block.lines[block.lines.partition_point(|l| l.0 <= at) - 1];
                    let offset = match line {
                        (start, offset, true) => offset + at - start,
                        (_, offset, false) => offset,
                    };
                    self.ids.push((id, offset));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let exact = verbatim(html);
                for (id, at) in crate::anchors::html_ids(html) {
                    self.ids
                        .push((id, range.start + if exact { at } else { 0 }));
                }
            }
            _ => {}
        }
    }
}

/// Follows HTML comments across the raw HTML of a body, to find one left open.
#[derive(Default)]
struct Comments {
    /// Where the comment that is still open began.
    open: Option<usize>,
}

impl Comments {
    /// `html` is raw HTML at `offset` in the body; `exact` when it is the body's text as written.
    fn observe(&mut self, html: &str, offset: usize, exact: bool) {
        let mut rest = 0;
        while rest < html.len() {
            let text = &html[rest..];
            match self.open {
                None => match text.find("<!--") {
                    Some(at) => {
                        self.open = Some(offset + if exact { rest + at } else { 0 });
                        rest += at + 4;
                    }
                    None => return,
                },
                Some(_) => match text.find("-->") {
                    Some(at) => {
                        self.open = None;
                        rest += at + 3;
                    }
                    None => return,
                },
            }
        }
    }
}

/// Levels 2 and 3 as a two-level tree; a level-3 heading before any level 2 stands alone.
fn nest_toc(flat: &[(u8, String, String)]) -> Vec<TocEntry> {
    let mut toc: Vec<TocEntry> = Vec::new();
    for (level, id, title) in flat.iter().filter(|(l, _, _)| (2..=3).contains(l)) {
        let entry = TocEntry {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            children: Vec::new(),
        };
        match toc.last_mut() {
            Some(parent) if *level == 3 && parent.level == 2 => parent.children.push(entry),
            _ => toc.push(entry),
        }
    }
    toc
}

/// Images as `<img>` tags with their `width` and `height` (when the file's header gave them) and
/// `loading="lazy"`, so that a page does not jump as its images arrive. `sizes` holds each
/// image's dimensions in order.
fn with_image_tags<'a>(events: Vec<Event<'a>>, sizes: &[Option<(u32, u32)>]) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut sizes = sizes.iter();
    let mut events = events.into_iter();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = event
        else {
            out.push(event);
            continue;
        };
        // The alt text is the image's content as plain text; images nest (`![a ![b](c)](d)`).
        let mut alt = String::new();
        let mut depth = 1;
        for inner in events.by_ref() {
            match inner {
                Event::Start(Tag::Image { .. }) => depth += 1,
                Event::End(TagEnd::Image) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
        }
        let mut tag = format!(
            "<img src=\"{}\" alt=\"{}\"",
            escape_url(&dest_url),
            escape_attribute(&alt)
        );
        if !title.is_empty() {
            tag.push_str(&format!(" title=\"{}\"", escape_attribute(&title)));
        }
        if let Some((width, height)) = sizes.next().copied().flatten() {
            tag.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
        }
        tag.push_str(" loading=\"lazy\" />");
        out.push(Event::InlineHtml(CowStr::from(tag)));
    }
    out
}

/// A URL in an attribute: what pulldown-cmark's own writer does (percent-encoding what a URL
/// cannot hold), then HTML escaping.
fn escape_url(url: &str) -> String {
    let mut encoded = String::with_capacity(url.len());
    let _ = pulldown_cmark_escape::escape_href(&mut encoded, url);
    let mut out = String::with_capacity(encoded.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, &encoded);
    out
}

/// Turns a link to `other.md` into the URL of that page, and a link to an asset beside the page
/// (an image, an attachment) into the asset's published address, relative to the current page.
/// Returns the destination and, for an image, its dimensions.
fn resolve_link<'a>(
    dest: &CowStr<'a>,
    offset: usize,
    context: &LinkContext<'_>,
    rendered: &mut Rendered,
) -> (CowStr<'a>, Option<(u32, u32)>) {
    if let Some(fragment) = dest.strip_prefix('#') {
        rendered.links.push(InternalLink {
            target: String::new(),
            fragment: Some(fragment.to_string()),
            offset,
        });
        return (dest.clone(), None);
    }
    if let Some(scheme) = script_scheme(dest) {
        rendered.warnings.push(MarkdownWarning {
            message: format!("a {scheme}: address runs code or hides content when followed"),
            hint: "link to a page or a file instead; HTML written by hand is kept as it is",
            offset,
        });
        return (dest.clone(), None);
    }
    if is_external(dest) {
        if dest.starts_with("http://") || dest.starts_with("https://") {
            rendered.external_links.push((dest.to_string(), offset));
        }
        return (dest.clone(), None);
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (dest.as_ref(), None),
    };
    if !path.ends_with(".md") {
        return resolve_asset(dest, context, offset, rendered);
    }
    let decoded = percent_decode(path);
    let Some(target) = join_content_path(context.dir, &decoded) else {
        rendered.broken_links.push(BrokenLink {
            destination: dest.to_string(),
            resolved: decoded.clone(),
            outside_content: true,
            offset,
        });
        return (dest.clone(), None);
    };
    match (context.resolve)(&target) {
        Some(url_path) => {
            let mut url = format!("{}{}", context.root, url_path);
            if url.is_empty() {
                url.push_str("./");
            }
            if let Some(f) = &fragment {
                url.push('#');
                url.push_str(f);
            }
            rendered.links.push(InternalLink {
                target,
                fragment,
                offset,
            });
            (CowStr::from(url), None)
        }
        None => {
            rendered.broken_links.push(BrokenLink {
                destination: dest.to_string(),
                resolved: target,
                outside_content: false,
                offset,
            });
            (dest.clone(), None)
        }
    }
}

/// A relative destination that is not a Markdown file: an asset beside the page, whose published
/// address replaces it, or else a path of the site (`../tags/`), left as written. A destination
/// that names a file (its last part has an extension) and is no asset is a broken link.
fn resolve_asset<'a>(
    dest: &CowStr<'a>,
    context: &LinkContext<'_>,
    offset: usize,
    rendered: &mut Rendered,
) -> (CowStr<'a>, Option<(u32, u32)>) {
    let end = dest.find(['?', '#']).unwrap_or(dest.len());
    let (path, suffix) = dest.split_at(end);
    let decoded = percent_decode(path);
    let names_a_file = decoded
        .rsplit('/')
        .next()
        .is_some_and(|name| name.trim_start_matches('.').contains('.'));
    let target = join_content_path(context.dir, &decoded);
    if let Some((published, size)) = target.as_deref().and_then(context.asset) {
        return (
            CowStr::from(format!("{}{}{suffix}", context.root, published)),
            size,
        );
    }
    if names_a_file && !decoded.is_empty() {
        rendered.broken_links.push(BrokenLink {
            destination: dest.to_string(),
            outside_content: target.is_none(),
            resolved: target.unwrap_or(decoded),
            offset,
        });
    }
    (dest.clone(), None)
}

/// `javascript`, `vbscript` or `data` when `dest` is such an address, read as browsers read it
/// (case, spaces and control characters ignored).
fn script_scheme(dest: &str) -> Option<&'static str> {
    let scheme: String = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript", "vbscript", "data"].into_iter().find(|s| {
        scheme
            .strip_prefix(s)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

fn is_external(dest: &str) -> bool {
    dest.starts_with('/')
        || dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// `practices` + `../documents/a.md` -> `documents/a.md`; `None` when it climbs above `content/`.
pub fn join_content_path(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

pub fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(body: &str) -> Rendered {
        let resolve = |path: &str| match path {
            "practices/xuzhou.zh.md" => Some("practices/xuzhou/".to_string()),
            "about.zh.md" => Some("about/".to_string()),
            _ => None,
        };
        let asset = |path: &str| match path {
            "practices/xuzhou/map.png" => Some((path.to_string(), Some((40, 30)))),
            "practices/report 2023.pdf" => Some((path.to_string(), None)),
            _ => None,
        };
        render_markdown(
            body,
            &LinkContext {
                dir: "practices",
                root: "../../",
                resolve: &resolve,
                asset: &asset,
            },
        )
    }

    #[test]
    fn shortcodes_are_left_out_whatever_their_spacing() {
        let r = render(
            "A {{<tabpane>}} B {{< /tabpane >}} C {{%include \"x\"%}} D\n\n{{< figure src=\"a.png\"\n  caption=\"x\" >}}\n\n## T {{< icon >}}\n",
        );
        let names: Vec<(String, usize)> = r
            .warnings
            .iter()
            .map(|w| (w.message.clone(), w.offset))
            .collect();
        assert_eq!(
            names,
            [
                ("Hugo shortcode `tabpane` is not supported".to_string(), 2),
                ("Hugo shortcode `include` is not supported".to_string(), 37),
                ("Hugo shortcode `figure` is not supported".to_string(), 58),
                ("Hugo shortcode `icon` is not supported".to_string(), 105),
            ]
        );
        assert!(
            !r.html.contains("{{") && !r.html.contains("tabpane"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<p></p>"), "{}", r.html);
        assert!(
            !r.text.contains("{{") && !r.text.contains("figure"),
            "{}",
            r.text
        );
        assert_eq!(r.toc[0].title, "T");
    }

    #[test]
    fn headings_get_unique_ids_and_self_links() {
        let r = render("## 背景\n\n## 背景\n\n### Details {#more}\n");
        assert!(
            r.html
                .contains("<h2 id=\"背景\">背景<a class=\"anchor\" href=\"#背景\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"背景-1\">"));
        assert!(r.html.contains("<h3 id=\"more\">Details"));
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[1].children[0].id, "more");
    }

    /// The ids of a page's headings, in order.
    fn heading_ids(body: &str) -> Vec<String> {
        let html = render(body).html;
        html.match_indices("<h")
            .filter_map(|(at, _)| {
                let rest = html[at..].strip_prefix("<h")?;
                let rest = rest.get(1..)?.strip_prefix(" id=\"")?;
                Some(rest[..rest.find('"')?].to_string())
            })
            .collect()
    }

    #[test]
    fn heading_ids_are_githubs() {
        for (heading, id) in [
            ("ASP.NET Core", "aspnet-core"),
            // The `-` of `->` stays between the two spaces' (as `a - b` is `a---b`); an arrow
            // that is one character goes.
            ("Migrating from -> v1.18.0", "migrating-from---v1180"),
            ("Migrating from → v1.18.0", "migrating-from--v1180"),
            ("C++ & Rust", "c--rust"),
            ("背景与目标", "背景与目标"),
            ("  Spaces  ", "spaces"),
            ("😄 Emoji", "-emoji"),
            ("Use `cargo build`", "use-cargo-build"),
            (
                "*Emphasis* and [a link](https://example.org)",
                "emphasis-and-a-link",
            ),
            ("Title {.note}", "title"),
            ("Title <span>with HTML</span>", "title-with-html"),
            ("!!!", "section"),
        ] {
            assert_eq!(heading_ids(&format!("## {heading}\n")), [id], "{heading}");
        }
    }

    #[test]
    fn repeated_headings_are_numbered_as_github_numbers_them() {
        assert_eq!(
            heading_ids(
                "## echo\n\n## echo\n\n## echo 1\n\n## echo-1\n\n## echo\n\n## !\n\n## ?\n"
            ),
            [
                "echo",
                "echo-1",
                "echo-1-1",
                "echo-1-2",
                "echo-2",
                "section",
                "section-1"
            ]
        );
    }

    #[test]
    fn explicit_ids_are_kept_as_written_and_generated_ones_make_way() {
        // The explicit id comes after the heading whose generated id it would take.
        let r = render("## Intro\n\n## Intro\n\n## Details {#intro-1}\n\n## Again {#Intro_2}\n");
        assert_eq!(
            heading_ids("## Intro\n\n## Intro\n\n## Details {#intro-1}\n\n## Again {#Intro_2}\n"),
            ["intro", "intro-2", "intro-1", "Intro_2"]
        );
        assert!(r.repeated_ids.is_empty());
        assert_eq!(r.toc[2].id, "intro-1");
        assert!(r.anchors.contains("intro-2"));
    }

    #[test]
    fn an_explicit_id_written_twice_is_kept_twice_and_reported_at_the_second() {
        let body = "## One {#same}\n\n## Two {#same}\n\n<a id=\"f1\"></a> <a id=\"f1\"></a>\n";
        let r = render(body);
        assert_eq!(heading_ids(body), ["same", "same"]);
        let at: Vec<(&str, &str)> = r
            .repeated_ids
            .iter()
            .map(|(id, offset)| (id.as_str(), &body[*offset..]))
            .collect();
        assert_eq!(
            at,
            [
                (
                    "same",
                    "## Two {#same}\n\n<a id=\"f1\"></a> <a id=\"f1\"></a>\n"
                ),
                ("f1", "f1\"></a>\n"),
            ]
        );
    }

    #[test]
    fn ids_of_raw_html_and_footnotes_are_anchors() {
        let body = "Text[^note] and <sup id=\"a1\">1</sup>.\n\n\
            <div class=\"refs\">\n<p><a name=\"ref-1\"></a>One</p>\n<span\n  id='split'>x</span>\n</div>\n\n\
            <!--\n<a id=\"commented\"></a>\n-->\n\n\
            Inline <!-- <a id=\"inline-comment\"> --> <span name=\"not-an-anchor\" data-id=\"nor-this\">.\n\n\
            > <a id=\"quoted\"></a>\n\n\
            `<a id=\"code\">`\n\n\
            [^note]: The note.\n";
        let r = render(body);
        let anchors: Vec<&str> = r.anchors.iter().map(String::as_str).collect();
        assert_eq!(anchors, ["a1", "note", "quoted", "ref-1", "split"]);
        assert!(
            r.html
                .contains("<div class=\"footnote-definition\" id=\"note\">"),
            "{}",
            r.html
        );
        // Written once more before the body, each is reported where the body writes it.
        for id in ["a1", "ref-1", "split", "quoted"] {
            let text = format!("<a id=\"{id}\"></a>\n\n{body}");
            let repeated = render(&text).repeated_ids;
            assert_eq!(repeated.len(), 1, "{id}: {repeated:?}");
            let rest = &text[repeated[0].1..];
            assert!(
                rest.starts_with(id) || (id == "quoted" && rest.starts_with("<a id=\"quoted")),
                "{id}: {rest:?}"
            );
        }
    }

    #[test]
    fn a_heading_makes_way_for_an_id_of_raw_html() {
        let r = render("<a id=\"intro\"></a>\n\n## Intro\n");
        assert_eq!(
            heading_ids("<a id=\"intro\"></a>\n\n## Intro\n"),
            ["intro-1"]
        );
        assert!(r.anchors.contains("intro"));
    }

    #[test]
    fn links_to_markdown_files_become_relative_urls() {
        let r = render("[a](xuzhou.zh.md#intro) [b](../about.zh.md) [c](https://x.org/a.md)");
        assert!(
            r.html.contains("href=\"../../practices/xuzhou/#intro\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"../../about/\""));
        assert!(r.html.contains("href=\"https://x.org/a.md\""));
        assert_eq!(r.links.len(), 2);
        assert!(r.broken_links.is_empty());
    }

    #[test]
    fn a_link_to_a_missing_file_is_reported_with_its_offset() {
        let r = render("text\n\n[gone](missing.zh.md)\n");
        assert_eq!(r.broken_links.len(), 1);
        assert_eq!(r.broken_links[0].resolved, "practices/missing.zh.md");
        assert_eq!(r.broken_links[0].offset, 6);
    }

    #[test]
    fn raw_html_is_kept_and_text_is_collected() {
        let r = render("<div class=\"note\">kept</div>\n\nA *b* `c`\n");
        assert!(r.html.contains("<div class=\"note\">kept</div>"));
        assert!(r.text.contains("A b c"));
    }

    #[test]
    fn images_and_attachments_beside_the_page_get_their_published_address() {
        let r = render(
            "![Map of *Xuzhou*](xuzhou/map.png \"The map\")\n\n[report](report%202023.pdf?v=2#p3)\n",
        );
        assert!(
            r.html.contains(
                "<img src=\"../../practices/xuzhou/map.png\" alt=\"Map of Xuzhou\" title=\"The map\" width=\"40\" height=\"30\" loading=\"lazy\" />"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("href=\"../../practices/report%202023.pdf?v=2#p3\""),
            "{}",
            r.html
        );
        assert!(r.broken_links.is_empty(), "{:?}", r.broken_links);
    }

    #[test]
    fn a_missing_image_or_attachment_is_a_broken_link_and_site_paths_stay() {
        let r = render("![x](gone.png)\n\n[y](../files/gone.pdf)\n\n[tags](../tags/) [up](../)\n");
        let resolved: Vec<&str> = r.broken_links.iter().map(|b| b.resolved.as_str()).collect();
        assert_eq!(resolved, ["practices/gone.png", "files/gone.pdf"]);
        assert!(r.html.contains("href=\"../tags/\""), "{}", r.html);
        assert!(r.html.contains("loading=\"lazy\""), "{}", r.html);
    }

    #[test]
    fn script_addresses_are_warnings_at_their_links() {
        let r = render(
            "a [x](javascript:alert(1)) b [y](JaVaScRiPt:x) ![z](data:image/png;base64,AA) [ok](https://x.org/)\n",
        );
        let at: Vec<usize> = r.warnings.iter().map(|w| w.offset).collect();
        assert_eq!(at, [2, 29, 47]);
        assert!(r.warnings[0].message.starts_with("a javascript: address"));
        assert_eq!(script_scheme("data:text/html,x"), Some("data"));
        assert_eq!(script_scheme("database.md"), None);
        assert_eq!(script_scheme("VBScript:x"), Some("vbscript"));
    }

    #[test]
    fn an_unclosed_comment_is_a_warning_and_closed() {
        let r = render("one\n\n<!-- a note\n\ntwo\n");
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].offset, 5);
        assert!(r.html.ends_with("-->\n"), "{}", r.html);
        let closed = render("one\n\n<!-- a\n\nb -->\n\n<!-- c --> d\n");
        assert!(closed.warnings.is_empty(), "{:?}", closed.warnings);
    }

    #[test]
    fn join_content_path_cases() {
        assert_eq!(
            join_content_path("practices", "../documents/a.md").as_deref(),
            Some("documents/a.md")
        );
        assert_eq!(join_content_path("", "./a.md").as_deref(), Some("a.md"));
        assert_eq!(join_content_path("", "../a.md"), None);
    }
}
