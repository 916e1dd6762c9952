//! A client connection's byte stream as pgwire reads it: only whole messages that the
//! [`FrameChecker`] accepted. Bytes are read ahead only up to the end of the next message
//! (so backpressure holds and at most one message is buffered), every accepted message is
//! handed over before a violation is reported, and a violation is an
//! [`io::ErrorKind::InvalidData`] read error carrying the checker's text. Writes pass through.
//!
//! This file uses only `std`, `tokio` and `bytes`, so that `fuzz/` compiles it without the
//! rest of meshgate.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::frames::{FrameChecker, Verdict};

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 8 * 1024;

/// A stream that lets through only checked messages; see the module documentation.
#[derive(Debug)]
pub struct CheckedStream<S> {
    inner: S,
    checker: FrameChecker,
    /// Bytes read from `inner` and not yet handed over.
    pending: BytesMut,
    /// How many leading bytes of `pending` belong to accepted messages.
    accepted: usize,
    /// The violation to report once the accepted bytes are handed over.
    violation: Option<String>,
}

impl<S> CheckedStream<S> {
    /// Checks what `inner` sends after `already_read`, bytes that were read from it before
    /// (such as the first 8 bytes of a startup packet read while looking for an SSLRequest).
    pub fn new(inner: S, already_read: &[u8]) -> Self {
        CheckedStream {
            inner,
            checker: FrameChecker::new(),
            pending: BytesMut::from(already_read),
            accepted: 0,
            violation: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CheckedStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.accepted > 0 {
                let n = this.accepted.min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                this.accepted -= n;
                return Poll::Ready(Ok(()));
            }
            if let Some(violation) = &this.violation {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    violation.clone(),
                )));
            }
            match this.checker.check(&this.pending) {
                Verdict::Message(n) => {
                    this.accepted = n;
                    continue;
                }
                Verdict::Violation(message) => {
                    this.violation = Some(message);
                    continue;
                }
                Verdict::Incomplete => {}
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut chunk = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut chunk))?;
            if chunk.filled().is_empty() {
                // end of stream; a partial message is dropped with the connection
                return Poll::Ready(Ok(()));
            }
            this.pending.extend_from_slice(chunk.filled());
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CheckedStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    #[tokio::test]
    async fn accepted_messages_come_first_then_the_violation() {
        let mut bytes = 9i32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&196_608i32.to_be_bytes());
        bytes.push(0); // no user: a violation, after the first 4 bytes already read
        let mut stream = CheckedStream::new(&bytes[4..], &bytes[..4]);
        let mut out = Vec::new();
        let error = stream.read_to_end(&mut out).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("no user"), "{error}");

        let mut good = 16i32.to_be_bytes().to_vec();
        good.extend_from_slice(&196_608i32.to_be_bytes());
        good.extend_from_slice(b"user\0a\0\0");
        let mut with_junk = good.clone();
        with_junk.extend_from_slice(b"Z\0\0\0\x04");
        let mut stream = CheckedStream::new(&with_junk[..], &[]);
        let mut out = vec![0u8; good.len()];
        stream.read_exact(&mut out).await.unwrap();
        assert_eq!(out, good);
        assert!(stream.read_u8().await.is_err());
    }
}
