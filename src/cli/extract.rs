//! `jixiao extract PATH... [-o DIR] [--format LIST]`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jixiao::batch::{self, Shard};
use jixiao::inputs;
use jixiao::output::{CsvEncoding, OutputDir, OutputFormat, OutputOptions};

use super::{Exit, LimitArgs, UsageError};

/// Arguments of `extract`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Every input file gets a row in files.csv: ok, warning, error (with the reason), skipped \
(not a form file) or duplicate (same bytes as an earlier file). Output order is by path, so two runs over \
the same tree write identical tables.\n\n\
Examples:\n  jixiao extract fixtures -o out\n  jixiao extract 2024/ 2025/ -o tables --format json,csv --csv-encoding utf-8-bom\n  \
jixiao extract /archive --shard 3/8 -o shard3      (machine 3 of 8)\n  \
jixiao extract form.xlsx -o -                      (one form's JSON document on stdout)"
)]
pub struct Args {
    /// Files and folders. Folders are walked recursively for .xlsx .xlsm .xls .et .ods .docx .doc .wps .txt .tsv .csv .text .html .htm files (.et and .wps: WPS Office's own names for its Excel- and Word-format files); hidden files, ~$ lock files and the -o folder are passed over.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output folder, created if needed; `-` prints a single file's form document to stdout (a JSON array when the file holds several forms).
    #[arg(short, long, value_name = "DIR", default_value = "jixiao-out")]
    pub output: PathBuf,
    /// Comma list of output formats: json (forms.jsonl), csv (the tables), xlsx (jixiao.xlsx, a sheet per table), sqlite (jixiao.sqlite, updated in place on re-runs).
    #[arg(
        long,
        value_name = "LIST",
        default_value = "json,csv",
        value_delimiter = ','
    )]
    pub format: Vec<OutputFormat>,
    /// Encoding of the CSV tables: utf-8, utf-8-bom (Excel recognises it), or gb18030 (Excel on Chinese Windows).
    #[arg(long, value_name = "ENC", default_value = "utf-8")]
    pub csv_encoding: CsvEncoding,
    /// Take only shard K of N (1 ≤ K ≤ N), chosen by a hash of each file's path.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Worker threads, which read, extract and write (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Only the final one-line summary on stderr: no progress bar, no per-file errors (they are in files.csv).
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
    let in_shard = |path: &std::path::Path| args.shard.is_none_or(|shard| shard.contains(path));
    let inputs = inputs::collect(&args.paths, in_shard, Some(&args.output))
        .context("cannot list the input files")?;
    let output_options = OutputOptions {
        formats: args.format.clone(),
        csv_encoding: args.csv_encoding,
    };
    let mut out = OutputDir::create(&args.output, output_options)
        .with_context(|| format!("cannot create the output folder {}", args.output.display()))?;

    let bar = progress_bar(inputs.len() as u64, args.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let tick = |error: Option<&jixiao::Error>| {
        if let Some(error) = error.filter(|_| !args.quiet) {
            // Through the bar, so the message is not overdrawn; to stderr when it is hidden.
            if bar.is_hidden() {
                eprintln!("jixiao: {error}");
            } else {
                bar.println(format!("jixiao: {error}"));
            }
        }
        bar.inc(1);
    };
    let files = inputs.iter().context("cannot list the input files")?;
    batch::run(files, &options, &mut out, &pool, &tick)
        .with_context(|| format!("cannot write the tables in {}", args.output.display()))?;
    bar.finish_and_clear();
    // In the pool too: the end phase parses documents back from their JSON lines (for
    // XLSX and SQLite) on the same threads.
    let counts = pool
        .install(|| out.finish())
        .with_context(|| format!("cannot write the tables in {}", args.output.display()))?;
    {
        eprintln!(
            "jixiao: {} files: {} ok, {} warning, {} error ({} unreadable), {} skipped, {} duplicate; \
             {} hidden/lock files passed over; {} forms → {}",
            inputs.len(),
            counts.ok,
            counts.warning,
            counts.error,
            counts.unreadable,
            counts.skipped,
            counts.duplicate,
            inputs.hidden,
            counts.forms,
            args.output.display()
        );
    }
    Ok(if counts.unreadable > 0 {
        Exit::Unreadable
    } else {
        Exit::Ok
    })
}

/// A progress bar on stderr when it is a terminal (and not `--quiet`); hidden otherwise.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} files  {per_sec}  ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
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
    // One form: its document; several (one per sheet, say): a JSON array of them.
    match forms.as_slice() {
        [form] => serde_json::to_writer_pretty(&mut stdout, form)?,
        forms => serde_json::to_writer_pretty(&mut stdout, forms)?,
    }
    stdout.write_all(b"\n")?;
    Ok(Exit::Ok)
}
