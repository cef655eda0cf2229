//! Palo Alto PAN-OS logs as CSV: syslog lines (`<14>Nov 20 10:00:00 fw01
//! 1,2026/11/20 10:00:00,SERIAL,TRAFFIC,end,...`), bare CSV records, and the
//! web interface's CSV export with a title row. TRAFFIC records are read in
//! full; THREAT records up to their threat fields; other types (SYSTEM,
//! CONFIG, ...) only with the fields every type starts with. Times carry no
//! zone in PAN-OS logs and are taken as UTC.

use super::csv_split::{split_from, Cell, Split};
use super::panos_fields::{self as f, COMMON_LEADING, TRAFFIC, TRAFFIC_MIN};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::time::parse_iso8601;
use outflow_event::{Event, Key, Position, RejectReason, SourceKind, Value};
use std::io;

pub fn sniff(s: &Sample) -> bool {
    is_export_title_row(s.first_line()) || s.lines.iter().take(5).any(|l| record_start(l).is_some())
}

/// Offset of the CSV record in a line, after any syslog header: the record
/// is recognised by `,YYYY/MM/DD` (receive time) and a known type in its
/// fourth field.
fn record_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let comma = (0..b.len()).find(|&p| b[p] == b',' && is_date(&b[p + 1..]))?;
    let start = b[..comma]
        .iter()
        .rposition(|&c| c == b' ' || c == b'>')
        .map_or(0, |p| p + 1);
    let mut cells = Vec::new();
    split_cells(line, start, &mut cells).ok()?;
    let ty = cells.get(3).map(|c| &line[c.start..c.end])?;
    f::TYPES.contains(&ty).then_some(start)
}

/// Splits a record strictly: a quoted field left open, or text after a
/// closing quote, is damage (PAN-OS writes neither).
fn split_cells(line: &str, from: usize, cells: &mut Vec<Cell>) -> Result<(), &'static str> {
    match split_from(line, from, b',', cells) {
        Split::Complete { stray: false } => Ok(()),
        Split::Complete { stray: true } => Err("text after a closing quote"),
        Split::Open => Err("unterminated quoted field"),
    }
}

fn is_date(b: &[u8]) -> bool {
    b.len() >= 10
        && b[4] == b'/'
        && b[7] == b'/'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

fn is_export_title_row(line: &str) -> bool {
    let mut cells = Vec::new();
    if split_cells(line, 0, &mut cells).is_err() {
        return false;
    }
    let has = |t: &str| {
        cells
            .iter()
            .any(|c| line[c.start..c.end].trim().eq_ignore_ascii_case(t))
    };
    has("Receive Time") && (has("Type") || has("Serial #"))
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    let mut export: Option<Vec<Key>> = None;
    let mut cells: Vec<Cell> = Vec::new();
    let mut keys: Vec<Key> = Vec::new();
    // What `keys` were made for (log type and field count): most lines of a
    // log share both, so their keys are made once, not per line.
    let mut keys_for: Option<(LogType, usize)> = None;
    while let Some((n, line)) = lines.next_line(ctx)? {
        if ctx.stopped() {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if is_export_title_row(line) {
            export = Some(title_keys(line, ctx));
            continue;
        }
        cells.clear();
        let start = match &export {
            Some(_) => 0,
            None => match record_start(line) {
                Some(s) => s,
                None => {
                    let detail = "not a PAN-OS CSV record (no receive time and log type)";
                    ctx.reject(RejectReason::Malformed, Position::Line(n), detail);
                    continue;
                }
            },
        };
        if let Err(e) = split_cells(line, start, &mut cells) {
            ctx.reject(RejectReason::Malformed, Position::Line(n), e);
            continue;
        }
        let checked = match &export {
            Some(titles) => {
                keys_for = None;
                export_keys(titles, &cells, &mut keys)
            }
            None => {
                let this = (log_type(line, &cells), cells.len());
                if keys_for == Some(this) {
                    Ok(())
                } else {
                    keys_for = None;
                    let made = syslog_keys(this.0, &cells, &mut keys, ctx);
                    if made.is_ok() {
                        keys_for = Some(this);
                    }
                    made
                }
            }
        };
        if let Err(detail) = checked {
            ctx.reject(RejectReason::ColumnCount, Position::Line(n), detail);
            continue;
        }
        let ev = event(line, n, &keys, &cells, ctx);
        ctx.emit(ev);
    }
    Ok(())
}

/// Keys for the columns of an export title row.
fn title_keys(line: &str, ctx: &mut ReadCtx) -> Vec<Key> {
    let mut cells = Vec::new();
    let _ = split_cells(line, 0, &mut cells);
    cells
        .iter()
        .map(|c| {
            let title = c.text(line);
            match f::export_name(&title) {
                Some(name) => ctx.key(name),
                None => ctx.key(&f::snake_case(&title)),
            }
        })
        .collect()
}

fn export_keys(titles: &[Key], cells: &[Cell], keys: &mut Vec<Key>) -> Result<(), String> {
    if cells.len() != titles.len() {
        return Err(format!(
            "{} fields for {} columns in the title row",
            cells.len(),
            titles.len()
        ));
    }
    keys.clear();
    keys.extend_from_slice(titles);
    Ok(())
}

/// How a syslog record's fields are named: by its log type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LogType {
    Traffic,
    Threat,
    Other,
}

fn log_type(line: &str, cells: &[Cell]) -> LogType {
    match cells.get(3).map_or("", |c| &line[c.start..c.end]) {
        "TRAFFIC" => LogType::Traffic,
        "THREAT" => LogType::Threat,
        _ => LogType::Other,
    }
}

/// Keys by position for the record's log type; `""` (not emitted) for
/// FUTURE_USE and unnamed columns.
fn syslog_keys(
    ty: LogType,
    cells: &[Cell],
    keys: &mut Vec<Key>,
    ctx: &mut ReadCtx,
) -> Result<(), String> {
    let (names, min): (Vec<&str>, usize) = match ty {
        LogType::Traffic => (TRAFFIC.to_vec(), TRAFFIC_MIN),
        LogType::Threat => {
            let mut v = TRAFFIC[..31].to_vec();
            v.extend_from_slice(f::THREAT_AFTER_ACTION);
            (v, 31)
        }
        LogType::Other => (TRAFFIC[..COMMON_LEADING].to_vec(), COMMON_LEADING),
    };
    if cells.len() < min {
        let name = match ty {
            LogType::Traffic => "TRAFFIC",
            LogType::Threat => "THREAT",
            LogType::Other => "log",
        };
        return Err(format!(
            "{name} record of {} fields, at least {min} expected",
            cells.len()
        ));
    }
    keys.clear();
    keys.extend(names.iter().take(cells.len()).map(|n| ctx.key(n)));
    Ok(())
}

fn event(line: &str, n: u64, keys: &[Key], cells: &[Cell], ctx: &mut ReadCtx) -> Event {
    let mut ev = Event::new(SourceKind::PanOs, ctx.origin(Position::Line(n)), line);
    for (key, c) in keys.iter().zip(cells) {
        if key.is_empty() || c.start == c.end {
            continue;
        }
        let v = if c.doubled {
            ev.intern(&c.text(line))
        } else {
            ev.raw_span(c.start, c.end)
        };
        ev.push(key.clone(), Value::Str(v));
    }
    ev.ts = ["time_generated", "receive_time"]
        .iter()
        .find_map(|k| ev.get_str(k).and_then(parse_iso8601));
    // Sigma's generic firewall rules test `blocked` where actions differ by vendor.
    let blocked = ev.get_str("action").map(|a| a != "allow");
    if let Some(b) = blocked {
        ev.push_str(ctx.key("blocked"), if b { "true" } else { "false" });
    }
    ev
}
