//! The PAN-OS reader on hand-written syslog and CSV-export fixtures, through
//! detection, parsing and the firewall mapping.

mod common;

use common::*;

use outflow_event::{EntitySlot, Position, RejectReason, SourceKind};
use outflow_sources::input::{Compression, Opened};
use outflow_sources::{read_to_vec, CollectSink, InputSpec, Limits, ReadCtx};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

fn read(name: &str) -> Read {
    read_path(&fixture("firewall", name), None)
}

#[test]
fn syslog_traffic_threat_system_and_rejects() {
    let r = read("traffic.log");
    assert_eq!(r.format, Some(SourceKind::PanOs));
    assert_eq!(
        r.rejects,
        [
            (RejectReason::ColumnCount, Position::Line(5)),
            (RejectReason::Malformed, Position::Line(6)),
            (RejectReason::Malformed, Position::Line(7)),
        ]
    );
    assert_eq!(r.events.len(), 5);

    let mega = &r.events[0];
    assert_eq!(mega.origin.position, Position::Line(1));
    assert_eq!(mega.ts.unwrap().to_string(), "2026-11-20T09:59:58Z");
    assert_eq!(mega.get_str("type"), Some("TRAFFIC"));
    assert_eq!(mega.get_str("subtype"), Some("end"));
    assert_eq!(mega.get_str("src_ip"), Some("10.20.30.47"));
    assert_eq!(mega.get_str("dst_ip"), Some("31.216.148.11"));
    assert_eq!(mega.get_str("dst_port"), Some("443"));
    assert_eq!(mega.get_str("app"), Some("mega"));
    assert_eq!(mega.get_str("source_user"), Some("corp\\dave"));
    assert_eq!(mega.get_str("action"), Some("allow"));
    assert_eq!(mega.get_str("blocked"), Some("false"));
    assert_eq!(mega.get_str("bytes_sent"), Some("188743680"));
    assert_eq!(
        mega.get_str("category"),
        Some("online-storage-and-backup,high-risk")
    );
    assert_eq!(mega.get_str("session_end_reason"), Some("tcp-fin"));
    assert_eq!(mega.get_str("device_name"), Some("fw01"));
    assert_eq!(
        mega.get_str("rule_uuid"),
        Some("9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11")
    );
    // Empty and FUTURE_USE columns are not fields.
    assert_eq!(mega.get("destination_user"), None);
    assert_eq!(mega.get(""), None);

    assert_eq!(logsources(mega), ["-/firewall/-", "paloalto/-/traffic"]);
    assert_eq!(mega.get_str("application"), Some("mega"));
    assert_eq!(mega.entity.src_ip, "10.20.30.47".parse().ok());
    assert_eq!(mega.entity.dst_ip, "31.216.148.11".parse().ok());
    assert_eq!(mega.entity.src_port, Some(50522));
    assert_eq!(mega.entity.dst_port, Some(443));
    assert_eq!(mega.entity.bytes_out, Some(188_743_680));
    assert_eq!(mega.entity.bytes_in, Some(2_210_344));
    assert_eq!(
        mega.entity_str(EntitySlot::User).as_deref(),
        Some("corp\\dave")
    );
    assert_eq!(mega.entity_str(EntitySlot::Host).as_deref(), Some("fw01"));

    let deny = &r.events[1];
    assert_eq!(deny.get_str("action"), Some("deny"));
    assert_eq!(deny.get_str("blocked"), Some("true"));
    assert_eq!(deny.get("source_user"), None);

    let threat = &r.events[2];
    assert_eq!(threat.get_str("type"), Some("THREAT"));
    assert_eq!(threat.get_str("misc"), Some("example.com/a,b.html"));
    assert_eq!(threat.get_str("threat_id"), Some("(9999)"));
    assert_eq!(threat.get_str("severity"), Some("informational"));
    assert_eq!(logsources(threat), ["paloalto/-/threat"]);

    // Other types keep only the fields every type starts with.
    let system = &r.events[3];
    assert_eq!(system.get_str("type"), Some("SYSTEM"));
    assert_eq!(
        system.get_str("time_generated"),
        Some("2026/11/20 10:00:07")
    );
    assert_eq!(system.get("src_ip"), None);
    assert_eq!(logsources(system), ["paloalto/-/-"]);

    let bare = &r.events[4];
    assert_eq!(bare.origin.position, Position::Line(8));
    assert_eq!(bare.get_str("app"), Some("github-base"));
    assert_eq!(bare.entity.host, None);
}

#[test]
fn csv_export_with_title_row() {
    let r = read("export.csv");
    assert_eq!(r.format, Some(SourceKind::PanOs));
    assert_eq!(r.rejects, [(RejectReason::ColumnCount, Position::Line(3))]);
    assert_eq!(r.events.len(), 1);
    let ev = &r.events[0];
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T10:59:59Z");
    assert_eq!(ev.get_str("domain"), Some("1"));
    assert_eq!(ev.get_str("src_ip"), Some("10.20.30.47"));
    assert_eq!(ev.get_str("bytes_sent"), Some("52428800"));
    assert_eq!(ev.get_str("elapsed"), Some("600"));
    assert_eq!(ev.get_str("time_logged"), Some("2026/11/20 11:00:00"));
    assert_eq!(
        ev.get_str("category"),
        Some("online-storage-and-backup,high-risk")
    );
    assert_eq!(logsources(ev), ["-/firewall/-", "paloalto/-/traffic"]);
    assert_eq!(ev.entity.bytes_out, Some(52_428_800));
    assert_eq!(ev.entity.dst_port, Some(443));
}

fn read_text(input: &str) {
    let limits = Limits::default();
    let mut sink = CollectSink::default();
    let mut ctx = ReadCtx::new(Arc::from("p"), &limits, &mut sink);
    let opened = Opened {
        reader: Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
        sample: Vec::new(),
        compression: Compression::None,
        plain_path: None,
        transcoded: None,
        consumed: Default::default(),
    };
    outflow_sources::formats::panos::read(opened, &mut ctx).unwrap();
}

proptest! {
    #[test]
    fn arbitrary_lines_never_panic(lines in prop::collection::vec(
        prop_oneof![
            ".{0,100}",
            "(<1[0-9]>[A-Z][a-z]{2} [0-9 :]{0,12} fw )?1,2026/11/20 10:00:0[0-9],[0-9]{3},(TRAFFIC|THREAT|SYSTEM),([-a-z0-9.\"/]{0,8},){0,50}",
            "Receive Time,Type(,[A-Za-z #]{0,10}){0,5}",
        ], 0..20)) {
        read_text(&lines.join("\n"));
    }
}

#[test]
fn demo_log_reads_cleanly() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats/panos-traffic.csv");
    let (outcome, sink) = read_to_vec(&InputSpec::File(path), None, &Limits::default());
    assert_eq!(outcome.format, Some(SourceKind::PanOs));
    assert!(sink.rejects.is_empty(), "{:?}", sink.rejects);
    assert_eq!(sink.events.len(), 8);
    let mega = sink
        .events
        .iter()
        .find(|e| e.get_str("app") == Some("mega"))
        .expect("mega");
    assert_eq!(mega.get_str("src_ip"), Some("10.20.30.47"));
    assert_eq!(mega.get_str("bytes_sent"), Some("188743680"));
}

/// A PAN-OS 10.1+ TRAFFIC record carries 25 more fields past the
/// destination MAC address; they are named, up to `cluster_name`, and a
/// log of such lines reads every line alike (their keys made once).
#[test]
fn pan_os_10_1_fields_past_the_mac_addresses_are_named() {
    let first = std::fs::read_to_string(fixture("firewall", "traffic.log")).unwrap();
    let line = first.lines().next().unwrap().trim_end();
    let extra = [
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0",
        "2026-11-20T10:00:00.123+00:00",
        "",
        "",
        "online-storage",
        "general-internet",
        "client-server",
        "4",
        // Values holding commas are quoted, as PAN-OS writes them.
        "\"able-to-transfer-files,has-known-vulnerability,prone-to-misuse,is-saas\"",
        "",
        "0",
        "yes",
        "no",
        "no",
        "NonProxyTraffic",
        "",
    ];
    assert_eq!(extra.len(), 25);
    let long = format!("{line},{}", extra.join(","));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traffic-11.log");
    std::fs::write(&path, format!("{long}\n{long}\n")).unwrap();
    let r = read_path(&path, None);
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);
    for ev in &r.events {
        assert_eq!(ev.get_str("dst_ip"), Some("31.216.148.11"));
        assert_eq!(ev.get_str("subcategory_of_app"), Some("online-storage"));
        assert_eq!(ev.get_str("risk_of_app"), Some("4"));
        assert_eq!(ev.get_str("is_saas_of_app"), Some("yes"));
        assert_eq!(ev.get_str("sanctioned_state_of_app"), Some("no"));
        assert_eq!(ev.get_str("flow_type"), Some("NonProxyTraffic"));
        assert_eq!(
            ev.get_str("characteristic_of_app"),
            Some("able-to-transfer-files,has-known-vulnerability,prone-to-misuse,is-saas")
        );
        assert_eq!(
            ev.get_str("high_res_timestamp"),
            Some("2026-11-20T10:00:00.123+00:00")
        );
    }
}
