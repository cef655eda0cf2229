//! Helpers shared by the format modules.

use crate::ctx::ReadCtx;
use crate::json::{add_field, leaf_value, walk, walk_outcome, JsonError, RecordMeta};
use outflow_event::{Event, Position, RejectReason, SourceKind};

/// What to do with one JSON leaf path while flattening.
pub enum PathAction<'p> {
    /// Keep the field under its dotted path.
    Keep,
    /// Keep it under another name.
    Rename(&'p str),
    /// Leave it out of the fields (it stays in the raw record).
    Skip,
}

/// Flattens a JSON record into a new event of `kind`: every leaf becomes a
/// field named by its dotted path, unless `map_path` renames or skips it.
/// The record text is the event's raw evidence. A record that fails to walk
/// is rejected and `None` returned. The text may run past the record (the
/// rest of its line): the walk reports where it ended (`json::walk_outcome`).
pub fn flat_event(
    text: &str,
    meta: RecordMeta,
    ctx: &mut ReadCtx,
    kind: SourceKind,
    mut map_path: impl for<'p> FnMut(&'p str, &mut String) -> PathAction<'p>,
) -> Option<Event> {
    let mut ev = Event::new(kind, ctx.origin(meta.position()), text);
    let mut scratch = String::new();
    let mut name_buf = String::new();
    let max_depth = ctx.limits.max_json_depth;
    let walked = walk(text, 0, max_depth, |path, in_array, leaf| {
        name_buf.clear();
        let name = match map_path(path, &mut name_buf) {
            PathAction::Skip => return,
            PathAction::Keep => path,
            PathAction::Rename(n) => n,
        };
        if let Some(v) = leaf_value(&mut ev, leaf, 0, &mut scratch) {
            let key = ctx.key(name);
            add_field(&mut ev, key, v, in_array);
        }
    });
    let end = walk_outcome(ctx, walked, meta.position(), |e| match e {
        JsonError::TooDeep { .. } => RejectReason::JsonTooDeep,
        _ => RejectReason::JsonSyntax,
    })?;
    ev.set_raw_len(end);
    Some(ev)
}

/// Rejects a record whose JSON is valid but lacks what the format needs.
pub fn reject_shape(ctx: &mut ReadCtx, position: Position, detail: impl Into<String>) {
    ctx.reject(RejectReason::UnexpectedShape, position, detail);
}
