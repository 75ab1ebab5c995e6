//! Readers: one module per input format, each turning a file's bytes into a [`Grid`].
//!
//! The format is chosen from the bytes, not the file name ([`detect`]): a zip holding
//! `xl/` is XLSX, one holding `word/` is DOCX, an OLE2 container is a legacy XLS (or a
//! Word .doc / an encrypted workbook, which get a clear error), an XML document whose
//! root is an Excel 2003 `Workbook` or a Word 2003 `wordDocument` is that, a MIME
//! message is a single-file web page, a page with HTML markup is HTML, anything else is
//! text.
//! Every reader obeys the same [`ReadLimits`], so hostile files are refused, not read.

use std::borrow::Cow;

use crate::model::Grid;
use crate::{Error, ErrorKind, Result};

pub mod docx;
pub mod excel_xml;
pub mod html;
pub mod mht;
pub mod sheets;
pub mod text;
pub mod xlsx;
mod zip_parts;

pub use zip_parts::Package;

/// An input format jixiao reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel 97-2003 workbook (read through calamine).
    Xls,
    /// OpenDocument spreadsheet (read through calamine).
    Ods,
    /// Office Open XML document.
    Docx,
    /// Tab-separated text (or CSV) in any common Chinese encoding.
    Text,
    /// A web page holding the form as an HTML table.
    Html,
    /// An Excel 2003 XML spreadsheet (SpreadsheetML 2003), however it is named.
    ExcelXml,
    /// A Word 2003 XML document (WordprocessingML 2003), however it is named.
    WordXml,
    /// A single-file web page (MHTML), as Word and Excel save one.
    Mht,
}

impl Format {
    /// What a file of this format is, for messages: `an Excel 97-2003 workbook`.
    pub fn description(self) -> &'static str {
        match self {
            Format::Xlsx => "an Excel workbook (xlsx)",
            Format::Xls => "an Excel 97-2003 workbook (xls)",
            Format::Ods => "an OpenDocument spreadsheet (ods)",
            Format::Docx => "a Word document (docx)",
            Format::Text => "text",
            Format::Html => "a web page (html)",
            Format::ExcelXml => "an Excel 2003 XML spreadsheet (excel-xml)",
            Format::WordXml => "a Word 2003 XML document (word-xml)",
            Format::Mht => "a single-file web page (mht)",
        }
    }

    /// The name written in `source.format` and `files.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Docx => "docx",
            Format::Text => "text",
            Format::Html => "html",
            Format::ExcelXml => excel_xml::FORMAT,
            Format::WordXml => docx::WORD_XML,
            Format::Mht => mht::FORMAT,
        }
    }
}

/// Safety limits every reader obeys; each is adjustable from the command line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadLimits {
    /// Largest input file read, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes inflated out of one zip package (all parts together).
    pub max_inflated_bytes: u64,
    /// Most non-empty cells in one file.
    pub max_cells: u64,
    /// Longest line of a text file, in bytes: no line of a real form is anywhere near
    /// it, while a 200 MB file without line breaks would otherwise be read as one cell.
    pub max_line_bytes: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_file_bytes: 256 << 20,
            max_inflated_bytes: 512 << 20,
            max_cells: 2_000_000,
            max_line_bytes: 1 << 20,
        }
    }
}

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Decides the format from the bytes.
///
/// Errors: an empty file; a zip that is neither a workbook nor a document; a Word .doc
/// or an encrypted Office file (each with advice on what to do).
pub fn detect(bytes: &[u8], limits: &ReadLimits) -> Result<Format> {
    identify(bytes, limits).map(|identified| identified.format)
}

/// A file's format, told from its bytes, with the zip package opened to tell it, if it
/// is one: its reader goes on from there instead of opening the package again.
pub struct Identified<'a> {
    /// The file's format.
    pub format: Format,
    package: Option<Package<'a>>,
}

impl Identified<'_> {
    /// A format with no package opened (not a zip, or told by the caller).
    fn unopened(format: Format) -> Self {
        Identified {
            format,
            package: None,
        }
    }
}

/// [`detect`], keeping the opened package for [`read_identified`].
pub fn identify<'a>(bytes: &'a [u8], limits: &ReadLimits) -> Result<Identified<'a>> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Empty));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") || ends_like_zip(bytes)
    {
        let package = Package::open(bytes, "zip", limits)?;
        let format = if package.has("xl/workbook.xml") {
            Format::Xlsx
        } else if package.has("word/document.xml") {
            Format::Docx
        } else if package.has("content.xml") && package.has("mimetype") {
            Format::Ods
        } else if package.recovered() {
            return Err(Error::malformed(
                "zip",
                None,
                "cut short or damaged: its directory of parts is missing, and the parts \
                 before the damage hold neither xl/workbook.xml nor word/document.xml",
            ));
        } else {
            return Err(Error::unsupported(
                "a zip archive that is neither an Excel workbook (xl/workbook.xml) nor a Word document (word/document.xml)",
                "save the form as .xlsx or .docx",
            ));
        };
        return Ok(Identified {
            format,
            package: Some(package),
        });
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return detect_ole2(bytes).map(Identified::unopened);
    }
    // Before the page test: Excel's format declares the HTML namespace for rich text.
    if let Some(format) = office_xml(bytes) {
        return Ok(Identified::unopened(format));
    }
    if mht::sniff(bytes) {
        return Ok(Identified::unopened(Format::Mht));
    }
    if html::sniff(bytes) {
        return Ok(Identified::unopened(Format::Html));
    }
    Ok(Identified::unopened(Format::Text))
}

/// The Office 2003 XML format the bytes are, told by the root element and its
/// namespace near the start: an Excel `Workbook` or a Word `wordDocument`.
pub(crate) fn office_xml(bytes: &[u8]) -> Option<Format> {
    let (head, root) = xml_root(bytes)?;
    match root {
        "Workbook" if head.contains(excel_xml::NAMESPACE) => Some(Format::ExcelXml),
        "wordDocument" if head.contains(docx::W_2003_NS) => Some(Format::WordXml),
        _ => None,
    }
}

/// What a file's name promises, by extension (lower case): the formats at home under
/// it (none for a Word binary `.doc`, which is refused), and, for Office's containers,
/// the name to give the format and what its bytes should be. Folders are walked for
/// these extensions; one table, so that walking, the misnamed-file note and the
/// misnamed-file error agree.
pub(crate) struct Named {
    pub extensions: &'static [&'static str],
    pub formats: &'static [Format],
    pub container: Option<(&'static str, &'static str)>,
}

pub(crate) const NAMES: &[Named] = &[
    Named {
        extensions: &["xlsx", "xlsm", "xltx", "xltm"],
        formats: &[Format::Xlsx],
        container: Some(("xlsx", "a zip archive")),
    },
    Named {
        extensions: &["xls", "et", "ett"],
        formats: &[Format::Xls],
        container: Some(("xls", "an OLE2 compound file")),
    },
    Named {
        extensions: &["ods"],
        formats: &[Format::Ods],
        container: Some(("ods", "a zip archive")),
    },
    Named {
        extensions: &["docx", "docm", "dotx", "dotm"],
        formats: &[Format::Docx],
        container: Some(("docx", "a zip archive")),
    },
    // A Word binary document is refused; whatever else a .doc holds (a page, a Word
    // 2003 XML document a system exported) is read, and said to be misnamed.
    Named {
        extensions: &["doc", "wps", "wpt"],
        formats: &[],
        container: Some(("doc", "an OLE2 compound file")),
    },
    Named {
        extensions: &["html", "htm"],
        formats: &[Format::Html],
        container: None,
    },
    Named {
        extensions: &["mht", "mhtml"],
        formats: &[Format::Mht],
        container: None,
    },
    Named {
        extensions: &["txt", "tsv", "csv", "text"],
        formats: &[Format::Text],
        container: None,
    },
    // Either Office XML is at home in a .xml; any other XML is refused.
    Named {
        extensions: &["xml"],
        formats: &[Format::ExcelXml, Format::WordXml],
        container: None,
    },
];

/// What the extension `ext` (lower case) promises, if it is one of a form's.
pub(crate) fn named(ext: &str) -> Option<&'static Named> {
    NAMES.iter().find(|n| n.extensions.contains(&ext))
}

/// The start of an XML document as text, and its root element's local name (`Workbook`
/// of `<ss:Workbook …>`), past a BOM, the declaration, processing instructions,
/// comments and a doctype; `None` when the bytes do not open with markup. Only the
/// first 4 KB are looked at, and a text that does not start with `<` costs nothing.
pub(crate) fn xml_root(bytes: &[u8]) -> Option<(Cow<'_, str>, &'static str)> {
    let head = &bytes[..bytes.len().min(4096)];
    let text: Cow<'_, str> = match encoding_rs::Encoding::for_bom(head) {
        Some((encoding, bom)) => {
            // A text form in UTF-16 is not decoded whole to be turned away.
            let start = &head[bom..head.len().min(bom + 64)];
            let start = encoding.decode_without_bom_handling(start).0;
            if !start.trim_start().starts_with('<') {
                return None;
            }
            encoding.decode_without_bom_handling(&head[bom..]).0
        }
        None if head.trim_ascii_start().starts_with(b"<") => String::from_utf8_lossy(head),
        None => return None,
    };
    let mut rest = text.trim_start();
    loop {
        rest = rest.strip_prefix('<')?;
        let skip_to = if rest.starts_with('?') {
            "?>"
        } else if rest.starts_with("!--") {
            "-->"
        } else if rest.starts_with('!') {
            ">"
        } else {
            break;
        };
        rest = rest[rest.find(skip_to)? + skip_to.len()..].trim_start();
    }
    let name = rest
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()?;
    let local = name.rsplit(':').next()?;
    let root = ["Workbook", "wordDocument"]
        .into_iter()
        .find(|r| *r == local)?;
    Some((text, root))
}

/// Whether the bytes end as a zip without a comment does (Office writes none): with
/// its end record. A package whose first bytes are damaged is still a package. Only the
/// last 22 bytes are looked at, so a text form pays nothing for the question.
fn ends_like_zip(bytes: &[u8]) -> bool {
    const END_RECORD: usize = 22;
    bytes.len() >= END_RECORD && bytes[bytes.len() - END_RECORD..].starts_with(b"PK\x05\x06")
}

/// Tells the OLE2 containers apart by the stream names in their directory
/// (stored as UTF-16LE): `Workbook`/`Book` is XLS (WPS Spreadsheets' `.et` too, which
/// it writes in Excel's binary format), `WordDocument` a Word .doc (or WPS Writer's
/// `.wps`), `EncryptedPackage` a password-protected XLSX/DOCX.
fn detect_ole2(bytes: &[u8]) -> Result<Format> {
    let has = |name: &str| {
        let needle: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        bytes.windows(needle.len()).any(|w| w == needle.as_slice())
    };
    if has("EncryptedPackage") {
        return Err(Error::unsupported(
            "an encrypted (password-protected) Office file",
            "open it in Office, remove the password (File > Info > Protect), and save it as .xlsx or .docx",
        ));
    }
    if has("WordDocument") {
        return Err(Error::unsupported(
            "a legacy Word 97-2003 document (.doc, or a .wps that WPS Writer saved alike)",
            "open it in Word, WPS or LibreOffice and save it as .docx",
        ));
    }
    if has("Workbook") || has("Book") {
        return Ok(Format::Xls);
    }
    Err(Error::unsupported(
        "an OLE2 container that is neither an Excel workbook nor a Word document",
        "save the form as .xlsx or .docx",
    ))
}

/// Reads a file's bytes into the cell model with the given format's reader.
pub fn read(bytes: &[u8], format: Format, limits: &ReadLimits) -> Result<Grid> {
    read_identified(bytes, Identified::unopened(format), limits)
}

/// [`read`] for a file [`identify`] has told: an XLSX or DOCX package it opened is
/// read as it is.
pub fn read_identified(bytes: &[u8], file: Identified<'_>, limits: &ReadLimits) -> Result<Grid> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(Error::limit(
            format!("the file has {} bytes", bytes.len()),
            format!(
                "{} bytes per file; raise it with --max-file-mb",
                limits.max_file_bytes
            ),
        ));
    }
    let format = match (file.format, file.package) {
        (Format::Xlsx, Some(package)) => return xlsx::read_package(package, limits),
        (Format::Docx, Some(package)) => return docx::read_package(package, limits),
        (format, _) => format,
    };
    match format {
        Format::Xlsx => xlsx::read(bytes, limits),
        Format::Xls | Format::Ods => sheets::read(bytes, format, limits),
        Format::Docx => docx::read(bytes, limits),
        Format::Text => text::read(bytes, limits),
        Format::Html => html::read(bytes, limits),
        Format::ExcelXml => excel_xml::read(bytes, limits),
        Format::WordXml => docx::read_word_xml(bytes, limits),
        Format::Mht => mht::read(bytes, limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bytes_are_an_error() {
        let err = detect(b"", &ReadLimits::default()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Empty));
    }

    #[test]
    fn plain_bytes_are_text() {
        assert_eq!(
            detect("部门名称\t广州".as_bytes(), &ReadLimits::default()).unwrap(),
            Format::Text
        );
    }

    #[test]
    fn ole2_word_document_is_refused_with_advice() {
        let mut bytes = OLE2_MAGIC.to_vec();
        bytes.extend("WordDocument".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let err = detect(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("save it as .docx"), "{err}");
    }

    #[test]
    fn ole2_encrypted_package_is_refused_with_advice() {
        let mut bytes = OLE2_MAGIC.to_vec();
        bytes.extend(
            "EncryptedPackage"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        );
        let err = detect(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
    }

    #[test]
    fn truncated_zip_is_malformed_not_a_panic() {
        let err = detect(b"PK\x03\x04garbage", &ReadLimits::default()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{err}");
    }

    /// A DOCX whose first bytes are damaged is still told a DOCX by the zip's end record,
    /// and read.
    #[test]
    fn a_zip_with_its_first_bytes_damaged_is_still_a_zip() {
        let mut docx = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/guangzhou-2024-docx/input.docx"),
        )
        .unwrap();
        docx[..4].fill(0);
        let limits = ReadLimits::default();
        assert_eq!(detect(&docx, &limits).unwrap(), Format::Docx);
        let grid = read_identified(&docx, identify(&docx, &limits).unwrap(), &limits).unwrap();
        assert!(!grid.blocks.is_empty());
        assert!(!ends_like_zip("部门名称\t广州市司法局\n".as_bytes()));
    }

    /// A DOCX cut short before its document part: said to be cut short, not to be some
    /// other kind of zip.
    #[test]
    fn a_zip_cut_before_its_main_part_is_said_to_be_cut_short() {
        let whole = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/guangzhou-2024-docx/input.docx"),
        )
        .unwrap();
        let document = whole
            .windows(17)
            .position(|w| w == b"word/document.xml")
            .unwrap();
        let err = detect(&whole[..document], &ReadLimits::default()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("cut short or damaged"), "{err}");
    }
}
