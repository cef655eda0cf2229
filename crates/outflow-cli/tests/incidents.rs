//! `hunt --incidents` and `outflow score`: golden incidents on the bundled
//! example folder, and a simulated corpus hunted and scored end to end.
//! Regenerate the golden files with
//! `UPDATE_GOLDEN=1 cargo test -p outflow-cli --test incidents`.

mod common;

use common::{check_golden as check, outflow_in, workspace};
use std::path::Path;

/// The quality bar of the T1567 detection, on a simulated corpus (seed 1,
/// 20 hosts, 3 days, the simulator's default background volume), hunted
/// with the simulated organisation's policy (its domains, tenants, buckets
/// and networks, `policy.yml` beside the corpus):
/// stories some incident matches (incident recall) ...
const MIN_INCIDENT_RECALL: f64 = 0.95;
/// ... incidents that match a story ...
const MIN_INCIDENT_PRECISION: f64 = 0.90;
/// ... stories some alert matches, alerts that match a story ...
const MIN_ALERT_RECALL: f64 = 0.95;
const MIN_ALERT_PRECISION: f64 = 0.90;
/// ... and alerts matching no story, per host and day.
const MAX_FALSE_ALERTS_PER_HOST_DAY: f64 = 0.20;

#[test]
fn demo_incidents_as_jsonl_and_table() {
    let root = workspace();
    let args = ["hunt", "--incidents", "-j", "1", "--quiet", "--format"];
    let (out, err, code) = outflow_in(
        &root,
        [&args[..], &["jsonl", "examples/demo/logs"]].concat(),
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    // Every line is an incident whose chain is in time order.
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].as_str().unwrap().starts_with("INC-"), "{v}");
        let times: Vec<String> = v["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| time_key(l["time"].as_str().unwrap()))
            .collect();
        assert!(!times.is_empty());
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }
    assert!(!out.is_empty(), "the demo has an incident: {err}");
    check("demo-incidents.jsonl", &out);
    let (out, err, code) = outflow_in(
        &root,
        [&args[..], &["table", "examples/demo/logs"]].concat(),
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    check("demo-incidents.table", &out);
}

#[test]
fn alerts_carry_the_id_of_their_incident() {
    let root = workspace();
    let (alerts, err, code) = outflow_in(
        &root,
        [
            "hunt",
            "-q",
            "-j",
            "1",
            "--format",
            "jsonl",
            "examples/demo/logs",
        ],
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    let (incidents, err, code) = outflow_in(
        &root,
        [
            "hunt",
            "-q",
            "-j",
            "1",
            "--incidents",
            "--format",
            "jsonl",
            "examples/demo/logs",
        ],
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    let ids: Vec<String> = incidents
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let grouped: Vec<String> = alerts
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["incident_id"].as_str().map(str::to_string)
        })
        .collect();
    assert!(!grouped.is_empty());
    assert!(
        grouped.iter().all(|g| ids.contains(g)),
        "{grouped:?} vs {ids:?}"
    );
}

#[test]
fn a_bad_incidents_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("incidents.yml");
    std::fs::write(&cfg, "treshold: 20\n").unwrap();
    let demo = workspace().join("examples/demo/logs");
    let (_, err, code) = outflow_in(
        dir.path(),
        [
            "hunt",
            "-q",
            "--incidents-config",
            cfg.to_str().unwrap(),
            demo.to_str().unwrap(),
        ],
    )
    .parts();
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("incidents.yml") && err.contains("treshold"),
        "{err}"
    );
    // A good one changes the grouping: no alert is critical enough alone.
    std::fs::write(&cfg, "critical: 10\n").unwrap();
    let (out, err, code) = outflow_in(
        dir.path(),
        [
            "hunt",
            "-q",
            "--incidents",
            "-f",
            "jsonl",
            "--incidents-config",
            cfg.to_str().unwrap(),
            demo.to_str().unwrap(),
        ],
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(
            v["trigger"], "critical",
            "no incident opens on one alert: {v}"
        );
    }
}

/// RFC 3339 UTC times compare as text once their fractions have one width.
fn time_key(t: &str) -> String {
    let body = t.trim_end_matches('Z');
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    format!("{secs}.{frac:0<9}")
}

#[test]
fn score_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, code) = outflow_in(
        dir.path(),
        ["score", "--truth", "nope.jsonl", "alerts.jsonl"],
    )
    .parts();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nope.jsonl"), "{err}");
    std::fs::write(dir.path().join("truth.jsonl"), "").unwrap();
    std::fs::write(dir.path().join("alerts.jsonl"), "{\"neither\":1}\n").unwrap();
    let (_, err, code) = outflow_in(
        dir.path(),
        ["score", "--truth", "truth.jsonl", "alerts.jsonl"],
    )
    .parts();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 1"), "{err}");
}

/// Every evidence record an alert names exists in the input: the file, and
/// the line in it.
fn assert_evidence_exists(corpus: &Path, alerts: &str) {
    let mut lines_of = std::collections::HashMap::new();
    for a in alerts.lines() {
        let v: serde_json::Value = serde_json::from_str(a).unwrap();
        let evidence = v["evidence"].as_array().cloned().unwrap_or_default();
        assert!(!evidence.is_empty(), "an alert without evidence: {v}");
        for e in evidence {
            let file = e["origin"]["file"].as_str().unwrap().to_string();
            let n = lines_of.entry(file.clone()).or_insert_with(|| {
                std::fs::read_to_string(corpus.join(&file))
                    .unwrap_or_else(|err| panic!("evidence file {file}: {err}"))
                    .lines()
                    .count() as u64
            });
            if let Some(line) = e["origin"]["position"]["line"].as_u64() {
                assert!(
                    line >= 1 && line <= *n,
                    "{file}:{line} beyond its {n} lines"
                );
            }
        }
    }
}

#[test]
fn simulated_corpus_hunted_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, err, code) = outflow_in(
        d,
        [
            "simulate", "--out", "sim", "--hosts", "20", "--days", "3", "--seed", "1",
        ],
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    let sim = d.join("sim");
    let policy = ["--policy", "policy.yml"];
    let (alerts, err, code) = outflow_in(
        &sim,
        [&["hunt", "-q", "--format", "jsonl"][..], &policy, &["logs"]].concat(),
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(sim.join("alerts.jsonl"), &alerts).unwrap();
    assert_evidence_exists(&sim, &alerts);
    let (incidents, err, code) = outflow_in(
        &sim,
        [
            &["hunt", "-q", "--incidents", "--format", "jsonl"][..],
            &policy,
            &["logs"],
        ]
        .concat(),
    )
    .parts();
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(sim.join("incidents.jsonl"), &incidents).unwrap();

    let score = |file: &str| {
        let (out, err, code) = outflow_in(
            &sim,
            ["score", "--truth", "truth.jsonl", "--format", "json", file],
        )
        .parts();
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let a = score("alerts.jsonl");
    let i = score("incidents.jsonl");
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(0.0);
    eprintln!(
        "incident recall {:.3}, incident precision {:.3}, alert recall {:.3}, alert precision {:.3}, false alerts per host per day {:.3}; missed {}",
        f(&a, "recall"),
        f(&a, "incident_precision"),
        f(&a, "alert_recall"),
        f(&a, "alert_precision"),
        f(&a, "false_alerts_per_host_day"),
        a["missed"]
    );
    assert_eq!(a["input"], "alerts");
    assert_eq!(i["input"], "incidents");
    assert_eq!(a["stories"], 31);
    assert_eq!(a["hosts"], 20, "read from summary.json beside the truth");
    // The incidents written and the ids on the alerts tell the same story.
    assert_eq!(a["incidents"], i["incidents"]);
    assert_eq!(a["detected"], i["detected"]);
    assert!(f(&a, "recall") >= MIN_INCIDENT_RECALL, "{a}");
    assert!(f(&a, "alert_recall") >= MIN_ALERT_RECALL, "{a}");
    assert!(f(&a, "incident_precision") >= MIN_INCIDENT_PRECISION, "{a}");
    assert!(f(&a, "alert_precision") >= MIN_ALERT_PRECISION, "{a}");
    assert!(
        f(&a, "false_alerts_per_host_day") <= MAX_FALSE_ALERTS_PER_HOST_DAY,
        "{a}"
    );
    // Incidents never outnumber the alerts they group.
    assert!(i["incidents"].as_u64() <= a["alerts"].as_u64());
    // The Slack audit log shows the story's unapproved app getting its
    // webhook; the approved apps (PagerDuty's webhook included) stay silent.
    let slack_apps = |alerts: &str| -> Vec<String> {
        alerts
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| {
                v["rule"]["id"] == "outflow.webhook-integration"
                    && v["origin"]["file"] == "logs/saas/slack-audit.jsonl"
            })
            .map(|v| v["fields"]["app"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let apps = slack_apps(&alerts);
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert!(!apps[0].starts_with("PagerDuty"), "{apps:?}");

    // Without the policy every story is still found; what outflow cannot
    // know then is that the nightly backups go to the organisation's own
    // bucket, and which Slack apps it approved.
    let (plain, err, code) = outflow_in(&sim, ["hunt", "-q", "--format", "jsonl", "logs"]).parts();
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(sim.join("plain.jsonl"), &plain).unwrap();
    let p = score("plain.jsonl");
    assert!(f(&p, "recall") >= MIN_INCIDENT_RECALL, "{p}");
    // Without the policy's sanctioned apps, PagerDuty's webhook is reported too.
    assert!(slack_apps(&plain)
        .iter()
        .any(|a| a.starts_with("PagerDuty")));
    assert!(f(&p, "false_incidents") <= 3.0, "{p}");
}
