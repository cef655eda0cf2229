//! Zeek (and Bro) ASCII logs: a `#`-header block names and types the
//! tab-separated columns. Everything is driven by the header, columns are
//! mapped by name, and a new header block (rotated or concatenated logs)
//! replaces the schema. Keys and per-column conversions are resolved once
//! per header so a data line costs one split and no allocation per field.

use super::zeek_common::{has_escape, infer_path, unescape_into, UriKeys, PATH_FIELD};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::{time, Event, Key, Position, RejectReason, SourceKind, Span, Value};
use std::io;

/// A Zeek log starts with its `#separator` line (btest baselines put `###`
/// comment lines first; the sample already skips those).
pub fn sniff(s: &Sample) -> bool {
    s.first_line().starts_with("#separator")
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    let mut reader = Reader::default();
    while !ctx.stopped() {
        let Some((n, line)) = lines.next_line(ctx)? else {
            break;
        };
        if line.starts_with('#') {
            reader.header_line(line);
        } else if !line.is_empty() {
            reader.data_line(n, line, ctx);
        }
    }
    Ok(())
}

/// The header directives of the current block, as written.
struct Header {
    sep: Vec<u8>,
    set_sep: Vec<u8>,
    empty: Vec<u8>,
    unset: Vec<u8>,
    path: Option<String>,
    fields: Vec<String>,
    types: Vec<String>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            sep: b"\t".to_vec(),
            set_sep: b",".to_vec(),
            empty: b"(empty)".to_vec(),
            unset: b"-".to_vec(),
            path: None,
            fields: Vec::new(),
            types: Vec::new(),
        }
    }
}

/// How one column's text becomes a value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scalar {
    Str,
    Int,
    Float,
    Bool,
    /// Kept as text; the `ts` column also gives the event time.
    Time,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    One(Scalar),
    /// `set[..]`, `vector[..]` and Bro's `table[..]`.
    List(Scalar),
}

fn scalar_of(t: &str) -> Scalar {
    match t {
        "count" | "int" | "port" | "counter" => Scalar::Int,
        "double" | "interval" => Scalar::Float,
        "bool" => Scalar::Bool,
        "time" => Scalar::Time,
        _ => Scalar::Str,
    }
}

fn kind_of(t: &str) -> Kind {
    for prefix in ["set[", "vector[", "table["] {
        if let Some(inner) = t.strip_prefix(prefix).and_then(|r| r.strip_suffix(']')) {
            return Kind::List(scalar_of(inner));
        }
    }
    Kind::One(scalar_of(t))
}

/// Everything a data line needs, resolved once per header block.
struct Plan {
    keys: Vec<Key>,
    kinds: Vec<Kind>,
    ts_col: Option<usize>,
    path_key: Key,
    path: Option<String>,
    /// `uri` column of an http log, for the derived URI fields.
    uri: Option<(usize, UriKeys)>,
}

#[derive(Default)]
struct Reader {
    header: Header,
    /// `None` after a header change: rebuilt at the next data line.
    plan: Option<Plan>,
    bytes: Vec<u8>,
    text: String,
}

impl Reader {
    fn header_line(&mut self, line: &str) {
        // `#separator` is written with a space since the separator is not known yet.
        if let Some(v) = line.strip_prefix("#separator") {
            self.header = Header::default();
            let sep = decode(v.trim());
            if !sep.is_empty() {
                self.header.sep = sep;
            }
            self.plan = None;
            return;
        }
        // The directive's name ends at the separator, or at a space in
        // hand-edited and btest-masked lines (`#open XXXX-XX-XX`).
        let (b, sep) = (line.as_bytes(), &self.header.sep);
        let split = [
            find(b, sep, 0).map(|i| (i, sep.len())),
            memchr::memchr(b' ', b).map(|i| (i, 1)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|&(i, _)| i);
        let (name, rest) = match split {
            Some((i, len)) => (
                line.get(1..i).unwrap_or(""),
                line.get(i + len..).unwrap_or(""),
            ),
            None => (line.get(1..).unwrap_or(""), ""),
        };
        let h = &mut self.header;
        match name {
            "set_separator" => h.set_sep = decode(rest),
            "empty_field" => h.empty = decode(rest),
            "unset_field" => h.unset = decode(rest),
            "path" => h.path = Some(rest.trim().to_string()).filter(|p| !p.is_empty()),
            "fields" => {
                h.fields = split_header(rest, &h.sep);
                h.types.clear();
            }
            "types" => h.types = split_header(rest, &h.sep),
            // `#open`, `#close`, `###` comments and unknown directives change nothing.
            _ => return,
        }
        self.plan = None;
    }

    fn build_plan(&self, ctx: &mut ReadCtx) -> Option<Plan> {
        let h = &self.header;
        if h.fields.is_empty() {
            return None;
        }
        let keys: Vec<Key> = h.fields.iter().map(|f| ctx.key(f)).collect();
        let kinds: Vec<Kind> = (0..h.fields.len())
            .map(|i| {
                h.types
                    .get(i)
                    .map_or(Kind::One(Scalar::Str), |t| kind_of(t))
            })
            .collect();
        let ts_col = h
            .fields
            .iter()
            .position(|f| f == "ts")
            .or_else(|| kinds.iter().position(|k| *k == Kind::One(Scalar::Time)));
        let path = h
            .path
            .clone()
            .or_else(|| infer_path(|n| h.fields.iter().any(|f| f == n)).map(str::to_string));
        let uri = match path.as_deref() {
            Some("http") => h
                .fields
                .iter()
                .position(|f| f == "uri")
                .map(|i| (i, UriKeys::new(ctx))),
            _ => None,
        };
        Some(Plan {
            keys,
            kinds,
            ts_col,
            path_key: ctx.key(PATH_FIELD),
            path,
            uri,
        })
    }

    fn data_line(&mut self, n: u64, line: &str, ctx: &mut ReadCtx) {
        if self.plan.is_none() {
            self.plan = self.build_plan(ctx);
        }
        let Some(plan) = &self.plan else {
            ctx.reject(
                RejectReason::MissingHeader,
                Position::Line(n),
                "data line before any #fields header",
            );
            return;
        };
        let b = line.as_bytes();
        let h = &self.header;
        let want = plan.keys.len();
        let mut ev = Event::new(SourceKind::ZeekTsv, ctx.origin(Position::Line(n)), line);
        let mut conv = Conv {
            h,
            line,
            // Most lines hold no backslash at all: then no field needs an escape check.
            escapes: memchr::memchr(b'\\', b).is_some(),
            bytes: &mut self.bytes,
            text: &mut self.text,
        };
        let mut col = 0;
        let mut start = 0;
        loop {
            // Fields are short: a plain scan beats a SIMD search set up per field.
            let end = match h.sep[..] {
                [c] => b[start..].iter().position(|&x| x == c).map(|i| start + i),
                _ => find(b, &h.sep, start),
            };
            if col < want {
                conv.column(&mut ev, plan, col, start, end.unwrap_or(b.len()));
            }
            col += 1;
            match end {
                Some(e) => start = e + h.sep.len(),
                None => break,
            }
        }
        let got = col;
        if got != want {
            ctx.reject(
                RejectReason::ColumnCount,
                Position::Line(n),
                format!("{got} columns where #fields names {want}"),
            );
            return;
        }
        if let Some(p) = &plan.path {
            ev.push_str(plan.path_key.clone(), p);
        }
        if let Some((i, keys)) = &plan.uri {
            if let Some(Value::Str(s)) = ev.get(&plan.keys[*i]).cloned() {
                keys.add(&mut ev, s);
            }
        }
        ctx.emit(ev);
    }
}

/// Converts column texts of one line to values, with scratch space for
/// unescaping.
struct Conv<'a> {
    h: &'a Header,
    line: &'a str,
    escapes: bool,
    bytes: &'a mut Vec<u8>,
    text: &'a mut String,
}

/// `f == token` for the short header tokens (`-`, `(empty)`), rejecting on
/// length and first byte before comparing the rest.
fn is(f: &[u8], token: &[u8]) -> bool {
    f.len() == token.len() && f.first() == token.first() && f == token
}

impl Conv<'_> {
    fn column(&mut self, ev: &mut Event, plan: &Plan, col: usize, start: usize, end: usize) {
        let f = &self.line.as_bytes()[start..end];
        if is(f, &self.h.unset) {
            return;
        }
        let empty = is(f, &self.h.empty);
        let value = match plan.kinds[col] {
            Kind::List(_) if empty => Value::List(Vec::new()),
            Kind::One(_) if empty => Value::Str(Span::new(start, start)),
            Kind::List(s) => Value::List(self.list(ev, s, start, end)),
            Kind::One(s) => {
                if Some(col) == plan.ts_col {
                    ev.ts = self.line.get(start..end).and_then(time::parse_epoch_secs);
                }
                self.scalar(ev, s, start, end)
            }
        };
        ev.push(plan.keys[col].clone(), value);
    }

    fn list(&mut self, ev: &mut Event, s: Scalar, start: usize, end: usize) -> Vec<Value> {
        let line = &self.line.as_bytes()[..end];
        let sep = &self.h.set_sep;
        let mut items = Vec::new();
        let mut at = start;
        while let Some(e) = find(line, sep, at) {
            items.push(self.element(ev, s, at, e));
            at = e + sep.len();
        }
        items.push(self.element(ev, s, at, end));
        items
    }

    fn element(&mut self, ev: &mut Event, s: Scalar, start: usize, end: usize) -> Value {
        if is(&self.line.as_bytes()[start..end], &self.h.unset) {
            Value::Null
        } else {
            self.scalar(ev, s, start, end)
        }
    }

    fn scalar(&mut self, ev: &mut Event, s: Scalar, start: usize, end: usize) -> Value {
        let f = &self.line.as_bytes()[start..end];
        let parsed = match s {
            Scalar::Int => parse_int(f).map(Value::Int),
            Scalar::Float => parse_float(f).map(Value::Float),
            Scalar::Bool => match f {
                b"T" => Some(Value::Bool(true)),
                b"F" => Some(Value::Bool(false)),
                _ => None,
            },
            Scalar::Str | Scalar::Time => None,
        };
        // Text that does not parse as its type is kept as text, not lost.
        parsed.unwrap_or_else(|| {
            if self.escapes && has_escape(f) {
                self.text.clear();
                unescape_into(f, self.bytes, self.text);
                Value::Str(ev.intern(self.text))
            } else {
                Value::Str(ev.raw_span(start, end))
            }
        })
    }
}

/// Position of `sep` in `b` at or after `from`.
fn find(b: &[u8], sep: &[u8], from: usize) -> Option<usize> {
    let hay = b.get(from..)?;
    let i = match sep {
        [c] => memchr::memchr(*c, hay),
        _ if sep.is_empty() => None,
        _ => memchr::memmem::find(hay, sep),
    }?;
    Some(from + i)
}

/// A header value with its `\xHH` escapes decoded (`#separator \x09`).
fn decode(v: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut text = String::new();
    unescape_into(v.as_bytes(), &mut bytes, &mut text);
    bytes
}

fn split_header(rest: &str, sep: &[u8]) -> Vec<String> {
    let b = rest.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(e) = find(b, sep, at) {
        out.push(String::from_utf8_lossy(&b[at..e]).into_owned());
        at = e + sep.len();
    }
    out.push(String::from_utf8_lossy(&b[at..]).into_owned());
    out.retain(|f| !f.is_empty());
    out
}

/// Decimal integer with an optional sign; `None` on anything else or overflow.
fn parse_int(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    Some(if neg { -n } else { n })
}

/// Zeek's `%.6f`-style doubles. Up to 15 significant digits the value is
/// exact as an integer and a power of ten, so one division rounds
/// correctly; anything else goes to the standard parser.
fn parse_float(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, body) = match b {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut frac: Option<usize> = None;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + (c - b'0') as u64;
                digits += 1;
                if let Some(f) = frac.as_mut() {
                    *f += 1;
                }
                if digits > 15 {
                    return std::str::from_utf8(b).ok()?.parse().ok();
                }
            }
            b'.' if frac.is_none() => frac = Some(0),
            _ => return std::str::from_utf8(b).ok()?.parse().ok(),
        }
    }
    if digits == 0 {
        return None;
    }
    let v = mantissa as f64 / POW10[frac.unwrap_or(0)];
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::{CollectSink, Limits};
    use crate::input::Compression;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn read_text(text: &str) -> CollectSink {
        let limits = Limits::default();
        let mut sink = CollectSink::default();
        let mut ctx = ReadCtx::new(Arc::from("t.log"), &limits, &mut sink);
        let opened = Opened {
            reader: Box::new(io::Cursor::new(text.as_bytes().to_vec())),
            sample: Vec::new(),
            compression: Compression::None,
            plain_path: None,
            transcoded: None,
            consumed: Default::default(),
        };
        read(opened, &mut ctx).expect("in-memory read");
        sink
    }

    proptest! {
        /// Arbitrary lines after (and inside) a header never panic, and every
        /// data line is either an event or a reject.
        #[test]
        fn any_input_is_read_or_rejected(lines in proptest::collection::vec("[-a-z0-9#\\\\x\t,.()\\[\\] ]{0,40}", 0..12)) {
            let mut text = String::from("#separator \\x09\n#fields\tts\ta\tb\n#types\ttime\tset[count]\tstring\n");
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            let sink = read_text(&text);
            let data = lines.iter().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
            prop_assert_eq!(sink.events.len() + sink.rejects.len(), data);
        }
    }

    #[test]
    fn types_map_to_kinds() {
        assert_eq!(kind_of("count"), Kind::One(Scalar::Int));
        assert_eq!(kind_of("interval"), Kind::One(Scalar::Float));
        assert_eq!(kind_of("table[addr]"), Kind::List(Scalar::Str));
        assert_eq!(kind_of("vector[interval]"), Kind::List(Scalar::Float));
        assert_eq!(kind_of("set[enum]"), Kind::List(Scalar::Str));
    }

    #[test]
    fn numbers_parse_exactly() {
        assert_eq!(parse_int(b"443"), Some(443));
        assert_eq!(parse_int(b"-3"), Some(-3));
        assert_eq!(parse_int(b"99999999999999999999"), None);
        assert_eq!(parse_int(b"4x"), None);
        for s in [
            "0.069982",
            "120.000000",
            "3.000158",
            "-1.5",
            "7",
            "1517336042.090842",
            "0.0012309551239013672",
        ] {
            assert_eq!(parse_float(s.as_bytes()), s.parse().ok(), "{s}");
        }
        assert_eq!(parse_float(b"."), None);
        assert_eq!(parse_float(b"abc"), None);
    }

    #[test]
    fn header_values_split_on_the_separator() {
        assert_eq!(
            split_header("ts\tuid\tid.orig_h", b"\t"),
            ["ts", "uid", "id.orig_h"]
        );
        assert_eq!(decode(r"\x09"), b"\t");
        assert_eq!(find(b"a||b", b"||", 0), Some(1));
    }
}
