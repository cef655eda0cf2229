//! `--pipeline`: a pySigma pipeline maps the Sigma taxonomy of unmodified
//! rules onto the field names of the user's data (here ECS, placed under
//! windows/process_creation by a user mapping file).

mod common;

use common::outflow_in;
use std::path::Path;

const MAPPING: &str = r#"
name: json
sources: [json]
select: [event.category]
rules:
  - when: {event.category: process}
    logsource: [{product: windows, category: process_creation}]
    entity: {host: host.name, user: user.name, image: process.executable}
  - when: {}
    logsource: []
"#;

const PIPELINE: &str = r#"
name: ECS process fields
priority: 20
transformations:
  - id: ecs_process_creation
    type: field_name_mapping
    mapping:
      Image: process.executable
      CommandLine: process.command_line
    rule_conditions:
      - type: logsource
        category: process_creation
"#;

const RULE: &str = r#"title: Rclone copy to a cloud remote
id: 7a1b3c5d-1111-4222-8333-944445555666
status: test
level: high
tags: [attack.exfiltration, attack.t1567.002]
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\rclone.exe'
        CommandLine|contains: ' copy '
    condition: selection
"#;

const EVENTS: &str = concat!(
    r#"{"@timestamp":"2026-11-20T10:00:00Z","event":{"category":"process"},"host":{"name":"WS-FIN-07"},"user":{"name":"alice"},"process":{"executable":"C:\\Users\\Public\\rclone.exe","command_line":"rclone.exe copy C:\\Finance mega:backup"}}"#,
    "\n",
    r#"{"@timestamp":"2026-11-20T10:01:00Z","event":{"category":"process"},"host":{"name":"WS-FIN-07"},"user":{"name":"alice"},"process":{"executable":"C:\\Windows\\notepad.exe","command_line":"notepad.exe"}}"#,
    "\n"
);

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `outflow hunt` of the test's rule and events with the test's mapping
/// folder and `extra` arguments: its alerts (none when it failed), what it
/// wrote to stderr, and its exit code (-1 for a signal).
fn hunt(extra: &[&str], dir: &Path) -> (Vec<serde_json::Value>, String, i32) {
    let text = |p: std::path::PathBuf| p.display().to_string();
    let (maps, rule, events) = (
        text(dir.join("maps")),
        text(dir.join("rule.yml")),
        text(dir.join("events.jsonl")),
    );
    let fixed = [
        "hunt",
        "--format",
        "jsonl",
        "--quiet",
        "--mappings",
        &maps,
        "--rules",
        &rule,
    ];
    let run = outflow_in(dir, fixed.iter().chain(extra).chain(&[events.as_str()]));
    let alerts = if run.code == Some(0) {
        run.jsonl()
    } else {
        Vec::new()
    };
    (alerts, run.stderr, run.code.unwrap_or(-1))
}

#[test]
fn a_pipeline_maps_rule_fields_onto_the_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("maps")).unwrap();
    write(&dir.path().join("maps"), "json.yml", MAPPING);
    write(dir.path(), "rule.yml", RULE);
    write(dir.path(), "events.jsonl", EVENTS);
    let pipeline = write(dir.path(), "ecs.yml", PIPELINE);

    let (alerts, err, code) = hunt(&[], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        alerts.is_empty(),
        "without the pipeline the Sigma names are absent: {alerts:?}"
    );

    let (alerts, err, code) = hunt(&["--pipeline", &pipeline], dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(alerts.len(), 1, "{err}");
    assert_eq!(
        alerts[0]["rule"]["id"],
        "7a1b3c5d-1111-4222-8333-944445555666"
    );
    assert_eq!(alerts[0]["entity"]["host"], "WS-FIN-07");
    assert_eq!(alerts[0]["attack"][0], "T1567.002");
}

#[test]
fn an_unsupported_pipeline_is_a_usage_error_naming_the_construct() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("maps")).unwrap();
    write(&dir.path().join("maps"), "json.yml", MAPPING);
    write(dir.path(), "rule.yml", RULE);
    write(dir.path(), "events.jsonl", EVENTS);
    let bad = write(
        dir.path(),
        "bad.yml",
        "name: x\ntransformations:\n  - type: map_string\n    mapping: {a: b}\n",
    );
    let (_, err, code) = hunt(&["--pipeline", &bad], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("'map_string' is not supported"), "{err}");
}
