//! Reading parts out of an OOXML zip (XLSX, DOCX) under an inflate cap.
//!
//! A zip bomb is a small file whose parts inflate to gigabytes. The size a zip entry
//! declares can lie, so the cap is enforced on the bytes actually inflated, not on the
//! header: reading stops with a [`crate::ErrorKind::Limit`] error the moment the running
//! total passes [`crate::ReadLimits::max_inflated_bytes`].

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::{Error, ReadLimits, Result};

/// An opened OOXML package with a running inflate budget.
pub struct Package<'a> {
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
            archive,
            format,
            inflated: 0,
            max_inflated: limits.max_inflated_bytes,
        })
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
        let mut file = self
            .archive
            .by_index(index)
            .map_err(|e| Error::malformed(format, Some(name.to_string()), e.to_string()))?;
        if file.encrypted() {
            return Err(Error::unsupported(
                format!("the {format} part {name} is encrypted"),
                "open it in Office, remove the password, and save it again",
            ));
        }
        let budget = self.max_inflated.saturating_sub(self.inflated);
        let declared = file.size();
        let mut out = Vec::with_capacity(declared.min(budget).min(64 << 20) as usize);
        // Read one byte past the budget so that reaching it exactly is not mistaken for more.
        let read = (&mut file)
            .take(budget + 1)
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::malformed(
                    format,
                    Some(name.to_string()),
                    format!("cannot inflate: {e}"),
                )
            })?;
        if read as u64 > budget {
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
        }
        self.inflated += read as u64;
        Ok(Some(out))
    }
}
