//! The CSV tables (`--format csv`): one file per table, UTF-8 by default.

use std::fs::File;
use std::io::{self, BufWriter};

use super::encoding::{CsvEncoding, EncodedWriter};
use super::staging::Staging;
use super::tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
};
use super::Sink;
use crate::document::Form;

type Table = csv::Writer<EncodedWriter<BufWriter<File>>>;

/// The CSV tables, open for appending rows.
pub struct CsvSink {
    files: Table,
    forms: Table,
    budget: Table,
    tasks: Table,
    indicators: Table,
    findings: Table,
    unmapped: Table,
    summary: Table,
}

/// Column headers of the tables, in the contract's order (additions at the end).
pub const FILES_HEADERS: &[&str] = &["path", "form_id", "format", "status", "error"];
/// `forms.csv` columns.
pub const FORMS_HEADERS: &[&str] = &[
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
];
/// `budget.csv` columns.
pub const BUDGET_HEADERS: &[&str] = &[
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
];
/// `tasks.csv` columns.
pub const TASKS_HEADERS: &[&str] = &[
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
];
/// `findings.csv` columns.
pub const FINDINGS_HEADERS: &[&str] =
    &["form_id", "department", "severity", "code", "message", "at"];
/// `unmapped.csv` columns.
pub const UNMAPPED_HEADERS: &[&str] = &["form_id", "department", "text", "at"];

impl CsvSink {
    /// Opens every table under its temporary name and writes its header (so that an
    /// empty table still names its columns).
    pub fn create(staging: &mut Staging, encoding: CsvEncoding) -> io::Result<Self> {
        let mut open = |name: &str, headers: &[String]| -> io::Result<Table> {
            let file = EncodedWriter::new(staging.create(name)?, encoding)?;
            // serialize() must not add a second header: ours is written here.
            let mut table = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(file);
            table.write_record(headers)?;
            Ok(table)
        };
        let owned = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Ok(CsvSink {
            files: open("files.csv", &owned(FILES_HEADERS))?,
            forms: open("forms.csv", &owned(FORMS_HEADERS))?,
            budget: open("budget.csv", &owned(BUDGET_HEADERS))?,
            tasks: open("tasks.csv", &owned(TASKS_HEADERS))?,
            indicators: open("indicators.csv", &IndicatorRow::headers())?,
            findings: open("findings.csv", &owned(FINDINGS_HEADERS))?,
            unmapped: open("unmapped.csv", &owned(UNMAPPED_HEADERS))?,
            summary: open("summary.csv", &Summary::headers())?,
        })
    }
}

impl Sink for CsvSink {
    fn form(&mut self, form: &Form, _json: &str) -> io::Result<()> {
        self.forms.serialize(FormRow::new(form))?;
        budget_rows(form).try_for_each(|r| self.budget.serialize(r))?;
        task_rows(form).try_for_each(|r| self.tasks.serialize(r))?;
        for indicator in &form.indicators {
            self.indicators
                .write_record(IndicatorRow { form, indicator }.fields())?;
        }
        finding_rows(form).try_for_each(|r| self.findings.serialize(r))?;
        unmapped_rows(form).try_for_each(|r| self.unmapped.serialize(r))?;
        Ok(())
    }

    fn file(&mut self, row: &FileRow) -> io::Result<()> {
        self.files.serialize(row)?;
        Ok(())
    }

    fn finish(self: Box<Self>, summary: &Summary) -> io::Result<()> {
        let mut this = *self;
        for row in summary.rows() {
            this.summary.write_record(row)?;
        }
        for mut table in [
            this.files,
            this.forms,
            this.budget,
            this.tasks,
            this.indicators,
            this.findings,
            this.unmapped,
            this.summary,
        ] {
            table.flush()?;
        }
        Ok(())
    }
}
