//! `webhook-integration` on Slack audit entries: an app given an incoming
//! webhook alerts like a GitHub hook or a Teams connector; installs without
//! that scope, apps that already had it, apps the policy sanctions and
//! activity an allow rule covers stay silent. The same for the integration
//! logs of any workspace: an app added with that scope, or a legacy
//! `Incoming WebHooks` integration added or enabled.

mod support;

use outflow_analytics::allow::suppressed_by;
use outflow_analytics::stateful::webhook_integration::WebhookIntegration;
use outflow_detect::Finding;
use outflow_intel::Policy;
use serde_json::{json, Value};
use support::{ctx, read_inputs, run_build};

/// An entry as the Audit Logs API gives it (one JSON line).
fn entry(action: &str, app: (&str, &str), scopes: &[&str], details: Value) -> String {
    json!({
        "id": "4d1c9e2f-0a7b-4c58-9f3e-6b2d8a1c0e97", "date_create": 1795169523u64,
        "action": action,
        "actor": {"type": "user", "user": {"id": "W0123ABC4", "name": "dave",
                  "email": "dave@corp.example", "team": "T01SALES9"}},
        "entity": {"type": "app", "app": {"id": app.0, "name": app.1, "is_distributed": false,
                   "is_directory_approved": false, "is_workflow_app": false, "scopes": scopes}},
        "context": {"location": {"type": "workspace", "id": "T01SALES9", "name": "Sales",
                    "domain": "corpexample-sales"},
                    "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                    "ip_address": "10.20.1.14", "session_id": "8412377459013"},
        "details": details
    })
    .to_string()
}

fn hunt(policy: Option<&str>, lines: &[String]) -> Vec<Finding> {
    run_build(
        &ctx(policy, None),
        WebhookIntegration::build,
        &read_inputs(&[("slack-audit.jsonl", lines.join("\n") + "\n")]),
    )
}

fn webhook_install() -> String {
    entry(
        "app_installed",
        ("A07QX4K2M9B", "Release Notifier"),
        &["incoming-webhook", "chat:write"],
        json!({"is_internal_integration": true, "app_owner_id": "W0123ABC4",
               "bot_scopes": ["incoming-webhook", "chat:write"], "channel": "C07RELEASE1"}),
    )
}

#[test]
fn an_app_installed_with_an_incoming_webhook_alerts() {
    let found = hunt(None, &[webhook_install()]);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.webhook-integration");
    assert_eq!(f.attack, ["T1567.004"]);
    assert_eq!(f.risk_score, 8);
    assert_eq!(f.severity, "high");
    assert_eq!(f.entity.user.as_deref(), Some("dave@corp.example"));
    let d = f.destination.as_ref().unwrap();
    assert_eq!(d.domain.as_deref(), Some("hooks.slack.com"));
    assert_eq!(d.target.as_deref(), Some("Release Notifier (A07QX4K2M9B)"));
    assert_eq!(d.category.as_deref(), Some("webhook"));
    assert_eq!(f.fields["action"], "app_installed");
    assert_eq!(f.fields["place"], "Sales");
    assert_eq!(f.fields["scope"], "incoming-webhook");
    assert_eq!(f.fields["directory_approved"], "false");
    // The evidence is the audit entry itself.
    assert_eq!(f.evidence.len(), 1);
    assert!(f.evidence[0].summary.contains("Release Notifier"));
}

#[test]
fn scopes_granted_later_alert_too() {
    let expanded = entry(
        "app_scopes_expanded",
        ("A07QX4K2M9B", "Release Notifier"),
        &["chat:write", "incoming-webhook"],
        json!({"new_scopes": ["chat:write", "incoming-webhook"], "previous_scopes": ["chat:write"]}),
    );
    let upgraded = entry(
        "bot_token_upgraded",
        ("A05LEGACY7", "Build Bot"),
        &[],
        json!({"granular_bot_token": true, "scopes_bot": ["incoming-webhook"]}),
    );
    let found = hunt(None, &[expanded, upgraded]);
    let actions: Vec<&str> = found.iter().map(|f| f.fields["action"].as_str()).collect();
    assert_eq!(actions, ["app_scopes_expanded", "bot_token_upgraded"]);
}

#[test]
fn installs_without_the_scope_and_webhooks_already_held_raise_nothing() {
    let drive = entry(
        "app_installed",
        ("A0F7XDUAZ", "Google Drive"),
        &["files:read", "links:read", "links:write"],
        json!({"bot_scopes": ["links:read", "links:write"]}),
    );
    // The webhook was there before: only chat:write is new.
    let held = entry(
        "app_scopes_expanded",
        ("A07QX4K2M9B", "Release Notifier"),
        &["incoming-webhook", "chat:write"],
        json!({"new_scopes": ["incoming-webhook", "chat:write"],
               "previous_scopes": ["incoming-webhook"]}),
    );
    // Not an action that grants scopes.
    let approved = entry(
        "app_approved",
        ("A07QX4K2M9B", "Release Notifier"),
        &["incoming-webhook"],
        json!({}),
    );
    assert!(hunt(None, &[drive, held, approved]).is_empty());
}

#[test]
fn apps_the_policy_sanctions_raise_nothing() {
    let by_name = "sanctioned:\n  apps:\n    - {service: slack, apps: [release notifier]}\n";
    let by_id = "sanctioned:\n  apps:\n    - {service: slack, apps: [A07QX4K2M9B]}\n";
    assert!(hunt(Some(by_name), &[webhook_install()]).is_empty());
    assert!(hunt(Some(by_id), &[webhook_install()]).is_empty());
    // Sanctioning Slack's domains does not sanction every app installed in it.
    let domains = "sanctioned:\n  domains: [slack.com, \"*.slack.com\"]\n";
    assert_eq!(hunt(Some(domains), &[webhook_install()]).len(), 1);
}

#[test]
fn allow_rules_cover_the_alert_by_user_and_webhook_host() {
    let found = hunt(None, &[webhook_install()]);
    let policy = Policy::from_yaml(
        "p",
        "allow:\n  - name: release bot\n    users: [dave@corp.example]\n    destinations: [hooks.slack.com]\n",
    )
    .unwrap();
    assert_eq!(suppressed_by(&policy, &found[0]), Some("release bot"));
    let other = Policy::from_yaml(
        "p",
        "allow:\n  - name: someone else\n    users: [erin@corp.example]\n    destinations: [hooks.slack.com]\n",
    )
    .unwrap();
    assert_eq!(suppressed_by(&other, &found[0]), None);
}

// --- Integration logs (team.integrationLogs, any plan) -------------------

/// An app's integration log entry, as the Web API gives it (one JSON line).
fn app_log(change: &str, app: (&str, &str), scope: &str) -> String {
    json!({"app_id": app.0, "app_type": app.1, "user_id": "U0123ABC4", "user_name": "dave",
           "channel": "C07RELEASE1", "date": "1795169523", "change_type": change, "scope": scope})
    .to_string()
}

/// A legacy integration's entry (`service_type` names the integration).
fn service_log(change: &str, service_type: &str) -> String {
    json!({"service_id": 1795170001u64, "service_type": service_type, "user_id": "U0456DEF7",
           "user_name": "mallory", "channel": "C07GENERAL", "date": "1795171200",
           "change_type": change, "scope": "incoming-webhook"})
    .to_string()
}

fn hunt_logs(policy: Option<&str>, lines: &[String]) -> Vec<Finding> {
    run_build(
        &ctx(policy, None),
        WebhookIntegration::build,
        &read_inputs(&[("slack-integrations.jsonl", lines.join("\n") + "\n")]),
    )
}

#[test]
fn an_app_added_with_a_webhook_in_the_integration_logs_alerts() {
    let added = app_log(
        "added",
        ("A07QX4K2M9B", "Release Notifier"),
        "chat:write, incoming-webhook",
    );
    let found = hunt_logs(None, &[added]);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.webhook-integration");
    assert_eq!(f.attack, ["T1567.004"]);
    assert_eq!(f.risk_score, 8);
    assert_eq!(f.entity.user.as_deref(), Some("dave"));
    let d = f.destination.as_ref().unwrap();
    assert_eq!(d.domain.as_deref(), Some("hooks.slack.com"));
    assert_eq!(d.target.as_deref(), Some("Release Notifier (A07QX4K2M9B)"));
    assert_eq!(d.category.as_deref(), Some("webhook"));
    assert_eq!(f.fields["action"], "added");
    assert_eq!(f.fields["place"], "channel C07RELEASE1");
    assert_eq!(f.fields["scope"], "incoming-webhook");
    assert_eq!(f.evidence.len(), 1);
    assert!(f.evidence[0].summary.contains("Release Notifier"));
}

#[test]
fn a_legacy_incoming_webhook_added_or_enabled_alerts() {
    let found = hunt_logs(
        None,
        &[
            service_log("added", "Incoming WebHooks"),
            service_log("enabled", "incoming webhooks"),
        ],
    );
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.fields["action"].as_str(), f.fields["app"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("added", "Incoming WebHooks (1795170001)"),
            ("enabled", "incoming webhooks (1795170001)")
        ]
    );
    assert_eq!(found[0].entity.user.as_deref(), Some("mallory"));
}

#[test]
fn integration_logs_without_a_new_webhook_raise_nothing() {
    let app = ("A07QX4K2M9B", "Release Notifier");
    let lines = [
        // Removed or disabled: the webhook goes away.
        app_log("removed", app, "incoming-webhook"),
        app_log("disabled", app, "incoming-webhook"),
        service_log("disabled", "Incoming WebHooks"),
        // Added without the scope; a scope that only contains the word.
        app_log(
            "added",
            ("A0F7XDUAZ", "Google Drive"),
            "files:read,links:write",
        ),
        app_log("added", app, "incoming-webhook-reader"),
        // Another legacy integration, whose scope the log leaves out.
        json!({"service_id": 7, "service_type": "Google Calendar", "user_name": "erin",
               "date": "1795171200", "change_type": "added"})
        .to_string(),
    ];
    let found = hunt_logs(None, &lines);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn integration_log_apps_the_policy_sanctions_raise_nothing() {
    let by_id = "sanctioned:\n  apps:\n    - {service: slack, apps: [A07QX4K2M9B]}\n";
    let added = app_log(
        "added",
        ("A07QX4K2M9B", "Release Notifier"),
        "incoming-webhook",
    );
    assert!(hunt_logs(Some(by_id), std::slice::from_ref(&added)).is_empty());
    let other = "sanctioned:\n  apps:\n    - {service: slack, apps: [A0F7XDUAZ]}\n";
    assert_eq!(hunt_logs(Some(other), &[added]).len(), 1);
}
