//! W3C (ProxySG, IIS) and Squid readers on hand-written fixtures, through
//! detection, parsing and the proxy mapping.

mod common;

use common::*;

use outflow_event::{EntitySlot, Event, Position, RejectReason, SourceKind};
use outflow_sources::input::{Compression, Opened};
use outflow_sources::{read_to_vec, CollectSink, InputSpec, Limits, ReadCtx};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

fn read(name: &str) -> Read {
    read_path(&fixture("proxy", name), None)
}

fn ent(ev: &Event, slot: EntitySlot) -> Option<String> {
    ev.entity_str(slot).map(|s| s.into_owned())
}

#[test]
fn proxysg_fields_url_and_entity() {
    let r = read("bluecoat.log");
    assert_eq!(r.format, Some(SourceKind::W3c));
    assert_eq!(
        r.rejects,
        [
            (RejectReason::Malformed, Position::Line(9)),
            (RejectReason::ColumnCount, Position::Line(10)),
        ]
    );
    assert_eq!(r.events.len(), 3);

    let ev = &r.events[0];
    assert_eq!(ev.origin.position, Position::Line(7));
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T10:01:02Z");
    assert_eq!(ev.get_str("cs-username"), Some("CORP\\carol"));
    assert_eq!(ev.get_str("cs-auth-group"), Some("CORP\\Domain Users"));
    assert_eq!(
        ev.get_str("cs-categories"),
        Some("Technology/Internet;Web Hosting")
    );
    assert!(ev
        .get_str("cs(User-Agent)")
        .unwrap()
        .starts_with("Mozilla/5.0 (Windows NT 10.0;"));
    // `-` is unset.
    assert_eq!(ev.get("x-exception-id"), None);
    assert_eq!(ev.get("cs(Referer)"), None);
    assert_eq!(ev.get_str("w3c_kind"), Some("proxy"));
    assert_eq!(
        ev.get_str("url"),
        Some("https://pastebin.com/api/api_post.php")
    );

    assert_eq!(logsources(ev), ["-/proxy/-"]);
    assert_eq!(
        ev.get_str("c-uri"),
        Some("https://pastebin.com/api/api_post.php")
    );
    assert_eq!(ev.get_str("cs-uri"), Some("/api/api_post.php"));
    assert_eq!(ev.get_str("c-uri-extension"), Some("php"));
    assert_eq!(ev.get_str("c-useragent"), ev.get_str("cs(User-Agent)"));
    assert_eq!(ev.get_str("cs-host"), Some("pastebin.com"));
    assert_eq!(ev.get_str("cs-method"), Some("POST"));
    assert_eq!(ev.entity.src_ip, "10.20.30.52".parse().ok());
    assert_eq!(ent(ev, EntitySlot::User).as_deref(), Some("CORP\\carol"));
    assert_eq!(
        ent(ev, EntitySlot::DstDomain).as_deref(),
        Some("pastebin.com")
    );
    assert_eq!(ev.entity.dst_port, Some(443));
    assert_eq!(ev.entity.bytes_out, Some(99_614_720));
    assert_eq!(ev.entity.bytes_in, Some(512));
    // s-ip is the proxy, not the server.
    assert_eq!(ev.entity.dst_ip, None);

    let news = &r.events[1];
    assert_eq!(news.get_str("cs-uri-query"), Some("?id=42&ref=\"home\""));
    assert_eq!(
        news.get_str("c-uri"),
        Some("http://news.example.com/world/story.html?id=42&ref=\"home\"")
    );
    assert_eq!(
        news.get_str("cs-referrer"),
        Some("https://news.example.com/")
    );

    // A new #Fields line mid-file changes the columns.
    let fileio = &r.events[2];
    assert_eq!(fileio.origin.position, Position::Line(12));
    assert_eq!(fileio.get_str("cs-method"), Some("CONNECT"));
    assert_eq!(fileio.get_str("c-uri"), Some("tcp://file.io:443/"));
    assert_eq!(fileio.entity.dst_ip, "34.197.10.85".parse().ok());
    assert_eq!(fileio.entity.bytes_out, Some(4_404_019));
}

#[test]
fn iis_is_a_webserver_log() {
    let r = read("iis.log");
    assert_eq!(r.format, Some(SourceKind::W3c));
    assert_eq!(
        r.rejects,
        [(RejectReason::MissingHeader, Position::Line(2))]
    );
    assert_eq!(r.events.len(), 2);
    let ev = &r.events[0];
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T10:05:01Z");
    assert_eq!(ev.get_str("w3c_kind"), Some("webserver"));
    assert_eq!(logsources(ev), ["-/webserver/-"]);
    assert_eq!(ev.get_str("cs-uri-query"), Some("cmd=login&x=1"));
    assert_eq!(
        ev.get_str("cs-user-agent"),
        Some("Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)")
    );
    assert_eq!(
        ev.get_str("cs-referer"),
        Some("https://mail.corp.example/owa/")
    );
    assert_eq!(ev.get_str("c-uri"), Some("/owa/auth.owa"));
    assert_eq!(ev.entity.src_ip, "10.20.30.52".parse().ok());
    assert_eq!(ev.entity.dst_ip, "10.20.30.10".parse().ok());
    assert_eq!(ev.entity.dst_port, Some(443));
    assert_eq!(ent(ev, EntitySlot::User).as_deref(), Some("CORP\\dave"));
}

#[test]
fn squid_native_fields_and_url_parts() {
    let r = read("squid-access.log");
    assert_eq!(r.format, Some(SourceKind::Squid));
    assert_eq!(
        r.rejects,
        [
            (RejectReason::ColumnCount, Position::Line(4)),
            (RejectReason::Malformed, Position::Line(5)),
        ]
    );
    assert_eq!(r.events.len(), 4);

    let tg = &r.events[0];
    assert_eq!(tg.ts.unwrap().to_string(), "2026-11-20T10:00:00.123Z");
    assert_eq!(tg.get_str("elapsed"), Some("145"));
    assert_eq!(tg.get_str("result_code"), Some("TCP_TUNNEL"));
    assert_eq!(tg.get_str("status"), Some("200"));
    assert_eq!(tg.get_str("hierarchy"), Some("HIER_DIRECT"));
    assert_eq!(tg.get_str("peer"), Some("149.154.167.220"));
    assert_eq!(tg.get("content_type"), None);
    assert_eq!(logsources(tg), ["-/proxy/-"]);
    assert_eq!(tg.get_str("cs-host"), Some("api.telegram.org"));
    assert_eq!(tg.get_str("c-uri"), Some("api.telegram.org:443"));
    assert_eq!(tg.get_str("cs-method"), Some("CONNECT"));
    assert_eq!(tg.entity.src_ip, "10.20.30.52".parse().ok());
    assert_eq!(tg.entity.dst_ip, "149.154.167.220".parse().ok());
    assert_eq!(tg.entity.dst_port, Some(443));
    assert_eq!(tg.entity.bytes_in, Some(3450));
    assert_eq!(tg.entity.bytes_out, None);
    assert_eq!(ent(tg, EntitySlot::User).as_deref(), Some("carol"));

    let dl = &r.events[1];
    assert_eq!(dl.get_str("c-uri-stem"), Some("/dl/setup.exe"));
    assert_eq!(dl.get_str("c-uri-query"), Some("lang=en"));
    assert_eq!(dl.get_str("c-uri-extension"), Some("exe"));
    assert_eq!(dl.get_str("content_type"), Some("application/octet-stream"));

    let denied = &r.events[2];
    assert_eq!(denied.get("peer"), None);
    assert_eq!(denied.get_str("hierarchy"), Some("HIER_NONE"));
}

fn read_with(read: fn(Opened, &mut ReadCtx) -> std::io::Result<()>, input: &str) {
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
    read(opened, &mut ctx).unwrap();
}

proptest! {
    #[test]
    fn w3c_arbitrary_lines_never_panic(lines in prop::collection::vec(
        prop_oneof![
            ".{0,100}",
            "#Fields: ([a-z()-]{1,12} ){0,6}",
            "([-a-z0-9:/.?=\"]{0,12}[ \t]{1,2}){0,7}",
        ], 0..20)) {
        read_with(outflow_sources::formats::w3c::read, &lines.join("\n"));
    }

    #[test]
    fn squid_arbitrary_lines_never_panic(lines in prop::collection::vec(
        prop_oneof![
            ".{0,100}",
            "[0-9.]{1,14} +[0-9]{1,4} [0-9.]{1,15} [A-Z_]{1,10}/[0-9]{0,3} [0-9]{1,5} [A-Z]{1,7} [ -~&&[^ ]]{1,30} - [A-Z_]{1,10}/[ -~&&[^ ]]{0,15} [a-z/-]{1,10}",
        ], 0..20)) {
        read_with(outflow_sources::formats::squid::read, &lines.join("\n"));
    }
}

#[test]
fn demo_logs_read_cleanly() {
    let demo = |n: &str| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/formats")
            .join(n)
    };
    let (outcome, sink) = read_to_vec(
        &InputSpec::File(demo("proxy-bluecoat.log")),
        None,
        &Limits::default(),
    );
    assert_eq!(outcome.format, Some(SourceKind::W3c));
    assert!(sink.rejects.is_empty(), "{:?}", sink.rejects);
    let up: u64 = sink
        .events
        .iter()
        .filter(|e| {
            e.get_str("c-ip") == Some("10.20.30.52") && e.get_str("cs-method") == Some("POST")
        })
        .map(|e| {
            e.get_str("cs-bytes")
                .unwrap_or("0")
                .parse::<u64>()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(up, 95 * 1024 * 1024);
    let (outcome, sink) = read_to_vec(
        &InputSpec::File(demo("squid-access.log")),
        None,
        &Limits::default(),
    );
    assert_eq!(outcome.format, Some(SourceKind::Squid));
    assert!(sink.rejects.is_empty(), "{:?}", sink.rejects);
    assert_eq!(sink.events.len(), 6);
}

/// The sniffers of this family claim their own demo files and no other.
#[test]
fn sniffers_claim_only_their_demo_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats");
    let mine = [
        ("auditd.log", SourceKind::Auditd),
        ("proxy-bluecoat.log", SourceKind::W3c),
        ("squid-access.log", SourceKind::Squid),
        ("panos-traffic.csv", SourceKind::PanOs),
    ];
    let ours = [
        SourceKind::Auditd,
        SourceKind::W3c,
        SourceKind::Squid,
        SourceKind::PanOs,
    ];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let found = outflow_sources::detect_format(&bytes[..bytes.len().min(64 * 1024)]);
        match mine.iter().find(|(n, _)| *n == name) {
            Some((_, kind)) => assert_eq!(found, Some(*kind), "{name}"),
            None => assert!(
                found.is_none_or(|k| !ours.contains(&k)),
                "{name} taken as {found:?}"
            ),
        }
    }
}
