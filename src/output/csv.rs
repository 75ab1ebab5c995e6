//! The CSV tables (`--format csv`): one file per table, UTF-8 by default.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use super::encoding::{CsvEncoding, EncodedWriter};
use super::staging::Staging;
use super::tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
};
use super::{Sink, Spooled};
use crate::document::Form;

type Table = csv::Writer<EncodedWriter<BufWriter<File>>>;

/// The CSV tables, open for appending rows.
pub struct CsvSink {
    files: Table,
    /// The per-form tables, in [`FormRows::TABLES`] order: rows arrive rendered, so
    /// these take bytes rather than records.
    per_form: [EncodedWriter<BufWriter<File>>; 6],
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
        let mut open = |name: &str, headers: &[String]| -> io::Result<_> {
            let mut file = EncodedWriter::new(staging.create(name)?, encoding)?;
            file.write_all(&record_bytes(headers)?)?;
            Ok(file)
        };
        let owned = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // serialize() must not add a second header: ours is written above.
        let table = |file| {
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(file)
        };
        let per_form_headers = [
            owned(FORMS_HEADERS),
            owned(BUDGET_HEADERS),
            owned(TASKS_HEADERS),
            IndicatorRow::headers(),
            owned(FINDINGS_HEADERS),
            owned(UNMAPPED_HEADERS),
        ];
        let mut per_form = Vec::with_capacity(6);
        for (name, headers) in FormRows::TABLES.iter().zip(&per_form_headers) {
            per_form.push(open(name, headers)?);
        }
        Ok(CsvSink {
            files: table(open("files.csv", &owned(FILES_HEADERS))?),
            per_form: per_form
                .try_into()
                .map_err(|_| io::Error::other("six per-form tables"))?,
            summary: table(open("summary.csv", &Summary::headers())?),
        })
    }
}

/// One CSV record as bytes.
fn record_bytes(fields: &[String]) -> io::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(fields)?;
    out.into_inner().map_err(|e| e.into_error())
}

/// One form's rows of every per-form table, as UTF-8 CSV, rendered on the worker thread
/// that read the form so that the writer only copies them into the tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormRows {
    bytes: Vec<u8>,
    /// Where each table's rows end in `bytes`, in [`FormRows::TABLES`] order.
    ends: [usize; 6],
}

impl FormRows {
    /// The per-form tables, in the order their rows are kept.
    pub const TABLES: [&'static str; 6] = [
        "forms.csv",
        "budget.csv",
        "tasks.csv",
        "indicators.csv",
        "findings.csv",
        "unmapped.csv",
    ];

    /// Renders `form`'s rows.
    pub fn render(form: &Form) -> io::Result<Self> {
        let mut out = csv::WriterBuilder::new()
            .has_headers(false)
            .flexible(true) // one writer for six tables of different widths
            .buffer_capacity(4 << 10)
            .from_writer(Vec::new());
        let mut ends = [0; 6];
        let mut end_table = |out: &mut csv::Writer<Vec<u8>>, i: usize| -> io::Result<()> {
            out.flush()?;
            ends[i] = out.get_ref().len();
            Ok(())
        };
        out.serialize(FormRow::new(form))?;
        end_table(&mut out, 0)?;
        budget_rows(form).try_for_each(|r| out.serialize(r))?;
        end_table(&mut out, 1)?;
        task_rows(form).try_for_each(|r| out.serialize(r))?;
        end_table(&mut out, 2)?;
        for indicator in &form.indicators {
            out.write_record(IndicatorRow { form, indicator }.fields())?;
        }
        end_table(&mut out, 3)?;
        finding_rows(form).try_for_each(|r| out.serialize(r))?;
        end_table(&mut out, 4)?;
        unmapped_rows(form).try_for_each(|r| out.serialize(r))?;
        end_table(&mut out, 5)?;
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        Ok(FormRows { bytes, ends })
    }

    /// The rows of table `i` (of [`FormRows::TABLES`]).
    pub fn table(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// All the rows, with the table ends: what the spool keeps.
    pub(super) fn parts(&self) -> (&[u8], &[usize; 6]) {
        (&self.bytes, &self.ends)
    }

    /// Rows read back from the spool; `None` unless the ends fit the bytes in order.
    pub(super) fn from_parts(bytes: Vec<u8>, ends: [usize; 6]) -> Option<Self> {
        let ordered = ends.windows(2).all(|w| w[0] <= w[1]);
        (ordered && ends[5] == bytes.len()).then_some(FormRows { bytes, ends })
    }
}

impl Sink for CsvSink {
    fn form(&mut self, form: &Spooled) -> io::Result<()> {
        let rows = form.rendered.csv.as_ref().ok_or_else(|| {
            io::Error::other("internal error: a form reached the CSV writer unrendered")
        })?;
        for (i, table) in self.per_form.iter_mut().enumerate() {
            table.write_all(rows.table(i))?;
        }
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
        this.files.flush()?;
        this.summary.flush()?;
        for table in &mut this.per_form {
            table.flush()?;
        }
        Ok(())
    }
}
