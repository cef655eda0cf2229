//! Scoring on a hand-made truth and alert set, where every figure is known.

use outflow_correlate::score::{parse_truth, score, text, InputKind, Slack};

const TRUTH: &str = r#"{"id":"S1-mega","hosts":["WS-A"],"host_ips":["10.0.0.1"],"user":"alice","user_email":"alice@corp.example","destination":"mega.co.nz","service":"MEGA","start":"2026-11-18T10:00:00Z","end":"2026-11-18T10:10:00Z"}
{"id":"S2-paste","hosts":["srv-b"],"host_ips":["10.0.0.2"],"user":"bob","destination":"pastebin.com","service":"Pastebin","start":"2026-11-18T12:00:00Z","end":"2026-11-18T12:30:00Z"}
{"id":"S3-missed","hosts":["WS-C"],"host_ips":["10.0.0.3"],"user":"carol","destination":"gofile.io","service":"Gofile","start":"2026-11-18T14:00:00Z","end":"2026-11-18T14:05:00Z"}
{"id":"S4-discord","hosts":["WS-A"],"host_ips":["10.0.0.1"],"user":"alice","destination":"discord.com","service":"Discord webhook","start":"2026-11-18T10:20:00Z","end":"2026-11-18T10:25:00Z"}
"#;

fn alert(
    time: &str,
    host: &str,
    user: Option<&str>,
    domain: Option<&str>,
    incident: Option<&str>,
) -> String {
    let mut v = serde_json::json!({
        "timestamp": time,
        "rule": {"id": "outflow.test", "title": "t", "level": "high", "source": "analytic"},
        "attack": ["T1567"],
        "risk_score": 8,
        "severity": "high",
        "entity": {"host": host},
        "fields": {},
        "origin": null
    });
    if let Some(u) = user {
        v["entity"]["user"] = u.into();
    }
    if let Some(d) = domain {
        v["destination"] = serde_json::json!({"domain": d});
    }
    if let Some(i) = incident {
        v["incident_id"] = i.into();
    }
    v.to_string()
}

#[test]
fn alerts_with_incident_ids_score_exactly() {
    let stories = parse_truth(TRUTH).unwrap();
    let alerts = [
        // Fits S1 and S4 by host, user and time; its destination picks S1.
        alert(
            "2026-11-18T10:01:00Z",
            "WS-A.corp.example",
            Some("CORP\\alice"),
            Some("mega.co.nz"),
            Some("INC-1"),
        ),
        // By address.
        alert(
            "2026-11-18T12:05:00Z",
            "10.0.0.2",
            None,
            None,
            Some("INC-2"),
        ),
        // A false incident.
        alert("2026-11-18T12:00:00Z", "WS-Z", None, None, Some("INC-3")),
        // S4, alert only.
        alert(
            "2026-11-18T10:21:00Z",
            "WS-A",
            Some("alice"),
            Some("discord.com"),
            None,
        ),
        // Carol's host, two days after her story: false.
        alert("2026-11-20T14:00:00Z", "WS-C", Some("carol"), None, None),
    ]
    .join("\n");
    let r = score(&stories, &alerts, Slack::default(), Some(10), Some(2.0)).unwrap();
    assert_eq!(r.input, InputKind::Alerts);
    assert_eq!(r.stories, 4);
    assert_eq!(r.detected, 2);
    assert_eq!(r.recall, Some(0.5));
    assert_eq!(r.detected_by_alerts, 3);
    assert_eq!(r.alert_recall, Some(0.75));
    assert_eq!((r.incidents, r.true_incidents), (3, 2));
    assert_eq!(r.incident_precision, Some(2.0 / 3.0));
    assert_eq!((r.alerts, r.true_alerts, r.false_alerts), (5, 3, 2));
    assert_eq!(r.alert_precision, Some(0.6));
    assert_eq!(r.false_alerts_per_host_day, Some(0.1));
    assert_eq!(r.false_incidents_per_host_day, Some(0.05));
    assert_eq!(r.missed, ["S3-missed", "S4-discord"]);
    assert_eq!(r.per_story[0].incidents, ["INC-1"]);
    assert_eq!(
        r.per_story[0].alerts, 1,
        "the tie went to the story it names"
    );
    assert_eq!(r.per_story[3].alerts, 1);

    // The two false alerts are listed, with what a tuner needs.
    assert_eq!(r.false_by_rule.get("outflow.test"), Some(&2));
    let listed: Vec<(&str, Option<&str>, Option<&str>)> = r
        .false_list
        .iter()
        .map(|f| {
            (
                f.time.as_deref().unwrap(),
                f.host.as_deref(),
                f.incident.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("2026-11-18T12:00:00Z", Some("WS-Z"), Some("INC-3")),
            ("2026-11-20T14:00:00Z", Some("WS-C"), None),
        ]
    );
    assert_eq!(r.false_list[1].user.as_deref(), Some("carol"));
    let t = text(&r);
    assert!(
        t.contains("false alerts by rule:\n       2  outflow.test\n"),
        "{t}"
    );
    assert!(
        t.contains("false alerts (2 of 2):\n  2026-11-18T12:00:00Z  outflow.test  host WS-Z  user -  to -\n"),
        "{t}"
    );
}

#[test]
fn incidents_score_by_their_chain() {
    let stories = parse_truth(TRUTH).unwrap();
    let incident = serde_json::json!({
        "id": "INC-20261118-0000000001",
        "explanation": "x",
        "trigger": "critical",
        "risk_score": 9, "risk_total": 9, "severity": "critical",
        "first_seen": "2026-11-18T14:01:00Z", "last_seen": "2026-11-18T14:02:00Z",
        "hosts": ["WS-C"], "users": [], "processes": [], "destinations": [], "services": [],
        "attack": [], "d3fend": [], "rules": ["r"], "bytes_out": 0, "alerts": 2,
        "chain": [
            {"time": "2026-11-18T14:01:00Z", "rule_id": "r", "title": "t", "risk_score": 9, "host": "WS-C", "summary": "s"},
            {"time": "2026-11-18T14:02:00Z", "rule_id": "r", "title": "t", "risk_score": 9, "host": "ws-c.corp.example", "summary": "s"}
        ]
    });
    let r = score(
        &stories,
        &incident.to_string(),
        Slack::default(),
        None,
        None,
    )
    .unwrap();
    assert_eq!(r.input, InputKind::Incidents);
    assert_eq!((r.detected, r.incidents, r.true_incidents), (1, 1, 1));
    assert_eq!(r.recall, Some(0.25));
    assert_eq!(r.incident_precision, Some(1.0));
    assert_eq!((r.alerts, r.true_alerts), (2, 2));
    assert_eq!(r.false_alerts_per_host_day, None);
}

#[test]
fn bad_input_is_an_error_with_its_line() {
    let stories = parse_truth(TRUTH).unwrap();
    let e = score(&stories, "{\"x\":1}\n", Slack::default(), None, None).unwrap_err();
    assert!(e.contains("line 1"), "{e}");
    let e = score(&stories, "not json", Slack::default(), None, None).unwrap_err();
    assert!(e.contains("line 1"), "{e}");
    assert!(parse_truth("{\"id\":\"x\"}").is_err());
}
