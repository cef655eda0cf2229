//! Golden files: the CLI's output on the bundled example folder is kept in
//! `tests/golden/`, so any change in how outflow reads data shows up in
//! review. Regenerate with `UPDATE_GOLDEN=1 cargo test -p outflow-cli --test golden`.

mod common;

use common::{check_golden as check, outflow, workspace};

#[test]
fn formats_events_as_jsonl() {
    let out = outflow([
        "events",
        "--format",
        "jsonl",
        "-j",
        "1",
        "--quiet",
        "examples/formats",
    ])
    .ok()
    .stdout;
    check("formats-events.jsonl", &out);
}

#[test]
fn formats_events_as_table_and_csv() {
    let out = outflow([
        "events",
        "--format",
        "table",
        "-j",
        "1",
        "--quiet",
        "examples/formats",
    ])
    .ok()
    .stdout;
    check("formats-events.table", &out);
    let out = outflow([
        "events",
        "--format",
        "csv",
        "-j",
        "1",
        "--quiet",
        "examples/formats",
    ])
    .ok()
    .stdout;
    check("formats-events.csv", &out);
}

#[test]
fn formats_summary_covers_every_text_format_without_rejects() {
    let out = outflow([
        "events",
        "--format",
        "none",
        "--summary",
        "json",
        "examples/formats",
    ])
    .ok()
    .stdout;
    let mut s: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        s["totals"]["rejects"], 0,
        "the example folder must read cleanly: {s}"
    );
    for kind in [
        "win-json",
        "auditd",
        "zeek-tsv",
        "zeek-json",
        "w3c",
        "squid",
        "panos",
        "m365",
        "gworkspace",
        "cloudtrail",
        "github",
        "slack",
        "proofpoint",
        "message-trace",
    ] {
        assert!(
            s["by_source"][kind].as_u64().unwrap_or(0) > 0,
            "no {kind} events in examples/formats: {s}"
        );
    }
    // Timing varies run to run; everything else is reproducible.
    s["totals"]["seconds"] = 0.into();
    s["totals"]["events_per_second"] = 0.into();
    check(
        "formats-summary.json",
        &(serde_json::to_string_pretty(&s).unwrap() + "\n"),
    );
}

#[test]
fn hunt_on_the_formats_example_runs_the_built_in_analytics() {
    let run = outflow(["hunt", "--format", "jsonl", "examples/formats"]).ok();
    let (out, err) = (&run.stdout, &run.stderr);
    // The summary says what ran.
    assert!(err.contains("upload-tooling"), "{err}");
    assert!(err.contains("rule pack ("), "{err}");
    let alerts = run.jsonl();
    // The volume analytics see the demo's uploads by their bytes too.
    assert!(
        alerts
            .iter()
            .any(|a| a["rule"]["id"] == "outflow.large-transfer"
                && a["destination"]["service"] == "MEGA"
                && a["entity"]["host"] == "WS-FIN-07.corp.example"),
        "{out}"
    );
    // The stateful analytics see the same uploads from the network side.
    for rule in ["outflow.protocol-anomaly", "outflow.community-deviation"] {
        assert!(alerts.iter().any(|a| a["rule"]["id"] == rule), "{rule}");
    }
    let mut found: Vec<(String, String, String)> = alerts
        .iter()
        .filter(|a| {
            a["rule"]["id"] == "outflow.upload-tooling" || a["rule"]["id"] == "outflow.email-exfil"
        })
        .map(|a| {
            (
                a["fields"]["tool"].as_str().unwrap_or("").to_string(),
                a["destination"]["target"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                a["origin"]["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            // email-exfil: five messages, four of them large, to a private gmail address.
            (
                "".into(),
                "alice.private@gmail.com".into(),
                "examples/formats/proofpoint.jsonl".into()
            ),
            (
                "curl".into(),
                "https://transfer.sh/src.tgz".into(),
                "examples/formats/auditd.log".into()
            ),
            (
                "powershell".into(),
                "https://discord.com/api/webhooks/1180917204416938014/Qm8tR2xvYl9uZXh0X3N0YWdl"
                    .into(),
                "examples/formats/windows-sysmon.jsonl".into()
            ),
            (
                "rclone".into(),
                "mega:backup".into(),
                "examples/formats/windows-sysmon.jsonl".into()
            ),
        ],
        "{alerts:#?}"
    );
}

#[test]
fn mappings_reference_is_up_to_date() {
    let out = outflow(["mappings", "doc"]).ok().stdout;
    let path = workspace().join("docs/MAPPINGS.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        out,
        "docs/MAPPINGS.md is stale: UPDATE_GOLDEN=1"
    );
}
