//! Writes a deterministic corpus of filled forms for bulk runs and benchmarks.
//!
//! ```text
//! gen-corpus OUTDIR [--count N] [--seed S] [--extras] [--manifest FILE]
//! ```
//!
//! `N` forms (default 3000) go under `OUTDIR/<city>/<year>/`, a third each as XLSX, DOCX
//! and tab-separated text (UTF-8, GB18030, UTF-16). The same seed (default 1) gives
//! byte-identical files. `--extras` adds the files a shared folder also holds: copies,
//! a lock file, a hidden file, an empty file, a corrupt and a truncated workbook, a PDF,
//! and two forms claiming one department and year. `--manifest FILE` writes what each
//! file is (tab-separated) to FILE, and `--expected FILE` what jixiao should read from
//! each generated form (JSON lines); both should be outside OUTDIR. See
//! `examples/common/corpus.rs` for what varies between forms.
//!
//! Run it with `scripts/gen-corpus`.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use common::corpus::{corpus_forms, expected_json, try_write_corpus, EntryKind};

const USAGE: &str = "usage: gen-corpus OUTDIR [--count N] [--seed S] [--extras] \
                     [--manifest FILE] [--expected FILE]";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut count = 3000usize;
    let mut seed = 1u64;
    let mut extras = false;
    let mut manifest_path: Option<PathBuf> = None;
    let mut expected_path: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--count" | "-n" => count = value("--count")?.parse().context("--count N")?,
            "--seed" => seed = value("--seed")?.parse().context("--seed S")?,
            "--extras" => extras = true,
            "--manifest" => manifest_path = Some(value("--manifest")?.into()),
            "--expected" => expected_path = Some(value("--expected")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}; {USAGE}"),
            path if out.is_none() => out = Some(path.into()),
            extra => bail!("unexpected argument {extra:?}; {USAGE}"),
        }
    }
    let Some(out) = out else { bail!("{USAGE}") };

    let started = Instant::now();
    let manifest = try_write_corpus(&out, count, seed, extras)?;
    let elapsed = started.elapsed();
    if let Some(path) = &manifest_path {
        std::fs::write(path, manifest.to_tsv())
            .with_context(|| format!("writing {}", path.display()))?;
    }

    if let Some(path) = &expected_path {
        let mut lines = String::new();
        for form in corpus_forms(count, seed) {
            let mut expected = expected_json(&form.model);
            expected["path"] = form.path.display().to_string().into();
            expected["year"] = form.year.into();
            expected["budget_mismatch"] = form.budget_mismatch.into();
            lines.push_str(&expected.to_string());
            lines.push('\n');
        }
        std::fs::write(path, lines).with_context(|| format!("writing {}", path.display()))?;
    }

    // The first `count` entries are the generated forms; the rest are the extras.
    let (forms, extra) = manifest.entries.split_at(count);
    let of = |kind: EntryKind| forms.iter().filter(|e| e.kind == kind).count();
    let text = |encoding: &str| {
        forms
            .iter()
            .filter(|e| e.encoding == Some(encoding))
            .count()
    };
    let mismatches = forms.iter().filter(|e| e.budget_mismatch).count();
    let bytes: u64 = manifest
        .entries
        .iter()
        .filter_map(|e| std::fs::metadata(out.join(&e.path)).ok())
        .map(|m| m.len())
        .sum();
    let extras = if extra.is_empty() {
        String::new()
    } else {
        let kinds: Vec<String> = extra.iter().map(|e| e.kind.to_string()).collect();
        let copies = kinds
            .iter()
            .filter(|k| k.starts_with("duplicate-of"))
            .count();
        let conflicting = kinds.iter().filter(|k| k.starts_with("form-")).count();
        let rest: Vec<&str> = kinds
            .iter()
            .filter(|k| !k.starts_with("duplicate-of") && !k.starts_with("form-"))
            .map(String::as_str)
            .collect();
        format!(
            " + {} extras ({copies} copies, {conflicting} forms claiming one department and year, {})",
            extra.len(),
            rest.join(", ")
        )
    };
    println!(
        "gen-corpus: {} forms ({} xlsx, {} docx, {} text: {} utf-8, {} gb18030, {} utf-16le; \
         {mismatches} with budget mismatches){extras}: {:.1} MB in {}, {:.2}s (seed {seed})",
        forms.len(),
        of(EntryKind::FormXlsx),
        of(EntryKind::FormDocx),
        of(EntryKind::FormText),
        text("utf-8"),
        text("gb18030"),
        text("utf-16le"),
        bytes as f64 / 1e6,
        out.display(),
        elapsed.as_secs_f64(),
    );
    Ok(())
}
