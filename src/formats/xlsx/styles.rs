//! xl/styles.xml: which number format each cell style uses.
//!
//! A cell's `s` attribute indexes `<cellXfs>`; each `<xf>` there names a `numFmtId`,
//! either one of `<numFmts>` (custom codes) or a built-in id. Each distinct format is
//! compiled once; cells then look theirs up by style index.

use std::collections::HashMap;

use quick_xml::events::Event;

use super::numfmt::NumFmt;
use super::xml::{local_name, raw_attr, text_attr, Xml};
use crate::Result;

/// Number formats by cell style index.
#[derive(Debug)]
pub(crate) struct Styles {
    formats: Vec<NumFmt>,
    /// For each `<cellXfs>` entry, its index into `formats`.
    xf_format: Vec<u32>,
}

impl Default for Styles {
    fn default() -> Self {
        Styles {
            formats: vec![NumFmt::General],
            xf_format: Vec::new(),
        }
    }
}

impl Styles {
    /// Parses the part (`part` names it in errors).
    pub fn parse(bytes: &[u8], part: &str) -> Result<Self> {
        let mut xml = Xml::new(bytes, "xlsx", part);
        let mut custom: HashMap<u32, String> = HashMap::new();
        let mut xf_ids: Vec<u32> = Vec::new();
        let mut in_cell_xfs = false;
        loop {
            let event = xml.next()?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let empty = matches!(event, Event::Empty(_));
                    match local_name(e.name()) {
                        "numFmt" => {
                            let id = raw_attr(e, "numFmtId").and_then(|v| v.trim().parse().ok());
                            if let (Some(id), Some(code)) = (id, text_attr(e, "formatCode")) {
                                custom.insert(id, code);
                            }
                        }
                        "cellXfs" => in_cell_xfs = !empty,
                        "xf" if in_cell_xfs => {
                            xf_ids.push(
                                raw_attr(e, "numFmtId")
                                    .and_then(|v| v.trim().parse().ok())
                                    .unwrap_or(0),
                            );
                        }
                        _ => {}
                    }
                }
                Event::End(e) if local_name(e.name()) == "cellXfs" => in_cell_xfs = false,
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(Styles::from_ids(&custom, xf_ids))
    }

    /// Styles from custom format codes by id and each style's format id, compiling each
    /// distinct format once (XLS records carry the same two tables as styles.xml).
    pub fn from_ids(custom: &HashMap<u32, String>, xf_ids: impl IntoIterator<Item = u32>) -> Self {
        let mut styles = Styles::default();
        let mut compiled: HashMap<u32, u32> = HashMap::new();
        for id in xf_ids {
            let index = *compiled.entry(id).or_insert_with(|| {
                let format = match custom.get(&id) {
                    Some(code) => NumFmt::parse(code),
                    None => NumFmt::builtin(id),
                };
                if format == NumFmt::General {
                    0
                } else {
                    styles.formats.push(format);
                    (styles.formats.len() - 1) as u32
                }
            });
            styles.xf_format.push(index);
        }
        styles
    }

    /// The number format of cell style `style` (General for an unknown style, as Excel
    /// shows it).
    pub fn format(&self, style: u32) -> &NumFmt {
        let index = self.xf_format.get(style as usize).copied().unwrap_or(0);
        &self.formats[index as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_xfs_map_to_formats() {
        let xml = r##"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00&quot;元&quot;"/><numFmt numFmtId="165" formatCode="yyyy/m/d"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="4"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="4" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"><alignment wrapText="1"/></xf></cellXfs>
</styleSheet>"##;
        let styles = Styles::parse(xml.as_bytes(), "xl/styles.xml").unwrap();
        assert_eq!(styles.format(0), &NumFmt::General);
        assert_eq!(styles.format(1).format(153069.97, false).0, "153,069.97");
        assert_eq!(styles.format(2).format(1.0, false).0, "1.00元");
        assert_eq!(styles.format(3).format(45657.0, false).0, "2024-12-31");
        assert_eq!(styles.format(4).format(45657.0, false).1, None);
        assert_eq!(styles.format(99), &NumFmt::General);
    }
}
