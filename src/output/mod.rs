//! Writers: form documents into the contract's tables.
//!
//! [`OutputDir`] takes one [`FileReport`] at a time and streams its rows to every
//! table, so memory does not grow with the number of forms. Each table is written
//! under a temporary name and renamed into place by [`OutputDir::finish`]: an
//! interrupted run never leaves half-written tables that look complete.

pub mod tables;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::document::{Form, Severity};
use crate::FileReport;
use tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
};

/// An output format of `jixiao extract --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `forms.jsonl`, one form document per line.
    Json,
    /// The CSV tables.
    Csv,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" | "jsonl" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            "xlsx" | "sqlite" => Err(format!(
                "--format {s} is not available yet (json and csv are)"
            )),
            other => Err(format!("unknown output format {other:?}: use json or csv")),
        }
    }
}

/// A table file being written under a temporary name.
struct PendingFile {
    temp: PathBuf,
    target: PathBuf,
}

impl PendingFile {
    fn create(dir: &Path, name: &str) -> io::Result<(Self, BufWriter<File>)> {
        let temp = dir.join(format!(".{name}.partial"));
        let file = File::create(&temp)?;
        Ok((
            PendingFile {
                temp,
                target: dir.join(name),
            },
            BufWriter::new(file),
        ))
    }
}

type CsvOut = csv::Writer<BufWriter<File>>;

/// The CSV tables, open for appending rows.
struct CsvTables {
    files: CsvOut,
    forms: CsvOut,
    budget: CsvOut,
    tasks: CsvOut,
    indicators: CsvOut,
    findings: CsvOut,
    unmapped: CsvOut,
}

/// An output folder being filled.
pub struct OutputDir {
    dir: PathBuf,
    pending: Vec<PendingFile>,
    json: Option<BufWriter<File>>,
    csv: Option<CsvTables>,
    summary: Summary,
}

impl OutputDir {
    /// Creates `dir` (and parents) and opens the tables of `formats`.
    pub fn create(dir: &Path, formats: &[OutputFormat]) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let mut out = OutputDir {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
            json: None,
            csv: None,
            summary: Summary::default(),
        };
        if formats.contains(&OutputFormat::Json) {
            out.json = Some(out.open("forms.jsonl")?);
        }
        if formats.contains(&OutputFormat::Csv) {
            let mut open_csv =
                |name: &str| -> io::Result<CsvOut> { Ok(csv_writer(out.open(name)?)) };
            let mut tables = CsvTables {
                files: open_csv("files.csv")?,
                forms: open_csv("forms.csv")?,
                budget: open_csv("budget.csv")?,
                tasks: open_csv("tasks.csv")?,
                indicators: open_csv("indicators.csv")?,
                findings: open_csv("findings.csv")?,
                unmapped: open_csv("unmapped.csv")?,
            };
            // Headers are written up front so that an empty table still has its columns.
            tables
                .files
                .write_record(["path", "form_id", "format", "status", "error"])?;
            tables.forms.write_record([
                "form_id",
                "path",
                "department",
                "year",
                "title",
                "form_kind",
                "project_name",
                "budget_lines",
                "tasks",
                "indicators",
                "findings",
                "unmapped",
                "format",
                "sha256",
            ])?;
            tables.budget.write_record([
                "form_id",
                "department",
                "year",
                "group",
                "key",
                "label",
                "amount_wan",
                "raw",
                "at",
                "unit_as_written",
            ])?;
            tables.tasks.write_record([
                "form_id",
                "department",
                "year",
                "seq",
                "name",
                "funds_wan",
                "funds_raw",
                "content",
                "goal",
                "at",
            ])?;
            tables.indicators.write_record(IndicatorRow::headers())?;
            tables.findings.write_record([
                "form_id",
                "department",
                "severity",
                "code",
                "message",
                "at",
            ])?;
            tables
                .unmapped
                .write_record(["form_id", "department", "text", "at"])?;
            out.csv = Some(tables);
        }
        Ok(out)
    }

    fn open(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let (pending, writer) = PendingFile::create(&self.dir, name)?;
        self.pending.push(pending);
        Ok(writer)
    }

    /// Adds one file: its `files.csv` row, and every table's rows for its forms.
    pub fn add(&mut self, report: &FileReport) -> io::Result<()> {
        let row = file_row(report);
        if let Some(csv) = &mut self.csv {
            csv.files.serialize(&row)?;
        }
        if let Ok(forms) = &report.result {
            for form in forms {
                self.add_form(form)?;
            }
        }
        Ok(())
    }

    /// Adds a `files.csv` row for a file that was not read (`skipped`, `duplicate`).
    pub fn add_unread(&mut self, row: &FileRow) -> io::Result<()> {
        if let Some(csv) = &mut self.csv {
            csv.files.serialize(row)?;
        }
        Ok(())
    }

    fn add_form(&mut self, form: &Form) -> io::Result<()> {
        if let Some(json) = &mut self.json {
            serde_json::to_writer(&mut *json, form)?;
            json.write_all(b"\n")?;
        }
        if let Some(csv) = &mut self.csv {
            csv.forms.serialize(FormRow::new(form))?;
            budget_rows(form).try_for_each(|r| csv.budget.serialize(r))?;
            task_rows(form).try_for_each(|r| csv.tasks.serialize(r))?;
            for indicator in &form.indicators {
                csv.indicators
                    .write_record(IndicatorRow { form, indicator }.fields())?;
            }
            finding_rows(form).try_for_each(|r| csv.findings.serialize(r))?;
            unmapped_rows(form).try_for_each(|r| csv.unmapped.serialize(r))?;
        }
        self.summary.add(form);
        Ok(())
    }

    /// Writes `summary.csv`, flushes every table and moves them into place.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(csv) = self.csv.take() {
            let mut summary = csv_writer(self.open("summary.csv")?);
            summary.write_record(Summary::headers())?;
            for row in self.summary.rows() {
                summary.write_record(row)?;
            }
            for mut table in [
                summary,
                csv.files,
                csv.forms,
                csv.budget,
                csv.tasks,
                csv.indicators,
                csv.findings,
                csv.unmapped,
            ] {
                table.flush()?;
            }
        }
        if let Some(mut json) = self.json.take() {
            json.flush()?;
        }
        for pending in &self.pending {
            fs::rename(&pending.temp, &pending.target)?;
        }
        Ok(())
    }
}

/// A CSV writer that leaves the header to us: headers are written explicitly when a
/// table is opened, so an empty table still has them and serialize() must not add more.
fn csv_writer(file: BufWriter<File>) -> CsvOut {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file)
}

/// The `files.csv` row of a file that was read (or failed to be).
pub fn file_row(report: &FileReport) -> FileRow {
    let format = report
        .format
        .map(|f| f.as_str().to_string())
        .unwrap_or_default();
    match &report.result {
        Err(e) => FileRow {
            path: report.path.clone(),
            form_id: String::new(),
            format,
            status: "error".into(),
            error: e.reason(),
        },
        Ok(forms) => {
            let form_id = forms
                .iter()
                .map(|f| f.form_id.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let worst = forms
                .iter()
                .flat_map(|f| &f.findings)
                .map(|f| f.severity)
                .max();
            let (status, error) = match worst {
                _ if forms.is_empty() => ("error", "no form found in the file".to_string()),
                Some(Severity::Error) => ("error", finding_summary(forms, Severity::Error)),
                Some(Severity::Warning) => ("warning", finding_summary(forms, Severity::Warning)),
                _ => ("ok", String::new()),
            };
            FileRow {
                path: report.path.clone(),
                form_id,
                format,
                status: status.into(),
                error,
            }
        }
    }
}

/// `2 warning findings: budget.sum_mismatch, section.missing` — the reason column of a
/// file whose forms were read but have findings.
fn finding_summary(forms: &[Form], severity: Severity) -> String {
    let mut codes: Vec<&str> = Vec::new();
    let mut count = 0;
    for finding in forms
        .iter()
        .flat_map(|f| &f.findings)
        .filter(|f| f.severity == severity)
    {
        count += 1;
        if !codes.contains(&finding.code.as_str()) {
            codes.push(&finding.code);
        }
    }
    format!(
        "{count} {} finding{}: {}",
        severity.as_str(),
        if count == 1 { "" } else { "s" },
        codes.join(", ")
    )
}
