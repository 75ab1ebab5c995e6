//! `jixiao value`: indicator values one per line on stdin → one Value JSON per line on
//! stdout, same order, same count. The tool to check a reading by hand.

use std::io::{BufRead, BufWriter, Write};

use anyhow::Result;
use jixiao::normalize::{parse_value, ValueContext};

use super::Exit;

/// Arguments of `value`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  printf '≥3000件\\n低于0.2%%\\n全覆盖\\n' | jixiao value")]
pub struct Args {
    /// The form's year, for deadlines written without one (12月底前).
    #[arg(long)]
    pub year: Option<i32>,
    /// A unit for bare numbers, as an indicator name would give it (`%`).
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
}

/// Runs `value`. Input that is not UTF-8 is read lossily, line by line.
pub fn run(args: Args) -> Result<Exit> {
    let ctx = ValueContext {
        year: args.year,
        unit_hint: args.unit.as_deref(),
    };
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        let text = String::from_utf8_lossy(line);
        serde_json::to_writer(&mut out, &parse_value(&text, &ctx))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(Exit::Ok)
}
