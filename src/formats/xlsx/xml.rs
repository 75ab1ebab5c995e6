//! Streaming XML over one package part: events with a nesting-depth guard, text with
//! entities resolved, and errors that name the part.
//!
//! quick-xml is iterative, but it keeps the open element names to check end tags, and
//! a hostile part can nest millions of elements; refusing past [`MAX_DEPTH`] bounds that
//! work and memory whatever the part holds.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Reader;

use crate::{Error, Result};

/// Deepest element nesting accepted in any part (real workbooks stay under 10).
pub(crate) const MAX_DEPTH: u32 = 256;

/// A depth-counting reader over one part's bytes.
pub(crate) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    format: &'static str,
    part: &'a str,
    depth: u32,
    len: usize,
}

impl<'a> Xml<'a> {
    /// Starts reading `bytes` (UTF-8; see [`utf8_part`]); `format` and `part` name the
    /// file type and zip part in errors.
    pub fn new(bytes: &'a [u8], format: &'static str, part: &'a str) -> Self {
        let mut reader = Reader::from_reader(bytes);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Xml {
            reader,
            format,
            part,
            depth: 0,
            len: bytes.len(),
        }
    }

    /// Whether the reader has met the end of the bytes: after an error, whether the
    /// error is the document being cut short rather than bad markup before its end.
    pub fn at_end(&self) -> bool {
        self.reader.buffer_position() as usize >= self.len
    }

    /// The next event; `Eof` only when every element is closed. Inlined into each
    /// part's loop, with the errors out of line: it runs once per event.
    #[inline]
    pub fn next(&mut self) -> Result<Event<'a>> {
        let event = match self.reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(self.bad_xml(e)),
        };
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.too_deep());
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::Eof if self.depth > 0 => {
                return Err(
                    self.malformed(None, "the XML ends inside an element (a truncated part)")
                );
            }
            _ => {}
        }
        Ok(event)
    }

    #[cold]
    fn bad_xml(&self, e: quick_xml::Error) -> Error {
        let place = format!("{}, byte {}", self.part, self.reader.error_position());
        Error::malformed(self.format, Some(place), format!("bad XML: {e}"))
    }

    #[cold]
    fn too_deep(&self) -> Error {
        Error::limit(
            format!(
                "the {} part {} nests XML elements more than {MAX_DEPTH} deep",
                self.format, self.part
            ),
            format!("{MAX_DEPTH} levels of XML nesting"),
        )
    }

    /// A malformed-file error at this part, with an optional finer place (`cell C4`).
    #[cold]
    pub fn malformed(&self, place: Option<&str>, detail: impl Into<String>) -> Error {
        let place = match place {
            Some(p) => format!("{}, {p}", self.part),
            None => self.part.to_string(),
        };
        Error::malformed(self.format, Some(place), detail)
    }
}

/// A name without its prefix (`x:c` → `c`), as quick-xml's `local_name` gives it but
/// found by a plain byte loop: names are a few bytes long, and this runs for every tag
/// and attribute, where setting up a search costs more than the scan.
#[inline]
pub(crate) fn local_name(name: QName<'_>) -> &str {
    let raw = name.into_inner();
    match raw.bytes().position(|b| b == b':') {
        Some(colon) => &raw[colon + 1..],
        None => raw,
    }
}

/// Appends the character data of a text-like event (text, CDATA, entity reference);
/// returns whether the event was one. An unknown entity is kept as written.
pub(crate) fn push_text(out: &mut String, event: &Event<'_>) -> bool {
    match event {
        Event::Text(t) => {
            out.push_str(&t.xml10_content());
            true
        }
        Event::CData(t) => {
            out.push_str(&t.xml10_content());
            true
        }
        Event::GeneralRef(r) => {
            match r.resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                Ok(None) => match resolve_predefined_entity(r) {
                    Some(s) => out.push_str(s),
                    None => {
                        out.push('&');
                        out.push_str(r);
                        out.push(';');
                    }
                },
                Err(_) => {
                    out.push('&');
                    out.push_str(r);
                    out.push(';');
                }
            }
            true
        }
        _ => false,
    }
}

/// The raw value of an attribute by local name (no entity resolution: for ids, refs
/// and numbers, which never hold entities).
pub(crate) fn raw_attr<'e>(e: &'e BytesStart<'_>, name: &str) -> Option<Cow<'e, str>> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs
        .flatten()
        .find(|a| local_name(a.key) == name)
        .map(|a| a.value)
}

/// The value of an attribute by local name with entities resolved (names, paths).
pub(crate) fn text_attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    let attr = attrs.flatten().find(|a| local_name(a.key) == name)?;
    Some(unescape(&attr.value))
}

/// An attribute value with entities resolved (see [`text_attr`]).
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    unescape_into(raw, &mut out);
    out
}

/// Resolves `&amp;`-style and `&#x41;` references; keeps anything unknown as written.
fn unescape_into(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&s| s <= 12) else {
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..semi];
        let resolved = if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            code.and_then(char::from_u32).map(|c| out.push(c)).is_some()
        } else if let Some(s) = resolve_predefined_entity(name) {
            out.push_str(s);
            true
        } else {
            false
        };
        if !resolved {
            out.push('&');
            out.push_str(name);
            out.push(';');
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
}

/// A part's bytes as UTF-8: Excel writes UTF-8, but the XML standard allows UTF-16
/// (with a byte-order mark), which is transcoded here so the reader can borrow from it.
pub(crate) fn utf8_part(bytes: &[u8]) -> Cow<'_, [u8]> {
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) if encoding != encoding_rs::UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
            Cow::Owned(text.into_owned().into_bytes())
        }
        _ => Cow::Borrowed(bytes),
    }
}

/// Excel's `_xHHHH_` escapes (ST_Xstring) for characters XML cannot carry (`_x000D_` is
/// a carriage return); `\r\n` and lone `\r` become `\n`. Borrowed when there is none.
pub(crate) fn decode_xstring(text: &str) -> Cow<'_, str> {
    if !text.contains("_x") && !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("_x") {
        out.push_str(&rest[..pos]);
        let candidate = &rest[pos..];
        let hex = candidate.get(2..6);
        let decoded = match (hex, candidate.as_bytes().get(6)) {
            (Some(hex), Some(b'_')) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            }
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &candidate[7..];
            }
            None => {
                out.push_str("_x");
                rest = &candidate[2..];
            }
        }
    }
    out.push_str(rest);
    if out.contains('\r') {
        out = out.replace("\r\n", "\n").replace('\r', "\n");
    }
    Cow::Owned(out)
}

/// Trims white space at both ends, ideographic space (U+3000) included, as the text
/// reader does.
pub(crate) fn trim_cell(text: &str) -> &str {
    text.trim_matches(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xstring_escapes_and_line_ends() {
        assert_eq!(decode_xstring("a_x000D_\nb"), "a\nb");
        assert_eq!(decode_xstring("x_x005F_x000D_"), "x_x000D_");
        assert_eq!(decode_xstring("_x_1"), "_x_1");
        assert_eq!(decode_xstring("plain"), "plain");
    }

    #[test]
    fn attribute_entities() {
        let mut out = String::new();
        unescape_into("R&amp;D &lt;&#x41;&#66;&bogus; & x", &mut out);
        assert_eq!(out, "R&D <AB&bogus; & x");
    }

    #[test]
    fn depth_is_limited() {
        let deep = "<a>".repeat(300);
        let mut xml = Xml::new(deep.as_bytes(), "xlsx", "xl/deep.xml");
        let err = loop {
            match xml.next() {
                Ok(Event::Eof) => panic!("accepted"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(err.to_string().contains("nests XML elements"), "{err}");
    }

    #[test]
    fn truncated_xml_is_malformed() {
        let mut xml = Xml::new(b"<a><b>text</b>", "xlsx", "xl/t.xml");
        let err = loop {
            match xml.next() {
                Ok(Event::Eof) => panic!("accepted"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(err.to_string().contains("xl/t.xml"), "{err}");
    }
}
