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
        .arg("examples/demo")
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

/// The tools the upload-tooling analytic names (the stateful analytics
/// report the same uploads from the network side).
fn tools(alerts: &[serde_json::Value]) -> Vec<String> {
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
    let to = |alerts: &[serde_json::Value], domain: &str| {
        alerts
            .iter()
            .filter(|a| a["destination"]["domain"] == domain)
            .count()
    };
    assert!(to(&all, "transfer.sh") >= 2, "{all:#?}");
    assert_eq!(to(&some, "transfer.sh"), 0, "{some:#?}");
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
