//! `jixiao check PATH...`: extract and validate only; print each finding; exit 1 when
//! any form has an `error` finding (else 3 when a file could not be read, else 0).

use std::path::PathBuf;

use anyhow::{Context, Result};
use jixiao::inputs::{self, Input};
use jixiao::Severity;

use super::{Exit, LimitArgs};

/// Arguments of `check`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Output: one line per finding, `path<TAB>form_id<TAB>severity<TAB>code<TAB>at<TAB>message`.\n\n\
Example:\n  jixiao check forms/ && echo all good"
)]
pub struct Args {
    /// Files and folders (walked recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<Exit> {
    let options = args.limits.options();
    let (mut errors, mut unreadable, mut forms_seen) = (0usize, 0usize, 0usize);
    let mut out = String::new();
    let inputs =
        inputs::collect(&args.paths, |_| true, None).context("cannot list the input files")?;
    for input in inputs.iter().context("cannot list the input files")? {
        let Input::Read(path) = input.context("cannot list the input files")? else {
            continue;
        };
        let report = jixiao::extract_path(&path, &options);
        match &report.result {
            Err(e) => {
                unreadable += 1;
                eprintln!("jixiao: {e}");
            }
            Ok(forms) => {
                for form in forms {
                    forms_seen += 1;
                    for f in &form.findings {
                        errors += usize::from(f.severity == Severity::Error);
                        out.push_str(&format!(
                            "{}\t{}\t{}\t{}\t{}\t{}\n",
                            report.path,
                            form.form_id,
                            f.severity.as_str(),
                            f.code,
                            f.at.as_deref().unwrap_or(""),
                            f.message
                        ));
                    }
                }
            }
        }
    }
    use std::io::Write;
    std::io::stdout().lock().write_all(out.as_bytes())?;
    eprintln!("jixiao: {forms_seen} forms checked, {errors} error findings, {unreadable} unreadable files");
    Ok(if errors > 0 {
        Exit::Findings
    } else if unreadable > 0 {
        Exit::Unreadable
    } else {
        Exit::Ok
    })
}
