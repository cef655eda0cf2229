//! New webhooks and integrations: GitHub hooks to outside URLs, Teams
//! connectors, posts to webhook and bot-API endpoints by scripts, non-browser
//! connections to webhook services; silent for browsers, GETs, hooks to the
//! organisation's own domains and bot-API hosts without an upload endpoint.

mod support;

use outflow_analytics::stateful::webhook_integration::WebhookIntegration;
use support::{ctx, proxysg, proxysg_line, read_inputs, run_build, sysmon3};

const PS_UA: &str =
    "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/5.1.22621.4391";
const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn hook_create(url: &str) -> String {
    serde_json::json!({
        "@timestamp": 1794841973696u64, "_document_id": "ee7e251f34be4dff51d062",
        "action": "hook.create", "actor": "dbanks-corp", "actor_id": 90813813,
        "actor_ip": "10.20.1.14", "actor_location": {"country_code": "US"},
        "business": "corp-example", "created_at": 1794841973696u64, "operation_type": "create",
        "org": "corp-example", "org_id": 4471200,
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/132.0",
        "repo": "corp-example/billing-core", "repo_id": 88123275, "hook_id": 573696,
        "name": "webhook", "active": true, "events": ["push", "release"],
        "config": {"content_type": "json", "insecure_ssl": "0", "url": url}
    })
    .to_string()
}

#[test]
fn a_github_hook_to_an_outside_url_alerts_with_the_url() {
    let url = "https://webhook.site/5176a110-52e9-54d5-0e18-377e917157fc";
    let found = run_build(
        &ctx(None, None),
        WebhookIntegration::build,
        &read_inputs(&[("github-audit.jsonl", hook_create(url))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.webhook-integration");
    assert_eq!(f.attack, ["T1567.004"]);
    assert_eq!(f.entity.user.as_deref(), Some("dbanks-corp"));
    let d = f.destination.as_ref().unwrap();
    assert_eq!(d.target.as_deref(), Some(url));
    assert_eq!(d.domain.as_deref(), Some("webhook.site"));
    assert_eq!(f.fields["place"], "corp-example/billing-core");
}

#[test]
fn hooks_to_the_organisations_domains_raise_nothing() {
    let internal = hook_create("https://ci.corpexample.com/github/push");
    let policy = "sanctioned:\n  domains: [corpexample.com, \"*.corpexample.com\"]\n";
    assert!(run_build(
        &ctx(Some(policy), None),
        WebhookIntegration::build,
        &read_inputs(&[("github-audit.jsonl", internal.clone())])
    )
    .is_empty());
    // Without the policy the same hook is outside the organisation.
    assert_eq!(
        run_build(
            &ctx(None, None),
            WebhookIntegration::build,
            &read_inputs(&[("github-audit.jsonl", internal.clone())])
        )
        .len(),
        1
    );
    // Or named in the analytic's own settings.
    let settings =
        "analytics:\n  webhook-integration:\n    organisation_domains: [corpexample.com]\n";
    assert!(run_build(
        &ctx(None, Some(settings)),
        WebhookIntegration::build,
        &read_inputs(&[("github-audit.jsonl", internal)])
    )
    .is_empty());
}

#[test]
fn a_teams_connector_added_alerts() {
    let rec = serde_json::json!({
        "CreationTime": "2026-11-18T10:00:00", "Id": "1b2c3d4e-0000-0000-0000-000000000001",
        "Operation": "ConnectorAdded", "OrganizationId": "4f0a6c1e-2b7d-4c55-9a3e-1d2f3a4b5c6d",
        "RecordType": 25, "UserType": 0, "Version": 1, "Workload": "MicrosoftTeams",
        "ClientIP": "10.20.1.23", "UserId": "eivanova@corp.example",
        "TeamName": "HR", "ChannelName": "General", "AddOnName": "Incoming Webhook"
    })
    .to_string();
    let found = run_build(
        &ctx(None, None),
        WebhookIntegration::build,
        &read_inputs(&[("m365.jsonl", rec)]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields["action"], "ConnectorAdded");
    assert_eq!(
        found[0].destination.as_ref().unwrap().target.as_deref(),
        Some("Incoming Webhook")
    );
}

fn posts(method: &str, host: &str, path: &str, ua: &str) -> String {
    let lines: Vec<String> = (0..5)
        .map(|i| {
            proxysg_line(
                &format!("2026-11-18 13:3{i}:40"),
                "10.20.1.22",
                r"CORP\nsmith",
                method,
                host,
                path,
                ua,
                1_048_576,
            )
        })
        .collect();
    proxysg(&lines)
}

#[test]
fn script_posts_to_a_discord_webhook_make_one_alert() {
    let path = "/api/webhooks/1162230004616110066/rGMfnT3EENdkrfunL8FTWInbtykD8ZukqrfW8jDZ";
    let found = run_build(
        &ctx(None, None),
        WebhookIntegration::build,
        &read_inputs(&[("proxysg.log", posts("POST", "discord.com", path, PS_UA))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.fields["records"], "5");
    assert_eq!(f.bytes_out, Some(5 * 1_048_576));
    assert_eq!(f.risk_score, 8);
    let d = f.destination.as_ref().unwrap();
    assert_eq!(d.service.as_deref(), Some("Discord webhook"));
    assert_eq!(
        d.target.as_deref(),
        Some(&*format!("https://discord.com{path}"))
    );
}

#[test]
fn browsers_reads_and_bot_hosts_without_an_endpoint_raise_nothing() {
    let c = ctx(None, None);
    let path = "/api/webhooks/1/x";
    assert!(run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[("proxysg.log", posts("POST", "discord.com", path, CHROME_UA))])
    )
    .is_empty());
    assert!(run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[("proxysg.log", posts("GET", "discord.com", path, PS_UA))])
    )
    .is_empty());
    // Discord's own API (not a webhook) and Telegram's without a send endpoint.
    assert!(run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[(
            "proxysg.log",
            posts("POST", "discord.com", "/api/v9/science", PS_UA)
        )])
    )
    .is_empty());
    assert!(run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[("proxysg.log", posts("POST", "api.telegram.org", "/", PS_UA))])
    )
    .is_empty());
    // ...but the bot API's send endpoint is a post out.
    assert_eq!(
        run_build(
            &c,
            WebhookIntegration::build,
            &read_inputs(&[(
                "proxysg.log",
                posts(
                    "POST",
                    "api.telegram.org",
                    "/bot123:ABC/sendDocument",
                    PS_UA
                )
            )])
        )
        .len(),
        1
    );
}

#[test]
fn connections_of_scripts_to_webhook_services_alert_and_browsers_do_not() {
    let host = "WS-FIN-01.corp.example";
    let ps = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
    let chrome = r"C:\Program Files\Google\Chrome\Application\chrome.exe";
    let c = ctx(None, None);
    let conn = |image: &str| {
        sysmon3(
            "2026-11-18T13:37:40.653Z",
            host,
            image,
            "7724",
            "10.20.1.22",
            "webhook.site",
            "178.63.67.106",
        )
    };
    let found = run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[("sysmon.jsonl", conn(ps))]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].entity.image.as_deref(), Some(ps));
    assert_eq!(
        found[0].destination.as_ref().unwrap().domain.as_deref(),
        Some("webhook.site")
    );
    assert!(run_build(
        &c,
        WebhookIntegration::build,
        &read_inputs(&[("sysmon.jsonl", conn(chrome))])
    )
    .is_empty());
}

#[test]
fn proxy_records_before_the_host_is_known_join_its_alert() {
    // The proxy logs the post (by address) before the host's own connection
    // record tells which host has that address: still one alert, on the host.
    let proxy = posts(
        "POST",
        "webhook.site",
        "/f19451c8-331c-a857-f67f-10dc7d23e231",
        PS_UA,
    );
    let sys = sysmon3(
        "2026-11-18T13:30:41.000Z",
        "WS-FIN-01.corp.example",
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        "7724",
        "10.20.1.22",
        "webhook.site",
        "178.63.67.106",
    );
    let found = run_build(
        &ctx(None, None),
        WebhookIntegration::build,
        &read_inputs(&[("proxysg.log", proxy), ("sysmon.jsonl", sys)]),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.entity.host.as_deref(), Some("WS-FIN-01.corp.example"));
    assert_eq!(f.fields["records"], "6");
    assert!(f
        .destination
        .as_ref()
        .unwrap()
        .target
        .as_deref()
        .unwrap()
        .starts_with("https://webhook.site/"));
}

#[test]
fn records_arriving_late_for_a_reported_alert_make_no_second_one() {
    use outflow_analytics::AnalyticsEngine;
    use outflow_detect::Analytic;
    let host = "WS-FIN-01.corp.example";
    let ps = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
    let conn = |t: &str| {
        sysmon3(
            t,
            host,
            ps,
            "7724",
            "10.20.1.22",
            "webhook.site",
            "178.63.67.106",
        )
    };
    let first = read_inputs(&[("a.jsonl", conn("2026-11-18T13:37:40.000Z"))]);
    let late = read_inputs(&[("b.jsonl", conn("2026-11-18T13:37:50.000Z"))]);
    let c = ctx(None, None);
    let mut engine = AnalyticsEngine::new(c.clone(), vec![WebhookIntegration::build(&c).unwrap()]);
    let mut out = Vec::new();
    engine.process(&first[0], &mut out);
    // Another input runs a day ahead: time advances and the alert is reported.
    let ahead = outflow_event::Timestamp(first[0].ts.unwrap().0 + 86_400_000_000_000);
    engine.advance(ahead, &mut out);
    assert_eq!(out.len(), 1);
    // A record of the same activity arrives late: it belongs to that alert.
    engine.process(&late[0], &mut out);
    engine.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    // A later activity of the same host is a new alert.
    let again = read_inputs(&[("c.jsonl", conn("2026-11-18T15:00:00.000Z"))]);
    engine.process(&again[0], &mut out);
    engine.finish(&mut out);
    assert_eq!(out.len(), 2);
}
