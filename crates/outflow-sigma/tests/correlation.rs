//! Correlation rules: loading, every type, windows, late input, limits,
//! suppression, `generate`, chains and snapshots.

use outflow_detect::{Alert, Detector};
use outflow_event::{Event, LogSource, Origin, Position, SourceKind, Timestamp};
use outflow_sigma::{CorrelationLimits, DocKind, RejectKind, RuleSet, SigmaDetector};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MIN: i64 = 60;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/correlation")
}

fn logsource(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> LogSource {
    LogSource {
        product: product.map(Arc::from),
        category: category.map(Arc::from),
        service: service.map(Arc::from),
    }
}

/// An event of `file` at `line`, `secs` after the epoch.
fn ev(ls: LogSource, file: &str, line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    let mut e = Event::new(
        SourceKind::Json,
        Origin {
            file: Arc::from(file),
            position: Position::Line(line),
        },
        "{}",
    );
    for (k, v) in fields {
        e.push_str(Arc::from(*k), v);
    }
    e.ts = Some(Timestamp::from_secs(secs));
    e.logsources = Arc::from(vec![ls]);
    e
}

fn proxy(file: &str, line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(None, Some("proxy"), None),
        file,
        line,
        secs,
        fields,
    )
}

fn security(line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(Some("windows"), None, Some("security")),
        "sec.evtx",
        line,
        secs,
        fields,
    )
}

fn process(line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(Some("windows"), Some("process_creation"), None),
        "sysmon.evtx",
        line,
        secs,
        fields,
    )
}

fn load(text: &str) -> Arc<RuleSet> {
    let (set, report) = RuleSet::from_yaml("c.yml", text, None);
    assert_eq!(report.rejected().count(), 0, "{report}");
    Arc::new(set)
}

fn process_all(d: &mut SigmaDetector, events: &[Event]) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for e in events {
        d.process(e, &mut alerts);
    }
    alerts
}

/// Every event, then end of input.
fn run(set: &Arc<RuleSet>, events: &[Event]) -> Vec<Alert> {
    let mut d = SigmaDetector::new(set.clone());
    let mut alerts = process_all(&mut d, events);
    d.finish(&mut alerts);
    alerts
}

fn titled<'a>(alerts: &'a [Alert], title: &str) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.rule.title == title).collect()
}

fn files(a: &Alert) -> Vec<String> {
    let mut f: Vec<String> = a.evidence.iter().map(|o| o.file.to_string()).collect();
    f.sort();
    f.dedup();
    f
}

const PROXY_RULE: &str = "
title: Post
name: post
logsource: {category: proxy}
detection:
    sel: {cs-method: POST}
    condition: sel
";

fn with_proxy_rule(correlation: &str) -> Arc<RuleSet> {
    load(&format!("{correlation}\n---{PROXY_RULE}"))
}

// ---------------------------------------------------------------- loading

#[test]
fn spec_examples_load_with_their_rules() {
    let spec = Path::new("/work/shared/corpus/sigma/spec/tests/schema/correlation");
    let base = fixtures().join("spec_base_rules.yml");
    let dir = if spec.is_dir() {
        spec.to_path_buf()
    } else {
        // Without the corpus, the one example we ship stands in.
        fixtures().join("exfil_value_sum.yml")
    };
    let (set, report) = RuleSet::load(&[base, dir], None);
    assert_eq!(report.rejected().count(), 0, "{report}");
    let n = report.loaded_correlations();
    assert!(n >= 1);
    assert_eq!(set.correlations().len(), n);
    if spec.is_dir() {
        assert_eq!(n, 8);
        let types: Vec<&str> = set
            .correlations()
            .iter()
            .map(|c| c.rule.kind.as_str())
            .collect();
        for t in ["event_count", "value_count", "temporal", "temporal_ordered"] {
            assert!(types.contains(&t), "{types:?}");
        }
        for t in ["value_sum", "value_avg", "value_percentile"] {
            assert!(types.contains(&t), "{types:?}");
        }
    }
    assert!(report.to_string().contains("correlation rules loaded"));
}

fn rejection(text: &str) -> String {
    let (_, report) = RuleSet::from_yaml("c.yml", text, None);
    let r: Vec<_> = report
        .rejected()
        .filter(|(e, _)| e.kind == DocKind::Correlation)
        .collect();
    assert_eq!(r.len(), 1, "{report}");
    assert_eq!(r[0].1.kind, RejectKind::Correlation, "{}", r[0].1);
    r[0].1.detail.clone()
}

#[test]
fn invalid_correlations_are_rejected_precisely() {
    let corr = |body: &str| format!("title: c\nname: c\ncorrelation:\n{body}\n---{PROXY_RULE}");
    let cases = [
        ("  type: event_sum\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {gte: 1}", "correlation.type 'event_sum' is unknown"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 1y\n  condition: {gte: 1}", "not fixed durations"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 10x\n  condition: {gte: 1}", "unknown unit 'x'"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  condition: {gte: 1}", "timespan is missing"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 1h", "condition is required for event_count"),
        ("  type: value_sum\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 1}", "condition.field is required for value_sum"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {gte: 1, field: x}", "condition.field is not used by event_count"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {over: 1}", "unknown key 'over'"),
        ("  type: event_count\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 10, lt: 5}", "can never hold"),
        ("  type: temporal\n  rules: [post]\n  group-by: [a]\n  timespan: 1h\n  condition: {gte: 2}", "more than the 1 referenced rules"),
        ("  type: event_count\n  rules: [nothing]\n  group-by: [a]\n  timespan: 1h\n  condition: {gte: 1}", "'nothing' names no loaded rule or correlation"),
        ("  type: event_count\n  rules: []\n  timespan: 1h\n  condition: {gte: 1}", "lists no rule"),
        ("  type: event_count\n  rules: [post, post]\n  timespan: 1h\n  condition: {gte: 1}", "lists 'post' twice"),
        ("  type: event_count\n  rules: [c]\n  timespan: 1h\n  condition: {gte: 1}", "is this correlation itself"),
        ("  type: temporal\n  rules: [post]\n  group-by: [ip]\n  timespan: 1h\n  aliases: {ip: {other: src}}", "'other' is not one of the correlation's rules"),
        ("  type: event_count\n  rules: [post]\n  timespan: 1h\n  condition: {gte: 1}\ngenerate: maybe", "generate is not a boolean"),
    ];
    for (body, want) in cases {
        let got = rejection(&corr(body));
        assert!(got.contains(want), "{body}\n  got: {got}\n  want: {want}");
    }
}

#[test]
fn reference_cycles_and_their_dependents_are_rejected() {
    let text = format!(
        "title: a\nname: a\ncorrelation: {{type: event_count, rules: [b], timespan: 1h, condition: {{gte: 1}}}}
---
title: b\nname: b\ncorrelation: {{type: event_count, rules: [a], timespan: 1h, condition: {{gte: 1}}}}
---
title: top\nname: top\ncorrelation: {{type: event_count, rules: [a], timespan: 1h, condition: {{gte: 1}}}}
---
title: ok\ncorrelation: {{type: event_count, rules: [post], timespan: 1h, condition: {{gte: 1}}}}
---{PROXY_RULE}"
    );
    let (set, report) = RuleSet::from_yaml("c.yml", &text, None);
    let details: Vec<String> = report.rejected().map(|(_, r)| r.detail.clone()).collect();
    assert_eq!(details.len(), 3, "{report}");
    assert!(
        details.iter().all(|d| d.contains("reference cycle")),
        "{details:?}"
    );
    assert_eq!(set.correlations().len(), 1);
    assert_eq!(set.correlations()[0].rule.meta.title, "ok");
}

// ---------------------------------------------------------------- value_sum (T1567)

fn upload(file: &str, line: u64, min: i64, ip: &str, user: &str, bytes: u64) -> Event {
    proxy(
        file,
        line,
        min * MIN,
        &[
            ("cs-method", "POST"),
            ("SourceIP", ip),
            ("User", user),
            ("bytes_sent", &bytes.to_string()),
        ],
    )
}

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
    let events: Vec<Event> = (0..20)
        .map(|i| {
            proxy(
                "p.log",
                i,
                i as i64,
                &[("cs-method", "POST"), ("User", "u")],
            )
        })
        .collect();
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

// ---------------------------------------------------------------- temporal

const RECON_RULES: &str = "
title: whoami
name: recon_cmd_a
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\whoami.exe'}, condition: sel}
---
title: ipconfig
name: recon_cmd_b
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\ipconfig.exe'}, condition: sel}
---
title: net
name: recon_cmd_c
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\\net.exe'}, condition: sel}
";

fn recon(kind: &str) -> Arc<RuleSet> {
    load(&format!(
        "title: Recon\ncorrelation:\n    type: {kind}\n    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n    group-by: [ComputerName, User]\n    timespan: 5m\n---{RECON_RULES}"
    ))
}

fn cmd(line: u64, secs: i64, image: &str) -> Event {
    process(
        line,
        secs,
        &[("Image", image), ("ComputerName", "ws1"), ("User", "alice")],
    )
}

#[test]
fn temporal_any_order_within_timespan() {
    let set = recon("temporal");
    let c = cmd(1, 0, "C:\\Windows\\net.exe");
    let a = cmd(2, 60, "C:\\Windows\\whoami.exe");
    let b = cmd(3, 120, "C:\\Windows\\ipconfig.exe");
    let alerts = run(&set, &[c.clone(), a.clone(), b.clone()]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(120)));
    assert_eq!(alerts[0].evidence.len(), 3);
    // Spread over more than 5 minutes: nothing.
    let late_b = cmd(3, 400, "C:\\Windows\\ipconfig.exe");
    assert!(run(&set, &[c, a, late_b]).is_empty());
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let set = recon("temporal_ordered");
    let a = cmd(1, 0, "C:\\Windows\\whoami.exe");
    let b = cmd(2, 60, "C:\\Windows\\ipconfig.exe");
    let c = cmd(3, 120, "C:\\Windows\\net.exe");
    assert_eq!(run(&set, &[a.clone(), b.clone(), c.clone()]).len(), 1);
    let rev = [
        cmd(1, 0, "C:\\Windows\\net.exe"),
        cmd(2, 60, "C:\\Windows\\ipconfig.exe"),
        cmd(3, 120, "C:\\Windows\\whoami.exe"),
    ];
    assert!(run(&set, &rev).is_empty());
    // In order by time even when b is read last (late).
    assert_eq!(run(&set, &[a, c, b]).len(), 1);
    // The temporal type fires on the reversed order.
    assert_eq!(run(&recon("temporal"), &rev).len(), 1);
}

#[test]
fn temporal_condition_counts_rules() {
    let set = load(&format!(
        "title: Two of three\ncorrelation:\n    type: temporal\n    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n    group-by: [ComputerName]\n    timespan: 5m\n    condition: {{gte: 2}}\n---{RECON_RULES}"
    ));
    let alerts = run(
        &set,
        &[
            cmd(1, 0, "x\\net.exe"),
            cmd(2, 10, "x\\net.exe"),
            cmd(3, 20, "x\\whoami.exe"),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].timestamp, Some(Timestamp::from_secs(20)));
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
    let events: Vec<Event> = (0..2)
        .map(|i| {
            proxy(
                "p.log",
                i,
                i as i64,
                &[("cs-method", "POST"), ("User", "u")],
            )
        })
        .collect();
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
