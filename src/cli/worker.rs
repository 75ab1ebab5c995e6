//! `jixiao __read-sheet --format xls|ods --limits JSON` (hidden): reads one file's bytes
//! from stdin and writes the reader's answer to stdout, for a parent `jixiao` that runs
//! the XLS/ODS reader in a child process with memory and time limits (see
//! `jixiao::isolate`). Not meant to be run by hand.

use std::io;

use anyhow::{Context, Result};
use jixiao::isolate;

use super::{Exit, UsageError};

/// Arguments of the hidden worker subcommand.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The format to read: xls or ods.
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// The read limits, as the JSON of `jixiao::ReadLimits`.
    #[arg(long, value_name = "JSON")]
    pub limits: String,
}

/// Serves one read: stdin to stdout.
pub fn run(args: Args) -> Result<Exit> {
    let format = isolate::worker_format(&args.format)
        .ok_or_else(|| UsageError(format!("the worker reads xls or ods, not {}", args.format)))?;
    let limits: jixiao::ReadLimits =
        serde_json::from_str(&args.limits).context("the worker's --limits is not valid")?;
    isolate::serve(format, &limits, io::stdin().lock(), io::stdout().lock())
        .context("the worker could not answer")?;
    Ok(Exit::Ok)
}
