//! Reading parts out of an OOXML zip (XLSX, DOCX) under an inflate cap.
//!
//! A zip bomb is a small file whose parts inflate to gigabytes. The size a zip entry
//! declares can lie, so the cap is enforced on the bytes actually inflated, not on the
//! header: reading stops with a [`crate::ErrorKind::Limit`] error the moment the running
//! total passes [`crate::ReadLimits::max_inflated_bytes`].
//!
//! The zip crate finds the parts; their bytes are inflated here, straight from the
//! file's bytes, by one inflate state per thread that is reset for each part: setting a
//! new one up (what the zip crate's reader does for every part) zeroes its window and
//! tables, which cost more than inflating a workbook's small parts. The CRC-32 each
//! part declares is checked as the zip crate checks it.
//!
//! A zip's directory of parts is written last, so a file cut short (a copy or download
//! that stopped) loses it first while the parts before the cut are whole. When the zip
//! crate cannot read the directory, the parts are found instead by walking their local
//! headers from the start of the file, as Word and Excel do when they repair a file,
//! and the reader notes `input.zip_recovered`. A part cut by the end of the file fails
//! when it is read ("the data ends early"); one that is not needed is never read. The
//! same walk finds a part the directory points past (bytes lost or repeated before it
//! moved it), and it resumes past damage at the next local header.

use std::cell::RefCell;
use std::io::Cursor;
use std::ops::Range;

use flate2::{Decompress, FlushDecompress, Status};
use zip::{CompressionMethod, ZipArchive};

use crate::model::ReaderNote;
use crate::{Error, ReadLimits, Result};

/// A sound zip of `parts` (stored, in that order), for a library that reads the package
/// itself and cannot read a damaged one (calamine for ODS): the parts a damaged
/// package's reader has already read, handed on rebuilt.
pub fn stored_zip(format: &'static str, parts: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let failed = |e: zip::result::ZipError| {
        Error::malformed(format, None, format!("cannot rebuild the package: {e}"))
    };
    for (name, bytes) in parts {
        zip.start_file(*name, stored).map_err(failed)?;
        zip.write_all(bytes)
            .map_err(|e| failed(zip::result::ZipError::Io(e)))?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

/// An opened OOXML package with a running inflate budget.
pub struct Package<'a> {
    bytes: &'a [u8],
    parts: Parts<'a>,
    /// For a package read by its directory: its parts by their local headers, walked
    /// the first time the directory points at something that is not one (bytes lost or
    /// repeated before a part move it from where the directory says).
    walked_too: Option<Vec<WalkedPart>>,
    format: &'static str,
    inflated: u64,
    max_inflated: u64,
}

/// Where the package's parts are found.
enum Parts<'a> {
    /// By the zip's central directory, as the zip crate reads it.
    Directory(ZipArchive<Cursor<&'a [u8]>>),
    /// By their local headers, walked from the start (the directory is unreadable).
    Walked(Vec<WalkedPart>),
}

/// A part found by its local header.
struct WalkedPart {
    name: String,
    flags: u16,
    method: u16,
    /// The CRC-32 to check, when the local header or the data descriptor gave it.
    crc: Option<u32>,
    /// The inflated size declared, a hint (0 when unknown).
    declared: u64,
    /// The part's compressed bytes; for a part whose length only its data descriptor
    /// gives, up to the next header (deflate ends by itself).
    data: Range<usize>,
}

/// Parts walked at the most: more than any real package has (the zip format's own
/// count without zip64), so a file of millions of tiny headers cannot fill memory.
const MAX_WALKED_PARTS: usize = 65_535;

impl<'a> Package<'a> {
    /// Opens the zip; `format` names the file type in error messages. A zip whose
    /// directory cannot be read is opened by its local headers when it has any.
    pub fn open(bytes: &'a [u8], format: &'static str, limits: &ReadLimits) -> Result<Self> {
        let parts = match ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => Parts::Directory(archive),
            Err(e) => {
                let walked = walk_local_headers(bytes);
                if walked.is_empty() {
                    return Err(Error::malformed(
                        format,
                        None,
                        format!("not a readable zip archive ({e})"),
                    ));
                }
                Parts::Walked(walked)
            }
        };
        Ok(Package {
            bytes,
            parts,
            walked_too: None,
            format,
            inflated: 0,
            max_inflated: limits.max_inflated_bytes,
        })
    }

    /// Whether parts were looked for by their local headers: the directory unreadable,
    /// or pointing at something that is not a part.
    pub fn recovered(&self) -> bool {
        matches!(self.parts, Parts::Walked(_)) || self.walked_too.is_some()
    }

    /// The note a reader adds when the parts were found by their local headers.
    pub fn recovery_note(&self) -> Option<ReaderNote> {
        self.recovered().then(|| ReaderNote {
            code: "input.zip_recovered",
            message: "the zip's directory of parts is missing, unreadable or points where \
                      no part is (was the file cut short or damaged?): parts were found by \
                      their local headers"
                .into(),
        })
    }

    /// The same package, naming `format` in its errors from now on (a package opened to
    /// tell the format, then handed to that format's reader).
    pub fn named(mut self, format: &'static str) -> Self {
        self.format = format;
        self
    }

    /// Whether the package holds a part of this name.
    pub fn has(&self, name: &str) -> bool {
        match &self.parts {
            Parts::Directory(archive) => archive.index_for_name(name).is_some(),
            Parts::Walked(parts) => parts.iter().any(|part| part.name == name),
        }
    }

    /// The names of all parts.
    pub fn names(&self) -> Vec<String> {
        match &self.parts {
            Parts::Directory(archive) => archive
                .file_names()
                .filter_map(|n| n.ok())
                .map(|n| n.into_owned())
                .collect(),
            Parts::Walked(parts) => parts.iter().map(|part| part.name.clone()).collect(),
        }
    }

    /// Inflates one part, or `Ok(None)` when the package has no such part.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let format = self.format;
        let malformed = |why: String| Error::malformed(format, Some(name.to_string()), why);
        let Some(part) = self.locate(name).map_err(malformed)? else {
            return Ok(None);
        };
        if part.encrypted {
            return Err(Error::unsupported(
                format!("the {format} part {name} is encrypted"),
                "open it in Office, remove the password, and save it again",
            ));
        }
        let (method, declared, crc) = (part.method, part.declared, part.crc);
        let data = part
            .data
            .and_then(|range| self.bytes.get(range))
            .ok_or_else(|| malformed("the part's data lies outside the file".into()))?;
        let budget = self.max_inflated.saturating_sub(self.inflated);
        let out = match method {
            Method::Stored if data.len() as u64 <= budget => Some(data.to_vec()),
            Method::Stored => None,
            Method::Deflated => inflate(data, declared, budget).map_err(malformed)?,
            Method::Other(other) => {
                return Err(malformed(format!(
                    "compressed with {other}, which jixiao does not read"
                )))
            }
        };
        let Some(out) = out else {
            return Err(Error::limit(
                format!(
                    "the {format} part {name} inflates past {} bytes",
                    self.max_inflated
                ),
                format!(
                    "{} bytes inflated per file; raise it with --max-inflated-mb",
                    self.max_inflated
                ),
            ));
        };
        if crc.is_some_and(|crc| crc32fast::hash(&out) != crc) {
            return Err(malformed(
                "cannot inflate: its checksum does not match".into(),
            ));
        }
        self.inflated += out.len() as u64;
        Ok(Some(out))
    }
}

/// How a part is compressed.
enum Method {
    Stored,
    Deflated,
    /// Another method, by name.
    Other(String),
}

/// Where a part's compressed bytes are and how to read them.
struct Located {
    encrypted: bool,
    method: Method,
    declared: u64,
    crc: Option<u32>,
    /// Its compressed bytes; `None` when the directory's offsets do not add up.
    data: Option<Range<usize>>,
}

impl Package<'_> {
    /// The part named `name`, if the package has it.
    fn locate(&mut self, name: &str) -> std::result::Result<Option<Located>, String> {
        match &mut self.parts {
            Parts::Directory(archive) => {
                let Some(index) = archive.index_for_name(name) else {
                    return Ok(None);
                };
                let file = match archive.by_index_raw(index) {
                    Ok(file) => file,
                    Err(e) => {
                        // The part is not where the directory says: look for it by its
                        // local header, as a package without a directory is read.
                        let walked = self
                            .walked_too
                            .get_or_insert_with(|| walk_local_headers(self.bytes));
                        return match walked.iter().find(|part| part.name == name) {
                            Some(part) => Ok(Some(part.located())),
                            None => Err(e.to_string()),
                        };
                    }
                };
                let data = file.data_start().and_then(|start| {
                    let start = usize::try_from(start).ok()?;
                    let end = start.checked_add(usize::try_from(file.compressed_size()).ok()?)?;
                    Some(start..end)
                });
                let method = match file.compression() {
                    CompressionMethod::Stored => Method::Stored,
                    CompressionMethod::Deflated => Method::Deflated,
                    other => Method::Other(other.to_string()),
                };
                Ok(Some(Located {
                    encrypted: file.encrypted(),
                    method,
                    declared: file.size(),
                    crc: Some(file.crc32()),
                    data,
                }))
            }
            Parts::Walked(parts) => Ok(parts
                .iter()
                .find(|part| part.name == name)
                .map(WalkedPart::located)),
        }
    }
}

impl WalkedPart {
    fn located(&self) -> Located {
        Located {
            encrypted: self.flags & 1 != 0,
            method: match self.method {
                0 => Method::Stored,
                8 => Method::Deflated,
                other => Method::Other(format!("zip method {other}")),
            },
            declared: self.declared,
            crc: self.crc,
            data: Some(self.data.clone()),
        }
    }
}

const LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const DATA_DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
/// What may follow a part's data: the next part, or the directory or its end.
const NEXT_RECORDS: [&[u8; 4]; 3] = [LOCAL_HEADER, b"PK\x01\x02", b"PK\x05\x06"];

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The parts of a zip found by walking its local headers from the start, each part's
/// data after its header, the next header after the data (and its data descriptor,
/// when the part has one). Where something else stands (bytes lost, repeated or
/// damaged), the walk goes on at the next local header signature, so damage costs the
/// part it is in, not the parts after it. A part that runs past the end of the file is
/// kept, to fail with "the data ends early" if it is ever read.
fn walk_local_headers(bytes: &[u8]) -> Vec<WalkedPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    while parts.len() < MAX_WALKED_PARTS && at < bytes.len() {
        let found = (bytes.get(at..at + 4) == Some(LOCAL_HEADER))
            .then(|| local_part(bytes, at))
            .flatten();
        let Some((part, next)) = found else {
            match memchr::memmem::find(&bytes[at + 1..], LOCAL_HEADER) {
                Some(skip) => {
                    at += 1 + skip;
                    continue;
                }
                None => break,
            }
        };
        // A name met again is a later copy; the first is the one read.
        if parts.iter().all(|p: &WalkedPart| p.name != part.name) {
            parts.push(part);
        }
        if next >= bytes.len() {
            break;
        }
        at = next;
    }
    parts
}

/// The part whose local header starts at `at`, and where the record after it starts;
/// `None` when that is no header.
fn local_part(bytes: &[u8], at: usize) -> Option<(WalkedPart, usize)> {
    let flags = u16_at(bytes, at + 6)?;
    let method = u16_at(bytes, at + 8)?;
    let crc = u32_at(bytes, at + 14)?;
    let compressed = u32_at(bytes, at + 18)?;
    let declared = u32_at(bytes, at + 22)?;
    let name_len = usize::from(u16_at(bytes, at + 26)?);
    let extra_len = usize::from(u16_at(bytes, at + 28)?);
    let name_start = at + 30;
    let name = std::str::from_utf8(bytes.get(name_start..name_start + name_len)?).ok()?;
    if name.is_empty() || compressed == u32::MAX || declared == u32::MAX {
        return None; // no name, or sizes in a zip64 field: not a package's part
    }
    let data_start = (name_start + name_len + extra_len).min(bytes.len());
    if flags & 0x08 == 0 {
        let end = data_start
            .saturating_add(compressed as usize)
            .min(bytes.len());
        let part = WalkedPart {
            name: name.to_string(),
            flags,
            method,
            crc: Some(crc),
            declared: u64::from(declared),
            data: data_start..end,
        };
        return Some((part, end));
    }
    // The sizes and CRC follow the data, in a data descriptor: the data ends where the
    // next record begins, less the descriptor. Only deflate says where it ends by
    // itself; a stored part of unknown length cannot be delimited.
    if method != 8 {
        return None;
    }
    let next = next_record(bytes, data_start);
    let (crc, end) = descriptor_before(bytes, data_start, next);
    let part = WalkedPart {
        name: name.to_string(),
        flags,
        method,
        crc,
        declared: 0,
        data: data_start..end,
    };
    Some((part, next))
}

/// Where the next record (local header, directory entry or directory end) starts
/// after `from`: the end of the file when none does.
fn next_record(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(found) = memchr::memmem::find(&bytes[at..], b"PK") {
        let candidate = at + found;
        if NEXT_RECORDS
            .iter()
            .any(|sig| bytes.get(candidate..candidate + 4) == Some(&sig[..]))
        {
            return candidate;
        }
        at = candidate + 2;
    }
    bytes.len()
}

/// The CRC and the end of a part's data whose data descriptor ends at `next`: the
/// descriptor's CRC when its compressed size matches the bytes before it (with or
/// without the descriptor's own signature); else no CRC, and the data up to `next`.
fn descriptor_before(bytes: &[u8], data_start: usize, next: usize) -> (Option<u32>, usize) {
    for (len, signed) in [(16, true), (12, false)] {
        let Some(start) = next.checked_sub(len).filter(|&s| s >= data_start) else {
            continue;
        };
        let fields = if signed {
            if bytes.get(start..start + 4) != Some(&DATA_DESCRIPTOR[..]) {
                continue;
            }
            start + 4
        } else {
            start
        };
        let (Some(crc), Some(compressed)) = (u32_at(bytes, fields), u32_at(bytes, fields + 4))
        else {
            continue;
        };
        if compressed as usize == start - data_start {
            return (Some(crc), start);
        }
    }
    (None, next)
}

thread_local! {
    /// The thread's raw-deflate state, reset for each part.
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// Inflates raw deflate `data` (`declared`: the size the zip says it inflates to, a
/// hint only) into at most `budget` bytes; `Ok(None)` when it would inflate past them.
fn inflate(
    data: &[u8],
    declared: u64,
    budget: u64,
) -> std::result::Result<Option<Vec<u8>>, String> {
    INFLATER.with_borrow_mut(|inflater| {
        inflater.reset(false);
        let mut out = Vec::with_capacity(declared.min(budget).min(64 << 20) as usize);
        loop {
            if out.len() == out.capacity() {
                // Room for one byte past the budget, so reaching it exactly is not
                // mistaken for more.
                let room = (budget + 1).saturating_sub(out.len() as u64);
                if room == 0 {
                    return Ok(None);
                }
                out.reserve(room.min(out.len().max(32 << 10) as u64) as usize);
            }
            let (read, written) = (inflater.total_in(), out.len());
            let input = data.get(read as usize..).unwrap_or_default();
            let status = inflater
                .decompress_vec(input, &mut out, FlushDecompress::Finish)
                .map_err(|e| format!("cannot inflate: {e}"))?;
            if out.len() as u64 > budget {
                return Ok(None);
            }
            match status {
                Status::StreamEnd => return Ok(Some(out)),
                _ if inflater.total_in() == read && out.len() == written => {
                    return Err("cannot inflate: the data ends early".into())
                }
                _ => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::ErrorKind;

    /// A package of `parts`, each stored or deflated.
    fn package(parts: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body, method) in parts {
            let options = SimpleFileOptions::default().compression_method(*method);
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// The same package written as a stream: each part's sizes and CRC in a data
    /// descriptor after its data, as many writers (and these fixtures' XLSX) do.
    fn streamed_package(parts: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new_stream(Vec::new());
        for (name, body, method) in parts {
            let options = SimpleFileOptions::default().compression_method(*method);
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Where the central directory starts (the end record is the last 22 bytes).
    fn directory_offset(zip: &[u8]) -> usize {
        let end = &zip[zip.len() - 22..];
        assert_eq!(&end[..4], b"PK\x05\x06");
        u32::from_le_bytes(end[16..20].try_into().unwrap()) as usize
    }

    /// Reads every part of `names`, or the error's text.
    fn read_all(
        package: &mut Package<'_>,
        names: &[&str],
    ) -> Vec<std::result::Result<Vec<u8>, String>> {
        names
            .iter()
            .map(|name| match package.read(name) {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => Err("missing".into()),
                Err(e) => Err(e.to_string()),
            })
            .collect()
    }

    /// A package that lost its directory (cut where it starts) reads part for part as
    /// the whole one does, sizes in the local headers or in data descriptors, and says
    /// so; cut inside a part, the parts before it still read and that one fails; with
    /// no local header at all, the error is the zip crate's.
    #[test]
    fn a_package_without_its_directory_is_read_by_its_local_headers() {
        let body = "<row>部门名称</row>".repeat(500);
        let parts: [(&str, &[u8], CompressionMethod); 3] = [
            (
                "[Content_Types].xml",
                b"<Types/>",
                CompressionMethod::Deflated,
            ),
            (
                "word/document.xml",
                body.as_bytes(),
                CompressionMethod::Deflated,
            ),
            ("word/styles.xml", b"<styles/>", CompressionMethod::Stored),
        ];
        let names: Vec<&str> = parts.iter().map(|(name, _, _)| *name).collect();
        // Streamed, the parts are the deflated ones: a stored part of unknown length
        // cannot be delimited, and writers store none so.
        let streamed = streamed_package(&parts[..2]);
        assert_eq!(streamed[6] & 0x08, 0x08, "sizes in a data descriptor");
        for (bytes, count) in [(package(&parts), 3), (streamed, 2)] {
            let names = &names[..count];
            let mut whole = Package::open(&bytes, "docx", &limits(1 << 20)).unwrap();
            assert!(whole.recovery_note().is_none());
            let expected = read_all(&mut whole, names);
            assert!(expected.iter().all(Result::is_ok), "{expected:?}");

            let cut = &bytes[..directory_offset(&bytes)];
            let mut walked = Package::open(cut, "docx", &limits(1 << 20)).unwrap();
            assert_eq!(walked.names(), names);
            assert!(walked.has("word/document.xml"));
            assert!(read_all(&mut walked, names) == expected, "parts differ");
            let note = walked.recovery_note().expect("noted");
            assert_eq!(note.code, "input.zip_recovered");

            // Cut inside the document's data (20 bytes before what follows it): the
            // part before it is whole, the document ends early.
            let after_document = match memchr::memmem::find(&bytes, b"word/styles.xml") {
                Some(name) if name < directory_offset(&bytes) => name - 30,
                _ => directory_offset(&bytes),
            };
            let cut = &bytes[..after_document - 20];
            let mut half = Package::open(cut, "docx", &limits(1 << 20)).unwrap();
            assert!(read_all(&mut half, &names[..1]) == expected[..1]);
            let document = read_all(&mut half, &names[1..2]).remove(0).unwrap_err();
            assert!(
                document.contains("word/document.xml") && document.contains("ends early"),
                "{document}"
            );
        }
        let err = Package::open(b"PK\x03\x04 not a header", "docx", &limits(1 << 20));
        assert!(
            matches!(&err, Err(e) if e.to_string().contains("not a readable zip archive")),
            "{:?}",
            err.err()
        );
    }

    /// Bytes repeated or lost before a part move it from where the directory says: the
    /// part is found by its local header instead, and the package says it was repaired.
    /// A walk past damage (a header no longer one) goes on to the parts after it.
    #[test]
    fn parts_moved_or_after_damage_are_found_by_their_local_headers() {
        let body = "<w:t>部门名称</w:t>".repeat(300);
        let parts: [(&str, &[u8], CompressionMethod); 3] = [
            (
                "[Content_Types].xml",
                b"<Types>types</Types>",
                CompressionMethod::Stored,
            ),
            (
                "word/document.xml",
                body.as_bytes(),
                CompressionMethod::Deflated,
            ),
            ("word/styles.xml", b"<styles/>", CompressionMethod::Deflated),
        ];
        let bytes = package(&parts);
        // Five bytes repeated before the document's header: every offset after them is
        // off by five, which the zip crate takes for bytes prepended to the whole file.
        let document_header = memchr::memmem::find(&bytes, b"word/document.xml").unwrap() - 30;
        let mut moved = bytes.clone();
        let repeated = moved[document_header - 5..document_header].to_vec();
        moved.splice(document_header..document_header, repeated);
        let mut package = Package::open(&moved, "docx", &limits(1 << 20)).unwrap();
        assert!(!package.recovered(), "the directory is read");
        for (name, body, _) in parts {
            assert_eq!(package.read(name).unwrap().unwrap(), body, "{name}");
        }
        assert!(package.recovered(), "and the repair is said");

        // No directory, and the first header damaged: the walk resumes at the next.
        let mut damaged = bytes[..directory_offset(&bytes)].to_vec();
        damaged[0] ^= 0xFF; // the first part's signature
        let mut walked = Package::open(&damaged, "docx", &limits(1 << 20)).unwrap();
        assert_eq!(walked.names(), ["word/document.xml", "word/styles.xml"]);
        assert_eq!(
            walked.read("word/document.xml").unwrap().unwrap(),
            body.as_bytes()
        );
    }

    proptest::proptest! {
        /// Whatever follows a local header's signature, and whatever a real package is
        /// cut or damaged to, opening it and reading every part it lists gives parts or
        /// errors, never a panic.
        #[test]
        fn walking_damaged_packages_never_panics(
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            cut in 0usize..2000,
            flip in 0usize..2000,
        ) {
            let mut junk = b"PK\x03\x04".to_vec();
            junk.extend(&tail);
            let body = "<w:t>部门名称</w:t>".repeat(40);
            let mut real = streamed_package(&[
                ("word/document.xml", body.as_bytes(), CompressionMethod::Deflated),
                ("word/styles.xml", b"<styles/>", CompressionMethod::Deflated),
            ]);
            real.truncate(cut.min(real.len()));
            if let Some(byte) = real.get_mut(flip) {
                *byte ^= 0x5A;
            }
            for bytes in [junk, real] {
                if let Ok(mut package) = Package::open(&bytes, "docx", &limits(1 << 20)) {
                    for name in package.names() {
                        let _ = package.read(&name);
                    }
                }
            }
        }
    }

    fn limits(max_inflated_bytes: u64) -> ReadLimits {
        ReadLimits {
            max_inflated_bytes,
            ..ReadLimits::default()
        }
    }

    fn is_limit(result: Result<Option<Vec<u8>>>) -> bool {
        matches!(result, Err(e) if matches!(e.kind(), ErrorKind::Limit { .. }))
    }

    #[test]
    fn parts_inflate_up_to_the_budget_and_not_a_byte_past_it() {
        let body: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for method in [CompressionMethod::Stored, CompressionMethod::Deflated] {
            let bytes = package(&[("a.xml", &body, method), ("b.xml", b"<b/>", method)]);
            let exact = body.len() as u64 + 4;
            let mut whole = Package::open(&bytes, "xlsx", &limits(exact)).unwrap();
            assert_eq!(whole.read("a.xml").unwrap().unwrap(), body, "{method}");
            assert_eq!(whole.read("b.xml").unwrap().unwrap(), b"<b/>", "{method}");
            assert_eq!(whole.read("c.xml").unwrap(), None);

            let mut short = Package::open(&bytes, "xlsx", &limits(exact - 1)).unwrap();
            assert_eq!(short.read("a.xml").unwrap().unwrap(), body);
            assert!(
                is_limit(short.read("b.xml")),
                "{method}: the budget is per package"
            );
            let mut tiny = Package::open(&bytes, "xlsx", &limits(1000)).unwrap();
            assert!(is_limit(tiny.read("a.xml")), "{method}");
        }
    }

    #[test]
    fn damaged_parts_are_errors_and_the_next_part_still_reads() {
        let body = "<row>部门名称</row>".repeat(2000);
        let bytes = package(&[
            ("a.xml", body.as_bytes(), CompressionMethod::Deflated),
            ("b.xml", body.as_bytes(), CompressionMethod::Deflated),
        ]);
        let start = bytes
            .windows(5)
            .position(|w| w == b"a.xml")
            .expect("the local header's name")
            + 5;

        // A flipped bit in the middle of the data: a deflate error or a checksum error.
        let mut flipped = bytes.clone();
        flipped[start + 40] ^= 0x10;
        let mut package = Package::open(&flipped, "xlsx", &limits(1 << 20)).unwrap();
        let err = package.read("a.xml").expect_err("a flipped bit");
        assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{err}");
        // The thread's inflate state is reset for the next part.
        assert_eq!(package.read("b.xml").unwrap().unwrap(), body.as_bytes());

        // A deflate stream cut short ends early, whatever the room for its output.
        let mut deflater = flate2::Compress::new(flate2::Compression::default(), false);
        let mut stream = Vec::with_capacity(body.len());
        deflater
            .compress_vec(body.as_bytes(), &mut stream, flate2::FlushCompress::Finish)
            .unwrap();
        assert_eq!(
            inflate(&stream, 10, 1 << 20).unwrap().unwrap(),
            body.as_bytes()
        );
        for cut in [1, stream.len() / 2, stream.len() - 1] {
            let err = inflate(&stream[..cut], body.len() as u64, 1 << 20);
            assert!(
                matches!(&err, Err(e) if e.contains("ends early")),
                "{cut}: {err:?}"
            );
        }
    }
}
