//! `jixiao __read-sheet --format xls|ods --limits JSON [--max-memory-bytes N]
//! [--max-cpu-seconds S]` (hidden): caps its own memory and CPU time, reads one file's
//! bytes from stdin and writes the reader's answer to stdout, for a parent `jixiao` that
//! runs the XLS/ODS reader in a child process so that a crash costs one file (see
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
    /// Cap on this process's address space, in bytes (0: none).
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    pub max_memory_bytes: u64,
    /// Cap on this process's CPU time, in seconds (0: none).
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub max_cpu_seconds: u64,
}

/// Serves one read: stdin to stdout, confined before the first byte is read.
pub fn run(args: Args) -> Result<Exit> {
    isolate::confine_worker(args.max_memory_bytes, args.max_cpu_seconds)
        .context("the worker could not set its limits")?;
    let format = isolate::worker_format(&args.format)
        .ok_or_else(|| UsageError(format!("the worker reads xls or ods, not {}", args.format)))?;
    let limits: jixiao::ReadLimits =
        serde_json::from_str(&args.limits).context("the worker's --limits is not valid")?;
    isolate::serve(format, &limits, io::stdin().lock(), io::stdout().lock())
        .context("the worker could not answer")?;
    Ok(Exit::Ok)
}
