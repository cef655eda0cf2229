//! Email readers (Proofpoint on Demand message log, Microsoft 365 message
//! trace CSV) on real-shaped fixtures, through detection, parsing and the
//! built-in `email` mapping; and the demo examples.

mod common;

use common::*;

use outflow_event::{Event, Position, RejectReason, SourceKind, Value};
use outflow_sources::detect_format;
use std::net::IpAddr;

fn read(name: &str) -> Read {
    read_path(&fixture("email", name), None)
}

fn user(ev: &Event) -> Option<String> {
    ev.entity.user.as_ref().map(|v| ev.display(v).into_owned())
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn detects_every_fixture_and_demo_file() {
    let cases = [
        (fixture("email", "proofpoint.jsonl"), SourceKind::Proofpoint),
        (
            fixture("email", "message-trace.csv"),
            SourceKind::MessageTrace,
        ),
        (
            fixture("email", "message-trace-extended.csv"),
            SourceKind::MessageTrace,
        ),
        (
            fixture("email", "message-trace-bad.csv"),
            SourceKind::MessageTrace,
        ),
        (demo("proofpoint.jsonl"), SourceKind::Proofpoint),
        (demo("message-trace.csv"), SourceKind::MessageTrace),
    ];
    for (path, kind) in cases {
        let bytes = std::fs::read(&path).expect("fixture");
        assert_eq!(detect_format(&bytes), Some(kind), "{}", path.display());
    }
}

#[test]
fn proofpoint_convenience_fields_logsource_and_entity() {
    let r = read("proofpoint.jsonl");
    assert_eq!(r.format, Some(SourceKind::Proofpoint));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);

    let out = &r.events[0];
    assert_eq!(out.ts.unwrap().to_string(), "2026-11-20T16:05:11.301220Z");
    assert_eq!(
        out.get_str("guid"),
        Some("vRq4ZIFWHXbuABCDEFghij0U4VvIc71x")
    );
    assert_eq!(out.get_str("filter.disposition"), Some("accept"));
    assert_eq!(
        text(out, "msgParts.detectedName"),
        "text.txt,finance-q4-part1.zip,ledger-2026.7z"
    );
    assert_eq!(out.get_str("sender"), Some("alice@corp.example"));
    assert_eq!(out.get_str("sender_ip"), Some("10.20.30.47"));
    assert_eq!(text(out, "recipients"), "alice.private@gmail.com");
    assert!(matches!(out.get("recipients"), Some(Value::List(_))));
    assert_eq!(out.get("size"), Some(&Value::Int(20_111_250)));
    assert_eq!(out.get_str("subject"), Some("docs"));
    assert_eq!(out.get_str("direction"), Some("outbound"));
    assert_eq!(
        text(out, "attachment_names"),
        "finance-q4-part1.zip,ledger-2026.7z"
    );
    assert_eq!(text(out, "attachment_types"), "zip,7z");
    assert_eq!(text(out, "attachment_sizes"), "19871250,18654");
    assert_eq!(
        out.get_str("tls_cipher"),
        Some("ECDHE-RSA-AES256-GCM-SHA384")
    );
    assert_eq!(
        out.get("encrypted"),
        Some(&Value::Bool(true)),
        "a password-protected part"
    );
    assert_eq!(logsources(out), ["proofpoint/-/pod", "-/email/-"]);
    assert_eq!(user(out).as_deref(), Some("alice@corp.example"));
    assert_eq!(out.entity.src_ip, ip("10.20.30.47"));
    assert_eq!(out.entity.bytes_out, Some(20_111_250));

    let inb = &r.events[1];
    assert_eq!(inb.ts.unwrap().to_string(), "2026-11-20T14:48:12.301220Z");
    assert_eq!(
        text(inb, "recipients"),
        "alice@corp.example,carol@corp.example"
    );
    assert_eq!(inb.get_str("subject"), Some("Invoice \"88312\""));
    assert_eq!(inb.get("attachment_names"), Some(&Value::List(Vec::new())));
    assert_eq!(inb.get("encrypted"), Some(&Value::Bool(false)));
    assert_eq!(inb.get("tls_cipher"), None);
}

#[test]
fn proofpoint_bad_records() {
    let r = read_path(
        &fixture("email", "proofpoint-bad.jsonl"),
        Some(SourceKind::Proofpoint),
    );
    assert!(r.events.is_empty());
    assert_eq!(
        r.rejects,
        [
            (RejectReason::UnexpectedShape, Position::Line(1)),
            (RejectReason::Truncated, Position::Line(2))
        ]
    );
}

#[test]
fn message_trace_export_with_type_line_quotes_and_repeated_header() {
    let r = read("message-trace.csv");
    assert_eq!(r.format, Some(SourceKind::MessageTrace));
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 3);

    let a = &r.events[0];
    assert_eq!(a.ts.unwrap().to_string(), "2026-11-20T16:05:12Z");
    assert_eq!(a.origin.position, Position::Line(3));
    assert_eq!(a.get_str("SenderAddress"), Some("alice@corp.example"));
    assert_eq!(a.get_str("MessageId"), Some("<a1@corp.example>"));
    assert_eq!(a.get_str("sender"), Some("alice@corp.example"));
    assert_eq!(a.get_str("sender_ip"), Some("10.20.30.47"));
    assert_eq!(text(a, "recipients"), "alice.private@gmail.com");
    assert_eq!(a.get("size"), Some(&Value::Int(20_111_250)));
    assert_eq!(logsources(a), ["m365/-/message_trace", "-/email/-"]);
    assert_eq!(user(a).as_deref(), Some("alice@corp.example"));
    assert_eq!(a.entity.src_ip, ip("10.20.30.47"));
    assert_eq!(a.entity.bytes_out, Some(20_111_250));

    // A quoted subject with doubled quotes, a comma and a line break.
    let b = &r.events[1];
    assert_eq!(b.origin.position, Position::Line(4));
    assert_eq!(b.get_str("Subject"), Some("RE: \"weekend\" plans,\nagain"));
    assert_eq!(b.get_str("subject"), Some("RE: \"weekend\" plans,\nagain"));
    // Empty ToIP is left out; the repeated header line is skipped.
    let c = &r.events[2];
    assert_eq!(c.origin.position, Position::Line(7));
    assert_eq!(c.get("ToIP"), None);
    assert_eq!(c.ts.unwrap().to_string(), "2026-11-20T07:48:13Z");
}

#[test]
fn message_trace_extended_report() {
    let r = read("message-trace-extended.csv");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!(r.events.len(), 2);
    let a = &r.events[0];
    assert_eq!(a.ts.unwrap().to_string(), "2026-11-20T16:11:18.431Z");
    assert_eq!(a.get_str("sender"), Some("alice@corp.example"));
    assert_eq!(a.get_str("sender_ip"), Some("10.20.30.47"));
    assert_eq!(
        text(a, "recipients"),
        "alice.private@gmail.com,backup@proton.example"
    );
    assert_eq!(a.get("size"), Some(&Value::Int(20_580_344)));
    assert_eq!(a.get_str("subject"), Some("docs 2"));
    assert_eq!(a.get_str("direction"), Some("outbound"));
    assert_eq!(a.entity.bytes_out, Some(20_580_344));
    assert_eq!(a.entity.src_ip, ip("10.20.30.47"));
    let b = &r.events[1];
    assert_eq!(b.get_str("direction"), Some("inbound"));
    assert_eq!(b.get_str("sender_ip"), Some("198.51.100.23"));
}

#[test]
fn message_trace_bad_rows_are_rejected_with_their_lines() {
    let r = read("message-trace-bad.csv");
    assert_eq!(r.events.len(), 1);
    assert_eq!(
        r.rejects,
        [
            (RejectReason::ColumnCount, Position::Line(3)),
            (RejectReason::Malformed, Position::Line(4)),
            (RejectReason::Truncated, Position::Line(5)),
        ]
    );
}

#[test]
fn demo_files_read_cleanly() {
    for (name, kind) in [
        ("proofpoint.jsonl", SourceKind::Proofpoint),
        ("message-trace.csv", SourceKind::MessageTrace),
    ] {
        let r = read_path(&demo(name), None);
        assert_eq!(r.format, Some(kind), "{name}");
        assert!(r.rejects.is_empty(), "{name}: {:?}", r.rejects);
        assert!(r.events.len() >= 8, "{name}: {} events", r.events.len());
        let to_freemail: Vec<&Event> = r
            .events
            .iter()
            .filter(|e| {
                e.get("recipients")
                    .is_some_and(|v| e.display(v).contains("alice.private@gmail.com"))
            })
            .collect();
        assert!(to_freemail.len() >= 4, "{name}");
        for ev in &r.events {
            assert!(
                ev.ts
                    .is_some_and(|t| t.to_string().starts_with("2026-11-20T")),
                "{name}"
            );
            assert_eq!(
                ev.logsources.get(1).map(|l| l.to_string()).as_deref(),
                Some("-/email/-")
            );
        }
        let big: u64 = to_freemail.iter().filter_map(|e| e.entity.bytes_out).sum();
        assert!(big > 70_000_000, "{name}: {big}");
        assert!(to_freemail
            .iter()
            .all(|e| user(e).as_deref() == Some("alice@corp.example")));
    }
}

/// The fixture re-encoded: UTF-16LE with a byte-order mark (as the Exchange
/// admin center's message trace downloads), UTF-16BE, and UTF-16LE without
/// a mark inside gzip. Each reads exactly as the UTF-8 original.
#[test]
fn utf16_message_trace_reads_as_its_utf8_original() {
    use std::io::Write;
    let original = read("message-trace.csv");
    let text = std::fs::read_to_string(fixture("email", "message-trace.csv")).unwrap();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&le).unwrap();
    let variants = [
        ("le-bom.csv", [&[0xFF, 0xFE][..], &le].concat()),
        ("be-bom.csv", [&[0xFE, 0xFF][..], &be].concat()),
        ("le.csv.gz", gz.finish().unwrap()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in variants {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = read_path(&path, None);
        assert_eq!(r.format, Some(SourceKind::MessageTrace), "{name}");
        assert_eq!(r.rejects, original.rejects, "{name}");
        assert_eq!(r.events.len(), original.events.len(), "{name}");
        for (a, b) in r.events.iter().zip(&original.events) {
            assert_eq!(a.origin.position, b.origin.position, "{name}");
            assert_eq!(a.ts, b.ts, "{name}");
            assert_eq!(a.raw(), b.raw(), "{name}");
            assert_eq!(a.get_str("Subject"), b.get_str("Subject"), "{name}");
            assert_eq!(a.entity.bytes_out, b.entity.bytes_out, "{name}");
        }
    }
}
