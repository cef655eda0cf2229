//! `hunt --policy`: uploads to what the organisation sanctions raise no
//! alert from the built-in analytics; a malformed policy is a usage error.

use std::path::Path;
use std::process::Command;

fn hunt(args: &[&str]) -> (Vec<serde_json::Value>, String, Option<i32>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .current_dir(root)
        .args(["hunt", "-q", "--format", "jsonl"])
        .args(args)
        .arg("examples/formats")
        .output()
        .unwrap();
    let alerts = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        alerts,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
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
    // No analytic reports the sanctioned upload (staging then upload included).
    assert!(all.iter().any(|a| a.to_string().contains("transfer.sh")));
    assert!(
        !some.iter().any(|a| a.to_string().contains("transfer.sh")),
        "{some:#?}"
    );
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["rules", "pack", "--export"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let n = std::fs::read_dir(&pack).unwrap().count();
    assert!(n >= 20, "{n} files");
    // Exporting again never overwrites a user's edits.
    let again = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["rules", "pack", "--export"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let check = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .current_dir(root)
        .args(["rules", "check", "--strict"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
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
