//! Zeek TSV and JSON readers on hand-written fixtures, through detection,
//! parsing and the built-in mapping.

mod common;

use common::*;

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_to_vec, InputSpec, Limits};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

fn read(name: &str, forced: Option<SourceKind>) -> Read {
    read_path(&fixture("zeek", name), forced)
}

fn primary(ev: &Event) -> String {
    ev.logsources
        .first()
        .map(|l| l.to_string())
        .unwrap_or_default()
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn http_tsv_values_escapes_sets_and_bad_line() {
    let r = read("http.log", None);
    assert_eq!(r.format, Some(SourceKind::ZeekTsv));
    // The 8-column line is rejected with its line number; the rest is read.
    assert_eq!(r.rejects, [(RejectReason::ColumnCount, Position::Line(11))]);
    assert_eq!(r.events.len(), 3);

    let ev = &r.events[0];
    assert_eq!(ev.ts.unwrap().to_string(), "2026-11-20T09:00:00.123456Z");
    assert_eq!(ev.get_str("ts"), Some("1795165200.123456"));
    assert_eq!(ev.get_str("_path"), Some("http"));
    assert_eq!(ev.get_str("uri"), Some("/search.php?q=a\tb&lang=en"));
    assert_eq!(ev.get_str("user_agent"), Some("Mozilla/5.0 (X11, Linux)"));
    assert_eq!(ev.get("id.resp_p"), Some(&Value::Int(80)));
    assert_eq!(ev.get("response_body_len"), Some(&Value::Int(1256)));
    // Unset fields are absent; empty sets are empty lists.
    assert_eq!(ev.get("referrer"), None);
    assert_eq!(ev.get("username"), None);
    assert_eq!(ev.get("tags"), Some(&Value::List(Vec::new())));
    // Sets split on the set separator; an escaped separator stays inside its element.
    let Some(Value::List(mimes)) = ev.get("resp_mime_types") else {
        panic!("list")
    };
    assert_eq!(mimes.len(), 2);
    assert_eq!(ev.display(&mimes[1]), "text/x,plain");
    assert_eq!(text(ev, "resp_fuids"), "FhA1,FhA2");
    // Strings without escapes point into the raw line.
    assert!(ev.raw().contains("example.com"));

    // Mapping: zeek http + proxy taxonomy + entity.
    assert_eq!(primary(ev), "zeek/-/http");
    assert_eq!(ev.logsources[1].to_string(), "-/proxy/-");
    assert_eq!(ev.get_str("c-uri"), Some("/search.php?q=a\tb&lang=en"));
    assert_eq!(ev.get_str("c-uri-stem"), Some("/search.php"));
    assert_eq!(ev.get_str("c-uri-query"), Some("q=a\tb&lang=en"));
    assert_eq!(ev.get_str("c-uri-extension"), Some("php"));
    assert_eq!(ev.get_str("cs-host"), Some("example.com"));
    assert_eq!(ev.get_str("r-dns"), Some("example.com"));
    assert_eq!(ev.get_str("cs-method"), Some("GET"));
    assert_eq!(ev.get("sc-status"), Some(&Value::Int(200)));
    assert_eq!(ev.get_str("c-ip"), Some("10.20.30.21"));

    let post = &r.events[1];
    assert_eq!(post.ts.unwrap().to_string(), "2026-11-20T09:01:00.500Z");
    assert_eq!(post.get_str("cs-method"), Some("POST"));
    assert_eq!(post.get("cs-bytes"), Some(&Value::Int(52_428_800)));
    assert_eq!(post.get_str("c-uri-extension"), Some("zip"));
    assert_eq!(post.get("c-uri-query"), None);
    let e = &post.entity;
    assert_eq!(e.src_ip, ip("10.20.30.52"));
    assert_eq!(e.src_port, Some(51544));
    assert_eq!(e.dst_ip, ip("144.76.136.153"));
    assert_eq!(e.dst_port, Some(80));
    assert_eq!(e.bytes_out, Some(52_428_800));
    assert_eq!(e.bytes_in, Some(74));
    assert_eq!(
        post.entity_str(outflow_event::EntitySlot::DstDomain)
            .as_deref(),
        Some("transfer.sh")
    );
    assert_eq!(
        post.entity_str(outflow_event::EntitySlot::User).as_deref(),
        Some("alice")
    );
    assert_eq!(e.host, None);

    // Line 12 follows the rejected line: columns still by name.
    let last = &r.events[2];
    assert_eq!(last.origin.position, Position::Line(12));
    assert_eq!(last.get_str("uri"), Some("/"));
    assert_eq!(last.get("proxied"), Some(&Value::List(Vec::new())));
    assert_eq!(last.get("c-uri-extension"), None);
}

#[test]
fn bro22_table_types_and_close() {
    let r = read("bro22_conn.log", None);
    assert_eq!(r.format, Some(SourceKind::ZeekTsv));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);
    let ev = &r.events[0];
    assert_eq!(ev.get("duration"), Some(&Value::Float(0.403402)));
    assert_eq!(ev.get("tunnel_parents"), Some(&Value::List(Vec::new())));
    assert_eq!(ev.get("local_orig"), None);
    assert_eq!(primary(ev), "zeek/-/conn");
    assert_eq!(ev.entity.bytes_out, Some(412));
    assert_eq!(ev.entity.bytes_in, Some(1264));
    assert_eq!(ev.entity.dst_port, Some(80));
    let ev = &r.events[1];
    assert_eq!(text(ev, "tunnel_parents"), "Ctun1,Ctun2");
    assert_eq!(ev.get("orig_bytes"), None);
    assert_eq!(ev.entity.bytes_out, None);
}

#[test]
fn rotated_file_resets_schema_per_header_block() {
    let r = read("rotated_conn.log", None);
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);
    assert_eq!(r.events[0].get("service"), None);
    assert_eq!(r.events[0].get("orig_bytes"), Some(&Value::Int(40)));
    let second = &r.events[1];
    assert_eq!(second.get_str("service"), Some("ssl"));
    assert_eq!(second.get("resp_bytes"), Some(&Value::Int(90_000)));
    assert_eq!(second.get("ip_proto"), Some(&Value::Int(6)));
    assert_eq!(second.entity.bytes_in, Some(90_000));
    assert_eq!(r.events[2].get("service"), None);
    assert!(r.events.iter().all(|e| primary(e) == "zeek/-/conn"));
}

#[test]
fn data_before_fields_header_is_rejected() {
    let r = read("data_before_header.log", None);
    assert_eq!(r.format, Some(SourceKind::ZeekTsv));
    assert_eq!(
        r.rejects,
        [(RejectReason::MissingHeader, Position::Line(3))]
    );
    assert_eq!(r.events.len(), 1);
    let ev = &r.events[0];
    assert_eq!(primary(ev), "zeek/-/dns");
    assert_eq!(ev.logsources[1].to_string(), "-/dns/-");
    assert_eq!(ev.get_str("query"), Some("g.api.mega.co.nz"));
    assert_eq!(text(ev, "answer"), "31.216.148.11,31.216.148.12");
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::DstDomain)
            .as_deref(),
        Some("g.api.mega.co.nz")
    );
    assert_eq!(ev.entity.dst_port, Some(53));
}

#[test]
fn headerless_data_forced_as_zeek_is_rejected_line_by_line() {
    let r = read("headerless.log", Some(SourceKind::ZeekTsv));
    assert!(r.events.is_empty());
    assert_eq!(
        r.rejects,
        [
            (RejectReason::MissingHeader, Position::Line(1)),
            (RejectReason::MissingHeader, Position::Line(2))
        ]
    );
}

#[test]
fn btest_masked_timestamps_keep_the_event() {
    let r = read("btest_masked.log", None);
    assert_eq!(r.format, Some(SourceKind::ZeekTsv));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 1);
    let ev = &r.events[0];
    assert_eq!(ev.ts, None);
    assert_eq!(ev.get_str("ts"), Some("XXXXXXXXXX.XXXXXX"));
    assert_eq!(ev.get("established"), Some(&Value::Bool(true)));
    assert_eq!(primary(ev), "zeek/-/ssl");
    assert_eq!(
        ev.entity_str(outflow_event::EntitySlot::DstDomain)
            .as_deref(),
        Some("www.google.com")
    );
}

#[test]
fn json_float_millis_and_iso_timestamps() {
    let r = read("json_ts.log", None);
    assert_eq!(r.format, Some(SourceKind::ZeekJson));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 4);
    let [conn, dns, http, ssl] = &r.events[..] else {
        panic!()
    };

    assert_eq!(conn.ts.unwrap().to_string(), "2026-11-20T09:00:00.123456Z");
    assert_eq!(conn.get_str("id.orig_h"), Some("10.20.30.47"));
    assert_eq!(primary(conn), "zeek/-/conn");
    assert_eq!(conn.entity.bytes_out, Some(188_743_680));
    assert_eq!(conn.entity.dst_ip, ip("31.216.148.11"));
    assert_eq!(conn.get("tunnel_parents"), Some(&Value::List(Vec::new())));

    // No _path: inferred from the fields.
    assert_eq!(dns.ts.unwrap().to_string(), "2026-11-20T09:01:00.123Z");
    assert_eq!(dns.get_str("_path"), Some("dns"));
    assert_eq!(primary(dns), "zeek/-/dns");
    assert_eq!(dns.get_str("record_type"), Some("A"));

    assert_eq!(http.ts.unwrap().to_string(), "2026-11-20T09:02:00.500Z");
    assert_eq!(http.get_str("_path"), Some("http"));
    assert_eq!(http.get_str("c-uri-extension"), Some("gz"));
    assert_eq!(http.get_str("c-uri-query"), Some("ttl=1"));
    assert_eq!(http.entity.bytes_out, Some(52_428_800));
    assert_eq!(
        http.entity_str(outflow_event::EntitySlot::User).as_deref(),
        Some("bob")
    );

    assert_eq!(ssl.get_str("_path"), Some("ssl"));
    assert_eq!(
        ssl.entity_str(outflow_event::EntitySlot::DstDomain)
            .as_deref(),
        Some("discord.com")
    );
    assert_eq!(ssl.entity.dst_port, Some(443));
}

#[test]
fn demo_logs_read_cleanly() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats");
    for dir in ["zeek", "zeek-json"] {
        let Ok(entries) = std::fs::read_dir(demo.join(dir)) else {
            panic!("missing examples/formats/{dir}");
        };
        for entry in entries.flatten() {
            let (outcome, sink) =
                read_to_vec(&InputSpec::File(entry.path()), None, &Limits::default());
            let want = if dir == "zeek" {
                SourceKind::ZeekTsv
            } else {
                SourceKind::ZeekJson
            };
            assert_eq!(outcome.format, Some(want), "{}", entry.path().display());
            assert!(
                sink.rejects.is_empty(),
                "{}: {:?}",
                entry.path().display(),
                sink.rejects
            );
            assert!(!sink.events.is_empty());
            assert!(sink.events.iter().all(|e| e.ts.is_some()));
        }
    }
}

#[test]
fn demo_shows_the_mega_upload_and_the_transfer_sh_post() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/formats/zeek");
    let maps = Arc::new(Mappings::builtin().expect("built-in mappings"));
    let mut norm = Normalizer::new(maps);
    let read_demo = |name: &str, norm: &mut Normalizer| {
        let (_, sink) = read_to_vec(&InputSpec::File(demo.join(name)), None, &Limits::default());
        let mut events = sink.events;
        events.iter_mut().for_each(|e| norm.normalize(e));
        events
    };
    let conn = read_demo("conn.log", &mut norm);
    let mega = ip("31.216.148.11");
    let up: u64 = conn
        .iter()
        .filter(|e| e.entity.src_ip == ip("10.20.30.47") && e.entity.dst_ip == mega)
        .map(|e| e.entity.bytes_out.unwrap_or(0))
        .sum();
    assert!((180 << 20..200_000_000).contains(&up), "{up}");
    let ssl = read_demo("ssl.log", &mut norm);
    assert!(ssl.iter().any(|e| e.entity.dst_ip == mega
        && e.entity_str(outflow_event::EntitySlot::DstDomain)
            .as_deref()
            == Some("gfs270n122.userstorage.mega.co.nz")));
    assert!(ssl.iter().any(|e| e
        .entity_str(outflow_event::EntitySlot::DstDomain)
        .as_deref()
        == Some("discord.com")));
    let http = read_demo("http.log", &mut norm);
    let post = http
        .iter()
        .find(|e| e.get_str("cs-method") == Some("POST"))
        .expect("POST");
    assert_eq!(post.get_str("cs-host"), Some("transfer.sh"));
    assert!(post.entity.bytes_out.unwrap_or(0) > 40_000_000);
    assert_eq!(post.entity.src_ip, ip("10.20.30.52"));
    assert!(post.ts.unwrap().to_string().starts_with("2026-11-20T10:05"));
}

/// `DropSink` (the benchmarks' sink) sees every event and counts every
/// reject, keeping nothing.
#[test]
fn a_drop_sink_counts_what_it_drops() {
    let text = "{\"_path\":\"conn\",\"ts\":1795000000.5,\"uid\":\"C1\"}\n{\"_path\":\"conn\", cut\n{\"_path\":\"conn\",\"ts\":1795000001.5,\"uid\":\"C2\"}\n";
    let spec = outflow_sources::InputSpec::Bytes {
        name: "conn.json".into(),
        data: std::sync::Arc::from(text.as_bytes()),
    };
    let mut uids = Vec::new();
    let counts = {
        let mut sink = outflow_sources::DropSink::new(|e: &mut outflow_event::Event| {
            uids.push(e.get_str("uid").map(str::to_string))
        });
        let limits = outflow_sources::Limits::default();
        outflow_sources::read_input(&spec, None, &limits, &mut sink, None);
        (sink.events, sink.rejects)
    };
    assert_eq!(counts, (2, 1));
    assert_eq!(uids, [Some("C1".to_string()), Some("C2".to_string())]);
}
