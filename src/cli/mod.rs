//! Command-line interface: one module per subcommand, each with its clap `Args` and a
//! `run` returning an [`Exit`]. Exit codes are fixed by the contract.

mod check;
mod extract;
mod inspect;
mod schema;
mod value;
mod worker;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The contract's exit codes, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// All inputs read.
    Ok = 0,
    /// `check` found a form with an `error` finding.
    Findings = 1,
    /// Bad usage.
    Usage = 2,
    /// Some inputs could not be read (the others were still written).
    Unreadable = 3,
    /// The run itself failed: an output or temporary file could not be written, or the
    /// input list could not be read back. Not 3, so that a script that takes 3 for
    /// "the tables are written, some files are listed as unreadable" is not misled: an
    /// `extract` that fails so leaves the tables of the last complete run as they were.
    Failed = 4,
}

#[derive(Parser, Debug)]
#[command(
    name = "jixiao",
    version,
    about = "Turns filled budget performance forms (部门整体预算绩效目标申报表) into structured data",
    long_about = "jixiao reads filled Chinese budget performance forms — Excel workbooks (.xlsx, .xls, .ods), \
Word documents (.docx), web pages (.html), and tab-separated text or CSV in any common Chinese encoding — and writes clean tables: \
budget lines, tasks, indicators with parsed target values, and the findings an auditor checks.\n\n\
Exit codes: 0 all inputs read; 1 `check` found errors; 2 bad usage; 3 some inputs could not be read \
(the others are still written; see files.csv); 4 the run failed (an output or temporary file could not be \
written; no new tables, an earlier run's are left as they were).",
    after_help = "Examples:\n  jixiao extract fixtures -o out\n  jixiao extract form.xlsx -o -\n  jixiao inspect form.docx\n  \
jixiao check forms/\n  echo '≥3000件' | jixiao value\n  jixiao schema > form.schema.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read forms from files and folders and write the tables (forms.jsonl, CSV).
    Extract(extract::Args),
    /// Show one form as a clerk would read it: its parts, where each was found, every finding.
    Inspect(inspect::Args),
    /// Extract and validate only; print the findings; exit 1 if any form has an error finding.
    Check(check::Args),
    /// Read indicator values, one per line on stdin (or as arguments); write one Value
    /// JSON object per line.
    Value(value::Args),
    /// Print the JSON Schema of the form document.
    Schema,
    /// (internal) Read one XLS/ODS file from stdin for a parent jixiao; see src/cli/worker.rs.
    #[command(name = "__read-sheet", hide = true)]
    ReadSheet(worker::Args),
}

/// Parses the arguments, runs the command, and turns its outcome into an exit code.
/// A broken pipe (`jixiao … | head`) is a normal end, not an error.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { Exit::Usage as u8 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Check(args) => check::run(args),
        Command::Value(args) => value::run(args),
        Command::Schema => schema::run(),
        Command::ReadSheet(args) => worker::run(args),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr(), "jixiao: {err:#}");
            ExitCode::from(match err.downcast_ref::<UsageError>() {
                Some(_) => Exit::Usage as u8,
                // Inputs that cannot be read are reported by the commands themselves
                // (exit 3); an error that ends a command is the run failing.
                None => Exit::Failed as u8,
            })
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let io_kind = e
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| {
                e.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        io_kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// A mistake in how the command was called (exit 2), found after clap's own checks.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Safety-limit flags shared by the commands that read files.
#[derive(clap::Args, Debug, Clone)]
pub struct LimitArgs {
    /// Largest input file read, in MB.
    #[arg(long, value_name = "MB", default_value_t = 256)]
    max_file_mb: u64,
    /// Most bytes inflated out of one .xlsx/.docx package, in MB (zip-bomb guard).
    #[arg(long, value_name = "MB", default_value_t = 512)]
    max_inflated_mb: u64,
    /// Most non-empty cells (and lines) read from one file.
    #[arg(long, value_name = "N", default_value_t = 2_000_000)]
    max_cells: u64,
    /// Longest line of a text file, in KB (a file with no line breaks is not a form).
    #[arg(long, value_name = "KB", default_value_t = 1024)]
    max_line_kb: u64,
    /// Most memory the separate XLS/ODS reader process may take, in MB (0: no limit).
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    max_reader_mb: u64,
    /// Longest time the XLS/ODS reader may take on one file, in seconds (0: no limit).
    #[arg(long, value_name = "S", default_value_t = 30)]
    max_seconds: u64,
    /// Read XLS/ODS in jixiao's own process, not a separate one (for debugging: a reader crash then ends the whole run).
    #[arg(long)]
    no_isolation: bool,
}

impl LimitArgs {
    /// The library options these flags describe.
    pub fn options(&self) -> jixiao::ExtractOptions {
        jixiao::ExtractOptions::new()
            .limits(jixiao::ReadLimits {
                max_file_bytes: self.max_file_mb.saturating_mul(1 << 20),
                max_inflated_bytes: self.max_inflated_mb.saturating_mul(1 << 20),
                max_cells: self.max_cells,
                max_line_bytes: self.max_line_kb.saturating_mul(1 << 10),
            })
            .isolate(self.isolation())
    }

    /// XLS/ODS in a child process (this binary's hidden worker command), unless
    /// `--no-isolation`; without a path to this binary, in-process with a warning.
    fn isolation(&self) -> Option<jixiao::Isolation> {
        if self.no_isolation {
            return None;
        }
        match std::env::current_exe() {
            Ok(exe) => Some(
                jixiao::Isolation::new(exe)
                    .max_memory_bytes(self.max_reader_mb.saturating_mul(1 << 20))
                    .max_time(std::time::Duration::from_secs(self.max_seconds)),
            ),
            Err(e) => {
                eprintln!(
                    "jixiao: cannot find its own executable ({e}); XLS/ODS files are read in this process"
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn extract_parses_formats_and_output() {
        let cli = Cli::try_parse_from([
            "jixiao", "extract", "a.xlsx", "dir", "-o", "out", "--format", "json,csv",
        ])
        .unwrap();
        let Command::Extract(args) = cli.command else {
            panic!("extract expected")
        };
        assert_eq!(args.paths.len(), 2);
        assert_eq!(args.output.to_str(), Some("out"));
    }

    #[test]
    fn unknown_format_is_a_usage_error() {
        assert!(Cli::try_parse_from(["jixiao", "extract", "a", "--format", "pdf"]).is_err());
    }
}
