//! Text reader: tab-separated lines (what a clerk gets copying a form out of Excel or
//! Word) in whatever encoding the clerk's machine saved them.
//!
//! Encoding, in order of certainty: a BOM (UTF-8, UTF-16LE/BE); BOM-less UTF-16 told by
//! its NUL bytes; valid UTF-8; UTF-8 with a few broken bytes (a copy cut short, a damaged
//! byte: read with U+FFFD there, and `input.encoding_errors`); valid GB18030 (the default
//! on Chinese Windows); last, the chardetng detector, which is a guess and says so with
//! `input.encoding_guessed`.
//! One line is one row, one tab-separated field one cell; blank lines (page breaks)
//! are kept as empty rows. Text with no tab whose records are comma-separated (a form
//! saved from Excel as CSV) is read as CSV instead, a record a row, located alike.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};

use crate::model::{Block, Cell, Grid, Loc, ReaderNote, Row, Table};
use crate::{Error, ReadLimits, Result};

/// Reads text bytes into one table of lines and fields.
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let decoded = decode(bytes)?;
    let mut notes = Vec::new();
    if let Some(note) = decoded.note {
        notes.push(note);
    }
    let text = replace_stray_controls(&decoded.text, decoded.encoding, &mut notes)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let table = if is_comma_separated(text) {
        split_csv(text, limits)?
    } else {
        split_lines(text, limits)?
    };
    Ok(Grid {
        blocks: vec![Block::Table(table)],
        encoding: Some(decoded.encoding.to_string()),
        notes,
    })
}

/// Text decoded from bytes, with how sure we are of the encoding.
pub(crate) struct Decoded {
    pub(crate) text: String,
    pub(crate) encoding: &'static str,
    pub(crate) note: Option<ReaderNote>,
}

/// Decodes text bytes by the rules in the module documentation (the HTML reader falls
/// back to it when a page declares no charset).
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        let note = had_errors.then(|| replaced_note(encoding));
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: encoding_name(encoding),
            note,
        });
    }
    if let Some(encoding) = bomless_utf16(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        let note = Some(if had_errors {
            replaced_note(encoding)
        } else {
            guessed_note(
                encoding,
                "it has no byte-order mark; its NUL bytes say UTF-16",
            )
        });
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: encoding_name(encoding),
            note,
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_string(),
            encoding: "utf-8",
            note: None,
        });
    }
    if let Some(text) = nearly_utf8(bytes) {
        return Ok(Decoded {
            text,
            encoding: "utf-8",
            note: Some(replaced_note(UTF_8)),
        });
    }
    if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: "gb18030",
            note: None,
        });
    }
    if let Some((text, encoding)) = cut_in_a_char(bytes) {
        return Ok(Decoded {
            text,
            encoding: encoding_name(encoding),
            note: Some(replaced_note(encoding)),
        });
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(Some(b"cn"), true);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let replaced = text.chars().filter(|&c| c == '\u{FFFD}').count();
    if replaced * 100 > text.chars().count().max(1) {
        return Err(Error::malformed(
            "text",
            None,
            "not valid text in UTF-8, GB18030, UTF-16 or any encoding the detector knows",
        ));
    }
    let note = if had_errors {
        replaced_note(encoding)
    } else {
        guessed_note(
            encoding,
            "it is neither UTF-8 nor GB18030; the detector chose it",
        )
    };
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding_name(encoding),
        note: Some(note),
    })
}

/// A text whose one fault is its last char, cut short with the file (a copy that
/// stopped in the middle of a char): UTF-8 or GB18030 up to a last one to three bytes
/// that begin a char. Read with U+FFFD in the cut char's place, however short the text
/// (a longer one is [`nearly_utf8`]'s, or the detector's).
fn cut_in_a_char(bytes: &[u8]) -> Option<(String, &'static Encoding)> {
    if let Err(e) = std::str::from_utf8(bytes) {
        if e.error_len().is_none() && e.valid_up_to() > 0 {
            let text = std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?;
            return Some((format!("{text}\u{FFFD}"), UTF_8));
        }
    }
    (1..=3.min(bytes.len().saturating_sub(1))).find_map(|cut| {
        let (head, tail) = bytes.split_at(bytes.len() - cut);
        // A GB18030 char starts with a byte from 0x81; what follows it is any byte.
        if tail[0] < 0x81 {
            return None;
        }
        let text = GB18030.decode_without_bom_handling_and_without_replacement(head)?;
        Some((format!("{text}\u{FFFD}"), GB18030))
    })
}

/// UTF-8 with a few broken sequences (a copy cut short in the middle of a char, a
/// damaged sector), decoded with U+FFFD at each break: its valid multi-byte chars
/// outnumber the breaks ten to one, which GB18030, Latin text with accents and binary
/// data never do. The detector cannot take its place: it never answers UTF-8 for bytes
/// that are not valid UTF-8, so such a form came out as mojibake or was refused whole.
fn nearly_utf8(bytes: &[u8]) -> Option<String> {
    let (mut multibyte, mut breaks) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        multibyte += valid.chars().count() - valid.bytes().filter(u8::is_ascii).count();
        if !chunk.invalid().is_empty() {
            breaks += 1;
            // GB18030 breaks at nearly every char: it stops here within its first line.
            if breaks >= 16 && multibyte < 10 * breaks {
                return None;
            }
        }
    }
    let nearly = breaks > 0 && multibyte >= 10 * breaks;
    nearly.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// UTF-16 without a BOM shows as NUL bytes in every other position (ASCII tabs and
/// digits are common in forms); which positions tells the byte order.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let nul_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let half = sample.len() / 2;
    if odd * 5 > half && even * 20 < half {
        Some(UTF_16LE)
    } else if even * 5 > half && odd * 20 < half {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn encoding_name(encoding: &'static Encoding) -> &'static str {
    if encoding == UTF_8 {
        "utf-8"
    } else if encoding == UTF_16LE {
        "utf-16le"
    } else if encoding == UTF_16BE {
        "utf-16be"
    } else if encoding == GB18030 {
        "gb18030"
    } else if encoding == encoding_rs::GBK {
        "gbk"
    } else if encoding == encoding_rs::BIG5 {
        "big5"
    } else {
        // encoding_rs names are WHATWG labels ("Shift_JIS", "windows-1252"): lower-case them.
        static NAMES: std::sync::OnceLock<std::sync::Mutex<Vec<(&'static str, &'static str)>>> =
            std::sync::OnceLock::new();
        let names = NAMES.get_or_init(Default::default);
        let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, lower)) = names.iter().find(|(name, _)| *name == encoding.name()) {
            return lower;
        }
        let lower: &'static str = Box::leak(encoding.name().to_ascii_lowercase().into_boxed_str());
        names.push((encoding.name(), lower));
        lower
    }
}

fn guessed_note(encoding: &'static Encoding, why: &str) -> ReaderNote {
    ReaderNote {
        code: "input.encoding_guessed",
        message: format!("read as {}: {why}", encoding_name(encoding)),
    }
}

fn replaced_note(encoding: &'static Encoding) -> ReaderNote {
    ReaderNote {
        code: "input.encoding_errors",
        message: format!(
            "read as {}, but some bytes are not valid in it and were replaced with U+FFFD",
            encoding_name(encoding)
        ),
    }
}

/// Splits decoded text into rows (lines) of cells (tab-separated fields), trimming each
/// field; CRLF, LF and lone CR all end a line. Text with a quote in it may hold cells
/// that Excel quoted ([`split_quoted`]).
fn split_lines(text: &str, limits: &ReadLimits) -> Result<Table> {
    if text.contains('"') {
        return split_quoted(text, limits);
    }
    let mut rows = Vec::new();
    let mut cells_seen: u64 = 0;
    // A final line break ends the last line; it does not start an empty one.
    let text = text.strip_suffix('\n').unwrap_or(text);
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line_no = index as u32 + 1;
        check_line_length(line_no, line.len(), limits)?;
        rows.push(fields_row(
            line_no,
            line.split('\t'),
            &mut cells_seen,
            limits,
        )?);
    }
    Ok(Table { name: None, rows })
}

/// Most bytes and line breaks a quoted cell may span: a quote typed in a cell that
/// happens to pair with one far below must not swallow the lines between.
const MAX_QUOTED_BYTES: usize = 16 << 10;
const MAX_QUOTED_BREAKS: usize = 100;

/// [`split_lines`] for text that holds a quote. Excel's "Text (Tab delimited)" and its
/// clipboard quote a cell that holds a line break, a tab or a quote
/// (`"第一行⏎第二行"`, a quote inside doubled): such a field is one cell, its line breaks
/// kept, and the row is located at the line it starts on, as a CSV record is. A quote
/// that opens no such field (typed in a cell, or never closed before a tab or the end
/// of a line) is text.
fn split_quoted(text: &str, limits: &ReadLimits) -> Result<Table> {
    let bytes = text.as_bytes();
    let text_end = text.strip_suffix('\n').map_or(text.len(), str::len);
    let mut rows = Vec::new();
    let mut cells_seen: u64 = 0;
    let (mut at, mut line) = (0usize, 1u32);
    while at <= text_end {
        let (record_line, record_start) = (line, at);
        let mut fields: Vec<Cow<'_, str>> = Vec::new();
        loop {
            let field = match quoted_field(bytes, at, text_end) {
                Some((inner, end)) => {
                    line = line.saturating_add(memchr::memchr_iter(b'\n', inner).count() as u32);
                    at = end;
                    let inner = &text[at - 1 - inner.len()..at - 1];
                    Cow::Owned(inner.replace("\"\"", "\"").replace("\r\n", "\n"))
                }
                None => {
                    let end = memchr::memchr2(b'\t', b'\n', &bytes[at..text_end])
                        .map_or(text_end, |i| at + i);
                    let field = &text[at..end];
                    at = end;
                    Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field))
                }
            };
            fields.push(field);
            match bytes.get(at) {
                Some(b'\t') if at < text_end => at += 1,
                _ => break,
            }
        }
        check_line_length(record_line, at - record_start, limits)?;
        rows.push(fields_row(
            record_line,
            fields.iter().map(|field| field.as_ref()),
            &mut cells_seen,
            limits,
        )?);
        // Past the line break that ended the record (CRLF or LF), or the end of the text.
        if bytes.get(at) == Some(&b'\r') && bytes.get(at + 1) == Some(&b'\n') {
            at += 1;
        }
        at += 1;
        line = line.saturating_add(1);
    }
    Ok(Table { name: None, rows })
}

/// The quoted field at `at`, if one opens there and closes before a tab, a line break
/// or the end, within [`MAX_QUOTED_BYTES`] and [`MAX_QUOTED_BREAKS`]: its bytes between
/// the quotes (doubled quotes not yet undone) and where it ends.
fn quoted_field(bytes: &[u8], at: usize, end: usize) -> Option<(&[u8], usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let limit = end.min(at + 1 + MAX_QUOTED_BYTES);
    let mut i = at + 1;
    loop {
        i += memchr::memchr(b'"', &bytes[i..limit])?;
        match bytes.get(i + 1) {
            Some(b'"') if i + 1 < end => i += 2,
            next if i + 1 >= end || matches!(next, Some(b'\t' | b'\n' | b'\r')) => {
                let inner = &bytes[at + 1..i];
                return (memchr::memchr_iter(b'\n', inner).count() <= MAX_QUOTED_BREAKS)
                    .then_some((inner, i + 1));
            }
            // A quote inside that is neither doubled nor closing: no quoted field.
            _ => return None,
        }
    }
}

/// Text saved as CSV (what Excel writes for "CSV (逗号分隔)"): no tab anywhere, and at
/// least 60% of its records three fields or more. Text whose lines merely hold an
/// amount with thousands separators (`基本支出：153,069.97`) splits into fewer.
fn is_comma_separated(text: &str) -> bool {
    if text.contains('\t') || !text.contains(',') {
        return false;
    }
    let (mut records, mut wide) = (0usize, 0usize);
    for record in csv_reader(text).records().map_while(|r| r.ok()) {
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        records += 1;
        wide += usize::from(record.len() >= 3);
    }
    records > 0 && wide * 10 >= records * 6
}

/// A CSV reader for a form: no header record, records of any width.
fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Splits CSV text into rows of cells as [`split_lines`] does tab-separated text: a
/// record is a row, located at the line it starts on; a quoted field may hold commas
/// and line breaks. Blank lines, which the CSV reader passes over, are kept as empty
/// rows, as page breaks are.
///
/// Lines are counted here from each record's byte offset: the csv crate's own line
/// numbers lag behind with CRLF line ends and after blank lines (rust-csv #395, #208),
/// and its offset may point at the line break before the record.
fn split_csv(text: &str, limits: &ReadLimits) -> Result<Table> {
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    let mut cells_seen: u64 = 0;
    let mut reader = csv_reader(text);
    let mut record = csv::StringRecord::new();
    // Line breaks counted up to `counted_to`; the line there.
    let (mut counted_to, mut line) = (0usize, 1u64);
    // The line after the last record, less any line breaks quoted inside it.
    let mut next_line = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(Error::malformed("text", None, format!("bad CSV: {e}"))),
        }
        let reported = record.position().map_or(counted_to, |p| p.byte() as usize);
        let mut start = reported.clamp(counted_to, bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..start]).count() as u64;
        counted_to = start;
        for _ in next_line..line {
            count_toward_limit(&mut cells_seen, limits)?;
            rows.push(Row::default());
        }
        let line_no = u32::try_from(line).unwrap_or(u32::MAX);
        check_line_length(line_no, record.as_slice().len(), limits)?;
        // A line break quoted in a cell is one line of its text, as in the other readers.
        let fields: Vec<Cow<'_, str>> = record
            .iter()
            .map(|field| {
                if field.contains('\r') {
                    Cow::Owned(field.replace("\r\n", "\n"))
                } else {
                    Cow::Borrowed(field)
                }
            })
            .collect();
        rows.push(fields_row(
            line_no,
            fields.iter().map(|field| field.as_ref()),
            &mut cells_seen,
            limits,
        )?);
        let quoted_breaks: usize = record.iter().map(|field| field.matches('\n').count()).sum();
        next_line = line + 1 + quoted_breaks as u64;
    }
    Ok(Table { name: None, rows })
}

/// A line longer than the limit is no line of a form.
fn check_line_length(line_no: u32, len: usize, limits: &ReadLimits) -> Result<()> {
    if len as u64 > limits.max_line_bytes {
        return Err(Error::limit(
            format!("line {line_no} is {len} bytes long: not a line of a form"),
            format!(
                "{} bytes per line; raise it with --max-line-kb",
                limits.max_line_bytes
            ),
        ));
    }
    Ok(())
}

/// One line's row: its fields trimmed, the non-empty ones kept at their grid column
/// and located by line and field number. The row counts toward the cell limit too: a
/// file of nothing but line breaks must not become millions of empty rows.
fn fields_row<'f>(
    line_no: u32,
    fields: impl Iterator<Item = &'f str>,
    cells_seen: &mut u64,
    limits: &ReadLimits,
) -> Result<Row> {
    count_toward_limit(cells_seen, limits)?;
    let mut row = Row::default();
    for (field_index, field) in fields.enumerate() {
        let field = field.trim_matches(|c: char| c.is_whitespace());
        if field.is_empty() {
            continue;
        }
        count_toward_limit(cells_seen, limits)?;
        let loc = Loc::Line {
            line: line_no,
            field: field_index as u32 + 1,
        };
        row.cells.push(Cell::text(field_index as u32, field, loc));
    }
    Ok(row)
}

fn count_toward_limit(seen: &mut u64, limits: &ReadLimits) -> Result<()> {
    *seen += 1;
    if *seen > limits.max_cells {
        return Err(Error::limit(
            format!("more than {} lines and non-empty fields", limits.max_cells),
            format!(
                "{} cells per file; raise it with --max-cells",
                limits.max_cells
            ),
        ));
    }
    Ok(())
}

/// Lines that name at most this many of the lines a note is about.
const LINES_NAMED: usize = 5;

/// Control characters in text (NUL, backspace, …) are damage or binary data. Damage
/// stays on a few lines (a flipped bit, a sector of zeros): each run of them becomes one
/// U+FFFD and is noted with its lines, so the rest of the form is still read. Controls
/// on more than 5% of the lines (and more than three) are binary data: the file is
/// refused, naming the first such line.
fn replace_stray_controls<'t>(
    text: &'t str,
    encoding: &str,
    notes: &mut Vec<ReaderNote>,
) -> Result<Cow<'t, str>> {
    let controls = text.bytes().filter(|&b| is_binary_control(b)).count();
    if controls == 0 {
        return Ok(Cow::Borrowed(text));
    }
    let (mut line_count, mut lines) = (0, Vec::new());
    for (index, line) in text.split('\n').enumerate() {
        line_count += 1;
        if line.bytes().any(is_binary_control) {
            lines.push(index + 1);
        }
    }
    if lines.len() > 3 && lines.len() * 20 > line_count {
        return Err(Error::malformed(
            "text",
            Some(format!("line {}", lines[0])),
            "control characters found: this is binary data, not a text form",
        ));
    }
    let mut named: Vec<String> = lines
        .iter()
        .take(LINES_NAMED)
        .map(usize::to_string)
        .collect();
    if lines.len() > LINES_NAMED {
        named.push(format!("{} more", lines.len() - LINES_NAMED));
    }
    notes.push(ReaderNote {
        code: "input.encoding_errors",
        message: format!(
            "read as {encoding}, but {controls} control character(s), damaged bytes, on \
             line(s) {} were replaced with U+FFFD (one for each run of them)",
            named.join(", ")
        ),
    });
    let mut replaced = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        let control = u8::try_from(c).is_ok_and(is_binary_control);
        if !control {
            replaced.push(c);
        } else if !in_run {
            replaced.push('\u{FFFD}');
        }
        in_run = control;
    }
    Ok(Cow::Owned(replaced))
}

/// C0 controls other than tab, LF, CR, form feed and vertical tab do not occur in text forms.
fn is_binary_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) || b == 0x7F
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(grid: &Grid) -> Vec<Vec<(String, String)>> {
        let Block::Table(table) = &grid.blocks[0] else {
            panic!("text reads as one table")
        };
        table
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| (c.text.clone(), c.loc.to_string()))
                    .collect()
            })
            .collect()
    }

    const SAMPLE: &str =
        "部门名称\t广州市司法局\t\t\r\n\t基本支出\t153,069.97\n\n总体绩效目标\t 目标 \n";

    #[test]
    fn utf8_lines_and_fields_keep_their_positions() {
        let grid = read(SAMPLE.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("utf-8"));
        assert!(grid.notes.is_empty());
        let rows = cells(&grid);
        assert_eq!(
            rows[0],
            vec![
                ("部门名称".into(), "line 1 field 1".into()),
                ("广州市司法局".into(), "line 1 field 2".into())
            ]
        );
        assert_eq!(rows[1][1], ("153,069.97".into(), "line 2 field 3".into()));
        assert!(rows[2].is_empty(), "blank line kept as an empty row");
        assert_eq!(rows[3][1].0, "目标", "fields are trimmed");
    }

    #[test]
    fn gb18030_is_read_without_a_guess() {
        let (bytes, _, _) = GB18030.encode(SAMPLE);
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("gb18030"));
        assert!(grid.notes.is_empty());
        assert_eq!(cells(&grid)[0][1].0, "广州市司法局");
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let units: Vec<u8> = SAMPLE
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&units);
        let grid = read(&with_bom, &ReadLimits::default()).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("utf-16le"));
        assert!(grid.notes.is_empty());
        assert_eq!(cells(&grid)[1][0].0, "基本支出");

        let ascii_heavy = "a\tb\t1\t2\t3\n".repeat(4) + SAMPLE;
        let units: Vec<u8> = ascii_heavy
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let grid = read(&units, &ReadLimits::default()).unwrap();
        assert_eq!(grid.encoding.as_deref(), Some("utf-16be"));
        assert_eq!(grid.notes[0].code, "input.encoding_guessed");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(SAMPLE.as_bytes());
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(cells(&grid)[0][0].0, "部门名称");
    }

    /// A UTF-8 form cut short in the middle of a char, or with a byte lost, is still
    /// read as UTF-8, every other char intact, with a note that bytes were replaced;
    /// GB18030 and a Latin text with a few accents are not taken for it.
    #[test]
    fn utf8_with_a_few_broken_bytes_is_still_utf8() {
        let sample = SAMPLE.repeat(3);
        let ji = sample.find('基').unwrap();
        let mut damaged = sample.as_bytes().to_vec();
        damaged.remove(ji + 2); // 基 loses its last byte
        let cut = sample.rfind('局').unwrap() + 1; // in the middle of the last 局
        let cases = [
            (damaged, sample.replacen('基', "\u{FFFD}", 1)),
            (
                sample.as_bytes()[..cut].to_vec(),
                format!("{}\u{FFFD}", &sample[..cut - 1]),
            ),
        ];
        for (bytes, expected) in cases {
            let grid = read(&bytes, &ReadLimits::default()).unwrap();
            assert_eq!(grid.encoding.as_deref(), Some("utf-8"));
            let notes: Vec<_> = grid.notes.iter().map(|n| n.code).collect();
            assert_eq!(notes, ["input.encoding_errors"]);
            let expected = read(expected.as_bytes(), &ReadLimits::default()).unwrap();
            assert_eq!(cells(&grid), cells(&expected));
        }
        let (gbk, _, _) = GB18030.encode(&sample);
        assert!(nearly_utf8(&gbk).is_none());
        let latin1: Vec<u8> = "Budget de l'État\tréalisé"
            .chars()
            .map(|c| c as u8)
            .collect();
        assert!(nearly_utf8(&latin1).is_none());
    }

    /// However short the copy, a cut in its last char is only that: a UTF-8 or a
    /// GB18030 text cut after a char's first byte(s) is read, the cut char replaced.
    #[test]
    fn a_text_cut_in_its_last_char_is_read_however_short() {
        let utf8 = "佳局".as_bytes();
        let gb = GB18030.encode("广州市司法局2024年").0.into_owned();
        let cases: [(&[u8], &str, &str); 3] = [
            (&utf8[..5], "佳\u{FFFD}", "utf-8"),
            (&gb[..gb.len() - 1], "广州市司法局2024\u{FFFD}", "gb18030"),
            (&gb[..7], "广州市\u{FFFD}", "gb18030"),
        ];
        for (bytes, text, encoding) in cases {
            let grid = read(bytes, &ReadLimits::default()).unwrap();
            assert_eq!(grid.encoding.as_deref(), Some(encoding), "{text}");
            let line = vec![(text.to_string(), "line 1 field 1".to_string())];
            assert_eq!(cells(&grid), [line], "{text}");
            let notes: Vec<_> = grid.notes.iter().map(|n| n.code).collect();
            assert_eq!(notes, ["input.encoding_errors"], "{text}");
        }
    }

    /// Control characters on a few lines (a flipped bit, a sector of zeros) become one
    /// U+FFFD a run, with a note naming their lines, and the form is read; on more than
    /// 5% of the lines they refuse the file as binary data, naming the first such line.
    #[test]
    fn a_few_control_characters_are_replaced_many_refuse_the_file() {
        let sample = SAMPLE.repeat(10); // 4 lines each
        let zeros = "\0".repeat(200);
        let damaged = sample
            .replacen('基', "基\u{8}", 1)
            .replacen("目标", "目\0标", 2)
            .replacen("广州", &format!("广{zeros}州"), 1);
        let grid = read(damaged.as_bytes(), &ReadLimits::default()).unwrap();
        let notes: Vec<_> = grid.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            notes,
            [
                "read as utf-8, but 203 control character(s), damaged bytes, on line(s) \
              1, 2, 4 were replaced with U+FFFD (one for each run of them)"
            ]
        );
        let expected = sample
            .replacen('基', "基\u{FFFD}", 1)
            .replacen("目标", "目\u{FFFD}标", 2)
            .replacen("广州", "广\u{FFFD}州", 1);
        let expected = read(expected.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(cells(&grid), cells(&expected));

        let binary: String = sample
            .lines()
            .enumerate()
            .map(|(i, line)| match i % 10 {
                2 => format!("{line}\u{1}\n"),
                _ => format!("{line}\n"),
            })
            .collect();
        let err = read(binary.as_bytes(), &ReadLimits::default()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("line 3") && message.contains("binary data"),
            "{message}"
        );
    }

    /// A form saved as CSV (Excel's CSV UTF-8: a BOM, CRLF, every row as wide as the
    /// sheet, fields with commas quoted) reads as its tab-separated rendering does, line
    /// and field numbers included; a line break quoted in a field is a line of its cell,
    /// and blank lines stay empty rows.
    /// Excel's tab-separated text quotes a cell with a line break, a tab or a quote in
    /// it: such a cell is one cell, the rows after it keep their own lines; a quote
    /// that opens no such cell is text.
    #[test]
    fn cells_excel_quoted_in_tab_separated_text_are_one_cell() {
        let text = "名称\t内容\t资金\r\n\
                    任务一\t\"第一行\r\n第二行\"\t300\r\n\
                    任务二\t\"他说\"\"好\"\"\"\t\"含\t制表符\"\r\n\
                    \"未闭合\t普通\r\n\
                    内\"引号\"\t尾\n";
        let grid = read(text.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(
            cells(&grid),
            [
                vec![
                    ("名称".into(), "line 1 field 1".into()),
                    ("内容".into(), "line 1 field 2".into()),
                    ("资金".into(), "line 1 field 3".into())
                ],
                vec![
                    ("任务一".into(), "line 2 field 1".into()),
                    ("第一行\n第二行".into(), "line 2 field 2".into()),
                    ("300".into(), "line 2 field 3".into())
                ],
                vec![
                    ("任务二".into(), "line 4 field 1".into()),
                    ("他说\"好\"".into(), "line 4 field 2".into()),
                    ("含\t制表符".into(), "line 4 field 3".into())
                ],
                vec![
                    ("\"未闭合".into(), "line 5 field 1".into()),
                    ("普通".into(), "line 5 field 2".into())
                ],
                vec![
                    ("内\"引号\"".into(), "line 6 field 1".into()),
                    ("尾".into(), "line 6 field 2".into())
                ],
            ]
        );
    }

    /// A quote that would pair with one too far below (past [`MAX_QUOTED_BREAKS`] line
    /// breaks) opens no quoted cell: the lines between keep their own rows.
    #[test]
    fn a_quote_paired_too_far_below_is_text() {
        let text = format!(
            "\"开头\t甲\n{}末尾\"\t乙\n",
            "中间\t丙\n".repeat(MAX_QUOTED_BREAKS + 1)
        );
        let grid = read(text.as_bytes(), &ReadLimits::default()).unwrap();
        let rows = cells(&grid);
        assert_eq!(rows.len(), MAX_QUOTED_BREAKS + 3);
        assert_eq!(rows[0][0].0, "\"开头");
        assert_eq!(
            rows[1][0],
            ("中间".to_string(), "line 2 field 1".to_string())
        );
    }

    #[test]
    fn csv_reads_like_tab_separated_text() {
        let tsv = "部门名称\t广州市司法局\t\n\t基本支出\t153,069.97\n\n总体绩效目标\t目标\t\n";
        let csv = "\u{FEFF}部门名称,广州市司法局,\r\n,基本支出,\"153,069.97\"\r\n,,\r\n\
                   总体绩效目标,目标,\r\n";
        let from_tsv = read(tsv.as_bytes(), &ReadLimits::default()).unwrap();
        let from_csv = read(csv.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(cells(&from_csv), cells(&from_tsv));
        assert!(from_csv.notes.is_empty());

        let quoted = "a,\"one\r\ntwo\",c\r\n\r\n\r\nd,e,f\r\n";
        let grid = read(quoted.as_bytes(), &ReadLimits::default()).unwrap();
        assert_eq!(
            cells(&grid),
            vec![
                vec![
                    ("a".into(), "line 1 field 1".into()),
                    ("one\ntwo".into(), "line 1 field 2".into()),
                    ("c".into(), "line 1 field 3".into()),
                ],
                vec![],
                vec![],
                vec![
                    ("d".into(), "line 5 field 1".into()),
                    ("e".into(), "line 5 field 2".into()),
                    ("f".into(), "line 5 field 3".into()),
                ],
            ]
        );
    }

    /// Only text with no tab whose records mostly have three fields or more is CSV: not
    /// tab-separated text with amounts in it, nor `label：amount` lines.
    #[test]
    fn text_is_csv_only_when_its_records_are_comma_separated() {
        assert!(is_comma_separated("a,b,c\nd,e,f\n"));
        assert!(!is_comma_separated(
            "基本支出\t153,069.97\t财政拨款\t183,333.61\n"
        ));
        assert!(!is_comma_separated(
            "部门名称：某局\n基本支出：153,069.97\n项目支出：27,177.64\n合计：1,180,247.61\n"
        ));
        assert!(!is_comma_separated("没有逗号的一段话\n"));
    }

    #[test]
    fn binary_bytes_are_refused() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let err = read(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains("not"), "{err}");
    }

    #[test]
    fn cell_limit_is_enforced() {
        let limits = ReadLimits {
            max_cells: 5,
            ..ReadLimits::default()
        };
        let err = read(b"a\tb\nc\td\n", &limits).unwrap_err();
        assert!(err.to_string().contains("--max-cells"), "{err}");
        let err = read(&b"\n".repeat(10), &limits).unwrap_err();
        assert!(
            err.to_string().contains("lines"),
            "empty lines count too: {err}"
        );
        assert!(
            read(b"a\tb\nc\n", &limits).is_ok(),
            "5 lines and fields are within the limit"
        );
    }
}
