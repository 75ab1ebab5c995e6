//! Code shared by the examples and the integration tests: a plain model of a filled
//! form ([`form`]), its renderings in every input format jixiao reads ([`render`]), a
//! deterministic generator of whole folders of forms ([`corpus`]), and forms laid out
//! unlike the template as generic merged grids ([`grid`], [`variants`]).
//!
//! This folder is not an example target of its own. Examples include it with
//! `mod common;`; integration tests with
//! `#[path = "../examples/common/mod.rs"] mod common;`. Each includer uses only a part,
//! hence the `allow`.
#![allow(dead_code, unused_imports)]

pub mod corpus;
pub mod form;
pub mod grid;
pub mod render;
pub mod variants;
pub mod vocab;

pub use corpus::{try_write_corpus, write_corpus, CorpusManifest, EntryKind, ManifestEntry};
pub use form::{Budget, FormModel, IndicatorRow, TaskRow};
