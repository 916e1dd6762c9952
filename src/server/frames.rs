//! The layout of every message a client sends, checked before pgwire decodes it.
//!
//! pgwire 0.42.1's decoders trust the client: they read counts and lengths without checking
//! them against the message and panic on a short buffer, and they read past the end of a
//! message into the next one. [`FrameChecker`] sees each message first and accepts it only if
//! its length is sane and its body has exactly the layout of its type (PostgreSQL's
//! `pq_getmsg*` rules: every string NUL-terminated inside the message, every count matched by
//! its elements, nothing left over). What it accepts, pgwire decodes without panicking and
//! without leaving the message.
//!
//! Limits: the startup packet and every message other than Query, Parse, Bind and CopyData
//! may be at most [`MAX_SMALL_MESSAGE`] bytes (PostgreSQL's limit for them); those four at
//! most [`MAX_MESSAGE`].
//!
//! The checker follows the login as the client's messages show it: SSLRequest and
//! GSSENCRequest are answered before it runs (`connection.rs`), then one startup packet (or
//! a CancelRequest), then the two SASL messages of a SCRAM-SHA-256 exchange (meshgate offers
//! no other authentication), then the query protocol.
//!
//! This file uses only `std`, so that `fuzz/` compiles it without the rest of meshgate.

/// Largest Query, Parse, Bind or CopyData message, length word included: 16 MiB.
pub const MAX_MESSAGE: usize = 16 << 20;

/// Largest startup packet or other message, length word included (PostgreSQL's limit for
/// the startup packet and its small messages).
pub const MAX_SMALL_MESSAGE: usize = 10_000;

/// The request code of a CancelRequest (1234.5678).
pub const CANCEL_REQUEST_CODE: i32 = 80_877_102;
/// The request code of an SSLRequest (1234.5679).
pub const SSL_REQUEST_CODE: i32 = 80_877_103;
/// The request code of a GSSENCRequest (1234.5680).
pub const GSSENC_REQUEST_CODE: i32 = 80_877_104;

/// What the checker makes of the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The first `n` bytes are one well-formed message.
    Message(usize),
    /// Not a whole message yet, and nothing wrong so far.
    Incomplete,
    /// The client broke the protocol; the text says how (client bytes are never quoted raw).
    Violation(String),
}

/// Where the login is, as far as the client's messages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Startup,
    SaslInitial,
    SaslResponse,
    Ready,
    Closed,
}

/// Checks one connection's messages in order; see the module documentation.
#[derive(Debug, Clone)]
pub struct FrameChecker {
    phase: Phase,
}

impl Default for FrameChecker {
    fn default() -> Self {
        FrameChecker::new()
    }
}

impl FrameChecker {
    /// A checker for a connection whose next message is its startup packet.
    pub fn new() -> Self {
        FrameChecker {
            phase: Phase::Startup,
        }
    }

    /// Checks the message at the start of `buf`. A violation is reported as soon as the bytes
    /// show it (a bad length word does not wait for its body); a [`Verdict::Message`] moves
    /// the checker past that message.
    pub fn check(&mut self, buf: &[u8]) -> Verdict {
        let result = match self.phase {
            Phase::Startup => self.startup(buf),
            Phase::Closed if !buf.is_empty() => Err("data after the end of the session".into()),
            Phase::Closed => Ok(None),
            _ => self.typed(buf),
        };
        match result {
            Ok(Some(n)) => Verdict::Message(n),
            Ok(None) => Verdict::Incomplete,
            Err(message) => {
                self.phase = Phase::Closed;
                Verdict::Violation(message)
            }
        }
    }

    fn startup(&mut self, buf: &[u8]) -> Result<Option<usize>, String> {
        let Some(len) = be_i32(buf, 0) else {
            return Ok(None);
        };
        if !(8..=MAX_SMALL_MESSAGE as i32).contains(&len) {
            return Err(format!(
                "invalid length of startup packet: {len} (it must be 8 to {MAX_SMALL_MESSAGE})"
            ));
        }
        let Some(code) = be_i32(buf, 4) else {
            return Ok(None);
        };
        match code {
            CANCEL_REQUEST_CODE if !(16..=268).contains(&len) => {
                return Err(format!("invalid length of CancelRequest: {len}"));
            }
            CANCEL_REQUEST_CODE => {}
            SSL_REQUEST_CODE | GSSENC_REQUEST_CODE => {
                return Err(
                    "encryption was already negotiated; SSLRequest and GSSENCRequest \
                     come once each, before the startup packet"
                        .into(),
                );
            }
            _ if code >> 16 != 3 => {
                return Err(format!(
                    "unsupported frontend protocol {}.{}: server supports 3.0 to 3.2",
                    code >> 16,
                    code & 0xffff
                ));
            }
            _ => {}
        }
        let len = len as usize;
        if buf.len() < len {
            return Ok(None);
        }
        if code == CANCEL_REQUEST_CODE {
            self.phase = Phase::Closed;
        } else {
            startup_parameters(&buf[8..len])?;
            self.phase = Phase::SaslInitial;
        }
        Ok(Some(len))
    }

    fn typed(&mut self, buf: &[u8]) -> Result<Option<usize>, String> {
        let Some(&kind) = buf.first() else {
            return Ok(None);
        };
        let limit = self.allowed(kind)?;
        let Some(len) = be_i32(buf, 1) else {
            return Ok(None);
        };
        if len < 4 || len as usize > limit {
            return Err(format!(
                "invalid length of {} message: {len} (it must be 4 to {limit})",
                name(kind)
            ));
        }
        let total = 1 + len as usize;
        if buf.len() < total {
            return Ok(None);
        }
        let body = Body::new(kind, &buf[5..total]);
        match kind {
            b'Q' | b'f' => body.cstring()?.end()?,
            b'P' => parse(body)?,
            b'B' => bind(body)?,
            b'D' | b'C' => {
                let (target, body) = body.u8()?;
                if target != b'S' && target != b'P' {
                    return Err(format!(
                        "invalid {} message subtype {}; it must be S or P",
                        name(kind),
                        shown(target)
                    ));
                }
                body.cstring()?.end()?;
            }
            b'E' => body.cstring()?.take(4)?.end()?,
            b'H' | b'S' | b'X' | b'c' => body.end()?,
            b'p' if self.phase == Phase::SaslInitial => sasl_initial_response(body)?,
            _ => {} // CopyData, SASLResponse: any bytes
        }
        self.phase = match (self.phase, kind) {
            (_, b'X') => Phase::Closed,
            (Phase::SaslInitial, _) => Phase::SaslResponse,
            (Phase::SaslResponse, _) => Phase::Ready,
            (phase, _) => phase,
        };
        Ok(Some(total))
    }

    /// The length limit of a message of type `kind`, if one may come now.
    fn allowed(&self, kind: u8) -> Result<usize, String> {
        let login = matches!(self.phase, Phase::SaslInitial | Phase::SaslResponse);
        match kind {
            b'p' | b'X' if login => Ok(MAX_SMALL_MESSAGE),
            _ if login => Err(format!(
                "expected a SASL response during login, got a {} message",
                name(kind)
            )),
            b'Q' | b'P' | b'B' | b'd' => Ok(MAX_MESSAGE),
            b'D' | b'C' | b'E' | b'H' | b'S' | b'X' | b'c' | b'f' => Ok(MAX_SMALL_MESSAGE),
            b'p' => Err("unexpected authentication message after login".into()),
            b'F' => Err("function call messages (F) are not supported".into()),
            _ => Err(format!("invalid frontend message type {}", shown(kind))),
        }
    }
}

/// The startup packet's parameters: `name\0value\0` pairs, then a final `\0` as its last
/// byte; `user` must be among them.
fn startup_parameters(mut rest: &[u8]) -> Result<(), String> {
    let layout = "invalid startup packet layout: expected name\\0value\\0 pairs and a \
                  terminator as last byte";
    let mut user = false;
    loop {
        match rest {
            [0] => break,
            [] | [0, ..] => return Err(layout.into()),
            _ => {}
        }
        let (name, after) = split_cstring(rest).ok_or(layout)?;
        let (value, after) = split_cstring(after).ok_or(layout)?;
        user |= name == b"user" && !value.is_empty();
        rest = after;
    }
    if !user {
        return Err("no user name in the startup packet; connect with user=NAME".into());
    }
    Ok(())
}

fn parse(body: Body<'_>) -> Result<(), String> {
    let body = body.cstring()?.cstring()?;
    let (types, body) = body.u16()?;
    body.take(4 * types as usize)?.end()
}

fn bind(body: Body<'_>) -> Result<(), String> {
    let body = body.cstring()?.cstring()?;
    let (formats, mut body) = body.u16()?;
    for _ in 0..formats {
        body = body.format_code()?;
    }
    let (params, mut body) = body.u16()?;
    if formats > 1 && formats != params {
        return Err(format!(
            "bind message has {formats} parameter formats but {params} parameters"
        ));
    }
    for _ in 0..params {
        let (len, rest) = body.i32()?;
        body = match len {
            -1 => rest,
            len if len < -1 => return Err(format!("invalid parameter length {len} in Bind")),
            len => rest.take(len as usize)?,
        };
    }
    let (results, mut body) = body.u16()?;
    for _ in 0..results {
        body = body.format_code()?;
    }
    body.end()
}

fn sasl_initial_response(body: Body<'_>) -> Result<(), String> {
    let (mechanism, rest) = body.string()?;
    if mechanism.is_empty() {
        return Err("SASLInitialResponse names no mechanism".into());
    }
    let (len, rest) = rest.i32()?;
    match len {
        -1 => rest.end(),
        len if len < -1 => Err(format!("invalid SASL data length {len}")),
        len => rest.take(len as usize)?.end(),
    }
}

/// The unread part of a message body, with the message type for error messages.
#[derive(Debug, Clone, Copy)]
struct Body<'a> {
    kind: u8,
    rest: &'a [u8],
}

impl<'a> Body<'a> {
    fn new(kind: u8, rest: &'a [u8]) -> Self {
        Body { kind, rest }
    }

    fn short(&self, what: &str) -> String {
        format!("malformed {} message: {what}", name(self.kind))
    }

    fn take(self, n: usize) -> Result<Body<'a>, String> {
        if self.rest.len() < n {
            return Err(self.short(&format!(
                "it declares {n} more bytes but has {}",
                self.rest.len()
            )));
        }
        Ok(Body::new(self.kind, &self.rest[n..]))
    }

    fn string(self) -> Result<(&'a [u8], Body<'a>), String> {
        let (value, after) =
            split_cstring(self.rest).ok_or_else(|| self.short("a string is not NUL-terminated"))?;
        Ok((value, Body::new(self.kind, after)))
    }

    fn cstring(self) -> Result<Body<'a>, String> {
        Ok(self.string()?.1)
    }

    fn u8(self) -> Result<(u8, Body<'a>), String> {
        let value = *self
            .rest
            .first()
            .ok_or_else(|| self.short("it ends early"))?;
        Ok((value, self.take(1)?))
    }

    fn u16(self) -> Result<(u16, Body<'a>), String> {
        match self.rest {
            [a, b, ..] => Ok((u16::from_be_bytes([*a, *b]), self.take(2)?)),
            _ => Err(self.short("a count is missing")),
        }
    }

    fn i32(self) -> Result<(i32, Body<'a>), String> {
        let value = be_i32(self.rest, 0).ok_or_else(|| self.short("a length is missing"))?;
        Ok((value, self.take(4)?))
    }

    fn format_code(self) -> Result<Body<'a>, String> {
        let (code, rest) = self.u16()?;
        if code > 1 {
            return Err(format!(
                "unsupported format code {} in Bind; it must be 0 (text) or 1 (binary)",
                code as i16
            ));
        }
        Ok(rest)
    }

    fn end(self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.short(&format!("{} bytes after its end", self.rest.len())))
        }
    }
}

/// Splits `buf` after its first NUL: the string before it and the rest after it.
fn split_cstring(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let nul = buf.iter().position(|&b| b == 0)?;
    Some((&buf[..nul], &buf[nul + 1..]))
}

fn be_i32(buf: &[u8], at: usize) -> Option<i32> {
    let bytes = buf.get(at..at + 4)?;
    Some(i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// A message type for an error message: its name, or the byte shown safely.
fn name(kind: u8) -> String {
    let known = match kind {
        b'Q' => "Query",
        b'P' => "Parse",
        b'B' => "Bind",
        b'D' => "Describe",
        b'C' => "Close",
        b'E' => "Execute",
        b'H' => "Flush",
        b'S' => "Sync",
        b'X' => "Terminate",
        b'd' => "CopyData",
        b'c' => "CopyDone",
        b'f' => "CopyFail",
        b'p' => "password/SASL",
        _ => return shown(kind),
    };
    known.to_string()
}

fn shown(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("0x{byte:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn startup(params: &[(&str, &str)]) -> Vec<u8> {
        let mut body = 196_608i32.to_be_bytes().to_vec();
        for (k, v) in params {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        packet.extend(body);
        packet
    }

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    fn logged_in() -> FrameChecker {
        FrameChecker {
            phase: Phase::Ready,
        }
    }

    fn violation(checker: &mut FrameChecker, bytes: &[u8]) -> String {
        match checker.check(bytes) {
            Verdict::Violation(message) => message,
            other => panic!("accepted {bytes:?}: {other:?}"),
        }
    }

    #[test]
    fn a_scram_login_then_queries_pass() {
        let mut checker = FrameChecker::new();
        let packet = startup(&[("user", "admin"), ("database", "mesh")]);
        assert_eq!(checker.check(&packet), Verdict::Message(packet.len()));
        let first = b"n,,n=,r=abc";
        let mut body = b"SCRAM-SHA-256\0".to_vec();
        body.extend_from_slice(&(first.len() as i32).to_be_bytes());
        body.extend_from_slice(first);
        let initial = message(b'p', &body);
        assert_eq!(checker.check(&initial), Verdict::Message(initial.len()));
        let response = message(b'p', b"c=biws,r=abc,p=xyz");
        assert_eq!(checker.check(&response), Verdict::Message(response.len()));
        let query = message(b'Q', b"select 1\0");
        let mut two = query.clone();
        two.extend_from_slice(&query);
        assert_eq!(checker.check(&two), Verdict::Message(query.len()));
        assert_eq!(checker.check(&query[..3]), Verdict::Incomplete);
    }

    #[test]
    fn the_four_known_crashes_are_violations() {
        // a password message right after the startup packet
        let mut checker = FrameChecker::new();
        assert!(matches!(
            checker.check(&startup(&[("user", "a")])),
            Verdict::Message(_)
        ));
        assert!(violation(&mut checker, &message(b'p', b"secret\0")).contains("malformed"));
        // a SASLInitialResponse whose data length is 0x7fffffff
        let mut checker = FrameChecker::new();
        checker.check(&startup(&[("user", "a")]));
        let mut body = b"SCRAM-SHA-256\0".to_vec();
        body.extend_from_slice(&0x7fff_ffffi32.to_be_bytes());
        assert!(violation(&mut checker, &message(b'p', &body)).contains("declares"));
        // Parse declaring 65535 parameter types with no data
        let parse = message(b'P', b"\0select 1\0\xff\xff");
        assert!(violation(&mut logged_in(), &parse).contains("Parse"));
        // Bind with bogus counts
        let bind = message(b'B', b"\0\0\0\x02\0\0\0\0\0\x01\0\0\0\x01x\0\0");
        assert!(violation(&mut logged_in(), &bind).contains("parameter formats"));
    }

    #[test]
    fn bad_lengths_are_refused_before_their_body_arrives() {
        for len in [0i32, 3, -1, i32::MIN, (MAX_MESSAGE + 1) as i32] {
            let mut m = vec![b'Q'];
            m.extend_from_slice(&len.to_be_bytes());
            assert!(violation(&mut logged_in(), &m).contains("invalid length"));
        }
        let mut sync = vec![b'S'];
        sync.extend_from_slice(&20_000i32.to_be_bytes());
        assert!(violation(&mut logged_in(), &sync).contains("invalid length"));
        for len in [0i32, 7, 10_001, -8] {
            let m = len.to_be_bytes();
            assert!(violation(&mut FrameChecker::new(), &m).contains("startup packet"));
        }
    }

    #[test]
    fn malformed_bodies_are_violations() {
        let cases: &[(u8, &[u8])] = &[
            (b'Q', b"no terminator"),
            (b'Q', b"two\0strings\0"),
            (b'Q', b""),
            (b'P', b"\0select 1\0\0\x01\0\0"),
            (b'B', b"\0\0\0\x01\0\x07\0\0\0\0"),
            (b'B', b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
            (b'B', b"\0\0\0\0\0\x01\0\0\0\x09abc\0\0"),
            (b'D', b"Xname\0"),
            (b'C', b"S"),
            (b'E', b"\0\0\0"),
            (b'S', b"x"),
            (b'p', b"anything"),
            (b'F', b""),
            (b'Z', b""),
            (0, b""),
        ];
        for (kind, body) in cases {
            violation(&mut logged_in(), &message(*kind, body));
        }
    }

    #[test]
    fn odd_startup_packets_are_violations() {
        let no_user = startup(&[("database", "mesh")]);
        assert!(violation(&mut FrameChecker::new(), &no_user).contains("no user"));
        let mut unterminated = startup(&[("user", "a")]);
        unterminated.pop();
        unterminated[3] -= 1;
        assert!(violation(&mut FrameChecker::new(), &unterminated).contains("layout"));
        let mut odd = 13i32.to_be_bytes().to_vec();
        odd.extend_from_slice(&196_608i32.to_be_bytes());
        odd.extend_from_slice(b"user\0");
        assert!(violation(&mut FrameChecker::new(), &odd).contains("layout"));
        let mut old = 9i32.to_be_bytes().to_vec();
        old.extend_from_slice(&131_072i32.to_be_bytes());
        old.push(0);
        assert!(violation(&mut FrameChecker::new(), &old).contains("unsupported"));
        let mut ssl = 8i32.to_be_bytes().to_vec();
        ssl.extend_from_slice(&SSL_REQUEST_CODE.to_be_bytes());
        assert!(violation(&mut FrameChecker::new(), &ssl).contains("negotiated"));
        let mut cancel = 12i32.to_be_bytes().to_vec();
        cancel.extend_from_slice(&CANCEL_REQUEST_CODE.to_be_bytes());
        assert!(violation(&mut FrameChecker::new(), &cancel).contains("CancelRequest"));
    }

    #[test]
    fn login_takes_only_sasl_messages_and_nothing_follows_terminate() {
        let mut checker = FrameChecker::new();
        checker.check(&startup(&[("user", "a")]));
        assert!(violation(&mut checker, &message(b'Q', b"select 1\0")).contains("SASL"));
        let mut checker = logged_in();
        let terminate = message(b'X', b"");
        assert_eq!(checker.check(&terminate), Verdict::Message(5));
        assert!(violation(&mut checker, b"Q").contains("after the end"));
    }
}
