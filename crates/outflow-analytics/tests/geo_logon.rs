//! `geo-logon` over Microsoft 365 and Google Workspace records read through
//! the real readers, with a small MaxMind-format database written by the
//! test (documentation ranges): impossible travel and a new country before
//! bulk uploads, and the benign cases — travel within a country, internal
//! and failed sign-ins, uploads after an ordinary sign-in.

mod support;

use outflow_analytics::registry;
use outflow_analytics::stateful::geo_logon::{self, GeoLogon};
use outflow_analytics::{Ctx, StatefulAnalytic};
use outflow_event::Event;
use serde_json::json;
use std::sync::Arc;
use support::{ctx, geo_db, light_sim, read_via_file, run_snapshot, unshared_ctx};

fn db() -> Arc<outflow_analytics::geoip::GeoIp> {
    Arc::new(geo_db(&[
        ("192.0.2.0/24", "FR", 48.8566, 2.3522),      // Paris
        ("203.0.113.0/24", "FR", 45.7640, 4.8357),    // Lyon
        ("198.51.100.0/24", "US", 40.7128, -74.0060), // New York
        ("2001:db8::/32", "JP", 35.6762, 139.6503),   // Tokyo
    ]))
}

fn geo_ctx() -> Arc<Ctx> {
    Arc::new(unshared_ctx(None, None).with_geoip(Some(db())))
}

fn build(c: &Arc<Ctx>) -> Box<dyn StatefulAnalytic> {
    geo_logon::build(c).unwrap()
}

fn m365_login(time: &str, user: &str, ip: &str, status: &str) -> String {
    json!({"CreationTime": time, "Id": format!("{time}-{user}"), "Operation": "UserLoggedIn",
        "OrganizationId": "4f0a6c1e-2b7d-4c55-9a3e-1d2f3a4b5c6d", "RecordType": 15, "UserType": 0,
        "Version": 1, "Workload": "AzureActiveDirectory", "ClientIP": ip, "UserId": user,
        "ResultStatus": status, "ObjectId": "00000003-0000-0ff1-ce00-000000000000"})
    .to_string()
}

fn m365_upload(time: &str, user: &str, ip: &str, n: u32, size: u64) -> String {
    json!({"CreationTime": time, "Id": format!("{time}-{user}-{n}"), "Operation": "FileUploaded",
        "OrganizationId": "4f0a6c1e-2b7d-4c55-9a3e-1d2f3a4b5c6d", "RecordType": 6, "UserType": 0,
        "Version": 1, "Workload": "OneDrive", "ClientIP": ip, "UserId": user,
        "ObjectId": format!("https://corpexample-my.sharepoint.com/personal/u/Documents/transfer/f{n}.zip"),
        "SiteUrl": "https://corpexample-my.sharepoint.com/personal/u/",
        "SourceFileName": format!("f{n}.zip"), "SourceFileExtension": "zip", "ItemType": "File",
        "EventSource": "SharePoint", "FileSizeBytes": size})
    .to_string()
}

fn gws_login(time: &str, user: &str, ip: &str) -> String {
    json!({"kind": "admin#reports#activity",
        "id": {"time": time, "uniqueQualifier": "4260707553478194003", "applicationName": "login", "customerId": "C03az79cb"},
        "actor": {"email": user, "profileId": "110987654321098701131"}, "ipAddress": ip,
        "events": [{"type": "login", "name": "login_success", "parameters": [{"name": "login_type", "value": "google_password"}]}]})
    .to_string()
}

fn m365(lines: &[String]) -> Vec<Event> {
    read_via_file("m365-audit.jsonl", &(lines.join("\n") + "\n"))
}

#[test]
fn the_test_database_locates_v4_and_v6_addresses() {
    let g = db();
    let p = g.locate("198.51.100.20".parse().unwrap()).unwrap();
    assert_eq!(p.country.as_deref(), Some("US"));
    assert!((p.coords.unwrap().0 - 40.7128).abs() < 1e-6);
    let p = g.locate("2001:db8:5::1".parse().unwrap()).unwrap();
    assert_eq!(p.country.as_deref(), Some("JP"));
    assert!(g.locate("8.8.8.8".parse().unwrap()).is_none());
    assert!(g.locate("10.20.1.5".parse().unwrap()).is_none());
}

#[test]
fn impossible_travel_then_bulk_upload_is_high_risk() {
    let mut lines = vec![
        m365_login(
            "2026-11-18T08:00:00",
            "pkim@corp.example",
            "192.0.2.10",
            "Success",
        ),
        m365_login(
            "2026-11-18T09:00:00",
            "pkim@corp.example",
            "198.51.100.20",
            "Success",
        ),
    ];
    for n in 0..25 {
        lines.push(m365_upload(
            &format!("2026-11-18T09:{:02}:00", 5 + n),
            "pkim@corp.example",
            "198.51.100.20",
            n,
            10_000_000,
        ));
    }
    let (found, _) = run_snapshot(&geo_ctx(), build, &m365(&lines));
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.geo-logon");
    assert_eq!(f.d3fend, vec!["D3-UGLPA".to_string()]);
    assert_eq!(f.entity.user.as_deref(), Some("pkim@corp.example"));
    assert_eq!(f.fields["client_ip"], "198.51.100.20");
    assert_eq!(f.fields["country"], "US");
    let reason = &f.fields["reason"];
    assert!(
        reason.contains("new country US") && reason.contains("impossible travel"),
        "{reason}"
    );
    assert_eq!(f.fields["uploads_after"], "25");
    assert_eq!(f.bytes_out, Some(250_000_000));
    assert_eq!(f.risk_score, 9);
    assert_eq!(f.evidence.len(), 12); // the sign-in and the first uploads, capped
}

#[test]
fn across_sources_and_to_ipv6_impossible_travel_without_uploads_is_low_risk() {
    let mut events = m365(&[m365_login(
        "2026-11-18T08:00:00",
        "Pkim@Corp.example",
        "192.0.2.10",
        "Success",
    )]);
    events.extend(read_via_file(
        "gworkspace.jsonl",
        &(gws_login(
            "2026-11-18T10:00:00.000Z",
            "pkim@corp.example",
            "2001:db8::7",
        ) + "\n"),
    ));
    let (found, _) = run_snapshot(&geo_ctx(), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields["country"], "JP");
    assert_eq!(found[0].risk_score, 4);
    assert!(!found[0].fields.contains_key("uploads_after"));
}

#[test]
fn benign_sign_ins_and_uploads_are_silent() {
    let mut lines = vec![
        // First sign-in ever: nothing to compare with.
        m365_login(
            "2026-11-18T07:00:00",
            "a@corp.example",
            "192.0.2.10",
            "Success",
        ),
        // Paris → Lyon in an hour: same country, under min_distance_km.
        m365_login(
            "2026-11-18T08:00:00",
            "a@corp.example",
            "203.0.113.5",
            "Success",
        ),
        // Internal address: no location.
        m365_login(
            "2026-11-18T08:10:00",
            "a@corp.example",
            "10.20.1.5",
            "Success",
        ),
        // A failed sign-in from New York.
        m365_login(
            "2026-11-18T08:20:00",
            "a@corp.example",
            "198.51.100.20",
            "Failed",
        ),
        // An address the database does not know.
        m365_login(
            "2026-11-18T08:30:00",
            "a@corp.example",
            "8.8.8.8",
            "Success",
        ),
    ];
    for n in 0..30 {
        lines.push(m365_upload(
            &format!("2026-11-18T08:{:02}:30", 10 + n),
            "a@corp.example",
            "203.0.113.5",
            n,
            20_000_000,
        ));
    }
    let (found, snap) = run_snapshot(&geo_ctx(), build, &m365(&lines));
    assert!(found.is_empty(), "{found:#?}");
    let countries = &snap["analytics"]["geo-logon"]["users"]["a@corp.example"]["countries"];
    assert_eq!(countries.as_array().unwrap().len(), 1, "{countries}");
}

#[test]
fn countries_known_from_an_earlier_run_make_a_new_one_stand_out() {
    let earlier = m365(&[m365_login(
        "2026-11-10T08:00:00",
        "b@corp.example",
        "192.0.2.10",
        "Success",
    )]);
    let later = m365(&[m365_login(
        "2026-11-18T08:00:00",
        "b@corp.example",
        "198.51.100.20",
        "Success",
    )]);
    let (_, snap) = run_snapshot(&geo_ctx(), build, &earlier);
    let state = snap["analytics"]["geo-logon"].clone();
    let (fresh, _) = run_snapshot(&geo_ctx(), build, &later);
    assert!(
        fresh.is_empty(),
        "a first sign-in is no anomaly: {fresh:#?}"
    );
    let (restored, _) = run_snapshot(
        &geo_ctx(),
        |c| {
            let mut a = build(c);
            a.restore(state.clone()).unwrap();
            a
        },
        &later,
    );
    assert_eq!(restored.len(), 1);
    assert!(restored[0].fields["reason"].starts_with("new country US (known: FR)"));
    assert!(
        !restored[0].fields["reason"].contains("impossible"),
        "8 days is time enough"
    );
    assert!(build(&geo_ctx()).restore(json!({"users": []})).is_err());
}

#[test]
fn without_a_database_it_does_not_run_and_says_so() {
    let c = ctx(None, None);
    assert!(GeoLogon::new(&c).is_err());
    assert!(registry::notes(&c)
        .iter()
        .any(|n| n.starts_with("geo-logon not run") && n.contains("--geoip")));
    let names: Vec<String> = registry::builtin(&c)
        .unwrap()
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    assert!(!names.contains(&"geo-logon".to_string()));
    let c = geo_ctx();
    assert!(!registry::notes(&c)
        .iter()
        .any(|n| n.starts_with("geo-logon")));
}

#[test]
fn users_are_bounded() {
    let c = Arc::new(
        unshared_ctx(None, Some("analytics:\n  geo-logon:\n    max_users: 5\n"))
            .with_geoip(Some(db())),
    );
    let lines: Vec<String> = (0..50)
        .map(|i| {
            m365_login(
                &format!("2026-11-18T08:{i:02}:00"),
                &format!("u{i}@corp.example"),
                "192.0.2.10",
                "Success",
            )
        })
        .collect();
    let mut a = GeoLogon::new(&c).unwrap();
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), vec![]);
    let mut out = Vec::new();
    for ev in m365(&lines) {
        a.on_event(&engine.view(&ev), &mut out);
    }
    assert!(a.state_len() <= 10, "{}", a.state_len());
}

#[test]
fn fires_on_the_simulated_impossible_travel_story_only() {
    let truth = &light_sim().truth;
    let story = truth
        .iter()
        .find(|t| t["id"].as_str().unwrap().contains("impossible-travel"))
        .expect("the simulator's impossible-travel story");
    let events = light_sim().events(&[
        "saas/m365-audit.jsonl",
        "saas/gworkspace.jsonl",
        "saas/cloudtrail/ct-00001.json",
        "saas/github-audit.jsonl",
    ]);
    let (found, _) = run_snapshot(&geo_ctx(), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.entity.user.as_deref(), story["user_email"].as_str());
    assert!(f.entity.host.is_none());
    assert!(
        f.fields["reason"].contains("impossible travel"),
        "{:?}",
        f.fields
    );
    assert_eq!(f.fields["country"], "JP");
    assert_eq!(f.risk_score, 9);
    // Its uploads, not the user's own devices syncing from inside.
    assert_eq!(f.bytes_out, story["bytes"].as_u64());
}

#[test]
fn uploads_from_inside_do_not_count() {
    let mut lines = vec![
        m365_login(
            "2026-11-18T08:00:00",
            "c@corp.example",
            "192.0.2.10",
            "Success",
        ),
        m365_login(
            "2026-11-18T09:00:00",
            "c@corp.example",
            "198.51.100.20",
            "Success",
        ),
    ];
    for n in 0..30 {
        lines.push(m365_upload(
            &format!("2026-11-18T09:{:02}:00", 5 + n),
            "c@corp.example",
            "10.20.1.5",
            n,
            10_000_000,
        ));
    }
    let (found, _) = run_snapshot(&geo_ctx(), build, &m365(&lines));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].risk_score, 4, "{:?}", found[0].fields);
}

fn console_login(time: &str, user: &str, ip: &str, outcome: &str) -> serde_json::Value {
    json!({"eventVersion": "1.10", "userIdentity": {"type": "IAMUser", "principalId": "AIDAWA3XK7Q200095028",
        "arn": format!("arn:aws:iam::418273645910:user/{user}"), "accountId": "418273645910", "userName": user},
        "eventTime": time, "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": "Mozilla/5.0",
        "requestParameters": null, "responseElements": {"ConsoleLogin": outcome},
        "additionalEventData": {"MFAUsed": "No", "MobileVersion": "No"},
        "eventID": format!("{time}-{user}"), "readOnly": false, "eventType": "AwsConsoleSignIn",
        "managementEvent": true, "recipientAccountId": "418273645910", "eventCategory": "Management"})
}

#[test]
fn aws_console_sign_ins_count_and_failures_do_not() {
    let trail = |records: Vec<serde_json::Value>| {
        read_via_file(
            "cloudtrail.json",
            &json!({ "Records": records }).to_string(),
        )
    };
    let ok = trail(vec![
        console_login("2026-11-18T08:00:00Z", "ops-admin", "192.0.2.44", "Success"),
        console_login(
            "2026-11-18T08:30:00Z",
            "ops-admin",
            "198.51.100.61",
            "Success",
        ),
    ]);
    let (found, _) = run_snapshot(&geo_ctx(), build, &ok);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].entity.user.as_deref(), Some("ops-admin"));
    assert!(found[0].fields["reason"].contains("impossible travel"));
    let failed = trail(vec![
        console_login("2026-11-18T08:00:00Z", "ops-admin", "192.0.2.44", "Success"),
        console_login(
            "2026-11-18T08:30:00Z",
            "ops-admin",
            "198.51.100.61",
            "Failure",
        ),
    ]);
    let (found, _) = run_snapshot(&geo_ctx(), build, &failed);
    assert!(found.is_empty(), "{found:#?}");
}

fn slack(action: &str, time: i64, user: &str, ip: &str) -> serde_json::Value {
    json!({"id": format!("{action}-{time}"), "date_create": time, "action": action,
        "actor": {"type": "user", "user": {"id": "W012J3FEWAU", "name": user, "email": format!("{user}@corp.example")}},
        "entity": {"type": "user", "user": {"id": "W012J3FEWAU", "name": user, "email": format!("{user}@corp.example")}},
        "context": {"location": {"type": "enterprise", "id": "E1701NCCA", "name": "Corp", "domain": "corp"},
            "ua": "Mozilla/5.0", "ip_address": ip, "session_id": "847288190092"}})
}

/// Slack sign-ins count as sign-ins, and files uploaded or given a public
/// link after one count as uploads.
#[test]
fn slack_sign_ins_and_file_uploads_count() {
    // 2026-11-18T08:00:00Z, then 30 min later from New York, then files.
    let t0 = 1_795_507_200;
    let mut entries = vec![
        slack("user_login", t0, "pkim", "192.0.2.10"),
        slack("user_login", t0 + 1_800, "pkim", "198.51.100.20"),
    ];
    for i in 0..3 {
        entries.push(slack(
            "file_uploaded",
            t0 + 1_900 + i,
            "pkim",
            "198.51.100.20",
        ));
    }
    entries.push(slack(
        "file_public_link_created",
        t0 + 2_000,
        "pkim",
        "198.51.100.20",
    ));
    let text = json!({"ok": true, "entries": entries}).to_string();
    let events = read_via_file("slack-audit.json", &text);
    let (found, _) = run_snapshot(&geo_ctx(), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.fields["country"], "US");
    assert!(
        f.fields["reason"].contains("impossible travel"),
        "{:?}",
        f.fields
    );
    assert_eq!(f.fields["uploads_after"], "4");
    assert_eq!(f.risk_score, 7);
}
