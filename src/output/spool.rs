//! Reading the spooled form documents back, in order, parsing them a batch at a time on
//! every core: the end phase of a run is sequential by nature (tables are written in
//! order), and parsing is most of its work.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Lines};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::document::{Finding, Form};

/// Documents parsed per parallel batch.
const BATCH: usize = 128;

/// The spool's documents in order, each with its JSON line, the cross-file findings
/// added (and the line rewritten for the forms that got one).
pub struct SpoolReader<'a> {
    lines: Lines<BufReader<File>>,
    ready: VecDeque<io::Result<(String, Form)>>,
    next_ordinal: usize,
    extra: &'a HashMap<usize, Arc<Finding>>,
}

impl<'a> SpoolReader<'a> {
    /// Opens the spool; `extra` holds the findings to add, by the form's position.
    pub fn open(path: &Path, extra: &'a HashMap<usize, Arc<Finding>>) -> io::Result<Self> {
        let lines = BufReader::with_capacity(256 << 10, File::open(path)?).lines();
        Ok(SpoolReader {
            lines,
            ready: VecDeque::new(),
            next_ordinal: 0,
            extra,
        })
    }

    fn refill(&mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut failed = None;
        while batch.len() < BATCH {
            match self.lines.next() {
                Some(Ok(line)) => {
                    batch.push((self.next_ordinal, line));
                    self.next_ordinal += 1;
                }
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        let extra = self.extra;
        let parsed: Vec<io::Result<(String, Form)>> = batch
            .into_par_iter()
            .map(|(ordinal, mut line)| {
                let mut form: Form = serde_json::from_str(&line).map_err(io::Error::other)?;
                if let Some(finding) = extra.get(&ordinal) {
                    form.findings.push(Finding::clone(finding));
                    line = serde_json::to_string(&form).map_err(io::Error::other)?;
                }
                Ok((line, form))
            })
            .collect();
        self.ready.extend(parsed);
        if let Some(e) = failed {
            self.ready.push_back(Err(e));
        }
    }
}

impl Iterator for SpoolReader<'_> {
    type Item = io::Result<(String, Form)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            self.refill();
        }
        self.ready.pop_front()
    }
}
