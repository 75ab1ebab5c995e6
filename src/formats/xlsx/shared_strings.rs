//! xl/sharedStrings.xml: the workbook's string table, which `t="s"` cells index.
//!
//! Kept once, in one buffer with one span per string, already trimmed and decoded, so a
//! cell costs only the copy of its own text. A string is every `<t>` of its `<si>`
//! concatenated (plain, or the runs `<r><t>` of rich text); `<rPh>` phonetic guides
//! (furigana/pinyin shown above the text) are not part of the text and are skipped.

use quick_xml::events::Event;

use super::xml::{decode_xstring, local_name, push_text, trim_cell, Xml};
use crate::Result;

/// The shared-string table.
#[derive(Debug, Default)]
pub(crate) struct SharedStrings {
    text: String,
    spans: Vec<(u32, u32)>,
    /// The part the workbook names for its strings when the package lacks it (a copy
    /// cut short before it, say), for the error of a cell that needs one.
    missing: Option<String>,
}

impl SharedStrings {
    /// No table, because the package lacks `part`, which the workbook names for it.
    pub fn missing(part: &str) -> Self {
        SharedStrings {
            missing: Some(part.to_string()),
            ..SharedStrings::default()
        }
    }

    /// Why a string the table lacks is missing, when the whole part is.
    pub fn missing_part(&self) -> Option<&str> {
        self.missing.as_deref()
    }

    /// Parses the part (`part` names it in errors).
    pub fn parse(bytes: &[u8], part: &str) -> Result<Self> {
        let mut xml = Xml::new(bytes, "xlsx", part);
        let mut table = SharedStrings {
            text: String::with_capacity(bytes.len() / 2),
            spans: Vec::new(),
            missing: None,
        };
        let mut current = String::new();
        let (mut in_si, mut in_t, mut in_rph) = (false, false, false);
        loop {
            let event = xml.next()?;
            match &event {
                Event::Start(e) => match local_name(e.name()) {
                    "si" => {
                        in_si = true;
                        current.clear();
                    }
                    "t" if in_si && !in_rph => in_t = true,
                    "rPh" => in_rph = true,
                    _ => {}
                },
                Event::Empty(e) if local_name(e.name()) == "si" => table.push(""),
                Event::End(e) => match local_name(e.name()) {
                    "si" if in_si => {
                        in_si = false;
                        let decoded = decode_xstring(&current);
                        table.push(trim_cell(&decoded));
                    }
                    "t" => in_t = false,
                    "rPh" => in_rph = false,
                    _ => {}
                },
                Event::Eof => break,
                other => {
                    if in_t {
                        push_text(&mut current, other);
                    }
                }
            }
        }
        Ok(table)
    }

    fn push(&mut self, s: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        self.spans.push((start, self.text.len() as u32));
    }

    /// The trimmed string at `index`, if the table has one.
    pub fn get(&self, index: usize) -> Option<&str> {
        let &(start, end) = self.spans.get(index)?;
        self.text.get(start as usize..end as usize)
    }

    /// How many strings the table holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rich_and_phonetic_strings() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>部门名称</t></si>
<si><r><rPr><b/></rPr><t>基本</t></r><r><t xml:space="preserve">支出 </t></r></si>
<si><t>司法</t><rPh sb="0" eb="2"><t>しほう</t></rPh><phoneticPr fontId="1"/></si>
<si/>
<si><t>R&amp;D&#x3000;</t></si>
<si><t>line1_x000D_
line2</t></si>
</sst>"#;
        let table = SharedStrings::parse(xml.as_bytes(), "xl/sharedStrings.xml").unwrap();
        assert_eq!(table.len(), 6);
        assert_eq!(table.get(0), Some("部门名称"));
        assert_eq!(table.get(1), Some("基本支出"));
        assert_eq!(table.get(2), Some("司法"));
        assert_eq!(table.get(3), Some(""));
        assert_eq!(table.get(4), Some("R&D"));
        assert_eq!(table.get(5), Some("line1\nline2"));
        assert_eq!(table.get(6), None);
    }
}
