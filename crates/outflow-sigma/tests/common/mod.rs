//! Hand-built events and one-rule sets for the semantics tests.
#![allow(dead_code)]

use outflow_event::{Event, LogSource, Origin, Position, SourceKind, Value};
use outflow_sigma::{Placeholders, RejectKind, RuleSet};
use std::sync::Arc;

pub fn process_creation() -> LogSource {
    LogSource {
        product: Some(Arc::from("windows")),
        category: Some(Arc::from("process_creation")),
        service: None,
    }
}

/// An event with string fields and the windows/process_creation logsource.
pub fn event(fields: &[(&str, &str)]) -> Event {
    let mut ev = Event::new(
        SourceKind::Json,
        Origin {
            file: Arc::from("test.json"),
            position: Position::Line(7),
        },
        "{}",
    );
    for (k, v) in fields {
        ev.push_str(Arc::from(*k), v);
    }
    ev.logsources = Arc::from(vec![process_creation()]);
    ev
}

pub fn with(mut ev: Event, key: &str, v: Value) -> Event {
    ev.push(Arc::from(key), v);
    ev
}

/// A list field of strings.
pub fn with_list(mut ev: Event, key: &str, items: &[&str]) -> Event {
    let vals = items.iter().map(|s| Value::Str(ev.intern(s))).collect();
    ev.push(Arc::from(key), Value::List(vals));
    ev
}

fn doc(detection: &str) -> String {
    format!(
        "title: test\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\ntags: [attack.exfiltration, attack.t1567.002]\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n{detection}"
    )
}

/// One rule with the given (4-space indented) detection body; must load.
pub fn rule_with(detection: &str, ph: Option<&Placeholders>) -> RuleSet {
    let (set, report) = RuleSet::from_yaml("test.yml", &doc(detection), ph);
    assert_eq!(set.len(), 1, "rule did not load: {report}");
    set
}

pub fn rule(detection: &str) -> RuleSet {
    rule_with(detection, None)
}

/// The rejection kind and detail of a rule that must not load.
pub fn rejected(detection: &str, ph: Option<&Placeholders>) -> (RejectKind, String) {
    let (set, report) = RuleSet::from_yaml("test.yml", &doc(detection), ph);
    assert_eq!(set.len(), 0, "rule loaded but should not");
    let (_, r) = report.rejected().next().expect("a rejection");
    (r.kind, r.detail.clone())
}

pub fn hit(set: &RuleSet, ev: &Event) -> bool {
    let mut out = Vec::new();
    set.matches(ev, &mut Default::default(), &mut out);
    !out.is_empty()
}
