//! Writes the Guangzhou 2024 fixtures from the seed text, so that every input format
//! jixiao reads has a copy of the same real form whose cell texts are known exactly,
//! and the binary inputs of the template-variant fixtures.
//!
//! Source: `fixtures/guangzhou-2024-text/input.txt` (the seed form as tab-separated UTF-8
//! lines; blank lines are page breaks). It is read into the form model of
//! `examples/common` and rendered back; the text rendering must give the seed byte for
//! byte, which proves the model holds everything the seed says. Outputs, all under
//! `fixtures/`:
//!
//! * `guangzhou-2024-gb18030/input.txt`: the same text in GB18030 with CRLF line ends
//!   (what Notepad on Chinese Windows saves);
//! * `guangzhou-2024-utf16/input.txt`: the same text in UTF-16LE with a BOM
//!   (what Excel's "Unicode text" export saves);
//! * `guangzhou-2024-csv/input.csv`: the same rows as CSV in GB18030 (what Excel's
//!   "CSV (逗号分隔)" saves on Chinese Windows);
//! * `guangzhou-2024-xlsx/input.xlsx`: the form laid out like the official template on
//!   one sheet, with merged section and indicator cells and numeric amounts;
//! * `guangzhou-2024-docx/input.docx`: the title paragraph, then the form as two tables
//!   split at the seed's page break, with gridSpan/vMerge merges and split runs;
//! * `guangzhou-2024-excel-xml/input.xml`: the sheet of the XLSX as an Excel 2003 XML
//!   spreadsheet (what budget systems export, often named `.xls`);
//! * `guangzhou-2024-word-xml/input.xml`: the body of the DOCX as a Word 2003 XML
//!   document (what old offices saved as "Word XML 文档");
//! * `guangzhou-2024-mht/input.mht`: the web page fixture (made by
//!   `scripts/make-html-fixture`) as the sheet of a single-file web page that Excel
//!   saves, with its frame page, tab strip and an image;
//! * the template-variant workbooks and documents of `examples/common/variants.rs`
//!   (`sheets-per-form-xlsx`, `two-forms-docx`, `two-row-header-xlsx`,
//!   `two-row-header-docx`, `columns-reordered-docx`), forms laid out unlike the seed.
//!
//! The output is deterministic (fixed zip timestamps and document dates), so running it
//! twice leaves git clean. `--check` compares instead of writing and fails on a
//! difference, to prove the committed fixtures came from this generator.
//!
//! Run it with `scripts/make-fixtures` (or `cargo run --example make_fixtures`).

mod common;

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};

use common::form::{Budget, FormModel, IndicatorRow, TaskRow};
use common::render::{self, OTHER_TASKS_LABEL, TASKS_LABEL};
use common::variants;

fn main() -> Result<()> {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => bail!("unknown argument {other:?}; usage: make_fixtures [--check]"),
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let seed_path = root.join("guangzhou-2024-text/input.txt");
    let seed_text = std::fs::read_to_string(&seed_path)
        .with_context(|| format!("reading {}", seed_path.display()))?;
    let seed = parse_seed(&seed_text)?;
    ensure!(
        render::tsv(&seed) == seed_text,
        "the seed does not read back as the template lays it out; \
         the form model or the layout in examples/common lost something"
    );

    let mut outputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "guangzhou-2024-gb18030/input.txt",
            render::gb18030_crlf(&seed_text)?,
        ),
        (
            "guangzhou-2024-utf16/input.txt",
            render::utf16le_bom(&seed_text),
        ),
        (
            "guangzhou-2024-csv/input.csv",
            render::csv_gb18030(&seed_text)?,
        ),
        ("guangzhou-2024-xlsx/input.xlsx", render::xlsx(&seed)?),
        ("guangzhou-2024-docx/input.docx", render::docx(&seed)?),
        (
            "guangzhou-2024-excel-xml/input.xml",
            render::excel_xml(&seed).into_bytes(),
        ),
        (
            "guangzhou-2024-word-xml/input.xml",
            render::word_xml(&seed)?.into_bytes(),
        ),
    ];
    let page_path = root.join("guangzhou-2024-html/input.html");
    let page =
        std::fs::read(&page_path).with_context(|| format!("reading {}", page_path.display()))?;
    outputs.push(("guangzhou-2024-mht/input.mht", render::mht_excel(&page)));
    outputs.extend(variants::all()?);
    let mut stale = Vec::new();
    for (name, bytes) in outputs {
        let path = root.join(name);
        if check {
            if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                stale.push(path.display().to_string());
            }
        } else {
            write(&path, &bytes)?;
            println!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
    }
    if !stale.is_empty() {
        bail!(
            "fixtures differ from the generator's output: {}; run scripts/make-fixtures",
            stale.join(", ")
        );
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Reads the seed's sections by their labels into the form model. Only what varies
/// between forms is read; the fixed labels are checked by rendering the model back.
fn parse_seed(text: &str) -> Result<FormModel> {
    let lines: Vec<Vec<String>> = text
        .split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                Vec::new()
            } else {
                line.split('\t').map(|f| f.trim().to_string()).collect()
            }
        })
        .collect();
    let field =
        |line: usize, col: usize| -> String { lines[line].get(col).cloned().unwrap_or_default() };
    let find = |label: &str| -> Result<usize> {
        lines
            .iter()
            .position(|f| f.first().is_some_and(|c| c.starts_with(label)))
            .with_context(|| format!("the seed has no {label} line"))
    };

    let title_line = lines
        .iter()
        .position(|f| !f.is_empty())
        .context("the seed is empty")?;
    let budget = find("预算整体情况")?;
    let tasks = find(TASKS_LABEL)?;
    let other = find(OTHER_TASKS_LABEL)?;
    let header = find("一级指标")?;

    let mut task_rows = Vec::new();
    let mut page_break_after_task = None;
    for line in &lines[tasks + 1..other] {
        if line.is_empty() {
            page_break_after_task.get_or_insert(task_rows.len());
            continue;
        }
        let cell = |col: usize| line.get(col).cloned().unwrap_or_default();
        task_rows.push(TaskRow {
            name: cell(1),
            content: cell(2),
            funds: cell(3),
            goal: cell(4),
        });
    }
    let indicators = lines[header + 1..]
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| {
            let cell = |col: usize| f.get(col).cloned().unwrap_or_default();
            IndicatorRow {
                level1: cell(0),
                level2: cell(1),
                level3: cell(2),
                period: cell(3),
                annual: cell(4),
            }
        })
        .collect();
    Ok(FormModel {
        title: field(title_line, 0),
        department: field(find("部门名称")?, 1),
        budget: Budget {
            basic: field(budget + 1, 2),
            fiscal: field(budget + 1, 4),
            project: field(budget + 2, 2),
            other_funds: field(budget + 2, 4),
            special: field(budget + 4, 2),
            own_level: field(budget + 4, 4),
            other_development: field(budget + 5, 2),
            transfer: field(budget + 5, 4),
        },
        overall_goal: field(find("总体绩效目标")?, 1),
        page_break_after_task: page_break_after_task.unwrap_or(task_rows.len()),
        tasks: task_rows,
        other_tasks: field(other, 1),
        indicators,
    })
}
