//! JSON of no recognised product: every leaf kept under its dotted path, the
//! time taken from the usual timestamp keys.

use super::common::{flat_event, PathAction};
use crate::ctx::ReadCtx;
use crate::json::RecordMeta;
use outflow_event::{time, SourceKind, Value};

/// Keys tried, in order, for the event time.
const TIME_KEYS: &[&str] = &[
    "@timestamp",
    "timestamp",
    "time",
    "ts",
    "eventTime",
    "date",
    "t",
];

pub fn record(text: &str, meta: RecordMeta, ctx: &mut ReadCtx) {
    let Some(mut ev) = flat_event(text, meta, ctx, SourceKind::Json, |_, _| PathAction::Keep)
    else {
        return;
    };
    ev.ts = TIME_KEYS.iter().find_map(|k| match ev.get(k)? {
        Value::Str(s) => time::parse_any(ev.span_str(*s)),
        Value::Int(i) if *i > 100_000_000_000 => Some(outflow_event::Timestamp::from_millis(*i)),
        Value::Int(i) => Some(outflow_event::Timestamp::from_secs(*i)),
        Value::Float(f) => outflow_event::Timestamp::from_f64_secs(*f),
        _ => None,
    });
    ctx.emit(ev);
}
