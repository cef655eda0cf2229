//! TODO: format reader (being written).

use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::json::RecordMeta;

pub fn sniff(_s: &Sample) -> bool {
    false
}

pub fn record(_text: &str, _meta: RecordMeta, _ctx: &mut ReadCtx) {}
