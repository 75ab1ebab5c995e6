//! Excel 2003 XML spreadsheets (SpreadsheetML 2003, "XML 电子表格 2003"): one streaming
//! pass with quick-xml into the same cell model as an XLSX sheet.
//!
//! Budget systems and older office suites export workbooks in this format, most often
//! named `.xls` (which Excel opens with a warning) or `.xml`. The format is told by its
//! bytes: an XML document whose root is a `Workbook` in the
//! `urn:schemas-microsoft-com:office:spreadsheet` namespace ([`sniff`]).
//!
//! What becomes what: each `<Worksheet ss:Name>` is a [`Block::Table`] named as the
//! sheet; `<Row ss:Index>` and `<Cell ss:Index>` place rows and cells (1-based, each
//! following the one before when no index is written); `ss:MergeAcross` and
//! `ss:MergeDown` become the anchor's spans. A cell's text is its `<Data>` (rich text
//! inside it, `<B>`, `<Font>`…, read for its characters): a `Number` shown with its
//! style's `<NumberFormat ss:Format>` as an XLSX number is (`Standard`, `Fixed`,
//! `Percent`, `Short Date` and the other named formats, or a format code), a `DateTime`
//! as `2024-12-31`, a `Boolean` as `TRUE`/`FALSE`. Comments (`<Comment>`) are notes on
//! a cell, not its value, and are not read. Locations are the sheet's: `'Sheet1'!C4`.
//!
//! Encoding: a BOM, else the XML declaration's `encoding` (`GB2312` and `GBK` read as
//! GB18030, their superset), else UTF-8; bytes not valid in it are an error.
//!
//! A copy cut short is read up to the last whole cell before the cut, with the note
//! `input.cut_short`; markup broken before the end is an error.
//!
//! Safety: nesting, cell and row limits are the XLSX reader's ([`super::xlsx::xml`],
//! [`ReadLimits::max_cells`]); indexes beyond Excel's grid are errors, never
//! allocations.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use quick_xml::events::{BytesStart, Event};

use super::xlsx::numfmt::NumFmt;
use super::xlsx::sheet::{bool_text, iso_date_cell, number_cell, order_cells, push_cell, Budget};
use super::xlsx::xml::{local_name, push_text, raw_attr, text_attr, trim_cell, Xml};
use crate::model::{Block, Cell, Grid, Loc, ReaderNote, Row, Table};
use crate::{Error, ReadLimits, Result};

/// The format's name in `source.format`, `files.csv` and errors.
pub const FORMAT: &str = "excel-xml";

/// The SpreadsheetML 2003 namespace.
pub(crate) const NAMESPACE: &str = "urn:schemas-microsoft-com:office:spreadsheet";

/// How far into the file the namespace and the declaration are looked for.
const SNIFF_BYTES: usize = 4096;

/// Excel's grid: 1,048,576 rows, 16,384 columns (1-based indexes up to these).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u32 = 16_384;

/// Whether the bytes are an Excel 2003 XML spreadsheet: XML whose root is a `Workbook`
/// and whose start names the SpreadsheetML namespace.
pub fn sniff(bytes: &[u8]) -> bool {
    super::xml_root(bytes)
        .is_some_and(|(head, root)| root == "Workbook" && head.contains(NAMESPACE))
}

/// Reads an Excel 2003 XML spreadsheet into the cell model (see the module
/// documentation for the rules).
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let text = decode(bytes)?;
    let (blocks, notes) = parse(text.as_bytes(), limits)?;
    Ok(Grid {
        blocks,
        encoding: None,
        notes,
    })
}

/// The document as UTF-8 text, by its BOM, else its declared encoding, else UTF-8.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => (declared_encoding(bytes).unwrap_or(UTF_8), bytes),
    };
    let encoding = if encoding == GBK { GB18030 } else { encoding };
    // A copy cut in the middle of its last char: the XML is cut there too, and the
    // reader says so; the char's first bytes are no error of their own.
    let body = match std::str::from_utf8(body) {
        Err(e) if encoding == UTF_8 && e.error_len().is_none() => &body[..e.valid_up_to()],
        _ => body,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        return Err(Error::malformed(
            FORMAT,
            None,
            format!("not valid {}, the encoding it declares", encoding.name()),
        ));
    }
    Ok(text)
}

/// The encoding an XML declaration names (`<?xml version="1.0" encoding="GB2312"?>`).
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let declaration = head.strip_prefix(b"<?xml")?;
    let end = declaration.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&declaration[..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let value = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let label = &value[1..][..value[1..].find(quote)?];
    Encoding::for_label(label.trim().as_bytes())
}

/// A `<Cell>` being read.
struct Pending {
    row: u32,
    col: u32,
    col_span: u32,
    row_span: u32,
    style: Option<String>,
    kind: Option<String>,
    text: String,
}

/// The worksheet being read.
struct Sheet {
    name: Arc<str>,
    rows: Vec<Row>,
    /// 0-based index of the row being read, and of the next cell in it.
    row: u32,
    next_row: u32,
    next_col: u32,
}

fn parse(bytes: &[u8], limits: &ReadLimits) -> Result<(Vec<Block>, Vec<ReaderNote>)> {
    let mut xml = Xml::new(bytes, FORMAT, "XML");
    let mut budget = Budget::new(limits.max_cells);
    let mut formats: HashMap<String, NumFmt> = HashMap::new();
    let mut style: Option<String> = None;
    let mut blocks = Vec::new();
    let mut sheet: Option<Sheet> = None;
    let mut cell: Option<Pending> = None;
    // Depth inside the cell's <Data> (rich text nests elements in it), and inside a
    // <Comment>, whose own <Data> is not the cell's value.
    let (mut in_data, mut in_comment) = (0u32, 0u32);
    // Where the file was cut, when it was.
    let mut cut: Option<String> = None;
    loop {
        let event = match xml.next() {
            Ok(event) => event,
            // A copy cut short: what was read before the cut is kept (the cell being
            // read when it came is not: its text may be cut too).
            Err(_) if xml.at_end() && (sheet.is_some() || !blocks.is_empty()) => {
                cut = Some(match &sheet {
                    Some(sheet) => format!("row {} of sheet '{}'", sheet.row + 1, sheet.name),
                    None => "the end of its last sheet".to_string(),
                });
                blocks.extend(sheet.take().map(finish));
                break;
            }
            Err(e) => return Err(e),
        };
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = local_name(e.name());
                if in_data > 0 {
                    in_data += u32::from(!empty);
                    continue;
                }
                if in_comment > 0 {
                    in_comment += u32::from(!empty);
                    continue;
                }
                match name {
                    "Style" => style = text_attr(e, "ID"),
                    "NumberFormat" => {
                        if let (Some(id), Some(code)) = (&style, text_attr(e, "Format")) {
                            formats.insert(id.clone(), number_format(&code));
                        }
                    }
                    "Worksheet" => {
                        let name = text_attr(e, "Name")
                            .unwrap_or_else(|| format!("Sheet{}", blocks.len() + 1));
                        sheet = Some(Sheet {
                            name: Arc::from(name),
                            rows: Vec::new(),
                            row: 0,
                            next_row: 0,
                            next_col: 0,
                        });
                        if empty {
                            blocks.extend(sheet.take().map(finish));
                        }
                    }
                    "Row" => {
                        if let Some(sheet) = &mut sheet {
                            sheet.row = match index(e, "Index", MAX_ROWS) {
                                Some(index) => index.map_err(|why| xml.malformed(None, why))?,
                                None => sheet.next_row.min(MAX_ROWS - 1),
                            };
                            sheet.next_row = sheet.row + 1;
                            sheet.next_col = 0;
                        }
                    }
                    "Cell" => {
                        let Some(sheet) = &mut sheet else { continue };
                        let place = || cell_place(&sheet.name, sheet.row, sheet.next_col);
                        let col = match index(e, "Index", MAX_COLUMNS) {
                            Some(index) => {
                                index.map_err(|why| xml.malformed(Some(&place()), why))?
                            }
                            None => sheet.next_col.min(MAX_COLUMNS - 1),
                        };
                        let across = span(e, "MergeAcross");
                        let down = span(e, "MergeDown");
                        sheet.next_col = col.saturating_add(across).saturating_add(1);
                        if !empty {
                            cell = Some(Pending {
                                row: sheet.row,
                                col,
                                col_span: across.min(MAX_COLUMNS - col - 1) + 1,
                                row_span: down.min(MAX_ROWS - sheet.row - 1) + 1,
                                style: text_attr(e, "StyleID"),
                                kind: None,
                                text: String::new(),
                            });
                        }
                    }
                    "Data" if !empty => {
                        if let Some(cell) = &mut cell {
                            cell.kind = text_attr(e, "Type");
                            in_data = 1;
                        }
                    }
                    "Comment" if !empty => in_comment = 1,
                    _ => {}
                }
            }
            Event::End(e) => {
                if in_data > 0 {
                    in_data -= 1;
                    continue;
                }
                if in_comment > 0 {
                    in_comment -= 1;
                    continue;
                }
                match local_name(e.name()) {
                    "Style" => style = None,
                    "Cell" => {
                        if let (Some(pending), Some(sheet)) = (cell.take(), &mut sheet) {
                            store(sheet, pending, &formats, &mut budget)?;
                        }
                    }
                    "Worksheet" => blocks.extend(sheet.take().map(finish)),
                    _ => {}
                }
            }
            Event::Eof => break,
            other => {
                if in_data > 0 {
                    if let Some(cell) = &mut cell {
                        push_text(&mut cell.text, other);
                    }
                }
            }
        }
    }
    if blocks.is_empty() {
        return Err(Error::malformed(
            FORMAT,
            None,
            "the workbook has no worksheet",
        ));
    }
    let notes = cut
        .map(|at| ReaderNote {
            code: "input.cut_short",
            message: format!(
                "the file ends inside its XML (a copy cut short): read up to {at}; what followed is lost"
            ),
        })
        .into_iter()
        .collect();
    Ok((blocks, notes))
}

/// `'Sheet1'!C4`, for errors.
fn cell_place(sheet: &Arc<str>, row: u32, col: u32) -> String {
    Loc::Sheet {
        sheet: Arc::clone(sheet),
        row,
        col,
    }
    .render()
}

/// A 1-based `ss:Index` as a 0-based index below `max`; `None` when not written.
fn index(e: &BytesStart<'_>, name: &str, max: u32) -> Option<std::result::Result<u32, String>> {
    let raw = raw_attr(e, name)?;
    Some(match raw.trim().parse::<u32>() {
        Ok(n @ 1..) if n <= max => Ok(n - 1),
        _ => Err(format!("ss:{name} {raw:?} is not 1 to {max}")),
    })
}

/// A merge count (`ss:MergeAcross="3"`); 0 when absent or not a count.
fn span(e: &BytesStart<'_>, name: &str) -> u32 {
    raw_attr(e, name)
        .and_then(|raw| raw.trim().parse::<u32>().ok())
        .unwrap_or(0)
}

/// A `<NumberFormat ss:Format>`: Excel's named formats, or a format code.
fn number_format(code: &str) -> NumFmt {
    match code {
        "General" | "General Number" => NumFmt::General,
        "Fixed" => NumFmt::parse("0.00"),
        "Standard" | "Currency" | "Euro Currency" => NumFmt::parse("#,##0.00"),
        "Percent" => NumFmt::parse("0.00%"),
        "Scientific" => NumFmt::parse("0.00E+00"),
        "General Date" | "Short Date" | "Medium Date" | "Long Date" => NumFmt::builtin(14),
        "Long Time" | "Medium Time" | "Short Time" => NumFmt::builtin(21),
        code => NumFmt::parse(code),
    }
}

/// Turns a finished `<Cell>` into a stored cell, if it shows anything.
fn store(
    sheet: &mut Sheet,
    cell: Pending,
    formats: &HashMap<String, NumFmt>,
    budget: &mut Budget,
) -> Result<()> {
    let raw = trim_cell(&cell.text);
    let (text, number) = match cell.kind.as_deref() {
        Some("Number") => {
            let format = cell.style.as_ref().and_then(|id| formats.get(id));
            number_cell(raw, format.unwrap_or(&NumFmt::General), false)
        }
        Some("DateTime") => (iso_date_cell(raw), None),
        Some("Boolean") => (bool_text(raw).to_string(), None),
        _ => (raw.replace("\r\n", "\n").replace('\r', "\n"), None),
    };
    if text.is_empty() {
        return Ok(());
    }
    let row = cell.row;
    let loc = Loc::Sheet {
        sheet: Arc::clone(&sheet.name),
        row,
        col: cell.col,
    };
    let cell = Cell {
        text,
        number,
        col: cell.col,
        col_span: cell.col_span,
        row_span: cell.row_span,
        loc,
    };
    push_cell(&mut sheet.rows, row, cell, budget)
}

/// A worksheet's table: rows' cells in column order, trailing empty rows dropped.
fn finish(mut sheet: Sheet) -> Block {
    for row in &mut sheet.rows {
        order_cells(&mut row.cells);
    }
    while sheet.rows.last().is_some_and(Row::is_empty) {
        sheet.rows.pop();
    }
    Block::Table(Table {
        name: Some(sheet.name.to_string()),
        rows: sheet.rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">"#;

    fn book(styles: &str, sheets: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n{HEAD}<Styles>{styles}</Styles>{sheets}</Workbook>")
    }

    /// Every stored cell as (location, text, number, spans).
    fn cells(grid: &Grid) -> Vec<(String, String, Option<f64>, u32, u32)> {
        grid.blocks
            .iter()
            .flat_map(|b| match b {
                Block::Table(t) => t.rows.iter().flat_map(|r| &r.cells).collect::<Vec<_>>(),
                Block::Paragraph(_) => Vec::new(),
            })
            .map(|c| {
                (
                    c.loc.to_string(),
                    c.text.clone(),
                    c.number,
                    c.col_span,
                    c.row_span,
                )
            })
            .collect()
    }

    fn read_str(xml: &str) -> Result<Grid> {
        read(xml.as_bytes(), &ReadLimits::default())
    }

    #[test]
    fn rows_cells_merges_and_types_land_where_excel_shows_them() {
        let xml = book(
            r##"<Style ss:ID="p"><NumberFormat ss:Format="Percent"/></Style>
               <Style ss:ID="m"><NumberFormat ss:Format="#,##0.00&quot;万元&quot;"/></Style>"##,
            r#"<Worksheet ss:Name="申报表"><Table>
               <Row><Cell ss:MergeAcross="2" ss:MergeDown="1"><Data ss:Type="String">标题</Data></Cell></Row>
               <Row ss:Index="4"><Cell ss:Index="2" ss:StyleID="m"><Data ss:Type="Number">1234.5</Data></Cell>
                 <Cell ss:StyleID="p"><Data ss:Type="Number">0.955</Data></Cell>
                 <Cell><Data ss:Type="DateTime">2024-12-31T00:00:00.000</Data></Cell>
                 <Cell><Data ss:Type="Boolean">1</Data><Comment><Data>批注：不是值</Data></Comment></Cell>
                 <Cell ss:Formula="=1/0"><Data ss:Type="Error">#DIV/0!</Data></Cell></Row>
               <Row><Cell><Data ss:Type="String">  第一行&#10;第二行 </Data></Cell><Cell><Data ss:Type="String">   </Data></Cell>
                 <Cell><Comment><Data>只有批注</Data></Comment></Cell><Cell><Data ss:Type="Number">7</Data></Cell></Row>
               </Table></Worksheet>
               <Worksheet ss:Name="Sheet2"/>"#,
        );
        let grid = read_str(&xml).unwrap();
        let at = |cell: &str, text: &str, number: Option<f64>, spans: (u32, u32)| {
            (
                format!("'申报表'!{cell}"),
                text.to_string(),
                number,
                spans.0,
                spans.1,
            )
        };
        assert_eq!(
            cells(&grid),
            vec![
                at("A1", "标题", None, (3, 2)),
                at("B4", "1,234.50万元", Some(1234.5), (1, 1)),
                at("C4", "95.50%", Some(0.955), (1, 1)),
                at("D4", "2024-12-31", None, (1, 1)),
                at("E4", "TRUE", None, (1, 1)),
                at("F4", "#DIV/0!", None, (1, 1)),
                at("A5", "第一行\n第二行", None, (1, 1)),
                // A cell with only a comment takes its column: the next one is D.
                at("D5", "7", Some(7.0), (1, 1)),
            ]
        );
        let names: Vec<_> = grid
            .blocks
            .iter()
            .map(|b| match b {
                Block::Table(t) => t.name.clone(),
                Block::Paragraph(_) => None,
            })
            .collect();
        assert_eq!(names, [Some("申报表".into()), Some("Sheet2".into())]);
    }

    #[test]
    fn the_declared_encoding_decodes_it() {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n{HEAD}<Worksheet ss:Name=\"表\"><Table><Row><Cell><Data ss:Type=\"String\">部门名称</Data></Cell></Row></Table></Worksheet></Workbook>"
        );
        let (bytes, _, unmappable) = GB18030.encode(&xml);
        assert!(!unmappable);
        assert!(sniff(&bytes));
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(cells(&grid)[0].1, "部门名称");

        // Bytes the declared encoding does not hold are an error, not mojibake.
        let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{HEAD}</Workbook>");
        let mut bytes = xml.into_bytes();
        bytes.extend_from_slice(&[0xB2, 0xBF]);
        let err = read(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    }

    #[test]
    fn only_spreadsheetml_is_taken_for_it() {
        assert!(sniff(book("", "").as_bytes()));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(book("", "").encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(sniff(&utf16));
        assert!(!sniff(
            b"<html><body><table><tr><td>x</td></tr></table></body></html>"
        ));
        assert!(!sniff(b"<?xml version=\"1.0\"?><root>urn:other</root>"));
        assert!(!sniff(
            "部门名称\turn:schemas-microsoft-com:office:spreadsheet <Workbook".as_bytes()
        ));
    }

    #[test]
    fn bad_indexes_and_empty_books_are_errors_that_say_where() {
        let err = read_str(&book(
            "",
            r#"<Worksheet ss:Name="S"><Table><Row ss:Index="2"><Cell ss:Index="99999"><Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet>"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("'S'!A2") && err.contains("ss:Index \"99999\" is not 1 to 16384"),
            "{err}"
        );
        let err = read_str(&book(
            "",
            r#"<Worksheet ss:Name="S"><Table><Row ss:Index="0"/></Table></Worksheet>"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("ss:Index \"0\" is not 1 to 1048576"), "{err}");
        let err = read_str(&book("", "")).unwrap_err().to_string();
        assert!(err.contains("no worksheet"), "{err}");
        // Bad markup before the end is an error; a cut (below) is not.
        let err = read_str(&book("", "<Worksheet ss:Name=\"S\"><Table><Row></Cell>"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("excel-xml") && err.contains("bad XML"),
            "{err}"
        );
    }

    /// A copy cut short is read up to the last whole cell, and says so; the cell the
    /// cut falls in is not read (its number may be cut), nor a char cut in two.
    #[test]
    fn a_copy_cut_short_is_read_up_to_the_cut() {
        let whole = book(
            "",
            r#"<Worksheet ss:Name="表"><Table><Row><Cell><Data ss:Type="String">部门名称</Data></Cell><Cell><Data ss:Type="String">某局</Data></Cell></Row>
               <Row><Cell><Data ss:Type="String">财政拨款</Data></Cell><Cell><Data ss:Type="Number">153069.97</Data></Cell></Row></Table></Worksheet>"#,
        );
        for cut in [whole.find("3069").unwrap(), whole.find("财政").unwrap() + 4] {
            let grid = read(&whole.as_bytes()[..cut], &ReadLimits::default()).unwrap();
            let got: Vec<String> = cells(&grid).into_iter().map(|c| c.1).collect();
            assert!(
                got.starts_with(&["部门名称".to_string(), "某局".to_string()]),
                "{got:?}"
            );
            assert!(
                !got.iter()
                    .any(|t| t.starts_with("1530") || t.contains('\u{FFFD}')),
                "{got:?}"
            );
            let notes: Vec<_> = grid
                .notes
                .iter()
                .map(|n| (n.code, n.message.as_str()))
                .collect();
            assert_eq!(
                notes,
                [(
                    "input.cut_short",
                    "the file ends inside its XML (a copy cut short): read up to row 2 of sheet '表'; what followed is lost"
                )]
            );
        }
        // Cut before any sheet began: nothing to read.
        let head = &whole[..whole.find("<Worksheet").unwrap()];
        let err = read_str(head).unwrap_err().to_string();
        assert!(err.contains("excel-xml"), "{err}");
    }

    #[test]
    fn the_cell_limit_holds() {
        let row = "<Cell><Data ss:Type=\"String\">x</Data></Cell>".repeat(20);
        let xml = book(
            "",
            &format!("<Worksheet ss:Name=\"S\"><Table><Row>{row}</Row></Table></Worksheet>"),
        );
        let limits = ReadLimits {
            max_cells: 10,
            ..ReadLimits::default()
        };
        let err = read(xml.as_bytes(), &limits).unwrap_err().to_string();
        assert!(err.contains("more than 10 non-empty cells"), "{err}");
    }
}
