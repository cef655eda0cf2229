//! The three analytics over a simulated corpus (every log format, 30 labelled
//! stories and benign background with its traps: OneDrive sync, nightly
//! backups to the organisation's own bucket, browser uploads, developers'
//! pushes, approved Slack apps): each fires on its stories and raises nothing
//! that matches no story.

mod support;

use outflow_analytics::stateful::{bulk_saas_upload, staging_upload, webhook_integration};
use outflow_simulate::{simulate, SimConfig};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use support::{ctx, read_dir, run, stories_of};

#[test]
fn each_analytic_fires_on_its_stories_and_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        seed: 1,
        hosts: 20,
        days: 3,
        events_per_host_day: 300,
        ..SimConfig::default()
    };
    simulate(&cfg, dir.path()).unwrap();

    let mut evidence = HashMap::new();
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    for line in truth.lines() {
        let story: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = story["id"].as_str().unwrap().to_string();
        for e in story["evidence"].as_array().unwrap() {
            let file = e["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            if let Some(l) = e["line"].as_u64() {
                evidence.insert((file, l), id.clone());
            }
        }
    }

    let events = read_dir(&dir.path().join("logs"));
    // Only the organisation's approved apps: PagerDuty's Slack webhook is
    // sanctioned, the rest is judged without a policy.
    let apps: String = std::fs::read_to_string(dir.path().join("policy.yml"))
        .unwrap()
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("apps:"))
        .take_while(|l| l.starts_with("  "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(apps.contains("service: slack"), "{apps}");
    let policy = format!("sanctioned:\n{apps}");
    let c = ctx(Some(&policy), None);
    let found = run(
        &c,
        vec![
            staging_upload::StagingUpload::build(&c).unwrap(),
            bulk_saas_upload::BulkSaasUpload::build(&c).unwrap(),
            webhook_integration::WebhookIntegration::build(&c).unwrap(),
        ],
        &events,
    );

    let mut fired: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut false_alerts = Vec::new();
    for f in &found {
        let ids = stories_of(f, &evidence);
        if ids.is_empty() {
            false_alerts.push(format!("{} {:?} {:?}", f.rule.id, f.entity, f.fields));
        }
        for id in ids {
            fired
                .entry(f.rule.id.clone())
                .or_default()
                .insert(id.split('-').next().unwrap().to_string());
        }
    }
    assert!(
        false_alerts.is_empty(),
        "alerts matching no story: {false_alerts:#?}"
    );
    let ids = |r: &str| -> Vec<String> {
        fired
            .get(r)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(ids("outflow.staging-upload"), ["S25", "S26"]);
    assert_eq!(
        ids("outflow.bulk-saas-upload"),
        ["S07", "S20", "S21", "S29"]
    );
    assert_eq!(
        ids("outflow.webhook-integration"),
        ["S12", "S13", "S14", "S15", "S16", "S17", "S30"]
    );
}
