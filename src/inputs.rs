//! Which files a run reads: the paths given, with folders walked recursively.
//!
//! A file named on the command line is always read (its format comes from its bytes).
//! Inside folders, files with a form extension are read; hidden files and folders and
//! Office lock files (`~$x.xlsx`) are passed over, counted, and listed as `skipped` with
//! the reason, like any other file that is not a form, so every file under the tree is
//! accounted for.
//!
//! The list is sorted by path. Up to [`HELD_INPUTS`] files it is sorted in memory; past
//! that, sorted runs go to a spool in the temporary folder and are merged, so that
//! listing a million files does not take a million paths' worth of memory.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::spool::{write_bytes, Decoder, Record, Sorted};

/// Inputs held in memory before they are sorted and written out as a run (under 1 MB).
const HELD_INPUTS: usize = 4_096;

/// One input of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file to read.
    Read(PathBuf),
    /// A file not read, and why (`files.csv` status `skipped`).
    Skipped(PathBuf, String),
}

impl Input {
    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            Input::Read(p) | Input::Skipped(p, _) => p,
        }
    }
}

/// The inputs of a run, sorted by path, and how many hidden/lock files were passed over.
#[derive(Debug)]
pub struct Inputs {
    /// The files, each path once (the first given: a file named on the command line
    /// before the same file found in a folder).
    files: Sorted<Input>,
    /// Of the skipped: hidden files and folders and Office lock files passed over.
    pub hidden: usize,
}

impl Inputs {
    /// How many files the run has, read or skipped.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files in path order, each path once; from the spool when they outgrew memory
    /// (whence the errors).
    pub fn iter(&self) -> io::Result<Box<dyn Iterator<Item = io::Result<Input>> + '_>> {
        self.files.iter()
    }

    /// Adds one input, unless `keep` says no.
    fn push(&mut self, input: Input, keep: &impl Fn(&Path) -> bool) -> io::Result<()> {
        match keep(input.path()) {
            true => self.files.push(input),
            false => Ok(()),
        }
    }

    /// Adds the entries a folder walk passed over, each with whether it counts as hidden.
    fn list_passed_over(
        &mut self,
        entries: Vec<(Input, bool)>,
        keep: &impl Fn(&Path) -> bool,
    ) -> io::Result<()> {
        for (input, hidden) in entries {
            self.hidden += usize::from(hidden);
            self.push(input, keep)?;
        }
        Ok(())
    }
}

/// An input as it goes to the spool: its kind, its path's bytes, the reason it is
/// skipped. Of two inputs with one path, the first is kept.
impl Record for Input {
    type Key = Path;

    fn key(&self) -> &Path {
        self.path()
    }

    fn absorb(&mut self, _later: Self) {}

    fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let (kind, reason) = match self {
            Input::Read(_) => (0u8, ""),
            Input::Skipped(_, reason) => (1, reason.as_str()),
        };
        out.write_all(&[kind])?;
        write_bytes(out, &path_bytes(self.path()))?;
        write_bytes(out, reason.as_bytes())
    }

    fn read_from(input: &mut impl Read) -> io::Result<Self> {
        let mut input = Decoder(input);
        let [kind] = input.array()?;
        let path = path_from_bytes(input.bytes()?)?;
        let reason = String::from_utf8(input.bytes()?)
            .map_err(|_| io::Error::other("the input list's spool is damaged"))?;
        Ok(match kind {
            0 => Input::Read(path),
            _ => Input::Skipped(path, reason),
        })
    }
}

/// A path's bytes as the platform has them (any bytes on Unix).
#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().into()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> io::Result<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Ok(std::ffi::OsString::from_vec(bytes).into())
}

/// Elsewhere paths go through UTF-8: a path that is not Unicode reads back changed.
#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    match path.to_string_lossy() {
        std::borrow::Cow::Borrowed(s) => s.as_bytes().into(),
        std::borrow::Cow::Owned(s) => s.into_bytes().into(),
    }
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> io::Result<PathBuf> {
    String::from_utf8(bytes)
        .map(PathBuf::from)
        .map_err(|_| io::Error::other("the input list's spool is damaged"))
}

/// Expands `paths` into the files of a run, those that `keep` accepts (a shard). A path
/// that does not exist is listed as an input to read, so that its error reaches
/// `files.csv` like any other. `output`, the run's own output folder, is not searched
/// when it lies inside a folder given (a second run would read the first run's tables,
/// CSV and workbook alike, as forms); it is listed as skipped, and so is each table of
/// the run's found in it when the folder is itself read or its files named. Fails only
/// if the spool of a long list cannot be written.
pub fn collect(
    paths: &[PathBuf],
    keep: impl Fn(&Path) -> bool,
    output: Option<&Path>,
) -> io::Result<Inputs> {
    collect_holding(paths, keep, output, HELD_INPUTS)
}

/// [`collect`], holding `hold` inputs in memory before a run goes to the spool.
fn collect_holding(
    paths: &[PathBuf],
    keep: impl Fn(&Path) -> bool,
    output: Option<&Path>,
    hold: usize,
) -> io::Result<Inputs> {
    // Compared by the real path: `-o out` and a walk from `.` name one folder two ways.
    let output = output.and_then(|dir| dir.canonicalize().ok());
    // Told by name first: only a folder named as the output folder (or a link, which
    // may lead there under another name) costs a lookup of its real path, not every
    // folder of the tree.
    let is_output = |entry: &walkdir::DirEntry| {
        entry.file_type().is_dir()
            && output.as_deref().is_some_and(|out| {
                (out.file_name() == Some(entry.file_name()) || entry.path_is_symlink())
                    && entry.path().canonicalize().ok().as_deref() == Some(out)
            })
    };
    // A table of this run's, left in the output folder by the last run, where the folder
    // is itself read (`extract forms -o forms`, or `forms/*` named). The name is looked
    // at first: only a file so named costs a lookup of its folder.
    let is_own_output = |file: &Path| {
        let (Some(out), Some(name)) = (output.as_deref(), file.file_name()) else {
            return false;
        };
        crate::output::is_output_name(&name.to_string_lossy())
            && file
                .parent()
                .map(|dir| {
                    if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    }
                })
                .and_then(|dir| dir.canonicalize().ok())
                .is_some_and(|dir| dir == out)
    };
    const OWN_OUTPUT: &str = "this run's own output (-o), from an earlier run: not read as a form";
    let mut inputs = Inputs {
        files: Sorted::new("inputs", hold),
        hidden: 0,
    };
    for path in paths {
        if !path.is_dir() {
            let input = if is_own_output(path) {
                Input::Skipped(path.clone(), OWN_OUTPUT.to_string())
            } else {
                Input::Read(path.clone())
            };
            inputs.push(input, &keep)?;
            continue;
        }
        // follow_links with walkdir's loop detection: a symlink loop is an error entry, not a hang.
        // Hidden entries are not descended into, but each is listed (a hidden folder as
        // one row), so that every file under the tree is accounted for.
        // Each with whether it counts as hidden (the output folder does not).
        let passed_over = std::cell::RefCell::new(Vec::new());
        // Not sorted here: the whole list is, and walkdir would hold each folder's
        // listing to sort it.
        let walker = WalkDir::new(path).follow_links(true).into_iter();
        let walker = walker.filter_entry(|e| {
            let output = e.depth() > 0 && is_output(e);
            let keep =
                e.depth() == 0 || !(output || is_hidden(e.file_name().to_string_lossy().as_ref()));
            if !keep {
                let what = if output {
                    "this run's output folder (-o): not searched"
                } else if e.file_type().is_dir() {
                    "hidden folder: not searched"
                } else {
                    "hidden file"
                };
                let skipped = Input::Skipped(e.path().to_path_buf(), what.to_string());
                passed_over.borrow_mut().push((skipped, !output));
            }
            keep
        });
        for entry in walker {
            // Entries the filter met are listed as they come, not held to the end.
            let met: Vec<_> = passed_over.borrow_mut().drain(..).collect();
            inputs.list_passed_over(met, &keep)?;
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let name = entry.file_name().to_string_lossy();
                    if is_own_output(entry.path()) {
                        let reason = OWN_OUTPUT.to_string();
                        inputs.push(Input::Skipped(entry.into_path(), reason), &keep)?;
                        continue;
                    }
                    if name.starts_with("~$") {
                        inputs.hidden += 1;
                        let reason = "Office lock file (~$…), kept by Excel or Word while a document is open";
                        inputs
                            .push(Input::Skipped(entry.into_path(), reason.to_string()), &keep)?;
                        continue;
                    }
                    let ext = entry
                        .path()
                        .extension()
                        .map(|e| e.to_string_lossy().to_ascii_lowercase())
                        .unwrap_or_default();
                    if crate::formats::named(&ext).is_some() {
                        inputs.push(Input::Read(entry.into_path()), &keep)?;
                    } else {
                        let reason = if ext.is_empty() {
                            "no file extension: not taken for a form (name the file on the command line to read it)".to_string()
                        } else {
                            format!(".{ext} is not a form format jixiao reads")
                        };
                        inputs.push(Input::Skipped(entry.into_path(), reason), &keep)?;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| path.clone());
                    let reason = if e.loop_ancestor().is_some() {
                        "symbolic link loop".to_string()
                    } else {
                        e.to_string()
                    };
                    inputs.push(Input::Skipped(path, reason), &keep)?;
                }
            }
        }
        inputs.list_passed_over(passed_over.into_inner(), &keep)?;
    }
    inputs.files.finish()?;
    Ok(inputs)
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(inputs: &Inputs) -> Vec<Input> {
        inputs.iter().unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_list_spooled_in_runs_is_the_list_sorted_in_memory() {
        let dir = crate::test_support::fresh_dir("inputs");
        for i in (0..40).rev() {
            let sub = dir.join(format!("d{}", i % 4));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(format!("{i:02}.xlsx")), "x").unwrap();
        }
        std::fs::write(dir.join("d1/notes.pdf"), "x").unwrap();
        std::fs::write(dir.join("d2/~$03.xlsx"), "x").unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join(".git/x.txt"), "x").unwrap();
        // One file named twice: alone first, then in its folder's walk.
        let paths = [dir.join("d3/07.xlsx"), dir.join("d3"), dir.clone()];
        let everything = |_: &Path| true;

        let in_memory = collect_holding(&paths, everything, None, usize::MAX).unwrap();
        let spooled = collect_holding(&paths, everything, None, 3).unwrap();
        assert!(spooled.files.spilled() && !in_memory.files.spilled());
        assert_eq!(listed(&spooled), listed(&in_memory));
        assert_eq!(
            (spooled.len(), spooled.hidden),
            (in_memory.len(), in_memory.hidden)
        );
        // 40 forms, the PDF, the lock file, the hidden folder; each path once, sorted.
        assert_eq!(spooled.len(), 43);
        let list = listed(&spooled);
        assert!(list.windows(2).all(|w| w[0].path() < w[1].path()));
        assert_eq!(spooled.hidden, 2);
        assert!(list.contains(&Input::Read(dir.join("d3/07.xlsx"))));

        // A shard keeps its part, spooled or not.
        let odd = |path: &Path| path.to_string_lossy().ends_with("1.xlsx");
        let part = collect_holding(&paths, odd, None, 2).unwrap();
        assert_eq!(part.len(), 4);
        assert!(listed(&part).iter().all(|input| odd(input.path())));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_unicode_survive_the_spool() {
        use std::os::unix::ffi::OsStrExt;
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"forms/\xB2\xBF\xC3\xC5.xlsx"));
        for input in [
            Input::Read(path.clone()),
            Input::Skipped(path, "why".into()),
        ] {
            let mut bytes = Vec::new();
            input.write_to(&mut bytes).unwrap();
            assert_eq!(Input::read_from(&mut bytes.as_slice()).unwrap(), input);
        }
    }
}
