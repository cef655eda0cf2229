//! Microsoft 365 Unified Audit Log records: the `AuditData` JSON of
//! `Search-UnifiedAuditLog` or the Office 365 Management Activity API, one
//! record per line (or an array / pretty-printed, as the framing allows).
//!
//! Fields keep their native names, dotted. `{Name, Value}` lists are kept
//! flattened (`Parameters.Name`, `Parameters.Value`) and also exposed pair by
//! pair (`Parameters.<Name>` = Value; `ModifiedProperties.<Name>` = NewValue)
//! so Sigma rules can name a parameter. Added: `url_host` (host of `SiteUrl`
//! or of a URL `ObjectId`) and `client_ip` (`ClientIP` without its port).
//! A record without a usable `CreationTime` is rejected: the service always
//! writes one, and later stages order events by time.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{add_pairs, member, members, strip_port, time_of, url_host};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::RecordMeta;
use outflow_event::SourceKind;

pub fn sniff(s: &Sample) -> bool {
    s.has_path("CreationTime")
        && s.has_path("Operation")
        && (s.has_path("Workload") || s.has_path("RecordType"))
}

/// `{Name, Value}`-style lists: (array key, value keys, in order of preference).
const PAIR_LISTS: &[(&str, &[&str])] = &[
    ("Parameters", &["Value"]),
    ("ExtendedProperties", &["Value"]),
    ("DeviceProperties", &["Value"]),
    ("ModifiedProperties", &["NewValue"]),
];

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::M365, |_, _| PathAction::Keep)
    else {
        return;
    };
    let Some(ts) = time_of(&ev, &["CreationTime"]) else {
        reject_shape(
            ctx,
            meta.position(),
            "Microsoft 365 audit record without a usable CreationTime",
        );
        return;
    };
    ev.ts = Some(ts);
    if let Ok(ms) = members(text, 0, ctx.limits.max_json_depth) {
        for (list, value_keys) in PAIR_LISTS {
            if let Some(m) = member(&ms, list).filter(|m| text.as_bytes()[m.start] == b'[') {
                add_pairs(
                    &mut ev,
                    ctx,
                    text,
                    (m.start, m.end),
                    list,
                    "Name",
                    value_keys,
                );
            }
        }
    }
    let host = ["SiteUrl", "ObjectId"]
        .iter()
        .find_map(|n| ev.get_str(n).and_then(url_host).map(|h| h.into_owned()));
    if let Some(h) = host {
        let key = ctx.key("url_host");
        ev.push_str(key, &h);
    }
    let ip = ["ClientIP", "ClientIPAddress", "ActorIpAddress"]
        .iter()
        .find_map(|n| {
            ev.get_str(n)
                .filter(|v| !v.trim().is_empty())
                .map(|v| strip_port(v).to_string())
        });
    if let Some(ip) = ip {
        let key = ctx.key("client_ip");
        ev.push_str(key, &ip);
    }
    ctx.emit(ev);
}
