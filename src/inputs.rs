//! Which files a run reads: the paths given, with folders walked recursively.
//!
//! A file named on the command line is always read (its format comes from its bytes).
//! Inside folders, files with a form extension are read; hidden files and folders and
//! Office lock files (`~$x.xlsx`) are passed over, counted, and listed as `skipped` with
//! the reason, like any other file that is not a form, so every file under the tree is
//! accounted for.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Extensions read when found inside a folder.
pub const FORM_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xls", "ods", "docx", "doc", "txt", "tsv", "text", "html", "htm",
];

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
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Files to read or list as skipped, sorted by path.
    pub files: Vec<Input>,
    /// Of the skipped: hidden files and folders and Office lock files passed over.
    pub hidden: usize,
}

/// Expands `paths` into the files of a run. A path that does not exist is listed as an
/// input to read, so that its error reaches `files.csv` like any other.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for path in paths {
        if !path.is_dir() {
            inputs.files.push(Input::Read(path.clone()));
            continue;
        }
        // follow_links with walkdir's loop detection: a symlink loop is an error entry, not a hang.
        // Hidden entries are not descended into, but each is listed (a hidden folder as
        // one row), so that every file under the tree is accounted for.
        let hidden = std::cell::RefCell::new(Vec::new());
        let walker = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        let walker = walker.filter_entry(|e| {
            let keep = e.depth() == 0 || !is_hidden(e.file_name().to_string_lossy().as_ref());
            if !keep {
                let what = if e.file_type().is_dir() {
                    "hidden folder: not searched"
                } else {
                    "hidden file"
                };
                hidden
                    .borrow_mut()
                    .push(Input::Skipped(e.path().to_path_buf(), what.to_string()));
            }
            keep
        });
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let name = entry.file_name().to_string_lossy();
                    if name.starts_with("~$") {
                        inputs.hidden += 1;
                        let reason = "Office lock file (~$…), kept by Excel or Word while a document is open";
                        inputs
                            .files
                            .push(Input::Skipped(entry.into_path(), reason.to_string()));
                        continue;
                    }
                    let ext = entry
                        .path()
                        .extension()
                        .map(|e| e.to_string_lossy().to_ascii_lowercase())
                        .unwrap_or_default();
                    if FORM_EXTENSIONS.contains(&ext.as_str()) {
                        inputs.files.push(Input::Read(entry.into_path()));
                    } else {
                        let reason = if ext.is_empty() {
                            "no file extension: not taken for a form (name the file on the command line to read it)".to_string()
                        } else {
                            format!(".{ext} is not a form format jixiao reads")
                        };
                        inputs.files.push(Input::Skipped(entry.into_path(), reason));
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
                    inputs.files.push(Input::Skipped(path, reason));
                }
            }
        }
        let hidden = hidden.into_inner();
        inputs.hidden += hidden.len();
        inputs.files.extend(hidden);
    }
    inputs.files.sort_by(|a, b| a.path().cmp(b.path()));
    inputs.files.dedup_by(|a, b| a.path() == b.path());
    inputs
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}
