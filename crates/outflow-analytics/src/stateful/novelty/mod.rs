//! What the first-seen and rare analytics share: when (in event time) hosts,
//! items and destinations were first and last seen ([`seen`]), the keys
//! they are counted under ([`keys`]), and the uploads that follow a new
//! item ([`uploads`]).
//!
//! The rule that makes hunts repeatable: an item counts as new at an event
//! when its recorded first-seen time is at or after the event's time minus
//! the analytic's `new_window`. First-seen times only move earlier and
//! last-seen times only later, so a baseline saved by a run over some data
//! never hides that data from the next run over it.

pub mod keys;
pub mod prevalence;
pub mod seen;
pub mod settings;
pub mod uploads;

pub use keys::{dest_key, host_key, is_external};
pub use prevalence::Prevalence;
pub use seen::{HostClock, Seen, SeenMap};
pub use settings::NoveltySettings;
pub use uploads::{add_upload, Candidate, FlowRec, UploadJoin};

use crate::view::{Flow, Kind, View};
use crate::Ctx;
use outflow_detect::Evidence;
use outflow_intel::{AllowQuery, Sanctioned};
use serde::{Deserialize, Serialize};

/// The view's flow as the upload join keeps it: outbound, with bytes out.
pub fn flow_rec(view: &View<'_>) -> Option<FlowRec> {
    let f = view.flow.as_ref()?;
    let bytes = f.bytes_out.filter(|b| *b > 0)?;
    if !is_external(f) {
        return None;
    }
    Some(FlowRec {
        t: view.micros(),
        host: view.host_key().cloned(),
        src_ip: f.src_ip,
        dst_ip: f.dst_ip,
        dst_port: f.dst_port,
        dest: view.dest_key().cloned(),
        source: view.ev.source.as_str(),
        bytes_out: bytes,
        bytes_in: f.bytes_in.unwrap_or(0),
        domain: f.domain.clone(),
        time: view.ev.ts,
        origin: view.ev.origin.clone(),
    })
}

/// The organisation sanctions the destination (service, tenant, bucket or domain).
pub fn sanctioned(ctx: &Ctx, flow: &Flow) -> bool {
    flow.service.as_ref().is_some_and(|s| s.sanctioned)
        || flow
            .domain
            .as_deref()
            .is_some_and(|d| ctx.policy.is_sanctioned(Sanctioned::Domain(d)))
}

/// An allowlist rule of the policy covers this activity.
pub fn allowed(ctx: &Ctx, view: &View<'_>) -> bool {
    let q = AllowQuery {
        host: view.host.as_deref(),
        user: view.user.as_deref(),
        image: view.image.as_deref(),
        signer: view.get("Signature"),
        destination: view.flow.as_ref().and_then(|f| f.domain.as_deref()),
    };
    ctx.policy.allowed_by(&q).is_some()
}

/// The risk of an upload of `bytes` to a destination of `category`: the
/// category's risk (else `default`), one more from `large` bytes on.
pub fn upload_risk(
    table: &std::collections::BTreeMap<String, u8>,
    default: u8,
    large: u64,
    category: Option<&str>,
    bytes: u64,
) -> u8 {
    let base = category
        .and_then(|c| table.get(c).copied())
        .unwrap_or(default);
    base.saturating_add(u8::from(bytes >= large)).min(10)
}

/// A saved first-seen state: hosts and items with their spans.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Layout of this state; a different one is refused.
    pub version: u32,
    pub hosts: Vec<seen::Row>,
    pub items: Vec<seen::Row>,
}

/// Layout version of [`Snapshot`].
pub const SNAPSHOT_VERSION: u32 = 1;

impl Snapshot {
    /// Reads a state a snapshot gave, refusing another layout.
    pub fn read(state: serde_json::Value) -> Result<Option<Snapshot>, String> {
        if state.is_null() {
            return Ok(None);
        }
        let s: Snapshot = serde_json::from_value(state).map_err(|e| e.to_string())?;
        if s.version != SNAPSHOT_VERSION {
            return Err(format!(
                "state layout {} (this version reads {SNAPSHOT_VERSION})",
                s.version
            ));
        }
        Ok(Some(s))
    }
}

/// Evidence after the first (the event that opened the item) in time order;
/// records of the same time in a fixed order, so reruns print the same alert.
pub fn sort_evidence(ev: &mut [Evidence]) {
    if let Some((_, rest)) = ev.split_first_mut() {
        rest.sort_by(|a, b| {
            (a.time, &a.source, &a.summary, &*a.origin.file).cmp(&(
                b.time,
                &b.source,
                &b.summary,
                &*b.origin.file,
            ))
        });
    }
}

/// The kinds of record that show a host reaching a destination.
pub fn reaches(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::NetConn | Kind::Conn | Kind::Tls | Kind::Http | Kind::Firewall
    )
}

/// A host reaching an external destination, keyed as the destination
/// analytics key it.
pub struct Reached<'v> {
    pub t: i64,
    /// The view's host, as written.
    pub host: &'v std::sync::Arc<str>,
    /// Its key ([`host_key`]).
    pub hk: std::sync::Arc<str>,
    /// The destination's key ([`dest_key`]).
    pub dest: std::sync::Arc<str>,
    pub flow: &'v Flow,
}

/// What new-destination and rare-destination do first with every view:
/// feed its bytes out to the upload join, then name the external
/// destination its host reached, if it reached one.
pub fn reached<'v, T>(view: &'v View<'_>, join: &mut UploadJoin<T>) -> Option<Reached<'v>> {
    let t = view.micros();
    if t == 0 || !reaches(view.kind) {
        return None;
    }
    if let Some(r) = view.flow_rec() {
        join.observe(r);
    }
    let (Some(host), Some(flow)) = (&view.host, &view.flow) else {
        return None;
    };
    if !is_external(flow) {
        return None;
    }
    let dest = view.dest_key()?.clone();
    Some(Reached {
        t,
        host,
        hk: view.host_key()?.clone(),
        dest,
        flow,
    })
}
