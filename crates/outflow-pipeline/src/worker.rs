//! The per-thread side of a run: read a file, normalize each event, skip
//! events outside the time range, run the stateless matcher, and send
//! batches (events with their alerts) to the consumer's thread.

use crate::stage::{Batch, EventMatcher, EventProjector, TimeRange};
use crossbeam_channel::Sender;
use outflow_event::{Event, LogSource, Reject};
use outflow_normalize::Normalizer;
use outflow_sources::{EventSink, FileOutcome, Flow};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub const BATCH: usize = 1024;

pub enum Msg {
    Batch(Batch),
    /// Events read and dropped on the reader thread (nobody consumes them).
    Dropped(u64),
    Reject(Reject),
    /// End of a file: what the reader says, events per logsource, events
    /// skipped as outside the time range.
    Done(FileOutcome, BTreeMap<String, u64>, u64),
}

pub struct WorkerSink<'a> {
    pub normalizer: &'a mut Normalizer,
    pub matcher: Option<&'a mut Box<dyn EventMatcher>>,
    /// Makes the smaller copy of each delivered event the consumer reads.
    pub projector: Option<&'a mut Box<dyn EventProjector>>,
    pub range: TimeRange,
    pub tx: Sender<(usize, Msg)>,
    pub file: usize,
    pub batch: Batch,
    pub stop: &'a AtomicBool,
    /// Events per logsource set, keyed by the address of the shared slice
    /// (every event of a mapping rule shares it), so counting costs no hashing of names.
    pub logsources: FxHashMap<usize, (Arc<[LogSource]>, u64)>,
    pub out_of_range: u64,
    /// Send events to the consumer; otherwise drop them here and send counts.
    pub deliver: bool,
    /// Send only the events the matcher flagged (an alert or a correlation
    /// match); drop the others here and send counts.
    pub flagged_only: bool,
    /// Events per batch sent.
    pub batch_size: usize,
    dropped: u64,
    scratch: Vec<outflow_detect::Finding>,
    match_ids: Vec<u32>,
}

impl<'a> WorkerSink<'a> {
    pub fn new(
        normalizer: &'a mut Normalizer,
        matcher: Option<&'a mut Box<dyn EventMatcher>>,
        range: TimeRange,
        tx: Sender<(usize, Msg)>,
        file: usize,
        stop: &'a AtomicBool,
    ) -> Self {
        WorkerSink {
            normalizer,
            matcher,
            projector: None,
            range,
            tx,
            file,
            batch: Batch {
                events: Vec::with_capacity(BATCH),
                findings: Vec::new(),
                matches: Vec::new(),
            },
            stop,
            logsources: Default::default(),
            out_of_range: 0,
            deliver: true,
            flagged_only: false,
            batch_size: BATCH,
            dropped: 0,
            scratch: Vec::new(),
            match_ids: Vec::new(),
        }
    }

    /// Go on, unless a stop was asked for.
    fn flow(&self) -> Flow {
        if self.stop.load(Ordering::Relaxed) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn send(&self, msg: Msg) -> Flow {
        if self.tx.send((self.file, msg)).is_err() || self.stop.load(Ordering::Relaxed) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    pub fn flush(&mut self) -> Flow {
        if self.dropped > 0 {
            let n = std::mem::take(&mut self.dropped);
            if self.send(Msg::Dropped(n)) == Flow::Stop {
                return Flow::Stop;
            }
        }
        if self.batch.events.is_empty() {
            return Flow::Continue;
        }
        let batch = std::mem::replace(
            &mut self.batch,
            Batch {
                events: Vec::with_capacity(BATCH),
                findings: Vec::new(),
                matches: Vec::new(),
            },
        );
        self.send(Msg::Batch(batch))
    }

    /// Per-logsource counts as `product/category/service` strings.
    pub fn logsource_counts(&mut self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (_, (set, n)) in self.logsources.drain() {
            if set.is_empty() {
                *out.entry("(none)".to_string()).or_insert(0) += n;
            }
            for ls in set.iter() {
                *out.entry(ls.to_string()).or_insert(0) += n;
            }
        }
        out
    }
}

impl EventSink for WorkerSink<'_> {
    fn event(&mut self, mut event: Event) -> Flow {
        self.normalizer.normalize(&mut event);
        // Events no rule placed each carry their own empty slice: count them together.
        let key = if event.logsources.is_empty() {
            0
        } else {
            event.logsources.as_ptr() as *const u8 as usize
        };
        self.logsources
            .entry(key)
            .or_insert_with(|| (event.logsources.clone(), 0))
            .1 += 1;
        if !self.range.contains(event.ts) {
            self.out_of_range += 1;
        } else if !self.deliver {
            self.dropped += 1;
            if self.dropped >= self.batch_size as u64 {
                return self.flush();
            }
        } else {
            let mut matched = false;
            if let Some(m) = &mut self.matcher {
                m.process(&event, &mut self.scratch, &mut self.match_ids);
                matched = !self.match_ids.is_empty();
                if self.flagged_only && self.scratch.is_empty() && !matched {
                    self.dropped += 1;
                    if self.dropped >= self.batch_size as u64 {
                        return self.flush();
                    }
                    return self.flow();
                }
                let idx = self.batch.events.len() as u32;
                self.batch
                    .findings
                    .extend(self.scratch.drain(..).map(|f| (idx, f)));
                self.batch
                    .matches
                    .extend(self.match_ids.drain(..).map(|m| (idx, m)));
            }
            // A correlation reads the fields its rules name: matched events go on whole.
            let event = match self.projector.as_mut().filter(|_| !matched) {
                Some(p) => p.project(&event).unwrap_or(event),
                None => event,
            };
            self.batch.events.push(event);
            if self.batch.events.len() >= self.batch_size {
                return self.flush();
            }
        }
        self.flow()
    }

    fn reject(&mut self, reject: Reject) -> Flow {
        self.send(Msg::Reject(reject))
    }
}
