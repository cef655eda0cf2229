//! GitHub audit log events as streamed (audit log streaming) or exported
//! (JSON lines): `action` (`hook.create`, `repo.download_zip`, `git.clone`…),
//! `actor`, `actor_ip`, `org`, `repo`, `@timestamp` / `created_at` (epoch
//! milliseconds, or ISO 8601 in some exports), hook `config.url`…
//!
//! Fields keep GitHub's names, dotted. Added: `url_host`, the host of a
//! hook's (or other record's) target URL (`config.url`, `hook.config.url`,
//! `url`), the destination of webhook data. An event without a usable
//! `@timestamp` or `created_at` is rejected.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{time_of, url_host};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::RecordMeta;
use outflow_event::SourceKind;

pub fn sniff(s: &Sample) -> bool {
    s.has_path("action")
        && (s.has_path("actor") || s.has_path("_document_id"))
        && (s.has_path("@timestamp") || s.has_path("created_at"))
}

/// Fields that hold a URL data may be sent to, in order of preference.
const URL_FIELDS: &[&str] = &["config.url", "hook.config.url", "webhook_url", "url"];

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::GitHub, |_, _| PathAction::Keep)
    else {
        return;
    };
    let Some(ts) = time_of(&ev, &["@timestamp", "created_at"]) else {
        return reject_shape(
            ctx,
            meta.position(),
            "GitHub audit event without a usable @timestamp or created_at",
        );
    };
    ev.ts = Some(ts);
    let host = URL_FIELDS
        .iter()
        .find_map(|n| ev.get_str(n).and_then(url_host).map(|h| h.into_owned()));
    if let Some(h) = host {
        let key = ctx.key("url_host");
        ev.push_str(key, &h);
    }
    ctx.emit(ev);
}
