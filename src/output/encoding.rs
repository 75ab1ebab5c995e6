//! CSV text encodings (`--csv-encoding`): Excel on Chinese Windows opens a double-clicked
//! CSV as GB18030 unless it starts with a UTF-8 BOM.

use std::io::{self, Write};

/// How CSV tables are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsvEncoding {
    /// Plain UTF-8 (the default; what scripts and databases expect).
    #[default]
    Utf8,
    /// UTF-8 with a byte-order mark, so Excel recognises it.
    Utf8Bom,
    /// GB18030, the native encoding of Chinese Windows.
    Gb18030,
}

impl std::str::FromStr for CsvEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(CsvEncoding::Utf8),
            "utf-8-bom" | "utf8-bom" | "utf-8-sig" => Ok(CsvEncoding::Utf8Bom),
            "gb18030" | "gbk" | "gb2312" => Ok(CsvEncoding::Gb18030),
            other => Err(format!(
                "unknown CSV encoding {other:?}: use utf-8, utf-8-bom or gb18030"
            )),
        }
    }
}

/// A writer that takes UTF-8 and writes it in the chosen encoding.
pub struct EncodedWriter<W: Write> {
    inner: W,
    encoding: CsvEncoding,
    /// Bytes of a UTF-8 sequence split across two writes.
    carry: Vec<u8>,
    encoded: Vec<u8>,
}

impl<W: Write> EncodedWriter<W> {
    /// Wraps `inner`, writing the BOM first when the encoding has one.
    pub fn new(mut inner: W, encoding: CsvEncoding) -> io::Result<Self> {
        if encoding == CsvEncoding::Utf8Bom {
            inner.write_all(b"\xEF\xBB\xBF")?;
        }
        Ok(Self::continuing(inner, encoding))
    }

    /// Wraps `inner` to go on with text already begun (no BOM).
    pub fn continuing(inner: W, encoding: CsvEncoding) -> Self {
        EncodedWriter {
            inner,
            encoding,
            carry: Vec::new(),
            encoded: Vec::new(),
        }
    }

    /// The writer underneath.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for EncodedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.encoding != CsvEncoding::Gb18030 {
            return self.inner.write(buf);
        }
        self.carry.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.carry) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(), // an incomplete tail: keep it
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "CSV text is not UTF-8",
                ))
            }
        };
        let text = std::str::from_utf8(&self.carry[..valid]).expect("checked above");
        let mut encoder = encoding_rs::GB18030.new_encoder();
        self.encoded.clear();
        self.encoded.reserve(text.len() * 2);
        let (_, _) =
            encoder.encode_from_utf8_to_vec_without_replacement(text, &mut self.encoded, true);
        self.inner.write_all(&self.encoded)?;
        self.carry.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_output_round_trips_even_when_a_character_is_split() {
        let mut w = EncodedWriter::new(Vec::new(), CsvEncoding::Gb18030).unwrap();
        let text = "部门,金额\n广州市司法局,1\n".as_bytes();
        w.write_all(&text[..2]).unwrap(); // half of 部
        w.write_all(&text[2..]).unwrap();
        let (decoded, _, errors) = encoding_rs::GB18030.decode(&w.inner);
        assert!(!errors);
        assert_eq!(decoded, "部门,金额\n广州市司法局,1\n");
    }

    #[test]
    fn utf8_bom_is_written_once_first() {
        let mut w = EncodedWriter::new(Vec::new(), CsvEncoding::Utf8Bom).unwrap();
        w.write_all("a,b\n".as_bytes()).unwrap();
        assert_eq!(w.inner, b"\xEF\xBB\xBFa,b\n");
    }
}
