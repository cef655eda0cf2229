//! Linux auditd raw log (`/var/log/audit/audit.log`, also `node=` prefixed
//! and enriched `log_format=ENRICHED` lines). The records of one kernel event
//! share `msg=audit(EPOCH:SERIAL)` and become ONE event, built by
//! [`auditd_event`]; this module frames lines and groups records.

use super::auditd_event::{self, Group};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::lines::LineReader;
use outflow_event::{Position, RejectReason};
use std::io;

/// An open event is flushed once this many newer serials have started:
/// records of one event are written together, so anything older is done.
const MAX_AGE: u64 = 64;
/// Records kept per event; the rest of a runaway event starts a new one.
const MAX_RECORDS: usize = 1024;

pub fn sniff(s: &Sample) -> bool {
    let lines: Vec<&String> = s.lines.iter().take(5).collect();
    let hits = lines.iter().filter(|l| header(l).is_some()).count();
    hits > 0 && hits * 2 >= lines.len()
}

/// Byte ranges (into the line) of a record's header parts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Header {
    pub node: Option<(usize, usize)>,
    pub rtype: (usize, usize),
    /// `EPOCH:SERIAL` inside `msg=audit(...)`.
    pub stamp: (usize, usize),
    pub epoch: (usize, usize),
    /// Start of the key=value body after `): `.
    pub body: usize,
}

/// Finds `type=`, optional `node=` and `msg=audit(EPOCH:SERIAL):`. Text
/// before them (a syslog prefix from audisp) is tolerated.
pub(super) fn header(line: &str) -> Option<Header> {
    const MSG: &str = "msg=audit(";
    let m = line.find(MSG)?;
    let open = m + MSG.len();
    let close = open + line[open..].find(')')?;
    let (epoch, serial) = line[open..close].split_once(':')?;
    let epoch_ok = !epoch.is_empty() && epoch.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    if !epoch_ok || serial.is_empty() || !serial.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let prefix = &line[..m];
    let rtype = word_after(prefix, "type=")?;
    if rtype.0 == rtype.1 {
        return None;
    }
    let node = word_after(prefix, "node=");
    let mut body = close + 1;
    if line.as_bytes().get(body) == Some(&b':') {
        body += 1;
    }
    if line.as_bytes().get(body) == Some(&b' ') {
        body += 1;
    }
    Some(Header {
        node,
        rtype,
        stamp: (open, close),
        epoch: (open, open + epoch.len()),
        body,
    })
}

/// Range of the word following `key` at a word start in `text`.
fn word_after(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(p) = text[from..].find(key) {
        let at = from + p;
        if at == 0 || text.as_bytes()[at - 1] == b' ' {
            let start = at + key.len();
            let end = text[start..].find(' ').map_or(text.len(), |e| start + e);
            return Some((start, end));
        }
        from = at + key.len();
    }
    None
}

/// Record types written alone by user-space tools (no EOE follows them).
fn standalone(rtype: &str) -> bool {
    const PREFIXES: [&str; 11] = [
        "USER_", "CRED_", "DAEMON_", "SERVICE_", "SYSTEM_", "ADD_", "DEL_", "GRP_", "ACCT_",
        "ROLE_", "CHGRP_",
    ];
    PREFIXES.iter().any(|p| rtype.starts_with(p))
        || matches!(rtype, "LOGIN" | "ANOM_LOGIN_FAILURES" | "CHUSER_ID")
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    let mut lines = LineReader::new(opened.reader, ctx.limits.max_line_bytes);
    let max_bytes = ctx.limits.max_record_bytes;
    let mut open: Vec<Group> = Vec::new();
    let mut serials: u64 = 0;
    let mut toks = Vec::new();
    while let Some((n, line)) = lines.next_line(ctx)? {
        if ctx.stopped() {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some(h) = header(line) else {
            ctx.reject(
                RejectReason::Malformed,
                Position::Line(n),
                "not an auditd record (no type=... msg=audit(EPOCH:SERIAL))",
            );
            continue;
        };
        toks.clear();
        if let Err(e) = auditd_event::tokenize(line, h.body, line.len(), &mut toks) {
            ctx.reject(RejectReason::Malformed, Position::Line(n), e);
            continue;
        }
        let key = group_key(line, &h);
        let idx = match open.iter().position(|g| g.key == key) {
            Some(i)
                if open[i].recs.len() < MAX_RECORDS
                    && open[i].text.len() + line.len() < max_bytes =>
            {
                i
            }
            found => {
                if let Some(i) = found {
                    let g = open.remove(i);
                    auditd_event::flush(g, ctx);
                }
                serials += 1;
                open.push(Group::new(key, n, serials));
                open.len() - 1
            }
        };
        let g = &mut open[idx];
        g.push(line, &h, &toks);
        let rtype = &line[h.rtype.0..h.rtype.1];
        if rtype == "EOE" || standalone(rtype) {
            let g = open.remove(idx);
            auditd_event::flush(g, ctx);
        }
        while let Some(i) = open.iter().position(|g| serials - g.started > MAX_AGE) {
            let g = open.remove(i);
            auditd_event::flush(g, ctx);
        }
    }
    for g in open {
        if ctx.stopped() {
            break;
        }
        auditd_event::flush(g, ctx);
    }
    Ok(())
}

/// Records of one event share node and `EPOCH:SERIAL`.
fn group_key(line: &str, h: &Header) -> String {
    let node = h.node.map_or("", |(a, b)| &line[a..b]);
    let mut key = String::with_capacity(node.len() + 32);
    key.push_str(node);
    key.push(' ');
    key.push_str(&line[h.stamp.0..h.stamp.1]);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parts() {
        let l = "node=srv type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e";
        let h = header(l).unwrap();
        assert_eq!(&l[h.rtype.0..h.rtype.1], "SYSCALL");
        assert_eq!(&l[h.node.unwrap().0..h.node.unwrap().1], "srv");
        assert_eq!(&l[h.epoch.0..h.epoch.1], "1700000000.123");
        assert_eq!(&l[h.body..], "arch=c000003e");
        assert!(header("type= msg=audit(1:2): x").is_none());
        assert!(header("type=X msg=audit(1:): x").is_none());
        assert!(header("hello").is_none());
    }
}
