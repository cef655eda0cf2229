use crate::keys::KeyCache;
use outflow_event::{Event, Key, Origin, Position, Reject, RejectReason};
use std::sync::Arc;

/// Explicit limits on what one record may cost.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest accepted text line, in bytes (default 1 MiB).
    pub max_line_bytes: usize,
    /// Deepest accepted JSON nesting (default 64).
    pub max_json_depth: usize,
    /// Largest multi-line record (pretty-printed JSON object), in bytes (default 16 MiB).
    pub max_record_bytes: usize,
    /// Largest compressed or piped EVTX file decoded in memory (default 1 GiB).
    pub max_evtx_in_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 1 << 20,
            max_json_depth: 64,
            max_record_bytes: 16 << 20,
            max_evtx_in_memory: 1 << 30,
        }
    }
}

/// Whether the reader should go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Where a reader delivers what it reads.
pub trait EventSink {
    fn event(&mut self, event: Event) -> Flow;
    fn reject(&mut self, reject: Reject) -> Flow;
}

/// Where the JSON record last handed to a format ended (see `json::records`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEnd {
    /// The record ended at this offset of the text it was handed.
    At(usize),
    /// The text ended inside the record: it continues on the next lines.
    Incomplete,
}

/// Everything a format reader needs while reading one input.
pub struct ReadCtx<'a> {
    pub file: Arc<str>,
    pub limits: &'a Limits,
    pub keys: KeyCache,
    sink: &'a mut dyn EventSink,
    stopped: bool,
    pub events: u64,
    pub rejects: u64,
    /// Set while the framer hands a whole line to a format that walks it
    /// itself; the format then reports where the record ended.
    pub(crate) json_line_mode: bool,
    pub(crate) record_end: Option<RecordEnd>,
}

impl<'a> ReadCtx<'a> {
    pub fn new(file: Arc<str>, limits: &'a Limits, sink: &'a mut dyn EventSink) -> Self {
        ReadCtx {
            file,
            limits,
            keys: KeyCache::default(),
            sink,
            stopped: false,
            events: 0,
            rejects: 0,
            json_line_mode: false,
            record_end: None,
        }
    }

    pub fn origin(&self, position: Position) -> Origin {
        Origin {
            file: self.file.clone(),
            position,
        }
    }

    pub fn key(&mut self, name: &str) -> Key {
        self.keys.get(name)
    }

    pub fn emit(&mut self, event: Event) {
        self.events += 1;
        if self.sink.event(event) == Flow::Stop {
            self.stopped = true;
        }
    }

    pub fn reject(&mut self, reason: RejectReason, position: Position, detail: impl Into<String>) {
        self.rejects += 1;
        let r = Reject::new(reason, &self.file, position, detail);
        if self.sink.reject(r) == Flow::Stop {
            self.stopped = true;
        }
    }

    /// True once the sink asked to stop (for example `--strict` after a reject).
    pub fn stopped(&self) -> bool {
        self.stopped
    }
}

/// A sink that hands each event to `each` (normalizing it, say) and drops
/// it where it was read, counting events and rejects: the cost of reading
/// alone, for benchmarks and rate tools.
pub struct DropSink<F> {
    pub each: F,
    pub events: u64,
    pub rejects: u64,
}

impl<F: FnMut(&mut Event)> DropSink<F> {
    pub fn new(each: F) -> Self {
        DropSink {
            each,
            events: 0,
            rejects: 0,
        }
    }
}

impl<F: FnMut(&mut Event)> EventSink for DropSink<F> {
    fn event(&mut self, mut event: Event) -> Flow {
        (self.each)(&mut event);
        self.events += 1;
        std::hint::black_box(&event);
        Flow::Continue
    }

    fn reject(&mut self, _reject: Reject) -> Flow {
        self.rejects += 1;
        Flow::Continue
    }
}

/// A sink that collects everything, for tests and small tools.
#[derive(Default)]
pub struct CollectSink {
    pub events: Vec<Event>,
    pub rejects: Vec<Reject>,
}

impl EventSink for CollectSink {
    fn event(&mut self, event: Event) -> Flow {
        self.events.push(event);
        Flow::Continue
    }

    fn reject(&mut self, reject: Reject) -> Flow {
        self.rejects.push(reject);
        Flow::Continue
    }
}
