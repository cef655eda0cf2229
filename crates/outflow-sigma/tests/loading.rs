//! Rule files: collections, filters, correlations, the report, the detector.

mod common;
use common::*;
use outflow_detect::Detector;
use outflow_event::{Position, Timestamp, Value};
use outflow_sigma::{DocKind, Outcome, RejectKind, RuleSet, SigmaDetector};
use std::sync::Arc;

const COLLECTION: &str = "\
action: global
title: Curl upload
tags: [attack.exfiltration, attack.t1567]
logsource:
    product: windows
    category: process_creation
detection:
    tool:
        Image|endswith: '\\curl.exe'
    condition: tool and upload
---
id: 00000000-0000-0000-0000-000000000001
detection:
    upload:
        CommandLine|contains: ' -T '
---
action: repeat
id: 00000000-0000-0000-0000-000000000002
detection:
    upload:
        CommandLine|contains: ' --upload-file '
---
action: reset
---
title: Standalone
id: 00000000-0000-0000-0000-000000000003
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\\rclone.exe'}
    condition: sel
---
title: Corr
correlation: {type: event_count, rules: [x], group-by: [a], timespan: 1h, condition: {gte: 3}}
";

#[test]
fn global_repeat_reset_and_correlation() {
    let (set, report) = RuleSet::from_yaml("c.yml", COLLECTION, None);
    assert_eq!(set.len(), 3, "{report}");
    let m = &set.rules()[1].meta;
    assert_eq!(m.title, "Curl upload");
    assert_eq!(m.attack, vec!["T1567"]);
    assert!(hit(
        &set,
        &event(&[
            ("Image", "c:\\curl.exe"),
            ("CommandLine", "curl --upload-file x")
        ])
    ));
    assert!(hit(
        &set,
        &event(&[("Image", "c:\\curl.exe"), ("CommandLine", "curl -T x")])
    ));
    assert!(!hit(
        &set,
        &event(&[("Image", "c:\\wget.exe"), ("CommandLine", "curl -T x")])
    ));
    assert_eq!(set.rules()[2].meta.title, "Standalone");
    let corr: Vec<_> = report.rejected().collect();
    assert_eq!(corr.len(), 1);
    assert_eq!(corr[0].0.kind, DocKind::Correlation);
    assert_eq!(corr[0].1.kind, RejectKind::Correlation);
    assert_eq!(
        corr[0].1.detail,
        "correlation.rules: 'x' names no loaded rule or correlation"
    );
    assert_eq!(corr[0].0.doc, 5);
    assert_eq!(report.modifier_counts.get("endswith"), Some(&3));
    assert_eq!(
        report.logsource_counts.get("windows/process_creation/-"),
        Some(&3)
    );
}

const FILTERED: &str = "\
title: Rclone
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\\rclone.exe'}
    condition: sel
---
title: Filter Administrator account
logsource: {product: windows, category: process_creation}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
        - not-loaded-rule
    selection:
        User|startswith: 'adm_'
    condition: selection
";

#[test]
fn filters_apply_as_and_not() {
    let (set, report) = RuleSet::from_yaml("f.yml", FILTERED, None);
    assert_eq!((set.len(), set.filters().len()), (1, 1), "{report}");
    assert!(hit(
        &set,
        &event(&[("Image", "c:\\rclone.exe"), ("User", "bob")])
    ));
    assert!(!hit(
        &set,
        &event(&[("Image", "c:\\rclone.exe"), ("User", "ADM_bob")])
    ));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("not-loaded-rule")),
        "{report}"
    );
}

#[test]
fn report_lists_every_document() {
    let text = "title: bad\nlogsource: {product: windows}\ndetection:\n    sel: {A|nope: x}\n    condition: sel\n---\nfoo: bar\n";
    let (set, report) = RuleSet::from_yaml("r.yml", text, None);
    assert!(set.is_empty());
    assert_eq!(report.entries.len(), 2);
    let (e, r) = report.rejected().next().unwrap();
    assert_eq!(
        (e.title.as_deref(), r.kind),
        (Some("bad"), RejectKind::Modifier)
    );
    assert!(r.detail.contains("'nope'"), "{r}");
    assert!(matches!(report.entries[1].outcome, Outcome::Rejected(_)));
    let (_, report) = RuleSet::from_yaml("y.yml", "title: [oops\n", None);
    assert_eq!(report.rejected().next().unwrap().1.kind, RejectKind::Yaml);
    let (_, report) = RuleSet::load(&["/nonexistent/sigma".into()], None);
    assert_eq!(report.rejected().next().unwrap().1.kind, RejectKind::Io);
}

#[test]
fn detector_emits_alert_per_rule_and_event() {
    let (set, _) = RuleSet::from_yaml("c.yml", COLLECTION, None);
    let mut det = SigmaDetector::new(Arc::new(set));
    assert_eq!(det.name(), "sigma");
    let mut ev = event(&[
        ("Image", "c:\\curl.exe"),
        ("CommandLine", "curl -T f --upload-file f"),
    ]);
    ev.ts = Some(Timestamp::from_secs(1_700_000_000));
    let host = ev.intern("WS-1");
    ev.entity.host = Some(Value::Str(host));
    let user = ev.intern("CORP\\bob");
    ev.entity.user = Some(Value::Str(user));
    let mut alerts = Vec::new();
    det.process(&ev, &mut alerts);
    det.process(&event(&[("Image", "c:\\notepad.exe")]), &mut alerts);
    assert_eq!(alerts.len(), 2);
    let a = &alerts[0];
    assert_eq!(a.rule.id, "00000000-0000-0000-0000-000000000001");
    assert_eq!(a.rule.title, "Curl upload");
    assert_eq!(a.rule.source, "sigma");
    assert_eq!(a.attack, vec!["T1567"]);
    assert_eq!(a.timestamp, ev.ts);
    assert_eq!(a.host.as_deref(), Some("WS-1"));
    assert_eq!(a.user.as_deref(), Some("CORP\\bob"));
    assert_eq!(a.evidence[0].position, Position::Line(7));
    assert_eq!(alerts[1].rule.id, "00000000-0000-0000-0000-000000000002");
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "", "---\n---\n", "[1, 2]", "title: x\ndetection: 5\nlogsource: {}\n", "title: x\nlogsource: 3\ndetection: {condition: a}\n",
        "title: x\nlogsource: {}\ndetection:\n    a: {B: {c: d}}\n    condition: a\n",
        "title: x\nlogsource: {}\ndetection:\n    a: []\n    condition: a\n",
        "title: x\nlogsource: {}\ndetection:\n    a: {B: []}\n    condition: a\n",
        "title: x\nlogsource: {}\ndetection:\n    a: {B|windash: '-a -b -c -d -e -f -g'}\n    condition: a\n",
        "title: x\nlogsource: {}\ndetection:\n    a: {B: x}\n    condition: ((((((a\n",
        "action: repeat\ntitle: x\n",
    ] {
        let (set, report) = RuleSet::from_yaml("h.yml", text, None);
        assert!(set.is_empty(), "{text:?} loaded");
        let _ = report.to_string();
    }
}
