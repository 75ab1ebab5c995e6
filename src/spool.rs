//! Temporary files for what a run must keep of every file or form, so that its memory
//! does not grow with their number. [`SortedRuns`]: records gathered in memory up to a
//! bound, written out as a run sorted by key, and merged by key when read back; records
//! with the same key in several runs are combined in run order ([`Record::absorb`]),
//! which is the order they came in (the summary's department-years). [`Sorted`]: an
//! external sort on those runs (the input list, the findings across files).
//! [`OffsetLog`]: numbers read back by position (where records lie). All of them live
//! in the temporary folder ([`temp_path`], [`create_temp`]).

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs kept before they are merged into one, which bounds the files open (and their
/// buffers) when they are read.
const MAX_RUNS: usize = 32;

/// A new path in the temporary folder for a spool of `what`, unique in the process.
pub(crate) fn temp_path(what: &str) -> PathBuf {
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let n = MADE.fetch_add(1, Ordering::Relaxed);
    let name = format!("jixiao-{what}-{}-{n}.spool", std::process::id());
    std::env::temp_dir().join(name)
}

/// Opens (creates) temporary file `path` with `options`; an error names the file and
/// how to choose another folder.
pub(crate) fn create_temp(path: &Path, options: &OpenOptions) -> io::Result<File> {
    options.open(path).map_err(|e| {
        let path = path.display();
        let detail =
            format!("cannot create the temporary file {path} (TMPDIR sets the folder): {e}");
        io::Error::new(e.kind(), detail)
    })
}

/// What a spool holds: written and read back in a binary form of its own, ordered by a
/// key, and combined with a later record of the same key.
pub(crate) trait Record: Sized {
    type Key: Ord + ?Sized;
    fn key(&self) -> &Self::Key;
    /// Takes in a later record with the same key.
    fn absorb(&mut self, later: Self);
    fn write_to(&self, out: &mut impl Write) -> io::Result<()>;
    fn read_from(input: &mut impl Read) -> io::Result<Self>;
}

/// Sorted runs, one after another in one file (created when the first is written,
/// removed when they are dropped).
#[derive(Debug)]
pub(crate) struct SortedRuns<T> {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    runs: Vec<RunAt>,
    records: PhantomData<T>,
}

/// Where one run lies in the file.
#[derive(Clone, Copy, Debug)]
struct RunAt {
    offset: u64,
    records: usize,
}

impl<T: Record + 'static> SortedRuns<T> {
    /// Runs to be written at `path`.
    pub fn new(path: PathBuf) -> Self {
        SortedRuns {
            path,
            out: None,
            runs: Vec::new(),
            records: PhantomData,
        }
    }

    /// Writes `records`, sorted by key, as the next run (flushed, so that it can be read
    /// at once); past [`MAX_RUNS`], merges all runs into one.
    pub fn push_run(&mut self, records: impl Iterator<Item = io::Result<T>>) -> io::Result<()> {
        self.write_run(records)?;
        if self.runs.len() >= MAX_RUNS {
            self.merge_into_one()?;
        }
        Ok(())
    }

    /// Every run's records, merged by key.
    pub fn merged(&self) -> io::Result<Merged<'static, T>> {
        let sources = self
            .runs
            .iter()
            .map(|run| self.open(run).map(|r| Box::new(r) as Source<'static, T>))
            .collect::<io::Result<Vec<_>>>()?;
        Merged::new(sources)
    }

    /// Merges all runs into one, written after them (the space of the old runs is not
    /// reused: a record is written about twice, once per [`MAX_RUNS`] merges).
    pub fn merge_into_one(&mut self) -> io::Result<()> {
        let merged = self.merged()?;
        let runs = std::mem::take(&mut self.runs);
        self.write_run(merged).inspect_err(|_| self.runs = runs)
    }

    /// Records in the runs (one per key once they are merged into one).
    pub fn records(&self) -> usize {
        self.runs.iter().map(|run| run.records).sum()
    }

    fn write_run(&mut self, records: impl Iterator<Item = io::Result<T>>) -> io::Result<()> {
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                let file = create_temp(
                    &self.path,
                    File::options().write(true).create(true).truncate(true),
                )?;
                self.out.insert(BufWriter::with_capacity(64 << 10, file))
            }
        };
        let offset = out.stream_position()?;
        let mut count = 0;
        for record in records {
            record?.write_to(out)?;
            count += 1;
        }
        out.flush()?;
        self.runs.push(RunAt {
            offset,
            records: count,
        });
        Ok(())
    }

    fn open(&self, run: &RunAt) -> io::Result<RunReader<T>> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(run.offset))?;
        Ok(RunReader {
            input: BufReader::with_capacity(16 << 10, file),
            left: run.records,
            records: PhantomData,
        })
    }
}

impl<T> Drop for SortedRuns<T> {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Records sorted by key, each key once (records of one key combined in the order they
/// were pushed): held in memory up to `hold`, past that sorted in runs on disk (in the
/// temporary folder, removed when dropped) and merged into one by [`Sorted::finish`].
#[derive(Debug)]
pub(crate) struct Sorted<T> {
    held: Vec<T>,
    runs: Option<SortedRuns<T>>,
    /// Records held before a run is written.
    hold: usize,
    /// What the spool holds, for its file's name.
    what: &'static str,
}

impl<T: Record + Clone + 'static> Sorted<T> {
    /// An empty sort of `what`, holding `hold` records in memory.
    pub fn new(what: &'static str, hold: usize) -> Self {
        Sorted {
            held: Vec::new(),
            runs: None,
            hold: hold.max(1),
            what,
        }
    }

    pub fn push(&mut self, record: T) -> io::Result<()> {
        self.held.push(record);
        if self.held.len() >= self.hold {
            let what = self.what;
            let runs = self
                .runs
                .get_or_insert_with(|| SortedRuns::new(temp_path(what)));
            let run = sorted_combined(std::mem::take(&mut self.held));
            runs.push_run(run.into_iter().map(Ok))?;
        }
        Ok(())
    }

    /// Sorts what was pushed: in memory, or by merging the runs into one.
    pub fn finish(&mut self) -> io::Result<()> {
        self.held = sorted_combined(std::mem::take(&mut self.held));
        match &mut self.runs {
            None => Ok(()),
            Some(runs) => {
                let run = std::mem::take(&mut self.held);
                runs.push_run(run.into_iter().map(Ok))?;
                runs.merge_into_one()
            }
        }
    }

    /// How many records, one per key (after [`Sorted::finish`]).
    pub fn len(&self) -> usize {
        match &self.runs {
            None => self.held.len(),
            Some(runs) => runs.records(),
        }
    }

    /// Whether the records went to disk.
    #[cfg(test)]
    pub fn spilled(&self) -> bool {
        self.runs.is_some()
    }

    /// The records in key order (after [`Sorted::finish`]); read from disk when they
    /// went there (whence the errors).
    pub fn iter(&self) -> io::Result<Box<dyn Iterator<Item = io::Result<T>> + '_>> {
        Ok(match &self.runs {
            Some(runs) => Box::new(runs.merged()?),
            None => Box::new(self.held.iter().cloned().map(Ok)),
        })
    }
}

/// `records` sorted by key (stably), those of one key combined in order.
fn sorted_combined<T: Record>(mut records: Vec<T>) -> Vec<T> {
    records.sort_by(|a, b| a.key().cmp(b.key()));
    let mut combined: Vec<T> = Vec::with_capacity(records.len());
    for record in records {
        match combined.last_mut() {
            Some(last) if last.key() == record.key() => last.absorb(record),
            _ => combined.push(record),
        }
    }
    combined
}

/// Numbers appended in order and read back by position: where each record of a spool
/// starts, 8 bytes a record in a temporary file (removed when dropped) rather than in
/// memory.
pub(crate) struct OffsetLog {
    out: BufWriter<File>,
    path: PathBuf,
    len: usize,
    /// Opened at the first read, and where it is: reads mostly go forward (the CSV
    /// amender's do), so most are served from its buffer.
    reader: Option<(BufReader<File>, u64)>,
}

impl OffsetLog {
    /// A new, empty log of `what` in the temporary folder.
    pub fn create(what: &str) -> io::Result<Self> {
        let path = temp_path(what);
        let file = create_temp(
            &path,
            OpenOptions::new().read(true).write(true).create_new(true),
        )?;
        Ok(OffsetLog {
            out: BufWriter::with_capacity(16 << 10, file),
            path,
            len: 0,
            reader: None,
        })
    }

    pub fn push(&mut self, offset: u64) -> io::Result<()> {
        self.out.write_all(&offset.to_le_bytes())?;
        self.len += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Number `index`, if that many were pushed.
    pub fn get(&mut self, index: usize) -> io::Result<Option<u64>> {
        if index >= self.len {
            return Ok(None);
        }
        self.out.flush()?;
        let (reader, at) = match &mut self.reader {
            Some(open) => open,
            None => self
                .reader
                .insert((BufReader::new(File::open(&self.path)?), 0)),
        };
        let wanted = index as u64 * 8;
        let mut bytes = [0u8; 8];
        let read = match wanted.checked_sub(*at) {
            // The file only grows, so what the buffer holds is still what is on disk.
            Some(ahead) => reader.seek_relative(ahead as i64),
            None => reader.seek(SeekFrom::Start(wanted)).map(drop),
        }
        .and_then(|()| reader.read_exact(&mut bytes));
        match read {
            Ok(()) => *at = wanted + 8,
            // Where the reader stopped is not known: open it again next time.
            Err(e) => {
                self.reader = None;
                return Err(e);
            }
        }
        Ok(Some(u64::from_le_bytes(bytes)))
    }
}

impl Drop for OffsetLog {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `bytes` after their length, for [`Decoder::bytes`].
pub(crate) fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

/// Reads back what a [`Record::write_to`] wrote: little-endian numbers, byte strings
/// after their length.
pub(crate) struct Decoder<'r, R>(pub &'r mut R);

impl<R: Read> Decoder<'_, R> {
    pub fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0; N];
        self.0.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// What [`write_bytes`] wrote.
    pub fn bytes(&mut self) -> io::Result<Vec<u8>> {
        let len = self.u64()?;
        let mut bytes = Vec::new();
        (&mut *self.0).take(len).read_to_end(&mut bytes)?;
        match bytes.len() as u64 == len {
            true => Ok(bytes),
            false => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

/// The records of one run, read back in order.
struct RunReader<T> {
    input: BufReader<File>,
    left: usize,
    records: PhantomData<T>,
}

impl<T: Record> Iterator for RunReader<T> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(T::read_from(&mut self.input))
    }
}

/// A sorted source of records for [`Merged`].
pub(crate) type Source<'s, T> = Box<dyn Iterator<Item = io::Result<T>> + 's>;

/// Sorted sources merged by key; records of one key are combined in source order.
pub(crate) struct Merged<'s, T> {
    sources: Vec<Source<'s, T>>,
    /// Each source's next record.
    heads: Vec<Option<T>>,
    /// A read failed: the error was given, nothing more is.
    failed: bool,
}

impl<'s, T: Record> Merged<'s, T> {
    /// `sources`, each sorted by key, in the order their records came.
    pub fn new(mut sources: Vec<Source<'s, T>>) -> io::Result<Self> {
        let heads = sources
            .iter_mut()
            .map(|source| source.next().transpose())
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Merged {
            sources,
            heads,
            failed: false,
        })
    }

    /// Adds a source after the others (its records come last among equals).
    pub fn with(mut self, mut source: Source<'s, T>) -> io::Result<Self> {
        self.heads.push(source.next().transpose()?);
        self.sources.push(source);
        Ok(self)
    }
}

impl<T: Record> Iterator for Merged<'_, T> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // The first source holding the least key: its record comes first.
        let first = (0..self.heads.len())
            .filter(|&i| self.heads[i].is_some())
            .min_by(|&a, &b| {
                let key = |i: usize| self.heads[i].as_ref().map(Record::key);
                key(a).cmp(&key(b))
            })?;
        let mut merged = self.heads[first].take()?;
        for i in first..self.heads.len() {
            if i > first {
                match &self.heads[i] {
                    Some(head) if head.key() == merged.key() => {}
                    _ => continue,
                }
                if let Some(head) = self.heads[i].take() {
                    merged.absorb(head);
                }
            }
            match self.sources[i].next().transpose() {
                Ok(next) => self.heads[i] = next,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        Some(Ok(merged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key and the order numbers of the records combined under it.
    #[derive(Debug, PartialEq)]
    struct Tally(u32, Vec<u32>);

    impl Record for Tally {
        type Key = u32;
        fn key(&self) -> &u32 {
            &self.0
        }
        fn absorb(&mut self, later: Self) {
            self.1.extend(later.1);
        }
        fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
            out.write_all(&self.0.to_le_bytes())?;
            out.write_all(&(self.1.len() as u32).to_le_bytes())?;
            self.1
                .iter()
                .try_for_each(|n| out.write_all(&n.to_le_bytes()))
        }
        fn read_from(input: &mut impl Read) -> io::Result<Self> {
            let mut word = || -> io::Result<u32> {
                let mut bytes = [0; 4];
                input.read_exact(&mut bytes)?;
                Ok(u32::from_le_bytes(bytes))
            };
            let key = word()?;
            let count = word()?;
            let order = (0..count).map(|_| word()).collect::<io::Result<_>>()?;
            Ok(Tally(key, order))
        }
    }

    #[test]
    fn runs_merge_by_key_in_the_order_records_came_also_past_the_run_limit() {
        let path = std::env::temp_dir().join(format!("jixiao-spool-{}", std::process::id()));
        let mut runs = SortedRuns::new(path.clone());
        // 100 runs of 5 records each, keys 0..37 in no order; record n has order n.
        let mut n = 0;
        for _ in 0..100 {
            let mut run: Vec<Tally> = (0..5)
                .map(|_| {
                    n += 1;
                    Tally(n * 17 % 37, vec![n])
                })
                .collect();
            run.sort_by_key(|t| t.0);
            // Equal keys within a run are combined before it is written, as users do.
            run.dedup_by(|later, first| {
                let same = later.0 == first.0;
                if same {
                    first.1.append(&mut later.1);
                }
                same
            });
            runs.push_run(run.into_iter().map(Ok)).unwrap();
        }
        assert!(runs.runs.len() < MAX_RUNS && runs.runs[0].offset > 0);
        let merged: Vec<Tally> = runs.merged().unwrap().map(Result::unwrap).collect();
        assert_eq!(merged.len(), 37);
        assert!(merged.windows(2).all(|w| w[0].0 < w[1].0));
        for Tally(key, order) in &merged {
            let expected: Vec<u32> = (1..=500).filter(|n| n * 17 % 37 == *key).collect();
            assert_eq!(order, &expected, "key {key}");
        }
        assert!(path.exists());
        drop(runs);
        assert!(
            !path.exists(),
            "a spool that removes itself is gone when dropped"
        );
    }

    #[test]
    fn an_offset_log_reads_back_any_number_between_pushes() {
        let mut log = OffsetLog::create("test-offsets").unwrap();
        let path = log.path.clone();
        let value = |i: u64| i * 1_000_003 % 7_919;
        for i in 0..5_000 {
            log.push(value(i)).unwrap();
        }
        // Forward (from the buffer), backward, then past a push made after reading.
        for i in (0..5_000).step_by(3).chain((0..5_000).rev().step_by(7)) {
            assert_eq!(log.get(i as usize).unwrap(), Some(value(i)));
        }
        log.push(value(5_000)).unwrap();
        assert_eq!(log.get(5_000).unwrap(), Some(value(5_000)));
        assert_eq!(log.get(4_999).unwrap(), Some(value(4_999)));
        assert_eq!(log.get(5_001).unwrap(), None);
        assert_eq!(log.len(), 5_001);
        drop(log);
        assert!(!path.exists());
    }

    #[test]
    fn a_truncated_run_is_an_error_then_the_end() {
        let path = std::env::temp_dir().join(format!("jixiao-spool-cut-{}", std::process::id()));
        let mut runs = SortedRuns::new(path.clone());
        runs.push_run((0..100).map(|k| Ok(Tally(k, vec![k]))))
            .unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len / 2).unwrap();
        let read: Vec<io::Result<Tally>> = runs.merged().unwrap().collect();
        assert!(read.last().unwrap().is_err());
        assert!(read.len() < 100);
    }
}
