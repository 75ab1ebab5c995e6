//! The cross-department roll-up behind `summary.csv` and the check across files: one
//! entry per (department, year), built up form by form. A run can hold an entry for
//! every form (an archive's decades are all different department-years), so the entries
//! are held in memory only up to [`SPILL_AT`]; then they go to a spool file as a run
//! sorted by key, and the end of the run merges the runs and what is still in memory.
//! Memory stays bounded whatever the number of forms.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use super::tables::BUDGET_KEYS;
use crate::document::Form;
use crate::spool::{write_bytes, Decoder, Merged, Record, SortedRuns};

/// Entries held in memory before they are written out as a sorted run: about 1 MB.
pub(crate) const SPILL_AT: usize = 4_096;

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

    /// Whether the forms are in more than one file.
    pub(crate) fn in_several_files(&self) -> bool {
        self.more.iter().any(|form| form.file != self.first.file)
    }

    /// The files the forms are in, each once, in order.
    pub(crate) fn files(&self) -> Vec<usize> {
        let mut files: Vec<usize> = self.iter().map(|form| form.file).collect();
        files.dedup(); // forms come in file order
        files
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
        // A key is summed within the first group that has it: a later group giving it
        // again (a second table's 合计, the same money by source and by item) is
        // another view of the same money, not more of it.
        let mut counted_in: [Option<&Option<String>>; BUDGET_KEYS.len()] =
            [None; BUDGET_KEYS.len()];
        for line in &form.budget {
            let (Some(key), Some(value)) = (line.key.as_deref(), line.amount.value) else {
                continue;
            };
            if let Some(i) = BUDGET_KEYS.iter().position(|k| *k == key) {
                let group = counted_in[i].get_or_insert(&line.group);
                if *group == &line.group {
                    entry.add(i, value);
                }
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
    /// needed, removed with the summary) whenever `spill_at` of them are held.
    pub(crate) fn spilling_to(path: PathBuf, spill_at: usize) -> Self {
        Summary {
            spill: Some(Spill {
                runs: SortedRuns::new(path),
                spill_at: spill_at.max(1),
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
                spill.runs.push_run(entries.into_iter().map(Ok))
            }
            _ => Ok(()),
        }
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

    /// Every entry in key order: the spooled runs and what is in memory merged. A
    /// department and year claimed by forms in two files or more counts the finding each
    /// of its forms gains at the end of the run (`form.duplicate_department`, see
    /// `OutputDir::cross_file_findings`).
    fn merged(&self) -> io::Result<impl Iterator<Item = io::Result<(Key, DepartmentYear)>> + '_> {
        let held = self.entries.iter().map(|(k, v)| Ok((k.clone(), v.clone())));
        let merged = match &self.spill {
            Some(spill) => spill.runs.merged()?,
            None => Merged::new(Vec::new())?,
        }
        .with(Box::new(held))?;
        Ok(merged.map(|entry| {
            let (key, mut entry) = entry?;
            if !key.0.is_empty() && entry.claimants.in_several_files() {
                entry.totals.findings += entry.claimants.iter().count() as u32;
            }
            Ok((key, entry))
        }))
    }
}

/// Where a [`Summary`] that outgrew memory writes its entries.
#[derive(Debug)]
struct Spill {
    runs: SortedRuns<(Key, DepartmentYear)>,
    /// Entries held before they are written out.
    spill_at: usize,
}

fn damaged(what: &str) -> io::Error {
    io::Error::other(format!("the summary spool is damaged ({what})"))
}

/// A department-year as it goes to the spool: entries of one key from several runs
/// add up.
impl Record for (Key, DepartmentYear) {
    type Key = Key;

    fn key(&self) -> &Key {
        &self.0
    }

    fn absorb(&mut self, later: Self) {
        self.1.merge(later.1);
    }

    /// The department's length and bytes, the year, the totals, the claimants;
    /// integers and floats little-endian (floats bit for bit, so sums read back exactly).
    fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let ((department, year), entry) = self;
        write_bytes(out, department.as_bytes())?;
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

    fn read_from(input: &mut impl Read) -> io::Result<Self> {
        let mut input = Decoder(input);
        let department =
            String::from_utf8(input.bytes()?).map_err(|_| damaged("a name not UTF-8"))?;
        let has_year = input.array::<1>()?[0] != 0;
        let year = i32::from_le_bytes(input.array()?);
        let mut totals = SummaryEntry {
            forms: input.u32()?,
            indicators: input.u32()?,
            findings: input.u32()?,
            given: u16::from_le_bytes(input.array()?),
            amounts: [0.0; AMOUNTS],
        };
        for amount in &mut totals.amounts {
            *amount = f64::from_bits(input.u64()?);
        }
        let claimants = input.u64()?;
        let mut form = || -> io::Result<FormAt> {
            Ok(FormAt {
                ordinal: input.u64()? as usize,
                file: input.u64()? as usize,
            })
        };
        let first = match claimants {
            0 => return Err(damaged("an entry without forms")),
            _ => form()?,
        };
        let more = (1..claimants).map(|_| form()).collect::<io::Result<_>>()?;
        let entry = DepartmentYear {
            totals,
            claimants: Claimants { first, more },
        };
        Ok(((department, has_year.then_some(year)), entry))
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
        let dir = crate::test_support::fresh_dir("summary");
        let mut held = Summary::default();
        let mut spilled = Summary::spilling_to(dir.join("summary.spool"), 3);
        fill(&mut [&mut held, &mut spilled]);
        // Some 200 runs were written (and merged as they grew many: see `spool`).
        assert!(dir.join("summary.spool").exists());
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
        // A department-year claimed from several files counts a finding per form more
        // (the one each gains at the end of the run); one without a department none.
        let findings = |key: usize, department: &str, year: &str| {
            let forms: Vec<usize> = (0..500).filter(|o| o * 7919 % 61 == key).collect();
            let own: usize = forms.iter().map(|o| o % 3).sum();
            let row = rows.iter().find(|r| r[0] == department && r[1] == year);
            let counted = row.unwrap().last().unwrap().parse::<usize>().unwrap();
            (counted, own, forms.len())
        };
        let (counted, own, forms) = findings(3, "部门3", "2023");
        assert_eq!(counted, own + forms);
        let (counted, own, _) = findings(13, "", "2021");
        assert_eq!(counted, own);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_spool_is_an_error_not_a_panic() {
        let dir = crate::test_support::fresh_dir("summary-bad");
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
