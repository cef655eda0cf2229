//! `upload-ratio` (D3-PHDURA): a day far above the host's own baseline of
//! bytes out and out/in ratio; nothing while the host is learning or on an
//! ordinary day; the baseline survives a snapshot and restore.

mod support;

use outflow_analytics::stateful::upload_ratio::UploadRatio;
use outflow_analytics::AnalyticsEngine;
use outflow_detect::{Analytic, Finding};
use outflow_event::{Event, Timestamp};
use support::{ctx, read_inputs, Upload, DAY0, MB};

/// A day of a host's traffic: `n` flows of `out`/`inn` bytes each.
fn day(d: u32, n: u16, out: u64, inn: u64, dst: &'static str) -> Vec<Upload> {
    (0..n)
        .map(|i| Upload {
            ts: DAY0 + f64::from(d) * 86_400.0 + 9.0 * 3600.0 + f64::from(i) * 300.0,
            uid: Box::leak(format!("C{d}x{i:04}").into_boxed_str()),
            host: "WS-ENG-01.corp.example",
            image: r"C:\Windows\System32\curl.exe",
            src: "10.20.1.11",
            sport: 40_000 + i,
            dst,
            domain: "example.org",
            out,
            inn,
        })
        .collect()
}

fn events(ups: &[Upload]) -> Vec<Event> {
    let conn: String = ups.iter().map(|u| u.conn() + "\n").collect();
    read_inputs(&[("conn.log", conn)])
}

/// The engine running upload-ratio alone (it shares the engine's
/// flow-to-transfer join).
fn ratio() -> AnalyticsEngine {
    let ctx = ctx(None, None);
    let a = UploadRatio::new(&ctx).expect("settings");
    AnalyticsEngine::new(ctx, vec![Box::new(a)])
}

fn feed(a: &mut AnalyticsEngine, evs: &[Event], out: &mut Vec<Finding>) {
    for ev in evs {
        a.process(ev, out);
    }
}

/// Day 0: browsing (2 MB out, 60 MB in); day 1: 400 MB out to one address.
fn baseline_then_burst() -> (Vec<Event>, Vec<Event>) {
    let normal = events(&day(0, 20, 100_000, 3 * MB, "93.184.215.14"));
    let mut burst_ups = day(1, 20, 100_000, 3 * MB, "93.184.215.14");
    burst_ups.extend(
        day(1, 8, 50 * MB, 200_000, "185.199.108.1")
            .into_iter()
            .map(|mut u| {
                u.sport += 1000;
                u.uid = Box::leak(format!("B{}", u.uid).into_boxed_str());
                u
            }),
    );
    (normal, events(&burst_ups))
}

#[test]
fn a_day_far_above_the_hosts_baseline_raises_one_alert() {
    let (normal, burst) = baseline_then_burst();
    let mut a = ratio();
    let mut out = Vec::new();
    feed(&mut a, &normal, &mut out);
    feed(&mut a, &burst, &mut out);
    a.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    let f = &out[0];
    assert_eq!(f.rule.id, "outflow.upload-ratio");
    assert_eq!(f.d3fend, vec!["D3-PHDURA".to_string()]);
    assert_eq!(f.fields["day"], "2026-11-17");
    assert_eq!(f.bytes_out, Some(402 * MB));
    assert_eq!(f.entity.host.as_deref(), Some("10.20.1.11"));
    assert!(f.fields["top_destinations"].contains("185.199.108.1"));
    assert!(!f.evidence.is_empty());
}

#[test]
fn a_named_host_is_reported_by_name_with_its_address() {
    let (normal, burst) = baseline_then_burst();
    let mut a = ratio();
    // As `host_aliases` of the incidents settings name it.
    a.alias_host("10.20.1.11".parse().unwrap(), "WS-ENG-01.corp.example");
    let mut out = Vec::new();
    feed(&mut a, &normal, &mut out);
    feed(&mut a, &burst, &mut out);
    a.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    let e = &out[0].entity;
    assert_eq!(e.host.as_deref(), Some("WS-ENG-01.corp.example"));
    assert_eq!(e.host_ip.as_deref(), Some("10.20.1.11"));
}

#[test]
fn learning_and_ordinary_days_raise_nothing() {
    let (normal, burst) = baseline_then_burst();
    // The burst day alone: no earlier day to compare with.
    let mut a = ratio();
    let mut out = Vec::new();
    feed(&mut a, &burst, &mut out);
    a.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
    // Two ordinary days.
    let mut a = ratio();
    let same = events(&day(1, 20, 100_000, 3 * MB, "93.184.215.14"));
    feed(&mut a, &normal, &mut out);
    feed(&mut a, &same, &mut out);
    a.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn the_baseline_survives_snapshot_and_restore() {
    let (normal, burst) = baseline_then_burst();
    let mut first = ratio();
    let mut out = Vec::new();
    feed(&mut first, &normal, &mut out);
    // The end of the run closes day 0 into the baseline.
    let end = ((DAY0 + 86_400.0 + 3600.0) * 1e9) as i64;
    first.advance(Timestamp(end), &mut out);
    let state = serde_json::to_string(&first.snapshot_parts()).expect("json");
    let mut second = ratio();
    second
        .restore_parts(serde_json::from_str(&state).expect("json"))
        .expect("restore");
    assert_eq!(
        serde_json::to_string(&second.snapshot_parts()).expect("json"),
        state
    );
    feed(&mut second, &burst, &mut out);
    second.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    let bad = vec![("upload-ratio".to_string(), serde_json::json!({"hosts": 3}))];
    assert!(second.restore_parts(bad).is_err());
}
