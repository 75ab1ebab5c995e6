//! The cross-department roll-up behind `summary.csv` and the check across files: one
//! entry per (department, year), built up form by form. A run can hold an entry for
//! every form (an archive's decades are all different department-years), so the entries
//! are held in memory only up to [`SPILL_AT`]; then they go to a spool file as a run
//! sorted by key, and the end of the run merges the runs and what is still in memory.
//! Memory stays bounded whatever the number of forms.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use super::tables::BUDGET_KEYS;
use crate::document::Form;

/// Entries held in memory before they are written out as a sorted run: about 3 MB.
pub(crate) const SPILL_AT: usize = 10_000;

/// Runs in the spool before they are merged into one, which bounds the files open (and
/// their buffers) when the runs are read.
const MAX_RUNS: usize = 32;

/// A department and year: the key of the roll-up, in `summary.csv`'s order.
type Key = (String, Option<i32>);

/// The cross-department roll-up: one entry per (department, year), built up form by
/// form so nothing but the totals is held, and which forms claim it (for the check
/// across files: [`Summary::claims`]). One map for both: a run keeps an entry for every
/// department-year, so it keeps each department's name once.
#[derive(Debug, Default)]
pub struct Summary {
    entries: BTreeMap<Key, DepartmentYear>,
    /// Where entries go when the map is full; without it they all stay in memory.
    spill: Option<Spill>,
    /// Findings across files, counted after the forms were added (see
    /// [`Summary::add_finding`]): applied as the entries are read.
    late_findings: HashMap<Key, u32>,
}

/// What a run keeps of one department and year.
#[derive(Clone, Debug)]
struct DepartmentYear {
    totals: SummaryEntry,
    claimants: Claimants,
}

impl DepartmentYear {
    /// Adds the entry of the same key from a later run.
    fn merge(&mut self, later: DepartmentYear) {
        self.totals.merge(&later.totals);
        self.claimants.more.push(later.claimants.first);
        self.claimants.more.extend(later.claimants.more);
    }
}

/// A form, by its position in the output and its file's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FormAt {
    /// Forms written before it.
    pub ordinal: usize,
    /// Files added before its file.
    pub file: usize,
}

/// The forms that claim one department and year. The first is kept inline: most
/// department-years have one form.
#[derive(Clone, Debug)]
pub(crate) struct Claimants {
    first: FormAt,
    more: Vec<FormAt>,
}

impl Claimants {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &FormAt> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

/// One form's totals, or a department-year's: what `summary.csv` adds up. Kept for
/// every department-year of a run, so it is compact: the amounts without `Option`'s
/// padding, and which of them were given in a bit set.
#[derive(Clone, Debug, Default)]
pub struct SummaryEntry {
    forms: u32,
    indicators: u32,
    findings: u32,
    /// Bit `i` set: `amounts[i]` was given (the budget keys, then the tasks' funds).
    given: u16,
    amounts: [f64; AMOUNTS],
}

/// The summed amounts: one per budget key, then the tasks' funds.
const AMOUNTS: usize = 11;
const TASKS_FUNDS: usize = 10;
const _: () = assert!(BUDGET_KEYS.len() == TASKS_FUNDS && AMOUNTS <= 16);

impl SummaryEntry {
    fn add(&mut self, i: usize, value: f64) {
        self.amounts[i] += value;
        self.given |= 1 << i;
    }

    fn amount(&self, i: usize) -> Option<f64> {
        (self.given & (1 << i) != 0).then_some(self.amounts[i])
    }
}

impl SummaryEntry {
    /// One form's totals.
    pub fn of(form: &Form) -> Self {
        let mut entry = SummaryEntry {
            forms: 1,
            indicators: form.indicators.len() as u32,
            findings: form.findings.len() as u32,
            ..Default::default()
        };
        for line in &form.budget {
            let (Some(key), Some(value)) = (line.key.as_deref(), line.amount.value) else {
                continue;
            };
            if let Some(i) = BUDGET_KEYS.iter().position(|k| *k == key) {
                entry.add(i, value);
            }
        }
        for funds in form.tasks.iter().filter_map(|t| t.funds.as_ref()?.value) {
            entry.add(TASKS_FUNDS, funds);
        }
        entry
    }

    fn merge(&mut self, other: &SummaryEntry) {
        self.forms += other.forms;
        for i in 0..AMOUNTS {
            if let Some(v) = other.amount(i) {
                self.add(i, v);
            }
        }
        self.indicators += other.indicators;
        self.findings += other.findings;
    }

    fn fields(&self, department: &str, year: Option<i32>) -> Vec<String> {
        let num = |i| {
            self.amount(i)
                .map(|v| round2(v).to_string())
                .unwrap_or_default()
        };
        let mut out = vec![
            department.to_string(),
            year.map(|y| y.to_string()).unwrap_or_default(),
            self.forms.to_string(),
        ];
        out.extend((0..BUDGET_KEYS.len()).map(num));
        out.push(num(TASKS_FUNDS));
        out.push(self.indicators.to_string());
        out.push(self.findings.to_string());
        out
    }
}

/// Rounds to 0.01 (sums of 万元 amounts carry float noise otherwise).
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Summary {
    /// A summary that writes its entries to a spool file at `path` (created when first
    /// needed) whenever `spill_at` of them are held.
    pub(crate) fn spilling_to(path: PathBuf, spill_at: usize) -> Self {
        Summary {
            spill: Some(Spill {
                path,
                spill_at: spill_at.max(1),
                out: None,
                runs: Vec::new(),
            }),
            ..Default::default()
        }
    }

    /// Adds one form's totals ([`SummaryEntry::of`]) to its department and year, which
    /// the form (`at`) claims.
    pub(crate) fn add(
        &mut self,
        department: &str,
        year: Option<i32>,
        totals: &SummaryEntry,
        at: FormAt,
    ) -> io::Result<()> {
        match self.entries.entry((department.to_string(), year)) {
            std::collections::btree_map::Entry::Occupied(mut entry) => {
                let entry = entry.get_mut();
                entry.totals.merge(totals);
                // Forms without a department claim nothing (see [`Summary::claims`]).
                if !department.is_empty() {
                    entry.claimants.more.push(at);
                }
            }
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(DepartmentYear {
                    totals: totals.clone(),
                    claimants: Claimants {
                        first: at,
                        more: Vec::new(),
                    },
                });
            }
        }
        match &mut self.spill {
            Some(spill) if self.entries.len() >= spill.spill_at => {
                let entries = std::mem::take(&mut self.entries);
                spill.write_run(entries.into_iter().map(Ok))?;
                if spill.runs.len() >= MAX_RUNS {
                    spill.compact()?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Counts one more finding for a department and year that a form was added to (one
    /// found across files).
    pub(crate) fn add_finding(&mut self, department: &str, year: Option<i32>) {
        *self
            .late_findings
            .entry((department.to_string(), year))
            .or_default() += 1;
    }

    /// Each named department and year, with the forms that claim it, in key order.
    pub(crate) fn claims(
        &self,
    ) -> io::Result<impl Iterator<Item = io::Result<(String, Option<i32>, Claimants)>> + '_> {
        Ok(self.merged()?.filter_map(|entry| match entry {
            Ok(((department, _), _)) if department.is_empty() => None,
            Ok(((department, year), entry)) => Some(Ok((department, year, entry.claimants))),
            Err(e) => Some(Err(e)),
        }))
    }

    /// Column names, in order.
    pub fn headers() -> Vec<String> {
        let mut headers: Vec<String> = ["department", "year", "forms"].map(String::from).to_vec();
        headers.extend(BUDGET_KEYS.iter().map(|k| k.to_string()));
        headers.extend(["tasks_funds_wan", "indicators", "findings"].map(String::from));
        headers
    }

    /// Rows sorted by department and year, then a final `TOTAL` row. Made one at a time
    /// as they are written (a province has tens of thousands), read back from the spool
    /// when the entries did not all fit in memory.
    pub fn rows(&self) -> io::Result<impl Iterator<Item = io::Result<Vec<String>>> + '_> {
        let mut entries = self.merged()?;
        let mut total = Some(SummaryEntry::default());
        Ok(std::iter::from_fn(move || match entries.next() {
            Some(Ok(((department, year), entry))) => {
                if let Some(total) = &mut total {
                    total.merge(&entry.totals);
                }
                Some(Ok(entry.totals.fields(&department, year)))
            }
            Some(Err(e)) => Some(Err(e)),
            None => total.take().map(|total| Ok(total.fields("TOTAL", None))),
        }))
    }

    /// Every entry in key order: the spooled runs and what is in memory merged, the
    /// findings counted late added.
    fn merged(&self) -> io::Result<Merged<'_>> {
        let mut sources = match &self.spill {
            Some(spill) => spill.sources()?,
            None => Vec::new(),
        };
        sources.push(Source::Memory(self.entries.iter()));
        Merged::new(sources, Some(&self.late_findings))
    }
}

/// The spool of a [`Summary`] that outgrew memory: sorted runs, one after another.
#[derive(Debug)]
struct Spill {
    path: PathBuf,
    spill_at: usize,
    /// Open once the first run is written.
    out: Option<BufWriter<File>>,
    runs: Vec<RunAt>,
}

/// Where one sorted run lies in the spool.
#[derive(Clone, Copy, Debug)]
struct RunAt {
    offset: u64,
    entries: usize,
}

impl Spill {
    /// Writes `entries` (sorted by key) as the next run at the end of the spool,
    /// flushed, so that readers can open it at once.
    fn write_run(
        &mut self,
        entries: impl Iterator<Item = io::Result<(Key, DepartmentYear)>>,
    ) -> io::Result<()> {
        let out = match &mut self.out {
            Some(out) => out,
            None => self.out.insert(BufWriter::with_capacity(
                64 << 10,
                File::create(&self.path)?,
            )),
        };
        let offset = out.stream_position()?;
        let mut count = 0;
        for entry in entries {
            let ((department, year), entry) = entry?;
            encode(out, &department, year, &entry)?;
            count += 1;
        }
        out.flush()?;
        self.runs.push(RunAt {
            offset,
            entries: count,
        });
        Ok(())
    }

    /// Merges every run into one, written after them (the spool's space is not reused:
    /// each entry is written about twice, once per [`MAX_RUNS`] compactions).
    fn compact(&mut self) -> io::Result<()> {
        let merged = Merged::new(self.sources()?, None)?;
        let runs = std::mem::take(&mut self.runs);
        self.write_run(merged).inspect_err(|_| self.runs = runs)
    }

    /// A reader of each run, in the order they were written.
    fn sources(&self) -> io::Result<Vec<Source<'static>>> {
        self.runs
            .iter()
            .map(|run| self.open(run).map(Source::Run))
            .collect()
    }

    /// A reader of one run.
    fn open(&self, run: &RunAt) -> io::Result<RunReader> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(run.offset))?;
        Ok(RunReader {
            input: BufReader::with_capacity(16 << 10, file),
            left: run.entries,
        })
    }
}

/// Writes one entry: the department's length and bytes, the year, the totals, the
/// claimants; integers and floats little-endian (floats bit for bit, so sums read back
/// exactly as they were).
fn encode(
    out: &mut impl Write,
    department: &str,
    year: Option<i32>,
    entry: &DepartmentYear,
) -> io::Result<()> {
    out.write_all(&(department.len() as u64).to_le_bytes())?;
    out.write_all(department.as_bytes())?;
    out.write_all(&[u8::from(year.is_some())])?;
    out.write_all(&year.unwrap_or(0).to_le_bytes())?;
    let totals = &entry.totals;
    for n in [totals.forms, totals.indicators, totals.findings] {
        out.write_all(&n.to_le_bytes())?;
    }
    out.write_all(&totals.given.to_le_bytes())?;
    for amount in totals.amounts {
        out.write_all(&amount.to_bits().to_le_bytes())?;
    }
    out.write_all(&(entry.claimants.more.len() as u64 + 1).to_le_bytes())?;
    for at in entry.claimants.iter() {
        out.write_all(&(at.ordinal as u64).to_le_bytes())?;
        out.write_all(&(at.file as u64).to_le_bytes())?;
    }
    Ok(())
}

/// Reads back the entries of one run, in the order [`encode`] wrote them.
struct RunReader {
    input: BufReader<File>,
    left: usize,
}

impl RunReader {
    fn next(&mut self) -> io::Result<Option<(Key, DepartmentYear)>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let len = self.u64()? as usize;
        let department = String::from_utf8(self.bytes(len)?)
            .map_err(|_| io::Error::other("the summary spool is damaged (a name not UTF-8)"))?;
        let has_year = self.array::<1>()?[0] != 0;
        let year = i32::from_le_bytes(self.array()?);
        let mut totals = SummaryEntry {
            forms: self.u32()?,
            indicators: self.u32()?,
            findings: self.u32()?,
            given: u16::from_le_bytes(self.array()?),
            amounts: [0.0; AMOUNTS],
        };
        for amount in &mut totals.amounts {
            *amount = f64::from_bits(self.u64()?);
        }
        let claimants = self.u64()? as usize;
        let mut forms = Vec::with_capacity(claimants.min(1 << 16));
        for _ in 0..claimants {
            let ordinal = self.u64()? as usize;
            let file = self.u64()? as usize;
            forms.push(FormAt { ordinal, file });
        }
        let mut forms = forms.into_iter();
        let first = forms.next().ok_or_else(|| {
            io::Error::other("the summary spool is damaged (an entry without forms)")
        })?;
        let entry = DepartmentYear {
            totals,
            claimants: Claimants {
                first,
                more: forms.collect(),
            },
        };
        Ok(Some(((department, has_year.then_some(year)), entry)))
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0; N];
        self.input.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    fn bytes(&mut self, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        (&mut self.input).take(len as u64).read_to_end(&mut bytes)?;
        if bytes.len() != len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(bytes)
    }

    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

/// One sorted source of entries: a spooled run, or the map still in memory.
enum Source<'s> {
    Run(RunReader),
    Memory(std::collections::btree_map::Iter<'s, Key, DepartmentYear>),
}

impl Source<'_> {
    fn next(&mut self) -> io::Result<Option<(Key, DepartmentYear)>> {
        match self {
            Source::Run(run) => run.next(),
            Source::Memory(entries) => Ok(entries.next().map(|(k, v)| (k.clone(), v.clone()))),
        }
    }
}

/// The sources merged by key; entries of one key from several sources are added up in
/// source order, which is the order their forms were added (earlier runs first, memory
/// last).
struct Merged<'s> {
    sources: Vec<Source<'s>>,
    /// Each source's next entry.
    heads: Vec<Option<(Key, DepartmentYear)>>,
    /// Findings to add as entries come out (none while runs are compacted).
    late_findings: Option<&'s HashMap<Key, u32>>,
    /// A read failed: the error was given, nothing more is.
    failed: bool,
}

impl<'s> Merged<'s> {
    fn new(
        mut sources: Vec<Source<'s>>,
        late_findings: Option<&'s HashMap<Key, u32>>,
    ) -> io::Result<Self> {
        let heads = sources
            .iter_mut()
            .map(Source::next)
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Merged {
            sources,
            heads,
            late_findings,
            failed: false,
        })
    }
}

impl Iterator for Merged<'_> {
    type Item = io::Result<(Key, DepartmentYear)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let least = self
            .heads
            .iter()
            .flatten()
            .map(|(key, _)| key)
            .min()?
            .clone();
        let mut merged: Option<(Key, DepartmentYear)> = None;
        for (head, source) in self.heads.iter_mut().zip(&mut self.sources) {
            if head.as_ref().map(|(key, _)| key.cmp(&least)) != Some(Ordering::Equal) {
                continue;
            }
            let Some(taken) = head.take() else { continue };
            match &mut merged {
                Some((_, entry)) => entry.merge(taken.1),
                None => merged = Some(taken),
            }
            match source.next() {
                Ok(next) => *head = next,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        let (key, mut entry) = merged?;
        if let Some(late) = self.late_findings.and_then(|late| late.get(&key)) {
            entry.totals.findings += late;
        }
        Some(Ok((key, entry)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form's totals with amounts derived from `seed`, so that sums differ by key.
    fn totals(seed: usize) -> SummaryEntry {
        let mut entry = SummaryEntry {
            forms: 1,
            indicators: (seed % 7) as u32,
            findings: (seed % 3) as u32,
            ..Default::default()
        };
        entry.add(seed % AMOUNTS, seed as f64 * 0.37);
        entry.add(TASKS_FUNDS, 1.0 / (seed as f64 + 1.0));
        entry
    }

    /// Adds the same forms to both summaries: departments in no order, repeating (so that
    /// one key's forms fall in several runs), some without a department or a year.
    fn fill(summaries: &mut [&mut Summary]) {
        for ordinal in 0..500usize {
            let key = ordinal * 7919 % 61;
            let department = match key % 13 {
                0 => String::new(),
                _ => format!("部门{key}"),
            };
            let year = (key % 5 != 0).then_some(2020 + (key % 4) as i32);
            let at = FormAt {
                ordinal,
                file: ordinal / 2,
            };
            for summary in summaries.iter_mut() {
                summary
                    .add(&department, year, &totals(ordinal), at)
                    .unwrap();
            }
        }
        for summary in summaries.iter_mut() {
            summary.add_finding("部门3", Some(2023));
            summary.add_finding("部门3", Some(2023));
            summary.add_finding("部门9", None);
            summary.add_finding("nobody", None); // no such entry: counts nowhere
        }
    }

    /// A department-year and its claimants' (ordinal, file).
    type Claim = (String, Option<i32>, Vec<(usize, usize)>);

    fn claims(summary: &Summary) -> Vec<Claim> {
        summary
            .claims()
            .unwrap()
            .map(|claim| {
                let (department, year, claimants) = claim.unwrap();
                let forms = claimants.iter().map(|at| (at.ordinal, at.file)).collect();
                (department, year, forms)
            })
            .collect()
    }

    fn rows(summary: &Summary) -> Vec<Vec<String>> {
        summary.rows().unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_summary_spilled_in_runs_reads_back_as_the_one_held_in_memory() {
        let dir = std::env::temp_dir().join(format!("jixiao-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut held = Summary::default();
        let mut spilled = Summary::spilling_to(dir.join("summary.spool"), 3);
        fill(&mut [&mut held, &mut spilled]);
        // Some 200 runs were written: compacted (the first run now lies after the runs
        // it merged), and never more than MAX_RUNS of them.
        let runs = &spilled.spill.as_ref().unwrap().runs;
        assert!(runs.len() > 1 && runs.len() < MAX_RUNS, "{runs:?}");
        assert!(runs[0].offset > 0, "{runs:?}");
        assert!(spilled.entries.len() < 3);

        assert_eq!(rows(&spilled), rows(&held));
        assert_eq!(claims(&spilled), claims(&held));
        let rows = rows(&spilled);
        assert_eq!(
            rows.len(),
            61 + 1,
            "one row per department-year, then TOTAL"
        );
        assert_eq!(rows.last().unwrap()[0], "TOTAL");
        assert_eq!(rows.last().unwrap()[2], "500");
        // Claims keep the order forms came in, across runs.
        for (_, _, forms) in claims(&spilled) {
            assert!(forms.windows(2).all(|w| w[0].0 < w[1].0), "{forms:?}");
        }
        // The late findings reach their department-years (and none that has no entry).
        let row = rows
            .iter()
            .find(|r| r[0] == "部门3" && r[1] == "2023")
            .unwrap();
        let own: usize = (0..500usize)
            .filter(|ordinal| ordinal * 7919 % 61 == 3)
            .map(|ordinal| ordinal % 3)
            .sum();
        assert_eq!(row.last().unwrap(), &(own + 2).to_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_spool_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("jixiao-summary-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("summary.spool");
        let mut spilled = Summary::spilling_to(path.clone(), 2);
        for ordinal in 0..4 {
            let at = FormAt { ordinal, file: 0 };
            let department = format!("部门{ordinal}");
            spilled
                .add(&department, None, &totals(ordinal), at)
                .unwrap();
        }
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
        let read: Result<Vec<_>, _> = spilled.rows().and_then(|rows| rows.collect());
        assert!(read.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
