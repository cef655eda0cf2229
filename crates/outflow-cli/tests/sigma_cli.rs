//! `outflow hunt --rules` and `outflow rules` end to end on small inline
//! rules and events (no shared corpus needed).

mod common;

use common::outflow_in as outflow;
use serde_json::Value;

const EVENTS: &str = r##"{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws1","TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T08:00:00Z"}}},"EventData":{"Image":"C:\\t\\rclone.exe","CommandLine":"rclone copy C:\\data mega:backup","User":"CORP\\bob","ProcessId":42}}}
{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws1","TimeCreated":{"#attributes":{"SystemTime":"2026-11-21T08:00:00Z"}}},"EventData":{"Image":"C:\\t\\rclone.exe","CommandLine":"rclone copy C:\\other mega:backup","User":"CORP\\bob","ProcessId":43}}}
"##;

const RCLONE: &str = "title: Rclone to cloud\nid: 11111111-0000-0000-0000-000000000001\nstatus: test\nlevel: high\ntags: [attack.exfiltration, attack.t1567.002]\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\rclone.exe'\n    CommandLine|contains: 'mega:'\n  condition: sel\n";
const LOW: &str = "title: Any process\nid: 11111111-0000-0000-0000-000000000002\nstatus: experimental\nlevel: low\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|contains: '\\'\n  condition: sel\nfields: [Image]\n";
const BROKEN: &str = "title: Legacy count\nid: 11111111-0000-0000-0000-000000000003\nlogsource: {product: windows}\ndetection:\n  sel: {EventID: 1}\n  condition: sel | count() > 5\n";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("rclone.yml"), RCLONE).unwrap();
    std::fs::write(rules.join("low.yml"), LOW).unwrap();
    std::fs::write(rules.join("broken.yml"), BROKEN).unwrap();
    std::fs::write(dir.path().join("ev.json"), EVENTS).unwrap();
    dir
}

#[test]
fn hunt_writes_alerts_with_entity_fields_and_origin() {
    let d = setup();
    let out = outflow(
        d.path(),
        ["hunt", "--rules", "rules", "-f", "jsonl", "ev.json"],
    );
    let err = out.stderr.as_str().to_string();
    let a = out.jsonl();
    assert_eq!(a.len(), 4, "{a:?}");
    assert!(
        err.contains("2 rules loaded, 1 documents not loaded (legacy-aggregation 1)"),
        "{err}"
    );
    assert!(err.contains("rules/broken.yml#0"), "{err}");
    let r = a.iter().find(|x| x["rule"]["level"] == "high").unwrap();
    assert_eq!(r["rule"]["source"], "sigma");
    assert_eq!(r["timestamp"], "2026-11-20T08:00:00Z");
    assert_eq!(r["attack"][0], "T1567.002");
    assert_eq!(r["entity"]["host"], "ws1");
    assert_eq!(r["entity"]["pid"], "42");
    assert_eq!(
        r["fields"]["CommandLine"],
        "rclone copy C:\\data mega:backup"
    );
    assert_eq!(r["origin"]["file"], "ev.json");
    assert_eq!(r["origin"]["position"]["line"], 1);
    // The rule's `fields:` list wins over the detection's fields.
    let low = a.iter().find(|x| x["rule"]["level"] == "low").unwrap();
    assert_eq!(low["fields"].as_object().unwrap().len(), 1);
    // Strict rules: the broken document is an error.
    let strict = outflow(
        d.path(),
        ["hunt", "--rules", "rules", "--strict-rules", "ev.json"],
    );
    assert_eq!(strict.code, Some(2));
}

#[test]
fn hunt_filters_rules_and_time() {
    let d = setup();
    let high = outflow(
        d.path(),
        [
            "hunt", "-q", "--rules", "rules", "--level", "high", "-f", "jsonl", "ev.json",
        ],
    )
    .jsonl();
    assert!(high.iter().all(|a| a["rule"]["level"] == "high") && high.len() == 2);
    let tagged = outflow(
        d.path(),
        [
            "hunt",
            "-q",
            "--rules",
            "rules",
            "--tags",
            "attack.t1567",
            "--status",
            "test",
            "-f",
            "jsonl",
            "ev.json",
        ],
    )
    .jsonl();
    assert_eq!(tagged.len(), 2);
    let out = outflow(
        d.path(),
        [
            "hunt",
            "--rules",
            "rules",
            "--from",
            "2026-11-21T00:00:00Z",
            "-f",
            "jsonl",
            "--summary",
            "json",
            "ev.json",
        ],
    );
    let err = out.stderr.as_str();
    let summary: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(summary["totals"]["out_of_range"], 1);
    let a = out.jsonl();
    assert_eq!(a.len(), 2);
    assert!(a.iter().all(|x| x["entity"]["pid"] == "43"));
    let bad = outflow(
        d.path(),
        ["hunt", "--rules", "rules", "--to", "yesterday", "ev.json"],
    );
    assert_eq!(bad.code, Some(2));
}

#[test]
fn hunt_table_and_csv() {
    let d = setup();
    let t = outflow(
        d.path(),
        [
            "hunt",
            "-q",
            "--rules",
            "rules/rclone.yml",
            "-f",
            "table",
            "ev.json",
        ],
    );
    let text = t.stdout.as_str();
    assert!(text.starts_with("time"), "{text}");
    assert!(
        text.contains("rclone.exe (42)") && text.contains("ev.json:line 1"),
        "{text}"
    );
    let c = outflow(
        d.path(),
        [
            "hunt",
            "-q",
            "--rules",
            "rules/rclone.yml",
            "-f",
            "csv",
            "ev.json",
        ],
    );
    let text = c.stdout.as_str();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .contains(",high,11111111-0000-0000-0000-000000000001,"));
}

#[test]
fn hunt_without_rules_runs_the_built_in_pack_and_analytics() {
    let d = setup();
    let out = outflow(d.path(), ["hunt", "-f", "jsonl", "ev.json"]);
    assert_eq!(out.code, Some(0));
    let err = out.stderr.as_str();
    assert!(
        err.contains("rule pack (") && err.contains("upload-tooling"),
        "{err}"
    );
    // The user's rule folder is not read without --rules: no alert comes from it.
    for line in out.stdout.as_str().lines() {
        let a: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = a["rule"]["id"].as_str().unwrap_or("");
        assert!(!id.starts_with("11111111-"), "{a}");
    }
}

#[test]
fn rules_check_and_list() {
    let d = setup();
    let out = outflow(d.path(), ["rules", "check", "rules", "-f", "json"]);
    assert_eq!(out.code, Some(0));
    let r: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(r["rules"], 2);
    assert_eq!(r["rejected"], 1);
    assert_eq!(r["rejections"][0]["kind"], "legacy-aggregation");
    assert_eq!(
        r["rejections"][0]["id"],
        "11111111-0000-0000-0000-000000000003"
    );
    assert_eq!(r["modifiers"]["endswith"], 1);
    assert_eq!(r["logsources"]["windows/process_creation/-"], 2);
    let strict = outflow(d.path(), ["rules", "check", "--strict", "rules"]);
    assert_eq!(strict.code, Some(1));
    let list = outflow(d.path(), ["rules", "list", "rules", "--level", "medium"]);
    let text = list.stdout.as_str();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("Rclone to cloud") && text.contains("windows/process_creation/-"));
    let json = outflow(
        d.path(),
        [
            "rules",
            "list",
            "rules",
            "-f",
            "json",
            "--logsource",
            "windows",
        ],
    );
    let items: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 2);
    let missing = outflow(d.path(), ["rules", "check", "nope"]);
    assert_eq!(missing.code, Some(2));
}
