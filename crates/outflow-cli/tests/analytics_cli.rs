//! `hunt --policy`: uploads to what the organisation sanctions raise no
//! alert from the built-in analytics; a malformed policy is a usage error.

mod common;

use common::outflow;

/// `outflow hunt -q --format jsonl ARGS examples/formats` from the
/// workspace root: its alerts (none when it failed), what it wrote to
/// stderr, and its exit code.
fn hunt(args: &[&str]) -> (Vec<serde_json::Value>, String, Option<i32>) {
    let fixed = ["hunt", "-q", "--format", "jsonl"];
    let run = outflow(fixed.iter().chain(args).chain(&["examples/formats"]));
    let alerts = if run.code == Some(0) {
        run.jsonl()
    } else {
        Vec::new()
    };
    (alerts, run.stderr, run.code)
}

/// Tools of the upload-tooling analytic's alerts.
fn tools(alerts: &[serde_json::Value]) -> Vec<String> {
    // The upload-tooling alerts (the volume analytics report the same
    // uploads by their bytes; their policy handling has its own tests).
    let mut t: Vec<String> = alerts
        .iter()
        .filter(|a| a["rule"]["id"] == "outflow.upload-tooling")
        .map(|a| a["fields"]["tool"].as_str().unwrap_or("").to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn a_sanctioned_destination_raises_no_alert() {
    let (all, err, code) = hunt(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(tools(&all), ["curl", "powershell", "rclone"]);

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(
        &policy,
        "organisation: corp.example\nsanctioned:\n  domains: [transfer.sh]\n",
    )
    .unwrap();
    let (some, err, code) = hunt(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(tools(&some), ["powershell", "rclone"]);
    // No analytic reports the sanctioned upload (staging then upload
    // included); the rule pack's single-event rules do not read the policy.
    let analytic_to = |alerts: &[serde_json::Value]| {
        alerts
            .iter()
            .filter(|a| a["rule"]["source"] == "analytic")
            .any(|a| a.to_string().contains("transfer.sh"))
    };
    assert!(analytic_to(&all));
    assert!(!analytic_to(&some), "{some:#?}");
}

#[test]
fn a_malformed_policy_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(&policy, "sanctioned: [oops\n").unwrap();
    let (_, err, code) = hunt(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("policy") && err.contains("policy.yml"),
        "{err}"
    );
}

/// Without --rules the built-in Sigma rule pack runs beside the analytics;
/// `--no-rule-pack` leaves the analytics alone.
#[test]
fn the_rule_pack_runs_by_default() {
    let rule_ids = |alerts: &[serde_json::Value]| -> Vec<String> {
        let mut ids: Vec<String> = alerts
            .iter()
            .filter(|a| a["rule"]["source"] == "sigma")
            .map(|a| a["rule"]["title"].as_str().unwrap_or("").to_string())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let (all, err, code) = hunt(&[]);
    assert_eq!(code, Some(0), "{err}");
    let titles = rule_ids(&all);
    for expected in [
        "Renamed Rclone Binary",
        "PowerShell Posts Data to a Chat or Request-Capture Webhook",
        "Curl or Wget Uploads a File to an Anonymous File-Sharing Service (Linux)",
        "Archive Written to a Staging Folder",
    ] {
        assert!(
            titles.iter().any(|t| t == expected),
            "{expected} missing from {titles:?}"
        );
    }
    // Every pack alert names the record it rests on.
    for a in all.iter().filter(|a| a["rule"]["source"] == "sigma") {
        assert!(a["evidence"][0]["origin"]["file"].is_string(), "{a}");
        assert!(a["risk_score"].as_u64().unwrap_or(0) > 0, "{a}");
    }
    let (none, err, code) = hunt(&["--no-rule-pack"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(rule_ids(&none).is_empty());
    assert!(!none.is_empty());
}

#[test]
fn the_rule_pack_exports_and_runs_with_rules() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    let pack = pack.to_str().unwrap();
    let out = outflow(["rules", "pack", "--export", pack]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let n = std::fs::read_dir(pack).unwrap().count();
    assert!(n >= 20, "{n} files");
    // Exporting again never overwrites a user's edits.
    let again = outflow(["rules", "pack", "--export", pack]);
    assert_eq!(again.code, Some(2));
    let check = outflow(["rules", "check", "--strict", pack]);
    assert_eq!(check.code, Some(0), "{}", check.stdout);
}

/// An allow rule of the policy suppresses every alert it matches, from the
/// rule pack and the analytics alike, and the summary counts them.
#[test]
fn an_allow_rule_suppresses_matching_alerts() {
    let (all, err, code) = hunt(&[]);
    assert_eq!(code, Some(0), "{err}");
    let curl_on_build = |alerts: &[serde_json::Value]| {
        alerts
            .iter()
            .filter(|a| {
                a["entity"]["host"] == "build-srv-02" && a["entity"]["image"] == "/usr/bin/curl"
            })
            .count()
    };
    assert!(curl_on_build(&all) >= 2, "{all:#?}");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(
        &policy,
        "allow:\n  - name: release uploads\n    hosts: [build-srv-*]\n    images: [curl]\n",
    )
    .unwrap();
    let (some, err, code) = hunt(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(curl_on_build(&some), 0, "{some:#?}");
    assert_eq!(some.len() + curl_on_build(&all), all.len());
}

fn rules(alerts: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = alerts
        .iter()
        .map(|a| a["rule"]["id"].as_str().unwrap_or("").to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn analytics_without_their_inputs_are_left_out_with_a_note() {
    let out = outflow(["hunt", "--format", "none", "examples/formats"]).ok();
    let err = &out.stderr;
    assert!(
        err.contains("geo-logon not run: no geolocation database (give one with --geoip"),
        "{err}"
    );
    assert!(err.contains("outbound-policy not run"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let summary_s = summary.to_str().unwrap();
    outflow([
        "hunt",
        "-q",
        "--format",
        "none",
        "--summary-out",
        summary_s,
        "examples/formats",
    ])
    .ok();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let not_run = json["hunt"]["analytics_not_run"].as_array().unwrap();
    assert!(not_run
        .iter()
        .any(|n| n.as_str().unwrap().starts_with("geo-logon")));
}

#[test]
fn a_threat_list_reports_listed_senders() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("intel.csv");
    std::fs::write(&list, "indicator,kind\nsupplier.example,domain\n").unwrap();
    let (before, err, code) = hunt(&[]);
    assert_eq!(code, Some(0), "{err}");
    let (after, err, code) = hunt(&["--intel-list", list.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let listed: Vec<&serde_json::Value> = after
        .iter()
        .filter(|a| a["fields"]["threat_list"].is_string())
        .collect();
    assert!(!listed.is_empty(), "{after:#?}");
    assert!(listed.iter().all(|a| a["entity"]["user"]
        .as_str()
        .unwrap()
        .ends_with("@supplier.example")));
    assert_eq!(after.len(), before.len() + listed.len());
}

#[test]
fn missing_or_bad_geoip_and_lists_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mmdb");
    std::fs::write(&bad, "not a database").unwrap();
    let (_, err, code) = hunt(&["--geoip", bad.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--geoip") && err.contains("bad.mmdb"), "{err}");
    let (_, err, code) = hunt(&["--geoip", "/nonexistent/city.mmdb"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/city.mmdb"), "{err}");
    let list = dir.path().join("intel.txt");
    std::fs::write(&list, "evil.example\nnot an indicator\n").unwrap();
    let (_, err, code) = hunt(&["--intel-list", list.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("intel.txt:2"), "{err}");
}

#[test]
fn a_forbidden_section_turns_outbound_policy_on() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(
        &policy,
        "forbidden:\n  categories: [file_sharing, cloud_storage]\n",
    )
    .unwrap();
    let (found, err, code) = hunt(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        rules(&found).contains(&"outflow.outbound-policy".to_string()),
        "{found:#?}"
    );
}
