//! COPY data, byte for byte as PostgreSQL writes it. Rows arrive encoded by the result
//! encoder ([`crate::server::encode`]): in text for `text`/`csv` (each cell is then escaped
//! or quoted as `CopyAttributeOutText`/`CopyAttributeOutCSV` do), in binary for `binary`
//! (each row is then framed with its field count).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use pgwire::messages::data::DataRow;

use crate::error::{Error, Result};
use crate::server::copy::options::{CopyFormat, CopyOptions};

/// The binary COPY signature, then the flags field and the header extension length (0).
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The binary COPY trailer: a field count of -1.
const BINARY_TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// Writes one COPY's data: a header, rows batch by batch, a trailer.
#[derive(Debug)]
pub struct CopyWriter {
    options: CopyOptions,
    /// Per column: always quoted (CSV `FORCE_QUOTE`).
    forced: Vec<bool>,
    buf: BytesMut,
}

impl CopyWriter {
    /// A writer for a result with columns `names`; writes the binary signature or, when
    /// asked for, the header line.
    pub fn new(options: CopyOptions, names: &[&str]) -> Result<CopyWriter> {
        let forced = match options.format {
            CopyFormat::Csv => options.forced(names)?,
            _ => vec![false; names.len()],
        };
        let mut writer = CopyWriter {
            options,
            forced,
            buf: BytesMut::new(),
        };
        match writer.options.format {
            CopyFormat::Binary => writer.buf.put_slice(BINARY_HEADER),
            _ if writer.options.header => {
                let single = names.len() == 1;
                for (i, name) in names.iter().enumerate() {
                    writer.delimit(i);
                    writer.value(name.as_bytes(), false, single);
                }
                writer.buf.put_u8(b'\n');
            }
            _ => {}
        }
        Ok(writer)
    }

    /// The header line of text and CSV, to send as a message of its own (as PostgreSQL
    /// does); the binary signature stays to go out with the first row.
    pub fn header(&mut self) -> Option<Bytes> {
        let text = self.options.format != CopyFormat::Binary;
        (text && !self.buf.is_empty()).then(|| self.buf.split().freeze())
    }

    /// One message per row, as PostgreSQL sends them (clients such as tokio-postgres'
    /// binary reader expect a row per CopyData); the first carries anything written before.
    pub fn rows(&mut self, rows: &[DataRow]) -> Result<Vec<Bytes>> {
        let mut messages = Vec::with_capacity(rows.len());
        for row in rows {
            match self.options.format {
                CopyFormat::Binary => {
                    self.buf.put_i16(row.field_count);
                    self.buf.put_slice(&row.data);
                }
                _ => self.text_row(row)?,
            }
            messages.push(self.buf.split().freeze());
        }
        Ok(messages)
    }

    /// The rest of the data (the binary trailer; a header not yet sent); may be empty.
    pub fn finish(mut self) -> Bytes {
        if self.options.format == CopyFormat::Binary {
            self.buf.put_slice(&BINARY_TRAILER);
        }
        self.buf.freeze()
    }

    fn delimit(&mut self, column: usize) {
        if column > 0 {
            self.buf.put_u8(self.options.delimiter);
        }
    }

    /// A text-encoded data row: length-prefixed cells, -1 for NULL.
    fn text_row(&mut self, row: &DataRow) -> Result<()> {
        let mut cells = &row.data[..];
        let count = usize::try_from(row.field_count).unwrap_or(0);
        for column in 0..count {
            self.delimit(column);
            let malformed = || Error::Internal("a malformed data row reached COPY".into());
            if cells.remaining() < 4 {
                return Err(malformed());
            }
            let len = cells.get_i32();
            if len < 0 {
                self.buf.put_slice(self.options.null.as_bytes());
                continue;
            }
            let len = len as usize;
            if cells.remaining() < len {
                return Err(malformed());
            }
            let forced = self.forced.get(column).copied().unwrap_or(false);
            self.value(&cells[..len], forced, count == 1);
            cells.advance(len);
        }
        self.buf.put_u8(b'\n');
        Ok(())
    }

    fn value(&mut self, value: &[u8], forced: bool, single: bool) {
        match self.options.format {
            CopyFormat::Csv => self.csv_value(value, forced, single),
            _ => self.text_value(value),
        }
    }

    /// Backslash escapes of the text format.
    fn text_value(&mut self, value: &[u8]) {
        let delimiter = self.options.delimiter;
        for &byte in value {
            let escaped = match byte {
                0x08 => Some(b'b'),
                0x0c => Some(b'f'),
                b'\n' => Some(b'n'),
                b'\r' => Some(b'r'),
                b'\t' => Some(b't'),
                0x0b => Some(b'v'),
                b'\\' => Some(b'\\'),
                _ if byte == delimiter => Some(byte),
                _ => None,
            };
            match escaped {
                Some(escaped) => {
                    self.buf.put_u8(b'\\');
                    self.buf.put_u8(escaped);
                }
                None => self.buf.put_u8(byte),
            }
        }
    }

    /// CSV quoting: a value is quoted when forced, when it equals the NULL string, when it
    /// is `\.` alone on its line, or when it holds the delimiter, the quote or a line end.
    fn csv_value(&mut self, value: &[u8], forced: bool, single: bool) {
        let CopyOptions {
            delimiter,
            quote,
            escape,
            ..
        } = self.options;
        let quoted = forced
            || value == self.options.null.as_bytes()
            || (single && value == b"\\.")
            || value
                .iter()
                .any(|&b| b == delimiter || b == quote || b == b'\n' || b == b'\r');
        if !quoted {
            self.buf.put_slice(value);
            return;
        }
        self.buf.put_u8(quote);
        for &byte in value {
            if byte == quote || byte == escape {
                self.buf.put_u8(escape);
            }
            self.buf.put_u8(byte);
        }
        self.buf.put_u8(quote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::copy::options::OptionArg;

    fn row(cells: &[Option<&str>]) -> DataRow {
        let mut data = BytesMut::new();
        for cell in cells {
            match cell {
                Some(text) => {
                    data.put_i32(text.len() as i32);
                    data.put_slice(text.as_bytes());
                }
                None => data.put_i32(-1),
            }
        }
        DataRow::new(data, cells.len() as i16)
    }

    fn write(options: &[(&str, &str)], names: &[&str], rows: &[DataRow]) -> String {
        let options = options
            .iter()
            .map(|(n, v)| (n.to_string(), OptionArg::Text(v.to_string())))
            .collect();
        let mut writer = CopyWriter::new(CopyOptions::new(options).unwrap(), names).unwrap();
        let mut out = writer.header().map_or(Vec::new(), |h| h.to_vec());
        for message in writer.rows(rows).unwrap() {
            out.extend_from_slice(&message);
        }
        out.extend_from_slice(&writer.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_escapes_like_postgresql() {
        let rows = [row(&[Some("a\tb\\c\nd\u{8}"), None, Some("x|y")])];
        assert_eq!(
            write(&[], &["a", "b", "c"], &rows),
            "a\\tb\\\\c\\nd\\b\t\\N\tx|y\n"
        );
        assert_eq!(
            write(
                &[("delimiter", "|"), ("header", "true")],
                &["a", "b", "c"],
                &rows
            ),
            "a|b|c\na\\tb\\\\c\\nd\\b|\\N|x\\|y\n"
        );
    }

    #[test]
    fn csv_quotes_like_postgresql() {
        let rows = [
            row(&[
                Some("plain"),
                Some("a,b"),
                Some("say \"hi\""),
                Some(""),
                None,
            ]),
            row(&[
                Some("line\nbreak"),
                Some("\\."),
                Some(" "),
                Some("x"),
                Some("y"),
            ]),
        ];
        let names = ["p", "c", "q", "e", "n"];
        assert_eq!(
            write(&[("format", "csv"), ("header", "on")], &names, &rows),
            "p,c,q,e,n\nplain,\"a,b\",\"say \"\"hi\"\"\",\"\",\n\"line\nbreak\",\\., ,x,y\n"
        );
        let single = [row(&[Some("\\.")])];
        assert_eq!(write(&[("format", "csv")], &["a"], &single), "\"\\.\"\n");
        let escaped = [row(&[Some("a\"b\\c")])];
        assert_eq!(
            write(&[("format", "csv"), ("escape", "\\")], &["a"], &escaped),
            "\"a\\\"b\\\\c\"\n"
        );
    }

    #[test]
    fn binary_frames_rows_between_signature_and_trailer() {
        let options = vec![("format".to_string(), OptionArg::Text("binary".into()))];
        let mut writer = CopyWriter::new(CopyOptions::new(options).unwrap(), &["a"]).unwrap();
        assert_eq!(writer.header(), None);
        let messages = writer.rows(&[row(&[Some("x")]), row(&[None])]).unwrap();
        let mut first = BINARY_HEADER.to_vec();
        first.extend_from_slice(&[0, 1, 0, 0, 0, 1, b'x']);
        assert_eq!(messages[0].to_vec(), first);
        assert_eq!(messages[1].to_vec(), [0, 1, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(writer.finish().to_vec(), [0xff, 0xff]);
    }
}
