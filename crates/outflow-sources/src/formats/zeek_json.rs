//! Zeek JSON logs (`LogAscii::use_json`, one object per line): flat dotted
//! keys (`id.orig_h`) kept as they are, unset fields absent, `ts` as epoch
//! seconds, integer milliseconds (`JSON::TS_MILLIS`) or ISO 8601
//! (`JSON::TS_ISO8601`). `_path` comes from the record or, for writers that
//! leave it out (zat, plain `LogAscii::use_json`), from its field names.

use super::common::{flat_event, PathAction};
use super::zeek_common::{infer_path, UriKeys, PATH_FIELD};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::RecordMeta;
use outflow_event::{time, SourceKind, Timestamp, Value};

/// A Zeek record names itself (`_path`), or has Zeek's connection or file
/// identifiers. A btest baseline (Zeek's test-suite output) of JSON lines is
/// a Zeek JSON log too, whatever its columns.
pub fn sniff(s: &Sample) -> bool {
    let has = |p: &str| s.has_path(p);
    has(PATH_FIELD)
        || (has("uid") && (has("id.orig_h") || has("id.resp_h")))
        || (has("ts") && (has("fuid") || has("id.orig_h") || has("certificate.serial")))
        || s.bytes.starts_with(b"### BTest baseline data")
}

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::ZeekJson, |_, _| {
        PathAction::Keep
    }) else {
        return;
    };
    ev.ts = ev.get("ts").and_then(|v| match v {
        Value::Float(f) => micros(*f),
        Value::Int(i) if i.unsigned_abs() >= 100_000_000_000 => Some(Timestamp::from_millis(*i)),
        Value::Int(i) => Some(Timestamp::from_secs(*i)),
        Value::Str(s) => time::parse_any(ev.span_str(*s)),
        _ => None,
    });
    let path = match ev.get_str(PATH_FIELD) {
        Some(p) => Some(p.eq_ignore_ascii_case("http")),
        None => {
            let inferred = infer_path(|n| ev.get(n).is_some());
            if let Some(p) = inferred {
                let key = ctx.key(PATH_FIELD);
                ev.push_str(key, p);
            }
            inferred.map(|p| p == "http")
        }
    };
    if path == Some(true) {
        if let Some(Value::Str(uri)) = ev.get("uri").cloned() {
            UriKeys::new(ctx).add(&mut ev, uri);
        }
    }
    ctx.emit(ev);
}

/// Epoch seconds as a float, rounded to Zeek's microsecond resolution so
/// `1575413096.052279` does not come out as `.052278995`.
fn micros(secs: f64) -> Option<Timestamp> {
    if !secs.is_finite() || secs.abs() > 9.0e9 {
        return None;
    }
    Some(Timestamp((secs * 1e6).round() as i64 * 1000))
}
