//! XLS and ODS through calamine, guarded.
//!
//! calamine reads a whole workbook into memory when it opens it, sizes its grids from
//! what the file claims, follows compound-file sector chains without looking for
//! cycles, and panics on some corrupt XLS. So before calamine sees a file, a cheap scan
//! of our own checks what it is about to do:
//!
//! * XLS: the compound-file chains it will follow (no cycles, nothing past the file),
//!   then each sheet's cell records: their count against `--max-cells`, and the area
//!   calamine will allocate (the bounding box of the cells, and the DIMENSIONS record it
//!   reserves for) against the same limit.
//! * ODS: every part calamine reads is inflated first through [`Package`] (so the inflate
//!   cap holds), then each table's area with repeated rows and columns expanded, and the
//!   repeated spaces (`<text:s text:c=…>`) it would write out.
//!
//! A panic inside calamine becomes a malformed-file error. The scans also recover what
//! calamine does not expose: each XLS number cell's number format and each ODS number
//! cell's displayed text (so `153,069.97` reads as displayed, as in XLSX), and ODS
//! merged regions. Dates and times read as ISO text in both.

use std::collections::HashMap;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use calamine::{Data, Ods, OdsError, Range, Reader, Xls, XlsError};
use quick_xml::events::Event;

use super::xlsx::numfmt::{format_general, round15, serial_to_iso, DateParts, NumFmt};
use super::xlsx::sheet::{apply_merges, iso_date_cell, order_cells, Budget, Merge};
use super::xlsx::styles::Styles;
use super::xlsx::xml::{decode_xstring, push_text, raw_attr, text_attr, trim_cell, utf8_part, Xml};
use super::zip_parts::{self, Package};
use super::Format;
use crate::model::{Block, Cell, Grid, Loc, Row, Table};
use crate::{Error, ErrorKind, ReadLimits, Result};

/// Reads an XLS or ODS workbook into the cell model: one table per sheet, in workbook
/// order, rows indexed by 0-based sheet row, merged regions stored once at their anchor.
///
/// Errors: a file the reader library cannot open or that makes it fail (malformed), a
/// password-protected workbook (unsupported, with advice), and a limit error when the
/// file claims more cells or inflates to more bytes than `limits` allow.
pub fn read(bytes: &[u8], format: Format, limits: &ReadLimits) -> Result<Grid> {
    match format {
        Format::Xls => read_xls(bytes, limits),
        Format::Ods => read_ods(bytes, limits),
        other => Err(Error::unsupported(
            format!("a {} file given to the XLS/ODS reader", other.as_str()),
            "read it through formats::read, which picks the right reader",
        )),
    }
}

/// Runs calamine, turning a panic into a malformed-file error.
fn guarded<T>(format: &'static str, run: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(Error::malformed(
            format,
            None,
            format!(
                "the {} reader failed on this file (a bug in the reader library)",
                format.to_uppercase()
            ),
        ))
    })
}

fn password_protected(format: &str) -> Error {
    Error::unsupported(
        format!("a password-protected {format} workbook"),
        "open it, remove the password, and save it as .xlsx",
    )
}

// ------------------------------------------------------------------------------ XLS

fn read_xls(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let scan = biff::scan(bytes, limits)?;
    guarded("xls", || {
        let mut workbook = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
            XlsError::Password => password_protected("XLS"),
            e => Error::malformed("xls", None, format!("cannot read the workbook: {e}")),
        })?;
        let date1904 = workbook.has_1904_epoch();
        let mut budget = Budget::new(limits.max_cells);
        let mut blocks = Vec::new();
        for (index, name) in workbook.sheet_names().into_iter().enumerate() {
            let range = workbook.worksheet_range(&name).map_err(|e| {
                Error::malformed("xls", Some(format!("sheet '{name}'")), e.to_string())
            })?;
            let mut merges: Vec<Merge> = workbook
                .merge_cells_by_sheet_name(&name)
                .unwrap_or_default()
                .into_iter()
                .map(|d| Merge {
                    r1: d.start.0.min(d.end.0),
                    c1: d.start.1.min(d.end.1),
                    r2: d.start.0.max(d.end.0),
                    c2: d.start.1.max(d.end.1),
                })
                .collect();
            let styles_at = scan.sheets.get(index);
            let show = |row: u32, col: u32, data: &Data| {
                let format = styles_at
                    .and_then(|s| s.get(&(row, col)))
                    .map(|&xf| scan.styles.format(xf));
                show_data(
                    data,
                    date1904,
                    format.map(|f| move |v: f64| f.format(v, date1904)),
                )
            };
            blocks.push(Block::Table(table_from_range(
                &name,
                &range,
                &mut merges,
                &show,
                &mut budget,
            )?));
        }
        Ok(Grid {
            blocks,
            encoding: None,
            notes: Vec::new(),
        })
    })
}

/// A first look at an XLS before calamine opens it: the compound file, then the BIFF
/// records of the workbook stream.
mod biff {
    use super::*;

    /// What the scan learnt: number formats by cell style, and for each sheet (in
    /// BoundSheet order) the style of each number cell that has a non-General format.
    pub(super) struct Scan {
        pub styles: Styles,
        pub sheets: Vec<HashMap<(u32, u32), u32>>,
    }

    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;

    fn u16_at(data: &[u8], at: usize) -> Option<u16> {
        data.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(data: &[u8], at: usize) -> Option<u32> {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// BIFF records from `pos`: (type, data), stopping at the first truncated one.
    fn records(stream: &[u8], pos: usize) -> impl Iterator<Item = (u16, &[u8])> {
        let mut rest = stream.get(pos..).unwrap_or(&[]);
        std::iter::from_fn(move || {
            let typ = u16_at(rest, 0)?;
            let len = u16_at(rest, 2)? as usize;
            let data = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            Some((typ, data))
        })
    }

    fn malformed(detail: impl Into<String>) -> Error {
        Error::malformed("xls", None, detail)
    }

    pub(super) fn scan(bytes: &[u8], limits: &ReadLimits) -> Result<Scan> {
        let stream = super::cfb::workbook_stream(bytes).map_err(malformed)?;
        let mut biff8 = false;
        let mut seen_bof = false;
        let mut custom: HashMap<u32, String> = HashMap::new();
        let mut xf_formats: Vec<u32> = Vec::new();
        let mut sheet_positions: Vec<usize> = Vec::new();
        for (typ, data) in records(&stream, 0) {
            match typ {
                BOF if !seen_bof => {
                    seen_bof = true;
                    biff8 = u16_at(data, 0) == Some(0x0600);
                }
                0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => {
                    return Err(password_protected("XLS"))
                }
                0x041E if biff8 => {
                    if let (Some(id), Some(code)) = (
                        u16_at(data, 0),
                        unicode_string(data.get(2..).unwrap_or(&[])),
                    ) {
                        custom.insert(u32::from(id), code);
                    }
                }
                0x00E0 => xf_formats.push(u32::from(u16_at(data, 2).unwrap_or(0))),
                0x0085 => {
                    if let Some(pos) = u32_at(data, 0) {
                        if pos as usize >= stream.len() {
                            return Err(malformed(format!(
                                "a sheet starts at byte {pos}, past the end of the workbook stream ({} bytes)",
                                stream.len()
                            )));
                        }
                        sheet_positions.push(pos as usize);
                    }
                }
                EOF => break,
                _ => {}
            }
        }
        let styles = Styles::from_ids(&custom, xf_formats.iter().copied());
        let mut cells_seen: u64 = 0;
        let mut sheets = Vec::with_capacity(sheet_positions.len());
        for pos in sheet_positions {
            sheets.push(scan_sheet(&stream, pos, &styles, &mut cells_seen, limits)?);
        }
        Ok(Scan { styles, sheets })
    }

    /// One sheet substream: counts cells, bounds the area calamine will allocate, and
    /// records the style of number cells whose format is not General.
    fn scan_sheet(
        stream: &[u8],
        pos: usize,
        styles: &Styles,
        cells_seen: &mut u64,
        limits: &ReadLimits,
    ) -> Result<HashMap<(u32, u32), u32>> {
        let mut styled = HashMap::new();
        let (mut r_min, mut r_max, mut c_min, mut c_max) = (u32::MAX, 0u32, u32::MAX, 0u32);
        let mut seen_bof = false;
        let mut depth = 0usize;
        let too_many = |what: String| {
            Error::limit(
                what,
                format!(
                    "{} cells per file; raise it with --max-cells",
                    limits.max_cells
                ),
            )
        };
        let mut place = |row: u32, first: u32, last: u32, seen: &mut u64| -> Result<()> {
            r_min = r_min.min(row);
            r_max = r_max.max(row);
            c_min = c_min.min(first);
            c_max = c_max.max(last);
            *seen += u64::from(last - first) + 1;
            if *seen > limits.max_cells {
                return Err(too_many(format!(
                    "more than {} non-empty cells",
                    limits.max_cells
                )));
            }
            Ok(())
        };
        let mut style = |row: u32, col: u32, xf: u16| {
            let xf = u32::from(xf);
            if *styles.format(xf) != NumFmt::General {
                styled.insert((row, col), xf);
            }
        };
        for (typ, data) in records(stream, pos) {
            if depth > 0 {
                match typ {
                    BOF => depth += 1,
                    EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let row = u16_at(data, 0).map(u32::from);
            let col = u16_at(data, 2).map(u32::from);
            match typ {
                BOF => {
                    if seen_bof {
                        depth += 1;
                    }
                    seen_bof = true;
                }
                EOF => break,
                0x0200 => {
                    if let Some(area) = dimensions_area(data) {
                        if area > limits.max_cells {
                            return Err(too_many(format!(
                                "a sheet claims {area} cells in its dimensions"
                            )));
                        }
                    }
                }
                0x0203 | 0x027E | 0x0006 => {
                    if let (Some(r), Some(c)) = (row, col) {
                        place(r, c, c, cells_seen)?;
                        if let Some(xf) = u16_at(data, 4) {
                            style(r, c, xf);
                        }
                    }
                }
                0x0204 | 0x00D6 | 0x0205 | 0x00FD => {
                    if let (Some(r), Some(c)) = (row, col) {
                        place(r, c, c, cells_seen)?;
                    }
                }
                0x00BD => {
                    if let (Some(r), Some(first)) = (row, col) {
                        let count = (data.len().saturating_sub(6) / 6) as u32;
                        if count > 0 {
                            place(r, first, first + count - 1, cells_seen)?;
                            for i in 0..count {
                                if let Some(xf) = u16_at(data, 4 + 6 * i as usize) {
                                    style(r, first + i, xf);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if r_min != u32::MAX {
            let area = u64::from(r_max - r_min + 1) * u64::from(c_max - c_min + 1);
            if area > limits.max_cells {
                return Err(too_many(format!("a sheet's cells span {area} positions")));
            }
        }
        Ok(styled)
    }

    /// The cell count calamine reserves for a DIMENSIONS record, computed with its own
    /// arithmetic: `end - start + 1` in `u32`, which wraps in release builds when a
    /// corrupt record has its last row before its first (a wrapped count is a huge
    /// reservation and an allocation abort, not a catchable panic).
    fn dimensions_area(data: &[u8]) -> Option<u64> {
        let (rf, rl, mut cf, cl) = match data.len() {
            10 => (
                u32::from(u16_at(data, 0)?),
                u32::from(u16_at(data, 2)?),
                u32::from(u16_at(data, 4)?),
                u32::from(u16_at(data, 6)?),
            ),
            14 | 16 => (
                u32_at(data, 0)?,
                u32_at(data, 4)?,
                u32::from(u16_at(data, 8)?),
                u32::from(u16_at(data, 10)?),
            ),
            _ => return None,
        };
        if cf > 0xFF || cl < cf {
            cf = 0;
        }
        let (start, end) = if rl >= 1 && cl >= 1 {
            ((rf, cf), (rl - 1, cl - 1))
        } else {
            ((rf, cf), (rf, cf))
        };
        let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
        let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
        Some(u64::from(rows) * u64::from(cols))
    }

    /// A BIFF8 XLUnicodeString (`cch`, flags, then 8- or 16-bit characters).
    fn unicode_string(data: &[u8]) -> Option<String> {
        let count = u16_at(data, 0)? as usize;
        let wide = data.get(2)? & 1 == 1;
        let chars = data.get(3..)?;
        if wide {
            let units: Vec<u16> = chars
                .chunks_exact(2)
                .take(count)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        } else {
            Some(chars.iter().take(count).map(|&b| char::from(b)).collect())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dimensions_follow_calamine() {
            let mut d = Vec::new();
            d.extend(0u32.to_le_bytes());
            d.extend(65536u32.to_le_bytes());
            d.extend(0u16.to_le_bytes());
            d.extend(256u16.to_le_bytes());
            d.extend(0u16.to_le_bytes());
            assert_eq!(dimensions_area(&d), Some(65536 * 256));
            assert_eq!(dimensions_area(&[0; 3]), None);
            // Last row before the first: calamine's count wraps to nearly 2^32 rows.
            let mut d = Vec::new();
            d.extend(10u32.to_le_bytes());
            d.extend(5u32.to_le_bytes());
            d.extend(0u16.to_le_bytes());
            d.extend(1u16.to_le_bytes());
            d.extend(0u16.to_le_bytes());
            assert_eq!(dimensions_area(&d), Some((1u64 << 32) - 5));
        }

        #[test]
        fn unicode_strings() {
            assert_eq!(
                unicode_string(&[3, 0, 0, b'0', b'.', b'0']).as_deref(),
                Some("0.0")
            );
            assert_eq!(
                unicode_string(&[1, 0, 1, 0x43, 0x51]).as_deref(),
                Some("元")
            );
            assert_eq!(unicode_string(&[1]), None);
        }
    }
}

/// Just enough of the OLE2 compound file format to find the workbook stream the way
/// calamine will, refusing the chains that would make calamine loop or over-allocate.
mod cfb {
    const MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

    fn u16_at(data: &[u8], at: usize) -> u16 {
        data.get(at..at + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(data: &[u8], at: usize) -> u32 {
        data.get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u32s(data: &[u8]) -> impl Iterator<Item = u32> + '_ {
        data.chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    struct Sectors<'a> {
        data: &'a [u8],
        size: usize,
        max_id: usize,
    }

    impl<'a> Sectors<'a> {
        /// A sector's bytes (short or empty at the end of the data, as calamine reads it).
        fn get(&self, id: u32) -> Result<&'a [u8], String> {
            if id as usize > self.max_id {
                return Err(format!("sector {id} is past the end of the file"));
            }
            let start = (id as usize).saturating_mul(self.size).min(self.data.len());
            let end = start.saturating_add(self.size).min(self.data.len());
            Ok(&self.data[start..end])
        }

        /// Follows a chain the way calamine does, stopping after `len` bytes, and
        /// refusing a chain that revisits a sector or leaves the allocation table.
        fn chain(
            &self,
            mut id: u32,
            fat: &[u32],
            len: usize,
            what: &str,
        ) -> Result<Vec<u8>, String> {
            let mut out = Vec::new();
            let mut visited = vec![false; fat.len()];
            while id != END_OF_CHAIN {
                let sector = self.get(id)?;
                let take = sector.len().min(len - out.len());
                out.extend_from_slice(&sector[..take]);
                if out.len() >= len {
                    break;
                }
                let index = id as usize;
                match visited.get_mut(index) {
                    None => {
                        return Err(format!(
                            "the {what} chain leaves the allocation table at sector {id}"
                        ))
                    }
                    Some(true) => {
                        return Err(format!("the {what} chain loops back to sector {id}"))
                    }
                    Some(seen) => *seen = true,
                }
                id = fat[index];
            }
            Ok(out)
        }
    }

    /// The `Workbook` (or BIFF5 `Book`) stream, read as calamine will read it.
    pub(super) fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
        if bytes.len() < 512 || &bytes[..8] != MAGIC {
            return Err("not an OLE2 compound file".into());
        }
        let sector_size = match u16_at(bytes, 30) {
            9 => 512,
            12 => 4096,
            s => return Err(format!("sector shift {s} is neither 9 nor 12")),
        };
        if u16_at(bytes, 32) != 6 {
            return Err("the mini sector shift is not 6".into());
        }
        if bytes.len() < sector_size {
            return Err("the file ends inside its header".into());
        }
        let large = sector_size == 4096;
        let sectors = Sectors {
            data: &bytes[sector_size..],
            size: sector_size,
            max_id: bytes.len() / sector_size,
        };

        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut id = u32_at(bytes, 68);
        let mut difat_sectors = 0usize;
        while id < RESERVED {
            difat_sectors += 1;
            if difat_sectors > sectors.max_id + 1 {
                return Err("the DIFAT chain is longer than the file".into());
            }
            difat.extend(u32s(sectors.get(id)?));
            id = difat.pop().unwrap_or(END_OF_CHAIN);
        }
        let fat_ids: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
        if fat_ids.len() > sectors.max_id + 1 {
            return Err("the allocation table lists more sectors than the file has".into());
        }
        let mut fat = Vec::with_capacity(fat_ids.len() * sector_size / 4);
        for id in fat_ids {
            fat.extend(u32s(sectors.get(id)?));
        }

        let directory = sectors.chain(u32_at(bytes, 48), &fat, usize::MAX, "directory")?;
        let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
        let Some(root) = entries.first() else {
            return Err("the compound file has no directory".into());
        };
        let entry_len = |e: &[u8]| {
            if large {
                u32_at(e, 120) as usize | (u32_at(e, 124) as usize) << 32
            } else {
                u32_at(e, 120) as usize
            }
        };
        let name_of = |e: &[u8]| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect();
            let name = String::from_utf16_lossy(&units);
            name.split('\0').next().unwrap_or("").to_string()
        };
        let find = |wanted: &str| {
            entries
                .iter()
                .find(|e| name_of(e).eq_ignore_ascii_case(wanted))
        };
        let entry = find("Workbook")
            .or_else(|| find("Book"))
            .ok_or("the file has no Workbook stream")?;
        let start = u32_at(entry, 116);
        let len = entry_len(entry);

        let mini_fat_len = u32_at(bytes, 64) as usize;
        if len >= 4096 {
            return sectors.chain(start, &fat, len, "workbook stream");
        }
        if mini_fat_len == 0 {
            return Err("the workbook stream is in the mini stream, but the file has none".into());
        }
        let mini_stream = sectors.chain(u32_at(root, 116), &fat, entry_len(root), "mini stream")?;
        let mini_fat_bytes = mini_fat_len.saturating_mul(sector_size);
        let mini_fat: Vec<u32> = u32s(&sectors.chain(
            u32_at(bytes, 60),
            &fat,
            mini_fat_bytes,
            "mini allocation table",
        )?)
        .collect();
        let minis = Sectors {
            data: &mini_stream,
            size: 64,
            max_id: sectors.max_id * 8,
        };
        minis.chain(start, &mini_fat, len, "workbook stream")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A 512-byte-sector file whose directory chain loops on itself.
        #[test]
        fn looping_directory_chain_is_refused() {
            let mut file = vec![0u8; 512 * 3];
            file[..8].copy_from_slice(MAGIC);
            file[30] = 9;
            file[32] = 6;
            file[44..48].copy_from_slice(&1u32.to_le_bytes());
            file[48..52].copy_from_slice(&1u32.to_le_bytes());
            file[68..72].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
            file[76..80].copy_from_slice(&0u32.to_le_bytes());
            for i in 1..109 {
                file[76 + 4 * i..80 + 4 * i].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            }
            // FAT (sector 0): sector 0 is the FAT, sector 1 points to itself.
            let fat = 512;
            file[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
            file[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
            let err = workbook_stream(&file).unwrap_err();
            assert!(err.contains("loops"), "{err}");
        }

        #[test]
        fn short_or_foreign_bytes_are_refused() {
            assert!(workbook_stream(b"not ole").is_err());
            let mut file = vec![0u8; 512];
            file[..8].copy_from_slice(MAGIC);
            assert!(workbook_stream(&file).unwrap_err().contains("sector shift"));
        }
    }
}

// ------------------------------------------------------------------------------ ODS

fn read_ods(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let mut package = Package::open(bytes, "ods", limits)?;
    // calamine inflates these without a cap; inflating them here first under ours means
    // it only ever sees parts known to be small enough. They are kept: calamine reads
    // only a sound zip, and a package repaired by its local headers (cut short, say)
    // is handed to it rebuilt from them, each inflated once so that the cap counts it
    // once. Whether it was repaired is known only once its parts have been looked for.
    let mut parts: Vec<(&str, Vec<u8>)> = Vec::new();
    for part in ["mimetype", "META-INF/manifest.xml", "meta.xml"] {
        if let Some(bytes) = package.read(part)? {
            parts.push((part, bytes));
        }
    }
    let content = package.read("content.xml")?.ok_or_else(|| {
        Error::malformed(
            "ods",
            Some("content.xml".into()),
            "the content part is missing",
        )
    })?;
    let scan = ods_scan::scan(&utf8_part(&content), limits)?;
    parts.push(("content.xml", content));
    let rebuilt = if package.recovered() {
        // Left out when damaged (calamine does without it), but not past the cap.
        match package.read("styles.xml") {
            Ok(Some(styles)) => parts.push(("styles.xml", styles)),
            Err(e) if matches!(e.kind(), ErrorKind::Limit { .. }) => return Err(e),
            Ok(None) | Err(_) => {}
        }
        Some(zip_parts::stored_zip("ods", &parts)?)
    } else {
        None
    };
    drop(parts);
    let note = package.recovery_note();
    let bytes = rebuilt.as_deref().unwrap_or(bytes);
    let mut grid = guarded("ods", || {
        let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
            OdsError::Password => password_protected("ODS"),
            e => Error::malformed("ods", None, format!("cannot read the workbook: {e}")),
        })?;
        let mut budget = Budget::new(limits.max_cells);
        let mut blocks = Vec::new();
        for (index, name) in workbook.sheet_names().into_iter().enumerate() {
            let range = workbook.worksheet_range(&name).map_err(|e| {
                Error::malformed("ods", Some(format!("sheet '{name}'")), e.to_string())
            })?;
            let scanned = scan.get(index).filter(|table| table.name == name);
            let mut merges = scanned.map(|t| t.merges.clone()).unwrap_or_default();
            let show = |row: u32, col: u32, data: &Data| {
                // The displayed text, when the scan saw the same number at the same place.
                if let (Data::Float(value), Some((seen, text))) =
                    (data, scanned.and_then(|t| t.shown.get(&(row, col))))
                {
                    if seen == value {
                        return Some((text.clone(), Some(round15(*value))));
                    }
                }
                show_data(data, false, None::<fn(f64) -> Shown>)
            };
            blocks.push(Block::Table(table_from_range(
                &name,
                &range,
                &mut merges,
                &show,
                &mut budget,
            )?));
        }
        Ok(Grid {
            blocks,
            encoding: None,
            notes: Vec::new(),
        })
    })?;
    grid.notes.extend(note);
    Ok(grid)
}

/// A first pass over content.xml with table positions counted as calamine counts them
/// (repeated rows and columns expanded), to bound what it will allocate and to find the
/// merged regions it does not report.
mod ods_scan {
    use super::*;

    /// A `<table:table>`: its name, merged regions, and the displayed text of its
    /// number cells with the value it shows (`153,069.97` for 153069.97), by position.
    pub(super) struct OdsTable {
        pub name: String,
        pub merges: Vec<Merge>,
        pub shown: HashMap<(u32, u32), (f64, String)>,
    }

    /// Attributes that make calamine store a cell (a value, a type, or a formula).
    const VALUE_ATTRS: &[&str] = &[
        "value-type",
        "value",
        "string-value",
        "date-value",
        "time-value",
        "boolean-value",
        "formula",
    ];

    /// Excel-sized grid: calamine caps repeats there, so positions past it never hold cells.
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLS: u64 = 16_384;

    struct Bounds {
        first_row: u64,
        last_row: u64,
        first_col: u64,
        last_col: u64,
        /// Cells calamine pushes before expanding repeated rows.
        pushed: u64,
    }

    /// What a cell's attributes say, read in one pass (cells are most of the part).
    struct CellAttrs {
        repeat: u64,
        spanned: (u64, u64),
        has_value: bool,
        /// The value of a number cell (float, percentage, currency).
        number: Option<f64>,
    }

    impl CellAttrs {
        fn of(e: &quick_xml::events::BytesStart<'_>) -> Self {
            let mut cell = CellAttrs {
                repeat: 1,
                spanned: (1, 1),
                has_value: false,
                number: None,
            };
            let mut numeric = false;
            let mut value = None;
            let positive = |v: &str| v.trim().parse::<u64>().unwrap_or(1).max(1);
            let mut attrs = e.attributes();
            attrs.with_checks(false);
            for attr in attrs.flatten() {
                let key = attr.key.local_name().into_inner();
                let v: &str = &attr.value;
                match key {
                    "number-columns-repeated" => cell.repeat = positive(v),
                    "number-columns-spanned" => cell.spanned.0 = positive(v),
                    "number-rows-spanned" => cell.spanned.1 = positive(v),
                    "value-type" => numeric = matches!(v, "float" | "percentage" | "currency"),
                    "value" => value = v.trim().parse::<f64>().ok(),
                    _ => {}
                }
                cell.has_value |= VALUE_ATTRS.contains(&key);
            }
            cell.number = value.filter(|_| numeric);
            cell
        }
    }

    fn count(e: &quick_xml::events::BytesStart<'_>, name: &str) -> u64 {
        raw_attr(e, name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1)
            .max(1)
    }

    pub(super) fn scan(content: &[u8], limits: &ReadLimits) -> Result<Vec<OdsTable>> {
        let mut xml = Xml::new(content, "ods", "content.xml");
        let mut tables: Vec<OdsTable> = Vec::new();
        let mut bounds: Option<Bounds> = None;
        let (mut row, mut col, mut row_repeat) = (0u64, 0u64, 1u64);
        let mut row_last_value: Option<u64> = None;
        let mut row_first_value: Option<u64> = None;
        let mut in_cell = false;
        let mut in_annotation = false;
        // A number cell whose displayed text is being collected: (row, col, value).
        let mut capture: Option<(u32, u32, f64)> = None;
        let mut shown = String::new();
        let mut paragraphs = 0u32;
        let mut spaces: u64 = 0;
        let space_budget = limits
            .max_inflated_bytes
            .saturating_sub(content.len() as u64);
        let too_big = |what: String| {
            Error::limit(
                what,
                format!(
                    "{} cells per file; raise it with --max-cells",
                    limits.max_cells
                ),
            )
        };
        let check = |b: &Bounds| -> Result<()> {
            let area = (b.last_row - b.first_row + 1).saturating_mul(b.last_col - b.first_col + 1);
            if area > limits.max_cells || b.pushed > limits.max_cells {
                return Err(too_big(format!(
                    "a table spans {} cells once repeats are expanded",
                    area.max(b.pushed)
                )));
            }
            Ok(())
        };
        loop {
            let event = xml.next()?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let empty = matches!(event, Event::Empty(_));
                    match e.local_name().into_inner() {
                        "table" if !in_cell => {
                            if let Some(b) = bounds.take() {
                                check(&b)?;
                            }
                            let name = text_attr(e, "name").unwrap_or_default();
                            tables.push(OdsTable {
                                name,
                                merges: Vec::new(),
                                shown: HashMap::new(),
                            });
                            row = 0;
                        }
                        "table-row" if !in_cell => {
                            row_repeat = count(e, "number-rows-repeated");
                            col = 0;
                            row_first_value = None;
                            row_last_value = None;
                            if empty {
                                row = row.saturating_add(row_repeat);
                            }
                        }
                        "table-cell" | "covered-table-cell" if !in_cell => {
                            let cell = CellAttrs::of(e);
                            let repeat = cell.repeat;
                            if cell.has_value && col < MAX_COLS {
                                let last = col.saturating_add(repeat - 1).min(MAX_COLS - 1);
                                row_first_value.get_or_insert(col);
                                row_last_value = Some(last);
                            }
                            let covered = e.local_name().into_inner() == "covered-table-cell";
                            let (across, down) = cell.spanned;
                            if !covered
                                && (across > 1 || down > 1)
                                && row < MAX_ROWS
                                && col < MAX_COLS
                            {
                                if let Some(table) = tables.last_mut() {
                                    table.merges.push(Merge {
                                        r1: row as u32,
                                        c1: col as u32,
                                        r2: row.saturating_add(down - 1).min(MAX_ROWS - 1) as u32,
                                        c2: col.saturating_add(across - 1).min(MAX_COLS - 1) as u32,
                                    });
                                    if table.merges.len() as u64 > limits.max_cells {
                                        return Err(too_big(format!(
                                            "more than {} merged regions",
                                            limits.max_cells
                                        )));
                                    }
                                }
                            }
                            capture = match cell.number {
                                Some(v)
                                    if !empty
                                        && repeat == 1
                                        && row_repeat == 1
                                        && row < MAX_ROWS
                                        && col < MAX_COLS =>
                                {
                                    shown.clear();
                                    paragraphs = 0;
                                    Some((row as u32, col as u32, v))
                                }
                                _ => None,
                            };
                            col = col.saturating_add(repeat);
                            in_cell = !empty;
                        }
                        "annotation" if in_cell && !empty => in_annotation = true,
                        "p" if capture.is_some() && !in_annotation => {
                            if paragraphs > 0 {
                                shown.push('\n');
                            }
                            paragraphs += 1;
                        }
                        "tab" if capture.is_some() && !in_annotation => shown.push('\t'),
                        "line-break" if capture.is_some() && !in_annotation => shown.push('\n'),
                        "s" if in_cell => {
                            spaces = spaces.saturating_add(count(e, "c"));
                            if spaces > space_budget {
                                return Err(Error::limit(
                                    format!("content.xml expands to more than {} bytes of repeated spaces", space_budget),
                                    format!(
                                        "{} bytes inflated per file; raise it with --max-inflated-mb",
                                        limits.max_inflated_bytes
                                    ),
                                ));
                            }
                            if capture.is_some() && !in_annotation {
                                let n = count(e, "c") as usize;
                                shown.extend(std::iter::repeat_n(' ', n));
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.local_name().into_inner() {
                    "table-cell" | "covered-table-cell" => {
                        in_cell = false;
                        in_annotation = false;
                        if let (Some((r, c, v)), Some(table)) = (capture.take(), tables.last_mut())
                        {
                            let text = trim_cell(&shown);
                            if !text.is_empty() {
                                table.shown.insert((r, c), (v, text.to_string()));
                            }
                        }
                    }
                    "annotation" => in_annotation = false,
                    "table-row" if !in_cell => {
                        if let (Some(first), Some(last)) = (row_first_value, row_last_value) {
                            if row < MAX_ROWS {
                                let b = bounds.get_or_insert(Bounds {
                                    first_row: row,
                                    last_row: row,
                                    first_col: first,
                                    last_col: last,
                                    pushed: 0,
                                });
                                b.last_row = row.saturating_add(row_repeat - 1).min(MAX_ROWS - 1);
                                b.first_col = b.first_col.min(first);
                                b.last_col = b.last_col.max(last);
                                b.pushed = b.pushed.saturating_add(last + 1);
                                check(b)?;
                            }
                        }
                        row = row.saturating_add(row_repeat);
                    }
                    _ => {}
                },
                Event::Eof => break,
                other => {
                    if capture.is_some() && !in_annotation {
                        push_text(&mut shown, other);
                    }
                }
            }
        }
        if let Some(b) = bounds {
            check(&b)?;
        }
        Ok(tables)
    }
}

// ------------------------------------------------------------------------------ shared

/// A cell as shown: its text, and its value when it is a number.
type Shown = (String, Option<f64>);

/// A calamine sheet into a table: non-empty cells at their absolute positions, rows
/// indexed by sheet row, merged regions applied.
fn table_from_range(
    name: &str,
    range: &Range<Data>,
    merges: &mut [Merge],
    show: &dyn Fn(u32, u32, &Data) -> Option<Shown>,
    budget: &mut Budget,
) -> Result<Table> {
    let sheet: Arc<str> = Arc::from(name);
    let mut rows: Vec<Row> = Vec::new();
    if let Some((row0, col0)) = range.start() {
        for (r, c, data) in range.used_cells() {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            let Some((text, number)) = show(row, col, data) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            budget.cell()?;
            let index = row as usize;
            if index >= rows.len() {
                budget.rows((index + 1 - rows.len()) as u64)?;
                rows.resize_with(index + 1, Row::default);
            }
            rows[index].cells.push(Cell {
                text,
                number,
                col,
                col_span: 1,
                row_span: 1,
                loc: Loc::Sheet {
                    sheet: Arc::clone(&sheet),
                    row,
                    col,
                },
            });
        }
    }
    for row in &mut rows {
        order_cells(&mut row.cells);
    }
    apply_merges(&mut rows, merges);
    while rows.last().is_some_and(Row::is_empty) {
        rows.pop();
    }
    Ok(Table {
        name: Some(name.to_string()),
        rows,
    })
}

/// A calamine value as displayed text and number; `format` shows numbers when the
/// source keeps their number format (XLS), else General.
fn show_data(data: &Data, date1904: bool, format: Option<impl Fn(f64) -> Shown>) -> Option<Shown> {
    let number = |value: f64| match &format {
        Some(format) => {
            let (text, number) = format(value);
            (trim_cell(&text).to_string(), number)
        }
        None => (format_general(value), Some(round15(value))),
    };
    let shown = match data {
        Data::Empty => return None,
        Data::String(s) => (trim_cell(&decode_xstring(s)).to_string(), None),
        Data::Int(i) => number(*i as f64),
        Data::Float(f) if f.is_finite() => number(*f),
        Data::Float(f) => (f.to_string(), None),
        Data::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_string(), None),
        Data::Error(e) => (e.to_string(), None),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            match &format {
                // The cell's own format decides date, time or both.
                Some(_) => number(serial),
                None => {
                    let parts = DateParts {
                        date: serial >= 1.0 && !dt.is_duration(),
                        time: serial.fract() != 0.0 || dt.is_duration(),
                        elapsed: dt.is_duration(),
                    };
                    match serial_to_iso(serial, date1904, parts) {
                        Some(text) => (text, None),
                        None => (format_general(serial), Some(round15(serial))),
                    }
                }
            }
        }
        Data::DateTimeIso(s) => (iso_date_cell(s.trim()), None),
        Data::DurationIso(s) => (iso_duration(s.trim()), None),
    };
    Some(shown)
}

/// An ISO 8601 duration (`PT08H30M00S`, as ODS stores times) as `08:30:00`; other
/// shapes are kept as written.
fn iso_duration(raw: &str) -> String {
    let Some(rest) = raw.strip_prefix("PT") else {
        return raw.to_string();
    };
    let mut parts = [0f64; 3];
    let mut number = String::new();
    for c in rest.chars() {
        let slot = match c {
            'H' => 0,
            'M' => 1,
            'S' => 2,
            c if c.is_ascii_digit() || c == '.' => {
                number.push(c);
                continue;
            }
            _ => return raw.to_string(),
        };
        parts[slot] = number.parse().unwrap_or(0.0);
        number.clear();
    }
    let seconds = (parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]).round() as u64;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(iso_duration("PT08H30M00S"), "08:30:00");
        assert_eq!(iso_duration("PT36H00M00.5S"), "36:00:01");
        assert_eq!(iso_duration("P1D"), "P1D");
    }

    #[test]
    fn data_is_shown_like_excel_general() {
        let general = None::<fn(f64) -> Shown>;
        let show = |d: Data| show_data(&d, false, general);
        assert_eq!(
            show(Data::Float(153069.97)),
            Some(("153069.97".into(), Some(153069.97)))
        );
        assert_eq!(show(Data::Int(3086)), Some(("3086".into(), Some(3086.0))));
        assert_eq!(
            show(Data::String(" 基本支出\u{3000}".into())),
            Some(("基本支出".into(), None))
        );
        assert_eq!(show(Data::Bool(false)), Some(("FALSE".into(), None)));
        assert_eq!(show(Data::Empty), None);
        assert_eq!(
            show(Data::DateTimeIso("2024-12-31T00:00:00".into())),
            Some(("2024-12-31".into(), None))
        );
        let date =
            calamine::ExcelDateTime::new(45657.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(
            show(Data::DateTime(date)),
            Some(("2024-12-31".into(), None))
        );
        let stamp =
            calamine::ExcelDateTime::new(45657.25, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(
            show(Data::DateTime(stamp)),
            Some(("2024-12-31 06:00:00".into(), None))
        );
    }

    #[test]
    fn other_formats_are_refused() {
        let err = read(b"x", Format::Docx, &ReadLimits::default()).unwrap_err();
        assert!(
            matches!(err.kind(), crate::ErrorKind::Unsupported { .. }),
            "{err}"
        );
    }

    #[test]
    fn garbage_ole_is_malformed_not_a_panic() {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.resize(4096, 0xAB);
        let err = read(&bytes, Format::Xls, &ReadLimits::default()).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                crate::ErrorKind::Malformed { format: "xls", .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn panics_become_malformed_errors() {
        let err = guarded::<()>("xls", || panic!("inside the reader library")).unwrap_err();
        assert!(
            err.to_string().contains("a bug in the reader library"),
            "{err}"
        );
    }
}
