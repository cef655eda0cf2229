//! Google Workspace Reports API activities (`admin#reports#activity`), one
//! per record, or whole response pages (`admin#reports#activities` with
//! `items`), whose items are read one by one.
//!
//! An activity holds one or more Google events (`events[]`). Each becomes its
//! own outflow event, so that every action (an upload, a visibility change)
//! is matched and counted on its own: the activity's fields (`id.*`,
//! `actor.*`, `ipAddress`, …) are repeated on each, with that Google event's
//! `events.type` / `events.name` (also as `eventType` / `eventName`) and each
//! of its parameters as `parameters.<name>` (value, intValue, boolValue,
//! multiValue…). The raw evidence of each is the whole activity. Also added:
//! `eventService` = `<applicationName>.googleapis.com`, the service name the
//! same records carry in Cloud Logging, which Sigma's Workspace rules use.
//! An activity without a usable `id.time` is rejected.
//!
//! A saved response page is one JSON value that may be far longer than the
//! line limit, so this reader takes the record limit as its line limit. An
//! item's position is its line in a pretty-printed page, or its 1-based
//! index in `items` when the page is on one line.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{add_pairs, elements, for_each_element, member, members, time_of};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::json::{add_field, leaf_value, walk, RecordMeta};
use outflow_event::{Position, RejectReason, SourceKind};
use std::io;

pub fn sniff(s: &Sample) -> bool {
    let activity = |p: &str| {
        s.has_path(&format!("{p}id.time")) && s.has_path(&format!("{p}id.applicationName"))
    };
    activity("")
        || activity("items.")
        || (s.has_path("kind") && memchr::memmem::find(s.bytes, b"admin#reports#activit").is_some())
}

/// Value keys of a Reports API parameter, in order of preference.
const VALUE_KEYS: &[&str] = &[
    "value",
    "intValue",
    "boolValue",
    "multiValue",
    "multiIntValue",
    "messageValue",
    "multiMessageValue",
];

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    super::document_records(opened, ctx, record)
}

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let depth = ctx.limits.max_json_depth;
    let ms = match members(text, 0, depth) {
        Ok(ms) => ms,
        Err(e) => return ctx.reject(RejectReason::JsonSyntax, meta.position(), e.to_string()),
    };
    let page = member(&ms, "items").filter(|_| member(&ms, "id").is_none());
    let Some(items) = page else {
        return activity(text, meta, meta.position(), ctx);
    };
    let what = "Reports API page's `items`";
    for_each_element(text, meta, items.start, ctx, what, |el, item, pos, ctx| {
        if el.starts_with('{') {
            activity(el, item, pos, ctx);
        } else {
            reject_shape(ctx, pos, "Reports API item is not a JSON object");
        }
    });
}

/// One activity at `position`: an outflow event per Google event in it.
fn activity(text: &str, meta: RecordMeta, position: Position, ctx: &mut ReadCtx) {
    let Some(mut base) = flat_event(text, meta, ctx, SourceKind::GWorkspace, skip_events) else {
        return;
    };
    base.origin.position = position;
    let Some(ts) = time_of(&base, &["id.time"]) else {
        return reject_shape(
            ctx,
            position,
            "Google Workspace activity without a usable id.time",
        );
    };
    base.ts = Some(ts);
    if let Some(app) = base
        .get_str("id.applicationName")
        .map(|a| format!("{}.googleapis.com", a.to_ascii_lowercase()))
    {
        let key = ctx.key("eventService");
        base.push_str(key, &app);
    }
    let depth = ctx.limits.max_json_depth;
    let events = members(text, 0, depth)
        .ok()
        .and_then(|ms| member(&ms, "events").map(|m| (m.start, m.end)))
        .and_then(|(s, _)| elements(text, s, depth).ok())
        .unwrap_or_default();
    if events.is_empty() {
        return ctx.emit(base);
    }
    let mut scratch = String::new();
    let mut name = String::new();
    for (start, _) in events {
        if ctx.stopped() {
            return;
        }
        let mut ev = base.clone();
        let _ = walk(text, start, depth, |path, in_array, leaf| {
            if path == "parameters" || path.starts_with("parameters.") {
                return;
            }
            name.clear();
            name.push_str("events");
            if !path.is_empty() {
                name.push('.');
                name.push_str(path);
            }
            if let Some(v) = leaf_value(&mut ev, leaf, 0, &mut scratch) {
                let key = ctx.key(&name);
                add_field(&mut ev, key, v, in_array);
            }
        });
        for (from, to) in [("events.name", "eventName"), ("events.type", "eventType")] {
            if let Some(v) = ev.get(from).cloned() {
                let key = ctx.key(to);
                ev.push(key, v);
            }
        }
        let params = members(text, start, depth)
            .ok()
            .and_then(|ms| member(&ms, "parameters").map(|m| (m.start, m.end)));
        if let Some(range) = params.filter(|(s, _)| text.as_bytes()[*s] == b'[') {
            add_pairs(&mut ev, ctx, text, range, "parameters", "name", VALUE_KEYS);
        }
        ctx.emit(ev);
    }
}

/// The activity's own fields; its events are added one per outflow event.
fn skip_events<'p>(p: &'p str, _: &mut String) -> PathAction<'p> {
    if p == "events" || p.starts_with("events.") {
        PathAction::Skip
    } else {
        PathAction::Keep
    }
}
