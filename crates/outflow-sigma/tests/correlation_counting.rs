//! Correlation rules that count or aggregate: event_count, value_count, value_sum,
//! value_avg, value_percentile, range and neq conditions.

mod correlation_support;

use correlation_support::*;
use outflow_detect::Detector;
use outflow_event::{Event, Position, Timestamp};
use outflow_sigma::{RuleSet, SigmaDetector};
use std::sync::Arc;

// ---------------------------------------------------------------- value_sum (T1567)

fn exfil_set() -> Arc<RuleSet> {
    let (set, report) = RuleSet::load(&[fixtures().join("exfil_value_sum.yml")], None);
    assert_eq!(report.rejected().count(), 0, "{report}");
    assert_eq!(set.correlations().len(), 1);
    Arc::new(set)
}

#[test]
fn value_sum_spec_example_across_files_and_out_of_order() {
    let set = exfil_set();
    let a = |line, min, bytes| upload("proxy-a.log", line, min, "10.0.0.5", "alice", bytes);
    let b = |line, min, bytes| upload("proxy-b.log", line, min, "10.0.0.5", "alice", bytes);
    // Another user stays under 1 MB.
    let other = |line, min| upload("proxy-a.log", line, min, "10.0.0.5", "bob", 300_000);
    let in_order = vec![
        a(1, 0, 300_000),
        b(1, 5, 300_000),
        other(2, 6),
        a(3, 10, 300_000),
        other(4, 12),
        b(2, 15, 300_000),
        a(5, 20, 300_000),
    ];
    let alerts = run(&set, &in_order);
    // The referenced rule does not alert on its own (generate defaults to false).
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let al = &alerts[0];
    assert_eq!(al.rule.title, "Possible Exfiltration to Website");
    assert_eq!(al.rule.level, "high");
    assert_eq!(al.attack, vec!["T1567"]);
    // Completed by the fourth upload of alice (1.2 MB at minute 15).
    assert_eq!(al.timestamp, Some(Timestamp::from_secs(15 * MIN)));
    assert_eq!(files(al), ["proxy-a.log", "proxy-b.log"]);
    assert_eq!(al.evidence.len(), 4);
    // The group that crossed the threshold is named.
    assert_eq!(al.fields["correlation"], "value_sum");
    assert_eq!(
        al.fields.get("group.User").map(String::as_str),
        Some("alice")
    );
    assert_eq!(al.fields["group.SourceIP"], "10.0.0.5");

    // File b read first, then file a, interleaved late: same alert.
    let shuffled = vec![
        b(1, 5, 300_000),
        a(1, 0, 300_000),
        other(2, 6),
        a(3, 10, 300_000),
        b(2, 15, 300_000),
        other(4, 12),
        a(5, 20, 300_000),
    ];
    let again = run(&set, &shuffled);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].timestamp, al.timestamp);
    assert_eq!(files(&again[0]), files(al));
}

#[test]
fn value_sum_needs_the_sum_within_the_timespan() {
    let set = exfil_set();
    let events: Vec<Event> = (0..6)
        .map(|i| upload("p.log", i as u64, i * 30, "10.0.0.9", "carol", 300_000))
        .collect();
    // Uploads every 30 minutes: at most 3 within an hour (900 kB).
    assert!(run(&set, &events).is_empty());
    // Non-numeric values are not summed, and counted.
    let mut d = SigmaDetector::new(set.clone());
    process_all(
        &mut d,
        &[proxy(
            "p.log",
            9,
            0,
            &[
                ("cs-method", "POST"),
                ("SourceIP", "1"),
                ("User", "u"),
                ("bytes_sent", "lots"),
            ],
        )],
    );
    assert_eq!(d.correlation_stats().missing_value_field, 1);
}

// ---------------------------------------------------------------- counts

#[test]
fn event_count_fires_then_restarts_the_group() {
    let set = with_proxy_rule(
        "title: Many posts\ncorrelation: {type: event_count, rules: [post], group-by: [User], timespan: 10m, condition: {gte: 5}}",
    );
    let events = posts_by_u(20);
    let alerts = run(&set, &events);
    // One alert per five events, not one per event after the fifth.
    assert_eq!(alerts.len(), 4);
    let times: Vec<_> = alerts.iter().map(|a| a.timestamp.unwrap().secs()).collect();
    assert_eq!(times, [4, 9, 14, 19]);
    assert_eq!(alerts[0].evidence.len(), 5);
}

#[test]
fn value_count_counts_distinct_values() {
    let set = load(
        "title: Spray\ncorrelation: {type: value_count, rules: [failed], group-by: [ComputerName], timespan: 1h, condition: {field: User, gte: 3}}
---
title: failed\nname: failed\nlogsource: {product: windows, service: security}\ndetection: {sel: {EventID: 4625}, condition: sel}",
    );
    let f = |line, min: i64, user| {
        security(
            line,
            min * MIN,
            &[("EventID", "4625"), ("ComputerName", "dc1"), ("User", user)],
        )
    };
    let alerts = run(
        &set,
        &[
            f(1, 0, "a"),
            f(2, 1, "a"),
            f(3, 2, "b"),
            f(4, 3, "a"),
            f(5, 4, "b"),
        ],
    );
    assert!(alerts.is_empty(), "two distinct users only");
    let alerts = run(
        &set,
        &[
            f(1, 0, "a"),
            f(2, 1, "a"),
            f(3, 2, "b"),
            f(4, 3, "a"),
            f(5, 4, "c"),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(4 * MIN)));
}

#[test]
fn range_conditions_are_decided_on_the_closed_window() {
    let set = with_proxy_rule(
        "title: Some posts\ncorrelation: {type: event_count, rules: [post], group-by: [User], timespan: 10m, condition: {gte: 3, lte: 5}}",
    );
    let burst = |user: &str, n: i64| -> Vec<Event> {
        (0..n)
            .map(|i| {
                proxy(
                    "p.log",
                    i as u64,
                    i * MIN,
                    &[("cs-method", "POST"), ("User", user)],
                )
            })
            .collect()
    };
    // 4 events in the window: fires when the window closes, at its last event.
    let alerts = run(&set, &burst("u", 4));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(3 * MIN)));
    // 7 events: above the range, no alert (an arrival check would have fired at 3).
    assert!(run(&set, &burst("v", 7)).is_empty());
    // The watermark closes the window without waiting for the end of input.
    let mut d = SigmaDetector::new(set.clone());
    let mut alerts = process_all(&mut d, &burst("w", 4));
    assert!(alerts.is_empty());
    d.advance(Timestamp::from_secs(11 * MIN), &mut alerts);
    assert_eq!(alerts.len(), 1);
}

#[test]
fn neq_condition() {
    let set = with_proxy_rule(
        "title: Not two\ncorrelation: {type: event_count, rules: [post], group-by: [User], timespan: 10m, condition: {neq: 2}}",
    );
    let e = |user: &str, line: u64, min: i64| {
        proxy(
            "p.log",
            line,
            min * MIN,
            &[("cs-method", "POST"), ("User", user)],
        )
    };
    let alerts = run(
        &set,
        &[
            e("a", 1, 0),
            e("a", 2, 1),
            e("b", 3, 0),
            e("b", 4, 1),
            e("b", 5, 2),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(2 * MIN)));
    assert_eq!(alerts[0].evidence.len(), 3);
}
// ---------------------------------------------------------------- value_avg, value_percentile

#[test]
fn value_avg_over_the_closed_window() {
    let set = load(
        "title: Avg out\ncorrelation: {type: value_avg, rules: [get], group-by: [SourceIP], timespan: 24h, condition: {field: BytesOut, gt: 500}}
---
title: get\nname: get\nlogsource: {category: proxy}\ndetection: {sel: {cs-method: GET}, condition: sel}",
    );
    let g = |line, h: i64, ip: &str, bytes: &str| {
        proxy(
            "p.log",
            line,
            h * 3600,
            &[("cs-method", "GET"), ("SourceIP", ip), ("BytesOut", bytes)],
        )
    };
    // 10.0.0.1 averages 600, 10.0.0.2 averages 450.
    let events = [
        g(1, 0, "10.0.0.1", "400"),
        g(2, 1, "10.0.0.2", "500"),
        g(3, 2, "10.0.0.1", "800"),
        g(4, 3, "10.0.0.2", "400"),
    ];
    let mut d = SigmaDetector::new(set.clone());
    let mut alerts = process_all(&mut d, &events);
    // Not decided before the 24 hours are over.
    assert!(alerts.is_empty());
    d.advance(Timestamp::from_secs(25 * 3600), &mut alerts);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(2 * 3600)));
    assert_eq!(alerts[0].evidence.len(), 2);
    // The same at end of input.
    assert_eq!(run(&set, &events).len(), 1);
}

#[test]
fn value_percentile_flags_rare_values() {
    let set = load(
        "title: Rare process\ncorrelation: {type: value_percentile, rules: [process_creation], group-by: [ComputerName], timespan: 24h, condition: {field: Image, lte: 5}}
---
title: proc\nname: process_creation\nlogsource: {product: windows, category: process_creation}\ndetection: {sel: {Image|contains: '\\'}, condition: sel}",
    );
    let p = |line: u64, image: &str| {
        process(
            line,
            line as i64 * 60,
            &[("Image", image), ("ComputerName", "ws1")],
        )
    };
    let mut events: Vec<Event> = (0..19).map(|i| p(i, "C:\\Windows\\cmd.exe")).collect();
    events.insert(7, p(100, "C:\\Temp\\rclone.exe"));
    // rclone.exe is 1 of 20 events (5%): it fires, with that event as evidence.
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].evidence.len(), 1);
    assert_eq!(alerts[0].evidence[0].position, Position::Line(100));
    // 1 of 10 (10%) is not rare enough.
    assert!(run(&set, &events[..10]).is_empty());
}
