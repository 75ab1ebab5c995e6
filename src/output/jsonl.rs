//! The forms' JSON lines: written while the run goes (as `forms.jsonl`, or a temporary
//! file when JSON is not asked for), amended at the end for the forms that gain a
//! finding across files, and read back for the writers that need the documents
//! themselves (XLSX, SQLite).
//!
//! A line is one document: serde_json escapes every newline inside strings, so lines
//! and documents correspond one to one.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::splice::{read_line, Splice};
use crate::document::Form;

/// Lines parsed per parallel batch.
const BATCH: usize = 128;

fn corrupt(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

/// Rewrites a JSON lines file with some documents replaced, copying the others as they
/// are.
pub struct Amender {
    splice: Splice,
    /// The next line (document number) not yet copied or replaced.
    next: usize,
    path: PathBuf,
    line: Vec<u8>,
}

impl Amender {
    /// Starts rewriting the file at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Amender {
            splice: Splice::open(path)?,
            next: 0,
            path: path.to_path_buf(),
            line: Vec::new(),
        })
    }

    /// Copies every document before number `index` and takes that one out, parsed, for
    /// [`Amender::put`] to replace. Numbers must increase.
    pub fn take(&mut self, index: usize) -> io::Result<Form> {
        if index < self.next {
            return Err(io::Error::other(format!(
                "internal error: document {index} amended out of order"
            )));
        }
        loop {
            if !self.splice.read_line(&mut self.line)? {
                return Err(corrupt(&self.path, "ended before the document to amend"));
            }
            self.next += 1;
            if self.next > index {
                return serde_json::from_slice(&self.line)
                    .map_err(|e| corrupt(&self.path, &format!("line {}: {e}", index + 1)));
            }
            self.line.push(b'\n');
            self.splice.write(&self.line)?;
        }
    }

    /// Writes the replacement of the document last taken.
    pub fn put(&mut self, json: &str) -> io::Result<()> {
        self.splice.write(json.as_bytes())?;
        self.splice.write(b"\n")
    }

    /// Copies the rest and puts the rewritten file in place of the old one.
    pub fn finish(self) -> io::Result<()> {
        self.splice.finish()
    }
}

/// The documents of a JSON lines file, in order, parsed a batch at a time on every core.
pub struct Forms {
    input: BufReader<File>,
    path: PathBuf,
    ready: VecDeque<io::Result<Form>>,
    /// Number of the next line to read.
    next: usize,
}

impl Forms {
    /// Opens the file at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Forms {
            input: BufReader::with_capacity(256 << 10, File::open(path)?),
            path: path.to_path_buf(),
            ready: VecDeque::new(),
            next: 0,
        })
    }

    fn refill(&mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed = None;
        while batch.len() < BATCH {
            let mut line = Vec::new();
            match read_line(&mut self.input, &mut line) {
                Ok(read) if read > 0 => {
                    batch.push((self.next, line));
                    self.next += 1;
                }
                Ok(_) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let path = &self.path;
        let parsed: Vec<io::Result<Form>> = batch
            .into_par_iter()
            .map(|(number, line)| {
                serde_json::from_slice(&line)
                    .map_err(|e| corrupt(path, &format!("line {}: {e}", number + 1)))
            })
            .collect();
        self.ready.extend(parsed);
        if let Some(e) = failed {
            self.ready.push_back(Err(e));
        }
    }
}

impl Iterator for Forms {
    type Item = io::Result<Form>;

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
    use crate::document::test_support::minimal_form;
    use std::fs;

    fn write_lines(path: &Path, ids: &[&str]) {
        let mut text = String::new();
        for id in ids {
            text += &serde_json::to_string(&minimal_form(id, "f.txt")).unwrap();
            text.push('\n');
        }
        fs::write(path, text).unwrap();
    }

    fn ids(path: &Path) -> Vec<String> {
        Forms::open(path)
            .unwrap()
            .map(|f| f.unwrap().form_id)
            .collect()
    }

    #[test]
    fn amending_replaces_the_documents_taken_and_copies_the_rest() {
        let dir = crate::test_support::fresh_dir("jsonl");
        let path = dir.join("forms.jsonl");
        let names: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
        write_lines(&path, &names.iter().map(String::as_str).collect::<Vec<_>>());

        let mut amender = Amender::open(&path).unwrap();
        for index in [0, 129, 130, 299] {
            let mut taken = amender.take(index).unwrap();
            assert_eq!(taken.form_id, format!("f{index}"));
            taken.form_id += "-amended";
            amender
                .put(&serde_json::to_string(&taken).unwrap())
                .unwrap();
        }
        assert!(amender.take(5).is_err(), "numbers must increase");
        amender.finish().unwrap();

        let mut expected = names.clone();
        for index in [0, 129, 130, 299] {
            expected[index] += "-amended";
        }
        assert_eq!(ids(&path), expected, "read back across parse batches");

        let mut past_the_end = Amender::open(&path).unwrap();
        assert!(past_the_end.take(300).is_err());
        fs::write(&path, "{\"schema\":\n").unwrap();
        assert!(Forms::open(&path).unwrap().any(|f| f.is_err()));
        fs::remove_dir_all(&dir).unwrap();
    }
}
