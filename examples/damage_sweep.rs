//! Damaged copies of every fixture, read by the `jixiao` binary as a user's batch would
//! read them: how many still give a form, how many are refused, and that none ends in an
//! internal error (a panic caught at the file boundary) or stops the run. An archive's
//! files are damaged the way files are: cut short by a stopped copy, a bit flipped, a
//! run of bytes zeroed by a bad sector, bytes lost or repeated. Run it with
//! `scripts/damage-sweep`.
//!
//! ```text
//! damage_sweep --jixiao BIN [--out DIR] [--copies N] [--seed S]
//! ```
//!
//! For each `fixtures/*/input.*` and each kind of damage, `--copies` (default 25) copies
//! are written to `DIR/in` (default `target/damage-sweep`), each damaged at places drawn
//! from `--seed`, so a sweep is the same on every run. `jixiao extract DIR/in -o DIR/out`
//! reads them; files.csv is tallied by format and damage. Exits non-zero when a file
//! ended in an internal error or the run did not finish.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use common::render::zip_directory_offset;

mod common;

/// The kinds of damage, each a way real copies break.
const KINDS: [&str; 6] = ["cut", "cut-directory", "flip", "zero", "lose", "repeat"];

/// A small deterministic generator (xorshift64*): the sweep needs the same damage on
/// every run, not good randomness.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `bytes` damaged by `kind`; `None` when the kind does not apply (a directory to cut
/// only a zip has).
fn damage(bytes: &[u8], kind: &str, draw: &mut Draw) -> Option<Vec<u8>> {
    let len = bytes.len();
    let mut out = bytes.to_vec();
    match kind {
        "cut" => out.truncate(1 + draw.below(len - 1)),
        "cut-directory" => out.truncate(zip_directory_offset(bytes)?),
        "flip" => {
            for _ in 0..1 + draw.below(3) {
                let at = draw.below(len);
                out[at] ^= 1 << draw.below(8);
            }
        }
        "zero" => {
            let at = draw.below(len);
            let end = (at + 1 + draw.below(64)).min(len);
            out[at..end].fill(0);
        }
        "lose" => {
            let at = draw.below(len);
            let end = (at + 1 + draw.below(64)).min(len);
            out.drain(at..end);
        }
        "repeat" => {
            let at = draw.below(len);
            let end = (at + 1 + draw.below(64)).min(len);
            let run = bytes[at..end].to_vec();
            out.splice(end..end, run);
        }
        other => unreachable!("no damage {other}"),
    }
    Some(out)
}

struct Args {
    jixiao: PathBuf,
    out: PathBuf,
    copies: usize,
    seed: u64,
}

fn args() -> Result<Args> {
    let mut args = Args {
        jixiao: PathBuf::new(),
        out: PathBuf::from("target/damage-sweep"),
        copies: 25,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--jixiao" => args.jixiao = value()?.into(),
            "--out" => args.out = value()?.into(),
            "--copies" => args.copies = value()?.parse()?,
            "--seed" => args.seed = value()?.parse()?,
            other => bail!("unknown argument {other}; see the top of examples/damage_sweep.rs"),
        }
    }
    if args.jixiao.as_os_str().is_empty() {
        bail!("--jixiao BIN is required");
    }
    Ok(args)
}

/// The fixture inputs, as (case, path).
fn fixtures(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    for case in std::fs::read_dir(root)? {
        let case = case?.path();
        for file in std::fs::read_dir(&case)? {
            let file = file?.path();
            let is_input = file.file_stem().is_some_and(|stem| stem == "input");
            if is_input {
                let name = case.file_name().unwrap_or_default().to_string_lossy();
                found.push((name.into_owned(), file));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// What became of the copies of one format and damage.
#[derive(Default)]
struct Tally {
    copies: usize,
    /// Gave at least one form (whatever its findings).
    read: usize,
    /// Refused with an error.
    refused: usize,
    /// Ended in an internal error.
    internal: usize,
}

fn main() -> Result<()> {
    let args = args()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let input = args.out.join("in");
    let output = args.out.join("out");
    let _ = std::fs::remove_dir_all(&args.out);
    std::fs::create_dir_all(&input)?;
    let mut draw = Draw(args.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // file name → (extension, kind)
    let mut written = BTreeMap::new();
    for (case, path) in fixtures(&root)? {
        let bytes = std::fs::read(&path)?;
        let ext = path
            .extension()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for kind in KINDS {
            for copy in 0..args.copies {
                let Some(damaged) = damage(&bytes, kind, &mut draw) else {
                    break;
                };
                let name = format!("{case}--{kind}-{copy:03}.{ext}");
                std::fs::write(input.join(&name), damaged)?;
                written.insert(name, (ext.clone(), kind));
                if kind == "cut-directory" {
                    break; // one such cut per file
                }
            }
        }
    }
    let status = Command::new(&args.jixiao)
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("--quiet")
        .status()
        .with_context(|| format!("running {}", args.jixiao.display()))?;
    if !matches!(status.code(), Some(0 | 3)) {
        bail!("jixiao extract ended with {status}: the run itself failed");
    }
    let mut tallies: BTreeMap<(String, &str), Tally> = BTreeMap::new();
    let mut internal = Vec::new();
    let mut reader = csv::Reader::from_path(output.join("files.csv"))?;
    for row in reader.records() {
        let row = row?;
        let (path, form_id, status, error) = (&row[0], &row[1], &row[3], &row[4]);
        let name = Path::new(path)
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let Some((ext, kind)) = written.get(name.as_ref()) else {
            continue;
        };
        let tally = tallies.entry((ext.clone(), kind)).or_default();
        tally.copies += 1;
        if error.contains("internal error") {
            tally.internal += 1;
            internal.push(format!("{name}: {error}"));
        } else if !form_id.is_empty() {
            tally.read += 1;
        } else if status == "error" {
            tally.refused += 1;
        }
    }
    println!("damage sweep: {} copies, seed {}", written.len(), args.seed);
    println!(
        "{:<6} {:<14} {:>7} {:>6} {:>8} {:>9}",
        "format", "damage", "copies", "read", "refused", "internal"
    );
    let mut total = Tally::default();
    for ((ext, kind), t) in &tallies {
        println!(
            "{ext:<6} {kind:<14} {:>7} {:>6} {:>8} {:>9}",
            t.copies, t.read, t.refused, t.internal
        );
        total.copies += t.copies;
        total.read += t.read;
        total.refused += t.refused;
        total.internal += t.internal;
    }
    println!(
        "{:<21} {:>7} {:>6} {:>8} {:>9}",
        "all", total.copies, total.read, total.refused, total.internal
    );
    if !internal.is_empty() {
        bail!("internal errors:\n{}", internal.join("\n"));
    }
    Ok(())
}
