//! Files of the same period are interleaved by event time when asked
//! (`hunt`), whatever the number of reader threads, and every event and
//! reject still arrives once.

use outflow_event::{Event, Reject};
use outflow_normalize::Mappings;
use outflow_pipeline::{run, Consumer, RunConfig};
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
        assert!(!summary.totals.not_merged_by_time);
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
