//! W3C Extended Log Format (Blue Coat / Symantec ProxySG, Microsoft IIS):
//! `#Fields:` names the space-separated columns and may change mid-file;
//! `-` is an unset value. Fields keep their W3C names; `w3c_kind` says
//! whether the log is a proxy's or a web server's, and ProxySG's split URL
//! is joined into `url`.

use super::url::{join_url, UrlParts};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::time::parse_iso8601;
use outflow_event::{Event, Key, Position, RejectReason, SourceKind, Value};
use std::borrow::Cow;
use std::io;

pub fn sniff(s: &Sample) -> bool {
    s.lines.iter().any(|l| l.starts_with("#Fields:"))
        && s.lines.iter().take_while(|l| l.starts_with('#')).count() > 0
}

/// What the current `#Fields:` line says about the columns.
struct Header {
    keys: Vec<Key>,
    date: Option<usize>,
    time: Option<usize>,
    kind: &'static str,
    url: UrlCols,
}

#[derive(Default)]
struct UrlCols {
    full: Option<usize>,
    scheme: Option<usize>,
    host: Option<usize>,
    port: Option<usize>,
    path: Option<usize>,
    query: Option<usize>,
}

/// Columns that only a forward proxy writes.
const PROXY_ONLY: [&str; 8] = [
    "s-action",
    "sc-filter-result",
    "x-exception-id",
    "cs-categories",
    "s-supplier-ip",
    "s-supplier-name",
    "cs-uri-scheme",
    "rs(Content-Type)",
];

impl Header {
    fn new(names: &str, software: Option<&'static str>, ctx: &mut ReadCtx) -> Header {
        let names: Vec<&str> = names.split_ascii_whitespace().collect();
        let pos = |n: &str| names.iter().position(|k| k.eq_ignore_ascii_case(n));
        let kind = software.unwrap_or_else(|| {
            if names
                .iter()
                .any(|n| PROXY_ONLY.iter().any(|p| p.eq_ignore_ascii_case(n)))
            {
                "proxy"
            } else {
                "webserver"
            }
        });
        Header {
            keys: names.iter().map(|n| ctx.key(n)).collect(),
            date: pos("date"),
            time: pos("time"),
            kind,
            url: UrlCols {
                full: pos("cs-uri"),
                scheme: pos("cs-uri-scheme"),
                host: pos("cs-host"),
                port: pos("cs-uri-port"),
                path: pos("cs-uri-path").or_else(|| pos("cs-uri-stem")),
                query: pos("cs-uri-query"),
            },
        }
    }
}

/// The product a `#Software:` line names, as a log kind.
fn software_kind(s: &str) -> Option<&'static str> {
    let s = s.to_ascii_lowercase();
    if s.contains("internet information services") || s.contains("iis") {
        Some("webserver")
    } else if [
        "sgos",
        "proxysg",
        "blue coat",
        "bluecoat",
        "symantec",
        "squid",
        "proxy",
    ]
    .iter()
    .any(|p| s.contains(p))
    {
        Some("proxy")
    } else {
        None
    }
}

/// One cell of a data line: its byte range and whether it holds `""` escapes.
#[derive(Clone, Copy)]
pub(super) struct Cell {
    pub start: usize,
    pub end: usize,
    pub escaped: bool,
}

/// Splits a data line on spaces/tabs; `"..."` cells may hold spaces and
/// `""` for a quote.
pub(super) fn split_cells(line: &str, out: &mut Vec<Cell>) -> Result<(), &'static str> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' || b[i] == b'\t' {
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            loop {
                match b.get(j) {
                    None => return Err("unterminated quoted value"),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        escaped = true;
                        j += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            if !matches!(b.get(j + 1), None | Some(b' ') | Some(b'\t')) {
                return Err("text right after a closing quote");
            }
            out.push(Cell {
                start,
                end: j,
                escaped,
            });
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                i += 1;
            }
            out.push(Cell {
                start,
                end: i,
                escaped: false,
            });
        }
    }
    Ok(())
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    let mut header: Option<Header> = None;
    let mut software: Option<&'static str> = None;
    let mut cells = Vec::new();
    let mut scratch = String::new();
    while let Some((n, line)) = lines.next_line(ctx)? {
        if ctx.stopped() {
            break;
        }
        if let Some(directive) = line.strip_prefix('#') {
            if let Some(names) = directive.strip_prefix("Fields:") {
                header = Some(Header::new(names, software, ctx));
            } else if let Some(sw) = directive.strip_prefix("Software:") {
                software = software_kind(sw);
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some(h) = &header else {
            ctx.reject(
                RejectReason::MissingHeader,
                Position::Line(n),
                "data line before any #Fields: line",
            );
            continue;
        };
        cells.clear();
        if let Err(e) = split_cells(line, &mut cells) {
            ctx.reject(RejectReason::Malformed, Position::Line(n), e);
            continue;
        }
        if cells.len() != h.keys.len() {
            let detail = format!(
                "{} values for {} #Fields columns",
                cells.len(),
                h.keys.len()
            );
            ctx.reject(RejectReason::ColumnCount, Position::Line(n), detail);
            continue;
        }
        let ev = event(line, n, h, &cells, ctx, &mut scratch);
        ctx.emit(ev);
    }
    Ok(())
}

fn event(
    line: &str,
    n: u64,
    h: &Header,
    cells: &[Cell],
    ctx: &mut ReadCtx,
    scratch: &mut String,
) -> Event {
    let mut ev = Event::new(SourceKind::W3c, ctx.origin(Position::Line(n)), line);
    // A cell's value, unescaped, or `None` when unset.
    let text = |i: Option<usize>| {
        let c = i.and_then(|i| cells.get(i))?;
        let raw = &line[c.start..c.end];
        match raw {
            "-" | "" => None,
            _ if c.escaped => Some(Cow::Owned(raw.replace("\"\"", "\""))),
            _ => Some(Cow::Borrowed(raw)),
        }
    };
    for (key, c) in h.keys.iter().zip(cells) {
        let raw = &line[c.start..c.end];
        if raw == "-" || raw.is_empty() {
            continue;
        }
        let v = if c.escaped {
            ev.intern(&raw.replace("\"\"", "\""))
        } else {
            ev.raw_span(c.start, c.end)
        };
        ev.push(key.clone(), Value::Str(v));
    }
    if let (Some(d), Some(t)) = (text(h.date), text(h.time)) {
        scratch.clear();
        scratch.push_str(&d);
        scratch.push(' ');
        scratch.push_str(&t);
        ev.ts = parse_iso8601(scratch);
    }
    ev.push_str(ctx.key("w3c_kind"), h.kind);
    if text(h.url.full).is_none() {
        if let Some(host) = text(h.url.host) {
            let (scheme, port) = (text(h.url.scheme), text(h.url.port));
            let (path, query) = (text(h.url.path), text(h.url.query));
            let parts = UrlParts {
                scheme: scheme.as_deref(),
                host: &host,
                port: port.as_deref(),
                path: path.as_deref(),
                query: query.as_deref(),
            };
            scratch.clear();
            join_url(&parts, scratch);
            ev.push_str(ctx.key("url"), scratch);
        }
    }
    ev
}
