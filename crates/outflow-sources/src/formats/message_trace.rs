//! Microsoft 365 / Exchange Online message trace exports (CSV): the
//! `Get-MessageTrace` / `Get-MessageTraceV2` `Export-Csv` shape (`"Received",
//! "SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP",
//! "Size","MessageId","MessageTraceId"`, optionally after a `#TYPE` line)
//! and the extended / historical search report (`date_time_utc,client_ip,
//! …,sender_address,recipient_address,…,total_bytes,…,directionality,
//! original_client_ip,…`). Header-driven: fields are named by the header.
//!
//! Quoted cells may span lines. Empty cells are left out. A row whose cell
//! count differs from the header's is rejected (column_count); a row without
//! a usable time is rejected (malformed). A repeated header line (exports
//! concatenated) is skipped. Convenience fields, as the Proofpoint reader's:
//! `sender`, `sender_ip`, `recipients` (list, split at `;`), `size`,
//! `subject`, `direction` (from `directionality`: Originating → outbound,
//! Incoming → inbound). UTF-16 exports (as the admin center writes some
//! reports) are transcoded on opening ([`crate::utf16`]).

use super::csv_split::Cell;
use super::csv_table::{header_names, norm, read_table, CsvTable};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use outflow_event::{time, Event, Key, Position, RejectReason, SourceKind, Value};
use std::io;
use std::ops::ControlFlow;

pub fn sniff(s: &Sample) -> bool {
    let names = header_names(s);
    let has = |n: &str| names.iter().any(|x| x == n);
    has("senderaddress") && has("recipientaddress")
}

/// Columns (normalized names) the convenience fields come from.
const TIME: &[&str] = &[
    "received",
    "datetimeutc",
    "origintimestamputc",
    "dateutc",
    "datetime",
    "date",
    "timestamp",
];
const SENDER: &[&str] = &["senderaddress", "sender"];
const SENDER_IP: &[&str] = &["fromip", "originalclientip", "clientip"];
const RECIPIENTS: &[&str] = &["recipientaddress", "recipient"];
const SIZE: &[&str] = &["size", "totalbytes", "messagesize", "sizebytes"];
const SUBJECT: &[&str] = &["subject", "messagesubject"];
const DIRECTION: &[&str] = &["directionality", "direction"];

struct Header {
    keys: Vec<Key>,
    norms: Vec<String>,
}

impl Header {
    fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.norms.iter().position(|x| x == n))
    }
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    read_table(opened, ctx, &mut Trace(None))
}

/// The export being read: its header, once seen.
struct Trace(Option<Header>);

impl CsvTable for Trace {
    fn header(
        &mut self,
        line: u64,
        text: &str,
        cells: &[Cell],
        ctx: &mut ReadCtx,
    ) -> ControlFlow<()> {
        let h = Header {
            keys: cells.iter().map(|c| ctx.key(c.text(text).trim())).collect(),
            norms: cells.iter().map(|c| norm(&c.text(text))).collect(),
        };
        // Without sender and recipient columns no row can be read
        // (a file forced to this format that is something else).
        if h.column(SENDER).is_none() || h.column(RECIPIENTS).is_none() {
            ctx.reject(
                RejectReason::MissingHeader,
                Position::Line(line),
                "no sender and recipient columns in the header line",
            );
            return ControlFlow::Break(());
        }
        self.0 = Some(h);
        ControlFlow::Continue(())
    }

    fn row(&mut self, line: u64, text: &str, cells: &[Cell], ctx: &mut ReadCtx) {
        if let Some(h) = &self.0 {
            row(h, text, cells, line, ctx);
        }
    }
}

/// One data row as an event; its cells are already counted against the header.
fn row(h: &Header, text: &str, cells: &[Cell], line: u64, ctx: &mut ReadCtx) {
    let mut ev = Event::new(
        SourceKind::MessageTrace,
        ctx.origin(Position::Line(line)),
        text,
    );
    let mut values: Vec<Option<Value>> = Vec::with_capacity(cells.len());
    for (key, cell) in h.keys.iter().zip(cells) {
        let s = cell.text(text);
        if s.trim().is_empty() {
            values.push(None);
            continue;
        }
        let v = if cell.doubled {
            Value::Str(ev.intern(&s))
        } else {
            Value::Str(ev.raw_span(cell.start, cell.end))
        };
        ev.push(key.clone(), v.clone());
        values.push(Some(v));
    }
    let cell_text = |i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .map(|c| c.text(text))
            .filter(|s| !s.trim().is_empty())
    };
    let Some(ts_col) = h.column(TIME) else {
        return ctx.reject(
            RejectReason::Malformed,
            Position::Line(line),
            "no time column in the header",
        );
    };
    let Some(ts) = cell_text(Some(ts_col)).and_then(|t| time::parse_any(&t)) else {
        let detail = format!("no usable time in column {}", h.keys[ts_col]);
        return ctx.reject(RejectReason::Malformed, Position::Line(line), detail);
    };
    ev.ts = Some(ts);
    let same = |names: &[&str]| {
        h.column(names)
            .and_then(|i| values.get(i).cloned().flatten())
    };
    for (name, cols) in [
        ("sender", SENDER),
        ("sender_ip", SENDER_IP),
        ("subject", SUBJECT),
    ] {
        if let Some(v) = same(cols) {
            let key = ctx.key(name);
            ev.push(key, v);
        }
    }
    if let Some(r) = cell_text(h.column(RECIPIENTS)) {
        let list = r
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::Str(ev.intern(s)))
            .collect();
        let key = ctx.key("recipients");
        ev.push(key, Value::List(list));
    }
    if let Some(n) = cell_text(h.column(SIZE)).and_then(|s| parse_size(&s)) {
        let key = ctx.key("size");
        ev.push(key, Value::Int(n));
    }
    if let Some(d) = cell_text(h.column(DIRECTION)).and_then(|d| direction(&d)) {
        let key = ctx.key("direction");
        ev.push_str(key, d);
    }
    ctx.emit(ev);
}

fn direction(d: &str) -> Option<&'static str> {
    match d.trim().to_ascii_lowercase().as_str() {
        "originating" | "outbound" | "outgoing" => Some("outbound"),
        "incoming" | "inbound" => Some("inbound"),
        "internal" | "intraorg" => Some("internal"),
        _ => None,
    }
}

/// Bytes from `12345`, `12,345`, or `1.5 MB` (binary multiples, as the admin center shows them).
fn parse_size(s: &str) -> Option<i64> {
    let t = s.trim().replace(',', "");
    if let Ok(n) = t.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    let split = t.find(|c: char| c.is_ascii_alphabetic())?;
    let num: f64 = t[..split].trim().parse().ok()?;
    let mult = match t[split..].trim().to_ascii_uppercase().as_str() {
        "B" | "BYTES" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let v = num * mult;
    (0.0..9.0e18).contains(&v).then_some(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_directions() {
        assert_eq!(parse_size("52,428,800"), Some(52_428_800));
        assert_eq!(parse_size("1.5 MB"), Some(1_572_864));
        assert_eq!(parse_size("big"), None);
        assert_eq!(direction("Originating"), Some("outbound"));
    }
}
