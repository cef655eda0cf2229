//! How a correlation uses the rules it references: per-rule `aliases` for group-by,
//! `generate`, and correlations chained on correlations.

mod correlation_support;

use correlation_support::*;
use outflow_event::{Event, Timestamp};
use outflow_sigma::RuleSet;
use std::sync::Arc;

// ---------------------------------------------------------------- aliases, generate, chains

#[test]
fn aliases_map_group_by_per_rule() {
    let set = load(
        "title: Error then connection
correlation:
    type: temporal
    rules: [internal_error, new_network_connection]
    group-by: [internal_ip, remote_ip]
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
---
title: internal error
name: internal_error
logsource: {category: webserver}
detection: {sel: {http.response.status_code: 500}, condition: sel}
---
title: new connection
name: new_network_connection
logsource: {category: network_connection}
detection: {sel: {event.type: connection}, condition: sel}",
    );
    let web = |line, secs, src: &str, dst: &str| {
        ev(
            logsource(None, Some("webserver"), None),
            "web.log",
            line,
            secs,
            &[
                ("http.response.status_code", "500"),
                ("source.ip", src),
                ("destination.ip", dst),
            ],
        )
    };
    let net = |line, secs, src: &str, dst: &str| {
        ev(
            logsource(None, Some("network_connection"), None),
            "net.log",
            line,
            secs,
            &[
                ("event.type", "connection"),
                ("source.ip", src),
                ("destination.ip", dst),
            ],
        )
    };
    // The server 10.0.0.1 errs for 6.6.6.6, then connects out to it.
    let alerts = run(
        &set,
        &[
            web(1, 0, "6.6.6.6", "10.0.0.1"),
            net(1, 5, "10.0.0.1", "6.6.6.6"),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(files(&alerts[0]), ["net.log", "web.log"]);
    // Same addresses in the same fields (no swap): different groups.
    assert!(run(
        &set,
        &[
            web(1, 0, "6.6.6.6", "10.0.0.1"),
            net(1, 5, "6.6.6.6", "10.0.0.1")
        ]
    )
    .is_empty());
}

#[test]
fn generate_controls_the_referenced_rules_alerts() {
    let corr = |generate: &str| {
        with_proxy_rule(&format!(
            "title: Posts\n{generate}correlation: {{type: event_count, rules: [post], group-by: [User], timespan: 1h, condition: {{gte: 2}}}}"
        ))
    };
    let events = posts_by_u(2);
    for (g, base) in [("", 0), ("generate: false\n", 0), ("generate: true\n", 2)] {
        let set = corr(g);
        assert_eq!(set.rules().len(), 1);
        assert_eq!(set.rule_emits(0), base > 0);
        let alerts = run(&set, &events);
        assert_eq!(titled(&alerts, "Post").len(), base, "{g}");
        assert_eq!(titled(&alerts, "Posts").len(), 1, "{g}");
    }
}

#[test]
fn chained_spec_example_failed_logins_then_success() {
    let (set, report) = RuleSet::load(&[fixtures().join("failed_then_success.yml")], None);
    assert_eq!(report.rejected().count(), 0, "{report}");
    assert_eq!(report.loaded_correlations(), 2);
    let set = Arc::new(set);
    let logon =
        |line, secs, id: &str, user: &str| security(line, secs, &[("EventID", id), ("User", user)]);
    let mut events: Vec<Event> = (0..10)
        .map(|i| logon(i, i as i64 * 10, "4625", "bob"))
        .collect();
    events.push(logon(20, 200, "4624", "bob"));
    // Success for another user does not complete bob's sequence.
    events.push(logon(21, 150, "4624", "eve"));
    let alerts = run(&set, &events);
    // Only the outer correlation alerts: the inner one and the rules are referenced.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let al = &alerts[0];
    assert_eq!(
        al.rule.title,
        "Correlation - Multiple Failed Logins Followed by Successful Login"
    );
    assert_eq!(al.timestamp, Some(Timestamp::from_secs(200)));
    // Success before the failures: no alert.
    let mut wrong: Vec<Event> = vec![logon(0, 0, "4624", "bob")];
    wrong.extend((1..11).map(|i| logon(i, i as i64 * 10, "4625", "bob")));
    assert!(run(&set, &wrong).is_empty());
}
