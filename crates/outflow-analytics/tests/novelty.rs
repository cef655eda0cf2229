//! The first-seen and rare analytics through the engine: nothing is new
//! while a host is being learnt; a new program or destination after it is
//! reported, with its upload joined from flow records; what the
//! organisation sanctions is not; a restored baseline gives the same alerts
//! over the same data; a destination many hosts use is not rare.

use outflow_analytics::{registry, AnalyticsEngine, Ctx};
use outflow_detect::{Analytic, Finding};
use outflow_event::{Event, LogSource, Origin, Position, SourceKind, Timestamp};
use outflow_intel::Policy;
use std::sync::Arc;

const HOUR: i64 = 3600 * 1_000_000;
const T0: i64 = 1_794_787_200_000_000; // 2026-11-16T00:00:00Z in µs

fn origin(line: u64) -> Origin {
    Origin {
        file: Arc::from("test.log"),
        position: Position::Line(line),
    }
}

fn with_ls(mut ev: Event, product: &str, category: Option<&str>, service: Option<&str>) -> Event {
    ev.logsources = Arc::from(vec![LogSource {
        product: Some(Arc::from(product)),
        category: category.map(Arc::from),
        service: service.map(Arc::from),
    }]);
    ev
}

/// A Sysmon 3 connection out of `host` by `image`.
fn sysmon3(t: i64, host: &str, src: &str, image: &str, dst: &str, domain: &str) -> Event {
    let mut ev = Event::new(SourceKind::WinJson, origin(1), "{}");
    ev.push_str(Arc::from("Computer"), host);
    ev.push_str(Arc::from("Image"), image);
    ev.push_str(Arc::from("DestinationHostname"), domain);
    ev.push_str(Arc::from("Initiated"), "true");
    ev.entity.host = ev.get("Computer").cloned();
    ev.entity.image = ev.get("Image").cloned();
    ev.entity.dst_domain = ev.get("DestinationHostname").cloned();
    ev.entity.src_ip = src.parse().ok();
    ev.entity.dst_ip = dst.parse().ok();
    ev.entity.dst_port = Some(443);
    ev.ts = Some(Timestamp(t * 1_000));
    with_ls(ev, "windows", Some("network_connection"), None)
}

/// A Zeek conn record with bytes out, named by a ssl record of the same uid.
fn zeek(t: i64, src: &str, dst: &str, domain: &str, bytes: u64, uid: &str) -> [Event; 2] {
    let mut ssl = Event::new(SourceKind::ZeekTsv, origin(2), "{}");
    ssl.push_str(Arc::from("uid"), uid);
    ssl.push_str(Arc::from("server_name"), domain);
    ssl.entity.src_ip = src.parse().ok();
    ssl.entity.dst_ip = dst.parse().ok();
    ssl.ts = Some(Timestamp(t * 1_000));
    let ssl = with_ls(ssl, "zeek", None, Some("ssl"));
    let mut conn = Event::new(SourceKind::ZeekTsv, origin(3), "{}");
    conn.push_str(Arc::from("uid"), uid);
    conn.entity.src_ip = src.parse().ok();
    conn.entity.dst_ip = dst.parse().ok();
    conn.entity.dst_port = Some(443);
    conn.entity.bytes_out = Some(bytes);
    conn.ts = Some(Timestamp((t + 1) * 1_000));
    [ssl, with_ls(conn, "zeek", None, Some("conn"))]
}

fn engine(policy: Policy) -> AnalyticsEngine {
    let base = Ctx::builtin().unwrap();
    let ctx = Arc::new(Ctx::new(base.intel, Arc::new(policy), base.config));
    AnalyticsEngine::new(ctx.clone(), registry::builtin(&ctx).unwrap())
}

/// Feeds the events in time order (as the pipeline's reorder buffer does).
fn run(engine: &mut AnalyticsEngine, events: &[Event]) -> Vec<Finding> {
    let mut events: Vec<&Event> = events.iter().collect();
    events.sort_by_key(|e| e.ts);
    let mut out = Vec::new();
    for ev in events {
        engine.process(ev, &mut out);
        if let Some(ts) = ev.ts {
            engine.advance(ts, &mut out);
        }
    }
    engine.finish(&mut out);
    // This file is about the first-seen and rare analytics; the others run
    // beside them (as in a hunt) but are tested elsewhere.
    out.retain(|f| {
        ["first-seen-process", "new-destination", "rare-destination"]
            .iter()
            .any(|n| f.rule.id == format!("outflow.{n}"))
    });
    out
}

fn by(out: &[Finding], rule: &str) -> Vec<Finding> {
    out.iter()
        .filter(|f| f.rule.id == format!("outflow.{rule}"))
        .cloned()
        .collect()
}

/// Two workstations browse the same site for two days (learning), then on
/// day 3 `ws1` runs a new program that uploads 300 MB to a new cloud store.
fn story() -> Vec<Event> {
    let mut evs = Vec::new();
    for h in 0..48 {
        let t = T0 + h * HOUR;
        for (host, ip) in [
            ("WS1.corp.example", "10.0.0.1"),
            ("WS2.corp.example", "10.0.0.2"),
        ] {
            evs.push(sysmon3(
                t,
                host,
                ip,
                r"C:\Edge\msedge.exe",
                "93.184.216.34",
                "www.example.com",
            ));
            evs.extend(zeek(
                t + 5,
                ip,
                "93.184.216.34",
                "www.example.com",
                20_000,
                &format!("C{h}{ip}"),
            ));
        }
    }
    let t = T0 + 50 * HOUR;
    evs.push(sysmon3(
        t,
        "WS1.corp.example",
        "10.0.0.1",
        r"C:\Users\Public\rc.exe",
        "89.44.169.135",
        "g.api.mega.co.nz",
    ));
    evs.extend(zeek(
        t + 10,
        "10.0.0.1",
        "89.44.169.135",
        "g.api.mega.co.nz",
        300 << 20,
        "Cup",
    ));
    evs
}

#[test]
fn a_new_program_uploading_to_a_new_destination_after_learning() {
    let out = run(&mut engine(Policy::default()), &story());
    let fsp = by(&out, "first-seen-process");
    assert_eq!(fsp.len(), 1, "{fsp:?}");
    assert_eq!(
        fsp[0].entity.image.as_deref(),
        Some(r"C:\Users\Public\rc.exe")
    );
    assert_eq!(fsp[0].bytes_out, Some(300 << 20));
    assert_eq!(fsp[0].risk_score, 7, "upload raises the risk");
    let nd = by(&out, "new-destination");
    assert_eq!(nd.len(), 1, "{nd:?}");
    assert_eq!(nd[0].fields["destination_key"], "mega.co.nz");
    assert_eq!(nd[0].risk_score, 8, "cloud storage, large upload");
    let rare = by(&out, "rare-destination");
    assert_eq!(rare.len(), 1, "{rare:?}");
    assert_eq!(rare[0].fields["hosts_using"], "1");
}

#[test]
fn nothing_is_new_while_a_host_is_learnt() {
    // The same activity 20 hours after the hosts were first seen.
    let mut evs: Vec<Event> = story()
        .into_iter()
        .filter(|e| e.ts.unwrap().0 / 1_000 < T0 + 20 * HOUR)
        .collect();
    let t = T0 + 20 * HOUR;
    evs.push(sysmon3(
        t,
        "WS1.corp.example",
        "10.0.0.1",
        r"C:\Users\Public\rc.exe",
        "89.44.169.135",
        "g.api.mega.co.nz",
    ));
    evs.extend(zeek(
        t + 10,
        "10.0.0.1",
        "89.44.169.135",
        "g.api.mega.co.nz",
        300 << 20,
        "Cup",
    ));
    let out = run(&mut engine(Policy::default()), &evs);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn a_new_program_without_upload_is_low_risk() {
    let mut evs = story();
    evs.pop(); // the conn with the bytes
    let out = run(&mut engine(Policy::default()), &evs);
    let fsp = by(&out, "first-seen-process");
    assert_eq!(fsp.len(), 1);
    assert_eq!(fsp[0].risk_score, 3);
    assert!(
        by(&out, "new-destination").is_empty(),
        "no upload, no alert"
    );
}

#[test]
fn a_sanctioned_destination_is_not_reported() {
    let policy = Policy::from_yaml("test", "sanctioned:\n  domains: [\"*.mega.co.nz\"]\n").unwrap();
    let out = run(&mut engine(policy), &story());
    assert!(by(&out, "new-destination").is_empty());
    assert!(by(&out, "rare-destination").is_empty());
}

#[test]
fn a_restored_baseline_gives_the_same_alerts_over_the_same_data() {
    let evs = story();
    let mut first = engine(Policy::default());
    let a = run(&mut first, &evs);
    let saved = first.snapshot_parts();
    let mut second = engine(Policy::default());
    assert!(second.restore_parts(saved).unwrap().is_empty());
    let b = run(&mut second, &evs);
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    // Only day 3 hunted with the baseline: the same alerts.
    let mut third = engine(Policy::default());
    third.restore_parts(first.snapshot_parts()).unwrap();
    let day3: Vec<Event> = evs
        .into_iter()
        .filter(|e| e.ts.unwrap().0 / 1_000 >= T0 + 48 * HOUR)
        .collect();
    assert_eq!(run(&mut third, &day3), a);
}

#[test]
fn a_state_of_another_layout_is_an_error_naming_the_analytic() {
    let mut e = engine(Policy::default());
    let err = e
        .restore_parts(vec![(
            "new-destination".into(),
            serde_json::json!({"version": 99, "hosts": [], "items": []}),
        )])
        .unwrap_err();
    assert!(err.to_string().contains("new-destination"), "{err}");
    let skipped = e
        .restore_parts(vec![("retired-analytic".into(), serde_json::json!({}))])
        .unwrap();
    assert_eq!(skipped, ["retired-analytic"]);
}

#[test]
fn a_destination_many_hosts_use_is_not_rare() {
    let mut evs = Vec::new();
    for h in 0..48 {
        let t = T0 + h * HOUR;
        for i in 1..=6 {
            let ip = format!("10.0.0.{i}");
            evs.push(sysmon3(
                t,
                &format!("WS{i}"),
                &ip,
                r"C:\Edge\msedge.exe",
                "93.184.216.34",
                "www.example.com",
            ));
        }
    }
    // Day 3: four hosts upload to a new destination; only the first two
    // are rare, and for the fourth it is already common.
    for i in 1..=4 {
        let t = T0 + 50 * HOUR + i64::from(i) * HOUR;
        let ip = format!("10.0.0.{i}");
        evs.push(sysmon3(
            t,
            &format!("WS{i}"),
            &ip,
            r"C:\Edge\msedge.exe",
            "89.44.169.135",
            "g.api.mega.co.nz",
        ));
        evs.extend(zeek(
            t + 10,
            &ip,
            "89.44.169.135",
            "g.api.mega.co.nz",
            50 << 20,
            &format!("U{i}"),
        ));
    }
    let out = run(&mut engine(Policy::default()), &evs);
    let risks: Vec<u8> = by(&out, "new-destination")
        .iter()
        .map(|f| f.risk_score)
        .collect();
    assert_eq!(
        risks,
        [7, 7, 7, 4],
        "cloud storage; common after three hosts"
    );
    let rare: Vec<String> = by(&out, "rare-destination")
        .iter()
        .map(|f| f.fields["host_key"].clone())
        .collect();
    assert_eq!(rare, ["ws1", "ws2"]);
}

#[test]
fn a_call_that_receives_as_much_as_it_sends_is_not_an_upload() {
    let mut evs = story();
    if let Some(conn) = evs.last_mut() {
        conn.entity.bytes_in = Some(280 << 20);
    }
    let out = run(&mut engine(Policy::default()), &evs);
    let fsp = by(&out, "first-seen-process");
    assert_eq!(fsp.len(), 1);
    assert_eq!(fsp[0].risk_score, 3, "new program, no upload");
    assert!(by(&out, "new-destination").is_empty());
    assert!(by(&out, "rare-destination").is_empty());
}

/// An auditd connect: a Linux host's program, no source address.
fn auditd_connect(t: i64, host: &str, image: &str, dst: &str) -> Event {
    let mut ev = Event::new(SourceKind::Auditd, origin(4), "{}");
    ev.push_str(Arc::from("node"), host);
    ev.push_str(Arc::from("exe"), image);
    ev.push_str(Arc::from("Initiated"), "true");
    ev.entity.host = ev.get("node").cloned();
    ev.entity.image = ev.get("exe").cloned();
    ev.entity.dst_ip = dst.parse().ok();
    ev.entity.dst_port = Some(443);
    ev.ts = Some(Timestamp(t * 1_000));
    with_ls(ev, "linux", Some("network_connection"), None)
}

#[test]
fn a_linux_program_is_joined_to_its_flows_by_address_and_port() {
    let mut evs = Vec::new();
    for h in 0..30 {
        evs.push(auditd_connect(
            T0 + h * HOUR,
            "srv-1",
            "/usr/bin/git",
            "140.82.121.4",
        ));
    }
    let t = T0 + 30 * HOUR;
    evs.push(auditd_connect(
        t,
        "srv-1",
        "/usr/local/bin/rclone",
        "162.125.1.18",
    ));
    // Another host's flow to the same address a minute later is not ours.
    evs.extend(zeek(
        t + 60_000_000,
        "10.0.0.8",
        "162.125.1.18",
        "content.dropboxapi.com",
        900 << 20,
        "X1",
    ));
    evs.extend(zeek(
        t + 1_000,
        "10.0.0.9",
        "162.125.1.18",
        "content.dropboxapi.com",
        400 << 20,
        "X2",
    ));
    let out = run(&mut engine(Policy::default()), &evs);
    let fsp = by(&out, "first-seen-process");
    assert_eq!(fsp.len(), 1, "{fsp:?}");
    assert_eq!(fsp[0].entity.host.as_deref(), Some("srv-1"));
    assert_eq!(fsp[0].bytes_out, Some(400 << 20));
    assert_eq!(fsp[0].risk_score, 7);
}

#[test]
fn another_hosts_flow_a_minute_later_is_not_taken_for_a_linux_program() {
    let mut evs = Vec::new();
    for h in 0..30 {
        evs.push(auditd_connect(
            T0 + h * HOUR,
            "srv-1",
            "/usr/bin/git",
            "140.82.121.4",
        ));
    }
    let t = T0 + 30 * HOUR;
    evs.push(auditd_connect(
        t,
        "srv-1",
        "/usr/local/bin/rclone",
        "162.125.1.18",
    ));
    evs.extend(zeek(
        t + 60_000_000,
        "10.0.0.8",
        "162.125.1.18",
        "content.dropboxapi.com",
        900 << 20,
        "X1",
    ));
    let out = run(&mut engine(Policy::default()), &evs);
    let fsp = by(&out, "first-seen-process");
    assert_eq!(fsp.len(), 1, "{fsp:?}");
    assert_eq!(fsp[0].bytes_out, None);
    assert_eq!(fsp[0].risk_score, 3);
}
