//! Event builders, rule loading and running shared by the `correlation_*` tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use outflow_detect::{Alert, Detector};
use outflow_event::{Event, LogSource, Origin, Position, SourceKind, Timestamp};
use outflow_sigma::{RuleSet, SigmaDetector};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const MIN: i64 = 60;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/correlation")
}

pub fn logsource(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> LogSource {
    LogSource {
        product: product.map(Arc::from),
        category: category.map(Arc::from),
        service: service.map(Arc::from),
    }
}

/// An event of `file` at `line`, `secs` after the epoch.
pub fn ev(ls: LogSource, file: &str, line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
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

pub fn proxy(file: &str, line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(None, Some("proxy"), None),
        file,
        line,
        secs,
        fields,
    )
}

/// `n` proxy POSTs by user `u`, one a second from the epoch (line = second).
pub fn posts_by_u(n: u64) -> Vec<Event> {
    (0..n)
        .map(|i| {
            proxy(
                "p.log",
                i,
                i as i64,
                &[("cs-method", "POST"), ("User", "u")],
            )
        })
        .collect()
}

pub fn security(line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(Some("windows"), None, Some("security")),
        "sec.evtx",
        line,
        secs,
        fields,
    )
}

pub fn process(line: u64, secs: i64, fields: &[(&str, &str)]) -> Event {
    ev(
        logsource(Some("windows"), Some("process_creation"), None),
        "sysmon.evtx",
        line,
        secs,
        fields,
    )
}

pub fn load(text: &str) -> Arc<RuleSet> {
    let (set, report) = RuleSet::from_yaml("c.yml", text, None);
    assert_eq!(report.rejected().count(), 0, "{report}");
    Arc::new(set)
}

pub fn process_all(d: &mut SigmaDetector, events: &[Event]) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for e in events {
        d.process(e, &mut alerts);
    }
    alerts
}

/// Every event, then end of input.
pub fn run(set: &Arc<RuleSet>, events: &[Event]) -> Vec<Alert> {
    let mut d = SigmaDetector::new(set.clone());
    let mut alerts = process_all(&mut d, events);
    d.finish(&mut alerts);
    alerts
}

pub fn titled<'a>(alerts: &'a [Alert], title: &str) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.rule.title == title).collect()
}

pub fn files(a: &Alert) -> Vec<String> {
    let mut f: Vec<String> = a.evidence.iter().map(|o| o.file.to_string()).collect();
    f.sort();
    f.dedup();
    f
}

pub const PROXY_RULE: &str = "
title: Post
name: post
logsource: {category: proxy}
detection:
    sel: {cs-method: POST}
    condition: sel
";

pub fn with_proxy_rule(correlation: &str) -> Arc<RuleSet> {
    load(&format!("{correlation}\n---{PROXY_RULE}"))
}

pub fn upload(file: &str, line: u64, min: i64, ip: &str, user: &str, bytes: u64) -> Event {
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
