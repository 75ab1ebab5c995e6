//! The spool: every form of a run, rendered, in output order, written while files are
//! read and streamed through the writers at the end ([`super::OutputDir::finish`]).
//!
//! A record is the form's JSON line and, when CSV is written, its CSV rows with the end
//! of each table's part: lengths as little-endian u64 before the bytes. Forms are parsed
//! back only for the writers that read documents (XLSX, SQLite) and for the few forms
//! that gained a finding across files (which are re-rendered); that parsing runs a
//! batch at a time on every core.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::csv::FormRows;
use super::{Rendered, Renderer, Spooled};
use crate::document::{Finding, Form};

/// Records parsed per parallel batch.
const BATCH: usize = 128;

fn put_len(out: &mut impl Write, len: usize) -> io::Result<()> {
    out.write_all(&(len as u64).to_le_bytes())
}

/// Appends one form's record.
pub fn write(out: &mut impl Write, rendered: &Rendered) -> io::Result<()> {
    put_len(out, rendered.json.len())?;
    out.write_all(rendered.json.as_bytes())?;
    match &rendered.csv {
        None => out.write_all(&[0]),
        Some(rows) => {
            out.write_all(&[1])?;
            let (bytes, ends) = rows.parts();
            for &end in ends {
                put_len(out, end)?;
            }
            out.write_all(bytes)
        }
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the spool is corrupt: {what}"),
    )
}

fn get_len(input: &mut impl Read) -> io::Result<usize> {
    let mut bytes = [0; 8];
    input.read_exact(&mut bytes)?;
    usize::try_from(u64::from_le_bytes(bytes)).map_err(|_| corrupt("a length overflows"))
}

fn get_bytes(input: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() != len {
        return Err(corrupt("a record is cut short"));
    }
    Ok(bytes)
}

/// Reads the next record, or `None` at the end.
fn read(input: &mut impl BufRead) -> io::Result<Option<Rendered>> {
    if input.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let len = get_len(input)?;
    let json = String::from_utf8(get_bytes(input, len)?).map_err(|_| corrupt("not UTF-8"))?;
    let mut flag = [0];
    input.read_exact(&mut flag)?;
    let csv = match flag[0] {
        0 => None,
        1 => {
            let mut ends = [0; 6];
            for end in &mut ends {
                *end = get_len(input)?;
            }
            let bytes = get_bytes(input, ends[5])?;
            Some(FormRows::from_parts(bytes, ends).ok_or_else(|| corrupt("bad table ends"))?)
        }
        _ => return Err(corrupt("bad record flag")),
    };
    Ok(Some(Rendered { json, csv }))
}

/// The spool's forms in order, with the cross-file findings added (and those forms
/// rendered again).
pub struct SpoolReader<'a> {
    input: BufReader<File>,
    ready: VecDeque<io::Result<Spooled>>,
    next_ordinal: usize,
    extra: &'a HashMap<usize, Arc<Finding>>,
    parse_all: bool,
    renderer: Renderer,
}

impl<'a> SpoolReader<'a> {
    /// Opens the spool; `extra` holds the findings to add, by the form's position;
    /// `parse_all` asks for every document parsed (else only the amended ones).
    pub fn open(
        path: &Path,
        extra: &'a HashMap<usize, Arc<Finding>>,
        parse_all: bool,
        renderer: Renderer,
    ) -> io::Result<Self> {
        Ok(SpoolReader {
            input: BufReader::with_capacity(256 << 10, File::open(path)?),
            ready: VecDeque::new(),
            next_ordinal: 0,
            extra,
            parse_all,
            renderer,
        })
    }

    fn refill(&mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed = None;
        while batch.len() < BATCH {
            match read(&mut self.input) {
                Ok(Some(rendered)) => {
                    batch.push((self.next_ordinal, rendered));
                    self.next_ordinal += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let (extra, parse_all, renderer) = (self.extra, self.parse_all, self.renderer);
        let finish = |(ordinal, rendered): (usize, Rendered)| -> io::Result<Spooled> {
            let amendment = extra.get(&ordinal).cloned();
            if !parse_all && amendment.is_none() {
                return Ok(Spooled {
                    rendered,
                    form: None,
                    amendment,
                });
            }
            let mut form: Form = serde_json::from_str(&rendered.json)?;
            let rendered = match &amendment {
                Some(finding) => {
                    form.findings.push(Finding::clone(finding));
                    renderer.render(&form)?
                }
                None => rendered,
            };
            Ok(Spooled {
                rendered,
                form: Some(form),
                amendment,
            })
        };
        if parse_all || batch.iter().any(|(ordinal, _)| extra.contains_key(ordinal)) {
            let finished: Vec<_> = batch.into_par_iter().map(finish).collect();
            self.ready.extend(finished);
        } else {
            self.ready.extend(batch.into_iter().map(finish));
        }
        if let Some(e) = failed {
            self.ready.push_back(Err(e));
        }
    }
}

impl Iterator for SpoolReader<'_> {
    type Item = io::Result<Spooled>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            self.refill();
        }
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(json: &str, with_csv: bool) -> Rendered {
        let csv = with_csv.then(|| {
            let bytes = b"f\nb1\nb2\nu\n".to_vec();
            FormRows::from_parts(bytes, [2, 8, 8, 8, 8, 10]).unwrap()
        });
        Rendered {
            json: json.into(),
            csv,
        }
    }

    #[test]
    fn records_read_back_as_written_and_a_cut_spool_is_an_error() {
        let records = [rendered("{\"a\":1}", true), rendered("{}", false)];
        let mut bytes = Vec::new();
        write(&mut bytes, &records[0]).unwrap();
        let first_ends_at = bytes.len();
        write(&mut bytes, &records[1]).unwrap();
        let mut input = &bytes[..];
        for record in &records {
            assert_eq!(read(&mut input).unwrap().as_ref(), Some(record));
        }
        assert_eq!(read(&mut input).unwrap(), None);
        let rows = records[0].csv.as_ref().unwrap();
        assert_eq!(rows.table(1), b"b1\nb2\n");
        assert_eq!(rows.table(5), b"u\n");

        for cut in (1..bytes.len() - 1).filter(|&cut| cut != first_ends_at) {
            let mut input = &bytes[..cut];
            let outcome = read(&mut input).and_then(|_| read(&mut input));
            assert!(
                outcome.is_err(),
                "a spool cut at byte {cut} must not read as whole"
            );
        }
    }
}
