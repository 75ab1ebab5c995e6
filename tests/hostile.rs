//! Hostile and broken inputs through the command line, as a finance bureau's batch meets
//! them: each file is made here (nothing big is committed), put in a folder next to a
//! good form, and `jixiao extract` must give it an `error` row in files.csv whose reason
//! says what is wrong, name it on stderr, and still write the good form — never panic,
//! hang or lose the batch.
//!
//! Where a limit is the answer, the test lowers the flag rather than writing hundreds of
//! megabytes; the comment says which. The XLS/ODS reader runs in a child process (the
//! default); `a_reader_abort_costs_one_file` proves that an abort inside it costs only
//! its file.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::render::zip_directory_offset;
use crate::util::{
    col, csv_rows, extract_into, files_by_name, fixture_bytes, jixiao, run, zip_of, Dir, FileRow,
};

/// The good form placed next to every hostile file.
const GOOD: &str = "good.txt";

/// A folder `in/` holding the good form and `files`.
fn folder(dir: &Dir, files: &[(&str, &[u8])]) -> PathBuf {
    let good = fixture_bytes("guangzhou-2024-text/input.txt");
    dir.write(&format!("in/{GOOD}"), good);
    for (name, bytes) in files {
        dir.write(&format!("in/{name}"), bytes);
    }
    dir.join("in")
}

/// Runs `jixiao extract in -o out ARGS` and returns its output and files.csv by file name.
fn extract(dir: &Dir, args: &[&str], code: i32) -> (Output, Vec<(String, FileRow)>) {
    let output = run(
        extract_into(dir.join("in"), dir.join("out")).args(args),
        code,
    );
    (output, files_by_name(&dir.read("out/files.csv")))
}

fn row<'a>(rows: &'a [(String, FileRow)], name: &str) -> &'a FileRow {
    &rows
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} not in files.csv: {rows:?}"))
        .1
}

/// Checks the run: `name` is an `error` whose reason holds every one of `reason`, stderr
/// names the file with that reason, and the good form was read. Returns the reason and
/// files.csv.
fn refused(
    dir: &Dir,
    name: &str,
    args: &[&str],
    reason: &[&str],
) -> (String, Vec<(String, FileRow)>) {
    let started = Instant::now();
    let (output, rows) = extract(dir, args, 3);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(30), "{name} took {elapsed:?}");
    let bad = row(&rows, name);
    assert_eq!(bad.status, "error", "{name}: {bad:?}");
    for part in reason {
        assert!(
            bad.error.contains(part),
            "{name}: {part:?} not in {:?}",
            bad.error
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(name) && l.contains(reason[0])),
        "stderr does not name {name} with its reason:\n{stderr}"
    );
    good_form_read(&rows);
    (bad.error.clone(), rows)
}

fn good_form_read(rows: &[(String, FileRow)]) {
    let good = row(rows, GOOD);
    assert!(
        ["ok", "warning"].contains(&good.status.as_str()),
        "the good form next to it: {good:?}"
    );
}

/// Checks that each of `names` (a damaged copy of the Guangzhou form) is a `warning`
/// carrying `code` in files.csv and gave a form with its department; returns forms.csv.
fn read_with_warning(
    dir: &Dir,
    rows: &[(String, FileRow)],
    names: &[&str],
    code: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let (headers, forms) = csv_rows(&dir.read("out/forms.csv"));
    let (path, department) = (col(&headers, "path"), col(&headers, "department"));
    for name in names {
        let file = row(rows, name);
        assert_eq!(file.status, "warning", "{name}: {file:?}");
        assert!(file.error.contains(code), "{name}: {file:?}");
        let form = forms.iter().find(|f| f[path].ends_with(name)).unwrap();
        assert_eq!(form[department], "广州市司法局", "{name}");
    }
    (headers, forms)
}

// --- building files --------------------------------------------------------------------

/// A copy of a zip with one part's text changed.
fn rezip(bytes: &[u8], part: &str, change: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut body = Vec::new();
        file.read_to_end(&mut body).unwrap();
        let name = file.name().unwrap().to_string();
        if name == part {
            body = change(String::from_utf8(body).unwrap()).into_bytes();
        }
        parts.push((name, body));
    }
    let parts: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&parts)
}

const SHEET_NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
const WORKBOOK_RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn workbook_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {SHEET_NS}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    )
}

/// A one-sheet XLSX whose sheet part is `sheet` (bytes, so a bomb fits too).
fn xlsx_with_sheet(sheet: &[u8]) -> Vec<u8> {
    zip_of(&[
        ("xl/workbook.xml", workbook_xml().as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

const WORD_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn docx_with_body(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document {WORD_NS}><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[("word/document.xml", document.as_bytes())])
}

/// CRC-32 (the zip one), bit by bit: only small parts are summed.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// A raw deflate stream that inflates to 1 GiB of zero bytes in 6.8 MB: one literal,
/// then "copy 258 bytes from 1 back" four million times, in fixed-Huffman codes
/// (13 bits each). Writing it takes milliseconds; zipping a real gigabyte would not.
fn deflate_gigabyte() -> (Vec<u8>, u64) {
    const COPIES: u64 = (1 << 30) / 258;
    let mut out = Vec::with_capacity(7 << 20);
    let (mut acc, mut bits) = (0u64, 0u32);
    let mut put = |value: u64, count: u32, out: &mut Vec<u8>| {
        acc |= value << bits;
        bits += count;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    };
    // Huffman codes go most significant bit first: reverse them into the LSB-first stream.
    let code = |code: u64, len: u32| code.reverse_bits() >> (64 - len);
    put(0b1, 1, &mut out); // BFINAL
    put(0b01, 2, &mut out); // fixed Huffman
    put(code(0x30, 8), 8, &mut out); // literal 0
    let copy = code(0xC5, 8) | code(0, 5) << 8; // length 258 (symbol 285), distance 1
    for _ in 0..COPIES {
        put(copy, 13, &mut out);
    }
    put(code(0, 7), 7, &mut out); // end of block
    put(0, 7, &mut out); // flush
    (out, 1 + COPIES * 258)
}

/// A zip written by hand: `(name, deflated?, stored bytes, crc, inflated size)`.
fn raw_zip(entries: &[(&str, bool, &[u8], u32, u64)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, deflated, data, crc, size) in entries {
        let offset = out.len() as u32;
        let method: u16 = if *deflated { 8 } else { 0 };
        let common = |buf: &mut Vec<u8>| {
            buf.extend(20u16.to_le_bytes()); // version needed
            buf.extend(0u16.to_le_bytes()); // flags
            buf.extend(method.to_le_bytes());
            buf.extend(0u16.to_le_bytes()); // time
            buf.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
            buf.extend(crc.to_le_bytes());
            buf.extend((data.len() as u32).to_le_bytes());
            buf.extend((*size as u32).to_le_bytes());
            buf.extend((name.len() as u16).to_le_bytes());
            buf.extend(0u16.to_le_bytes()); // extra field length
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend([0u8; 6]); // comment length, disk, internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let (at, len) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(len.to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// An OLE2 compound file header and one directory sector naming `streams` (what
/// detection looks at; the streams themselves are not there).
fn ole2_with(streams: &[&str]) -> Vec<u8> {
    let mut bytes = vec![0u8; 512];
    bytes[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    bytes[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    bytes[26..28].copy_from_slice(&3u16.to_le_bytes());
    bytes[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    bytes[30..32].copy_from_slice(&9u16.to_le_bytes());
    bytes[32..34].copy_from_slice(&6u16.to_le_bytes());
    for name in std::iter::once("Root Entry").chain(streams.iter().copied()) {
        let mut entry = [0u8; 128];
        let units: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        entry[..units.len()].copy_from_slice(&units);
        entry[64..66].copy_from_slice(&((units.len() + 2) as u16).to_le_bytes());
        entry[66] = if name == "Root Entry" { 5 } else { 2 };
        bytes.extend(entry);
    }
    bytes.resize(512 * 3, 0);
    bytes
}

// --- the hostile set -------------------------------------------------------------------

#[test]
fn empty_file() {
    let dir = Dir::new("hostile-empty");
    folder(&dir, &[("empty.xlsx", b"")]);
    refused(&dir, "empty.xlsx", &[], &["the file is empty"]);
}

#[test]
fn random_bytes_named_xlsx() {
    let dir = Dir::new("hostile-random");
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let bytes: Vec<u8> = (0..64 << 10)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    folder(&dir, &[("random.xlsx", &bytes)]);
    refused(
        &dir,
        "random.xlsx",
        &[],
        &["broken xlsx file: not a zip archive, as a .xlsx file should be"],
    );
}

/// Where a zip fixture's central directory starts.
fn directory_offset(zip: &[u8]) -> usize {
    zip_directory_offset(zip).expect("a zip without a comment")
}

/// A copy cut short: cut inside a part the form needs (the XLSX's shared strings), it is
/// refused naming that part; cut after its last part, where only the zip's directory
/// is lost, the XLSX, DOCX and ODS are read by their local headers (the ODS handed to
/// calamine rebuilt), with a warning.
#[test]
fn truncated_zip() {
    let dir = Dir::new("hostile-truncated");
    let xlsx = fixture_bytes("guangzhou-2024-xlsx/input.xlsx");
    let docx = fixture_bytes("guangzhou-2024-docx/input.docx");
    let ods = fixture_bytes("guangzhou-2024-ods/input.ods");
    folder(
        &dir,
        &[
            ("half.xlsx", &xlsx[..xlsx.len() / 2]),
            ("no-directory.xlsx", &xlsx[..directory_offset(&xlsx)]),
            ("no-directory.docx", &docx[..directory_offset(&docx)]),
            ("no-directory.ods", &ods[..directory_offset(&ods)]),
        ],
    );
    let (_, rows) = refused(
        &dir,
        "half.xlsx",
        &[],
        &[
            "broken xlsx file at xl/sharedStrings.xml",
            "the data ends early",
        ],
    );
    let recovered = ["no-directory.xlsx", "no-directory.docx", "no-directory.ods"];
    let (headers, forms) = read_with_warning(&dir, &rows, &recovered, "input.zip_recovered");
    let (path, budget_lines) = (col(&headers, "path"), col(&headers, "budget_lines"));
    let good = forms.iter().find(|f| f[path].ends_with(GOOD)).unwrap();
    for name in recovered {
        let form = forms.iter().find(|f| f[path].ends_with(name)).unwrap();
        assert_eq!(form[budget_lines], good[budget_lines], "{name}");
    }
}

/// Parts that truly inflate to 1 GiB each; refused at the inflate cap, lowered here to
/// 8 MB so the test does not inflate the default 512 MB first (the check is the same).
/// An ODS whose directory is lost is handed to calamine rebuilt from the parts already
/// read, not read a second time: under a cap that its parts fit once, it is read (it was
/// refused at half its real size); under a cap they do not fit, it is refused naming the
/// part, not read with that part quietly left out.
#[test]
fn a_repaired_ods_counts_its_parts_once_against_the_inflate_cap() {
    use jixiao::formats::{read, Format, ReadLimits};
    let ods = fixture_bytes("guangzhou-2024-ods/input.ods");
    let cut = &ods[..directory_offset(&ods)];
    let mut archive = zip::ZipArchive::new(Cursor::new(&ods)).unwrap();
    let parts = [
        "mimetype",
        "META-INF/manifest.xml",
        "meta.xml",
        "content.xml",
        "styles.xml",
    ];
    let inflated: u64 = parts
        .iter()
        .map(|name| archive.by_name(name).unwrap().size())
        .sum();
    let capped = |max_inflated_bytes| ReadLimits {
        max_inflated_bytes,
        ..ReadLimits::default()
    };
    let whole = read(&ods, Format::Ods, &capped(inflated)).unwrap();
    let repaired = read(cut, Format::Ods, &capped(inflated)).unwrap();
    assert_eq!(repaired.blocks, whole.blocks);
    // Bytes repeated before content.xml: the directory is read, but points before the
    // part, which is found by its header only once it is looked for; the package is
    // still handed on rebuilt.
    let header = memchr::memmem::find_iter(&ods, b"PK\x03\x04")
        .find(|&at| ods[at + 30..].starts_with(b"content.xml"))
        .expect("content.xml's local header");
    let mut moved = ods.clone();
    moved.splice(header..header, ods[header - 5..header].to_vec());
    let moved = read(&moved, Format::Ods, &ReadLimits::default()).unwrap();
    assert_eq!(moved.blocks, whole.blocks);
    assert!(moved.notes.iter().any(|n| n.code == "input.zip_recovered"));
    let err = read(cut, Format::Ods, &capped(inflated - 1)).unwrap_err();
    assert!(
        err.to_string().contains("styles.xml inflates past"),
        "{err}"
    );
}

#[test]
fn zip_bombs() {
    let dir = Dir::new("hostile-bomb");
    let (gigabyte, size) = deflate_gigabyte();
    let workbook = workbook_xml();
    // The bomb's CRC is left 0: reading stops at the cap long before the CRC is checked.
    let xlsx = raw_zip(&[
        (
            "xl/workbook.xml",
            false,
            workbook.as_bytes(),
            crc32(workbook.as_bytes()),
            workbook.len() as u64,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            false,
            WORKBOOK_RELS.as_bytes(),
            crc32(WORKBOOK_RELS.as_bytes()),
            WORKBOOK_RELS.len() as u64,
        ),
        ("xl/worksheets/sheet1.xml", true, &gigabyte, 0, size),
    ]);
    let docx = raw_zip(&[("word/document.xml", true, &gigabyte, 0, size)]);
    folder(&dir, &[("bomb.xlsx", &xlsx), ("bomb.docx", &docx)]);
    let (output, rows) = extract(&dir, &["--max-inflated-mb", "8"], 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (name, part) in [
        ("bomb.xlsx", "xl/worksheets/sheet1.xml"),
        ("bomb.docx", "word/document.xml"),
    ] {
        let bad = row(&rows, name);
        assert_eq!(bad.status, "error", "{bad:?}");
        assert!(
            bad.error
                .contains(&format!("{part} inflates past 8388608 bytes"))
                && bad.error.contains("--max-inflated-mb"),
            "{bad:?}"
        );
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("inflates past")),
            "{stderr}"
        );
    }
    good_form_read(&rows);
}

#[test]
fn xml_nested_100000_levels() {
    let dir = Dir::new("hostile-deep");
    let deep = "<x>".repeat(100_000) + &"</x>".repeat(100_000);
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {SHEET_NS}><sheetData>{deep}</sheetData></worksheet>"#
    );
    let xlsx = xlsx_with_sheet(sheet.as_bytes());
    let docx = docx_with_body(&format!("<w:p>{deep}</w:p>"));
    folder(&dir, &[("deep.xlsx", &xlsx), ("deep.docx", &docx)]);
    let (output, rows) = extract(&dir, &[], 3);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (name, part) in [
        ("deep.xlsx", "xl/worksheets/sheet1.xml"),
        ("deep.docx", "word/document.xml"),
    ] {
        let bad = row(&rows, name);
        assert_eq!(bad.status, "error", "{bad:?}");
        assert!(
            bad.error.starts_with("refused")
                && bad.error.contains(part)
                && bad.error.contains("deep"),
            "{bad:?}"
        );
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("deep")),
            "{stderr}"
        );
    }
    good_form_read(&rows);
}

#[test]
fn encrypted_workbook() {
    let dir = Dir::new("hostile-encrypted");
    let bytes = ole2_with(&["EncryptionInfo", "EncryptedPackage"]);
    folder(&dir, &[("encrypted.xlsx", &bytes)]);
    refused(
        &dir,
        "encrypted.xlsx",
        &[],
        &["encrypted (password-protected)", "remove the password"],
    );
}

/// A Word .doc renamed .docx is refused with advice; an Excel .xls renamed .xlsx is
/// simply read as the XLS it is (the format comes from the bytes), which is better
/// than an error.
#[test]
fn legacy_files_renamed() {
    let dir = Dir::new("hostile-legacy");
    let doc = ole2_with(&["WordDocument", "1Table"]);
    let xls = fixture_bytes("guangzhou-2024-xls/input.xls");
    folder(&dir, &[("legacy.docx", &doc), ("legacy.xlsx", &xls)]);
    let (_, rows) = refused(
        &dir,
        "legacy.docx",
        &[],
        &["a legacy Word 97-2003 document (.doc", "save it as .docx"],
    );
    let xls = row(&rows, "legacy.xlsx");
    assert_eq!(xls.format, "xls", "{xls:?}");
    assert!(["ok", "warning"].contains(&xls.status.as_str()), "{xls:?}");
    // Read as what it is, and the wrong name is said (info: the data is whole).
    let findings = dir.read("out/findings.csv");
    let mismatch = findings
        .lines()
        .find(|l| l.contains("input.extension_mismatch"))
        .unwrap_or_else(|| panic!("no extension finding in {findings}"));
    assert!(
        mismatch.contains("info") && mismatch.contains("named .xlsx but holds an Excel 97-2003"),
        "{mismatch}"
    );
}

/// WPS Office's own names are walked too: a `.et` workbook, which WPS Spreadsheets
/// writes in Excel's binary format, is read as the XLS it is with no word about its
/// name; a `.wps` document in Word's binary format is refused with the .doc advice.
#[test]
fn wps_office_files() {
    let dir = Dir::new("hostile-wps");
    let xls = fixture_bytes("guangzhou-2024-xls/input.xls");
    let doc = ole2_with(&["WordDocument", "1Table"]);
    // A .et of the old WPS format (its own binary, no OLE2): refused, saying what the
    // name promised.
    let old_wps: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 32) as u8).collect();
    folder(
        &dir,
        &[
            ("budget.et", &xls),
            ("letter.wps", &doc),
            ("old.et", &old_wps),
        ],
    );
    let (_, rows) = refused(
        &dir,
        "old.et",
        &[],
        &["not an OLE2 compound file, as a .et file should be"],
    );
    assert_eq!(row(&rows, "old.et").status, "error");
    let (_, rows) = refused(
        &dir,
        "letter.wps",
        &[],
        &["a .wps that WPS Writer saved alike", "save it as .docx"],
    );
    let et = row(&rows, "budget.et");
    assert_eq!(et.format, "xls", "{et:?}");
    assert_eq!(et.status, "warning", "{et:?}");
    // The form read, beside folder()'s good copy of the same department and year.
    assert!(et.error.contains("budget.sum_mismatch"), "{et:?}");
    assert!(!dir
        .read("out/findings.csv")
        .contains("input.extension_mismatch"));
}

/// Budget systems export Excel 2003 XML spreadsheets named `.xls` or `.xml`, and Word
/// 2003 XML documents named `.doc` or `.xml`: all are read, a misnamed workbook with a
/// word about its name; an `.xml` that is neither is refused saying so, not read as a
/// text form without sections.
#[test]
fn office_2003_xml_files() {
    let dir = Dir::new("hostile-office-xml");
    let sheet = fixture_bytes("guangzhou-2024-excel-xml/input.xml");
    let text = String::from_utf8(sheet.clone()).unwrap();
    let other_department = text.replace("广州市司法局", "广州市民政局").into_bytes();
    let word_xml = String::from_utf8(fixture_bytes("guangzhou-2024-word-xml/input.xml"))
        .unwrap()
        .replace("广州市司法局", "广州市财政局")
        .into_bytes();
    folder(
        &dir,
        &[
            ("export.xls", &sheet),
            ("民政局.xml", &other_department),
            ("导出.doc", &word_xml),
            (
                "settings.xml",
                b"<?xml version=\"1.0\"?><config><item>1</item></config>",
            ),
        ],
    );
    let (reason, rows) = refused(
        &dir,
        "settings.xml",
        &[],
        &[
            "neither an Excel 2003 XML spreadsheet nor a Word 2003 XML document",
            "save it as .xlsx or .docx",
        ],
    );
    assert!(!reason.contains("form.unrecognized"), "{reason}");
    for (name, format) in [
        ("export.xls", "excel-xml"),
        ("民政局.xml", "excel-xml"),
        ("导出.doc", "word-xml"),
    ] {
        let file = row(&rows, name);
        assert_eq!(file.format, format, "{file:?}");
        assert_ne!(file.status, "error", "{file:?}");
    }
    let forms = dir.read("out/forms.csv");
    assert!(forms.contains("广州市民政局") && forms.contains("广州市财政局"));
    // For the .xls and the .doc, whose names are the wrong ones; not for the .xml.
    let findings = dir.read("out/findings.csv");
    let misnamed: Vec<&str> = findings
        .lines()
        .filter(|l| l.contains("input.extension_mismatch"))
        .collect();
    assert_eq!(misnamed.len(), 2, "{findings}");
    for said in [
        "named .xls but holds an Excel 2003 XML spreadsheet",
        "named .doc but holds a Word 2003 XML document",
    ] {
        assert!(misnamed.iter().any(|l| l.contains(said)), "{findings}");
    }
}

/// Office's macro-enabled and template names hold the same packages: they are walked
/// and read as the workbook or document they are, with no word about their names; so
/// is a single-file web page named `.mhtml`.
#[test]
fn macro_enabled_and_template_office_files() {
    let dir = Dir::new("hostile-macro-template");
    let bytes = |fixture: &str| {
        fixture_bytes(&format!(
            "{fixture}/input.{}",
            &fixture[fixture.rfind('-').unwrap() + 1..]
        ))
    };
    folder(
        &dir,
        &[
            ("a.xlsm", &bytes("guangzhou-2024-xlsx")),
            ("b.xltx", &bytes("two-row-header-xlsx")),
            ("c.docm", &bytes("guangzhou-2024-docx")),
            ("d.dotx", &bytes("columns-reordered-docx")),
            ("e.mhtml", &bytes("guangzhou-2024-mht")),
        ],
    );
    let (_, rows) = extract(&dir, &["--format", "csv"], 0);
    for (name, format) in [
        ("a.xlsm", "xlsx"),
        ("b.xltx", "xlsx"),
        ("c.docm", "docx"),
        ("d.dotx", "docx"),
        ("e.mhtml", "mht"),
    ] {
        let file = row(&rows, name);
        assert_eq!(file.format, format, "{file:?}");
        assert_ne!(file.status, "error", "{file:?}");
    }
    assert!(!dir
        .read("out/findings.csv")
        .contains("input.extension_mismatch"));
}

/// The Guangzhou workbook with its dimension claiming A1:XFD1048576 and a cell at
/// XFD1048576: our XLSX reader pays for real cells only, so it is read, quickly. An XLS
/// whose DIMENSIONS record claims the whole grid is refused before calamine reserves it.
#[test]
fn sheet_claiming_the_whole_grid() {
    let dir = Dir::new("hostile-full-range");
    let xlsx = fixture_bytes("guangzhou-2024-xlsx/input.xlsx");
    let xlsx = rezip(&xlsx, "xl/worksheets/sheet1.xml", |sheet| {
        assert!(sheet.contains(r#"<dimension ref="A1:E38"/>"#));
        let sheet = sheet.replacen(
            r#"<dimension ref="A1:E38"/>"#,
            r#"<dimension ref="A1:XFD1048576"/>"#,
            1,
        );
        sheet.replacen(
            "</sheetData>",
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>末</t></is></c></row></sheetData>"#,
            1,
        )
    });
    let mut xls = fixture_bytes("guangzhou-2024-xls/input.xls");
    let header = [0x0200u16.to_le_bytes(), 14u16.to_le_bytes()].concat();
    let at = xls
        .windows(4)
        .position(|w| w == header.as_slice())
        .expect("a DIMENSIONS record")
        + 4;
    xls[at + 4..at + 8].copy_from_slice(&1_048_576u32.to_le_bytes());
    xls[at + 10..at + 12].copy_from_slice(&16_384u16.to_le_bytes());
    folder(
        &dir,
        &[("full-range.xlsx", &xlsx), ("full-range.xls", &xls)],
    );
    let (_, rows) = refused(
        &dir,
        "full-range.xls",
        &[],
        &["refused: a sheet claims", "--max-cells"],
    );
    let read = row(&rows, "full-range.xlsx");
    assert!(
        ["ok", "warning"].contains(&read.status.as_str()),
        "{read:?}"
    );
    let unmapped = dir.read("out/unmapped.csv");
    assert!(unmapped.contains("'Sheet1'!XFD1048576"), "{unmapped}");
}

/// The issue's 200 MB single line: a 3 MB one is refused by the same check at the
/// default --max-line-kb (1024), and the file-size limit refuses it too when lowered.
#[test]
fn text_with_no_line_breaks() {
    let dir = Dir::new("hostile-no-breaks");
    let line = "部门名称\t".repeat((3 << 20) / 13);
    folder(&dir, &[("one-line.txt", line.as_bytes())]);
    refused(
        &dir,
        "one-line.txt",
        &[],
        &[
            "refused: line 1 is",
            "not a line of a form",
            "--max-line-kb",
        ],
    );
    refused(
        &dir,
        "one-line.txt",
        &["--max-file-mb", "2"],
        &["refused: the file has", "--max-file-mb"],
    );
}

#[test]
fn text_invalid_in_every_encoding() {
    let dir = Dir::new("hostile-encoding");
    // Lead bytes with no valid trail, C1 bytes, bytes no encoding of the detector's uses.
    let alphabet = [0x80u8, 0x81, 0xFF, 0xFE, 0xC0, 0xC1, 0xF5, 0xF8];
    let bytes: Vec<u8> = (0..4000u32)
        .map(|i| alphabet[(i.wrapping_mul(2_654_435_761) >> 13) as usize % 8])
        .collect();
    folder(&dir, &[("garbled.txt", &bytes)]);
    refused(
        &dir,
        "garbled.txt",
        &[],
        &["not valid text in UTF-8, GB18030, UTF-16 or any encoding"],
    );
}

/// Damage a form survives: a UTF-8 copy cut short in the middle of its last char, and
/// one whose first tab a flipped bit made a backspace, are read with a warning that
/// bytes were replaced, department and all.
#[test]
fn text_damaged_by_a_byte_is_read_with_a_warning() {
    let dir = Dir::new("hostile-damaged-text");
    let good = fixture_bytes("guangzhou-2024-text/input.txt");
    let text = std::str::from_utf8(&good).unwrap();
    let (last_wide, _) = text
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii())
        .unwrap();
    let cut = &good[..last_wide + 1];
    let mut flipped = good.clone();
    let tab = flipped.iter().position(|&b| b == b'\t').unwrap();
    flipped[tab] ^= 1;
    folder(&dir, &[("cut.txt", cut), ("flipped.txt", &flipped)]);
    let (_, rows) = extract(&dir, &[], 0);
    read_with_warning(
        &dir,
        &rows,
        &["cut.txt", "flipped.txt"],
        "input.encoding_errors",
    );
}

/// The Guangzhou document with 10,000 more indicator rows in its last table: read, not
/// refused, and quickly.
#[test]
fn docx_with_a_10000_row_table() {
    let dir = Dir::new("hostile-long-table");
    let docx = fixture_bytes("guangzhou-2024-docx/input.docx");
    let cell = |text: &str| {
        if text.is_empty() {
            "<w:tc><w:p/></w:tc>".to_string()
        } else {
            format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
        }
    };
    let rows: String = (1..=10_000)
        .map(|i| {
            format!(
                "<w:tr>{}{}{}{}{}</w:tr>",
                cell(""),
                cell(""),
                cell(&format!("第{i}项服务满意度（%）")),
                cell(&format!("≥{}%", 80 + i % 20)),
                cell(&format!("≥{}%", 80 + i % 20)),
            )
        })
        .collect();
    let docx = rezip(&docx, "word/document.xml", |document| {
        let at = document.rfind("</w:tbl>").expect("a table");
        format!("{}{rows}{}", &document[..at], &document[at..])
    });
    folder(&dir, &[("long-table.docx", &docx)]);
    let started = Instant::now();
    let (_, rows) = extract(&dir, &[], 0);
    let elapsed = started.elapsed();
    let read = row(&rows, "long-table.docx");
    assert!(
        ["ok", "warning"].contains(&read.status.as_str()),
        "{read:?}"
    );
    good_form_read(&rows);
    let (headers, forms) = csv_rows(&dir.read("out/forms.csv"));
    let indicators = forms
        .iter()
        .find(|f| f[col(&headers, "path")].ends_with("long-table.docx"))
        .map(|f| f[col(&headers, "indicators")].parse::<usize>().unwrap())
        .unwrap();
    assert!(indicators > 10_000, "{indicators} indicators");
    // Debug build, two files; a release build reads it in well under a second.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

// --- isolation of the XLS/ODS reader ---------------------------------------------------

/// An ODS whose one table spans 3,002 rows × 16,384 columns with three numbers in it:
/// calamine reserves the whole area up front (1.5 GB) when it opens the file. Our
/// pre-scan refuses it at the default --max-cells; past a raised limit, calamine's
/// allocation fails inside the reader process's 1 GiB cap and it aborts.
fn ods_reserving_gigabytes() -> Vec<u8> {
    let value = |v: u32| {
        format!(
            r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#
        )
    };
    let mut rows = format!(
        r#"<table:table-row>{}<table:table-cell table:number-columns-repeated="16382"/>{}</table:table-row>"#,
        value(1),
        value(2)
    );
    rows.push_str(&"<table:table-row><table:table-cell/></table:table-row>".repeat(3000));
    rows.push_str(&format!("<table:table-row>{}</table:table-row>", value(3)));
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="T">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
        ),
        ("META-INF/manifest.xml", ODS_MANIFEST.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}

const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

/// The batch [good text form, the aborting ODS, good XLS form]: exit 3, both good forms
/// written, the ODS an `error` naming the signal and the allocation that failed.
#[test]
fn a_reader_abort_costs_one_file() {
    let dir = Dir::new("hostile-abort");
    let xls = fixture_bytes("guangzhou-2024-xls/input.xls");
    folder(
        &dir,
        &[
            ("abort.ods", &ods_reserving_gigabytes()),
            ("z-good.xls", &xls),
        ],
    );
    let (reason, rows) = refused(
        &dir,
        "abort.ods",
        &["--max-cells", "100000000"],
        &[
            "the ODS reader crashed",
            "memory allocation of",
            "--max-reader-mb",
            "only this file is lost",
        ],
    );
    if cfg!(unix) {
        assert!(reason.contains("signal 6 (SIGABRT)"), "{reason}");
    }
    let xls = row(&rows, "z-good.xls");
    assert!(["ok", "warning"].contains(&xls.status.as_str()), "{xls:?}");
    let forms = dir.read("out/forms.jsonl");
    assert_eq!(forms.lines().count(), 2, "both good forms written");
    // At the default --max-cells our own pre-scan refuses it before calamine runs.
    refused(
        &dir,
        "abort.ods",
        &[],
        &["refused: a table spans 49184768 cells", "--max-cells"],
    );
}

/// The same batch without isolation, under the same 1 GiB address-space cap for the
/// whole jixiao: the abort takes the run down and no table is written. This is what
/// isolation prevents.
#[cfg(unix)]
#[test]
fn without_isolation_the_same_abort_ends_the_run() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let dir = Dir::new("hostile-abort-in-process");
    folder(&dir, &[("abort.ods", &ods_reserving_gigabytes())]);
    let mut command = jixiao();
    command
        .arg("extract")
        .arg(dir.join("in"))
        .arg("-o")
        .arg(dir.join("out"))
        .args([
            "--max-cells",
            "100000000",
            "--no-isolation",
            "--threads",
            "1",
        ])
        .env("RUST_BACKTRACE", "0")
        // An aborted run cannot remove its spools: keep them in the test's folder.
        .env("TMPDIR", dir.join("tmp"));
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    // SAFETY: setrlimit is async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            Ok(())
        });
    }
    let output = command.output().unwrap();
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGABRT),
        "{:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !dir.join("out/files.csv").exists(),
        "no table is written when the run aborts"
    );
}
