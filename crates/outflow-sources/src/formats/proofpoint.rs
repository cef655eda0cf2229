//! Proofpoint on Demand message logs (the PoD Log API `message` stream): one
//! JSON object per message with `guid`, `ts`, `connection.{host,ip,country,
//! tls.inbound.cipher}`, `envelope.{from,rcpts}`, `msg.{header,
//! normalizedHeader,parsedAddresses,sizeBytes}`, `msgParts[]`,
//! `filter.{disposition,qid,routeDirection,actions,modules,isMsgEncrypted}`.
//!
//! Native names are kept, dotted (`msgParts.detectedName` is the list over
//! all parts). Convenience fields, the same as the message trace reader's:
//! `sender`, `sender_ip`, `recipients` (list), `size`, `subject`,
//! `direction` (inbound / outbound / internal, as PoD routes it),
//! `attachment_names` / `attachment_types` (lower-case extension) /
//! `attachment_sizes` (lists over attached parts: `disposition` other than
//! `inline`, or every named part when the log has no dispositions),
//! `encrypted` (true when PoD found the message encrypted or a part
//! password-protected: content it could not inspect), `tls_cipher`.
//! A message without a usable `ts` is rejected.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{elements, json_str, member, members, time_of};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::RecordMeta;
use outflow_event::{Event, SourceKind, Value};

pub fn sniff(s: &Sample) -> bool {
    s.has_path("guid")
        && (s.has_prefix("envelope.") || (s.has_path("connection.ip") && s.has_prefix("filter.")))
}

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::Proofpoint, |_, _| {
        PathAction::Keep
    }) else {
        return;
    };
    let Some(ts) = time_of(&ev, &["ts", "filter.startTime"]) else {
        return reject_shape(
            ctx,
            meta.position(),
            "Proofpoint message without a usable ts",
        );
    };
    ev.ts = Some(ts);
    alias(
        &mut ev,
        ctx,
        "sender",
        &[
            "envelope.from",
            "msg.parsedAddresses.from",
            "msg.normalizedHeader.from",
        ],
        true,
    );
    alias(&mut ev, ctx, "sender_ip", &["connection.ip"], true);
    alias(
        &mut ev,
        ctx,
        "recipients",
        &["envelope.rcpts", "msg.parsedAddresses.to"],
        false,
    );
    alias(
        &mut ev,
        ctx,
        "size",
        &["msg.sizeBytes", "filter.msgSizeBytes"],
        true,
    );
    alias(
        &mut ev,
        ctx,
        "subject",
        &["msg.normalizedHeader.subject", "msg.header.subject"],
        true,
    );
    alias(&mut ev, ctx, "direction", &["filter.routeDirection"], true);
    alias(
        &mut ev,
        ctx,
        "tls_cipher",
        &[
            "connection.tls.inbound.cipher",
            "tls.outbound.cipher",
            "tls.inbound.cipher",
        ],
        true,
    );
    attachments(&mut ev, ctx, text);
    let encrypted = matches!(ev.get("filter.isMsgEncrypted"), Some(Value::Bool(true)))
        || list_has_true(ev.get("msgParts.isProtected"));
    let key = ctx.key("encrypted");
    ev.push(key, Value::Bool(encrypted));
    ctx.emit(ev);
}

/// Adds `to` = the first present of `from`; `first` takes a list's first item.
fn alias(ev: &mut Event, ctx: &mut ReadCtx, to: &str, from: &[&str], first: bool) {
    let Some(v) = from.iter().find_map(|f| ev.get(f).filter(|v| !is_empty(v))) else {
        return;
    };
    let v = match v {
        Value::List(items) if first => items.first().cloned().unwrap_or(Value::Null),
        Value::List(_) => v.clone(),
        v if !first => Value::List(vec![v.clone()]),
        v => v.clone(),
    };
    let key = ctx.key(to);
    ev.push(key, v);
}

fn is_empty(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::List(items) if items.is_empty())
}

fn list_has_true(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::List(items)) => items.iter().any(|i| matches!(i, Value::Bool(true))),
        _ => false,
    }
}

/// Names, extensions and sizes of the attached parts, as lists.
fn attachments(ev: &mut Event, ctx: &mut ReadCtx, text: &str) {
    let depth = ctx.limits.max_json_depth;
    let Some(parts) = members(text, 0, depth)
        .ok()
        .and_then(|ms| member(&ms, "msgParts").map(|m| m.start))
        .and_then(|s| elements(text, s, depth).ok())
    else {
        return;
    };
    let (mut names, mut types, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    let mut any_disposition = false;
    let mut candidates = Vec::new();
    for (start, _) in parts {
        let Ok(ms) = members(text, start, depth) else {
            continue;
        };
        let s = |k: &str| {
            member(&ms, k)
                .and_then(|m| json_str(text, m.start, m.end))
                .filter(|v| !v.is_empty())
        };
        let disposition = s("disposition");
        any_disposition |= disposition.is_some();
        let attached = disposition
            .as_deref()
            .is_none_or(|d| !d.eq_ignore_ascii_case("inline"));
        let Some(name) = s("detectedName").or_else(|| s("labeledName")) else {
            continue;
        };
        let ext = s("detectedExt")
            .or_else(|| s("labeledExt"))
            .map(|e| e.to_ascii_lowercase())
            .or_else(|| name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()));
        let size = ["detectedSizeBytes", "sizeDecodedBytes"]
            .iter()
            .find_map(|k| member(&ms, k).and_then(|m| text[m.start..m.end].parse::<i64>().ok()));
        candidates.push((
            attached,
            disposition.is_some(),
            name.into_owned(),
            ext,
            size,
        ));
    }
    for (attached, has_disp, name, ext, size) in candidates {
        if any_disposition && !(attached && has_disp) {
            continue;
        }
        names.push(Value::Str(ev.intern(&name)));
        types.push(ext.map_or(Value::Null, |e| Value::Str(ev.intern(&e))));
        sizes.push(size.map_or(Value::Null, Value::Int));
    }
    for (k, list) in [
        ("attachment_names", names),
        ("attachment_types", types),
        ("attachment_sizes", sizes),
    ] {
        let key = ctx.key(k);
        ev.push(key, Value::List(list));
    }
}
