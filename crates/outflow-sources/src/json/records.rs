use super::scan::{skip_value, JsonError};
use crate::ctx::ReadCtx;
use crate::lines::LineReader;
use outflow_event::{Position, RejectReason};
use std::io::{self, BufRead};

/// Where a JSON record started.
#[derive(Clone, Copy, Debug)]
pub struct RecordMeta {
    /// Line on which the record starts.
    pub line: u64,
    /// 1-based index of the record in the stream.
    pub index: u64,
}

impl RecordMeta {
    pub fn position(&self) -> Position {
        Position::Line(self.line)
    }
}

/// Frames a stream of JSON values: one per line (NDJSON), several on one line
/// (concatenated without separators), pretty-printed over several lines, or
/// top-level arrays of objects (each element becomes a record). Calls
/// `record` with each complete value's text. Syntax errors, nesting beyond
/// the limit and records beyond the size limit are rejected with their line;
/// framing then resumes at the next line. Lines starting with `#` outside a
/// record are comments.
pub fn for_each_record<R: BufRead>(
    lines: &mut LineReader<R>,
    ctx: &mut ReadCtx,
    mut record: impl FnMut(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    let max_depth = ctx.limits.max_json_depth;
    let max_record = ctx.limits.max_record_bytes;
    let mut index = 0u64;
    let mut pending = Pending::default();
    while !ctx.stopped() {
        let Some((line_no, line)) = lines.next_line(ctx)? else {
            break;
        };
        if pending.active {
            pending.text.push('\n');
            pending.text.push_str(line);
            pending.depth.feed(line);
            if pending.text.len() > max_record {
                ctx.reject(
                    RejectReason::RecordTooLarge,
                    Position::Line(pending.start_line),
                    format!("JSON record exceeds the limit of {max_record} bytes"),
                );
                pending.skipping = true;
                pending.text.clear();
            }
            if pending.depth.closed() {
                let text = std::mem::take(&mut pending.text);
                let (start, skipping) = (pending.start_line, pending.skipping);
                pending = Pending::default();
                if !skipping {
                    frame_line(
                        &text,
                        start,
                        &mut index,
                        max_depth,
                        ctx,
                        &mut record,
                        &mut pending,
                    );
                }
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        frame_line(
            line,
            line_no,
            &mut index,
            max_depth,
            ctx,
            &mut record,
            &mut pending,
        );
    }
    if pending.active && !pending.skipping {
        ctx.reject(
            RejectReason::Truncated,
            Position::Line(pending.start_line),
            "input ends inside a JSON record",
        );
    }
    Ok(())
}

#[derive(Default)]
struct Pending {
    active: bool,
    skipping: bool,
    start_line: u64,
    text: String,
    depth: DepthTracker,
}

/// Frames the values on one logical line (a line, or a multi-line record
/// gathered by the caller). A value left open starts a pending record.
fn frame_line(
    text: &str,
    line_no: u64,
    index: &mut u64,
    max_depth: usize,
    ctx: &mut ReadCtx,
    record: &mut impl FnMut(&str, RecordMeta, &mut ReadCtx),
    pending: &mut Pending,
) {
    let b = text.as_bytes();
    let mut pos = 0;
    loop {
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= b.len() || ctx.stopped() {
            return;
        }
        if b[pos] != b'{' && b[pos] != b'[' {
            ctx.reject(
                RejectReason::JsonSyntax,
                Position::Line(line_no),
                format!("expected a JSON object at column {}", pos + 1),
            );
            return;
        }
        match skip_value(text, pos, max_depth) {
            Ok(end) => {
                let value = &text[pos..end];
                if value.starts_with('[') {
                    each_array_element(value, line_no, index, max_depth, ctx, record);
                } else {
                    *index += 1;
                    let meta = RecordMeta {
                        line: line_no,
                        index: *index,
                    };
                    record(value, meta, ctx);
                }
                pos = end;
            }
            Err(JsonError::Incomplete) => {
                pending.active = true;
                pending.start_line = line_no;
                pending.text.push_str(&text[pos..]);
                pending.depth.feed(&text[pos..]);
                return;
            }
            Err(e @ JsonError::TooDeep { .. }) => {
                ctx.reject(
                    RejectReason::JsonTooDeep,
                    Position::Line(line_no),
                    e.to_string(),
                );
                return;
            }
            Err(e) => {
                ctx.reject(
                    RejectReason::JsonSyntax,
                    Position::Line(line_no),
                    e.to_string(),
                );
                return;
            }
        }
    }
}

fn each_array_element(
    array: &str,
    line_no: u64,
    index: &mut u64,
    max_depth: usize,
    ctx: &mut ReadCtx,
    record: &mut impl FnMut(&str, RecordMeta, &mut ReadCtx),
) {
    let b = array.as_bytes();
    let mut pos = 1;
    loop {
        while pos < b.len() && (b[pos].is_ascii_whitespace() || b[pos] == b',') {
            pos += 1;
        }
        if pos >= b.len() || b[pos] == b']' {
            return;
        }
        // The array was validated as a whole, so each element skips cleanly.
        let Ok(end) = skip_value(array, pos, max_depth) else {
            return;
        };
        *index += 1;
        let meta = RecordMeta {
            line: line_no + array[..pos].bytes().filter(|&c| c == b'\n').count() as u64,
            index: *index,
        };
        if b[pos] == b'{' {
            record(&array[pos..end], meta, ctx);
        } else {
            ctx.reject(
                RejectReason::UnexpectedShape,
                meta.position(),
                "array element is not a JSON object",
            );
        }
        pos = end;
    }
}

/// Tracks bracket depth across lines of a multi-line record, aware of strings.
#[derive(Default)]
struct DepthTracker {
    depth: i64,
    in_string: bool,
    escape: bool,
    started: bool,
}

impl DepthTracker {
    fn feed(&mut self, s: &str) {
        for &c in s.as_bytes() {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if c == b'\\' {
                    self.escape = true;
                } else if c == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
    }

    fn closed(&self) -> bool {
        self.started && self.depth <= 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::{CollectSink, Limits};
    use std::sync::Arc;

    type Framed = (Vec<(String, u64)>, Vec<(RejectReason, Position)>);

    fn frame(input: &str, limits: Limits) -> Framed {
        let mut sink = CollectSink::default();
        let mut got = Vec::new();
        {
            let mut ctx = ReadCtx::new(Arc::from("t"), &limits, &mut sink);
            let mut lines = LineReader::new(input.as_bytes(), limits.max_line_bytes);
            for_each_record(&mut lines, &mut ctx, |t, m, _| {
                got.push((t.replace(['\n', ' '], ""), m.line))
            })
            .unwrap();
        }
        let rejects = sink
            .rejects
            .iter()
            .map(|r| (r.reason, r.origin.position))
            .collect();
        (got, rejects)
    }

    #[test]
    fn frames_ndjson_concatenated_pretty_and_arrays() {
        let input = "{\"a\":1}\n{\"b\":2}{\"c\":3}\n{\n  \"d\": {\n \"e\": \"}\"\n }\n}{\"f\":4}\n[{\"g\":5},\n{\"h\":6}]\n";
        let (got, rejects) = frame(input, Limits::default());
        let got: Vec<_> = got.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        assert_eq!(
            got,
            [
                ("{\"a\":1}", 1),
                ("{\"b\":2}", 2),
                ("{\"c\":3}", 2),
                ("{\"d\":{\"e\":\"}\"}}", 3),
                ("{\"f\":4}", 3),
                ("{\"g\":5}", 8),
                ("{\"h\":6}", 9),
            ]
        );
        assert!(rejects.is_empty());
    }

    #[test]
    fn rejects_bad_records_and_goes_on() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        let input =
            format!("{{\"a\":1}}\n{{\"a\" 1}}\nplain text\n{deep}\n{{\"ok\":true}}\n{{\"open\":\n");
        let (got, rejects) = frame(&input, Limits::default());
        assert_eq!(got.len(), 2);
        assert_eq!(
            rejects,
            [
                (RejectReason::JsonSyntax, Position::Line(2)),
                (RejectReason::JsonSyntax, Position::Line(3)),
                (RejectReason::JsonTooDeep, Position::Line(4)),
                (RejectReason::Truncated, Position::Line(6)),
            ]
        );
    }

    #[test]
    fn oversized_multiline_record_is_rejected_then_framing_resumes() {
        let big = format!("{{\n\"a\": \"{}\"\n}}\n{{\"b\":1}}\n", "x".repeat(200));
        let limits = Limits {
            max_record_bytes: 100,
            ..Limits::default()
        };
        let (got, rejects) = frame(&big, limits);
        assert_eq!(got, [("{\"b\":1}".to_string(), 4)]);
        assert_eq!(rejects, [(RejectReason::RecordTooLarge, Position::Line(1))]);
    }
}
