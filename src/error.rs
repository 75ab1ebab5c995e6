//! Errors: a boxed kind with the file and place it concerns.
//!
//! Soft problems (a sum that does not add up, a value that could not be read) are not
//! errors: they are [`crate::Finding`]s on the form. An [`Error`] means a file could not
//! be read at all; in a batch it becomes an `error` row of `files.csv` and the batch
//! goes on.

use std::fmt;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A file that could not be read, and why.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    path: Option<String>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading the file failed.
    Io(std::io::Error),
    /// The file is empty (0 bytes or only white space).
    Empty,
    /// A format jixiao recognises but cannot read, with what to do instead
    /// (a legacy Word .doc, an encrypted workbook).
    Unsupported {
        /// What the file is.
        what: String,
        /// What the user can do.
        advice: String,
    },
    /// The file claims a format but its insides are broken.
    Malformed {
        /// The format, e.g. `xlsx`.
        format: &'static str,
        /// Where inside the file (a zip part, a cell, a byte offset), when known.
        place: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// A bug in jixiao met while reading this file (a panic caught at the file's
    /// boundary, so the batch goes on).
    Internal(String),
    /// The file exceeds a safety limit (inflated size, cell count, nesting depth).
    Limit {
        /// What exceeded the limit, with the figure.
        what: String,
        /// The limit and the flag that adjusts it.
        limit: String,
    },
    /// The reader run in a separate process for this file (XLS/ODS, see
    /// [`crate::isolate`]) crashed, was killed, or answered nonsense; only this file is
    /// lost.
    ReaderProcess {
        /// The format being read, e.g. `xls`.
        format: &'static str,
        /// What happened: the signal or exit status, and the reader's last words.
        detail: String,
    },
}

impl Error {
    /// Builds an error of this kind with no path yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner { kind, path: None }))
    }

    /// A [`ErrorKind::Malformed`] error.
    pub fn malformed(
        format: &'static str,
        place: Option<String>,
        detail: impl Into<String>,
    ) -> Self {
        Error::new(ErrorKind::Malformed {
            format,
            place,
            detail: detail.into(),
        })
    }

    /// A [`ErrorKind::Limit`] error.
    pub fn limit(what: impl Into<String>, limit: impl Into<String>) -> Self {
        Error::new(ErrorKind::Limit {
            what: what.into(),
            limit: limit.into(),
        })
    }

    /// A [`ErrorKind::Unsupported`] error.
    pub fn unsupported(what: impl Into<String>, advice: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported {
            what: what.into(),
            advice: advice.into(),
        })
    }

    /// Attaches the file path (kept if one is already set).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        if self.0.path.is_none() {
            self.0.path = Some(path.into());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The file, when known.
    pub fn path(&self) -> Option<&str> {
        self.0.path.as_deref()
    }

    /// The error without its path, for tables that already have a path column.
    pub fn reason(&self) -> String {
        self.0.kind.to_string()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io(e) => write!(f, "cannot read: {e}"),
            ErrorKind::Empty => write!(f, "the file is empty"),
            ErrorKind::Unsupported { what, advice } => write!(f, "{what}: {advice}"),
            ErrorKind::Malformed {
                format,
                place: Some(place),
                detail,
            } => {
                write!(f, "broken {format} file at {place}: {detail}")
            }
            ErrorKind::Malformed {
                format,
                place: None,
                detail,
            } => {
                write!(f, "broken {format} file: {detail}")
            }
            ErrorKind::Limit { what, limit } => write!(f, "refused: {what} (limit {limit})"),
            ErrorKind::ReaderProcess { detail, .. } => write!(f, "{detail}"),
            ErrorKind::Internal(detail) => {
                write!(f, "internal error in jixiao while reading this file (a bug: please report it with the file): {detail}")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.path {
            Some(path) => write!(f, "{path}: {}", self.0.kind),
            None => write!(f, "{}", self.0.kind),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_and_place() {
        let e = Error::malformed(
            "xlsx",
            Some("xl/worksheets/sheet1.xml".into()),
            "unexpected end",
        )
        .with_path("a/b.xlsx");
        assert_eq!(
            e.to_string(),
            "a/b.xlsx: broken xlsx file at xl/worksheets/sheet1.xml: unexpected end"
        );
        assert_eq!(
            e.reason(),
            "broken xlsx file at xl/worksheets/sheet1.xml: unexpected end"
        );
        assert_eq!(e.path(), Some("a/b.xlsx"));
    }
}
