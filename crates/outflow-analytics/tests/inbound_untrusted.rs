//! `inbound-untrusted` over Zeek conn, PAN-OS and Sysmon records read
//! through the real readers: outside sessions that reach internal hosts,
//! riskier through a tunnel; handshakes that failed, outbound traffic,
//! published services and DMZ traffic stay silent.

mod support;

use outflow_analytics::stateful::inbound_untrusted::{self, InboundUntrusted};
use outflow_analytics::{Ctx, StatefulAnalytic};
use outflow_event::Event;
use serde_json::json;
use std::sync::Arc;
use support::{ctx, light_sim, read_via_file, run_snapshot};

/// Sysmon 1 (ngrok.exe starts) and 3 (it connects to connect.ngrok-agent.com
/// from 10.20.1.20) on WS-OPS-03, at 2026-11-18T10:19:08Z and 10:19:10Z.
const NGROK_SYSMON: &str = include_str!("fixtures/ngrok-sysmon.jsonl");

fn build(c: &Arc<Ctx>) -> Box<dyn StatefulAnalytic> {
    inbound_untrusted::build(c).unwrap()
}

/// A Zeek conn record (JSON).
fn conn(ts: f64, orig: &str, resp: &str, port: u16, state: &str) -> String {
    let local = |ip: &str| ip.starts_with("10.");
    json!({"_path": "conn", "ts": ts, "uid": format!("C{}{}", ts as u64, port), "id.orig_h": orig, "id.orig_p": 50123,
        "id.resp_h": resp, "id.resp_p": port, "proto": "tcp", "duration": 12.5, "orig_bytes": 5120,
        "resp_bytes": 880000, "conn_state": state, "local_orig": local(orig), "local_resp": local(resp),
        "missed_bytes": 0, "history": "ShADadFf", "orig_pkts": 40, "orig_ip_bytes": 7200,
        "resp_pkts": 600, "resp_ip_bytes": 900000, "tunnel_parents": []})
    .to_string()
}

fn zeek(lines: &[String]) -> Vec<Event> {
    read_via_file("conn.json.log", &(lines.join("\n") + "\n"))
}

/// A PAN-OS TRAFFIC record, zones and rule given.
#[allow(clippy::too_many_arguments)] // one per record field the tests vary
fn panos(
    src: &str,
    dst: &str,
    nat_dst: &str,
    port: u16,
    from: &str,
    to: &str,
    rule: &str,
    action: &str,
) -> String {
    format!("<14>Nov 18 10:30:00 pa-fw01 1,2026/11/18 10:30:00,013201001234,TRAFFIC,end,2561,2026/11/18 10:30:00,{src},{dst},0.0.0.0,{nat_dst},{rule},,,ms-rdp,vsys1,{from},{to},ethernet1/1,ethernet1/2,Log-Forwarding,,200001,1,51000,{port},0,{port},0x400064,tcp,{action},90000,5000,85000,120,2026/11/18 10:29:00,60,any,0,7301200001,0x0,US,10.0.0.0-10.255.255.255,0,40,80,tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,")
}

fn firewall(lines: &[String]) -> Vec<Event> {
    read_via_file("panos-traffic.log", &(lines.join("\n") + "\n"))
}

// 2026-11-18T10:30:00Z
const T: f64 = 1_794_997_800.0;

#[test]
fn an_outside_session_to_an_internal_host_is_reported_once() {
    let lines = vec![
        conn(T, "198.51.100.20", "10.20.1.30", 3389, "SF"),
        conn(T + 60.0, "198.51.100.20", "10.20.1.30", 3389, "SF"),
    ];
    let (found, _) = run_snapshot(&ctx(None, None), build, &zeek(&lines));
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule.id, "outflow.inbound-untrusted");
    assert_eq!(f.d3fend, vec!["D3-ITF".to_string()]);
    assert_eq!(f.attack, vec!["T1133".to_string()]);
    assert_eq!(f.entity.host.as_deref(), Some("10.20.1.30"));
    assert_eq!(f.fields["source_ip"], "198.51.100.20");
    assert_eq!(f.destination.as_ref().unwrap().port, Some(3389));
    assert_eq!(f.risk_score, 5);
    assert!(!f.fields.contains_key("via_tunnel"));
}

#[test]
fn failed_handshakes_outbound_traffic_and_published_services_are_silent() {
    let lines = vec![
        conn(T, "198.51.100.20", "10.20.1.30", 445, "S0"),
        conn(T, "198.51.100.20", "10.20.1.30", 22, "REJ"),
        conn(T, "10.20.1.30", "198.51.100.20", 443, "SF"),
        conn(T, "10.20.1.30", "10.20.1.31", 445, "SF"),
        conn(T, "198.51.100.20", "10.20.0.10", 443, "SF"),
        conn(T, "198.51.100.21", "10.20.5.9", 25, "SF"),
    ];
    let settings = "analytics:\n  inbound-untrusted:\n    exposed_services: [\"10.20.0.10:443\", 10.20.5.0/24]\n";
    let (found, _) = run_snapshot(&ctx(None, Some(settings)), build, &zeek(&lines));
    assert!(found.is_empty(), "{found:#?}");
    // The published server on another port is not published.
    let (found, _) = run_snapshot(
        &ctx(None, Some(settings)),
        build,
        &zeek(&[conn(T, "198.51.100.20", "10.20.0.10", 3389, "SF")]),
    );
    assert_eq!(found.len(), 1);
}

#[test]
fn the_policy_says_what_is_internal() {
    // 203.0.113.0/24 is the organisation's own (public) range here.
    let policy = "internal_networks: [10.0.0.0/8, 203.0.113.0/24]\n";
    let lines = vec![
        conn(T, "198.51.100.20", "203.0.113.40", 22, "SF"),
        conn(T, "203.0.113.41", "10.20.1.5", 22, "SF"),
    ];
    let (found, _) = run_snapshot(&ctx(Some(policy), None), build, &zeek(&lines));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields["internal_ip"], "203.0.113.40");
}

#[test]
fn firewall_sessions_from_untrust_to_trust_but_not_to_the_dmz_or_published_rules() {
    let lines = vec![
        panos(
            "198.51.100.20",
            "198.51.100.7",
            "10.20.1.30",
            3389,
            "untrust",
            "trust",
            "temp-any-in",
            "allow",
        ),
        panos(
            "198.51.100.20",
            "198.51.100.8",
            "10.20.9.10",
            443,
            "untrust",
            "dmz",
            "web-in",
            "allow",
        ),
        panos(
            "198.51.100.20",
            "198.51.100.9",
            "10.20.1.31",
            443,
            "untrust",
            "trust",
            "publish-intranet",
            "allow",
        ),
        panos(
            "198.51.100.20",
            "198.51.100.7",
            "10.20.1.32",
            3389,
            "untrust",
            "trust",
            "deny-all",
            "deny",
        ),
    ];
    let settings = "analytics:\n  inbound-untrusted:\n    exposed_rules: [publish-intranet]\n";
    let (found, _) = run_snapshot(&ctx(None, Some(settings)), build, &firewall(&lines));
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    // Behind destination NAT, the internal address is the translated one.
    assert_eq!(f.fields["internal_ip"], "10.20.1.30");
    assert_eq!(f.fields["from_zone"], "untrust");
    assert_eq!(f.fields["firewall_rule"], "temp-any-in");
}

#[test]
fn through_a_tunnel_the_risk_goes_up() {
    let mut events = read_via_file("sysmon.jsonl", NGROK_SYSMON);
    events.extend(zeek(&[
        // From the tunnel provider's address the host connected to.
        conn(1_794_997_200.0, "3.20.27.198", "10.20.1.20", 445, "SF"),
        // From elsewhere, to the same host, while its tunnel is up.
        conn(1_794_997_300.0, "198.51.100.20", "10.20.1.20", 3389, "SF"),
        // Another host: no tunnel there.
        conn(1_794_997_300.0, "198.51.100.20", "10.20.1.21", 3389, "SF"),
    ]));
    let (found, snap) = run_snapshot(&ctx(None, None), build, &events);
    assert_eq!(found.len(), 3, "{found:#?}");
    let by_dst = |ip: &str, src: &str| {
        found
            .iter()
            .find(|f| f.fields["internal_ip"] == ip && f.fields["source_ip"] == src)
            .unwrap()
    };
    let a = by_dst("10.20.1.20", "3.20.27.198");
    assert_eq!(a.risk_score, 8);
    assert!(
        a.fields["via_tunnel"].contains("address of tunnel service ngrok"),
        "{:?}",
        a.fields
    );
    assert!(a.attack.contains(&"T1572".to_string()));
    assert_eq!(a.entity.host.as_deref(), Some("ws-ops-03.corp.example"));
    let b = by_dst("10.20.1.20", "198.51.100.20");
    assert_eq!(b.risk_score, 8);
    assert!(
        b.fields["via_tunnel"].starts_with("the host "),
        "{:?}",
        b.fields
    );
    let c = by_dst("10.20.1.21", "198.51.100.20");
    assert_eq!(c.risk_score, 5);

    // The tunnel and host learnt survive a snapshot.
    let state = snap["analytics"]["inbound-untrusted"].clone();
    let later = zeek(&[conn(
        1_794_997_700.0,
        "198.51.100.99",
        "10.20.1.20",
        5985,
        "SF",
    )]);
    let (found, _) = run_snapshot(
        &ctx(None, None),
        |c| {
            let mut a = build(c);
            a.restore(state.clone()).unwrap();
            a
        },
        &later,
    );
    assert_eq!(found[0].risk_score, 8, "{found:#?}");
    let (found, _) = run_snapshot(&ctx(None, None), build, &later);
    assert_eq!(found[0].risk_score, 5);
}

#[test]
fn a_tunnel_client_starting_marks_its_host() {
    // Only the process start (Sysmon 1) and one connection of another
    // process naming the host's address.
    let mut lines = NGROK_SYSMON.lines();
    let start = lines.next().unwrap().to_string();
    let other = lines
        .next()
        .unwrap()
        .replace("ngrok.exe", "chrome.exe")
        .replace("connect.ngrok-agent.com", "www.example.com")
        .replace("3.20.27.198", "93.184.216.34");
    let mut events = read_via_file("sysmon.jsonl", &format!("{start}\n{other}\n"));
    events.extend(zeek(&[conn(
        1_794_997_200.0,
        "198.51.100.20",
        "10.20.1.20",
        445,
        "SF",
    )]));
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].fields["via_tunnel"].contains("tunnel client ngrok started"),
        "{:?}",
        found[0].fields
    );
    // After tunnel_window, the host is ordinary again.
    let mut events = read_via_file("sysmon.jsonl", &format!("{start}\n{other}\n"));
    events.extend(zeek(&[conn(
        1_794_997_200.0 + 7_200.0,
        "198.51.100.20",
        "10.20.1.20",
        445,
        "SF",
    )]));
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    assert_eq!(found[0].risk_score, 5, "{found:#?}");
}

#[test]
fn a_bad_setting_is_an_error_naming_it() {
    let c = ctx(
        None,
        Some("analytics:\n  inbound-untrusted:\n    exposed_services: [\"web:443\"]\n"),
    );
    let err = InboundUntrusted::new(&c).err().unwrap().to_string();
    assert!(
        err.contains("exposed_services[0]") && err.contains("web:443"),
        "{err}"
    );
    let c = ctx(
        None,
        Some("analytics:\n  inbound-untrusted:\n    tunnel_networks: [nowhere]\n"),
    );
    assert!(InboundUntrusted::new(&c).is_err());
}

#[test]
fn state_stays_bounded() {
    let c = ctx(
        None,
        Some("analytics:\n  inbound-untrusted:\n    max_state: 5\n"),
    );
    let mut a = InboundUntrusted::new(&c).unwrap();
    let lines: Vec<String> = (0..40)
        .map(|i| {
            conn(
                T + i as f64,
                &format!("198.51.100.{i}"),
                "10.20.1.30",
                3389,
                "SF",
            )
        })
        .collect();
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), vec![]);
    let mut out = Vec::new();
    for ev in zeek(&lines) {
        a.on_event(&engine.view(&ev), &mut out);
    }
    assert_eq!(out.len(), 5);
    assert!(a.state_len() <= 5 * 4);
}

#[test]
fn the_simulated_corpus_has_inbound_sessions_only_in_its_story() {
    // Every background flow starts inside; the one story that comes in
    // (SSH from 192.0.2.0/24 to a server, through destination NAT) is
    // reported, in the Zeek and firewall records alike, and nothing else.
    let events = light_sim().events(&[
        "firewall/panos-traffic.log",
        "zeek/conn.log",
        "zeek-branch/conn.json.log",
    ]);
    let (found, _) = run_snapshot(&ctx(None, None), build, &events);
    assert!(!found.is_empty());
    for f in &found {
        assert!(f.fields["source_ip"].starts_with("192.0.2."), "{f:#?}");
        assert_eq!(f.destination.as_ref().unwrap().port, Some(22), "{f:#?}");
        assert!(f.fields["internal_ip"].starts_with("10.20."), "{f:#?}");
    }
}
