//! DOCX reader behaviour on the real Guangzhou 2024 form as a Word document
//! (fixtures/guangzhou-2024-docx, made by scripts/make-fixtures from the seed text).

use std::collections::BTreeMap;

use jixiao::formats::{detect, read, Format, ReadLimits};
use jixiao::model::{Block, Cell, Grid, Table};

use crate::common;
use crate::util::{fixture, fixture_bytes};

fn read_fixture_docx() -> Grid {
    let bytes = fixture_bytes("guangzhou-2024-docx/input.docx");
    let limits = ReadLimits::default();
    let format = detect(&bytes, &limits).expect("detect");
    assert_eq!(format, Format::Docx);
    read(&bytes, format, &limits).expect("read docx")
}

/// Non-empty fields of the seed text, trimmed, by line (1-based).
fn seed_fields() -> Vec<(usize, String)> {
    let text =
        std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).expect("seed text");
    let mut fields = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        for field in line.trim_end_matches('\r').split('\t') {
            let field = field.trim();
            if !field.is_empty() {
                fields.push((i + 1, field.to_string()));
            }
        }
    }
    fields
}

fn multiset<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for text in texts {
        *counts.entry(text).or_insert(0) += 1;
    }
    counts
}

/// The cell anchored in `table` at 1-based `row`, 0-based grid `col`.
fn at(table: &Table, row: usize, col: u32) -> &Cell {
    table.rows[row - 1]
        .at(col)
        .unwrap_or_else(|| panic!("no cell at row {row} col {col}"))
}

#[test]
fn guangzhou_docx_is_a_title_then_two_tables() {
    let grid = read_fixture_docx();
    assert!(grid.notes.is_empty(), "{:?}", grid.notes);
    assert_eq!(
        grid.blocks.len(),
        3,
        "{:#?}",
        grid.blocks
            .iter()
            .map(std::mem::discriminant)
            .collect::<Vec<_>>()
    );
    let Block::Paragraph(title) = &grid.blocks[0] else {
        panic!("the title paragraph comes first")
    };
    assert_eq!(title.text, "广州市司法局2024年部门整体预算绩效目标申报表");
    assert_eq!(title.loc.to_string(), "paragraph 1");
    let (Block::Table(t1), Block::Table(t2)) = (&grid.blocks[1], &grid.blocks[2]) else {
        panic!("then two tables")
    };
    assert_eq!(t1.rows.len(), 11, "seed lines 5-15");
    assert_eq!(t2.rows.len(), 26, "seed lines 17-44 without the blank ones");

    // Table 1: 部门名称 … the first two task rows.
    assert_eq!(at(t1, 1, 0).text, "部门名称");
    let name = at(t1, 1, 1);
    assert_eq!(
        (name.text.as_str(), name.col_span, name.row_span),
        ("广州市司法局", 4, 1)
    );
    let budget = at(t1, 2, 0);
    assert_eq!((budget.text.as_str(), budget.row_span), ("预算整体情况", 6));
    assert_eq!(at(t1, 3, 2).text, "153,069.97");
    let goal = at(t1, 8, 1);
    assert_eq!((goal.col, goal.col_span), (1, 4));
    assert!(
        goal.text.starts_with("市司法局将围绕打造法治城市"),
        "{}",
        goal.text
    );
    let tasks = at(t1, 9, 0);
    assert_eq!(
        (tasks.text.as_str(), tasks.row_span),
        ("年度重点工作任务", 3)
    );
    for row in (3..=7).chain(10..=11) {
        assert!(
            t1.rows[row - 1].at(0).is_none(),
            "row {row} column 0 is covered by a merge"
        );
    }

    // Table 2 starts with the page-break repetition of the section label.
    let repeated = at(t2, 1, 0);
    assert_eq!(repeated.text, "年度重点工作任务");
    assert_eq!(repeated.loc.to_string(), "table 2 row 1 cell 1");
    assert_eq!(repeated.row_span, 2);
    let other = at(t2, 3, 0);
    assert_eq!(other.text, "其他需完成的任务（可选项）");
    assert_eq!(t2.rows[2].cells.len(), 1, "its gridSpan value is empty");
    assert_eq!(at(t2, 4, 0).text, "一级指标");
    let spans = |row: usize, col: u32| {
        let c = at(t2, row, col);
        (c.text.as_str(), c.col_span, c.row_span)
    };
    assert_eq!(spans(5, 0), ("绩效指标", 1, 15));
    assert_eq!(spans(5, 1), ("数量指标", 1, 10));
    assert_eq!(spans(15, 1), ("质量指标", 1, 3));
    assert_eq!(spans(18, 1), ("时效指标", 1, 1));
    assert_eq!(spans(19, 1), ("成本指标", 1, 1));
    assert_eq!(spans(20, 0), ("效益指标", 1, 4));
    assert_eq!(spans(21, 1), ("社会效益指标", 1, 3));
    assert_eq!(spans(24, 0), ("生态效益指标", 1, 1));
    assert_eq!(spans(25, 0), ("可持续影响指标", 1, 1));
    assert_eq!(spans(26, 0), ("满意度指标", 1, 1));
    // A cell under a merged level cell starts at the third grid column.
    let third = at(t2, 6, 2);
    assert_eq!(
        (third.text.as_str(), third.loc.to_string()),
        ("行政复议案件数量", "table 2 row 6 cell 3".into())
    );
}

#[test]
fn guangzhou_docx_keeps_every_seed_text_exactly() {
    let grid = read_fixture_docx();
    let mut texts = Vec::new();
    for block in &grid.blocks[1..] {
        let Block::Table(table) = block else {
            panic!("only tables after the title")
        };
        for row in &table.rows {
            texts.extend(row.cells.iter().map(|c| c.text.as_str()));
        }
    }
    let seed = seed_fields();
    // The title (seed line 3) is the paragraph, not a cell.
    let expected: Vec<&str> = seed
        .iter()
        .filter(|(line, _)| *line != 3)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        multiset(texts.iter().copied()),
        multiset(expected.iter().copied())
    );
    // The long texts came back whole although they were written in several runs.
    let longest = seed
        .iter()
        .map(|(_, t)| t)
        .max_by_key(|t| t.chars().count())
        .unwrap();
    assert!(
        longest.chars().count() > 500,
        "written in runs of 97 characters"
    );
    assert!(texts.contains(&longest.as_str()));
}

#[test]
fn a_form_saved_by_word_reads_as_the_same_grid() {
    // Word's revision ids, w14 paragraph ids, paragraph, run and row properties around
    // the same text and structure: four to five times the XML, the same cells.
    let lean = fixture_bytes("guangzhou-2024-docx/input.docx");
    let dressed = common::render::as_word_saves_it(&lean).expect("dress the docx");
    let xml_len = |docx: &[u8]| {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        zip.by_name("word/document.xml")
            .map(|part| part.size())
            .unwrap()
    };
    assert!(
        xml_len(&dressed) > 3 * xml_len(&lean),
        "the dressing adds Word's markup"
    );
    let limits = ReadLimits::default();
    let dressed_grid = read(&dressed, Format::Docx, &limits).expect("read the dressed docx");
    assert_eq!(dressed_grid, read_fixture_docx());
}
