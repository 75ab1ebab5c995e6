//! Output files written under temporary names and moved into place together at the
//! end, so an interrupted run never leaves half-written tables that look complete; a run
//! that fails removes its temporary files, leaving the last complete run's tables alone.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// The files of one run, pending their rename.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
    /// Temporary files that are never moved into place (spools).
    scratch: Vec<PathBuf>,
}

impl Staging {
    /// Creates `dir` (and its parents) for the run's outputs.
    pub fn new(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// The temporary path of output `name` (`.name.partial` in the output folder).
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!(".{name}.partial"))
    }

    /// Registers output `name` and returns its temporary path, for writers that open
    /// the file themselves (SQLite, XLSX).
    pub fn reserve(&mut self, name: &str) -> PathBuf {
        let temp = self.temp_path(name);
        self.pending.push((temp.clone(), self.dir.join(name)));
        temp
    }

    /// Registers a temporary file of the run that is not an output (a spool) and returns
    /// its path: removed when the run ends, whether it finishes or fails.
    pub fn scratch(&mut self, name: &str) -> PathBuf {
        let temp = self.temp_path(name);
        self.scratch.push(temp.clone());
        temp
    }

    /// Creates output `name` under its temporary name.
    pub fn create(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let temp = self.reserve(name);
        Ok(BufWriter::with_capacity(64 << 10, File::create(temp)?))
    }

    /// Moves every output into place.
    pub fn commit(mut self) -> io::Result<()> {
        for (temp, target) in std::mem::take(&mut self.pending) {
            fs::rename(temp, target)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    /// Removes the temporary files: the scratch ones always, the outputs when the run
    /// ended without [`Staging::commit`] (an error, a panic). Best effort: a file that
    /// cannot be removed is a hidden `.partial` file, never a table.
    fn drop(&mut self) {
        for temp in self
            .pending
            .iter()
            .map(|(temp, _)| temp)
            .chain(&self.scratch)
        {
            let _ = fs::remove_file(temp);
        }
    }
}
