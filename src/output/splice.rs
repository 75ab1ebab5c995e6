//! Rewriting a finished output file with a few pieces replaced: the bytes between them
//! are copied as they are, and the new file takes the old one's place at the end. This
//! is how forms that gain a finding across files reach `forms.jsonl`, `forms.csv` and
//! `findings.csv` without the other forms being written again.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// An output file being rewritten, read front to back once.
pub(super) struct Splice {
    old: BufReader<File>,
    new: BufWriter<File>,
    /// How far `old` has been read.
    at: u64,
    path: PathBuf,
    new_path: PathBuf,
}

impl Splice {
    /// Starts rewriting the file at `path` (the new one is written beside it).
    pub fn open(path: &Path) -> io::Result<Self> {
        let new_path = path.with_extension("amending");
        Ok(Splice {
            old: BufReader::with_capacity(256 << 10, File::open(path)?),
            new: BufWriter::with_capacity(256 << 10, File::create(&new_path)?),
            at: 0,
            path: path.to_path_buf(),
            new_path,
        })
    }

    /// Copies the old file up to byte `end` unchanged.
    pub fn copy_to(&mut self, end: u64) -> io::Result<()> {
        let want = end
            .checked_sub(self.at)
            .ok_or_else(|| self.out_of_order())?;
        if io::copy(&mut (&mut self.old).take(want), &mut self.new)? != want {
            return Err(io::Error::other(format!(
                "{} ended early while amending it",
                self.path.display()
            )));
        }
        self.at = end;
        Ok(())
    }

    /// Skips the old file up to byte `end`: the piece a replacement stands for.
    pub fn skip_to(&mut self, end: u64) -> io::Result<()> {
        let skip = end
            .checked_sub(self.at)
            .ok_or_else(|| self.out_of_order())?;
        self.old.seek_relative(skip as i64)?;
        self.at = end;
        Ok(())
    }

    /// Reads the old file's next line (without its newline) into `line`, neither copied
    /// nor skipped yet; `false` at the end.
    pub fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        let read = read_line(&mut self.old, line)?;
        self.at += read as u64;
        Ok(read > 0)
    }

    /// Writes bytes into the new file: a replacement, or a line read and kept.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.new.write_all(bytes)
    }

    /// Copies the rest and puts the new file in place of the old one.
    pub fn finish(mut self) -> io::Result<()> {
        io::copy(&mut self.old, &mut self.new)?;
        self.new.flush()?;
        drop(self.old);
        fs::rename(&self.new_path, &self.path)
    }

    fn out_of_order(&self) -> io::Error {
        io::Error::other(format!(
            "internal error: {} amended out of order",
            self.path.display()
        ))
    }
}

/// Reads the next line (without its newline) into `line`; how many bytes were read (0
/// at the end).
pub(super) fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<usize> {
    line.clear();
    let read = input.read_until(b'\n', line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(read)
}
