//! The D3FEND network countermeasures over a simulated organisation (20
//! hosts, 3 days, the labelled exfiltration stories and the benign traps:
//! OneDrive sync, video calls, developers' git pushes, backups): each fires
//! on the stories it can see and raises no alert on background traffic.
//! Inbound traffic filtering (D3-ITF) included: SSH sessions from outside
//! to a server that runs a tunnel client.

mod support;

use outflow_analytics::stateful::{
    community_deviation, inbound_untrusted, payload_profile, protocol_anomaly, tunnel_relay,
};
use outflow_analytics::StatefulAnalytic;
use outflow_detect::Finding;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use support::{ctx, of, run_with_engine, sim};

struct Run {
    findings: Vec<Finding>,
    truth: Vec<Value>,
    snapshot: Value,
}

fn analytics(c: &std::sync::Arc<outflow_analytics::Ctx>) -> Vec<Box<dyn StatefulAnalytic>> {
    vec![
        community_deviation::build(c).unwrap(),
        payload_profile::build(c).unwrap(),
        protocol_anomaly::build(c).unwrap(),
        tunnel_relay::build(c).unwrap(),
        inbound_untrusted::build(c).unwrap(),
    ]
}

fn corpus() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        // The shared simulated corpus: 20 hosts, 3 days, seed 1.
        let sim = sim();
        let c = ctx(None, None);
        let (findings, engine) = run_with_engine(&c, analytics(&c), &sim.events);
        let snapshot = outflow_detect::Analytic::snapshot(&engine);
        Run {
            findings,
            truth: sim.truth.clone(),
            snapshot,
        }
    })
}

fn secs(t: &str) -> i64 {
    let ts = outflow_event::time::parse_iso8601(t).unwrap();
    ts.0 / 1_000_000_000
}

/// The story a finding belongs to: same host (name or address), in the
/// story's time (a long session is reported when it ends), preferring the
/// story whose destination the finding names.
fn story_of(f: &Finding, truth: &[Value]) -> Option<String> {
    let host = f.entity.host.as_deref()?;
    let short = if host.parse::<std::net::IpAddr>().is_ok() {
        host
    } else {
        host.split('.').next().unwrap_or(host)
    };
    let t = f.timestamp?.0 / 1_000_000_000;
    let has = |s: &Value, key: &str| {
        s[key]
            .as_array()
            .is_some_and(|a| a.iter().any(|h| h.as_str() == Some(short)))
    };
    let cands: Vec<&Value> = truth
        .iter()
        .filter(|s| has(s, "hosts") || has(s, "host_ips"))
        .filter(|s| {
            let (a, b) = (
                secs(s["start"].as_str().unwrap()),
                secs(s["end"].as_str().unwrap()),
            );
            a - 600 <= t && t <= b + 36_000
        })
        .collect();
    let dom = f
        .destination
        .as_ref()
        .and_then(|d| d.domain.clone())
        .unwrap_or_default();
    let tail: Vec<&str> = dom.rsplit('.').take(2).collect();
    let tail = format!(
        "{}.{}",
        tail.get(1).unwrap_or(&""),
        tail.first().unwrap_or(&"")
    );
    cands
        .iter()
        .find(|s| !dom.is_empty() && s["destination"].as_str().unwrap().ends_with(&tail))
        .or(cands.first())
        .map(|s| s["id"].as_str().unwrap()[..3].to_string())
}

/// (stories hit, findings that belong to no story).
fn score(id: &str) -> (BTreeSet<String>, Vec<&'static Finding>) {
    let run = corpus();
    let mut hit = BTreeSet::new();
    let mut stray = Vec::new();
    for f in of(&run.findings, id) {
        match story_of(f, &run.truth) {
            Some(s) => {
                hit.insert(s);
            }
            None => stray.push(f),
        }
    }
    (hit, stray)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn describe(fs: &[&Finding]) -> Vec<String> {
    fs.iter()
        .map(|f| {
            f.evidence
                .first()
                .map(|e| e.summary.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// Benign traps: video calls, OneDrive/SharePoint sync, git, Box, the
/// organisation's backups — never an alert of these analytics.
fn on_benign_trap(f: &Finding) -> bool {
    let d = f
        .destination
        .as_ref()
        .and_then(|d| d.domain.clone())
        .unwrap_or_default();
    [
        "teams.microsoft.com",
        "zoom.us",
        "sharepoint.com",
        "corp-example-backups",
        "app.box.com",
    ]
    .iter()
    .any(|b| d.contains(b))
}

#[test]
fn community_deviation_flags_uploads_no_peer_makes() {
    let (hit, stray) = score(community_deviation::ID);
    let want = set(&["S01", "S06", "S09", "S12", "S13", "S22", "S24", "S27"]);
    assert!(want.is_subset(&hit), "missing {:?}", want.difference(&hit));
    assert!(stray.is_empty(), "{:?}", describe(&stray));
    let all = of(&corpus().findings, community_deviation::ID);
    assert!(!all.iter().any(|f| on_benign_trap(f)));
}

#[test]
fn payload_profile_flags_the_oversized_push_only() {
    let (hit, stray) = score(payload_profile::ID);
    assert_eq!(hit, set(&["S19"]));
    assert!(stray.is_empty(), "{:?}", describe(&stray));
}

#[test]
fn protocol_anomaly_flags_scripted_uploads() {
    let (hit, stray) = score(protocol_anomaly::ID);
    let want = set(&["S08", "S09", "S11", "S13", "S15", "S25", "S27"]);
    assert!(want.is_subset(&hit), "missing {:?}", want.difference(&hit));
    assert!(stray.is_empty(), "{:?}", describe(&stray));
}

#[test]
fn tunnel_relay_flags_the_tunnels_and_no_video_call() {
    let (hit, stray) = score(tunnel_relay::ID);
    // The three tunnels out, and the tunnel of the server reached from outside.
    assert_eq!(hit, set(&["S22", "S23", "S24", "S31"]));
    assert!(stray.is_empty(), "{:?}", describe(&stray));
    let all = of(&corpus().findings, tunnel_relay::ID);
    assert!(!all.iter().any(|f| on_benign_trap(f)));
    // ngrok: the process start, the connection and the 9-hour session make one alert.
    let ngrok: Vec<_> = all
        .iter()
        .filter(|f| f.fields.get("tunnel_tools").is_some_and(|t| t == "ngrok"))
        .collect();
    assert_eq!(ngrok.len(), 1);
    assert_eq!(ngrok[0].fields["relay_services"], "ngrok");
    assert!(
        ngrok[0].fields["longest_session_seconds"]
            .parse::<f64>()
            .unwrap()
            > 8.0 * 3600.0
    );
    assert!(ngrok[0].bytes_out.unwrap() > 3_000_000_000);
    assert!(ngrok[0].risk_score >= 8);
}

#[test]
fn inbound_untrusted_flags_the_sessions_into_the_tunnelled_server() {
    let (hit, stray) = score(inbound_untrusted::NAME);
    assert_eq!(hit, set(&["S31"]));
    assert!(stray.is_empty(), "{:?}", describe(&stray));
    let all = of(&corpus().findings, inbound_untrusted::NAME);
    // Sessions within the hour from one source to one port make one alert,
    // raised to the tunnel risk: the server had just reached Cloudflare's edge.
    assert_eq!(all.len(), 1, "{:?}", describe(&all));
    let f = all[0];
    assert_eq!(f.risk_score, 8);
    assert_eq!(f.attack, ["T1133", "T1572"]);
    assert!(
        f.fields["via_tunnel"].contains("Cloudflare Tunnel"),
        "{:?}",
        f.fields
    );
    assert!(f.fields["source_ip"].starts_with("192.0.2."));
    assert_eq!(f.destination.as_ref().unwrap().port, Some(22));
}

#[test]
fn states_restore_into_fresh_analytics() {
    let snap = &corpus().snapshot["analytics"];
    let c = ctx(None, None);
    for mut a in analytics(&c) {
        let part = snap[a.name()].clone();
        assert!(!part.is_null(), "{} kept no state", a.name());
        a.restore(part).unwrap();
        assert!(a.state_len() > 0, "{} restored nothing", a.name());
        a.restore(serde_json::json!({"nonsense": 1})).unwrap_err();
    }
}
