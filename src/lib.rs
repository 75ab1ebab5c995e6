//! jixiao turns filled Chinese budget performance forms (部门整体预算绩效目标申报表 and
//! their relatives) into structured data.
//!
//! # Brief overview
//! A file goes through four stages, each its own module:
//! 1. [`formats`]: a reader per input format (XLSX, XLS/ODS, DOCX, text) turns the bytes
//!    into one [`model::Grid`] of blocks, rows and cells, each cell with its location.
//! 2. [`extract`]: finds the form's sections by their labels on that model and builds
//!    the [`Form`] document of the output contract.
//! 3. [`normalize`]: reads officials' numbers, units, comparators and dates into
//!    [`Value`]s and [`Amount`]s.
//! 4. [`validate`] adds the [`Finding`]s an auditor checks; [`output`] writes the tables.
//!
//! [`extract_path`] and [`extract_bytes`] run the whole way for one file.
//!
//! # Example
//! ```
//! # let path = format!("{}/fixtures/guangzhou-2024-xlsx/input.xlsx", env!("CARGO_MANIFEST_DIR"));
//! let report = jixiao::extract_path(path.as_ref(), &jixiao::ExtractOptions::new());
//! let form = &report.result.unwrap()[0];
//! assert_eq!(form.department.as_deref(), Some("广州市司法局"));
//! let mismatch = form.findings.iter().find(|f| f.code == "budget.sum_mismatch").unwrap();
//! assert!(mismatch.message.contains("40.42"));
//! ```

#![deny(missing_docs)]

mod copies;
pub mod document;
mod error;
pub mod extract;
pub mod formats;
pub mod inputs;
pub mod isolate;
pub mod model;
pub mod normalize;
pub mod output;
mod pipeline;
mod spool;
pub mod validate;

pub use document::{
    Amount, BudgetLine, Finding, Form, FormKind, Indicator, Severity, Task, Unmapped, Value,
};
pub use error::{Error, ErrorKind, Result};
pub use formats::{Format, ReadLimits};
pub use isolate::Isolation;
pub use pipeline::{extract_bytes, extract_path, sha256_hex, ExtractOptions, FileReport};
pub mod batch;

/// Helpers for the crate's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    /// A fresh, empty folder for one test, named after it and the process (a leftover
    /// from an earlier run is removed first).
    pub fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jixiao-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
