//! Reads a Word package (.docx) into a small document model: blocks (paragraphs with their kind,
//! tables) made of inlines (styled text, links, images, footnote references), with what cannot
//! be converted kept as marked gaps.
//!
//! The package is a zip file of XML parts. Nothing is trusted: every part is read through a cap
//! on its declared and its actual size, images are only named here (their bytes are copied
//! later, capped too), and entry names never become paths. Elements are matched by their
//! qualified names (`w:p`, `m:oMath`): Word, LibreOffice and python-docx all write these
//! prefixes.

use crate::schema::Date;
use quick_xml::events::{BytesStart, Event};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The largest main document part read (its XML, not its images).
pub const MAX_DOCUMENT_XML: u64 = 64 << 20;
/// The largest other XML part (styles, numbering, footnotes, relationships, properties).
pub const MAX_PART_XML: u64 = 16 << 20;
/// The largest image copied out of a package.
pub const MAX_IMAGE: u64 = 256 << 20;
/// Deeper nesting (tables in tables in tables…) is skipped rather than followed.
const MAX_DEPTH: usize = 24;

#[derive(Debug, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
    /// Footnotes and endnotes by their reference (`f1`, `e2`).
    pub notes: BTreeMap<String, Vec<Block>>,
    /// The title of the document's properties.
    pub core_title: Option<String>,
    /// The creation date of the document's properties.
    pub created: Option<Date>,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(Para),
    Table(Table),
}

#[derive(Debug, Clone)]
pub struct Para {
    /// 1-based, counting the paragraphs with content in document order (table cells included).
    pub number: usize,
    pub kind: Kind,
    pub inlines: Vec<Inline>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Normal,
    Title,
    Heading(u8),
    Item { ordered: bool, level: usize },
}

#[derive(Debug, Clone)]
pub struct Table {
    /// The number of the table's first paragraph.
    pub number: usize,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub blocks: Vec<Block>,
    /// Grid columns the cell spans (`w:gridSpan`).
    pub span: usize,
    pub merge: Merge,
}

/// Vertical merging (`w:vMerge`): a cell that starts a merge, continues the one above, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    None,
    Restart,
    Continue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
}

#[derive(Debug, Clone)]
pub enum Inline {
    Text(String, Style),
    Break,
    Link(String, Vec<Inline>),
    /// An image: the zip entry holding it (never a path) and its alternative text.
    Image {
        entry: String,
        alt: String,
    },
    Note(String),
    Gap(Missing),
}

/// What the importer cannot convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Equation,
    TextBox,
    Object,
    Drawing,
    Comment,
    Insertion,
    Deletion,
}

impl Missing {
    /// The visible placeholder on the page, if any.
    pub fn placeholder(self) -> Option<&'static str> {
        match self {
            Missing::Equation => Some("equation not imported"),
            Missing::TextBox => Some("text box not imported"),
            Missing::Object => Some("embedded object not imported"),
            Missing::Drawing => Some("drawing not imported"),
            Missing::Comment | Missing::Insertion | Missing::Deletion => None,
        }
    }

    /// The HTML comment left on the page.
    pub fn marker(self) -> &'static str {
        match self {
            Missing::Equation => "an equation was not imported",
            Missing::TextBox => "a text box was not imported",
            Missing::Object => "an embedded object was not imported",
            Missing::Drawing => "a drawing (shape or chart) was not imported",
            Missing::Comment => "a comment was not imported",
            Missing::Insertion => "tracked insertion: the inserted text is kept",
            Missing::Deletion => "tracked deletion: the deleted text is left out",
        }
    }

    /// What the editor can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Missing::Comment => {
                "the comment stays in the Word document (Review > Comments); add what it asks for to the page by hand"
            }
            Missing::Insertion | Missing::Deletion => {
                "to import something else, accept or reject the changes in Word (Review > Accept or Reject) and import again"
            }
            _ => {
                "add it to the page by hand where the page marks it (as text, a table or an image), or leave it out"
            }
        }
    }

    /// The warning's words.
    pub fn warning(self) -> &'static str {
        match self {
            Missing::Equation => {
                "an equation cannot be imported; the page shows [equation not imported]"
            }
            Missing::TextBox => {
                "a text box cannot be imported; the page shows [text box not imported]"
            }
            Missing::Object => {
                "an embedded object cannot be imported; the page shows [embedded object not imported]"
            }
            Missing::Drawing => {
                "a drawing that is not a picture (a shape or chart) cannot be imported; the page shows [drawing not imported]"
            }
            Missing::Comment => "a comment is not imported (the page marks its place)",
            Missing::Insertion => {
                "a tracked change (an insertion) is imported as if accepted: the inserted text is kept"
            }
            Missing::Deletion => {
                "a tracked change (a deletion) is imported as if accepted: the deleted text is left out"
            }
        }
    }
}

/// A gap and where it is: `paragraph 12 ("以标准化推动…")` or `footnote 3`.
#[derive(Debug, Clone)]
pub struct Gap {
    pub place: String,
    pub missing: Missing,
}

/// Why a file could not be read as a Word document, and what to do.
#[derive(Debug)]
pub struct NotDocx {
    pub message: String,
    pub hint: String,
    /// The file could not be read at all (an I/O error, not a content error).
    pub io: bool,
}

impl NotDocx {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        NotDocx {
            message: message.into(),
            hint: hint.into(),
            io: false,
        }
    }
}

const SAVE_AS: &str =
    "open it in Word or LibreOffice and save it as a Word document (.docx), then import that file";

/// An open package.
pub struct Package {
    zip: zip::ZipArchive<File>,
}

impl Package {
    /// Opens a .docx, telling legacy .doc, encrypted documents, PDF and damaged files apart.
    pub fn open(path: &Path) -> Result<Package, NotDocx> {
        let io = |e: std::io::Error| NotDocx {
            message: format!("cannot read the file: {e}"),
            hint: "check the path".into(),
            io: true,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut magic = [0u8; 8];
        let n = read_up_to(&mut file, &mut magic).map_err(io)?;
        let magic = &magic[..n];
        if magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return Err(if is_encrypted_ooxml(path) {
                NotDocx::new(
                    "this document is encrypted (password-protected), so it cannot be read",
                    "open it in Word, remove the password (File > Info > Protect Document > Encrypt with Password, an empty password), save it as .docx and import that file",
                )
            } else {
                NotDocx::new(
                    "this is a legacy Word document (.doc), not a .docx",
                    SAVE_AS,
                )
            });
        }
        if magic.starts_with(b"%PDF") {
            return Err(NotDocx::new(
                "this is a PDF, not a Word document",
                "import the Word document the PDF was made from, or open the PDF in Word (which converts it) and save it as .docx",
            ));
        }
        if magic.starts_with(b"{\\rtf") {
            return Err(NotDocx::new(
                "this is an RTF document, not a .docx",
                SAVE_AS,
            ));
        }
        if !magic.starts_with(b"PK") {
            return Err(NotDocx::new(
                "this is not a Word document (.docx): it is not a zip package",
                SAVE_AS,
            ));
        }
        let file = File::open(path).map_err(io)?;
        let zip = zip::ZipArchive::new(file).map_err(|e| {
            NotDocx::new(
                format!("this .docx is damaged: its zip package cannot be read ({e})"),
                "open it in Word, which can often repair it, and save it again as .docx; or import an earlier copy",
            )
        })?;
        let mut package = Package { zip };
        if package.zip.index_for_name("word/document.xml").is_none() {
            let odt = package.zip.index_for_name("content.xml").is_some();
            return Err(if odt {
                NotDocx::new(
                    "this is an OpenDocument text (.odt), not a .docx",
                    "open it in LibreOffice and save it as Word 2007-365 (.docx)",
                )
            } else {
                NotDocx::new(
                    "this zip file is not a Word document: it has no word/document.xml",
                    SAVE_AS,
                )
            });
        }
        // A part that cannot be decrypted or decompressed is found when read; check the
        // main part's declared size at once.
        package.declared_size("word/document.xml", MAX_DOCUMENT_XML)?;
        Ok(package)
    }

    fn declared_size(&mut self, name: &str, cap: u64) -> Result<u64, NotDocx> {
        let entry = self.zip.by_name(name).map_err(|e| damaged(name, &e))?;
        if entry.encrypted() {
            return Err(NotDocx::new(
                format!("{name} in this package is encrypted"),
                "remove the password in Word and save it as .docx",
            ));
        }
        let size = entry.size();
        if size > cap {
            let declared = format!("it declares {} MB", size.div_ceil(1 << 20));
            return Err(too_large(name, &declared, cap));
        }
        Ok(size)
    }

    /// A part's bytes, or `None` when the package has no such part.
    fn part(&mut self, name: &str, cap: u64) -> Result<Option<Vec<u8>>, NotDocx> {
        if self.zip.index_for_name(name).is_none() {
            return Ok(None);
        }
        let size = self.declared_size(name, cap)?;
        let entry = self.zip.by_name(name).map_err(|e| damaged(name, &e))?;
        let mut bytes = Vec::with_capacity(size.min(cap) as usize);
        Capped::new(entry, cap)
            .read_to_end(&mut bytes)
            .map_err(|e| io_damaged(name, &e, cap))?;
        Ok(Some(bytes))
    }

    /// Copies an image entry into `out`, at most [`MAX_IMAGE`] bytes.
    pub fn copy_image(
        &mut self,
        entry: &str,
        out: &mut impl std::io::Write,
    ) -> Result<(), NotDocx> {
        self.declared_size(entry, MAX_IMAGE)?;
        let file = self.zip.by_name(entry).map_err(|e| damaged(entry, &e))?;
        std::io::copy(&mut Capped::new(file, MAX_IMAGE), out)
            .map_err(|e| io_damaged(entry, &e, MAX_IMAGE))?;
        Ok(())
    }

    pub fn has_entry(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Reads the whole document: properties, styles, numbering, relationships, notes, body.
    pub fn read(&mut self) -> Result<Document, NotDocx> {
        let mut doc = Document::default();
        if let Some(core) = self.part("docProps/core.xml", MAX_PART_XML)? {
            let (title, created) = core_properties(&core);
            doc.core_title = title;
            doc.created = created;
        }
        let styles = match self.part("word/styles.xml", MAX_PART_XML)? {
            Some(xml) => styles(&xml),
            None => HashMap::new(),
        };
        let numbering = match self.part("word/numbering.xml", MAX_PART_XML)? {
            Some(xml) => numbering(&xml),
            None => Numbering::default(),
        };
        let rels = match self.part("word/_rels/document.xml.rels", MAX_PART_XML)? {
            Some(xml) => relationships(&xml),
            None => HashMap::new(),
        };
        let context = Context {
            styles,
            numbering,
            rels,
        };
        for (part, prefix, rels_part) in [
            ("word/footnotes.xml", "f", "word/_rels/footnotes.xml.rels"),
            ("word/endnotes.xml", "e", "word/_rels/endnotes.xml.rels"),
        ] {
            let Some(xml) = self.part(part, MAX_PART_XML)? else {
                continue;
            };
            let rels = match self.part(rels_part, MAX_PART_XML)? {
                Some(xml) => relationships(&xml),
                None => HashMap::new(),
            };
            let context = Context {
                rels,
                styles: context.styles.clone(),
                numbering: context.numbering.clone(),
            };
            let mut parser = Parser::new(BufReader::new(&xml[..]), &context, Some(prefix));
            parser
                .notes(&mut doc.notes)
                .map_err(|e| xml_error(part, &e))?;
            doc.gaps.append(&mut parser.gaps);
        }
        self.declared_size("word/document.xml", MAX_DOCUMENT_XML)?;
        let entry = self
            .zip
            .by_name("word/document.xml")
            .map_err(|e| damaged("word/document.xml", &e))?;
        let capped = Capped::new(entry, MAX_DOCUMENT_XML);
        let mut parser = Parser::new(BufReader::new(capped), &context, None);
        let body = parser.document();
        let mut gaps = std::mem::take(&mut parser.gaps);
        let body = body.map_err(|e| match e {
            quick_xml::Error::Io(io) => io_damaged("word/document.xml", &io, MAX_DOCUMENT_XML),
            e => xml_error("word/document.xml", &e),
        })?;
        doc.blocks = body;
        gaps.append(&mut doc.gaps);
        doc.gaps = gaps;
        Ok(doc)
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// An encrypted .docx is an OLE2 file holding an `EncryptedPackage` stream; its directory
/// names the stream in UTF-16. Reads at most 256 MB, a chunk at a time.
fn is_encrypted_ooxml(path: &Path) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut reader = file.take(256 << 20);
    let mut window = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        window.extend_from_slice(&chunk[..n]);
        if window.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
        let keep = window.len().saturating_sub(needle.len());
        window.drain(..keep);
    }
}

fn damaged(name: &str, e: &zip::result::ZipError) -> NotDocx {
    NotDocx::new(
        format!("this .docx is damaged: {name} cannot be read ({e})"),
        "open it in Word, which can often repair it, and save it again as .docx",
    )
}

fn io_damaged(name: &str, e: &std::io::Error, cap: u64) -> NotDocx {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        return too_large(name, "it holds more than it declares", cap);
    }
    damaged_text(name, &e.to_string())
}

fn damaged_text(name: &str, e: &str) -> NotDocx {
    NotDocx::new(
        format!("this .docx is damaged: {name} cannot be read ({e})"),
        "open it in Word, which can often repair it, and save it again as .docx",
    )
}

fn xml_error(name: &str, e: &quick_xml::Error) -> NotDocx {
    damaged_text(name, &format!("malformed XML: {e}"))
}

fn too_large(name: &str, found: &str, cap: u64) -> NotDocx {
    NotDocx::new(
        format!(
            "{name} in this package is larger than {} MB ({found}), so it is not read",
            cap >> 20
        ),
        "a Word document this large is unusual (or a zip bomb); split it into smaller documents, or compress its images (File > Compress Pictures) and save it again",
    )
}

/// A reader that fails, rather than goes on, past `cap` bytes: an entry that decompresses to
/// more than it declared (or than any document needs) is never read whole.
struct Capped<R> {
    inner: std::io::Take<R>,
    read: u64,
    cap: u64,
}

impl<R: Read> Capped<R> {
    fn new(inner: R, cap: u64) -> Self {
        Capped {
            inner: inner.take(cap + 1),
            read: 0,
            cap,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "the part is larger than allowed",
            ));
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// The small parts: properties, styles, numbering, relationships.

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// `w:val`, and whether a toggle such as `<w:b/>` or `<w:b w:val="true"/>` is on.
fn toggle(e: &BytesStart) -> bool {
    !matches!(
        attr(e, b"w:val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

fn text_of(event: &Event) -> Option<String> {
    match event {
        Event::Text(t) => t.xml10_content().ok().map(|t| t.into_owned()),
        Event::CData(t) => t.decode().ok().map(|t| t.into_owned()),
        Event::GeneralRef(r) => {
            if let Ok(Some(c)) = r.resolve_char_ref() {
                return Some(c.to_string());
            }
            let name = r.decode().ok()?;
            quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string)
        }
        _ => None,
    }
}

/// Calls `f` with each start (or empty) element and each text of a small part.
fn scan(xml: &[u8], mut f: impl FnMut(Scanned)) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        match &event {
            Event::Start(e) => f(Scanned::Start(e)),
            Event::Empty(e) => {
                f(Scanned::Start(e));
                f(Scanned::End(e.name().as_ref()));
            }
            Event::End(e) => f(Scanned::End(e.name().as_ref())),
            other => {
                if let Some(text) = text_of(other) {
                    f(Scanned::Text(text));
                }
            }
        }
        buf.clear();
    }
}

enum Scanned<'a> {
    Start(&'a BytesStart<'a>),
    End(&'a [u8]),
    Text(String),
}

fn core_properties(xml: &[u8]) -> (Option<String>, Option<Date>) {
    let mut title = None;
    let mut created = None;
    let mut modified = None;
    let mut current: Vec<u8> = Vec::new();
    scan(xml, |s| match s {
        Scanned::Start(e) => current = e.name().as_ref().to_vec(),
        Scanned::End(_) => current.clear(),
        Scanned::Text(text) => {
            let date = || Date::parse(text.trim().get(..10).unwrap_or(""));
            match current.as_slice() {
                b"dc:title" => {
                    let t = crate::slug::clean_text(&text);
                    if !t.is_empty() {
                        title = Some(t);
                    }
                }
                b"dcterms:created" => created = date(),
                b"dcterms:modified" => modified = date(),
                _ => {}
            }
        }
    });
    (title, created.or(modified))
}

#[derive(Debug, Clone, Default)]
struct StyleDef {
    name: String,
    based_on: Option<String>,
    outline: Option<u8>,
    num: Option<(String, usize)>,
}

fn styles(xml: &[u8]) -> HashMap<String, StyleDef> {
    let mut styles = HashMap::new();
    let mut current: Option<(String, StyleDef)> = None;
    let mut num_id: Option<String> = None;
    let mut ilvl = 0;
    scan(xml, |s| match s {
        Scanned::Start(e) => match e.name().as_ref() {
            b"w:style" => {
                current = attr(e, b"w:styleId").map(|id| (id, StyleDef::default()));
                num_id = None;
                ilvl = 0;
            }
            b"w:name" => {
                if let Some((_, def)) = &mut current {
                    def.name = attr(e, b"w:val").unwrap_or_default();
                }
            }
            b"w:basedOn" => {
                if let Some((_, def)) = &mut current {
                    def.based_on = attr(e, b"w:val");
                }
            }
            b"w:outlineLvl" => {
                if let Some((_, def)) = &mut current {
                    def.outline = attr(e, b"w:val").and_then(|v| v.parse().ok());
                }
            }
            b"w:numId" => num_id = attr(e, b"w:val"),
            b"w:ilvl" => ilvl = attr(e, b"w:val").and_then(|v| v.parse().ok()).unwrap_or(0),
            _ => {}
        },
        Scanned::End(b"w:style") => {
            if let Some((id, mut def)) = current.take() {
                def.num = num_id.take().map(|n| (n, ilvl));
                styles.insert(id, def);
            }
        }
        _ => {}
    });
    styles
}

#[derive(Debug, Clone, Default)]
struct Numbering {
    /// `w:numId` to `w:abstractNumId`.
    nums: HashMap<String, String>,
    /// (`w:abstractNumId`, level) to `w:numFmt`.
    formats: HashMap<(String, usize), String>,
}

impl Numbering {
    fn ordered(&self, num_id: &str, level: usize) -> bool {
        let format = self
            .nums
            .get(num_id)
            .and_then(|a| self.formats.get(&(a.clone(), level)));
        !matches!(format.map(String::as_str), Some("bullet" | "none") | None)
    }
}

fn numbering(xml: &[u8]) -> Numbering {
    let mut numbering = Numbering::default();
    let mut abstract_id: Option<String> = None;
    let mut level = 0;
    let mut num_id: Option<String> = None;
    scan(xml, |s| {
        if let Scanned::Start(e) = s {
            match e.name().as_ref() {
                b"w:abstractNum" => abstract_id = attr(e, b"w:abstractNumId"),
                b"w:lvl" => level = attr(e, b"w:ilvl").and_then(|v| v.parse().ok()).unwrap_or(0),
                b"w:numFmt" => {
                    if let (Some(a), Some(format)) = (&abstract_id, attr(e, b"w:val")) {
                        numbering.formats.insert((a.clone(), level), format);
                    }
                }
                b"w:num" => {
                    abstract_id = None;
                    num_id = attr(e, b"w:numId");
                }
                b"w:abstractNumId" => {
                    if let (Some(n), Some(a)) = (&num_id, attr(e, b"w:val")) {
                        numbering.nums.insert(n.clone(), a);
                    }
                }
                _ => {}
            }
        }
    });
    numbering
}

#[derive(Debug, Clone)]
struct Relationship {
    target: String,
    external: bool,
}

fn relationships(xml: &[u8]) -> HashMap<String, Relationship> {
    let mut rels = HashMap::new();
    scan(xml, |s| {
        if let Scanned::Start(e) = s
            && e.name().as_ref() == b"Relationship"
            && let (Some(id), Some(target)) = (attr(e, b"Id"), attr(e, b"Target"))
        {
            let external = attr(e, b"TargetMode").as_deref() == Some("External");
            rels.insert(id, Relationship { target, external });
        }
    });
    rels
}

/// A relationship's target inside the package, as a zip entry name: `media/image1.png` from
/// `word/` is `word/media/image1.png`. Only used to look the entry up.
fn entry_name(target: &str) -> String {
    let mut parts: Vec<&str> = if let Some(absolute) = target.strip_prefix('/') {
        absolute.split('/').collect()
    } else {
        let mut p = vec!["word"];
        p.extend(target.split('/'));
        p
    };
    let mut out: Vec<&str> = Vec::new();
    for part in parts.drain(..) {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

struct Context {
    styles: HashMap<String, StyleDef>,
    numbering: Numbering,
    rels: HashMap<String, Relationship>,
}

impl Context {
    /// Title, heading level or list of a paragraph style, following `w:basedOn`.
    fn style_kind(&self, id: &str) -> (Option<Kind>, Option<(String, usize)>) {
        let mut kind = heading_by_name(id);
        let mut num = None;
        let mut outline = None;
        let mut current = Some(id.to_string());
        for _ in 0..12 {
            let Some(def) = current.as_deref().and_then(|id| self.styles.get(id)) else {
                break;
            };
            kind = kind.or_else(|| heading_by_name(&def.name));
            outline = outline.or(def.outline);
            num = num.or_else(|| def.num.clone());
            current = def.based_on.clone();
        }
        let kind = kind.or_else(|| outline.filter(|o| *o < 6).map(|o| Kind::Heading(o + 1)));
        (kind, num)
    }
}

/// Heading and title styles by their id or name in the languages Word and LibreOffice write:
/// `Heading1`, `heading 1`, `标题 1`, `Überschrift 1`, `Titre 1`, `Title`, `标题`.
fn heading_by_name(name: &str) -> Option<Kind> {
    let squeezed: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if matches!(
        squeezed.as_str(),
        "title" | "标题" | "標題" | "titel" | "titre" | "título" | "titolo" | "заголовок"
    ) {
        return Some(Kind::Title);
    }
    let digits = squeezed.trim_start_matches(|c: char| !c.is_ascii_digit());
    let word = &squeezed[..squeezed.len() - digits.len()];
    let level: u8 = digits.parse().ok()?;
    let known = [
        "heading",
        "标题",
        "標題",
        "überschrift",
        "titre",
        "título",
        "titolo",
        "kop",
        "nagłówek",
        "заголовок",
        "見出し",
    ];
    (known.contains(&word) && (1..=6).contains(&level)).then_some(Kind::Heading(level))
}

// ---------------------------------------------------------------------------------------------
// The body.

struct Parser<'c, R: BufRead> {
    reader: quick_xml::Reader<R>,
    buf: Vec<u8>,
    context: &'c Context,
    /// `Some("f")` while reading footnotes: places are `footnote N`.
    notes: Option<&'static str>,
    note_id: String,
    paragraphs: usize,
    depth: usize,
    gaps: Vec<Gap>,
    /// Gaps of the paragraph being read, placed when its first words are known.
    pending: Vec<Missing>,
}

type XmlResult<T> = Result<T, quick_xml::Error>;

impl<'c, R: BufRead> Parser<'c, R> {
    fn new(input: R, context: &'c Context, notes: Option<&'static str>) -> Self {
        Parser {
            reader: quick_xml::Reader::from_reader(input),
            buf: Vec::new(),
            context,
            notes,
            note_id: String::new(),
            paragraphs: 0,
            depth: 0,
            gaps: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn next(&mut self) -> XmlResult<Event<'static>> {
        self.buf.clear();
        let event = self.reader.read_event_into(&mut self.buf)?.into_owned();
        if matches!(event, Event::Eof) {
            return Err(quick_xml::Error::Syntax(
                quick_xml::errors::SyntaxError::UnclosedTag,
            ));
        }
        Ok(event)
    }

    fn skip(&mut self, e: &BytesStart) -> XmlResult<()> {
        self.buf.clear();
        let end = e.to_end().into_owned();
        self.reader.read_to_end_into(end.name(), &mut self.buf)?;
        Ok(())
    }

    /// `word/document.xml`: the blocks of `w:body`.
    fn document(&mut self) -> XmlResult<Vec<Block>> {
        loop {
            self.buf.clear();
            match self.reader.read_event_into(&mut self.buf)? {
                Event::Start(e) if e.name().as_ref() == b"w:body" => {
                    return self.blocks(b"w:body");
                }
                Event::Eof => return Ok(Vec::new()),
                _ => {}
            }
        }
    }

    /// `word/footnotes.xml` or `word/endnotes.xml`.
    fn notes(&mut self, into: &mut BTreeMap<String, Vec<Block>>) -> XmlResult<()> {
        let prefix = self.notes.unwrap_or("f");
        loop {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf)?.into_owned();
            match event {
                Event::Start(e) if matches!(e.name().as_ref(), b"w:footnote" | b"w:endnote") => {
                    let id = attr(&e, b"w:id").unwrap_or_default();
                    if attr(&e, b"w:type").is_some_and(|t| t != "normal") {
                        self.skip(&e)?;
                        continue;
                    }
                    self.note_id = id.clone();
                    self.paragraphs = 0;
                    let end = e.name().as_ref().to_vec();
                    let blocks = self.blocks(&end)?;
                    into.insert(format!("{prefix}{id}"), blocks);
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// Paragraphs and tables until the end of `end`.
    fn blocks(&mut self, end: &[u8]) -> XmlResult<Vec<Block>> {
        let mut blocks = Vec::new();
        self.depth += 1;
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == end => break,
                Event::Start(e) => match e.name().as_ref() {
                    b"w:p" => {
                        if let Some(p) = self.paragraph()? {
                            blocks.push(Block::Para(p));
                        }
                    }
                    b"w:tbl" if self.depth < MAX_DEPTH => {
                        if let Some(t) = self.table()? {
                            blocks.push(Block::Table(t));
                        }
                    }
                    b"w:sdt" | b"w:sdtContent" | b"w:customXml" => {
                        let name = e.name().as_ref().to_vec();
                        blocks.extend(self.blocks(&name)?);
                    }
                    _ => self.skip(&e)?,
                },
                _ => {}
            }
        }
        self.depth -= 1;
        Ok(blocks)
    }

    fn table(&mut self) -> XmlResult<Option<Table>> {
        let mut rows = Vec::new();
        let number = self.paragraphs + 1;
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == b"w:tbl" => break,
                Event::Start(e) if e.name().as_ref() == b"w:tr" => rows.push(self.row()?),
                Event::Start(e) => self.skip(&e)?,
                _ => {}
            }
        }
        rows.retain(|r: &Vec<Cell>| !r.is_empty());
        Ok((!rows.is_empty()).then_some(Table { number, rows }))
    }

    fn row(&mut self) -> XmlResult<Vec<Cell>> {
        let mut cells = Vec::new();
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == b"w:tr" => break,
                Event::Start(e) if e.name().as_ref() == b"w:tc" => cells.push(self.cell()?),
                Event::Start(e) if matches!(e.name().as_ref(), b"w:sdt" | b"w:sdtContent") => {}
                Event::Start(e) => self.skip(&e)?,
                _ => {}
            }
        }
        Ok(cells)
    }

    fn cell(&mut self) -> XmlResult<Cell> {
        let mut cell = Cell {
            blocks: Vec::new(),
            span: 1,
            merge: Merge::None,
        };
        self.depth += 1;
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == b"w:tc" => break,
                Event::Start(e) if e.name().as_ref() == b"w:tcPr" => loop {
                    match self.next()? {
                        Event::End(e) if e.name().as_ref() == b"w:tcPr" => break,
                        Event::Empty(e) | Event::Start(e) => match e.name().as_ref() {
                            b"w:gridSpan" => {
                                cell.span = attr(&e, b"w:val")
                                    .and_then(|v| v.parse().ok())
                                    .unwrap_or(1usize)
                                    .clamp(1, 64);
                            }
                            b"w:vMerge" => {
                                cell.merge = if attr(&e, b"w:val").as_deref() == Some("restart") {
                                    Merge::Restart
                                } else {
                                    Merge::Continue
                                };
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                },
                Event::Start(e) if e.name().as_ref() == b"w:p" => {
                    if let Some(p) = self.paragraph()? {
                        cell.blocks.push(Block::Para(p));
                    }
                }
                Event::Start(e) if e.name().as_ref() == b"w:tbl" && self.depth < MAX_DEPTH => {
                    if let Some(t) = self.table()? {
                        cell.blocks.push(Block::Table(t));
                    }
                }
                Event::Start(e) if matches!(e.name().as_ref(), b"w:sdt" | b"w:sdtContent") => {
                    let name = e.name().as_ref().to_vec();
                    cell.blocks.extend(self.blocks(&name)?);
                }
                Event::Start(e) => self.skip(&e)?,
                _ => {}
            }
        }
        self.depth -= 1;
        Ok(cell)
    }

    /// A `w:p` after its start tag; `None` when it holds nothing.
    fn paragraph(&mut self) -> XmlResult<Option<Para>> {
        let mut style: Option<String> = None;
        let mut num: Option<(String, usize)> = None;
        let mut inlines = Vec::new();
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == b"w:p" => break,
                Event::Start(e) if e.name().as_ref() == b"w:pPr" => {
                    let mut num_id = None;
                    let mut ilvl = 0;
                    loop {
                        match self.next()? {
                            Event::End(e) if e.name().as_ref() == b"w:pPr" => break,
                            Event::Start(e) if e.name().as_ref() == b"w:rPr" => self.skip(&e)?,
                            Event::Empty(e) | Event::Start(e) => match e.name().as_ref() {
                                b"w:pStyle" => style = attr(&e, b"w:val"),
                                b"w:numId" => num_id = attr(&e, b"w:val"),
                                b"w:ilvl" => {
                                    ilvl =
                                        attr(&e, b"w:val").and_then(|v| v.parse().ok()).unwrap_or(0)
                                }
                                _ => {}
                            },
                            _ => {}
                        }
                    }
                    num = num_id.map(|n| (n, ilvl));
                }
                Event::Start(e) => {
                    self.inline_element(&e, false, Style::default(), &mut inlines)?;
                }
                Event::Empty(e) => {
                    self.inline_element(&e, true, Style::default(), &mut inlines)?;
                }
                _ => {}
            }
        }
        let (style_kind, style_num) = match &style {
            Some(id) => self.context.style_kind(id),
            None => (None, None),
        };
        let num = num.or(style_num).filter(|(id, _)| id != "0");
        let kind = match (style_kind, num) {
            (Some(k @ (Kind::Title | Kind::Heading(_))), _) => k,
            (_, Some((id, level))) => Kind::Item {
                ordered: self.context.numbering.ordered(&id, level),
                level: level.min(8),
            },
            _ => Kind::Normal,
        };
        let pending = std::mem::take(&mut self.pending);
        if inlines.is_empty() {
            return Ok(None);
        }
        self.paragraphs += 1;
        let place = self.place(&inlines);
        for missing in pending {
            if !self
                .gaps
                .iter()
                .any(|g| g.place == place && g.missing == missing)
            {
                self.gaps.push(Gap {
                    place: place.clone(),
                    missing,
                });
            }
        }
        Ok(Some(Para {
            number: self.paragraphs,
            kind,
            inlines,
        }))
    }

    fn place(&self, inlines: &[Inline]) -> String {
        if self.notes.is_some() {
            let what = if self.notes == Some("e") {
                "endnote"
            } else {
                "footnote"
            };
            return format!("{what} {}", self.note_id);
        }
        let words = first_words(&plain_text(inlines));
        if words.is_empty() {
            format!("paragraph {}", self.paragraphs)
        } else {
            format!("paragraph {} (\"{words}\")", self.paragraphs)
        }
    }

    fn gap(&mut self, missing: Missing, out: &mut Vec<Inline>) {
        self.pending.push(missing);
        out.push(Inline::Gap(missing));
    }

    /// An element inside a paragraph (a run, a link, a tracked change…), its start tag read.
    fn inline_element(
        &mut self,
        e: &BytesStart<'static>,
        empty: bool,
        style: Style,
        out: &mut Vec<Inline>,
    ) -> XmlResult<()> {
        let name = e.name().as_ref().to_vec();
        match name.as_slice() {
            b"w:r" if !empty => self.run(style, out)?,
            b"w:hyperlink" if !empty => {
                let mut content = Vec::new();
                self.inline_children(&name, style, &mut content)?;
                let url = attr(e, b"r:id")
                    .and_then(|id| self.context.rels.get(&id))
                    .filter(|r| r.external)
                    .map(|r| r.target.clone());
                match url {
                    Some(url) if is_safe_url(&url) && !content.is_empty() => {
                        out.push(Inline::Link(url, content))
                    }
                    _ => out.extend(content),
                }
            }
            b"w:ins" | b"w:moveTo" if !empty => {
                self.gap(Missing::Insertion, out);
                self.inline_children(&name, style, out)?;
            }
            b"w:del" | b"w:moveFrom" => {
                self.gap(Missing::Deletion, out);
                if !empty {
                    self.skip(e)?;
                }
            }
            b"m:oMath" | b"m:oMathPara" => {
                self.gap(Missing::Equation, out);
                if !empty {
                    self.skip(e)?;
                }
            }
            b"w:smartTag" | b"w:customXml" | b"w:sdt" | b"w:sdtContent" | b"w:fldSimple"
            | b"w:bdo" | b"w:dir"
                if !empty =>
            {
                self.inline_children(&name, style, out)?;
            }
            b"mc:AlternateContent" if !empty => self.alternate(style, out, false)?,
            _ => {
                if !empty {
                    self.skip(e)?;
                }
            }
        }
        Ok(())
    }

    fn inline_children(
        &mut self,
        end: &[u8],
        style: Style,
        out: &mut Vec<Inline>,
    ) -> XmlResult<()> {
        if self.depth >= MAX_DEPTH {
            self.buf.clear();
            self.reader
                .read_to_end_into(quick_xml::name::QName(end), &mut self.buf)?;
            return Ok(());
        }
        self.depth += 1;
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == end => break,
                Event::Start(e) => self.inline_element(&e, false, style, out)?,
                Event::Empty(e) => self.inline_element(&e, true, style, out)?,
                _ => {}
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// `mc:AlternateContent`: the first choice, never the fallback (which repeats it).
    fn alternate(&mut self, style: Style, out: &mut Vec<Inline>, in_run: bool) -> XmlResult<()> {
        let mut chosen = false;
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == b"mc:AlternateContent" => break,
                Event::Start(e) if e.name().as_ref() == b"mc:Choice" && !chosen => {
                    chosen = true;
                    if in_run {
                        self.run_children(b"mc:Choice", style, out)?;
                    } else {
                        self.inline_children(b"mc:Choice", style, out)?;
                    }
                }
                Event::Start(e) => self.skip(&e)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A `w:r` after its start tag.
    fn run(&mut self, style: Style, out: &mut Vec<Inline>) -> XmlResult<()> {
        self.run_children(b"w:r", style, out)
    }

    fn run_children(
        &mut self,
        end: &[u8],
        mut style: Style,
        out: &mut Vec<Inline>,
    ) -> XmlResult<()> {
        loop {
            match self.next()? {
                Event::End(e) if e.name().as_ref() == end => break,
                Event::Start(e) if e.name().as_ref() == b"w:rPr" => loop {
                    match self.next()? {
                        Event::End(e) if e.name().as_ref() == b"w:rPr" => break,
                        Event::Empty(e) | Event::Start(e) => match e.name().as_ref() {
                            b"w:b" => style.bold = toggle(&e),
                            b"w:i" => style.italic = toggle(&e),
                            b"w:strike" | b"w:dstrike" => style.strike = toggle(&e),
                            _ => {}
                        },
                        _ => {}
                    }
                },
                Event::Start(e) if e.name().as_ref() == b"w:t" => {
                    let mut text = String::new();
                    loop {
                        let event = self.next()?;
                        if let Event::End(end) = &event
                            && end.name().as_ref() == b"w:t"
                        {
                            break;
                        }
                        if let Some(t) = text_of(&event) {
                            text.push_str(&t);
                        }
                    }
                    push_text(out, &text, style);
                }
                Event::Start(e) if e.name().as_ref() == b"w:drawing" => self.drawing(&e, out)?,
                Event::Start(e) if matches!(e.name().as_ref(), b"w:pict" | b"w:object") => {
                    self.vml(&e, out)?
                }
                Event::Start(e) if e.name().as_ref() == b"mc:AlternateContent" => {
                    self.alternate(style, out, true)?
                }
                Event::Start(e) => self.skip(&e)?,
                Event::Empty(e) => match e.name().as_ref() {
                    b"w:tab" | b"w:ptab" => push_text(out, "\t", style),
                    b"w:br" | b"w:cr"
                        if !matches!(attr(&e, b"w:type").as_deref(), Some("page" | "column")) =>
                    {
                        out.push(Inline::Break);
                    }
                    b"w:noBreakHyphen" => push_text(out, "\u{2011}", style),
                    b"w:footnoteReference" | b"w:endnoteReference" => {
                        let prefix = if e.name().as_ref() == b"w:footnoteReference" {
                            "f"
                        } else {
                            "e"
                        };
                        if let Some(id) = attr(&e, b"w:id") {
                            out.push(Inline::Note(format!("{prefix}{id}")));
                        }
                    }
                    b"w:commentReference" => self.gap(Missing::Comment, out),
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// `w:drawing`: a picture (with its alternative text), a text box or another drawing.
    fn drawing(&mut self, e: &BytesStart<'static>, out: &mut Vec<Inline>) -> XmlResult<()> {
        let mut alt = String::new();
        let mut title = String::new();
        let mut embed = None;
        let text_box =
            self.drawing_parts(e, |s| drawing_attrs(s, &mut alt, &mut title, &mut embed))?;
        if text_box {
            self.gap(Missing::TextBox, out);
        } else {
            let alt = if alt.trim().is_empty() { title } else { alt };
            self.image(embed, &alt, out);
        }
        Ok(())
    }

    /// The image of relationship `id`, or a marked gap when there is none to take.
    fn image(&mut self, id: Option<String>, alt: &str, out: &mut Vec<Inline>) {
        match id.and_then(|id| self.image_entry(&id)) {
            Some(entry) => out.push(Inline::Image {
                entry,
                alt: crate::slug::clean_text(alt),
            }),
            None => self.gap(Missing::Drawing, out),
        }
    }

    /// Reads the parts of a drawing (`w:drawing`, `w:pict`, `w:object`) up to its end, giving
    /// each element to `attrs`; whether it holds a text box (whose text is skipped).
    fn drawing_parts(
        &mut self,
        e: &BytesStart<'static>,
        mut attrs: impl FnMut(&BytesStart<'_>),
    ) -> XmlResult<bool> {
        let mut text_box = false;
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Event::End(end) if depth == 0 && end.name() == e.name() => return Ok(text_box),
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::Start(s) if s.name().as_ref() == b"w:txbxContent" => {
                    text_box = true;
                    self.skip(&s)?;
                }
                Event::Start(s) => {
                    attrs(&s);
                    depth += 1;
                }
                Event::Empty(s) => attrs(&s),
                _ => {}
            }
        }
    }

    /// `w:pict` and `w:object` (VML): an image, a text box or an embedded object.
    fn vml(&mut self, e: &BytesStart<'static>, out: &mut Vec<Inline>) -> XmlResult<()> {
        let mut image = None;
        let mut alt = String::new();
        let mut object = e.name().as_ref() == b"w:object";
        let text_box =
            self.drawing_parts(e, |s| vml_attrs(s, &mut image, &mut alt, &mut object))?;
        if object {
            self.gap(Missing::Object, out);
        } else if text_box {
            self.gap(Missing::TextBox, out);
        } else {
            self.image(image, &alt, out);
        }
        Ok(())
    }

    fn image_entry(&self, id: &str) -> Option<String> {
        let rel = self.context.rels.get(id)?;
        (!rel.external).then(|| entry_name(&rel.target))
    }
}

fn drawing_attrs(s: &BytesStart, alt: &mut String, title: &mut String, embed: &mut Option<String>) {
    match s.name().as_ref() {
        b"wp:docPr" => {
            *alt = attr(s, b"descr").unwrap_or_default();
            *title = attr(s, b"title").unwrap_or_default();
        }
        b"a:blip" => {
            if let Some(id) = attr(s, b"r:embed") {
                *embed = Some(id);
            }
        }
        _ => {}
    }
}

fn vml_attrs(s: &BytesStart, image: &mut Option<String>, alt: &mut String, object: &mut bool) {
    match s.name().as_ref() {
        b"v:imagedata" => {
            if let Some(id) = attr(s, b"r:id") {
                *image = Some(id);
            }
            if let Some(t) = attr(s, b"o:title") {
                *alt = t;
            }
        }
        b"o:OLEObject" => *object = true,
        _ => {}
    }
}

/// Appends text to the last text inline of the same style, or as a new one.
fn push_text(out: &mut Vec<Inline>, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last, last_style)) = out.last_mut()
        && *last_style == style
    {
        last.push_str(text);
        return;
    }
    out.push(Inline::Text(text.to_string(), style));
}

/// The text of inlines, links included, without markup.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut text = String::new();
    for inline in inlines {
        match inline {
            Inline::Text(t, _) => text.push_str(t),
            Inline::Break => text.push(' '),
            Inline::Link(_, content) => text.push_str(&plain_text(content)),
            _ => {}
        }
    }
    text
}

/// The first words of a paragraph, to name it: at most 20 characters, then `…`.
pub fn first_words(text: &str) -> String {
    let text = crate::slug::clean_text(text);
    let mut words: String = text.chars().take(20).collect();
    if words.chars().count() < text.chars().count() {
        words = words.trim_end().to_string();
        words.push('…');
    }
    words
}

/// Links to the web and to mail addresses; nothing that runs (`javascript:`) or reads files.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_styles_in_several_languages() {
        assert_eq!(heading_by_name("Heading1"), Some(Kind::Heading(1)));
        assert_eq!(heading_by_name("heading 2"), Some(Kind::Heading(2)));
        assert_eq!(heading_by_name("标题 3"), Some(Kind::Heading(3)));
        assert_eq!(heading_by_name("Überschrift 1"), Some(Kind::Heading(1)));
        assert_eq!(heading_by_name("Title"), Some(Kind::Title));
        assert_eq!(heading_by_name("标题"), Some(Kind::Title));
        assert_eq!(heading_by_name("Normal"), None);
        assert_eq!(heading_by_name("heading 7"), None);
        assert_eq!(heading_by_name("TOC 1"), None);
    }

    #[test]
    fn entry_names_stay_inside_the_package_names() {
        assert_eq!(entry_name("media/image1.png"), "word/media/image1.png");
        assert_eq!(entry_name("../media/a.png"), "media/a.png");
        assert_eq!(entry_name("/word/media/b.png"), "word/media/b.png");
        assert_eq!(entry_name("../../../../etc/passwd"), "etc/passwd");
    }

    #[test]
    fn first_words_are_short() {
        assert_eq!(first_words("短句。"), "短句。");
        assert_eq!(
            first_words("以标准化推动城乡流通协调发展的若干做法和经验总结"),
            "以标准化推动城乡流通协调发展的若干做法和…"
        );
    }
}
