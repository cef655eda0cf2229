//! Merging files by event time. Logs of one period come in many files (a
//! Sysmon export, Zeek's conn and ssl logs, the proxy's), each roughly in
//! time order; stateful detection needs them interleaved as they happened.
//! Each file gets its own reader thread and a small bounded channel, and
//! the consumer's side always takes the earliest head among the files, so
//! what reaches the consumer is in time order up to each file's own
//! disorder (which the reorder buffer after it absorbs), with memory
//! bounded by a few batches per file.

use crate::stage::Batch;
use crate::worker::Msg;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use outflow_detect::Finding;
use outflow_event::Event;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// Most files merged by time: each needs its own thread while the run lasts.
pub const MAX_MERGE_FILES: usize = 256;
/// Events per batch from each file when merging (kept small: every file
/// holds a couple of batches in flight).
pub const MERGE_BATCH: usize = 256;
/// Events in flight in all the files' batches together: with many files
/// open, each file's batches are smaller, so memory does not grow with
/// their number.
const MERGE_EVENTS_IN_FLIGHT: usize = 8_192;
/// Fewest events per batch from each file (a channel message per event
/// would cost more than the memory it saves).
const MIN_MERGE_BATCH: usize = 32;

/// Events per batch from each file when `open` files are merged at once.
pub fn merge_batch(open: usize) -> usize {
    (MERGE_EVENTS_IN_FLIGHT / open.max(1)).clamp(MIN_MERGE_BATCH, MERGE_BATCH)
}
/// Events per merged batch handed to the consumer.
const OUT_BATCH: usize = 1024;

/// What the merge needs from the run's collector.
pub trait MergeSink {
    /// Folds a non-batch message in (rejects, counts, end of file).
    fn other(&mut self, file: usize, msg: Msg);
    /// A merged batch for the consumer; false to stop.
    fn batch(&mut self, batch: Batch) -> bool;
    /// Events read (for progress).
    fn read(&mut self, n: u64);
    fn tick(&mut self);
}

/// A lane's channel and how many files it carries (their ends close it).
pub struct MergeLane {
    pub rx: Receiver<(usize, Msg)>,
    pub files: usize,
    /// What the lane's opener knows it by ([`LaneStarter::ended`]).
    pub tag: usize,
}

/// Opens lanes while a merge runs, for files that cannot all be open at
/// once: each opens when the merge reaches its first event's time.
pub trait LaneStarter {
    /// Lanes to open before an event at `key` is taken: files whose first
    /// event is no later (as many as there is room for).
    fn due(&mut self, key: i64) -> Vec<MergeLane>;
    /// Time of the first event of the next file still to open.
    fn next_start(&self) -> Option<i64>;
    /// The lane `tag` has ended: its room is free.
    fn ended(&mut self, tag: usize);
}

/// All lanes open from the start.
struct NoMore;

impl LaneStarter for NoMore {
    fn due(&mut self, _key: i64) -> Vec<MergeLane> {
        Vec::new()
    }
    fn next_start(&self) -> Option<i64> {
        None
    }
    fn ended(&mut self, _tag: usize) {}
}

/// One lane's unread events, with their findings and match ids. The head
/// is the first unread event, read where it lies: an event is moved once,
/// from its batch into the merged one.
struct Cursor {
    rx: Receiver<(usize, Msg)>,
    tag: usize,
    /// Files whose end has not come yet.
    files_left: usize,
    events: std::vec::IntoIter<Event>,
    findings: std::iter::Peekable<std::vec::IntoIter<(u32, Finding)>>,
    matches: std::iter::Peekable<std::vec::IntoIter<(u32, u32)>>,
    /// Index of the head in its batch.
    idx: u32,
    /// Time of the last event with one: an event without a time sorts there.
    last_ts: i64,
    done: bool,
}

impl Cursor {
    fn new(lane: MergeLane) -> Cursor {
        Cursor {
            rx: lane.rx,
            tag: lane.tag,
            files_left: lane.files.max(1),
            events: Vec::new().into_iter(),
            findings: Vec::new().into_iter().peekable(),
            matches: Vec::new().into_iter().peekable(),
            idx: 0,
            last_ts: i64::MIN,
            done: false,
        }
    }

    fn head(&self) -> Option<&Event> {
        self.events.as_slice().first()
    }

    fn key(&self) -> i64 {
        self.head()
            .and_then(|e| e.ts)
            .map(|t| t.0)
            .unwrap_or(self.last_ts)
    }

    /// Makes the next unread event the head, receiving the file's next
    /// batch when this one is used up; false when the file has ended.
    fn advance(&mut self, sink: &mut dyn MergeSink, tick: Duration) -> bool {
        loop {
            if let Some(e) = self.head() {
                if let Some(t) = e.ts {
                    self.last_ts = self.last_ts.max(t.0);
                }
                return true;
            }
            if self.done {
                return false;
            }
            match self.rx.recv_timeout(tick) {
                Ok((_, Msg::Batch(b))) => {
                    sink.read(b.events.len() as u64);
                    self.events = b.events.into_iter();
                    self.findings = b.findings.into_iter().peekable();
                    self.matches = b.matches.into_iter().peekable();
                    self.idx = 0;
                }
                Ok((i, msg @ Msg::Done(..))) => {
                    sink.other(i, msg);
                    self.files_left -= 1;
                    self.done = self.files_left == 0;
                }
                Ok((i, msg)) => sink.other(i, msg),
                Err(RecvTimeoutError::Timeout) => sink.tick(),
                // The reader stopped (a stop was asked for).
                Err(RecvTimeoutError::Disconnected) => self.done = true,
            }
        }
    }

    /// Takes the head with its findings and match ids into `out`.
    fn take(&mut self, out: &mut Batch) {
        let Some(e) = self.events.next() else { return };
        let at = out.events.len() as u32;
        while let Some((_, f)) = self.findings.next_if(|(j, _)| *j == self.idx) {
            out.findings.push((at, f));
        }
        while let Some((_, m)) = self.matches.next_if(|(j, _)| *j == self.idx) {
            out.matches.push((at, m));
        }
        out.events.push(e);
        self.idx += 1;
    }
}

/// Merges the lanes' channels into time-ordered batches.
pub fn merge(lanes: Vec<MergeLane>, sink: &mut dyn MergeSink, tick: Duration) {
    merge_with(lanes, &mut NoMore, sink, tick)
}

/// [`merge`], opening more lanes as `starter` makes them due.
pub fn merge_with(
    lanes: Vec<MergeLane>,
    starter: &mut dyn LaneStarter,
    sink: &mut dyn MergeSink,
    tick: Duration,
) {
    let mut open = Open::default();
    open.add(lanes, starter, sink, tick);
    // Sized up front: a batch grown from empty would copy its events at every doubling.
    let fresh = || Batch {
        events: Vec::with_capacity(OUT_BATCH),
        ..Batch::default()
    };
    let mut out = fresh();
    loop {
        // Files whose first event comes before the earliest head open first.
        let upto = match open.heap.peek() {
            Some(Reverse((key, _))) => Some(*key),
            None => starter.next_start(),
        };
        let Some(upto) = upto else { break };
        let due = starter.due(upto);
        if !due.is_empty() {
            open.add(due, starter, sink, tick);
            continue;
        }
        let Some(Reverse((_, i))) = open.heap.pop() else {
            break;
        };
        let c = &mut open.cursors[i];
        c.take(&mut out);
        if out.events.len() >= OUT_BATCH && !sink.batch(std::mem::replace(&mut out, fresh())) {
            return;
        }
        if c.advance(sink, tick) {
            open.heap.push(Reverse((c.key(), i)));
        } else {
            starter.ended(c.tag);
        }
    }
    if !out.events.is_empty() {
        sink.batch(out);
    }
}

/// The lanes a merge has opened, and their heads' order.
#[derive(Default)]
struct Open {
    cursors: Vec<Cursor>,
    /// (head's time, cursor), earliest on top.
    heap: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Open {
    /// Opens `lanes`: each waits for its first event; one that ends
    /// without any is handed back to `starter` at once.
    fn add(
        &mut self,
        lanes: Vec<MergeLane>,
        starter: &mut dyn LaneStarter,
        sink: &mut dyn MergeSink,
        tick: Duration,
    ) {
        for lane in lanes {
            let mut c = Cursor::new(lane);
            if c.advance(sink, tick) {
                self.heap.push(Reverse((c.key(), self.cursors.len())));
                self.cursors.push(c);
            } else {
                starter.ended(c.tag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_shrink_as_more_files_are_open_within_bounds() {
        assert_eq!(merge_batch(1), MERGE_BATCH);
        assert_eq!(merge_batch(20), MERGE_BATCH);
        assert_eq!(merge_batch(64), 128);
        assert_eq!(merge_batch(MAX_MERGE_FILES), 32);
        assert_eq!(merge_batch(10_000), MIN_MERGE_BATCH);
        assert_eq!(merge_batch(0), MERGE_BATCH);
    }
}
