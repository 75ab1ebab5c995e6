//! Writers: form documents into the contract's tables.
//!
//! A run has two phases. While files are read, [`OutputDir::add`] appends each form
//! document to a spool (the future `forms.jsonl`) and keeps one small entry per file,
//! so memory does not grow with the number of forms. [`OutputDir::finish`] then adds the
//! findings that need every file (`form.duplicate_department`), streams the spool once
//! through every requested [`Sink`] (CSV, and the JSON lines themselves), writes
//! `files.csv` and `summary.csv`, and moves all outputs into place together
//! ([`staging`]): an interrupted run never leaves half-written tables that look complete.

mod csv;
pub mod encoding;
mod spool;
mod sqlite;
pub mod staging;
pub mod tables;
mod xlsx;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use crate::document::{Finding, Form, Severity};
use crate::FileReport;
pub use encoding::CsvEncoding;
use staging::Staging;
use tables::{FileRow, Summary};

/// An output format of `jixiao extract --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `forms.jsonl`, one form document per line.
    Json,
    /// The CSV tables.
    Csv,
    /// `jixiao.xlsx`: the tables as sheets of one workbook.
    Xlsx,
    /// `jixiao.sqlite`: the tables in a database updated in place on re-runs.
    Sqlite,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" | "jsonl" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            "xlsx" => Ok(OutputFormat::Xlsx),
            "sqlite" => Ok(OutputFormat::Sqlite),
            other => Err(format!(
                "unknown output format {other:?}: use json, csv, xlsx or sqlite"
            )),
        }
    }
}

/// What to write.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    /// The formats.
    pub formats: Vec<OutputFormat>,
    /// Encoding of the CSV tables.
    pub csv_encoding: CsvEncoding,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            formats: vec![OutputFormat::Json, OutputFormat::Csv],
            csv_encoding: CsvEncoding::Utf8,
        }
    }
}

/// A consumer of the finished form stream: one per output format.
pub trait Sink {
    /// One form, in output order; `json` is its document as one line of JSON.
    fn form(&mut self, form: &Form, json: &str) -> io::Result<()>;
    /// One input file's row, in path order, after all forms.
    fn file(&mut self, row: &FileRow) -> io::Result<()>;
    /// Last: the cross-department summary; flush everything.
    fn finish(self: Box<Self>, summary: &Summary) -> io::Result<()>;
}

/// `forms.jsonl`: the spooled lines, copied as they are unless a form gained findings.
struct JsonSink(BufWriter<File>);

impl Sink for JsonSink {
    fn form(&mut self, _form: &Form, json: &str) -> io::Result<()> {
        self.0.write_all(json.as_bytes())?;
        self.0.write_all(b"\n")
    }
    fn file(&mut self, _row: &FileRow) -> io::Result<()> {
        Ok(())
    }
    fn finish(mut self: Box<Self>, _summary: &Summary) -> io::Result<()> {
        self.0.flush()
    }
}

/// How one input file ended, kept until `files.csv` is written.
#[derive(Clone, Debug)]
enum Outcome {
    /// Read; it has `forms` forms in the spool.
    Read { forms: usize },
    /// Not read: (status, reason) — `error`, `skipped` or `duplicate`.
    NotRead {
        status: &'static str,
        reason: String,
    },
}

#[derive(Clone, Debug)]
struct FileEntry {
    path: String,
    format: &'static str,
    form_ids: String,
    outcome: Outcome,
}

/// How many other files a `form.duplicate_department` message names.
const MAX_NAMED_CLAIMS: usize = 3;

/// Who a form says it is, for the checks across files.
struct Identity {
    department: String,
    year: Option<i32>,
    file: usize,
}

/// An output folder being filled.
pub struct OutputDir {
    staging: Staging,
    options: OutputOptions,
    spool: BufWriter<File>,
    files: Vec<FileEntry>,
    identities: Vec<Identity>,
}

impl OutputDir {
    /// Creates `dir` (and parents) and the spool.
    pub fn create(dir: &Path, options: OutputOptions) -> io::Result<Self> {
        let staging = Staging::new(dir)?;
        let spool =
            BufWriter::with_capacity(256 << 10, File::create(staging.temp_path("spool.jsonl"))?);
        Ok(OutputDir {
            staging,
            options,
            spool,
            files: Vec::new(),
            identities: Vec::new(),
        })
    }

    /// Adds one file that was read (or failed to be): its forms go to the spool.
    pub fn add(&mut self, report: &FileReport) -> io::Result<()> {
        let json = match &report.result {
            Ok(forms) => forms
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<Vec<_>, _>>()?,
            Err(_) => Vec::new(),
        };
        self.add_serialized(report, &json).map(|_| ())
    }

    /// [`OutputDir::add`] with the forms already serialized, one JSON line each (the
    /// batch serializes on its worker threads).
    /// Returns the file's number in the run, for [`OutputDir::add_copy`].
    pub fn add_serialized(&mut self, report: &FileReport, json: &[String]) -> io::Result<usize> {
        let format = report.format.map_or("", |f| f.as_str());
        let (form_ids, outcome) = match &report.result {
            Err(e) => (
                String::new(),
                Outcome::NotRead {
                    status: "error",
                    reason: e.reason(),
                },
            ),
            Ok(forms) => {
                for (form, line) in forms.iter().zip(json) {
                    self.spool.write_all(line.as_bytes())?;
                    self.spool.write_all(b"\n")?;
                    self.identities.push(Identity {
                        department: form.department.clone().unwrap_or_default(),
                        year: form.year,
                        file: self.files.len(),
                    });
                }
                let ids = forms
                    .iter()
                    .map(|f| f.form_id.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                (ids, Outcome::Read { forms: forms.len() })
            }
        };
        self.files.push(FileEntry {
            path: report.path.clone(),
            format,
            form_ids,
            outcome,
        });
        Ok(self.files.len() - 1)
    }

    /// Adds a file that was not read because it is not a form file (`skipped`), with
    /// the reason.
    pub fn add_skipped(&mut self, path: &str, reason: String) {
        let outcome = Outcome::NotRead {
            status: "skipped",
            reason,
        };
        self.files.push(FileEntry {
            path: path.to_string(),
            format: "",
            form_ids: String::new(),
            outcome,
        });
    }

    /// Adds a file with the same bytes as file number `first` (as returned by
    /// [`OutputDir::add_serialized`]): a `duplicate` naming the first, with its forms.
    pub fn add_copy(&mut self, path: &str, first: usize) {
        let original = &self.files[first];
        let entry = FileEntry {
            path: path.to_string(),
            format: original.format,
            form_ids: original.form_ids.clone(),
            outcome: Outcome::NotRead {
                status: "duplicate",
                reason: format!("same bytes as {}", original.path),
            },
        };
        self.files.push(entry);
    }

    /// Findings that need every file: two different files claiming the same department
    /// and year. Keyed by the form's position in the spool.
    fn cross_file_findings(&self) -> HashMap<usize, Arc<Finding>> {
        let mut claims: HashMap<(&str, Option<i32>), Vec<usize>> = HashMap::new();
        for (ordinal, id) in self.identities.iter().enumerate() {
            if !id.department.is_empty() {
                claims
                    .entry((&id.department, id.year))
                    .or_default()
                    .push(ordinal);
            }
        }
        let mut findings = HashMap::new();
        for ((department, year), ordinals) in claims {
            let mut files: Vec<usize> = ordinals.iter().map(|&o| self.identities[o].file).collect();
            files.dedup();
            if files.len() < 2 {
                continue;
            }
            // One finding shared by every form of the group (it names the same files for
            // each), and only a few of them: a thousand copies of one department would
            // otherwise make a thousand messages each a thousand paths long.
            let named = files
                .iter()
                .take(MAX_NAMED_CLAIMS)
                .map(|&f| self.files[f].path.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let more = match files.len().saturating_sub(MAX_NAMED_CLAIMS) {
                0 => String::new(),
                more => format!(" and {more} more"),
            };
            let year = year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "(no year)".into());
            let finding = Arc::new(Finding {
                severity: Severity::Warning,
                code: "form.duplicate_department".into(),
                message: format!(
                    "{department} {year} is claimed by {} files: {named}{more}",
                    files.len()
                ),
                at: None,
            });
            for ordinal in ordinals {
                findings.insert(ordinal, Arc::clone(&finding));
            }
        }
        findings
    }

    /// Streams the spool through every sink, writes `files.csv` and `summary.csv`, and
    /// moves every output into place. Returns how the files ended.
    pub fn finish(mut self) -> io::Result<RunCounts> {
        self.spool.flush()?;
        let extra = self.cross_file_findings();
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        if self.options.formats.contains(&OutputFormat::Json) {
            sinks.push(Box::new(JsonSink(self.staging.create("forms.jsonl")?)));
        }
        if self.options.formats.contains(&OutputFormat::Csv) {
            sinks.push(Box::new(csv::CsvSink::create(
                &mut self.staging,
                self.options.csv_encoding,
            )?));
        }
        if self.options.formats.contains(&OutputFormat::Xlsx) {
            sinks.push(Box::new(xlsx::XlsxSink::create(&mut self.staging)?));
        }
        if self.options.formats.contains(&OutputFormat::Sqlite) {
            // Written in place inside one transaction, not staged: see [`sqlite`].
            let path = self.staging.temp_path("jixiao.sqlite");
            sinks.push(Box::new(sqlite::SqliteSink::open(
                &path.with_file_name("jixiao.sqlite"),
            )?));
        }

        let spool_path = self.staging.temp_path("spool.jsonl");
        let mut documents = spool::SpoolReader::open(&spool_path, &extra)?;
        let mut summary = Summary::default();
        let mut counts = RunCounts::default();
        for entry in &self.files {
            let mut worst: Option<Severity> = None;
            let mut codes: Vec<String> = Vec::new();
            let mut count = 0;
            if let Outcome::Read { forms } = entry.outcome {
                for _ in 0..forms {
                    let (line, form) = documents
                        .next()
                        .ok_or_else(|| io::Error::other("the spool ended early"))??;
                    for finding in &form.findings {
                        if finding.severity > Severity::Info && Some(finding.severity) >= worst {
                            if Some(finding.severity) > worst {
                                codes.clear();
                                count = 0;
                            }
                            worst = Some(finding.severity);
                            count += 1;
                            if !codes.contains(&finding.code) {
                                codes.push(finding.code.clone());
                            }
                        }
                    }
                    summary.add(&form);
                    for sink in &mut sinks {
                        sink.form(&form, &line)?;
                    }
                }
            }
            let row = file_row(entry, worst, count, &codes);
            counts.count(&row, &entry.outcome);
            for sink in &mut sinks {
                sink.file(&row)?;
            }
        }
        for sink in sinks {
            sink.finish(&summary)?;
        }
        std::fs::remove_file(&spool_path)?;
        self.staging.commit()?;
        Ok(counts)
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
    fn count(&mut self, row: &FileRow, outcome: &Outcome) {
        match row.status.as_str() {
            "ok" => self.ok += 1,
            "warning" => self.warning += 1,
            "skipped" => self.skipped += 1,
            "duplicate" => self.duplicate += 1,
            _ => self.error += 1,
        }
        match outcome {
            Outcome::NotRead {
                status: "error", ..
            } => self.unreadable += 1,
            Outcome::Read { forms } => self.forms += forms,
            Outcome::NotRead { .. } => {}
        }
    }
}

/// The `files.csv` row of a file: `ok`, or the worst finding's severity with a count and
/// the codes, or the reason it was not read.
fn file_row(entry: &FileEntry, worst: Option<Severity>, count: usize, codes: &[String]) -> FileRow {
    let (status, error) = match &entry.outcome {
        Outcome::NotRead { status, reason } => (*status, reason.clone()),
        Outcome::Read { forms: 0 } => ("error", "no form found in the file".to_string()),
        Outcome::Read { .. } => match worst {
            None => ("ok", String::new()),
            Some(severity) => {
                let plural = if count == 1 { "" } else { "s" };
                (
                    severity.as_str(),
                    format!(
                        "{count} {} finding{plural}: {}",
                        severity.as_str(),
                        codes.join(", ")
                    ),
                )
            }
        },
    };
    FileRow {
        path: entry.path.clone(),
        form_id: entry.form_ids.clone(),
        format: entry.format.to_string(),
        status: status.to_string(),
        error,
    }
}
