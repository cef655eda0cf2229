//! Puts events back in event-time order before the detectors see them.
//!
//! Inputs are read in parallel and files overlap in time, so events reach
//! the detect stage slightly out of order. The buffer holds events until
//! the watermark (the latest time seen minus the allowed lateness) passes
//! them. An event older than the watermark already released is "late": it
//! is passed on at once and counted, never dropped. Events without a time
//! pass straight through. The state is serializable for checkpoints.
//!
//! The buffer holds anything with a time ([`Timed`]): events, or events
//! with the alerts the reader threads found in them.

use outflow_event::{Event, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Something the reorder buffer can place in time.
pub trait Timed {
    fn ts(&self) -> Option<Timestamp>;
}

impl Timed for Event {
    fn ts(&self) -> Option<Timestamp> {
        self.ts
    }
}

#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct ReorderBuffer<T = Event> {
    lateness_ns: i64,
    max_events: usize,
    seq: u64,
    max_seen: Option<Timestamp>,
    watermark: Option<Timestamp>,
    heap: BinaryHeap<Reverse<Held<T>>>,
    pub late: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
struct Held<T> {
    ts: Timestamp,
    seq: u64,
    event: Box<T>,
}

impl<T> PartialEq for Held<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.seq) == (o.ts, o.seq)
    }
}
impl<T> Eq for Held<T> {}
impl<T> PartialOrd for Held<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Held<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.ts, self.seq).cmp(&(o.ts, o.seq))
    }
}

impl<T: Timed> ReorderBuffer<T> {
    /// `lateness`: how far behind the newest event an event may arrive and
    /// still be put in order. `max_events` bounds memory: past it the oldest
    /// events are released early.
    pub fn new(lateness: std::time::Duration, max_events: usize) -> Self {
        ReorderBuffer {
            lateness_ns: lateness.as_nanos().min(i64::MAX as u128) as i64,
            max_events: max_events.max(1),
            seq: 0,
            max_seen: None,
            watermark: None,
            heap: BinaryHeap::new(),
            late: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The time up to which events have been released in order.
    pub fn watermark(&self) -> Option<Timestamp> {
        self.watermark
    }

    /// Adds an event; calls `out` with every event now ready, in time order.
    pub fn push(&mut self, event: T, out: &mut impl FnMut(T)) {
        let Some(ts) = event.ts() else {
            out(event);
            return;
        };
        if self.watermark.is_some_and(|w| ts < w) {
            self.late += 1;
            out(event);
            return;
        }
        self.seq += 1;
        self.heap.push(Reverse(Held {
            ts,
            seq: self.seq,
            event: Box::new(event),
        }));
        if self.max_seen.is_none_or(|m| ts > m) {
            self.max_seen = Some(ts);
        }
        let limit = self
            .max_seen
            .map(|m| Timestamp(m.0.saturating_sub(self.lateness_ns)));
        while let Some(Reverse(top)) = self.heap.peek() {
            let due = limit.is_some_and(|l| top.ts <= l) || self.heap.len() > self.max_events;
            if !due {
                break;
            }
            self.release(out);
        }
    }

    fn release(&mut self, out: &mut impl FnMut(T)) {
        if let Some(Reverse(held)) = self.heap.pop() {
            if self.watermark.is_none_or(|w| held.ts > w) {
                self.watermark = Some(held.ts);
            }
            out(*held.event);
        }
    }

    /// Releases everything held, in order (end of input).
    pub fn flush(&mut self, out: &mut impl FnMut(T)) {
        while !self.heap.is_empty() {
            self.release(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_event::{Origin, Position, SourceKind};
    use std::sync::Arc;
    use std::time::Duration;

    fn ev(secs: i64) -> Event {
        let mut e = Event::new(
            SourceKind::Json,
            Origin {
                file: Arc::from("f"),
                position: Position::Line(secs as u64),
            },
            "",
        );
        e.ts = Some(Timestamp::from_secs(secs));
        e
    }

    #[test]
    fn releases_in_time_order_within_lateness_and_counts_late_events() {
        let mut buf: ReorderBuffer = ReorderBuffer::new(Duration::from_secs(10), 1000);
        let mut out = Vec::new();
        for s in [100, 95, 103, 98, 120, 101, 150, 60] {
            buf.push(ev(s), &mut |e| out.push(e.ts.unwrap().secs()));
        }
        buf.flush(&mut |e| out.push(e.ts.unwrap().secs()));
        // 101 arrives after 103 was released (watermark 110 at t=120): late, passed at once.
        assert_eq!(out, [95, 98, 100, 103, 101, 120, 60, 150]);
        assert_eq!(buf.late, 2);
    }

    #[test]
    fn memory_bound_releases_earliest_first() {
        let mut buf: ReorderBuffer = ReorderBuffer::new(Duration::from_secs(1_000_000), 3);
        let mut out = Vec::new();
        for s in [5, 4, 3, 2, 1] {
            buf.push(ev(s), &mut |e| out.push(e.ts.unwrap().secs()));
        }
        // The 4th event overflows the bound and releases the earliest (2);
        // 1 then arrives behind the watermark and is passed on as late.
        assert_eq!(buf.len(), 3);
        assert_eq!(out, [2, 1]);
        assert_eq!(buf.late, 1);
    }

    #[test]
    fn state_serializes() {
        let mut buf: ReorderBuffer = ReorderBuffer::new(Duration::from_secs(10), 100);
        buf.push(ev(1), &mut |_| {});
        let json = serde_json::to_string(&buf).unwrap();
        let mut back: ReorderBuffer = serde_json::from_str(&json).unwrap();
        let mut out = Vec::new();
        back.flush(&mut |e| out.push(e.ts.unwrap().secs()));
        assert_eq!(out, [1]);
    }
}
