//! The CSV tables (`--format csv`): one file per table, UTF-8 by default.
//!
//! The per-form tables are written while the run goes: each form's rows arrive rendered
//! ([`FormRows`]) and are copied in. The two tables a finding across files changes
//! (`forms.csv`, `findings.csv`) remember where each form's rows end, so that the few
//! forms which gain one at the end can be spliced in ([`CsvAmender`]) without writing
//! the other tables again.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use super::encoding::{CsvEncoding, EncodedWriter};
use super::splice::Splice;
use super::staging::Staging;
use super::tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
};
use super::Sink;
use crate::document::Form;
use crate::spool::OffsetLog;

/// A writer that counts the bytes it passes on: where a form's rows end in its table.
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A table's file: encoded, counted, buffered.
type TableFile = EncodedWriter<Counted<BufWriter<File>>>;
/// A table written record by record.
type Table = csv::Writer<TableFile>;

/// The per-form tables a finding across files changes: `forms.csv` (its findings count)
/// and `findings.csv` (a row more), by index in [`FormRows::TABLES`].
const AMENDABLE: [usize; 2] = [0, 4];

/// The CSV tables, open for appending rows.
pub struct CsvSink {
    files: Table,
    /// The per-form tables, in [`FormRows::TABLES`] order: rows arrive rendered, so
    /// these take bytes rather than records.
    per_form: [TableFile; 6],
    summary: Table,
    encoding: CsvEncoding,
    /// For each [`AMENDABLE`] table, its temporary path and where its header ends.
    amendable: [(PathBuf, u64); 2],
    /// Where each form's rows end in the [`AMENDABLE`] tables, in output order: two
    /// numbers a form, on disk.
    form_ends: OffsetLog,
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
    "note",
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
    "extra",
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
        let owned = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut open = |name: &str, headers: &[String]| -> io::Result<_> {
            let counted = Counted {
                inner: staging.create(name)?,
                written: 0,
            };
            let mut file = EncodedWriter::new(counted, encoding)?;
            file.write_all(&record_bytes(headers)?)?;
            Ok(file)
        };
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
        let files = open(super::FILES_CSV, &owned(FILES_HEADERS))?;
        let summary = open(super::SUMMARY_CSV, &Summary::headers())?;
        let per_form: [TableFile; 6] = per_form
            .try_into()
            .map_err(|_| io::Error::other("six per-form tables"))?;
        let amendable = AMENDABLE.map(|i| {
            let path = staging.temp_path(FormRows::TABLES[i]);
            (path, per_form[i].get_ref().written)
        });
        Ok(CsvSink {
            files: table(files),
            per_form,
            summary: table(summary),
            encoding,
            amendable,
            form_ends: OffsetLog::create("csv-form-ends")?,
        })
    }

    /// Appends one form's rows to the per-form tables.
    pub fn add_form(&mut self, rows: &FormRows) -> io::Result<()> {
        for (i, table) in self.per_form.iter_mut().enumerate() {
            table.write_all(rows.table(i))?;
        }
        for i in AMENDABLE {
            self.form_ends.push(self.per_form[i].get_ref().written)?;
        }
        Ok(())
    }

    /// Flushes the per-form tables and starts rewriting the [`AMENDABLE`] ones, for the
    /// forms that gained a finding across files.
    pub fn amender(&mut self) -> io::Result<CsvAmender<'_>> {
        for table in &mut self.per_form {
            table.flush()?;
        }
        let mut tables = Vec::with_capacity(AMENDABLE.len());
        for (path, header_end) in &self.amendable {
            let mut table = Splice::open(path)?;
            table.copy_to(*header_end)?;
            tables.push(table);
        }
        Ok(CsvAmender {
            tables,
            form_ends: &mut self.form_ends,
            encoding: self.encoding,
            next: 0,
        })
    }
}

/// Rewrites the [`AMENDABLE`] tables with some forms' rows replaced, copying the others'
/// bytes (already encoded) as they are.
pub struct CsvAmender<'a> {
    tables: Vec<Splice>,
    form_ends: &'a mut OffsetLog,
    encoding: CsvEncoding,
    /// The next form (by position in the output) not yet copied or replaced.
    next: usize,
}

impl CsvAmender<'_> {
    /// Replaces the rows of form number `form` (in output order; forms must come in
    /// increasing order) with `rows`, copying every form's rows before it unchanged.
    pub fn replace(&mut self, form: usize, rows: &FormRows) -> io::Result<()> {
        if form < self.next || form >= self.form_ends.len() / AMENDABLE.len() {
            return Err(io::Error::other(format!(
                "internal error: form {form} amended out of order"
            )));
        }
        let mut end = |form: usize, slot: usize| -> io::Result<u64> {
            let at = form * AMENDABLE.len() + slot;
            self.form_ends
                .get(at)?
                .ok_or_else(|| io::Error::other("internal error: no such form"))
        };
        for (slot, (table, &i)) in self.tables.iter_mut().zip(&AMENDABLE).enumerate() {
            if form > 0 {
                table.copy_to(end(form - 1, slot)?)?;
            }
            table.skip_to(end(form, slot)?)?;
            let mut encoded = EncodedWriter::continuing(Vec::new(), self.encoding);
            encoded.write_all(rows.table(i))?;
            table.write(encoded.get_ref())?;
        }
        self.next = form + 1;
        Ok(())
    }

    /// Copies the rest and puts the rewritten tables in place of the old ones.
    pub fn finish(self) -> io::Result<()> {
        self.tables.into_iter().try_for_each(Splice::finish)
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
            let fields = IndicatorRow { form, indicator }.fields();
            out.write_record(fields.iter().map(|field| field.as_bytes()))?;
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
}

/// The per-form rows were added as the run went ([`CsvSink::add_form`]); at the end come
/// `files.csv` and `summary.csv`.
impl Sink for CsvSink {
    fn file(&mut self, row: &FileRow) -> io::Result<()> {
        self.files.serialize(row)?;
        Ok(())
    }

    fn finish(self: Box<Self>, summary: &Summary) -> io::Result<()> {
        let mut this = *self;
        for row in summary.rows()? {
            this.summary.write_record(row?)?;
        }
        this.files.flush()?;
        this.summary.flush()?;
        for table in &mut this.per_form {
            table.flush()?;
        }
        Ok(())
    }
}
