//! Reading a file in a child process, so that a reader that takes the whole process down
//! costs one file, not the batch.
//!
//! XLS and ODS are read through calamine. Our pre-scan (see [`crate::formats::sheets`])
//! refuses every shape known to make it over-allocate, but an allocation failure inside a
//! library is an *abort*, not a panic: no `catch_unwind` stops it, and in a batch of ten
//! thousand files one such file would end the run. With isolation on, each XLS/ODS file is
//! read by the `jixiao` binary itself, re-run as a hidden subcommand ([`WORKER_COMMAND`]):
//!
//! * the parent writes the file's bytes to the child's stdin, the child runs
//!   [`crate::formats::read`] and writes the [`Grid`] (or the reader's [`Error`]) as one
//!   JSON object to stdout;
//! * on Unix the child caps its own address space (`RLIMIT_AS`, default 1 GiB) before it
//!   reads a byte ([`confine_worker`]), writes no core file, gets a CPU-time backstop
//!   and, on Linux, dies with its parent;
//! * the parent kills it after a wall-clock limit (default 30 s).
//!
//! A child killed by a signal, stopped for time, exiting with an error or answering
//! something that is not an answer becomes that file's error
//! ([`ErrorKind::ReaderProcess`], or [`ErrorKind::Limit`] for time), naming what happened
//! and the flag that adjusts the limit. The cost is one process start per XLS/ODS file.
//!
//! The library default is off ([`crate::ExtractOptions::isolate`]): it needs a worker
//! binary, which the `jixiao` command is.

use std::io::{self, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::formats::{self, Format, ReadLimits};
use crate::model::{Block, Grid, Loc, ReaderNote};
use crate::{Error, ErrorKind, Result};

/// The hidden subcommand of the `jixiao` binary that serves one read:
/// `jixiao __read-sheet --format xls --limits JSON --max-memory-bytes N
/// --max-cpu-seconds S`, the file's bytes on stdin.
pub const WORKER_COMMAND: &str = "__read-sheet";

/// Default address-space cap of the reader process: 1 GiB.
pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 1 << 30;

/// Default wall-clock limit of the reader process: 30 s.
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(30);

/// How to read the formats that go through a third-party reader in a child process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Isolation {
    worker: PathBuf,
    max_memory_bytes: u64,
    max_time: Duration,
}

impl Isolation {
    /// Isolation through `worker`, an executable that serves [`WORKER_COMMAND`] (the
    /// `jixiao` binary), with the default limits: 1 GiB of address space, 30 s.
    pub fn new(worker: impl Into<PathBuf>) -> Self {
        Isolation {
            worker: worker.into(),
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
            max_time: DEFAULT_MAX_TIME,
        }
    }

    /// Caps the child's address space (Unix only); 0 sets no cap.
    pub fn max_memory_bytes(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    /// Kills the child after this long; zero sets no limit.
    pub fn max_time(mut self, time: Duration) -> Self {
        self.max_time = time;
        self
    }

    /// The worker executable.
    pub fn worker(&self) -> &Path {
        &self.worker
    }

    /// The address-space cap in bytes (0: none).
    pub fn memory_limit(&self) -> u64 {
        self.max_memory_bytes
    }

    /// The wall-clock limit (zero: none).
    pub fn time_limit(&self) -> Duration {
        self.max_time
    }
}

/// Whether a format is read in a child process when isolation is on: the ones read
/// through a third-party library (calamine) that can abort the process.
pub fn is_isolated(format: Format) -> bool {
    matches!(format, Format::Xls | Format::Ods)
}

// ------------------------------------------------------------------------ the wire

/// The child's answer: one JSON object on stdout.
#[derive(Serialize, Deserialize)]
enum Answer {
    Grid(WireGrid),
    Error(WireError),
}

#[derive(Serialize, Deserialize)]
struct WireGrid {
    blocks: Vec<Block>,
    encoding: Option<String>,
    notes: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
enum WireError {
    Io(String),
    Empty,
    Unsupported {
        what: String,
        advice: String,
    },
    Malformed {
        format: String,
        place: Option<String>,
        detail: String,
    },
    Internal(String),
    Limit {
        what: String,
        limit: String,
    },
}

impl WireError {
    fn of(error: &Error) -> Self {
        match error.kind() {
            ErrorKind::Io(e) => WireError::Io(e.to_string()),
            ErrorKind::Empty => WireError::Empty,
            ErrorKind::Unsupported { what, advice } => WireError::Unsupported {
                what: what.clone(),
                advice: advice.clone(),
            },
            ErrorKind::Malformed {
                format,
                place,
                detail,
            } => WireError::Malformed {
                format: format.to_string(),
                place: place.clone(),
                detail: detail.clone(),
            },
            ErrorKind::Internal(detail) => WireError::Internal(detail.clone()),
            ErrorKind::Limit { what, limit } => WireError::Limit {
                what: what.clone(),
                limit: limit.clone(),
            },
            // Never made inside a worker; kept as its text if it were.
            ErrorKind::ReaderProcess { .. } => WireError::Internal(error.reason()),
        }
    }

    fn into_error(self) -> Error {
        Error::new(match self {
            WireError::Io(detail) => ErrorKind::Io(io::Error::other(detail)),
            WireError::Empty => ErrorKind::Empty,
            WireError::Unsupported { what, advice } => ErrorKind::Unsupported { what, advice },
            WireError::Malformed {
                format,
                place,
                detail,
            } => ErrorKind::Malformed {
                format: format_name(&format),
                place,
                detail,
            },
            WireError::Internal(detail) => ErrorKind::Internal(detail),
            WireError::Limit { what, limit } => ErrorKind::Limit { what, limit },
        })
    }
}

/// The `'static` name of a format as errors carry it.
fn format_name(name: &str) -> &'static str {
    const NAMES: &[&str] = &["xlsx", "xls", "ods", "docx", "text", "html", "zip"];
    NAMES
        .iter()
        .find(|n| **n == name)
        .copied()
        .unwrap_or("file")
}

/// A note's code as it came back over the wire: one of [`crate::model::READER_NOTE_CODES`] (the
/// worker is this same program). A code the table lacks keeps its text in the message
/// under a generic code, rather than being leaked into a `'static` string.
fn note_from_wire(code: String, message: String) -> ReaderNote {
    match ReaderNote::known_code(&code) {
        Some(code) => ReaderNote { code, message },
        None => ReaderNote {
            code: "input.reader_note",
            message: format!("{code}: {message}"),
        },
    }
}

impl WireGrid {
    fn of(grid: Grid) -> Self {
        WireGrid {
            blocks: grid.blocks,
            encoding: grid.encoding,
            notes: grid
                .notes
                .into_iter()
                .map(|n| (n.code.to_string(), n.message))
                .collect(),
        }
    }

    fn into_grid(self) -> Grid {
        let mut blocks = self.blocks;
        // One sheet name per table, shared by its cells again as the readers share it.
        for block in &mut blocks {
            if let Block::Table(table) = block {
                let mut shared: Option<Arc<str>> = None;
                for cell in table.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
                    if let Loc::Sheet { sheet, .. } = &mut cell.loc {
                        match &shared {
                            Some(name) if **name == **sheet => *sheet = Arc::clone(name),
                            _ => shared = Some(Arc::clone(sheet)),
                        }
                    }
                }
            }
        }
        Grid {
            blocks,
            encoding: self.encoding,
            notes: self
                .notes
                .into_iter()
                .map(|(code, message)| note_from_wire(code, message))
                .collect(),
        }
    }
}

// ------------------------------------------------------------------- the worker side

/// The worker's side of one read: reads `format` from `input` under `limits` and writes
/// the answer to `output`. A panic in the reader becomes an internal error, as it does
/// in a batch. Only an I/O error on `input` or `output` is an `Err`.
pub fn serve(
    format: Format,
    limits: &ReadLimits,
    mut input: impl Read,
    output: impl Write,
) -> io::Result<()> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let result = catch_unwind(AssertUnwindSafe(|| formats::read(&bytes, format, limits)))
        .unwrap_or_else(|payload| {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with no message".into());
            Err(Error::new(ErrorKind::Internal(detail)))
        });
    let answer = match result {
        Ok(grid) => Answer::Grid(WireGrid::of(grid)),
        Err(e) => Answer::Error(WireError::of(&e)),
    };
    let mut output = io::BufWriter::new(output);
    serde_json::to_writer(&mut output, &answer).map_err(io::Error::other)?;
    output.flush()
}

/// The format a worker is asked to read (`--format`): only the isolated ones.
pub fn worker_format(name: &str) -> Option<Format> {
    [Format::Xls, Format::Ods]
        .into_iter()
        .find(|f| f.as_str() == name)
}

// ------------------------------------------------------------------- the parent side

/// Reads `bytes` as `format` in a child process under `isolation`'s limits.
pub(crate) fn read(
    bytes: &[u8],
    format: Format,
    limits: &ReadLimits,
    isolation: &Isolation,
) -> Result<Grid> {
    let reader = format!("the {} reader", format.as_str().to_uppercase());
    let failed = |detail: String| {
        Error::new(ErrorKind::ReaderProcess {
            format: format_name(format.as_str()),
            detail,
        })
    };
    let limits_json = serde_json::to_string(limits).map_err(|e| failed(e.to_string()))?;
    let mut command = Command::new(&isolation.worker);
    command
        .arg(WORKER_COMMAND)
        .args(["--format", format.as_str(), "--limits", &limits_json])
        .args([
            "--max-memory-bytes",
            &isolation.max_memory_bytes.to_string(),
        ])
        .args([
            "--max-cpu-seconds",
            &cpu_seconds(isolation.max_time).to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its stderr only feeds the error message: no backtrace to wade through.
        .env("RUST_BACKTRACE", "0");
    let mut child = command.spawn().map_err(|e| {
        failed(format!(
            "{reader} process could not be started ({}: {e})",
            isolation.worker.display()
        ))
    })?;
    let outcome = supervise(&mut child, bytes, isolation.max_time);
    let Outcome {
        status,
        stdout,
        stderr,
        timed_out,
    } = outcome.map_err(|e| failed(format!("{reader} process could not be run ({e})")))?;

    if timed_out {
        return Err(Error::limit(
            format!(
                "{reader} was still working after {} s and was stopped",
                isolation.max_time.as_secs_f64()
            ),
            format!(
                "{} s per XLS/ODS file; raise it with --max-seconds",
                isolation.max_time.as_secs_f64()
            ),
        ));
    }
    let said = last_line(&stderr);
    let printed = said
        .as_deref()
        .map(|s| format!(" after printing \"{s}\""))
        .unwrap_or_default();
    if !status.success() {
        let signal = signal_of(status);
        let how = match &signal {
            Some((number, name)) => {
                format!("{reader} crashed: killed by signal {number}{name}{printed}")
            }
            None => match status.code() {
                Some(code) => format!("{reader} process exited with status {code}{printed}"),
                None => format!("{reader} process ended abnormally{printed}"),
            },
        };
        // Rust prints "memory allocation of N bytes failed" before aborting; the kernel's
        // OOM killer sends SIGKILL.
        let out_of_memory = said
            .as_deref()
            .is_some_and(|s| s.contains("memory allocation") || s.contains("out of memory"))
            || signal.is_some_and(|(number, _)| number == SIGKILL);
        let hint = if out_of_memory && isolation.max_memory_bytes > 0 {
            format!(
                " (it may use at most {} MB; raise it with --max-reader-mb)",
                isolation.max_memory_bytes >> 20
            )
        } else {
            String::new()
        };
        return Err(failed(format!(
            "{how}{hint}; only this file is lost, the others are read"
        )));
    }
    match serde_json::from_slice::<Answer>(&stdout) {
        Ok(Answer::Grid(grid)) => Ok(grid.into_grid()),
        Ok(Answer::Error(error)) => Err(error.into_error()),
        Err(e) => Err(failed(format!(
            "{reader} process answered with something that is not a reader's answer ({e}){printed}"
        ))),
    }
}

/// How a child ended and what it wrote.
struct Outcome {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    timed_out: bool,
}

/// Most of the child's stderr kept for the error message.
const STDERR_KEPT: usize = 16 << 10;

/// Feeds `input` to the child, collects its output, and kills it at the deadline.
/// Writing and reading each run on their own thread, so a child that stops reading
/// its input or floods its output cannot block the parent past the deadline.
fn supervise(child: &mut Child, input: &[u8], max_time: Duration) -> io::Result<Outcome> {
    let started = Instant::now();
    let deadline = (!max_time.is_zero()).then(|| started + max_time);
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A child that dies early closes the pipe: that is its outcome, not ours.
                let _ = stdin.write_all(input);
            }
        });
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let out = scope.spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut stdout) = stdout {
                let _ = stdout.read_to_end(&mut bytes);
            }
            let _ = done_tx.send(());
            bytes
        });
        let err = scope.spawn(move || {
            let mut kept = Vec::new();
            if let Some(stderr) = stderr {
                let mut stderr = stderr;
                let mut buf = [0u8; 8192];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > STDERR_KEPT {
                        kept.drain(..kept.len() - STDERR_KEPT);
                    }
                }
            }
            kept
        });
        // The child's stdout closes when it exits: wait for that first (no polling in
        // the usual case), then for the exit itself.
        match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = done_rx.recv_timeout(left);
            }
            None => {
                let _ = done_rx.recv();
            }
        }
        let mut timed_out = false;
        // Its stdout closes a moment before it can be reaped: poll briefly, then less often.
        let mut pause = Duration::from_micros(20);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait();
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Err(e) => {
                    // Never leave a child behind: the reader threads wait for its pipes.
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(e);
                }
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        Ok(Outcome {
            status: status?,
            stdout,
            stderr,
            timed_out,
        })
    })
}

/// What the child said before it ended, shortened: the line where Rust reports an
/// allocation failure or a panic if there is one, else its last non-empty line.
fn last_line(stderr: &[u8]) -> Option<String> {
    const MARKERS: &[&str] = &["memory allocation", "panicked", "fatal runtime error"];
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find(|l| MARKERS.iter().any(|m| l.contains(m)))
        .or(lines.last())?;
    let mut shown: String = line.chars().take(300).collect();
    if shown.len() < line.len() {
        shown.push('…');
    }
    Some(shown)
}

/// The signal that ended the child, with its name: `(6, " (SIGABRT)")`.
#[cfg(unix)]
fn signal_of(status: ExitStatus) -> Option<(i32, &'static str)> {
    use std::os::unix::process::ExitStatusExt;
    let signal = status.signal()?;
    let name = match signal {
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGILL => " (SIGILL)",
        libc::SIGFPE => " (SIGFPE)",
        libc::SIGXCPU => " (SIGXCPU: out of CPU time)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    };
    Some((signal, name))
}

#[cfg(unix)]
const SIGKILL: i32 = libc::SIGKILL;

#[cfg(not(unix))]
fn signal_of(_status: ExitStatus) -> Option<(i32, &'static str)> {
    None
}

#[cfg(not(unix))]
const SIGKILL: i32 = 9;

/// The CPU-time backstop for a wall-clock limit: a few seconds more, so the parent's
/// clock decides while it lives and the kernel's after it died (0: none).
fn cpu_seconds(max_time: Duration) -> u64 {
    if max_time.is_zero() {
        0
    } else {
        max_time.as_secs().saturating_add(5)
    }
}

/// Confines this process as a parent asked (the worker calls it first, before reading
/// its input): address space at most `max_memory_bytes`, CPU time at most
/// `max_cpu_seconds` (0: no limit for either), no core file (an abort of a 1 GiB process
/// would write one), and on Linux death with the parent. Unix only; elsewhere nothing.
///
/// The child does this itself rather than the parent between fork and exec: without a
/// `pre_exec` hook the parent starts it with `posix_spawn`, which costs about half as
/// much as a fork of a large parent.
pub fn confine_worker(max_memory_bytes: u64, max_cpu_seconds: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        if max_memory_bytes > 0 {
            unix::set_limit(unix::Resource::AddressSpace, max_memory_bytes)?;
        }
        unix::set_limit(unix::Resource::Core, 0)?;
        if max_cpu_seconds > 0 {
            unix::set_limit(unix::Resource::Cpu, max_cpu_seconds)?;
        }
        #[cfg(target_os = "linux")]
        // SAFETY: prctl with PR_SET_PDEATHSIG reads only its integer arguments.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
        }
    }
    #[cfg(not(unix))]
    let _ = (max_memory_bytes, max_cpu_seconds);
    Ok(())
}

#[cfg(unix)]
mod unix {
    use std::io;

    /// The limits a worker sets on itself.
    pub(super) enum Resource {
        AddressSpace,
        Core,
        Cpu,
    }

    /// Sets a resource limit (soft and hard), never above the current hard limit, which
    /// an unprivileged process cannot raise.
    pub(super) fn set_limit(resource: Resource, value: u64) -> io::Result<()> {
        // The resource's C type differs between libcs; each arm names its constant.
        macro_rules! apply {
            ($resource:expr) => {{
                let mut current = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                // SAFETY: getrlimit and setrlimit only read and write the struct given.
                if unsafe { libc::getrlimit($resource, &mut current) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                let value = (value as libc::rlim_t).min(current.rlim_max);
                let wanted = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                // SAFETY: as above.
                if unsafe { libc::setrlimit($resource, &wanted) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            }};
        }
        match resource {
            Resource::AddressSpace => apply!(libc::RLIMIT_AS),
            Resource::Core => apply!(libc::RLIMIT_CORE),
            Resource::Cpu => apply!(libc::RLIMIT_CPU),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, Row, Table};

    fn grid() -> Grid {
        let sheet: Arc<str> = Arc::from("表一");
        let cell = |col: u32, text: &str| Cell {
            text: text.into(),
            number: text.replace(',', "").parse().ok(),
            col,
            col_span: 1 + col,
            row_span: 2,
            loc: Loc::Sheet {
                sheet: Arc::clone(&sheet),
                row: 3,
                col,
            },
        };
        Grid {
            blocks: vec![
                Block::Table(Table {
                    name: Some("表一".into()),
                    rows: vec![
                        Row::default(),
                        Row {
                            cells: vec![cell(0, "基本支出"), cell(2, "153,069.97")],
                        },
                    ],
                }),
                Block::Paragraph(Cell::text(0, "标题", Loc::Paragraph { paragraph: 1 })),
            ],
            encoding: Some("utf-8".into()),
            notes: vec![ReaderNote {
                code: "input.encoding_guessed",
                message: "read as gbk".into(),
            }],
        }
    }

    #[test]
    fn grids_cross_the_wire_unchanged() {
        let sent = grid();
        let json = serde_json::to_vec(&Answer::Grid(WireGrid::of(sent.clone()))).unwrap();
        let Answer::Grid(wire) = serde_json::from_slice(&json).unwrap() else {
            panic!("a grid answer")
        };
        let got = wire.into_grid();
        assert_eq!(got, sent);
        let Block::Table(table) = &got.blocks[0] else {
            panic!("a table")
        };
        let sheets: Vec<&Arc<str>> = table.rows[1]
            .cells
            .iter()
            .map(|c| match &c.loc {
                Loc::Sheet { sheet, .. } => sheet,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(
            Arc::ptr_eq(sheets[0], sheets[1]),
            "the sheet name is shared"
        );
    }

    #[test]
    fn errors_cross_the_wire_with_their_kind_and_text() {
        let errors = [
            Error::new(ErrorKind::Empty),
            Error::malformed("xls", Some("sheet 'S'".into()), "bad record"),
            Error::limit(
                "a sheet claims 9 cells",
                "5 cells; raise it with --max-cells",
            ),
            Error::unsupported("a password-protected XLS workbook", "remove it"),
            Error::new(ErrorKind::Internal("a bug".into())),
        ];
        for error in errors {
            let json = serde_json::to_vec(&Answer::Error(WireError::of(&error))).unwrap();
            let Answer::Error(wire) = serde_json::from_slice(&json).unwrap() else {
                panic!("an error answer")
            };
            let back = wire.into_error();
            assert_eq!(back.to_string(), error.to_string());
            assert_eq!(
                std::mem::discriminant(back.kind()),
                std::mem::discriminant(error.kind())
            );
        }
    }

    #[test]
    fn serve_answers_a_read_and_an_error() {
        let xls = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/readers/made.xls"
        ));
        if let Ok(xls) = xls {
            let mut out = Vec::new();
            serve(Format::Xls, &ReadLimits::default(), &xls[..], &mut out).unwrap();
            let answer: Answer = serde_json::from_slice(&out).unwrap();
            assert!(matches!(answer, Answer::Grid(_)));
        }
        let mut out = Vec::new();
        serve(
            Format::Ods,
            &ReadLimits::default(),
            &b"not a zip"[..],
            &mut out,
        )
        .unwrap();
        let Answer::Error(error) = serde_json::from_slice(&out).unwrap() else {
            panic!("an error answer")
        };
        assert!(matches!(
            error.into_error().kind(),
            ErrorKind::Malformed { format: "ods", .. }
        ));
    }

    /// A stand-in worker: a shell script doing what a broken reader would.
    #[cfg(unix)]
    fn script(name: &str, body: &str) -> (PathBuf, impl Drop) {
        use std::os::unix::fs::PermissionsExt;
        struct Remove(PathBuf);
        impl Drop for Remove {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let dir = crate::test_support::fresh_dir(&format!("isolate-{name}"));
        let path = dir.join("worker.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        (path, Remove(dir))
    }

    #[cfg(unix)]
    fn read_with(name: &str, body: &str, isolation: impl Fn(Isolation) -> Isolation) -> Error {
        let (path, _keep) = script(name, body);
        let isolation = isolation(Isolation::new(path));
        // A test thread forking elsewhere can hold the just-written script open for a
        // moment (exec then fails with ETXTBSY): a race of the test's own making.
        for _ in 0..50 {
            let err = read(
                b"some bytes",
                Format::Xls,
                &ReadLimits::default(),
                &isolation,
            )
            .unwrap_err();
            if !err.to_string().contains("Text file busy") {
                return err;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the test's worker script stayed busy");
    }

    #[cfg(unix)]
    #[test]
    fn a_worker_killed_by_a_signal_is_the_files_error() {
        let err = read_with(
            "abort",
            "cat >/dev/null; echo 'memory allocation of 1610612736 bytes failed' >&2; kill -ABRT $$",
            |i| i,
        );
        let text = err.to_string();
        assert!(
            matches!(err.kind(), ErrorKind::ReaderProcess { format: "xls", .. }),
            "{text}"
        );
        assert!(text.contains("signal 6 (SIGABRT)"), "{text}");
        assert!(text.contains("memory allocation of 1610612736"), "{text}");
        assert!(text.contains("--max-reader-mb"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn a_worker_past_its_time_is_stopped() {
        let started = Instant::now();
        // It never reads its input: the parent must not block writing it either.
        let err = read_with("slow", "exec sleep 30", |i| {
            i.max_time(Duration::from_millis(300))
        });
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
        assert!(err.to_string().contains("--max-seconds"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_worker_exiting_badly_or_talking_nonsense_is_the_files_error() {
        let err = read_with("exit", "cat >/dev/null; echo oops >&2; exit 7", |i| i);
        assert!(err.to_string().contains("exited with status 7"), "{err}");
        assert!(err.to_string().contains("\"oops\""), "{err}");
        let err = read_with("garbage", "cat >/dev/null; echo '{\"Grid\": 12'", |i| i);
        assert!(err.to_string().contains("not a reader's answer"), "{err}");
        let err = read(
            b"x",
            Format::Ods,
            &ReadLimits::default(),
            &Isolation::new("/nonexistent/jixiao-worker"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("could not be started"), "{err}");
    }

    #[test]
    fn the_cpu_backstop_follows_the_time_limit() {
        assert_eq!(cpu_seconds(Duration::from_secs(30)), 35);
        assert_eq!(cpu_seconds(Duration::ZERO), 0);
    }

    #[test]
    fn only_calamine_formats_are_isolated() {
        assert!(is_isolated(Format::Xls) && is_isolated(Format::Ods));
        assert!(!is_isolated(Format::Xlsx) && !is_isolated(Format::Docx));
        assert_eq!(worker_format("ods"), Some(Format::Ods));
        assert_eq!(worker_format("docx"), None);
    }

    #[test]
    fn notes_come_back_with_their_declared_code_or_say_what_they_were() {
        let known = note_from_wire("input.encoding_errors".into(), "bytes replaced".into());
        assert_eq!(known.code, "input.encoding_errors");
        assert_eq!(known.severity(), crate::document::Severity::Warning);
        let unknown = note_from_wire("input.novel".into(), "something new".into());
        assert_eq!(unknown.code, "input.reader_note");
        assert_eq!(unknown.message, "input.novel: something new");
    }
}
