//! The Slack audit log reader on fixtures shaped like the Audit Logs API's
//! documented output: a pretty-printed response page, entries one per line,
//! a page on one line, and damaged records; and the same for the
//! integration logs (`team.integrationLogs`).

mod common;

use common::*;

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_sources::{detect_format, read_to_vec, InputSpec, Limits};
use std::net::IpAddr;
use std::sync::Arc;

fn read(name: &str) -> Read {
    read_path(&fixture("saas", name), None)
}

fn user(ev: &Event) -> Option<String> {
    ev.entity.user.as_ref().map(|v| ev.display(v).into_owned())
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

fn list(ev: &Event, name: &str) -> Vec<String> {
    match ev.get(name) {
        Some(Value::List(items)) => items.iter().map(|v| ev.display(v).into_owned()).collect(),
        other => panic!("{name} is not a list: {other:?}"),
    }
}

#[test]
fn pages_and_lines_are_detected_as_slack() {
    for name in ["slack-page.json", "slack.jsonl"] {
        let bytes = std::fs::read(fixture("saas", name)).expect("fixture");
        assert_eq!(detect_format(&bytes), Some(SourceKind::Slack), "{name}");
    }
    let bytes = std::fs::read(demo("slack-audit.json")).expect("example");
    assert_eq!(detect_format(&bytes), Some(SourceKind::Slack));
    // GitHub's audit log also has `action` and `actor`: it stays GitHub.
    let gh = std::fs::read(fixture("saas", "github.jsonl")).expect("fixture");
    assert_eq!(detect_format(&gh), Some(SourceKind::GitHub));
}

#[test]
fn a_response_page_gives_one_event_per_entry() {
    let r = read("slack-page.json");
    assert_eq!(r.format, Some(SourceKind::Slack));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 4);

    let login = &r.events[0];
    assert_eq!(login.ts.unwrap().to_string(), "2026-11-20T09:12:03Z");
    assert_eq!(login.get_str("action"), Some("user_login"));
    assert_eq!(logsources(login), ["slack/-/audit"]);
    assert_eq!(user(login).as_deref(), Some("dave@corp.example"));
    assert_eq!(login.entity.src_ip, ip("10.20.30.52"));
    assert!(text(login, "user_agent").contains("Slack/4.41.105"));
    assert_eq!(login.get_str("context.session_id"), Some("8412377459013"));
    // Each entry is placed on its own line of the page.
    assert_eq!(login.origin.position, Position::Line(4));

    let install = &r.events[1];
    assert_eq!(install.get_str("action"), Some("app_installed"));
    assert_eq!(install.get_str("entity.type"), Some("app"));
    assert_eq!(install.get_str("entity.app.name"), Some("Release Notifier"));
    assert_eq!(
        install.get("entity.app.is_directory_approved"),
        Some(&Value::Bool(false))
    );
    assert_eq!(
        list(install, "entity.app.scopes"),
        ["incoming-webhook", "chat:write"]
    );
    assert_eq!(
        list(install, "details.bot_scopes"),
        ["incoming-webhook", "chat:write"]
    );
    assert_eq!(install.get_str("details.channel"), Some("C07RELEASE1"));
    assert_eq!(install.origin.position, Position::Line(23));
    // The raw evidence is the entry alone, not the page.
    assert!(install.raw().starts_with('{') && !install.raw().contains("user_login"));

    let expanded = &r.events[2];
    assert_eq!(
        list(expanded, "details.previous_scopes"),
        ["files:read", "links:read", "links:write"]
    );
    assert_eq!(expanded.get_str("details.reason"), Some("reinstall"));
    assert_eq!(expanded.entity.src_ip, ip("10.20.129.40"));

    let download = &r.events[3];
    assert_eq!(
        download.get_str("entity.file.name"),
        Some("q4-pipeline.xlsx")
    );
    assert_eq!(download.entity.src_ip, ip("203.0.113.77"));
}

#[test]
fn json_lines_entries_and_actors_without_email() {
    let r = read("slack.jsonl");
    assert_eq!(r.format, Some(SourceKind::Slack));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);
    assert_eq!(r.events[0].get_str("action"), Some("app_resources_added"));
    assert_eq!(list(&r.events[0], "details.channels"), ["C07RELEASE1"]);
    assert_eq!(r.events[0].origin.position, Position::Line(1));
    // No e-mail: the actor's name; an IPv6 context address.
    assert_eq!(user(&r.events[1]).as_deref(), Some("Frank Li"));
    assert_eq!(r.events[1].entity.src_ip, ip("2001:db8:4::17"));
    assert_eq!(r.events[1].origin.position, Position::Line(2));
    // Slack's own actor has an empty e-mail and address: name, no address.
    let bot = &r.events[2];
    assert_eq!(user(bot).as_deref(), Some("Slack"));
    assert_eq!(bot.entity.src_ip, None);
    assert_eq!(
        list(bot, "details.scopes_bot"),
        ["incoming-webhook", "chat:write"]
    );
}

#[test]
fn a_page_on_one_line_numbers_its_entries() {
    let page = std::fs::read_to_string(fixture("saas", "slack-page.json")).expect("fixture");
    let one_line: String = page.lines().map(str::trim).collect();
    let spec = InputSpec::Bytes {
        name: "page.json".into(),
        data: Arc::from(one_line.into_bytes()),
    };
    let (_, sink) = read_to_vec(&spec, None, &Limits::default());
    assert!(sink.rejects.is_empty());
    let positions: Vec<Position> = sink.events.iter().map(|e| e.origin.position).collect();
    assert_eq!(positions, (1..=4).map(Position::Record).collect::<Vec<_>>());
}

#[test]
fn damaged_records_are_rejected_with_their_lines() {
    let r = read_path(&fixture("saas", "slack-bad.jsonl"), Some(SourceKind::Slack));
    assert_eq!(r.events.len(), 1, "{:?}", r.rejects);
    assert_eq!(r.events[0].get_str("id"), Some("x5"));
    assert_eq!(
        r.rejects,
        [
            // No date_create; one that is not a time; an API error response.
            (RejectReason::UnexpectedShape, Position::Line(1)),
            (RejectReason::UnexpectedShape, Position::Line(2)),
            (RejectReason::UnexpectedShape, Position::Line(3)),
            (RejectReason::Truncated, Position::Line(5)),
        ]
    );
}

#[test]
fn integration_log_pages_and_lines_are_detected_as_slack() {
    for name in ["slack-integration-page.json", "slack-integration.jsonl"] {
        let bytes = std::fs::read(fixture("saas", name)).expect("fixture");
        assert_eq!(detect_format(&bytes), Some(SourceKind::Slack), "{name}");
    }
    let bytes = std::fs::read(demo("slack-integration-logs.json")).expect("example");
    assert_eq!(detect_format(&bytes), Some(SourceKind::Slack));
}

#[test]
fn an_integration_log_page_gives_one_event_per_log() {
    let r = read("slack-integration-page.json");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 4);
    let app = &r.events[0];
    assert_eq!(app.ts.unwrap().to_string(), "2026-11-20T10:12:03Z");
    assert_eq!(logsources(app), ["slack/-/integration_logs"]);
    assert_eq!(user(app).as_deref(), Some("dave"));
    assert_eq!(app.get_str("change_type"), Some("added"));
    assert_eq!(app.get_str("app_type"), Some("Release Notifier"));
    assert_eq!(app.get_str("scope"), Some("incoming-webhook,chat:write"));
    assert_eq!(app.origin.position, Position::Line(4));
    let legacy = &r.events[1];
    assert_eq!(legacy.get_str("service_type"), Some("Incoming WebHooks"));
    assert_eq!(user(legacy).as_deref(), Some("mallory"));
    assert_eq!(r.events[3].get_str("reason"), Some("user"));
}

#[test]
fn integration_log_lines_and_damaged_ones() {
    let r = read("slack-integration.jsonl");
    // A numeric service_id stays a number; a numeric date is a time too.
    assert_eq!(r.events.len(), 2, "{:?}", r.rejects);
    assert_eq!(text(&r.events[0], "service_id"), "1795170001");
    assert_eq!(r.events[0].origin.position, Position::Line(1));
    assert_eq!(r.events[1].ts.unwrap().to_string(), "2026-11-20T11:43:20Z");
    // The one-entry user falls back to the id.
    assert_eq!(user(&r.events[1]).as_deref(), Some("U0123ABC4"));
    assert_eq!(
        r.rejects,
        [
            // No date; one that is not a time; an array, whose three
            // elements are records and not entries; an API error.
            (RejectReason::UnexpectedShape, Position::Line(2)),
            (RejectReason::UnexpectedShape, Position::Line(3)),
            (RejectReason::UnexpectedShape, Position::Line(5)),
            (RejectReason::UnexpectedShape, Position::Line(5)),
            (RejectReason::UnexpectedShape, Position::Line(5)),
            (RejectReason::UnexpectedShape, Position::Line(6)),
        ]
    );
}

#[test]
fn cut_pages_never_panic() {
    for (name, step) in [("slack-page.json", 61), ("slack-integration-page.json", 37)] {
        let page = std::fs::read(fixture("saas", name)).expect("fixture");
        for cut in (1..page.len()).step_by(step) {
            let mut data = page[..cut].to_vec();
            data.extend_from_slice(b"\"]},\n");
            let spec = InputSpec::Bytes {
                name: "cut".into(),
                data: Arc::from(data),
            };
            let (outcome, sink) = read_to_vec(&spec, Some(SourceKind::Slack), &Limits::default());
            assert_eq!(outcome.events as usize, sink.events.len());
            // Whatever is read is a whole Slack entry with its time.
            assert!(sink
                .events
                .iter()
                .all(|e| e.source == SourceKind::Slack && e.ts.is_some()));
        }
    }
}
