//! Writers: form documents into the contract's tables.
//!
//! Each form is rendered on the worker thread that read it ([`Renderer`]: its JSON line
//! and its CSV rows), and [`OutputDir::add_prepared`] appends those bytes to the output
//! files, in path order, as they come, keeping nothing per file in memory (the file
//! records and where they lie go to spools, and the running summary too past 4,096
//! department-years: `src/spool.rs`), and the writing thread only copies bytes.
//! [`OutputDir::finish`] then adds the findings that need every file
//! (`form.duplicate_department`), splicing just the forms that get one into the JSON
//! lines, `forms.csv` and `findings.csv`; gives the documents to the writers that need
//! them (XLSX, SQLite); writes `files.csv` and `summary.csv`; and moves all outputs into
//! place together ([`staging`]): an interrupted run never leaves half-written tables
//! that look complete.

mod csv;
pub mod encoding;
mod files;
mod jsonl;
mod splice;
mod sqlite;
pub mod staging;
mod summary;
pub mod tables;
mod threaded;
mod xlsx;

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::iter::Peekable;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::document::{Finding, Form, Severity};
use crate::formats::Format;
use crate::spool::{temp_path, write_bytes, Decoder, Record, Sorted};
use crate::Error;
pub use encoding::CsvEncoding;
pub use files::RunCounts;
use files::{file_row, FileEntry, FileSpool, FindingTally, Outcome};
use staging::Staging;
use summary::{FormAt, Summary, SummaryEntry};
use tables::FileRow;

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

/// One form made ready for the writers: its JSON line and, when CSV is written, its CSV
/// rows. Made on the worker thread that read the form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// The form document as one line of JSON.
    pub json: String,
    /// Its rows of the per-form CSV tables (when CSV is written).
    pub csv: Option<csv::FormRows>,
}

/// Renders forms for an output folder's formats; a copy goes to every worker thread.
#[derive(Clone, Copy, Debug)]
pub struct Renderer {
    csv: bool,
}

impl Renderer {
    /// The JSON line always (the end of the run reads it back), the CSV rows when CSV is written.
    pub fn render(&self, form: &Form) -> io::Result<Rendered> {
        Ok(Rendered {
            json: serde_json::to_string(form)?,
            csv: self.csv.then(|| csv::FormRows::render(form)).transpose()?,
        })
    }

    /// The form rendered, with the little the writer keeps of it.
    pub fn prepare(&self, form: &Form) -> io::Result<Prepared> {
        let mut tally = FindingTally::default();
        form.findings.iter().for_each(|f| tally.add(f));
        Ok(Prepared {
            rendered: self.render(form)?,
            form_id: form.form_id.clone(),
            department: form.department.clone().unwrap_or_default(),
            year: form.year,
            totals: SummaryEntry::of(form),
            tally,
        })
    }
}

/// A form made ready for the writer on the thread that read it: its rendered bytes and
/// the few facts the run keeps of it (identity, summary totals, findings). The document
/// itself is dropped where it was made, so a run's memory is not scattered over the
/// threads' heaps, and the writer does nothing but copy and add.
#[derive(Clone, Debug)]
pub struct Prepared {
    rendered: Rendered,
    form_id: String,
    department: String,
    year: Option<i32>,
    totals: SummaryEntry,
    tally: FindingTally,
}

/// A writer of the finished run: one per output format but JSON (whose lines are
/// written as forms come), fed at the end.
pub trait Sink {
    /// Whether this sink reads the documents themselves: they are parsed back from the
    /// JSON lines only for such sinks.
    fn reads_forms(&self) -> bool {
        false
    }
    /// One form, in output order (only for a sink that [`Sink::reads_forms`]). Shared:
    /// every such sink gets the same document, and one on another thread keeps it.
    fn form(&mut self, _form: &Arc<Form>) -> io::Result<()> {
        Ok(())
    }
    /// One input file's row, in path order.
    fn file(&mut self, row: &FileRow) -> io::Result<()>;
    /// Last: the cross-department summary; flush everything.
    fn finish(self: Box<Self>, summary: &Summary) -> io::Result<()>;
}

/// How many other files a `form.duplicate_department` message names.
const MAX_NAMED_CLAIMS: usize = 3;

/// Findings across files held in memory before they are sorted to disk.
const HELD_AMENDMENTS: usize = 4_096;

/// A finding across files that one form gains at the end of the run.
#[derive(Clone, Debug)]
struct Amendment {
    /// The form, by its position in the output.
    ordinal: usize,
    /// The form's file, whose status the finding may change.
    file: usize,
    finding: Finding,
}

/// Amendments are sorted by form (a form gains one at most: it claims one department and
/// year); on disk, the finding as JSON.
impl Record for Amendment {
    type Key = usize;

    fn key(&self) -> &usize {
        &self.ordinal
    }

    fn absorb(&mut self, _later: Self) {}

    fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&(self.ordinal as u64).to_le_bytes())?;
        out.write_all(&(self.file as u64).to_le_bytes())?;
        write_bytes(out, &serde_json::to_vec(&self.finding)?)
    }

    fn read_from(input: &mut impl Read) -> io::Result<Self> {
        let mut input = Decoder(input);
        let ordinal = input.u64()? as usize;
        let file = input.u64()? as usize;
        let finding = serde_json::from_slice(&input.bytes()?)?;
        Ok(Amendment {
            ordinal,
            file,
            finding,
        })
    }
}

/// An output folder being filled.
pub struct OutputDir {
    staging: Staging,
    options: OutputOptions,
    renderer: Renderer,
    /// The forms' JSON lines: `forms.jsonl` when JSON is written, else a temporary file
    /// kept for the end of the run (see [`jsonl`]).
    json_lines: BufWriter<File>,
    json_lines_path: PathBuf,
    /// The CSV tables, when CSV is written.
    csv: Option<csv::CsvSink>,
    files: FileSpool,
    /// Forms added so far: the position the next one gets.
    forms_added: usize,
    summary: Summary,
}

/// The form documents, one JSON line each (`--format json`).
pub(crate) const FORMS_JSONL: &str = "forms.jsonl";
/// One row per input file (`--format csv`).
pub(crate) const FILES_CSV: &str = "files.csv";
/// One row per department and year (`--format csv`).
pub(crate) const SUMMARY_CSV: &str = "summary.csv";
/// The tables as sheets (`--format xlsx`).
pub(crate) const WORKBOOK: &str = "jixiao.xlsx";
/// The tables in a database (`--format sqlite`).
pub(crate) const DATABASE: &str = "jixiao.sqlite";

/// Whether `name` is that of a file a run writes into its output folder: a later run
/// that reads the folder must not take its own tables for forms.
pub fn is_output_name(name: &str) -> bool {
    csv::FormRows::TABLES.contains(&name)
        || [FORMS_JSONL, FILES_CSV, SUMMARY_CSV, WORKBOOK, DATABASE].contains(&name)
}

/// Name of the JSON lines file kept when JSON is not written.
const FORMS_SPOOL: &str = "forms.spool.jsonl";
/// Name of the file records' spool.
const FILES_SPOOL: &str = "files.spool.jsonl";

impl OutputDir {
    /// Creates `dir` (and parents) and opens the outputs written as forms come.
    pub fn create(dir: &Path, options: OutputOptions) -> io::Result<Self> {
        let mut staging = Staging::new(dir)?;
        let (json_lines, json_lines_path) = if options.formats.contains(&OutputFormat::Json) {
            let file = staging.create(FORMS_JSONL)?;
            (file, staging.temp_path(FORMS_JSONL))
        } else {
            let path = staging.scratch(FORMS_SPOOL);
            let file = BufWriter::with_capacity(256 << 10, File::create(&path)?);
            (file, path)
        };
        let csv = if options.formats.contains(&OutputFormat::Csv) {
            Some(csv::CsvSink::create(&mut staging, options.csv_encoding)?)
        } else {
            None
        };
        let renderer = Renderer { csv: csv.is_some() };
        let files = FileSpool::create(&staging.scratch(FILES_SPOOL))?;
        let summary = Summary::spilling_to(temp_path("summary"), summary::SPILL_AT);
        Ok(OutputDir {
            staging,
            options,
            renderer,
            json_lines,
            json_lines_path,
            csv,
            files,
            forms_added: 0,
            summary,
        })
    }

    /// How many files have been added so far: the number the next one gets.
    pub fn files_added(&self) -> usize {
        self.files.len()
    }

    /// What renders forms for this folder, to use on the threads that read them.
    pub fn renderer(&self) -> Renderer {
        self.renderer
    }

    /// Adds one file: its forms, prepared by [`OutputDir::renderer`] (the batch prepares
    /// them on its worker threads), are appended to the outputs; or the error that
    /// stopped the file from being read.
    pub fn add_prepared(
        &mut self,
        path: &str,
        format: Option<Format>,
        result: Result<Vec<Prepared>, &Error>,
    ) -> io::Result<()> {
        let format = format.map_or("", |f| f.as_str()).to_string();
        let (form_ids, outcome) = match result {
            Err(e) => (
                String::new(),
                Outcome::NotRead {
                    status: "error".into(),
                    reason: e.reason(),
                },
            ),
            Ok(forms) => {
                let file = self.files.len();
                let mut tally = FindingTally::default();
                let mut ids = Vec::with_capacity(forms.len());
                for form in &forms {
                    self.json_lines.write_all(form.rendered.json.as_bytes())?;
                    self.json_lines.write_all(b"\n")?;
                    if let Some(csv) = &mut self.csv {
                        let rows = form.rendered.csv.as_ref().ok_or_else(|| {
                            io::Error::other("internal error: a form came without its CSV rows")
                        })?;
                        csv.add_form(rows)?;
                    }
                    let at = FormAt {
                        ordinal: self.forms_added,
                        file,
                    };
                    self.summary
                        .add(&form.department, form.year, &form.totals, at)?;
                    self.forms_added += 1;
                    tally.merge(&form.tally);
                    ids.push(form.form_id.as_str());
                }
                let ids = ids.join(" ");
                let forms = forms.len();
                (ids, Outcome::Read { forms, tally })
            }
        };
        self.files.push(&FileEntry {
            path: path.to_string(),
            format,
            form_ids,
            outcome,
        })
    }

    /// Adds a file that was not read because it is not a form file (`skipped`), with
    /// the reason.
    pub fn add_skipped(&mut self, path: &str, reason: String) -> io::Result<()> {
        self.files.push(&FileEntry {
            path: path.to_string(),
            format: String::new(),
            form_ids: String::new(),
            outcome: Outcome::NotRead {
                status: "skipped".into(),
                reason,
            },
        })
    }

    /// Adds a file with the same bytes as file number `first` (counting from 0 in the
    /// order files were added, see [`OutputDir::files_added`]): a `duplicate` naming the
    /// first, with its forms.
    pub fn add_copy(&mut self, path: &str, first: usize) -> io::Result<()> {
        let original = self.files.get(first)?;
        self.files.push(&FileEntry {
            path: path.to_string(),
            format: original.format,
            form_ids: original.form_ids,
            outcome: Outcome::NotRead {
                status: "duplicate".into(),
                reason: format!("same bytes as {}", original.path),
            },
        })
    }

    /// Findings that need every file: two different files claiming the same department
    /// and year, sorted by the form's position in the output.
    fn cross_file_findings(&mut self) -> io::Result<Sorted<Amendment>> {
        let mut findings = Sorted::new("findings", HELD_AMENDMENTS);
        for claim in self.summary.claims()? {
            let (department, year, claimants) = claim?;
            if !claimants.in_several_files() {
                continue;
            }
            let files = claimants.files();
            // One finding shared by every form of the group (it names the same files for
            // each), and only a few of them: a thousand copies of one department would
            // otherwise make a thousand messages each a thousand paths long.
            let mut named = Vec::with_capacity(MAX_NAMED_CLAIMS);
            for &file in files.iter().take(MAX_NAMED_CLAIMS) {
                named.push(self.files.get(file)?.path);
            }
            let more = match files.len().saturating_sub(MAX_NAMED_CLAIMS) {
                0 => String::new(),
                more => format!(" and {more} more"),
            };
            let year = year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "(no year)".into());
            let finding = Finding::new(
                Severity::Warning,
                "form.duplicate_department",
                format!(
                    "{department} {year} is claimed by {} files: {}{more}",
                    files.len(),
                    named.join(", ")
                ),
                None,
            );
            for form in claimants.iter() {
                findings.push(Amendment {
                    ordinal: form.ordinal,
                    file: form.file,
                    finding: finding.clone(),
                })?;
            }
        }
        findings.finish()?;
        Ok(findings)
    }

    /// Adds the findings across files, feeds every sink, writes `files.csv` and
    /// `summary.csv`, and moves every output into place. Returns how the files ended.
    pub fn finish(mut self) -> io::Result<RunCounts> {
        self.json_lines.flush()?;
        let amendments = self.cross_file_findings()?;
        if amendments.len() > 0 {
            self.amend(&amendments)?;
        }
        // In the order of the forms, so in the order of their files too.
        let mut amended = amendments.iter()?.peekable();
        let mut sinks: Vec<Box<dyn Sink + Send>> = Vec::new();
        if let Some(csv) = self.csv.take() {
            sinks.push(Box::new(csv));
        }
        if self.options.formats.contains(&OutputFormat::Xlsx) {
            sinks.push(Box::new(xlsx::XlsxSink::create(&mut self.staging)?));
        }
        if self.options.formats.contains(&OutputFormat::Sqlite) {
            // Written in place inside one transaction, not staged: see [`sqlite`].
            let path = self.staging.temp_path(DATABASE);
            sinks.push(Box::new(sqlite::SqliteSink::open(
                &path.with_file_name(DATABASE),
            )?));
        }

        let mut documents = if sinks.iter().any(|sink| sink.reads_forms()) {
            Some(jsonl::Forms::open(&self.json_lines_path)?)
        } else {
            None
        };
        let summary = &self.summary;
        let records = self.files.records()?;
        let counts = std::thread::scope(|scope| -> io::Result<RunCounts> {
            // With more than one sink that reads documents (XLSX and SQLite), each gets a
            // thread of its own instead of taking turns on this one.
            let threaded = sinks.iter().filter(|sink| sink.reads_forms()).count() > 1;
            let mut sinks: Vec<Box<dyn Sink + Send + '_>> = sinks
                .into_iter()
                .map(|sink| match threaded && sink.reads_forms() {
                    true => Box::new(threaded::Threaded::spawn(scope, sink, summary)) as Box<_>,
                    false => sink,
                })
                .collect();
            let mut counts = RunCounts::default();
            for (file, entry) in records.enumerate() {
                let mut entry = entry?;
                let findings = findings_of_file(&mut amended, file)?;
                if let Outcome::Read { tally, .. } = &mut entry.outcome {
                    findings.iter().for_each(|finding| tally.add(finding));
                }
                if let (Some(documents), Outcome::Read { forms, .. }) =
                    (&mut documents, &entry.outcome)
                {
                    for _ in 0..*forms {
                        let form = documents.next().ok_or_else(|| {
                            io::Error::other("the JSON lines ended before the last form")
                        })??;
                        let form = Arc::new(form);
                        for sink in sinks.iter_mut().filter(|sink| sink.reads_forms()) {
                            sink.form(&form)?;
                        }
                    }
                }
                let row = file_row(&entry);
                counts.count(&row, &entry.outcome);
                for sink in &mut sinks {
                    sink.file(&row)?;
                }
            }
            for sink in sinks {
                sink.finish(summary)?;
            }
            Ok(counts)
        })?;
        drop(documents);
        self.staging.commit()?;
        Ok(counts)
    }

    /// Adds each finding across files to its form: in the JSON lines, `forms.csv` and
    /// `findings.csv` (rewritten, the other forms' bytes copied). (The file's status
    /// takes it when the file records are read, the summary counts it itself.)
    fn amend(&mut self, amendments: &Sorted<Amendment>) -> io::Result<()> {
        let mut json_lines = jsonl::Amender::open(&self.json_lines_path)?;
        let mut csv = self.csv.as_mut().map(|csv| csv.amender()).transpose()?;
        for amendment in amendments.iter()? {
            let Amendment {
                ordinal, finding, ..
            } = amendment?;
            let mut form = json_lines.take(ordinal)?;
            form.findings.push(finding);
            let rendered = self.renderer.render(&form)?;
            json_lines.put(&rendered.json)?;
            if let (Some(csv), Some(rows)) = (&mut csv, &rendered.csv) {
                csv.replace(ordinal, rows)?;
            }
        }
        json_lines.finish()?;
        if let Some(csv) = csv {
            csv.finish()?;
        }
        Ok(())
    }
}

/// The findings across files of file `file`, taken from the front of `amended` (in the
/// order of the forms, so of their files).
fn findings_of_file(
    amended: &mut Peekable<impl Iterator<Item = io::Result<Amendment>>>,
    file: usize,
) -> io::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    // An error is taken too, and returned.
    while let Some(next) = amended.next_if(|a| a.as_ref().map_or(true, |a| a.file == file)) {
        findings.push(next?.finding);
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amendment_reads_back_from_its_spool_as_written() {
        let amendment = Amendment {
            ordinal: 1 << 40,
            file: 7,
            finding: Finding {
                severity: Severity::Warning,
                code: "form.duplicate_department".into(),
                message: "甲局 2024 is claimed by 2 files: a.xlsx, b\n.docx".into(),
                at: None,
            },
        };
        let mut bytes = Vec::new();
        amendment.write_to(&mut bytes).unwrap();
        let read = Amendment::read_from(&mut bytes.as_slice()).unwrap();
        assert_eq!(
            (read.ordinal, read.file),
            (amendment.ordinal, amendment.file)
        );
        assert_eq!(read.finding, amendment.finding);
        assert!(Amendment::read_from(&mut &bytes[..bytes.len() - 1]).is_err());
    }

    /// Forms of a department and year that several files claim gain a finding at the
    /// end, spliced into the outputs already written: each must read exactly as if it
    /// had been rendered with the finding, in every CSV encoding, and no other form's
    /// bytes may move.
    #[test]
    fn forms_amended_at_the_end_read_as_if_rendered_with_their_finding() {
        let seed = include_str!("../../fixtures/guangzhou-2024-text/input.txt");
        // Files 0, 2 and 5 claim one department; file 3 holds two forms of another.
        let departments = ["甲局", "乙局", "甲局", "丙局", "丁局", "甲局"];
        let options = crate::ExtractOptions::new();
        let mut originals = Vec::new();
        for (i, department) in departments.iter().enumerate() {
            let mut text = seed.replace("广州市司法局", department);
            if i == 3 {
                text = format!("{text}\n{}", seed.replace("广州市司法局", "戊局"));
            }
            let report =
                crate::pipeline::extract_bytes(text.as_bytes(), &format!("{i}.txt"), &options);
            originals.push(report.result.unwrap());
        }
        assert_eq!(
            originals[3].len(),
            2,
            "the fixture must make two forms of file 3"
        );
        let claimed: Vec<bool> = departments
            .iter()
            .enumerate()
            .flat_map(|(i, d)| vec![*d == "甲局"; originals[i].len()])
            .collect();

        for encoding in [
            CsvEncoding::Utf8,
            CsvEncoding::Utf8Bom,
            CsvEncoding::Gb18030,
        ] {
            let dir = std::env::temp_dir()
                .join(format!("jixiao-amend-{encoding:?}-{}", std::process::id()));
            let formats = vec![OutputFormat::Json, OutputFormat::Csv];
            let mut out = OutputDir::create(
                &dir,
                OutputOptions {
                    formats,
                    csv_encoding: encoding,
                },
            )
            .unwrap();
            let renderer = out.renderer();
            for (i, forms) in originals.iter().enumerate() {
                let prepared = forms.iter().map(|f| renderer.prepare(f).unwrap()).collect();
                out.add_prepared(&format!("{i}.txt"), Some(Format::Text), Ok(prepared))
                    .unwrap();
            }
            out.finish().unwrap();

            let written: Vec<Form> = std::fs::read_to_string(dir.join("forms.jsonl"))
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            let originals: Vec<&Form> = originals.iter().flatten().collect();
            assert_eq!(written.len(), originals.len());
            for ((form, original), claimed) in written.iter().zip(&originals).zip(&claimed) {
                let (before, added) = form.findings.split_at(original.findings.len());
                assert_eq!(before, &original.findings[..]);
                let codes: Vec<&str> = added.iter().map(|f| f.code.as_str()).collect();
                let expected: &[&str] = if *claimed {
                    &["form.duplicate_department"]
                } else {
                    &[]
                };
                assert_eq!(codes, expected, "{}", form.form_id);
            }
            for (table, name) in [(0, "forms.csv"), (4, "findings.csv")] {
                let bytes = std::fs::read(dir.join(name)).unwrap();
                let text = match encoding {
                    CsvEncoding::Gb18030 => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
                    _ => String::from_utf8(bytes).unwrap(),
                };
                let mut expected = String::new();
                for form in &written {
                    let rows = csv::FormRows::render(form).unwrap();
                    expected += std::str::from_utf8(rows.table(table)).unwrap();
                }
                let body = text.split_once('\n').unwrap().1;
                assert_eq!(body, expected, "{name} in {encoding:?}");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
