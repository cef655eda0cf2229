//! Squid native access.log:
//! `time elapsed client code/status bytes method URL user hierarchy/peer type`.
//! `bytes` is the size of the reply sent to the client; the native format
//! has no request (upload) size. The URL is split into `url_host`,
//! `url_port`, `url_path`, `url_query`, `url_extension`.

use super::url::{extension, split_url};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::time::parse_epoch_secs;
use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use std::io;

/// Columns of the native format, in order.
const NAMES: [&str; 10] = [
    "time",
    "elapsed",
    "client",
    "result",
    "bytes",
    "method",
    "url",
    "user",
    "hier",
    "content_type",
];

pub fn sniff(s: &Sample) -> bool {
    let lines: Vec<&String> = s.lines.iter().take(5).collect();
    let hits = lines.iter().filter(|l| looks_native(l)).count();
    looks_native(s.first_line()) && hits * 2 >= lines.len()
}

fn looks_native(line: &str) -> bool {
    let cols: Vec<&str> = line.split_ascii_whitespace().collect();
    cols.len() >= 10
        && parse_epoch_secs(cols[0]).is_some()
        && cols[0].contains('.')
        && cols[1].bytes().all(|c| c.is_ascii_digit())
        && cols[3].split_once('/').is_some_and(|(code, status)| {
            code.bytes().all(|c| c.is_ascii_uppercase() || c == b'_')
                && status.bytes().all(|c| c.is_ascii_digit())
        })
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    let mut cols: Vec<(usize, usize)> = Vec::new();
    while let Some((n, line)) = lines.next_line(ctx)? {
        if ctx.stopped() {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        cols.clear();
        let base = line.as_ptr() as usize;
        cols.extend(line.split_ascii_whitespace().map(|w| {
            let s = w.as_ptr() as usize - base;
            (s, s + w.len())
        }));
        if cols.len() < NAMES.len() {
            let detail = format!(
                "{} columns, the native format has {}",
                cols.len(),
                NAMES.len()
            );
            ctx.reject(RejectReason::ColumnCount, Position::Line(n), detail);
            continue;
        }
        let ts = parse_epoch_secs(&line[cols[0].0..cols[0].1]);
        let result = &line[cols[3].0..cols[3].1];
        if ts.is_none() || !result.contains('/') {
            let detail = "not a Squid native access.log line (time or code/status unreadable)";
            ctx.reject(RejectReason::Malformed, Position::Line(n), detail);
            continue;
        }
        let mut ev = Event::new(SourceKind::Squid, ctx.origin(Position::Line(n)), line);
        ev.ts = ts;
        for (name, &(s, e)) in NAMES.iter().zip(&cols) {
            match *name {
                "result" => split_pair(&mut ev, ctx, line, (s, e), "result_code", "status"),
                "hier" => split_pair(&mut ev, ctx, line, (s, e), "hierarchy", "peer"),
                _ => push(&mut ev, ctx, name, line, s, e),
            }
        }
        url_parts(&mut ev, ctx, line, cols[6]);
        ctx.emit(ev);
    }
    Ok(())
}

/// A raw-span field, left out when `-`.
fn push(ev: &mut Event, ctx: &mut ReadCtx, name: &str, line: &str, s: usize, e: usize) {
    if s < e && &line[s..e] != "-" {
        ev.push(ctx.key(name), Value::Str(ev.raw_span(s, e)));
    }
}

/// `A/B` columns (`TCP_MISS/200`, `HIER_DIRECT/1.2.3.4`) as two fields.
fn split_pair(
    ev: &mut Event,
    ctx: &mut ReadCtx,
    line: &str,
    (s, e): (usize, usize),
    a: &str,
    b: &str,
) {
    match line[s..e].find('/') {
        Some(p) => {
            push(ev, ctx, a, line, s, s + p);
            push(ev, ctx, b, line, s + p + 1, e);
        }
        None => push(ev, ctx, a, line, s, e),
    }
}

fn url_parts(ev: &mut Event, ctx: &mut ReadCtx, line: &str, (s, e): (usize, usize)) {
    let url = &line[s..e];
    let Some(p) = split_url(url) else { return };
    let span = |part: &str| {
        let off = part.as_ptr() as usize - line.as_ptr() as usize;
        (off, off + part.len())
    };
    let fields = [
        ("url_host", Some(p.host)),
        ("url_port", p.port),
        ("url_path", p.path),
        ("url_query", p.query),
        ("url_extension", p.path.and_then(extension)),
    ];
    for (name, part) in fields {
        if let Some(part) = part {
            let (a, b) = span(part);
            push(ev, ctx, name, line, a, b);
        }
    }
}
