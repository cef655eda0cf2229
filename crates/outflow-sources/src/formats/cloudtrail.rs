//! AWS CloudTrail: `{"Records":[…]}` files as delivered to S3 (one long line
//! or pretty-printed), JSON lines of single events (CloudTrail Lake
//! exports), and EventBridge envelopes (`detail-type`, `detail: {event}`).
//!
//! A Records document is one JSON value that may be far longer than the
//! line limit, so this reader takes the record limit as its line limit. Each
//! element of `Records` is an event whose raw evidence is that element. Its
//! position is the element's line in a pretty-printed file, or its 1-based
//! index in `Records` when the document is on one line (so that every
//! element still has a position of its own).
//! Fields keep CloudTrail's names, dotted (`userIdentity.arn`,
//! `requestParameters.bucketName`, `additionalEventData.bytesTransferredIn`),
//! as Sigma's AWS rules use them. An EventBridge envelope's `detail.` prefix
//! is dropped; its own fields (`detail-type`, `source`, `account`…) stay.
//! An event without a usable `eventTime` is rejected.

use super::common::{flat_event, reject_shape, PathAction};
use super::saas_util::{for_each_element, member, members, time_of};
use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use crate::json::RecordMeta;
use outflow_event::{Position, RejectReason, SourceKind};
use std::io;

pub fn sniff(s: &Sample) -> bool {
    let event = |p: &str| {
        s.has_path(&format!("{p}eventVersion"))
            && s.has_path(&format!("{p}eventSource"))
            && s.has_path(&format!("{p}eventName"))
    };
    s.has_path("Records") || s.has_prefix("Records.") || event("") || event("detail.")
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
    if let Some(records) = member(&ms, "Records") {
        let what = "CloudTrail `Records`";
        return for_each_element(text, meta, records.start, ctx, what, |el, _, pos, ctx| {
            event(el, meta, pos, false, ctx)
        });
    }
    let bridge = member(&ms, "detail-type").is_some() && member(&ms, "detail").is_some();
    if !bridge && member(&ms, "eventName").is_none() {
        return reject_shape(
            ctx,
            meta.position(),
            "neither a CloudTrail Records document nor a CloudTrail event (no Records, eventName or detail)",
        );
    }
    event(text, meta, meta.position(), bridge, ctx);
}

/// One CloudTrail event (or EventBridge envelope of one) at `position`.
fn event(text: &str, meta: RecordMeta, position: Position, bridge: bool, ctx: &mut ReadCtx) {
    if !text.starts_with('{') {
        return reject_shape(ctx, position, "CloudTrail record is not a JSON object");
    }
    let flat = if bridge {
        flat_event(text, meta, ctx, SourceKind::CloudTrail, bridge_path)
    } else {
        flat_event(text, meta, ctx, SourceKind::CloudTrail, |_, _| {
            PathAction::Keep
        })
    };
    let Some(mut ev) = flat else { return };
    ev.origin.position = position;
    let Some(ts) = time_of(&ev, &["eventTime"]) else {
        return reject_shape(ctx, position, "CloudTrail event without a usable eventTime");
    };
    ev.ts = Some(ts);
    ctx.emit(ev);
}

/// EventBridge: the CloudTrail event's own names, without `detail.`.
fn bridge_path<'p>(p: &'p str, _: &mut String) -> PathAction<'p> {
    match p.strip_prefix("detail.") {
        Some(rest) => PathAction::Rename(rest),
        None => PathAction::Keep,
    }
}
