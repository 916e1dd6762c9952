//! Log lines that client input cannot forge. Clients choose much of what meshgate logs (user
//! and database names, startup parameters, SQL text, SCRAM messages inside error texts), and a
//! newline in any of it would start a fake log line. [`EscapedFields`] formats every field of
//! every event and span, the message included, the way `tracing-subscriber` does, then
//! escapes what could break or disguise a line: control characters (`\n` becomes `\\n`),
//! Unicode line and paragraph separators and bidirectional overrides.

use std::fmt::{self, Write};

use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};

/// `tracing-subscriber`'s default field format with escaping; see the module documentation.
#[derive(Debug, Default)]
pub struct EscapedFields(DefaultFields);

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut raw = String::new();
        self.0.format_fields(Writer::new(&mut raw), fields)?;
        escape(&raw, &mut writer)
    }
}

/// Writes `text` with everything that could break or disguise a log line escaped.
pub fn escape(text: &str, out: &mut impl Write) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_control() || is_invisible_layout(c) => write!(out, "\\u{{{:x}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Line and paragraph separators, and the bidirectional controls that reorder text on screen.
fn is_invisible_layout(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    #[test]
    fn client_text_stays_on_its_line() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields::default())
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        let forged = "mesh\nERROR forged\r\u{2028}\u{1b}[2J";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!("connection refused: database \"{forged}\" does not exist");
            tracing::warn!(user = forged, reason = %forged, "login failed");
            let span = tracing::info_span!("session", application_name = %forged);
            span.in_scope(|| tracing::warn!("inside"));
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(
            text.contains(r"mesh\nERROR forged\r\u{2028}\x1b[2J"),
            "{text}"
        );
        assert!(text.contains(r#"user="mesh\nERROR forged"#), "{text}");
    }
}
