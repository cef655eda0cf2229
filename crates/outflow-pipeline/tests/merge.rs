//! Files of the same period are interleaved by event time when asked
//! (`hunt`), whatever the number of reader threads, and every event and
//! reject still arrives once.

use outflow_event::{Event, Reject};
use outflow_normalize::Mappings;
use outflow_pipeline::{run, Consumer, MergeLimits, RunConfig};
use outflow_sources::{Flow, InputSpec, Limits};
use std::sync::Arc;

#[derive(Default)]
struct Times {
    ts: Vec<i64>,
    rejects: usize,
}

impl Consumer for Times {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        self.ts
            .extend(events.iter().filter_map(|e| e.ts.map(|t| t.0)));
        Flow::Continue
    }
    fn reject(&mut self, _: &Reject) {
        self.rejects += 1;
    }
}

/// A Zeek conn log (JSON) with one record every `step` seconds from `start`.
fn conn_log(name: &str, start: u64, step: u64, n: u64, bad_line: bool) -> InputSpec {
    let mut text = String::new();
    for i in 0..n {
        let ts = start + i * step;
        text.push_str(&format!(
            "{{\"_path\":\"conn\",\"ts\":{ts}.5,\"uid\":\"C{i}\",\"id.orig_h\":\"10.0.0.{}\",\"id.orig_p\":50000,\"id.resp_h\":\"192.0.2.1\",\"id.resp_p\":443,\"proto\":\"tcp\",\"orig_bytes\":{i}}}\n",
            i % 200
        ));
        if bad_line && i == n / 2 {
            text.push_str("{\"_path\":\"conn\", truncated\n");
        }
    }
    InputSpec::Bytes {
        name: name.to_string(),
        data: Arc::from(text.into_bytes()),
    }
}

fn config(inputs: Vec<InputSpec>, threads: usize, merge: bool) -> RunConfig {
    RunConfig {
        inputs,
        forced: None,
        limits: Limits::default(),
        threads,
        strict: false,
        ordered: false,
        merge_by_time: merge,
        mappings: Arc::new(Mappings::builtin().unwrap()),
        range: Default::default(),
        matchers: None,
        deliver_events: true,
        flagged_only: false,
        projection: None,
        merge_limits: Default::default(),
    }
}

#[test]
fn files_are_interleaved_by_event_time() {
    // Three logs covering the same hours at different rates, one with a bad line.
    let inputs = vec![
        conn_log("a.log", 1_795_000_000, 7, 3_000, false),
        conn_log("b.log", 1_795_000_003, 11, 2_000, true),
        conn_log("c.log", 1_795_000_001, 3, 6_000, false),
    ];
    for threads in [1, 2] {
        let mut times = Times::default();
        let summary = run(&config(inputs.clone(), threads, true), &mut times);
        assert!(summary.totals.merged_by_time);
        assert_eq!(times.ts.len(), 11_000);
        assert_eq!(times.rejects, 1);
        assert!(
            times.ts.windows(2).all(|w| w[0] <= w[1]),
            "events out of time order with {threads} thread(s)"
        );
    }
    // Without merging, one thread reads file after file: time goes back.
    let mut times = Times::default();
    run(&config(inputs, 1, false), &mut times);
    assert!(times.ts.windows(2).any(|w| w[0] > w[1]));
}

/// Flags every tenth record of a log (uid `C0`, `C10`, ...).
struct EveryTenth;

impl outflow_pipeline::EventMatcher for EveryTenth {
    fn process(&mut self, event: &Event, out: &mut Vec<outflow_detect::Finding>, _: &mut Vec<u32>) {
        if event
            .get_str("uid")
            .and_then(|u| u.trim_start_matches('C').parse::<u64>().ok())
            .is_some_and(|i| i % 10 == 0)
        {
            let rule = outflow_detect::AlertRule {
                id: "tenth".into(),
                title: "every tenth".into(),
                level: "low".into(),
                source: "test".into(),
            };
            out.push(outflow_detect::Finding::new(rule, event.ts));
        }
    }
}

impl outflow_pipeline::MatcherFactory for EveryTenth {
    fn matcher(&self) -> Box<dyn outflow_pipeline::EventMatcher> {
        Box::new(EveryTenth)
    }
}

/// Counts what reaches it: events, their findings, events dropped upstream.
#[derive(Default)]
struct Flagged {
    events: Vec<i64>,
    findings: usize,
    dropped: u64,
}

impl Consumer for Flagged {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        self.events
            .extend(events.iter().filter_map(|e| e.ts.map(|t| t.0)));
        Flow::Continue
    }
    fn batch(&mut self, batch: outflow_pipeline::Batch) -> Flow {
        self.findings += batch.findings.len();
        self.events(batch.events)
    }
    fn reject(&mut self, _: &Reject) {}
    fn dropped(&mut self, n: u64) {
        self.dropped += n;
    }
}

#[test]
fn stateless_runs_hand_on_only_flagged_events_and_count_the_rest() {
    let inputs = vec![
        conn_log("a.log", 1_795_000_000, 7, 3_000, false),
        conn_log("c.log", 1_795_000_001, 3, 6_000, false),
    ];
    for flagged_only in [false, true] {
        let mut cfg = config(inputs.clone(), 2, true);
        cfg.matchers = Some(Arc::new(EveryTenth));
        cfg.flagged_only = flagged_only;
        let mut seen = Flagged::default();
        let summary = run(&cfg, &mut seen);
        assert_eq!(summary.totals.events, 9_000);
        assert_eq!(seen.findings, 900, "every flagged event's alert arrives");
        assert!(
            seen.events.windows(2).all(|w| w[0] <= w[1]),
            "in time order"
        );
        if flagged_only {
            assert_eq!(seen.events.len(), 900);
            assert_eq!(seen.dropped, 8_100);
        } else {
            assert_eq!(seen.events.len(), 9_000);
            assert_eq!(seen.dropped, 0);
        }
    }
}

/// More files than reader lanes (a whole `winevt\Logs`, a sample folder):
/// the largest keep a lane each, the smaller ones are read together and
/// put in time order, and every event still arrives in time order, once,
/// with its alert, and every file is accounted for.
#[test]
fn more_files_than_lanes_are_still_interleaved_by_event_time() {
    let many = outflow_pipeline::merge::MAX_MERGE_FILES + 44;
    let mut inputs: Vec<InputSpec> = (0..many)
        .map(|i| {
            let name = format!("small-{i:03}.log");
            // Each small file spans the whole period, offset from the others.
            conn_log(&name, 1_795_000_000 + i as u64, 997, 12, i == 7)
        })
        .collect();
    inputs.push(conn_log("big.log", 1_795_000_000, 5, 2_500, false));
    let total = 12 * many + 2_500;
    for flagged_only in [false, true] {
        let mut cfg = config(inputs.clone(), 2, true);
        cfg.matchers = Some(Arc::new(EveryTenth));
        cfg.flagged_only = flagged_only;
        let mut seen = Flagged::default();
        let summary = run(&cfg, &mut seen);
        assert!(summary.totals.merged_by_time);
        assert!(!summary.totals.merged_in_start_order);
        assert_eq!(summary.totals.events as usize, total);
        assert_eq!(summary.files.len(), many + 1);
        assert!(
            summary.files.iter().all(|f| f.events > 0),
            "every file's end arrives"
        );
        assert_eq!(summary.rejects.values().sum::<u64>(), 1);
        assert!(
            seen.events.windows(2).all(|w| w[0] <= w[1]),
            "in time order across the shared lane and the others"
        );
        // uid C0 and C10 of each small file, every tenth of the big one.
        assert_eq!(seen.findings, 2 * many + 250);
        let delivered = seen.events.len() as u64 + seen.dropped;
        assert_eq!(delivered as usize, total);
    }
}

/// Limits small enough that a few files are too many to open at once and
/// too big to share a lane: the files open in the order their events begin.
fn staggered(inputs: Vec<InputSpec>, open: usize) -> RunConfig {
    let mut cfg = config(inputs, 2, true);
    cfg.merge_limits = MergeLimits {
        max_open_files: open,
        small_lane_bytes: 0,
    };
    cfg
}

/// Three sensors' logs rotated every 1,000 s, ten files each, listed
/// newest first: past the bound, each file opens when the merge reaches
/// its first event, few are open at once, and every event still arrives
/// in time order, once, with its alert.
#[test]
fn rotated_files_past_the_bound_open_in_the_order_their_events_begin() {
    let mut inputs = Vec::new();
    for part in (0..10u64).rev() {
        for sensor in 0..3u64 {
            let name = format!("sensor{sensor}/conn.{part:02}.log");
            let start = 1_795_000_000 + part * 1_000 + sensor;
            inputs.push(conn_log(&name, start, 10, 100, part == 4 && sensor == 1));
        }
    }
    for flagged_only in [false, true] {
        let mut cfg = staggered(inputs.clone(), 4);
        cfg.matchers = Some(Arc::new(EveryTenth));
        cfg.flagged_only = flagged_only;
        let mut seen = Flagged::default();
        let summary = run(&cfg, &mut seen);
        let t = &summary.totals;
        assert!(t.merged_by_time && t.merged_in_start_order);
        assert_eq!(
            t.late_file_starts, 0,
            "three files overlap, four may be open"
        );
        assert_eq!(t.events, 3_000);
        assert_eq!(summary.rejects.values().sum::<u64>(), 1);
        assert!(
            summary.files.iter().all(|f| f.events == 100),
            "every file's end arrives"
        );
        assert!(
            seen.events.windows(2).all(|w| w[0] <= w[1]),
            "in time order across the files"
        );
        assert_eq!(seen.findings, 300);
        assert_eq!(seen.events.len() as u64 + seen.dropped, 3_000);
    }
}

/// More files overlapping in time than may be open at once: the ones that
/// cannot open in time open as others end, every event still arrives once,
/// and the summary counts the files that opened late.
#[test]
fn more_overlapping_files_than_may_be_open_are_read_and_counted() {
    let inputs: Vec<InputSpec> = (0..6u64)
        .map(|i| conn_log(&format!("host{i}.log"), 1_795_000_000 + i, 5, 400, false))
        .collect();
    let mut seen = Times::default();
    let summary = run(&staggered(inputs, 3), &mut seen);
    let t = &summary.totals;
    assert!(t.merged_in_start_order);
    assert_eq!(t.late_file_starts, 3);
    assert_eq!(seen.ts.len(), 2_400);
    assert!(summary.files.iter().all(|f| f.events == 400));
    // Each file that opened late steps back in time once; otherwise the
    // events are in order.
    let steps_back = seen.ts.windows(2).filter(|w| w[1] < w[0]).count();
    assert_eq!(steps_back, 3);
}

/// Records the progress shown while the files' first events are read.
#[derive(Default)]
struct Ticks {
    peeks: Vec<(bool, u64, u64)>,
    events: u64,
}

impl Consumer for Ticks {
    fn events(&mut self, events: Vec<Event>) -> Flow {
        self.events += events.len() as u64;
        Flow::Continue
    }
    fn reject(&mut self, _: &Reject) {}
    fn tick(&mut self, p: &outflow_pipeline::Progress) {
        if p.peeking {
            assert_eq!(self.events, 0, "files are looked at before the merge");
            self.peeks.push((p.peeking, p.files_peeked, p.files_total));
        }
    }
}

/// Before a merge in start order the files' first events are read: the
/// consumer hears how many files have been, before any event arrives,
/// ending with all of them.
#[test]
fn looking_at_where_files_begin_is_reported_as_progress() {
    let inputs: Vec<InputSpec> = (0..9u64)
        .map(|i| {
            conn_log(
                &format!("part{i}.log"),
                1_795_000_000 + i * 1_000,
                5,
                50,
                false,
            )
        })
        .collect();
    let mut seen = Ticks::default();
    let summary = run(&staggered(inputs, 3), &mut seen);
    assert!(summary.totals.merged_in_start_order);
    assert_eq!(seen.peeks.last(), Some(&(true, 9, 9)), "{:?}", seen.peeks);
    assert!(
        seen.peeks.windows(2).all(|w| w[0].1 <= w[1].1),
        "the count only grows"
    );
    assert_eq!(seen.events, 450);
    // Up to the bound there is nothing to look at first.
    let few: Vec<InputSpec> = (0..3u64)
        .map(|i| conn_log(&format!("f{i}.log"), 1_795_000_000 + i, 5, 50, false))
        .collect();
    let mut seen = Ticks::default();
    run(&staggered(few, 3), &mut seen);
    assert!(seen.peeks.is_empty());
}

/// Below the bound nothing changes: every file has its own reader.
#[test]
fn up_to_the_bound_files_are_not_opened_in_start_order() {
    let inputs: Vec<InputSpec> = (0..4u64)
        .map(|i| conn_log(&format!("f{i}.log"), 1_795_000_000 + i, 5, 50, false))
        .collect();
    let summary = run(&staggered(inputs, 4), &mut Times::default());
    assert!(summary.totals.merged_by_time);
    assert!(!summary.totals.merged_in_start_order);
}

/// `data` compressed with gzip, under `name`.gz.
fn gzipped(input: InputSpec) -> InputSpec {
    use std::io::Write;
    let InputSpec::Bytes { name, data } = input else {
        unreachable!("conn_log gives bytes")
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    InputSpec::Bytes {
        name: format!("{name}.gz"),
        data: Arc::from(gz.finish().unwrap()),
    }
}

/// The shared lane's bound is on content: small compressed files that
/// would hold more than it once decompressed open in start order instead
/// of being held in memory.
#[test]
fn compressed_files_count_their_content_against_the_shared_lane() {
    let inputs: Vec<InputSpec> = (0..8u64)
        .map(|i| {
            gzipped(conn_log(
                &format!("conn.{i}.log"),
                1_795_000_000 + i * 600,
                5,
                100,
                false,
            ))
        })
        .collect();
    let stored: u64 = inputs.iter().map(InputSpec::size).sum();
    let content: u64 = inputs.iter().map(InputSpec::content_size).sum();
    assert!(stored * 4 < content, "{stored} stored, {content} content");
    let mut cfg = staggered(inputs, 4);
    cfg.merge_limits.small_lane_bytes = stored;
    let mut seen = Times::default();
    let summary = run(&cfg, &mut seen);
    assert!(summary.totals.merged_in_start_order);
    assert_eq!(summary.totals.late_file_starts, 0);
    assert_eq!(seen.ts.len(), 800);
    assert!(seen.ts.windows(2).all(|w| w[0] <= w[1]));
}
