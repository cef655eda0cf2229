//! Sigma correlation rules in `outflow hunt`: the specification's
//! `value_sum` pattern — bytes sent per client per hour over a threshold —
//! on the bundled ProxySG log, in order and split over files in reverse order.

mod common;

use std::path::{Path, PathBuf};

const RULES: &str = r#"title: Proxy upload
name: proxy_upload
id: 2c8f9b1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b
status: test
level: low
logsource:
    category: proxy
detection:
    selection:
        cs-method: POST
    condition: selection
---
title: More than 50 MB uploaded through the proxy by one client in an hour
id: 5d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6
status: test
level: high
tags: [attack.exfiltration, attack.t1567]
correlation:
    type: value_sum
    rules: [proxy_upload]
    group-by: [c-ip]
    timespan: 1h
    condition:
        field: cs-bytes
        gt: 52428800
"#;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats/proxy-bluecoat.log")
}

fn hunt(inputs: &[PathBuf], rules: &Path) -> Vec<serde_json::Value> {
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    common::hunt(&[rules], &[], &inputs)
}

fn correlation_alerts(alerts: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    alerts
        .iter()
        .filter(|a| a["rule"]["id"] == "5d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6")
        .collect()
}

#[test]
fn value_sum_of_bytes_sent_per_client_fires_once_for_the_uploader() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let alerts = hunt(&[demo()], &rules);
    let corr = correlation_alerts(&alerts);
    assert_eq!(corr.len(), 1, "{alerts:#?}");
    assert_eq!(corr[0]["rule"]["level"], "high");
    assert_eq!(corr[0]["attack"][0], "T1567");
    // The alert says which group crossed the threshold.
    assert_eq!(corr[0]["fields"]["correlation"], "value_sum");
    assert!(corr[0]["fields"]["group.c-ip"]
        .as_str()
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok()));
    // `generate` is false by default: the base rule feeds the correlation silently.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(corr[0]["origin"]["file"]
        .as_str()
        .unwrap()
        .ends_with("proxy-bluecoat.log"));
}

#[test]
fn the_same_holds_across_files_read_in_reverse_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let text = std::fs::read_to_string(demo()).unwrap();
    let header: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    let data: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let (early, late) = data.split_at(data.len() / 2);
    // b-late.log sorts (and so is read) before z-early.log, with one thread.
    let write = |name: &str, lines: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{}\n{}\n", header.join("\n"), lines.join("\n"))).unwrap();
        p
    };
    let files = [write("b-late.log", late), write("z-early.log", early)];
    let alerts = hunt(&files, &rules);
    assert_eq!(correlation_alerts(&alerts).len(), 1, "{alerts:#?}");
}

#[test]
fn below_the_threshold_nothing_fires() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES.replace("gt: 52428800", "gt: 524288000")).unwrap();
    assert!(correlation_alerts(&hunt(&[demo()], &rules)).is_empty());
}

/// Events no rule matches stay on the reader threads (only matched ones go
/// to the correlations), yet every event read is counted in the summary.
#[test]
fn every_event_is_counted_though_only_matched_ones_reach_the_correlation() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let summary = dir.path().join("summary.json");
    let log = demo();
    let args = [
        "hunt",
        "--format",
        "none",
        "--quiet",
        "--rules",
        rules.to_str().unwrap(),
        "--summary-out",
        summary.to_str().unwrap(),
        log.to_str().unwrap(),
    ];
    common::outflow(args).ok();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let text = std::fs::read_to_string(demo()).unwrap();
    let records = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count() as u64;
    let posts = text.lines().filter(|l| l.contains(" POST ")).count();
    assert!(
        posts > 0 && (posts as u64) < records,
        "the log mixes methods"
    );
    assert_eq!(json["totals"]["events"], records);
    assert_eq!(json["hunt"]["events"], records);
    assert_eq!(json["hunt"]["alerts"], 1);
}
