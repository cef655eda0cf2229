//! Correlation state: missing group-by fields, watermark expiry, late events,
//! limits, bounded evidence, and snapshot/restore.

mod correlation_support;

use correlation_support::*;
use outflow_detect::Detector;
use outflow_event::{Event, Position, Timestamp};
use outflow_sigma::{CorrelationLimits, SigmaDetector};

// ---------------------------------------------------------------- groups, memory, limits

fn posts_per_user(limits: CorrelationLimits) -> SigmaDetector {
    let set = with_proxy_rule(
        "title: Posts\ncorrelation: {type: event_count, rules: [post], group-by: [User], timespan: 10m, condition: {gte: 100}}",
    );
    SigmaDetector::with_limits(set, limits)
}

fn post(line: u64, secs: i64, user: &str) -> Event {
    proxy(
        "p.log",
        line,
        secs,
        &[("cs-method", "POST"), ("User", user)],
    )
}

#[test]
fn missing_group_by_field_is_not_counted() {
    let mut d = posts_per_user(CorrelationLimits::default());
    process_all(&mut d, &[proxy("p.log", 1, 0, &[("cs-method", "POST")])]);
    assert_eq!(d.correlation_stats().missing_group_field, 1);
    assert_eq!(d.correlation_groups(), 0);
    let mut no_time = post(2, 0, "u");
    no_time.ts = None;
    process_all(&mut d, &[no_time]);
    assert_eq!(d.correlation_stats().no_timestamp, 1);
}

#[test]
fn watermark_expires_groups() {
    let mut d = posts_per_user(CorrelationLimits::default());
    let events: Vec<Event> = (0..50)
        .map(|i| post(i, i as i64, &format!("user{}", i % 10)))
        .collect();
    let mut alerts = process_all(&mut d, &events);
    assert_eq!(d.correlation_groups(), 10);
    assert_eq!(d.correlation_entries(), 50);
    // Within 2 timespans entries are kept for late events.
    d.advance(Timestamp::from_secs(15 * MIN), &mut alerts);
    assert_eq!(d.correlation_groups(), 10);
    d.advance(Timestamp::from_secs(30 * MIN), &mut alerts);
    assert_eq!(d.correlation_groups(), 0);
    assert_eq!(d.correlation_entries(), 0);
    assert_eq!(d.correlation_stats().groups_expired, 10);
    // An event older than the watermark minus the timespan is late: dropped, counted.
    process_all(&mut d, &[post(99, 60, "user1")]);
    assert_eq!(d.correlation_stats().late_dropped, 1);
    assert_eq!(d.correlation_groups(), 0);
    assert!(alerts.is_empty());
}

#[test]
fn late_event_older_than_the_window_is_dropped() {
    let mut d = posts_per_user(CorrelationLimits::default());
    process_all(&mut d, &[post(1, 3600, "u"), post(2, 3600 - 11 * MIN, "u")]);
    assert_eq!(d.correlation_stats().late_dropped, 1);
    assert_eq!(d.correlation_entries(), 1);
    // Late but within the window: kept in time order.
    process_all(&mut d, &[post(3, 3600 - 9 * MIN, "u")]);
    assert_eq!(d.correlation_entries(), 2);
}

#[test]
fn limits_are_enforced_and_counted() {
    let mut d = posts_per_user(CorrelationLimits {
        max_groups: 2,
        max_events_per_group: 3,
        evidence: 1,
    });
    let events = [
        post(1, 0, "a"),
        post(2, 1, "b"),
        post(3, 2, "c"),
        post(4, 3, "a"),
        post(5, 4, "a"),
        post(6, 5, "a"),
        post(7, 6, "a"),
    ];
    process_all(&mut d, &events);
    assert_eq!(d.correlation_groups(), 2);
    assert_eq!(d.correlation_stats().groups_limit_hit, 1);
    assert_eq!(d.correlation_stats().events_limit_hit, 2);
    assert_eq!(d.correlation_entries(), 4);
    // Stats are part of the snapshot.
    let snap = d.snapshot();
    assert_eq!(snap["stats"]["groups_limit_hit"], 1);
}

#[test]
fn evidence_is_bounded_to_first_and_last() {
    let set = with_proxy_rule(
        "title: Posts\ncorrelation: {type: event_count, rules: [post], group-by: [User], timespan: 1h, condition: {gte: 50}}",
    );
    let events: Vec<Event> = (0..50).map(|i| post(i, i as i64, "u")).collect();
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1);
    let lines: Vec<Position> = alerts[0].evidence.iter().map(|o| o.position).collect();
    let want: Vec<Position> = [0, 1, 2, 3, 4, 45, 46, 47, 48, 49]
        .into_iter()
        .map(Position::Line)
        .collect();
    assert_eq!(lines, want);
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshot_restore_mid_stream_gives_the_same_alerts() {
    let set = load(&format!(
        "{}\n---\ntitle: Range\ncorrelation: {{type: event_count, rules: [website_access], group-by: [User], timespan: 30m, condition: {{gte: 2, lte: 4}}}}",
        std::fs::read_to_string(fixtures().join("exfil_value_sum.yml")).unwrap()
    ));
    let mut events = Vec::new();
    for i in 0..40u64 {
        let user = ["alice", "bob", "carol"][i as usize % 3];
        let file = if i % 2 == 0 { "a.log" } else { "b.log" };
        events.push(upload(
            file,
            i,
            i as i64 * 2,
            "10.1.1.1",
            user,
            120_000 + i * 1000,
        ));
    }
    let full = {
        let mut d = SigmaDetector::new(set.clone());
        let mut alerts = Vec::new();
        for (i, e) in events.iter().enumerate() {
            d.process(e, &mut alerts);
            if i % 10 == 9 {
                d.advance(e.ts.unwrap(), &mut alerts);
            }
        }
        d.finish(&mut alerts);
        alerts
    };
    assert!(full.len() >= 4, "{full:#?}");
    assert!(!titled(&full, "Possible Exfiltration to Website").is_empty());
    assert!(!titled(&full, "Range").is_empty());

    let mut d = SigmaDetector::new(set.clone());
    let mut alerts = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if i == 17 {
            // Through text, as a checkpoint file would be.
            let text = serde_json::to_string(&d.snapshot()).unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            d = SigmaDetector::restore(set.clone(), &value).unwrap();
        }
        d.process(e, &mut alerts);
        if i % 10 == 9 {
            d.advance(e.ts.unwrap(), &mut alerts);
        }
    }
    d.finish(&mut alerts);
    assert_eq!(alerts, full);

    // A snapshot of other rules is refused.
    let other = with_proxy_rule(
        "title: Posts\ncorrelation: {type: event_count, rules: [post], timespan: 1h, condition: {gte: 2}}",
    );
    let err = SigmaDetector::restore(other, &d.snapshot()).err().unwrap();
    assert!(err.contains("other correlation rules"), "{err}");
}
