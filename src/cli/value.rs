//! `jixiao value`: indicator values one per line on stdin (or given as arguments) → one
//! Value JSON per line on stdout, same order, same count. The tool to check a reading by
//! hand.

use std::io::{BufRead, BufWriter, Write};

use anyhow::Result;
use jixiao::normalize::{parse_value, ValueContext};

use super::Exit;

/// Arguments of `value`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  printf '≥3000件\\n低于0.2%%\\n全覆盖\\n' | jixiao value\n  jixiao value '≥3000件' '12月底前' --year 2024"
)]
pub struct Args {
    /// Values to read instead of stdin's lines, one Value each (an addition to the
    /// contract's stdin form).
    #[arg(value_name = "VALUE")]
    pub values: Vec<String>,
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
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut write = |text: &str| -> Result<()> {
        serde_json::to_writer(&mut out, &parse_value(text, &ctx))?;
        out.write_all(b"\n")?;
        Ok(())
    };
    if !args.values.is_empty() {
        for value in &args.values {
            write(value)?;
        }
        out.flush()?;
        return Ok(Exit::Ok);
    }
    let stdin = std::io::stdin().lock();
    for line in stdin.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        write(&String::from_utf8_lossy(line))?;
    }
    out.flush()?;
    Ok(Exit::Ok)
}
