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
use std::collections::{BinaryHeap, VecDeque};

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
    /// Items that arrived in order (no earlier than the one before): most
    /// of them, since the merge already interleaves files by time. Held
    /// here by value, oldest first, they cost no allocation nor sifting.
    in_order: VecDeque<Held<T>>,
    /// Items that arrived out of order, earliest on top.
    heap: BinaryHeap<Reverse<Held<Box<T>>>>,
    pub late: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
struct Held<T> {
    ts: Timestamp,
    seq: u64,
    event: T,
}

impl<T> Held<T> {
    fn key(&self) -> (Timestamp, u64) {
        (self.ts, self.seq)
    }
}

impl<T> PartialEq for Held<T> {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
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
        self.key().cmp(&o.key())
    }
}

impl<T: Timed> ReorderBuffer<T> {
    pub fn new(lateness: std::time::Duration, max_events: usize) -> Self {
        ReorderBuffer {
            lateness_ns: lateness.as_nanos().min(i64::MAX as u128) as i64,
            max_events: max_events.max(1),
            seq: 0,
            max_seen: None,
            watermark: None,
            in_order: VecDeque::new(),
            heap: BinaryHeap::new(),
            late: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.in_order.len() + self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn watermark(&self) -> Option<Timestamp> {
        self.watermark
    }

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
        let seq = self.seq;
        if self.in_order.back().is_none_or(|b| b.ts <= ts) {
            self.in_order.push_back(Held { ts, seq, event });
        } else {
            self.heap.push(Reverse(Held {
                ts,
                seq,
                event: Box::new(event),
            }));
        }
        if self.max_seen.is_none_or(|m| ts > m) {
            self.max_seen = Some(ts);
        }
        let limit = self
            .max_seen
            .map(|m| Timestamp(m.0.saturating_sub(self.lateness_ns)));
        while let Some(first) = self.first() {
            let due = limit.is_some_and(|l| first <= l) || self.len() > self.max_events;
            if !due {
                break;
            }
            self.release(out);
        }
    }

    /// Where the earliest item held (by time, then arrival) waits: in the
    /// heap (`true`) or the queue (`false`); `None` when nothing is held.
    fn earliest_in_heap(&self) -> Option<bool> {
        match (self.in_order.front(), self.heap.peek()) {
            (Some(a), Some(Reverse(b))) => Some(b.key() < a.key()),
            (None, Some(_)) => Some(true),
            (Some(_), None) => Some(false),
            (None, None) => None,
        }
    }

    /// Time of the earliest item held.
    fn first(&self) -> Option<Timestamp> {
        if self.earliest_in_heap()? {
            self.heap.peek().map(|Reverse(h)| h.ts)
        } else {
            self.in_order.front().map(|h| h.ts)
        }
    }

    /// Releases the earliest item held.
    fn release(&mut self, out: &mut impl FnMut(T)) {
        let next = match self.earliest_in_heap() {
            Some(true) => self.heap.pop().map(|Reverse(h)| (h.ts, *h.event)),
            Some(false) => self.in_order.pop_front().map(|h| (h.ts, h.event)),
            None => None,
        };
        let Some((ts, event)) = next else { return };
        if self.watermark.is_none_or(|w| ts > w) {
            self.watermark = Some(ts);
        }
        out(event);
    }

    pub fn flush(&mut self, out: &mut impl FnMut(T)) {
        while !self.is_empty() {
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

    /// The buffer as it was before the in-order queue: one heap of every
    /// item held. Releases must be the same, item for item.
    fn heap_only(times: &[i64], lateness: i64, max: usize) -> (Vec<(i64, usize)>, u64) {
        let mut heap = BinaryHeap::new();
        let (mut out, mut late, mut max_seen, mut watermark) = (Vec::new(), 0, None, None);
        for (i, &t) in times.iter().enumerate() {
            if watermark.is_some_and(|w| t < w) {
                late += 1;
                out.push((t, i));
                continue;
            }
            heap.push(Reverse((t, i)));
            max_seen = Some(max_seen.map_or(t, |m: i64| m.max(t)));
            while let Some(Reverse((top, _))) = heap.peek() {
                if !(*top <= max_seen.unwrap() - lateness || heap.len() > max) {
                    break;
                }
                let Reverse((t, i)) = heap.pop().unwrap();
                watermark = Some(watermark.map_or(t, |w: i64| w.max(t)));
                out.push((t, i));
            }
        }
        while let Some(Reverse(x)) = heap.pop() {
            out.push(x);
        }
        (out, late)
    }

    proptest::proptest! {
        #[test]
        fn releases_as_one_heap_would(
            times in proptest::collection::vec(0i64..60, 0..300),
            lateness in 0i64..20,
            max in 1usize..50,
        ) {
            let mut buf: ReorderBuffer = ReorderBuffer::new(Duration::from_secs(lateness as u64), max);
            let mut out = Vec::new();
            for (i, &t) in times.iter().enumerate() {
                let mut e = ev(t);
                e.origin.position = Position::Line(i as u64);
                buf.push(e, &mut |e| out.push(e));
            }
            buf.flush(&mut |e| out.push(e));
            let got: Vec<(i64, usize)> = out
                .iter()
                .map(|e| {
                    let Position::Line(i) = e.origin.position else { unreachable!() };
                    (e.ts.unwrap().secs(), i as usize)
                })
                .collect();
            let (want, late) = heap_only(&times, lateness, max);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(buf.late, late);
        }
    }
}
