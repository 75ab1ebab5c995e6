//! DOCX reader: one streaming pass over `word/document.xml` (quick-xml), no DOM. It
//! reads Word 2003 XML documents too ([`read_word_xml`]): the same body elements in the
//! 2003 namespace, in one XML file.
//!
//! What becomes what, in document order:
//!
//! * a body paragraph (`<w:p>` outside any table, including those inside `<w:sdt>`
//!   content controls) is a [`Block::Paragraph`] at column 0, located
//!   `paragraph n` where `n` counts every body paragraph, empty ones included, so that a
//!   clerk counting paragraphs in Word lands on it; only non-empty ones are stored;
//! * a top-level `<w:tbl>` is a [`Block::Table`]. Tables are numbered 1-based among the
//!   **top-level** tables only, so `table 2` is the second table block of the grid.
//!   A table nested in a cell (or in a text box) is not a block: its text is appended to
//!   the enclosing cell (or paragraph) as one more paragraph, cells joined by tabs and
//!   rows by newlines, so nothing written in it is lost.
//!
//! A cell's text is its paragraphs joined with `\n`, trimmed at both ends (U+3000
//! included). Its grid column is `<w:gridBefore>` plus the `<w:gridSpan>`s of the cells
//! before it; `<w:vMerge w:val="restart"/>` starts a vertical merge that following
//! `<w:vMerge/>` cells at the same grid column extend (the anchor's `row_span` grows;
//! the continuation cells' own text is dropped, as Word drops it). The legacy
//! `<w:hMerge>` is honoured the same way across. Every `<w:tr>` yields a row, empty or
//! not, so `row n` in a [`Loc`] is the n-th `<w:tr>`; `cell n` is the n-th `<w:tc>` as
//! written in that row.
//!
//! Run text: `<w:t>` as written (spaces kept), `<w:tab/>` is a tab, `<w:br/>` and
//! `<w:cr/>` are newlines, `<w:noBreakHyphen/>` a hyphen. A content control that shows
//! its placeholder (`<w:showingPlcHdr/>`, "单击或点击此处输入文字。") has no value: its
//! text is not read. Inserted text (`<w:ins>`,
//! `<w:moveTo>`) is read; deleted text (`<w:del>`, `<w:moveFrom>`), field codes
//! (`<w:instrText>`), content-control properties and the VML fallback of
//! `<mc:AlternateContent>` (a duplicate of the chosen content) are skipped. Symbols
//! (`<w:sym>`), drawings, math and any element not named here are ignored.
//!
//! Elements are told apart by namespace, not by prefix: `w:` is the usual prefix, but
//! any prefix (or the default namespace) bound to WordprocessingML, transitional or
//! strict, is read the same (`Namespaces` below keeps that cheap).
//!
//! Safety: nesting deeper than [`MAX_DEPTH`] elements is refused (quick-xml does not
//! limit it), as is a file with more than [`ReadLimits::max_cells`] non-empty cells
//! (paragraphs and cells of nested tables count), or with more table rows than that
//! (empty rows are kept, so they need a bound too). The inflate cap is the
//! [`Package`]'s. Errors name the part and the place (`word/document.xml, table 2 row
//! 5 cell 3, byte 1234`); bytes that are not UTF-8 are such an error, reported where the
//! scan meets them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use encoding_rs::{Encoding, UTF_8};
use quick_xml::encoding::EncodingError;
use quick_xml::errors::Error as XmlError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

use crate::formats::Package;
use crate::model::{Block, Cell, Grid, Loc, Row, Table};
use crate::{Error, ReadLimits, Result};

/// The part holding the document body.
const PART: &str = "word/document.xml";

/// Deepest element nesting accepted. Real documents stay far below it (a cell in a
/// nested table in a text box is about 30 levels); a hostile file nesting millions of
/// elements would otherwise cost memory and time for nothing.
pub const MAX_DEPTH: usize = 256;

/// Largest gridSpan/gridBefore honoured (Word allows 63 columns); a hostile value is
/// clamped so that column arithmetic cannot overflow.
const MAX_GRID: u32 = 16_384;

/// WordprocessingML, transitional and strict.
const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT_NS: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
/// Word 2003 XML ("Word XML 文档"): the same body elements in a namespace of its own.
pub(crate) const W_2003_NS: &str = "http://schemas.microsoft.com/office/word/2003/wordml";

/// The name a Word 2003 XML document has in `source.format`, `files.csv` and errors.
pub const WORD_XML: &str = "word-xml";

/// What the body being read is, for error messages: the format and, in a package, the
/// part.
#[derive(Clone, Copy)]
struct Origin {
    format: &'static str,
    part: Option<&'static str>,
}

const DOCX: Origin = Origin {
    format: "docx",
    part: Some(PART),
};
/// Markup compatibility (`mc:AlternateContent`).
const MC_NS: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Reads a DOCX file into the cell model: body paragraphs and top-level tables in
/// document order (see the module documentation for the rules).
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    read_package(Package::open(bytes, "docx", limits)?, limits)
}

/// [`read`] from a package already opened (by [`crate::formats::identify`]).
pub(crate) fn read_package(package: Package<'_>, limits: &ReadLimits) -> Result<Grid> {
    let mut package = package.named("docx");
    let xml = package
        .read(PART)?
        .ok_or_else(|| Error::malformed("docx", None, format!("the package has no {PART} part")))?;
    let mut grid = parse(&as_utf8(&xml, DOCX)?, limits, DOCX)?;
    grid.notes.extend(package.recovery_note());
    Ok(grid)
}

/// Whether the bytes are a Word 2003 XML document: XML whose root is a `wordDocument`
/// and whose start names the Word 2003 namespace.
pub fn sniff_word_xml(bytes: &[u8]) -> bool {
    super::office_xml(bytes) == Some(super::Format::WordXml)
}

/// Reads a Word 2003 XML document (one XML file, the body's elements as in a DOCX's
/// `word/document.xml`, vertical merges spelled `vmerge`; headers, footers and notes,
/// which it holds inline, are not the form's and are skipped) into the cell model.
pub fn read_word_xml(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let origin = Origin {
        format: WORD_XML,
        part: None,
    };
    parse(&as_utf8(bytes, origin)?, limits, origin)
}

/// The part as UTF-8 bytes: as stored (less a BOM), or decoded when it starts with a
/// UTF-16 BOM. UTF-8 is not validated here: quick-xml checks every piece it reads,
/// and validating the whole part first would do that work twice.
fn as_utf8(xml: &[u8], origin: Origin) -> Result<Cow<'_, [u8]>> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(xml) {
        if encoding != UTF_8 {
            let (text, had_errors) = encoding.decode_without_bom_handling(&xml[bom_len..]);
            if had_errors {
                return Err(Error::malformed(
                    origin.format,
                    origin.part.map(String::from),
                    format!("not valid {}", encoding.name()),
                ));
            }
            return Ok(Cow::Owned(text.into_owned().into_bytes()));
        }
    }
    Ok(Cow::Borrowed(
        xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml),
    ))
}

/// The vocabularies the reader knows; an element's prefix stands for one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vocabulary {
    /// WordprocessingML, transitional or strict.
    Word,
    /// Markup compatibility (`mc:AlternateContent`).
    Compatibility,
    Other,
}

impl Vocabulary {
    fn of(ns: &ResolveResult<'_>) -> Vocabulary {
        match ns {
            ResolveResult::Bound(Namespace(ns))
                if *ns == W_NS || *ns == W_STRICT_NS || *ns == W_2003_NS =>
            {
                Vocabulary::Word
            }
            ResolveResult::Bound(Namespace(ns)) if *ns == MC_NS => Vocabulary::Compatibility,
            _ => Vocabulary::Other,
        }
    }
}

/// Namespace resolution paid for once per prefix, not once per element.
///
/// quick-xml's `NsReader` parses the attributes of every start tag to look for
/// declarations and resolves every name against the stack of bindings: that cost
/// about as much as scanning the XML. Real documents bind `w:` (and the rest) once, on
/// the root element. So a start tag is handed to quick-xml's resolver only when a
/// search of the whole part for `xmlns`, done once, found one among its attributes,
/// and what each prefix resolved to is remembered until the bindings in scope change.
/// Any prefix bound to the WordprocessingML namespace works, however and wherever it
/// is declared.
struct Namespaces<'x> {
    /// The part being read, which the events borrow from.
    xml: &'x [u8],
    /// Offset in `xml` of the next `xmlns` not yet passed.
    next_xmlns: Option<usize>,
    resolver: NamespaceResolver,
    /// Depths (elements open outside it) of the open elements that declared namespaces.
    scopes: Vec<usize>,
    /// Prefixes resolved since the bindings last changed, each with its colon (`"w:"`),
    /// or empty for an unprefixed name; few in any document.
    resolved: Vec<(Box<str>, Vocabulary)>,
}

impl<'x> Namespaces<'x> {
    fn new(xml: &'x [u8]) -> Self {
        Namespaces {
            xml,
            next_xmlns: find_xmlns(xml, 0),
            resolver: NamespaceResolver::default(),
            scopes: Vec::new(),
            resolved: Vec::new(),
        }
    }

    /// Enters a start or empty element opened `depth` elements deep: the namespaces it
    /// declares come into scope (they apply to its own name too).
    #[inline]
    fn enter(&mut self, e: &BytesStart<'_>, depth: usize) -> std::result::Result<(), XmlError> {
        if self.mentions_xmlns(e.attributes_raw()) {
            self.declare(e, depth)?;
        }
        Ok(())
    }

    /// Brings the declarations of the element at `depth` into scope. Kept out of line:
    /// real documents come here once, for the root.
    #[cold]
    #[inline(never)]
    fn declare(&mut self, e: &BytesStart<'_>, depth: usize) -> std::result::Result<(), XmlError> {
        self.resolver.push(e)?;
        self.scopes.push(depth);
        self.resolved.clear();
        Ok(())
    }

    /// Whether a start tag's attributes hold `xmlns`, told by where they lie in the
    /// part against the next `xmlns` found there, so tags are not searched one by one.
    /// Mentions passed (in text, comments) are skipped on the way.
    #[inline]
    fn mentions_xmlns(&mut self, attributes: &str) -> bool {
        let start = (attributes.as_ptr() as usize).wrapping_sub(self.xml.as_ptr() as usize);
        if start >= self.xml.len() {
            // Not borrowed from the part (quick-xml never does that for a slice).
            return attributes.contains("xmlns");
        }
        while let Some(at) = self.next_xmlns.filter(|&at| at < start) {
            self.next_xmlns = find_xmlns(self.xml, at + 1);
        }
        self.next_xmlns
            .is_some_and(|at| at + XMLNS.len() <= start + attributes.len())
    }

    /// Leaves the element at `depth`, whose end was reached: its declarations go out
    /// of scope.
    #[inline]
    fn leave(&mut self, depth: usize) {
        if self.scopes.last() == Some(&depth) {
            self.scopes.pop();
            self.resolver.pop();
            self.resolved.clear();
        }
    }

    /// The element's vocabulary and local name, under the bindings now in scope.
    #[inline]
    fn classify<'e>(&mut self, name: QName<'e>) -> (Vocabulary, &'e str) {
        let raw = name.into_inner();
        let (prefix, local) = match raw.bytes().position(|b| b == b':') {
            Some(colon) => raw.split_at(colon + 1),
            None => ("", raw),
        };
        let known = self
            .resolved
            .iter()
            .find(|(p, _)| same(p.as_bytes(), prefix.as_bytes()));
        let vocabulary = match known {
            Some(&(_, vocabulary)) => vocabulary,
            None => self.resolve(name, prefix),
        };
        (vocabulary, local)
    }

    /// Resolves a prefix not seen since the bindings last changed, and remembers it.
    #[cold]
    #[inline(never)]
    fn resolve(&mut self, name: QName<'_>, prefix: &str) -> Vocabulary {
        let vocabulary = Vocabulary::of(&self.resolver.resolve_element(name).0);
        self.resolved.push((prefix.into(), vocabulary));
        vocabulary
    }
}

const XMLNS: &[u8] = b"xmlns";

/// Where the first `xmlns` at or after `from` is in `xml`.
///
/// A block at a time is tested for an `x` with an `n` three bytes on (as in `xmlns`,
/// not as in the `xml:space` of nearly every run), a loop the compiler turns into SIMD;
/// only a block that passes is searched byte by byte. This keeps the search of the
/// whole part to a small fraction of the cost of parsing it.
fn find_xmlns(xml: &[u8], from: usize) -> Option<usize> {
    const BLOCK: usize = 64;
    let starts = xml.len().checked_sub(XMLNS.len() - 1)?;
    let mut block = from;
    while block < starts {
        let end = (block + BLOCK).min(starts);
        let heads = &xml[block..end];
        let fourths = &xml[block + 3..end + 3];
        let candidate = heads
            .iter()
            .zip(fourths)
            .fold(false, |any, (&x, &n)| any | ((x == b'x') & (n == b'n')));
        if candidate {
            if let Some(at) = (block..end).find(|&at| xml[at..].starts_with(XMLNS)) {
                return Some(at);
            }
        }
        block = end;
    }
    None
}

/// Byte equality for the short names compared per element, inline rather than a
/// call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The elements the reader acts on; everything else is [`Tag::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    P,
    R,
    T,
    Tab,
    Br,
    Hyphen,
    Tbl,
    Tr,
    Tc,
    GridBefore,
    GridSpan,
    VMerge,
    HMerge,
    /// A content control, the mark that it shows its placeholder, and its content.
    Sdt,
    ShowingPlaceholder,
    SdtContent,
    /// An element whose whole content is skipped (deleted text, field codes, …).
    Skip,
    Other,
}

impl Tag {
    /// Whether [`Builder::end`] does anything for the element: most ends (runs, text,
    /// properties) close nothing the builder keeps, and are not worth a call.
    fn acts_on_end(self) -> bool {
        matches!(self, Tag::P | Tag::Tbl | Tag::Tr | Tag::Tc | Tag::Sdt)
    }
}

/// What an element is, from its vocabulary and local name.
fn tag(vocabulary: Vocabulary, local: &str) -> Tag {
    match vocabulary {
        Vocabulary::Word => match local {
            "p" => Tag::P,
            "r" => Tag::R,
            "t" => Tag::T,
            "tab" | "ptab" => Tag::Tab,
            "br" | "cr" => Tag::Br,
            "noBreakHyphen" => Tag::Hyphen,
            "tbl" => Tag::Tbl,
            "tr" => Tag::Tr,
            "tc" => Tag::Tc,
            "gridBefore" => Tag::GridBefore,
            "gridSpan" => Tag::GridSpan,
            // Word 2003 XML spells them in lower case.
            "vMerge" | "vmerge" => Tag::VMerge,
            "hMerge" | "hmerge" => Tag::HMerge,
            "sdt" => Tag::Sdt,
            "showingPlcHdr" => Tag::ShowingPlaceholder,
            "sdtContent" => Tag::SdtContent,
            // Deleted and moved-away text, field codes, and property blocks that hold
            // no displayed text (tab stops in pPr must not become tabs).
            "del" | "moveFrom" | "delText" | "instrText" | "delInstrText" | "sdtEndPr" | "pPr"
            | "rPr" => Tag::Skip,
            // Held inline by Word 2003 XML (a DOCX keeps them in parts of their own).
            "hdr" | "ftr" | "footnote" | "endnote" => Tag::Skip,
            _ => Tag::Other,
        },
        Vocabulary::Compatibility if local == "Fallback" => Tag::Skip,
        _ => Tag::Other,
    }
}

/// A vertical-merge mark on a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Merge {
    None,
    Restart,
    Continue,
}

/// A cell being read.
struct CellBuild {
    /// Where its text (its paragraphs joined with `\n`) starts in [`Builder::text`].
    start: usize,
    paragraphs: u32,
    /// 1-based index of the `<w:tc>` in its row.
    tc: u32,
    span: u32,
    vmerge: Merge,
    hmerge_continue: bool,
}

/// A row being read.
struct RowBuild {
    cells: Vec<Cell>,
    /// Grid column where the next cell starts.
    next_col: u32,
    /// `<w:tc>` elements seen so far.
    tcs: u32,
    cell: Option<CellBuild>,
}

/// An open vertical merge, by the grid column it starts at.
struct OpenMerge {
    /// Row index (0-based in the table) of the anchor.
    row: usize,
    /// Index of the anchor in that row's cells, when the anchor is not empty.
    cell: Option<usize>,
    /// Last row index the region covers so far.
    last_row: usize,
}

/// A table being read.
struct TableBuild {
    /// 1-based number among top-level tables; 0 for a nested table.
    number: u32,
    /// Where a nested table's text will go in [`Builder::text`].
    start: usize,
    rows: Vec<Row>,
    row: Option<RowBuild>,
    /// Vertical merges still open, by grid column (a BTreeMap: a handful at a time, and
    /// no hashing per cell).
    merges: BTreeMap<u32, OpenMerge>,
}

/// What a piece of text currently belongs to, innermost last.
enum Frame {
    /// A paragraph, whose text starts at `start` in [`Builder::text`]; `body` is its
    /// body paragraph number when it is one.
    Paragraph { start: usize, body: Option<u32> },
    /// Boxed, so that a frame is a few words: a paragraph's is pushed and popped for
    /// every `<w:p>`, and a frame the size of a table's cost a copy of 120 bytes each
    /// time (with the same store-forwarding stall as an event's copy).
    Table(Box<TableBuild>),
}

/// The reader's state during the pass.
struct Builder<'l> {
    origin: Origin,
    limits: &'l ReadLimits,
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    /// The text of the open paragraphs and cells, outermost first: each one's text is
    /// the tail from its start, so runs are appended in place, and a cell's or body
    /// paragraph's text is copied once, when it is stored, instead of being built in a
    /// string of each paragraph and copied into its cell.
    text: String,
    /// Tags of the open elements (its length is the nesting depth).
    open: Vec<Tag>,
    /// While skipping, the depth of the skipped element's parent.
    skip_above: Option<usize>,
    /// Per open content control, whether it shows its placeholder ("单击此处输入文字"):
    /// such content is prompt, not a value, so its text is muted (its paragraphs,
    /// rows and cells still count).
    sdts: Vec<bool>,
    /// While muted, the depth of the muted `<w:sdtContent>`'s parent.
    muted_above: Option<usize>,
    /// Table rows seen (empty ones too), held to the cell limit so that a file of
    /// millions of `<w:tr/>` cannot allocate without bound.
    rows: u64,
    paragraphs: u32,
    tables: u32,
    cells: u64,
    /// Elements seen: none at all means an empty or non-XML part.
    elements: u64,
}

/// Parses the body XML (UTF-8, not yet validated) into a grid.
fn parse(xml: &[u8], limits: &ReadLimits, origin: Origin) -> Result<Grid> {
    let mut reader = Reader::from_reader(xml);
    let mut namespaces = Namespaces::new(xml);
    let mut b = Builder {
        origin,
        limits,
        blocks: Vec::new(),
        frames: Vec::new(),
        text: String::new(),
        open: Vec::new(),
        skip_above: None,
        sdts: Vec::new(),
        muted_above: None,
        rows: 0,
        paragraphs: 0,
        tables: 0,
        cells: 0,
        elements: 0,
    };
    loop {
        let before = reader.buffer_position();
        // The event is matched where quick-xml returned it, not moved out of the
        // `Result`: the move copied it with wide loads right after the call had stored
        // it in narrower pieces, which the processor cannot forward, a stall per event
        // (a third of this loop's own time in a profile).
        let result = reader.read_event();
        let event = match &result {
            Ok(event) => event,
            Err(XmlError::Encoding(EncodingError::Utf8(e))) => {
                // The piece quick-xml validated starts where this event does.
                let at = before + e.valid_up_to() as u64;
                return Err(b.malformed(at, "not valid UTF-8"));
            }
            Err(e) => {
                let at = reader.error_position();
                return Err(b.malformed(at, format!("bad XML: {e}")));
            }
        };
        let at = reader.buffer_position();
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                b.elements += 1;
                let depth = b.open.len();
                namespaces
                    .enter(e, depth)
                    .map_err(|err| b.malformed(at, format!("bad XML: {err}")))?;
                // A skipped region's elements are not even classified.
                let tag = match b.skip_above {
                    Some(_) => Tag::Other,
                    None => {
                        let (vocabulary, local) = namespaces.classify(e.name());
                        tag(vocabulary, local)
                    }
                };
                let acts = tag != Tag::Skip && tag != Tag::Other;
                if empty {
                    if acts {
                        b.start(tag, e, at, false)?;
                        b.end(tag, at)?;
                    }
                    namespaces.leave(depth);
                } else {
                    b.enter(tag, at)?;
                    if acts {
                        b.start(tag, e, at, true)?;
                    }
                }
            }
            Event::End(_) => {
                let Some(tag) = b.open.pop() else {
                    return Err(b.malformed(at, "an end tag without a start tag"));
                };
                namespaces.leave(b.open.len());
                match b.skip_above {
                    Some(depth) if b.open.len() == depth => b.skip_above = None,
                    Some(_) => {}
                    None if tag.acts_on_end() => b.end(tag, at)?,
                    None => {}
                }
                if b.muted_above == Some(b.open.len()) {
                    b.muted_above = None;
                }
            }
            Event::Text(t) if b.in_text() => b.push_text(&t.xml10_content()),
            Event::CData(t) if b.in_text() => b.push_text(&t.xml10_content()),
            Event::GeneralRef(r) if b.in_text() => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch,
                    Ok(None) => match &**r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(b.malformed(at, format!("unknown entity &{other};"))),
                    },
                    Err(e) => return Err(b.malformed(at, format!("bad character reference: {e}"))),
                };
                b.push_text(ch.encode_utf8(&mut [0; 4]));
            }
            Event::Eof => break,
            // Comments, the declaration, processing instructions; a DTD is not read, so
            // no entity it declares can expand.
            _ => {}
        }
    }
    if b.elements == 0 {
        return Err(Error::malformed(
            origin.format,
            origin.part.map(String::from),
            "it holds no XML element",
        ));
    }
    if !b.open.is_empty() || !b.frames.is_empty() {
        let at = reader.buffer_position();
        return Err(b.malformed(at, "the document ends inside an open element (truncated?)"));
    }
    Ok(Grid {
        blocks: b.blocks,
        encoding: None,
        notes: Vec::new(),
    })
}

impl Builder<'_> {
    /// Records an opened element: depth check, and the start of a skipped region.
    fn enter(&mut self, tag: Tag, at: u64) -> Result<()> {
        if self.open.len() >= MAX_DEPTH {
            return Err(Error::limit(
                format!(
                    "{} nests elements more than {MAX_DEPTH} deep",
                    self.place(at)
                ),
                format!("{MAX_DEPTH} levels of XML nesting; real documents stay far below it"),
            ));
        }
        if tag == Tag::Skip && self.skip_above.is_none() {
            self.skip_above = Some(self.open.len());
        }
        self.open.push(tag);
        Ok(())
    }

    /// Whether the element being started sits directly in a run (`open`'s top for an
    /// empty element, the one below it for a start tag already pushed).
    fn parent_is_run(&self, pushed: bool) -> bool {
        let n = self.open.len();
        let parent = if pushed {
            n.checked_sub(2)
        } else {
            n.checked_sub(1)
        };
        parent.and_then(|i| self.open.get(i)) == Some(&Tag::R)
    }

    /// Whether text events are run text now (inside `<w:t>` of an open paragraph).
    fn in_text(&self) -> bool {
        self.skip_above.is_none()
            && self.open.last() == Some(&Tag::T)
            && matches!(self.frames.last(), Some(Frame::Paragraph { .. }))
    }

    fn push_text(&mut self, text: &str) {
        if self.muted_above.is_some() {
            return;
        }
        if let Some(Frame::Paragraph { .. }) = self.frames.last() {
            self.text.push_str(text);
        }
    }

    /// Acts on an element's start; `pushed` says whether it is already on `open` (a
    /// start tag) or not (an empty element).
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, at: u64, pushed: bool) -> Result<()> {
        match tag {
            Tag::P => {
                let body = if self.frames.is_empty() {
                    self.paragraphs += 1;
                    Some(self.paragraphs)
                } else {
                    None
                };
                let start = self.text_start();
                self.frames.push(Frame::Paragraph { start, body });
            }
            Tag::Tab if self.parent_is_run(pushed) => self.push_text("\t"),
            Tag::Br if self.parent_is_run(pushed) => self.push_text("\n"),
            Tag::Hyphen if self.parent_is_run(pushed) => self.push_text("-"),
            Tag::Tbl => {
                let number = if self.frames.is_empty() {
                    self.tables += 1;
                    self.tables
                } else {
                    0
                };
                let start = self.text_start();
                self.frames.push(Frame::Table(Box::new(TableBuild {
                    number,
                    start,
                    rows: Vec::new(),
                    row: None,
                    merges: BTreeMap::new(),
                })));
            }
            Tag::Sdt => self.sdts.push(false),
            Tag::ShowingPlaceholder => {
                // An on/off property: absent value means on.
                let off = val(e, |v| matches!(v, "0" | "false" | "off"));
                let on = off != Some(true);
                if let Some(showing) = self.sdts.last_mut() {
                    *showing = on;
                }
            }
            Tag::SdtContent
                if pushed && self.muted_above.is_none() && self.sdts.last() == Some(&true) =>
            {
                self.muted_above = Some(self.open.len() - 1);
            }
            Tag::Tr => {
                self.rows += 1;
                if self.rows > self.limits.max_cells {
                    return Err(Error::limit(
                        format!(
                            "more than {} table rows (at {})",
                            self.limits.max_cells,
                            self.place(at)
                        ),
                        format!(
                            "as many rows as cells, {} per file; raise it with --max-cells",
                            self.limits.max_cells
                        ),
                    ));
                }
                let Some(Frame::Table(table)) = self.frames.last_mut() else {
                    return Err(self.malformed(at, "a table row (w:tr) outside a table"));
                };
                if table.row.is_some() {
                    return Err(self.malformed(at, "a table row (w:tr) inside another row"));
                }
                table.row = Some(RowBuild {
                    cells: Vec::new(),
                    next_col: 0,
                    tcs: 0,
                    cell: None,
                });
            }
            Tag::Tc => {
                let start = self.text.len();
                let row = match self.open_row() {
                    Some(row) if row.cell.is_none() => row,
                    _ => return Err(self.malformed(at, "a table cell (w:tc) outside a table row")),
                };
                row.tcs += 1;
                row.cell = Some(CellBuild {
                    start,
                    paragraphs: 0,
                    tc: row.tcs,
                    span: 1,
                    vmerge: Merge::None,
                    hmerge_continue: false,
                });
            }
            Tag::GridBefore => {
                let value = grid_value(e);
                if let Some(row) = self.open_row() {
                    if row.tcs == 0 {
                        row.next_col = value;
                    }
                }
            }
            Tag::GridSpan => {
                let value = grid_value(e);
                if let Some(cell) = self.open_cell() {
                    cell.span = value;
                }
            }
            Tag::VMerge | Tag::HMerge => {
                let restart = val(e, |v| v == "restart") == Some(true);
                if let Some(cell) = self.open_cell() {
                    if tag == Tag::VMerge {
                        cell.vmerge = if restart {
                            Merge::Restart
                        } else {
                            Merge::Continue
                        };
                    } else {
                        cell.hmerge_continue = !restart;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, tag: Tag, at: u64) -> Result<()> {
        match tag {
            Tag::P => {
                let Some(Frame::Paragraph { start, body }) = self.frames.pop() else {
                    return Err(self.malformed(at, "a paragraph closed out of order"));
                };
                match body {
                    Some(number) => {
                        let text = self.take_text(start);
                        if !text.is_empty() {
                            self.count_cell(at)?;
                            let loc = Loc::Paragraph { paragraph: number };
                            self.blocks.push(Block::Paragraph(Cell::text(0, text, loc)));
                        }
                    }
                    None => self.file_nested(start),
                }
            }
            Tag::Tbl => {
                let Some(Frame::Table(mut table)) = self.frames.pop() else {
                    return Err(self.malformed(at, "a table closed out of order"));
                };
                if let Some(row) = table.row.take() {
                    // quick-xml checks end names, so an open row here means a w:tr
                    // was not closed inside this table: cannot happen, but do not panic.
                    if let Some(cell) = row.cell {
                        self.text.truncate(cell.start);
                    }
                }
                if table.number > 0 {
                    self.blocks.push(Block::Table(Table {
                        name: None,
                        rows: table.rows,
                    }));
                } else {
                    self.text.push_str(&crate::model::rows_as_text(&table.rows));
                    self.file_nested(table.start);
                }
            }
            Tag::Tr => {
                let Some(Frame::Table(table)) = self.frames.last_mut() else {
                    return Ok(());
                };
                let Some(row) = table.row.take() else {
                    return Ok(());
                };
                let index = table.rows.len();
                table.rows.push(Row { cells: row.cells });
                // A region not continued in this row is closed.
                table.merges.retain(|_, m| m.last_row == index);
            }
            Tag::Tc => self.end_cell(at)?,
            Tag::Sdt => {
                self.sdts.pop();
            }
            // Nothing to close (see Tag::acts_on_end).
            _ => {}
        }
        Ok(())
    }

    /// Where the text of a paragraph or table opening now starts in the buffer. A
    /// cell's paragraphs (and nested tables) are joined with newlines, so the one
    /// before it ends here.
    fn text_start(&mut self) -> usize {
        if self.open_cell().is_some_and(|cell| cell.paragraphs > 0) {
            self.text.push('\n');
        }
        self.text.len()
    }

    /// Files the text of a finished nested paragraph or table, the buffer's tail from
    /// `start`, with what encloses it: the open cell, as one more paragraph (the newline
    /// before it is written); the open paragraph (a text box), as a line of its own; or
    /// nothing, when it sits directly in a table or row, where Word shows none of it.
    fn file_nested(&mut self, start: usize) {
        if let Some(Frame::Paragraph { start: outer, .. }) = self.frames.last() {
            if *outer < start && start < self.text.len() {
                self.text.insert(start, '\n');
            }
        } else if let Some(cell) = self.open_cell() {
            cell.paragraphs += 1;
        } else {
            self.text.truncate(start);
        }
    }

    /// The buffer's tail from `start`, trimmed, as a string of its own; the buffer is
    /// cut back to `start`.
    fn take_text(&mut self, start: usize) -> String {
        let text = trim(&self.text[start..]).to_string();
        self.text.truncate(start);
        text
    }

    fn end_cell(&mut self, at: u64) -> Result<()> {
        let Some(cell) = self.open_row().and_then(|row| row.cell.take()) else {
            return Ok(());
        };
        let text = self.take_text(cell.start);
        let Some(Frame::Table(table)) = self.frames.last_mut() else {
            return Ok(());
        };
        let number = table.number;
        let row_index = table.rows.len();
        let Some(row) = table.row.as_mut() else {
            return Ok(());
        };
        let col = row.next_col;
        row.next_col = row.next_col.saturating_add(cell.span);

        if cell.hmerge_continue {
            // Legacy horizontal merge: widen the cell to the left, drop this one's text.
            if let Some(left) = row.cells.last_mut() {
                if left.col.saturating_add(left.col_span) == col {
                    left.col_span = left.col_span.saturating_add(cell.span);
                }
            }
            return Ok(());
        }
        if cell.vmerge == Merge::Continue {
            if let Some(open) = table.merges.get_mut(&col) {
                if open.last_row + 1 == row_index {
                    open.last_row = row_index;
                    if let Some(i) = open.cell {
                        if let Some(anchor) = table
                            .rows
                            .get_mut(open.row)
                            .and_then(|r| r.cells.get_mut(i))
                        {
                            anchor.row_span += 1;
                        }
                    }
                    return Ok(());
                }
            }
            // A continuation with nothing above to continue starts a region of its own.
        }
        let stored = if text.is_empty() {
            None
        } else {
            let loc = Loc::Table {
                table: number,
                row: row_index as u32 + 1,
                cell: cell.tc,
            };
            row.cells.push(Cell {
                text,
                number: None,
                col,
                col_span: cell.span,
                row_span: 1,
                loc,
            });
            Some(row.cells.len() - 1)
        };
        if cell.vmerge != Merge::None {
            table.merges.insert(
                col,
                OpenMerge {
                    row: row_index,
                    cell: stored,
                    last_row: row_index,
                },
            );
        } else {
            table.merges.remove(&col);
        }
        if stored.is_some() {
            self.count_cell(at)?;
        }
        Ok(())
    }

    fn count_cell(&mut self, at: u64) -> Result<()> {
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(Error::limit(
                format!(
                    "more than {} non-empty cells (at {})",
                    self.limits.max_cells,
                    self.place(at)
                ),
                format!(
                    "{} cells per file; raise it with --max-cells",
                    self.limits.max_cells
                ),
            ));
        }
        Ok(())
    }

    fn open_row(&mut self) -> Option<&mut RowBuild> {
        match self.frames.last_mut() {
            Some(Frame::Table(table)) => table.row.as_mut(),
            _ => None,
        }
    }

    fn open_cell(&mut self) -> Option<&mut CellBuild> {
        self.open_row().and_then(|row| row.cell.as_mut())
    }

    /// Where the reader is, for error messages: the top-level table, row and cell, or
    /// the body paragraph, and the byte offset in the part.
    fn place(&self, at: u64) -> String {
        let mut place = self.origin.part.map_or(String::new(), |p| format!("{p}, "));
        match self.frames.first() {
            Some(Frame::Table(table)) => {
                place.push_str(&format!("table {}", table.number));
                match &table.row {
                    Some(row) => {
                        place.push_str(&format!(" row {}", table.rows.len() + 1));
                        if row.cell.is_some() {
                            place.push_str(&format!(" cell {}", row.tcs));
                        }
                    }
                    None if !table.rows.is_empty() => {
                        place.push_str(&format!(" after row {}", table.rows.len()))
                    }
                    None => {}
                }
            }
            Some(Frame::Paragraph { body: Some(n), .. }) => {
                place.push_str(&format!("paragraph {n}"))
            }
            _ if self.tables > 0 || self.paragraphs > 0 => place.push_str(&format!(
                "after paragraph {} and table {}",
                self.paragraphs, self.tables
            )),
            _ => place.push_str("before the first paragraph"),
        }
        place.push_str(&format!(", byte {at}"));
        place
    }

    fn malformed(&self, at: u64, detail: impl Into<String>) -> Error {
        Error::malformed(self.origin.format, Some(self.place(at)), detail)
    }
}

/// What `read` makes of the `w:val` attribute (any prefix), unescaped; `None` when it
/// is absent or unreadable. The value is lent, not copied: it is only ever compared.
fn val<T>(e: &BytesStart<'_>, read: impl FnOnce(&str) -> T) -> Option<T> {
    let attr = e
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == "val")?;
    let value = attr.normalized_value(XmlVersion::Implicit1_0).ok()?;
    Some(read(&value))
}

/// A gridSpan/gridBefore count: 1..=MAX_GRID for a span, 0 allowed for gridBefore.
fn grid_value(e: &BytesStart<'_>) -> u32 {
    let value = val(e, |v| v.trim().parse::<u32>().ok()).flatten();
    let is_span = e.local_name().into_inner() == "gridSpan";
    match value {
        Some(0) | None if is_span => 1,
        Some(v) => v.min(MAX_GRID),
        None => 0,
    }
}

fn trim(text: &str) -> &str {
    text.trim_matches(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::time::Instant;

    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::ErrorKind;

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    /// A DOCX package holding `document.xml` as its body part.
    fn package(document: impl AsRef<[u8]>) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
            .unwrap();
        zip.start_file(PART, options).unwrap();
        zip.write_all(document.as_ref()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// A DOCX whose body is `body`.
    fn docx(body: &str) -> Vec<u8> {
        package(format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}</w:body></w:document>"#
        ))
    }

    fn read_body(body: &str) -> Grid {
        read(&docx(body), &ReadLimits::default()).unwrap()
    }

    fn p(text: &str) -> String {
        format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    fn tc(props: &str, paragraphs: &str) -> String {
        format!("<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>")
    }

    fn tables(grid: &Grid) -> Vec<&Table> {
        grid.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Paragraph(_) => None,
            })
            .collect()
    }

    use crate::model::test_support::{cell, layout};

    #[test]
    fn the_zip_crate_writes_what_the_package_reads() {
        let bytes = docx(&p("x"));
        assert!(bytes.starts_with(b"PK\x03\x04"));
        assert_eq!(
            crate::formats::detect(&bytes, &ReadLimits::default()).unwrap(),
            crate::Format::Docx
        );
    }

    /// Word 2003 XML: the body's elements in the 2003 namespace, `vmerge` in lower case,
    /// the header and a footnote inline (not read); told from its bytes; its errors name
    /// its format and no package part.
    #[test]
    fn word_2003_xml_reads_as_its_body_says() {
        let body = format!(
            "<w:p><w:r><w:t>标题</w:t></w:r><w:r><w:footnote><w:p><w:r><w:t>脚注</w:t></w:r></w:p></w:footnote></w:r></w:p>\
             <w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>\
             <w:sectPr><w:hdr w:type=\"odd\">{}</w:hdr><w:ftr w:type=\"odd\">{}</w:ftr></w:sectPr>",
            tc(r#"<w:vmerge w:val="restart"/>"#, &p("预算整体情况")),
            tc("", &p("a")),
            tc("<w:vmerge/>", "<w:p/>"),
            tc("", &p("b")),
            p("页眉"),
            p("第1页"),
        );
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<?mso-application progid=\"Word.Document\"?>\n\
             <w:wordDocument xmlns:w=\"{W_2003_NS}\" xmlns:wx=\"http://schemas.microsoft.com/office/word/2003/auxHint\">\
             <w:body><wx:sect>{body}</wx:sect></w:body></w:wordDocument>"
        );
        assert!(sniff_word_xml(xml.as_bytes()));
        assert!(!sniff_word_xml(docx(&p("x")).as_slice()));
        assert_eq!(
            crate::formats::detect(xml.as_bytes(), &ReadLimits::default()).unwrap(),
            crate::Format::WordXml
        );
        let grid = read_word_xml(xml.as_bytes(), &ReadLimits::default()).unwrap();
        let paragraphs: Vec<&str> = grid
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(c) => Some(c.text.as_str()),
                Block::Table(_) => None,
            })
            .collect();
        assert_eq!(paragraphs, ["标题"], "no footnote, header or footer text");
        let table = tables(&grid)[0];
        assert_eq!(table.rows[0].cells[0].row_span, 2, "vmerge merges down");
        assert_eq!(table.rows[1].cells[0].text, "b");

        let cut = &xml[..xml.find("<w:sectPr>").unwrap()];
        let err = read_word_xml(cut.as_bytes(), &ReadLimits::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("word-xml") && !err.contains("word/document.xml"),
            "{err}"
        );
    }

    #[test]
    fn grid_span_and_grid_before_place_cells_on_the_grid() {
        let row1 = format!(
            "<w:tr>{}{}{}</w:tr>",
            tc("", &p("部门名称")),
            tc(r#"<w:gridSpan w:val="3"/>"#, &p("广州市司法局")),
            tc("", &p("x"))
        );
        let row2 = format!(
            r#"<w:tr><w:trPr><w:gridBefore w:val="2"/></w:trPr>{}{}</w:tr>"#,
            tc("", &p("c")),
            tc("", &p("d"))
        );
        let grid = read_body(&format!("<w:tbl>{row1}{row2}</w:tbl>"));
        assert_eq!(
            layout(tables(&grid)[0]),
            vec![
                vec![
                    cell(0, "部门名称", 1, 1, "table 1 row 1 cell 1"),
                    cell(1, "广州市司法局", 3, 1, "table 1 row 1 cell 2"),
                    cell(4, "x", 1, 1, "table 1 row 1 cell 3"),
                ],
                vec![
                    cell(2, "c", 1, 1, "table 1 row 2 cell 1"),
                    cell(3, "d", 1, 1, "table 1 row 2 cell 2")
                ],
            ]
        );
    }

    #[test]
    fn vertical_merges_grow_the_anchor_and_drop_continuations() {
        let restart = r#"<w:vMerge w:val="restart"/>"#;
        let rows = [
            format!(
                "<w:tr>{}{}</w:tr>",
                tc(restart, &p("预算整体情况")),
                tc("", &p("a"))
            ),
            format!(
                "<w:tr>{}{}</w:tr>",
                tc("<w:vMerge/>", "<w:p/>"),
                tc("", &p("b"))
            ),
            // Word ignores a continuation's own text; so do we.
            format!(
                r#"<w:tr>{}{}</w:tr>"#,
                tc(r#"<w:vMerge w:val="continue"/>"#, &p("stray")),
                tc("", &p("c"))
            ),
            format!(
                "<w:tr>{}{}</w:tr>",
                tc("", &p("总体绩效目标")),
                tc(restart, &p("m"))
            ),
            format!(
                "<w:tr>{}{}</w:tr>",
                tc("<w:vMerge/>", "<w:p/>"),
                tc("<w:vMerge/>", "<w:p/>")
            ),
        ];
        let grid = read_body(&format!("<w:tbl>{}</w:tbl>", rows.concat()));
        assert_eq!(
            layout(tables(&grid)[0]),
            vec![
                vec![
                    cell(0, "预算整体情况", 1, 3, "table 1 row 1 cell 1"),
                    cell(1, "a", 1, 1, "table 1 row 1 cell 2")
                ],
                vec![cell(1, "b", 1, 1, "table 1 row 2 cell 2")],
                vec![cell(1, "c", 1, 1, "table 1 row 3 cell 2")],
                // A plain cell ends the region above it; the orphan continuation in
                // row 5 column 0 starts nothing and holds nothing.
                vec![
                    cell(0, "总体绩效目标", 1, 1, "table 1 row 4 cell 1"),
                    cell(1, "m", 1, 2, "table 1 row 4 cell 2")
                ],
                vec![],
            ]
        );
    }

    #[test]
    fn merges_follow_the_grid_column_not_the_cell_index() {
        // Row 2 has a gridSpan before the continuation, so its continuation is its
        // second <w:tc> but still grid column 2.
        let rows = [
            format!(
                "<w:tr>{}{}{}</w:tr>",
                tc("", &p("a")),
                tc("", &p("b")),
                tc(r#"<w:vMerge w:val="restart"/>"#, &p("L"))
            ),
            format!(
                "<w:tr>{}{}</w:tr>",
                tc(r#"<w:gridSpan w:val="2"/>"#, &p("ab")),
                tc("<w:vMerge/>", "<w:p/>")
            ),
        ];
        let grid = read_body(&format!("<w:tbl>{}</w:tbl>", rows.concat()));
        let t = tables(&grid)[0];
        assert_eq!(t.rows[0].at(2).unwrap().row_span, 2);
        assert_eq!(
            layout(t)[1],
            vec![cell(0, "ab", 2, 1, "table 1 row 2 cell 1")]
        );
    }

    #[test]
    fn cell_paragraphs_join_with_newlines_and_the_whole_is_trimmed() {
        let paragraphs = concat!(
            "<w:p><w:r><w:t xml:space=\"preserve\">\u{3000} 一是</w:t></w:r><w:r><w:t>健全</w:t></w:r></w:p>",
            "<w:p/>",
            "<w:p><w:r><w:t>二是</w:t><w:tab/><w:t>甲</w:t><w:br/><w:t>乙</w:t><w:cr/><w:t>丙 </w:t></w:r></w:p>",
            "<w:p><w:r><w:t xml:space=\"preserve\">  </w:t></w:r></w:p>",
        );
        let grid = read_body(&format!(
            "<w:tbl><w:tr>{}</w:tr></w:tbl>",
            tc("", paragraphs)
        ));
        assert_eq!(
            tables(&grid)[0].rows[0].cells[0].text,
            "一是健全\n\n二是\t甲\n乙\n丙"
        );
    }

    #[test]
    fn a_title_paragraph_comes_before_the_table_and_paragraphs_count_empty_ones() {
        let body = format!(
            r#"<w:p/>{}<w:tbl><w:tr>{}</w:tr></w:tbl>{}<w:sdt><w:sdtPr><w:alias w:val="x"/><w:placeholder><w:docPart w:val="y"/></w:placeholder></w:sdtPr><w:sdtContent>{}</w:sdtContent></w:sdt><w:sectPr/>"#,
            r#"<w:p><w:pPr><w:jc w:val="center"/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>广州市司法局2024年部门整体预算绩效目标申报表</w:t></w:r></w:p>"#,
            tc("", &p("部门名称")),
            p("   "),
            p("填报说明")
        );
        let grid = read_body(&body);
        assert_eq!(grid.blocks.len(), 3);
        let Block::Paragraph(title) = &grid.blocks[0] else {
            panic!("title first: {:?}", grid.blocks[0])
        };
        assert_eq!(title.text, "广州市司法局2024年部门整体预算绩效目标申报表");
        assert_eq!(title.loc, Loc::Paragraph { paragraph: 2 });
        assert_eq!(title.col, 0);
        assert!(
            matches!(&grid.blocks[1], Block::Table(t) if t.rows[0].cells[0].text == "部门名称")
        );
        // Paragraph 3 is blank (not stored); the content control's paragraph is 4.
        let Block::Paragraph(note) = &grid.blocks[2] else {
            panic!("paragraph last")
        };
        assert_eq!(
            (note.text.as_str(), note.loc.to_string()),
            ("填报说明", "paragraph 4".to_string())
        );
    }

    #[test]
    fn two_tables_are_numbered_and_a_nested_table_is_folded_into_its_cell() {
        let nested = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr/><w:tr>{}</w:tr></w:tbl>",
            tc("", &p("n1")),
            tc("", &p("n2")),
            tc("", &p("n3"))
        );
        let first = format!(
            "<w:tbl><w:tr>{}</w:tr></w:tbl>",
            tc("", &format!("{}{nested}<w:p/>", p("outer")))
        );
        let second = format!(
            "<w:tbl><w:tr/><w:tr>{}</w:tr></w:tbl>",
            tc("", &p("second"))
        );
        let grid = read_body(&format!("{first}<w:p/>{second}"));
        let t = tables(&grid);
        assert_eq!(t.len(), 2, "the nested table is not a block");
        assert_eq!(t[0].rows[0].cells[0].text, "outer\nn1\tn2\nn3");
        assert!(
            t[1].rows[0].is_empty(),
            "an empty <w:tr> is kept as an empty row"
        );
        assert_eq!(
            t[1].rows[1].cells[0].loc.to_string(),
            "table 2 row 2 cell 1"
        );
    }

    #[test]
    fn deleted_text_field_codes_and_fallbacks_are_skipped_inserted_text_is_read() {
        let body = concat!(
            "<w:p><w:r><w:t>保</w:t></w:r>",
            "<w:del w:id=\"1\" w:author=\"a\"><w:r><w:delText>删除</w:delText></w:r><w:r><w:t>也删</w:t></w:r></w:del>",
            "<w:ins w:id=\"2\" w:author=\"a\"><w:r><w:t>留</w:t></w:r></w:ins>",
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>",
            "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
            "<w:r><w:rPr><w:highlight/><w:del w:id=\"3\"/></w:rPr><w:sym w:font=\"Wingdings\" w:char=\"F0FC\"/><w:t>A&amp;B&#x4E2D;&#25991;</w:t></w:r>",
            "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>",
            "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>",
            "<w:unknownThing w:foo=\"1\"><w:r><w:t>!</w:t></w:r></w:unknownThing>",
            "</w:p>",
        );
        let grid = read_body(body);
        let Block::Paragraph(cell) = &grid.blocks[0] else {
            panic!()
        };
        assert_eq!(cell.text, "保留1A&B中文\n框!");
    }

    #[test]
    fn a_content_control_showing_its_placeholder_has_no_value() {
        let control = |props: &str, content: &str| {
            format!(
                "<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"
            )
        };
        let prompt = r#"<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>单击或点击此处输入文字。</w:t></w:r>"#;
        let body = format!(
            "{}{}<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
            control("<w:showingPlcHdr/>", &format!("<w:p>{prompt}</w:p>")),
            control(r#"<w:showingPlcHdr w:val="false"/>"#, &p("已填")),
            tc(
                "",
                &format!("<w:p>{}</w:p>", control("<w:showingPlcHdr/>", prompt))
            ),
            tc(
                "",
                &format!(
                    "<w:p><w:r><w:t>金额</w:t></w:r>{}</w:p>",
                    control("", "<w:r><w:t>9,725.00</w:t></w:r>")
                )
            ),
        );
        let grid = read_body(&body);
        let Block::Paragraph(filled) = &grid.blocks[0] else {
            panic!("{:?}", grid.blocks)
        };
        assert_eq!(
            (filled.text.as_str(), filled.loc.to_string()),
            ("已填", "paragraph 2".into())
        );
        assert_eq!(
            layout(tables(&grid)[0]),
            vec![vec![cell(1, "金额9,725.00", 1, 1, "table 1 row 1 cell 2")]]
        );
    }

    #[test]
    fn rows_are_held_to_the_cell_limit() {
        let limits = ReadLimits {
            max_cells: 100,
            ..ReadLimits::default()
        };
        let err = read(
            &docx(&format!("<w:tbl>{}</w:tbl>", "<w:tr/>".repeat(101))),
            &limits,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("more than 100 table rows"),
            "{err}"
        );
        assert!(read(
            &docx(&format!("<w:tbl>{}</w:tbl>", "<w:tr/>".repeat(100))),
            &limits
        )
        .is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let depth = MAX_DEPTH + 10;
        let body = format!(
            "{}{}",
            "<w:customXml>".repeat(depth),
            "</w:customXml>".repeat(depth)
        );
        let err = read(&docx(&body), &ReadLimits::default()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
        assert!(err.to_string().contains("deep"), "{err}");
        // Just under the limit is fine.
        let ok = MAX_DEPTH - 10;
        let body = format!(
            "{}{}{}",
            "<w:customXml>".repeat(ok),
            p("深"),
            "</w:customXml>".repeat(ok)
        );
        assert!(read(&docx(&body), &ReadLimits::default()).is_ok());
    }

    #[test]
    fn cell_limit_is_refused() {
        let row = format!("<w:tr>{}{}</w:tr>", tc("", &p("a")), tc("", &p("b")));
        let bytes = docx(&format!("{}<w:tbl>{}</w:tbl>", p("title"), row.repeat(2)));
        let limits = ReadLimits {
            max_cells: 4,
            ..ReadLimits::default()
        };
        let err = read(&bytes, &limits).unwrap_err();
        assert!(err.to_string().contains("--max-cells"), "{err}");
        assert!(err.to_string().contains("table 1 row 2"), "{err}");
        let limits = ReadLimits {
            max_cells: 5,
            ..ReadLimits::default()
        };
        assert!(read(&bytes, &limits).is_ok());
    }

    #[test]
    fn bad_xml_is_an_error_that_names_the_place() {
        let good_row = format!("<w:tr>{}</w:tr>", tc("", &p("a")));
        let bad_row = "<w:tr><w:tc><w:p><w:r><w:t>x</w:r></w:p></w:tc></w:tr>";
        let body = format!("<w:tbl>{good_row}</w:tbl><w:p/><w:tbl>{good_row}{bad_row}</w:tbl>");
        let err = read(&docx(&body), &ReadLimits::default()).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Malformed { format: "docx", .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("word/document.xml, table 2 row 2 cell 1"),
            "{err}"
        );
    }

    #[test]
    fn any_prefix_bound_to_wordprocessingml_is_read_wherever_it_is_declared() {
        let texts = |document: String| -> Vec<String> {
            let grid = read(&package(document), &ReadLimits::default()).unwrap();
            grid.blocks
                .iter()
                .flat_map(|block| match block {
                    Block::Paragraph(cell) => vec![cell.text.clone()],
                    Block::Table(table) => table
                        .rows
                        .iter()
                        .flat_map(|row| row.cells.iter().map(|c| c.text.clone()))
                        .collect(),
                })
                .collect()
        };
        // The default namespace, no prefix at all.
        let plain = format!(
            r#"<document xmlns="{W_NS}"><body><p><r><t>正文</t></r></p><tbl><tr><tc><p><r><t>单元</t></r></p></tc></tr></tbl></body></document>"#
        );
        assert_eq!(texts(plain), ["正文", "单元"]);
        // Another prefix, for the strict namespace.
        let strict = format!(
            r#"<x:document xmlns:x="{W_STRICT_NS}"><x:body><x:p><x:r><x:t>严格</x:t><x:tab/><x:t>版</x:t></x:r></x:p></x:body></x:document>"#
        );
        assert_eq!(texts(strict), ["严格\t版"]);
        // Declared below the root; `w` bound elsewhere for a while; unprefixed names
        // without a default namespace are nobody's.
        let body = concat!(
            "<ns:p xmlns:ns=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><ns:r><ns:t>甲</ns:t></ns:r></ns:p>",
            "<w:p><w:r><w:t>乙</w:t></w:r>",
            "<w:r xmlns:w=\"urn:elsewhere\"><w:t>藏</w:t><w:tab/></w:r><w:r><w:tab xmlns:w=\"urn:elsewhere\"/><w:t>丙</w:t></w:r>",
            "<a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><w:r><w:t>丁</w:t></w:r></a:graphic>",
            "</w:p>",
            "<p><r><t>无</t></r></p>",
        );
        let document = format!(r#"<w:document {NS}><w:body>{body}</w:body></w:document>"#);
        assert_eq!(texts(document), ["甲", "乙丙丁"]);
    }

    #[test]
    fn find_xmlns_finds_every_mention_across_blocks() {
        assert_eq!(find_xmlns(b"", 0), None);
        assert_eq!(find_xmlns(b"xmln", 0), None);
        assert_eq!(find_xmlns(b"xmlns", 0), Some(0));
        assert_eq!(find_xmlns(b"xmlns", 1), None);
        // Near-misses in every block, mentions on and across block edges, at the end.
        let mut xml = r#"<w:t xml:space="preserve">x n</w:t>"#.repeat(10).into_bytes();
        let mentions = [61, 126, 127 + 64, xml.len() + 100];
        for at in mentions {
            xml.resize(at.max(xml.len()), b' ');
            xml.splice(at..at, *b"xmlns");
        }
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = find_xmlns(&xml, from) {
            found.push(at);
            from = at + 1;
        }
        assert_eq!(found, mentions);
        assert!(xml.ends_with(b"xmlns"));
    }

    #[test]
    fn broken_packages_are_errors_not_panics() {
        let limits = ReadLimits::default();
        // Truncated body.
        let truncated = package(format!("<w:document {NS}><w:body><w:tbl><w:tr><w:tc><w:p>"));
        let err = read(&truncated, &limits).unwrap_err();
        assert!(
            err.to_string()
                .contains("word/document.xml, table 1 row 1 cell 1"),
            "{err}"
        );
        // A cell outside a row, a row outside a table.
        for body in [
            "<w:tbl><w:tc><w:p/></w:tc></w:tbl>",
            "<w:tr></w:tr>",
            "<w:p><w:t>&nbsp;</w:t></w:p>",
        ] {
            let err = read(&docx(body), &limits).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Malformed { .. }),
                "{body}: {err}"
            );
        }
        // Not UTF-8.
        let mut bad = format!("<w:document {NS}><w:body><w:p><w:r><w:t>").into_bytes();
        let at = bad.len();
        bad.extend([0xC3, 0x28, b'<']);
        let err = read(&package(&bad), &limits).unwrap_err();
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
        assert!(
            err.to_string().contains(&format!("paragraph 1, byte {at}")),
            "{err}"
        );
        // No document part, not a zip.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("word/other.xml", SimpleFileOptions::default())
            .unwrap();
        let err = read(&zip.finish().unwrap().into_inner(), &limits).unwrap_err();
        assert!(err.to_string().contains("no word/document.xml"), "{err}");
        assert!(read(b"PK\x03\x04nonsense", &limits).is_err());
        let err = read(&package(""), &limits).unwrap_err();
        assert!(err.to_string().contains("no XML element"), "{err}");
        // Hostile spans are clamped, not overflowed.
        let body = format!(
            "<w:tbl><w:tr><w:trPr><w:gridBefore w:val=\"4294967295\"/></w:trPr>{}{}</w:tr></w:tbl>",
            tc(r#"<w:gridSpan w:val="4294967295"/>"#, &p("a")),
            tc(r#"<w:gridSpan w:val="-3"/>"#, &p("b"))
        );
        let grid = read_body(&body);
        let cells = &tables(&grid)[0].rows[0].cells;
        assert_eq!(
            (cells[0].col, cells[0].col_span, cells[1].col_span),
            (MAX_GRID, MAX_GRID, 1)
        );
    }

    #[test]
    fn utf16_document_part_is_decoded() {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-16"?><w:document {NS}><w:body>{}</w:body></w:document>"#,
            p("中文")
        );
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(xml.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(PART, SimpleFileOptions::default()).unwrap();
        zip.write_all(&bytes).unwrap();
        let grid = read(&zip.finish().unwrap().into_inner(), &ReadLimits::default()).unwrap();
        assert!(matches!(&grid.blocks[0], Block::Paragraph(c) if c.text == "中文"));
    }

    #[test]
    fn a_ten_thousand_row_table_reads_quickly() {
        let row = format!(
            "<w:tr>{}{}{}</w:tr>",
            tc(r#"<w:vMerge w:val="restart"/>"#, &p("绩效指标")),
            tc("", &p("三级指标名称")),
            tc("", &p("≥90%"))
        );
        let cont = format!(
            "<w:tr>{}{}{}</w:tr>",
            tc("<w:vMerge/>", "<w:p/>"),
            tc("", &p("指标")),
            tc("", &p("100%"))
        );
        let mut body = String::from("<w:tbl>");
        body.push_str(&row);
        for _ in 1..10_000 {
            body.push_str(&cont);
        }
        body.push_str("</w:tbl>");
        let bytes = docx(&body);
        let start = Instant::now();
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        let elapsed = start.elapsed();
        let t = tables(&grid)[0];
        assert_eq!(t.rows.len(), 10_000);
        assert_eq!(t.rows[0].cells[0].row_span, 10_000);
        // Generous even for an unoptimised build; the point is "not quadratic".
        assert!(elapsed.as_secs() < 20, "{elapsed:?}");
    }
}
