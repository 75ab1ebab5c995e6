//! HTML reader: the forms government sites publish as web pages, read with a small
//! tolerant tokenizer of our own (no DOM, no dependency) into the same cell model as a
//! DOCX table.
//!
//! **Encoding**, in order: a BOM; the page's `<meta charset=…>` or
//! `<meta http-equiv="Content-Type" content="…; charset=…">` within its first 4 KB
//! (`gb2312` and `gbk` are read with the GB18030 decoder, their superset); else the text
//! reader's detection (valid UTF-8, valid GB18030, BOM-less UTF-16, the detector's
//! guess). Two declarations are not believed, each noted `input.encoding_guessed`:
//! one on a page that is valid UTF-8 with non-ASCII text (GBK text practically never
//! is, while UTF-8 often decodes as GB18030 nonsense without an error), and one the
//! bytes are not valid in, when they are valid UTF-8 or GB18030.
//!
//! **Markup** is taken as browsers take sloppy pages: tag and attribute names in any
//! case, attribute values quoted or not, `<td>`/`<tr>`/`<p>`/`<li>` closed by what
//! follows them, end tags without a matching start ignored, `<br/>` and `</br>` alike,
//! comments, doctypes and `<?…?>` skipped, named and numeric entities decoded (`&#150;`
//! as Windows-1252 does). The content of `<script>`, `<style>`, `<title>`,
//! `<template>`, `<noscript>`, `<iframe>`, `<textarea>` and the like is not text.
//!
//! **Tables.** Each table becomes a [`Block::Table`]; every `<tr>` (written or implied)
//! is a row, empty or not, and `<td>`/`<th>` a cell located `table t row r cell c`,
//! where `c` counts the cells as written in the row. `rowspan`/`colspan` become
//! `row_span`/`col_span`, and grid columns are computed as a browser lays them out: a
//! cell goes to the first column of its row not covered by a rowspan from above.
//! `rowspan="0"` and rowspans past the last row end at the table's last row. A table
//! nested in a cell is folded into the cell's text (cells joined by tabs, rows by
//! newlines), as the DOCX reader does. Caption text and text misplaced between rows
//! come before the table, where browsers show them.
//!
//! **Layout tables.** Sites built with tables put the whole page in one, with the form
//! nested in a cell. A table is therefore *unwrapped* (its cells read as running text,
//! its nested tables promoted) when it has fewer than two non-empty cells, or when a
//! table nested in it has more non-empty cells than its own cells have text. Tables are
//! numbered (`table t`) among the tables kept, in document order.
//!
//! **Cell text** is rendered as a browser shows it: runs of white space (`&nbsp;`
//! included) collapse to one space and vanish at line ends; `<br>` is a line break
//! (two `<br>` leave an empty line); block elements (`<p>`, `<div>`, `<li>`, headings…)
//! start and end lines without adding empty ones; `<pre>` keeps its spaces and lines.
//! The cell is trimmed of white space at both ends (U+3000 included).
//!
//! **Text outside tables** is split into lines the same way (a `<br>` ends one too) and
//! only what belongs to the form is kept, as [`Block::Paragraph`]s numbered among the
//! kept ones (`paragraph n`): the **last three content lines before each table**, taken
//! back to the previous table or the nearest navigation, and the **first three after
//! it**, up to the next navigation or page chrome (a form's `填报人：… 填报日期：…` line
//! sits under its table). A line or table is:
//!
//! * *navigation* when at least half of its characters are link text (`<a href>`) or
//!   sit in `<nav>`, `<footer>`, `<aside>`, `<menu>` or `<select>`, or when it is short
//!   and says where the reader is (`当前位置`, `您的位置`…): it is dropped and nothing
//!   before it is kept, so menus and breadcrumbs never reach the form;
//! * *page chrome* when it is short and carries a page's furniture (`版权所有`,
//!   `Copyright`, `©`, `ICP备`, `网站标识码`, `发布时间`, `浏览次数`, `【打印】`…):
//!   dropped, and the lines before it may still be kept (a title above a
//!   "发布时间：…" line);
//! * *content* otherwise.
//!
//! Text further from the tables (footers, contact lines, share buttons) is dropped, as are
//! the page's `<title>` and `<head>`. So a page's title and a `单位：万元` line above the
//! form are read; its menus, breadcrumb and footer are neither read nor reported. A
//! page with no table at all keeps every content line instead (its navigation and
//! chrome still dropped), so that a form written as prose, or whatever the page holds
//! in its place, is read or reported, not lost.
//!
//! **Safety**: nesting deeper than [`MAX_DEPTH`] open elements is refused, as is a table
//! wider than [`MAX_COLUMNS`] grid columns, or a file with more than
//! [`ReadLimits::max_cells`] table rows and non-empty cells together. The reader never
//! panics, and its time is linear in the input but for two bounded factors: placing a
//! row's cells past rowspans takes at most [`MAX_COLUMNS`] steps, and a nested table's
//! text is folded once per level of nesting. Errors name the place:
//! `table 2 row 5 cell 3, source line 120` (tables there count the top-level `<table>`
//! elements as written).

use std::collections::VecDeque;

use encoding_rs::{Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

use crate::formats::text;
use crate::model::{Block, Cell, Grid, Loc, ReaderNote, Row, Table};
use crate::{Error, ErrorKind, ReadLimits, Result};

/// Deepest nesting of open elements accepted (real pages stay far below it).
pub const MAX_DEPTH: usize = 256;

/// Widest table accepted, in grid columns (HTML caps one `colspan` at 1000).
pub const MAX_COLUMNS: u32 = 1024;

/// Largest `rowspan` honoured (the HTML limit) and largest `colspan`.
const MAX_ROWSPAN: u32 = 65_534;
const MAX_COLSPAN: u32 = 1_000;

/// How far into the file the charset declaration and the HTML markers are looked for.
const SNIFF_BYTES: usize = 4096;

/// Content lines kept before a table.
const KEPT_BEFORE_TABLE: usize = 3;
/// Content lines kept after a table (a form's 填报人 / 填报日期 line sits there).
const KEPT_AFTER_TABLE: usize = 3;

/// A line (or a small table) longer than this is content whatever words it contains.
const SHORT_LINE_CHARS: u64 = 200;
/// A table with more non-empty cells than this is never navigation by its words.
const SMALL_TABLE_CELLS: u32 = 20;

/// Words of a "you are here" line.
const NAV_MARKERS: &[&str] = &["当前位置", "您的位置", "您现在的位置", "所在位置"];

/// Words of page furniture: footers, article metadata, print and share buttons.
const CHROME_MARKERS: &[&str] = &[
    "版权所有",
    "©",
    "ICP备",
    "ICP证",
    "公网安备",
    "网站标识码",
    "网站地图",
    "主办单位",
    "承办单位",
    "技术支持",
    "发布时间",
    "发布日期",
    "浏览次数",
    "访问量",
    "【打印】",
    "【关闭】",
    "打印本页",
    "关闭窗口",
    "分享到",
];

/// Reads an HTML page into the cell model (see the module documentation for the rules).
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let decoded = decode(bytes)?;
    let blocks = parse(&decoded.text, limits)?;
    Ok(Grid {
        blocks,
        encoding: Some(decoded.encoding),
        notes: decoded.notes,
    })
}

/// Whether the bytes are an HTML page: after an optional BOM and white space they open
/// with `<!DOCTYPE html` or `<html`, or their first 4 KB hold an `<html>`, `<head>`,
/// `<body>` or `<table>` tag (case-insensitive). UTF-16 pages are decoded first;
/// ASCII-compatible ones (UTF-8, GB18030…) are looked at as bytes.
pub(crate) fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if looks_like_html(head) {
        return true;
    }
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if utf16 || head.contains(&0) {
        if let Ok(decoded) = text::decode(head) {
            return looks_like_html(decoded.text.as_bytes());
        }
    }
    false
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    let tag_at = |at: usize, name: &[u8]| {
        let end = at + 1 + name.len();
        bytes.len() >= end
            && bytes[at + 1..end].eq_ignore_ascii_case(name)
            && bytes
                .get(end)
                .is_none_or(|&b| is_space(b) || b == b'>' || b == b'/')
    };
    if tag_at(start, b"!doctype html") {
        return true;
    }
    bytes.iter().enumerate().any(|(at, &b)| {
        b == b'<'
            && (tag_at(at, b"html")
                || tag_at(at, b"head")
                || tag_at(at, b"body")
                || tag_at(at, b"table")
                || tag_at(at, b"!doctype html"))
    })
}

// ---------------------------------------------------------------- encoding

/// The page as text, the encoding's name, and any note about how sure that is.
struct Decoded {
    text: String,
    encoding: String,
    notes: Vec<ReaderNote>,
}

fn decode(bytes: &[u8]) -> Result<Decoded> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: name_of(encoding),
            notes: had_errors
                .then(|| replaced_note(encoding))
                .into_iter()
                .collect(),
        });
    }
    if let Some((label, encoding)) = declared_encoding(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
        // Chinese text in GBK is practically never valid UTF-8, while UTF-8 often decodes
        // as GB18030 without an error (as nonsense): valid UTF-8 beats a declaration.
        if encoding != UTF_8 && !bytes.is_ascii() {
            if let Ok(text) = std::str::from_utf8(bytes) {
                return Ok(Decoded {
                    text: text.to_string(),
                    encoding: "utf-8".to_string(),
                    notes: vec![declared_note(&label, encoding, "utf-8")],
                });
            }
        }
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: name_of(encoding),
                notes: Vec::new(),
            });
        }
        // The declaration is wrong (a CMS that re-encoded the page but kept its
        // template's meta): trust bytes that are valid in an encoding we are sure of.
        if let Ok(sure) = text::decode(bytes) {
            if sure.note.is_none() {
                return Ok(Decoded {
                    notes: vec![declared_note(&label, encoding, sure.encoding)],
                    text: sure.text,
                    encoding: sure.encoding.to_string(),
                });
            }
        }
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: name_of(encoding),
            notes: vec![replaced_note(encoding)],
        });
    }
    let detected = text::decode(bytes).map_err(|e| match e.kind() {
        ErrorKind::Malformed { detail, .. } => Error::malformed("html", None, detail.clone()),
        _ => e,
    })?;
    Ok(Decoded {
        text: detected.text,
        encoding: detected.encoding.to_string(),
        notes: detected.note.into_iter().collect(),
    })
}

/// The charset a `<meta>` tag in `head` declares, as written and as the decoder to use.
/// A UTF-16 declaration in an ASCII-compatible page is false (browsers ignore it too).
fn declared_encoding(head: &[u8]) -> Option<(String, &'static Encoding)> {
    let head = String::from_utf8_lossy(head);
    let mut tokens = Tokenizer::new(&head);
    while let Some((_, token)) = tokens.next() {
        let Token::Start { name, attrs, .. } = token else {
            continue;
        };
        if name != "meta" {
            continue;
        }
        let label = attrs.charset.or_else(|| {
            let is_content_type = attrs
                .http_equiv
                .is_some_and(|h| h.trim().eq_ignore_ascii_case("content-type"));
            attrs
                .content
                .filter(|_| is_content_type)
                .and_then(charset_in_content)
        });
        let Some(label) = label else { continue };
        let label = label.trim().trim_matches(|c| c == '"' || c == '\'');
        let encoding = Encoding::for_label(label.as_bytes())?;
        if encoding == UTF_16LE || encoding == UTF_16BE || encoding == encoding_rs::REPLACEMENT {
            return None;
        }
        let encoding = if encoding == GBK { GB18030 } else { encoding };
        return Some((label.to_string(), encoding));
    }
    None
}

/// `text/html; charset=gb2312` → `gb2312`.
fn charset_in_content(content: &str) -> Option<&str> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")? + "charset".len();
    let rest = content[at..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|l| !l.is_empty())
}

/// encoding_rs names are WHATWG labels (`GB18030`, `Shift_JIS`): lower-cased, as the
/// text reader reports them.
fn name_of(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_lowercase()
}

fn declared_note(label: &str, declared: &'static Encoding, read_as: &str) -> ReaderNote {
    ReaderNote {
        code: "input.encoding_guessed",
        message: format!(
            "read as {read_as}: the page declares charset {label}, but its bytes are valid {read_as}, not {}",
            name_of(declared)
        ),
    }
}

fn replaced_note(encoding: &'static Encoding) -> ReaderNote {
    ReaderNote {
        code: "input.encoding_errors",
        message: format!(
            "read as {}, but some bytes are not valid in it and were replaced with U+FFFD",
            name_of(encoding)
        ),
    }
}

// ---------------------------------------------------------------- tokenizer

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

/// Elements whose content is not page text: skipped whole by the tokenizer.
const RAW_TEXT: &[&str] = &[
    "script", "style", "title", "template", "noscript", "iframe", "noembed", "noframes",
    "textarea", "xmp", "object",
];

/// The attributes the reader uses; the others are skipped.
#[derive(Default, Debug)]
struct Attrs<'a> {
    rowspan: Option<&'a str>,
    colspan: Option<&'a str>,
    href: bool,
    charset: Option<&'a str>,
    http_equiv: Option<&'a str>,
    content: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    fn set(&mut self, name: &str, value: &'a str) {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("rowspan") {
            self.rowspan = Some(value);
        } else if is("colspan") {
            self.colspan = Some(value);
        } else if is("href") {
            self.href = true;
        } else if is("charset") {
            self.charset = Some(value);
        } else if is("http-equiv") {
            self.http_equiv = Some(value);
        } else if is("content") {
            self.content = Some(value);
        }
    }
}

#[derive(Debug)]
enum Token<'a> {
    /// Text as written (entities not yet decoded).
    Text(&'a str),
    /// A start tag; the name lower-cased.
    Start {
        name: String,
        attrs: Attrs<'a>,
        self_closing: bool,
    },
    /// An end tag; the name lower-cased.
    End(String),
}

/// Splits a page into text and tags. Every step consumes at least one byte, every scan
/// moves forward only: linear in the input, whatever it holds.
struct Tokenizer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    fn new(s: &'a str) -> Self {
        Tokenizer { s, pos: 0 }
    }

    /// The next token and the byte offset where it starts.
    fn next(&mut self) -> Option<(usize, Token<'a>)> {
        let b = self.s.as_bytes();
        loop {
            let start = self.pos;
            if start >= b.len() {
                return None;
            }
            if b[start] != b'<' {
                return Some((start, self.text(start)));
            }
            match b.get(start + 1).copied() {
                Some(b'!') => {
                    self.pos = if b[start..].starts_with(b"<!--") {
                        find(b, start + 2, b"-->").map_or(b.len(), |i| i + 3)
                    } else {
                        // Doctype, CDATA, Office's <![if …]>: to the next '>'.
                        find_byte(b, start + 2, b'>').map_or(b.len(), |i| i + 1)
                    };
                }
                Some(b'?') => {
                    self.pos = find_byte(b, start + 2, b'>').map_or(b.len(), |i| i + 1);
                }
                Some(b'/') => match b.get(start + 2) {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let name_end = name_end(b, start + 2);
                        let name = self.s[start + 2..name_end].to_ascii_lowercase();
                        let (_, _, end) = self.attributes(name_end);
                        self.pos = end;
                        return Some((start, Token::End(name)));
                    }
                    Some(_) => {
                        // `</>` and `</3…`: a bogus comment.
                        self.pos = find_byte(b, start + 2, b'>').map_or(b.len(), |i| i + 1);
                    }
                    None => return Some((start, self.text(start))),
                },
                Some(c) if c.is_ascii_alphabetic() => {
                    let name_end = name_end(b, start + 1);
                    let name = self.s[start + 1..name_end].to_ascii_lowercase();
                    let (attrs, self_closing, end) = self.attributes(name_end);
                    self.pos = end;
                    if RAW_TEXT.contains(&name.as_str()) {
                        self.pos = skip_raw_text(b, end, name.as_bytes());
                        continue;
                    }
                    return Some((
                        start,
                        Token::Start {
                            name,
                            attrs,
                            self_closing,
                        },
                    ));
                }
                // A '<' that opens no tag is text.
                _ => return Some((start, self.text(start))),
            }
        }
    }

    /// Text from `start` (which may be a stray '<') to the next '<'.
    fn text(&mut self, start: usize) -> Token<'a> {
        let end = find_byte(self.s.as_bytes(), start + 1, b'<').unwrap_or(self.s.len());
        self.pos = end;
        Token::Text(&self.s[start..end])
    }

    /// Reads attributes from `at` to the tag's '>': the ones we use, whether the tag
    /// ends with `/>`, and the offset after it. Slices end at ASCII bytes or the end,
    /// so they are always on character boundaries.
    fn attributes(&self, mut at: usize) -> (Attrs<'a>, bool, usize) {
        let s = self.s;
        let b = s.as_bytes();
        let mut attrs = Attrs::default();
        let mut slash = false;
        loop {
            while at < b.len() && (is_space(b[at]) || b[at] == b'/') {
                slash = b[at] == b'/';
                at += 1;
            }
            if at >= b.len() {
                return (attrs, false, b.len());
            }
            if b[at] == b'>' {
                return (attrs, slash, at + 1);
            }
            slash = false;
            let name_start = at;
            at += 1;
            while at < b.len() && !is_space(b[at]) && !matches!(b[at], b'/' | b'>' | b'=') {
                at += 1;
            }
            let name = &s[name_start..at];
            while at < b.len() && is_space(b[at]) {
                at += 1;
            }
            let mut value = "";
            if at < b.len() && b[at] == b'=' {
                at += 1;
                while at < b.len() && is_space(b[at]) {
                    at += 1;
                }
                if at < b.len() && (b[at] == b'"' || b[at] == b'\'') {
                    let quote = b[at];
                    let end = find_byte(b, at + 1, quote).unwrap_or(b.len());
                    value = &s[at + 1..end];
                    at = (end + 1).min(b.len());
                } else {
                    let start = at;
                    while at < b.len() && !is_space(b[at]) && b[at] != b'>' {
                        at += 1;
                    }
                    value = &s[start..at];
                }
            }
            attrs.set(name, value);
        }
    }
}

/// End of a tag name: the next white space, '/' or '>'.
fn name_end(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && !is_space(b[at]) && b[at] != b'/' && b[at] != b'>' {
        at += 1;
    }
    at
}

fn find_byte(b: &[u8], from: usize, byte: u8) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == byte)
        .map(|i| i + from)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The offset after `</name …>` (any case), or the end of the input.
fn skip_raw_text(b: &[u8], mut from: usize, name: &[u8]) -> usize {
    while let Some(lt) = find_byte(b, from, b'<') {
        let at = lt + 2;
        let end = at + name.len();
        if b.get(lt + 1) == Some(&b'/')
            && b.len() >= end
            && b[at..end].eq_ignore_ascii_case(name)
            && b.get(end)
                .is_none_or(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return find_byte(b, end, b'>').map_or(b.len(), |i| i + 1);
        }
        from = lt + 1;
    }
    b.len()
}

// ---------------------------------------------------------------- entities

/// Calls `f` with each character of `raw`, entity references decoded.
fn decode_entities(raw: &str, mut f: impl FnMut(char)) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        rest[..amp].chars().for_each(&mut f);
        let after = &rest[amp + 1..];
        match entity(after) {
            Some((c, used)) => {
                f(c);
                rest = &after[used..];
            }
            None => {
                f('&');
                rest = after;
            }
        }
    }
    rest.chars().for_each(f);
}

/// The character the reference after a '&' stands for, and the bytes it takes.
fn entity(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (radix, start) = match b.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let mut at = start;
        let mut value: u32 = 0;
        while let Some(d) = b.get(at).and_then(|&c| (c as char).to_digit(radix)) {
            value = value.saturating_mul(radix).saturating_add(d);
            at += 1;
        }
        if at == start {
            return None;
        }
        if b.get(at) == Some(&b';') {
            at += 1;
        }
        return Some((numeric_char(value), at));
    }
    let len = b
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if len == 0 {
        return None;
    }
    let name = &s[..len];
    if b.get(len) == Some(&b';') {
        if let Some(c) = named_entity(name) {
            return Some((c, len + 1));
        }
    }
    // The few that browsers also take without a semicolon (`&nbsp`, `&amp`…).
    ["nbsp", "amp", "lt", "gt", "quot", "copy", "reg"]
        .iter()
        .find(|legacy| name.starts_with(*legacy))
        .and_then(|legacy| Some((named_entity(legacy)?, legacy.len())))
}

/// A numeric reference as browsers read it: 0x80–0x9F as Windows-1252, invalid code
/// points as U+FFFD.
fn numeric_char(value: u32) -> char {
    const C1: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0x80..=0x9F => C1[(value - 0x80) as usize],
        0 => 0xFFFD,
        v => v,
    };
    char::from_u32(value).unwrap_or('\u{FFFD}')
}

/// The named references that occur in Chinese government pages and office exports.
fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" => '\u{A0}',
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "copy" | "COPY" => '©',
        "reg" | "REG" => '®',
        "trade" => '™',
        "middot" => '·',
        "bull" => '•',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "laquo" => '«',
        "raquo" => '»',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "times" => '×',
        "divide" => '÷',
        "plusmn" => '±',
        "minus" => '−',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "asymp" => '≈',
        "deg" => '°',
        "permil" => '‰',
        "percnt" => '%',
        "yen" => '¥',
        "euro" => '€',
        "pound" => '£',
        "cent" => '¢',
        "sect" => '§',
        "para" => '¶',
        "micro" => 'µ',
        "sup1" => '¹',
        "sup2" => '²',
        "sup3" => '³',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "harr" => '↔',
        "hearts" => '♥',
        "radic" => '√',
        "infin" => '∞',
        "iexcl" => '¡',
        "iquest" => '¿',
        "acute" => '´',
        "uml" => '¨',
        "macr" => '¯',
        "cedil" => '¸',
        "ordf" => 'ª',
        "ordm" => 'º',
        "not" => '¬',
        "brvbar" => '¦',
        "curren" => '¤',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        "shy" => '\u{AD}',
        _ => return None,
    })
}

// ---------------------------------------------------------------- text flow

/// What a line or a table is, for the rule on text outside tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Content,
    /// Menus, breadcrumbs: dropped, and nothing before them is kept.
    Nav,
    /// Footers, article metadata: dropped.
    Chrome,
}

fn classify(text: &str, chars: u64, navish: u64, small: bool) -> Kind {
    if chars > 0 && navish * 2 >= chars {
        return Kind::Nav;
    }
    if small {
        if NAV_MARKERS.iter().any(|m| text.contains(m)) {
            return Kind::Nav;
        }
        if CHROME_MARKERS.iter().any(|m| text.contains(m))
            || text.to_ascii_lowercase().contains("copyright")
        {
            return Kind::Chrome;
        }
    }
    Kind::Content
}

/// A finished table that keeps its structure.
struct Done {
    table: Table,
    /// Non-empty cells.
    stored: u32,
    kind: Kind,
}

/// Rendered content, in order.
enum Piece {
    /// Lines joined with `\n` (empty lines kept), all of one kind.
    Text {
        text: String,
        kind: Kind,
    },
    Table(Done),
}

/// Renders the text of a cell (or of the page body) line by line.
#[derive(Default)]
struct Flow {
    pieces: Vec<Piece>,
    /// The line being written.
    line: String,
    /// Collapsible white space seen after the line's last character.
    space: bool,
    /// Visible characters of the line, and how many of them are links or navigation.
    chars: u64,
    navish: u64,
    /// The same over everything that went into the flow.
    total_chars: u64,
    total_navish: u64,
}

impl Flow {
    fn push(&mut self, c: char, navish: bool, pre: bool) {
        match c {
            '\n' if pre => self.end_line(true),
            '\r' if pre => {}
            ' ' | '\t' | '\n' | '\r' | '\x0C' | '\u{A0}' => {
                if pre {
                    self.line.push(if c == '\t' { '\t' } else { ' ' });
                } else if !self.line.is_empty() {
                    self.space = true;
                }
            }
            '\u{AD}' => {}
            c if c.is_control() => {}
            c => {
                if self.space {
                    self.line.push(' ');
                    self.space = false;
                }
                self.line.push(c);
                self.chars += 1;
                self.navish += u64::from(navish);
            }
        }
    }

    /// Ends the line: a `<br>` (`hard`) even when it is empty, a block boundary only
    /// when it holds something.
    fn end_line(&mut self, hard: bool) {
        self.space = false;
        if self.chars > 0 {
            let line = std::mem::take(&mut self.line);
            let kind = classify(
                &line,
                self.chars,
                self.navish,
                self.chars <= SHORT_LINE_CHARS,
            );
            self.total_chars += self.chars;
            self.total_navish += self.navish;
            self.chars = 0;
            self.navish = 0;
            self.push_line(&line, Some(kind));
        } else {
            self.line.clear();
            if hard {
                self.push_line("", None);
            }
        }
    }

    /// Adds a line to the last piece when it is of the same kind (an empty line goes
    /// with any kind), else starts a piece.
    fn push_line(&mut self, line: &str, kind: Option<Kind>) {
        if let Some(Piece::Text { text, kind: last }) = self.pieces.last_mut() {
            if kind.is_none_or(|k| k == *last) {
                text.push('\n');
                text.push_str(line);
                return;
            }
        }
        self.pieces.push(Piece::Text {
            text: line.to_string(),
            kind: kind.unwrap_or(Kind::Content),
        });
    }

    /// Appends finished pieces (a table, or what an unwrapped table held) as blocks of
    /// their own, with their character counts.
    fn append(&mut self, pieces: Vec<Piece>, chars: u64, navish: u64) {
        self.end_line(false);
        self.total_chars += chars;
        self.total_navish += navish;
        self.pieces.extend(pieces);
    }

    fn finish(mut self) -> (Vec<Piece>, u64, u64) {
        self.end_line(false);
        (self.pieces, self.total_chars, self.total_navish)
    }
}

/// The text of pieces: lines and folded tables joined with `\n`, trimmed.
fn render(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match piece {
            Piece::Text { text, .. } => out.push_str(text),
            Piece::Table(done) => out.push_str(&crate::model::rows_as_text(&done.table.rows)),
        }
    }
    trim(&out).to_string()
}

fn trim(text: &str) -> &str {
    text.trim_matches(char::is_whitespace)
}

fn has_text(pieces: &[Piece]) -> bool {
    pieces.iter().any(|p| match p {
        Piece::Text { text, .. } => !trim(text).is_empty(),
        Piece::Table(done) => done.stored > 0,
    })
}

// ---------------------------------------------------------------- tables

/// A cell with content, kept as pieces until its table is known to be data or layout.
struct RawCell {
    pieces: Vec<Piece>,
    /// 1-based position of the `<td>`/`<th>` as written in its row.
    index: u32,
    col: u32,
    col_span: u32,
    /// `u32::MAX` for "to the last row" (`rowspan="0"`).
    row_span: u32,
}

struct OpenCell {
    flow: Flow,
    index: u32,
    col: u32,
    col_span: u32,
    row_span: u32,
}

struct OpenRow {
    cells: Vec<RawCell>,
    /// Grid column where the next cell is looked for.
    next_col: u32,
    /// `<td>`/`<th>` seen in the row.
    tds: u32,
}

/// A table being read.
struct TableBuild {
    /// 1-based number among top-level `<table>` elements as written (0 when nested),
    /// for error places.
    written: u32,
    rows: Vec<Vec<RawCell>>,
    row: Option<OpenRow>,
    cell: Option<OpenCell>,
    /// Caption text and text misplaced between rows: shown before the table.
    before: Flow,
    /// Per grid column, the first row index no longer covered by a rowspan from above.
    busy: Vec<u32>,
    /// Cells with content.
    stored: u32,
    chars: u64,
    navish: u64,
}

impl TableBuild {
    fn new(written: u32) -> Self {
        TableBuild {
            written,
            rows: Vec::new(),
            row: None,
            cell: None,
            before: Flow::default(),
            busy: Vec::new(),
            stored: 0,
            chars: 0,
            navish: 0,
        }
    }

    /// Ends the open cell; whether it had content (and was kept).
    fn end_cell(&mut self) -> bool {
        let Some(cell) = self.cell.take() else {
            return false;
        };
        let (pieces, chars, navish) = cell.flow.finish();
        self.chars += chars;
        self.navish += navish;
        if !has_text(&pieces) {
            return false;
        }
        let row = self.row.get_or_insert_with(|| OpenRow {
            cells: Vec::new(),
            next_col: 0,
            tds: 0,
        });
        row.cells.push(RawCell {
            pieces,
            index: cell.index,
            col: cell.col,
            col_span: cell.col_span,
            row_span: cell.row_span,
        });
        self.stored += 1;
        true
    }

    fn end_row(&mut self) -> bool {
        let stored = self.end_cell();
        if let Some(row) = self.row.take() {
            self.rows.push(row.cells);
        }
        stored
    }
}

/// A span attribute as browsers parse it: leading digits after white space, clamped;
/// absent or unreadable is 1.
fn span(value: Option<&str>, max: u32) -> Option<u32> {
    let digits: String = value?
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(10)
        .collect();
    let n: u64 = digits.parse().ok()?;
    Some(n.min(u64::from(max)) as u32)
}

// ---------------------------------------------------------------- tree building

/// What an open element is to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Plain {
        block: bool,
        link: bool,
        nav: bool,
        pre: bool,
    },
    Table,
    Row,
    Cell,
}

struct Open {
    name: Box<str>,
    role: Role,
}

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "colgroup", "embed", "frame", "hr", "img",
    "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements that begin and end lines.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "option",
    "p",
    "plaintext",
    "pre",
    "section",
    "select",
    "summary",
    "ul",
];

/// Elements whose text is navigation.
const NAV_ELEMENTS: &[&str] = &["nav", "footer", "aside", "menu", "select"];

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

struct Builder<'a> {
    limits: &'a ReadLimits,
    src: &'a str,
    stack: Vec<Open>,
    tables: Vec<TableBuild>,
    body: Flow,
    links: u32,
    navs: u32,
    pres: u32,
    /// A `<pre>` just opened: a newline right after it is not content.
    pre_opened: bool,
    /// Top-level `<table>` elements seen.
    written: u32,
    /// Table rows and non-empty cells seen, held to the cell limit.
    counted: u64,
    /// Byte offset of the token being handled.
    pos: usize,
}

/// Parses a decoded page into blocks.
fn parse(src: &str, limits: &ReadLimits) -> Result<Vec<Block>> {
    let mut b = Builder {
        limits,
        src,
        stack: Vec::new(),
        tables: Vec::new(),
        body: Flow::default(),
        links: 0,
        navs: 0,
        pres: 0,
        pre_opened: false,
        written: 0,
        counted: 0,
        pos: 0,
    };
    let mut tokens = Tokenizer::new(src);
    while let Some((pos, token)) = tokens.next() {
        b.pos = pos;
        let pre_opened = std::mem::take(&mut b.pre_opened);
        match token {
            Token::Text(raw) if pre_opened => {
                let rest = raw
                    .strip_prefix("\r\n")
                    .or_else(|| raw.strip_prefix('\n'))
                    .unwrap_or(raw);
                b.text(rest)
            }
            Token::Text(text) => b.text(text),
            Token::Start {
                name,
                attrs,
                self_closing,
            } => b.start(name, &attrs, self_closing)?,
            Token::End(name) => b.end(&name)?,
        }
    }
    b.pos = src.len();
    // Whatever is still open ends with the page.
    b.pop_to(0)?;
    let (pieces, _, _) = std::mem::take(&mut b.body).finish();
    b.assemble(pieces)
}

impl Builder<'_> {
    /// Where text goes now: the open cell of the innermost table, the table's "before"
    /// flow outside cells, or the page body.
    fn sink(&mut self) -> &mut Flow {
        match self.tables.last_mut() {
            Some(table) => match &mut table.cell {
                Some(cell) => &mut cell.flow,
                None => &mut table.before,
            },
            None => &mut self.body,
        }
    }

    fn text(&mut self, raw: &str) {
        let navish = self.links > 0 || self.navs > 0;
        let pre = self.pres > 0;
        let flow = self.sink();
        decode_entities(raw, |c| flow.push(c, navish, pre));
    }

    fn start(&mut self, name: String, attrs: &Attrs<'_>, self_closing: bool) -> Result<()> {
        let in_table = !self.tables.is_empty();
        match name.as_str() {
            "br" => self.sink().end_line(true),
            "hr" => self.sink().end_line(false),
            "html" | "head" | "body" => {}
            "tbody" | "thead" | "tfoot" | "tr" | "td" | "th" if !in_table => {}
            "tbody" | "thead" | "tfoot" => self.clear_to_table()?,
            "table" => {
                self.sink().end_line(false);
                let written = if in_table {
                    0
                } else {
                    self.written += 1;
                    self.written
                };
                self.push(name, Role::Table)?;
                self.tables.push(TableBuild::new(written));
            }
            "tr" => {
                self.clear_to_table()?;
                self.open_row(name)?;
            }
            "td" | "th" => {
                match self.find(|r| r == Role::Row) {
                    Some(row) => self.pop_to(row + 1)?,
                    None => {
                        self.clear_to_table()?;
                        self.open_row("tr".to_string())?;
                    }
                }
                self.open_cell(name, attrs)?;
            }
            n if VOID.contains(&n) => {}
            _ => self.start_plain(name, attrs, self_closing)?,
        }
        Ok(())
    }

    /// Any other element: closes what it implies closed, then opens.
    fn start_plain(&mut self, name: String, attrs: &Attrs<'_>, self_closing: bool) -> Result<()> {
        let block = BLOCKS.contains(&name.as_str());
        if name == "caption" && !self.tables.is_empty() {
            self.clear_to_table()?;
        }
        if block {
            self.close_in_scope("p", &[])?;
        }
        match name.as_str() {
            "li" => self.close_in_scope("li", &["ul", "ol"])?,
            "dd" | "dt" => {
                self.close_in_scope("dd", &["dl"])?;
                self.close_in_scope("dt", &["dl"])?;
            }
            "a" => self.close_in_scope("a", &[])?,
            "option" if self.top_is(|n| n == "option") => self.pop_to(self.stack.len() - 1)?,
            n if is_heading(n) && self.top_is(is_heading) => self.pop_to(self.stack.len() - 1)?,
            _ => {}
        }
        if block {
            self.sink().end_line(false);
        }
        if self_closing {
            // `<o:p/>`, `<span/>`: nothing inside, and no deeper tree for it.
            return Ok(());
        }
        let pre = matches!(name.as_str(), "pre" | "listing" | "plaintext");
        let role = Role::Plain {
            block,
            link: name == "a" && attrs.href,
            nav: NAV_ELEMENTS.contains(&name.as_str()),
            pre,
        };
        self.push(name, role)?;
        self.pre_opened = pre;
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<()> {
        match name {
            "br" => self.sink().end_line(true),
            "html" | "head" | "body" => {}
            "td" | "th" => {
                if self.tables.last().is_some_and(|t| t.cell.is_some()) {
                    if let Some(cell) = self.find(|r| r == Role::Cell) {
                        self.pop_to(cell)?;
                    }
                }
            }
            "tr" | "tbody" | "thead" | "tfoot" => {
                if !self.tables.is_empty() {
                    self.clear_to_table()?;
                }
            }
            "table" => {
                if let Some(at) = self.stack.iter().rposition(|o| o.role == Role::Table) {
                    self.pop_to(at)?;
                }
            }
            _ => {
                let found = self.find_named(name, &[]);
                match found {
                    Some(at) => self.pop_to(at)?,
                    // A `</p>` with no open <p> is an empty paragraph.
                    None if name == "p" => self.sink().end_line(false),
                    None => {}
                }
            }
        }
        Ok(())
    }

    /// The index of the topmost open element with this role above the innermost table
    /// (the table itself when asked for).
    fn find(&self, want: impl Fn(Role) -> bool) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if want(open.role) {
                return Some(i);
            }
            if open.role == Role::Table {
                return None;
            }
        }
        None
    }

    /// The topmost open element named `name`, not looking past a table, row, cell or
    /// one of `fences`.
    fn find_named(&self, name: &str, fences: &[&str]) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if &*open.name == name {
                return Some(i);
            }
            if !matches!(open.role, Role::Plain { .. }) || fences.contains(&&*open.name) {
                return None;
            }
        }
        None
    }

    fn close_in_scope(&mut self, name: &str, fences: &[&str]) -> Result<()> {
        if let Some(at) = self.find_named(name, fences) {
            self.pop_to(at)?;
        }
        Ok(())
    }

    fn top_is(&self, is: impl Fn(&str) -> bool) -> bool {
        self.stack.last().is_some_and(|o| is(&o.name))
    }

    /// Closes everything open inside the innermost table (cell, row, stray elements).
    fn clear_to_table(&mut self) -> Result<()> {
        if let Some(at) = self.find(|r| r == Role::Table) {
            self.pop_to(at + 1)?;
        }
        Ok(())
    }

    fn push(&mut self, name: String, role: Role) -> Result<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::limit(
                format!("{} nests elements more than {MAX_DEPTH} deep", self.place()),
                format!("{MAX_DEPTH} levels of element nesting; real pages stay far below it"),
            ));
        }
        if let Role::Plain { link, nav, pre, .. } = role {
            self.links += u32::from(link);
            self.navs += u32::from(nav);
            self.pres += u32::from(pre);
        }
        self.stack.push(Open {
            name: name.into_boxed_str(),
            role,
        });
        Ok(())
    }

    /// Closes the open elements from the top down to index `at` included.
    fn pop_to(&mut self, at: usize) -> Result<()> {
        while self.stack.len() > at {
            let Some(open) = self.stack.pop() else { break };
            match open.role {
                Role::Plain {
                    block,
                    link,
                    nav,
                    pre,
                } => {
                    self.links = self.links.saturating_sub(u32::from(link));
                    self.navs = self.navs.saturating_sub(u32::from(nav));
                    self.pres = self.pres.saturating_sub(u32::from(pre));
                    if block {
                        self.sink().end_line(false);
                    }
                }
                Role::Cell => {
                    if let Some(table) = self.tables.last_mut() {
                        if table.end_cell() {
                            self.count()?;
                        }
                    }
                }
                Role::Row => {
                    if let Some(table) = self.tables.last_mut() {
                        if table.end_row() {
                            self.count()?;
                        }
                    }
                }
                Role::Table => self.end_table()?,
            }
        }
        Ok(())
    }

    fn open_row(&mut self, name: String) -> Result<()> {
        self.push(name, Role::Row)?;
        if let Some(table) = self.tables.last_mut() {
            table.row = Some(OpenRow {
                cells: Vec::new(),
                next_col: 0,
                tds: 0,
            });
        }
        self.count()
    }

    fn open_cell(&mut self, name: String, attrs: &Attrs<'_>) -> Result<()> {
        self.push(name, Role::Cell)?;
        let col_span = span(attrs.colspan, MAX_COLSPAN).unwrap_or(1).max(1);
        let row_span = match span(attrs.rowspan, MAX_ROWSPAN).unwrap_or(1) {
            0 => u32::MAX,
            n => n,
        };
        let Some(table) = self.tables.last_mut() else {
            return Ok(());
        };
        let row_index = table.rows.len() as u32;
        let Some(row) = table.row.as_mut() else {
            return Ok(());
        };
        row.tds += 1;
        let index = row.tds;
        // The first column of the row not covered by a rowspan from above.
        let mut col = row.next_col;
        while table.busy.get(col as usize).is_some_and(|&b| b > row_index) {
            col += 1;
        }
        let end = col + col_span;
        if end > MAX_COLUMNS {
            return Err(Error::limit(
                format!("{} reaches grid column {end}", self.place()),
                format!("{MAX_COLUMNS} grid columns per table"),
            ));
        }
        row.next_col = end;
        if row_span > 1 {
            if table.busy.len() < end as usize {
                table.busy.resize(end as usize, 0);
            }
            let until = row_index.saturating_add(row_span);
            for b in &mut table.busy[col as usize..end as usize] {
                *b = (*b).max(until);
            }
        }
        table.cell = Some(OpenCell {
            flow: Flow::default(),
            index,
            col,
            col_span,
            row_span,
        });
        Ok(())
    }

    /// Ends the innermost table: unwraps it when it is layout, else renders it, and
    /// hands the result to what encloses it.
    fn end_table(&mut self) -> Result<()> {
        let Some(mut table) = self.tables.pop() else {
            return Ok(());
        };
        if table.end_row() {
            self.count()?;
        }
        let (mut pieces, before_chars, before_navish) = std::mem::take(&mut table.before).finish();
        let own = table
            .rows
            .iter()
            .flatten()
            .filter(|c| {
                c.pieces
                    .iter()
                    .any(|p| matches!(p, Piece::Text { text, .. } if !trim(text).is_empty()))
            })
            .count() as u64;
        let nested = table
            .rows
            .iter()
            .flatten()
            .flat_map(|c| &c.pieces)
            .filter_map(|p| match p {
                Piece::Table(done) if done.kind == Kind::Content => Some(u64::from(done.stored)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        if table.stored < 2 || nested > own {
            for cell in table.rows.into_iter().flatten() {
                pieces.extend(cell.pieces);
            }
        } else {
            let n_rows = table.rows.len() as u32;
            let mut rows = Vec::with_capacity(table.rows.len());
            let mut text = String::new();
            for (r, raw) in table.rows.into_iter().enumerate() {
                let mut cells = Vec::with_capacity(raw.len());
                for cell in raw {
                    let content = render(&cell.pieces);
                    if content.is_empty() {
                        continue;
                    }
                    if table.stored <= SMALL_TABLE_CELLS {
                        text.push_str(&content);
                        text.push('\n');
                    }
                    cells.push(Cell {
                        text: content,
                        number: None,
                        col: cell.col,
                        col_span: cell.col_span,
                        row_span: cell.row_span.min(n_rows - r as u32).max(1),
                        loc: Loc::Table {
                            table: 0,
                            row: r as u32 + 1,
                            cell: cell.index,
                        },
                    });
                }
                rows.push(Row { cells });
            }
            let kind = classify(
                &text,
                table.chars,
                table.navish,
                table.stored <= SMALL_TABLE_CELLS,
            );
            pieces.push(Piece::Table(Done {
                table: Table { name: None, rows },
                stored: table.stored,
                kind,
            }));
        }
        let chars = table.chars + before_chars;
        let navish = table.navish + before_navish;
        self.sink().append(pieces, chars, navish);
        Ok(())
    }

    /// Counts a row or a stored cell against the limit.
    fn count(&mut self) -> Result<()> {
        self.counted += 1;
        if self.counted > self.limits.max_cells {
            return Err(Error::limit(
                format!(
                    "more than {} table rows and non-empty cells (at {})",
                    self.limits.max_cells,
                    self.place()
                ),
                format!(
                    "{} cells per file; raise it with --max-cells",
                    self.limits.max_cells
                ),
            ));
        }
        Ok(())
    }

    /// Where the reader is: the top-level table, row and cell, and the source line.
    fn place(&self) -> String {
        let at = self.pos.min(self.src.len());
        let line = 1 + self.src.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let Some(table) = self.tables.first() else {
            return format!("source line {line}");
        };
        let mut place = format!("table {}", table.written);
        match &table.row {
            Some(row) => {
                place.push_str(&format!(" row {}", table.rows.len() + 1));
                if row.tds > 0 {
                    place.push_str(&format!(" cell {}", row.tds));
                }
            }
            None if !table.rows.is_empty() => {
                place.push_str(&format!(" after row {}", table.rows.len()))
            }
            None => {}
        }
        format!("{place}, source line {line}")
    }

    /// Keeps the tables and, around each, the content lines next to it: the last
    /// [`KEPT_BEFORE_TABLE`] since the previous table or navigation, and the first
    /// [`KEPT_AFTER_TABLE`] up to the next navigation or page chrome (where a page's
    /// footer starts); numbers what is kept. A page with no table keeps all its content
    /// lines instead: whatever stands in the form's place (a form written as prose, a
    /// notice) is then read or reported, not dropped.
    fn assemble(&mut self, pieces: Vec<Piece>) -> Result<Vec<Block>> {
        let mut blocks = Vec::new();
        let mut pending: VecDeque<String> = VecDeque::new();
        let mut content: Vec<String> = Vec::new();
        let (mut paragraphs, mut tables) = (0u32, 0u32);
        // Lines still to keep after the table just kept.
        let mut after = 0;
        let mut keep_line = |blocks: &mut Vec<Block>, line: String| -> Result<()> {
            self.count()?;
            paragraphs += 1;
            let loc = Loc::Paragraph {
                paragraph: paragraphs,
            };
            blocks.push(Block::Paragraph(Cell::text(0, line, loc)));
            Ok(())
        };
        for piece in pieces {
            match piece {
                Piece::Text {
                    text,
                    kind: Kind::Content,
                } => {
                    for line in text.split('\n').map(trim).filter(|l| !l.is_empty()) {
                        if after > 0 {
                            after -= 1;
                            keep_line(&mut blocks, line.to_string())?;
                            continue;
                        }
                        if pending.len() == KEPT_BEFORE_TABLE {
                            pending.pop_front();
                        }
                        pending.push_back(line.to_string());
                        if tables == 0 {
                            content.push(line.to_string());
                        }
                    }
                }
                Piece::Text {
                    kind: Kind::Nav, ..
                }
                | Piece::Table(Done {
                    kind: Kind::Nav, ..
                }) => {
                    pending.clear();
                    after = 0;
                }
                Piece::Text {
                    kind: Kind::Chrome, ..
                }
                | Piece::Table(Done {
                    kind: Kind::Chrome, ..
                }) => after = 0,
                Piece::Table(Done { mut table, .. }) => {
                    for line in pending.drain(..) {
                        keep_line(&mut blocks, line)?;
                    }
                    tables += 1;
                    for cell in table.rows.iter_mut().flat_map(|r| &mut r.cells) {
                        if let Loc::Table { table: t, .. } = &mut cell.loc {
                            *t = tables;
                        }
                    }
                    blocks.push(Block::Table(table));
                    after = KEPT_AFTER_TABLE;
                }
            }
        }
        if tables == 0 {
            for (line, paragraph) in content.into_iter().zip(1..) {
                self.count()?;
                let loc = Loc::Paragraph { paragraph };
                blocks.push(Block::Paragraph(Cell::text(0, line, loc)));
            }
        }
        Ok(blocks)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use proptest::prelude::*;

    use super::*;

    fn blocks(html: &str) -> Vec<Block> {
        parse(html, &ReadLimits::default()).unwrap()
    }

    fn tables(blocks: &[Block]) -> Vec<&Table> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Paragraph(_) => None,
            })
            .collect()
    }

    fn paragraphs(blocks: &[Block]) -> Vec<(String, String)> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(c) => Some((c.text.clone(), c.loc.to_string())),
                Block::Table(_) => None,
            })
            .collect()
    }

    use crate::model::test_support::{cell, layout};

    fn texts(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn cells_are_pushed_right_past_rowspans_from_above() {
        let b = blocks(
            "<table>\
             <tr><td rowspan=2>A</td><td colspan=2>B</td><td rowspan=3>C</td></tr>\
             <tr><td>D</td><td>E</td></tr>\
             <tr><td>F</td><td colspan=2>G</td><td>H</td></tr>\
             <tr><td rowspan=0>I</td><td rowspan=9>J</td></tr>\
             <tr><td>&nbsp;</td><td>K</td></tr>\
             </table>",
        );
        let t = tables(&b);
        assert_eq!(t.len(), 1);
        assert_eq!(
            layout(t[0]),
            vec![
                vec![
                    cell(0, "A", 1, 2, "table 1 row 1 cell 1"),
                    cell(1, "B", 2, 1, "table 1 row 1 cell 2"),
                    cell(3, "C", 1, 3, "table 1 row 1 cell 3"),
                ],
                // Columns 0 and 3 are covered: D and E go to 1 and 2.
                vec![
                    cell(1, "D", 1, 1, "table 1 row 2 cell 1"),
                    cell(2, "E", 1, 1, "table 1 row 2 cell 2"),
                ],
                // Column 3 is still C's: H is pushed to 4.
                vec![
                    cell(0, "F", 1, 1, "table 1 row 3 cell 1"),
                    cell(1, "G", 2, 1, "table 1 row 3 cell 2"),
                    cell(4, "H", 1, 1, "table 1 row 3 cell 3"),
                ],
                // rowspan=0 and rowspans past the end stop at the last row.
                vec![
                    cell(0, "I", 1, 2, "table 1 row 4 cell 1"),
                    cell(1, "J", 1, 2, "table 1 row 4 cell 2"),
                ],
                // The empty first cell is not stored but still takes its column.
                vec![cell(3, "K", 1, 1, "table 1 row 5 cell 2")],
            ]
        );
    }

    #[test]
    fn spans_are_read_as_browsers_read_them() {
        let t = blocks(
            "<table><tr><td colspan=' 2px'>a<td colspan=0>b<td colspan=x>c<td rowspan=-1>d\
             <td COLSPAN=\"3\">e</table>",
        );
        let cells: Vec<(u32, u32)> = tables(&t)[0].rows[0]
            .cells
            .iter()
            .map(|c| (c.col, c.col_span))
            .collect();
        assert_eq!(cells, vec![(0, 2), (2, 1), (3, 1), (4, 1), (5, 3)]);
    }

    #[test]
    fn the_seed_layout_reads_like_the_xlsx() {
        let b = blocks(
            "<table>\
             <tr><td>部门名称<td colspan=4>广州市司法局\
             <tr><td rowspan=3>预算整体情况<td>部门预算支出<td>预算金额(万元)<td>收入来源<td>预算金额(万元)\
             <tr><td>基本支出<td>153,069.97<td>财政拨款<td>183,333.61\
             <tr><td>项目支出<td>27,177.64<td>其他资金<td>40.42\
             </table>",
        );
        let t = tables(&b)[0];
        assert_eq!(t.rows[1].cells[0].row_span, 3);
        assert_eq!(t.rows[2].cells[0].col, 1, "pushed past the section label");
        assert_eq!(t.rows[2].cells[1].text, "153,069.97");
        assert_eq!(t.rows[0].cells[1].col_span, 4);
    }

    #[test]
    fn unclosed_cells_rows_and_paragraphs_close_as_in_a_browser() {
        let b = blocks(
            "<TABLE BORDER=1><TBODY><TR><TD>a<TD><P>b1<P>b2<TR><TH>c</TH><td><div>d<span>e</td>\
             <td>f</tr><tr></table><p>after",
        );
        let t = tables(&b);
        assert_eq!(
            texts(t[0]),
            vec![vec!["a", "b1\nb2"], vec!["c", "de", "f"], vec![]],
            "an empty <tr> is kept as an empty row"
        );
        assert_eq!(paragraphs(&b), vec![("after".into(), "paragraph 1".into())]);
    }

    #[test]
    fn white_space_collapses_and_line_breaks_are_kept() {
        let b = blocks(
            "<table><tr><td>\n  \u{3000}一是 \t 健全\n 完善<br>二是<br/><br>三是<p>四是</p>\
             <div><div>五是</div></div> &nbsp; \u{3000}</td>\
             <td>a<pre>\n  x  y\n z</pre></td><td>&nbsp;</td><td> <br> </td><td>v</td></tr></table>",
        );
        let t = tables(&b)[0];
        assert_eq!(
            texts(t),
            vec![vec![
                "一是 健全 完善\n二是\n\n三是\n四是\n五是",
                "a\n  x  y\n z",
                "v"
            ]]
        );
        assert_eq!(t.rows[0].cells[2].col, 4, "blank cells are not stored");
    }

    #[test]
    fn entities_are_decoded() {
        let b = blocks(
            "<table><tr><td>A&amp;B &lt;x&gt; &quot;&#8805;90&#37;&quot; &#x4E2D;&#25991; &#150; \
             &ldquo;引&rdquo; &nbspx &reg 2024 &unknown; & &#0; &#xFFFFFFFFF; a&b</td><td>2</td></tr></table>",
        );
        assert_eq!(
            tables(&b)[0].rows[0].cells[0].text,
            "A&B <x> \"≥90%\" 中文 – “引” x ® 2024 &unknown; & \u{FFFD} \u{FFFD} a&b"
        );
    }

    #[test]
    fn legacy_entities_need_no_semicolon() {
        assert_eq!(entity("copy 2024"), Some(('©', 4)));
        assert_eq!(entity("nbspx"), Some(('\u{A0}', 4)));
        assert_eq!(entity("ampere;"), Some(('&', 3)));
        assert_eq!(entity("hellip"), None, "only the legacy few");
        assert_eq!(entity("#x4e2d"), Some(('中', 6)));
        assert_eq!(entity("#"), None);
    }

    #[test]
    fn scripts_styles_comments_and_the_head_are_not_text() {
        let b = blocks(
            "<!DOCTYPE html><html><head><title>标题栏</title>\
             <style>td { color: red } </style><script>var s = '<table><tr><td>x</td></tr></table>';</script>\
             </head><body><!-- <table><tr><td>注释</td></tr></table> -->\
             <table><tr><td>a<script type=text/javascript>document.write('<td>b')</SCRIPT >\
             <noscript>请启用脚本</noscript><td>c<?php echo 1 ?><style>p{}</style><![if !x]>d<![endif]>\
             </table><script>never closed <p>",
        );
        let t = tables(&b);
        assert_eq!(t.len(), 1);
        assert_eq!(texts(t[0]), vec![vec!["a", "cd"]]);
    }

    #[test]
    fn a_nested_table_is_folded_into_its_cell() {
        let b = blocks(
            "<table><tr><td>outer<table><tr><td>n1<td>n2<tr><tr><td>n3</table>tail</td><td>x</td></tr>\
             <tr><td>y<td>z</table>",
        );
        let t = tables(&b);
        assert_eq!(t.len(), 1, "the nested table is not a block");
        assert_eq!(
            texts(t[0]),
            vec![vec!["outer\nn1\tn2\nn3\ntail", "x"], vec!["y", "z"]]
        );
    }

    #[test]
    fn a_layout_table_is_unwrapped_and_its_form_kept() {
        let form = "<table><tr><td>部门名称<td colspan=2>某局<tr><td>a<td>b<td>c</table>";
        let page = format!(
            "<table width=1000><tr><td><a href=/>首页</a> | <a href=/a>政务公开</a></td></tr>\
             <tr><td><h1>某局2024年部门整体预算绩效目标申报表</h1><p>单位：万元{form}</td></tr>\
             <tr><td>版权所有 某局</td></tr></table>"
        );
        let b = blocks(&page);
        assert_eq!(
            paragraphs(&b),
            vec![
                (
                    "某局2024年部门整体预算绩效目标申报表".into(),
                    "paragraph 1".into()
                ),
                ("单位：万元".into(), "paragraph 2".into())
            ]
        );
        let t = tables(&b);
        assert_eq!(t.len(), 1);
        assert_eq!(
            texts(t[0]),
            vec![vec!["部门名称", "某局"], vec!["a", "b", "c"]]
        );
        assert_eq!(
            t[0].rows[1].cells[2].loc.to_string(),
            "table 1 row 2 cell 3"
        );

        // A box of one cell is running text, not a table.
        let b = blocks("<table><tr><td>标题</td></tr></table><table><tr><td>a<td>b</table>");
        assert_eq!(paragraphs(&b), vec![("标题".into(), "paragraph 1".into())]);
        assert_eq!(tables(&b).len(), 1);
    }

    /// A page with no table (a form written as prose, or a notice where the form should
    /// be) keeps every content line, in order; its menu and footer are still dropped.
    #[test]
    fn a_page_without_a_table_keeps_its_content_lines() {
        let page = "<html><head><title>某局</title></head><body>\
            <ul class=nav><li><a href=/>首页</a><li><a href=/zwgk>政务公开</a></ul>\
            <h1>某局2024年部门整体预算绩效目标表</h1>\
            <p>部门名称：某局</p><p>总体绩效目标：完成各项工作。<br>二是服务群众。</p>\
            <div>版权所有 © 某局</div></body></html>";
        assert_eq!(
            paragraphs(&blocks(page)),
            [
                ("某局2024年部门整体预算绩效目标表", "paragraph 1"),
                ("部门名称：某局", "paragraph 2"),
                ("总体绩效目标：完成各项工作。", "paragraph 3"),
                ("二是服务群众。", "paragraph 4"),
            ]
            .map(|(text, at)| (text.to_string(), at.to_string()))
        );
    }

    #[test]
    fn navigation_and_footers_are_dropped_and_the_title_kept() {
        let page = "<html><body>\
            <div class=top>广州市司法局门户网站</div>\
            <ul class=nav><li><a href=/>首页</a><li><a href=/zwgk>政务公开</a><li><a href=/x>办事服务</a></ul>\
            <p>欢迎您</p>\
            <div>当前位置：<a href=/>首页</a> &gt; <a href=/zwgk>政务公开</a></div>\
            <h1>某局2024年部门整体预算绩效目标申报表</h1>\
            <div>发布时间：2024-02-06 来源：某局 【<a href=#>打印</a>】</div>\
            <p align=center>单位：万元</p>\
            <table><tr><td>部门名称<td>某局</table>\
            <p>（续表）</p>\
            <nav><table><tr><td><a href=/1>上一篇</a><td><a href=/2>下一篇</a></table></nav>\
            <p>注：第二张表</p>\
            <table><tr><td>一级指标<td>二级指标</table>\
            <div class=footer><p>版权所有：某局 联系电话：020-1234567</p><p>地址：广州市</p></div>\
            <script>var a = '<table><tr><td>x<td>y</table>';</script></body></html>";
        let b = blocks(page);
        assert_eq!(
            paragraphs(&b),
            vec![
                (
                    "某局2024年部门整体预算绩效目标申报表".into(),
                    "paragraph 1".into()
                ),
                ("单位：万元".into(), "paragraph 2".into()),
                ("（续表）".into(), "paragraph 3".into()),
                ("注：第二张表".into(), "paragraph 4".into()),
            ]
        );
        let t = tables(&b);
        assert_eq!(t.len(), 2, "the navigation table is dropped");
        assert_eq!(
            t[1].rows[0].cells[0].loc.to_string(),
            "table 2 row 1 cell 1"
        );
        assert!(matches!(&b[0], Block::Paragraph(_)));
        assert!(matches!(&b[2], Block::Table(_)));

        // At most three lines are kept before a table: the nearest ones.
        let b = blocks("<p>1<p>2<p>3<p>4<br>5<table><tr><td>a<td>b</table>");
        let kept: Vec<String> = paragraphs(&b).into_iter().map(|p| p.0).collect();
        assert_eq!(kept, vec!["3", "4", "5"]);
    }

    #[test]
    fn the_lines_under_a_table_are_kept_up_to_the_footer() {
        let kept = |html: &str| -> Vec<String> {
            paragraphs(&blocks(html)).into_iter().map(|p| p.0).collect()
        };
        // A form's signature line is the form's; the footer after it is not.
        assert_eq!(
            kept(
                "<table><tr><td>a<td>b</table><p>填报人：张三　联系电话：020-1234</p>\
                 <div>版权所有：某局</div><p>地址：广州市</p>"
            ),
            vec!["填报人：张三　联系电话：020-1234"]
        );
        // At most three, the nearest; navigation ends them as well.
        assert_eq!(
            kept("<table><tr><td>a<td>b</table><p>1<p>2<p>3<p>4"),
            vec!["1", "2", "3"]
        );
        assert_eq!(
            kept("<table><tr><td>a<td>b</table><p>1<div><a href=/>首页</a></div><p>2"),
            vec!["1"]
        );
        // Between two tables: three after the first and three before the second.
        let b = blocks(
            "<table><tr><td>a<td>b</table><p>1<p>2<p>3<p>4<p>5<p>6<p>7\
             <table><tr><td>c<td>d</table>",
        );
        let texts: Vec<&str> = b
            .iter()
            .map(|block| match block {
                Block::Paragraph(c) => c.text.as_str(),
                Block::Table(_) => "table",
            })
            .collect();
        assert_eq!(texts, ["table", "1", "2", "3", "5", "6", "7", "table"]);
    }

    #[test]
    fn a_caption_comes_before_its_table() {
        let b = blocks("<table><caption>申报表</caption><tr><td>a<td>b</table>");
        assert_eq!(
            paragraphs(&b),
            vec![("申报表".into(), "paragraph 1".into())]
        );
        assert!(matches!(&b[1], Block::Table(_)));
    }

    fn gb_page(meta: &str, body: &str) -> Vec<u8> {
        let page = format!("<html><head>{meta}<title>t</title></head><body>{body}</body></html>");
        let (bytes, _, unmappable) = GB18030.encode(&page);
        assert!(!unmappable);
        bytes.into_owned()
    }

    const FORM: &str =
        "<h1>广州市司法局2024年部门整体预算绩效目标申报表</h1><table><tr><td>部门名称<td>广州市司法局</table>";

    fn first_cell(grid: &Grid) -> &str {
        tables(&grid.blocks)[0].rows[0].cells[1].text.as_str()
    }

    #[test]
    fn the_meta_charset_chooses_the_decoder() {
        let limits = ReadLimits::default();
        for meta in [
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
            r#"<META HTTP-EQUIV=content-type CONTENT="text/html;charset=GBK" />"#,
            r#"<meta charset=gb18030>"#,
            r#"<meta charset='GB2312'>"#,
        ] {
            let grid = read(&gb_page(meta, FORM), &limits).unwrap();
            assert_eq!(grid.encoding.as_deref(), Some("gb18030"), "{meta}");
            assert!(grid.notes.is_empty(), "{meta}: {:?}", grid.notes);
            assert_eq!(first_cell(&grid), "广州市司法局", "{meta}");
        }
        // No declaration: the text reader's detection (valid GB18030).
        let grid = read(&gb_page("", FORM), &limits).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("gb18030"));
        assert_eq!(first_cell(&grid), "广州市司法局");
        // A declaration in a comment or a script does not count.
        let page = gb_page(
            "<!-- <meta charset=big5> --><script>'<meta charset=big5>'</script>",
            FORM,
        );
        assert_eq!(
            read(&page, &limits).unwrap().encoding.as_deref(),
            Some("gb18030")
        );
    }

    #[test]
    fn a_false_declaration_gives_way_to_valid_bytes() {
        let page = format!(
            r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>{FORM}"#
        );
        let grid = read(page.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("utf-8"));
        assert_eq!(grid.notes[0].code, "input.encoding_guessed");
        assert!(grid.notes[0].message.contains("gb2312"), "{:?}", grid.notes);
        assert_eq!(first_cell(&grid), "广州市司法局");
        // GBK bytes declared UTF-8: not valid UTF-8, valid GB18030.
        let grid = read(
            &gb_page("<meta charset=utf-8>", FORM),
            &ReadLimits::default(),
        )
        .unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("gb18030"));
        assert_eq!(grid.notes[0].code, "input.encoding_guessed");
        assert_eq!(first_cell(&grid), "广州市司法局");
        // UTF-8 with a UTF-8 declaration, and a BOM that overrides a declaration.
        let page = format!("<meta charset=utf-8>{FORM}");
        let grid = read(page.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(
            (grid.encoding.as_deref(), grid.notes.len()),
            (Some("utf-8"), 0)
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(format!("<meta charset=gbk>{FORM}").as_bytes());
        let grid = read(&bom, &ReadLimits::default()).unwrap();
        assert_eq!(first_cell(&grid), "广州市司法局");
    }

    #[test]
    fn utf16_pages_are_detected_and_read() {
        let page = format!("<!DOCTYPE html><html><body>{FORM}</body></html>");
        let units: Vec<u8> = page.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&units);
        for bytes in [with_bom, units] {
            assert!(sniff(&bytes));
            let grid = read(&bytes, &ReadLimits::default()).unwrap();
            assert_eq!(grid.encoding.as_deref(), Some("utf-16le"));
            assert_eq!(first_cell(&grid), "广州市司法局");
        }
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(page.encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert!(sniff(&be));
    }

    #[test]
    fn html_is_told_from_text_by_its_markup() {
        for page in [
            "<!DOCTYPE html><p>x",
            "\u{FEFF}  \n<!doctype HTML>",
            "<HTML lang=zh>",
            "<!-- saved from url=(0042)http://example.org/ -->\r\n<html>",
            "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">",
            "<meta charset=gbk><TABLE border=1><tr><td>部门名称",
            "<div><table>",
            "<body>",
        ] {
            assert!(sniff(page.as_bytes()), "{page}");
        }
        let (gb, _, _) = GB18030.encode("<table><tr><td>部门名称</td></tr></table>");
        assert!(sniff(&gb));
        for text in [
            "部门名称\t广州市司法局\n",
            "a <tablet> is not a table\tb\n",
            "x < y\t<htmlish\n",
            "",
        ] {
            assert!(!sniff(text.as_bytes()), "{text}");
        }
        // The markers count only in the first 4 KB.
        let late = format!("{}<table>", "部门\t名称\n".repeat(1000));
        assert!(!sniff(late.as_bytes()));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}x", "<div>".repeat(MAX_DEPTH + 1));
        let err = parse(&deep, &ReadLimits::default()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
        assert!(err.to_string().contains("deep"), "{err}");
        assert!(err.to_string().contains("source line 1"), "{err}");
        let nested = format!(
            "<table><tr><td>a<td>{}",
            "<table><tr><td>".repeat(MAX_DEPTH)
        );
        let err = parse(&nested, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("table 1 row 1 cell 2"), "{err}");
        // Just under the limit is fine, and closed elements do not add up.
        let ok = format!(
            "{}x{}",
            "<div>".repeat(MAX_DEPTH - 1),
            "</div>".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok, &ReadLimits::default()).is_ok());
        let many = "<p><font><b>x</b></font></p><li><a href=#>y<a href=#>z".repeat(10_000);
        assert!(parse(&many, &ReadLimits::default()).is_ok());
        // Unclosed cells do not nest: the next <td> closes them.
        let cells = format!("<table><tr>{}</table>", "<td><span>x".repeat(1000));
        assert!(parse(&cells, &ReadLimits::default()).is_ok());
    }

    #[test]
    fn the_cell_limit_counts_rows_and_cells_and_names_the_place() {
        let page = "<p>t</p><table>\n<tr><td>a<td>b\n<tr><td>c<td></table>";
        let limits = |n| ReadLimits {
            max_cells: n,
            ..ReadLimits::default()
        };
        // 2 rows + 3 cells + 1 paragraph.
        assert!(parse(page, &limits(6)).is_ok());
        let err = parse(page, &limits(5)).unwrap_err();
        assert!(err.to_string().contains("--max-cells"), "{err}");
        let err = parse(page, &limits(4)).unwrap_err();
        assert!(err.to_string().contains("table 1 row 2 cell 1"), "{err}");
        assert!(err.to_string().contains("source line 3"), "{err}");
        let err = parse(&"<tr>".repeat(20), &limits(10));
        assert!(err.is_ok(), "rows outside a table are not rows");
        let err = parse(&format!("<table>{}", "<tr>".repeat(20)), &limits(10)).unwrap_err();
        assert!(err.to_string().contains("table rows"), "{err}");
    }

    #[test]
    fn too_wide_a_table_is_refused() {
        let page = "<table><tr><td colspan=1000>a<td colspan=1000>b</table>";
        let err = parse(page, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("grid column 2000"), "{err}");
        assert!(err.to_string().contains("table 1 row 1 cell 2"), "{err}");
    }

    #[test]
    fn garbage_gives_an_error_or_nothing() {
        let limits = ReadLimits::default();
        for bytes in [
            &b"<table"[..],
            b"<",
            b"</",
            b"<!--",
            b"<a href='",
            b"&#",
            b"<table><tr><td>",
            b"</td></tr></table></p></br>",
            b"\x00\x01<table>\xFF\xFE\xFD",
        ] {
            // Tables, or with none, the visible text as it stands.
            if let Ok(grid) = read(bytes, &limits) {
                let source = String::from_utf8_lossy(bytes);
                assert!(
                    grid.blocks.iter().all(|b| match b {
                        Block::Table(_) => true,
                        Block::Paragraph(cell) => source.contains(cell.text.as_str()),
                    }),
                    "{bytes:?}"
                );
            }
        }
        let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let _ = read(&binary, &limits);
    }

    #[test]
    fn a_ten_thousand_row_page_reads_quickly() {
        let mut page = String::from("<html><body><h1>标题</h1><table>");
        page.push_str("<tr><td rowspan=10000>绩效指标<td>三级指标名称<td>&ge;90%");
        for i in 1..10_000 {
            page.push_str(&format!("<TR><TD>指标{i}</TD><TD>{i}%</TD></TR>\n"));
        }
        page.push_str("</table></body></html>");
        let start = Instant::now();
        let b = blocks(&page);
        let elapsed = start.elapsed();
        let t = tables(&b)[0];
        assert_eq!(t.rows.len(), 10_000);
        assert_eq!(t.rows[0].cells[0].row_span, 10_000);
        assert_eq!(t.rows[9_999].cells[0].col, 1);
        assert!(elapsed.as_secs() < 20, "{elapsed:?}");
    }

    /// Pieces of pages: tags of every kind the reader treats specially, broken ones,
    /// entities and text.
    const FRAGMENTS: &[&str] = &[
        "<table>",
        "</table>",
        "<TABLE border=1>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th colspan=3>",
        "<td rowspan=0>",
        "<td rowspan=2>",
        "<td rowspan=65534 colspan=1000>",
        "<tbody>",
        "<caption>",
        "<p>",
        "</p>",
        "<br>",
        "</br>",
        "<div>",
        "</div>",
        "<li>",
        "<a href=x>",
        "</a>",
        "<nav>",
        "</nav>",
        "<pre>",
        "</pre>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<!DOCTYPE html>",
        "<meta charset=gbk>",
        "<o:p/>",
        "&nbsp;",
        "&#x1F600;",
        "&#9999999999;",
        "&",
        "<",
        "</",
        "'\"=/>",
        " ",
        "\n",
        "\u{3000}",
        "部门名称",
        "当前位置",
        "版权所有",
        "x",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = sniff(&bytes);
            let _ = read(&bytes, &ReadLimits::default());
        }

        #[test]
        fn arbitrary_tag_soup_never_panics(
            parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..300)
        ) {
            let page = parts.concat();
            let limits = ReadLimits { max_cells: 500, ..ReadLimits::default() };
            if let Ok(blocks) = parse(&page, &limits) {
                for table in tables(&blocks) {
                    for row in &table.rows {
                        for pair in row.cells.windows(2) {
                            prop_assert!(pair[0].col + pair[0].col_span <= pair[1].col);
                        }
                        for cell in &row.cells {
                            prop_assert!(!cell.text.is_empty());
                            prop_assert_eq!(cell.text.trim(), cell.text.as_str());
                            prop_assert!(cell.row_span >= 1 && cell.col_span >= 1);
                        }
                    }
                }
            }
        }
    }
}
