//! Writes the Guangzhou 2024 fixtures from the seed text, so that every input format
//! jixiao reads has a copy of the same real form whose cell texts are known exactly.
//!
//! Source: `fixtures/guangzhou-2024-text/input.txt` (the seed form as tab-separated UTF-8
//! lines; blank lines are page breaks). Outputs, all under `fixtures/`:
//!
//! * `guangzhou-2024-gb18030/input.txt`: the same text in GB18030 with CRLF line ends
//!   (what Notepad on Chinese Windows saves);
//! * `guangzhou-2024-utf16/input.txt`: the same text in UTF-16LE with a BOM
//!   (what Excel's "Unicode text" export saves);
//! * `guangzhou-2024-xlsx/input.xlsx`: the form laid out like the official template on
//!   one sheet, with merged section and indicator cells and numeric amounts;
//! * `guangzhou-2024-docx/input.docx`: the title paragraph, then the form as two tables
//!   split at the seed's page break, with gridSpan/vMerge merges and split runs.
//!
//! The output is deterministic (fixed zip timestamps and document dates), so running it
//! twice leaves git clean. `--check` compares instead of writing and fails on a
//! difference, to prove the committed fixtures came from this generator.
//!
//! Run it with `scripts/make-fixtures` (or `cargo run --example make_fixtures`).

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Columns of the form (A..E).
const COLS: u32 = 5;
/// Seed line holding the title.
const TITLE_LINE: usize = 3;
/// Seed line of the indicator header row (一级指标 …), written bold.
const HEADER_LINE: usize = 22;
/// Seed lines of DOCX table 1 and table 2 (the seed's page break after line 15 splits them;
/// the later blank lines are dropped, table 2 runs to the end).
const DOCX_TABLE_1: (usize, usize) = (5, 15);
const DOCX_TABLE_2_FIRST: usize = 17;

/// A label merged down one column over seed lines `first..=last` (blank lines excluded).
struct Down {
    col: u32,
    first: usize,
    last: usize,
    label: &'static str,
}

/// Merges down, as on the official template. 年度重点工作任务 crosses the seed's page
/// break: in the XLSX it is one region (the repeated label on line 17 is covered); in the
/// DOCX each table has its own region, the second anchored on line 17's repeated label.
const DOWN: &[Down] = &[
    Down {
        col: 0,
        first: 6,
        last: 11,
        label: "预算整体情况",
    },
    Down {
        col: 0,
        first: 13,
        last: 18,
        label: "年度重点工作任务",
    },
    Down {
        col: 0,
        first: 23,
        last: 37,
        label: "绩效指标",
    },
    Down {
        col: 1,
        first: 23,
        last: 32,
        label: "数量指标",
    },
    Down {
        col: 1,
        first: 33,
        last: 35,
        label: "质量指标",
    },
    Down {
        col: 0,
        first: 38,
        last: 41,
        label: "效益指标",
    },
    Down {
        col: 1,
        first: 39,
        last: 41,
        label: "社会效益指标",
    },
];

/// Cells merged across from column `col` to E, by seed line, with the text of the line's
/// first cell (to check we merge the right line).
const ACROSS: &[(usize, u32, &str)] = &[
    (
        TITLE_LINE,
        0,
        "广州市司法局2024年部门整体预算绩效目标申报表",
    ),
    (5, 1, "部门名称"),
    (12, 1, "总体绩效目标"),
    (20, 1, "其他需完成的任务（可选项）"),
];

/// DOCX grid column widths in twentieths of a point (A4 landscape minus 2 cm margins).
const DOCX_GRID: [u32; 5] = [1800, 2400, 4400, 1800, 4170];

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
    let seed = Seed::parse(&seed_text)?;

    let outputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "guangzhou-2024-gb18030/input.txt",
            gb18030_crlf(&seed_text)?,
        ),
        ("guangzhou-2024-utf16/input.txt", utf16le_bom(&seed_text)),
        ("guangzhou-2024-xlsx/input.xlsx", xlsx(&seed)?),
        ("guangzhou-2024-docx/input.docx", docx(&seed)?),
    ];
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

/// The seed form: lines of trimmed fields, 1-based.
struct Seed {
    lines: Vec<Vec<String>>,
}

impl Seed {
    fn parse(text: &str) -> Result<Seed> {
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
        let seed = Seed { lines };
        seed.validate()?;
        Ok(seed)
    }

    /// The trimmed field at 1-based `line`, 0-based `col`; empty when absent.
    fn cell(&self, line: usize, col: u32) -> &str {
        self.lines
            .get(line - 1)
            .and_then(|f| f.get(col as usize))
            .map_or("", |s| s.as_str())
    }

    fn is_blank(&self, line: usize) -> bool {
        self.lines[line - 1].is_empty()
    }

    fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Non-blank lines after the title, in order.
    fn form_lines(&self) -> impl Iterator<Item = usize> + '_ {
        (TITLE_LINE + 1..=self.line_count()).filter(|&l| !self.is_blank(l))
    }

    /// Checks the layout constants against the seed, so a changed seed fails loudly
    /// instead of producing a wrong fixture.
    fn validate(&self) -> Result<()> {
        ensure!(
            self.line_count() >= 44,
            "the seed has {} lines, expected 44",
            self.line_count()
        );
        ensure!(
            (1..TITLE_LINE).all(|l| self.is_blank(l)),
            "the seed's title is not on line {TITLE_LINE}"
        );
        ensure!(
            self.is_blank(16) && self.is_blank(DOCX_TABLE_1.1 + 1),
            "the seed's page break is not line 16"
        );
        ensure!(
            self.cell(HEADER_LINE, 0) == "一级指标",
            "line {HEADER_LINE} is not the indicator header"
        );
        for &(line, col, first) in ACROSS {
            ensure!(
                self.cell(line, 0) == first,
                "line {line} starts with {:?}, not {first:?}",
                self.cell(line, 0)
            );
            for c in col + 1..COLS {
                ensure!(
                    self.cell(line, c).is_empty(),
                    "line {line} column {c} is not empty: cannot merge"
                );
            }
        }
        for d in DOWN {
            ensure!(
                self.cell(d.first, d.col) == d.label,
                "line {} column {} is not {}",
                d.first,
                d.col,
                d.label
            );
            for line in d.first + 1..=d.last {
                let text = self.cell(line, d.col);
                // The page-break repetition of the label is the only text a region may cover.
                let repeated = line == DOCX_TABLE_2_FIRST && text == d.label;
                ensure!(
                    text.is_empty() || repeated,
                    "line {line} column {} holds {text:?} inside {}",
                    d.col,
                    d.label
                );
            }
        }
        Ok(())
    }
}

fn gb18030_crlf(text: &str) -> Result<Vec<u8>> {
    let crlf = text.replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&crlf);
    ensure!(!unmappable, "the seed has characters GB18030 cannot encode");
    Ok(bytes.into_owned())
}

/// encoding_rs decodes UTF-16 but only encodes to ASCII-compatible encodings, so the
/// UTF-16LE bytes are written directly.
fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    bytes
}

/// An amount written as `153,069.97`: digits in comma groups of three, two decimals.
/// Returns the value only when `#,##0.00` displays it as the same text.
fn amount(text: &str) -> Option<f64> {
    let (int, frac) = text.split_once('.')?;
    if frac.len() != 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let groups: Vec<&str> = int.split(',').collect();
    let ok = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.bytes().all(|b| b.is_ascii_digit())
            && (if i == 0 { g.len() <= 3 } else { g.len() == 3 })
    });
    if !ok || (groups.len() > 1 && groups[0].starts_with('0')) {
        return None;
    }
    let value: f64 = format!("{}.{frac}", groups.concat()).parse().ok()?;
    (thousands(value) == text).then_some(value)
}

/// `value` as `#,##0.00` displays it.
fn thousands(value: f64) -> String {
    let fixed = format!("{value:.2}");
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{frac}")
}

/// Deflated zip entries with a fixed timestamp and mode, so the bytes never change.
fn zip_options() -> SimpleFileOptions {
    SimpleFileOptions::DEFAULT
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644)
}

// ---------------------------------------------------------------- XLSX

/// Which merge a position belongs to in the XLSX, by seed line and column.
enum Role {
    /// The top-left cell of a merge over rows `..=last_line` and columns `..=last_col`.
    Anchor { last_line: usize, last_col: u32 },
    /// Covered by a merge: written by its anchor.
    Covered,
}

fn xlsx_roles(seed: &Seed) -> BTreeMap<(usize, u32), Role> {
    let mut roles = BTreeMap::new();
    for &(line, col, _) in ACROSS {
        let anchor_col = if line == TITLE_LINE { 0 } else { col };
        roles.insert(
            (line, anchor_col),
            Role::Anchor {
                last_line: line,
                last_col: COLS - 1,
            },
        );
        for c in anchor_col + 1..COLS {
            roles.insert((line, c), Role::Covered);
        }
    }
    for d in DOWN {
        roles.insert(
            (d.first, d.col),
            Role::Anchor {
                last_line: d.last,
                last_col: d.col,
            },
        );
        for line in d.first + 1..=d.last {
            if !seed.is_blank(line) {
                roles.insert((line, d.col), Role::Covered);
            }
        }
    }
    roles
}

fn xlsx(seed: &Seed) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 1)?.and_hms(0, 0, 0)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("jixiao fixtures"),
    );

    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let plain = Format::new().set_align(FormatAlign::VerticalCenter);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let label = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let money = Format::new()
        .set_num_format("#,##0.00")
        .set_align(FormatAlign::VerticalCenter);

    let sheet = workbook.add_worksheet();
    sheet.set_name("Sheet1")?;
    for (col, width) in [14.0, 20.0, 60.0, 18.0, 60.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }

    // Row 1 is the title; then every non-blank seed line in order.
    let mut row_of = BTreeMap::new();
    row_of.insert(TITLE_LINE, 0u32);
    for (i, line) in seed.form_lines().enumerate() {
        row_of.insert(line, i as u32 + 1);
    }
    let roles = xlsx_roles(seed);
    for (&line, &row) in &row_of {
        for col in 0..COLS {
            let text = seed.cell(line, col);
            let format = if line == TITLE_LINE {
                &title
            } else if line == HEADER_LINE {
                &bold
            } else if text.chars().count() > 16 {
                &wrap
            } else {
                &plain
            };
            match roles.get(&(line, col)) {
                Some(Role::Covered) => {}
                Some(Role::Anchor {
                    last_line,
                    last_col,
                }) => {
                    let format = if *last_col == col && line != TITLE_LINE {
                        &label
                    } else {
                        format
                    };
                    sheet.merge_range(
                        row,
                        col as u16,
                        row_of[last_line],
                        *last_col as u16,
                        text,
                        format,
                    )?;
                }
                None if text.is_empty() => {}
                None => match amount(text) {
                    Some(value) => {
                        sheet.write_number_with_format(row, col as u16, value, &money)?;
                    }
                    None => {
                        sheet.write_string_with_format(row, col as u16, text, format)?;
                    }
                },
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

// ---------------------------------------------------------------- DOCX

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Runs of at most 97 characters: a long cell's text arrives in several `<w:r>`s, as
/// Word writes it after edits, and must come back concatenated.
fn runs(text: &str, bold: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let rpr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    chars
        .chunks(97)
        .map(|chunk| {
            let chunk: String = chunk.iter().collect();
            format!(
                r#"<w:r>{rpr}<w:t xml:space="preserve">{}</w:t></w:r>"#,
                escape(&chunk)
            )
        })
        .collect()
}

/// How a DOCX cell position is written.
enum DocxCell<'a> {
    /// A cell spanning `span` grid columns; `vmerge` is `Some("restart")` for a merge anchor.
    Text {
        text: &'a str,
        span: u32,
        vmerge: Option<&'static str>,
    },
    /// A vMerge continuation: empty, continues the region above.
    Continue,
    /// Covered by a gridSpan to its left: no `<w:tc>` at all.
    Spanned,
}

fn docx_cell<'a>(seed: &'a Seed, lines: &[usize], line: usize, col: u32) -> DocxCell<'a> {
    for &(l, c, _) in ACROSS {
        if l == line && col > c {
            return DocxCell::Spanned;
        }
        if l == line && col == c {
            return DocxCell::Text {
                text: seed.cell(line, col),
                span: COLS - c,
                vmerge: None,
            };
        }
    }
    for d in DOWN {
        // The region as it falls in this table.
        let in_table: Vec<usize> = lines
            .iter()
            .copied()
            .filter(|l| (d.first..=d.last).contains(l))
            .collect();
        if d.col != col || !in_table.contains(&line) || in_table.len() < 2 {
            continue;
        }
        if line == in_table[0] {
            return DocxCell::Text {
                text: seed.cell(line, col),
                span: 1,
                vmerge: Some("restart"),
            };
        }
        return DocxCell::Continue;
    }
    DocxCell::Text {
        text: seed.cell(line, col),
        span: 1,
        vmerge: None,
    }
}

fn docx_table(seed: &Seed, lines: &[usize]) -> String {
    let mut xml = String::from(concat!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblBorders>",
        "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>",
        "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>",
    ));
    for width in DOCX_GRID {
        xml.push_str(&format!("<w:gridCol w:w=\"{width}\"/>"));
    }
    xml.push_str("</w:tblGrid>");
    for &line in lines {
        xml.push_str("<w:tr>");
        for col in 0..COLS {
            let cell = docx_cell(seed, lines, line, col);
            let (text, span, vmerge) = match cell {
                DocxCell::Spanned => continue,
                DocxCell::Continue => ("", 1, Some("continue")),
                DocxCell::Text { text, span, vmerge } => (text, span, vmerge),
            };
            let width: u32 = DOCX_GRID[col as usize..(col + span) as usize].iter().sum();
            xml.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
            ));
            if span > 1 {
                xml.push_str(&format!("<w:gridSpan w:val=\"{span}\"/>"));
            }
            match vmerge {
                Some("restart") => xml.push_str("<w:vMerge w:val=\"restart\"/>"),
                // Word writes a continuation without a value; the reader must take both.
                Some(_) => xml.push_str("<w:vMerge/>"),
                None => {}
            }
            xml.push_str("<w:vAlign w:val=\"center\"/></w:tcPr><w:p>");
            if !text.is_empty() && vmerge != Some("continue") {
                xml.push_str(&runs(text, line == HEADER_LINE));
            }
            xml.push_str("</w:p></w:tc>");
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

fn docx(seed: &Seed) -> Result<Vec<u8>> {
    let table_1: Vec<usize> = (DOCX_TABLE_1.0..=DOCX_TABLE_1.1)
        .filter(|&l| !seed.is_blank(l))
        .collect();
    let table_2: Vec<usize> = (DOCX_TABLE_2_FIRST..=seed.line_count())
        .filter(|&l| !seed.is_blank(l))
        .collect();
    ensure!(
        seed.form_lines().count() == table_1.len() + table_2.len(),
        "the two tables must hold every form line"
    );
    ensure!(
        seed.cell(DOCX_TABLE_2_FIRST, 0) == "年度重点工作任务",
        "table 2 must start with the repeated label"
    );

    let mut body = String::new();
    body.push_str(
        r#"<w:p><w:pPr><w:jc w:val="center"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:pPr>"#,
    );
    body.push_str(
        &runs(seed.cell(TITLE_LINE, 0), true).replace("<w:b/>", "<w:b/><w:sz w:val=\"32\"/>"),
    );
    body.push_str("</w:p>");
    body.push_str(&docx_table(seed, &table_1));
    // Word needs a paragraph between two tables; this one carries the page break.
    body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
    body.push_str(&docx_table(seed, &table_2));
    body.push_str(concat!(
        "<w:p/><w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>",
        "<w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" ",
        "w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>",
    ));
    let document = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" ",
            "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">",
            "<w:body>{}</w:body></w:document>"
        ),
        body
    );
    let styles = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
        "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
        "<w:docDefaults><w:rPrDefault><w:rPr>",
        "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"宋体\"/>",
        "<w:sz w:val=\"21\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/>",
        "</w:rPr></w:rPrDefault></w:docDefaults>",
        "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>",
        "</w:styles>",
    );
    let content_types = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
        "<Override PartName=\"/word/document.xml\" ",
        "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>",
        "<Override PartName=\"/word/styles.xml\" ",
        "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>",
        "</Types>",
    );
    let package_rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rId1\" ",
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" ",
        "Target=\"word/document.xml\"/></Relationships>",
    );
    let document_rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rId1\" ",
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" ",
        "Target=\"styles.xml\"/></Relationships>",
    );

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, part) in [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", package_rels),
        ("word/document.xml", document.as_str()),
        ("word/_rels/document.xml.rels", document_rels),
        ("word/styles.xml", styles),
    ] {
        zip.start_file(name, zip_options())?;
        zip.write_all(part.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_through_the_number_format() {
        assert_eq!(amount("153,069.97"), Some(153069.97));
        assert_eq!(amount("0.00"), Some(0.0));
        assert_eq!(amount("9,725.00"), Some(9725.0));
        assert_eq!(amount("40.42"), Some(40.42));
        for text in ["100%", "≥93", "15次", "1,00.00", "12.5", "0,123.00"] {
            assert_eq!(amount(text), None, "{text}");
        }
    }
}
