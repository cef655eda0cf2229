use super::scan::{skip_value, value_end, JsonError};
use crate::ctx::{ReadCtx, RecordEnd};
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
    record: impl FnMut(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    frame_records(lines, ctx, record, false)
}

/// Like [`for_each_record`], for formats whose `record` walks its text with
/// [`walk_outcome`]: an object is handed over with the rest of its line and
/// the format's own walk finds where it ends, so each byte is scanned once.
pub fn for_each_record_walked<R: BufRead>(
    lines: &mut LineReader<R>,
    ctx: &mut ReadCtx,
    record: impl FnMut(&str, RecordMeta, &mut ReadCtx),
) -> io::Result<()> {
    frame_records(lines, ctx, record, true)
}

/// What a format does with the result of walking the record it was handed:
/// the record's end offset, or `None` when it was rejected (reported here
/// with `reason`) or, handed a whole line, continues on the next lines.
pub fn walk_outcome(
    ctx: &mut ReadCtx,
    result: Result<usize, JsonError>,
    position: Position,
    reason: impl Fn(JsonError) -> RejectReason,
) -> Option<usize> {
    match result {
        Ok(end) => {
            ctx.record_end = Some(RecordEnd::At(end));
            Some(end)
        }
        Err(JsonError::Incomplete) if ctx.json_line_mode => {
            ctx.record_end = Some(RecordEnd::Incomplete);
            None
        }
        Err(e) => {
            // The rest of the line cannot be framed after a broken record.
            ctx.record_end = Some(RecordEnd::At(usize::MAX));
            ctx.reject(reason(e), position, e.to_string());
            None
        }
    }
}

fn frame_records<R: BufRead>(
    lines: &mut LineReader<R>,
    ctx: &mut ReadCtx,
    mut record: impl FnMut(&str, RecordMeta, &mut ReadCtx),
    walked: bool,
) -> io::Result<()> {
    let max_depth = ctx.limits.max_json_depth;
    let max_record = ctx.limits.max_record_bytes;
    let mut index = 0u64;
    let mut pending = Pending::default();
    // Comment lines are skipped; a file of nothing else is reported, not
    // passed over without a trace.
    let (mut comments, mut data) = (0u64, false);
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
                        walked,
                    );
                }
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            comments += 1;
            continue;
        }
        data = true;
        frame_line(
            line,
            line_no,
            &mut index,
            max_depth,
            ctx,
            &mut record,
            &mut pending,
            walked,
        );
    }
    if pending.active && !pending.skipping {
        ctx.reject(
            RejectReason::Truncated,
            Position::Line(pending.start_line),
            "input ends inside a JSON record",
        );
    }
    if comments > 0 && !data && !ctx.stopped() {
        ctx.reject(
            RejectReason::EmptyFile,
            Position::File,
            format!("{comments} comment line(s) (#...) and no JSON record"),
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
#[allow(clippy::too_many_arguments)]
fn frame_line(
    text: &str,
    line_no: u64,
    index: &mut u64,
    max_depth: usize,
    ctx: &mut ReadCtx,
    record: &mut impl FnMut(&str, RecordMeta, &mut ReadCtx),
    pending: &mut Pending,
    walked: bool,
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
        if walked && b[pos] == b'{' {
            ctx.json_line_mode = true;
            ctx.record_end = None;
            let meta = RecordMeta {
                line: line_no,
                index: *index + 1,
            };
            record(&text[pos..], meta, ctx);
            ctx.json_line_mode = false;
            match ctx.record_end.take() {
                Some(RecordEnd::At(end)) if end < text.len() - pos => {
                    *index += 1;
                    pos += end;
                    continue;
                }
                Some(RecordEnd::Incomplete) => {} // frame it over the next lines below
                _ => {
                    *index += 1;
                    return;
                }
            }
        }
        // Objects are only delimited here; the format's own walk validates
        // them (one pass instead of two). Arrays are validated whole, since
        // their elements are cut out of them.
        let framed = if b[pos] == b'{' {
            value_end(text, pos, max_depth)
        } else {
            skip_value(text, pos, max_depth)
        };
        match framed {
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
            // Like the formats, validate each record and reject what fails.
            for_each_record(&mut lines, &mut ctx, |t, m, ctx| {
                match skip_value(t, 0, 64) {
                    Ok(_) => got.push((t.replace(['\n', ' '], ""), m.line)),
                    Err(e) => ctx.reject(RejectReason::JsonSyntax, m.position(), e.to_string()),
                }
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
    fn walked_framing_gives_each_record_its_own_raw_text_and_rejects_the_rest() {
        use crate::formats::common::{flat_event, PathAction};
        let input = "{\"a\":1}{\"b\":2} {\"c\":\"}{\"}\n{\"d\":\n  {\"e\": 5}\n}\n{\"f\":1} trailing\n{\"g\" 1}\n{\"h\":[1,2]}\n";
        let limits = Limits::default();
        let mut sink = CollectSink::default();
        {
            let mut ctx = ReadCtx::new(Arc::from("t"), &limits, &mut sink);
            let mut lines = LineReader::new(input.as_bytes(), limits.max_line_bytes);
            for_each_record_walked(&mut lines, &mut ctx, |t, m, ctx| {
                if let Some(ev) = flat_event(t, m, ctx, outflow_event::SourceKind::Json, |_, _| {
                    PathAction::Keep
                }) {
                    ctx.emit(ev);
                }
            })
            .unwrap();
        }
        let raws: Vec<(String, Position)> = sink
            .events
            .iter()
            .map(|e| (e.raw().replace('\n', " "), e.origin.position))
            .collect();
        let raws: Vec<(&str, Position)> = raws.iter().map(|(r, p)| (r.as_str(), *p)).collect();
        assert_eq!(
            raws,
            [
                ("{\"a\":1}", Position::Line(1)),
                ("{\"b\":2}", Position::Line(1)),
                ("{\"c\":\"}{\"}", Position::Line(1)),
                ("{\"d\":   {\"e\": 5} }", Position::Line(2)),
                ("{\"f\":1}", Position::Line(5)),
                ("{\"h\":[1,2]}", Position::Line(7)),
            ]
        );
        assert_eq!(
            sink.events[3].get("d.e"),
            Some(&outflow_event::Value::Int(5))
        );
        let rejects: Vec<_> = sink
            .rejects
            .iter()
            .map(|r| (r.reason, r.origin.position))
            .collect();
        assert_eq!(
            rejects,
            [
                (RejectReason::JsonSyntax, Position::Line(5)),
                (RejectReason::JsonSyntax, Position::Line(6)),
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
