//! Every alert is explainable: its origin and each of its evidence records
//! point to a record that exists in the input (the line is there, holds a
//! record rather than a header, and is the record the alert says).

mod common;

use common::{outflow_in, workspace};
use std::collections::HashMap;
use std::path::Path;

fn lines_of<'c>(
    cache: &'c mut HashMap<String, Vec<String>>,
    root: &Path,
    file: &str,
) -> &'c [String] {
    cache.entry(file.to_string()).or_insert_with(|| {
        let text = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|e| panic!("evidence names {file}, which cannot be read: {e}"));
        text.lines().map(str::to_string).collect()
    })
}

fn check_origin(
    cache: &mut HashMap<String, Vec<String>>,
    root: &Path,
    origin: &serde_json::Value,
    alert: &serde_json::Value,
) {
    let file = origin["file"]
        .as_str()
        .unwrap_or_else(|| panic!("no file: {alert}"));
    let lines = lines_of(cache, root, file);
    let pos = &origin["position"];
    if let Some(n) = pos["line"].as_u64() {
        let line = lines
            .get(n as usize - 1)
            .unwrap_or_else(|| panic!("{file} has no line {n}: {alert}"));
        assert!(
            !line.trim().is_empty() && !line.starts_with('#'),
            "{file}:{n} is not a record: {line:?}"
        );
    } else if let Some(n) = pos["record"].as_u64() {
        assert!(n >= 1, "{alert}");
    } else {
        panic!("evidence without a line or record position: {alert}");
    }
}

#[test]
fn every_alert_on_the_demo_points_to_records_in_the_input() {
    let root = workspace();
    let run = outflow_in(
        &root,
        ["hunt", "-q", "--format", "jsonl", "examples/demo/logs"],
    );
    let mut cache = HashMap::new();
    let mut alerts = 0;
    for a in run.jsonl() {
        alerts += 1;
        check_origin(&mut cache, &root, &a["origin"], &a);
        let evidence = a["evidence"]
            .as_array()
            .unwrap_or_else(|| panic!("no evidence: {a}"));
        assert!(!evidence.is_empty(), "no evidence: {a}");
        for e in evidence {
            check_origin(&mut cache, &root, &e["origin"], &a);
            assert!(e["summary"].as_str().is_some_and(|s| !s.is_empty()), "{a}");
        }
    }
    assert!(alerts > 20, "only {alerts} alerts on the demo");
}
