//! `large-transfer` on real-shaped records: the Sysmon 3 ↔ conn join names
//! the process, ssl/DNS name Zeek conn flows (even when conn comes first),
//! one upload seen by Zeek, the firewall and the proxy is counted once,
//! windows expire, and the state survives a snapshot.

mod support;

use outflow_analytics::stateful::large_transfer;
use outflow_analytics::{AnalyticsEngine, StatefulAnalytic};
use outflow_detect::{Analytic, Finding};
use outflow_event::Timestamp;
use support::{ctx, read_inputs, run, Upload, DAY0, MB, PROXYSG_HEADER};

fn upload(i: u16, ts: f64, out: u64) -> Upload {
    Upload {
        ts,
        uid: Box::leak(format!("Cup{i:04}").into_boxed_str()),
        host: "WS-HR-02.corp.example",
        image: r"C:\Users\eve\rclone.exe",
        src: "10.20.1.23",
        sport: 50_000 + i,
        dst: "31.216.144.5",
        domain: "g.api.mega.co.nz",
        out,
        inn: out / 100,
    }
}

fn large(ctx: &std::sync::Arc<outflow_analytics::Ctx>) -> Vec<Box<dyn StatefulAnalytic>> {
    vec![large_transfer::build(ctx).expect("large-transfer settings")]
}

fn mine(found: Vec<Finding>) -> Vec<Finding> {
    found
        .into_iter()
        .filter(|f| f.rule.id == "outflow.large-transfer")
        .collect()
}

#[test]
fn sysmon_join_names_the_process_and_ssl_names_the_conn() {
    let ups: Vec<Upload> = (0..6)
        .map(|i| upload(i, DAY0 + 15.0 * 3600.0 + f64::from(i) * 60.0, 12 * MB))
        .collect();
    let sysmon: String = ups.iter().map(|u| u.sysmon3() + "\n").collect();
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let ssl: String = ups.iter().map(|u| u.ssl() + "\n").collect();
    let events = read_inputs(&[
        ("sysmon.jsonl", sysmon),
        ("conn.log", conn),
        ("ssl.log", ssl),
    ]);
    let ctx = ctx(None, None);
    let found = mine(run(&ctx, large(&ctx), &events));
    assert_eq!(
        found.len(),
        1,
        "one alert per host, destination and window: {found:#?}"
    );
    let f = &found[0];
    assert_eq!(f.entity.host.as_deref(), Some("WS-HR-02.corp.example"));
    assert_eq!(f.entity.image.as_deref(), Some(r"C:\Users\eve\rclone.exe"));
    assert_eq!(f.entity.user.as_deref(), Some(r"CORP\alice"));
    let d = f.destination.as_ref().expect("destination");
    assert_eq!(
        d.domain.as_deref(),
        Some("g.api.mega.co.nz"),
        "named by ssl"
    );
    assert_eq!(d.service.as_deref(), Some("MEGA"));
    assert_eq!(f.attack, vec!["T1567.002".to_string()]);
    assert_eq!(f.bytes_out, Some(72 * MB));
    assert_eq!(f.risk_score, 8, "over 50 MB in an hour, under 100 MB");
    assert_eq!(f.fields["flows"], "6");
    assert_eq!(f.fields["counted_by"], "zeek");
    assert!(!f.evidence.is_empty() && f.evidence.len() <= 10);
}

#[test]
fn dns_answers_name_a_conn_without_ssl() {
    let ups: Vec<Upload> = (0..3)
        .map(|i| upload(i, DAY0 + 10.0 * 3600.0 + f64::from(i) * 30.0, 40 * MB))
        .collect();
    let dns: String = ups.iter().map(|u| u.dns() + "\n").collect();
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let events = read_inputs(&[("dns.log", dns), ("conn.log", conn)]);
    let ctx = ctx(None, None);
    let found = mine(run(&ctx, large(&ctx), &events));
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(
        f.destination.as_ref().and_then(|d| d.service.as_deref()),
        Some("MEGA")
    );
    assert_eq!(f.risk_score, 9, "120 MB in an hour");
    // No Sysmon: the host is its address.
    assert_eq!(f.entity.host.as_deref(), Some("10.20.1.23"));
}

#[test]
fn one_upload_seen_by_three_sensors_is_counted_once() {
    let ups: Vec<Upload> = (0..4)
        .map(|i| upload(i, DAY0 + 9.0 * 3600.0 + f64::from(i) * 120.0, 15 * MB))
        .collect();
    let sysmon: String = ups.iter().map(|u| u.sysmon3() + "\n").collect();
    let dns: String = ups.iter().map(|u| u.dns() + "\n").collect();
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let ssl: String = ups.iter().map(|u| u.ssl() + "\n").collect();
    let fw: String = ups.iter().map(|u| u.panos() + "\n").collect();
    let proxy: String =
        PROXYSG_HEADER.to_string() + &ups.iter().map(|u| u.proxysg() + "\n").collect::<String>();
    let events = read_inputs(&[
        ("sysmon.jsonl", sysmon),
        ("dns.log", dns),
        ("conn.log", conn),
        ("ssl.log", ssl),
        ("panos.log", fw),
        ("proxysg.log", proxy),
    ]);
    let ctx = ctx(None, None);
    let found = mine(run(&ctx, large(&ctx), &events));
    assert_eq!(found.len(), 1, "one alert, not one per sensor: {found:#?}");
    let f = &found[0];
    assert_eq!(f.bytes_out, Some(60 * MB), "60 MB, not 180 MB");
    assert_eq!(f.risk_score, 8);
    let sensors = &f.fields["sensors"];
    for fam in ["zeek=", "firewall=", "proxy="] {
        assert!(sensors.contains(fam), "{sensors}");
    }
    assert_eq!(f.entity.host.as_deref(), Some("WS-HR-02.corp.example"));
    assert_eq!(f.entity.image.as_deref(), Some(r"C:\Users\eve\rclone.exe"));
}

#[test]
fn windows_expire_and_state_is_bounded() {
    // 30 MB every two hours: no window holds 50 MB; the first upload is a
    // single-flow alert (a catalogued, unsanctioned service) of lower risk,
    // and the same host and service raise no other for a day.
    let ups: Vec<Upload> = (0..4)
        .map(|i| upload(i, DAY0 + f64::from(i) * 7200.0, 30 * MB))
        .collect();
    let dns: String = ups.iter().map(|u| u.dns() + "\n").collect();
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let events = read_inputs(&[("dns.log", dns), ("conn.log", conn)]);
    let ctx = ctx(None, None);
    let mut engine = AnalyticsEngine::new(ctx.clone(), large(&ctx));
    let mut out = Vec::new();
    for ev in &events {
        engine.process(ev, &mut out);
    }
    assert!(engine.state_len() > 0);
    // Over a week later nothing is held: windows, joins, held flows, the
    // single-flow memory and the destination's prevalence all expire. (The
    // engine keeps only what an engine without analytics keeps: host names
    // by address.)
    let later = Timestamp(((DAY0 + 9.0 * 86_400.0) * 1e9) as i64);
    engine.advance(later, &mut out);
    let mut bare = AnalyticsEngine::new(ctx.clone(), Vec::new());
    let mut none = Vec::new();
    for ev in &events {
        bare.process(ev, &mut none);
    }
    bare.advance(later, &mut none);
    assert_eq!(engine.state_len(), bare.state_len());
    let found = mine(out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found.iter().all(|f| f.risk_score == 5), "{found:#?}");
    assert!(found
        .iter()
        .all(|f| f.fields["reason"].contains("flow(s) over")));
}

#[test]
fn sanctioned_services_and_internal_destinations_raise_nothing() {
    let mut u = upload(1, DAY0 + 3600.0, 200 * MB);
    u.domain = "corpexample.sharepoint.com";
    let mut internal = upload(2, DAY0 + 3700.0, 200 * MB);
    internal.dst = "10.20.0.40";
    let conn = format!("{}\n{}\n", u.conn(), internal.conn());
    let ssl = format!("{}\n{}\n", u.ssl(), internal.ssl());
    let events = read_inputs(&[("conn.log", conn), ("ssl.log", ssl)]);
    let policy = outflow_intel::Policy::from_yaml(
        "test policy",
        "sanctioned:\n  tenants:\n    - service: sharepoint_online\n      tenants: [corpexample]\n",
    );
    let Ok(policy) = policy else {
        panic!("policy: {:?}", policy.err());
    };
    let base = ctx(None, None);
    let ctx = std::sync::Arc::new(outflow_analytics::Ctx::new(
        base.intel.clone(),
        std::sync::Arc::new(policy),
        base.config.clone(),
    ));
    let found = mine(run(&ctx, large(&ctx), &events));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn snapshot_and_restore_keep_an_open_window() {
    let ups: Vec<Upload> = (0..6)
        .map(|i| upload(i, DAY0 + 3600.0 + f64::from(i) * 60.0, 10 * MB))
        .collect();
    let dns: String = ups.iter().map(|u| u.dns() + "\n").collect();
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    let events = read_inputs(&[("dns.log", dns), ("conn.log", conn)]);
    let ctx = ctx(None, None);
    let mut first = AnalyticsEngine::new(ctx.clone(), large(&ctx));
    let mut out = Vec::new();
    // The first three uploads, then a checkpoint.
    let half = events.len() / 2;
    for ev in &events[..half] {
        first.process(ev, &mut out);
    }
    let state = first.snapshot_parts();
    let text = serde_json::to_string(&state).expect("json");
    let mut second = AnalyticsEngine::new(ctx.clone(), large(&ctx));
    second
        .restore_parts(serde_json::from_str(&text).expect("json"))
        .expect("restore");
    assert_eq!(second.snapshot_parts(), state, "round trip");
    for ev in &events[half..] {
        second.process(ev, &mut out);
    }
    second.finish(&mut out);
    let found = mine(out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].bytes_out, Some(60 * MB), "both halves counted");
    let bad = vec![(
        "large-transfer".to_string(),
        serde_json::json!({"version": 9, "episodes": []}),
    )];
    assert!(second.restore_parts(bad).is_err());
}
