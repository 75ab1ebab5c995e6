//! `jixiao extract PATH... [-o DIR] [--format LIST]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use jixiao::inputs::{self, Input};
use jixiao::output::tables::FileRow;
use jixiao::output::{file_row, OutputDir, OutputFormat};

use super::{Exit, LimitArgs, UsageError};

/// Arguments of `extract`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  jixiao extract fixtures -o out\n  jixiao extract 2024/ 2025/ -o tables --format json,csv\n  \
jixiao extract form.xlsx -o -      (one form's JSON document on stdout)"
)]
pub struct Args {
    /// Files and folders (folders are walked recursively; hidden files and ~$ lock files are passed over).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output folder, created if needed; `-` prints a single file's form document to stdout.
    #[arg(short, long, value_name = "DIR", default_value = "jixiao-out")]
    pub output: PathBuf,
    /// Comma list of output formats: json (forms.jsonl), csv (the tables).
    #[arg(
        long,
        value_name = "LIST",
        default_value = "json,csv",
        value_delimiter = ','
    )]
    pub format: Vec<OutputFormat>,
    /// No summary line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Runs `extract`.
pub fn run(args: Args) -> Result<Exit> {
    let options = args.limits.options();
    if args.output.as_os_str() == "-" {
        return print_one(&args, &options);
    }
    let inputs = inputs::collect(&args.paths);
    let mut out = OutputDir::create(&args.output, &args.format)
        .with_context(|| format!("cannot create the output folder {}", args.output.display()))?;
    let mut counts = Counts {
        hidden: inputs.hidden,
        ..Counts::default()
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    for input in &inputs.files {
        match input {
            Input::Skipped(path, reason) => {
                counts.skipped += 1;
                out.add_unread(&FileRow {
                    path: path.display().to_string(),
                    form_id: String::new(),
                    format: String::new(),
                    status: "skipped".into(),
                    error: reason.clone(),
                })?;
            }
            Input::Read(path) => {
                let report = jixiao::extract_path(path, &options);
                if let Some((_, first)) = seen
                    .iter()
                    .find(|(sha, _)| !report.sha256.is_empty() && *sha == report.sha256)
                {
                    counts.duplicate += 1;
                    let mut row = file_row(&report);
                    row.status = "duplicate".into();
                    row.error = format!("same bytes as {first}");
                    out.add_unread(&row)?;
                    continue;
                }
                if !report.sha256.is_empty() {
                    seen.push((report.sha256.clone(), report.path.clone()));
                }
                if let Err(e) = &report.result {
                    eprintln!("jixiao: {e}");
                }
                let row = file_row(&report);
                counts.count(&row.status, report.result.is_err());
                out.add(&report)?;
            }
        }
    }
    out.finish()
        .with_context(|| format!("cannot write the tables in {}", args.output.display()))?;
    if !args.quiet {
        eprintln!("jixiao: {} → {}", counts.line(), args.output.display());
    }
    Ok(if counts.unreadable > 0 {
        Exit::Unreadable
    } else {
        Exit::Ok
    })
}

/// `-o -`: one file's form document(s), pretty-printed, on stdout.
fn print_one(args: &Args, options: &jixiao::ExtractOptions) -> Result<Exit> {
    let [path] = args.paths.as_slice() else {
        return Err(UsageError("-o - prints one file's form: give exactly one file".into()).into());
    };
    if path.is_dir() {
        return Err(UsageError(format!(
            "-o - prints one file's form, but {} is a folder",
            path.display()
        ))
        .into());
    }
    let report = jixiao::extract_path(path, options);
    let forms = match report.result {
        Ok(forms) => forms,
        Err(e) => {
            eprintln!("jixiao: {e}");
            return Ok(Exit::Unreadable);
        }
    };
    let mut stdout = std::io::stdout().lock();
    for form in &forms {
        serde_json::to_writer_pretty(&mut stdout, form)?;
        stdout.write_all(b"\n")?;
    }
    Ok(Exit::Ok)
}

/// How the files of a run ended, for the summary line.
#[derive(Default)]
struct Counts {
    ok: usize,
    warning: usize,
    error: usize,
    unreadable: usize,
    skipped: usize,
    duplicate: usize,
    hidden: usize,
}

impl Counts {
    fn count(&mut self, status: &str, unreadable: bool) {
        match status {
            "ok" => self.ok += 1,
            "warning" => self.warning += 1,
            _ => self.error += 1,
        }
        if unreadable {
            self.unreadable += 1;
        }
    }

    fn line(&self) -> String {
        format!(
            "{} ok, {} warning, {} error ({} unreadable), {} skipped, {} duplicate, {} hidden/lock files passed over",
            self.ok, self.warning, self.error, self.unreadable, self.skipped, self.duplicate, self.hidden
        )
    }
}
