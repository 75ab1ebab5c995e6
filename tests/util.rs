//! Test harness: fixture paths, a fresh folder per test, and running the built binary
//! with a failure message that shows everything needed to debug it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The tables a run writes, by the name of their sheet in jixiao.xlsx and their table or
/// view in jixiao.sqlite; as CSV each is `<name>.csv`, and the documents go to forms.jsonl.
pub const TABLES: [&str; 8] = [
    "files",
    "forms",
    "budget",
    "tasks",
    "indicators",
    "findings",
    "unmapped",
    "summary",
];

/// The file names a json,csv run writes.
pub fn table_files() -> impl Iterator<Item = String> {
    TABLES
        .iter()
        .map(|table| format!("{table}.csv"))
        .chain(["forms.jsonl".to_string()])
}

/// The crate root (fixtures are found from here, never from the cwd).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The bytes of a file under `fixtures/`.
pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// A fresh, empty folder for one test.
pub struct Dir {
    pub path: PathBuf,
}

impl Dir {
    pub fn new(name: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("jixiao-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test dir");
        Dir { path }
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The built `jixiao` binary, run from the crate root.
pub fn jixiao() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    cmd.current_dir(root());
    cmd
}

/// `jixiao extract INPUT -o OUT`, for the test to add its options to.
pub fn extract_into(input: impl AsRef<OsStr>, out: impl AsRef<OsStr>) -> Command {
    let mut cmd = jixiao();
    cmd.arg("extract").arg(input).arg("-o").arg(out);
    cmd
}

/// Runs `cmd` and checks its exit code, panicking with the command, status, stdout and
/// stderr when it differs.
pub fn run(cmd: &mut Command, expected_code: i32) -> Output {
    let output = cmd.output().expect("run jixiao");
    if output.status.code() != Some(expected_code) {
        panic!(
            "\n{cmd:?}\nexpected exit {expected_code}, got {:?}\n--- stdout\n{}\n--- stderr\n{}\n",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// Parses a CSV table into header + rows of strings.
pub fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .expect("csv header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("csv row").iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// One files.csv row, less its path and form ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileRow {
    pub status: String,
    pub error: String,
    pub format: String,
}

/// The rows of a files.csv, each by its file's name (the last part of its path).
pub fn files_by_name(files_csv: &str) -> Vec<(String, FileRow)> {
    let (headers, rows) = csv_rows(files_csv);
    let (path, status, error, format) = (
        col(&headers, "path"),
        col(&headers, "status"),
        col(&headers, "error"),
        col(&headers, "format"),
    );
    rows.into_iter()
        .map(|r| {
            let name = r[path].rsplit(['/', '\\']).next().unwrap().to_string();
            let row = FileRow {
                status: r[status].clone(),
                error: r[error].clone(),
                format: r[format].clone(),
            };
            (name, row)
        })
        .collect()
}

/// The column of `name` in `headers`.
pub fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

/// A zip of `parts`, stored: the readers take stored and deflated parts alike, and
/// deflating in a debug build is most of a test's time.
pub fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(zip::CompressionMethod::Stored, parts)
}

/// A zip of `parts`, deflated: for what needs real compression (a zip bomb).
pub fn deflated_zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(zip::CompressionMethod::Deflated, parts)
}

fn zip_with(method: zip::CompressionMethod, parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
