//! Output files written under temporary names and moved into place together at the
//! end, so an interrupted run never leaves half-written tables that look complete.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// The files of one run, pending their rename.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
}

impl Staging {
    /// Creates `dir` (and its parents) for the run's outputs.
    pub fn new(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
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

    /// Creates output `name` under its temporary name.
    pub fn create(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let temp = self.reserve(name);
        Ok(BufWriter::with_capacity(64 << 10, File::create(temp)?))
    }

    /// Moves every output into place.
    pub fn commit(self) -> io::Result<()> {
        for (temp, target) in &self.pending {
            fs::rename(temp, target)?;
        }
        Ok(())
    }
}
