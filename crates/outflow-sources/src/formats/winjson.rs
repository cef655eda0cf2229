//! Windows events as JSON, in the three shapes collectors write:
//! evtx_dump (`Event.System.*`, `Event.EventData.*`, `Event.UserData.*`),
//! Winlogbeat/ECS (`winlog.*`) and flat NXLog-style (`EventID`, `Channel`,
//! `Hostname` ... at top level). All three give one field set, the one the
//! EVTX reader gives too (it renders records as evtx_dump JSON and calls
//! [`event_from_json`]), so rules and mappings see the same names whatever
//! the collector:
//!
//! - System: `EventID`, `Channel`, `Computer`, `Provider_Name`, `Provider_Guid`,
//!   `EventRecordID`, `Level`, `Task`, `Opcode`, `Keywords`, `Version`,
//!   `TimeCreated` (its SystemTime), `Execution_ProcessID`,
//!   `Execution_ThreadID`, `Security_UserID`, `Correlation_ActivityID`
//!   (element and attribute joined with `_`);
//! - EventData under their own names (`Image`, `CommandLine` ...), unnamed
//!   `Data` as `Data`, UserData leaves under their last path segment;
//! - Winlogbeat's ECS fields (`host.name`, `process.*` ...) under their dotted paths.
//!
//! Event time (`ts`) comes from `TimeCreated` (NXLog's `EventTime`, which is
//! the collector's local time without a zone, is taken as UTC) or `@timestamp`.
//!
//! Values are kept as read (numbers as numbers) with two exceptions that make
//! renderers agree: JSON `null` (an element Windows left unset) is left out,
//! and a value that is a whole GUID is written as Windows' XML writes it,
//! upper case in braces (`{0197231E-C424-69E1-C922-000000000800}`), whether
//! the renderer wrote it lower case, upper case or without braces.

use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::{
    add_field, leaf_value, unescape, walk, walk_outcome, JsonError, Leaf, RecordMeta,
};
use outflow_event::{time, Event, Key, Position, RejectReason, SourceKind, Span, Value};
use std::cell::RefCell;

pub fn sniff(s: &Sample) -> bool {
    s.has_prefix("Event.System.")
        || s.has_prefix("winlog.")
        || (s.has_path("EventID")
            && ["Channel", "Hostname", "Computer", "SourceName"]
                .iter()
                .any(|p| s.has_path(p)))
}

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    if let Some(ev) = event_from_json(text, SourceKind::WinJson, meta.position(), ctx) {
        ctx.emit(ev);
    }
}

/// Turns one Windows event in any of the three JSON shapes into an event of
/// `kind` whose raw evidence is `text`. Malformed JSON and objects that are
/// not Windows events (no `EventID`) are rejected at `position`.
pub fn event_from_json(
    text: &str,
    kind: SourceKind,
    position: Position,
    ctx: &mut ReadCtx,
) -> Option<Event> {
    let mut ev = Event::new(kind, ctx.origin(position), text);
    ev.fields.reserve(40); // a Sysmon event has 30 to 40 fields; grow once, before filling
    let mut scratch = String::new();
    let mut leaf_no = 0;
    let max_depth = ctx.limits.max_json_depth;
    let walked = LAYOUT.with_borrow_mut(|layout| {
        walk(text, 0, max_depth, |path, in_array, leaf| {
            let key = layout.key(leaf_no, path, ctx);
            leaf_no += 1;
            let Some(key) = key else { return };
            let value = match leaf {
                Leaf::Null | Leaf::EmptyObject | Leaf::EmptyArray => return,
                Leaf::Str {
                    raw,
                    escaped,
                    start,
                    end,
                } => string_value(&mut ev, raw, escaped, start, end, &mut scratch),
                Leaf::Num(n) => number(n, text),
                other => match leaf_value(&mut ev, other, 0, &mut scratch) {
                    Some(v) => v,
                    None => return,
                },
            };
            add_field(&mut ev, key, value, in_array);
        })
    });
    let end = walk_outcome(ctx, walked, position, |e| match (kind, e) {
        (SourceKind::Evtx, _) => RejectReason::EvtxRecord,
        (_, JsonError::TooDeep { .. }) => RejectReason::JsonTooDeep,
        _ => RejectReason::JsonSyntax,
    })?;
    // Handed a whole line, the record may end before it does.
    ev.set_raw_len(end);
    if ev.get("EventID").is_none() {
        let reason = match kind {
            SourceKind::Evtx => RejectReason::EvtxRecord,
            _ => RejectReason::UnexpectedShape,
        };
        ctx.reject(reason, position, "not a Windows event: no EventID");
        return None;
    }
    ev.ts = ["TimeCreated", "@timestamp"]
        .iter()
        .find_map(|k| ev.get_str(k).and_then(time::parse_any));
    Some(ev)
}

/// A number leaf (`n` lies in `text`): integers past i64 (UInt64 data)
/// stay exact, as text.
fn number(n: &str, text: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        return Value::Int(i);
    }
    if n.bytes().all(|c| c.is_ascii_digit()) {
        let start = n.as_ptr() as usize - text.as_ptr() as usize;
        return Value::Str(Span::new(start, start + n.len()));
    }
    n.parse::<f64>().map_or(Value::Null, Value::Float)
}

thread_local! {
    static LAYOUT: RefCell<Layout> = RefCell::default();
}

/// The key of each leaf position in recent records (a few layouts per
/// position): records of one kind repeat their layout, so most leaves get
/// their key by one string compare instead of renaming and hashing.
#[derive(Default)]
struct Layout {
    slots: Vec<Vec<(Box<str>, Option<Key>)>>,
}

/// Layouts remembered per position, and positions remembered.
const WAYS: usize = 4;
const POSITIONS: usize = 512;

impl Layout {
    /// The key for the leaf at `path`, `None` to leave it out.
    fn key(&mut self, leaf_no: usize, path: &str, ctx: &mut ReadCtx) -> Option<Key> {
        if let Some(ways) = self.slots.get(leaf_no) {
            if let Some((_, k)) = ways
                .iter()
                .find(|(p, _)| p.len() == path.len() && **p == *path)
            {
                return k.clone();
            }
        }
        let mut buf = String::new();
        let key = canonical_name(path, &mut buf).map(|n| ctx.key(n));
        if leaf_no < POSITIONS {
            if self.slots.len() <= leaf_no {
                self.slots.resize_with(leaf_no + 1, Vec::new);
            }
            let ways = &mut self.slots[leaf_no];
            ways.truncate(WAYS - 1);
            ways.insert(0, (Box::from(path), key.clone()));
        }
        key
    }
}

/// A string leaf as a value: a span of the raw text when it needs no
/// change, decoded text otherwise.
fn string_value(
    ev: &mut Event,
    raw: &str,
    escaped: bool,
    start: usize,
    end: usize,
    scratch: &mut String,
) -> Value {
    let mut guid = [0u8; 38];
    if escaped {
        scratch.clear();
        unescape(raw, scratch);
        let text = canonical_guid(scratch, &mut guid).unwrap_or(scratch);
        return Value::Str(ev.intern(text));
    }
    match canonical_guid(raw, &mut guid) {
        Some(g) => Value::Str(ev.intern(g)),
        None => Value::Str(Span::new(start, end)),
    }
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (upper case, braced, written
/// into `out`) for a value that is a GUID written any other way; `None` when
/// it is no GUID or already in that form. The common non-GUID value costs a
/// length test.
fn canonical_guid<'o>(s: &str, out: &'o mut [u8; 38]) -> Option<&'o str> {
    let b = s.as_bytes();
    let inner = match b.len() {
        36 => b,
        38 if b[0] == b'{' && b[37] == b'}' => &b[1..37],
        _ => return None,
    };
    let mut lower = false;
    for (i, &c) in inner.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return None;
        }
        lower |= c.is_ascii_lowercase();
    }
    if b.len() == 38 && !lower {
        return None;
    }
    out[0] = b'{';
    out[37] = b'}';
    for (o, c) in out[1..37].iter_mut().zip(inner) {
        *o = c.to_ascii_uppercase();
    }
    std::str::from_utf8(&out[..]).ok()
}

/// The canonical field name of a leaf path, or `None` to leave it out
/// (XML namespaces and other attributes of the data elements).
fn canonical_name<'a>(path: &'a str, buf: &'a mut String) -> Option<&'a str> {
    if let Some(rest) = path.strip_prefix("Event.") {
        return evtx_dump_name(rest, buf);
    }
    if let Some(rest) = path.strip_prefix("winlog.") {
        return Some(winlogbeat_name(path, rest));
    }
    if memchr::memchr(b'.', path.as_bytes()).is_some() {
        return Some(path); // ECS fields of Winlogbeat
    }
    Some(nxlog_name(path))
}

/// `rest` is the path below `Event`.
fn evtx_dump_name<'a>(rest: &'a str, buf: &'a mut String) -> Option<&'a str> {
    let Some((section, below)) = split_dot(rest) else {
        return Some(rest); // a section holding plain text
    };
    match section {
        "System" => Some(system_name(below, buf)),
        "RenderingInfo" if below == "Message" => Some("Message"),
        "RenderingInfo" => {
            buf.clear();
            buf.push_str("RenderingInfo_");
            buf.push_str(last_segment(below)?);
            Some(buf.as_str())
        }
        "#attributes" => None,
        // EventData, UserData, ProcessingErrorData, DebugData ...
        _ => last_segment(below),
    }
}

/// `Provider.#attributes.Name` → `Provider_Name`, `EventID.#text` → `EventID`,
/// `TimeCreated.#attributes.SystemTime` → `TimeCreated`.
fn system_name<'a>(below: &'a str, buf: &'a mut String) -> &'a str {
    let Some((elem, rest)) = split_dot(below) else {
        return below;
    };
    if rest == "#text" {
        return elem;
    }
    let attr = rest.strip_prefix("#attributes.").unwrap_or(rest);
    if elem == "TimeCreated" && attr == "SystemTime" {
        return elem;
    }
    buf.clear();
    buf.push_str(elem);
    buf.push('_');
    buf.push_str(attr);
    buf.as_str()
}

/// Last segment of a data path that is not `#text`; attributes are left out.
fn last_segment(path: &str) -> Option<&str> {
    let path = path.strip_suffix(".#text").unwrap_or(path);
    if memchr::memchr(b'#', path.as_bytes()).is_some() {
        return None; // #attributes
    }
    Some(after_last_dot(path))
}

fn split_dot(s: &str) -> Option<(&str, &str)> {
    let i = memchr::memchr(b'.', s.as_bytes())?;
    Some((&s[..i], &s[i + 1..]))
}

fn after_last_dot(s: &str) -> &str {
    memchr::memrchr(b'.', s.as_bytes()).map_or(s, |i| &s[i + 1..])
}

/// Winlogbeat's `winlog.*` fields onto the System names; event and user
/// data under their own names; the rest kept under its dotted path.
fn winlogbeat_name<'a>(path: &'a str, rest: &'a str) -> &'a str {
    match rest {
        "channel" => "Channel",
        "event_id" => "EventID",
        "computer_name" => "Computer",
        "provider_name" => "Provider_Name",
        "provider_guid" => "Provider_Guid",
        "record_id" => "EventRecordID",
        "process.pid" => "Execution_ProcessID",
        "process.thread.id" => "Execution_ThreadID",
        "user.identifier" => "Security_UserID",
        "activity_id" => "Correlation_ActivityID",
        "related_activity_id" => "Correlation_RelatedActivityID",
        "version" => "Version",
        "opcode" => "Opcode",
        "task" => "Task",
        "keywords" => "Keywords",
        "time_created" => "TimeCreated",
        _ => match rest
            .strip_prefix("event_data.")
            .or_else(|| rest.strip_prefix("user_data."))
        {
            Some(d) => after_last_dot(d),
            None => path,
        },
    }
}

/// NXLog's names of the System fields; event data is already at top level.
fn nxlog_name(key: &str) -> &str {
    match key {
        "Hostname" => "Computer",
        "SourceName" => "Provider_Name",
        "ProviderGuid" => "Provider_Guid",
        "RecordNumber" => "EventRecordID",
        "ProcessID" => "Execution_ProcessID",
        "ThreadID" => "Execution_ThreadID",
        "UserID" => "Security_UserID",
        "EventTime" => "TimeCreated",
        "ActivityID" => "Correlation_ActivityID",
        "RelatedActivityID" => "Correlation_RelatedActivityID",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_become_upper_case_braced() {
        let want = "{0197231E-C424-69E1-C922-000000000800}";
        let g = |s: &str| canonical_guid(s, &mut [0; 38]).map(str::to_string);
        assert_eq!(
            g("0197231E-C424-69E1-C922-000000000800").as_deref(),
            Some(want)
        );
        assert_eq!(
            g("{0197231e-c424-69e1-c922-000000000800}").as_deref(),
            Some(want)
        );
        assert_eq!(g(want), None);
        assert_eq!(g("C:\\Windows\\System32\\svchost.exe-k-netsvcs"), None);
        assert_eq!(g("0197231E-C424-69E1-C922-00000000080Z"), None);
    }

    #[test]
    fn paths_map_to_canonical_names() {
        let mut b = String::new();
        let mut name = |p: &str| canonical_name(p, &mut b).map(str::to_string);
        assert_eq!(
            name("Event.System.Provider.#attributes.Name").as_deref(),
            Some("Provider_Name")
        );
        assert_eq!(
            name("Event.System.EventID.#text").as_deref(),
            Some("EventID")
        );
        assert_eq!(
            name("Event.System.EventID.#attributes.Qualifiers").as_deref(),
            Some("EventID_Qualifiers")
        );
        assert_eq!(
            name("Event.System.TimeCreated.#attributes.SystemTime").as_deref(),
            Some("TimeCreated")
        );
        assert_eq!(name("Event.EventData.Image").as_deref(), Some("Image"));
        assert_eq!(name("Event.EventData.Data.#text").as_deref(), Some("Data"));
        assert_eq!(
            name("Event.UserData.LogFileCleared.SubjectUserName").as_deref(),
            Some("SubjectUserName")
        );
        assert_eq!(
            name("Event.UserData.LogFileCleared.#attributes.xmlns"),
            None
        );
        assert_eq!(name("Event.#attributes.xmlns"), None);
        assert_eq!(name("winlog.event_data.Image").as_deref(), Some("Image"));
        assert_eq!(
            name("winlog.process.thread.id").as_deref(),
            Some("Execution_ThreadID")
        );
        assert_eq!(name("winlog.api").as_deref(), Some("winlog.api"));
        assert_eq!(name("host.name").as_deref(), Some("host.name"));
        assert_eq!(name("Hostname").as_deref(), Some("Computer"));
        assert_eq!(name("CommandLine").as_deref(), Some("CommandLine"));
    }
}
