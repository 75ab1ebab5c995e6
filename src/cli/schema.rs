//! `jixiao schema`: the JSON Schema of the form document.

use std::io::Write;

use anyhow::Result;

use super::Exit;

/// Runs `schema`.
pub fn run() -> Result<Exit> {
    std::io::stdout()
        .lock()
        .write_all(jixiao::document::JSON_SCHEMA.as_bytes())?;
    Ok(Exit::Ok)
}
