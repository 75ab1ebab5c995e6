//! The run's input files, one record each: how each ended (read, with a tally of its
//! forms' findings; or not read, and why). Records go to a spool file as files come and
//! only their start offsets stay in memory, so a run's memory does not grow with its
//! number of files; the end of the run streams them into `files.csv` and the other
//! writers, amending the files whose forms gained a finding across files.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::tables::FileRow;
use crate::document::{Finding, Severity};
use crate::spool::OffsetLog;

/// How one input file ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Outcome {
    /// Read; it has `forms` forms in the outputs, whose findings `tally` sums up.
    Read { forms: usize, tally: FindingTally },
    /// Not read: (status, reason) — `error`, `skipped` or `duplicate`.
    NotRead { status: String, reason: String },
}

/// What a file's findings say of its `files.csv` status: the worst severity above info,
/// how many findings have it, and their codes in the order first seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct FindingTally {
    worst: Option<Severity>,
    count: usize,
    codes: Vec<String>,
}

impl FindingTally {
    /// Adds the tally of findings that come after these (the next form's).
    pub fn merge(&mut self, later: &FindingTally) {
        if later.worst.is_none() || later.worst < self.worst {
            return;
        }
        if later.worst > self.worst {
            *self = later.clone();
            return;
        }
        self.count += later.count;
        for code in &later.codes {
            if !self.codes.contains(code) {
                self.codes.push(code.clone());
            }
        }
    }

    pub fn add(&mut self, finding: &Finding) {
        if finding.severity <= Severity::Info || Some(finding.severity) < self.worst {
            return;
        }
        if Some(finding.severity) > self.worst {
            self.codes.clear();
            self.count = 0;
        }
        self.worst = Some(finding.severity);
        self.count += 1;
        if !self.codes.contains(&finding.code) {
            self.codes.push(finding.code.clone());
        }
    }
}

/// One input file's record: what its `files.csv` row is made of.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct FileEntry {
    pub path: String,
    pub format: String,
    /// Its forms' ids, space-separated.
    pub form_ids: String,
    pub outcome: Outcome,
}

/// The records of a run's files, on disk, in the order they were added.
pub(super) struct FileSpool {
    out: BufWriter<File>,
    path: PathBuf,
    /// Where each record starts.
    offsets: OffsetLog,
    written: u64,
    /// For [`FileSpool::get`], opened at its first call: a run with many department-years
    /// claimed twice asks for thousands of records.
    reader: Option<BufReader<File>>,
}

impl FileSpool {
    /// Creates the spool at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(FileSpool {
            out: BufWriter::with_capacity(64 << 10, File::create(path)?),
            path: path.to_path_buf(),
            offsets: OffsetLog::create("file-offsets")?,
            written: 0,
            reader: None,
        })
    }

    /// How many files have been added.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Adds the next file's record.
    pub fn push(&mut self, entry: &FileEntry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.offsets.push(self.written)?;
        self.written += line.len() as u64;
        Ok(())
    }

    /// The record of file number `index`, read back (for the rare file that needs an
    /// earlier one's: a copy, or a message naming files that claim one department).
    pub fn get(&mut self, index: usize) -> io::Result<FileEntry> {
        let offset = self.offsets.get(index)?.ok_or_else(|| {
            io::Error::other(format!("internal error: no file number {index} in the run"))
        })?;
        self.out.flush()?;
        let input = match &mut self.reader {
            Some(input) => input,
            None => self.reader.insert(BufReader::new(File::open(&self.path)?)),
        };
        input.seek(SeekFrom::Start(offset))?;
        read_record(input, &self.path)?
            .ok_or_else(|| io::Error::other("the file records ended early"))
    }

    /// Every record in order; the spool file is removed when the reader is dropped.
    pub fn records(mut self) -> io::Result<FileRecords> {
        self.out.flush()?;
        Ok(FileRecords {
            input: BufReader::with_capacity(64 << 10, File::open(&self.path)?),
            path: self.path,
        })
    }
}

fn read_record(input: &mut impl BufRead, path: &Path) -> io::Result<Option<FileEntry>> {
    let mut line = Vec::new();
    if input.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    serde_json::from_slice(&line).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: a file record is corrupt: {e}", path.display()),
        )
    })
}

/// The records of a [`FileSpool`], in order.
pub(super) struct FileRecords {
    input: BufReader<File>,
    path: PathBuf,
}

impl Iterator for FileRecords {
    type Item = io::Result<FileEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        read_record(&mut self.input, &self.path).transpose()
    }
}

impl Drop for FileRecords {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// How the files of a run ended, by their `files.csv` status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Read, no warning or error finding.
    pub ok: usize,
    /// Read, with a warning finding.
    pub warning: usize,
    /// Unreadable, or read with an error finding.
    pub error: usize,
    /// Of `error`: could not be read at all (exit code 3).
    pub unreadable: usize,
    /// Not a form file.
    pub skipped: usize,
    /// Same bytes as an earlier file.
    pub duplicate: usize,
    /// Forms written.
    pub forms: usize,
}

impl RunCounts {
    pub(super) fn count(&mut self, row: &FileRow, outcome: &Outcome) {
        match row.status.as_str() {
            "ok" => self.ok += 1,
            "warning" => self.warning += 1,
            "skipped" => self.skipped += 1,
            "duplicate" => self.duplicate += 1,
            _ => self.error += 1,
        }
        match outcome {
            Outcome::NotRead { status, .. } if status == "error" => self.unreadable += 1,
            Outcome::Read { forms, .. } => self.forms += forms,
            Outcome::NotRead { .. } => {}
        }
    }
}

/// The `files.csv` row of a file: `ok`, or the worst finding's severity with a count and
/// the codes, or the reason it was not read.
pub(super) fn file_row(entry: &FileEntry) -> FileRow {
    let (status, error) = match &entry.outcome {
        Outcome::NotRead { status, reason } => (status.as_str(), reason.clone()),
        Outcome::Read { forms: 0, .. } => ("error", "no form found in the file".to_string()),
        Outcome::Read { tally, .. } => match tally.worst {
            None => ("ok", String::new()),
            Some(severity) => {
                let count = tally.count;
                let plural = if count == 1 { "" } else { "s" };
                (
                    severity.as_str(),
                    format!(
                        "{count} {} finding{plural}: {}",
                        severity.as_str(),
                        tally.codes.join(", ")
                    ),
                )
            }
        },
    };
    FileRow {
        path: entry.path.clone(),
        form_id: entry.form_ids.clone(),
        format: entry.format.clone(),
        status: status.to_string(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, code: &str) -> Finding {
        Finding {
            severity,
            code: code.into(),
            message: String::new(),
            at: None,
        }
    }

    /// Forms are tallied on the workers and merged on the writer: the merge must give
    /// what one tally over all the file's findings in order gives.
    #[test]
    fn merged_tallies_equal_one_tally_in_order() {
        use Severity::{Error, Info, Warning};
        let forms = [
            vec![
                finding(Info, "a"),
                finding(Warning, "b"),
                finding(Warning, "c"),
            ],
            vec![],
            vec![finding(Warning, "c"), finding(Warning, "d")],
            vec![
                finding(Error, "e"),
                finding(Warning, "f"),
                finding(Error, "e"),
            ],
            vec![finding(Warning, "g"), finding(Error, "h")],
        ];
        for n in 1..=forms.len() {
            let mut whole = FindingTally::default();
            let mut merged = FindingTally::default();
            for findings in &forms[..n] {
                let mut one = FindingTally::default();
                for f in findings {
                    whole.add(f);
                    one.add(f);
                }
                merged.merge(&one);
            }
            assert_eq!(
                (merged.worst, merged.count, &merged.codes),
                (whole.worst, whole.count, &whole.codes),
                "after {n} forms"
            );
        }
    }

    #[test]
    fn records_read_back_by_number_and_in_order() {
        let dir = crate::test_support::fresh_dir("files");
        let path = dir.join("files.spool");
        let entry = |i: usize| FileEntry {
            path: format!("tree/{i}.txt"),
            format: "text".into(),
            form_ids: format!("{i:016x}"),
            outcome: match i % 2 {
                0 => Outcome::Read {
                    forms: 1,
                    tally: FindingTally::default(),
                },
                _ => Outcome::NotRead {
                    status: "skipped".into(),
                    reason: "not a form, \n on two lines".into(),
                },
            },
        };
        let mut spool = FileSpool::create(&path).unwrap();
        for i in 0..1000 {
            spool.push(&entry(i)).unwrap();
            if i % 100 == 7 {
                assert_eq!(spool.get(i / 2).unwrap().path, entry(i / 2).path);
            }
        }
        assert_eq!(spool.len(), 1000);
        assert!(spool.get(1000).is_err());
        let paths: Vec<String> = spool.records().unwrap().map(|e| e.unwrap().path).collect();
        assert_eq!(paths, (0..1000).map(|i| entry(i).path).collect::<Vec<_>>());
        assert!(!path.exists(), "the spool is removed once read");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
