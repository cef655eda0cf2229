//! Merging more files than can be open at once, in the order their events
//! begin (a month of hourly-rotated Zeek logs, daily proxy logs).
//!
//! Merging by time reads every open file on its own thread, so the files
//! open at once are bounded ([`crate::merge::MAX_MERGE_FILES`]). When a
//! run has more files than that, and more bytes in the smaller ones than
//! the shared lane holds ([`crate::lanes`]), each file's first event time
//! is read first, and the files open in that order: a file opens when the
//! merge reaches its first event, on a reader whose last file has ended.
//! Rotated logs follow each other in time, so few are open at once and
//! every event still reaches the consumer in time order. When more files
//! than the bound are due at once, a file opens late and its earliest
//! events may arrive after later ones (the reorder buffer counts them as
//! late); the summary says how many files opened late. That happens when
//! more files than the bound overlap in time, and in runs that hand on
//! only flagged events (`hunt --rules`), where the merge's time moves in
//! jumps from one alert to the next and many files fall due at once.

use crate::merge::{LaneStarter, MergeLane};
use crate::worker::Msg;
use crossbeam_channel::{bounded, unbounded, RecvTimeoutError, Sender};
use outflow_event::{Event, Reject, SourceKind};
use outflow_sources::{read_input, EventSink, Flow, InputSpec, Limits};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Records read at most to find a file's first event time.
const PEEK_RECORDS: u32 = 1_000;

/// A file for a reader to read, and where its messages go.
pub type Job = (usize, Sender<(usize, Msg)>);

/// The first event time (ns) of each input, read on `threads` threads;
/// `None` for a file whose first records carry no time, and for standard
/// input. `peeked` hears, on the calling thread, how many files have been
/// looked at: every `tick` while they are read (thousands of compressed
/// files on slow storage take a while), and once at the end.
pub fn first_times(
    inputs: &[InputSpec],
    forced: Option<SourceKind>,
    limits: &Limits,
    threads: usize,
    tick: Duration,
    peeked: &mut dyn FnMut(u64),
) -> Vec<Option<i64>> {
    let next = AtomicUsize::new(0);
    let mut times = vec![None; inputs.len()];
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = unbounded::<()>();
        let workers: Vec<_> = (0..threads.clamp(1, inputs.len().max(1)))
            .map(|_| {
                let done_tx = done_tx.clone();
                let next = &next;
                scope.spawn(move || {
                    let mut found = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        // Standard input can be read once only: it opens
                        // first, as a file without a time does.
                        if !matches!(input, InputSpec::Stdin) {
                            let mut peek = FirstTime::default();
                            read_input(input, forced, limits, &mut peek, None);
                            found.push((i, peek.ts));
                        }
                        let _ = done_tx.send(());
                    }
                    found
                })
            })
            .collect();
        drop(done_tx);
        // Counts files as the workers finish them, until every worker has
        // ended (its sender dropped, or dropped by a panic).
        let mut count = 0u64;
        let mut last_tick = Instant::now();
        loop {
            match done_rx.recv_timeout(tick) {
                Ok(()) => count += 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if last_tick.elapsed() >= tick {
                peeked(count);
                last_tick = Instant::now();
            }
        }
        peeked(count);
        for w in workers {
            // A peek that panicked leaves its files without a time: they
            // open first, as files without times do.
            for (i, ts) in w.join().unwrap_or_default() {
                times[i] = ts;
            }
        }
    });
    times
}

/// Stops at the first event with a time, or after [`PEEK_RECORDS`].
#[derive(Default)]
struct FirstTime {
    ts: Option<i64>,
    records: u32,
}

impl FirstTime {
    fn counted(&mut self) -> Flow {
        self.records += 1;
        if self.ts.is_some() || self.records >= PEEK_RECORDS {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

impl EventSink for FirstTime {
    fn event(&mut self, event: Event) -> Flow {
        self.ts = event.ts.map(|t| t.0);
        self.counted()
    }

    fn reject(&mut self, _reject: Reject) -> Flow {
        self.counted()
    }
}

/// Opens files in order of their first event as the merge reaches it, on
/// readers that are free.
pub struct Staggered {
    /// Files not yet open: (first event time, input index), earliest first.
    pending: VecDeque<(i64, usize)>,
    /// Readers with no file open.
    free: Vec<usize>,
    /// Each reader's job queue.
    jobs: Vec<Sender<Job>>,
    /// Batches in flight per open file.
    depth: usize,
    /// The file that was due while every reader was busy.
    waiting: Option<usize>,
    /// Files opened after the merge had passed their first event's time.
    pub late_starts: u64,
}

impl Staggered {
    /// `times` from [`first_times`]; `jobs` one queue per reader.
    pub fn new(times: &[Option<i64>], jobs: Vec<Sender<Job>>, depth: usize) -> Self {
        let mut pending: Vec<(i64, usize)> = times
            .iter()
            .enumerate()
            .map(|(i, t)| (t.unwrap_or(i64::MIN), i))
            .collect();
        // By time; input order among equals (and among files without one).
        pending.sort_unstable();
        Staggered {
            pending: pending.into(),
            free: (0..jobs.len()).rev().collect(),
            jobs,
            depth,
            waiting: None,
            late_starts: 0,
        }
    }
}

impl LaneStarter for Staggered {
    fn due(&mut self, key: i64) -> Vec<MergeLane> {
        let mut lanes = Vec::new();
        while let Some(&(first, idx)) = self.pending.front() {
            if first > key {
                break;
            }
            let Some(reader) = self.free.pop() else {
                self.waiting.get_or_insert(idx);
                break;
            };
            self.pending.pop_front();
            if self.waiting == Some(idx) {
                self.waiting = None;
                self.late_starts += 1;
            }
            let (tx, rx) = bounded(self.depth);
            if self.jobs[reader].send((idx, tx)).is_err() {
                // The reader has gone (a stop was asked for).
                continue;
            }
            lanes.push(MergeLane {
                rx,
                files: 1,
                tag: reader,
            });
        }
        lanes
    }

    fn next_start(&self) -> Option<i64> {
        self.pending.front().map(|(t, _)| *t)
    }

    fn ended(&mut self, tag: usize) {
        self.free.push(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::unbounded;

    fn starter(
        times: &[Option<i64>],
        readers: usize,
    ) -> (Staggered, Vec<crossbeam_channel::Receiver<Job>>) {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..readers).map(|_| unbounded()).unzip();
        (Staggered::new(times, txs, 1), rxs)
    }

    fn opened(lanes: &[MergeLane], rxs: &[crossbeam_channel::Receiver<Job>]) -> Vec<usize> {
        lanes
            .iter()
            .map(|l| rxs[l.tag].try_recv().expect("a job").0)
            .collect()
    }

    #[test]
    fn files_open_when_the_merge_reaches_their_first_event() {
        let (mut s, rxs) = starter(&[Some(30), None, Some(10), Some(20)], 4);
        // The file without a time opens first, then each as its time comes.
        assert_eq!(s.next_start(), Some(i64::MIN));
        assert_eq!(opened(&s.due(i64::MIN), &rxs), [1]);
        assert_eq!(opened(&s.due(15), &rxs), [2]);
        assert!(s.due(15).is_empty());
        assert_eq!(opened(&s.due(30), &rxs), [3, 0]);
        assert_eq!(s.next_start(), None);
        assert_eq!(s.late_starts, 0);
    }

    #[test]
    fn a_file_due_while_every_reader_is_busy_opens_late_and_is_counted() {
        let (mut s, rxs) = starter(&[Some(1), Some(2), Some(3)], 2);
        let first = s.due(5);
        assert_eq!(opened(&first, &rxs), [0, 1]);
        assert!(s.due(5).is_empty(), "no reader is free");
        s.ended(first[0].tag);
        assert_eq!(opened(&s.due(6), &rxs), [2]);
        assert_eq!(s.late_starts, 1);
    }
}
