//! Bulk runs: a whole tree of forms in one call, on every core, in a deterministic order.
//!
//! Files are taken in path order, in chunks: each chunk is read, hashed and extracted in
//! parallel (rayon), then handed to the [`OutputDir`] in path order, so two runs over the
//! same tree write byte-identical tables whatever the thread timing, and at most one
//! chunk of documents is held at a time. A file whose bytes were seen before is not
//! extracted again but listed as a `duplicate` of the first. A panic inside one file's
//! extraction is caught at the file's boundary and becomes that file's error.

use std::collections::HashMap;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use rayon::prelude::*;

use crate::inputs::Input;
use crate::output::OutputDir;
use crate::pipeline::{extract_hashed, read_file};
use crate::{sha256_hex, Error, ErrorKind, ExtractOptions, FileReport};

/// Which slice of a tree this machine takes (`--shard K/N`, 1 ≤ K ≤ N): the files whose
/// path hash falls in shard K, so N machines can share one tree with any scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard takes K/N with 1 ≤ K ≤ N (e.g. 2/8), not {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether `path` belongs to this shard. The hash is of the path as given, so
    /// every machine must be given the tree under the same path.
    pub fn contains(&self, path: &std::path::Path) -> bool {
        let digest = sha256_hex(path.to_string_lossy().as_bytes());
        let bucket = u64::from_str_radix(&digest[..15], 16).unwrap_or(0) % self.count;
        bucket == self.index - 1
    }
}

/// Files per parallel chunk, per worker thread: enough to keep every core busy (a slow
/// file rarely holds the others up), few enough that the documents in flight — all that
/// a run holds besides one small entry per file — stay a few megabytes.
const CHUNK_PER_THREAD: usize = 16;

/// A sha256 (given in hex) as the 32 bytes it stands for: the key that tells copies
/// apart, at a third of the hex text's size.
fn digest(hex: &str) -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

/// The result of one input's parallel stage.
enum Done {
    Skipped(String, String),
    /// Same bytes as a file of an earlier chunk.
    Duplicate(String, [u8; 32]),
    /// Read (or failed to be), with its forms serialized as JSON lines.
    Read(FileReport, Vec<String>),
}

/// A read file, its forms serialized here on the worker thread, so that the
/// sequential part of the run only copies bytes.
fn read(mut report: FileReport) -> Done {
    let json = match &report.result {
        Ok(forms) => match forms
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(json) => json,
            Err(e) => {
                let error = Error::new(ErrorKind::Internal(format!(
                    "cannot serialize the form: {e}"
                )));
                report.result = Err(error.with_path(report.path.clone()));
                Vec::new()
            }
        },
        Err(_) => Vec::new(),
    };
    Done::Read(report, json)
}

/// Reads `files` (already sorted) into `out`, calling `progress` after each file with
/// the error that stopped it from being read, if any.
pub fn run(
    files: &[Input],
    options: &ExtractOptions,
    out: &mut OutputDir,
    progress: &(dyn Fn(Option<&Error>) + Sync),
) -> io::Result<()> {
    // Each file's bytes → its number in the run, to list later copies as duplicates.
    let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
    let chunk_size = CHUNK_PER_THREAD * rayon::current_num_threads().max(1);
    for chunk in files.chunks(chunk_size) {
        let done: Vec<Done> = chunk
            .par_iter()
            .map(|input| process(input, options, &seen))
            .collect();
        for item in done {
            let mut failed = None;
            match item {
                Done::Skipped(path, reason) => out.add_skipped(&path, reason),
                Done::Duplicate(path, key) => out.add_copy(&path, seen[&key]),
                Done::Read(report, json) => match digest(&report.sha256) {
                    Some(key) if seen.contains_key(&key) => out.add_copy(&report.path, seen[&key]),
                    key => {
                        let number = out.add_serialized(&report, &json)?;
                        if let Some(key) = key {
                            seen.insert(key, number);
                        }
                        failed = report.result.err();
                    }
                },
            }
            progress(failed.as_ref());
        }
    }
    Ok(())
}

fn process(input: &Input, options: &ExtractOptions, seen: &HashMap<[u8; 32], usize>) -> Done {
    let path = match input {
        Input::Skipped(path, reason) => {
            return Done::Skipped(path.display().to_string(), reason.clone())
        }
        Input::Read(path) => path,
    };
    let shown = path.display().to_string();
    let bytes = match read_file(path, options) {
        Ok(bytes) => bytes,
        Err(e) => {
            return read(FileReport {
                path: shown,
                sha256: String::new(),
                bytes: 0,
                format: None,
                result: Err(e),
            })
        }
    };
    let sha = sha256_hex(&bytes);
    if let Some(key) = digest(&sha).filter(|key| seen.contains_key(key)) {
        return Done::Duplicate(shown, key);
    }
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        if shown.ends_with("panic-in-extraction.txt") {
            panic!("a deliberate panic for the test of the file boundary");
        }
        extract_hashed(&bytes, sha.clone(), &shown, options)
    }));
    read(caught.unwrap_or_else(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".into());
        let error = Error::new(ErrorKind::Internal(detail)).with_path(shown.clone());
        FileReport {
            path: shown,
            sha256: sha,
            bytes: bytes.len() as u64,
            format: None,
            result: Err(error),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{OutputDir, OutputOptions};

    #[test]
    fn a_panic_in_one_file_becomes_its_error_and_the_batch_goes_on() {
        let dir = std::env::temp_dir().join(format!("jixiao-batch-panic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("panic-in-extraction.txt");
        let good = dir.join("good.txt");
        std::fs::write(&bad, "部门名称\t甲局\n").unwrap();
        std::fs::write(&good, "部门名称\t乙局\n").unwrap();
        let out_dir = dir.join("out");
        let mut out = OutputDir::create(&out_dir, OutputOptions::default()).unwrap();
        let errors = std::sync::Mutex::new(Vec::new());
        let files = vec![Input::Read(good), Input::Read(bad)];
        run(&files, &ExtractOptions::new(), &mut out, &|e| {
            if let Some(e) = e {
                errors.lock().unwrap().push(e.to_string());
            }
        })
        .unwrap();
        let counts = out.finish().unwrap();
        assert_eq!((counts.unreadable, counts.forms), (1, 1));
        let errors = errors.into_inner().unwrap();
        assert!(
            errors[0].contains("panic-in-extraction.txt") && errors[0].contains("internal error"),
            "{errors:?}"
        );
        let files_csv = std::fs::read_to_string(out_dir.join("files.csv")).unwrap();
        assert!(files_csv.contains("a deliberate panic"), "{files_csv}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shards_parse_and_partition_paths() {
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for i in 0..100 {
            let path = std::path::PathBuf::from(format!("tree/{i}.xlsx"));
            assert_eq!(
                shards.iter().filter(|s| s.contains(&path)).count(),
                1,
                "each path in exactly one shard"
            );
        }
    }
}
