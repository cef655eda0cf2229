//! Bounded line reading: every line is checked against the length limit and
//! for UTF-8 and binary content before a format sees it.

use crate::ctx::ReadCtx;
use outflow_event::{Position, RejectReason};
use std::io::{self, BufRead};

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u64,
    bytes: u64,
    max: usize,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_line_bytes: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(4096),
            line_no: 0,
            bytes: 0,
            max: max_line_bytes,
        }
    }

    /// Number of the line most recently returned (1-based).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes consumed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The next acceptable line (its 1-based number and its text without the
    /// line ending), or `None` at the end.
    /// Over-long, non-UTF-8 and binary lines are rejected through `ctx` and
    /// skipped. An I/O error (a corrupt compressed stream) is returned.
    pub fn next_line(&mut self, ctx: &mut ReadCtx) -> io::Result<Option<(u64, &str)>> {
        loop {
            match self.read_raw()? {
                RawLine::Eof => return Ok(None),
                RawLine::TooLong(len) => ctx.reject(
                    RejectReason::LineTooLong,
                    Position::Line(self.line_no),
                    format!(
                        "line of {len} bytes exceeds the limit of {} bytes",
                        self.max
                    ),
                ),
                RawLine::Line => {
                    if self.line_no == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                        self.buf.drain(..3);
                    }
                    if memchr::memchr(0, &self.buf).is_some() {
                        ctx.reject(
                            RejectReason::Binary,
                            Position::Line(self.line_no),
                            "line contains NUL bytes",
                        );
                        continue;
                    }
                    // Validate with SIMD first; the standard library's check
                    // only runs for the rare bad line, to locate the error.
                    // (Checked, then converted: returning the first borrow from
                    // inside the loop is not accepted by the borrow checker.)
                    if simdutf8::basic::from_utf8(&self.buf).is_ok() {
                        let text = simdutf8::basic::from_utf8(&self.buf).unwrap_or_default();
                        return Ok(Some((self.line_no, text)));
                    }
                    // Invalid: the standard check locates the error for the report.
                    let column = std::str::from_utf8(&self.buf)
                        .err()
                        .map_or(0, |e| e.valid_up_to())
                        + 1;
                    ctx.reject(
                        RejectReason::InvalidUtf8,
                        Position::Line(self.line_no),
                        format!("invalid UTF-8 at column {column}"),
                    );
                }
            }
        }
    }

    fn read_raw(&mut self) -> io::Result<RawLine> {
        self.buf.clear();
        let mut total = 0usize;
        let mut too_long = false;
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if total == 0 {
                    return Ok(RawLine::Eof);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            total += take;
            if !too_long {
                if total > self.max + 2 {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.inner.consume(take);
            if done {
                break;
            }
        }
        self.line_no += 1;
        self.bytes += total as u64;
        if too_long {
            return Ok(RawLine::TooLong(total));
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > self.max {
            return Ok(RawLine::TooLong(self.buf.len()));
        }
        Ok(RawLine::Line)
    }
}

enum RawLine {
    Eof,
    Line,
    TooLong(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::{CollectSink, Limits};
    use std::sync::Arc;

    fn read_all(input: &[u8], max: usize) -> (Vec<String>, Vec<(RejectReason, u64)>) {
        let limits = Limits::default();
        let mut sink = CollectSink::default();
        let mut lines = Vec::new();
        {
            let mut ctx = ReadCtx::new(Arc::from("t"), &limits, &mut sink);
            let mut r = LineReader::new(input, max);
            while let Some((_, l)) = r.next_line(&mut ctx).unwrap() {
                lines.push(l.to_string());
            }
        }
        let rejects = sink
            .rejects
            .iter()
            .map(|r| {
                let Position::Line(n) = r.origin.position else {
                    panic!()
                };
                (r.reason, n)
            })
            .collect();
        (lines, rejects)
    }

    #[test]
    fn splits_lines_and_strips_endings() {
        let (lines, rejects) = read_all(b"\xEF\xBB\xBFa\r\nb\n\nc", 100);
        assert_eq!(lines, ["a", "b", "", "c"]);
        assert!(rejects.is_empty());
    }

    #[test]
    fn rejects_long_invalid_and_binary_lines_with_their_numbers() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 50));
        input.extend(b"\nbad\xff\nnul\x00\nlast\n");
        let (lines, rejects) = read_all(&input, 10);
        assert_eq!(lines, ["ok", "last"]);
        assert_eq!(
            rejects,
            [
                (RejectReason::LineTooLong, 2),
                (RejectReason::InvalidUtf8, 3),
                (RejectReason::Binary, 4)
            ]
        );
    }

    #[test]
    fn long_line_spanning_buffer_refills_is_skipped_whole() {
        let mut input = vec![b'y'; 100_000];
        input.extend(b"\nafter\n");
        let reader = std::io::BufReader::with_capacity(64, &input[..]);
        let limits = Limits::default();
        let mut sink = CollectSink::default();
        let mut ctx = ReadCtx::new(Arc::from("t"), &limits, &mut sink);
        let mut r = LineReader::new(reader, 1000);
        assert_eq!(r.next_line(&mut ctx).unwrap(), Some((2, "after")));
        assert_eq!(r.line_no(), 2);
    }
}
