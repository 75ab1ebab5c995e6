//! Reader tests: workbooks made with rust_xlsxwriter (what Excel-like writers produce)
//! and hand-built packages (what hostile or odd writers produce).

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use super::*;
use crate::model::{Cell, Loc, Table};
use crate::ErrorKind;

/// A cell as (loc, text, number, col_span, row_span), for exact comparisons.
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

fn tables(grid: &Grid) -> Vec<&Table> {
    grid.blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) => t,
            Block::Paragraph(_) => panic!("xlsx yields tables only"),
        })
        .collect()
}

fn rows_of(table: &Table) -> Vec<Vec<Seen>> {
    table
        .rows
        .iter()
        .map(|r| r.cells.iter().map(seen).collect())
        .collect()
}

fn s(loc: &str, text: &str) -> Seen {
    (loc.to_string(), text.to_string(), None, 1, 1)
}

fn n(loc: &str, text: &str, number: f64) -> Seen {
    (loc.to_string(), text.to_string(), Some(number), 1, 1)
}

fn span(loc: &str, text: &str, cols: u32, rows: u32) -> Seen {
    (loc.to_string(), text.to_string(), None, cols, rows)
}

/// A form-shaped workbook: merged title and level cells, amounts in `#,##0.00`, a
/// percentage, a date, rich and padded strings, a stray value in a covered cell, a
/// formula, an empty row, and a second sheet.
fn form_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let amount = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bold = Format::new().set_bold();
    let plain = Format::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("申报表").unwrap();
    sheet
        .merge_range(
            0,
            0,
            0,
            4,
            "广州市司法局2024年部门整体预算绩效目标申报表",
            &plain,
        )
        .unwrap();
    sheet.write_string(1, 0, "部门名称").unwrap();
    sheet
        .merge_range(1, 1, 1, 4, "广州市司法局", &plain)
        .unwrap();
    sheet
        .merge_range(2, 0, 7, 0, "预算整体情况", &plain)
        .unwrap();
    sheet
        .write_string(3, 0, "stray value in a covered cell")
        .unwrap();
    sheet.write_string(2, 1, "部门预算支出").unwrap();
    sheet.write_string(2, 2, "预算金额(万元)").unwrap();
    sheet
        .write_rich_string(3, 1, &[(&bold, "基本"), (&plain, "支出")])
        .unwrap();
    sheet
        .write_number_with_format(3, 2, 153069.97, &amount)
        .unwrap();
    sheet.write_number_with_format(3, 3, 0.2, &percent).unwrap();
    sheet.write_string(4, 1, "  项目支出\u{3000} ").unwrap();
    sheet
        .write_number_with_format(4, 2, 27177.64, &amount)
        .unwrap();
    sheet.write_number_with_format(5, 2, 0.0, &amount).unwrap();
    sheet.write_number(6, 2, 3086.0).unwrap();
    sheet
        .write_formula(7, 2, Formula::new("=C4+C5").set_result("180247.61"))
        .unwrap();
    sheet.write_string(9, 0, "第一行\n第二行").unwrap();
    let day = ExcelDateTime::from_ymd(2024, 12, 31).unwrap();
    sheet.write_datetime_with_format(9, 1, &day, &date).unwrap();
    sheet.write_boolean(9, 2, true).unwrap();
    sheet.write_string(9, 3, "   ").unwrap();
    let second = workbook.add_worksheet();
    second.set_name("Sheet2").unwrap();
    second.write_string(0, 0, "second").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn form_workbook_reads_exactly() {
    let grid = read(&form_workbook(), &ReadLimits::default()).unwrap();
    assert_eq!(grid.encoding, None);
    // rust_xlsxwriter asks Excel to recalculate: the formula's result is said to be
    // possibly a placeholder (it is read as saved).
    let notes: Vec<&str> = grid.notes.iter().map(|n| n.code).collect();
    assert_eq!(notes, ["input.formulas_not_calculated"]);
    let tables = tables(&grid);
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0].name.as_deref(), Some("申报表"));
    assert_eq!(tables[1].name.as_deref(), Some("Sheet2"));
    let sheet = "'申报表'!";
    let at = |cell: &str| format!("{sheet}{cell}");
    let expected: Vec<Vec<Seen>> = vec![
        vec![span(
            &at("A1"),
            "广州市司法局2024年部门整体预算绩效目标申报表",
            5,
            1,
        )],
        vec![
            s(&at("A2"), "部门名称"),
            span(&at("B2"), "广州市司法局", 4, 1),
        ],
        vec![
            span(&at("A3"), "预算整体情况", 1, 6),
            s(&at("B3"), "部门预算支出"),
            s(&at("C3"), "预算金额(万元)"),
        ],
        vec![
            s(&at("B4"), "基本支出"),
            n(&at("C4"), "153,069.97", 153069.97),
            n(&at("D4"), "20.0%", 0.2),
        ],
        vec![
            s(&at("B5"), "项目支出"),
            n(&at("C5"), "27,177.64", 27177.64),
        ],
        vec![n(&at("C6"), "0.00", 0.0)],
        vec![n(&at("C7"), "3086", 3086.0)],
        vec![n(&at("C8"), "180247.61", 180247.61)],
        vec![],
        vec![
            s(&at("A10"), "第一行\n第二行"),
            s(&at("B10"), "2024-12-31"),
            s(&at("C10"), "TRUE"),
        ],
    ];
    assert_eq!(rows_of(tables[0]), expected);
    assert_eq!(rows_of(tables[1]), vec![vec![s("'Sheet2'!A1", "second")]]);
}

#[test]
fn locs_share_one_sheet_name() {
    let grid = read(&form_workbook(), &ReadLimits::default()).unwrap();
    let table = tables(&grid)[0];
    let names: Vec<&std::sync::Arc<str>> = table
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .map(|c| match &c.loc {
            Loc::Sheet { sheet, .. } => sheet,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(names.windows(2).all(|w| std::sync::Arc::ptr_eq(w[0], w[1])));
}

// --- hand-built packages -------------------------------------------------------------

const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in parts {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn workbook_xml(extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {NS}>{extra}<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    )
}

const RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

fn sheet_xml(body: &str) -> String {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{body}</worksheet>"#)
}

/// A one-sheet package with this sheet body and shared-string items.
fn one_sheet(sheet_body: &str, shared: &[&str]) -> Vec<u8> {
    let items: String = shared
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(r#"<sst {NS}>{items}</sst>"#);
    zip_of(&[
        ("xl/workbook.xml", &workbook_xml("")),
        ("xl/_rels/workbook.xml.rels", RELS),
        ("xl/worksheets/sheet1.xml", &sheet_xml(sheet_body)),
        ("xl/sharedStrings.xml", &sst),
    ])
}

fn only_table(grid: &Grid) -> Vec<Vec<Seen>> {
    rows_of(tables(grid)[0])
}

fn malformed_place(err: &Error) -> String {
    match err.kind() {
        ErrorKind::Malformed { format, place, .. } => {
            assert_eq!(*format, "xlsx");
            place.clone().unwrap_or_default()
        }
        other => panic!("expected a malformed error, got {other:?}"),
    }
}

#[test]
fn cell_types_without_styles() {
    let body = r#"<sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><r><t>inline</t></r><r><t> rich</t></r><rPh><t>x</t></rPh></is></c>
<c r="B1" t="str"><f>A1&amp;""</f><v>formula text</v></c><c r="C1" t="e"><v>#DIV/0!</v></c>
<c r="D1" t="b"><v>0</v></c><c r="E1"><v>1.5E-3</v></c><c r="F1" t="n"><v></v></c><c r="G1"><f>1/0</f></c>
<c r="H1" t="d"><v>2024-12-31T00:00:00Z</v></c></row>
<row><c t="s"><v>0</v></c><c><v>2</v></c></row>
<row r="4"><c r="B4" s="7"><v>153069.97</v></c></row>
</sheetData>"#;
    let grid = read(&one_sheet(body, &["部门名称"]), &ReadLimits::default()).unwrap();
    assert_eq!(
        only_table(&grid),
        vec![
            vec![
                s("'Sheet1'!A1", "inline rich"),
                s("'Sheet1'!B1", "formula text"),
                s("'Sheet1'!C1", "#DIV/0!"),
                s("'Sheet1'!D1", "FALSE"),
                n("'Sheet1'!E1", "0.0015", 0.0015),
                s("'Sheet1'!H1", "2024-12-31"),
            ],
            vec![s("'Sheet1'!A2", "部门名称"), n("'Sheet1'!B2", "2", 2.0)],
            vec![],
            vec![n("'Sheet1'!B4", "153069.97", 153069.97)],
        ]
    );
}

/// The grid's reader notes as (code, message) pairs.
fn notes_of(grid: &Grid) -> Vec<(&str, &str)> {
    grid.notes
        .iter()
        .map(|n| (n.code, n.message.as_str()))
        .collect()
}

#[test]
fn formulas_saved_without_results_are_said_not_dropped() {
    let body = r#"<sheetData>
<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="str"><f>""</f><v></v></c><c r="C1"><f>1+1</f><v>2</v></c></row>
<row r="2"><c r="A2"><v>2</v></c></row>
<row r="3"><c r="A3"><f>SUM(A1:A2)</f></c><c r="B3"><f t="shared" ref="B3:C3" si="0">A3*2</f><v/></c>
<c r="C3"><f t="shared" si="0"/><v></v></c></row>
</sheetData>"#;
    let grid = read(&one_sheet(body, &["部门名称"]), &ReadLimits::default()).unwrap();
    assert_eq!(
        only_table(&grid),
        vec![
            vec![n("'Sheet1'!A1", "1", 1.0), n("'Sheet1'!C1", "2", 2.0)],
            vec![n("'Sheet1'!A2", "2", 2.0)],
        ],
        "an empty string result is no missing result; a saved one is read"
    );
    let notes = notes_of(&grid);
    assert_eq!(
        notes,
        [(
            "input.formulas_not_calculated",
            "3 formula cells have no saved result (their results are not read); the first at \
             'Sheet1'!A3 (=SUM(A1:A2)); open and save the file in Excel or WPS to calculate them"
        )]
    );
    assert_eq!(grid.notes[0].severity(), crate::document::Severity::Warning);

    // A workbook whose formulas all have results says nothing.
    let body = r#"<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row></sheetData>"#;
    let grid = read(&one_sheet(body, &["部门名称"]), &ReadLimits::default()).unwrap();
    assert!(grid.notes.is_empty(), "{:?}", grid.notes);
}

/// A library that does not calculate (rust_xlsxwriter, Python's XlsxWriter) saves 0 for
/// every formula and asks Excel to recalculate on opening: the 0 is read as saved, and
/// said to be possibly a placeholder.
#[test]
fn placeholder_results_of_a_workbook_to_recalculate_are_said() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "合计").unwrap();
    sheet.write_formula(0, 1, "=SUM(B2:B3)").unwrap();
    sheet.write_number(1, 1, 10.0).unwrap();
    sheet
        .write_formula(2, 1, Formula::new("=5*2").set_result("10"))
        .unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let grid = read(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(
        only_table(&grid)[0],
        vec![s("'Sheet1'!A1", "合计"), n("'Sheet1'!B1", "0", 0.0)]
    );
    let notes = notes_of(&grid);
    assert_eq!(
        notes,
        [(
            "input.formulas_not_calculated",
            "2 formula cells have a saved result that may be a placeholder, read as saved (the \
             workbook asks Excel to recalculate it when opened: the program that wrote it did \
             not); the first at 'Sheet1'!B1 (=SUM(B2:B3)); open and save the file in Excel or \
             WPS to calculate them"
        )]
    );
}

#[test]
fn custom_formats_and_1904_dates() {
    let styles = r##"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00&quot;万元&quot;"/><numFmt numFmtId="165" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot; hh:mm"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/></cellXfs></styleSheet>"##;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="../xl/./styles.xml"/></Relationships>"#;
    let body = r#"<sheetData><row r="1"><c r="A1" s="1"><v>-1234.5</v></c><c r="B1" s="2"><v>44195.354166666664</v></c><c r="C1" s="3"><v>0</v></c></row></sheetData>"#;
    let bytes = zip_of(&[
        (
            "xl/workbook.xml",
            &workbook_xml(r#"<workbookPr date1904="1"/>"#),
        ),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/sheet1.xml", &sheet_xml(body)),
        ("xl/styles.xml", styles),
    ]);
    let grid = read(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(
        only_table(&grid),
        vec![vec![
            n("'Sheet1'!A1", "-1,234.50万元", -1234.5),
            s("'Sheet1'!B1", "2024-12-31 08:30:00"),
            s("'Sheet1'!C1", "1904-01-01"),
        ]]
    );
}

#[test]
fn prefixed_elements_and_unordered_cells() {
    let sheet = r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="C2"><x:v>3</x:v></x:c><x:c r="A2"><x:v>1</x:v></x:c><x:c r="A2"><x:v>9</x:v></x:c></x:row><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>top</x:t></x:is></x:c></x:row></x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A2:B2"/></x:mergeCells></x:worksheet>"#;
    let bytes = zip_of(&[
        ("xl/workbook.xml", &workbook_xml("")),
        ("xl/_rels/workbook.xml.rels", RELS),
        ("xl/worksheets/sheet1.xml", sheet),
    ]);
    let grid = read(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(
        only_table(&grid),
        vec![
            vec![s("'Sheet1'!A1", "top")],
            vec![
                ("'Sheet1'!A2".into(), "9".into(), Some(9.0), 2, 1),
                n("'Sheet1'!C2", "3", 3.0)
            ],
        ]
    );
}

#[test]
fn empty_merge_anchor_stores_nothing() {
    let body = r#"<sheetData><row r="1"><c r="A1" s="0"/><c r="B1"><v>5</v></c><c r="C1"><v>6</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells>"#;
    let grid = read(&one_sheet(body, &[]), &ReadLimits::default()).unwrap();
    assert_eq!(only_table(&grid), vec![vec![n("'Sheet1'!C1", "6", 6.0)]]);
}

#[test]
fn missing_shared_strings_and_styles_are_fine() {
    let bytes = zip_of(&[
        ("xl/workbook.xml", &workbook_xml("")),
        ("xl/_rels/workbook.xml.rels", RELS),
        (
            "xl/worksheets/sheet1.xml",
            &sheet_xml(r#"<sheetData><row r="1"><c r="A1" s="3"><v>7</v></c></row></sheetData>"#),
        ),
    ]);
    let grid = read(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(only_table(&grid), vec![vec![n("'Sheet1'!A1", "7", 7.0)]]);
}

#[test]
fn missing_sheet_part_names_it() {
    let bytes = zip_of(&[
        ("xl/workbook.xml", &workbook_xml("")),
        ("xl/_rels/workbook.xml.rels", RELS),
    ]);
    let err = read(&bytes, &ReadLimits::default()).unwrap_err();
    assert_eq!(malformed_place(&err), "xl/worksheets/sheet1.xml");
    assert!(err.to_string().contains("Sheet1"), "{err}");
}

/// The package `formats::identify` opened to tell the format is read as it is: the
/// same grid as a fresh read, and errors that name the workbook, not a bare zip.
#[test]
fn a_package_opened_to_identify_it_reads_as_a_fresh_one() {
    let limits = ReadLimits::default();
    let bytes = form_workbook();
    let file = crate::formats::identify(&bytes, &limits).unwrap();
    assert_eq!(file.format, crate::formats::Format::Xlsx);
    let identified = crate::formats::read_identified(&bytes, file, &limits).unwrap();
    let fresh = read(&bytes, &limits).unwrap();
    assert_eq!(rows_of(tables(&identified)[0]), rows_of(tables(&fresh)[0]));

    // An error of the package itself: the workbook inflates past the budget.
    let limits = ReadLimits {
        max_inflated_bytes: 100,
        ..ReadLimits::default()
    };
    let file = crate::formats::identify(&bytes, &limits).unwrap();
    let err = crate::formats::read_identified(&bytes, file, &limits).unwrap_err();
    assert!(err.to_string().contains("the xlsx part"), "{err}");
}

#[test]
fn missing_relationships_part_is_malformed() {
    let bytes = zip_of(&[("xl/workbook.xml", &workbook_xml(""))]);
    let err = read(&bytes, &ReadLimits::default()).unwrap_err();
    assert_eq!(malformed_place(&err), WORKBOOK_RELS);
}

#[test]
fn bad_xml_names_the_part() {
    let err = read(
        &one_sheet(
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></row></sheetData>"#,
            &[],
        ),
        &ReadLimits::default(),
    )
    .unwrap_err();
    assert!(
        malformed_place(&err).starts_with("xl/worksheets/sheet1.xml"),
        "{err}"
    );

    let truncated = one_sheet(r#"<sheetData><row r="1"><c r="A1"><v>1"#, &[]);
    let err = read(&truncated, &ReadLimits::default()).unwrap_err();
    assert!(
        malformed_place(&err).starts_with("xl/worksheets/sheet1.xml"),
        "{err}"
    );

    let bytes = zip_of(&[(
        "xl/workbook.xml",
        "<workbook><sheets><sheet name=\"a\" r:id=\"rId1\"></sheets></workbook>",
    )]);
    let err = read(&bytes, &ReadLimits::default()).unwrap_err();
    assert!(
        malformed_place(&err).starts_with("xl/workbook.xml"),
        "{err}"
    );
}

#[test]
fn bad_cell_reference_is_malformed() {
    let err = read(
        &one_sheet(
            r#"<sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData>"#,
            &[],
        ),
        &ReadLimits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("XFE1"), "{err}");
}

#[test]
fn shared_string_out_of_range_names_the_cell() {
    let body = r#"<sheetData><row r="2"><c r="B2" t="s"><v>5</v></c></row></sheetData>"#;
    let err = read(&one_sheet(body, &["only one"]), &ReadLimits::default()).unwrap_err();
    assert_eq!(malformed_place(&err), "xl/worksheets/sheet1.xml, cell B2");
    assert!(err.to_string().contains("shared string 5"), "{err}");
}

/// A cell that needs a shared string of a package without the strings part the
/// workbook names (a copy cut short before it) says that the part is missing.
#[test]
fn a_string_of_a_missing_strings_part_names_the_part() {
    let body = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
    let bytes = zip_of(&[
        ("xl/workbook.xml", &workbook_xml("")),
        ("xl/_rels/workbook.xml.rels", RELS),
        ("xl/worksheets/sheet1.xml", &sheet_xml(body)),
    ]);
    let err = read(&bytes, &ReadLimits::default()).unwrap_err();
    assert_eq!(malformed_place(&err), "xl/worksheets/sheet1.xml, cell A1");
    assert!(
        err.to_string()
            .contains("the package has no xl/sharedStrings.xml, which the workbook names"),
        "{err}"
    );
}

#[test]
fn huge_claimed_dimension_costs_only_real_cells() {
    let body = r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>last</t></is></c></row></sheetData><mergeCells count="1"><mergeCell ref="B2:XFD1048575"/></mergeCells>"#;
    let started = Instant::now();
    let grid = read(&one_sheet(body, &[]), &ReadLimits::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let table = tables(&grid)[0];
    assert_eq!(table.rows.len(), 1_048_576);
    assert_eq!(
        seen(&table.rows[1_048_575].cells[0]),
        s("'Sheet1'!XFD1048576", "last")
    );
    assert_eq!(table.rows.iter().map(|r| r.cells.len()).sum::<usize>(), 2);
}

#[test]
fn many_tall_merges_do_not_multiply_work() {
    let merges: String = (0..5000)
        .map(|i| {
            format!(
                r#"<mergeCell ref="{0}1:{0}1048576"/>"#,
                crate::model::column_name(i)
            )
        })
        .collect();
    let cells: String = (1..=2000)
        .map(|r| {
            format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>"#)
        })
        .collect();
    let body = format!(r#"<sheetData>{cells}</sheetData><mergeCells>{merges}</mergeCells>"#);
    let started = Instant::now();
    let grid = read(&one_sheet(&body, &[]), &ReadLimits::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let rows = only_table(&grid);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0],
        vec![
            ("'Sheet1'!A1".into(), "1".into(), Some(1.0), 1, 1_048_576),
            ("'Sheet1'!B1".into(), "1".into(), Some(1.0), 1, 1_048_576)
        ]
    );
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!(
        "<sheetData>{}{}</sheetData>",
        "<x>".repeat(1000),
        "</x>".repeat(1000)
    );
    let err = read(&one_sheet(&deep, &[]), &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
    assert!(
        err.to_string().contains("xl/worksheets/sheet1.xml"),
        "{err}"
    );
}

#[test]
fn cell_limit_counts_the_whole_file() {
    let body = r#"<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c><c r="B2"><v>4</v></c></row></sheetData>"#;
    let limits = ReadLimits {
        max_cells: 3,
        ..ReadLimits::default()
    };
    let err = read(&one_sheet(body, &[]), &limits).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
    assert!(err.to_string().contains("--max-cells"), "{err}");
    let limits = ReadLimits {
        max_cells: 4,
        ..ReadLimits::default()
    };
    assert!(read(&one_sheet(body, &[]), &limits).is_ok());
}

#[test]
fn not_a_zip_is_malformed() {
    let err = read(b"PK\x03\x04not really", &ReadLimits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{err}");
}

#[test]
fn targets_resolve() {
    assert_eq!(
        resolve_target("worksheets/sheet1.xml"),
        "xl/worksheets/sheet1.xml"
    );
    assert_eq!(
        resolve_target("/xl/worksheets/sheet1.xml"),
        "xl/worksheets/sheet1.xml"
    );
    assert_eq!(
        resolve_target("../xl/./worksheets/../styles.xml"),
        "xl/styles.xml"
    );
    assert_eq!(
        resolve_target("worksheets\\sheet2.xml"),
        "xl/worksheets/sheet2.xml"
    );
    assert_eq!(percent_decode("sheet%201.xml"), "sheet 1.xml");
}

/// Not an assertion: prints how long a form-sized workbook takes, ours and calamine's.
/// Run with `cargo test --release -- --ignored --nocapture read_time`.
#[test]
#[ignore]
fn read_time() {
    use calamine::Reader as _;
    let bytes = form_workbook();
    let limits = ReadLimits::default();
    let rounds = 2000;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(read(&bytes, &limits).unwrap());
    }
    let ours = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        for name in wb.sheet_names() {
            std::hint::black_box(wb.worksheet_range(&name).unwrap());
        }
    }
    let theirs = started.elapsed() / rounds;
    println!(
        "form workbook ({} bytes): jixiao {ours:?} per read, calamine {theirs:?}",
        bytes.len()
    );
}
