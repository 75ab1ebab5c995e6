//! A flat, format-free view of a grid's rows, with each cell's label worked out once and
//! a record of which cells a field took.
//!
//! Extraction walks rows top to bottom; every cell a field consumes is marked taken, and
//! whatever is left at the end is reported as `unmapped` with its location, so nothing
//! the extractor does not understand is silently dropped.

use super::labels::Label;
use crate::model::{Block, Cell, Grid};

/// All rows of a grid in reading order (a free paragraph is a one-cell row), with the
/// [`Label`] and a taken-flag of every cell.
pub struct Rows<'g> {
    rows: Vec<&'g [Cell]>,
    /// Where each row's cells start in `labels` and `taken`, which run over all cells.
    starts: Vec<usize>,
    labels: Vec<Label<'g>>,
    taken: Vec<bool>,
}

impl<'g> Rows<'g> {
    /// Flattens the grid's blocks in reading order and classifies every cell's text.
    pub fn new(grid: &'g Grid) -> Self {
        // Sized up front, as `labels` below: growing would allocate several times.
        let row_count = grid.blocks.iter().map(|block| match block {
            Block::Paragraph(_) => 1,
            Block::Table(table) => table.rows.len(),
        });
        let mut rows: Vec<&'g [Cell]> = Vec::with_capacity(row_count.sum());
        for block in &grid.blocks {
            match block {
                Block::Paragraph(cell) => rows.push(std::slice::from_ref(cell)),
                Block::Table(table) => rows.extend(table.rows.iter().map(|r| r.cells.as_slice())),
            }
        }
        let mut starts = Vec::with_capacity(rows.len());
        // Sized up front: a form has hundreds of cells, and growing would copy them all
        // several times over.
        let mut labels = Vec::with_capacity(rows.iter().map(|row| row.len()).sum());
        for row in &rows {
            starts.push(labels.len());
            labels.extend(row.iter().map(|cell| Label::new(&cell.text)));
        }
        let taken = vec![false; labels.len()];
        Rows {
            rows,
            starts,
            labels,
            taken,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The cells of row `r`, sorted by column.
    pub fn cells(&self, r: usize) -> &'g [Cell] {
        self.rows[r]
    }

    /// The labels of row `r`'s cells, in the order of [`Self::cells`].
    pub fn labels(&self, r: usize) -> &[Label<'g>] {
        &self.labels[self.starts[r]..][..self.rows[r].len()]
    }

    /// The label of cell `i` of row `r`.
    pub fn label(&self, r: usize, i: usize) -> &Label<'g> {
        &self.labels(r)[i]
    }

    /// The taken-flags of row `r`'s cells.
    fn taken_mut(&mut self, r: usize) -> &mut [bool] {
        &mut self.taken[self.starts[r]..][..self.rows[r].len()]
    }

    /// Marks cell `i` of row `r` as understood.
    pub fn take(&mut self, r: usize, i: usize) {
        self.taken_mut(r)[i] = true;
    }

    /// Marks every cell of row `r` as understood.
    pub fn take_row(&mut self, r: usize) {
        self.taken_mut(r).fill(true);
    }

    /// The cell of row `r` that covers grid column `col` (its anchor or a span over it),
    /// with its index in the row.
    pub fn covering(&self, r: usize, col: u32) -> Option<(usize, &'g Cell)> {
        self.rows[r]
            .iter()
            .enumerate()
            .find(|(_, c)| c.col <= col && col < c.col + c.col_span.max(1))
    }

    /// Takes every cell of row `r` from index `from` on and joins their texts with
    /// newlines; `None` when there are none.
    pub fn take_rest(&mut self, r: usize, from: usize) -> Option<String> {
        self.take_span(r, from, self.rows[r].len())
    }

    /// [`Rows::take_rest`] of the cells `from..to` only.
    pub fn take_span(&mut self, r: usize, from: usize, to: usize) -> Option<String> {
        let to = to.min(self.rows[r].len());
        let rest = self.rows[r].get(from..to).filter(|rest| !rest.is_empty())?;
        self.taken_mut(r)[from..to].fill(true);
        let mut joined = String::with_capacity(rest.iter().map(|c| c.text.len() + 1).sum());
        for (k, cell) in rest.iter().enumerate() {
            if k > 0 {
                joined.push('\n');
            }
            joined.push_str(&cell.text);
        }
        Some(joined)
    }

    /// The cells nobody took in rows `range`, in reading order.
    pub fn untaken(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &'g Cell> + '_ {
        range.flat_map(move |r| {
            let taken = &self.taken[self.starts[r]..][..self.rows[r].len()];
            self.rows[r]
                .iter()
                .zip(taken)
                .filter(|(_, taken)| !**taken)
                .map(|(cell, _)| cell)
        })
    }
}
