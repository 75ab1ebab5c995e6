//! Per-format, per-stage throughput and peak memory of jixiao against the floor of merely
//! reading the files (issue #6). Run it with `scripts/bench-formats`.
//!
//! ```text
//! bench_stages [--count N] [--seed S] [--threads 1,2] [--reps K] [--retry-busy R]
//!              [--wait-quiet SECS] [--instructions] [--paired] [--pair-block K] [--quick]
//!              [--scaling] [--fresh] [--verbose]
//!              [--sets xlsx,docx,docx-word,text,mixed] [--stages a,a',b,c,cj,d,e]
//!              [--cache DIR] [--jixiao BIN]
//! bench_stages --stage STAGE --list FILE [--threads T] [--passes P]      (one measurement)
//! ```
//!
//! The corpus (`examples/common/corpus.rs`) is generated once per count and seed under
//! `--cache` and reused; each format's files are also linked into a tree of their own so
//! the `jixiao` binary can be pointed at one format. The set `docx-word` is the DOCX
//! forms once more as Word saves them (revision ids, run and paragraph properties:
//! `common::render::as_word_saves_it`), since most of what parsing a real document
//! costs is that markup, which the generator's lean DOCX leaves out. The stages, each
//! reading the file bytes from a warm page cache:
//!
//! * (a) the floor: what a user would reach for to read every cell or line and drop it:
//!   calamine for XLSX, zip + quick-xml over `word/document.xml` (the text of `w:t`) for
//!   DOCX, encoding_rs (BOM, UTF-8, else GB18030) and a split into lines and fields for text;
//! * (a') the raw XLSX floor: zip + quick-xml over the sheets and `sharedStrings.xml`,
//!   without calamine (for DOCX and text it is (a));
//! * (b) jixiao's reader: detection and bytes → [`jixiao::model::Grid`];
//! * (c) jixiao's library pipeline: [`jixiao::extract_bytes`] → forms, validated;
//!   (cj) the same plus `serde_json` of every form;
//! * (d) the `jixiao extract` binary writing json,csv; (e) json,csv,xlsx,sqlite.
//!
//! Every measurement is a process of its own (this binary re-invoked with `--stage`, or
//! the `jixiao` binary), started by GNU time, which reports its peak RSS.
//! In-process stages time themselves (file list read and thread pool started first);
//! (d) and (e) are timed from spawn to exit. Repetitions (5 unless `--reps`) are
//! interleaved, every stage once and then again, and the best time is kept, so a burst
//! of other work on a shared machine spoils one repetition, not a stage; peak RSS is
//! the largest of the runs.
//! While each run is measured, the CPU time the rest of the machine used is read from
//! `/proc/stat`; a result whose best run shared the machine is marked `*` and measured
//! again, up to `--retry-busy` more times (default 2), each time after waiting up to
//! `--wait-quiet` seconds (default 5) for the rest of the machine to go quiet.
//!
//! `--paired` times (b), (c) and (cj) against the floor file by file in turn, one right
//! after the other, so that both see the same host: the steadiest ratio on a machine
//! whose speed drifts (see `paired_table`). `--pair-block K` pairs blocks of K files
//! instead, each stage warm over its block (whether alternating file by file keeps the
//! larger code's caches cold: it does not, the ratios come out the same or higher).
//! `--quick` (300 forms, one repetition, no scaling table) checks that everything runs.
//! `--instructions` counts instructions per form under callgrind instead of timing
//! (300 forms unless `--count`): deterministic, so it shows a change's effect on a
//! machine too noisy for wall time to.
//! The scaling table measures the mixed corpus at 300 and 3,000 forms, and 30,000 with
//! `--scaling`. For a profile, run one stage directly, e.g.
//! `perf record --call-graph dwarf bench_stages --stage c --threads 1
//! --list CACHE/n3000-s1-districts/lists/xlsx.txt`.

#[cfg(unix)]
mod common;

#[cfg(not(unix))]
fn main() {
    eprintln!("bench_stages: needs Unix (/proc/stat, GNU time)");
}

#[cfg(unix)]
fn main() -> anyhow::Result<()> {
    bench::main()
}

#[cfg(unix)]
mod bench {
    use std::borrow::Cow;
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::fmt::Write as _;
    use std::hint::black_box;
    use std::io::{Cursor, Read};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use anyhow::{bail, ensure, Context, Result};
    use quick_xml::events::Event;
    use rayon::prelude::*;

    use super::common::corpus::{try_write_corpus, EntryKind};
    use super::common::render::as_word_saves_it;

    const USAGE: &str = "usage: bench_stages [--count N] [--seed S] [--threads 1,2] [--reps K] \
        [--retry-busy R] [--wait-quiet SECS] [--instructions] [--paired] [--pair-block K] [--quick] [--scaling] [--fresh] [--verbose] \
        [--sets xlsx,docx,docx-word,text,mixed] [--stages a,a',b,c,cj,d,e] [--cache DIR] [--jixiao BIN]\n       \
        bench_stages --stage STAGE --list FILE [--threads T] [--passes P]";

    /// The corpus sizes of the scaling table (the last only with `--scaling`).
    const SCALING_COUNTS: [usize; 3] = [300, 3_000, 30_000];

    /// The stages the scaling table measures at every size.
    const SCALING_STAGES: [Stage; 4] = [
        Stage::Floor,
        Stage::Documents,
        Stage::Extract,
        Stage::ExtractAll,
    ];

    /// A run during which the rest of the machine used more than this many cores is
    /// marked as taken on a busy machine.
    const BUSY_CORES: f64 = 0.25;

    // ------------------------------------------------------------ stages and sets

    /// What one measurement does to every file (see the module documentation).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    enum Stage {
        Floor,
        RawFloor,
        Model,
        Documents,
        DocumentsJson,
        Extract,
        ExtractAll,
    }

    impl Stage {
        const ALL: [Stage; 7] = [
            Stage::Floor,
            Stage::RawFloor,
            Stage::Model,
            Stage::Documents,
            Stage::DocumentsJson,
            Stage::Extract,
            Stage::ExtractAll,
        ];

        fn id(self) -> &'static str {
            match self {
                Stage::Floor => "a",
                Stage::RawFloor => "a'",
                Stage::Model => "b",
                Stage::Documents => "c",
                Stage::DocumentsJson => "cj",
                Stage::Extract => "d",
                Stage::ExtractAll => "e",
            }
        }

        fn parse(id: &str) -> Result<Stage> {
            // `ar` spares the shell quoting `a'`.
            let id = if id == "ar" { "a'" } else { id };
            Stage::ALL
                .into_iter()
                .find(|s| s.id() == id)
                .with_context(|| {
                    format!("unknown stage {id:?}; stages: a, a' (or ar), b, c, cj, d, e")
                })
        }

        fn label(self, set: Set) -> &'static str {
            match (self, set) {
                (Stage::Floor, Set::Xlsx) => "floor: calamine",
                (Stage::Floor, Set::Docx | Set::DocxWord) => "floor: zip+quick-xml w:t",
                (Stage::Floor, Set::Text) => "floor: encoding_rs",
                (Stage::Floor, Set::Mixed) => "floor: each format's",
                (Stage::RawFloor, _) => "raw: zip+quick-xml",
                (Stage::Model, _) => "cell model (Grid)",
                (Stage::Documents, _) => "documents (Vec<Form>)",
                (Stage::DocumentsJson, _) => "documents + serde_json",
                (Stage::Extract, _) => "jixiao extract json,csv",
                (Stage::ExtractAll, _) => "  + xlsx,sqlite",
            }
        }

        /// Whether the `jixiao` binary runs it (over a folder) rather than this one.
        fn is_cli(self) -> bool {
            matches!(self, Stage::Extract | Stage::ExtractAll)
        }

        /// (a') is (a) except for XLSX and the mixed corpus, which holds XLSX.
        fn applies_to(self, set: Set) -> bool {
            self != Stage::RawFloor || matches!(set, Set::Xlsx | Set::Mixed)
        }
    }

    /// A slice of the corpus: one format's files, or all of them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    enum Set {
        Xlsx,
        Docx,
        /// The DOCX forms again, as Word saves them ([`as_word_saves_it`]):
        /// the same cells in four to five times the XML. Not part of the mixed corpus.
        DocxWord,
        Text,
        Mixed,
    }

    impl Set {
        const ALL: [Set; 5] = [Set::Xlsx, Set::Docx, Set::DocxWord, Set::Text, Set::Mixed];

        fn name(self) -> &'static str {
            match self {
                Set::Xlsx => "xlsx",
                Set::Docx => "docx",
                Set::DocxWord => "docx-word",
                Set::Text => "text",
                Set::Mixed => "mixed",
            }
        }

        fn parse(name: &str) -> Result<Set> {
            Set::ALL
                .into_iter()
                .find(|s| s.name() == name)
                .with_context(|| {
                    format!("unknown set {name:?}; sets: xlsx, docx, docx-word, text, mixed")
                })
        }

        fn of(kind: &EntryKind) -> Option<Set> {
            match kind {
                EntryKind::FormXlsx => Some(Set::Xlsx),
                EntryKind::FormDocx => Some(Set::Docx),
                EntryKind::FormText => Some(Set::Text),
                _ => None,
            }
        }
    }

    fn parse_list<T>(list: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
        list.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| parse(s.trim()))
            .collect()
    }

    // ------------------------------------------------------------ command line

    struct Args {
        count: usize,
        seed: u64,
        threads: Vec<usize>,
        reps: usize,
        retry_busy: usize,
        wait_quiet: f64,
        instructions: bool,
        paired: bool,
        /// Files per unit of `--paired` (1: file by file).
        pair_block: usize,
        quick: bool,
        scaling: bool,
        sets: Vec<Set>,
        stages: Vec<Stage>,
        cache: PathBuf,
        jixiao: Option<PathBuf>,
        fresh: bool,
        verbose: bool,
        // One measurement (the worker).
        stage: Option<Stage>,
        list: Option<PathBuf>,
        passes: usize,
    }

    fn parse_args() -> Result<Args> {
        let mut args = Args {
            count: 3_000,
            seed: 1,
            threads: vec![1, 2],
            reps: 5,
            retry_busy: 2,
            wait_quiet: 5.0,
            instructions: false,
            paired: false,
            pair_block: 1,
            quick: false,
            scaling: false,
            sets: Set::ALL.to_vec(),
            stages: Stage::ALL.to_vec(),
            cache: std::env::temp_dir().join("jixiao-bench-corpus"),
            jixiao: None,
            fresh: false,
            verbose: false,
            stage: None,
            list: None,
            passes: 1,
        };
        let (mut count, mut reps) = (None, None);
        let mut argv = std::env::args().skip(1);
        while let Some(arg) = argv.next() {
            let mut value = |name: &str| {
                argv.next()
                    .with_context(|| format!("{name} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--count" | "-n" => count = Some(value("--count")?.parse().context("--count N")?),
                "--seed" => args.seed = value("--seed")?.parse().context("--seed S")?,
                "--threads" => {
                    args.threads = parse_list(&value("--threads")?, |s| {
                        s.parse().context("--threads takes numbers, e.g. 1,2")
                    })?
                }
                "--reps" => reps = Some(value("--reps")?.parse().context("--reps K")?),
                "--retry-busy" => {
                    args.retry_busy = value("--retry-busy")?.parse().context("--retry-busy R")?
                }
                "--wait-quiet" => {
                    args.wait_quiet = value("--wait-quiet")?
                        .parse()
                        .context("--wait-quiet SECS")?
                }
                "--instructions" => args.instructions = true,
                "--paired" => args.paired = true,
                "--pair-block" => {
                    args.pair_block = value("--pair-block")?.parse().context("--pair-block K")?;
                    ensure!(args.pair_block > 0, "--pair-block K needs K of 1 or more");
                }
                "--quick" => args.quick = true,
                "--scaling" => args.scaling = true,
                "--sets" => args.sets = parse_list(&value("--sets")?, Set::parse)?,
                "--stages" => args.stages = parse_list(&value("--stages")?, Stage::parse)?,
                "--cache" => args.cache = value("--cache")?.into(),
                "--jixiao" => args.jixiao = Some(value("--jixiao")?.into()),
                "--fresh" => args.fresh = true,
                "--verbose" | "-v" => args.verbose = true,
                "--stage" => args.stage = Some(Stage::parse(&value("--stage")?)?),
                "--list" => args.list = Some(value("--list")?.into()),
                "--passes" => args.passes = value("--passes")?.parse().context("--passes P")?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unexpected argument {other:?}\n{USAGE}"),
            }
        }
        // --quick: a smoke run in seconds, not a measurement to quote; --instructions:
        // callgrind runs some 50 times slower, and the count is deterministic anyway.
        args.count = count.unwrap_or(if args.quick || args.instructions {
            300
        } else {
            3_000
        });
        // Five: on this VM the same run varies by a third even when /proc/stat shows no
        // other work (the host is shared), and the best of three was still off.
        args.reps = reps.unwrap_or(if args.quick { 1 } else { 5 }).max(1);
        ensure!(
            args.threads.iter().all(|&t| t > 0) && !args.threads.is_empty(),
            "--threads takes positive numbers"
        );
        Ok(args)
    }

    pub fn main() -> Result<()> {
        let args = parse_args()?;
        match (args.stage, &args.list) {
            (Some(stage), Some(list)) => worker(stage, list, args.threads[0], args.passes),
            (None, None) => driver(&args),
            _ => bail!("--stage and --list go together\n{USAGE}"),
        }
    }

    // ------------------------------------------------------------ the floors

    /// Reads every byte of a zip part.
    fn inflate<R: Read + std::io::Seek>(
        zip: &mut zip::ZipArchive<R>,
        name: &str,
    ) -> Result<Vec<u8>> {
        let mut part = zip.by_name(name).with_context(|| format!("part {name}"))?;
        let mut out = Vec::with_capacity(part.size() as usize);
        part.read_to_end(&mut out)?;
        Ok(out)
    }

    /// (a) for XLSX: calamine's `worksheet_range` over every sheet; the number of
    /// non-empty cells.
    fn xlsx_calamine(bytes: &[u8]) -> Result<u64> {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(Cursor::new(bytes))?;
        let mut cells = 0;
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name)?;
            cells += range.used_cells().count() as u64;
            black_box(&range);
        }
        Ok(cells)
    }

    /// (a') for XLSX: the shared strings and every sheet part scanned with quick-xml,
    /// each cell's value (a shared string looked up) touched; the number of cells with one.
    fn xlsx_raw(bytes: &[u8]) -> Result<u64> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
        let mut strings: Vec<String> = Vec::new();
        if zip.index_for_name("xl/sharedStrings.xml").is_some() {
            let xml = inflate(&mut zip, "xl/sharedStrings.xml")?;
            let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
            loop {
                match reader.read_event()? {
                    Event::Start(e) if e.local_name().into_inner() == "si" => {
                        strings.push(String::new())
                    }
                    Event::Text(t) => {
                        if let Some(last) = strings.last_mut() {
                            last.push_str(&t.xml10_content());
                        }
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
        let sheets: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
            .map(|n| n.into_owned())
            .collect();
        let mut cells = 0;
        for name in sheets {
            let xml = inflate(&mut zip, &name)?;
            let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
            let (mut shared, mut in_value) = (false, false);
            loop {
                match reader.read_event()? {
                    Event::Start(e) => match e.local_name().into_inner() {
                        "c" => {
                            shared = e
                                .attributes()
                                .flatten()
                                .any(|a| a.key.local_name().into_inner() == "t" && a.value == "s")
                        }
                        "v" | "t" => in_value = true,
                        _ => {}
                    },
                    Event::End(e) if matches!(e.local_name().into_inner(), "v" | "t") => {
                        in_value = false
                    }
                    Event::Text(t) if in_value => {
                        let text = t.xml10_content();
                        if shared {
                            let index: usize = text.trim().parse()?;
                            black_box(strings.get(index).context("shared string index")?);
                        } else {
                            black_box(&text);
                        }
                        cells += 1;
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
        Ok(cells)
    }

    /// (a) and (a') for DOCX: `word/document.xml` scanned with quick-xml, the text of
    /// every `w:t` collected; the number of `w:t` runs.
    fn docx_text(bytes: &[u8]) -> Result<u64> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
        let xml = inflate(&mut zip, "word/document.xml")?;
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let (mut text, mut in_t, mut runs) = (String::new(), false, 0);
        loop {
            match reader.read_event()? {
                Event::Start(e) if e.local_name().into_inner() == "t" => {
                    in_t = true;
                    runs += 1;
                }
                Event::End(e) if e.local_name().into_inner() == "t" => in_t = false,
                Event::Text(t) if in_t => text.push_str(&t.xml10_content()),
                Event::Eof => break,
                _ => {}
            }
        }
        black_box(text);
        Ok(runs)
    }

    /// (a) and (a') for text: decoded as jixiao decides (BOM, else UTF-8, else GB18030),
    /// split into lines and tab-separated fields; the number of non-empty fields.
    fn text_fields(bytes: &[u8]) -> u64 {
        let text: Cow<'_, str> =
            if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
                encoding.decode_without_bom_handling(&bytes[bom..]).0
            } else if let Ok(text) = std::str::from_utf8(bytes) {
                Cow::Borrowed(text)
            } else {
                encoding_rs::GB18030.decode_without_bom_handling(bytes).0
            };
        text.lines()
            .flat_map(|line| line.split('\t'))
            .filter(|field| !field.trim().is_empty())
            .count() as u64
    }

    // ------------------------------------------------------------ one measurement

    /// Totals of one pass over a file list.
    #[derive(Clone, Copy, Default)]
    struct Totals {
        bytes: u64,
        forms: u64,
    }

    impl std::ops::Add for Totals {
        type Output = Totals;
        fn add(self, other: Totals) -> Totals {
            Totals {
                bytes: self.bytes + other.bytes,
                forms: self.forms + other.forms,
            }
        }
    }

    /// One file through `stage` (an in-process one); the forms counted are the files for
    /// the floors, which hold one form each, and the forms extracted otherwise.
    fn one_file(stage: Stage, path: &Path) -> Result<Totals> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let options = jixiao::ExtractOptions::new();
        let forms = match stage {
            Stage::Floor => {
                black_box(match ext {
                    "xlsx" => xlsx_calamine(&bytes)?,
                    "docx" => docx_text(&bytes)?,
                    _ => text_fields(&bytes),
                });
                1
            }
            Stage::RawFloor => {
                black_box(match ext {
                    "xlsx" => xlsx_raw(&bytes)?,
                    "docx" => docx_text(&bytes)?,
                    _ => text_fields(&bytes),
                });
                1
            }
            Stage::Model => {
                let limits = options.read_limits();
                let file = jixiao::formats::identify(&bytes, limits)?;
                black_box(jixiao::formats::read_identified(&bytes, file, limits)?);
                1
            }
            Stage::Documents | Stage::DocumentsJson => {
                let report = jixiao::extract_bytes(&bytes, &path.to_string_lossy(), &options);
                let forms = report.result?;
                if stage == Stage::DocumentsJson {
                    for form in &forms {
                        black_box(serde_json::to_string(form)?);
                    }
                }
                forms.len() as u64
            }
            Stage::Extract | Stage::ExtractAll => {
                bail!("stage {} runs the jixiao binary", stage.id())
            }
        };
        Ok(Totals {
            bytes: bytes.len() as u64,
            forms,
        })
    }

    /// `--stage S --list FILE`: runs an in-process stage over the files listed, `passes`
    /// times, on `threads` threads, and prints `files bytes forms nanoseconds`.
    fn worker(stage: Stage, list: &Path, threads: usize, passes: usize) -> Result<()> {
        let files = read_list(list)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let started = Instant::now();
        let mut totals = Totals::default();
        for _ in 0..passes.max(1) {
            totals = totals
                + pool.install(|| {
                    files
                        .par_iter()
                        .map(|path| one_file(stage, path))
                        .try_reduce(Totals::default, |a, b| Ok(a + b))
                })?;
        }
        let nanos = started.elapsed().as_nanos();
        println!(
            "{} {} {} {nanos}",
            files.len() * passes.max(1),
            totals.bytes,
            totals.forms
        );
        Ok(())
    }

    /// `--paired`: each in-process stage's time against the floor's, measured file by
    /// file in turn on one thread: every file is read by the floor and by the stage,
    /// one right after the other (which goes first alternates), and each one's time is
    /// summed. On a shared host whose speed drifts by a third from one second to the
    /// next, two runs minutes apart compare the host as much as the code; paired a few
    /// hundred microseconds apart, the floor and the stage see the same host. With
    /// `--pair-block K` the unit is K consecutive files rather than one.
    fn paired_table(args: &Args, corpus: &Corpus) -> Result<()> {
        let stages: Vec<Stage> = args
            .stages
            .iter()
            .copied()
            .filter(|s| matches!(s, Stage::Model | Stage::Documents | Stage::DocumentsJson))
            .collect();
        ensure!(!stages.is_empty(), "--paired measures stages b, c and cj");
        let passes = args.reps;
        let mut out = format!(
            "bench-formats --paired: {} forms, seed {}, {passes} passes, 1 thread: the time \
             of each stage over the time of the floor, file by file in turn\n\n{:<10}",
            args.count, args.seed, "set"
        );
        for stage in &stages {
            write!(out, " | {:>9}", format!("({})/(a)", stage.id()))?;
        }
        for &set in &args.sets {
            write!(out, "\n{:<10}", set.name())?;
            let files = read_list(&corpus.list(set))?;
            for &stage in &stages {
                if args.verbose {
                    eprintln!("bench_stages: paired: {} ({})", set.name(), stage.id());
                }
                let (mut floor, mut measured) = (Duration::ZERO, Duration::ZERO);
                for pass in 0..passes {
                    for (i, block) in files.chunks(args.pair_block).enumerate() {
                        let floor_first = (i + pass) % 2 == 0;
                        for floor_now in [floor_first, !floor_first] {
                            let started = Instant::now();
                            for path in block {
                                one_file(if floor_now { Stage::Floor } else { stage }, path)?;
                            }
                            let took = started.elapsed();
                            *if floor_now { &mut floor } else { &mut measured } += took;
                        }
                    }
                }
                write!(
                    out,
                    " | {:>9.2}",
                    measured.as_secs_f64() / floor.as_secs_f64()
                )?;
            }
        }
        println!("{out}");
        Ok(())
    }

    // ------------------------------------------------------------ measuring a process

    /// What one process cost.
    #[derive(Clone, Copy, Debug)]
    struct Sample {
        secs: f64,
        forms: u64,
        rss_kb: u64,
        /// CPU seconds of the process (10 ms resolution), which sharing the machine
        /// inflates far less than wall time.
        cpu: f64,
        /// Cores the rest of the machine kept busy meanwhile.
        others: f64,
    }

    impl Sample {
        /// Whether the rest of the machine used more than [`BUSY_CORES`] meanwhile, even
        /// on a core this run did not use: on this VM a one-thread run is 50% slower
        /// while another process keeps the other core busy (2.5 s against 3.8 s).
        fn is_busy(&self) -> bool {
            self.others > BUSY_CORES
        }
    }

    /// Waits up to `max` for a moment when the rest of the machine keeps less than
    /// [`BUSY_CORES`] busy (sampled over 200 ms), so that a retry is not spoilt the
    /// same way; whether one came.
    fn wait_quiet(max: Duration) -> bool {
        let started = Instant::now();
        loop {
            let (before, at) = (machine_busy_secs(), Instant::now());
            std::thread::sleep(Duration::from_millis(200));
            let cores = (machine_busy_secs() - before) / at.elapsed().as_secs_f64();
            if cores < BUSY_CORES {
                return true;
            }
            if started.elapsed() >= max {
                return false;
            }
        }
    }

    /// Busy CPU time of the whole machine so far, in seconds (`/proc/stat`: user, nice,
    /// system, irq, softirq and steal; not idle or iowait).
    fn machine_busy_secs() -> f64 {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let fields: Vec<f64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|f| f.parse().ok())
            .collect();
        let busy: f64 = fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4)
            .map(|(_, v)| v)
            .sum();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        busy / ticks
    }

    /// What a finished process printed and cost.
    struct Finished {
        stdout: String,
        stderr: String,
        wall: f64,
        rss_kb: u64,
        /// User + system CPU seconds of the command.
        cpu: f64,
        /// Cores the rest of the machine kept busy while it ran.
        others: f64,
    }

    /// GNU time, which reports the peak RSS of the command it forks (see [`run_measured`]).
    const GNU_TIME: &str = "/usr/bin/time";

    /// Runs `program` with `args` to its end under GNU time, which writes the child's peak
    /// RSS and CPU seconds to `report`.
    ///
    /// Not `wait4` on our own child: Rust spawns with vfork, and Linux carries the
    /// parent's RSS high-water mark over `exec` into the child's `ru_maxrss`, so every
    /// stage would show the driver's peak (hundreds of MB after generating 30,000 forms).
    /// GNU time is a fresh, small process (about 1 MB), so the child it forks inherits
    /// only that.
    fn run_measured(program: &Path, args: &[OsString], report: &Path) -> Result<Finished> {
        let busy_before = machine_busy_secs();
        let started = Instant::now();
        let output = Command::new(GNU_TIME)
            .args(["-f", "%M %U %S", "-o"])
            .arg(report)
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("starting {GNU_TIME} (GNU time; apt-get install time)"))?;
        let wall = started.elapsed().as_secs_f64();
        let busy = machine_busy_secs() - busy_before;
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        ensure!(
            output.status.success(),
            "{} {args:?} failed ({}):\n{stderr}",
            program.display(),
            output.status
        );
        let text = std::fs::read_to_string(report)?;
        let fields: Vec<f64> = text
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        let [rss_kb, user, system] = fields[..] else {
            bail!("unexpected GNU time report {text:?}");
        };
        Ok(Finished {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr,
            wall,
            rss_kb: rss_kb as u64,
            cpu: user + system,
            others: (busy - user - system).max(0.0) / wall,
        })
    }

    /// The corpus of one count and seed, ready to measure.
    struct Corpus {
        dir: PathBuf,
        files: HashMap<Set, usize>,
        bytes: HashMap<Set, u64>,
    }

    impl Corpus {
        fn list(&self, set: Set) -> PathBuf {
            list_path(&self.dir, set)
        }

        fn tree(&self, set: Set) -> PathBuf {
            self.dir.join(set.name())
        }
    }

    /// Where the corpus in `dir` lists the files of `set`, one path a line.
    fn list_path(dir: &Path, set: Set) -> PathBuf {
        dir.join("lists").join(format!("{}.txt", set.name()))
    }

    /// The paths a file list ([`list_path`]) holds.
    fn read_list(list: &Path) -> Result<Vec<PathBuf>> {
        let text =
            std::fs::read_to_string(list).with_context(|| format!("reading {}", list.display()))?;
        Ok(text.lines().map(PathBuf::from).collect())
    }

    /// The program and arguments that run `stage` over `set` on `threads` threads;
    /// the `jixiao` stages write into `out`.
    fn stage_command(
        jixiao: &Path,
        corpus: &Corpus,
        set: Set,
        stage: Stage,
        threads: usize,
        out: &Path,
    ) -> Result<(PathBuf, Vec<OsString>)> {
        let threads = threads.to_string();
        Ok(if stage.is_cli() {
            let formats = if stage == Stage::Extract {
                "json,csv"
            } else {
                "json,csv,xlsx,sqlite"
            };
            let argv = vec![
                "extract".into(),
                corpus.tree(set).into_os_string(),
                "-o".into(),
                out.as_os_str().to_owned(),
                "--format".into(),
                formats.into(),
                "--quiet".into(),
                "--threads".into(),
                threads.into(),
            ];
            (jixiao.to_path_buf(), argv)
        } else {
            let argv = vec![
                "--stage".into(),
                stage.id().into(),
                "--list".into(),
                corpus.list(set).into_os_string(),
                "--threads".into(),
                threads.into(),
            ];
            (std::env::current_exe()?, argv)
        })
    }

    /// Measures `stage` over `set` once on `threads` threads.
    fn measure(
        args: &Args,
        jixiao: &Path,
        corpus: &Corpus,
        set: Set,
        stage: Stage,
        threads: usize,
    ) -> Result<Sample> {
        let out = corpus.dir.join("out");
        let _ = std::fs::remove_dir_all(&out);
        let (program, argv) = stage_command(jixiao, corpus, set, stage, threads, &out)?;
        let run = run_measured(&program, &argv, &corpus.dir.join("time.txt"));
        let _ = std::fs::remove_dir_all(&out);
        let run = run?;
        let (secs, forms) = if stage.is_cli() {
            // "…; 1000 forms → DIR"
            let forms = run
                .stderr
                .rsplit_once(" forms → ")
                .and_then(|(head, _)| head.rsplit(' ').next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("no form count in jixiao's summary: {}", run.stderr))?;
            (run.wall, forms)
        } else {
            let fields: Vec<u64> = run
                .stdout
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            ensure!(fields.len() == 4, "bad worker output {:?}", run.stdout);
            (fields[3] as f64 / 1e9, fields[2])
        };
        let expected = corpus.files[&set] as u64;
        if forms != expected {
            eprintln!(
                "bench_stages: warning: {} ({}) read {forms} forms from {expected} files",
                set.name(),
                stage.id()
            );
        }
        let sample = Sample {
            secs,
            forms: expected,
            rss_kb: run.rss_kb,
            cpu: run.cpu,
            others: run.others,
        };
        if args.verbose {
            eprintln!(
                "  {:<5} ({:<2}) T={threads}: {:.3} s, {} forms, peak RSS {:.1} MB, others {:.2} cores",
                set.name(),
                stage.id(),
                sample.secs,
                forms,
                sample.rss_kb as f64 / 1024.0,
                sample.others
            );
        }
        Ok(sample)
    }

    /// Instructions `stage` executes over `set` on one thread, counted by callgrind: the
    /// same figure on every run, whatever else the machine is doing, so it tells whether
    /// a change helped where wall time on a shared machine cannot. (Process start-up is
    /// included; SHA-256 runs its portable code under valgrind, about 50 instructions a
    /// byte, where the CPU's SHA extensions make it nearly free.)
    fn count_instructions(jixiao: &Path, corpus: &Corpus, set: Set, stage: Stage) -> Result<u64> {
        let out = corpus.dir.join("out");
        let _ = std::fs::remove_dir_all(&out);
        let (program, argv) = stage_command(jixiao, corpus, set, stage, 1, &out)?;
        let profile = corpus.dir.join("callgrind.out");
        let mut file_arg = OsString::from("--callgrind-out-file=");
        file_arg.push(&profile);
        let output = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(file_arg)
            .arg(&program)
            .args(&argv)
            .stdin(Stdio::null())
            .output()
            .context("starting valgrind (apt-get install valgrind)")?;
        let _ = std::fs::remove_dir_all(&out);
        ensure!(
            output.status.success(),
            "valgrind {} {argv:?} failed ({}):\n{}",
            program.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&profile)?;
        let _ = std::fs::remove_file(&profile);
        text.lines()
            .find_map(|line| line.strip_prefix("summary:"))
            .and_then(|n| n.trim().parse().ok())
            .context("no summary line in the callgrind profile")
    }

    /// `--instructions`: thousands of instructions per form for every set and stage.
    fn instructions_table(args: &Args, jixiao: &Path, corpus: &Corpus) -> Result<()> {
        let mut counts: HashMap<(Set, Stage), f64> = HashMap::new();
        for &set in &args.sets {
            for &stage in &args.stages {
                let stage = if stage.applies_to(set) {
                    stage
                } else {
                    Stage::Floor
                };
                if counts.contains_key(&(set, stage)) {
                    continue;
                }
                eprintln!("bench_stages: callgrind: {} ({})", set.name(), stage.id());
                let total = count_instructions(jixiao, corpus, set, stage)?;
                counts.insert((set, stage), total as f64 / corpus.files[&set] as f64);
            }
        }
        let mut out = format!(
            "bench-formats --instructions: {} forms, seed {}: thousands of instructions per form \
             (callgrind, 1 thread; the same on every run: compare these before and after a change)\n\n",
            args.count, args.seed
        );
        let mut header = format!("{:<30}", "stage");
        for set in &args.sets {
            write!(header, " | {:>8} {:>5}", set.name(), "×(a)")?;
        }
        writeln!(out, "{header}\n{}", "-".repeat(header.chars().count()))?;
        for &stage in &args.stages {
            let id = format!("({})", stage.id());
            let mut line = format!("{id:<4} {:<25}", stage.label(Set::Mixed));
            for &set in &args.sets {
                let of = |stage: Stage| {
                    let stage = if stage.applies_to(set) {
                        stage
                    } else {
                        Stage::Floor
                    };
                    counts.get(&(set, stage)).copied()
                };
                match (of(stage), of(Stage::Floor)) {
                    (Some(n), Some(a)) => {
                        write!(line, " | {:>7}k {:>5.2}", thousands(n / 1e3), n / a)?
                    }
                    (Some(n), None) => write!(line, " | {:>7}k {:>5}", thousands(n / 1e3), "-")?,
                    _ => write!(line, " | {:>8} {:>5}", "-", "-")?,
                }
            }
            writeln!(out, "{line}")?;
        }
        if let (Some(c), Some(raw)) = (
            counts.get(&(Set::Xlsx, Stage::Documents)),
            counts.get(&(Set::Xlsx, Stage::RawFloor)),
        ) {
            writeln!(out, "\n(c)/(a') xlsx: {:.2}", c / raw)?;
        }
        print!("{out}");
        Ok(())
    }

    // ------------------------------------------------------------ the corpus

    /// Generates the corpus of `count` forms for `seed` under the cache folder, unless a
    /// complete one is there, with a file list and a linked tree per format; then reads
    /// every file once so that all stages start from a warm page cache.
    fn corpus(args: &Args, count: usize) -> Result<Corpus> {
        // Departments stay distinct past 4,031 forms (the corpus moves on to districts),
        // so the scaling table compares like with like.
        let dir = args
            .cache
            .join(format!("n{count}-s{}-districts", args.seed));
        let done = dir.join("complete");
        // A corpus made before the docx-word set existed is made again.
        if args.fresh || !done.exists() || !list_path(&dir, Set::DocxWord).exists() {
            let _ = std::fs::remove_dir_all(&dir);
            eprintln!(
                "bench_stages: generating {count} forms (seed {}) in {}",
                args.seed,
                dir.display()
            );
            let mixed = dir.join(Set::Mixed.name());
            let manifest = try_write_corpus(&mixed, count, args.seed, false)?;
            let mut lists: HashMap<Set, String> = HashMap::new();
            for entry in &manifest.entries {
                let Some(set) = Set::of(&entry.kind) else {
                    continue;
                };
                let file = mixed.join(&entry.path);
                let linked = dir.join(set.name()).join(&entry.path);
                std::fs::create_dir_all(linked.parent().context("a file has a folder")?)?;
                std::fs::hard_link(&file, &linked)
                    .or_else(|_| std::fs::copy(&file, &linked).map(drop))?;
                for set in [set, Set::Mixed] {
                    let list = lists.entry(set).or_default();
                    writeln!(list, "{}", std::path::absolute(&file)?.display())?;
                }
                if set == Set::Docx {
                    let dressed = dir.join(Set::DocxWord.name()).join(&entry.path);
                    std::fs::create_dir_all(dressed.parent().context("a file has a folder")?)?;
                    std::fs::write(&dressed, as_word_saves_it(&std::fs::read(&file)?)?)?;
                    let list = lists.entry(Set::DocxWord).or_default();
                    writeln!(list, "{}", std::path::absolute(&dressed)?.display())?;
                }
            }
            std::fs::create_dir_all(dir.join("lists"))?;
            for (set, list) in &lists {
                std::fs::write(list_path(&dir, *set), list)?;
            }
            std::fs::write(&done, format!("{count} forms, seed {}\n", args.seed))?;
        }
        let mut corpus = Corpus {
            dir,
            files: HashMap::new(),
            bytes: HashMap::new(),
        };
        for set in Set::ALL {
            let (mut files, mut bytes) = (0, 0);
            for path in read_list(&corpus.list(set))? {
                // Reading, not only stat-ing, warms the page cache.
                bytes += std::fs::read(path)?.len() as u64;
                files += 1;
            }
            corpus.files.insert(set, files);
            corpus.bytes.insert(set, bytes);
        }
        Ok(corpus)
    }

    // ------------------------------------------------------------ the driver

    /// Best-of-k results keyed by corpus size, set, stage and threads.
    type Key = (usize, Set, Stage, usize);

    #[derive(Default)]
    struct Results(HashMap<Key, Vec<Sample>>);

    impl Results {
        /// The fastest run, with the largest peak RSS of all runs.
        fn best(&self, key: &Key) -> Option<Sample> {
            let samples = self.0.get(key)?;
            let mut best = *samples.iter().min_by(|a, b| a.secs.total_cmp(&b.secs))?;
            best.rss_kb = samples.iter().map(|s| s.rss_kb).max()?;
            Some(best)
        }

        /// The least CPU time of all runs.
        fn least_cpu(&self, key: &Key) -> Option<f64> {
            self.0
                .get(key)?
                .iter()
                .map(|s| s.cpu)
                .min_by(f64::total_cmp)
        }
    }

    /// Runs every (set, stage, threads) once per repetition, repetitions outermost; then
    /// runs again, up to `--retry-busy` times, each whose best run shared the machine.
    fn measure_all(
        args: &Args,
        jixiao: &Path,
        corpus: &Corpus,
        count: usize,
        cells: &[(Set, Stage)],
        results: &mut Results,
    ) -> Result<()> {
        let keys: Vec<Key> = cells
            .iter()
            .flat_map(|&(set, stage)| args.threads.iter().map(move |&t| (count, set, stage, t)))
            .collect();
        let run = |key: Key, results: &mut Results| -> Result<()> {
            let (_, set, stage, threads) = key;
            let sample = measure(args, jixiao, corpus, set, stage, threads)?;
            results.0.entry(key).or_default().push(sample);
            Ok(())
        };
        for rep in 1..=args.reps {
            eprintln!(
                "bench_stages: {count} forms, repetition {rep} of {}",
                args.reps
            );
            for &key in &keys {
                run(key, results)?;
            }
        }
        for retry in 1..=args.retry_busy {
            let busy: Vec<Key> = keys
                .iter()
                .copied()
                .filter(|key| results.best(key).is_some_and(|s| s.is_busy()))
                .collect();
            if busy.is_empty() {
                break;
            }
            eprintln!(
                "bench_stages: {count} forms, {} measurements shared the machine; again ({retry} of {})",
                busy.len(),
                args.retry_busy
            );
            for key in busy {
                wait_quiet(Duration::from_secs_f64(args.wait_quiet));
                run(key, results)?;
            }
        }
        Ok(())
    }

    fn driver(args: &Args) -> Result<()> {
        let started = Instant::now();
        let jixiao = match &args.jixiao {
            Some(path) => path.clone(),
            // target/release/examples/bench_stages → target/release/jixiao
            None => std::env::current_exe()?
                .parent()
                .and_then(Path::parent)
                .context("no folder above this binary")?
                .join("jixiao"),
        };
        if args.stages.iter().any(|s| s.is_cli()) {
            ensure!(
                jixiao.exists(),
                "no jixiao binary at {} (build it, or pass --jixiao)",
                jixiao.display()
            );
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let corpus_main = corpus(args, args.count)?;
        if args.instructions {
            return instructions_table(args, &jixiao, &corpus_main);
        }
        if args.paired {
            return paired_table(args, &corpus_main);
        }
        let mut results = Results::default();
        let cells: Vec<(Set, Stage)> = args
            .sets
            .iter()
            .flat_map(|&set| args.stages.iter().map(move |&stage| (set, stage)))
            .filter(|(set, stage)| stage.applies_to(*set))
            .collect();
        measure_all(
            args,
            &jixiao,
            &corpus_main,
            args.count,
            &cells,
            &mut results,
        )?;

        // Scaling: the mixed corpus at every size, (a), (c), (d), (e).
        let mut counts: Vec<usize> = Vec::new();
        if !args.quick {
            let scaled = if args.scaling { 3 } else { 2 };
            counts = SCALING_COUNTS[..scaled].to_vec();
            if !counts.contains(&args.count) {
                counts.push(args.count);
                counts.sort_unstable();
            }
            let scaling_cells: Vec<(Set, Stage)> = SCALING_STAGES
                .into_iter()
                .filter(|s| args.stages.contains(s))
                .map(|s| (Set::Mixed, s))
                .collect();
            for &count in &counts {
                // The main table measured these already at its size.
                if count == args.count && args.sets.contains(&Set::Mixed) {
                    continue;
                }
                let corpus = corpus(args, count)?;
                measure_all(args, &jixiao, &corpus, count, &scaling_cells, &mut results)?;
            }
        }

        let mut out = String::new();
        table(args, &corpus_main, &results, &load, &mut out)?;
        if !counts.is_empty() {
            scaling_table(args, &counts, &results, &mut out)?;
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        writeln!(
            out,
            "load average at the end: {}; {:.0} s in all",
            load.trim(),
            started.elapsed().as_secs_f64()
        )?;
        print!("{out}");
        Ok(())
    }

    // ------------------------------------------------------------ printing

    /// `1234` as `1,234`.
    fn thousands(n: f64) -> String {
        let digits = format!("{:.0}", n.max(0.0));
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// forms/s, right-aligned in 9 columns, marked `*` when the machine was busy.
    fn rate(s: &Sample) -> String {
        let busy = if s.is_busy() { '*' } else { ' ' };
        format!("{:>8}{busy}", thousands(s.forms as f64 / s.secs))
    }

    /// forms/s, MB/s and peak RSS of a result.
    fn rate_cells(sample: Option<Sample>, bytes: u64) -> String {
        match sample {
            Some(s) => format!(
                "{} {:>6.1} {:>5.1}",
                rate(&s),
                bytes as f64 / 1e6 / s.secs,
                s.rss_kb as f64 / 1024.0
            ),
            None => format!("{:>8}  {:>6} {:>5}", "-", "-", "-"),
        }
    }

    /// `num`'s time over `den`'s, for each of the threads given, joined by `/`.
    fn ratios(pairs: impl Iterator<Item = (Option<Sample>, Option<Sample>)>) -> String {
        let parts: Vec<String> = pairs
            .map(|pair| match pair {
                (Some(n), Some(d)) => format!("{:.2}", n.secs / d.secs),
                _ => "-".into(),
            })
            .collect();
        parts.join("/")
    }

    fn table(
        args: &Args,
        corpus: &Corpus,
        results: &Results,
        load: &str,
        out: &mut String,
    ) -> Result<()> {
        let n = args.count;
        let threads = &args.threads;
        let (t_first, t_last) = (threads[0], threads[threads.len() - 1]);
        let sizes: Vec<String> = Set::ALL
            .iter()
            .filter(|&&s| s != Set::Mixed)
            .map(|s| {
                format!(
                    "{} {} ({:.1} MB)",
                    s.name(),
                    corpus.files[s],
                    corpus.bytes[s] as f64 / 1e6
                )
            })
            .collect();
        let each_t: Vec<String> = threads.iter().map(|t| format!("{t}T")).collect();
        let each_t = each_t.join("/");
        writeln!(
            out,
            "bench-formats: {n} forms, seed {}: {}; best of {}, warm page cache; load average at the start: {}",
            args.seed,
            sizes.join(", "),
            args.reps,
            load.trim()
        )?;
        writeln!(
            out,
            "forms/s and MB/s of input (wall time); RSS: peak of the stage's process, MB; CPU f/s: forms per CPU-second\n\
             ×(a), ×(a'): time over the floor's at the same threads ({each_t})\n\
             * the rest of the machine kept more than {BUSY_CORES} of a core busy during the best run\n"
        )?;
        let mut header = format!("{:<6} {:<30}", "format", "stage");
        for t in threads {
            write!(
                header,
                " | {:>9} {:>6} {:>5}",
                format!("{t}T forms/s"),
                "MB/s",
                "RSS"
            )?;
        }
        if threads.len() > 1 {
            write!(header, " | {:>5}", format!("{t_last}T/{t_first}T"))?;
        }
        let width = 5 * threads.len() - 1;
        write!(
            header,
            " | {:>8} | {:>width$} | {:>width$}",
            format!("CPU f/s {t_first}T"),
            "×(a)",
            "×(a')"
        )?;
        writeln!(out, "{header}")?;
        for &set in &args.sets {
            writeln!(out, "{}", "-".repeat(header.chars().count()))?;
            for &stage in &args.stages {
                let get = |stage: Stage, t: usize| {
                    let stage = if stage.applies_to(set) {
                        stage
                    } else {
                        Stage::Floor
                    };
                    results.best(&(n, set, stage, t))
                };
                let id = format!("({})", stage.id());
                let mut line = format!("{:<6} {:<4} {:<25}", set.name(), id, stage.label(set));
                if !stage.applies_to(set) {
                    writeln!(out, "{line} = (a)")?;
                    continue;
                }
                for &t in threads {
                    write!(line, " | {}", rate_cells(get(stage, t), corpus.bytes[&set]))?;
                }
                if threads.len() > 1 {
                    let speedup = ratios([(get(stage, t_first), get(stage, t_last))].into_iter());
                    write!(line, " | {speedup:>5}")?;
                }
                let cpu_rate = get(stage, t_first)
                    .zip(results.least_cpu(&(n, set, stage, t_first)))
                    .map(|(s, cpu)| thousands(s.forms as f64 / cpu.max(0.01)))
                    .unwrap_or_else(|| "-".into());
                let over =
                    |floor: Stage| ratios(threads.iter().map(|&t| (get(stage, t), get(floor, t))));
                write!(
                    line,
                    " | {cpu_rate:>8} | {:>width$} | {:>width$}",
                    over(Stage::Floor),
                    over(Stage::RawFloor)
                )?;
                writeln!(out, "{line}")?;
            }
        }
        targets(args, results, out)
    }

    /// The issue's targets, each with the figure that meets or misses it.
    fn targets(args: &Args, results: &Results, out: &mut String) -> Result<()> {
        let n = args.count;
        let t_max = *args.threads.iter().max().unwrap_or(&1);
        let t_min = *args.threads.iter().min().unwrap_or(&1);
        let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
        writeln!(out, "\ntargets ({n} forms):")?;
        for set in [Set::Xlsx, Set::Docx, Set::DocxWord] {
            for &t in &args.threads {
                let (c, a) = (
                    results.best(&(n, set, Stage::Documents, t)),
                    results.best(&(n, set, Stage::Floor, t)),
                );
                if let (Some(c), Some(a)) = (c, a) {
                    let r = c.secs / a.secs;
                    writeln!(
                        out,
                        "  (c)/(a) {} {t}T: {r:.2} (target ≤ 1.3: {})",
                        set.name(),
                        verdict(r <= 1.3)
                    )?;
                }
            }
        }
        for &t in &args.threads {
            let (c, raw) = (
                results.best(&(n, Set::Xlsx, Stage::Documents, t)),
                results.best(&(n, Set::Xlsx, Stage::RawFloor, t)),
            );
            if let (Some(c), Some(raw)) = (c, raw) {
                writeln!(
                    out,
                    "  (c)/(a') xlsx {t}T: {:.2} (the gap to the raw floor)",
                    c.secs / raw.secs
                )?;
            }
        }
        if let Some(d) = results.best(&(n, Set::Mixed, Stage::Extract, t_max)) {
            let rate = d.forms as f64 / d.secs;
            writeln!(
                out,
                "  (d) mixed {t_max}T: {} forms/s (target ≥ 3,000: {})",
                thousands(rate),
                verdict(rate >= 3000.0)
            )?;
        }
        for stage in [Stage::Documents, Stage::Extract] {
            if t_max == t_min {
                break;
            }
            let (lo, hi) = (
                results.best(&(n, Set::Mixed, stage, t_min)),
                results.best(&(n, Set::Mixed, stage, t_max)),
            );
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let r = lo.secs / hi.secs;
                writeln!(
                    out,
                    "  ({}) mixed {t_min}T → {t_max}T: {r:.2}× (target ≥ 1.8×: {}); the {t_max}T run kept {:.2} cores busy",
                    stage.id(),
                    verdict(r >= 1.8),
                    hi.cpu / hi.secs
                )?;
            }
        }
        if let Some((key, peak)) = results
            .0
            .iter()
            .flat_map(|(k, v)| v.iter().map(move |s| (k, s.rss_kb)))
            .max_by_key(|(_, rss)| *rss)
        {
            let mb = peak as f64 / 1024.0;
            writeln!(
                out,
                "  peak RSS, largest of all runs: {mb:.1} MB, {} ({}) {}T at {} forms (target < 150 MB: {})",
                key.1.name(),
                key.2.id(),
                key.3,
                key.0,
                verdict(mb < 150.0)
            )?;
        }
        Ok(())
    }

    /// The mixed corpus at every size: forms/s must stay flat (time linear in N) and so
    /// must peak RSS.
    fn scaling_table(
        args: &Args,
        counts: &[usize],
        results: &Results,
        out: &mut String,
    ) -> Result<()> {
        writeln!(
            out,
            "\nscaling, mixed corpus: forms/s (flat = time linear in N) and peak RSS, MB \
             ((a) and (c) hold their list of files: about 0.3 KB a form of their RSS)"
        )?;
        let mut header = format!("{:<30}", "stage");
        for &n in counts {
            for &t in &args.threads {
                let column = format!("{} {t}T", thousands(n as f64));
                write!(header, " | {column:>9} {:>5}", "RSS")?;
            }
        }
        writeln!(out, "{header}")?;
        for stage in SCALING_STAGES {
            if !args.stages.contains(&stage) {
                continue;
            }
            let id = format!("({})", stage.id());
            let mut line = format!("{id:<4} {:<25}", stage.label(Set::Mixed));
            for &n in counts {
                for &t in &args.threads {
                    match results.best(&(n, Set::Mixed, stage, t)) {
                        Some(s) => {
                            write!(line, " | {} {:>5.1}", rate(&s), s.rss_kb as f64 / 1024.0)?
                        }
                        None => write!(line, " | {:>9} {:>5}", "-", "-")?,
                    }
                }
            }
            writeln!(out, "{line}")?;
        }
        // The largest size against the main table's: time per form must not grow, and
        // peak RSS should not either.
        let (Some(&big), base) = (counts.last(), args.count) else {
            return Ok(());
        };
        if big <= base {
            return Ok(());
        }
        writeln!(
            out,
            "{} forms against {}:",
            thousands(big as f64),
            thousands(base as f64)
        )?;
        for stage in SCALING_STAGES
            .into_iter()
            .filter(|s| args.stages.contains(s))
        {
            for &t in &args.threads {
                let (Some(small), Some(large)) = (
                    results.best(&(base, Set::Mixed, stage, t)),
                    results.best(&(big, Set::Mixed, stage, t)),
                ) else {
                    continue;
                };
                let per_form = |s: &Sample| s.secs / s.forms as f64;
                let grown_kb = (large.rss_kb as f64 - small.rss_kb as f64) / (big - base) as f64;
                writeln!(
                    out,
                    "  ({}) {t}T: {:.2}× the time per form; peak RSS {:.1} → {:.1} MB ({grown_kb:+.2} KB per form)",
                    stage.id(),
                    per_form(&large) / per_form(&small),
                    small.rss_kb as f64 / 1024.0,
                    large.rss_kb as f64 / 1024.0
                )?;
            }
        }
        Ok(())
    }
}
