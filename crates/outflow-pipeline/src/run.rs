use crate::lanes::{self, MergeLimits, SmallLane};
use crate::merge::{merge, merge_batch, merge_with, MergeLane, MergeSink};
use crate::stage::{Batch, MatcherFactory, ProjectorFactory, TimeRange};
use crate::staggered::{self, Job, Staggered};
use crate::summary::{FileSummary, Summary};
use crate::worker::{Msg, WorkerSink, BATCH};
use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};
use outflow_event::{Event, Reject, SourceKind};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_input, Flow, InputSpec, Limits};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to read and how.
#[derive(Clone)]
pub struct RunConfig {
    pub inputs: Vec<InputSpec>,
    /// Format for every input instead of detecting it.
    pub forced: Option<SourceKind>,
    pub limits: Limits,
    /// Reader threads (at most one per input).
    pub threads: usize,
    /// Stop at the first reject (record or file).
    pub strict: bool,
    /// Deliver events file by file in input order (for printing). Otherwise
    /// batches arrive as the threads produce them.
    pub ordered: bool,
    /// Interleave the files by event time (for stateful detection): every
    /// file is read at once on its own thread, up to
    /// [`MergeLimits::max_open_files`]; past that, the smaller files share
    /// one reader, or (when they hold too much) the files open in the order
    /// their events begin, that many at most at once.
    pub merge_by_time: bool,
    pub merge_limits: MergeLimits,
    pub mappings: Arc<Mappings>,
    /// Events outside this range are skipped (and counted) before detection.
    pub range: TimeRange,
    /// Stateless detection run on the reader threads (one matcher each).
    pub matchers: Option<Arc<dyn MatcherFactory>>,
    /// Hand events to the consumer. When nothing prints or keeps them (a
    /// count or a summary only), reader threads drop each event where it
    /// was read and send only counts, sparing the consumer's thread.
    pub deliver_events: bool,
    /// With matchers: hand the consumer only the events a matcher flagged
    /// (an alert or a correlation match). For consumers that keep no state
    /// over events (no stateful analytics, no correlations): the others are
    /// dropped where they were read and counted ([`Consumer::dropped`]).
    pub flagged_only: bool,
    /// What the consumer reads of each event, made on the reader threads
    /// (see [`crate::stage::EventProjector`]); `None` hands events on whole.
    pub projection: Option<Arc<dyn ProjectorFactory>>,
}

/// Where a run delivers what it read. Called on one thread only.
pub trait Consumer {
    fn events(&mut self, events: Vec<Event>) -> Flow;
    /// A batch with the alerts the reader threads found; consumers that
    /// run no matchers only see its events.
    fn batch(&mut self, batch: Batch) -> Flow {
        self.events(batch.events)
    }
    fn reject(&mut self, reject: &Reject);
    fn tick(&mut self, _progress: &Progress) {}
    /// Events read and dropped on the reader threads, never delivered.
    fn dropped(&mut self, _n: u64) {}
}

/// Progress figures, for a progress bar.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub files_total: u64,
    pub files_done: u64,
    pub bytes_total: u64,
    /// Bytes read from the inputs as stored (compressed where compressed).
    pub bytes_read: u64,
    pub events: u64,
    pub elapsed: Duration,
    /// Before a merge in start order ([`crate::staggered`]): the files'
    /// first events are being read, and how many files have been.
    pub peeking: bool,
    pub files_peeked: u64,
}

const TICK: Duration = Duration::from_millis(100);

/// Reads every input, normalizes and hands events and rejects to `consumer`.
pub fn run(cfg: &RunConfig, consumer: &mut dyn Consumer) -> Summary {
    let start = Instant::now();
    let n = cfg.inputs.len();
    // Merging by time reads each lane on its own thread ([`crate::lanes`]).
    let wants_merge = cfg.merge_by_time && !cfg.ordered && n > 1;
    let lanes = wants_merge
        .then(|| lanes::plan(&cfg.inputs, cfg.merge_limits))
        .flatten();
    let merging = lanes.is_some();
    // Too many files to open at once: they open in the order their events begin.
    let staggered = wants_merge && !merging;
    // What each reader takes in turn: a lane when merging, else one file
    // (so in ordered runs the unit's index is its file's).
    let units: Vec<Vec<usize>> = lanes.unwrap_or_else(|| (0..n).map(|i| vec![i]).collect());
    let threads = if merging {
        units.len()
    } else if staggered {
        0
    } else {
        cfg.threads.clamp(1, n.max(1))
    };
    // Staggered merging: readers that take one file at a time, as the merge opens them.
    let staggered_readers = cfg.merge_limits.max_open_files.clamp(1, n.max(1));
    let batch_size = if merging {
        merge_batch(units.len())
    } else if staggered {
        merge_batch(staggered_readers)
    } else {
        BATCH
    };
    // Merging holds each file to one batch in flight (memory); batches of
    // flagged events only are small, and the merge waits on the file whose
    // next alert is furthest, so the other readers get room to go on meanwhile.
    let merge_depth = if cfg.flagged_only { 64 } else { 1 };
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let mut progress = Progress {
        files_total: n as u64,
        bytes_total: cfg.inputs.iter().map(InputSpec::size).sum(),
        ..Progress::default()
    };
    let first_times = staggered.then(|| {
        progress.peeking = true;
        let times = staggered::first_times(
            &cfg.inputs,
            cfg.forced,
            &cfg.limits,
            cfg.threads,
            TICK,
            &mut |peeked| {
                progress.files_peeked = peeked;
                progress.elapsed = start.elapsed();
                consumer.tick(&progress);
            },
        );
        progress.peeking = false;
        times
    });
    let mut summary = Summary::default();
    let mut files: Vec<Option<FileSummary>> = vec![None; n];

    std::thread::scope(|scope| {
        // Ordered and merged runs give each unit its own bounded channel,
        // registered here under the unit's index.
        let (reg_tx, reg_rx) = bounded::<(usize, Receiver<(usize, Msg)>)>(n.max(1));
        // Unordered runs share one bounded channel.
        let (shared_tx, shared_rx) = bounded::<(usize, Msg)>(threads * 8);
        for _ in 0..threads {
            let (reg_tx, shared_tx) = (reg_tx.clone(), shared_tx.clone());
            let (next, stop, bytes_read, units) = (&next, &stop, bytes_read.clone(), &units);
            scope.spawn(move || {
                // Built on its own thread: a matcher can take a while to make.
                let mut reader = Reader::new(cfg, stop, bytes_read, batch_size);
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= units.len() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let unit = &units[k];
                    let tx = if cfg.ordered || merging {
                        let depth = if merging { merge_depth } else { 16 };
                        let (tx, rx) = bounded(depth);
                        if reg_tx.send((k, rx)).is_err() {
                            break;
                        }
                        tx
                    } else {
                        shared_tx.clone()
                    };
                    if let [idx] = unit[..] {
                        reader.read(idx, tx);
                        continue;
                    }
                    // The shared lane: its files read whole, then handed on in time order.
                    let mut lane = SmallLane::new();
                    for &idx in unit {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let (file_tx, file_rx) = unbounded();
                        reader.read(idx, file_tx);
                        if !lane.take_file(&file_rx, &tx) {
                            break;
                        }
                    }
                    lane.send(&tx, unit[0], batch_size);
                }
            });
        }
        drop(reg_tx);
        drop(shared_tx);
        // Staggered merging: each reader takes files from its own queue. The
        // starter, dropped at the end of this closure, closes the queues.
        let mut starter = first_times.as_ref().map(|times| {
            let jobs: Vec<Sender<Job>> = (0..staggered_readers)
                .map(|_| {
                    let (job_tx, job_rx) = unbounded::<Job>();
                    let (stop, bytes_read) = (&stop, bytes_read.clone());
                    scope.spawn(move || {
                        let mut reader = Reader::new(cfg, stop, bytes_read, batch_size);
                        for (idx, tx) in job_rx {
                            reader.read(idx, tx);
                        }
                    });
                    job_tx
                })
                .collect();
            Staggered::new(times, jobs, merge_depth)
        });

        let mut c = Collector {
            cfg,
            consumer: &mut *consumer,
            stop: &stop,
            bytes_read: &bytes_read,
            start,
            summary: &mut summary,
            progress: &mut progress,
            files: &mut files,
            last_tick: Instant::now(),
        };
        if merging {
            let mut channels: Vec<Option<MergeLane>> = (0..units.len()).map(|_| None).collect();
            let mut registered = 0;
            while registered < units.len() {
                match reg_rx.recv_timeout(TICK) {
                    Ok((k, rx)) => {
                        let files = units[k].len();
                        channels[k] = Some(MergeLane { rx, files, tag: k });
                        registered += 1;
                    }
                    Err(RecvTimeoutError::Timeout) => c.maybe_tick(),
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            c.summary.totals.merged_by_time = true;
            merge(channels.into_iter().flatten().collect(), &mut c, TICK);
        } else if let Some(starter) = &mut starter {
            c.summary.totals.merged_by_time = true;
            c.summary.totals.merged_in_start_order = true;
            merge_with(Vec::new(), starter, &mut c, TICK);
            c.summary.totals.late_file_starts = starter.late_starts;
        } else if cfg.ordered {
            let mut pending: BTreeMap<usize, Receiver<(usize, Msg)>> = BTreeMap::new();
            for want in 0..n {
                let rx = loop {
                    if let Some(rx) = pending.remove(&want) {
                        break Some(rx);
                    }
                    match reg_rx.recv_timeout(TICK) {
                        Ok((i, rx)) => {
                            pending.insert(i, rx);
                        }
                        Err(RecvTimeoutError::Timeout) => c.maybe_tick(),
                        Err(RecvTimeoutError::Disconnected) => break None,
                    }
                };
                let Some(rx) = rx else { break };
                loop {
                    match rx.recv_timeout(TICK) {
                        Ok((i, msg)) => {
                            if c.handle(i, msg) {
                                break;
                            }
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                    c.maybe_tick();
                }
            }
        } else {
            loop {
                match shared_rx.recv_timeout(TICK) {
                    Ok((i, msg)) => {
                        c.handle(i, msg);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                c.maybe_tick();
            }
        }
        drop(reg_rx);
        drop(shared_rx);
    });

    progress.bytes_read = bytes_read.load(Ordering::Relaxed);
    progress.elapsed = start.elapsed();
    summary.files = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.unwrap_or_else(|| empty_file(&cfg.inputs[i])))
        .collect();
    let t = &mut summary.totals;
    t.files = n as u64;
    t.files_read = summary.files.iter().filter(|f| f.format.is_some()).count() as u64;
    t.bytes = summary.files.iter().map(|f| f.bytes).sum();
    t.events = summary.files.iter().map(|f| f.events).sum();
    t.rejects = summary.rejects.values().sum();
    t.seconds = progress.elapsed.as_secs_f64();
    t.events_per_second = if t.seconds > 0.0 {
        t.events as f64 / t.seconds
    } else {
        0.0
    };
    summary
}

/// What a reader thread keeps from file to file.
struct Reader<'a> {
    cfg: &'a RunConfig,
    normalizer: Normalizer,
    matcher: Option<Box<dyn crate::stage::EventMatcher>>,
    projector: Option<Box<dyn crate::stage::EventProjector>>,
    stop: &'a AtomicBool,
    bytes_read: Arc<AtomicU64>,
    batch_size: usize,
}

impl<'a> Reader<'a> {
    fn new(
        cfg: &'a RunConfig,
        stop: &'a AtomicBool,
        bytes_read: Arc<AtomicU64>,
        batch_size: usize,
    ) -> Self {
        Reader {
            cfg,
            normalizer: Normalizer::new(cfg.mappings.clone()),
            matcher: cfg.matchers.as_ref().map(|f| f.matcher()),
            projector: cfg.projection.as_ref().map(|f| f.projector()),
            stop,
            bytes_read,
            batch_size,
        }
    }

    /// Reads input `idx`: its events, in batches, then its end, to `tx`.
    fn read(&mut self, idx: usize, tx: Sender<(usize, Msg)>) {
        let cfg = self.cfg;
        let mut sink = WorkerSink::new(
            &mut self.normalizer,
            self.matcher.as_mut(),
            cfg.range,
            tx,
            idx,
            self.stop,
        );
        sink.deliver = cfg.deliver_events || cfg.matchers.is_some();
        sink.flagged_only = cfg.flagged_only && cfg.matchers.is_some();
        sink.projector = self.projector.as_mut();
        sink.batch_size = self.batch_size;
        let outcome = read_input(
            &cfg.inputs[idx],
            cfg.forced,
            &cfg.limits,
            &mut sink,
            Some(self.bytes_read.clone()),
        );
        sink.flush();
        let counts = sink.logsource_counts();
        let skipped = sink.out_of_range;
        let _ = sink.tx.send((idx, Msg::Done(outcome, counts, skipped)));
    }
}

/// The consumer's side of a run: folds messages into the summary.
struct Collector<'a> {
    cfg: &'a RunConfig,
    consumer: &'a mut dyn Consumer,
    stop: &'a AtomicBool,
    bytes_read: &'a AtomicU64,
    start: Instant,
    summary: &'a mut Summary,
    progress: &'a mut Progress,
    files: &'a mut Vec<Option<FileSummary>>,
    last_tick: Instant,
}

impl Collector<'_> {
    fn file(&mut self, idx: usize) -> &mut FileSummary {
        self.files[idx].get_or_insert_with(|| empty_file(&self.cfg.inputs[idx]))
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.summary.totals.stopped_early = true;
    }

    /// Folds one message in; true when it ends its file.
    fn handle(&mut self, idx: usize, msg: Msg) -> bool {
        match msg {
            Msg::Dropped(n) => {
                self.progress.events += n;
                self.consumer.dropped(n);
                false
            }
            Msg::Batch(batch) => {
                self.progress.events += batch.events.len() as u64;
                if self.consumer.batch(batch) == Flow::Stop {
                    self.stop();
                }
                false
            }
            Msg::Reject(r) => {
                self.consumer.reject(&r);
                let reason = r.reason.to_string();
                *self.summary.rejects.entry(reason.clone()).or_insert(0) += 1;
                *self.file(idx).rejects.entry(reason).or_insert(0) += 1;
                if self.cfg.strict {
                    self.stop();
                }
                false
            }
            Msg::Done(outcome, counts, skipped) => {
                self.progress.files_done += 1;
                self.summary.totals.out_of_range += skipped;
                let f = self.file(idx);
                f.format = outcome.format;
                f.compression = outcome.compression;
                f.bytes = outcome.bytes;
                f.events = outcome.events;
                if let Some(fmt) = outcome.format {
                    *self.summary.by_source.entry(fmt.to_string()).or_insert(0) += outcome.events;
                }
                for (k, v) in counts {
                    *self.summary.by_logsource.entry(k).or_insert(0) += v;
                }
                true
            }
        }
    }

    fn maybe_tick(&mut self) {
        if self.last_tick.elapsed() >= TICK {
            self.last_tick = Instant::now();
            self.progress.bytes_read = self.bytes_read.load(Ordering::Relaxed);
            self.progress.elapsed = self.start.elapsed();
            self.consumer.tick(self.progress);
        }
    }
}

impl MergeSink for Collector<'_> {
    fn other(&mut self, file: usize, msg: Msg) {
        self.handle(file, msg);
    }

    fn batch(&mut self, batch: Batch) -> bool {
        if self.consumer.batch(batch) == Flow::Stop {
            self.stop();
            return false;
        }
        self.maybe_tick();
        true
    }

    fn read(&mut self, n: u64) {
        self.progress.events += n;
    }

    fn tick(&mut self) {
        self.maybe_tick();
    }
}

fn empty_file(input: &InputSpec) -> FileSummary {
    FileSummary {
        file: input.display_name(),
        format: None,
        compression: None,
        bytes: 0,
        events: 0,
        rejects: BTreeMap::new(),
    }
}
