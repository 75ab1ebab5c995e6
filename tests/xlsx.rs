//! Spreadsheet readers (XLSX, XLS, ODS) through the public API: the real Guangzhou 2024
//! form in all three formats, one made workbook that must read the same in all three,
//! and hostile files that must be refused quickly and without a panic.
//!
//! The XLS and ODS files (tests/data/readers/, fixtures/guangzhou-2024-{xls,ods}/) were converted by LibreOffice from the
//! XLSX ones; `regenerate_reader_fixtures` (ignored) rebuilds them. Tests never need
//! LibreOffice: they read the committed files.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jixiao::formats::{detect, read, Format, ReadLimits};
use jixiao::model::{Block, Cell, Grid, Table};
use jixiao::ErrorKind;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Formula, Workbook};

use crate::util::{deflated_zip, fixture, fixture_bytes};

/// Test data that is not a form (made workbooks), under tests/data/.
fn load_data(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Detects, checks the format, and reads.
fn read_as(bytes: &[u8], expected: Format) -> Grid {
    let limits = ReadLimits::default();
    let format = detect(bytes, &limits).expect("detect");
    assert_eq!(format, expected);
    read(bytes, format, &limits).unwrap_or_else(|e| panic!("read {expected:?}: {e}"))
}

fn tables(grid: &Grid) -> Vec<&Table> {
    grid.blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) => t,
            Block::Paragraph(p) => panic!("spreadsheets yield tables only, got {p:?}"),
        })
        .collect()
}

/// A cell as (loc, text, number, col_span, row_span).
type Seen = (String, String, Option<f64>, u32, u32);

fn seen(cell: &Cell) -> Seen {
    (
        cell.loc.to_string(),
        cell.text.clone(),
        cell.number,
        cell.col_span,
        cell.row_span,
    )
}

fn sheets(grid: &Grid) -> Vec<(String, Vec<Vec<Seen>>)> {
    tables(grid)
        .into_iter()
        .map(|t| {
            let rows = t
                .rows
                .iter()
                .map(|r| r.cells.iter().map(seen).collect())
                .collect();
            (t.name.clone().expect("sheets are named"), rows)
        })
        .collect()
}

// --- the Guangzhou form ----------------------------------------------------------------

/// Seed line of the title; the XLSX puts it on row 1, then every non-blank line after it.
const TITLE_LINE: usize = 3;

/// The seed text's trimmed fields by 1-based line.
fn seed_lines() -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(fixture("guangzhou-2024-text/input.txt")).expect("seed text");
    text.split('\n')
        .map(|line| {
            line.trim_end_matches('\r')
                .split('\t')
                .map(|f| f.trim().to_string())
                .collect()
        })
        .collect()
}

/// Every cell of the sheet is the seed's field at the same place, amounts carry their
/// value, and every seed field is either a cell or covered by a merged one.
fn check_against_seed(grid: &Grid) {
    let tables = tables(grid);
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].name.as_deref(), Some("Sheet1"));
    let lines = seed_lines();
    let blank = |l: usize| lines[l - 1].iter().all(String::is_empty);
    let line_of_row: Vec<usize> = std::iter::once(TITLE_LINE)
        .chain((TITLE_LINE + 1..=lines.len()).filter(|&l| !blank(l)))
        .collect();
    let field =
        |line: usize, col: u32| lines[line - 1].get(col as usize).map_or("", String::as_str);
    let table = tables[0];
    assert_eq!(
        table.rows.len(),
        line_of_row.len(),
        "one row per non-blank seed line"
    );
    let mut amounts = 0;
    for (row, cells) in table.rows.iter().enumerate() {
        for cell in &cells.cells {
            let expected = field(line_of_row[row], cell.col);
            assert_eq!(cell.text, expected, "{}", cell.loc);
            if let Some(value) = cell.number {
                amounts += 1;
                assert_eq!(
                    expected.replace(',', "").parse::<f64>().ok(),
                    Some(value),
                    "{}",
                    cell.loc
                );
            }
        }
    }
    assert_eq!(amounts, 12, "every amount is a number");
    let covered = |row: usize, col: u32| {
        table.rows.iter().enumerate().any(|(r, cells)| {
            cells.cells.iter().any(|c| {
                (r..r + c.row_span as usize).contains(&row)
                    && (c.col..c.col + c.col_span).contains(&col)
            })
        })
    };
    for (row, &line) in line_of_row.iter().enumerate() {
        for col in 0..5 {
            if !field(line, col).is_empty() {
                assert!(
                    covered(row, col),
                    "seed line {line} column {col} is missing"
                );
            }
        }
    }
    // The merged level labels hold their whole region.
    let anchor = |row: usize, col: u32| {
        table.rows[row]
            .at(col)
            .map(|c| (c.text.as_str(), c.col_span, c.row_span))
    };
    assert_eq!(anchor(2, 0), Some(("预算整体情况", 1, 6)));
    assert_eq!(anchor(16, 0), Some(("绩效指标", 1, 15)));
    assert_eq!(anchor(0, 0).map(|a| a.1), Some(5));
}

#[test]
fn guangzhou_xlsx_matches_the_seed_text() {
    check_against_seed(&read_as(
        &fixture_bytes("guangzhou-2024-xlsx/input.xlsx"),
        Format::Xlsx,
    ));
}

#[test]
fn guangzhou_xls_matches_the_seed_text() {
    check_against_seed(&read_as(
        &fixture_bytes("guangzhou-2024-xls/input.xls"),
        Format::Xls,
    ));
}

#[test]
fn guangzhou_ods_matches_the_seed_text() {
    check_against_seed(&read_as(
        &fixture_bytes("guangzhou-2024-ods/input.ods"),
        Format::Ods,
    ));
}

// --- one made workbook in three formats ------------------------------------------------

/// Merged title and level cells, a stray value in a covered cell, amounts, a percentage,
/// a negative in a two-section format, a custom unit format, a date and a date-time, a
/// formula, a boolean, a wrapped text, an empty row, and a second sheet.
fn made_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 1)
        .unwrap()
        .and_hms(0, 0, 0)
        .unwrap();
    workbook.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("jixiao tests"),
    );
    let plain = CellFormat::new();
    let amount = CellFormat::new().set_num_format("#,##0.00");
    let signed = CellFormat::new().set_num_format("#,##0.00;[Red]-#,##0.00");
    let percent = CellFormat::new().set_num_format("0.0%");
    let unit = CellFormat::new().set_num_format(r#"#,##0.00"万元""#);
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let stamp = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("表一").unwrap();
    sheet
        .merge_range(0, 0, 0, 3, "部门整体预算绩效目标申报表", &plain)
        .unwrap();
    sheet.merge_range(1, 0, 3, 0, "预算情况", &plain).unwrap();
    sheet
        .write_string(2, 0, "stray value under a merge")
        .unwrap();
    sheet.write_string(1, 1, "基本支出").unwrap();
    sheet
        .write_number_with_format(1, 2, 153069.97, &amount)
        .unwrap();
    sheet.write_number_with_format(1, 3, 0.2, &percent).unwrap();
    sheet.write_string(2, 1, "项目支出").unwrap();
    sheet
        .write_number_with_format(2, 2, 27177.64, &amount)
        .unwrap();
    sheet
        .write_number_with_format(2, 3, -1234.5, &signed)
        .unwrap();
    sheet.write_string(3, 1, "日期").unwrap();
    let day = ExcelDateTime::from_ymd(2024, 12, 31).unwrap();
    sheet.write_datetime_with_format(3, 2, &day, &date).unwrap();
    let morning = ExcelDateTime::from_ymd(2024, 12, 31)
        .unwrap()
        .and_hms(8, 30, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 3, &morning, &stamp)
        .unwrap();
    sheet.write_string(5, 0, "合计").unwrap();
    sheet
        .write_formula(5, 1, Formula::new("=C2+C3").set_result("180247.61"))
        .unwrap();
    sheet.write_boolean(5, 2, true).unwrap();
    sheet.write_number(5, 3, 3086.0).unwrap();
    sheet.write_string(6, 0, "第一行\n第二行").unwrap();
    sheet.write_number_with_format(7, 0, 40.42, &unit).unwrap();
    let second = workbook.add_worksheet();
    second.set_name("第二页").unwrap();
    second.write_string(1, 1, "second sheet").unwrap();
    workbook.save_to_buffer().unwrap()
}

fn made_expected() -> Vec<(String, Vec<Vec<Seen>>)> {
    let at = |cell: &str| format!("'表一'!{cell}");
    let s = |cell: &str, text: &str| (at(cell), text.to_string(), None, 1, 1);
    let n = |cell: &str, text: &str, v: f64| (at(cell), text.to_string(), Some(v), 1, 1);
    let first = vec![
        vec![(
            at("A1"),
            "部门整体预算绩效目标申报表".to_string(),
            None,
            4,
            1,
        )],
        vec![
            (at("A2"), "预算情况".to_string(), None, 1, 3),
            s("B2", "基本支出"),
            n("C2", "153,069.97", 153069.97),
            n("D2", "20.0%", 0.2),
        ],
        vec![
            s("B3", "项目支出"),
            n("C3", "27,177.64", 27177.64),
            n("D3", "-1,234.50", -1234.5),
        ],
        vec![
            s("B4", "日期"),
            s("C4", "2024-12-31"),
            s("D4", "2024-12-31 08:30:00"),
        ],
        vec![],
        vec![
            s("A6", "合计"),
            n("B6", "180247.61", 180247.61),
            s("C6", "TRUE"),
            n("D6", "3086", 3086.0),
        ],
        vec![s("A7", "第一行\n第二行")],
        vec![n("A8", "40.42万元", 40.42)],
    ];
    let second = vec![
        vec![],
        vec![(
            "'第二页'!B2".to_string(),
            "second sheet".to_string(),
            None,
            1,
            1,
        )],
    ];
    vec![("表一".to_string(), first), ("第二页".to_string(), second)]
}

#[test]
fn made_xlsx_reads_as_displayed() {
    assert_eq!(
        sheets(&read_as(&made_workbook(), Format::Xlsx)),
        made_expected()
    );
}

#[test]
fn made_xls_reads_like_the_xlsx() {
    assert_eq!(
        sheets(&read_as(&load_data("readers/made.xls"), Format::Xls)),
        made_expected()
    );
}

#[test]
fn made_ods_reads_like_the_xlsx() {
    // LibreOffice saves a boolean as the formula =TRUE(): a number 1 displayed as TRUE.
    let mut expected = made_expected();
    let c6 = expected[0].1[5]
        .iter_mut()
        .find(|c| c.0 == "'表一'!C6")
        .expect("C6");
    c6.2 = Some(1.0);
    assert_eq!(
        sheets(&read_as(&load_data("readers/made.ods"), Format::Ods)),
        expected
    );
}

// --- hostile files ---------------------------------------------------------------------

fn kind_of(result: Result<Grid, jixiao::Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => match e.kind() {
            ErrorKind::Malformed { .. } => "malformed".into(),
            ErrorKind::Limit { .. } => "limit".into(),
            ErrorKind::Unsupported { .. } => "unsupported".into(),
            other => format!("{other:?}"),
        },
    }
}

#[test]
fn xlsx_claiming_the_whole_grid_reads_quickly() {
    let workbook = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1048576"><c r="XFD1048576"><v>42</v></c></row></sheetData></worksheet>"#;
    let bytes = deflated_zip(&[
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ]);
    let started = Instant::now();
    let grid = read_as(&bytes, Format::Xlsx);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let table = tables(&grid)[0];
    assert_eq!(
        table.rows.last().map(|r| seen(&r.cells[0])),
        Some(("'S'!XFD1048576".into(), "42".into(), Some(42.0), 1, 1))
    );
}

#[test]
fn xlsx_zip_bomb_is_refused_by_the_inflate_cap() {
    let big = vec![b' '; 4 << 20];
    let bytes = deflated_zip(&[("xl/workbook.xml", &big)]);
    let limits = ReadLimits {
        max_inflated_bytes: 1 << 20,
        ..ReadLimits::default()
    };
    let err = read(&bytes, Format::Xlsx, &limits).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

/// Flips bytes of the made XLS at many places: every outcome must be a result, never a
/// panic or a hang.
#[test]
fn corrupt_xls_never_panics() {
    let original = load_data("readers/made.xls");
    let limits = ReadLimits::default();
    let mut outcomes = std::collections::BTreeMap::new();
    for (i, at) in (0..original.len()).step_by(97).enumerate() {
        let mut bytes = original.clone();
        bytes[at] ^= 0x5A ^ (i as u8);
        *outcomes
            .entry(kind_of(read(&bytes, Format::Xls, &limits)))
            .or_insert(0) += 1;
    }
    for cut in [600, 2048, original.len() / 2, original.len() - 1] {
        *outcomes
            .entry(kind_of(read(&original[..cut], Format::Xls, &limits)))
            .or_insert(0) += 1;
    }
    eprintln!("corrupt XLS outcomes: {outcomes:?}");
    assert!(
        outcomes
            .keys()
            .all(|k| ["ok", "malformed", "limit"].contains(&k.as_str())),
        "{outcomes:?}"
    );
}

/// The position of a BIFF record header (type, length) in the file, where LibreOffice
/// writes the workbook stream contiguously.
fn find_record(bytes: &[u8], typ: u16, len: u16) -> usize {
    let header = [typ.to_le_bytes(), len.to_le_bytes()].concat();
    bytes
        .windows(4)
        .position(|w| w == header.as_slice())
        .expect("record in the file")
}

#[test]
fn xls_dimensions_claiming_the_whole_grid_are_refused() {
    let mut bytes = load_data("readers/made.xls");
    let at = find_record(&bytes, 0x0200, 14) + 4;
    bytes[at + 4..at + 8].copy_from_slice(&65_536u32.to_le_bytes());
    bytes[at + 10..at + 12].copy_from_slice(&256u16.to_le_bytes());
    let err = read(&bytes, Format::Xls, &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

#[test]
fn xls_cell_far_away_is_refused_before_calamine_allocates() {
    let mut bytes = load_data("readers/made.xls");
    let at = find_record(&bytes, 0x0203, 14) + 4;
    bytes[at..at + 2].copy_from_slice(&65_535u16.to_le_bytes());
    bytes[at + 2..at + 4].copy_from_slice(&255u16.to_le_bytes());
    let err = read(&bytes, Format::Xls, &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

#[test]
fn xls_cell_limit_is_enforced() {
    let limits = ReadLimits {
        max_cells: 5,
        ..ReadLimits::default()
    };
    let err = read(&load_data("readers/made.xls"), Format::Xls, &limits).unwrap_err();
    assert!(err.to_string().contains("--max-cells"), "{err}");
}

const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
const ODS_MANIFEST: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

fn ods_with(table_body: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="T">{table_body}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    deflated_zip(&[
        ("mimetype", ODS_MIME),
        ("META-INF/manifest.xml", ODS_MANIFEST),
        ("content.xml", content.as_bytes()),
    ])
}

#[test]
fn ods_hand_made_reads_with_merges() {
    let body = r#"<table:table-row><table:table-cell office:value-type="string" table:number-columns-spanned="2" table:number-rows-spanned="2"><text:p>合并</text:p></table:table-cell><table:covered-table-cell office:value-type="string"><text:p>stray</text:p></table:covered-table-cell><table:table-cell office:value-type="float" office:value="1234.5"><text:p>1,234.50</text:p><office:annotation><text:p>note</text:p></office:annotation></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b</text:p><text:p>c</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
    let grid = read_as(&ods_with(body), Format::Ods);
    assert_eq!(
        sheets(&grid),
        vec![(
            "T".to_string(),
            vec![
                vec![
                    ("'T'!A1".into(), "合并".into(), None, 2, 2),
                    ("'T'!C1".into(), "1,234.50".into(), Some(1234.5), 1, 1)
                ],
                vec![],
                vec![],
                vec![],
                vec![("'T'!A5".into(), "a  b\nc".into(), None, 1, 1)],
            ]
        )]
    );
}

#[test]
fn ods_repeated_rows_are_refused_before_expansion() {
    let body = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="100"/></table:table-row>"#;
    let started = Instant::now();
    let err = read(&ods_with(body), Format::Ods, &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn ods_repeated_spaces_are_refused() {
    let body = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#;
    let err = read(&ods_with(body), Format::Ods, &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

#[test]
fn ods_deep_nesting_and_bad_xml_are_refused() {
    let deep = format!(
        "<table:table-row>{}</table:table-row>",
        "<x>".repeat(400) + &"</x>".repeat(400)
    );
    assert_eq!(
        kind_of(read(&ods_with(&deep), Format::Ods, &ReadLimits::default())),
        "limit"
    );
    let broken = "<table:table-row><table:table-cell></table:table-row>";
    assert_eq!(
        kind_of(read(&ods_with(broken), Format::Ods, &ReadLimits::default())),
        "malformed"
    );
}

// --- fixture generation ----------------------------------------------------------------

/// Rebuilds tests/data/readers/ (made.xlsx from `made_workbook`, and its XLS and ODS
/// copies) and fixtures/guangzhou-2024-{xls,ods}/ (the Guangzhou XLSX converted) through
/// LibreOffice. Run with
/// `cargo test --test integration -- --ignored regenerate_reader_fixtures`.
#[test]
#[ignore]
fn regenerate_reader_fixtures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/readers");
    std::fs::create_dir_all(&dir).unwrap();
    let scratch =
        std::env::temp_dir().join(format!("jixiao-reader-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(dir.join("made.xlsx"), made_workbook()).unwrap();
    std::fs::copy(
        fixture("guangzhou-2024-xlsx/input.xlsx"),
        scratch.join("guangzhou-2024.xlsx"),
    )
    .unwrap();
    std::fs::copy(dir.join("made.xlsx"), scratch.join("made.xlsx")).unwrap();
    for to in ["xls", "ods"] {
        for name in ["made", "guangzhou-2024"] {
            let status = std::process::Command::new("soffice")
                .args(["--headless", "--convert-to", to, "--outdir"])
                .arg(&scratch)
                .arg(scratch.join(format!("{name}.xlsx")))
                .status()
                .expect("LibreOffice (soffice) on PATH");
            assert!(status.success(), "soffice failed on {name}.xlsx → {to}");
            let target = match name {
                "made" => dir.join(format!("made.{to}")),
                _ => fixture(&format!("guangzhou-2024-{to}/input.{to}")),
            };
            std::fs::copy(scratch.join(format!("{name}.{to}")), target).unwrap();
        }
    }
    std::fs::remove_dir_all(&scratch).ok();
}
