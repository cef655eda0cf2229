//! Slack Enterprise Grid Audit Logs API (`GET /audit/v1/logs`): whole
//! response pages (`{"ok":true,"entries":[…],"response_metadata":{…}}`),
//! whose entries are read one by one, and single entries one per line (what
//! export tools write).
//!
//! An entry has `id`, `date_create` (epoch seconds), `action`
//! (`user_login`, `app_installed`, `app_scopes_expanded`, `file_downloaded`…),
//! `actor.user.{id,name,email}`, an `entity` of some `entity.type` (`app`,
//! `file`, `channel`, `workspace`, `user`…; `entity.app.scopes` for apps),
//! `context.{location.*,ua,ip_address,session_id}` and, for some actions,
//! `details` (`new_scopes`, `previous_scopes`, `bot_scopes`, `reason`…).
//! Fields keep Slack's names, dotted; lists (scopes) stay lists. A page is
//! one JSON value that may be far longer than the line limit, so this reader
//! takes the record limit as its line limit (as CloudTrail's does). An
//! entry's position is its line in a pretty-printed page, or its 1-based
//! index in `entries` when the page is on one line. An entry without a
//! usable `date_create`, and an API error response (`"ok": false`), are
//! rejected.
//!
//! Also the integration logs of any workspace (`GET team.integrationLogs`,
//! which plans without Enterprise Grid have): pages
//! `{"ok":true,"logs":[…],"paging":{…}}` and single entries one per line.
//! An entry has `date` (epoch seconds, as text), `change_type` (`added`,
//! `removed`, `enabled`, `disabled`, `expanded`, `updated`), `user_id`,
//! `user_name`, `scope` (comma-separated), `channel`, and either
//! `service_id` / `service_type` (a legacy integration such as
//! `Incoming WebHooks`) or `app_id` / `app_type` (an app, `app_type` being
//! its name). An entry without a usable `date` is rejected.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{for_each_element, json_str, member, members, time_of};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::json::RecordMeta;
use outflow_event::{Position, RejectReason, SourceKind};
use std::io;

pub fn sniff(s: &Sample) -> bool {
    let entry = |p: &str| {
        s.has_path(&format!("{p}date_create"))
            && s.has_path(&format!("{p}action"))
            && (s.has_prefix(&format!("{p}actor.")) || s.has_prefix(&format!("{p}entity.")))
    };
    let integration = |p: &str| {
        s.has_path(&format!("{p}date"))
            && s.has_path(&format!("{p}change_type"))
            && ["service_type", "service_id", "app_type", "app_id"]
                .iter()
                .any(|f| s.has_path(&format!("{p}{f}")))
    };
    entry("") || entry("entries.") || integration("") || integration("logs.")
}

pub fn read(opened: Opened, ctx: &mut ReadCtx) -> io::Result<()> {
    super::document_records(opened, ctx, record)
}

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let depth = ctx.limits.max_json_depth;
    let ms = match members(text, 0, depth) {
        Ok(ms) => ms,
        Err(e) => return ctx.reject(RejectReason::JsonSyntax, meta.position(), e.to_string()),
    };
    if member(&ms, "action").is_some() {
        return entry(text, meta, meta.position(), ctx);
    }
    if member(&ms, "change_type").is_some() {
        return integration_entry(text, meta, meta.position(), ctx);
    }
    if let Some(logs) = member(&ms, "logs") {
        let what = "Slack integration `logs`";
        return for_each_element(text, meta, logs.start, ctx, what, |el, _, pos, ctx| {
            integration_entry(el, meta, pos, ctx)
        });
    }
    let Some(entries) = member(&ms, "entries") else {
        // The API answers an error as `{"ok":false,"error":"invalid_cursor"}`.
        let error = member(&ms, "error").and_then(|m| json_str(text, m.start, m.end));
        let detail = match error {
            Some(e) => format!("Slack audit API error response: {e}"),
            None => "neither a Slack audit or integration log entry nor a response page (no action, change_type, entries or logs)".into(),
        };
        return reject_shape(ctx, meta.position(), detail);
    };
    let what = "Slack audit `entries`";
    for_each_element(text, meta, entries.start, ctx, what, |el, _, pos, ctx| {
        entry(el, meta, pos, ctx)
    });
}

/// One audit entry at `position`.
fn entry(text: &str, meta: RecordMeta, position: Position, ctx: &mut ReadCtx) {
    timed_entry(text, meta, position, ctx, "audit entry", "date_create")
}

/// One integration log entry at `position`.
fn integration_entry(text: &str, meta: RecordMeta, position: Position, ctx: &mut ReadCtx) {
    timed_entry(text, meta, position, ctx, "integration log entry", "date")
}

/// An entry (`what`) whose time is in the field `time`.
fn timed_entry(
    text: &str,
    meta: RecordMeta,
    position: Position,
    ctx: &mut ReadCtx,
    what: &str,
    time: &str,
) {
    if !text.starts_with('{') {
        return reject_shape(ctx, position, format!("Slack {what} is not a JSON object"));
    }
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::Slack, |_, _| PathAction::Keep)
    else {
        return;
    };
    ev.origin.position = position;
    let Some(ts) = time_of(&ev, &[time]) else {
        return reject_shape(
            ctx,
            position,
            format!("Slack {what} without a usable {time}"),
        );
    };
    ev.ts = Some(ts);
    ctx.emit(ev);
}
