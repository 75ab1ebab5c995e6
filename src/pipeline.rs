//! From a file to its forms: read the bytes, detect the format, read the cell model,
//! extract and validate. One file's failure is that file's [`Error`], never a panic that
//! takes a batch down.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::document::{Form, Source};
use crate::formats::{self, Format, Identified, ReadLimits};
use crate::isolate::{self, Isolation};
use crate::model::{Grid, ReaderNote};
use crate::{extract, Error, ErrorKind, Result};

/// Options for reading forms; build with [`ExtractOptions::new`] and the setters.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    limits: ReadLimits,
    isolation: Option<Isolation>,
}

impl ExtractOptions {
    /// Default limits (see [`ReadLimits`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the safety limits.
    pub fn limits(mut self, limits: ReadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn read_limits(&self) -> &ReadLimits {
        &self.limits
    }

    /// Reads XLS and ODS files in a child process with memory and time limits (see
    /// [`crate::isolate`]), so that a reader library aborting the process costs one
    /// file; `None` (the default) reads them in this process.
    pub fn isolate(mut self, isolation: Option<Isolation>) -> Self {
        self.isolation = isolation;
        self
    }

    /// The isolation in force, if any.
    pub fn isolation(&self) -> Option<&Isolation> {
        self.isolation.as_ref()
    }
}

/// What reading one file's bytes gave: its identity, and its forms or the error.
#[derive(Debug)]
pub struct FileReport {
    /// Path as given.
    pub path: String,
    /// Hex sha256 of the bytes (empty when the file could not be read at all).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The detected format, when detection got that far.
    pub format: Option<Format>,
    /// The forms, or why there are none.
    pub result: Result<Vec<Form>>,
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(DIGITS[usize::from(byte >> 4)] as char);
        hex.push(DIGITS[usize::from(byte & 15)] as char);
    }
    hex
}

/// Reads the forms in a file's bytes. `path` is recorded in `source.path` and in errors.
///
/// # Example
/// ```
/// # let path = format!("{}/fixtures/guangzhou-2024-text/input.txt", env!("CARGO_MANIFEST_DIR"));
/// let bytes = std::fs::read(&path).unwrap();
/// let report = jixiao::extract_bytes(&bytes, &path, &jixiao::ExtractOptions::new());
/// let forms = report.result.unwrap();
/// assert_eq!(forms[0].department.as_deref(), Some("广州市司法局"));
/// assert_eq!(forms[0].year, Some(2024));
/// ```
pub fn extract_bytes(bytes: &[u8], path: &str, options: &ExtractOptions) -> FileReport {
    extract_hashed(bytes, sha256_hex(bytes), path, options)
}

/// [`extract_bytes`] for bytes whose sha256 is already known (the batch hashes first to
/// skip duplicates).
pub(crate) fn extract_hashed(
    bytes: &[u8],
    sha256: String,
    path: &str,
    options: &ExtractOptions,
) -> FileReport {
    let mut report = FileReport {
        path: path.to_string(),
        sha256,
        bytes: bytes.len() as u64,
        format: None,
        result: Ok(Vec::new()),
    };
    let identified = match formats::identify(bytes, &options.limits) {
        Ok(identified) => identified,
        Err(e) => {
            report.result = Err(e.with_path(path));
            return report;
        }
    };
    let format = identified.format;
    report.format = Some(format);
    if let Some(e) = not_office_xml(format, path) {
        report.result = Err(e.with_path(path));
        return report;
    }
    report.result = read_grid(bytes, identified, options)
        .map_err(|e| misnamed(e, format, path).with_path(path))
        .map(|mut grid| {
            grid.notes.extend(extension_mismatch(format, path));
            let source = Source {
                path: path.to_string(),
                format: format.as_str().to_string(),
                encoding: grid.encoding.clone(),
                sha256: report.sha256.clone(),
                bytes: report.bytes,
            };
            extract::extract(&grid, &source, &report.sha256[..16])
        });
    report
}

/// The reader for `format`, in a child process when isolation is on for it.
fn read_grid(bytes: &[u8], file: Identified<'_>, options: &ExtractOptions) -> Result<Grid> {
    match &options.isolation {
        Some(isolation) if isolate::is_isolated(file.format) => {
            isolate::read(bytes, file.format, &options.limits, isolation)
        }
        _ => formats::read_identified(bytes, file, &options.limits),
    }
}

/// The extension of `path`, lower-cased.
fn extension(path: &str) -> String {
    Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// `.xml` is walked for the Excel 2003 XML spreadsheets and Word 2003 XML documents
/// that budget systems export and old offices saved; any other XML (a system's own
/// data) is refused, not read as a text form and reported as one that has no sections.
fn not_office_xml(format: Format, path: &str) -> Option<Error> {
    let ext = extension(path);
    let at_home = formats::named(&ext).is_some_and(|n| n.formats.contains(&format));
    (ext == "xml" && !at_home).then(|| {
        Error::unsupported(
            "an XML file that is neither an Excel 2003 XML spreadsheet nor a Word 2003 XML document",
            "open it in Excel or Word and save it as .xlsx or .docx",
        )
    })
}

/// A file whose name promises another format than its bytes hold (an Excel 97-2003
/// workbook saved as `.xlsx`, a web page saved as `.xls`) is read as what it is, and
/// the form says so: an archivist should know the name is wrong.
fn extension_mismatch(format: Format, path: &str) -> Option<ReaderNote> {
    let named = formats::named(&extension(path))?.formats;
    (!named.contains(&format)).then(|| ReaderNote {
        code: "input.extension_mismatch",
        message: format!(
            "named .{} but holds {}; read as {}",
            extension(path),
            format.description(),
            format.as_str()
        ),
    })
}

/// A file named like a workbook or document whose bytes are not one was read as text
/// (the format comes from the bytes); when that fails, say what the name promised, not
/// only what the text reader found.
fn misnamed(error: Error, format: Format, path: &str) -> Error {
    let ext = extension(path);
    let Some((named, container)) = formats::named(&ext).and_then(|n| n.container) else {
        return error;
    };
    match (format, error.kind()) {
        (Format::Text, ErrorKind::Malformed { place, detail, .. }) => {
            let at = place
                .as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_default();
            Error::malformed(
                named,
                None,
                format!(
                    "not {container}, as a .{ext} file should be; read as text it fails{at}: {detail}"
                ),
            )
        }
        _ => error,
    }
}

/// Reads a file's bytes, refusing one larger than the limit before reading it.
pub(crate) fn read_file(path: &Path, options: &ExtractOptions) -> Result<Vec<u8>> {
    let shown = path.display().to_string();
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > options.limits.max_file_bytes {
            return Err(Error::limit(
                format!("the file has {} bytes", meta.len()),
                format!(
                    "{} bytes per file; raise it with --max-file-mb",
                    options.limits.max_file_bytes
                ),
            )
            .with_path(shown));
        }
    }
    std::fs::read(path).map_err(|e| Error::from(e).with_path(shown))
}

/// Reads the forms in the file at `path` (see [`extract_bytes`]).
pub fn extract_path(path: &Path, options: &ExtractOptions) -> FileReport {
    let shown = path.display().to_string();
    match read_file(path, options) {
        Ok(bytes) => extract_bytes(&bytes, &shown, options),
        Err(e) => FileReport {
            path: shown,
            sha256: String::new(),
            bytes: 0,
            format: None,
            result: Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::sha256_hex;

    #[test]
    fn sha256_is_lowercase_hex_of_the_digest() {
        // FIPS 180-2's example.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
