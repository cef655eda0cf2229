//! pySigma processing pipelines: each supported transformation, rule and
//! field-name conditions, and refusal of what outflow cannot honour.

mod common;

use common::*;
use outflow_event::{LogSource, Value};
use outflow_sigma::{Pipeline, RejectKind, RuleSet};
use std::path::PathBuf;
use std::sync::Arc;

const RULE: &str = r#"title: Upload tool
id: 0a1b2c3d-0000-4000-8000-000000000001
level: high
tags: [attack.exfiltration, attack.t1567.002]
logsource:
    product: windows
    category: process_creation
fields: [CommandLine, User]
detection:
    selection:
        Image|endswith: '\rclone.exe'
        CommandLine|contains: ' copy '
    filter:
        ParentImage|fieldref: Image
    condition: selection and not filter
"#;

/// Loads `rule` (YAML text) with pipelines given as YAML texts.
fn load(rule: &str, pipelines: &[&str]) -> (RuleSet, outflow_sigma::LoadReport) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rule.yml");
    std::fs::write(&path, rule).unwrap();
    let ps: Vec<Pipeline> = pipelines
        .iter()
        .enumerate()
        .map(|(i, y)| Pipeline::from_yaml(&format!("p{i}"), y).unwrap())
        .collect();
    RuleSet::load_with_pipelines(&[PathBuf::from(&path)], None, &ps)
}

fn ecs_event(fields: &[(&str, &str)]) -> outflow_event::Event {
    event(fields)
}

const ECS: &str = r#"
name: ECS process fields
priority: 20
transformations:
  - id: ecs_process
    type: field_name_mapping
    mapping:
      Image: process.executable
      CommandLine: [process.command_line, process.args_joined]
      ParentImage: process.parent.executable
    rule_conditions:
      - type: logsource
        category: process_creation
"#;

#[test]
fn field_mapping_renames_fields_and_a_list_becomes_an_or() {
    let (set, report) = load(RULE, &[ECS]);
    assert_eq!(set.len(), 1, "{report}");
    let hit_on = |cmd_field: &str| {
        let ev = ecs_event(&[
            ("process.executable", "C:\\Users\\Public\\rclone.exe"),
            (cmd_field, "rclone.exe copy C:\\data mega:x"),
            ("process.parent.executable", "C:\\Windows\\explorer.exe"),
        ]);
        hit(&set, &ev)
    };
    assert!(hit_on("process.command_line"));
    assert!(hit_on("process.args_joined"));
    // The original names no longer match.
    let ev = ecs_event(&[
        ("Image", "C:\\rclone.exe"),
        ("CommandLine", "rclone copy a b"),
    ]);
    assert!(!hit(&set, &ev));
    // `fieldref` values are field names too: parent == image is filtered out.
    let ev = ecs_event(&[
        ("process.executable", "C:\\rclone.exe"),
        ("process.command_line", "rclone copy a b"),
        ("process.parent.executable", "C:\\rclone.exe"),
    ]);
    assert!(!hit(&set, &ev));
    // And the rule's `fields` list is renamed.
    let fields = &set.rules()[0].meta.fields;
    assert!(
        fields.contains(&"process.command_line".to_string()),
        "{fields:?}"
    );
}

#[test]
fn rule_conditions_limit_where_a_transformation_applies() {
    let other = RULE.replace("category: process_creation", "category: network_connection");
    let (set, _) = load(&other, &[ECS]);
    let mut ev = ecs_event(&[
        ("Image", "C:\\rclone.exe"),
        ("CommandLine", "rclone copy a b"),
    ]);
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        category: Some(Arc::from("network_connection")),
        service: None,
    }]);
    assert!(hit(&set, &ev), "the mapping is for process_creation only");

    let negated = ECS.replace(
        "        category: process_creation\n",
        "        category: process_creation\n    rule_cond_not: true\n",
    );
    let (set, _) = load(RULE, &[&negated]);
    let ev = ecs_event(&[
        ("Image", "C:\\rclone.exe"),
        ("CommandLine", "rclone copy a b"),
    ]);
    assert!(
        hit(&set, &ev),
        "negated condition: not applied to process_creation"
    );
}

#[test]
fn prefix_suffix_and_prefix_mapping() {
    let p = r#"
name: winlogbeat
transformations:
  - type: field_name_prefix
    prefix: "winlog.event_data."
    field_name_conditions:
      - type: exclude_fields
        fields: [CommandLine]
  - type: field_name_prefix_mapping
    mapping:
      "winlog.event_data.Parent": "parent."
  - type: field_name_suffix
    suffix: ".keyword"
    field_name_conditions:
      - type: include_fields
        fields: ["Command.*"]
        matching_mode: re
"#;
    let (set, report) = load(RULE, &[p]);
    assert_eq!(set.len(), 1, "{report}");
    let ev = ecs_event(&[
        ("winlog.event_data.Image", "C:\\rclone.exe"),
        ("CommandLine.keyword", "rclone copy a b"),
        ("parent.Image", "C:\\cmd.exe"),
    ]);
    assert!(hit(&set, &ev));
}

#[test]
fn add_condition_change_logsource_and_drop_item() {
    let p = r#"
name: sysmon only
priority: 10
transformations:
  - type: add_condition
    conditions:
      Channel: Microsoft-Windows-Sysmon/Operational
  - type: change_logsource
    product: windows
    service: sysmon
  - type: drop_detection_item
    field_name_conditions:
      - type: include_fields
        fields: [CommandLine]
"#;
    let (set, report) = load(RULE, &[p]);
    assert_eq!(set.len(), 1, "{report}");
    assert_eq!(
        set.rules()[0].meta.logsource.service.as_deref(),
        Some("sysmon")
    );
    let mut ev = event(&[("Image", "C:\\rclone.exe"), ("ParentImage", "C:\\cmd.exe")]);
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from("windows")),
        category: None,
        service: Some(Arc::from("sysmon")),
    }]);
    // The CommandLine item was dropped, so no command line is needed; the
    // added condition requires the Sysmon channel.
    assert!(!hit(&set, &ev));
    ev.push_str(Arc::from("Channel"), "Microsoft-Windows-Sysmon/Operational");
    assert!(hit(&set, &ev));

    // Emptying a whole selection is refused with the reason.
    let p = p.replace("fields: [CommandLine]", "fields: [ParentImage]");
    let (set, report) = load(RULE, &[&p]);
    assert_eq!(set.len(), 0);
    let (_, r) = report.rejected().next().unwrap();
    assert!(r.detail.contains("emptied selection"), "{}", r.detail);
}

#[test]
fn failures_reject_the_rule_with_the_pipeline_message() {
    let p = r#"
name: no parent data
transformations:
  - type: detection_item_failure
    message: "this SIEM has no ParentImage"
    field_name_conditions:
      - type: include_fields
        fields: [ParentImage]
"#;
    let (set, report) = load(RULE, &[p]);
    assert_eq!(set.len(), 0);
    let (_, r) = report.rejected().next().unwrap();
    assert_eq!(r.kind, RejectKind::Pipeline);
    assert!(
        r.detail.contains("this SIEM has no ParentImage"),
        "{}",
        r.detail
    );

    let p = "name: tagged\ntransformations:\n  - type: rule_failure\n    message: no exfiltration rules here\n    rule_conditions:\n      - type: tag\n        tag: attack.exfiltration\n";
    let (set, _) = load(RULE, &[p]);
    assert_eq!(set.len(), 0);
}

#[test]
fn priorities_order_pipelines() {
    // Runs first (priority 10): Image → img; then (priority 20): img → final.
    let first = "name: a\npriority: 10\ntransformations:\n  - type: field_name_mapping\n    mapping: {Image: img}\n";
    let second = "name: b\npriority: 20\ntransformations:\n  - type: field_name_mapping\n    mapping: {img: final}\n";
    let (set, _) = load(RULE, &[second, first]);
    let ev = event(&[
        ("final", "C:\\rclone.exe"),
        ("CommandLine", "rclone copy a b"),
    ]);
    assert!(hit(&set, &ev));
    let ev = with(ev, "ParentImage", Value::Null);
    assert!(hit(&set, &ev));
}

#[test]
fn unsupported_constructs_are_refused_by_name() {
    let e = Pipeline::from_yaml(
        "p",
        "name: x\ntransformations:\n  - type: replace_string\n    regex: a\n    replacement: b\n",
    )
    .unwrap_err();
    assert!(e.contains("'replace_string' is not supported"), "{e}");
    let e = Pipeline::from_yaml("p", "name: x\ntransformations:\n  - type: field_name_mapping\n    mapping: {a: b}\n    rule_conditions:\n      - type: processing_state\n        key: k\n        val: v\n").unwrap_err();
    assert!(e.contains("processing_state"), "{e}");
    let e = Pipeline::from_yaml("p", "name: x\ntransformations:\n  - type: field_name_mapping\n    mapping: {a: b}\n    rule_cond_expr: c1 and c2\n").unwrap_err();
    assert!(e.contains("rule_cond_expr"), "{e}");
    let ok = Pipeline::from_yaml(
        "p",
        "name: x\ntransformations: []\npostprocessing:\n  - type: template\n",
    )
    .unwrap();
    assert_eq!(ok.ignored, ["postprocessing"]);
}
