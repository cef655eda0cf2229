//! Settings every first-seen / rare analytic has (besides its own).

use serde::Deserialize;

/// Learning, novelty and upload-join settings, in seconds and bytes.
#[derive(Clone, Debug, Deserialize)]
pub struct NoveltySettings {
    /// Nothing is new on a host until this long after its first event.
    pub learning: u64,
    /// An item stays new this long after it was first seen.
    pub new_window: u64,
    /// Bytes sent within this long after a new item opened are its upload.
    pub upload_window: u64,
    /// Flows this long before the item opened still count (records of
    /// one connection arrive from several sources with slightly different times).
    pub join_slack: u64,
    /// A Linux connection (auditd logs no source address) takes as its own
    /// the first flow to the same address and port within this many seconds.
    pub adopt_within: u64,
    /// Bytes out (to the item's destinations, within the window) that make it an upload.
    pub upload_floor: u64,
    /// An upload sends at least this many times the bytes it receives
    /// (per-host upload/download ratio: calls and streams are symmetric).
    pub upload_ratio: f64,
    /// Most items (host × key) kept; past it the least recently seen go.
    pub max_items: usize,
    /// Most hosts kept.
    pub max_hosts: usize,
}

impl NoveltySettings {
    pub fn learning_us(&self) -> i64 {
        secs(self.learning)
    }
    pub fn new_window_us(&self) -> i64 {
        secs(self.new_window)
    }
    pub fn upload_window_us(&self) -> i64 {
        secs(self.upload_window)
    }
    pub fn join_slack_us(&self) -> i64 {
        secs(self.join_slack)
    }
    pub fn adopt_within_us(&self) -> i64 {
        secs(self.adopt_within)
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX)
}
