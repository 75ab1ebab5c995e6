//! Single-file web pages (MHTML: `.mht`, `.mhtml`, Office's "单个文件网页"): a MIME
//! message whose HTML parts are read by the HTML reader, in order, as one document.
//!
//! Word saves the page as one HTML part; Excel saves a workbook as a frame page, a tab
//! strip and one HTML part per sheet. Every `text/html` part is read (the frame page
//! and the tab strip hold no form: the HTML reader drops their navigation), its
//! transfer encoding undone (quoted-printable, base64, 7bit/8bit) and its bytes handed
//! to [`super::html::read`], which finds their charset as for any page. Tables and
//! paragraphs are numbered through the whole file, so `table 2` is the second table
//! whichever part holds it. Images, style sheets and the file list are not read.
//!
//! Safety: the parts are found in one pass over the message; decoding never grows a
//! part; the cell limit counts the whole file.

use super::html;
use crate::model::{Block, Grid, Loc};
use crate::{Error, ReadLimits, Result};

/// The format's name in `source.format`, `files.csv` and errors.
pub const FORMAT: &str = "mht";

/// How far into the file its MIME headers are looked for.
const SNIFF_BYTES: usize = 4096;

/// Whether the bytes are a MIME multipart message, as a single-file web page is: a
/// `MIME-Version` header and a `multipart/related` content type among its first lines.
pub fn sniff(bytes: &[u8]) -> bool {
    // A message starts with a header name; a form's text or a page does not.
    if !bytes
        .trim_ascii_start()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let headers =
        match memchr::memmem::find(head, b"\n\n").or(memchr::memmem::find(head, b"\r\n\r\n")) {
            Some(end) => &head[..end],
            None => head,
        };
    let headers = String::from_utf8_lossy(headers).to_ascii_lowercase();
    headers.contains("mime-version:") && headers.contains("multipart/related")
}

/// Reads a single-file web page (see the module documentation for the rules).
pub fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Grid> {
    let (headers, body) = split_headers(bytes);
    let boundary = header(headers, "content-type")
        .and_then(|value| parameter(&value, "boundary"))
        .ok_or_else(|| {
            Error::malformed(FORMAT, None, "its Content-Type names no multipart boundary")
        })?;
    let mut pages = Vec::new();
    for (index, part) in parts(body, boundary.as_bytes()).enumerate() {
        if let Some(page) = html_part(part, index + 1, limits)? {
            pages.push(page);
        }
    }
    if pages.is_empty() {
        return Err(Error::malformed(FORMAT, None, "it holds no HTML part"));
    }
    // A part of words alone (a cover note, a frame page's apology for a browser
    // without frames) is not the form when any part holds a table.
    let has_table = |page: &Grid| page.blocks.iter().any(|b| matches!(b, Block::Table(_)));
    if pages.iter().any(has_table) {
        pages.retain(has_table);
    }
    join(pages, limits)
}

/// Part `number` read as a page, if it is HTML.
fn html_part(part: &[u8], number: usize, limits: &ReadLimits) -> Result<Option<Grid>> {
    let (headers, content) = split_headers(part);
    let kind = header(headers, "content-type").unwrap_or_default();
    // A part cut off in its headers (the file cut short) has nothing to read.
    if !kind.to_ascii_lowercase().starts_with("text/html") || content.trim_ascii().is_empty() {
        return Ok(None);
    }
    let place = |inner: Option<&str>| {
        let inner = inner.map(|p| format!(", {p}")).unwrap_or_default();
        format!("part {number}{inner}")
    };
    let encoding = header(headers, "content-transfer-encoding").unwrap_or_default();
    let page = match encoding.trim().to_ascii_lowercase().as_str() {
        "quoted-printable" => quoted_printable(content),
        "base64" => base64(content).ok_or_else(|| {
            Error::malformed(
                FORMAT,
                Some(place(None)),
                "its base64 content is not base64",
            )
        })?,
        _ => content.to_vec(),
    };
    html::read(&page, limits)
        .map(Some)
        .map_err(|e| match e.kind() {
            crate::ErrorKind::Malformed {
                detail, place: at, ..
            } => Error::malformed(FORMAT, Some(place(at.as_deref())), detail.clone()),
            _ => e,
        })
}

/// The pages as one grid: tables and paragraphs numbered through the file, each
/// reader note said once, the cell limit counted over all of them.
fn join(pages: Vec<Grid>, limits: &ReadLimits) -> Result<Grid> {
    let mut grid = Grid {
        blocks: Vec::new(),
        encoding: None,
        notes: Vec::new(),
    };
    let (mut tables, mut paragraphs, mut cells) = (0u32, 0u32, 0u64);
    for page in pages {
        grid.encoding = grid.encoding.or(page.encoding);
        for note in page.notes {
            if !grid.notes.contains(&note) {
                grid.notes.push(note);
            }
        }
        let (tables_before, paragraphs_before) = (tables, paragraphs);
        for mut block in page.blocks {
            // Every table the HTML reader keeps has cells, every paragraph a text.
            let located = match &mut block {
                Block::Table(table) => table.rows.iter_mut().flat_map(|r| &mut r.cells).collect(),
                Block::Paragraph(cell) => vec![cell],
            };
            for cell in located {
                cells += 1;
                match &mut cell.loc {
                    Loc::Table { table, .. } => {
                        *table += tables_before;
                        tables = tables.max(*table);
                    }
                    Loc::Paragraph { paragraph } => {
                        *paragraph += paragraphs_before;
                        paragraphs = paragraphs.max(*paragraph);
                    }
                    _ => {}
                }
            }
            if cells > limits.max_cells {
                return Err(Error::limit(
                    format!("more than {} non-empty cells", limits.max_cells),
                    format!(
                        "{} cells per file; raise it with --max-cells",
                        limits.max_cells
                    ),
                ));
            }
            grid.blocks.push(block);
        }
    }
    Ok(grid)
}

/// A message's (or part's) headers and body, split at the first empty line.
fn split_headers(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut at = 0;
    while at < bytes.len() {
        let end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| at + p + 1);
        let line = &bytes[at..end];
        if line.iter().all(|b| matches!(b, b'\r' | b'\n')) && !line.is_empty() {
            return (&bytes[..at], &bytes[end..]);
        }
        at = end;
    }
    (bytes, &[])
}

/// A header's value (folded lines joined), by case-insensitive name.
fn header(headers: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(headers);
    let mut value: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(value) = &mut value {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((key, rest)) = line.split_once(':') {
            if key.trim().eq_ignore_ascii_case(name) {
                value = Some(rest.trim().to_string());
            }
        }
    }
    value
}

/// A parameter of a header value (`boundary="----=_NextPart_01"`), quoted or not.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (key, raw) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| raw.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    })
}

/// The parts of a multipart body: what lies between lines that start with
/// `--boundary`, up to `--boundary--` (or the end of a file cut short).
fn parts<'a>(body: &'a [u8], boundary: &[u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    // Each delimiter line: where it starts, where the part after it starts, and
    // whether it closes the message.
    let mut lines: Vec<(usize, usize, bool)> = Vec::new();
    let mut at = 0;
    for found in memchr::memmem::find_iter(body, &delimiter) {
        if found < at || (found > 0 && body[found - 1] != b'\n') {
            continue;
        }
        let after = found + delimiter.len();
        let closing = body[after..].starts_with(b"--");
        at = body[after..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| after + p + 1);
        lines.push((found, at, closing));
        if closing {
            break;
        }
    }
    let ends: Vec<usize> = lines
        .iter()
        .skip(1)
        .map(|&(start, ..)| start)
        .chain(std::iter::once(body.len()))
        .collect();
    lines
        .into_iter()
        .zip(ends)
        .filter(|((.., closing), _)| !closing)
        .map(move |((_, content, _), end)| &body[content..end.max(content)])
}

/// Quoted-printable content decoded: `=XX` is a byte; `=` ending a line (white space
/// after it ignored, as the standard asks) joins the line to the next.
fn quoted_printable(content: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        i += 1;
        if b != b'=' {
            out.push(b);
            continue;
        }
        let blank = content[i..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
        if content.get(i + blank) == Some(&b'\n') || i + blank == content.len() {
            i += blank + 1;
            continue;
        }
        match (
            content.get(i).copied().and_then(hex),
            content.get(i + 1).copied().and_then(hex),
        ) {
            (Some(high), Some(low)) => {
                out.push(high << 4 | low);
                i += 2;
            }
            _ => out.push(b'='),
        }
    }
    out
}

/// Base64 content decoded, white space ignored; `None` when it is not base64.
fn base64(content: &[u8]) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(content.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0u32);
    for &b in content {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'=' => break,
            _ => {
                bits = bits << 6 | value(b)?;
                count += 6;
                if count >= 8 {
                    count -= 8;
                    out.push((bits >> count) as u8);
                    bits &= (1 << count) - 1;
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "----=_NextPart_01";

    fn message(parts: &[(&str, &str, &[u8])], closed: bool) -> Vec<u8> {
        let mut out = format!(
            "MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\tboundary=\"{BOUNDARY}\"\r\n\r\nThis is a multi-part message.\r\n"
        )
        .into_bytes();
        for (kind, encoding, body) in parts {
            out.extend_from_slice(
                format!("\r\n--{BOUNDARY}\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n").as_bytes(),
            );
            out.extend_from_slice(body);
        }
        if closed {
            out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        }
        out
    }

    fn texts(grid: &Grid) -> Vec<(String, String)> {
        grid.blocks
            .iter()
            .flat_map(|b| match b {
                Block::Table(t) => t
                    .rows
                    .iter()
                    .flat_map(|r| r.cells.iter())
                    .collect::<Vec<_>>(),
                Block::Paragraph(c) => vec![c],
            })
            .map(|c| (c.text.clone(), c.loc.to_string()))
            .collect()
    }

    fn pair(text: &str, at: &str) -> (String, String) {
        (text.to_string(), at.to_string())
    }

    #[test]
    fn every_html_part_is_read_in_order_numbered_through_the_file() {
        let page =
            |a: &str| format!("<p>{a}表</p><table><tr><td>部门名称</td><td>{a}</td></tr></table>");
        let second = base64_encode(page("乙局").as_bytes());
        let bytes = message(
            &[
                ("text/html; charset=\"utf-8\"", "quoted-printable", b"<html><body>=E7=94=B2=\r\n=E5=B1=80 \t=\r\n<table><tr><td>=E9=83=A8=E9=97=A8=E5=90=8D=E7=A7=B0</td><td>x=3D1</td></tr></table></body></html>"),
                ("image/png", "base64", b"iVBORw0KGgo=\r\n"),
                ("text/html; charset=\"utf-8\"", "base64", second.as_bytes()),
            ],
            true,
        );
        assert!(sniff(&bytes));
        assert_eq!(
            crate::formats::detect(&bytes, &ReadLimits::default()).unwrap(),
            crate::Format::Mht
        );
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(
            texts(&grid),
            [
                pair("甲局", "paragraph 1"),
                pair("部门名称", "table 1 row 1 cell 1"),
                pair("x=1", "table 1 row 1 cell 2"),
                pair("乙局表", "paragraph 2"),
                pair("部门名称", "table 2 row 1 cell 1"),
                pair("乙局", "table 2 row 1 cell 2"),
            ]
        );
    }

    /// A part of words alone (a cover note, a frame page's apology) is not the form when
    /// another part holds a table; alone, it is read (and reported) as any page is.
    #[test]
    fn a_part_without_a_table_is_left_out_when_another_has_one() {
        let frames: &[u8] = b"<p>no frames here</p>";
        let sheet: &[u8] = b"<table><tr><td>a</td><td>b</td></tr></table>";
        let both = message(
            &[("text/html", "8bit", frames), ("text/html", "8bit", sheet)],
            true,
        );
        let grid = read(&both, &ReadLimits::default()).unwrap();
        assert_eq!(
            texts(&grid),
            [
                pair("a", "table 1 row 1 cell 1"),
                pair("b", "table 1 row 1 cell 2")
            ]
        );
        let alone = message(&[("text/html", "8bit", frames)], true);
        let grid = read(&alone, &ReadLimits::default()).unwrap();
        assert_eq!(texts(&grid), [pair("no frames here", "paragraph 1")]);
    }

    #[test]
    fn a_message_cut_short_is_read_as_far_as_it_goes() {
        let bytes = message(
            &[(
                "text/html",
                "7bit",
                b"<table><tr><td>a</td><td>b</td></tr><tr><td>c",
            )],
            false,
        );
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(texts(&grid).len(), 3);
        // Cut in the headers of a second page: the first is read.
        let mut bytes = message(
            &[(
                "text/html",
                "7bit",
                b"<table><tr><td>a</td><td>b</td></tr></table>",
            )],
            false,
        );
        bytes.extend_from_slice(
            format!("\r\n--{BOUNDARY}\r\nContent-Type: text/html\r\nContent-Tra").as_bytes(),
        );
        let grid = read(&bytes, &ReadLimits::default()).unwrap();
        assert_eq!(texts(&grid).len(), 2);
    }

    #[test]
    fn what_is_not_a_page_archive_says_why() {
        let no_boundary = b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\nx";
        assert!(sniff(no_boundary));
        let err = read(no_boundary, &ReadLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("names no multipart boundary"), "{err}");
        let images = message(&[("image/png", "base64", b"iVBORw0KGgo=")], true);
        let err = read(&images, &ReadLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no HTML part"), "{err}");
        let bad = message(&[("text/html", "base64", b"<table>")], true);
        let err = read(&bad, &ReadLimits::default()).unwrap_err().to_string();
        assert!(
            err.contains("part 1") && err.contains("not base64"),
            "{err}"
        );
        assert!(!sniff(
            b"<html><body>MIME-Version: 1.0 multipart/related</body></html>"
        ));
        assert!(!sniff("部门名称\t某局\n".as_bytes()));
    }

    #[test]
    fn the_cell_limit_counts_the_whole_file() {
        let sheet: &[u8] = b"<table><tr><td>a</td><td>b</td><td>c</td></tr></table>";
        let bytes = message(
            &[("text/html", "8bit", sheet), ("text/html", "8bit", sheet)],
            true,
        );
        let limits = ReadLimits {
            max_cells: 5,
            ..ReadLimits::default()
        };
        let err = read(&bytes, &limits).unwrap_err().to_string();
        assert!(err.contains("more than 5 non-empty cells"), "{err}");
    }

    /// Base64 as a mail writer wraps it, for the tests.
    fn base64_encode(bytes: &[u8]) -> String {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for (i, chunk) in bytes.chunks(3).enumerate() {
            if i > 0 && i % 19 == 0 {
                out.push_str("\r\n");
            }
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (k, &b)| n | (b as u32) << (16 - 8 * k));
            for k in 0..4 {
                out.push(if k <= chunk.len() {
                    DIGITS[(n >> (18 - 6 * k) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        out
    }
}
