//! The correlate stage on findings as analytics write them: which alerts
//! become incidents (critical alert, accumulated risk, agreeing rules),
//! stable ids, entity spellings joined, linked artifacts, and memory that
//! is given back as event time passes.

use outflow_correlate::{Correlator, Incident, Settings, Trigger};
use outflow_detect::{AlertRule, Destination, Evidence, Finding, FindingEntity};
use outflow_event::{Origin, Position, Timestamp};
use std::sync::Arc;

const T0: i64 = 1_795_000_000; // 2026-11-18T08:26:40Z
const HOUR: i64 = 3_600;
const NS: i64 = 1_000_000_000;

fn finding(
    rule: &str,
    risk: u8,
    secs: i64,
    host: &str,
    user: Option<&str>,
    service: Option<&str>,
) -> Finding {
    let ts = Some(Timestamp::from_secs(secs));
    let origin = Origin {
        file: Arc::from("logs/windows/sysmon.jsonl"),
        position: Position::Line((secs - T0).unsigned_abs() + 1),
    };
    Finding {
        entity: FindingEntity {
            host: Some(host.into()),
            user: user.map(str::to_string),
            image: Some("C:\\Tools\\rclone.exe".into()),
            ..FindingEntity::default()
        },
        destination: service.map(|s| Destination {
            domain: Some(format!("{}.example", s.to_lowercase())),
            service: Some(s.into()),
            ..Destination::default()
        }),
        bytes_out: Some(1_000_000),
        attack: vec!["T1567.002".into()],
        d3fend: vec!["D3-PSA".into()],
        origin: Some(origin.clone()),
        evidence: vec![Evidence {
            time: ts,
            source: "win-json".into(),
            origin,
            summary: format!("{rule} at {secs}"),
        }],
        ..Finding::new(
            AlertRule {
                id: rule.into(),
                title: rule.into(),
                level: String::new(),
                source: "analytic".into(),
            },
            ts,
        )
        .with_risk(risk)
    }
}

/// Runs findings (in the order given) through a correlator to the end.
fn run(settings: Settings, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Incident>) {
    let mut c = Correlator::new(settings);
    let mut out = Vec::new();
    let mut incidents = Vec::new();
    for f in findings {
        let now = f.timestamp.map_or(0, |t| t.0);
        c.push(f, &mut out);
        c.advance(now, &mut out);
        incidents.extend(c.take_closed());
    }
    c.finish(&mut out);
    incidents.extend(c.take_closed());
    (out, incidents)
}

fn builtin() -> Settings {
    Settings::builtin()
}

#[test]
fn one_critical_alert_opens_an_incident_and_its_alerts_carry_the_id() {
    let (alerts, incidents) = run(
        builtin(),
        vec![
            finding(
                "outflow.upload-tooling",
                9,
                T0,
                "WS-FIN-02.corp.example",
                Some("CORP\\dolsen"),
                Some("MEGA"),
            ),
            finding(
                "outflow.upload-tooling",
                8,
                T0 + 60,
                "WS-FIN-02",
                Some("dolsen"),
                Some("MEGA"),
            ),
            finding(
                "outflow.upload-tooling",
                8,
                T0 + 120,
                "WS-OTHER",
                Some("someone"),
                Some("MEGA"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let i = &incidents[0];
    assert_eq!(i.trigger, Trigger::Critical);
    assert_eq!(i.alerts, 2);
    assert_eq!(i.chain.len(), 2);
    assert!(i.chain[0].time < i.chain[1].time, "chain in time order");
    assert_eq!(i.risk_score, 9);
    assert_eq!(i.severity, "critical");
    assert_eq!(i.services, ["MEGA"]);
    assert_eq!(i.bytes_out, 2_000_000);
    assert!(
        i.explanation.starts_with(
            "WS-FIN-02.corp.example (dolsen): rclone.exe uploaded 2.0 MB to MEGA (mega.example)"
        ),
        "{}",
        i.explanation
    );
    let ids: Vec<Option<&str>> = alerts.iter().map(|a| a.incident_id.as_deref()).collect();
    assert_eq!(ids, [Some(i.id.as_str()), Some(i.id.as_str()), None]);
}

#[test]
fn accumulated_risk_of_different_rules_crosses_the_threshold_but_one_noisy_rule_does_not() {
    // One rule, many times below the repeat risk: its highest risk counts
    // once (6 < 12).
    let noisy: Vec<Finding> = (0..20)
        .map(|n| {
            finding(
                "outflow.upload-tooling",
                6,
                T0 + n * 60,
                "srv-app-02",
                None,
                Some("Pastebin"),
            )
        })
        .collect();
    let (alerts, incidents) = run(builtin(), noisy);
    assert!(incidents.is_empty(), "{incidents:#?}");
    assert!(alerts.iter().all(|a| a.incident_id.is_none()));
    assert_eq!(alerts.len(), 20);

    // Two rules on one host, different destinations: 7 + 6 >= 12.
    let (alerts, incidents) = run(
        builtin(),
        vec![
            finding("outflow.staging", 7, T0, "srv-app-02", None, None),
            finding(
                "outflow.first-seen",
                6,
                T0 + 5 * HOUR,
                "srv-app-02",
                None,
                Some("Gofile"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].trigger, Trigger::Threshold);
    assert_eq!(incidents[0].risk_total, 13);
    assert!(alerts
        .iter()
        .all(|a| a.incident_id.as_deref() == Some(incidents[0].id.as_str())));

    // The same two, further apart than the window: no incident.
    let (_, incidents) = run(
        builtin(),
        vec![
            finding("outflow.staging", 7, T0, "srv-app-02", None, None),
            finding(
                "outflow.first-seen",
                6,
                T0 + 25 * HOUR,
                "srv-app-02",
                None,
                Some("Gofile"),
            ),
        ],
    );
    assert!(incidents.is_empty(), "{incidents:#?}");
}

#[test]
fn one_rule_repeating_high_risk_alerts_opens_an_incident() {
    // 15 pastes by a script: one rule, each alert risk 8; the third opens it.
    let pastes: Vec<Finding> = (0..15)
        .map(|n| {
            finding(
                "outflow.upload-tooling",
                8,
                T0 + n * 120,
                "srv-app-02",
                None,
                Some("Pastebin"),
            )
        })
        .collect();
    let (alerts, incidents) = run(builtin(), pastes);
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0].trigger, Trigger::Repeated);
    assert!(alerts
        .iter()
        .all(|a| a.incident_id.as_deref() == Some(incidents[0].id.as_str())));
    // Two such alerts are not yet a pattern.
    let two: Vec<Finding> = (0..2)
        .map(|n| {
            finding(
                "outflow.upload-tooling",
                8,
                T0 + n * 120,
                "srv-app-02",
                None,
                None,
            )
        })
        .collect();
    let (_, incidents) = run(builtin(), two);
    assert!(incidents.is_empty());
}

#[test]
fn rules_that_agree_on_an_entity_and_a_service_open_an_incident() {
    let (_, incidents) = run(
        builtin(),
        vec![
            finding(
                "outflow.dns-to-service",
                4,
                T0,
                "WS-HR-02",
                Some("eivanova"),
                Some("pCloud"),
            ),
            finding(
                "outflow.volume",
                5,
                T0 + 600,
                "ws-hr-02.corp.example",
                None,
                Some("pCloud"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0].trigger, Trigger::Agreement);
    assert_eq!(incidents[0].rules.len(), 2);
    assert!(
        incidents[0]
            .explanation
            .contains("2 alerts from 2 analytics agree"),
        "{}",
        incidents[0].explanation
    );

    // The same risks on different services do not agree (and 9 < 12).
    let (_, incidents) = run(
        builtin(),
        vec![
            finding(
                "outflow.dns-to-service",
                4,
                T0,
                "WS-HR-02",
                None,
                Some("pCloud"),
            ),
            finding(
                "outflow.volume",
                5,
                T0 + 600,
                "WS-HR-02",
                None,
                Some("Dropbox"),
            ),
        ],
    );
    assert!(incidents.is_empty(), "{incidents:#?}");
}

#[test]
fn an_address_named_by_an_alert_joins_its_host() {
    let mut named = finding(
        "outflow.upload-tooling",
        9,
        T0,
        "WS-HR-02",
        Some("eivanova"),
        Some("Dropbox"),
    );
    named.fields.insert("src_ip".into(), "10.20.1.23".into());
    let (alerts, incidents) = run(
        builtin(),
        vec![
            named,
            finding(
                "outflow.volume",
                5,
                T0 + 300,
                "10.20.1.23",
                None,
                Some("Dropbox"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].alerts, 2, "{:#?}", incidents[0]);
    assert!(alerts.iter().all(|a| a.incident_id.is_some()));
    // Without the address learnt, the flow stays on its own.
    let (alerts, _) = run(
        builtin(),
        vec![
            finding(
                "outflow.upload-tooling",
                9,
                T0,
                "WS-HR-02",
                Some("eivanova"),
                Some("Dropbox"),
            ),
            finding(
                "outflow.volume",
                5,
                T0 + 300,
                "10.20.1.23",
                None,
                Some("Dropbox"),
            ),
        ],
    );
    assert!(alerts[1].incident_id.is_none());
}

#[test]
fn ids_are_deterministic() {
    let input = || {
        vec![
            finding(
                "outflow.upload-tooling",
                9,
                T0,
                "WS-FIN-02",
                Some("dolsen"),
                Some("MEGA"),
            ),
            finding(
                "outflow.upload-tooling",
                9,
                T0 + 2 * 86_400,
                "WS-ENG-01",
                Some("ibrennan"),
                Some("Azure Blob"),
            ),
        ]
    };
    let (_, a) = run(builtin(), input());
    let (_, b) = run(builtin(), input());
    let ids = |v: &[Incident]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.len(), 2);
    assert_ne!(a[0].id, a[1].id);
    assert!(a[0].id.starts_with("INC-20261118-"), "{}", a[0].id);
    assert!(a[1].id.starts_with("INC-20261120-"), "{}", a[1].id);

    // The same alerts delivered in another order (one reader thread ahead
    // of the other) get the same ids.
    let sysmon = finding(
        "outflow.upload-tooling",
        9,
        T0,
        "WS-FIN-02.corp.example",
        Some("CORP\\dolsen"),
        Some("MEGA"),
    );
    let security = finding(
        "outflow.upload-tooling",
        9,
        T0 - 1,
        "WS-FIN-02",
        Some("dolsen"),
        Some("MEGA"),
    );
    let (x, ix) = run(builtin(), vec![sysmon.clone(), security.clone()]);
    let (y, iy) = run(builtin(), vec![security, sysmon]);
    assert_eq!(ids(&ix), ids(&iy));
    assert_eq!(ix.len(), 1);
    assert!(x
        .iter()
        .chain(&y)
        .all(|f| f.incident_id.as_deref() == Some(ix[0].id.as_str())));
}

#[test]
fn the_actors_other_uploads_are_linked() {
    let (_, incidents) = run(
        builtin(),
        vec![
            // Two days earlier, on another host: a lone share by the same user.
            finding(
                "outflow.saas-share",
                4,
                T0 - 48 * HOUR,
                "WS-LAPTOP-9",
                Some("dolsen@corp.example"),
                Some("Google Drive"),
            ),
            // Someone else's upload is not linked.
            finding(
                "outflow.saas-share",
                4,
                T0 - 47 * HOUR,
                "WS-LAPTOP-3",
                Some("nsmith"),
                Some("Google Drive"),
            ),
            finding(
                "outflow.upload-tooling",
                9,
                T0,
                "WS-FIN-02",
                Some("CORP\\dolsen"),
                Some("MEGA"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let linked = &incidents[0].linked;
    assert_eq!(linked.len(), 1, "{linked:#?}");
    assert_eq!(linked[0].via, "user:dolsen");
    assert_eq!(linked[0].host.as_deref(), Some("WS-LAPTOP-9"));
    assert_eq!(linked[0].rule_id, "outflow.saas-share");
    assert!(
        incidents[0]
            .explanation
            .contains("1 linked alert of the same actor"),
        "{}",
        incidents[0].explanation
    );
}

#[test]
fn findings_are_released_once_their_window_has_closed() {
    let settings = builtin();
    let horizon = (settings.window + settings.lateness) as i64;
    let mut c = Correlator::new(settings);
    let mut out = Vec::new();
    // Ten days of lone medium alerts on 50 hosts, one per host per hour.
    let mut pushed = 0;
    let mut peak = 0;
    for h in 0..(10 * 24) {
        for host in 0..50 {
            let t = T0 + h * HOUR + host;
            c.push(
                finding(
                    "outflow.volume",
                    5,
                    t,
                    &format!("WS-{host:03}"),
                    None,
                    Some("Dropbox"),
                ),
                &mut out,
            );
            pushed += 1;
        }
        c.advance((T0 + h * HOUR) * NS, &mut out);
        peak = peak.max(c.held());
    }
    // At most one window (plus lateness) of alerts is held.
    let per_hour = 50;
    assert!(
        peak <= per_hour * (horizon / HOUR + 2) as usize,
        "peak {peak}"
    );
    assert!(
        out.len() > pushed / 3,
        "released as time passes: {}",
        out.len()
    );
    // Released in time order.
    assert!(out.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    // Far beyond the last alert, nothing is held.
    c.advance((T0 + 20 * 86_400) * NS, &mut out);
    assert_eq!(c.held(), 0);
    assert_eq!(out.len(), pushed);
    assert_eq!(c.stats.incidents, 0);
}

#[test]
fn an_alert_that_comes_late_still_joins_while_its_incident_waits() {
    // A second copy of the same process (Security 4688 beside Sysmon 1)
    // read an hour of event time later still joins the incident.
    let (_, incidents) = run(
        builtin(),
        vec![
            finding(
                "outflow.upload-tooling",
                9,
                T0,
                "WS-FIN-02",
                Some("dolsen"),
                Some("MEGA"),
            ),
            finding("outflow.other", 3, T0 + 10 * HOUR, "WS-ELSE", None, None),
            finding(
                "outflow.upload-tooling",
                9,
                T0 + 1,
                "WS-FIN-02.corp.example",
                Some("CORP\\dolsen"),
                Some("MEGA"),
            ),
        ],
    );
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0].alerts, 2);
}

#[test]
fn past_its_span_an_incident_takes_no_more_and_the_next_one_does() {
    let h = "WS-FIN-02";
    let (alerts, incidents) = run(
        builtin(),
        vec![
            finding("outflow.upload-tooling", 9, T0, h, None, Some("MEGA")),
            finding(
                "outflow.upload-tooling",
                8,
                T0 + 5 * HOUR,
                h,
                None,
                Some("MEGA"),
            ),
            finding(
                "outflow.upload-tooling",
                8,
                T0 + 10 * HOUR,
                h,
                None,
                Some("MEGA"),
            ),
            // Within the join gap of the last, but past 24 h from the first.
            finding(
                "outflow.upload-tooling",
                9,
                T0 + 25 * HOUR,
                h,
                None,
                Some("MEGA"),
            ),
            finding(
                "outflow.upload-tooling",
                8,
                T0 + 26 * HOUR,
                h,
                None,
                Some("MEGA"),
            ),
        ],
    );
    let sizes: Vec<usize> = incidents.iter().map(|i| i.alerts).collect();
    assert_eq!(sizes, [3, 2], "{incidents:#?}");
    assert_eq!(alerts[3].incident_id, alerts[4].incident_id);
    assert_ne!(alerts[2].incident_id, alerts[3].incident_id);
}

/// A DNS query's alert names the domain at the resolver's address; the
/// upload's alert on the same domain names where the data went. The
/// incident lists the domain once, as the upload saw it, whichever came first.
#[test]
fn an_incident_names_a_destination_as_the_upload_saw_it() {
    let mut dns = finding("dns-query", 3, T0, "10.20.1.73", None, None);
    dns.bytes_out = None;
    dns.destination = Some(Destination {
        domain: Some("0x0.st".into()),
        ip: Some("10.20.0.2".into()),
        port: Some(53),
        ..Destination::default()
    });
    let mut upload = finding("large-transfer", 9, T0 + 1, "10.20.1.73", None, None);
    upload.bytes_out = Some(123_523_052);
    upload.destination = Some(Destination {
        domain: Some("0x0.st".into()),
        ip: Some("168.119.145.117".into()),
        port: Some(443),
        service: Some("0x0.st (The Null Pointer)".into()),
        category: Some("file_sharing".into()),
        ..Destination::default()
    });
    // A command line's alert named the URL: it stays with the address.
    let mut tool = finding("upload-tooling", 8, T0 + 2, "10.20.1.73", None, None);
    tool.bytes_out = None;
    tool.destination = Some(Destination {
        domain: Some("0x0.st".into()),
        target: Some("https://0x0.st".into()),
        ..Destination::default()
    });
    for order in [
        vec![dns.clone(), tool.clone(), upload.clone()],
        vec![upload.clone(), dns.clone(), tool.clone()],
        vec![tool, upload, dns],
    ] {
        let (_, incidents) = run(builtin(), order);
        assert_eq!(incidents.len(), 1);
        let d = &incidents[0].destinations;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].ip.as_deref(), Some("168.119.145.117"));
        assert_eq!(d[0].port, Some(443));
        assert_eq!(d[0].category.as_deref(), Some("file_sharing"));
        assert_eq!(d[0].target.as_deref(), Some("https://0x0.st"));
    }
}

/// The explanation names where most bytes went, and the program that sent
/// them, beside the incident's bytes — not the destination of the riskiest
/// alert when that alert is about something else (a sharing link).
#[test]
fn the_explanation_names_where_most_bytes_went_and_who_sent_them() {
    let mut share = finding("bulk-saas-upload", 9, T0, "WS-FIN-02", Some("dolsen"), None);
    share.entity.image = None;
    share.bytes_out = Some(16_700_000);
    share.destination = Some(Destination {
        target: Some("people_with_link".into()),
        ..Destination::default()
    });
    let mut tunnel = finding(
        "tunnel-relay",
        9,
        T0 + HOUR,
        "WS-FIN-02",
        Some("dolsen"),
        None,
    );
    tunnel.entity.image = Some("C:\\Users\\Public\\devtunnel.exe".into());
    tunnel.bytes_out = Some(3_900_000_000);
    tunnel.destination = Some(Destination {
        domain: Some("global.rel.tunnels.api.visualstudio.com".into()),
        service: Some("Microsoft Dev Tunnels".into()),
        ..Destination::default()
    });
    let mut other = finding(
        "upload-tooling",
        8,
        T0 + 2 * HOUR,
        "WS-FIN-02",
        Some("dolsen"),
        None,
    );
    other.entity.image = Some("C:\\Windows\\powershell.exe".into());
    other.bytes_out = None;
    other.destination = Some(Destination {
        domain: Some("discord.com".into()),
        ..Destination::default()
    });
    let (_, incidents) = run(
        builtin(),
        vec![share.clone(), tunnel.clone(), other.clone()],
    );
    assert_eq!(incidents.len(), 1);
    let e = &incidents[0].explanation;
    assert!(
        e.contains("devtunnel.exe uploaded 3.9 GB to Microsoft Dev Tunnels (global.rel.tunnels.api.visualstudio.com) and 2 more"),
        "{e}"
    );
    // When no alert about that destination names a program, none is named:
    // PowerShell sent elsewhere.
    tunnel.entity.image = None;
    let (_, incidents) = run(builtin(), vec![share, tunnel, other]);
    let e = &incidents[0].explanation;
    assert!(
        e.contains("(dolsen): uploaded 3.9 GB to Microsoft Dev Tunnels"),
        "{e}"
    );
}
