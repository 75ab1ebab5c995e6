//! Property tests over every reader: whatever the bytes, reading returns a result and
//! never panics or hangs.
//!
//! (a) arbitrary bytes, behind each format's magic or none, to `detect`, every reader and
//! `extract_bytes`; (b) valid-looking XLSX and DOCX built from random texts, merges and
//! spans, which must read and keep every visible text; (c) the committed fixtures with
//! bytes flipped, cut short, or (for zip packages) their main XML part mutated and
//! re-zipped so the mutation reaches the XML reader rather than the inflater.
//!
//! XLS and ODS are read in this process here (no isolation), so the property tests also
//! check our pre-scan in front of calamine. Case counts keep the module to a few seconds.

use std::io::{Cursor, Read};
use std::sync::OnceLock;

use jixiao::formats::{detect, read, Format, ReadLimits};
use jixiao::model::{column_name, Block, Grid};
use jixiao::{extract_bytes, ExtractOptions};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use crate::util::zip_of;

const FORMATS: [Format; 6] = [
    Format::Xlsx,
    Format::Xls,
    Format::Ods,
    Format::Docx,
    Format::Text,
    Format::Html,
];

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Limits small enough that a lucky mutation cannot make a case slow.
fn limits() -> ReadLimits {
    ReadLimits {
        max_file_bytes: 4 << 20,
        max_inflated_bytes: 8 << 20,
        max_cells: 200_000,
        max_line_bytes: 64 << 10,
    }
}

fn options() -> ExtractOptions {
    ExtractOptions::new().limits(limits())
}

/// `cases` per property, or `PROPTEST_CASES` for a longer hunt
/// (`PROPTEST_CASES=20000 cargo test --release properties`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

/// Every reader and the whole pipeline on `bytes`; any result is fine, a panic is not.
fn read_every_way(bytes: &[u8]) {
    let limits = limits();
    let _ = detect(bytes, &limits);
    for format in FORMATS {
        let _ = read(bytes, format, &limits);
    }
    let _ = extract_bytes(bytes, "case.bin", &options()).result;
}

fn texts(grid: &Grid) -> Vec<String> {
    let mut out = Vec::new();
    for block in &grid.blocks {
        match block {
            Block::Paragraph(cell) => out.push(cell.text.clone()),
            Block::Table(table) => {
                for row in &table.rows {
                    out.extend(row.cells.iter().map(|c| c.text.clone()));
                }
            }
        }
    }
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// --- (a) arbitrary bytes ---------------------------------------------------------------

fn magic() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"PK\x03\x04".to_vec()),
        Just(b"PK\x05\x06".to_vec()),
        Just(OLE2_MAGIC.to_vec()),
        Just(b"<html><table><tr><td>".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(vec![0xFF, 0xFE]),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        head in magic(),
        tail in proptest::collection::vec(any::<u8>(), 0..1500),
    ) {
        let mut bytes = head;
        bytes.extend(tail);
        read_every_way(&bytes);
    }
}

// --- (b) valid-looking workbooks and documents -----------------------------------------

/// Cell texts as clerks type them: Chinese, digits, amounts, comparators, and XML's
/// special characters; never blank at either end (readers trim).
fn cell_text() -> impl Strategy<Value = Option<String>> {
    let piece = prop_oneof![
        Just("部门"),
        Just("预算"),
        Just("绩效指标"),
        Just("≥3000件"),
        Just("153,069.97"),
        Just("100%"),
        Just("<"),
        Just("&"),
        Just("\""),
        Just("'"),
        Just("a b"),
        Just("0"),
        Just("2024-12-31"),
        Just("㊣𠀀"),
    ];
    proptest::option::weighted(0.7, proptest::collection::vec(piece, 1..4))
        .prop_map(|parts| parts.map(|p| p.concat()))
}

/// Cell texts by row and column (`None`: no cell).
type Texts = Vec<Vec<Option<String>>>;

/// A merged range: first row, first column, last row, last column (0-based).
type Merge = (u32, u32, u32, u32);

/// A grid of up to 8 × 6 cells and up to 4 merged ranges inside it.
fn sheet() -> impl Strategy<Value = (Texts, Vec<Merge>)> {
    (1usize..8, 1usize..6).prop_flat_map(|(rows, cols)| {
        let grid = proptest::collection::vec(proptest::collection::vec(cell_text(), cols), rows);
        let merge = (0..rows as u32, 0..cols as u32, 0..3u32, 0..3u32).prop_map(
            move |(r, c, down, across)| {
                (
                    r,
                    c,
                    (r + down).min(rows as u32 - 1),
                    (c + across).min(cols as u32 - 1),
                )
            },
        );
        (grid, proptest::collection::vec(merge, 0..4))
    })
}

const SHEET_NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

fn xlsx_of(grid: &[Vec<Option<String>>], merges: &[Merge]) -> Vec<u8> {
    let mut rows = String::new();
    for (r, cells) in grid.iter().enumerate() {
        rows.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, text) in cells.iter().enumerate() {
            let Some(text) = text else { continue };
            let at = format!("{}{}", column_name(c as u32), r + 1);
            // A number cell where General shows the text unchanged ("00" would show 0).
            match text.parse::<u32>().ok().filter(|n| n.to_string() == *text) {
                Some(n) => rows.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                None => rows.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    xml_escape(text)
                )),
            }
        }
        rows.push_str("</row>");
    }
    let merged: String = merges
        .iter()
        .map(|&(r1, c1, r2, c2)| {
            format!(
                r#"<mergeCell ref="{}{}:{}{}"/>"#,
                column_name(c1),
                r1 + 1,
                column_name(c2),
                r2 + 1
            )
        })
        .collect();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {SHEET_NS}><sheetData>{rows}</sheetData><mergeCells>{merged}</mergeCells></worksheet>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {SHEET_NS}><sheets><sheet name="表一" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    zip_of(&[
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// Whether (r, c) is covered by a merged range without being its anchor.
fn covered(merges: &[Merge], r: u32, c: u32) -> bool {
    merges.iter().any(|&(r1, c1, r2, c2)| {
        (r1..=r2).contains(&r) && (c1..=c2).contains(&c) && (r, c) != (r1, c1)
    })
}

/// A DOCX row: cells of (text, grid span, vertical merge: None, "restart" or "continue").
type DocxRow = Vec<(Option<String>, u32, Option<&'static str>)>;

fn docx_rows() -> impl Strategy<Value = Vec<DocxRow>> {
    let cell = (
        cell_text(),
        1u32..3,
        prop_oneof![
            4 => Just(None),
            1 => Just(Some("restart")),
            1 => Just(Some("continue")),
        ],
    );
    proptest::collection::vec(proptest::collection::vec(cell, 1..5), 1..8)
}

fn docx_of(title: &Option<String>, rows: &[DocxRow]) -> Vec<u8> {
    let para = |text: &Option<String>| match text {
        Some(t) => format!(
            r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
            xml_escape(t)
        ),
        None => "<w:p/>".to_string(),
    };
    let mut body = para(title);
    body.push_str("<w:tbl>");
    for row in rows {
        body.push_str("<w:tr>");
        for (text, span, merge) in row {
            body.push_str("<w:tc><w:tcPr>");
            if *span > 1 {
                body.push_str(&format!(r#"<w:gridSpan w:val="{span}"/>"#));
            }
            match merge {
                Some("restart") => body.push_str(r#"<w:vMerge w:val="restart"/>"#),
                Some(_) => body.push_str("<w:vMerge/>"),
                None => {}
            }
            body.push_str("</w:tcPr>");
            body.push_str(&para(text));
            body.push_str("</w:tc>");
        }
        body.push_str("</w:tr>");
    }
    body.push_str("</w:tbl>");
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[("word/document.xml", document.as_bytes())])
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn made_xlsx_reads_and_keeps_its_visible_texts((grid, merges) in sheet()) {
        let bytes = xlsx_of(&grid, &merges);
        prop_assert_eq!(detect(&bytes, &limits()).unwrap(), Format::Xlsx);
        let read_grid = read(&bytes, Format::Xlsx, &limits()).unwrap();
        let got = texts(&read_grid);
        for (r, cells) in grid.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                if let Some(text) = text {
                    if !covered(&merges, r as u32, c as u32) {
                        prop_assert!(got.contains(text), "{:?} missing from {:?}", text, got);
                    }
                }
            }
        }
        let _ = extract_bytes(&bytes, "made.xlsx", &options()).result;
    }

    #[test]
    fn made_docx_reads_and_keeps_its_texts(title in cell_text(), rows in docx_rows()) {
        let bytes = docx_of(&title, &rows);
        prop_assert_eq!(detect(&bytes, &limits()).unwrap(), Format::Docx);
        let read_grid = read(&bytes, Format::Docx, &limits()).unwrap();
        let got = texts(&read_grid);
        let shown = title.iter().chain(
            rows.iter()
                .flatten()
                .filter(|(_, _, merge)| *merge != Some("continue"))
                .filter_map(|(text, _, _)| text.as_ref()),
        );
        for text in shown {
            prop_assert!(
                got.iter().any(|g| g.contains(text.as_str())),
                "{:?} missing from {:?}",
                text,
                got
            );
        }
        let _ = extract_bytes(&bytes, "made.docx", &options()).result;
    }
}

// --- (c) mutated fixtures --------------------------------------------------------------

/// The committed inputs: the Guangzhou form in every format, and the made workbooks.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["fixtures", "tests/data/readers"] {
            for entry in walk(&root.join(dir)) {
                let name = entry.to_string_lossy().to_string();
                let is_input = entry
                    .file_stem()
                    .is_some_and(|s| s == "input" || dir != "fixtures")
                    && !name.ends_with(".json")
                    && !name.ends_with(".md");
                if is_input {
                    out.push((name, std::fs::read(&entry).unwrap()));
                }
            }
        }
        out.sort();
        assert!(out.len() >= 8, "fixtures found: {}", out.len());
        out
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Byte flips at fractions of the length, then maybe a cut.
fn mutate(bytes: &mut Vec<u8>, flips: &[(f64, u8)], cut: Option<f64>) {
    for &(at, xor) in flips {
        if !bytes.is_empty() {
            let i = ((bytes.len() - 1) as f64 * at) as usize;
            bytes[i] ^= xor.max(1);
        }
    }
    if let Some(cut) = cut {
        bytes.truncate((bytes.len() as f64 * cut) as usize);
    }
}

/// The part of a package whose XML the reader works hardest on.
fn main_part(archive: &zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    [
        "xl/worksheets/sheet1.xml",
        "word/document.xml",
        "content.xml",
        "xl/sharedStrings.xml",
    ]
    .into_iter()
    .find(|p| archive.index_for_name(p).is_some())
    .map(String::from)
}

/// A copy of a zip package with its main XML part mutated.
fn mutate_part(bytes: &[u8], flips: &[(f64, u8)], cut: Option<f64>) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let target = main_part(&archive)?;
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).ok()?;
        let mut body = Vec::new();
        file.read_to_end(&mut body).ok()?;
        let name = file.name().ok()?.to_string();
        if name == target {
            mutate(&mut body, flips, cut);
        }
        parts.push((name, body));
    }
    let parts: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    Some(zip_of(&parts))
}

fn mutation() -> impl Strategy<Value = (usize, Vec<(f64, u8)>, Option<f64>)> {
    (
        any::<usize>(),
        proptest::collection::vec((0.0..1.0f64, any::<u8>()), 0..8),
        proptest::option::weighted(0.3, 0.0..1.0f64),
    )
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn mutated_fixtures_never_panic((pick, flips, cut) in mutation()) {
        let fixtures = fixtures();
        let (_, original) = &fixtures[pick % fixtures.len()];
        let mut bytes = original.clone();
        mutate(&mut bytes, &flips, cut);
        read_every_way(&bytes);
    }

    #[test]
    fn mutated_package_parts_never_panic((pick, flips, cut) in mutation()) {
        let packages: Vec<&(String, Vec<u8>)> = fixtures()
            .iter()
            .filter(|(_, bytes)| bytes.starts_with(b"PK"))
            .collect();
        let (_, original) = packages[pick % packages.len()];
        if let Some(bytes) = mutate_part(original, &flips, cut) {
            let _ = extract_bytes(&bytes, "mutated", &options()).result;
        }
    }
}
