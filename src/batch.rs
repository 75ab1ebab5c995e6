//! Bulk runs: a whole tree of forms in one call, on every core, in a deterministic order.
//!
//! The calling thread hands files to the worker pool a window ahead of the writing; each
//! worker reads, hashes, extracts and renders one file ([`crate::output::Renderer`]),
//! hands the result in, and, if no other worker is writing, adds every result that is
//! next in path order to the [`OutputDir`], which only copies bytes. So the workers never
//! wait for one another, `--threads N` is N threads of work (the writing is not an extra
//! thread beside them), two runs over the same tree write byte-identical tables whatever
//! the thread timing, and at most one window of documents is held at a time. A file
//! whose bytes were seen before is not extracted again but listed as a `duplicate` of
//! the first. A panic inside one file's work is caught at the file's boundary and
//! becomes that file's error.

use std::collections::BTreeMap;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};

use crate::copies::{ContentKey, FirstCopies};
use crate::formats::Format;
use crate::inputs::Input;
use crate::output::{self, OutputDir, Renderer};
use crate::pipeline::{extract_hashed, read_file};
use crate::spool::temp_path;
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

/// Files in flight per worker thread: enough that a slow file never leaves a worker
/// idle, few enough that the documents waiting to be written stay a few megabytes.
const IN_FLIGHT_PER_THREAD: usize = 32;

/// The key that tells copies apart ([`ContentKey`]) from a sha256 given in hex.
fn digest(hex: &str) -> Option<ContentKey> {
    let mut bytes = ContentKey::default();
    if hex.len() != 64 {
        return None;
    }
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

/// The result of one input's work on a worker.
enum Done {
    Skipped(String, String),
    /// Same bytes as the file with this index, earlier in path order.
    Duplicate(String, usize),
    /// Read (or failed to be), its forms prepared for the writer.
    Read(Prepared),
    /// The table of contents that finds copies failed (a full disk): ends the run.
    Failed(io::Error),
}

/// A file read on a worker: its forms made ready for the writer, the documents
/// themselves dropped on the worker.
struct Prepared {
    path: String,
    sha256: String,
    format: Option<Format>,
    forms: Result<Vec<output::Prepared>, Error>,
}

/// Which file (by position in the run) first has each content, among those the workers
/// have hashed so far: a worker extracts a file only if no earlier file has its bytes.
type Claims = Mutex<FirstCopies>;

/// Reads `files` (already sorted) into `out` on the threads of `pool`, calling
/// `progress` after each file with the error that stopped it from being read, if any.
/// An error in `files` itself (the list read back from its spool) ends the run.
///
/// Call it from outside `pool`: this thread only hands files out, a window ahead of the
/// writing; the pool's threads read them and write the results in order themselves
/// ([`Writer`]), so `--threads N` is N threads of work, writing included.
pub fn run(
    files: impl Iterator<Item = io::Result<Input>>,
    options: &ExtractOptions,
    out: &mut OutputDir,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(Option<&Error>) + Sync),
) -> io::Result<()> {
    let claims = FirstCopies::create(&temp_path("copies"))?;
    run_with_claims(files, claims, options, out, pool, progress)
}

/// [`run`] with the table that finds copies made by the caller (a test's, to make it fail).
fn run_with_claims(
    files: impl Iterator<Item = io::Result<Input>>,
    claims: FirstCopies,
    options: &ExtractOptions,
    out: &mut OutputDir,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(Option<&Error>) + Sync),
) -> io::Result<()> {
    let renderer = out.renderer();
    let claims = Mutex::new(claims);
    let window = IN_FLIGHT_PER_THREAD * pool.current_num_threads().max(1);
    // Each input becomes one entry of `out`, in order: file `i` is entry `base + i`.
    let base = out.files_added();
    let writer = Writer {
        state: Mutex::new(WriterState {
            out,
            next: 0,
            waiting: BTreeMap::new(),
            error: None,
        }),
        arrived: Mutex::new(Vec::new()),
        written: (Mutex::new(Written::default()), Condvar::new()),
        base,
        claims: &claims,
        progress,
    };
    let listed = pool.in_place_scope(|scope| -> io::Result<()> {
        for (index, input) in files.enumerate() {
            let input = input?;
            if !writer.wait_for_room(index, window) {
                break;
            }
            let (writer, claims) = (&writer, &claims);
            scope.spawn(move |_| {
                let done = process(&input, index, options, renderer, claims);
                writer.deliver(index, done);
            });
        }
        Ok(())
    });
    let written = match writer.state.into_inner() {
        Ok(state) => state.error.map_or(Ok(()), Err),
        Err(poison) => poison.into_inner().error.map_or(Ok(()), Err),
    };
    written?;
    listed.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("reading back the list of input files: {e}"),
        )
    })
}

/// Writes the workers' results in path order. Whichever worker finds the writing free
/// takes every result that has arrived and writes all that are next in order; a worker
/// that finds it busy leaves its result for the one writing, which looks again before it
/// lets go, so no result waits for a later file to arrive.
struct Writer<'a, 'o> {
    state: Mutex<WriterState<'o>>,
    /// Results handed in but not yet taken by the one writing.
    arrived: Mutex<Vec<(usize, Done)>>,
    /// How far the writing is, for the thread handing files out, which it wakes.
    written: (Mutex<Written>, Condvar),
    base: usize,
    claims: &'a Claims,
    progress: &'a (dyn Fn(Option<&Error>) + Sync),
}

/// How far the writing is.
#[derive(Default)]
struct Written {
    /// Files written.
    files: usize,
    /// Writing failed: hand out no more files.
    failed: bool,
    /// The count of files written that the thread handing files out waits for, if it
    /// waits: it is woken once per half window, not once per file, so it does not take a
    /// core from a worker for every file.
    wake_at: Option<usize>,
}

struct WriterState<'o> {
    out: &'o mut OutputDir,
    /// The next file to write.
    next: usize,
    waiting: BTreeMap<usize, Done>,
    error: Option<io::Error>,
}

impl Writer<'_, '_> {
    /// Waits until file `index` is within `window` of the writing; `false` when writing
    /// failed and no more files should be read. When it has to wait, it waits for room
    /// for half a window, which it then hands out at once.
    fn wait_for_room(&self, index: usize, window: usize) -> bool {
        let (lock, wake) = &self.written;
        let mut written = lock.lock().unwrap_or_else(|poison| poison.into_inner());
        if !written.failed && index >= written.files + window {
            let wake_at = index + 1 + window / 2 - window;
            written.wake_at = Some(wake_at);
            written = wake
                .wait_while(written, |w| !w.failed && w.files < wake_at)
                .unwrap_or_else(|poison| poison.into_inner());
            written.wake_at = None;
        }
        !written.failed
    }

    /// Hands in file `index`'s result and writes what is next in order, unless another
    /// worker is writing (which then writes it).
    fn deliver(&self, index: usize, done: Done) {
        self.arrived
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push((index, done));
        loop {
            let Ok(mut state) = self.state.try_lock() else {
                return; // the one writing looks at `arrived` again before it lets go
            };
            let arrived =
                std::mem::take(&mut *self.arrived.lock().unwrap_or_else(|p| p.into_inner()));
            state.waiting.extend(arrived);
            self.write_ready(&mut state);
            drop(state);
            let empty = self.arrived.lock().map(|a| a.is_empty()).unwrap_or(false);
            if empty {
                return;
            }
        }
    }

    /// Writes every waiting result that is next in order.
    fn write_ready(&self, state: &mut WriterState<'_>) {
        let mut wrote = false;
        loop {
            let next = state.next;
            let Some(done) = state.waiting.remove(&next) else {
                break;
            };
            if state.error.is_none() {
                match self.write(state.out, next, done) {
                    Ok(failed) => (self.progress)(failed.as_ref()),
                    Err(e) => state.error = Some(e),
                }
            }
            state.next += 1;
            wrote = true;
        }
        if wrote {
            let (lock, wake) = &self.written;
            let mut written = lock.lock().unwrap_or_else(|poison| poison.into_inner());
            written.files = state.next;
            written.failed = state.error.is_some();
            if written.failed || written.wake_at.is_some_and(|at| written.files >= at) {
                wake.notify_one();
            }
        }
    }

    /// Adds file `next`'s result to the output; returns the error that kept it from
    /// being read, if any.
    fn write(&self, out: &mut OutputDir, next: usize, done: Done) -> io::Result<Option<Error>> {
        let base = self.base;
        // Files are written in order, so every earlier file with the same bytes has
        // been claimed by now: the claim is the first of them.
        let first_with = |key: &ContentKey| {
            let claims = self
                .claims
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            claims.first_before(key, next)
        };
        match done {
            Done::Skipped(path, reason) => out.add_skipped(&path, reason)?,
            Done::Duplicate(path, first) => out.add_copy(&path, base + first)?,
            Done::Failed(e) => return Err(e),
            Done::Read(file) => match digest(&file.sha256).map(|key| first_with(&key)) {
                Some(Ok(Some(first))) => out.add_copy(&file.path, base + first)?,
                Some(Err(e)) => return Err(copies_error(e)),
                Some(Ok(None)) | None => match file.forms {
                    Ok(forms) => out.add_prepared(&file.path, file.format, Ok(forms))?,
                    Err(error) => {
                        out.add_prepared(&file.path, file.format, Err(&error))?;
                        return Ok(Some(error));
                    }
                },
            },
        }
        Ok(None)
    }
}

/// One file's work, on a worker: any panic in it becomes the file's error, so that the
/// writer always hears back.
fn process(
    input: &Input,
    index: usize,
    options: &ExtractOptions,
    renderer: Renderer,
    claims: &Claims,
) -> Done {
    let path = match input {
        Input::Skipped(path, reason) => {
            return Done::Skipped(path.display().to_string(), reason.clone())
        }
        Input::Read(path) => path,
    };
    let shown = path.display().to_string();
    let mut sha = String::new();
    let mut bytes_read = 0;
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let bytes = match read_file(path, options) {
            Ok(bytes) => bytes,
            Err(e) => return Ok(failed(&shown, String::new(), 0, e)),
        };
        sha = sha256_hex(&bytes);
        bytes_read = bytes.len() as u64;
        if let Some(key) = digest(&sha) {
            let mut claims = claims.lock().unwrap_or_else(|poison| poison.into_inner());
            match claims.claim(&key, index) {
                Ok(Some(first)) => return Err(Done::Duplicate(shown.clone(), first)),
                Ok(None) => {}
                Err(e) => return Err(Done::Failed(copies_error(e))),
            }
        }
        #[cfg(test)]
        if shown.ends_with("panic-in-extraction.txt") {
            panic!("a deliberate panic for the test of the file boundary");
        }
        Ok(extract_hashed(&bytes, sha.clone(), &shown, options))
    }));
    let report = match caught {
        Ok(Ok(report)) => report,
        Ok(Err(duplicate)) => return duplicate,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with no message".into());
            let error = Error::new(ErrorKind::Internal(detail)).with_path(shown.clone());
            failed(&shown, sha, bytes_read, error)
        }
    };
    render(report, renderer)
}

/// An error of the table that finds copies, saying what it is.
fn copies_error(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("the table of file contents that finds copies: {e}"),
    )
}

/// A report for a file that could not be read.
fn failed(path: &str, sha256: String, bytes: u64, error: Error) -> FileReport {
    FileReport {
        path: path.to_string(),
        sha256,
        bytes,
        format: None,
        result: Err(error),
    }
}

/// A read file with its forms prepared here on the worker thread, so that the writer
/// only copies bytes and the documents are freed where they were made.
fn render(report: FileReport, renderer: Renderer) -> Done {
    let forms = report.result.and_then(|forms| {
        forms
            .iter()
            .map(|form| renderer.prepare(form))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::new(ErrorKind::Internal(format!("cannot render the form: {e}")))
                    .with_path(report.path.clone())
            })
    });
    Done::Read(Prepared {
        path: report.path,
        sha256: report.sha256,
        format: report.format,
        forms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{OutputDir, OutputOptions};

    #[test]
    fn a_panic_in_one_file_becomes_its_error_and_the_batch_goes_on() {
        let dir = crate::test_support::fresh_dir("batch-panic");
        let bad = dir.join("panic-in-extraction.txt");
        let good = dir.join("good.txt");
        std::fs::write(&bad, "部门名称\t甲局\n").unwrap();
        std::fs::write(&good, "部门名称\t乙局\n").unwrap();
        let out_dir = dir.join("out");
        let mut out = OutputDir::create(&out_dir, OutputOptions::default()).unwrap();
        let errors = std::sync::Mutex::new(Vec::new());
        let files = vec![Input::Read(good), Input::Read(bad)];
        let pool = two_threads();
        let files = files.into_iter().map(Ok);
        run(files, &ExtractOptions::new(), &mut out, &pool, &|e| {
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

    /// A write that fails (here: the JSON lines go to /dev/full) stops the run with
    /// that error: no more files are handed out, and nothing waits for them.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_ends_the_run_with_its_error() {
        let dir = crate::test_support::fresh_dir("batch-full");
        std::fs::create_dir_all(dir.join("tree")).unwrap();
        let seed = include_str!("../fixtures/guangzhou-2024-text/input.txt");
        let mut files = Vec::new();
        for i in 0..200 {
            let path = dir.join(format!("tree/{i:03}.txt"));
            std::fs::write(&path, seed.replace("广州市司法局", &format!("第{i}局"))).unwrap();
            files.push(Input::Read(path));
        }
        let out_dir = dir.join("out");
        std::fs::create_dir_all(&out_dir).unwrap();
        std::os::unix::fs::symlink("/dev/full", out_dir.join(".forms.jsonl.partial")).unwrap();
        let mut out = OutputDir::create(&out_dir, OutputOptions::default()).unwrap();
        let pool = two_threads();
        let handled = std::sync::atomic::AtomicUsize::new(0);
        let count = files.len();
        let files = files.into_iter().map(Ok);
        let result = run(files, &ExtractOptions::new(), &mut out, &pool, &|_| {
            handled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let err = result.expect_err("the JSON lines cannot be written");
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "{err}");
        assert!(
            handled.into_inner() < count,
            "files written after the failure are not reported as done"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `count` small text files of distinct contents in `dir/tree`, as inputs.
    fn distinct_text_files(dir: &std::path::Path, count: usize) -> Vec<Input> {
        std::fs::create_dir_all(dir.join("tree")).unwrap();
        (0..count)
            .map(|i| {
                let path = dir.join(format!("tree/{i:04}.txt"));
                std::fs::write(&path, format!("部门名称\t第{i}局\n")).unwrap();
                Input::Read(path)
            })
            .collect()
    }

    fn two_threads() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    /// The table that finds copies failing when it grows (a folder stands where its
    /// bigger file goes, as a full disk would stop it) ends the run with an error that
    /// names the table, and no more files are handed out.
    #[test]
    fn a_copies_table_that_fails_mid_run_ends_the_run_naming_it() {
        let dir = crate::test_support::fresh_dir("batch-copies");
        let files = distinct_text_files(&dir, 1500);
        let claims = FirstCopies::create(&dir.join("copies")).unwrap();
        std::fs::create_dir_all(claims.grown_path()).unwrap();
        let mut out = OutputDir::create(&dir.join("out"), OutputOptions::default()).unwrap();
        let handled = std::sync::atomic::AtomicUsize::new(0);
        let count = files.len();
        let result = run_with_claims(
            files.into_iter().map(Ok),
            claims,
            &ExtractOptions::new(),
            &mut out,
            &two_threads(),
            &|_| {
                handled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            },
        );
        let err = result.expect_err("the copies table cannot grow");
        assert!(
            err.to_string()
                .contains("the table of file contents that finds copies"),
            "{err}"
        );
        assert!(
            handled.into_inner() < count,
            "files went on after the failure"
        );
        drop(out);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The input list failing when read back (its spool truncated, say) ends the run
    /// with an error that says so, after the files listed before it are written.
    #[test]
    fn an_input_list_that_fails_when_read_back_ends_the_run_naming_it() {
        let dir = crate::test_support::fresh_dir("batch-list");
        let files = distinct_text_files(&dir, 3);
        let broken = io::Error::new(io::ErrorKind::UnexpectedEof, "the spool ends early");
        let files = files
            .into_iter()
            .map(Ok)
            .chain(std::iter::once(Err(broken)));
        let mut out = OutputDir::create(&dir.join("out"), OutputOptions::default()).unwrap();
        let result = run(
            files,
            &ExtractOptions::new(),
            &mut out,
            &two_threads(),
            &|_| {},
        );
        let err = result.expect_err("the list cannot be read back");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            err.to_string()
                .contains("reading back the list of input files: the spool ends early"),
            "{err}"
        );
        assert_eq!(
            out.files_added(),
            3,
            "the files listed before it are written"
        );
        drop(out);
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
