//! One group's window: its matches in time order, and the decisions over them.
//!
//! Entries stay sorted by event time, so a late event is put where it
//! belongs. A group keeps entries back to `2 × timespan` before its newest
//! one: a late event up to one `timespan` old is then judged with every
//! entry its windows can contain.

use super::aggregate::{measure, rare_values};
use super::condition::Condition;
use super::rule::CorrelationType;
use outflow_event::Origin;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The value an entry carries for the aggregation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Val {
    None,
    Num(f64),
    Text(String),
}

/// One match: when, which referenced rule (slot), its value, where from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub ts: i64,
    pub slot: u16,
    pub val: Val,
    pub origin: Origin,
}

/// The matches of one group-by key.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Group {
    /// The group-by values, in `group-by` order.
    pub values: Vec<String>,
    pub entries: VecDeque<Entry>,
    /// Sliding: time of the event that last fired (the window restarts after
    /// it). Closing: end of the last closed window.
    pub reset_at: Option<i64>,
    /// Host and user of the newest event, for the alert.
    pub host: Option<String>,
    pub user: Option<String>,
}

/// The shape of one correlation that a group needs to decide.
pub struct Spec<'a> {
    pub kind: CorrelationType,
    pub condition: &'a Condition,
    pub span: i64,
    pub n_slots: usize,
    pub evidence: usize,
}

/// A decided window.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Time of the event that completed the window.
    pub ts: i64,
    pub evidence: Vec<Origin>,
}

/// Why an event was not admitted to a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Late {
    /// Older than the newest entry minus `timespan`.
    Window,
    /// Before the window that last fired or closed.
    AfterReset,
}

impl Group {
    pub fn admits(&self, ts: i64, span: i64, closing: bool) -> Result<(), Late> {
        match self.reset_at {
            Some(r) if ts < r || (closing && ts == r) => return Err(Late::AfterReset),
            _ => {}
        }
        match self.entries.back() {
            Some(b) if !closing && ts < b.ts.saturating_sub(span) => Err(Late::Window),
            _ => Ok(()),
        }
    }

    /// Inserts after entries of equal time; returns the index.
    pub fn insert(&mut self, e: Entry) -> usize {
        let k = self.entries.partition_point(|x| x.ts <= e.ts);
        self.entries.insert(k, e);
        k
    }

    /// Drops the oldest entries beyond `max`; returns how many.
    pub fn cap(&mut self, max: usize) -> usize {
        let mut n = 0;
        while self.entries.len() > max.max(1) {
            self.entries.pop_front();
            n += 1;
        }
        n
    }

    /// Drops entries no window can need any more.
    pub fn prune_before(&mut self, cutoff: i64) -> usize {
        let n = self.entries.partition_point(|x| x.ts < cutoff);
        self.entries.drain(..n);
        n
    }

    /// Sliding decision after entries were inserted from index `k` (time `t`):
    /// the windows ending at `k` and at the later entries up to `t + span`
    /// now contain the new match. Fires on the first that holds, then
    /// restarts the group after that event.
    pub fn slide(&mut self, k: usize, t: i64, spec: &Spec) -> Option<Hit> {
        let last = t.saturating_add(spec.span);
        let mut a = k;
        while a < self.entries.len() {
            let at = self.entries[a].ts;
            if at > last {
                break;
            }
            let start = self
                .entries
                .partition_point(|x| x.ts < at.saturating_sub(spec.span));
            let window: Vec<&Entry> = self.entries.range(start..=a).collect();
            let holds =
                measure(spec.kind, spec.n_slots, &window).is_some_and(|v| spec.condition.holds(v));
            if holds {
                let hit = Hit {
                    ts: at,
                    evidence: evidence(&window, spec.evidence),
                };
                // Later windows are subsets of ones already judged: stop here.
                self.entries.drain(..=a);
                self.reset_at = Some(at);
                return Some(hit);
            }
            a += 1;
        }
        None
    }

    /// Closing decision: every window (opened by its first entry) that ends
    /// before `now` is judged and dropped; `None` closes all (end of input).
    pub fn close(&mut self, now: Option<i64>, spec: &Spec, hits: &mut Vec<Hit>) {
        while let Some(front) = self.entries.front() {
            let end = front.ts.saturating_add(spec.span);
            if now.is_some_and(|now| now <= end) {
                break;
            }
            let n = self.entries.partition_point(|x| x.ts <= end);
            let window: Vec<&Entry> = self.entries.range(..n).collect();
            if let Some(h) = judge_closed(&window, spec) {
                hits.push(h);
            }
            self.entries.drain(..n);
            self.reset_at = Some(end);
        }
    }
}

fn judge_closed(window: &[&Entry], spec: &Spec) -> Option<Hit> {
    if spec.kind == CorrelationType::ValuePercentile {
        let rare = rare_values(window, |p| spec.condition.holds(p));
        let last = rare.last()?;
        return Some(Hit {
            ts: last.ts,
            evidence: evidence(&rare, spec.evidence),
        });
    }
    let v = measure(spec.kind, spec.n_slots, window)?;
    if !spec.condition.holds(v) {
        return None;
    }
    Some(Hit {
        ts: window.last()?.ts,
        evidence: evidence(window, spec.evidence),
    })
}

/// The origins of the first `n` and last `n` contributing events (one event
/// matching several referenced rules counts once).
fn evidence(window: &[&Entry], n: usize) -> Vec<Origin> {
    let mut all: Vec<&Origin> = Vec::new();
    for e in window {
        if all.last() != Some(&&e.origin) {
            all.push(&e.origin);
        }
    }
    if all.len() > 2 * n {
        let tail = all.split_off(all.len() - n);
        all.truncate(n);
        all.extend(tail);
    }
    all.into_iter().cloned().collect()
}
