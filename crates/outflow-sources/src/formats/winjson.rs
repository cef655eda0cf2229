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

use super::winjson_value::{number, Values};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::{
    add_field, leaf_value, walk_outcome, walk_path, JsonError, Leaf, PathTrie, RecordMeta,
};
use outflow_event::{time, Event, Key, Position, RejectReason, SourceKind};
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
    let max_depth = ctx.limits.max_json_depth;
    let walked = STATE.with_borrow_mut(|state| {
        let State { names, values } = state;
        names.start();
        walk_path(text, 0, max_depth, names, |names, in_array, leaf| {
            let key = names.value(|path| {
                let mut buf = String::new();
                canonical_name(path, &mut buf).map(|n| ctx.key(n))
            });
            let Some(key) = key else { return };
            let value = match leaf {
                Leaf::Null | Leaf::EmptyObject | Leaf::EmptyArray => return,
                Leaf::Str {
                    raw,
                    escaped,
                    start,
                    end,
                } => values.string(&mut ev, raw, escaped, start, end),
                Leaf::Num(n) => number(n, text),
                other => match leaf_value(&mut ev, other, 0, &mut values.text) {
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

/// What the reader keeps between records on a thread.
#[derive(Default)]
struct State {
    /// The field key (or `None`: left out) of each leaf path seen in recent
    /// records: records of one kind repeat their layout, so most leaves get
    /// their key without renaming and hashing.
    names: PathTrie<Option<Key>>,
    values: Values,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::default();
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
