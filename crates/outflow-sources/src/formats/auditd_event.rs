//! Building one event from the grouped records of an auditd event: record
//! fields under their own names, EXECVE/PROCTITLE/SOCKADDR decoded, PATH
//! items as lists, and the derived `CommandLine`, `SYSCALL`, `host`, `user`.

use super::auditd::Header;
use super::auditd_syscalls;
use crate::ctx::ReadCtx;
use outflow_event::time::parse_epoch_secs;
use outflow_event::{Event, Position, SourceKind, Value};
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One `key=value` of a record; byte ranges into the group text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tok {
    pub key: (usize, usize),
    pub val: (usize, usize),
    /// `"`, `'`, `{` or 0 for an unquoted value.
    pub quote: u8,
}

pub(super) struct Rec {
    pub rtype: (usize, usize),
    pub toks: Vec<Tok>,
}

/// The records of one `msg=audit(EPOCH:SERIAL)` read so far.
pub(super) struct Group {
    pub key: String,
    pub first_line: u64,
    /// Serial count when the group was opened (for ageing out).
    pub started: u64,
    /// The record lines joined by `\n`: the event's raw text.
    pub text: String,
    pub recs: Vec<Rec>,
    node: Option<(usize, usize)>,
    epoch: (usize, usize),
}

impl Group {
    pub fn new(key: String, first_line: u64, started: u64) -> Self {
        Group {
            key,
            first_line,
            started,
            text: String::new(),
            recs: Vec::new(),
            node: None,
            epoch: (0, 0),
        }
    }

    /// Appends a record line; `toks` are ranges into `line`.
    pub fn push(&mut self, line: &str, h: &Header, toks: &[Tok]) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        let base = self.text.len();
        self.text.push_str(line);
        let at = |r: (usize, usize)| (r.0 + base, r.1 + base);
        if self.recs.is_empty() {
            self.node = h.node.map(at);
            self.epoch = at(h.epoch);
        }
        self.recs.push(Rec {
            rtype: at(h.rtype),
            toks: toks
                .iter()
                .map(|t| Tok {
                    key: at(t.key),
                    val: at(t.val),
                    quote: t.quote,
                })
                .collect(),
        });
    }
}

fn is_sep(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == 0x1d
}

/// Splits `line[start..end]` into key=value tokens. Bare words (AVC text)
/// are skipped; `msg='...'` of user-space records is opened up into its
/// own key=values. An unterminated quote makes the record unusable.
pub(super) fn tokenize(
    line: &str,
    start: usize,
    end: usize,
    out: &mut Vec<Tok>,
) -> Result<(), String> {
    let b = line.as_bytes();
    let mut i = start;
    while i < end {
        while i < end && is_sep(b[i]) {
            i += 1;
        }
        let ks = i;
        while i < end && b[i] != b'=' && !is_sep(b[i]) {
            i += 1;
        }
        if i >= end || b[i] != b'=' {
            continue;
        }
        let ke = i;
        i += 1;
        let tok = match b.get(i).filter(|_| i < end) {
            Some(&q) if q == b'"' || q == b'\'' || q == b'{' => {
                let close = if q == b'{' { b'}' } else { q };
                match b[i + 1..end].iter().position(|&c| c == close) {
                    Some(p) => {
                        let t = Tok {
                            key: (ks, ke),
                            val: (i + 1, i + 1 + p),
                            quote: q,
                        };
                        i += p + 2;
                        t
                    }
                    None => {
                        return Err(format!(
                            "unterminated {} in the value of {}",
                            if q == b'{' { "brace" } else { "quote" },
                            &line[ks..ke]
                        ))
                    }
                }
            }
            _ => {
                let vs = i;
                while i < end && !is_sep(b[i]) {
                    i += 1;
                }
                Tok {
                    key: (ks, ke),
                    val: (vs, i),
                    quote: 0,
                }
            }
        };
        if ks == ke {
            continue;
        }
        if &line[ks..ke] == "msg" && tok.quote == b'\'' {
            let before = out.len();
            tokenize(line, tok.val.0, tok.val.1, out)?;
            if out.len() > before {
                continue;
            }
        }
        out.push(tok);
    }
    Ok(())
}

/// Fields auditd hex-encodes (unquoted) when they hold spaces or odd bytes.
fn may_be_hex(key: &str) -> bool {
    matches!(
        key,
        "cmd"
            | "acct"
            | "exe"
            | "comm"
            | "cwd"
            | "name"
            | "proctitle"
            | "data"
            | "key"
            | "path"
            | "old-name"
            | "new-name"
    )
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Bytes of an even-length hex string; `None` for anything else.
pub(super) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() % 2 != 0 {
        return None;
    }
    b.chunks_exact(2)
        .map(|p| Some(hex_val(p[0])? << 4 | hex_val(p[1])?))
        .collect()
}

/// A value as text: the raw span, or its hex decoding when `hexy`.
fn value(ev: &mut Event, text: &str, t: &Tok, hexy: bool) -> Value {
    let raw = &text[t.val.0..t.val.1];
    if hexy && t.quote == 0 {
        if let Some(bytes) = hex_decode(raw) {
            return Value::Str(ev.intern(&String::from_utf8_lossy(&bytes)));
        }
    }
    Value::Str(ev.raw_span(t.val.0, t.val.1))
}

/// Appends the text of an EXECVE argument (piece) to `out`.
fn arg_text(text: &str, t: &Tok, out: &mut String) {
    let raw = &text[t.val.0..t.val.1];
    match hex_decode(raw).filter(|_| t.quote == 0) {
        Some(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
        None => out.push_str(raw),
    }
}

/// EXECVE `aN` (whole) or `aN[i]` (piece i of a long argument).
fn arg_index(key: &str) -> Option<(u32, u32)> {
    let rest = key.strip_prefix('a')?;
    match rest.split_once('[') {
        Some((n, i)) => Some((n.parse().ok()?, i.strip_suffix(']')?.parse().ok()?)),
        None if !rest.is_empty() && rest.bytes().all(|c| c.is_ascii_digit()) => {
            Some((rest.parse().ok()?, 0))
        }
        None => None,
    }
}

/// Emits the event built from `g`, unless it holds nothing but EOE.
pub(super) fn flush(g: Group, ctx: &mut ReadCtx) {
    let text = g.text.as_str();
    let rtype = |r: &Rec| &text[r.rtype.0..r.rtype.1];
    if g.recs.iter().all(|r| rtype(r) == "EOE") {
        return;
    }
    let mut ev = Event::new(
        SourceKind::Auditd,
        ctx.origin(Position::Line(g.first_line)),
        text,
    );
    ev.ts = parse_epoch_secs(&text[g.epoch.0..g.epoch.1]);
    if let Some((a, b)) = g.node {
        let span = ev.raw_span(a, b);
        ev.push(ctx.key("node"), Value::Str(span));
        ev.push(ctx.key("host"), Value::Str(span));
    }
    let mut types: Vec<(&str, Value)> = Vec::new();
    for r in &g.recs {
        let t = rtype(r);
        if t != "EOE" && !types.iter().any(|(s, _)| *s == t) {
            types.push((t, Value::Str(ev.raw_span(r.rtype.0, r.rtype.1))));
        }
    }
    let has_execve = types.iter().any(|(t, _)| *t == "EXECVE");
    ev.push(
        ctx.key("type"),
        Value::List(types.into_iter().map(|(_, v)| v).collect()),
    );

    let mut args: Vec<(u32, u32, Tok)> = Vec::new();
    let mut paths: Vec<(&str, Vec<Value>)> = Vec::new();
    for r in &g.recs {
        let rt = rtype(r);
        for t in &r.toks {
            let key = &text[t.key.0..t.key.1];
            match rt {
                "EXECVE" => match arg_index(key) {
                    Some((n, i)) => args.push((n, i, *t)),
                    None if key.ends_with("_len") => {}
                    None => generic(&mut ev, ctx, text, key, t),
                },
                "PATH" => {
                    let v = value(&mut ev, text, t, may_be_hex(key));
                    match paths.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, list)) => list.push(v),
                        None => paths.push((key, vec![v])),
                    }
                }
                "SOCKADDR" if key == "saddr" => sockaddr(&mut ev, ctx, text, t),
                "PROCTITLE" if key == "proctitle" => proctitle(&mut ev, ctx, text, t),
                "SYSCALL" if has_execve && matches!(key, "a0" | "a1" | "a2" | "a3") => {
                    // EXECVE's a0.. (the arguments) take the plain names.
                    let name = format!("syscall_{key}");
                    generic(&mut ev, ctx, text, &name, t);
                }
                "EOE" => {}
                _ => generic(&mut ev, ctx, text, key, t),
            }
        }
    }
    push_args(&mut ev, ctx, text, &mut args);
    for (k, list) in paths {
        if ev.get(k).is_none() {
            ev.push(ctx.key(k), Value::List(list));
        }
    }
    derive(&mut ev, ctx);
    ctx.emit(ev);
}

/// A field under its own name; the first record that has it wins.
fn generic(ev: &mut Event, ctx: &mut ReadCtx, text: &str, key: &str, t: &Tok) {
    if ev.get(key).is_some() {
        return;
    }
    let v = value(ev, text, t, may_be_hex(key));
    ev.push(ctx.key(key), v);
}

/// `a0..aN` in argument order, pieces of split arguments joined, and
/// `CommandLine` as the arguments joined by spaces.
fn push_args(ev: &mut Event, ctx: &mut ReadCtx, text: &str, args: &mut [(u32, u32, Tok)]) {
    if args.is_empty() {
        return;
    }
    args.sort_by_key(|(n, i, _)| (*n, *i));
    let mut cmdline = String::new();
    let mut one = String::new();
    let mut name = String::new();
    let mut k = 0;
    while k < args.len() {
        let n = args[k].0;
        one.clear();
        let mut j = k;
        while j < args.len() && args[j].0 == n {
            arg_text(text, &args[j].2, &mut one);
            j += 1;
        }
        let single_raw = j == k + 1 && {
            let t = &args[k].2;
            t.quote != 0 || hex_decode(&text[t.val.0..t.val.1]).is_none()
        };
        let v = if single_raw {
            Value::Str(ev.raw_span(args[k].2.val.0, args[k].2.val.1))
        } else {
            Value::Str(ev.intern(&one))
        };
        name.clear();
        let _ = write!(name, "a{n}");
        if ev.get(&name).is_none() {
            ev.push(ctx.key(&name), v);
        }
        if !cmdline.is_empty() {
            cmdline.push(' ');
        }
        cmdline.push_str(&one);
        k = j;
    }
    ev.push_str(ctx.key("CommandLine"), &cmdline);
}

/// PROCTITLE is the process's argv with NUL separators, hex-encoded.
fn proctitle(ev: &mut Event, ctx: &mut ReadCtx, text: &str, t: &Tok) {
    let raw = &text[t.val.0..t.val.1];
    let v = match hex_decode(raw).filter(|_| t.quote == 0) {
        Some(bytes) => {
            let s = String::from_utf8_lossy(&bytes).replace('\0', " ");
            Value::Str(ev.intern(s.trim_end()))
        }
        None => Value::Str(ev.raw_span(t.val.0, t.val.1)),
    };
    ev.push(ctx.key("proctitle"), v);
}

/// `saddr` is a hex `struct sockaddr`: family (little endian), then for
/// inet/inet6 the port (big endian) and address, for unix a path.
fn sockaddr(ev: &mut Event, ctx: &mut ReadCtx, text: &str, t: &Tok) {
    if ev.get("saddr").is_some() {
        return;
    }
    ev.push(ctx.key("saddr"), Value::Str(ev.raw_span(t.val.0, t.val.1)));
    let Some(b) = hex_decode(&text[t.val.0..t.val.1]) else {
        return;
    };
    if b.len() < 2 {
        return;
    }
    let fam = u16::from_le_bytes([b[0], b[1]]);
    let port = |b: &[u8]| i64::from(u16::from_be_bytes([b[2], b[3]]));
    let (name, ip, port, path) = match fam {
        2 if b.len() >= 8 => {
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]).to_string();
            ("inet", Some(ip), Some(port(&b)), None)
        }
        10 if b.len() >= 24 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            (
                "inet6",
                Some(Ipv6Addr::from(a).to_string()),
                Some(port(&b)),
                None,
            )
        }
        1 => {
            let p = &b[2..];
            // A leading NUL marks an abstract socket name, shown as `@name`.
            let (at, p) = match p.split_first() {
                Some((0, rest)) => ("@", rest),
                _ => ("", p),
            };
            let end = p.iter().position(|&c| c == 0).unwrap_or(p.len());
            let path = format!("{at}{}", String::from_utf8_lossy(&p[..end]));
            ("local", None, None, Some(path))
        }
        16 => ("netlink", None, None, None),
        _ => ("unknown", None, None, None),
    };
    ev.push_str(ctx.key("saddr_fam"), name);
    if let Some(ip) = ip {
        ev.push_str(ctx.key("saddr_ip"), &ip);
    }
    if let Some(p) = port {
        ev.push(ctx.key("saddr_port"), Value::Int(p));
    }
    if let Some(p) = path {
        ev.push_str(ctx.key("saddr_path"), &p);
    }
}

/// `SYSCALL` (name) when the log is not enriched, `Initiated` for connect,
/// and `user`: the login user (auid) when set, else the uid; translated
/// names preferred.
fn derive(ev: &mut Event, ctx: &mut ReadCtx) {
    if ev.get("SYSCALL").is_none() {
        let name = match (ev.get_str("arch"), ev.get_str("syscall")) {
            (Some(a), Some(n)) => auditd_syscalls::name(a, n),
            _ => None,
        };
        if let Some(name) = name {
            ev.push_str(ctx.key("SYSCALL"), name);
        }
    }
    // Sigma's network_connection rules ask for outgoing connections.
    let inet = matches!(ev.get_str("saddr_fam"), Some("inet" | "inet6"));
    if inet && ev.get_str("SYSCALL") == Some("connect") && ev.get("Initiated").is_none() {
        ev.push_str(ctx.key("Initiated"), "true");
    }
    if ev.get("user").is_none() {
        let set = |v: &str| !matches!(v, "unset" | "4294967295" | "-1" | "?" | "");
        let pick = ["AUID", "UID", "auid", "uid"]
            .iter()
            .find_map(|k| ev.get(k).filter(|v| ev.str_of(v).is_some_and(set)).cloned());
        if let Some(v) = pick {
            ev.push(ctx.key("user"), v);
        }
    }
}
