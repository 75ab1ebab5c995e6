//! One integration-test binary (see Cargo.toml `[[test]]`); one module per concern.

// Shared harness: temp dirs, running the built binary, fixture paths.
mod util;
// The examples' form model, renderings and corpus generator (examples/common).
#[path = "../examples/common/mod.rs"]
mod common;
// Whole-document comparison of every fixture against its expected JSON.
mod fixtures;
// Command-line behaviour: exit codes, outputs, errors.
mod cli;
// Bulk runs: determinism, shards, duplicates across files, CSV encodings.
mod bulk;
// The value reader on a table of real-looking values.
mod values;
// XLSX/XLS/ODS reader behaviour on made and hostile workbooks.
mod xlsx;
// DOCX reader behaviour on made and hostile documents.
mod docx;
// --format xlsx and sqlite: the workbook against the CSVs, the database across re-runs.
mod output_formats;
// Hostile and broken files through the CLI: each an error row, the batch goes on.
mod hostile;
// Property tests: arbitrary and mutated bytes, made workbooks and documents, never a panic.
mod properties;
