//! XLSX reader: our own lean reader over the zip package and streaming XML.
//!
//! Parts are read in one pass each, in this order: `xl/workbook.xml` (sheet names and
//! order, the 1904 date system flag), `xl/_rels/workbook.xml.rels` (where each sheet's
//! part is), `xl/styles.xml` (the number format of each cell style),
//! `xl/sharedStrings.xml` (the string table), then every sheet in workbook order. Each
//! sheet becomes one [`Block::Table`] named after it, its rows indexed by 0-based sheet
//! row, each non-empty cell holding the text Excel displays (see [`numfmt`]) and
//! merged regions stored once at their anchor with spans.
//!
//! Hostile files are refused, not read: the inflate budget is [`Package`]'s, cells,
//! row slots and merged regions share `--max-cells`, XML nesting stops at
//! 256 levels, and every error names the part (and the cell) it is about.

pub mod numfmt;
mod shared_strings;
pub(crate) mod sheet;
pub(crate) mod styles;
pub(crate) mod xml;

use quick_xml::events::Event;

pub use numfmt::format_general;

use self::shared_strings::SharedStrings;
use self::styles::Styles;
use self::xml::{local_name, raw_attr, text_attr, unescape, utf8_part, Xml};
use super::Package;
use crate::model::{Block, Grid, ReaderNote};
use crate::{Error, ReadLimits, Result};

const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";

/// Reads a XLSX file into the cell model: one table per sheet, in workbook order.
///
/// Errors: a package that is not a readable zip, a missing workbook, relationship or
/// sheet part, XML that does not parse, a cell that points at a shared string that does
/// not exist; a limit error when the file is larger than `limits` allow.
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    read_package(Package::open(bytes, "xlsx", limits)?, limits)
}

/// [`read`] from a package already opened (by [`crate::formats::identify`]).
pub(crate) fn read_package(package: Package<'_>, limits: &ReadLimits) -> Result<Grid> {
    let mut package = package.named("xlsx");
    let workbook_xml = package.read(WORKBOOK)?.ok_or_else(|| {
        Error::malformed(
            "xlsx",
            Some(WORKBOOK.into()),
            "the workbook part is missing",
        )
    })?;
    let workbook = parse_workbook(&utf8_part(&workbook_xml))?;
    let rels_xml = package.read(WORKBOOK_RELS)?.ok_or_else(|| {
        Error::malformed(
            "xlsx",
            Some(WORKBOOK_RELS.into()),
            "the workbook's relationships part is missing",
        )
    })?;
    let rels = parse_rels(&utf8_part(&rels_xml))?;

    let styles = match part_of_type(&package, &rels, "/styles", "xl/styles.xml") {
        Some(part) => match package.read(&part)? {
            Some(bytes) => Styles::parse(&utf8_part(&bytes), &part)?,
            None => Styles::default(),
        },
        None => Styles::default(),
    };
    let strings = match part_of_type(&package, &rels, "/sharedStrings", "xl/sharedStrings.xml") {
        Some(part) => match package.read(&part)? {
            Some(bytes) => SharedStrings::parse(&utf8_part(&bytes), &part)?,
            None => SharedStrings::default(),
        },
        // Named but not there (a copy cut short before it): said if a cell needs it.
        None => match named_part(&rels, "/sharedStrings") {
            Some(part) => SharedStrings::missing(&part),
            None => SharedStrings::default(),
        },
    };

    let ctx = sheet::Context {
        strings: &strings,
        styles: &styles,
        date1904: workbook.date1904,
        recalculate_on_load: workbook.recalculate_on_load,
    };
    let mut budget = sheet::Budget::new(limits.max_cells);
    let mut uncalculated = sheet::Uncalculated::default();
    let mut blocks = Vec::with_capacity(workbook.sheets.len());
    for entry in &workbook.sheets {
        let rel = rels.iter().find(|r| r.id == entry.rel_id).ok_or_else(|| {
            Error::malformed(
                "xlsx",
                Some(WORKBOOK_RELS.into()),
                format!(
                    "sheet '{}' refers to relationship {:?}, which is not there",
                    entry.name, entry.rel_id
                ),
            )
        })?;
        let target = resolve_target(&rel.target);
        let missing = || {
            Error::malformed(
                "xlsx",
                Some(target.clone()),
                format!(
                    "the workbook lists sheet '{}' in this part, but the package has no such part",
                    entry.name
                ),
            )
        };
        let part = find_part(&package, &target).ok_or_else(missing)?;
        let bytes = package.read(&part)?.ok_or_else(missing)?;
        let xml = utf8_part(&bytes);
        let table = sheet::read(
            &xml,
            &part,
            &entry.name,
            &ctx,
            &mut budget,
            &mut uncalculated,
        )?;
        blocks.push(Block::Table(table));
    }
    let mut notes: Vec<ReaderNote> = package.recovery_note().into_iter().collect();
    notes.extend(uncalculated_note(&uncalculated));
    Ok(Grid {
        blocks,
        encoding: None,
        notes,
    })
}

/// The note for formula cells whose results were not saved, or saved as placeholders.
fn uncalculated_note(uncalculated: &sheet::Uncalculated) -> Option<ReaderNote> {
    let (place, formula) = uncalculated.first.as_ref()?;
    let cells = |count: u64| match count {
        1 => "1 formula cell has".to_string(),
        n => format!("{n} formula cells have"),
    };
    let mut what = Vec::new();
    if uncalculated.missing > 0 {
        what.push(format!(
            "{} no saved result (their results are not read)",
            cells(uncalculated.missing)
        ));
    }
    if uncalculated.placeholders > 0 {
        what.push(format!(
            "{} a saved result that may be a placeholder, read as saved (the workbook asks \
             Excel to recalculate it when opened: the program that wrote it did not)",
            cells(uncalculated.placeholders)
        ));
    }
    Some(ReaderNote {
        code: "input.formulas_not_calculated",
        message: format!(
            "{}; the first at {place} (={formula}); open and save the file in Excel or WPS \
             to calculate them",
            what.join("; ")
        ),
    })
}

/// What xl/workbook.xml says.
struct Workbook {
    sheets: Vec<SheetEntry>,
    date1904: bool,
    /// `<calcPr fullCalcOnLoad="1"/>`: the writer did not calculate the formulas and
    /// left placeholders (0) for Excel to replace when it opens the file.
    recalculate_on_load: bool,
}

struct SheetEntry {
    name: String,
    rel_id: String,
}

fn parse_workbook(bytes: &[u8]) -> Result<Workbook> {
    let mut xml = Xml::new(bytes, "xlsx", WORKBOOK);
    let mut workbook = Workbook {
        sheets: Vec::new(),
        date1904: false,
        recalculate_on_load: false,
    };
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) => match local_name(e.name()) {
                "workbookPr" => {
                    workbook.date1904 =
                        matches!(raw_attr(&e, "date1904").as_deref(), Some("1" | "true"));
                }
                "calcPr" => {
                    workbook.recalculate_on_load = matches!(
                        raw_attr(&e, "fullCalcOnLoad").as_deref(),
                        Some("1" | "true")
                    );
                }
                "sheet" => {
                    let name = text_attr(&e, "name")
                        .ok_or_else(|| xml.malformed(None, "a <sheet> has no name"))?;
                    let rel_id = text_attr(&e, "id").ok_or_else(|| {
                        xml.malformed(None, format!("sheet '{name}' has no relationship id"))
                    })?;
                    workbook.sheets.push(SheetEntry { name, rel_id });
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(workbook)
}

/// One relationship of the workbook part.
struct Rel {
    id: String,
    kind: String,
    target: String,
}

fn parse_rels(bytes: &[u8]) -> Result<Vec<Rel>> {
    let mut xml = Xml::new(bytes, "xlsx", WORKBOOK_RELS);
    let mut rels = Vec::new();
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) if local_name(e.name()) == "Relationship" => {
                // One pass over the attributes, each taken at its first occurrence (as
                // text_attr would take it).
                let (mut id, mut kind, mut target, mut mode) = (None, None, None, None);
                let mut attrs = e.attributes();
                attrs.with_checks(false);
                for attr in attrs.flatten() {
                    let slot = match local_name(attr.key) {
                        "Id" => &mut id,
                        "Type" => &mut kind,
                        "Target" => &mut target,
                        "TargetMode" => &mut mode,
                        _ => continue,
                    };
                    if slot.is_none() {
                        *slot = Some(unescape(&attr.value));
                    }
                }
                if mode.is_some_and(|m| m.eq_ignore_ascii_case("external")) {
                    continue;
                }
                if let (Some(id), Some(target)) = (id, target) {
                    rels.push(Rel {
                        id,
                        kind: kind.unwrap_or_default(),
                        target,
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(rels)
}

/// The part a relationship of this type points at, else the conventional name, if the
/// package has it.
fn part_of_type(
    package: &Package<'_>,
    rels: &[Rel],
    kind_suffix: &str,
    fallback: &str,
) -> Option<String> {
    named_part(rels, kind_suffix)
        .and_then(|part| find_part(package, &part))
        .or_else(|| find_part(package, fallback))
}

/// The part the workbook's relationships name for `kind_suffix`, whether or not the
/// package has it.
fn named_part(rels: &[Rel], kind_suffix: &str) -> Option<String> {
    rels.iter()
        .find(|r| r.kind.ends_with(kind_suffix))
        .map(|r| resolve_target(&r.target))
}

/// A relationship target as a package part name: relative to `xl/`, or absolute
/// (`/xl/worksheets/sheet1.xml`); `.` and `..` resolved, backslashes read as slashes.
fn resolve_target(target: &str) -> String {
    let target = target.replace('\\', "/");
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The package's name for a part: exact, then percent-decoded, then ignoring case
/// (writers disagree on both).
fn find_part(package: &Package<'_>, name: &str) -> Option<String> {
    if package.has(name) {
        return Some(name.to_string());
    }
    let decoded = percent_decode(name);
    if package.has(&decoded) {
        return Some(decoded);
    }
    package
        .names()
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(&decoded))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(byte) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests;
