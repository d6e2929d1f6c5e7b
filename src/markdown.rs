//! Markdown to HTML with pulldown-cmark: heading ids and self-links, a table of contents, internal
//! links resolved to URLs, and the plain text (for summaries and search).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::collections::BTreeSet;

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
    /// What the destination resolved to under `content/`.
    pub resolved: String,
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every heading id, for checking links to `page.md#heading`.
    pub anchors: BTreeSet<String>,
    pub links: Vec<InternalLink>,
    pub broken_links: Vec<BrokenLink>,
    /// Links to other sites (`http://`, `https://`), with their byte offsets in the body.
    pub external_links: Vec<(String, usize)>,
    /// The text without markup, blocks separated by newlines.
    pub text: String,
    /// A hash of everything the HTML follows from: the body, the page's folder and URL, and
    /// where every page it may link to lives (set by the caller, which knows the site).
    pub key: u64,
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
    let mut used_ids: BTreeSet<String> = BTreeSet::new();
    let mut flat_toc: Vec<(u8, String, String)> = Vec::new();
    // The dimensions of each image, in the order the images come.
    let mut image_sizes: Vec<Option<(u32, u32)>> = Vec::new();

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
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
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some(h) = heading.take() else { continue };
                rendered.text.push('\n');
                let id = unique_id(
                    h.id.as_deref()
                        .map(str::to_string)
                        .unwrap_or_else(|| heading_slug(&h.text)),
                    &mut used_ids,
                );
                let level = heading_number(h.level);
                flat_toc.push((level, id.clone(), h.text.trim().to_string()));
                events.push(Event::Html(CowStr::from(h.open_tag(&id))));
                events.extend(h.inner);
                events.push(Event::Html(CowStr::from(format!(
                    "<a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>\n",
                    id = escape_attribute(&id)
                ))));
            }
            other => match heading.as_mut() {
                Some(h) => h.inner.push(other),
                None => events.push(other),
            },
        }
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
    rendered.html = html;
    rendered
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

/// A heading's id: its slug, or `section` when nothing of it is a letter or digit.
fn heading_slug(text: &str) -> String {
    let slug = crate::slug::slugify(text);
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

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
            resolved: target.unwrap_or(decoded),
            offset,
        });
    }
    (dest.clone(), None)
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
    fn join_content_path_cases() {
        assert_eq!(
            join_content_path("practices", "../documents/a.md").as_deref(),
            Some("documents/a.md")
        );
        assert_eq!(join_content_path("", "./a.md").as_deref(), Some("a.md"));
        assert_eq!(join_content_path("", "../a.md"), None);
    }
}
