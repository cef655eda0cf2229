//! `outbound-policy` on firewall, proxy and Zeek records: the simulated
//! stories to forbidden services, blocked traffic, sanctioned tenants, the
//! settings' own list, and the note when nothing is forbidden.

mod support;

use outflow_analytics::registry;
use outflow_analytics::stateful::outbound_policy;
use outflow_analytics::StatefulAnalytic;
use std::collections::BTreeSet;
use std::sync::Arc;
use support::{ctx, light_sim, read_via_file, run_snapshot};

fn build(c: &Arc<outflow_analytics::Ctx>) -> Box<dyn StatefulAnalytic> {
    outbound_policy::build(c).unwrap()
}

const FORBID: &str = "forbidden:\n  categories: [paste]\n  services: [mega]\n";

/// A PAN-OS TRAFFIC record (syslog CSV).
fn panos(time: &str, src: &str, dst: &str, action: &str, sent: u64, app: &str) -> String {
    format!("<14>Nov 18 10:00:00 pa-fw01 1,{time},013201001234,TRAFFIC,end,2561,{time},{src},{dst},198.51.100.7,{dst},allow-outbound,corp\\dolsen,,{app},vsys1,trust,untrust,ethernet1/2,ethernet1/1,Log-Forwarding,,200001,1,62563,443,20001,443,0x40001c,tcp,{action},{total},{sent},1000,1154,{time},3,\"online-storage-and-backup,low-risk\",0,7301200001,0x0,10.0.0.0-10.255.255.255,NZ,0,4,1150,tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,", total = sent + 1000)
}

const SQUID: &str = "1794996000.000  40000 10.20.1.30 TCP_TUNNEL/200 {in} CONNECT {host}:443 {user} HIER_DIRECT/203.0.113.80 -\n";

fn squid(time: &str, code: &str, host: &str, user: &str, bytes: u64) -> String {
    SQUID
        .replace("1794996000.000", time)
        .replace("TCP_TUNNEL/200", code)
        .replace("{in}", &bytes.to_string())
        .replace("{host}", host)
        .replace("{user}", user)
}

/// A Zeek dns.log (TSV) with one answer per (client, query, address), at 2026-11-18T09:58:20Z.
fn zeek_dns(answers: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-11-18-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n");
    for (i, (client, query, addr)) in answers.iter().enumerate() {
        s.push_str(&format!("1794995900.000000\tCd{i}\t{client}\t5353\t10.20.0.2\t53\tudp\t1\t0.01\t{query}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t{addr}\t300.000000\tF\n"));
    }
    s
}

#[test]
fn fires_on_the_simulated_mega_and_pastebin_stories_only() {
    let truth = &light_sim().truth;
    let events = light_sim().events(&[
        "firewall/panos-traffic.log",
        "proxy/proxysg-access.log",
        "proxy/squid-access.log",
        "zeek/conn.log",
        "zeek/dns.log",
        "zeek/ssl.log",
        "zeek-branch/conn.json.log",
    ]);
    let (found, _) = run_snapshot(&ctx(Some(FORBID), None), build, &events);
    assert!(!found.is_empty());
    // Every alert belongs to a story's host, and names the forbidden service.
    let mut stories = BTreeSet::new();
    for f in &found {
        let who = f.entity.host.clone().unwrap_or_default();
        let story = truth.iter().find(|t| {
            let hosts = t["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .chain(t["host_ips"].as_array().unwrap());
            hosts
                .into_iter()
                .any(|h| h.as_str().unwrap().eq_ignore_ascii_case(&who))
                && (t["service"] == "MEGA" || t["service"].as_str().unwrap().contains("Pastebin"))
        });
        let story = story.unwrap_or_else(|| panic!("false alert: {f:#?}"));
        stories.insert(story["id"].as_str().unwrap()[..3].to_string());
        assert!(
            f.fields["forbidden_by"].starts_with("forbidden "),
            "{:?}",
            f.fields
        );
        assert!(f.bytes_out.is_none_or(|b| b > 0));
    }
    assert_eq!(
        stories.into_iter().collect::<Vec<_>>(),
        vec!["S01", "S02", "S18"],
        "{found:#?}"
    );
}

#[test]
fn allowed_sessions_are_summed_blocked_ones_are_not_reported() {
    let text = [
        panos(
            "2026/11/18 10:00:00",
            "10.20.1.30",
            "89.44.169.135",
            "allow",
            30_000_000,
            "mega",
        ),
        panos(
            "2026/11/18 10:10:00",
            "10.20.1.30",
            "89.44.169.135",
            "allow",
            20_000_000,
            "mega",
        ),
        panos(
            "2026/11/18 10:20:00",
            "10.20.1.31",
            "89.44.169.135",
            "deny",
            5_000,
            "mega",
        ),
        panos(
            "2026/11/18 10:21:00",
            "10.20.1.31",
            "89.44.169.135",
            "reset-both",
            5_000,
            "mega",
        ),
    ]
    .join("\n");
    let mut events = read_via_file("panos-traffic.log", &(text + "\n"));
    // The firewall names no host: a DNS answer of the same host does.
    events.extend(read_via_file(
        "dns.log",
        &zeek_dns(&[
            ("10.20.1.30", "g.api.mega.co.nz", "89.44.169.135"),
            ("10.20.1.31", "g.api.mega.co.nz", "89.44.169.135"),
        ]),
    ));
    let (found, _) = run_snapshot(&ctx(Some(FORBID), None), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.entity.host.as_deref(), Some("10.20.1.30"));
    assert_eq!(f.bytes_out, Some(50_000_000));
    assert_eq!(f.fields["sessions"], "2");
    assert_eq!(f.fields["forbidden_by"], "forbidden service mega");
    assert_eq!(f.d3fend, vec!["D3-OTF".to_string()]);
    assert_eq!(f.attack, vec!["T1567.002".to_string()]);
    assert_eq!(f.risk_score, 8); // 6, +1 for 10 MB or more, +1 for MEGA's upload API
    assert_eq!(f.evidence.len(), 2);
}

#[test]
fn the_same_traffic_seen_by_two_sensors_is_not_counted_twice() {
    let fw = read_via_file(
        "panos-traffic.log",
        &(panos(
            "2026/11/18 10:00:00",
            "10.20.1.30",
            "89.44.169.135",
            "allow",
            30_000_000,
            "mega",
        ) + "\n"),
    );
    let conn = serde_json::json!({"_path": "conn", "ts": 1_794_996_000.0, "uid": "Cz1", "id.orig_h": "10.20.1.30",
        "id.orig_p": 62563, "id.resp_h": "89.44.169.135", "id.resp_p": 443, "proto": "tcp", "duration": 3.0,
        "orig_bytes": 29_990_000, "resp_bytes": 1000, "conn_state": "SF", "local_orig": true, "local_resp": false,
        "missed_bytes": 0, "history": "ShADadFf", "orig_pkts": 40, "orig_ip_bytes": 7200, "resp_pkts": 60,
        "resp_ip_bytes": 9000, "tunnel_parents": []});
    let mut events = fw;
    events.extend(read_via_file("conn.json.log", &(conn.to_string() + "\n")));
    events.extend(read_via_file(
        "dns.log",
        &zeek_dns(&[("10.20.1.30", "g.api.mega.co.nz", "89.44.169.135")]),
    ));
    let (found, _) = run_snapshot(&ctx(Some(FORBID), None), build, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].bytes_out, Some(30_000_000));
    assert_eq!(found[0].fields["sessions"], "1");
    assert_eq!(found[0].fields["seen_by"], "panos, zeek-json");
    assert_eq!(found[0].evidence.len(), 2);
}

#[test]
fn proxy_denials_and_sanctioned_tenants_are_silent() {
    let text = [
        squid(
            "1794996000.000",
            "TCP_DENIED/403",
            "pastebin.com",
            "alice",
            3_000,
        ),
        squid(
            "1794996100.000",
            "TCP_TUNNEL/200",
            "corpexample.sharepoint.com",
            "alice",
            9_000_000,
        ),
        squid(
            "1794996200.000",
            "TCP_TUNNEL/200",
            "github.com",
            "alice",
            9_000_000,
        ),
    ]
    .concat();
    let forbid = "sanctioned:\n  tenants:\n    - {service: sharepoint_online, tenants: [corpexample]}\nforbidden:\n  categories: [paste, collaboration]\n";
    let (found, _) = run_snapshot(
        &ctx(Some(forbid), None),
        build,
        &read_via_file("access.log", &text),
    );
    assert!(found.is_empty(), "{found:#?}");
    // The same requests let through are reported (pastebin), the sanctioned tenant is not.
    let text = [
        squid(
            "1794996000.000",
            "TCP_TUNNEL/200",
            "pastebin.com",
            "alice",
            3_000,
        ),
        squid(
            "1794996100.000",
            "TCP_TUNNEL/200",
            "corpexample.sharepoint.com",
            "alice",
            9_000_000,
        ),
    ]
    .concat();
    let (found, _) = run_snapshot(
        &ctx(Some(forbid), None),
        build,
        &read_via_file("access.log", &text),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].destination.as_ref().unwrap().domain.as_deref(),
        Some("pastebin.com")
    );
    assert_eq!(found[0].entity.user.as_deref(), Some("alice"));
}

#[test]
fn the_settings_own_forbidden_list_works_and_none_means_a_note() {
    let text = squid(
        "1794996000.000",
        "TCP_TUNNEL/200",
        "paste.example.org",
        "bob",
        3_000,
    ) + &squid(
        "1794996000.000",
        "TCP_TUNNEL/200",
        "198.51.100.9",
        "bob",
        3_000,
    );
    let settings = "analytics:\n  outbound-policy:\n    forbidden:\n      destinations: [\"*.example.org\", 198.51.100.0/24]\n";
    let (found, _) = run_snapshot(
        &ctx(None, Some(settings)),
        build,
        &read_via_file("access.log", &text),
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    let bad = "analytics:\n  outbound-policy:\n    forbidden:\n      categories: [pastes]\n";
    let err = outbound_policy::OutboundPolicy::new(&ctx(None, Some(bad)))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("pastes") && err.contains("outbound-policy"),
        "{err}"
    );

    let none = ctx(None, None);
    let notes = registry::notes(&none);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("outbound-policy not run")),
        "{notes:?}"
    );
    let names: Vec<String> = registry::builtin(&none)
        .unwrap()
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    assert!(!names.contains(&"outbound-policy".to_string()), "{names:?}");
    let some = ctx(Some(FORBID), None);
    let names: Vec<String> = registry::builtin(&some)
        .unwrap()
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    assert!(names.contains(&"outbound-policy".to_string()), "{names:?}");
}

#[test]
fn open_windows_survive_a_snapshot() {
    let c = ctx(Some(FORBID), None);
    let first = read_via_file(
        "access.log",
        &squid(
            "1794996000.000",
            "TCP_TUNNEL/200",
            "pastebin.com",
            "alice",
            3_000,
        ),
    );
    let second = read_via_file(
        "access.log",
        &squid(
            "1794996060.000",
            "TCP_TUNNEL/200",
            "pastebin.com",
            "alice",
            4_000,
        ),
    );
    let mut engine = outflow_analytics::AnalyticsEngine::new(c.clone(), vec![]);
    let mut a = build(&c);
    let mut out = Vec::new();
    a.on_event(&engine.view(&first[0]), &mut out);
    assert!(out.is_empty() && a.state_len() == 1);
    let snap = a.snapshot();
    let mut b = build(&c);
    b.restore(snap).unwrap();
    b.on_event(&engine.view(&second[0]), &mut out);
    b.finish(&mut out);
    assert_eq!(out.len(), 1);
    // Squid's native log counts bytes received only.
    assert_eq!(out[0].bytes_out, None);
    assert_eq!(out[0].fields["sessions"], "2");
    assert!(
        out[0].evidence[0].summary.contains("size not logged"),
        "{:?}",
        out[0].evidence
    );
    assert_eq!(out[0].evidence.len(), 2);
    assert!(b.restore(serde_json::json!([1, 2])).is_err());
}
