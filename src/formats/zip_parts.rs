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

use std::cell::RefCell;
use std::io::Cursor;

use flate2::{Decompress, FlushDecompress, Status};
use zip::{CompressionMethod, ZipArchive};

use crate::{Error, ReadLimits, Result};

/// An opened OOXML package with a running inflate budget.
pub struct Package<'a> {
    bytes: &'a [u8],
    archive: ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
    inflated: u64,
    max_inflated: u64,
}

impl<'a> Package<'a> {
    /// Opens the zip; `format` names the file type in error messages.
    pub fn open(bytes: &'a [u8], format: &'static str, limits: &ReadLimits) -> Result<Self> {
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Error::malformed(format, None, format!("not a readable zip archive ({e})"))
        })?;
        Ok(Package {
            bytes,
            archive,
            format,
            inflated: 0,
            max_inflated: limits.max_inflated_bytes,
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
        self.archive.index_for_name(name).is_some()
    }

    /// The names of all parts.
    pub fn names(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter_map(|n| n.ok())
            .map(|n| n.into_owned())
            .collect()
    }

    /// Inflates one part, or `Ok(None)` when the package has no such part.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(index) = self.archive.index_for_name(name) else {
            return Ok(None);
        };
        let format = self.format;
        let malformed = |why: String| Error::malformed(format, Some(name.to_string()), why);
        let file = self
            .archive
            .by_index_raw(index)
            .map_err(|e| malformed(e.to_string()))?;
        if file.encrypted() {
            return Err(Error::unsupported(
                format!("the {format} part {name} is encrypted"),
                "open it in Office, remove the password, and save it again",
            ));
        }
        let (method, declared, crc) = (file.compression(), file.size(), file.crc32());
        let data = file
            .data_start()
            .and_then(|start| {
                let start = usize::try_from(start).ok()?;
                let end = start.checked_add(usize::try_from(file.compressed_size()).ok()?)?;
                self.bytes.get(start..end)
            })
            .ok_or_else(|| malformed("the part's data lies outside the file".into()))?;
        let budget = self.max_inflated.saturating_sub(self.inflated);
        let out = match method {
            CompressionMethod::Stored if data.len() as u64 <= budget => Some(data.to_vec()),
            CompressionMethod::Stored => None,
            CompressionMethod::Deflated => inflate(data, declared, budget).map_err(malformed)?,
            other => {
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
        if crc32fast::hash(&out) != crc {
            return Err(malformed(
                "cannot inflate: its checksum does not match".into(),
            ));
        }
        self.inflated += out.len() as u64;
        Ok(Some(out))
    }
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
