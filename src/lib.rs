//! jixiao turns filled Chinese budget performance forms (部门整体预算绩效目标申报表 and
//! their relatives) into structured data.

#![deny(missing_docs)]

pub mod document;
mod error;
pub mod formats;
pub mod model;
pub mod normalize;

pub use document::{Amount, BudgetLine, Finding, Form, FormKind, Indicator, Severity, Task, Unmapped, Value};
pub use error::{Error, ErrorKind, Result};
pub use formats::{Format, ReadLimits};
pub mod extract;
pub mod validate;
mod pipeline;
pub use pipeline::{extract_bytes, extract_path, sha256_hex, ExtractOptions, FileReport};
pub mod output;
pub mod inputs;
